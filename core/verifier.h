#ifndef SIGIL_VERIFIER_H
#define SIGIL_VERIFIER_H
/* Verifying what is attached to an image, in both storage generations (formats.md §1.7, §2.5,
 * §5.4): legacy .sig/.att tags and sigstore bundles attached as OCI referrers. One pass
 * fetches everything once and checks it against one or more keys (a policy's authorities),
 * so `verify`, `verify-attestation`, policies and the admission webhook share one code path.
 * Everything fails closed: an item is listed only once every check on it passed. */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "digest.h"
#include "err.h"
struct sg_store;
struct sg_pubkey;
struct sg_payload;
struct sg_intoto;
struct sg_kv;

#define SG_VERIFY_MAX_KEYS 64

typedef enum {
	SG_VF_LEGACY = 1,     /* a .sig or .att tag's layer */
	SG_VF_BUNDLE = 2,     /* a sigstore bundle referrer */
} sg_vf_source;

typedef struct sg_verified {
	sg_vf_source source;
	char *origin;                 /* for messages: where it came from */
	uint64_t keys;                /* bit i: verified with keys[i] */
	char *predicate_type;         /* statement's (attestations, DSSE signature bundles) */
	struct sg_payload *payload;   /* signatures: shown as cosign shows them */
	sg_buf envelope;              /* attestations: the envelope as cosign prints it */
	struct sg_intoto *statement;  /* attestations: the verified statement */
} sg_verified;

typedef struct sg_verify_result {
	sg_verified *items;
	size_t n, cap;
	size_t checked;     /* signatures or attestations looked at */
	sg_error first;     /* the failure worth reporting when nothing verified */
} sg_verify_result;

typedef struct sg_verify_in {
	struct sg_store *store;
	const char *digest;              /* the image's manifest digest */
	const char *docker_ref;          /* shown in bundle signatures' payloads (as typed) */
	const struct sg_pubkey *const *keys;
	size_t nkeys;                    /* 1..SG_VERIFY_MAX_KEYS */
	const struct sg_kv *ann;         /* signatures: annotations that must be signed */
	size_t nann;
} sg_verify_in;

/* Signatures: legacy .sig layers (simple-signing payload for the digest, signature over it),
 * sigstore bundles whose statement says https://sigstore.dev/cosign/sign/v1 (attestation
 * bundles are not signatures, unlike in cosign) or message signatures over the manifest.
 * Annotations are checked against the payload's "optional" or the statement subject's
 * annotations. Appends to out (zeroed before first use); fails only when the attachments
 * cannot be listed at all. */
int sg_verify_signatures(sg_verify_result *out, const sg_verify_in *in, sg_error *e);
/* Attestations: legacy .att layers and DSSE bundles, every predicate type (signature bundles
 * included: callers filter on predicate_type). */
int sg_verify_attestations(sg_verify_result *out, const sg_verify_in *in, sg_error *e);
void sg_verify_result_release(sg_verify_result *r);
#endif
