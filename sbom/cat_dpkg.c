/* The dpkg cataloger (catalog.h): var/lib/dpkg/status and status.d/ (distroless), owned
 * files from info/<pkg>[:arch].md5sums and .conffiles, licences from
 * usr/share/doc/<pkg>/copyright. Semantics as in sbom.md §1.2 (syft) and §7.4. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "deb822.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define DPKG_DIR "var/lib/dpkg"
#define STATUS DPKG_DIR "/status"
#define STATUS_D DPKG_DIR "/status.d"
#define INFO DPKG_DIR "/info"
#define MAX_FIELD 4096

int sg_dpkg_wants(sg_walker *w, sg_error *e)
{
	int err;

	if ((err = sg_walker_want(w, STATUS, SG_DPKG_STATUS_MAX, SG_WANT_OBSERVE, e)) < 0 ||
	    (err = sg_walker_want(w, STATUS_D "/*", 0, SG_WANT_OBSERVE, e)) < 0 ||
	    (err = sg_walker_want(w, INFO "/*.md5sums", 0, 0, e)) < 0 ||
	    (err = sg_walker_want(w, INFO "/*.conffiles", 0, 0, e)) < 0 ||
	    (err = sg_walker_want(w, "usr/share/doc/*/copyright", 0, 0, e)) < 0)
		return err;
	return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* A status.d entry that is a package's control stanza (not its md5sums or conffiles). */
static int statusd_entry(const char *name)
{
	return name[0] != '.' && !has_suffix(name, ".md5sums") && !has_suffix(name, ".conffiles");
}

/* ---- one stanza ---- */

struct ent {
	const char *name, *version, *arch;
	int installed;
};

static int charset_ok(const char *s, const char *extra, int first_alnum)
{
	size_t i;

	if (!s || !*s || strlen(s) > MAX_FIELD)
		return 0;
	if (first_alnum && !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
			return 0;
	return 1;
}

/* Fills ent from a paragraph. 1: a package entry (installed or not), 0: not one, with why
 * set. The status' third word must be "installed" (want install or hold alike); distroless
 * status.d stanzas have no Status at all and are installed by construction. */
static int stanza(struct ent *ent, const sg_d822_para *p, const char **why)
{
	const char *status = sg_d822_get(p, "Status"), *third;

	memset(ent, 0, sizeof(*ent));
	ent->name = sg_d822_get(p, "Package");
	ent->version = sg_d822_get(p, "Version");
	ent->arch = sg_d822_get(p, "Architecture");
	if (status) {
		third = strrchr(status, ' ');
		if (!third || strcmp(third + 1, "installed") || strchr(status, '\n'))
			return 1; /* not installed: purged entries may lack even a Version */
	}
	if (!ent->name || !ent->version) {
		*why = "no Package or Version field";
		return 0;
	}
	/* Debian policy 5.6.1 (names), 5.6.12 (versions); lower case only in names */
	if (!charset_ok(ent->name, "+-.", 1) || strpbrk(ent->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
		*why = "invalid package name";
		return 0;
	}
	if (!charset_ok(ent->version, ".+~:-", 1)) {
		*why = "invalid version";
		return 0;
	}
	if (ent->arch && *ent->arch && !charset_ok(ent->arch, "-", 1)) {
		*why = "invalid architecture";
		return 0;
	}
	if (ent->arch && !*ent->arch)
		ent->arch = NULL;
	ent->installed = 1;
	return 1;
}

static char *ent_key(const struct ent *ent)
{
	return sg_strprintf("%s\t%s\t%s", ent->name, ent->arch ? ent->arch : "", ent->version);
}

/* ---- history: which layer introduced a package version ---- */

struct sg_dpkg_hist {
	sg_hkey *snap;  /* the status file of the latest layer that had one, sorted */
	size_t nsnap;
	sg_hkey *seen;  /* status.d stanzas, first layer each was seen in */
	size_t nseen;
	int failed;
};

int sg_dpkg_hist_new(sg_dpkg_hist **out, sg_error *e)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

void sg_dpkg_hist_free(sg_dpkg_hist *h)
{
	if (!h)
		return;
	sg_hkeys_free(h->snap, h->nsnap);
	sg_hkeys_free(h->seen, h->nseen);
	free(h);
}

static const sg_hkey *hist_find(const sg_hkey *k, size_t n, const char *key, int sorted)
{
	size_t i;

	if (sorted)
		return sg_hkeys_find(k, n, key);
	for (i = 0; i < n; i++)
		if (!strcmp(k[i].key, key))
			return &k[i];
	return NULL;
}

/* The keys of the installed packages in one status text. */
static int status_keys(sg_hkey **out, size_t *n, const unsigned char *data, size_t len,
		       size_t layer)
{
	const char *pos = (const char *)data, *end = pos + len, *why;
	sg_d822_para p = { 0 };
	sg_hkey *k = NULL, *grown;
	size_t nk = 0, lineno = 0;
	struct ent ent;
	int err = 0;

	for (;;) {
		if ((err = sg_d822_next(&p, &pos, end, &lineno, NULL)) < 0)
			break;
		if (!p.n && !p.bad)
			break;
		if (stanza(&ent, &p, &why) != 1 || !ent.installed)
			continue;
		if (!(grown = realloc(k, (nk + 1) * sizeof(*grown)))) {
			err = SG_ERROR;
			break;
		}
		k = grown;
		k[nk].layer = layer;
		if (!(k[nk].key = ent_key(&ent))) {
			err = SG_ERROR;
			break;
		}
		nk++;
	}
	sg_d822_clear(&p);
	if (err < 0) {
		sg_hkeys_free(k, nk);
		return err;
	}
	*out = k;
	*n = nk;
	return 0;
}

void sg_dpkg_hist_observe(void *arg, const char *path, size_t layer, const unsigned char *data,
			  size_t len)
{
	sg_dpkg_hist *h = arg;
	sg_hkey *k = NULL, *grown;
	const sg_hkey *old;
	size_t n = 0, i;

	if (h->failed)
		return;
	if (!strcmp(path, STATUS)) {
		/* a package keeps the layer it was first listed in while every later status
		 * file still lists the same version */
		if (status_keys(&k, &n, data, len, layer) < 0)
			goto fail;
		for (i = 0; i < n; i++)
			if ((old = hist_find(h->snap, h->nsnap, k[i].key, 1)))
				k[i].layer = old->layer;
		sg_hkeys_sort(k, n);
		sg_hkeys_free(h->snap, h->nsnap);
		h->snap = k;
		h->nsnap = n;
		return;
	}
	if (strncmp(path, STATUS_D "/", sizeof(STATUS_D)) || !statusd_entry(path + sizeof(STATUS_D)))
		return;
	if (status_keys(&k, &n, data, len, layer) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (hist_find(h->seen, h->nseen, k[i].key, 0))
			continue;
		if (!(grown = realloc(h->seen, (h->nseen + 1) * sizeof(*grown))))
			goto fail;
		h->seen = grown;
		h->seen[h->nseen++] = k[i];
		k[i].key = NULL;
	}
	sg_hkeys_free(k, n);
	return;
fail:
	sg_hkeys_free(k, n);
	h->failed = 1;
}

static size_t introduced(const sg_dpkg_hist *h, const struct ent *ent, int statusd,
			 size_t fallback)
{
	const sg_hkey *k;
	char *key;

	if (!h || h->failed || !(key = ent_key(ent)))
		return fallback;
	k = statusd ? hist_find(h->seen, h->nseen, key, 0) : hist_find(h->snap, h->nsnap, key, 1);
	free(key);
	return k && k->layer <= fallback ? k->layer : fallback;
}

/* ---- owned files ---- */

struct files {
	sg_pfile *v;
	size_t n;
};

static int add_file(struct files *f, const char *path, size_t len, const char *md5, int conf)
{
	char norm[SG_WALK_PATH_MAX];
	sg_pfile *grown;
	size_t o = 0;

	while (len && (*path == '/' || (*path == '.' && len > 1 && path[1] == '/'))) {
		path++;
		len--;
	}
	while (len && (path[len - 1] == ' ' || path[len - 1] == '\r' || path[len - 1] == '\t'))
		len--;
	if (!len || len >= sizeof(norm) || memchr(path, '\0', len))
		return 0;
	memcpy(norm, path, len);
	norm[len] = '\0';
	if (!strncmp(norm, "../", 3) || strstr(norm, "/../") || has_suffix(norm, "/.."))
		return 0;
	if (!(grown = realloc(f->v, (f->n + 1) * sizeof(*grown))))
		return SG_ERROR;
	f->v = grown;
	memset(&grown[f->n], 0, sizeof(grown[f->n]));
	if (!(grown[f->n].path = strdup(norm)))
		return SG_ERROR;
	if (md5)
		for (o = 0; o < 32; o++)
			grown[f->n].md5[o] = (char)tolower((unsigned char)md5[o]);
	grown[f->n].conffile = conf;
	f->n++;
	return 0;
}

static int is_md5(const char *s, size_t len)
{
	size_t i;

	if (len < 32)
		return 0;
	for (i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return len == 32 || s[32] == ' ' || s[32] == '\t';
}

/* "<md5>  <path>" lines; returns the number of lines that were not. */
static int parse_md5sums(struct files *f, const char *text, size_t len, size_t *bad)
{
	const char *p = text, *end = text + len, *nl, *q;

	for (; p < end; p = nl < end ? nl + 1 : end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (p == nl)
			continue;
		if (!is_md5(p, (size_t)(nl - p))) {
			(*bad)++;
			continue;
		}
		for (q = p + 32; q < nl && (*q == ' ' || *q == '*'); q++)
			;
		if (add_file(f, q, (size_t)(nl - q), p, 0) < 0)
			return SG_ERROR;
	}
	return 0;
}

/* info/<pkg>.conffiles: "[flags ...] /path" per line. */
static int parse_conffiles(struct files *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *slash;

	for (; p < end; p = nl < end ? nl + 1 : end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		for (slash = p; slash < nl && !(*slash == '/' && (slash == p || slash[-1] == ' '));
		     slash++)
			;
		if (slash < nl && add_file(f, slash, (size_t)(nl - slash), NULL, 1) < 0)
			return SG_ERROR;
	}
	return 0;
}

/* The status stanza's Conffiles: " /path md5 [obsolete|...]" lines. */
static int parse_conffiles_field(struct files *f, const char *v)
{
	const char *p = v, *nl, *sp, *md5;

	for (; *p; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		p += strspn(p, " \t");
		if (*p != '/' || p >= nl)
			continue;
		sp = p + strcspn(p, " \t\n");
		md5 = sp + strspn(sp, " \t");
		if (md5 > nl || !is_md5(md5, (size_t)(nl - md5)))
			md5 = NULL;
		if (add_file(f, p, (size_t)(sp - p), md5, 1) < 0)
			return SG_ERROR;
	}
	return 0;
}

/* ---- the package ---- */

struct db {
	sg_catalog *c;
	const sg_walker *w;
	const sg_dpkg_hist *hist;
	sg_warn_fn warn;
	void *arg;
	const char *path;    /* the DB file (real path) */
	size_t layer;
	const char *infodir; /* where md5sums and conffiles live */
	int statusd;
	const char *ns;      /* purl namespace, or NULL */
	const char *distro;  /* purl distro qualifier, or NULL */
};

static int add_evidence(sg_pkg *p, const char *path)
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

/* Reads a companion file (md5sums, conffiles, copyright). 1 read, 0 absent, <0 OOM. */
static int companion(const struct db *d, const char *path, const unsigned char **data,
		     size_t *len, char **real)
{
	sg_error le = { 0 };
	sg_wstat st;
	int err;

	*real = NULL;
	err = sg_walker_read(d->w, path, data, len, NULL, &le);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err == SG_ERROR)
		return err;
	if (err < 0) {
		sg_warnf(d->warn, d->arg, "dpkg: %s", le.msg);
		return 0;
	}
	if (sg_walker_stat(d->w, path, 1, &st, real, &le) < 0)
		return SG_ERROR;
	return 1;
}

static int owned_files(sg_pkg *p, const struct db *d, const sg_d822_para *para)
{
	static const char *const exts[] = { ".md5sums", ".conffiles" };
	struct files f = { NULL, 0 };
	const unsigned char *data;
	const char *cf = sg_d822_get(para, "Conffiles");
	char *path = NULL, *real = NULL;
	size_t len, bad, i, a;
	int err = 0, r;

	for (i = 0; i < 2 && !err; i++) {
		for (a = (p->arch && strcmp(p->arch, "all")) ? 0 : 1; a < 2; a++) {
			free(path);
			if (!(path = a ? sg_strprintf("%s/%s%s", d->infodir, p->name, exts[i])
				       : sg_strprintf("%s/%s:%s%s", d->infodir, p->name, p->arch,
						      exts[i]))) {
				err = SG_ERROR;
				break;
			}
			if ((r = companion(d, path, &data, &len, &real)) < 0) {
				err = r;
				break;
			}
			if (!r)
				continue;
			bad = 0;
			err = i ? parse_conffiles(&f, (const char *)data, len)
				: parse_md5sums(&f, (const char *)data, len, &bad);
			if (bad)
				sg_warnf(d->warn, d->arg, "dpkg: %s: %zu line(s) not \"<md5>  <path>\"; ignored",
					 real, bad);
			if (!err)
				err = add_evidence(p, real);
			free(real);
			real = NULL;
			break;
		}
	}
	if (!err && cf)
		err = parse_conffiles_field(&f, cf);
	sg_pfiles_finish(f.v, &f.n);
	p->files = f.v;
	p->nfiles = f.n;
	free(path);
	free(real);
	return err;
}

static int licence(sg_pkg *p, const struct db *d)
{
	const unsigned char *data;
	char *path, *real = NULL;
	sg_error le = { 0 };
	size_t len;
	int r;

	if (!(path = sg_strprintf("usr/share/doc/%s/copyright", p->name)))
		return SG_ERROR;
	r = companion(d, path, &data, &len, &real);
	free(path);
	if (r <= 0)
		return r;
	if (sg_license_from_copyright(&p->license, &d->c->refs, &d->c->nrefs, (const char *)data,
				      len, &le) < 0 || add_evidence(p, real) < 0)
		r = SG_ERROR;
	free(real);
	return r < 0 ? r : 0;
}

/* "Name <email>" -> "Person: Name (email)", SPDX's agent syntax. */
static char *supplier(const char *m)
{
	const char *lt = strchr(m, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	size_t n;

	if (!lt || !gt)
		return sg_strprintf("Person: %.*s", (int)strcspn(m, "\n"), m);
	for (n = (size_t)(lt - m); n && m[n - 1] == ' '; n--)
		;
	return sg_strprintf("Person: %.*s (%.*s)", (int)n, m, (int)(gt - lt - 1), lt + 1);
}

static int make_purl(sg_pkg *p, const struct db *d)
{
	sg_buf b = SG_BUF_INIT(8192);
	int err = sg_buf_puts(&b, "pkg:deb/");
	char *up = NULL;

	if (!err && d->ns && !(err = sg_purl_escape(&b, d->ns)))
		err = sg_buf_puts(&b, "/");
	if (!err && !(err = sg_purl_escape(&b, p->name)) && !(err = sg_buf_puts(&b, "@")))
		err = sg_purl_escape(&b, p->version);
	/* qualifiers in key order: arch, distro, upstream (syft's extra, for matchers) */
	if (!err && p->arch && !(err = sg_buf_puts(&b, "?arch=")))
		err = sg_purl_escape(&b, p->arch);
	if (!err && d->distro && !(err = sg_buf_puts(&b, p->arch ? "&distro=" : "?distro=")))
		err = sg_purl_escape(&b, d->distro);
	if (!err && p->source) {
		up = p->source_version ? sg_strprintf("%s@%s", p->source, p->source_version)
				       : strdup(p->source);
		if (!up || (err = sg_buf_puts(&b, (p->arch || d->distro) ? "&upstream=" : "?upstream=")) ||
		    (err = sg_purl_escape(&b, up)))
			err = SG_ERROR;
	}
	free(up);
	if (!err)
		p->purl = (char *)sg_buf_detach(&b, NULL);
	sg_buf_release(&b);
	return err < 0 ? SG_ERROR : 0;
}

/* "Source: name (version)" */
static int source(sg_pkg *p, const char *src)
{
	size_t n = strcspn(src, " (");
	const char *open = strchr(src, '('), *close = open ? strchr(open, ')') : NULL;

	if (!n)
		return 0;
	if (!(p->source = strndup(src, n)))
		return SG_ERROR;
	if (open && close && close > open + 1 &&
	    !(p->source_version = strndup(open + 1, (size_t)(close - open - 1))))
		return SG_ERROR;
	return 0;
}

static int find_pkg(const sg_catalog *c, const struct ent *ent)
{
	size_t i;

	for (i = 0; i < c->npkgs; i++) {
		const sg_pkg *p = &c->pkgs[i];

		if (!strcmp(p->name, ent->name) && !strcmp(p->version, ent->version) &&
		    !strcmp(p->arch ? p->arch : "", ent->arch ? ent->arch : ""))
			return 1;
	}
	return 0;
}

static int package(const struct db *d, const struct ent *ent, const sg_d822_para *para)
{
	sg_catalog *c = d->c;
	const char *v;
	sg_pkg p = { 0 }, *grown;
	int err = SG_ERROR;

	if (!(p.type = strdup("deb")) || !(p.name = strdup(ent->name)) ||
	    !(p.version = strdup(ent->version)) || (ent->arch && !(p.arch = strdup(ent->arch))))
		goto done;
	if ((v = sg_d822_get(para, "Source")) && source(&p, v) < 0)
		goto done;
	if ((v = sg_d822_get(para, "Maintainer")) && *v && !(p.supplier = supplier(v)))
		goto done;
	if ((v = sg_d822_get(para, "Description")) && *v &&
	    !(p.description = strndup(v, strcspn(v, "\n"))))
		goto done;
	if (add_evidence(&p, d->path) < 0 || (err = owned_files(&p, d, para)) < 0 ||
	    (err = licence(&p, d)) < 0 || (err = make_purl(&p, d)) < 0)
		goto done;
	p.evidence_layer = d->layer;
	p.introduced_layer = introduced(d->hist, ent, d->statusd, d->layer);
	err = SG_ERROR;
	if (!(grown = realloc(c->pkgs, (c->npkgs + 1) * sizeof(*grown))))
		goto done;
	c->pkgs = grown;
	c->pkgs[c->npkgs++] = p;
	memset(&p, 0, sizeof(p));
	err = 0;
done:
	sg_pkg_release(&p);
	return err;
}

static int parse_db(const struct db *d, const unsigned char *data, size_t len, sg_error *e)
{
	const char *pos = (const char *)data, *end = pos + len, *why;
	sg_d822_para para = { 0 };
	size_t lineno = 0;
	struct ent ent;
	int err = 0;

	for (;;) {
		if ((err = sg_d822_next(&para, &pos, end, &lineno, e)) < 0)
			break;
		if (!para.n && !para.bad)
			break;
		if (para.bad)
			sg_warnf(d->warn, d->arg, "dpkg: %s (layer %zu): line %zu: %zu line(s) that are not "
			      "fields; ignored", d->path, d->layer, para.line, para.bad);
		if (stanza(&ent, &para, &why) != 1) {
			if (para.n)
				sg_warnf(d->warn, d->arg, "dpkg: %s (layer %zu): line %zu: %s; entry skipped",
				      d->path, d->layer, para.line, why);
			continue;
		}
		if (!ent.installed || find_pkg(d->c, &ent))
			continue;
		if ((err = package(d, &ent, &para)) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			break;
		}
	}
	sg_d822_clear(&para);
	return err;
}

/* Reads one DB file; absent is fine, unreadable (over its cap) is an error: the SBOM would
 * silently miss packages. */
static int read_db(struct db *d, const char *path, sg_error *e)
{
	const unsigned char *data;
	char *real = NULL;
	sg_wstat st;
	size_t len;
	int err;

	err = sg_walker_read(d->w, path, &data, &len, &d->layer, e);
	if (err == SG_ENOTFOUND) {
		sg_error_clear(e);
		return 0;
	}
	if (err < 0)
		return sg_err_prefix(e, "dpkg database");
	if ((err = sg_walker_stat(d->w, path, 1, &st, &real, e)) < 0)
		return err;
	d->path = real;
	err = parse_db(d, data, len, e);
	d->path = NULL;
	free(real);
	return err;
}

static int cmp_pkg(const void *a, const void *b)
{
	const sg_pkg *x = a, *y = b;
	int r;

	if ((r = strcmp(x->name, y->name)) || (r = strcmp(x->version, y->version)))
		return r;
	return strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const sg_licref *)a)->id, ((const sg_licref *)b)->id);
}

int sg_cat_dpkg(sg_catalog *c, const sg_walker *w, const sg_dpkg_hist *hist, sg_warn_fn warn,
		void *arg, sg_error *e)
{
	struct db d = { c, w, hist, warn, arg, NULL, 0, INFO, 0, NULL, NULL };
	char **names = NULL, *path = NULL;
	size_t n = 0, i;
	int err;

	if (sg_os_is_debian_like(&c->os))
		d.ns = c->os.id;
	if (c->os.found && !(d.distro = sg_os_distro(&c->os)) && c->os.version_id) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = read_db(&d, STATUS, e)) < 0 ||
	    (err = sg_walker_list(w, STATUS_D, &names, &n, e)) < 0)
		goto done;
	d.statusd = 1;
	d.infodir = STATUS_D;
	for (i = 0; i < n; i++) {
		if (!statusd_entry(names[i]))
			continue;
		free(path);
		if (!(path = sg_strprintf("%s/%s", STATUS_D, names[i]))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		if ((err = read_db(&d, path, e)) < 0)
			goto done;
	}
	if (c->npkgs)
		qsort(c->pkgs, c->npkgs, sizeof(*c->pkgs), cmp_pkg);
	if (c->nrefs)
		qsort(c->refs, c->nrefs, sizeof(*c->refs), cmp_ref);
done:
	free(path);
	free((char *)d.distro);
	sg_strv_free(names, n);
	return err;
}

/* ---- release ---- */

void sg_pkg_release(sg_pkg *p)
{
	size_t i;

	free(p->type);
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->source);
	free(p->source_version);
	free(p->supplier);
	free(p->description);
	free(p->purl);
	free(p->license);
	for (i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].seen);
	}
	free(p->files);
	sg_strv_free(p->evidence, p->nevidence);
	free(p->deps);
	memset(p, 0, sizeof(*p));
}

void sg_catalog_release(sg_catalog *c)
{
	size_t i;

	sg_os_release(&c->os);
	for (i = 0; i < c->npkgs; i++)
		sg_pkg_release(&c->pkgs[i]);
	free(c->pkgs);
	sg_licrefs_free(c->refs, c->nrefs);
	memset(c, 0, sizeof(*c));
}
