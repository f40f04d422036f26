/* Signing and verification with sigil's two key types (docs/formats.md §1.4):
 * ECDSA P-256 over SHA-256(msg), ASN.1 DER; Ed25519 pure over msg (libsodium). */
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "err.h"
#include "keys.h"
#include "keys_int.h"
#include "banned.h"

#define ED25519_SIGLEN crypto_sign_BYTES
#define P256_RAW_SIGLEN 64
#define ECDSA_SIG_MAX 256 /* anything longer is not a P-256 signature */

static const unsigned char empty[1];

static int sign_ed25519(unsigned char **sig, size_t *siglen, const sg_privkey *k,
			const unsigned char *msg, size_t len, sg_error *e)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], *sk = NULL, *out = NULL;
	const unsigned char *der;
	int err = 0;

	if (!(sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) || !(out = malloc(ED25519_SIGLEN))) {
		err = sg_err(e, SG_ERROR, "signing: out of memory");
		goto done;
	}
	der = sg_privkey_der_open(k);
	if (k->derlen != SG_ED25519_PKCS8_LEN ||
	    memcmp(der, SG_ED25519_PKCS8_PREFIX, SG_ED25519_PKCS8_PREFIX_LEN)) {
		sg_privkey_der_close(k);
		err = sg_err(e, SG_EINVALID, "signing: malformed Ed25519 private key");
		goto done;
	}
	crypto_sign_seed_keypair(pk, sk, der + SG_ED25519_PKCS8_PREFIX_LEN);
	sg_privkey_der_close(k);
	crypto_sign_detached(out, NULL, msg, len, sk);
	sg_burn_stack();
	*sig = out;
	*siglen = ED25519_SIGLEN;
	out = NULL;
done:
	if (sk) {
		sodium_memzero(sk, crypto_sign_SECRETKEYBYTES);
		sodium_free(sk);
	}
	free(out);
	return err;
}

static int sign_ecdsa(unsigned char **sig, size_t *siglen, const sg_privkey *k,
		      const unsigned char *msg, size_t len, sg_error *e)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	unsigned char *out = NULL;
	size_t n;
	int err = 0;

	if (!(pk = sg_privkey_evp(k, e)))
		return e ? e->code : SG_ERROR;
	n = (size_t)EVP_PKEY_get_size(pk);
	if (!(ctx = EVP_MD_CTX_new()) || !(out = malloc(n ? n : 1)) ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(ctx, out, &n, msg, len) != 1) {
		err = sg_err_openssl(e, SG_ERROR, "signing");
		goto done;
	}
	*sig = out;
	*siglen = n;
	out = NULL;
done:
	free(out);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return err;
}

int sg_sign(unsigned char **sig, size_t *siglen, const sg_privkey *k, const void *msg,
	    size_t len, sg_error *e)
{
	const unsigned char *m = len ? msg : empty;

	*sig = NULL;
	*siglen = 0;
	if (sodium_init() < 0)
		return sg_err(e, SG_ERROR, "libsodium initialisation failed");
	if (k->alg == SG_KEY_ED25519)
		return sign_ed25519(sig, siglen, k, m, len, e);
	if (k->alg == SG_KEY_ECDSA_P256)
		return sign_ecdsa(sig, siglen, k, m, len, e);
	return sg_err(e, SG_EINVALID, "signing: unknown key algorithm");
}

/* Pure Ed25519 first, then Ed25519ph (SHA-512 prehash, empty context: what cosign
 * >= 2.6 signs with). 1 if either verifies. */
static int verify_ed25519(const sg_pubkey *k, const unsigned char *msg, size_t len,
			  const unsigned char *sig, size_t siglen)
{
	crypto_sign_ed25519ph_state st;

	if (siglen != ED25519_SIGLEN)
		return 0;
	if (crypto_sign_verify_detached(sig, msg, len, k->ed25519) == 0)
		return 1;
	crypto_sign_ed25519ph_init(&st);
	crypto_sign_ed25519ph_update(&st, msg, len);
	return crypto_sign_ed25519ph_final_verify(&st, sig, k->ed25519) == 0;
}

/* An ECDSA_SIG DER from raw IEEE P1363 r||s. */
static int raw_to_der(unsigned char **der, const unsigned char *sig)
{
	BIGNUM *r = BN_bin2bn(sig, P256_RAW_SIGLEN / 2, NULL);
	BIGNUM *s = BN_bin2bn(sig + P256_RAW_SIGLEN / 2, P256_RAW_SIGLEN / 2, NULL);
	ECDSA_SIG *es = ECDSA_SIG_new();
	int n = -1;

	if (r && s && es && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL; /* owned by es now */
		n = i2d_ECDSA_SIG(es, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

/* As sigstore's ECDSAVerifier: if the bytes start with an ASN.1 {r,s} they must be exactly
 * one canonical DER signature (Go's VerifyASN1 is strict); otherwise raw r||s. Returns the
 * DER length (*der OPENSSL_malloc'd), or -1. */
static int ecdsa_der(unsigned char **der, const unsigned char *sig, size_t siglen)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = NULL;
	int n = -1;

	*der = NULL;
	if (siglen == 0 || siglen > ECDSA_SIG_MAX)
		return -1;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)siglen))) {
		n = i2d_ECDSA_SIG(es, der);
		if (p != sig + siglen || n != (int)siglen || memcmp(*der, sig, siglen))
			n = -1;
	} else if (siglen == P256_RAW_SIGLEN) {
		n = raw_to_der(der, sig);
	}
	ECDSA_SIG_free(es);
	if (n <= 0) {
		OPENSSL_free(*der);
		*der = NULL;
		n = -1;
	}
	return n;
}

static int verify_ecdsa(const sg_pubkey *k, const unsigned char *msg, size_t len,
			const unsigned char *sig, size_t siglen)
{
	unsigned char *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	int n, ok = 0;

	if ((n = ecdsa_der(&der, sig, siglen)) <= 0)
		goto done;
	if (!(ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1)
		goto done;
	ok = EVP_DigestVerify(ctx, der, (size_t)n, msg, len) == 1;
done:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

int sg_verify_digest(const sg_pubkey *k, const unsigned char *digest, size_t dlen,
		     const unsigned char *sig, size_t siglen)
{
	unsigned char *der = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int n, ok = 0;

	if (!k || !digest || !sig || k->alg != SG_KEY_ECDSA_P256 || dlen != 32)
		return SG_EVERIFY;
	if ((n = ecdsa_der(&der, sig, siglen)) <= 0)
		goto done;
	if (!(ctx = EVP_PKEY_CTX_new(k->pkey, NULL)) || EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1)
		goto done;
	ok = EVP_PKEY_verify(ctx, der, (size_t)n, digest, dlen) == 1;
done:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok ? SG_OK : SG_EVERIFY;
}

int sg_verify(const sg_pubkey *k, const void *msg, size_t len, const unsigned char *sig,
	      size_t siglen)
{
	const unsigned char *m = len ? msg : empty;
	int ok = 0; /* fails closed */

	if (!k || !sig || sodium_init() < 0)
		return SG_EVERIFY;
	if (k->alg == SG_KEY_ED25519)
		ok = verify_ed25519(k, m, len, sig, siglen);
	else if (k->alg == SG_KEY_ECDSA_P256)
		ok = verify_ecdsa(k, m, len, sig, siglen);
	return ok == 1 ? SG_OK : SG_EVERIFY;
}
