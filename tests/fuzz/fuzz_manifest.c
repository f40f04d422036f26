#include <stdint.h>
#include "manifest.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_manifest *m = NULL;
	sg_error e = { 0 };

	if (sg_manifest_parse(&m, data, size, NULL, &e) == 0)
		sg_manifest_free(m);
	if (sg_manifest_parse(&m, data, size, SG_MT_OCI_MANIFEST, &e) == 0)
		sg_manifest_free(m);
	return 0;
}
