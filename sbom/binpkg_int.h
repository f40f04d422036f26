#ifndef SIGIL_SBOM_BINPKG_INT_H
#define SIGIL_SBOM_BINPKG_INT_H
/* Shared by the binary and archive catalogers (bin_*.c): the package list and a
 * bounds-checked ELF reader over bytes in memory. Not part of the API (binpkg.h). */
#include <stdint.h>
#include "binpkg.h"

struct sg_buf;

/* Appends a zeroed package of the given type (parent SG_BINPKG_NONE) and returns it in
 * *p (valid until the next add). SG_ETOOBIG past SG_BINPKG_MAX_PKGS. */
int sg_binpkgs_add(sg_binpkgs *l, sg_binpkg **p, const char *type, struct sg_error *e);
/* Releases one package's strings and deps. */
void sg_binpkg_clear(sg_binpkg *p);
/* Makes room in *arr (n elements of size elem in use) for one more, growing the capacity
 * geometrically (8, 16, 32, ...) without storing it: 0, or SG_ERROR when out of memory. */
int sg_binpkg_grow(void **arr, size_t n, size_t elem);
/* A malloc'd copy of s[0..n) (NUL-terminated); NULL when out of memory. */
char *sg_binpkg_strndup(const char *s, size_t n);
/* Appends each '/'-separated segment of s percent-encoded (purl-spec), lowercased when
 * lower is set, keeping the slashes. */
int sg_binpkg_purl_path(struct sg_buf *b, const char *s, int lower);

/* ---- ELF ---- */

typedef struct sg_elf {
	const unsigned char *data;
	size_t len;
	int is64, be;
	uint64_t shoff, phoff;
	size_t shnum, phnum, shentsize, phentsize, shstrndx;
} sg_elf;

typedef struct sg_elf_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
} sg_elf_shdr;

typedef struct sg_elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz;
} sg_elf_phdr;

#define SG_ELF_SHT_NOBITS 8
#define SG_ELF_PT_LOAD 1
#define SG_ELF_PF_X 1
#define SG_ELF_PF_W 2

/* Checks the ELF header and that the section and program header tables lie inside the
 * data. SG_ENOTFOUND when it is not ELF, SG_EINVALID when it is broken. what names the
 * caller in messages ("Go build info"). */
int sg_elf_open(sg_elf *f, const unsigned char *data, size_t len, const char *what,
		struct sg_error *e);
/* The section called name: SG_ENOTFOUND when absent (or no section headers),
 * SG_EINVALID when the names table is broken. */
int sg_elf_section(const sg_elf *f, const char *name, sg_elf_shdr *sh, struct sg_error *e);
/* The file bytes of a section: SG_EINVALID when they lie outside the data; NOBITS gives 0
 * bytes. */
int sg_elf_section_data(const sg_elf *f, const sg_elf_shdr *sh, const unsigned char **p,
			size_t *n, struct sg_error *e);
/* Program header i (< f->phnum). */
void sg_elf_phdr_get(const sg_elf *f, size_t i, sg_elf_phdr *ph);
/* The file bytes at virtual address addr, up to the end of the loadable segment holding
 * it: 0 with *p and *avail (>= 1), SG_ENOTFOUND when no segment maps it in the file. */
int sg_elf_vaddr(const sg_elf *f, uint64_t addr, const unsigned char **p, size_t *avail);
/* Reads an unsigned integer of n bytes (2, 4 or 8) in the file's byte order. */
uint64_t sg_elf_uint(const sg_elf *f, const unsigned char *p, size_t n);

#endif
