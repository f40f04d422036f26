#ifndef SIGIL_REFERRERS_H
#define SIGIL_REFERRERS_H
/* OCI 1.1 referrers (distribution-spec "Listing Referrers", image-spec "Referrers Tag
 * Schema"; formats.md §5.3): manifests whose `subject` names another manifest, found through
 * GET /v2/<name>/referrers/<digest> where the registry serves it, else through the index
 * kept at the fallback tag "<alg>-<hex>" of the subject's digest. */
#include <stddef.h>
#include "manifest.h"
struct sg_error;
struct sg_store;
struct json_t;

#define SG_MT_OCI_EMPTY  "application/vnd.oci.empty.v1+json"
#define SG_EMPTY_JSON    "{}"
#define SG_EMPTY_DIGEST  "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define SG_MAX_REFERRERS 10000

/* Where the referrers were found. */
enum { SG_REFERRERS_NONE = 0, SG_REFERRERS_API = 1, SG_REFERRERS_TAG = 2 };

typedef struct sg_referrers {
	sg_desc *items;  /* index descriptors: mediaType, digest, size, artifactType, annotations */
	size_t n;
	int via;         /* SG_REFERRERS_API or SG_REFERRERS_TAG; NONE when there were none */
} sg_referrers;

/* "sha256:<hex>" -> "sha256-<hex>" (the image-spec's truncation rules are no-ops for
 * sha256 and sha512). out must hold SG_DIGEST_MAX bytes. */
void sg_referrers_tag(char *out, size_t n, const char *digest);

/* Lists the referrers of digest in s, with artifactType == artifact_type when not NULL
 * (filtered here when the registry did not). The API is asked first; a registry without it
 * (or a layout) is read through the fallback tag; a missing tag is no referrers (n = 0).
 * A fallback tag that is not an OCI index is an error (SG_EINVALID). */
int sg_referrers_list(sg_referrers *out, struct sg_store *s, const char *digest,
		      const char *artifact_type, struct sg_error *e);
void sg_referrers_release(sg_referrers *r);

/* Pushes manifest (an OCI image manifest whose subject is subject_digest, with the given
 * artifactType and annotations; blobs it names already present) by its digest, then makes
 * it findable: nothing more on a registry that serves the referrers API, else its descriptor
 * is added to the fallback tag's index, keeping every entry others put there (tagrmw.h), in
 * digest order. *via says which. *out_digest (may be NULL) gets the manifest's digest. */
int sg_referrers_push(struct sg_store *s, const char *subject_digest, const void *manifest,
		      size_t len, const char *artifact_type, const struct json_t *annotations,
		      char *out_digest, int *via, struct sg_error *e);
#endif
