/* DSSE envelopes, in-toto statements and predicate files: everything verify-attestation and
 * attest read from untrusted bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "dsse.h"
#include "intoto.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = { "custom", "spdx", "slsaprovenance1", "link",
				     "https://example.com/p" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_buf out = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_error e = { 0 };
	sg_dsse *env = NULL;
	sg_intoto *st = NULL;
	json_t *pred = NULL;

	if (sg_dsse_parse(&env, data, size, &e) == 0) {
		if (env->nsigs == 0 || env->payload[env->payload_len] != 0)
			abort();
		if (sg_intoto_parse(&st, env->payload, env->payload_len, &e) == 0)
			sg_intoto_has_digest(st, "sha256:00");
		sg_intoto_free(st);
		st = NULL;
	}
	sg_dsse_free(env);
	if (sg_intoto_parse(&st, data, size, &e) == 0 && (st->nsubjects == 0 || !st->predicate_type))
		abort();
	sg_intoto_free(st);
	if (size && sg_predicate_load(&pred, types[data[0] % 5], data + 1, size - 1, "f", 0, &e) == 0) {
		if (sg_intoto_build(&out, SG_INTOTO_STATEMENT_V1, "r/x", "sha256:00", "u:x", pred, &e) != 0)
			abort();
		json_decref(pred);
	}
	sg_buf_release(&out);
	return 0;
}
