/* The Python cataloger (catalog.h): installed distributions, from *.dist-info/METADATA
 * (files from RECORD), *.egg-info/PKG-INFO (files from installed-files.txt) and
 * file-form *.egg-info, anywhere in the image, as syft reads them (sbom.md §1.2). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define DIST_METADATA "**/*.dist-info/METADATA"
#define EGG_PKG_INFO "**/*.egg-info/PKG-INFO"
#define EGG_FILE "**/*.egg-info"
#define MAX_NAME 200
#define MAX_VERSION 128
#define MAX_HEADERS 4096

int sg_python_wants(sg_walker *w, sg_error *e)
{
	int err;

	if ((err = sg_walker_want(w, DIST_METADATA, SG_PY_METADATA_MAX, SG_WANT_OBSERVE, e)) < 0 ||
	    (err = sg_walker_want(w, "**/*.dist-info/RECORD", SG_PY_RECORD_MAX, 0, e)) < 0 ||
	    (err = sg_walker_want(w, EGG_PKG_INFO, SG_PY_METADATA_MAX, SG_WANT_OBSERVE, e)) < 0 ||
	    (err = sg_walker_want(w, "**/*.egg-info/installed-files.txt", SG_PY_RECORD_MAX, 0,
				  e)) < 0 ||
	    (err = sg_walker_want(w, EGG_FILE, SG_PY_METADATA_MAX, SG_WANT_OBSERVE, e)) < 0)
		return err;
	return 0;
}

/* ---- the metadata header block (core metadata: RFC 822 style) ---- */

struct hdr {
	const char *k, *v;
	size_t kl, vl;
	int multi;      /* continued on further lines */
};

struct meta {
	struct hdr h[MAX_HEADERS];
	size_t n, bad;  /* headers; lines that were neither a header nor a continuation */
};

/* Reads the headers up to the first blank line (the body is the long description). */
static void parse_headers(struct meta *m, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *colon;

	m->n = m->bad = 0;
	for (; p < end; p = nl < end ? nl + 1 : end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (p == nl || (nl == p + 1 && *p == '\r'))
			break;
		if ((*p == ' ' || *p == '\t') && m->n) {
			m->h[m->n - 1].vl = (size_t)(nl - m->h[m->n - 1].v);
			m->h[m->n - 1].multi = 1;
			continue;
		}
		colon = memchr(p, ':', (size_t)(nl - p));
		if (!colon || colon == p || memchr(p, ' ', (size_t)(colon - p)) || m->n == MAX_HEADERS) {
			m->bad++;
			continue;
		}
		m->h[m->n].k = p;
		m->h[m->n].kl = (size_t)(colon - p);
		for (colon++; colon < nl && (*colon == ' ' || *colon == '\t'); colon++)
			;
		m->h[m->n].v = colon;
		m->h[m->n].vl = (size_t)(nl - colon);
		m->h[m->n].multi = 0;
		m->n++;
	}
}

static const struct hdr *hdr_at(const struct meta *m, const char *key, size_t *from)
{
	size_t kl = strlen(key);

	for (; *from < m->n; (*from)++)
		if (m->h[*from].kl == kl && !strncasecmp(m->h[*from].k, key, kl))
			return &m->h[(*from)++];
	return NULL;
}

/* A header's value (owned, trimmed, continuation lines kept); NULL if absent. *oom set
 * when out of memory. */
static char *hdr_get(const struct meta *m, const char *key, int *oom)
{
	size_t at = 0, vl;
	const struct hdr *h = hdr_at(m, key, &at);
	char *v;

	if (!h)
		return NULL;
	for (vl = h->vl; vl && (h->v[vl - 1] == '\r' || h->v[vl - 1] == ' ' || h->v[vl - 1] == '\t');
	     vl--)
		;
	if (!(v = strndup(h->v, vl)))
		*oom = 1;
	return v;
}

/* PEP 508 names: letters, digits, "._-", starting and ending with a letter or digit. */
static int valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > MAX_NAME || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

static int valid_version(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > MAX_VERSION || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* ---- files ---- */

/* dir + "/" + rel, lexically normalised (".", "..", "//"); rel may be absolute. 0 when it
 * leaves the root or is too long. */
static int join_path(char out[SG_WALK_PATH_MAX], const char *dir, const char *rel, size_t rl)
{
	char tmp[SG_WALK_PATH_MAX * 2];
	size_t o = 0, n, dl = rel[0] == '/' ? 0 : strlen(dir);
	const char *p = tmp, *q;

	if (dl + rl + 2 > sizeof(tmp))
		return 0;
	memcpy(tmp, dir, dl);
	tmp[dl] = '/';
	memcpy(tmp + dl + 1, rel, rl);
	tmp[dl + 1 + rl] = '\0';
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		q = p + strcspn(p, "/");
		n = (size_t)(q - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!o)
				return 0;
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
		} else if (!(n == 1 && p[0] == '.')) {
			if (o + n + 2 > SG_WALK_PATH_MAX)
				return 0;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = q;
	}
	out[o] = '\0';
	return o > 0;
}

struct files {
	sg_pfile *v;
	size_t n;
};

static int add_file(struct files *f, const char *dir, const char *rel, size_t rl)
{
	char path[SG_WALK_PATH_MAX];
	sg_pfile *grown;

	if (!rl || memchr(rel, '\0', rl) || !join_path(path, dir, rel, rl))
		return 0;
	if (!(grown = realloc(f->v, (f->n + 1) * sizeof(*grown))))
		return SG_ERROR;
	f->v = grown;
	memset(&grown[f->n], 0, sizeof(grown[f->n]));
	if (!(grown[f->n].path = strdup(path)))
		return SG_ERROR;
	f->n++;
	return 0;
}

/* RECORD (a CSV of path,hash,size; paths relative to the site directory) or
 * installed-files.txt (one path a line, relative to the egg-info directory). */
static int parse_file_list(struct files *f, const char *dir, const char *text, size_t len,
			   int csv)
{
	char field[SG_WALK_PATH_MAX];
	const char *p = text, *end = text + len, *nl, *q;
	size_t o;
	int err;

	for (; p < end; p = nl < end ? nl + 1 : end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		o = 0;
		if (csv && p < nl && *p == '"') {
			/* a quoted field; "" is a quote */
			for (q = p + 1; q < nl && o < sizeof(field); q++) {
				if (*q == '"' && q + 1 < nl && q[1] == '"')
					field[o++] = *q++;
				else if (*q == '"')
					break;
				else
					field[o++] = *q;
			}
		} else {
			for (q = p; q < nl && (!csv || *q != ',') && *q != '\r' && o < sizeof(field); q++)
				field[o++] = *q;
		}
		if (o == sizeof(field))
			continue;
		if ((err = add_file(f, dir, field, o)) < 0)
			return err;
	}
	return 0;
}

/* ---- one distribution ---- */

struct run {
	sg_catalog *c;
	const sg_walker *w;
	const sg_file_hist *hist;
	sg_warn_fn warn;
	void *arg;
	struct meta m;
};

/* "pkg:pypi/<PEP 503 name>@<version>": lower case, runs of "-_." as one '-'. */
static char *make_purl(const char *name, const char *version)
{
	sg_buf b = SG_BUF_INIT(4096);
	char norm[MAX_NAME + 1];
	size_t o = 0, i;
	int err;

	for (i = 0; name[i] && o < MAX_NAME; i++) {
		if (strchr("-_.", name[i])) {
			if (!o || norm[o - 1] != '-')
				norm[o++] = '-';
		} else {
			norm[o++] = (char)tolower((unsigned char)name[i]);
		}
	}
	norm[o] = '\0';
	if ((err = sg_buf_puts(&b, "pkg:pypi/")) < 0 || (err = sg_purl_escape(&b, norm)) < 0 ||
	    (err = sg_buf_puts(&b, "@")) < 0 || (err = sg_purl_escape(&b, version)) < 0) {
		sg_buf_release(&b);
		return NULL;
	}
	return (char *)sg_buf_detach(&b, NULL);
}

/* Author + Author-email ("Name <a@b>" or "a@b, c@d"), else Maintainer(-email). */
static char *supplier(const struct meta *m, int *oom)
{
	static const char *const keys[][2] = { { "Author", "Author-email" },
					       { "Maintainer", "Maintainer-email" } };
	char *name, *mail, *out = NULL;
	const char *lt, *gt, *addr, *nm;
	size_t i, al, nl;

	for (i = 0; i < 2 && !out && !*oom; i++) {
		name = hdr_get(m, keys[i][0], oom);
		mail = hdr_get(m, keys[i][1], oom);
		addr = mail ? mail : "";
		al = strcspn(addr, ",");
		nm = name ? name : "";
		nl = strcspn(nm, "\n");
		if ((lt = memchr(addr, '<', al)) && (gt = memchr(lt, '>', al - (size_t)(lt - addr)))) {
			if (!nl) { /* the name from "Name <address>" */
				nm = addr;
				nl = (size_t)(lt - addr);
			}
			addr = lt + 1;
			al = (size_t)(gt - lt - 1);
		}
		if (!*oom)
			out = sg_person(nm, nl, addr, al, oom);
		free(name);
		free(mail);
	}
	return out;
}

/* The last segment of a licence classifier ("MIT License"), or NULL. */
static const char *classifier_name(char *buf, size_t n, const struct hdr *h)
{
	const char *last;

	snprintf(buf, n, "%.*s", (int)strcspn(h->v, "\r\n"), h->v);
	if (strncmp(buf, "License :: ", 11) || !(last = strrchr(buf, ':')))
		return NULL;
	while (*++last == ' ')
		;
	return *last && strcmp(last, "OSI Approved") ? last : NULL;
}

/* Licence: License-Expression, else a License field that names a known licence, else the
 * licence classifiers that map to SPDX ids (several are joined with AND, as syft does),
 * else License as a LicenseRef-, else the first other licence classifier as one. */
static int licence(char **out, struct run *r)
{
	sg_catalog *c = r->c;
	sg_licref *tmp = NULL;
	size_t ntmp = 0, at = 0, nids = 0, i;
	sg_buf all = SG_BUF_INIT(1u << 16);
	const struct hdr *h;
	char *expr = NULL, *lic = NULL, *x = NULL, cls[512], other[512] = "";
	const char *id, *ids[16], *name;
	sg_error le = { 0 };
	int oom = 0, err = 0;

	*out = NULL;
	expr = hdr_get(&r->m, "License-Expression", &oom);
	lic = hdr_get(&r->m, "License", &oom);
	if (oom) {
		err = SG_ERROR;
		goto done;
	}
	if (expr && ((err = sg_license_expr(out, &c->refs, &c->nrefs, expr, &le)) < 0 || *out))
		goto done;
	/* License counts when it names a known licence (tried with scratch refs) */
	if (lic && (err = sg_license_expr(&x, &tmp, &ntmp, lic, &le)) < 0)
		goto done;
	if (x && !strstr(x, "LicenseRef-")) {
		*out = x;
		x = NULL;
		goto done;
	}
	while ((h = hdr_at(&r->m, "Classifier", &at)) && nids < 16) {
		if (!(name = classifier_name(cls, sizeof(cls), h)))
			continue;
		if (!(id = sg_license_classifier(cls))) {
			if (!other[0])
				snprintf(other, sizeof(other), "%s", name);
			continue;
		}
		for (i = 0; i < nids && strcmp(ids[i], id); i++)
			;
		if (i < nids)
			continue;
		ids[nids++] = id;
		if ((err = sg_buf_printf(&all, "%s%s", all.len ? " AND " : "", id)) < 0)
			goto done;
	}
	if (all.len) {
		*out = (char *)sg_buf_detach(&all, NULL);
		err = *out ? 0 : SG_ERROR;
	} else if (x) { /* again, for real: its LicenseRef- goes into the catalog */
		err = sg_license_expr(out, &c->refs, &c->nrefs, lic, &le);
	} else if (other[0]) {
		err = sg_license_expr(out, &c->refs, &c->nrefs, other, &le);
	}
done:
	sg_licrefs_free(tmp, ntmp);
	sg_buf_release(&all);
	free(x);
	free(expr);
	free(lic);
	return err < 0 ? SG_ERROR : 0;
}

/* The files a distribution lists: RECORD beside METADATA, installed-files.txt beside
 * PKG-INFO. Paths of RECORD are relative to the directory holding the .dist-info. */
static int owned_files(sg_pkg *p, struct run *r, const char *meta_path)
{
	struct files f = { NULL, 0 };
	const unsigned char *data;
	char *dir = NULL, *list = NULL, *slash;
	sg_error le = { 0 };
	size_t len;
	int csv, err = 0;

	csv = strlen(meta_path) > 9 && !strcmp(meta_path + strlen(meta_path) - 9, "/METADATA");
	if (!csv && (strlen(meta_path) < 9 || strcmp(meta_path + strlen(meta_path) - 9, "/PKG-INFO")))
		return 0; /* a file-form .egg-info: no list */
	if (!(dir = strdup(meta_path)) ||
	    !(list = sg_strprintf("%.*s/%s", (int)(strrchr(meta_path, '/') - meta_path), meta_path,
				  csv ? "RECORD" : "installed-files.txt"))) {
		err = SG_ERROR;
		goto done;
	}
	*strrchr(dir, '/') = '\0';  /* the .dist-info or .egg-info directory */
	if (csv) {
		if ((slash = strrchr(dir, '/')))
			*slash = '\0';
		else
			dir[0] = '\0';
	}
	err = sg_walker_read(r->w, list, &data, &len, NULL, &le);
	if (err == SG_ERROR)
		goto done;
	if (err < 0) {
		if (err != SG_ENOTFOUND && err != SG_ETOOBIG) /* over its cap: the walker said */
			sg_warnf(r->warn, r->arg, "python: %s", le.msg);
		err = 0;
		goto done;
	}
	if ((err = parse_file_list(&f, dir, (const char *)data, len, csv)) < 0 ||
	    (err = sg_pkg_add_evidence(p, list)) < 0)
		goto done;
	sg_pfiles_finish(f.v, &f.n);
done:
	p->files = f.v;
	p->nfiles = f.n;
	free(dir);
	free(list);
	return err;
}

static int distribution(struct run *r, const char *path, const unsigned char *data, size_t len,
			size_t layer)
{
	sg_pkg p = { 0 };
	int oom = 0, err = SG_ERROR;

	parse_headers(&r->m, (const char *)data, len);
	p.name = hdr_get(&r->m, "Name", &oom);
	p.version = hdr_get(&r->m, "Version", &oom);
	if (oom)
		goto done;
	if (!p.name || !p.version || !valid_name(p.name) || !valid_version(p.version)) {
		sg_warnf(r->warn, r->arg, "python: %s (layer %zu): %s; skipped", path, layer,
			 !p.name || !p.version ? "no Name or Version header" :
			 !valid_name(p.name) ? "invalid Name" : "invalid Version");
		err = 0;
		goto done;
	}
	if (!strcasecmp(p.name, "Python")) {
		err = 0; /* the interpreter's own egg-info (python2.7's lib-dynload), as syft */
		goto done;
	}
	if (!(p.type = strdup("python")) || !(p.purl = make_purl(p.name, p.version)))
		goto done;
	p.description = hdr_get(&r->m, "Summary", &oom);
	if (p.description && (strchr(p.description, '\n') || !*p.description)) {
		free(p.description);
		p.description = NULL;
	}
	p.supplier = supplier(&r->m, &oom);
	if (oom || licence(&p.license, r) < 0 || sg_pkg_add_evidence(&p, path) < 0 ||
	    owned_files(&p, r, path) < 0)
		goto done;
	p.evidence_layer = layer;
	p.introduced_layer = sg_file_hist_layer(r->hist, path, data, len, layer);
	err = sg_catalog_add(r->c, &p);
done:
	sg_pkg_release(&p);
	return err;
}

int sg_cat_python(sg_catalog *c, const sg_walker *w, const sg_file_hist *hist, sg_warn_fn warn,
		  void *arg, sg_error *e)
{
	struct run *r = NULL;
	const unsigned char *data;
	char **paths = NULL;
	size_t n = 0, i, layer, len;
	sg_error le = { 0 };
	int err;

	static const char *const patterns[] = { DIST_METADATA, EGG_PKG_INFO, EGG_FILE };

	if ((err = sg_gather(&paths, &n, w, patterns, 3, e)) < 0)
		return err;
	if (!(r = calloc(1, sizeof(*r)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	r->c = c;
	r->w = w;
	r->hist = hist;
	r->warn = warn;
	r->arg = arg;
	for (i = 0; i < n; i++) {
		sg_error_clear(&le);
		err = sg_walker_read(w, paths[i], &data, &len, &layer, &le);
		if (err == SG_ERROR) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		if (err < 0) { /* over its cap (the walker warned) or not read */
			if (err != SG_ETOOBIG)
				sg_warnf(warn, arg, "python: %s", le.msg);
			err = 0;
			continue;
		}
		if ((err = distribution(r, paths[i], data, len, layer)) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = 0;
done:
	free(r);
	sg_strv_free(paths, n);
	return err;
}
