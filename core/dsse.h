#ifndef SIGIL_DSSE_H
#define SIGIL_DSSE_H
#include <stddef.h>
#include "buf.h"

struct sg_error;
struct json_t;
struct sg_privkey;
struct sg_pubkey;

/* DSSE v1 (secure-systems-lab/dsse protocol.md, envelope.md; formats.md §2.2). */
#define SG_MT_DSSE_ENVELOPE "application/vnd.dsse.envelope.v1+json"
#define SG_DSSE_INTOTO_TYPE "application/vnd.in-toto+json"

/* Caps on what an envelope may hold. The envelope itself is an attachment layer, so it is
 * capped like one (cosign's 128 MiB); signatures are small for every key sigil reads. */
#define SG_MAX_ENVELOPE     SG_MAX_PAYLOAD
#define SG_DSSE_MAX_SIGS    64
#define SG_DSSE_MAX_SIG_B64 4096

/* Appends PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN being
 * the ASCII decimal byte count, to out. */
int sg_dsse_pae(sg_buf *out, const char *type, size_t typelen, const void *body, size_t len);

/* Writes an envelope with one signature as cosign v2 does (Go JSON of sslib's Envelope):
 * {"payloadType":T,"payload":"<b64>","signatures":[{"keyid":"","sig":"<b64>"}]} */
int sg_dsse_envelope(sg_buf *out, const char *payload_type, const void *payload, size_t len,
		     const unsigned char *sig, size_t siglen);
/* Signs PAE(payload_type, payload) with k and writes the envelope (sg_dsse_envelope). */
int sg_dsse_sign(sg_buf *out, const struct sg_privkey *k, const char *payload_type,
		 const void *payload, size_t len, struct sg_error *e);

typedef struct sg_dsse_sig {
	char *keyid;          /* NULL when absent; never used for decisions */
	unsigned char *sig;   /* decoded */
	size_t siglen;
} sg_dsse_sig;

typedef struct sg_dsse {
	char *payload_type;
	unsigned char *payload; /* decoded, NUL-terminated after payload_len */
	size_t payload_len;
	sg_dsse_sig *sigs;
	size_t nsigs;           /* 1..SG_DSSE_MAX_SIGS */
} sg_dsse;

/* Parses an envelope strictly: an object without duplicate keys, payloadType and payload
 * strings, payload and every sig in standard or URL-safe base64 (padded), 1 to
 * SG_DSSE_MAX_SIGS signatures, keyid a string when present. Unknown keys are ignored, as
 * envelope.md asks. SG_EINVALID / SG_ETOOBIG on bad input. *out is new. */
int sg_dsse_parse(sg_dsse **out, const void *data, size_t len, struct sg_error *e);
void sg_dsse_free(sg_dsse *d);
/* The same checks on an already parsed object (a sigstore bundle's dsseEnvelope). */
int sg_dsse_from_json(sg_dsse **out, const struct json_t *obj, struct sg_error *e);
/* Standard, then URL-safe base64, both padded; the result is NUL-terminated. SG_EINVALID on
 * bad input, SG_ERROR when out of memory. */
int sg_dsse_b64_decode(unsigned char **out, size_t *outlen, const char *s, size_t len);

/* SG_OK if at least one signature verifies over PAE(payload_type, payload) with k (ECDSA:
 * over SHA-256 of the PAE bytes, DER or raw r||s), else SG_EVERIFY. Fails closed. */
int sg_dsse_verify(const sg_dsse *d, const struct sg_pubkey *k, struct sg_error *e);

#endif
