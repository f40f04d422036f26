#include <string.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include "digest.h"
#include "err.h"
#include "banned.h"

void sg_hex(char *out, const unsigned char *in, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void sg_sha256_digest(char out[SG_DIGEST_MAX], const void *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	memcpy(out, "sha256:", 7);
	sg_hex(out + 7, md, sizeof(md));
}

static int lowerhex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

int sg_digest_valid(const char *s)
{
	if (!s)
		return 0;
	if (!strncmp(s, "sha256:", 7))
		return strlen(s) == 7 + 64 && lowerhex(s + 7, 64);
	if (!strncmp(s, "sha512:", 7))
		return strlen(s) == 7 + 128 && lowerhex(s + 7, 128);
	return 0;
}

int sg_digest_check(const char *digest, const void *data, size_t len, sg_error *e)
{
	unsigned char md[SHA512_DIGEST_LENGTH];
	char hex[2 * SHA512_DIGEST_LENGTH + 1];
	size_t n;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "invalid digest");
	if (digest[3] == '2') {
		SHA256(data, len, md);
		n = SHA256_DIGEST_LENGTH;
	} else {
		SHA512(data, len, md);
		n = SHA512_DIGEST_LENGTH;
	}
	sg_hex(hex, md, n);
	if (CRYPTO_memcmp(hex, digest + 7, 2 * n) != 0)
		return sg_err(e, SG_EDIGEST, "content does not match digest %s (got %.6s:%s)",
			      digest, digest, hex);
	return 0;
}

void sg_digest_tag(char *out, size_t n, const char *digest, const char *suffix)
{
	const char *colon = strchr(digest, ':');
	size_t alg = colon ? (size_t)(colon - digest) : 0;

	snprintf(out, n, "%.*s-%s%s", (int)alg, digest, colon ? colon + 1 : digest,
		 suffix ? suffix : "");
}
