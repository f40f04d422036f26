#ifndef SIGIL_KEYS_INT_H
#define SIGIL_KEYS_INT_H
/* Internals shared by keys.c and signer.c only: not part of the core's interface. */
#include <openssl/evp.h>
#include "keys.h"

struct sg_error;

/* The PKCS#8 DER sits in sodium_malloc'd memory that is PROT_NONE except while
 * sg_privkey_der_open() .. sg_privkey_der_close() brackets a use. Not thread-safe: two
 * threads must not use one key at the same time. */
struct sg_privkey {
	sg_key_alg alg;
	unsigned char *der;
	size_t derlen;
};

struct sg_pubkey {
	sg_key_alg alg;
	EVP_PKEY *pkey;
	unsigned char ed25519[32]; /* raw public key, for libsodium (Ed25519 only) */
};

/* RFC 8410 PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows. */
#define SG_ED25519_PKCS8_PREFIX "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20"
#define SG_ED25519_PKCS8_PREFIX_LEN 16
#define SG_ED25519_PKCS8_LEN 48

/* Makes the DER readable and returns it (borrowed until sg_privkey_der_close). */
const unsigned char *sg_privkey_der_open(const sg_privkey *k);
void sg_privkey_der_close(const sg_privkey *k);
/* A fresh OpenSSL key from the DER; the caller EVP_PKEY_free()s it as soon as possible. */
EVP_PKEY *sg_privkey_evp(const sg_privkey *k, struct sg_error *e);
/* Wipes 16 KiB of stack below the caller: call it after a libsodium function that leaves
 * key material in its dead frames. */
void sg_burn_stack(void);

#endif
