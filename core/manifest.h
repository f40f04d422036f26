#ifndef SIGIL_MANIFEST_H
#define SIGIL_MANIFEST_H
#include <stddef.h>
#include <stdint.h>

struct sg_error;
struct json_t;

#define SG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SG_MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define SG_MT_OCI_CONFIG   "application/vnd.oci.image.config.v1+json"
#define SG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SG_MT_DOCKER_LIST  "application/vnd.docker.distribution.manifest.list.v2+json"
#define SG_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define SG_MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define SG_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
/* The Accept header for manifest GETs. */
#define SG_MANIFEST_ACCEPT SG_MT_OCI_MANIFEST ", " SG_MT_OCI_INDEX ", " SG_MT_DOCKER_MANIFEST ", " SG_MT_DOCKER_LIST

typedef struct sg_desc {
	char *media_type;
	char *digest;
	int64_t size;
	char *artifact_type;         /* NULL if absent */
	struct json_t *annotations;  /* owned reference to an object of strings, or NULL */
	char *os, *architecture, *variant; /* platform, index entries only; NULL if absent */
} sg_desc;

typedef struct sg_manifest {
	char *media_type;   /* resolved: the JSON field, else the Content-Type */
	int is_index;
	sg_desc config;     /* manifests only */
	sg_desc *items;     /* layers (manifest) or manifests (index) */
	size_t nitems;
	sg_desc *subject;   /* NULL if absent */
	char *artifact_type;
	struct json_t *annotations;
} sg_manifest;

/* Parses and validates an OCI/Docker manifest or index (schemaVersion 2, well-formed
 * descriptors, known media type, no duplicate keys). content_type may be NULL. */
int sg_manifest_parse(sg_manifest **out, const void *data, size_t len, const char *content_type,
		      struct sg_error *e);
void sg_manifest_free(sg_manifest *m);
int sg_media_type_is_index(const char *mt);
int sg_media_type_is_manifest(const char *mt);
/* Borrowed annotation value or NULL. */
const char *sg_desc_annotation(const sg_desc *d, const char *key);
const char *sg_manifest_annotation(const sg_manifest *m, const char *key);
void sg_desc_release(sg_desc *d);

/* A platform as --platform spells it: OS/ARCH[/VARIANT]. */
typedef struct sg_platform {
	const char *os, *arch, *variant; /* variant NULL when not given; point into buf */
	char buf[128];
} sg_platform;
/* Parses s ("linux/arm64/v8") into p (a copy: s need not outlive p). SG_EINVALID on a
 * malformed or over-long string. */
int sg_platform_parse(sg_platform *p, const char *s, struct sg_error *e);
/* Picks idx's image manifest for platform p (arm64 without a variant prefers v8). SG_ENOTFOUND
 * with a message listing the platforms the index has. *out is borrowed from idx. */
int sg_index_pick(const sg_desc **out, const sg_manifest *idx, const sg_platform *p,
		  struct sg_error *e);
#endif
