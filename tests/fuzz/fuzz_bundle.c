/* Sigstore bundles as cosign v3 attaches them: the strict parse, then verification with a
 * fixed ECDSA P-256 key against a fixed image digest. The seeds signed with that key
 * (tests/fuzz/README.md) reach the signature checks and the statement parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "bundle.h"
#include "dsse.h"
#include "intoto.h"
#include "keys.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2cRoGVjNRwYOaE5/Z8X03qSD4yja\n"
	"k/KVAYJaM+7yHEILSlm+k5Uqrluq3sbcBwz8XmkDqEa6lLN8FhdMQXLdrw==\n"
	"-----END PUBLIC KEY-----\n";
/* sha256 of artifact */
static const char digest[] =
	"sha256:5b2fcfa72b820c62a6fc5de608b08d54f1880ddcc8deadf3ebf97049a9c11712";
static const char artifact[] = "sigil fuzz artifact\n";

static sg_pubkey *the_key(void)
{
	static sg_pubkey *k;
	sg_error e = { 0 };

	if (!k && (sodium_init() < 0 ||
		   sg_pubkey_from_pem(&k, key_pem, sizeof(key_pem) - 1, "fuzz", &e) != 0))
		abort();
	return k;
}

/* Verification either succeeds or says SG_EVERIFY, and never for a keyless bundle. */
static void check(const sg_bundle *b, int err, const sg_error *e)
{
	if (err != SG_OK && (err != SG_EVERIFY || e->code != SG_EVERIFY))
		abort();
	if (err == SG_OK && b->keyless)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_bundle *b = NULL;
	sg_intoto *st = NULL;
	sg_error e = { 0 };
	int err;

	if (sg_bundle_parse(&b, data, size, &e) != 0)
		return 0;
	if (b->minor < 1 || b->minor > 3 || (b->kind == SG_BUNDLE_DSSE) == !b->dsse ||
	    (b->dsse && b->dsse->nsigs != 1))
		abort();
	err = sg_bundle_verify(b, the_key(), digest, NULL, 0, &st, &e);
	check(b, err, &e);
	if ((err == SG_OK && b->kind == SG_BUNDLE_DSSE) != (st != NULL) ||
	    (st && !sg_intoto_has_digest(st, digest)))
		abort();
	sg_intoto_free(st);
	memset(&e, 0, sizeof(e));
	err = sg_bundle_verify(b, the_key(), digest, artifact, sizeof(artifact) - 1, NULL, &e);
	check(b, err, &e);
	sg_bundle_free(b);
	return 0;
}
