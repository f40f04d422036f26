/* sigil sbom on one arbitrary layer blob (tar, tar+gzip, tar+zstd or garbage): the walker,
 * the catalogers and the SPDX writer must fail cleanly or succeed, never crash or hang. */
#include <stdint.h>
#include "fuzz_sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sbom_walk(data, size, FUZZ_DPKG, 16u << 20);
	return 0;
}
