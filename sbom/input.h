#ifndef SIGIL_SBOM_INPUT_H
#define SIGIL_SBOM_INPUT_H
/* sigil sbom's IMAGE argument. Besides what core/ref.h parses (registry references and
 * oci:PATH[:TAG]), sbom reads two local kinds of its own:
 *   dir:ROOTFS                 an unpacked root filesystem, walked as one pseudo-layer
 *                              (dirtar.c)
 *   docker-archive:FILE[:REF]  what `docker save` writes: manifest.json naming a config and
 *                              layer tars, legacy (<id>/layer.tar) or OCI (blobs/sha256/..)
 *                              members; REF picks an image (a RepoTags entry) when the
 *                              archive holds several (dockerar.c) */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "catalog.h"
#include "digest.h"
#include "store.h"

struct sg_ref;
struct sg_error;

typedef enum { SG_INPUT_REF = 1, SG_INPUT_DIR, SG_INPUT_DOCKER_ARCHIVE } sg_input_kind;

typedef struct sg_sbom_input {
	sg_input_kind kind;
	struct sg_ref *ref;  /* SG_INPUT_REF */
	char *path;          /* the directory or archive file */
	char *pick;          /* docker-archive: the RepoTags entry asked for, or NULL */
} sg_sbom_input;

/* Parses s into in (release with sg_sbom_input_release). SG_EINVALID naming s. */
int sg_sbom_input_parse(sg_sbom_input *in, const char *s, struct sg_error *e);
void sg_sbom_input_release(sg_sbom_input *in);

/* dir: writes ROOTFS as a tar to sink (names sorted, times zeroed); warnings for what is
 * skipped. */
int sg_dirtar_stream(const char *root, sg_warn_fn warn, void *warn_arg, sg_blob_sink_fn sink,
		     void *sink_arg, struct sg_error *e);

/* docker-archive: */
#define SG_DOCKERAR_MAX_MEMBERS 100000
typedef struct sg_dockerar sg_dockerar;

/* Indexes the archive, reads manifest.json and the picked image's config. */
int sg_dockerar_open(sg_dockerar **out, const char *path, const char *pick, struct sg_error *e);
void sg_dockerar_free(sg_dockerar *d);
/* The config's bytes and digest (the image ID docker shows), borrowed. */
const sg_buf *sg_dockerar_config(const sg_dockerar *d);
const char *sg_dockerar_config_digest(const sg_dockerar *d);
/* The RepoTags entry of the image ("name:tag"), NULL if none. Borrowed. */
const char *sg_dockerar_repo_tag(const sg_dockerar *d);
size_t sg_dockerar_nlayers(const sg_dockerar *d);
/* Layer i's diff_id from the config (borrowed). */
const char *sg_dockerar_diff_id(const sg_dockerar *d, size_t i);
/* 1 if layer i's member is content-addressed (blobs/<alg>/<hex>): its bytes are checked
 * against its name (raw digest); else the bytes the walker read (after gunzip) are checked
 * against the diff_id. */
int sg_dockerar_layer_addressed(const sg_dockerar *d, size_t i);
/* The size of layer i's member as the archive declares it (0 if unknown), for progress. */
uint64_t sg_dockerar_layer_size(const sg_dockerar *d, size_t i);
/* Streams layer i's member to sink; raw (may be NULL) gets "sha256:<hex>" of its bytes,
 * checked against its name when content-addressed (SG_EDIGEST). */
int sg_dockerar_layer_stream(const sg_dockerar *d, size_t i, sg_blob_sink_fn sink, void *arg,
			     struct sg_error *e);

#endif
