#ifndef SIGIL_SBOM_SPDX_H
#define SIGIL_SBOM_SPDX_H
/* SPDX 2.3 JSON (../shared/schemas/spdx-2.3-schema.json) from a catalog: the document
 * DESCRIBES the image package, the image CONTAINS the OS and every package, each package
 * CONTAINS the files it owns that exist in the final filesystem (--scope all-layers: a
 * package a later layer deleted or replaced, those its layer had). Deterministic: the same
 * image, tool version and `created` give the same bytes (keys and lists sorted, ids and
 * namespace derived from content). */
#include <stddef.h>
#include "buf.h"
#include "catalog.h"
#include "walker.h"

struct sg_error;

/* The image an SBOM describes. */
typedef struct sg_sbom_image {
	const char *name;      /* what the user asked for, canonical ("oci:dir:tag", "host/repo:tag") */
	const char *repo;      /* "host/repository" or "localhost/<name>" for layouts */
	int local;             /* an OCI layout: repo is no place to fetch from */
	const char *tag;       /* NULL when absent */
	const char *digest;    /* the platform manifest's digest */
	const char *os, *arch, *variant; /* from the config; variant may be NULL */
	char **layers;         /* layer blob digests, bottom first */
	size_t nlayers;
	int all_layers;        /* the catalog is of every layer's view (--scope all-layers):
				* another document, so another namespace and serial number */
} sg_sbom_image;

/* The document's name and namespace inputs are img; created is an RFC 3339 UTC time
 * ("2000-01-01T00:00:00Z"). Appends to out (out->max caps the size: SG_ETOOBIG). */
int sg_spdx_write(sg_buf *out, const sg_sbom_image *img, const sg_catalog *c, const sg_walker *w,
		  const char *created, struct sg_error *e);

/* "pkg:oci/<last repo component>@<digest>?arch=..&repository_url=..&tag=.." (owned). */
char *sg_oci_purl(const sg_sbom_image *img);

/* ---- shared with the CycloneDX writer (cyclonedx.c) ---- */

struct sg_gojson;
/* "SPDXRef-Package-<type>-<name>-<16 hex of purl and evidence>": stable, unique (owned;
 * NULL when out of memory). CycloneDX uses it as the bom-ref. */
char *sg_sbom_pkg_ref(const sg_pkg *p);
/* A UUIDv5 from the image name, digest, tool version and salt (may be NULL). */
int sg_sbom_uuid(char uuid[37], const sg_sbom_image *img, const char *salt);
/* A JSON string for untrusted text: controls escaped, invalid UTF-8 as U+FFFD, < > & kept. */
void sg_sbom_jstr(struct sg_gojson *j, const char *s);

/* CycloneDX 1.6 JSON of the same catalog: metadata.component is the image (pkg:oci purl),
 * components the OS and packages (bom-ref = the SPDX id), evidence.occurrences the files
 * read, layers as properties, dependencies from ownership and binaries' modules. The
 * serialNumber is a UUIDv5 of the image and tool version; timestamp is created. */
int sg_cdx_write(sg_buf *out, const sg_sbom_image *img, const sg_catalog *c,
		 const char *created, struct sg_error *e);

#endif
