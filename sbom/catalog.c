/* What the catalogers share (catalog.h): appending packages, SPDX person strings, the
 * final sort and the link from an OS package to the language packages it installed
 * (sbom.md §7.8: one package, linked to its owner, not a silent duplicate), and the layer
 * history of single-package evidence files. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "catalog.h"
#include "err.h"
#include "banned.h"

#define MAX_PERSON 256

void sg_warnf(sg_warn_fn warn, void *arg, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(arg, msg);
}

int sg_catalog_add(sg_catalog *c, sg_pkg *p)
{
	sg_pkg *grown = realloc(c->pkgs, (c->npkgs + 1) * sizeof(*grown));

	if (!grown) {
		sg_pkg_release(p);
		return SG_ERROR;
	}
	c->pkgs = grown;
	c->pkgs[c->npkgs++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

int sg_pkg_add_evidence(sg_pkg *p, const char *path)
{
	char **grown = realloc(p->evidence, (p->nevidence + 1) * sizeof(*grown));

	if (!grown)
		return SG_ERROR;
	p->evidence = grown;
	if (!(grown[p->nevidence] = strdup(path)))
		return SG_ERROR;
	p->nevidence++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sg_gather(char ***out, size_t *nout, const sg_walker *w, const char *const *patterns,
	      size_t npatterns, sg_error *e)
{
	char **paths = NULL, **all = NULL, **grown, *real;
	size_t n = 0, nall = 0, i, k;
	sg_error le = { 0 };
	sg_wstat st;
	int err = 0;

	for (i = 0; i < npatterns && !err; i++) {
		if ((err = sg_walker_matches(w, patterns[i], &paths, &n, e)) < 0)
			break;
		for (k = 0; k < n; k++) {
			sg_error_clear(&le);
			if ((err = sg_walker_stat(w, paths[k], 1, &st, &real, &le)) == SG_ERROR)
				break;
			err = 0;
			if (!real)
				continue;
			if (st.type != SG_WT_FILE || !(grown = realloc(all, (nall + 1) * sizeof(*all)))) {
				free(real);
				if (st.type != SG_WT_FILE)
					continue;
				err = SG_ERROR;
				break;
			}
			all = grown;
			all[nall++] = real;
		}
		sg_strv_free(paths, n);
		paths = NULL;
	}
	if (err < 0) {
		sg_strv_free(all, nall);
		return err == SG_ERROR ? sg_err(e, SG_ERROR, "out of memory") : err;
	}
	if (nall)
		qsort(all, nall, sizeof(*all), cmp_str);
	for (i = 0, k = 0; i < nall; i++) { /* a file may match through a symlink too */
		if (k && !strcmp(all[k - 1], all[i])) {
			free(all[i]);
			continue;
		}
		all[k++] = all[i];
	}
	*out = all;
	*nout = k;
	return 0;
}

/* ---- persons ---- */

/* Trims blanks and quotes; copies at most MAX_PERSON bytes with controls turned into
 * spaces. "" for nothing or UNKNOWN / None (what old setuptools writes). */
static void clean(char out[MAX_PERSON + 1], const char *s, size_t len)
{
	size_t o = 0, i;

	while (len && (isspace((unsigned char)*s) || *s == '"' || *s == '\'')) {
		s++;
		len--;
	}
	while (len && (isspace((unsigned char)s[len - 1]) || s[len - 1] == '"' || s[len - 1] == '\''))
		len--;
	for (i = 0; i < len && o < MAX_PERSON; i++)
		out[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	out[o] = '\0';
	if (!strcasecmp(out, "UNKNOWN") || !strcasecmp(out, "None"))
		out[0] = '\0';
}

char *sg_person(const char *name, size_t nlen, const char *email, size_t elen, int *oom)
{
	char n[MAX_PERSON + 1] = "", m[MAX_PERSON + 1] = "", *out;

	if (name)
		clean(n, name, nlen);
	if (email)
		clean(m, email, elen);
	if (strchr(m, ' ') || !strchr(m, '@'))
		m[0] = '\0'; /* not an address */
	if (!n[0] && !m[0])
		return NULL;
	if (n[0] && m[0])
		out = sg_strprintf("Person: %s (%s)", n, m);
	else
		out = sg_strprintf("Person: %s", n[0] ? n : m);
	if (!out)
		*oom = 1;
	return out;
}

char *sg_person_from(const char *s, int *oom)
{
	const char *lt = strchr(s, '<'), *gt, *end;

	if (lt && (gt = strchr(lt, '>')))
		return sg_person(s, (size_t)(lt - s), lt + 1, (size_t)(gt - lt - 1), oom);
	end = s + strcspn(s, ",(\n");
	if (memchr(s, '@', (size_t)(end - s)) && !memchr(s, ' ', (size_t)(end - s)))
		return sg_person(NULL, 0, s, (size_t)(end - s), oom);
	return sg_person(s, (size_t)(end - s), NULL, 0, oom);
}

/* ---- the final order and owners ---- */

static int cmp_pkg(const void *a, const void *b)
{
	const sg_pkg *x = a, *y = b;
	int r;

	if ((r = strcmp(x->name, y->name)) ||
	    (r = strcmp(x->version ? x->version : "", y->version ? y->version : "")) ||
	    (r = strcmp(x->type, y->type)) ||
	    (r = strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "")))
		return r;
	if ((r = strcmp(x->nevidence ? x->evidence[0] : "", y->nevidence ? y->evidence[0] : "")))
		return r;
	/* the same purl twice in one file was merged, so only purl-less twins get here */
	return strcmp(x->purl ? x->purl : "", y->purl ? y->purl : "");
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

struct order {
	const sg_pkg *p;
	size_t was;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	int r = cmp_pkg(x->p, y->p);

	return r ? r : (x->was > y->was) - (x->was < y->was); /* stable: qsort is not */
}

/* Sorts c's packages, keeping dependency and owner indices right. */
static int sort_pkgs(sg_catalog *c)
{
	struct order *ord = NULL;
	size_t *now = NULL, i, k;
	sg_pkg *sorted = NULL;

	if (!c->npkgs)
		return 0;
	if (!(ord = calloc(c->npkgs, sizeof(*ord))) || !(now = calloc(c->npkgs, sizeof(*now))) ||
	    !(sorted = calloc(c->npkgs, sizeof(*sorted)))) {
		free(ord);
		free(now);
		return SG_ERROR;
	}
	for (i = 0; i < c->npkgs; i++) {
		ord[i].p = &c->pkgs[i];
		ord[i].was = i;
	}
	qsort(ord, c->npkgs, sizeof(*ord), cmp_order);
	for (i = 0; i < c->npkgs; i++) {
		now[ord[i].was] = i;
		sorted[i] = *ord[i].p;
	}
	for (i = 0; i < c->npkgs; i++) {
		sg_pkg *p = &sorted[i];

		if (p->owner)
			p->owner = now[p->owner - 1] + 1;
		for (k = 0; k < p->ndeps; k++)
			p->deps[k] = now[p->deps[k]];
		if (p->ndeps)
			qsort(p->deps, p->ndeps, sizeof(*p->deps), cmp_size);
	}
	free(c->pkgs);
	c->pkgs = sorted;
	free(ord);
	free(now);
	return 0;
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const sg_licref *)a)->id, ((const sg_licref *)b)->id);
}

static int is_os_type(const char *type)
{
	return !strcmp(type, "deb") || !strcmp(type, "apk") || !strcmp(type, "rpm");
}

static int is_lang_type(const char *type)
{
	return !strcmp(type, "python") || !strcmp(type, "npm");
}

/* An OS package's file that may be a language package's evidence. */
static int evidence_like(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	return !strcmp(base, "METADATA") || !strcmp(base, "PKG-INFO") ||
	       !strcmp(base, "package.json") || (n > 9 && !strcmp(base + n - 9, ".egg-info"));
}

struct owned {
	char *path;   /* as it resolves in the image */
	size_t pkg;
};

static int cmp_owned(const void *a, const void *b)
{
	const struct owned *x = a, *y = b;
	int r = strcmp(x->path, y->path);

	return r ? r : (x->pkg > y->pkg) - (x->pkg < y->pkg);
}

/* Evidence-like files of the OS packages, by resolved path. */
static int owned_files(struct owned **out, size_t *n, const sg_catalog *c, const sg_walker *w)
{
	struct owned *v = NULL, *grown;
	size_t nv = 0, i, k;
	sg_error le = { 0 };
	sg_wstat st;
	char *real;

	for (i = 0; i < c->npkgs; i++) {
		if (!is_os_type(c->pkgs[i].type))
			continue;
		for (k = 0; k < c->pkgs[i].nfiles; k++) {
			const char *path = c->pkgs[i].files[k].path;

			if (!evidence_like(path))
				continue;
			sg_error_clear(&le);
			if (sg_walker_stat(w, path, 1, &st, &real, &le) == SG_ERROR)
				goto oom;
			if (!real && !(real = strdup(path)))
				goto oom;
			if (!(grown = realloc(v, (nv + 1) * sizeof(*grown)))) {
				free(real);
				goto oom;
			}
			v = grown;
			v[nv].path = real;
			v[nv++].pkg = i;
		}
	}
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_owned);
	*out = v;
	*n = nv;
	return 0;
oom:
	for (i = 0; i < nv; i++)
		free(v[i].path);
	free(v);
	return SG_ERROR;
}

static const struct owned *find_owned(const struct owned *v, size_t n, const char *path)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) { /* the first entry for path: the lowest package index */
		mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(v[lo].path, path) ? &v[lo] : NULL;
}

/* Drops from p the files its owner lists: they are listed once, under the owner. */
static void drop_owner_files(sg_pkg *p, const sg_pkg *owner)
{
	size_t i, k = 0, o = 0;
	int r;

	for (i = 0; i < p->nfiles; i++) {
		r = 1;
		while (k < owner->nfiles && (r = strcmp(owner->files[k].path, p->files[i].path)) < 0)
			k++;
		if (k < owner->nfiles && r == 0) {
			free(p->files[i].path);
			free(p->files[i].seen);
			continue;
		}
		p->files[o++] = p->files[i];
	}
	p->nfiles = o;
}

int sg_catalog_sort(sg_catalog *c, sg_error *e)
{
	if (sort_pkgs(c) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	if (c->nrefs)
		qsort(c->refs, c->nrefs, sizeof(*c->refs), cmp_ref);
	return 0;
}

int sg_catalog_finish(sg_catalog *c, const sg_walker *w, sg_error *e)
{
	struct owned *own = NULL;
	const struct owned *hit;
	size_t nown = 0, i;
	int err;

	if ((err = sg_catalog_sort(c, e)) < 0)
		return err;
	if (owned_files(&own, &nown, c, w) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < c->npkgs; i++) {
		sg_pkg *p = &c->pkgs[i];

		p->owner = 0;
		if (!is_lang_type(p->type) || !p->nevidence ||
		    !(hit = find_owned(own, nown, p->evidence[0])))
			continue;
		p->owner = hit->pkg + 1;
		drop_owner_files(p, &c->pkgs[hit->pkg]);
	}
	for (i = 0; i < nown; i++)
		free(own[i].path);
	free(own);
	return 0;
}

/* ---- layer history of single-package evidence files ---- */

struct fh_ent {
	char *path;
	uint64_t hash;   /* of the content last seen */
	size_t since;    /* the layer since which it has had that content */
};

struct sg_file_hist {
	struct fh_ent *tab;  /* open addressing, power-of-two size */
	size_t cap, n;
	int failed;
};

uint64_t sg_fnv1a(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

int sg_file_hist_new(sg_file_hist **out, sg_error *e)
{
	sg_file_hist *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h || !(h->tab = calloc(h->cap = 256, sizeof(*h->tab)))) {
		free(h);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	*out = h;
	return 0;
}

void sg_file_hist_free(sg_file_hist *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->cap; i++)
		free(h->tab[i].path);
	free(h->tab);
	free(h);
}

static struct fh_ent *fh_slot(const sg_file_hist *h, const char *path)
{
	size_t i = (size_t)sg_fnv1a(path, strlen(path)) & (h->cap - 1);

	while (h->tab[i].path && strcmp(h->tab[i].path, path))
		i = (i + 1) & (h->cap - 1);
	return &h->tab[i];
}

static int fh_grow(sg_file_hist *h)
{
	sg_file_hist bigger = { NULL, h->cap * 2, 0, 0 };
	size_t i;

	if (!(bigger.tab = calloc(bigger.cap, sizeof(*bigger.tab))))
		return SG_ERROR;
	for (i = 0; i < h->cap; i++)
		if (h->tab[i].path)
			*fh_slot(&bigger, h->tab[i].path) = h->tab[i];
	free(h->tab);
	h->tab = bigger.tab;
	h->cap = bigger.cap;
	return 0;
}

void sg_file_hist_observe(void *arg, const char *path, size_t layer, const unsigned char *data,
			  size_t len)
{
	sg_file_hist *h = arg;
	struct fh_ent *s;
	uint64_t hash;

	if (h->failed || !evidence_like(path))
		return;
	if ((h->n + 1) * 2 > h->cap && fh_grow(h) < 0) {
		h->failed = 1;
		return;
	}
	hash = sg_fnv1a(data, len);
	s = fh_slot(h, path);
	if (s->path) {
		if (s->hash != hash) {
			s->hash = hash;
			s->since = layer;
		}
		return;
	}
	if (!(s->path = strdup(path))) {
		h->failed = 1;
		return;
	}
	s->hash = hash;
	s->since = layer;
	h->n++;
}

size_t sg_file_hist_layer(const sg_file_hist *h, const char *path, const unsigned char *data,
			  size_t len, size_t fallback)
{
	const struct fh_ent *s;

	if (!h || h->failed || !(s = fh_slot(h, path))->path || s->hash != sg_fnv1a(data, len))
		return fallback;
	return s->since < fallback ? s->since : fallback;
}

/* ---- package-database history keys ---- */

void sg_hkeys_free(sg_hkey *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(k[i].key);
	free(k);
}

static int cmp_hkey(const void *a, const void *b)
{
	return strcmp(((const sg_hkey *)a)->key, ((const sg_hkey *)b)->key);
}

void sg_hkeys_sort(sg_hkey *k, size_t n)
{
	if (n)
		qsort(k, n, sizeof(*k), cmp_hkey);
}

const sg_hkey *sg_hkeys_find(const sg_hkey *k, size_t n, const char *key)
{
	sg_hkey probe = { (char *)key, 0 };

	return n ? bsearch(&probe, k, n, sizeof(*k), cmp_hkey) : NULL;
}

/* ---- a package's owned files ---- */

static int cmp_pfile(const void *a, const void *b)
{
	return strcmp(((const sg_pfile *)a)->path, ((const sg_pfile *)b)->path);
}

void sg_pfiles_finish(sg_pfile *v, size_t *n)
{
	size_t i, o = 0;

	if (!*n)
		return;
	qsort(v, *n, sizeof(*v), cmp_pfile);
	for (i = 1; i < *n; i++) {
		if (!strcmp(v[o].path, v[i].path)) {
			if (!v[o].md5[0])
				memcpy(v[o].md5, v[i].md5, sizeof(v[o].md5));
			if (!v[o].sha256[0])
				memcpy(v[o].sha256, v[i].sha256, sizeof(v[o].sha256));
			v[o].conffile |= v[i].conffile;
			free(v[i].path);
			continue;
		}
		v[++o] = v[i];
	}
	*n = o + 1;
}
