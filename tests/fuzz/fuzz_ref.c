#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ref.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	sg_ref *r = NULL, *again = NULL;
	sg_error e = { 0 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sg_ref_parse(&r, s, &e) == 0) {
		/* A parsed reference must print to something that parses to the same thing. */
		char *str = sg_ref_string(r), *name = sg_ref_repo_name(r);

		if (!str || sg_ref_parse(&again, str, &e) != 0 ||
		    strcmp(sg_ref_target(r), sg_ref_target(again)) != 0)
			abort();
		free(str);
		free(name);
	}
	sg_ref_free(again);
	sg_ref_free(r);
	free(s);
	return 0;
}
