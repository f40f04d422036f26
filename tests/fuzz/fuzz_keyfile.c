/* Key files: PEM framing, the encrypted-key JSON and plaintext keys. The password function
 * refuses, so scrypt never runs and the fuzzer stays fast; everything before it is covered. */
#include <stdint.h>
#include <sodium.h>
#include "keys.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int no_password(char **pw, size_t *pwlen, int confirm, void *ud, sg_error *e)
{
	(void)pw; (void)pwlen; (void)confirm; (void)ud;
	return sg_err(e, SG_EPASSWORD, "no password in the fuzzer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_privkey *k = NULL;
	sg_pubkey *p = NULL;
	sg_error e = { 0 };

	if (sodium_init() < 0)
		return 0;
	if (sg_privkey_from_pem(&k, (const char *)data, size, "fuzz", no_password, NULL, &e) == 0)
		sg_privkey_free(k);
	if (sg_pubkey_from_pem(&p, (const char *)data, size, "fuzz", &e) == 0)
		sg_pubkey_free(p);
	return 0;
}
