/* The binary and archive catalogers (binpkg.h) on arbitrary bytes: the input is given, as
 * it is, to the Go, Rust and Java parsers, and to the sniffer. Seeds are small fixtures of
 * tests/data/sbom/bin/ (ELF files with Go build info or a cargo-auditable section, jars). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "binpkg.h"
#include "err.h"
#include "fuzz_sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_binpkgs l;
	sg_error e = { 0, "" };
	unsigned char *copy;

	if (!(copy = fuzz_copy(data, size, 4u << 20)))
		return 0;
	(void)sg_binpkg_kind(copy, size);
	memset(&l, 0, sizeof(l));
	sg_binpkg_go(&l, copy, size, &e);
	sg_binpkgs_release(&l);
	sg_binpkg_rust(&l, copy, size, &e);
	sg_binpkgs_release(&l);
	sg_binpkg_java(&l, copy, size, "fuzz/app-1.0.jar", &e);
	sg_binpkgs_release(&l);
	free(copy);
	return 0;
}
