#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "buf.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Policies are parsed from bytes an operator may not have written carefully: every input
 * must either load completely or fail with SG_EINVALID and a "NAME:LINE:COL: " message.
 * Key files resolve against a directory that does not exist, so only absolute paths to
 * regular files are ever read. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_buf desc = SG_BUF_INIT(16u << 20);
	sg_policy *p = NULL;
	sg_error e = { 0 };
	size_t i;
	int err = sg_policy_parse(&p, data, size, "fuzz.yaml", "/nonexistent-sigil-fuzz", &e);

	if (err == 0) {
		if (!p || strncmp(sg_policy_digest(p), "sha256:", 7) != 0)
			abort();
		for (i = 0; i < sg_policy_nrules(p); i++)
			if (!sg_policy_rule_name(p, i))
				abort();
		if (sg_policy_describe(&desc, p) != 0)
			abort();
	} else if (p || (err == SG_EINVALID && strncmp(e.msg, "fuzz.yaml:", 10) != 0)) {
		abort();
	}
	sg_buf_release(&desc);
	sg_policy_free(p);
	return 0;
}
