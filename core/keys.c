/* Key files: cosign's encrypted private keys (scrypt + NaCl secretbox over PKCS#8),
 * plaintext PEM private keys for import, and PKIX public keys. See docs/formats.md §4.
 *
 * Private key bytes only ever live in sodium_malloc'd memory (or inside OpenSSL objects
 * for the moment a signature or an encoding needs them), and are wiped on every path. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sodium.h>
#include "buf.h"
#include "err.h"
#include "keys.h"
#include "keys_int.h"
#include "banned.h"

#define PEM_TYPE_MAX 64
#define SCRYPT_KEYLEN 32
#define SALT_MAX 1024 /* sslib does not check the salt's length; cap it anyway */

static const char *nm(const char *name)
{
	return name ? name : "key";
}

static int sodium_ready(sg_error *e)
{
	if (sodium_init() < 0)
		return sg_err(e, SG_ERROR, "libsodium initialisation failed");
	return 0;
}

/* Wipes and frees sodium_malloc'd memory, whatever its protection. NULL is a no-op. */
static void sfree(void *p, size_t n)
{
	if (!p)
		return;
	sodium_mprotect_readwrite(p);
	sodium_memzero(p, n);
	sodium_free(p);
}

/* Wipes the stack below the caller. libsodium 1.0.18 leaves secrets in dead stack frames:
 * XSalsa20 the last partial block of a plaintext, crypto_sign_seed_keypair the seed
 * (test_secrets.sh finds them); 1.0.19 has sodium_stackzero() for this. */
__attribute__((noinline)) void sg_burn_stack(void)
{
	unsigned char buf[16384];

	sodium_memzero(buf, sizeof(buf));
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

/* ---- sg_privkey: PKCS#8 DER in guarded memory ---- */

/* Go's x509.MarshalPKCS8PrivateKey layout for P-256: the public point follows d. */
static const unsigned char p256_head[] = {
	0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
	0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04,
	0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20
};
static const unsigned char p256_mid[] = { 0xa1, 0x44, 0x03, 0x42, 0x00 };
#define P256_PKCS8_LEN (sizeof(p256_head) + 32 + sizeof(p256_mid) + 65)


static sg_privkey *privkey_new(sg_key_alg alg, size_t derlen)
{
	sg_privkey *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->der = sodium_malloc(derlen ? derlen : 1);
	if (!k->der) {
		free(k);
		return NULL;
	}
	k->alg = alg;
	k->derlen = derlen;
	return k;
}

const unsigned char *sg_privkey_der_open(const sg_privkey *k)
{
	sodium_mprotect_readonly(k->der);
	return k->der;
}

void sg_privkey_der_close(const sg_privkey *k)
{
	sodium_mprotect_noaccess(k->der);
}

/* Offsets in the canonical P-256 PKCS#8 (p256_head below): d, then the public point. */
#define P256_D_OFF 36
#define P256_PUB_OFF 73

/* An OpenSSL P-256 key for signing, made from d and the public point with EVP_PKEY_fromdata
 * rather than by parsing DER: OpenSSL's DER decoders copy the key into buffers they free
 * without wiping (tests/integration/test_secrets.sh finds them). d goes in as a
 * little-endian integer from guarded memory, and OpenSSL keeps it in a clear-freed BIGNUM. */
EVP_PKEY *sg_privkey_evp(const sg_privkey *k, sg_error *e)
{
	char group[] = "P-256";
	unsigned char *le = NULL, pub[65];
	const unsigned char *der;
	OSSL_PARAM params[4];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t i;

	if (k->alg != SG_KEY_ECDSA_P256 || k->derlen != P256_PKCS8_LEN) {
		sg_err(e, SG_EINVALID, "not a P-256 private key");
		return NULL;
	}
	if (!(le = sodium_malloc(32))) {
		sg_err(e, SG_ERROR, "out of memory");
		return NULL;
	}
	der = sg_privkey_der_open(k);
	for (i = 0; i < 32; i++)
		le[i] = der[P256_D_OFF + 31 - i];
	memcpy(pub, der + P256_PUB_OFF, sizeof(pub));
	sg_privkey_der_close(k);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, le, 32);
	params[3] = OSSL_PARAM_construct_end();
	if (!(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) != 1) {
		sg_err_openssl(e, SG_ERROR, "loading private key");
		pk = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	sfree(le, 32);
	return pk;
}

void sg_privkey_free(sg_privkey *k)
{
	if (!k)
		return;
	sfree(k->der, k->derlen);
	free(k);
}

sg_key_alg sg_privkey_alg(const sg_privkey *k)
{
	return k->alg;
}

/* Which of our two algorithms an OpenSSL key is; SG_EUNSUPPORTED for anything else. */
static int key_alg(sg_key_alg *alg, EVP_PKEY *pk, const char *name, sg_error *e)
{
	char group[80];
	size_t glen = 0;
	const char *nist, *type;

	if (EVP_PKEY_is_a(pk, "ED25519")) {
		*alg = SG_KEY_ED25519;
		return 0;
	}
	if (!EVP_PKEY_is_a(pk, "EC")) {
		type = EVP_PKEY_get0_type_name(pk);
		return sg_err(e, SG_EUNSUPPORTED,
			      "%s: unsupported key type %s (sigil supports ECDSA P-256 and Ed25519)",
			      name, type ? type : "unknown");
	}
	if (!EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen)) {
		ERR_clear_error();
		return sg_err(e, SG_EUNSUPPORTED,
			      "%s: unsupported EC key with explicit curve parameters (only P-256)", name);
	}
	if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256")) {
		*alg = SG_KEY_ECDSA_P256;
		return 0;
	}
	nist = EC_curve_nid2nist(OBJ_txt2nid(group));
	return sg_err(e, SG_EUNSUPPORTED,
		      "%s: unsupported ECDSA curve %s (sigil supports P-256 and Ed25519)", name,
		      nist ? nist : group);
}


/* Completes the canonical PKCS#8 of a P-256 key in der, whose d is in place: checks
 * 0 < d < n and recomputes the public point from d, as Go's parser does (a SEC1 file may omit
 * it, compress it, or carry a wrong one). d is read into a secure, clear-freed BIGNUM. */
static int p256_finish(unsigned char *der, const char *name, sg_error *e)
{
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	BN_CTX *ctx = NULL;
	BIGNUM *d = NULL;
	int err = 0;

	memcpy(der, p256_head, sizeof(p256_head));
	memcpy(der + P256_D_OFF + 32, p256_mid, sizeof(p256_mid));
	if (!(d = BN_secure_new()) || !(g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) ||
	    !(q = EC_POINT_new(g)) || !(ctx = BN_CTX_secure_new())) {
		err = sg_err_openssl(e, SG_ERROR, "reading private key");
		goto done;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!BN_bin2bn(der + P256_D_OFF, 32, d) || BN_is_zero(d) ||
	    BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		err = sg_err(e, SG_EINVALID, "invalid P-256 private key value");
		goto done;
	}
	if (EC_POINT_mul(g, q, d, NULL, NULL, ctx) != 1 ||
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, der + P256_PUB_OFF, 65,
			       ctx) != 65)
		err = sg_err_openssl(e, SG_ERROR, "computing public key");
done:
	if (err)
		sg_err_prefix(e, "%s", name);
	BN_clear_free(d);
	BN_CTX_free(ctx);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return err;
}

/* Holds a raw private key, the 32 bytes of a P-256 d or an Ed25519 seed, as canonical
 * PKCS#8 (exactly what Go's x509.MarshalPKCS8PrivateKey writes: 138 bytes for P-256, 48 for
 * Ed25519) in guarded memory. */
static int hold_raw(sg_privkey **out, sg_key_alg alg, const unsigned char *raw,
		    const char *name, sg_error *e)
{
	sg_privkey *k;
	int err = 0;

	if (!(k = privkey_new(alg, alg == SG_KEY_ED25519 ? SG_ED25519_PKCS8_LEN : P256_PKCS8_LEN)))
		return sg_err(e, SG_ERROR, "%s: out of memory", name);
	if (alg == SG_KEY_ED25519) {
		memcpy(k->der, SG_ED25519_PKCS8_PREFIX, SG_ED25519_PKCS8_PREFIX_LEN);
		memcpy(k->der + SG_ED25519_PKCS8_PREFIX_LEN, raw, 32);
	} else {
		memcpy(k->der + P256_D_OFF, raw, 32);
		err = p256_finish(k->der, name, e);
	}
	if (err) {
		sg_privkey_free(k);
		return err;
	}
	sg_privkey_der_close(k);
	*out = k;
	return 0;
}

/* Re-holds a key OpenSSL parsed (a PKCS#8 or SEC1 file that is not in the canonical layout
 * read by hold_canonical) the same way. */
static int hold_evp(sg_privkey **out, EVP_PKEY *pk, const char *name, sg_error *e)
{
	unsigned char *raw;
	size_t rawlen = 32;
	sg_key_alg alg;
	BIGNUM *d = NULL;
	int err = 0;

	if ((err = key_alg(&alg, pk, name, e)) < 0)
		return err;
	if (!(raw = sodium_malloc(32)))
		return sg_err(e, SG_ERROR, "%s: out of memory", name);
	if (alg == SG_KEY_ECDSA_P256) {
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
		    BN_bn2binpad(d, raw, 32) != 32)
			err = sg_err(e, SG_EINVALID, "%s: invalid P-256 private key value", name);
		BN_clear_free(d);
	} else if (!EVP_PKEY_get_raw_private_key(pk, raw, &rawlen) || rawlen != 32) {
		err = sg_err_openssl(e, SG_EINVALID, "invalid Ed25519 private key");
		sg_err_prefix(e, "%s", name);
	}
	ERR_clear_error();
	if (!err)
		err = hold_raw(out, alg, raw, name, e);
	sfree(raw, 32);
	return err;
}

/* The layouts nearly every tool writes (Go, cosign, OpenSSL 3, Python's cryptography), read
 * without OpenSSL's decoders: canonical PKCS#8 for P-256 and Ed25519, and SEC1 with the
 * curve and the public point. Returns 1 and sets *out if der is one of them (the public point
 * in the file is ignored, as it is recomputed), 0 if not, < 0 on an error. */
static const unsigned char sec1_head[] = { 0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20 };
static const unsigned char sec1_mid[] = {
	0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
	0xa1, 0x44, 0x03, 0x42, 0x00, 0x04
};

static int hold_canonical(sg_privkey **out, const unsigned char *der, size_t len, int sec1,
			  const char *name, sg_error *e)
{
	int err;

	if (!sec1 && len == P256_PKCS8_LEN && !memcmp(der, p256_head, sizeof(p256_head)) &&
	    !memcmp(der + P256_D_OFF + 32, p256_mid, sizeof(p256_mid)) &&
	    der[P256_PUB_OFF] == 0x04)
		err = hold_raw(out, SG_KEY_ECDSA_P256, der + P256_D_OFF, name, e);
	else if (!sec1 && len == SG_ED25519_PKCS8_LEN &&
		 !memcmp(der, SG_ED25519_PKCS8_PREFIX, SG_ED25519_PKCS8_PREFIX_LEN))
		err = hold_raw(out, SG_KEY_ED25519, der + SG_ED25519_PKCS8_PREFIX_LEN, name, e);
	else if (sec1 && len == sizeof(sec1_head) + 32 + sizeof(sec1_mid) + 64 &&
		 !memcmp(der, sec1_head, sizeof(sec1_head)) &&
		 !memcmp(der + sizeof(sec1_head) + 32, sec1_mid, sizeof(sec1_mid)))
		err = hold_raw(out, SG_KEY_ECDSA_P256, der + sizeof(sec1_head), name, e);
	else
		return 0;
	return err < 0 ? err : 1;
}

/* A PKCS#8 DER private key (plaintext PEM "PRIVATE KEY", or the plaintext of an
 * encrypted file, where cosign accepts nothing else). */
static int from_pkcs8(sg_privkey **out, const unsigned char *der, size_t len, const char *name,
		      int encrypted, sg_error *e)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *pk = NULL;
	int err;

	if ((err = hold_canonical(out, der, len, 0, name, e)) != 0)
		return err < 0 ? err : 0;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (!p8 || p != der + len) {
		ERR_clear_error();
		p = der;
		if (encrypted && (pk = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)len)))
			err = sg_err(e, SG_EINVALID, "%s: encrypted key holds a SEC1 EC key, not "
				     "PKCS#8 (cosign rejects it too)", name);
		else
			err = sg_err(e, SG_EINVALID, "%s: invalid PKCS#8 private key", name);
		ERR_clear_error();
		goto done;
	}
	if (!(pk = EVP_PKCS82PKEY(p8))) {
		err = sg_err_openssl(e, SG_EINVALID, "invalid private key");
		sg_err_prefix(e, "%s", name);
		goto done;
	}
	err = hold_evp(out, pk, name, e);
done:
	EVP_PKEY_free(pk);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return err;
}

/* SEC1 "EC PRIVATE KEY" (openssl ecparam -genkey, Go's x509.MarshalECPrivateKey). */
static int from_sec1(sg_privkey **out, const unsigned char *der, size_t len, const char *name,
		     sg_error *e)
{
	const unsigned char *p = der;
	EVP_PKEY *pk;
	int err;

	if ((err = hold_canonical(out, der, len, 1, name, e)) != 0)
		return err < 0 ? err : 0;
	pk = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)len);
	if (!pk || p != der + len) {
		ERR_clear_error();
		err = sg_err(e, SG_EINVALID, "%s: invalid EC private key", name);
	} else {
		err = hold_evp(out, pk, name, e);
	}
	EVP_PKEY_free(pk);
	return err;
}

int sg_privkey_generate(sg_privkey **out, sg_key_alg alg, sg_error *e)
{
	sg_privkey *k;
	int err = 0, tries;

	*out = NULL;
	if ((err = sodium_ready(e)) < 0)
		return err;
	if (alg != SG_KEY_ED25519 && alg != SG_KEY_ECDSA_P256)
		return sg_err(e, SG_EINVALID, "unknown key algorithm %d", (int)alg);
	if (!(k = privkey_new(alg, alg == SG_KEY_ED25519 ? SG_ED25519_PKCS8_LEN : P256_PKCS8_LEN)))
		return sg_err(e, SG_ERROR, "out of memory");
	if (alg == SG_KEY_ED25519) {
		memcpy(k->der, SG_ED25519_PKCS8_PREFIX, SG_ED25519_PKCS8_PREFIX_LEN);
		randombytes_buf(k->der + SG_ED25519_PKCS8_PREFIX_LEN, 32);
	} else {
		/* d uniform in [1, n-1] by rejection: 32 random bytes fall outside with
		 * probability about 2^-32 */
		for (tries = 0; tries < 64; tries++) {
			randombytes_buf(k->der + P256_D_OFF, 32);
			if ((err = p256_finish(k->der, "new key", e)) != SG_EINVALID)
				break;
		}
	}
	if (err) {
		sg_privkey_free(k);
		return err;
	}
	sg_privkey_der_close(k);
	*out = k;
	return 0;
}

/* ---- PEM ---- */

struct pem {
	char type[PEM_TYPE_MAX + 1];
	unsigned char *der; /* malloc'd; may be a plaintext private key: wiped on release */
	size_t len;
};

static void pem_release(struct pem *p)
{
	if (p->der) {
		sodium_memzero(p->der, p->len);
		free(p->der);
	}
	p->der = NULL;
	p->len = 0;
}

/* [s, end) is one line without its terminator; trailing blanks and \r are dropped. */
static size_t line_len(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	size_t n = (size_t)((nl ? nl : end) - s);

	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static const char *next_line(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return nl ? nl + 1 : end;
}

static int has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && !memcmp(s, prefix, pl);
}

/* If [s, s+n) is "-----BEGIN T-----", copies T into type and returns 1. */
static int begin_line(char type[PEM_TYPE_MAX + 1], const char *s, size_t n)
{
	size_t tl;

	if (!has_prefix(s, n, "-----BEGIN ") || n < 16 || memcmp(s + n - 5, "-----", 5))
		return 0;
	tl = n - 16;
	if (!tl || tl > PEM_TYPE_MAX || memchr(s + 11, '\0', tl))
		return 0;
	memcpy(type, s + 11, tl);
	type[tl] = '\0';
	return 1;
}

/* Reads the first PEM block of text the way Go's pem.Decode does (text before it is
 * ignored), skipping an "EC PARAMETERS" block as `openssl ecparam -genkey` writes one
 * first. Headers (legacy OpenSSL encryption) are refused. */
static int pem_decode(struct pem *out, const char *text, size_t len, const char *name,
		      sg_error *e)
{
	const char *s = text, *end = text + len;
	sg_buf b64 = SG_BUF_INIT(SG_MAX_KEYFILE);
	char endline[PEM_TYPE_MAX + 16];
	int in = 0, err = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	for (; s < end; s = next_line(s, end)) {
		n = line_len(s, end);
		if (!in) {
			in = begin_line(out->type, s, n);
			sg_buf_reset(&b64);
			continue;
		}
		snprintf(endline, sizeof(endline), "-----END %s-----", out->type);
		if (has_prefix(s, n, "-----END ")) {
			if (n != strlen(endline) || memcmp(s, endline, n)) {
				err = sg_err(e, SG_EINVALID, "%s: PEM END line does not match BEGIN",
					     name);
				goto done;
			}
			if (strcmp(out->type, "EC PARAMETERS")) {
				in = 2;
				break;
			}
			in = 0;
			continue;
		}
		if (memchr(s, ':', n)) {
			err = sg_err(e, SG_EUNSUPPORTED, "%s: PEM headers (legacy encrypted PEM) "
				     "are not supported", name);
			goto done;
		}
		if (sg_buf_append(&b64, s, n) < 0) {
			err = sg_err(e, SG_ETOOBIG, "%s: PEM block too large", name);
			goto done;
		}
	}
	if (in != 2) {
		err = sg_err(e, SG_EINVALID, in ? "%s: truncated PEM block (no END line)"
						: "%s: no PEM block found", name);
		goto done;
	}
	if (!b64.len || sg_b64_decode(&out->der, &out->len, (const char *)b64.data, b64.len,
				      NULL) < 0) {
		err = sg_err(e, SG_EINVALID, "%s: invalid base64 in PEM block %s", name, out->type);
		goto done;
	}
done:
	if (b64.data)
		sodium_memzero(b64.data, b64.alloc);
	sg_buf_release(&b64);
	if (err)
		pem_release(out);
	return err;
}

/* Go's pem.EncodeToMemory: 64-column base64 lines, no headers. */
static int pem_encode(sg_buf *out, const char *type, const unsigned char *der, size_t len,
		      sg_error *e)
{
	sg_buf b64 = SG_BUF_INIT(2 * SG_MAX_KEYFILE);
	size_t i, n;
	int err;

	if ((err = sg_b64_encode(&b64, der, len)) < 0 ||
	    (err = sg_buf_printf(out, "-----BEGIN %s-----\n", type)) < 0)
		goto done;
	for (i = 0; i < b64.len; i += n) {
		n = b64.len - i < 64 ? b64.len - i : 64;
		if ((err = sg_buf_append(out, b64.data + i, n)) < 0 ||
		    (err = sg_buf_append(out, "\n", 1)) < 0)
			goto done;
	}
	err = sg_buf_printf(out, "-----END %s-----\n", type);
done:
	sg_buf_release(&b64);
	if (err < 0)
		return sg_err(e, err, "encoding PEM: output too large or out of memory");
	return 0;
}

/* ---- encrypted key files (sslib encrypted package: scrypt + nacl/secretbox) ---- */

static int scrypt_allowed(json_int_t n, json_int_t r, json_int_t p)
{
	return r == 8 && p == 1 && (n == 32768 || n == 65536 || n == 131072);
}

static int derive(unsigned char *key, const char *pw, size_t pwlen, const unsigned char *salt,
		  size_t saltlen, uint64_t n, const char *name, sg_error *e)
{
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)(pw ? pw : ""), pw ? pwlen : 0,
						  salt, saltlen, n, 8, 1, key,
						  SCRYPT_KEYLEN) != 0)
		return sg_err(e, SG_ERROR, "%s: scrypt failed (out of memory?)", name);
	return 0;
}

struct enc {
	json_int_t n;
	unsigned char *salt, *nonce, *ct;
	size_t saltlen, noncelen, ctlen;
};

static void enc_release(struct enc *x)
{
	free(x->salt);
	free(x->nonce);
	free(x->ct);
	memset(x, 0, sizeof(*x));
}

static int b64_field(unsigned char **out, size_t *outlen, const char *s, const char *field,
		     const char *name, sg_error *e)
{
	if (sg_b64_decode(out, outlen, s, strlen(s), NULL) < 0)
		return sg_err(e, SG_EINVALID, "%s: invalid base64 in %s", name, field);
	return 0;
}

/* Parses and checks the JSON body, before any password is asked for. */
static int enc_parse(struct enc *x, const unsigned char *body, size_t len, const char *name,
		     sg_error *e)
{
	const char *kdf = NULL, *cipher = NULL, *salt = NULL, *nonce = NULL, *ct = NULL;
	json_int_t r = 0, p = 0;
	json_error_t jerr;
	json_t *root;
	int err = 0;

	memset(x, 0, sizeof(*x));
	if (!(root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr)))
		return sg_err(e, SG_EINVALID, "%s: invalid encrypted key JSON: %s", name, jerr.text);
	if (json_unpack_ex(root, &jerr, 0, "{s:{s:s, s:{s:I, s:I, s:I}, s:s}, s:{s:s, s:s}, s:s}",
			   "kdf", "name", &kdf, "params", "N", &x->n, "r", &r, "p", &p, "salt",
			   &salt, "cipher", "name", &cipher, "nonce", &nonce, "ciphertext",
			   &ct) != 0) {
		err = sg_err(e, SG_EINVALID, "%s: invalid encrypted key: %s", name, jerr.text);
	} else if (strcmp(kdf, "scrypt")) {
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported kdf %s", name, kdf);
	} else if (strcmp(cipher, "nacl/secretbox")) {
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported cipher %s", name, cipher);
	} else if (!scrypt_allowed(x->n, r, p)) {
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported scrypt parameters N=%lld r=%lld "
			     "p=%lld", name, (long long)x->n, (long long)r, (long long)p);
	} else if ((err = b64_field(&x->salt, &x->saltlen, salt, "salt", name, e)) < 0 ||
		   (err = b64_field(&x->nonce, &x->noncelen, nonce, "nonce", name, e)) < 0 ||
		   (err = b64_field(&x->ct, &x->ctlen, ct, "ciphertext", name, e)) < 0) {
		/* message set */
	} else if (x->noncelen != crypto_secretbox_NONCEBYTES) {
		err = sg_err(e, SG_EINVALID, "%s: nonce is %zu bytes, not 24", name, x->noncelen);
	} else if (x->saltlen > SALT_MAX) {
		err = sg_err(e, SG_EINVALID, "%s: salt too long", name);
	} else if (x->ctlen <= crypto_secretbox_MACBYTES) {
		err = sg_err(e, SG_EINVALID, "%s: ciphertext too short", name);
	}
	json_decref(root);
	if (err)
		enc_release(x);
	return err;
}

static int load_encrypted(sg_privkey **out, const struct pem *pm, const char *name,
			  sg_pass_fn pass, void *ud, sg_error *e)
{
	unsigned char *key = NULL, *plain = NULL;
	size_t pwlen = 0, plainlen = 0;
	struct enc x;
	char *pw = NULL;
	int err, rc;

	if ((err = enc_parse(&x, pm->der, pm->len, name, e)) < 0)
		return err;
	if (!pass) {
		err = sg_err(e, SG_EPASSWORD, "%s: key is encrypted and no password was given",
			     name);
		goto done;
	}
	if ((err = pass(&pw, &pwlen, 0, ud, e)) < 0) {
		sg_err_prefix(e, "%s", name);
		goto done;
	}
	plainlen = x.ctlen - crypto_secretbox_MACBYTES;
	if (!(key = sodium_malloc(SCRYPT_KEYLEN)) || !(plain = sodium_malloc(plainlen))) {
		err = sg_err(e, SG_ERROR, "%s: out of memory", name);
		goto done;
	}
	err = derive(key, pw, pwlen, x.salt, x.saltlen, (uint64_t)x.n, name, e);
	sg_password_free(pw, pwlen);
	pw = NULL;
	if (err < 0)
		goto done;
	rc = crypto_secretbox_open_easy(plain, x.ct, x.ctlen, x.nonce, key);
	sg_burn_stack();
	sfree(key, SCRYPT_KEYLEN);
	key = NULL;
	if (rc != 0) {
		sfree(plain, plainlen);
		plain = NULL;
		err = sg_err(e, SG_EPASSWORD, "%s: decryption failed (wrong password?)", name);
		goto done;
	}
	err = from_pkcs8(out, plain, plainlen, name, 1, e);
done:
	sfree(plain, plainlen);
	sfree(key, SCRYPT_KEYLEN);
	if (pw)
		sg_password_free(pw, pwlen);
	enc_release(&x);
	return err;
}

int sg_privkey_from_pem(sg_privkey **out, const char *pem, size_t len, const char *name,
			sg_pass_fn pass, void *ud, sg_error *e)
{
	struct pem pm;
	int err;

	*out = NULL;
	name = nm(name);
	if ((err = sodium_ready(e)) < 0 || (err = pem_decode(&pm, pem, len, name, e)) < 0)
		return err;
	if (!strcmp(pm.type, SG_PEM_SIGSTORE_ENC) || !strcmp(pm.type, SG_PEM_COSIGN_ENC))
		err = load_encrypted(out, &pm, name, pass, ud, e);
	else if (!strcmp(pm.type, "PRIVATE KEY"))
		err = from_pkcs8(out, pm.der, pm.len, name, 0, e);
	else if (!strcmp(pm.type, "EC PRIVATE KEY"))
		err = from_sec1(out, pm.der, pm.len, name, e);
	else if (!strcmp(pm.type, "RSA PRIVATE KEY"))
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported key type RSA (sigil supports "
			     "ECDSA P-256 and Ed25519)", name);
	else
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported pem type: %s", name, pm.type);
	pem_release(&pm);
	return err;
}

int sg_privkey_load(sg_privkey **out, const char *path, sg_pass_fn pass, void *ud, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_KEYFILE);
	int err;

	*out = NULL;
	if ((err = sg_read_file(&b, path, e)) == 0)
		err = sg_privkey_from_pem(out, (const char *)b.data, b.len, path, pass, ud, e);
	if (b.data)
		sodium_memzero(b.data, b.alloc);
	sg_buf_release(&b);
	return err;
}

int sg_privkey_encrypt_pem_with(sg_buf *out, const sg_privkey *k, const char *pw, size_t pwlen,
				uint64_t scrypt_n, const unsigned char salt[32],
				const unsigned char nonce[24], const char *pem_type, sg_error *e)
{
	sg_buf json = SG_BUF_INIT(SG_MAX_KEYFILE);
	size_t ctlen = k->derlen + crypto_secretbox_MACBYTES;
	unsigned char *key = NULL, *ct = NULL;
	int err;

	if ((err = sodium_ready(e)) < 0)
		return err;
	if (scrypt_n > INT32_MAX || !scrypt_allowed((json_int_t)scrypt_n, 8, 1))
		return sg_err(e, SG_EUNSUPPORTED, "unsupported scrypt parameters N=%llu r=8 p=1",
			      (unsigned long long)scrypt_n);
	if (strcmp(pem_type, SG_PEM_SIGSTORE_ENC) && strcmp(pem_type, SG_PEM_COSIGN_ENC))
		return sg_err(e, SG_EINVALID, "unsupported pem type: %s", pem_type);
	if (!(key = sodium_malloc(SCRYPT_KEYLEN)) || !(ct = malloc(ctlen))) {
		err = sg_err(e, SG_ERROR, "encrypting key: out of memory");
		goto done;
	}
	if ((err = derive(key, pw, pwlen, salt, 32, scrypt_n, "encrypting key", e)) < 0)
		goto done;
	crypto_secretbox_easy(ct, sg_privkey_der_open(k), k->derlen, nonce, key);
	sg_privkey_der_close(k);
	sg_burn_stack();
	sfree(key, SCRYPT_KEYLEN);
	key = NULL;
	/* Go JSON of sslib's struct: fixed field order, no whitespace. */
	if (sg_buf_printf(&json, "{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":%llu,\"r\":8,"
			  "\"p\":1},\"salt\":\"", (unsigned long long)scrypt_n) < 0 ||
	    sg_b64_encode(&json, salt, 32) < 0 ||
	    sg_buf_puts(&json, "\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"") < 0 ||
	    sg_b64_encode(&json, nonce, 24) < 0 ||
	    sg_buf_puts(&json, "\"},\"ciphertext\":\"") < 0 ||
	    sg_b64_encode(&json, ct, ctlen) < 0 || sg_buf_puts(&json, "\"}") < 0) {
		err = sg_err(e, SG_ERROR, "encrypting key: out of memory");
		goto done;
	}
	err = pem_encode(out, pem_type, json.data, json.len, e);
done:
	sfree(key, SCRYPT_KEYLEN);
	free(ct);
	sg_buf_release(&json);
	return err;
}

int sg_privkey_encrypt_pem(sg_buf *out, const sg_privkey *k, const char *pw, size_t pwlen,
			   uint64_t scrypt_n, sg_error *e)
{
	unsigned char salt[32], nonce[crypto_secretbox_NONCEBYTES];
	int err;

	if ((err = sodium_ready(e)) < 0)
		return err;
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	return sg_privkey_encrypt_pem_with(out, k, pw, pwlen, scrypt_n, salt, nonce,
					   SG_PEM_SIGSTORE_ENC, e);
}

/* ---- public keys ---- */

static int pubkey_from_spki(sg_pubkey **out, const unsigned char *der, size_t len,
			    const char *name, sg_error *e)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);
	sg_pubkey *k = NULL;
	size_t rawlen = sizeof(k->ed25519);
	sg_key_alg alg;
	int err;

	if (!pk || p != der + len) {
		err = sg_err_openssl(e, SG_EINVALID, "invalid public key");
		sg_err_prefix(e, "%s", name);
		goto done;
	}
	if ((err = key_alg(&alg, pk, name, e)) < 0)
		goto done;
	if (!(k = calloc(1, sizeof(*k)))) {
		err = sg_err(e, SG_ERROR, "%s: out of memory", name);
		goto done;
	}
	k->alg = alg;
	if (alg == SG_KEY_ED25519 &&
	    (!EVP_PKEY_get_raw_public_key(pk, k->ed25519, &rawlen) || rawlen != 32)) {
		err = sg_err_openssl(e, SG_EINVALID, "invalid Ed25519 public key");
		sg_err_prefix(e, "%s", name);
		goto done;
	}
	k->pkey = pk;
	pk = NULL;
	*out = k;
	k = NULL;
done:
	EVP_PKEY_free(pk);
	sg_pubkey_free(k);
	return err;
}

/* SubjectPublicKeyInfo prefixes (RFC 5480, RFC 8410); the raw public key follows. */
static const unsigned char spki_p256[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00
};
static const unsigned char spki_ed25519[] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};

/* The public half, taken from the canonical PKCS#8 (P-256: the point after d) or derived by
 * libsodium (Ed25519), so that the private key never goes through OpenSSL's decoders. */
int sg_privkey_public(sg_pubkey **out, const sg_privkey *k, sg_error *e)
{
	unsigned char spki[sizeof(spki_p256) + 65], pk[crypto_sign_PUBLICKEYBYTES], *sk;
	const unsigned char *der;
	size_t n;

	*out = NULL;
	if (k->alg == SG_KEY_ECDSA_P256 && k->derlen == P256_PKCS8_LEN) {
		memcpy(spki, spki_p256, sizeof(spki_p256));
		memcpy(spki + sizeof(spki_p256), sg_privkey_der_open(k) + P256_PUB_OFF, 65);
		sg_privkey_der_close(k);
		n = sizeof(spki_p256) + 65;
	} else if (k->alg == SG_KEY_ED25519 && k->derlen == SG_ED25519_PKCS8_LEN) {
		if (!(sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)))
			return sg_err(e, SG_ERROR, "out of memory");
		der = sg_privkey_der_open(k);
		crypto_sign_seed_keypair(pk, sk, der + SG_ED25519_PKCS8_PREFIX_LEN);
		sg_burn_stack();
		sg_privkey_der_close(k);
		sfree(sk, crypto_sign_SECRETKEYBYTES);
		memcpy(spki, spki_ed25519, sizeof(spki_ed25519));
		memcpy(spki + sizeof(spki_ed25519), pk, sizeof(pk));
		n = sizeof(spki_ed25519) + sizeof(pk);
	} else {
		return sg_err(e, SG_EINVALID, "malformed private key");
	}
	return pubkey_from_spki(out, spki, n, "private key", e);
}

int sg_pubkey_from_pem(sg_pubkey **out, const char *pem, size_t len, const char *name,
		       sg_error *e)
{
	struct pem pm;
	int err;

	*out = NULL;
	name = nm(name);
	if ((err = pem_decode(&pm, pem, len, name, e)) < 0)
		return err;
	if (!strcmp(pm.type, "PUBLIC KEY"))
		err = pubkey_from_spki(out, pm.der, pm.len, name, e);
	else if (!strcmp(pm.type, "RSA PUBLIC KEY"))
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported key type RSA (sigil supports "
			     "ECDSA P-256 and Ed25519)", name);
	else
		err = sg_err(e, SG_EUNSUPPORTED, "%s: unsupported pem type: %s (expected PUBLIC KEY)",
			     name, pm.type);
	pem_release(&pm);
	return err;
}

int sg_pubkey_load(sg_pubkey **out, const char *path, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_KEYFILE);
	int err;

	*out = NULL;
	if ((err = sg_read_file(&b, path, e)) == 0)
		err = sg_pubkey_from_pem(out, (const char *)b.data, b.len, path, e);
	sg_buf_release(&b);
	return err;
}

int sg_pubkey_pem(sg_buf *out, const sg_pubkey *k, sg_error *e)
{
	unsigned char *spki = NULL;
	int n, err;

	if ((n = i2d_PUBKEY(k->pkey, &spki)) <= 0)
		return sg_err_openssl(e, SG_ERROR, "encoding public key");
	err = pem_encode(out, "PUBLIC KEY", spki, (size_t)n, e);
	OPENSSL_free(spki);
	return err;
}

int sg_pubkey_hint(char out[SG_KEY_HINT_MAX], const sg_pubkey *k, sg_error *e)
{
	unsigned char *spki = NULL, md[32];
	int n;

	if ((n = i2d_PUBKEY(k->pkey, &spki)) <= 0)
		return sg_err_openssl(e, SG_ERROR, "encoding public key");
	SHA256(spki, (size_t)n, md);
	OPENSSL_free(spki);
	sodium_bin2base64(out, SG_KEY_HINT_MAX, md, sizeof(md), sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

sg_key_alg sg_pubkey_alg(const sg_pubkey *k)
{
	return k->alg;
}

void sg_pubkey_free(sg_pubkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}
