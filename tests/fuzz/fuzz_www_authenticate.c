#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "auth.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	sg_challenge c;
	sg_error e = { 0 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&c, 0, sizeof(c));
	if (sg_challenge_parse(&c, s, &e) == 0)
		sg_challenge_release(&c);
	free(s);
	return 0;
}
