#ifndef SIGIL_FUZZ_SBOM_H
#define SIGIL_FUZZ_SBOM_H
/* What the sbom fuzz targets share: the input copied to a buffer of its exact size, and
 * one layer taken through the walker, the catalogers and the SPDX writer as sigil sbom
 * takes an image's. Errors end a run quietly: a target looks for crashes, leaks and
 * hangs, not for inputs that are refused. */
#include <stddef.h>
#include <stdint.h>

/* The catalogers fuzz_sbom_walk runs after the OS one. */
enum {
	FUZZ_DPKG = 1u << 0,
	FUZZ_APK = 1u << 1,
	FUZZ_PYTHON = 1u << 2,
	FUZZ_NPM = 1u << 3,
	FUZZ_FINISH = 1u << 4, /* then sg_catalog_finish (sort, owners) */
};

/* A malloc'd copy of the size input bytes in a buffer of exactly that size (one byte for
 * none), so that a read past the end is seen by the sanitizers; NULL when size is over max
 * or memory is short. */
unsigned char *fuzz_copy(const uint8_t *data, size_t size, size_t max);

/* The layer blob as the only layer of an image: walked (total_max caps what the walker
 * keeps; 0 is its default), catalogued by the OS cataloger and those of what, and written
 * as SPDX. */
void fuzz_sbom_walk(const unsigned char *layer, size_t len, unsigned what, size_t total_max);

#endif
