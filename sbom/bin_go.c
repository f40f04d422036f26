/* Go build info of an ELF executable (binpkg.h). Layout facts from Go's
 * src/debug/buildinfo/buildinfo.go and src/runtime/debug/mod.go:
 *  - a 32-byte header at a 16-byte aligned offset within the first 64 KiB of the
 *    .go.buildinfo section, or of the first writable, non-executable PT_LOAD segment when
 *    there are no section headers: "\xff Go buildinf:" (14 bytes), pointer size, flags;
 *  - flags bit 1 (Go >= 1.18): the header is followed by two uvarint-length-prefixed
 *    strings, the Go version and the modinfo;
 *    otherwise two pointers (flags bit 0: big-endian) to Go string headers {data, len};
 *  - modinfo is framed by two 16-byte sentinels, recognised by its length (>= 33) and a '\n'
 *    17 bytes from its end;
 *  - lines "path\tP", "mod\tP\tV[\tSUM]", "dep\tP\tV[\tSUM]", "=>\tP\tV\tSUM" (replaces the
 *    module on the line before), "build\tKEY=VALUE" (KEY and VALUE Go-quoted when needed);
 *    a last line without '\n' is ignored, as are lines of other kinds.
 * Differences from syft (golang/package.go, stdlib_package.go): purl namespace and name are
 * lowercased, as the purl spec's golang type says; a "(devel)" main module gets no purl
 * version, or the pseudo-version of its recorded commit; a module replaced by a local
 * directory keeps its own path and loses its version; the stdlib version is cut at the
 * first space ("go1.20.5 X:boringcrypto" -> "go1.20.5"). Mach-O and PE are not read:
 * images are Linux. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "binpkg_int.h"
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define WHAT "Go build info"
#define MAGIC "\xff Go buildinf:"
#define MAGIC_LEN 14
#define HDR_LEN 32
#define ALIGN 16
#define VERSION_MAX 256

typedef struct str {
	const char *p;
	size_t n;
} str;

typedef struct gomod {
	str path, version, sum;
	str rpath, rversion, rsum;
	int replaced;
} gomod;

typedef struct gomods {
	gomod main;
	int has_main;
	gomod *deps;
	size_t n, alloc;
} gomods;

/* ---- finding the blob ---- */

/* The bytes where the header is searched for: the section, or the first writable data
 * segment (Go's DataStart). */
static int search_region(const sg_elf *f, const unsigned char **p, size_t *n, sg_error *e)
{
	sg_elf_shdr sh;
	sg_elf_phdr ph;
	size_t i;
	int err;

	err = sg_elf_section(f, ".go.buildinfo", &sh, e);
	if (err == 0)
		err = sg_elf_section_data(f, &sh, p, n, e);
	if (err == 0 && *n)
		return 0;
	if (err != SG_ENOTFOUND && err != 0) {
		sg_err_prefix(e, WHAT);
		return err;
	}
	for (i = 0; i < f->phnum; i++) {
		sg_elf_phdr_get(f, i, &ph);
		if (ph.type != SG_ELF_PT_LOAD || (ph.flags & (SG_ELF_PF_X | SG_ELF_PF_W)) != SG_ELF_PF_W)
			continue;
		if (ph.offset >= f->len || !ph.filesz)
			break;
		*p = f->data + ph.offset;
		*n = ph.filesz < f->len - ph.offset ? (size_t)ph.filesz : f->len - ph.offset;
		return 0;
	}
	return sg_err(e, SG_ENOTFOUND, WHAT ": not a Go binary (no .go.buildinfo, no data segment)");
}

static int find_header(const unsigned char *region, size_t n, size_t *at, sg_error *e)
{
	size_t i, scan = n < SG_BINPKG_GO_SCAN ? n : SG_BINPKG_GO_SCAN;

	for (i = 0; i < scan && n - i >= HDR_LEN; i += ALIGN)
		if (!memcmp(region + i, MAGIC, MAGIC_LEN)) {
			*at = i;
			return 0;
		}
	return sg_err(e, SG_ENOTFOUND, WHAT ": not a Go binary (no build info header)");
}

/* ---- the two strings ---- */

/* A uvarint-prefixed string at *p (Go >= 1.18); advances *p and *n past it. */
static int varint_string(const unsigned char **p, size_t *n, str *s)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < *n && i < 10; i++) {
		if (i == 9 && (*p)[i] > 1)
			return SG_EINVALID; /* overflows 64 bits */
		v |= (uint64_t)((*p)[i] & 0x7f) << (7 * i);
		if (!((*p)[i] & 0x80))
			break;
	}
	if (i == *n || i == 10)
		return SG_EINVALID;
	i++;
	if (v > *n - i)
		return SG_EINVALID;
	s->p = (const char *)*p + i;
	s->n = (size_t)v;
	*p += i + (size_t)v;
	*n -= i + (size_t)v;
	return 0;
}

/* A Go string header {data, len} at virtual address addr (before Go 1.18). */
static int pointer_string(const sg_elf *f, size_t ptrsize, uint64_t addr, size_t max, str *s,
			  sg_error *e)
{
	const unsigned char *h, *d;
	size_t avail;
	uint64_t daddr, dlen;

	if (sg_elf_vaddr(f, addr, &h, &avail) < 0 || avail < 2 * ptrsize)
		return sg_err(e, SG_EINVALID, WHAT ": string header at 0x%llx is not in the file",
			      (unsigned long long)addr);
	daddr = sg_elf_uint(f, h, ptrsize);
	dlen = sg_elf_uint(f, h + ptrsize, ptrsize);
	if (dlen > max)
		return sg_err(e, SG_ETOOBIG, WHAT ": string of %llu bytes (cap %zu)",
			      (unsigned long long)dlen, max);
	s->p = "";
	s->n = 0;
	if (!dlen)
		return 0;
	if (sg_elf_vaddr(f, daddr, &d, &avail) < 0 || avail < dlen)
		return sg_err(e, SG_EINVALID, WHAT ": string at 0x%llx (%llu bytes) is not in the file",
			      (unsigned long long)daddr, (unsigned long long)dlen);
	s->p = (const char *)d;
	s->n = (size_t)dlen;
	return 0;
}

static int read_strings(const sg_elf *f, const unsigned char *blob, size_t n, str *vers,
			str *mod, sg_error *e)
{
	size_t ptrsize = blob[14];
	unsigned flags = blob[15];
	sg_elf pf = *f;
	int err;

	if (flags & 2) {
		const unsigned char *p = blob + HDR_LEN;
		size_t rest = n - HDR_LEN;

		if (varint_string(&p, &rest, vers) < 0 || varint_string(&p, &rest, mod) < 0)
			return sg_err(e, SG_EINVALID, WHAT ": truncated version or module string");
		if (mod->n > SG_BINPKG_GO_MODINFO)
			return sg_err(e, SG_ETOOBIG, WHAT ": module info of %zu bytes (cap %u)", mod->n,
				      SG_BINPKG_GO_MODINFO);
		return 0;
	}
	if (ptrsize != 4 && ptrsize != 8)
		return sg_err(e, SG_EINVALID, WHAT ": pointer size %zu", ptrsize);
	pf.be = flags & 1;
	if ((err = pointer_string(&pf, ptrsize, sg_elf_uint(&pf, blob + 16, ptrsize), VERSION_MAX,
				  vers, e)) < 0 ||
	    (err = pointer_string(&pf, ptrsize, sg_elf_uint(&pf, blob + 16 + ptrsize, ptrsize),
				  SG_BINPKG_GO_MODINFO, mod, e)) < 0)
		return err;
	return 0;
}

/* ---- parsing modinfo ---- */

static int str_eq(str s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

static int has_prefix(str s, const char *lit)
{
	return s.n >= strlen(lit) && !memcmp(s.p, lit, strlen(lit));
}

static int any_of(str s, const char *set)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (strchr(set, s.p[i]))
			return 1;
	return 0;
}

/* Splits s at tabs into at most max fields; returns the count, or max + 1 when there are
 * more. */
static size_t split_tabs(str s, str *f, size_t max)
{
	size_t k = 0;
	const char *p = s.p, *end = s.p + s.n, *t;

	for (;;) {
		t = memchr(p, '\t', (size_t)(end - p));
		if (k == max)
			return max + 1;
		f[k].p = p;
		f[k++].n = t ? (size_t)(t - p) : (size_t)(end - p);
		if (!t)
			return k;
		p = t + 1;
	}
}

static int module_line(str rest, gomod *m, size_t line, sg_error *e)
{
	str f[3];
	size_t k = split_tabs(rest, f, 3);

	if (k != 2 && k != 3)
		return sg_err(e, SG_EINVALID, WHAT ": line %zu: expected 2 or 3 columns", line);
	memset(m, 0, sizeof(*m));
	m->path = f[0];
	m->version = f[1];
	if (k == 3)
		m->sum = f[2];
	return 0;
}

static int add_dep(gomods *ms, gomod **m, sg_error *e)
{
	if (ms->n == ms->alloc) {
		size_t want = ms->alloc ? ms->alloc * 2 : 32;
		gomod *nd = realloc(ms->deps, want * sizeof(*nd));

		if (!nd)
			return sg_err(e, SG_ERROR, "out of memory");
		ms->deps = nd;
		ms->alloc = want;
	}
	*m = &ms->deps[ms->n++];
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int put_utf8(sg_buf *b, uint32_t r)
{
	unsigned char u[4];
	size_t n;

	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		return SG_EINVALID;
	if (r < 0x80) {
		u[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (unsigned char)(0xc0 | (r >> 6));
		u[1] = (unsigned char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (r >> 12));
		u[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (r >> 18));
		u[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (r & 0x3f));
		n = 4;
	}
	return sg_buf_append(b, u, n);
}

/* One escape after a backslash at s[*i] (Go's strconv rules for "..." strings). */
static int unescape(sg_buf *b, str s, size_t *i)
{
	static const char from[] = "abfnrtv\\\"", to[] = "\a\b\f\n\r\t\v\\\"";
	const char *hit;
	size_t k, digits;
	uint32_t v = 0;
	int c = s.p[*i], base = 16, h;

	if (c && (hit = strchr(from, c))) {
		(*i)++;
		return sg_buf_append(b, &to[hit - from], 1);
	}
	if (c == 'x' || c == 'u' || c == 'U') {
		digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		(*i)++;
	} else if (c >= '0' && c <= '7') {
		digits = 3;
		base = 8;
	} else {
		return SG_EINVALID;
	}
	for (k = 0; k < digits; k++, (*i)++) {
		if (*i >= s.n || (h = hexval(s.p[*i])) < 0 || h >= base)
			return SG_EINVALID;
		v = v * (uint32_t)base + (uint32_t)h;
	}
	if (c == 'x' || base == 8) {
		unsigned char byte = (unsigned char)v;

		return v > 255 ? SG_EINVALID : sg_buf_append(b, &byte, 1);
	}
	return put_utf8(b, v);
}

/* Length of the Go-quoted string at the start of s ("..." or `...`), 0 when malformed. */
static size_t quoted_len(str s)
{
	size_t i;

	if (!s.n || (s.p[0] != '"' && s.p[0] != '`'))
		return 0;
	for (i = 1; i < s.n; i++) {
		if (s.p[i] == s.p[0])
			return i + 1;
		if (s.p[0] == '"' && s.p[i] == '\n')
			return 0;
		if (s.p[0] == '"' && s.p[i] == '\\')
			i++;
	}
	return 0;
}

/* Unquotes the whole of s into a new string. */
static int unquote(str s, char **out)
{
	sg_buf b = SG_BUF_INIT(SG_BINPKG_GO_MODINFO);
	size_t i;
	int err = 0;

	if (quoted_len(s) != s.n || s.n < 2)
		return SG_EINVALID;
	if (s.p[0] == '`') {
		err = sg_buf_append(&b, s.p + 1, s.n - 2);
	} else {
		str in = { s.p + 1, s.n - 2 };

		for (i = 0; i < in.n && !err;) {
			if (in.p[i] == '\\') {
				i++;
				err = i < in.n ? unescape(&b, in, &i) : SG_EINVALID;
			} else {
				err = sg_buf_append(&b, in.p + i++, 1);
			}
		}
	}
	if (!err && b.len && memchr(b.data, '\0', b.len))
		err = SG_EINVALID;
	if (!err && !b.data)
		err = sg_buf_append(&b, "", 0);
	if (err < 0) {
		sg_buf_release(&b);
		return err;
	}
	*out = (char *)sg_buf_detach(&b, &i);
	return 0;
}

static int add_setting(sg_binpkgs *out, char *key, char *value, sg_error *e)
{
	void *arr = out->settings;

	if (sg_binpkg_grow(&arr, out->nsettings, sizeof(sg_binset)) < 0) {
		free(key);
		free(value);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	out->settings = arr;
	out->settings[out->nsettings].key = key;
	out->settings[out->nsettings++].value = value;
	return 0;
}

static int build_line(sg_binpkgs *out, str kv, size_t line, sg_error *e)
{
	char *key = NULL, *value = NULL;
	str raw;
	size_t q;

	if (!kv.n || kv.p[0] == '=')
		return sg_err(e, SG_EINVALID, WHAT ": line %zu: build setting without a key", line);
	if ((q = quoted_len(kv))) {
		str k = { kv.p, q };

		if (q == kv.n || kv.p[q] != '=' || unquote(k, &key) < 0)
			return sg_err(e, SG_EINVALID, WHAT ": line %zu: bad quoted key", line);
		raw.p = kv.p + q + 1;
		raw.n = kv.n - q - 1;
	} else {
		const char *eq = memchr(kv.p, '=', kv.n);
		str k;

		if (!eq)
			return sg_err(e, SG_EINVALID, WHAT ": line %zu: build setting without '='", line);
		k.p = kv.p;
		k.n = (size_t)(eq - kv.p);
		if (any_of(k, " \t\r\n\"`"))
			return sg_err(e, SG_EINVALID, WHAT ": line %zu: bad build setting key", line);
		if (!(key = sg_binpkg_strndup(k.p, k.n)))
			return sg_err(e, SG_ERROR, "out of memory");
		raw.p = eq + 1;
		raw.n = kv.n - k.n - 1;
	}
	if (raw.n && (raw.p[0] == '"' || raw.p[0] == '`')) {
		if (unquote(raw, &value) < 0) {
			free(key);
			return sg_err(e, SG_EINVALID, WHAT ": line %zu: bad quoted value", line);
		}
	} else if (any_of(raw, " \t\r\n\"`")) {
		free(key);
		return sg_err(e, SG_EINVALID, WHAT ": line %zu: bad build setting value", line);
	} else if (!(value = sg_binpkg_strndup(raw.p, raw.n))) {
		free(key);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	return add_setting(out, key, value, e);
}

static int parse_modinfo(sg_binpkgs *out, gomods *ms, str mod, sg_error *e)
{
	gomod *last = NULL;
	size_t line = 1;
	const char *p = mod.p, *end = mod.p + mod.n, *nl;
	int err;

	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1, line++) {
		str l = { p, (size_t)(nl - p) }, rest;

		if (has_prefix(l, "path\t")) {
			free(out->go_path);
			if (!(out->go_path = sg_binpkg_strndup(l.p + 5, l.n - 5)))
				return sg_err(e, SG_ERROR, "out of memory");
		} else if (has_prefix(l, "mod\t") || has_prefix(l, "dep\t")) {
			rest.p = l.p + 4;
			rest.n = l.n - 4;
			if (l.p[0] == 'm') {
				last = &ms->main;
				ms->has_main = 1;
			} else if ((err = add_dep(ms, &last, e)) < 0) {
				return err;
			}
			if ((err = module_line(rest, last, line, e)) < 0)
				return err;
		} else if (has_prefix(l, "=>\t")) {
			str f[3];

			rest.p = l.p + 3;
			rest.n = l.n - 3;
			if (split_tabs(rest, f, 3) != 3)
				return sg_err(e, SG_EINVALID, WHAT ": line %zu: replacement needs 3 columns",
					      line);
			if (!last)
				return sg_err(e, SG_EINVALID, WHAT ": line %zu: replacement of nothing", line);
			last->rpath = f[0];
			last->rversion = f[1];
			last->rsum = f[2];
			last->replaced = 1;
			last = NULL;
		} else if (has_prefix(l, "build\t")) {
			rest.p = l.p + 6;
			rest.n = l.n - 6;
			if ((err = build_line(out, rest, line, e)) < 0)
				return err;
		}
	}
	return 0;
}

/* ---- packages ---- */

static const char *setting(const sg_binpkgs *out, const char *key)
{
	size_t i;

	for (i = 0; i < out->nsettings; i++)
		if (!strcmp(out->settings[i].key, key))
			return out->settings[i].value;
	return NULL;
}

/* "(devel)" is no version to match on: when the build recorded its VCS commit, the purl
 * gets the pseudo-version `go install` would give that commit (v0.0.0-UTCSTAMP-REV12),
 * with Go 1.24's "+dirty" when the tree was modified. NULL otherwise (owned). */
static char *devel_pseudo(const sg_binpkgs *out)
{
	const char *rev = setting(out, "vcs.revision"), *t = setting(out, "vcs.time");
	const char *mod = setting(out, "vcs.modified");
	static const int at[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };
	char stamp[15];
	size_t i;

	if (!rev || !t || strlen(rev) < 12 || strlen(t) < 20)
		return NULL;
	for (i = 0; i < 12; i++)
		if (hexval(rev[i]) < 0)
			return NULL;
	if (t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
	    t[strlen(t) - 1] != 'Z')
		return NULL;
	for (i = 0; i < 14; i++) {
		if (t[at[i]] < '0' || t[at[i]] > '9')
			return NULL;
		stamp[i] = t[at[i]];
	}
	stamp[14] = '\0';
	return sg_strprintf("v0.0.0-%s-%.12s%s", stamp, rev,
			    mod && !strcmp(mod, "true") ? "+dirty" : "");
}

static int set_purl(sg_binpkg *p, const char *version, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(64u << 10);
	size_t n;
	int err;

	if ((err = sg_buf_puts(&b, "pkg:golang/")) < 0 ||
	    (err = sg_binpkg_purl_path(&b, p->name, 1)) < 0 ||
	    (version && ((err = sg_buf_puts(&b, "@")) < 0 || (err = sg_purl_escape(&b, version)) < 0))) {
		sg_buf_release(&b);
		return sg_err(e, err, WHAT ": purl of %.200s: %s", p->name,
			      err == SG_ETOOBIG ? "too long" : "out of memory");
	}
	p->purl = (char *)sg_buf_detach(&b, &n);
	return 0;
}

/* Go's modfile.IsDirectoryPath, for Unix paths. */
static int is_dir_path(str s)
{
	return str_eq(s, ".") || str_eq(s, "..") || has_prefix(s, "./") || has_prefix(s, "../") ||
	       has_prefix(s, "/");
}

static int add_module(sg_binpkgs *out, const gomod *m, int is_main, sg_error *e)
{
	sg_binpkg *p;
	str path = m->path, version = m->version, sum = m->sum;
	char *pseudo = NULL;
	int err;

	if (m->replaced && is_dir_path(m->rpath)) {
		version.n = sum.n = 0; /* built from a local directory: the version says nothing */
	} else if (m->replaced) {
		path = m->rpath;
		version = m->rversion;
		sum = m->rsum;
	}
	if (!path.n)
		return sg_err(e, SG_EINVALID, WHAT ": module without a path");
	if ((err = sg_binpkgs_add(out, &p, "golang", e)) < 0)
		return err;
	p->main = is_main;
	if (!(p->name = sg_binpkg_strndup(path.p, path.n)) ||
	    (version.n && !(p->version = sg_binpkg_strndup(version.p, version.n))) ||
	    (sum.n && !(p->sum = sg_binpkg_strndup(sum.p, sum.n))))
		return sg_err(e, SG_ERROR, "out of memory");
	if (is_main && p->version && !strcmp(p->version, "(devel)"))
		pseudo = devel_pseudo(out);
	err = set_purl(p, is_main && p->version && !strcmp(p->version, "(devel)") ? pseudo
										 : p->version, e);
	free(pseudo);
	return err;
}

static int add_stdlib(sg_binpkgs *out, sg_error *e)
{
	sg_binpkg *p;
	const char *v = out->go_version;
	int err;

	if ((err = sg_binpkgs_add(out, &p, "golang", e)) < 0)
		return err;
	if (!(p->name = sg_binpkg_strndup("stdlib", 6)) ||
	    !(p->version = sg_binpkg_strndup(v, strcspn(v, " "))) ||
	    !(p->license = sg_binpkg_strndup("BSD-3-Clause", 12)))
		return sg_err(e, SG_ERROR, "out of memory");
	if (!strncmp(p->version, "go", 2) && p->version[2] >= '0' && p->version[2] <= '9')
		return set_purl(p, p->version + 2, e);
	return set_purl(p, NULL, e); /* "devel go1.23-..." names no release */
}

static int make_packages(sg_binpkgs *out, const gomods *ms, sg_error *e)
{
	size_t i, m;
	int err;

	if (ms->has_main && (err = add_module(out, &ms->main, 1, e)) < 0)
		return err;
	for (i = 0; i < ms->n; i++)
		if ((err = add_module(out, &ms->deps[i], 0, e)) < 0)
			return err;
	if ((err = add_stdlib(out, e)) < 0)
		return err;
	if ((m = sg_binpkgs_main(out)) == SG_BINPKG_NONE)
		return 0;
	if (!(out->pkgs[m].deps = malloc((out->n - 1) * sizeof(size_t))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < out->n; i++)
		if (i != m)
			out->pkgs[m].deps[out->pkgs[m].ndeps++] = i;
	return 0;
}

int sg_binpkg_go(sg_binpkgs *out, const unsigned char *data, size_t len, sg_error *e)
{
	sg_elf f;
	const unsigned char *region;
	size_t n = 0, at = 0;
	str vers, mod;
	gomods ms;
	int err;

	memset(&ms, 0, sizeof(ms));
	if ((err = sg_elf_open(&f, data, len, WHAT, e)) < 0 ||
	    (err = search_region(&f, &region, &n, e)) < 0 || (err = find_header(region, n, &at, e)) < 0 ||
	    (err = read_strings(&f, region + at, n - at, &vers, &mod, e)) < 0)
		goto done;
	if (!vers.n || vers.n > VERSION_MAX || memchr(vers.p, '\0', vers.n) ||
	    memchr(vers.p, '\n', vers.n)) {
		err = sg_err(e, SG_EINVALID, WHAT ": no or bad Go version string");
		goto done;
	}
	if (mod.n >= 33 && mod.p[mod.n - 17] == '\n') {
		mod.p += 16; /* strip the sentinels */
		mod.n -= 32;
	} else {
		mod.n = 0; /* not built in module mode */
	}
	if (memchr(mod.p, '\0', mod.n)) {
		err = sg_err(e, SG_EINVALID, WHAT ": NUL byte in module info");
		goto done;
	}
	if (!(out->go_version = sg_binpkg_strndup(vers.p, vers.n))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = parse_modinfo(out, &ms, mod, e)) < 0 || (err = make_packages(out, &ms, e)) < 0)
		goto done;
done:
	free(ms.deps);
	if (err < 0)
		sg_binpkgs_release(out);
	return err;
}
