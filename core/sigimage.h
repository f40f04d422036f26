#ifndef SIGIL_SIGIMAGE_H
#define SIGIL_SIGIMAGE_H
#include <stddef.h>
#include "buf.h"
#include "manifest.h"

struct sg_error;
struct sg_store;

#define SG_ANN_SIGNATURE "dev.cosignproject.cosign/signature"

/* A signature image (cosign's legacy .sig/.att object): one layer per signature. */
typedef struct sg_sigimage {
	sg_desc *layers;
	size_t nlayers;
} sg_sigimage;

/* Loads the signature image at tag (SG_ENOTFOUND if none). Does not fetch layer blobs. */
int sg_sigimage_load(sg_sigimage *out, struct sg_store *s, const char *tag, struct sg_error *e);
void sg_sigimage_release(sg_sigimage *img);
/* Serialises config and manifest as go-containerregistry does (Go JSON, zero created time,
 * one history entry and diff_id per layer). */
int sg_sigimage_config(sg_buf *out, const sg_sigimage *img);
int sg_sigimage_manifest(sg_buf *out, const sg_sigimage *img, const char *config_digest,
			 size_t config_size);
/* Says whether an existing layer already carries what `layer` would add (cosign's dedupe:
 * same payload, and the old signature verifies with the signer's key). */
typedef int (*sg_sigimage_dup_fn)(const sg_desc *existing, const sg_desc *layer, void *ud);
/* Appends a copy of layer at the end unless a layer with the same media type and digest is
 * a duplicate by is_dup (NULL: identical annotations). Returns 1 if appended, 0 if not. */
int sg_sigimage_append(sg_sigimage *img, const sg_desc *layer, sg_sigimage_dup_fn is_dup,
		       void *ud, struct sg_error *e);
/* Adds layer to the signature image at tag, keeping every layer others put there, even when
 * several signers write the tag at once (the layer's blob must already be present):
 * - a store that can lock (an OCI layout) is locked around the read-modify-write;
 * - a registry cannot compare-and-swap a tag, so after writing, the tag is read again once
 *   the writers that may have read the old version have had time to finish (twice the time
 *   our own read-modify-write took, with jitter); if our layer is gone, it is merged into
 *   what is there now and written again, up to a bound.
 * *added is 1 if the layer was added, 0 if an equal one was already there (is_dup). */
int sg_sigimage_add(struct sg_store *s, const char *tag, const sg_desc *layer,
		    sg_sigimage_dup_fn is_dup, void *ud, int *added, struct sg_error *e);
/* Fetches a signature/attestation layer's blob into out (its declared size, at most cap
 * bytes), checked against its digest and size. What the layer gets wrong (size over cap or
 * differing, bytes not matching the digest) is SG_EVERIFY; failing to fetch keeps its code. */
int sg_sigimage_layer_blob(sg_buf *out, struct sg_store *s, const sg_desc *l, size_t cap,
			   struct sg_error *e);
/* Uploads config, then PUTs the manifest at tag. Layer blobs must already be present. */
int sg_sigimage_push(struct sg_store *s, const char *tag, const sg_sigimage *img,
		     struct sg_error *e);

#endif
