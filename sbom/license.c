/* Licences from Debian copyright files, normalised to SPDX (catalog.h). DEP-5 paragraph
 * semantics, which syft and trivy both skip (sbom.md §0.5, §7.4): the `Files: *`
 * paragraph's licence is the package's main one and comes first. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "catalog.h"
#include "deb822.h"
#include "spdx_ids.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define MAX_LICREF_NAME 96
#define MAX_LICENSE_TEXT (64u << 10)

/* Debian short names (copyright-format 1.0 §7.2) and common spellings, keyed by the name
 * lower-cased without '-', '.', '_' or blanks; values are SPDX ids or expressions. */
static const struct alias {
	const char *key, *spdx;
} aliases[] = {
	{ "agpl3", "AGPL-3.0-only" }, { "agpl3+", "AGPL-3.0-or-later" },
	{ "agpl30", "AGPL-3.0-only" }, { "agpl30+", "AGPL-3.0-or-later" },
	{ "apache2", "Apache-2.0" }, { "apache20", "Apache-2.0" },
	{ "artistic", "Artistic-1.0" }, { "artistic1", "Artistic-1.0" },
	{ "artistic10", "Artistic-1.0" }, { "artistic2", "Artistic-2.0" },
	{ "artistic20", "Artistic-2.0" },
	{ "bsd2clause", "BSD-2-Clause" }, { "bsd3clause", "BSD-3-Clause" },
	{ "bsd4clause", "BSD-4-Clause" },
	{ "cc0", "CC0-1.0" }, { "cc010", "CC0-1.0" },
	{ "cddl", "CDDL-1.0" }, { "efl2", "EFL-2.0" }, { "expat", "MIT" },
	{ "gfdl12", "GFDL-1.2-only" }, { "gfdl12+", "GFDL-1.2-or-later" },
	{ "gfdl13", "GFDL-1.3-only" }, { "gfdl13+", "GFDL-1.3-or-later" },
	{ "gfdlniv12", "GFDL-1.2-no-invariants-only" },
	{ "gfdlniv12+", "GFDL-1.2-no-invariants-or-later" },
	{ "gfdlniv13", "GFDL-1.3-no-invariants-only" },
	{ "gfdlniv13+", "GFDL-1.3-no-invariants-or-later" },
	{ "gpl", "GPL-1.0-or-later" }, { "gpl+", "GPL-1.0-or-later" },
	{ "gpl1", "GPL-1.0-only" }, { "gpl1+", "GPL-1.0-or-later" },
	{ "gpl10", "GPL-1.0-only" }, { "gpl10+", "GPL-1.0-or-later" },
	{ "gpl2", "GPL-2.0-only" }, { "gpl2+", "GPL-2.0-or-later" },
	{ "gpl20", "GPL-2.0-only" }, { "gpl20+", "GPL-2.0-or-later" },
	{ "gpl3", "GPL-3.0-only" }, { "gpl3+", "GPL-3.0-or-later" },
	{ "gpl30", "GPL-3.0-only" }, { "gpl30+", "GPL-3.0-or-later" },
	{ "lgpl", "LGPL-2.0-or-later" }, { "lgpl+", "LGPL-2.0-or-later" },
	{ "lgpl2", "LGPL-2.0-only" }, { "lgpl2+", "LGPL-2.0-or-later" },
	{ "lgpl20", "LGPL-2.0-only" }, { "lgpl20+", "LGPL-2.0-or-later" },
	{ "lgpl21", "LGPL-2.1-only" }, { "lgpl21+", "LGPL-2.1-or-later" },
	{ "lgpl3", "LGPL-3.0-only" }, { "lgpl3+", "LGPL-3.0-or-later" },
	{ "lgpl30", "LGPL-3.0-only" }, { "lgpl30+", "LGPL-3.0-or-later" },
	{ "mpl11", "MPL-1.1" }, { "mpl2", "MPL-2.0" }, { "mpl20", "MPL-2.0" },
	{ "perl", "Artistic-1.0-Perl OR GPL-1.0-or-later" },
	{ "psf2", "PSF-2.0" }, { "python", "Python-2.0" },
};

/* "with X exception" phrases (X keyed as above) that SPDX has an exception id for. */
static const struct alias exceptions[] = {
	{ "bison", "Bison-exception-2.2" },
	{ "classpath", "Classpath-exception-2.0" },
	{ "font", "Font-exception-2.0" },
	{ "gccexception31", "GCC-exception-3.1" },
	{ "llvm", "LLVM-exception" },
};

static void normkey(char *out, size_t n, const char *s, size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 1 < n; i++) {
		if (strchr("-._ \t", s[i]))
			continue;
		out[o++] = (char)tolower((unsigned char)s[i]);
	}
	out[o] = '\0';
}

static int cmp_id(const void *key, const void *elem)
{
	return strcasecmp((const char *)key, *(const char *const *)elem);
}

static const char *lookup_alias(const struct alias *t, size_t n, const char *name, size_t len)
{
	char key[64];
	size_t i;

	if (len >= sizeof(key))
		return NULL;
	normkey(key, sizeof(key), name, len);
	for (i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return t[i].spdx;
	return NULL;
}

const char *sg_spdx_license(const char *name)
{
	const char *const *hit;

	hit = bsearch(name, spdx_ids, sizeof(spdx_ids) / sizeof(spdx_ids[0]), sizeof(spdx_ids[0]),
		      cmp_id);
	if (hit)
		return *hit;
	return lookup_alias(aliases, sizeof(aliases) / sizeof(aliases[0]), name, strlen(name));
}

void sg_licrefs_free(sg_licref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(refs[i].id);
		free(refs[i].name);
		free(refs[i].text);
	}
	free(refs);
}

/* ---- LicenseRef- definitions ---- */

struct conv {
	sg_licref **refs;
	size_t *nrefs;
	const char *text;            /* licence text of the paragraph being converted */
	const sg_d822_para *paras;   /* standalone License paragraphs, for texts */
	size_t nparas;
};

static const char *standalone_text(const struct conv *c, const char *name)
{
	size_t i, len;
	const char *v;

	for (i = 0; i < c->nparas; i++) {
		if (!(v = sg_d822_get(&c->paras[i], "License")))
			continue;
		len = strcspn(v, "\n");
		if (strlen(name) == len && !strncasecmp(v, name, len) && v[len] == '\n')
			return v + len + 1;
	}
	return NULL;
}

/* Adds (or finds) LicenseRef-<sanitised name>; appends the id to out. */
static int licref(sg_buf *out, const struct conv *c, const char *name, size_t len)
{
	char id[MAX_LICREF_NAME + 16];
	sg_licref *grown, *r;
	const char *text = c->text && *c->text ? c->text : NULL;
	size_t i, o;

	o = (size_t)snprintf(id, sizeof(id), "LicenseRef-");
	for (i = 0; i < len && i < MAX_LICREF_NAME; i++)
		id[o++] = isalnum((unsigned char)name[i]) || name[i] == '.' ? name[i] : '-';
	id[o] = '\0';
	for (i = 0; i < *c->nrefs; i++)
		if (!strcmp((*c->refs)[i].id, id))
			break;
	if (i == *c->nrefs) {
		if (!(grown = realloc(*c->refs, (*c->nrefs + 1) * sizeof(*grown))))
			return SG_ERROR;
		*c->refs = grown;
		r = &grown[(*c->nrefs)++];
		memset(r, 0, sizeof(*r));
		if (!(r->id = strdup(id)) || !(r->name = strndup(name, len)))
			return SG_ERROR;
	}
	r = &(*c->refs)[i];
	if (!r->text && !text && r->name)
		text = standalone_text(c, r->name);
	if (!r->text && text && !(r->text = strndup(text, MAX_LICENSE_TEXT)))
		return SG_ERROR;
	return sg_buf_puts(out, id);
}

/* ---- DEP-5 licence expressions ---- */

static int is_word(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && !strncasecmp(s, w, len);
}

/* One term: "GPL-2+", "public domain", "GPL-2+ with OpenSSL exception". */
static int term(sg_buf *out, int *compound, const struct conv *c, const char *s, size_t len)
{
	const char *with = NULL, *id, *exc = NULL;
	char name[128];
	size_t i, nlen = len;

	for (i = 0; i + 6 <= len; i++) {
		if ((i == 0 || s[i - 1] == ' ') && !strncasecmp(s + i, "with ", 5)) {
			with = s + i + 5;
			nlen = i ? i - 1 : 0;
			break;
		}
	}
	if (nlen >= sizeof(name))
		return licref(out, c, s, len);
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	id = nlen ? sg_spdx_license(name) : NULL;
	if (with) {
		size_t wl = (size_t)(s + len - with);

		if (wl > 10 && !strncasecmp(with + wl - 10, " exception", 10))
			exc = lookup_alias(exceptions, sizeof(exceptions) / sizeof(exceptions[0]),
					   with, wl - 10);
		if (!id || !exc || strchr(id, ' '))
			return licref(out, c, s, len);
		*compound = 1;
		return sg_buf_printf(out, "%s WITH %s", id, exc);
	}
	if (!id)
		return licref(out, c, name, nlen);
	if (strchr(id, ' ')) {
		*compound = 1;
		return sg_buf_printf(out, "(%s)", id);
	}
	return sg_buf_puts(out, id);
}

/* One comma-free group: terms joined by "or" / "and" (and binds tighter, as in SPDX). An
 * operator with no term after it is dropped. */
static int group(sg_buf *out, int *compound, const struct conv *c, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *t0 = NULL, *tend = NULL, *w, *op = NULL;
	size_t wl;
	int err = 0;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		wl = (size_t)(p - w);
		if (wl && !is_word(w, wl, "or") && !is_word(w, wl, "and")) {
			if (!t0)
				t0 = w;
			tend = p;
			continue;
		}
		if (t0) {
			if (op && out->len) {
				*compound = 1;
				if ((err = sg_buf_puts(out, op)) < 0)
					return err;
			}
			if ((err = term(out, compound, c, t0, (size_t)(tend - t0))) < 0)
				return err;
			t0 = NULL;
		}
		if (!wl)
			return 0;
		op = is_word(w, wl, "or") ? " OR " : " AND ";
	}
}

/* Replaces out with "(out) OP g" (g parenthesised when compound). */
static int combine(sg_buf *out, const char *op, const sg_buf *g, int gc)
{
	char *left = (char *)sg_buf_detach(out, NULL);
	int err;

	err = sg_buf_printf(out, "(%s) %s %s%s%s", left ? left : "", op, gc ? "(" : "",
			    (const char *)g->data, gc ? ")" : "");
	free(left);
	return err;
}

/* A DEP-5 License: first line ("GPL-2+ or Artistic, and BSD-3-clause") as SPDX; commas
 * bind loosest. */
static int convert(char **outp, int *compound, const struct conv *c, const char *line)
{
	sg_buf out = SG_BUF_INIT(4096), g = SG_BUF_INIT(4096);
	const char *p = line, *comma, *q, *op;
	int err = 0, gc;

	*outp = NULL;
	*compound = 0;
	while (*p) {
		comma = strchr(p, ',');
		q = comma ? comma : p + strlen(p);
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		op = "AND";
		if (out.len && !strncasecmp(p, "or ", 3)) {
			op = "OR";
			p += 3;
		} else if (out.len && !strncasecmp(p, "and ", 4)) {
			p += 4;
		}
		gc = 0;
		sg_buf_reset(&g);
		if ((err = group(&g, &gc, c, p, (size_t)(q - p))) < 0)
			goto done;
		if (g.len && out.len) {
			err = combine(&out, op, &g, gc);
			*compound = 1;
		} else if (g.len) {
			err = sg_buf_append(&out, g.data, g.len);
			*compound = gc;
		}
		if (err < 0)
			goto done;
		p = comma ? comma + 1 : q;
	}
	if (out.len)
		*outp = (char *)sg_buf_detach(&out, NULL);
done:
	sg_buf_release(&out);
	sg_buf_release(&g);
	return err < 0 ? SG_ERROR : 0;
}

/* ---- the copyright file ---- */

struct cand {
	char *line;  /* the License: first line */
	const char *text;
	int primary;
};

static int files_star(const char *files)
{
	const char *p = files;
	size_t n;

	while (*p) {
		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == 1 && *p == '*')
			return 1;
		p += n;
	}
	return 0;
}

/* Joins converted licences with AND, without repeats. */
static int join(sg_buf *out, const char *expr, int compound)
{
	char *needle;
	int err;

	if (!(needle = sg_strprintf(compound ? "(%s)" : "%s", expr)))
		return SG_ERROR;
	/* a repeat is the same whole operand: compare against each " AND "-separated piece */
	if (out->len) {
		const char *p = (const char *)out->data;
		size_t nl = strlen(needle);

		while (p) {
			if (!strncmp(p, needle, nl) && (p[nl] == '\0' || !strncmp(p + nl, " AND ", 5))) {
				free(needle);
				return 0;
			}
			p = strstr(p, " AND ");
			p = p ? p + 5 : NULL;
		}
	}
	err = out->len ? sg_buf_puts(out, " AND ") : 0;
	if (!err)
		err = sg_buf_puts(out, needle);
	free(needle);
	return err;
}

static int is_dep5(const sg_d822_para *header)
{
	const char *f = sg_d822_get(header, "Format");

	return f && strstr(f, "/doc/packaging-manuals/copyright-format/") &&
	       (!strncmp(f, "http://", 7) || !strncmp(f, "https://", 8));
}

/* Non-DEP-5 files: the common-licenses they point to. A bare "GPL" becomes
 * GPL-N-or-later when the text says "version N of the License, or (at your option) any
 * later version" (base-files and many old packages). */
static int common_licenses(char **expr, const struct conv *c, const char *text, size_t len)
{
	static const char marker[] = "/usr/share/common-licenses/";
	sg_buf out = SG_BUF_INIT(4096), one = SG_BUF_INIT(512);
	const char *p = text, *end = text + len, *hit, *later;
	char name[64], gplv[16] = "";
	size_t n;
	int err = 0;

	*expr = NULL;
	if ((later = strstr(text, "of the License, or")) && later - text > 12 &&
	    strstr(later, "any later version")) {
		const char *v = later - 1;

		while (v > text && *v == ' ')
			v--;
		while (v > text && (isdigit((unsigned char)*v) || *v == '.'))
			v--;
		n = (size_t)(later - 1 - v);
		if (n > 1 && n < 8 && !strncmp(v - 7, "version", 7))
			snprintf(gplv, sizeof(gplv), "GPL-%.*s+", (int)(n - 1), v + 1);
	}
	while (p < end && (hit = strstr(p, marker))) {
		p = hit + sizeof(marker) - 1;
		for (n = 0; p + n < end && (isalnum((unsigned char)p[n]) || strchr("-_.+", p[n]));
		     n++)
			;
		while (n && p[n - 1] == '.')
			n--;
		if (!n || n >= sizeof(name))
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		if (!strcmp(name, "GPL") && gplv[0])
			snprintf(name, sizeof(name), "%s", gplv);
		sg_buf_reset(&one);
		if (sg_spdx_license(name) && !strchr(sg_spdx_license(name), ' '))
			err = sg_buf_puts(&one, sg_spdx_license(name));
		else if (sg_spdx_license(name))
			err = sg_buf_printf(&one, "(%s)", sg_spdx_license(name));
		else
			err = licref(&one, c, name, n);
		if (err < 0 || (err = join(&out, (const char *)one.data, 0)) < 0)
			goto done;
	}
	if (out.len)
		*expr = (char *)sg_buf_detach(&out, NULL);
done:
	sg_buf_release(&out);
	sg_buf_release(&one);
	return err < 0 ? SG_ERROR : 0;
}

struct paras {
	sg_d822_para *v;
	size_t n, init; /* paragraphs read; entries initialised (n + the empty last one) */
};

static void paras_free(struct paras *ps)
{
	size_t i;

	for (i = 0; i < ps->init; i++)
		sg_d822_clear(&ps->v[i]);
	free(ps->v);
}

static int paras_load(struct paras *ps, const char *text, size_t len, sg_error *e)
{
	const char *pos = text, *end = text + len;
	sg_d822_para *grown;
	size_t lineno = 0;
	int err;

	for (;;) {
		if (!(grown = realloc(ps->v, (ps->n + 1) * sizeof(*grown))))
			return sg_err(e, SG_ERROR, "out of memory");
		ps->v = grown;
		memset(&ps->v[ps->n], 0, sizeof(ps->v[ps->n]));
		ps->init = ps->n + 1;
		if ((err = sg_d822_next(&ps->v[ps->n], &pos, end, &lineno, e)) < 0)
			return err;
		if (!ps->v[ps->n].n && !ps->v[ps->n].bad)
			return 0;
		ps->n++;
	}
}

/* The License: first lines of the header and the Files paragraphs, with their texts. */
static int candidates(struct cand **out, size_t *nc, const struct paras *ps)
{
	struct cand *c = calloc(ps->n ? ps->n : 1, sizeof(*c));
	const char *lic, *files;
	size_t i;

	*out = c;
	*nc = 0;
	if (!c)
		return SG_ERROR;
	for (i = 0; i < ps->n; i++) {
		if (!(lic = sg_d822_get(&ps->v[i], "License")))
			continue;
		files = sg_d822_get(&ps->v[i], "Files");
		if (!files && i > 0)
			continue; /* a standalone licence text */
		if (!(c[*nc].line = strndup(lic, strcspn(lic, "\n"))))
			return SG_ERROR;
		c[*nc].text = strchr(lic, '\n') ? strchr(lic, '\n') + 1 : NULL;
		c[*nc].primary = files && files_star(files);
		(*nc)++;
	}
	return 0;
}

int sg_license_from_copyright(char **expr, sg_licref **refs, size_t *nrefs, const char *text,
			      size_t len, sg_error *e)
{
	struct paras ps = { NULL, 0, 0 };
	struct cand *cands = NULL;
	struct conv c = { refs, nrefs, NULL, NULL, 0 };
	sg_buf out = SG_BUF_INIT(1u << 20);
	size_t nc = 0, i, pass;
	char *one = NULL;
	int err, compound;

	*expr = NULL;
	if ((err = paras_load(&ps, text, len, e)) < 0)
		goto done;
	c.paras = ps.v;
	c.nparas = ps.n;
	if (!ps.n || !is_dep5(&ps.v[0])) {
		if (common_licenses(expr, &c, text, len) < 0)
			err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (candidates(&cands, &nc, &ps) < 0) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	/* the Files: * paragraph's licence first, then the others in order */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nc; i++) {
			if (cands[i].primary != !pass || !cands[i].line[0])
				continue;
			c.text = cands[i].text;
			if (convert(&one, &compound, &c, cands[i].line) < 0 ||
			    (one && join(&out, one, compound) < 0)) {
				err = sg_err(e, SG_ERROR, "out of memory or licence list too long");
				goto done;
			}
			free(one);
			one = NULL;
		}
	}
	if (out.len)
		*expr = (char *)sg_buf_detach(&out, NULL);
done:
	free(one);
	for (i = 0; cands && i < ps.n; i++) /* calloc'd: entries past nc are NULL */
		free(cands[i].line);
	free(cands);
	paras_free(&ps);
	sg_buf_release(&out);
	return err;
}

/* ---- licences as package metadata states them (npm, PyPI, apk) ---- */

#define MAX_META_LICENSE 200

/* The exception a WITH names, appended to out: the table's id, or any id that calls
 * itself an exception. SG_EINVALID otherwise. */
static int exception_id(sg_buf *out, const char *w, size_t len)
{
	char low[64];
	size_t i;

	for (i = 0; i < sizeof(exceptions) / sizeof(exceptions[0]); i++)
		if (strlen(exceptions[i].spdx) == len && !strncasecmp(exceptions[i].spdx, w, len))
			return sg_buf_puts(out, exceptions[i].spdx);
	if (len >= sizeof(low))
		return SG_EINVALID;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)w[i]) && w[i] != '.' && w[i] != '-')
			return SG_EINVALID;
		low[i] = (char)tolower((unsigned char)w[i]);
	}
	low[len] = '\0';
	return strstr(low, "exception") ? sg_buf_append(out, w, len) : SG_EINVALID;
}

/* One operand of an expression: an id (any case, "+" allowed) or LicenseRef-x. */
static int operand(sg_buf *out, const struct conv *c, const char *w, size_t len)
{
	char name[80];
	const char *id;
	size_t i;

	if (len > 11 && !strncmp(w, "LicenseRef-", 11)) {
		for (i = 11; i < len; i++)
			if (!isalnum((unsigned char)w[i]) && w[i] != '.' && w[i] != '-')
				return SG_EINVALID;
		/* a dry run (no refs) only checks the syntax */
		return c->refs ? licref(out, c, w + 11, len - 11) : sg_buf_append(out, w, len);
	}
	if (len >= sizeof(name))
		return SG_EINVALID;
	memcpy(name, w, len);
	name[len] = '\0';
	if (!(id = sg_spdx_license(name)))
		return SG_EINVALID;
	return strchr(id, ' ') ? sg_buf_printf(out, "(%s)", id) : sg_buf_puts(out, id);
}

/* s as an SPDX licence expression (operators in any case), normalised into out;
 * SG_EINVALID when it is not one. */
static int spdx_expression(sg_buf *out, const struct conv *c, const char *s)
{
	const char *p = s, *w;
	size_t len;
	int depth = 0, want_operand = 1, after_with = 0, err;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (*p == '(' || *p == ')') {
			if ((*p == '(') != want_operand || after_with || (*p == ')' && !depth))
				return SG_EINVALID;
			depth += *p == '(' ? 1 : -1;
			if ((err = sg_buf_append(out, p, 1)) < 0)
				return err;
			p++;
			continue;
		}
		for (w = p; *p && *p != ' ' && *p != '\t' && *p != '(' && *p != ')'; p++)
			;
		len = (size_t)(p - w);
		if (is_word(w, len, "and") || is_word(w, len, "or") || is_word(w, len, "with")) {
			if (want_operand)
				return SG_EINVALID;
			after_with = is_word(w, len, "with");
			want_operand = 1;
			err = sg_buf_printf(out, " %s ", is_word(w, len, "and") ? "AND" :
					    is_word(w, len, "or") ? "OR" : "WITH");
		} else if (!want_operand) {
			return SG_EINVALID;
		} else if (after_with) {
			err = exception_id(out, w, len);
			after_with = want_operand = 0;
		} else {
			err = operand(out, c, w, len);
			want_operand = 0;
		}
		if (err < 0)
			return err;
	}
	return want_operand || depth ? SG_EINVALID : 0;
}

/* "(MIT OR Apache-2.0)" -> "MIT OR Apache-2.0": outer parentheses around it all. */
static void unwrap(sg_buf *b)
{
	char *s = (char *)b->data;
	size_t i, depth = 0;

	while (b->len > 2 && s[0] == '(' && s[b->len - 1] == ')') {
		for (i = 0; i < b->len; i++) {
			if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && !--depth && i + 1 < b->len)
				return; /* "(a) AND (b)" */
		}
		memmove(s, s + 1, b->len - 2);
		b->len -= 2;
		s[b->len] = '\0';
	}
}

/* Free-text names: "Apache License, Version 2.0", "GPLv2+", "BSD 3-Clause License", "ASL 2.0". */
static const struct alias meta_aliases[] = {
	{ "bsd2", "BSD-2-Clause" }, { "bsd3", "BSD-3-Clause" },
	{ "bsdnew", "BSD-3-Clause" }, { "newbsd", "BSD-3-Clause" },
	{ "bsdsimplified", "BSD-2-Clause" }, { "simplifiedbsd", "BSD-2-Clause" },
	{ "modifiedbsd", "BSD-3-Clause" }, { "boostsoftware10", "BSL-1.0" },
	{ "epl10", "EPL-1.0" }, { "epl20", "EPL-2.0" }, { "mit0", "MIT-0" },
	{ "psf", "PSF-2.0" }, { "psfl", "PSF-2.0" }, { "pythonsoftwarefoundation", "PSF-2.0" },
	/* Fedora's short names before its move to SPDX (rpm License: tags) */
	{ "asl10", "Apache-1.0" }, { "asl11", "Apache-1.1" }, { "asl20", "Apache-2.0" },
	{ "boost", "BSL-1.0" },
};

static const char *name_to_spdx(const char *s)
{
	static const char *const stop[] = { "license", "licence", "version", "the", "gnu", "v" };
	char key[64], word[64];
	const char *p = s, *id;
	size_t k = 0, n, i;

	if ((id = sg_spdx_license(s)))
		return id;
	/* "ZPL 2.1", "Apache 2.0": an id with blanks for dashes */
	for (k = 0; s[k] && k + 1 < sizeof(key); k++)
		key[k] = s[k] == ' ' ? '-' : s[k];
	key[k] = '\0';
	if (!s[k] && (id = sg_spdx_license(key)))
		return id;
	k = 0;
	while (*p) {
		while (*p && !isalnum((unsigned char)*p) && *p != '+')
			p++;
		for (n = 0; *p && (isalnum((unsigned char)*p) || *p == '+'); p++)
			if (n + 1 < sizeof(word))
				word[n++] = (char)tolower((unsigned char)*p);
		word[n] = '\0';
		for (i = 0; i < sizeof(stop) / sizeof(stop[0]) && strcmp(word, stop[i]); i++)
			;
		if (!n || i < sizeof(stop) / sizeof(stop[0]))
			continue;
		/* "gplv2+" -> "gpl2+", "v3" -> "3" */
		for (i = 0; i + 1 < n; i++) {
			if (word[i] == 'v' && isdigit((unsigned char)word[i + 1]) &&
			    (i == 0 || !isdigit((unsigned char)word[i - 1]))) {
				memmove(word + i, word + i + 1, n - i);
				n--;
				break;
			}
		}
		if (k + n + 1 > sizeof(key))
			return NULL;
		memcpy(key + k, word, n);
		k += n;
	}
	key[k] = '\0';
	if (!k)
		return NULL;
	if ((id = sg_spdx_license(key)))
		return id;
	return lookup_alias(meta_aliases, sizeof(meta_aliases) / sizeof(meta_aliases[0]), key, k);
}

int sg_license_expr(char **expr, sg_licref **refs, size_t *nrefs, const char *s, sg_error *e)
{
	struct conv c = { refs, nrefs, NULL, NULL, 0 }, dry = { NULL, NULL, NULL, NULL, 0 };
	sg_buf out = SG_BUF_INIT(4096);
	char line[MAX_META_LICENSE + 1];
	const char *id;
	size_t len;
	int err;

	*expr = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (!len || len > MAX_META_LICENSE || memchr(s, '\n', len))
		return 0;
	memcpy(line, s, len);
	line[len] = '\0';
	for (len = 0; line[len]; len++)
		if ((unsigned char)line[len] < 0x20)
			return 0;
	if (!strcasecmp(line, "UNKNOWN") || !strcasecmp(line, "NONE") ||
	    !strcasecmp(line, "NOASSERTION") || !strncasecmp(line, "SEE LICENSE IN ", 15))
		return 0;
	if ((err = spdx_expression(&out, &dry, line)) == 0) {
		sg_buf_reset(&out);
		err = spdx_expression(&out, &c, line);
		if (!err)
			unwrap(&out);
	} else if (err == SG_EINVALID) {
		sg_buf_reset(&out);
		err = (id = name_to_spdx(line)) ? sg_buf_puts(&out, id) : licref(&out, &c, line, len);
	}
	if (err < 0 || !(*expr = (char *)sg_buf_detach(&out, NULL)))
		err = sg_err(e, SG_ERROR, "out of memory");
	sg_buf_release(&out);
	return err < 0 ? err : 0;
}

const char *sg_license_classifier(const char *classifier)
{
	static const struct alias trove[] = {
		{ "Apache Software License", "Apache-2.0" },
		{ "Boost Software License 1.0 (BSL-1.0)", "BSL-1.0" },
		{ "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0" },
		{ "Eclipse Public License 1.0 (EPL-1.0)", "EPL-1.0" },
		{ "Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0" },
		{ "European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2" },
		{ "GNU Affero General Public License v3", "AGPL-3.0-only" },
		{ "GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later" },
		{ "GNU General Public License v2 (GPLv2)", "GPL-2.0-only" },
		{ "GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later" },
		{ "GNU General Public License v3 (GPLv3)", "GPL-3.0-only" },
		{ "GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later" },
		{ "GNU Lesser General Public License v2 (LGPLv2)", "LGPL-2.0-only" },
		{ "GNU Lesser General Public License v2 or later (LGPLv2+)", "LGPL-2.0-or-later" },
		{ "GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only" },
		{ "GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later" },
		{ "Historical Permission Notice and Disclaimer (HPND)", "HPND" },
		{ "ISC License (ISCL)", "ISC" },
		{ "MIT License", "MIT" },
		{ "MIT No Attribution License (MIT-0)", "MIT-0" },
		{ "Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1" },
		{ "Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0" },
		{ "Python Software Foundation License", "PSF-2.0" },
		{ "The Unlicense (Unlicense)", "Unlicense" },
		{ "Universal Permissive License (UPL)", "UPL-1.0" },
		{ "zlib/libpng License", "Zlib" },
	};
	const char *last;
	size_t i;

	if (strncmp(classifier, "License :: ", 11))
		return NULL;
	last = strrchr(classifier, ':');
	last = last ? last + 1 : classifier;
	while (*last == ' ')
		last++;
	for (i = 0; i < sizeof(trove) / sizeof(trove[0]); i++)
		if (!strcmp(trove[i].key, last))
			return trove[i].spdx;
	return NULL;
}
