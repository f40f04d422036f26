/* The apk cataloger (catalog.h): Alpine's lib/apk/db/installed, one record per package
 * ("K:value" lines, records split by blank lines), the fields syft reads (sbom.md §1.2):
 * P name, V version, A arch, L licence, o origin, m maintainer, T description, F/R files. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define DB "lib/apk/db/installed"
#define DB_USR "usr/lib/apk/db/installed" /* newer layouts; lib/apk is then a symlink */
#define MAX_FIELD 4096

int sg_apk_wants(sg_walker *w, sg_error *e)
{
	int err;

	if ((err = sg_walker_want(w, DB, SG_APK_DB_MAX, SG_WANT_OBSERVE, e)) < 0 ||
	    (err = sg_walker_want(w, DB_USR, SG_APK_DB_MAX, SG_WANT_OBSERVE, e)) < 0)
		return err;
	return 0;
}

/* ---- records ---- */

struct rec {
	const char *f[128];   /* by key character: the first value (borrowed, not terminated) */
	size_t fl[128];
	size_t line, bad;     /* first line; lines that were not "K:value" */
	const char *start, *end;
};

/* The next record from *pos; 0 at the end. */
static int next_rec(struct rec *r, const char **pos, const char *end, size_t *lineno)
{
	const char *p = *pos, *nl;

	memset(r, 0, sizeof(*r));
	while (p < end && *p == '\n') { /* blank lines between records */
		p++;
		(*lineno)++;
	}
	if (p >= end) {
		*pos = end;
		return 0;
	}
	r->line = *lineno + 1;
	r->start = p;
	for (; p < end && *p != '\n'; p = nl < end ? nl + 1 : end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		(*lineno)++;
		if (nl - p < 2 || p[1] != ':' || (unsigned char)p[0] >= 128) {
			r->bad++;
			continue;
		}
		if (!r->f[(unsigned char)p[0]] && p[0] != 'F' && p[0] != 'R') {
			r->f[(unsigned char)p[0]] = p + 2;
			r->fl[(unsigned char)p[0]] = (size_t)(nl - p - 2);
		}
	}
	r->end = p;
	*pos = p;
	return 1;
}

/* A field as a string (owned); NULL when absent, too long or not text. */
static char *field(const struct rec *r, char k, int *oom)
{
	const char *v = r->f[(unsigned char)k];
	size_t n = r->fl[(unsigned char)k], i;
	char *s;

	if (!v || !n || n > MAX_FIELD)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20) /* NUL and other controls */
			return NULL;
	if (!(s = strndup(v, n)))
		*oom = 1;
	return s;
}

static int token_ok(const char *s, const char *extra, size_t max)
{
	size_t i, n = s ? strlen(s) : 0;

	if (!n || n > max || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
			return 0;
	return 1;
}

/* The record's key for the history, "name\tarch\tversion"; NULL when not a package. */
static char *rec_key(const struct rec *r)
{
	const char *p = r->f['P'], *v = r->f['V'], *a = r->f['A'];

	if (!p || !v || r->fl['P'] > MAX_FIELD || r->fl['V'] > MAX_FIELD || r->fl['A'] > MAX_FIELD)
		return NULL;
	return sg_strprintf("%.*s\t%.*s\t%.*s", (int)r->fl['P'], p, a ? (int)r->fl['A'] : 0,
			    a ? a : "", (int)r->fl['V'], v);
}

/* ---- history ---- */

struct sg_apk_hist {
	sg_hkey *snap;  /* the DB of the latest layer that had one, sorted */
	size_t nsnap;
	int failed;
};

int sg_apk_hist_new(sg_apk_hist **out, sg_error *e)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

void sg_apk_hist_free(sg_apk_hist *h)
{
	if (!h)
		return;
	sg_hkeys_free(h->snap, h->nsnap);
	free(h);
}

static const sg_hkey *hist_find(const sg_apk_hist *h, const char *key)
{
	return sg_hkeys_find(h->snap, h->nsnap, key);
}

void sg_apk_hist_observe(void *arg, const char *path, size_t layer, const unsigned char *data,
			 size_t len)
{
	sg_apk_hist *h = arg;
	const char *pos = (const char *)data, *end = pos + len;
	sg_hkey *k = NULL, *grown;
	const sg_hkey *old;
	struct rec r;
	size_t n = 0, lineno = 0;

	if (h->failed || (strcmp(path, DB) && strcmp(path, DB_USR)))
		return;
	while (next_rec(&r, &pos, end, &lineno)) {
		if (!(grown = realloc(k, (n + 1) * sizeof(*k))))
			goto fail;
		k = grown;
		if (!(k[n].key = rec_key(&r)))
			continue;
		/* a package keeps the layer it was first listed in while every later DB still
		 * lists the same version */
		k[n].layer = (old = hist_find(h, k[n].key)) ? old->layer : layer;
		n++;
	}
	sg_hkeys_sort(k, n);
	sg_hkeys_free(h->snap, h->nsnap);
	h->snap = k;
	h->nsnap = n;
	return;
fail:
	sg_hkeys_free(k, n);
	h->failed = 1;
}

/* ---- packages ---- */

struct db {
	sg_catalog *c;
	const sg_apk_hist *hist;
	sg_warn_fn warn;
	void *arg;
	const char *path;
	size_t layer;
	const char *ns, *distro;
};

/* F: directory, R: file in the last F. */
static int files(sg_pkg *p, const struct rec *r)
{
	const char *q = r->start, *nl, *dir = NULL;
	size_t dl = 0, n;
	sg_pfile *grown;
	char *path;

	for (; q < r->end; q = nl + 1) {
		nl = memchr(q, '\n', (size_t)(r->end - q));
		if (!nl)
			nl = r->end;
		n = (size_t)(nl - q);
		if (n >= 2 && q[0] == 'F' && q[1] == ':') {
			dir = q + 2;
			dl = n - 2;
		} else if (n > 2 && q[0] == 'R' && q[1] == ':' && n - 2 + dl + 1 < SG_WALK_PATH_MAX &&
			   !memchr(q + 2, '/', n - 2) && !memchr(q, '\0', n) &&
			   !(n == 4 && q[2] == '.' && q[3] == '.') && !(dl >= 2 && !strncmp(dir, "..", 2))) {
			if (!(path = dl ? sg_strprintf("%.*s/%.*s", (int)dl, dir, (int)(n - 2), q + 2)
				       : strndup(q + 2, n - 2)))
				return SG_ERROR;
			if (!(grown = realloc(p->files, (p->nfiles + 1) * sizeof(*grown)))) {
				free(path);
				return SG_ERROR;
			}
			p->files = grown;
			memset(&grown[p->nfiles], 0, sizeof(grown[p->nfiles]));
			grown[p->nfiles++].path = path;
		}
		if (nl == r->end)
			break;
	}
	return 0;
}

/* L: kept whole when it is an expression or a known name; else, like syft, a
 * blank-separated list ("MIT BSD-2-Clause") when every item is a known licence; else a
 * LicenseRef- for the whole. */
static int licence(char **out, const struct db *d, const char *l)
{
	sg_licref *tmp = NULL;
	size_t ntmp = 0;
	sg_buf all = SG_BUF_INIT(1u << 16);
	sg_error le = { 0 };
	char *x = NULL, *item = NULL, *dup = NULL;
	const char *p, *q;
	int err, known = 1;

	*out = NULL;
	if ((err = sg_license_expr(&x, &tmp, &ntmp, l, &le)) < 0)
		goto done;
	if (x && !ntmp) {
		*out = x;
		x = NULL;
		goto done;
	}
	for (p = l; *p && known; p = q) {
		p += strspn(p, " \t");
		if (!*(q = p + strcspn(p, " \t")) && q == p)
			break;
		free(item);
		item = NULL;
		free(dup);
		sg_licrefs_free(tmp, ntmp);
		tmp = NULL;
		ntmp = 0;
		if (!(dup = strndup(p, (size_t)(q - p))) ||
		    (err = sg_license_expr(&item, &tmp, &ntmp, dup, &le)) < 0) {
			err = SG_ERROR;
			goto done;
		}
		if (!item || ntmp) {
			known = 0;
			break;
		}
		if ((err = sg_buf_printf(&all, strchr(item, ' ') ? "%s(%s)" : "%s%s",
					 all.len ? " AND " : "", item)) < 0)
			goto done;
	}
	if (known && all.len)
		*out = (char *)sg_buf_detach(&all, NULL);
	else
		err = sg_license_expr(out, &d->c->refs, &d->c->nrefs, l, &le);
done:
	sg_licrefs_free(tmp, ntmp);
	sg_buf_release(&all);
	free(item);
	free(dup);
	free(x);
	return err < 0 ? SG_ERROR : 0;
}

static int make_purl(sg_pkg *p, const struct db *d)
{
	sg_buf b = SG_BUF_INIT(8192);
	char lower[MAX_FIELD + 1];
	const char *sep = "?";
	size_t i;
	int err;

	for (i = 0; p->name[i] && i < MAX_FIELD; i++)
		lower[i] = (char)tolower((unsigned char)p->name[i]);
	lower[i] = '\0';
	/* purl spec: namespace and name lower case; qualifiers in key order */
	err = sg_buf_puts(&b, "pkg:apk/");
	if (!err && !(err = sg_purl_escape(&b, d->ns)) && !(err = sg_buf_puts(&b, "/")) &&
	    !(err = sg_purl_escape(&b, lower)) && !(err = sg_buf_puts(&b, "@")))
		err = sg_purl_escape(&b, p->version);
	if (!err && p->arch && !(err = sg_buf_printf(&b, "%sarch=", sep))) {
		err = sg_purl_escape(&b, p->arch);
		sep = "&";
	}
	if (!err && d->distro && !(err = sg_buf_printf(&b, "%sdistro=", sep))) {
		err = sg_purl_escape(&b, d->distro);
		sep = "&";
	}
	if (!err && p->source && strcmp(p->source, p->name) &&
	    !(err = sg_buf_printf(&b, "%supstream=", sep)))
		err = sg_purl_escape(&b, p->source);
	if (!err && !(p->purl = (char *)sg_buf_detach(&b, NULL)))
		err = SG_ERROR;
	sg_buf_release(&b);
	return err < 0 ? SG_ERROR : 0;
}

static int find_pkg(const sg_catalog *c, const sg_pkg *p)
{
	size_t i;

	for (i = 0; i < c->npkgs; i++)
		if (!strcmp(c->pkgs[i].type, "apk") && !strcmp(c->pkgs[i].name, p->name) &&
		    !strcmp(c->pkgs[i].version, p->version) &&
		    !strcmp(c->pkgs[i].arch ? c->pkgs[i].arch : "", p->arch ? p->arch : ""))
			return 1;
	return 0;
}

/* 0 added or skipped (with a warning), <0 out of memory. */
static int package(const struct db *d, const struct rec *r)
{
	const sg_hkey *k;
	sg_pkg p = { 0 };
	char *l = NULL, *m = NULL, *key = NULL;
	int oom = 0, err = SG_ERROR;

	p.name = field(r, 'P', &oom);
	p.version = field(r, 'V', &oom);
	p.arch = field(r, 'A', &oom);
	if (oom)
		goto done;
	if (!token_ok(p.name, "+-._", 256) || !token_ok(p.version, "+-._~", 256) ||
	    (p.arch && !token_ok(p.arch, "_-", 64))) {
		sg_warnf(d->warn, d->arg, "apk: %s (layer %zu): line %zu: %s; record skipped", d->path,
			 d->layer, r->line, !p.name ? "no P: (name)" : !p.version ? "no V: (version)"
			 : !token_ok(p.name, "+-._", 256) ? "invalid P: (name)"
			 : !token_ok(p.version, "+-._~", 256) ? "invalid V: (version)" : "invalid A: (arch)");
		err = 0;
		goto done;
	}
	if (r->bad)
		sg_warnf(d->warn, d->arg, "apk: %s (layer %zu): line %zu: %zu line(s) that are not "
			 "\"K:value\"; ignored", d->path, d->layer, r->line, r->bad);
	if (find_pkg(d->c, &p)) {
		err = 0;
		goto done;
	}
	p.source = field(r, 'o', &oom);
	p.description = field(r, 'T', &oom);
	l = field(r, 'L', &oom);
	m = field(r, 'm', &oom);
	if (oom || !(p.type = strdup("apk")) || (m && !(p.supplier = sg_person_from(m, &oom)) && oom) ||
	    (l && licence(&p.license, d, l) < 0) || sg_pkg_add_evidence(&p, d->path) < 0 ||
	    files(&p, r) < 0 || make_purl(&p, d) < 0)
		goto done;
	sg_pfiles_finish(p.files, &p.nfiles);
	p.evidence_layer = p.introduced_layer = d->layer;
	if (d->hist && !d->hist->failed) {
		if (!(key = rec_key(r)))
			goto done;
		if ((k = hist_find(d->hist, key)) && k->layer < d->layer)
			p.introduced_layer = k->layer;
	}
	err = sg_catalog_add(d->c, &p);
done:
	sg_pkg_release(&p);
	free(key);
	free(l);
	free(m);
	return err;
}

int sg_cat_apk(sg_catalog *c, const sg_walker *w, const sg_apk_hist *hist, sg_warn_fn warn,
	       void *arg, sg_error *e)
{
	struct db d = { c, hist, warn, arg, NULL, 0, "alpine", NULL };
	const unsigned char *data;
	const char *pos, *end, *path = DB;
	char *real = NULL, *distro = NULL, ns[64];
	size_t len, lineno = 0, i;
	struct rec r;
	sg_wstat st;
	int err;

	err = sg_walker_read(w, path, &data, &len, &d.layer, e);
	if (err == SG_ENOTFOUND) {
		sg_error_clear(e);
		path = DB_USR;
		err = sg_walker_read(w, path, &data, &len, &d.layer, e);
	}
	if (err == SG_ENOTFOUND) {
		sg_error_clear(e);
		return 0;
	}
	if (err < 0)
		return sg_err_prefix(e, "apk database");
	if ((err = sg_walker_stat(w, path, 1, &st, &real, e)) < 0)
		return err;
	if (c->os.found && c->os.id && c->os.id[0] && strlen(c->os.id) < sizeof(ns)) {
		for (i = 0; c->os.id[i]; i++)
			ns[i] = (char)tolower((unsigned char)c->os.id[i]);
		ns[i] = '\0';
		d.ns = ns;
	}
	if (c->os.found && !(distro = sg_os_distro(&c->os)) && c->os.version_id) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	d.distro = distro;
	d.path = real;
	pos = (const char *)data;
	end = pos + len;
	while (next_rec(&r, &pos, end, &lineno)) {
		if ((err = package(&d, &r)) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = 0;
done:
	free(distro);
	free(real);
	return err;
}
