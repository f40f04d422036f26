/* What the binary and archive catalogers share (binpkg.h, binpkg_int.h): sniffing, the
 * package list, purl paths, and an ELF reader that checks every offset against the bytes
 * it was given (no libelf: we need three tables and one section). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "binpkg_int.h"
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

sg_binkind sg_binpkg_kind(const unsigned char *head, size_t len)
{
	if (len >= 4 && !memcmp(head, "\x7f" "ELF", 4))
		return SG_BIN_ELF;
	if (len >= 4 && !memcmp(head, "PK\3\4", 4))
		return SG_BIN_ZIP;
	return SG_BIN_NONE;
}

int sg_binpkg_java_name(const char *path)
{
	static const char *const ext[] = { "jar", "war", "ear", "par", "sar", "nar", "jpi",
					   "hpi", "lpkg" };
	const char *dot, *slash;
	size_t i;

	if (!path || !(dot = strrchr(path, '.')))
		return 0;
	if ((slash = strrchr(path, '/')) && slash > dot)
		return 0;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (!strcasecmp(dot + 1, ext[i]))
			return 1;
	return 0;
}

/* ---- the list ---- */

void sg_binpkg_clear(sg_binpkg *p)
{
	free(p->name);
	free(p->version);
	free(p->group);
	free(p->purl);
	free(p->license);
	free(p->sum);
	free(p->source);
	free(p->location);
	free(p->deps);
	memset(p, 0, sizeof(*p));
}

void sg_binpkgs_release(sg_binpkgs *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		sg_binpkg_clear(&l->pkgs[i]);
	free(l->pkgs);
	for (i = 0; i < l->nsettings; i++) {
		free(l->settings[i].key);
		free(l->settings[i].value);
	}
	free(l->settings);
	free(l->go_version);
	free(l->go_path);
	free(l->warning);
	memset(l, 0, sizeof(*l));
}

size_t sg_binpkgs_main(const sg_binpkgs *l)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (l->pkgs[i].main && l->pkgs[i].parent == SG_BINPKG_NONE)
			return i;
	return SG_BINPKG_NONE;
}

int sg_binpkgs_add(sg_binpkgs *l, sg_binpkg **p, const char *type, sg_error *e)
{
	if (l->n >= SG_BINPKG_MAX_PKGS)
		return sg_err(e, SG_ETOOBIG, "more than %u packages in one file", SG_BINPKG_MAX_PKGS);
	if (l->n == l->alloc) {
		size_t want = l->alloc ? l->alloc * 2 : 16;
		sg_binpkg *np = realloc(l->pkgs, want * sizeof(*np));

		if (!np)
			return sg_err(e, SG_ERROR, "out of memory");
		l->pkgs = np;
		l->alloc = want;
	}
	*p = &l->pkgs[l->n++];
	memset(*p, 0, sizeof(**p));
	(*p)->type = type;
	(*p)->parent = SG_BINPKG_NONE;
	return 0;
}

int sg_binpkg_grow(void **arr, size_t n, size_t elem)
{
	size_t want;
	void *p;

	if (n && (n < 8 || (n & (n - 1))))
		return 0; /* capacity is max(8, the next power of two) */
	want = n ? n * 2 : 8;
	if (want > ((size_t)-1) / elem || !(p = realloc(*arr, want * elem)))
		return SG_ERROR;
	*arr = p;
	return 0;
}

char *sg_binpkg_strndup(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

int sg_binpkg_purl_path(sg_buf *b, const char *s, int lower)
{
	const char *seg = s, *slash;
	int err = 0;

	for (;;) {
		size_t n, i;
		char *tmp;

		slash = strchr(seg, '/');
		n = slash ? (size_t)(slash - seg) : strlen(seg);
		if (!(tmp = sg_binpkg_strndup(seg, n)))
			return SG_ERROR;
		for (i = 0; lower && i < n; i++)
			tmp[i] = (char)tolower((unsigned char)tmp[i]);
		err = sg_purl_escape(b, tmp);
		free(tmp);
		if (err < 0 || !slash)
			return err;
		if ((err = sg_buf_append(b, "/", 1)) < 0)
			return err;
		seg = slash + 1;
	}
}

/* ---- ELF ---- */

uint64_t sg_elf_uint(const sg_elf *f, const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[f->be ? n - 1 - i : i] << (8 * i);
	return v;
}

/* A field of the header at offset off32 (ELF32) or off64 (ELF64), of size n32 / n64. */
static uint64_t hdr(const sg_elf *f, const unsigned char *p, size_t off32, size_t off64,
		    size_t n32, size_t n64)
{
	return f->is64 ? sg_elf_uint(f, p + off64, n64) : sg_elf_uint(f, p + off32, n32);
}

static int table_ok(const sg_elf *f, uint64_t off, size_t num, size_t entsize)
{
	uint64_t size = (uint64_t)num * entsize; /* num < 2^32, entsize < 2^16 */

	return off <= f->len && size <= f->len - off;
}

/* Section header 0 holds the real counts when they do not fit the ELF header (gABI
 * "extended section numbering"). */
static int extended_numbering(sg_elf *f, size_t phnum16, const char *what, sg_error *e)
{
	const unsigned char *s0;

	if (!f->shoff || !table_ok(f, f->shoff, 1, f->shentsize))
		return sg_err(e, SG_EINVALID, "%s: ELF section header 0 out of range", what);
	s0 = f->data + f->shoff;
	if (!f->shnum)
		f->shnum = (size_t)hdr(f, s0, 20, 32, 4, 8);
	if (f->shstrndx == 0xffff)
		f->shstrndx = (size_t)sg_elf_uint(f, s0 + (f->is64 ? 40 : 24), 4);
	if (phnum16 == 0xffff)
		f->phnum = (size_t)sg_elf_uint(f, s0 + (f->is64 ? 44 : 28), 4);
	if (f->shnum > f->len / f->shentsize || f->phnum > f->len / (f->phentsize ? f->phentsize : 1))
		return sg_err(e, SG_EINVALID, "%s: ELF header counts out of range", what);
	return 0;
}

int sg_elf_open(sg_elf *f, const unsigned char *data, size_t len, const char *what, sg_error *e)
{
	const unsigned char *h = data;
	size_t shnum16, phnum16;
	int err;

	memset(f, 0, sizeof(*f));
	if (len < 16 || memcmp(data, "\x7f" "ELF", 4))
		return sg_err(e, SG_ENOTFOUND, "%s: not an ELF file", what);
	if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
		return sg_err(e, SG_EINVALID, "%s: ELF class %u or byte order %u unknown", what, h[4],
			      h[5]);
	f->data = data;
	f->len = len;
	f->is64 = h[4] == 2;
	f->be = h[5] == 2;
	if (len < (f->is64 ? 64u : 52u))
		return sg_err(e, SG_EINVALID, "%s: truncated ELF header", what);
	f->phoff = hdr(f, h, 28, 32, 4, 8);
	f->shoff = hdr(f, h, 32, 40, 4, 8);
	f->phentsize = (size_t)hdr(f, h, 42, 54, 2, 2);
	phnum16 = (size_t)hdr(f, h, 44, 56, 2, 2);
	f->shentsize = (size_t)hdr(f, h, 46, 58, 2, 2);
	shnum16 = (size_t)hdr(f, h, 48, 60, 2, 2);
	f->shstrndx = (size_t)hdr(f, h, 50, 62, 2, 2);
	f->phnum = phnum16 == 0xffff ? 0 : phnum16;
	f->shnum = shnum16;
	if (!f->shoff)
		f->shnum = 0;
	if (!f->phoff)
		f->phnum = 0;
	if ((f->shoff && f->shentsize < (f->is64 ? 64u : 40u)) ||
	    (f->phnum && f->phentsize < (f->is64 ? 56u : 32u)) ||
	    (phnum16 == 0xffff && f->phentsize < (f->is64 ? 56u : 32u)))
		return sg_err(e, SG_EINVALID, "%s: ELF header table entry sizes too small", what);
	if (f->shoff && (!shnum16 || f->shstrndx == 0xffff || phnum16 == 0xffff) &&
	    (err = extended_numbering(f, phnum16, what, e)) < 0)
		return err;
	if (f->shnum && !table_ok(f, f->shoff, f->shnum, f->shentsize))
		return sg_err(e, SG_EINVALID, "%s: ELF section headers out of range", what);
	if (f->phnum && !table_ok(f, f->phoff, f->phnum, f->phentsize))
		return sg_err(e, SG_EINVALID, "%s: ELF program headers out of range", what);
	return 0;
}

static void shdr_get(const sg_elf *f, size_t i, sg_elf_shdr *sh)
{
	const unsigned char *p = f->data + f->shoff + (uint64_t)i * f->shentsize;

	sh->name = (uint32_t)sg_elf_uint(f, p, 4);
	sh->type = (uint32_t)sg_elf_uint(f, p + 4, 4);
	sh->flags = hdr(f, p, 8, 8, 4, 8);
	sh->addr = hdr(f, p, 12, 16, 4, 8);
	sh->offset = hdr(f, p, 16, 24, 4, 8);
	sh->size = hdr(f, p, 20, 32, 4, 8);
}

void sg_elf_phdr_get(const sg_elf *f, size_t i, sg_elf_phdr *ph)
{
	const unsigned char *p = f->data + f->phoff + (uint64_t)i * f->phentsize;

	ph->type = (uint32_t)sg_elf_uint(f, p, 4);
	ph->flags = (uint32_t)hdr(f, p, 24, 4, 4, 4);
	ph->offset = hdr(f, p, 4, 8, 4, 8);
	ph->vaddr = hdr(f, p, 8, 16, 4, 8);
	ph->filesz = hdr(f, p, 16, 32, 4, 8);
}

int sg_elf_section_data(const sg_elf *f, const sg_elf_shdr *sh, const unsigned char **p,
			size_t *n, sg_error *e)
{
	if (sh->type == SG_ELF_SHT_NOBITS) {
		*p = f->data;
		*n = 0;
		return 0;
	}
	if (sh->offset > f->len || sh->size > f->len - sh->offset)
		return sg_err(e, SG_EINVALID, "ELF section at %llu (%llu bytes) lies outside the file",
			      (unsigned long long)sh->offset, (unsigned long long)sh->size);
	*p = f->data + sh->offset;
	*n = (size_t)sh->size;
	return 0;
}

int sg_elf_section(const sg_elf *f, const char *name, sg_elf_shdr *sh, sg_error *e)
{
	sg_elf_shdr strtab;
	const unsigned char *names;
	size_t nlen, want = strlen(name) + 1, i;
	int err;

	if (!f->shnum)
		return sg_err(e, SG_ENOTFOUND, "no ELF section headers");
	if (f->shstrndx >= f->shnum)
		return sg_err(e, SG_EINVALID, "ELF section names index %zu out of range", f->shstrndx);
	shdr_get(f, f->shstrndx, &strtab);
	if ((err = sg_elf_section_data(f, &strtab, &names, &nlen, e)) < 0)
		return err;
	for (i = 0; i < f->shnum; i++) {
		shdr_get(f, i, sh);
		/* the name and its NUL must lie inside the table */
		if (sh->name < nlen && nlen - sh->name >= want &&
		    !memcmp(names + sh->name, name, want))
			return 0;
	}
	return sg_err(e, SG_ENOTFOUND, "no ELF section %s", name);
}

int sg_elf_vaddr(const sg_elf *f, uint64_t addr, const unsigned char **p, size_t *avail)
{
	sg_elf_phdr ph;
	size_t i;

	for (i = 0; i < f->phnum; i++) {
		uint64_t rel, off, n;

		sg_elf_phdr_get(f, i, &ph);
		if (ph.type != SG_ELF_PT_LOAD || addr < ph.vaddr || addr - ph.vaddr >= ph.filesz)
			continue;
		rel = addr - ph.vaddr;
		if (ph.offset > f->len || rel >= f->len - ph.offset)
			continue;
		off = ph.offset + rel;
		n = ph.filesz - rel;
		if (n > f->len - off)
			n = f->len - off;
		*p = f->data + off;
		*avail = (size_t)n;
		return 0;
	}
	return SG_ENOTFOUND;
}
