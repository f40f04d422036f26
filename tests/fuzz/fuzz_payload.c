#include <stdint.h>
#include <stdlib.h>
#include "payload.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_payload *p = NULL;
	sg_error e = { 0 };
	sg_buf out = SG_BUF_INIT(SG_MAX_PAYLOAD);

	if (sg_payload_parse(&p, data, size, &e) == 0) {
		if (sg_payload_write(&out, p) != 0 && out.len < SG_MAX_PAYLOAD / 2)
			abort();
		sg_payload_free(p);
	}
	sg_buf_release(&out);
	return 0;
}
