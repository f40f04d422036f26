/* DSSE envelopes through signature verification (fuzz_attestation covers the parse and the
 * statements inside, not sg_dsse_verify): PAE, base64 of both alphabets, ECDSA DER and raw
 * r||s, Ed25519 pure and prehashed, with one fixed key of each kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "dsse.h"
#include "keys.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const key_pems[] = {
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2cRoGVjNRwYOaE5/Z8X03qSD4yja\n"
	"k/KVAYJaM+7yHEILSlm+k5Uqrluq3sbcBwz8XmkDqEa6lLN8FhdMQXLdrw==\n"
	"-----END PUBLIC KEY-----\n",
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VwAyEAWXu1lzSk/UJ0ppWUzO1U6C4g08oupc6scSuh9fFijmo=\n"
	"-----END PUBLIC KEY-----\n",
};
#define NKEYS (sizeof(key_pems) / sizeof(key_pems[0]))

static sg_pubkey *key(size_t i)
{
	static sg_pubkey *k[NKEYS];
	sg_error e = { 0 };

	if (!k[i] && (sodium_init() < 0 ||
		      sg_pubkey_from_pem(&k[i], key_pems[i], strlen(key_pems[i]), "fuzz", &e) != 0))
		abort();
	return k[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_dsse *d = NULL;
	sg_error e = { 0 };
	size_t i;
	int err;

	if (sg_dsse_parse(&d, data, size, &e) != 0)
		return 0;
	if (d->nsigs == 0 || d->nsigs > SG_DSSE_MAX_SIGS || d->payload[d->payload_len] != 0)
		abort();
	for (i = 0; i < NKEYS; i++) {
		memset(&e, 0, sizeof(e));
		err = sg_dsse_verify(d, key(i), &e);
		if (err != SG_OK && (err != SG_EVERIFY || e.code != SG_EVERIFY))
			abort();
	}
	sg_dsse_free(d);
	return 0;
}
