#ifndef SIGIL_KEYS_H
#define SIGIL_KEYS_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct sg_error;

typedef enum { SG_KEY_ECDSA_P256 = 1, SG_KEY_ED25519 = 2 } sg_key_alg;

#define SG_PEM_SIGSTORE_ENC "ENCRYPTED SIGSTORE PRIVATE KEY"
#define SG_PEM_COSIGN_ENC   "ENCRYPTED COSIGN PRIVATE KEY"
#define SG_SCRYPT_N_DEFAULT 65536

/* A private key. Its PKCS#8 DER lives only in sodium_malloc'd memory (guarded, wiped on
 * free); an OpenSSL key object is made from it for each signature and freed right after. */
typedef struct sg_privkey sg_privkey;
/* A public key (ECDSA P-256 or Ed25519). */
typedef struct sg_pubkey sg_pubkey;

/* Supplies a password: *pw is sodium_malloc'd and NUL-terminated, the caller wipes and
 * frees it with sg_password_free. confirm != 0 when creating a key (ask twice). */
typedef int (*sg_pass_fn)(char **pw, size_t *pwlen, int confirm, void *ud, struct sg_error *e);

int sg_privkey_generate(sg_privkey **out, sg_key_alg alg, struct sg_error *e);
/* Loads a private key file: ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY (asks pass for the
 * password), or plaintext PEM PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY").
 * P-256 and Ed25519 only. Errors name the file. */
int sg_privkey_load(sg_privkey **out, const char *path, sg_pass_fn pass, void *ud,
		    struct sg_error *e);
int sg_privkey_from_pem(sg_privkey **out, const char *pem, size_t len, const char *name,
			sg_pass_fn pass, void *ud, struct sg_error *e);
/* Encodes k as cosign's encrypted PEM (type SG_PEM_SIGSTORE_ENC) with fresh salt/nonce. */
int sg_privkey_encrypt_pem(sg_buf *out, const sg_privkey *k, const char *pw, size_t pwlen,
			   uint64_t scrypt_n, struct sg_error *e);
/* Same with given salt and nonce and PEM type: for known-answer tests. */
int sg_privkey_encrypt_pem_with(sg_buf *out, const sg_privkey *k, const char *pw, size_t pwlen,
				uint64_t scrypt_n, const unsigned char salt[32],
				const unsigned char nonce[24], const char *pem_type,
				struct sg_error *e);
sg_key_alg sg_privkey_alg(const sg_privkey *k);
int sg_privkey_public(sg_pubkey **out, const sg_privkey *k, struct sg_error *e);
void sg_privkey_free(sg_privkey *k);

/* PKIX "PUBLIC KEY" PEM (P-256 or Ed25519). */
int sg_pubkey_load(sg_pubkey **out, const char *path, struct sg_error *e);
int sg_pubkey_from_pem(sg_pubkey **out, const char *pem, size_t len, const char *name,
		       struct sg_error *e);
/* PKIX PEM as cosign writes it: 64-column base64, trailing newline. */
int sg_pubkey_pem(sg_buf *out, const sg_pubkey *k, struct sg_error *e);
sg_key_alg sg_pubkey_alg(const sg_pubkey *k);
/* The key's hint in sigstore bundles, as cosign and sigstore-go write it:
 * base64std(SHA-256(PKIX DER)). */
#define SG_KEY_HINT_MAX 48
int sg_pubkey_hint(char out[SG_KEY_HINT_MAX], const sg_pubkey *k, struct sg_error *e);
void sg_pubkey_free(sg_pubkey *k);

/* Signs msg: ECDSA P-256 over SHA-256(msg), ASN.1 DER; Ed25519 pure over msg.
 * *sig is malloc'd. */
int sg_sign(unsigned char **sig, size_t *siglen, const sg_privkey *k, const void *msg,
	    size_t len, struct sg_error *e);
/* SG_OK if sig verifies over msg, else SG_EVERIFY. ECDSA accepts DER or raw r||s (as
 * sigstore's verifier does); Ed25519 tries pure, then Ed25519ph (cosign >= 2.6 signers). */
int sg_verify(const sg_pubkey *k, const void *msg, size_t len, const unsigned char *sig,
	      size_t siglen);
/* ECDSA P-256 only: verifies sig (DER or raw r||s) over a message known by its SHA-256
 * digest (a sigstore messageSignature over an artifact sigil holds only the digest of).
 * SG_OK or SG_EVERIFY (also for an Ed25519 key: it signs messages, not digests). */
int sg_verify_digest(const sg_pubkey *k, const unsigned char *digest, size_t dlen,
		     const unsigned char *sig, size_t siglen);

/* Password from COSIGN_PASSWORD (set, even empty, wins), else a no-echo prompt on the
 * terminal (twice when confirm), else all of stdin. Matches sg_pass_fn. */
int sg_password_get(char **pw, size_t *pwlen, int confirm, void *ud, struct sg_error *e);
void sg_password_free(char *pw, size_t pwlen);

#endif
