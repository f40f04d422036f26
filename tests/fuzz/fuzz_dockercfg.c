/* docker config.json: auths (base64 auth, username/password, identitytoken), credHelpers and
 * credsStore, looked up for a few registries and repositories. Credential helpers are not
 * run: a stub answers by the helper name's first byte (none, a token, or a failure). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lookups[][2] = {
	{ "index.docker.io", "library/alpine" },
	{ "ghcr.io", "org/team/app" },
	{ "registry.example:5000", "team/app" },
	{ "gcr.io", "proj/img" },
};

static int stub_helper(sg_cred *out, const char *helper, const char *server, void *ud,
		       sg_error *e)
{
	(void)ud;
	if (!helper[0] || !server[0])
		abort(); /* names are checked before helpers are asked */
	switch ((unsigned char)helper[0] % 3) {
	case 0:
		return sg_err(e, SG_ENOTFOUND, "no credentials");
	case 1:
		if (!(out->identity_token = sodium_malloc(4)))
			return sg_err(e, SG_ERROR, "out of memory");
		memcpy(out->identity_token, "tok", 4);
		return 0;
	default:
		return sg_err(e, SG_EAUTH, "docker-credential-%s get failed", helper);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_cred c;
	sg_error e = { 0 };
	size_t i;
	int err;

	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		err = sg_cred_lookup_json(&c, data, size, "config.json", lookups[i][0],
					  lookups[i][1], stub_helper, NULL, &e);
		if (err == 0 && !((c.username && c.password) || c.identity_token))
			abort();
		if (err < 0 && (c.username || c.password || c.identity_token))
			abort();
		sg_cred_release(&c);
	}
	return 0;
}
