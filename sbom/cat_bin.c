/* Go and Rust binaries and Java archives in the walk (catalog.h): the walker offers every
 * regular file as it streams past (walker.h sg_walk_inspect); the candidates are parsed
 * there and then (binpkg.h), and only the packages found are kept, by path and layer.
 * After the walk, results whose file a later layer deleted or replaced are dropped.
 *
 * Candidates:
 *  - ELF executables and shared objects (e_type EXEC or DYN) that have an exec bit or lie
 *    under a bin, sbin, libexec or lib* directory (syft selects by MIME type, which is the
 *    same ELF test without the path rule; relocatable objects and core files never hold
 *    build info);
 *  - Java archives by name (sg_binpkg_java_name) that start as a zip.
 *
 * Memory: a Java archive is held whole (up to SG_BIN_JAVA_MAX: the central directory is at
 * the end). An ELF file is held at its own offsets where only some ranges are written, the
 * rest reading as zeros: files up to SG_BIN_WHOLE whole; larger ones the headers
 * (SG_BIN_HEAD), the section header table and SG_BIN_TAIL before it (where .shstrtab sits),
 * the first SG_BIN_DATA of each writable segment (.go.buildinfo, and Go's own fallback when
 * there are no section headers), then the read-only, non-executable segments from their
 * ends (.dep-v0, old Go's strings) while SG_BIN_CAPTURE lasts. Executable segments (.text)
 * are never kept. A parse error on a file read in part says so.
 *
 * Every file is held in one anonymous MAP_NORESERVE mapping made once (untouched pages cost
 * nothing), reused from file to file: a fresh mapping per file cost a page fault and a
 * zeroed page per 4 KiB kept, about a tenth of the whole SBOM's CPU. Its first
 * SG_BIN_RESIDENT bytes stay resident, zeroed before a file read in part as far as earlier
 * files wrote them; pages above are given back after each file (MADV_DONTNEED), so memory
 * stays bounded whatever the files' sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "catalog.h"
#include "binpkg.h"
#include "binpkg_int.h"
#include "err.h"
#include "banned.h"

#define MAX_RANGES 16

enum { K_NONE, K_ELF, K_JAVA };

struct range {
	uint64_t lo, hi;
};

struct result {
	char *path;
	size_t layer;
	sg_binpkgs pkgs;
};

struct sg_bincat {
	sg_walk_inspect in;
	sg_warn_fn warn;
	void *warn_arg;
	struct result *res;       /* open addressing by path; NULL paths are free */
	size_t cap, n;
	/* the file being read */
	int kind;
	char *path;
	size_t layer;
	uint64_t size, off;
	unsigned char *map;       /* SG_BIN_REGION bytes, the file at its own offsets */
	unsigned char *raw;       /* the mapping map lies in (aligned to a huge page) */
	uint64_t dirty;           /* map[0, dirty) may hold earlier files' bytes */
	uint64_t hi;              /* end of what this file wrote */
	struct range r[MAX_RANGES];
	size_t nr;
	int planned;              /* r holds the plan (else only the head is written) */
	uint64_t kept;            /* bytes written */
};

/* ---- results by path ---- */

static struct result *slot(const sg_bincat *b, const char *path)
{
	size_t i = (size_t)sg_fnv1a(path, strlen(path)) & (b->cap - 1);

	while (b->res[i].path && strcmp(b->res[i].path, path))
		i = (i + 1) & (b->cap - 1);
	return &b->res[i];
}

/* Forgets what path held (backward-shift deletion keeps the probe chains whole). */
static void forget(sg_bincat *b, const char *path)
{
	struct result *r = slot(b, path);
	size_t i = (size_t)(r - b->res), j, home;

	if (!r->path)
		return;
	free(r->path);
	sg_binpkgs_release(&r->pkgs);
	memset(r, 0, sizeof(*r));
	b->n--;
	for (j = (i + 1) & (b->cap - 1); b->res[j].path; j = (j + 1) & (b->cap - 1)) {
		home = (size_t)sg_fnv1a(b->res[j].path, strlen(b->res[j].path)) & (b->cap - 1);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			b->res[i] = b->res[j];
			memset(&b->res[j], 0, sizeof(b->res[j]));
			i = j;
		}
	}
}

static int grow(sg_bincat *b)
{
	struct result *old = b->res;
	size_t oldcap = b->cap, i;

	if (!(b->res = calloc(oldcap * 2, sizeof(*b->res)))) {
		b->res = old;
		return SG_ERROR;
	}
	b->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++)
		if (old[i].path)
			*slot(b, old[i].path) = old[i];
	free(old);
	return 0;
}

/* Keeps pkgs (taken) for path in layer. */
static int remember(sg_bincat *b, const char *path, size_t layer, sg_binpkgs *pkgs)
{
	struct result *r;

	if ((b->n + 1) * 2 > b->cap && grow(b) < 0)
		return SG_ERROR;
	r = slot(b, path);
	if (r->path)
		sg_binpkgs_release(&r->pkgs);
	else if (!(r->path = strdup(path)))
		return SG_ERROR;
	else
		b->n++;
	r->layer = layer;
	r->pkgs = *pkgs;
	memset(pkgs, 0, sizeof(*pkgs));
	return 0;
}

/* ---- candidates ---- */

/* Under a directory where executables and libraries live. */
static int in_bin_dir(const char *path)
{
	const char *p = path, *q;
	size_t n;

	while ((q = strchr(p, '/'))) {
		n = (size_t)(q - p);
		if ((n == 3 && !memcmp(p, "bin", 3)) || (n == 4 && !memcmp(p, "sbin", 4)) ||
		    (n == 7 && !memcmp(p, "libexec", 7)) || (n >= 3 && !memcmp(p, "lib", 3)))
			return 1;
		p = q + 1;
	}
	return 0;
}

static int elf_candidate(const char *path, unsigned mode, const unsigned char *h, size_t n)
{
	unsigned type;

	if (n < 18 || (h[5] != 1 && h[5] != 2))
		return 0;
	type = h[5] == 1 ? (unsigned)h[16] | (unsigned)h[17] << 8 : (unsigned)h[17] | (unsigned)h[16] << 8;
	return (type == 2 || type == 3) && ((mode & 0111) || in_bin_dir(path));
}

/* Plans [lo, hi) within the file, cut to what is left of *budget (NULL: no budget): its
 * start, or its end when from_end. */
static void add_range_at(sg_bincat *b, uint64_t lo, uint64_t hi, uint64_t *budget, int from_end)
{
	if (hi > b->size)
		hi = b->size;
	if (lo >= hi || b->nr == MAX_RANGES)
		return;
	if (budget) {
		if (!*budget)
			return;
		if (hi - lo > *budget) {
			if (from_end)
				lo = hi - *budget;
			else
				hi = lo + *budget;
		}
		*budget -= hi - lo;
	}
	b->r[b->nr].lo = lo;
	b->r[b->nr++].hi = hi;
}

static void add_range(sg_bincat *b, uint64_t lo, uint64_t hi, uint64_t *budget)
{
	add_range_at(b, lo, hi, budget, 0);
}

/* Sorts the plan and merges overlapping ranges, so each byte is written (and counted)
 * once. */
static void merge_ranges(sg_bincat *b)
{
	struct range t;
	size_t i, j, n = 0;

	for (i = 1; i < b->nr; i++)
		for (j = i; j > 0 && b->r[j - 1].lo > b->r[j].lo; j--) {
			t = b->r[j];
			b->r[j] = b->r[j - 1];
			b->r[j - 1] = t;
		}
	for (i = 0; i < b->nr; i++) {
		if (n && b->r[i].lo <= b->r[n - 1].hi) {
			if (b->r[i].hi > b->r[n - 1].hi)
				b->r[n - 1].hi = b->r[i].hi;
			continue;
		}
		b->r[n++] = b->r[i];
	}
	b->nr = n;
}

/* Once the headers are in: which ranges of the ELF file to keep. */
static void plan_elf(sg_bincat *b)
{
	sg_error le = { 0 };
	sg_elf f;
	sg_elf_phdr ph;
	uint64_t budget = SG_BIN_CAPTURE - SG_BIN_HEAD, sht;
	size_t i;

	b->planned = 1;
	b->nr = 0;
	add_range(b, 0, SG_BIN_HEAD, NULL);
	if (sg_elf_open(&f, b->map, (size_t)b->size, "ELF", &le) < 0 ||
	    f.phoff + (uint64_t)f.phnum * f.phentsize > SG_BIN_HEAD)
		return; /* nothing to find in it, or headers where we do not look */
	if (f.shnum) {
		sht = f.shoff + (uint64_t)f.shnum * f.shentsize;
		add_range(b, f.shoff > SG_BIN_TAIL ? f.shoff - SG_BIN_TAIL : 0, sht, &budget);
	}
	for (i = 0; i < f.phnum; i++) {
		sg_elf_phdr_get(&f, i, &ph);
		if (ph.type == SG_ELF_PT_LOAD && (ph.flags & SG_ELF_PF_W) && !(ph.flags & SG_ELF_PF_X))
			add_range(b, ph.offset, ph.offset + (ph.filesz < SG_BIN_DATA ? ph.filesz : SG_BIN_DATA),
				  &budget);
	}
	/* read-only segments, last first, each from its end: linkers put a section they have
	 * no rule for (.dep-v0) after the sections with the same flags (.rodata, .eh_frame) */
	for (i = f.phnum; i-- > 0;) {
		sg_elf_phdr_get(&f, i, &ph);
		if (ph.type == SG_ELF_PT_LOAD && !(ph.flags & (SG_ELF_PF_W | SG_ELF_PF_X)))
			add_range_at(b, ph.offset, ph.offset + ph.filesz, &budget, 1);
	}
	merge_ranges(b);
}

#define HUGE_PAGE ((size_t)2 << 20)

/* The mapping, made once. Its resident part is backed by transparent huge pages where the
 * system allows: a fresh 4 KiB page costs a fault each (12-25 us in this project's VMs,
 * where the files held cost ~1,300 faults an image), a huge page one fault for 512. */
static int map_region(sg_bincat *b, sg_error *e)
{
	uintptr_t at;

	b->raw = mmap(NULL, SG_BIN_REGION + HUGE_PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->raw == MAP_FAILED) {
		b->raw = NULL;
		return sg_err(e, SG_ERROR, "cannot map %llu bytes for the binary cataloger",
			      (unsigned long long)SG_BIN_REGION);
	}
	at = ((uintptr_t)b->raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	b->map = (unsigned char *)at;
#ifdef MADV_HUGEPAGE
	(void)madvise(b->map, SG_BIN_RESIDENT, MADV_HUGEPAGE); /* a hint: 4 KiB pages otherwise */
#endif
	return 0;
}

/* The file is over: what it wrote below SG_BIN_RESIDENT stays (and is dirty), the pages
 * above go back to the system, reading as zeros again. */
static void drop_file(sg_bincat *b)
{
	uint64_t low = b->hi < SG_BIN_RESIDENT ? b->hi : SG_BIN_RESIDENT;

	if (b->map && b->hi > SG_BIN_RESIDENT)
		madvise(b->map + SG_BIN_RESIDENT, (size_t)(b->hi - SG_BIN_RESIDENT), MADV_DONTNEED);
	if (low > b->dirty)
		b->dirty = low;
	b->hi = 0;
	free(b->path);
	b->path = NULL;
	b->kind = K_NONE;
}

static int on_begin(void *arg, const char *path, size_t layer, unsigned mode, int64_t size,
		    const unsigned char *head, size_t headlen, sg_error *e)
{
	sg_bincat *b = arg;
	sg_binkind k = sg_binpkg_kind(head, headlen);

	forget(b, path); /* a later layer (or entry) writes this path again */
	b->kind = K_NONE;
	if (k == SG_BIN_ZIP && sg_binpkg_java_name(path)) {
		if ((uint64_t)size > SG_BIN_JAVA_MAX) {
			sg_warnf(b->warn, b->warn_arg, "java: %s (layer %zu): %lld bytes, over the "
				 "%u-byte cap; not read", path, layer, (long long)size, SG_BIN_JAVA_MAX);
			return 0;
		}
	} else if (!(k == SG_BIN_ELF && (uint64_t)size <= SG_BIN_ELF_MAX &&
		     elf_candidate(path, mode, head, headlen))) {
		return 0;
	}
	if (!b->map && map_region(b, e) < 0)
		return SG_ERROR;
	if (!(b->path = strdup(path)))
		return sg_err(e, SG_ERROR, "out of memory");
	b->kind = k == SG_BIN_ZIP ? K_JAVA : K_ELF;
	b->size = (uint64_t)size;
	b->off = 0;
	b->kept = 0;
	b->hi = 0;
	b->nr = 0;
	b->layer = layer;
	b->planned = b->kind == K_JAVA || b->size <= SG_BIN_WHOLE;
	if (b->planned) {
		add_range(b, 0, b->size, NULL);
	} else { /* read in part: what it will not write must read as zeros */
		add_range(b, 0, SG_BIN_HEAD, NULL);
		memset(b->map, 0, (size_t)(b->dirty < b->size ? b->dirty : b->size));
		if (b->dirty <= b->size)
			b->dirty = 0;
	}
	return 1;
}

/* Writes the parts of the next n bytes that lie in the plan. */
static void put(sg_bincat *b, const unsigned char *p, size_t n)
{
	uint64_t lo = b->off, hi = b->off + n, a, z;
	size_t i;

	if (hi > b->size)
		hi = b->size; /* the entry says more than its size: not ours to judge */
	for (i = 0; i < b->nr; i++) {
		a = b->r[i].lo > lo ? b->r[i].lo : lo;
		z = b->r[i].hi < hi ? b->r[i].hi : hi;
		if (a < z) {
			memcpy(b->map + a, p + (a - lo), (size_t)(z - a));
			b->kept += z - a;
			if (z > b->hi)
				b->hi = z;
		}
	}
	b->off += n;
}

static int on_data(void *arg, const unsigned char *p, size_t n, sg_error *e)
{
	sg_bincat *b = arg;
	size_t k;

	(void)e;
	if (!b->planned && b->off + n >= SG_BIN_HEAD) { /* the headers are in: plan the rest */
		k = (size_t)(SG_BIN_HEAD - b->off);
		put(b, p, k);
		plan_elf(b);
		p += k;
		n -= k;
	}
	put(b, p, n);
	return 0;
}

static const char *kind_name(int kind, int rust)
{
	return kind == K_JAVA ? "java" : rust ? "rust" : "go";
}

static int on_end(void *arg, int complete, sg_error *e)
{
	sg_bincat *b = arg;
	sg_binpkgs out = { 0 };
	sg_error le = { 0 };
	int err = 0, rust = 0;

	if (!complete)
		goto done;
	if (b->kind == K_JAVA) {
		err = sg_binpkg_java(&out, b->map, (size_t)b->size, b->path, &le);
	} else {
		err = sg_binpkg_go(&out, b->map, (size_t)b->size, &le);
		if (err == SG_ENOTFOUND) {
			sg_error_clear(&le);
			rust = 1;
			err = sg_binpkg_rust(&out, b->map, (size_t)b->size, &le);
		}
	}
	if (err == SG_ERROR) {
		err = sg_err(e, SG_ERROR, "%s (layer %zu): %s", b->path, b->layer, le.msg);
		goto done;
	}
	if (err == SG_EINVALID || err == SG_ETOOBIG) {
		sg_warnf(b->warn, b->warn_arg, "%s: %s (layer %zu): %s%s", kind_name(b->kind, rust),
			 b->path, b->layer, le.msg, b->kept < b->size ? " (the file was read in part: "
			 "its executable code is not kept)" : "");
		err = 0;
		goto done;
	}
	if (err < 0) { /* not this kind of file */
		err = 0;
		goto done;
	}
	if (out.skipped && out.warning)
		sg_warnf(b->warn, b->warn_arg, "java: %s (layer %zu): %zu nested archive%s skipped: %s",
			 b->path, b->layer, out.skipped, out.skipped == 1 ? "" : "s", out.warning);
	if ((err = remember(b, b->path, b->layer, &out)) < 0)
		err = sg_err(e, SG_ERROR, "out of memory");
done:
	sg_binpkgs_release(&out);
	drop_file(b);
	return err;
}

/* ---- life cycle ---- */

int sg_bincat_new(sg_bincat **out, sg_warn_fn warn, void *arg, sg_error *e)
{
	sg_bincat *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || !(b->res = calloc(64, sizeof(*b->res)))) {
		free(b);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	b->cap = 64;
	b->warn = warn;
	b->warn_arg = arg;
	b->in.max = SG_BIN_ELF_MAX > SG_BIN_JAVA_MAX ? SG_BIN_ELF_MAX : SG_BIN_JAVA_MAX;
	b->in.begin = on_begin;
	b->in.data = on_data;
	b->in.end = on_end;
	b->in.arg = b;
	*out = b;
	return 0;
}

void sg_bincat_free(sg_bincat *b)
{
	size_t i;

	if (!b)
		return;
	if (b->raw)
		munmap(b->raw, SG_BIN_REGION + HUGE_PAGE);
	free(b->path);
	for (i = 0; i < b->cap; i++) {
		free(b->res[i].path);
		sg_binpkgs_release(&b->res[i].pkgs);
	}
	free(b->res);
	free(b);
}

const sg_walk_inspect *sg_bincat_inspector(sg_bincat *b)
{
	return &b->in;
}

/* ---- into the catalog ---- */

static int add_dep(sg_pkg *p, size_t dep)
{
	size_t *grown, i;

	for (i = 0; i < p->ndeps; i++)
		if (p->deps[i] == dep)
			return 0;
	if (!(grown = realloc(p->deps, (p->ndeps + 1) * sizeof(*grown))))
		return SG_ERROR;
	p->deps = grown;
	p->deps[p->ndeps++] = dep;
	return 0;
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

static int to_pkg(sg_pkg *p, const sg_binpkg *bp, const char *path, size_t layer)
{
	int oom = 0;

	memset(p, 0, sizeof(*p));
	p->type = dup_or_null(bp->type, &oom);
	p->name = dup_or_null(bp->name, &oom);
	p->version = dup_or_null(bp->version, &oom);
	p->purl = dup_or_null(bp->purl, &oom);
	p->license = dup_or_null(bp->license, &oom);
	p->main = bp->main;
	p->evidence_layer = p->introduced_layer = layer;
	if (oom || !p->type || !p->name || sg_pkg_add_evidence(p, path) < 0 ||
	    (bp->location && strcmp(bp->location, path) && sg_pkg_add_evidence(p, bp->location) < 0))
		return SG_ERROR;
	return 0;
}

struct by_purl {
	const char *purl;
	size_t i;
};

static int cmp_purl(const void *a, const void *b)
{
	const struct by_purl *x = a, *y = b;
	int r = strcmp(x->purl, y->purl);

	return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* The packages of one file: each purl once (the first), dependencies as catalog indices. */
static int add_file(sg_catalog *c, const struct result *r)
{
	const sg_binpkgs *l = &r->pkgs;
	struct by_purl *order = NULL;
	size_t *first = NULL, *at = NULL, i, k;
	sg_pkg p;
	int err = SG_ERROR;

	if (!l->n)
		return 0;
	if (!(first = calloc(l->n, sizeof(*first))) || !(order = calloc(l->n, sizeof(*order))) ||
	    !(at = calloc(l->n, sizeof(*at))))
		goto done;
	for (i = 0; i < l->n; i++) {
		order[i].purl = l->pkgs[i].purl ? l->pkgs[i].purl : "";
		order[i].i = i;
	}
	qsort(order, l->n, sizeof(*order), cmp_purl);
	for (i = 0; i < l->n; i++) /* a package without a purl is never merged */
		first[order[i].i] = i && order[i].purl[0] && !strcmp(order[i].purl, order[i - 1].purl)
				    ? first[order[i - 1].i] : order[i].i;
	for (i = 0; i < l->n; i++) {
		if (first[i] != i) {
			at[i] = at[first[i]];
			continue;
		}
		if (to_pkg(&p, &l->pkgs[i], r->path, r->layer) < 0) {
			sg_pkg_release(&p);
			goto done;
		}
		if (sg_catalog_add(c, &p) < 0)
			goto done;
		at[i] = c->npkgs - 1;
	}
	for (i = 0; i < l->n; i++) {
		const sg_binpkg *x = &l->pkgs[i];

		for (k = 0; k < x->ndeps; k++)
			if (x->deps[k] < l->n && at[x->deps[k]] != at[i] &&
			    add_dep(&c->pkgs[at[i]], at[x->deps[k]]) < 0)
				goto done;
		if (x->parent != SG_BINPKG_NONE && x->parent < l->n && at[x->parent] != at[i] &&
		    add_dep(&c->pkgs[at[x->parent]], at[i]) < 0)
			goto done;
	}
	err = 0;
done:
	free(first);
	free(order);
	free(at);
	return err;
}

static int cmp_result(const void *a, const void *b)
{
	return strcmp((*(const struct result *const *)a)->path, (*(const struct result *const *)b)->path);
}

int sg_cat_bin(sg_catalog *c, const sg_walker *w, const sg_bincat *b, sg_error *e)
{
	const struct result **live = NULL;
	sg_error le = { 0 };
	sg_wstat st;
	size_t i, n = 0;
	int err = 0;

	if (!b || !b->n)
		return 0;
	if (!(live = calloc(b->n, sizeof(*live))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < b->cap; i++) {
		const struct result *r = &b->res[i];

		sg_error_clear(&le);
		if (!r->path)
			continue;
		/* still there, as that layer wrote it: not whited out, replaced or hardlinked over */
		err = sg_walker_stat(w, r->path, 0, &st, NULL, &le);
		if (err == SG_ERROR) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		if (err == 0 && st.type == SG_WT_FILE && st.layer == r->layer)
			live[n++] = r;
	}
	err = 0;
	if (n)
		qsort(live, n, sizeof(*live), cmp_result);
	for (i = 0; i < n; i++)
		if ((err = add_file(c, live[i])) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
done:
	free(live);
	return err;
}
