#ifndef SIGIL_BUNDLE_H
#define SIGIL_BUNDLE_H
/* Sigstore bundles (protobuf-specs sigstore_bundle.proto, serialised as protojson;
 * formats.md §5), as cosign v3 attaches them to images as OCI 1.1 referrers. */
#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "digest.h"
struct sg_error;
struct sg_pubkey;
struct sg_dsse;
struct sg_intoto;

#define SG_MT_BUNDLE_V03        "application/vnd.dev.sigstore.bundle.v0.3+json"
#define SG_MT_BUNDLE_PREFIX     "application/vnd.dev.sigstore.bundle"
#define SG_PREDICATE_COSIGN_SIGN "https://sigstore.dev/cosign/sign/v1"
#define SG_ANN_BUNDLE_CONTENT   "dev.sigstore.bundle.content"
#define SG_ANN_BUNDLE_PREDICATE "dev.sigstore.bundle.predicateType"
#define SG_ANN_CREATED          "org.opencontainers.image.created"
#define SG_MAX_BUNDLE           SG_MAX_PAYLOAD

/* Writes a v0.3 bundle for a key-signed DSSE envelope with one signature, in protobuf
 * field order without optional whitespace:
 * {"mediaType":M,"verificationMaterial":{"publicKey":{"hint":H}},
 *  "dsseEnvelope":{"payload":B64,"payloadType":T,"signatures":[{"sig":B64}]}} */
int sg_bundle_write_dsse(sg_buf *out, const char *hint, const char *payload_type,
			 const void *payload, size_t len, const unsigned char *sig, size_t siglen);

/* Writes the referrer manifest cosign v3 attaches a bundle with (formats.md §5.3): empty
 * config (with the bundle artifactType), one bundle layer, annotations content/predicateType/
 * created, subject, artifactType last. created is "YYYY-MM-DDTHH:MM:SSZ". */
int sg_bundle_write_manifest(sg_buf *out, const char *bundle_digest, size_t bundle_size,
			     const char *predicate_type, const char *created,
			     const char *subject_media_type, const char *subject_digest,
			     size_t subject_size);

/* Stores bundle as a referrer of subject the way cosign v3 does (formats.md §5.3): the empty
 * config and the bundle as blobs, then the manifest by digest (*digest), then the referrers
 * index (referrers.h; *via says where). created is the manifest's creation time. */
struct sg_store;
struct sg_image;
int sg_bundle_attach(struct sg_store *s, const struct sg_image *subject, const void *bundle,
		     size_t blen, const char *predicate_type, time_t created,
		     char digest[SG_DIGEST_MAX], int *via, struct sg_error *e);

typedef enum { SG_BUNDLE_DSSE = 1, SG_BUNDLE_MESSAGE = 2 } sg_bundle_kind;

typedef struct sg_bundle {
	int minor;               /* 1, 2 or 3: bundle v0.<minor> */
	char *hint;              /* verificationMaterial.publicKey.hint; NULL otherwise */
	int keyless;             /* certificate or x509CertificateChain instead of a key */
	size_t ntlog;            /* tlogEntries (not checked: sigil verifies with a key) */
	size_t ntimestamps;      /* RFC 3161 timestamps (likewise) */
	sg_bundle_kind kind;
	struct sg_dsse *dsse;    /* kind DSSE: exactly one signature */
	unsigned char msg_digest[32]; /* kind MESSAGE: SHA2_256 of the artifact */
	unsigned char *msg_sig;
	size_t msg_siglen;
} sg_bundle;

/* Parses a bundle strictly (duplicate keys rejected; known media type; exactly one of
 * publicKey/certificate/x509CertificateChain, the chain not in v0.3; exactly one of
 * messageSignature/dsseEnvelope; a DSSE envelope with one signature; messageDigest SHA2_256).
 * Unknown fields are ignored, as protojson readers do with DiscardUnknown. SG_EINVALID /
 * SG_EUNSUPPORTED with one line on bad input. *out is new. */
int sg_bundle_parse(sg_bundle **out, const void *data, size_t len, struct sg_error *e);
void sg_bundle_free(sg_bundle *b);

/* Verifies a bundle against key k for the artifact whose sha256 digest is digest
 * ("sha256:<hex>"), failing closed:
 * - keyless bundles (a certificate) are refused: sigil trusts keys, not Fulcio;
 * - DSSE: payloadType must be in-toto, the signature must verify over PAE, the statement must
 *   parse and some subject must carry digest; *stmt (may be NULL) gets the statement;
 * - message signature: messageDigest must equal digest and the signature verify over it
 *   (ECDSA over the digest; Ed25519 needs the artifact bytes: artifact/alen, else refused).
 * SG_OK or SG_EVERIFY with the reason. */
int sg_bundle_verify(const sg_bundle *b, const struct sg_pubkey *k, const char *digest,
		     const void *artifact, size_t alen, struct sg_intoto **stmt,
		     struct sg_error *e);
/* Calls fn for every sigstore bundle attached to digest as a referrer (referrers API, else the
 * fallback tag; *via says which), in digest order, each once: with the parsed, not yet
 * verified bundle and its bytes as stored (raw), or with err saying why a referrer that
 * should hold one could not be read (missing manifest, two bundle layers, another subject, a
 * bad bundle). ptype is the manifest's dev.sigstore.bundle.predicateType annotation (NULL if
 * absent; unverified). Referrers that are not bundles are passed over, as cosign does. Fails
 * only when the referrers cannot be listed. */
typedef void (*sg_bundle_fn)(void *ud, const char *referrer, int via, const sg_bundle *b,
			     const sg_buf *raw, const char *ptype, const struct sg_error *err);
int sg_bundles_each(struct sg_store *s, const char *digest, sg_bundle_fn fn, void *ud, int *via,
		    struct sg_error *e);
#endif
