#ifndef SIGIL_DIGEST_H
#define SIGIL_DIGEST_H
#include <stddef.h>

/* "sha512:" + 128 hex + NUL */
#define SG_DIGEST_MAX 136

struct sg_error;

/* Writes "sha256:<hex>" of data into out. */
void sg_sha256_digest(char out[SG_DIGEST_MAX], const void *data, size_t len);
/* 1 if s is a well-formed sha256:<64 lower hex> or sha512:<128 lower hex> digest, else 0. */
int sg_digest_valid(const char *s);
/* Checks that data hashes to digest (sha256 or sha512). SG_EDIGEST on mismatch,
 * SG_EUNSUPPORTED/SG_EINVALID for a bad digest string. */
int sg_digest_check(const char *digest, const void *data, size_t len, struct sg_error *e);
/* "sha256:abc" -> "sha256-abc" + suffix (e.g. ".sig"); out must hold SG_DIGEST_MAX + 16. */
void sg_digest_tag(char *out, size_t n, const char *digest, const char *suffix);
/* Hex helpers */
void sg_hex(char *out, const unsigned char *in, size_t len);

#endif
