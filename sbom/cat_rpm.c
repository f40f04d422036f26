/* The rpm cataloger (catalog.h): rpmdb.sqlite, whose Packages table holds one RPM header
 * blob per installed package (rpmhdr.h), read from the walker's buffer with
 * sqlite3_deserialize: no temp file, as syft and trivy make (sbom.md §1.2). The fields syft
 * reads: NAME, VERSION, RELEASE, EPOCH, ARCH, SOURCERPM, LICENSE, VENDOR, MODULARITYLABEL,
 * the file list. BerkeleyDB and ndb databases are not read (a warning says so).
 *
 * The database is untrusted: opened read-only from memory, with extensions, triggers and
 * views off, an untrusted schema, and a budget of VM steps (a hostile view or a deep
 * b-tree cannot hang the run); any sqlite error is a warning naming the layer and path. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "catalog.h"
#include "rpmhdr.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define DB_NAME "rpmdb.sqlite"
#define MAX_FIELD 4096
#define MAX_BAD 10 /* bad headers named one by one in a database; the rest are counted */

/* Where rpm keeps its database: Fedora >= 36 (var/lib/rpm is a symlink there), SUSE's
 * older place, and the classic one. */
static const char *const db_dirs[] = { "usr/lib/sysimage/rpm", "usr/share/rpm", "var/lib/rpm" };
static const char *const db_paths[] = { "usr/lib/sysimage/rpm/" DB_NAME,
					"usr/share/rpm/" DB_NAME, "var/lib/rpm/" DB_NAME };
#define NDIRS (sizeof(db_dirs) / sizeof(db_dirs[0]))

int sg_rpm_wants(sg_walker *w, sg_error *e)
{
	size_t i;
	int err;

	for (i = 0; i < NDIRS; i++)
		if ((err = sg_walker_want(w, db_paths[i], SG_RPM_DB_MAX, SG_WANT_OBSERVE, e)) < 0)
			return err;
	return 0;
}

static int is_db_path(const char *path)
{
	size_t i;

	for (i = 0; i < NDIRS; i++)
		if (!strcmp(path, db_paths[i]))
			return 1;
	return 0;
}

/* ---- sqlite, from memory ---- */

typedef int (*row_fn)(void *arg, const unsigned char *blob, size_t len, long long hnum);

static int progress(void *arg)
{
	unsigned *steps = arg;

	return ++*steps > SG_RPM_SQL_STEPS;
}

/* A read-only connection to the database in data: nothing on disk, nothing the schema
 * could run. A WAL-mode file (header bytes 18-19 = 2) cannot be opened from memory, so it
 * is copied with those bytes set to 1 (rollback journal): the same pages, read the same. */
static int db_open(sqlite3 **out, const unsigned char *data, size_t len, unsigned *steps,
		   sg_error *e)
{
	unsigned flags = SQLITE_DESERIALIZE_READONLY;
	unsigned char *buf = (unsigned char *)data; /* never written: READONLY */
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	if (len < 100 || memcmp(data, "SQLite format 3", 16) != 0)
		return sg_err(e, SG_EINVALID, "not an SQLite 3 database");
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return sg_err(e, SG_ERROR, "sqlite: cannot open an in-memory database");
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_progress_handler(db, 1000, progress, steps);
	if (data[18] == 2 || data[19] == 2) {
		if (!(buf = sqlite3_malloc64(len))) {
			sqlite3_close(db);
			return sg_err(e, SG_ERROR, "out of memory");
		}
		memcpy(buf, data, len);
		buf[18] = buf[19] = 1;
		flags |= SQLITE_DESERIALIZE_FREEONCLOSE; /* sqlite's now, even if this fails */
	}
	rc = sqlite3_deserialize(db, "main", buf, (sqlite3_int64)len, (sqlite3_int64)len, flags);
	if (rc != SQLITE_OK) {
		sg_err(e, rc == SQLITE_NOMEM ? SG_ERROR : SG_EINVALID, "sqlite: %s", sqlite3_errstr(rc));
		sqlite3_close(db);
		return e->code;
	}
	*out = db;
	return 0;
}

/* Calls fn for every row of Packages (blob NULL when the column is not a BLOB). SG_EINVALID
 * when sqlite cannot read the database; fn's error stops the walk and is returned. */
static int each_row(const unsigned char *data, size_t len, row_fn fn, void *arg, sg_error *e)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	unsigned steps = 0;
	int rc, err;

	if ((err = db_open(&db, data, len, &steps, e)) < 0)
		return err;
	rc = sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages", -1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		const unsigned char *b = NULL;
		size_t n = 0;

		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB) {
			b = sqlite3_column_blob(st, 1);
			n = (size_t)sqlite3_column_bytes(st, 1);
			if (!b && n) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		if ((err = fn(arg, b ? b : (const unsigned char *)"", b ? n : 0,
			      sqlite3_column_int64(st, 0))) < 0)
			goto done;
	}
	if (rc == SQLITE_DONE)
		err = 0;
	else if (rc == SQLITE_INTERRUPT || steps > SG_RPM_SQL_STEPS)
		err = sg_err(e, SG_EINVALID, "sqlite: more than %u000 steps; stopped", SG_RPM_SQL_STEPS);
	else
		err = sg_err(e, rc == SQLITE_NOMEM ? SG_ERROR : SG_EINVALID, "sqlite: %s",
			     sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return err;
}

/* ---- history ---- */

struct sg_rpm_hist {
	sg_hkey *snap;  /* the database of the latest layer that had one, sorted */
	size_t nsnap;
	sg_hkey *next;  /* the one being read */
	size_t nnext, cap;
	int failed;
};

int sg_rpm_hist_new(sg_rpm_hist **out, sg_error *e)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

void sg_rpm_hist_free(sg_rpm_hist *h)
{
	if (!h)
		return;
	sg_hkeys_free(h->snap, h->nsnap);
	sg_hkeys_free(h->next, h->nnext);
	free(h);
}

static const sg_hkey *hist_find(const sg_rpm_hist *h, const char *key)
{
	return sg_hkeys_find(h->snap, h->nsnap, key);
}

/* "name\tarch\t[epoch:]version-release" */
static char *info_key(const sg_rpm_info *i)
{
	char epoch[16] = "";

	if (i->has_epoch)
		snprintf(epoch, sizeof(epoch), "%u:", i->epoch);
	return sg_strprintf("%s\t%s\t%s%s-%s", i->name, i->arch ? i->arch : "", epoch, i->version,
			    i->release);
}

struct hist_read {
	sg_rpm_hist *h;
	size_t layer;
};

static int hist_row(void *arg, const unsigned char *blob, size_t len, long long hnum)
{
	struct hist_read *r = arg;
	sg_rpm_hist *h = r->h;
	const sg_hkey *old;
	sg_hkey *grown;
	sg_rpm_info info;
	sg_error le = { 0 };
	char *key;
	int err;

	(void)hnum;
	if ((err = sg_rpm_info_read(&info, blob, len, SG_RPM_NO_FILES, &le)) == SG_ERROR)
		return err;
	if (err < 0 || !strcmp(info.name, "gpg-pubkey")) {
		sg_rpm_info_release(&info);
		return 0; /* the cataloger warns about the final database's */
	}
	key = info_key(&info);
	sg_rpm_info_release(&info);
	if (key && h->nnext == h->cap) {
		if (!(grown = realloc(h->next, (h->cap ? h->cap * 2 : 256) * sizeof(*grown)))) {
			free(key);
			return SG_ERROR;
		}
		h->next = grown;
		h->cap = h->cap ? h->cap * 2 : 256;
	}
	if (!key)
		return SG_ERROR;
	grown = h->next;
	grown[h->nnext].key = key;
	/* a package keeps the layer it was first listed in while every later database still
	 * lists the same version */
	grown[h->nnext++].layer = (old = hist_find(h, key)) ? old->layer : r->layer;
	return 0;
}

void sg_rpm_hist_observe(void *arg, const char *path, size_t layer, const unsigned char *data,
			 size_t len)
{
	sg_rpm_hist *h = arg;
	struct hist_read r = { h, layer };
	sg_error le = { 0 };
	int err;

	if (h->failed || !is_db_path(path))
		return;
	err = each_row(data, len, hist_row, &r, &le);
	if (err == SG_ERROR) {
		h->failed = 1;
	} else if (!err) {
		if (h->nnext)
			sg_hkeys_sort(h->next, h->nnext);
		sg_hkeys_free(h->snap, h->nsnap);
		h->snap = h->next;
		h->nsnap = h->nnext;
	} else {
		sg_hkeys_free(h->next, h->nnext); /* unreadable: the last good one stays */
	}
	h->next = NULL;
	h->nnext = h->cap = 0;
}

/* ---- one package ---- */

struct db {
	sg_catalog *c;
	const sg_rpm_hist *hist;
	sg_warn_fn warn;
	void *arg;
	const char *path;    /* the database (real path) */
	size_t layer;
	const char *ns;      /* purl namespace, or NULL */
	const char *distro;  /* purl distro qualifier, or NULL */
	size_t bad;          /* headers skipped */
	size_t nfiles, pathbytes; /* owned files listed so far, against the caps */
	int capped;
};

/* printable ASCII without blanks (and without '-' in versions and releases, as rpm wants) */
static int token_ok(const char *s, const char *no, size_t max)
{
	size_t n = s ? strlen(s) : 0, i;

	if (!n || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr(no, s[i]))
			return 0;
	return 1;
}

/* Text for SPDX: the first line, controls as blanks, trimmed, at most max bytes (the JSON
 * writer replaces what is not UTF-8). Owned; NULL when empty (*oom set when out of memory). */
static char *text(const char *s, size_t max, int *oom)
{
	size_t n, i, b = 0;
	char *out;

	if (!s)
		return NULL;
	n = strcspn(s, "\r\n");
	if (n > max)
		n = max;
	if (!(out = strndup(s, n))) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
	while (out[b] == ' ')
		b++;
	memmove(out, out + b, n - b + 1);
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- licences ---- */

/* An operator word of the old Fedora style ("GPLv2+ and LGPLv2+", "(MIT or BSD)"). */
static const char *op_at(const char *p, size_t n)
{
	if (n == 3 && !strncasecmp(p, "and", 3))
		return "AND";
	if (n == 2 && !strncasecmp(p, "or", 2))
		return "OR";
	return NULL;
}

/* Ends the operand in term: the normaliser's name for it into out (refs NULL: a dry run). */
static int flush(sg_buf *out, sg_buf *term, int *want_operand, sg_licref **refs, size_t *nrefs)
{
	sg_licref *tmp = NULL;
	size_t ntmp = 0;
	sg_error le = { 0 };
	char *one = NULL;
	int err;

	if (!term->len)
		return 0;
	if (!*want_operand)
		return SG_EINVALID;
	if (sg_license_expr(&one, refs ? refs : &tmp, refs ? nrefs : &ntmp,
			    (const char *)term->data, &le) < 0)
		err = SG_ERROR;
	else if (!one)
		err = SG_EINVALID;
	else
		err = sg_buf_printf(out, strchr(one, ' ') ? "(%s)" : "%s", one);
	free(one);
	sg_licrefs_free(tmp, ntmp);
	sg_buf_reset(term);
	*want_operand = 0;
	return err;
}

/* LICENSE as names joined by and/or (any case) with parentheses, each name mapped by the
 * normaliser on its own (refs NULL: a dry run that only says whether the shape holds).
 * SG_EINVALID when the shape does not hold, SG_ERROR when out of memory. */
static int licence_terms(sg_buf *out, sg_licref **refs, size_t *nrefs, const char *l)
{
	sg_buf term = SG_BUF_INIT(MAX_FIELD + 1);
	const char *p = l, *w, *op;
	int depth = 0, want_operand = 1, err = 0;
	size_t n;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p) {
			err = flush(out, &term, &want_operand, refs, nrefs);
			break;
		}
		if (*p == '(' || *p == ')') {
			if ((err = flush(out, &term, &want_operand, refs, nrefs)) < 0)
				break;
			if ((*p == '(') != want_operand || (*p == ')' && !depth)) {
				err = SG_EINVALID;
				break;
			}
			depth += *p == '(' ? 1 : -1;
			err = sg_buf_append(out, p++, 1);
		} else {
			for (w = p; *p && *p != ' ' && *p != '\t' && *p != '(' && *p != ')'; p++)
				;
			n = (size_t)(p - w);
			if (!(op = op_at(w, n)))
				err = sg_buf_printf(&term, "%s%.*s", term.len ? " " : "", (int)n, w);
			else if ((err = flush(out, &term, &want_operand, refs, nrefs)) == 0 &&
				 !(err = want_operand ? SG_EINVALID : 0)) {
				err = sg_buf_printf(out, " %s ", op);
				want_operand = 1;
			}
		}
		if (err < 0)
			break;
	}
	if (!err && (want_operand || depth))
		err = SG_EINVALID;
	sg_buf_release(&term);
	return err == SG_ERROR ? SG_ERROR : err < 0 ? SG_EINVALID : 0; /* too long: as no shape */
}

/* LICENSE: a valid SPDX expression or a known name as the normaliser gives it; else the
 * old Fedora style, each name mapped on its own ("GPLv2+ and ASL 2.0" -> "GPL-2.0-or-later
 * AND Apache-2.0", unknown names as LicenseRef-); else one LicenseRef- for the whole. */
static int licence(char **out, sg_catalog *c, const char *l)
{
	sg_licref *tmp = NULL;
	size_t ntmp = 0;
	sg_buf b = SG_BUF_INIT(1u << 16);
	sg_error le = { 0 };
	char *x = NULL;
	int err;

	*out = NULL;
	if ((err = sg_license_expr(&x, &tmp, &ntmp, l, &le)) < 0)
		goto done;
	if (x && !ntmp) {
		*out = x;
		x = NULL;
		goto done;
	}
	if (strlen(l) <= MAX_FIELD && (err = licence_terms(&b, NULL, NULL, l)) != SG_EINVALID) {
		if (!err) { /* the shape holds: again, recording the LicenseRefs */
			sg_buf_reset(&b);
			if ((err = licence_terms(&b, &c->refs, &c->nrefs, l)) == 0 &&
			    !(*out = (char *)sg_buf_detach(&b, NULL)))
				err = SG_ERROR;
		}
		goto done;
	}
	err = sg_license_expr(out, &c->refs, &c->nrefs, l, &le);
done:
	sg_licrefs_free(tmp, ntmp);
	sg_buf_release(&b);
	free(x);
	return err < 0 ? SG_ERROR : 0;
}

/* ---- the package ---- */

static int make_purl(sg_pkg *p, const struct db *d, const sg_rpm_info *i)
{
	sg_buf b = SG_BUF_INIT(MAX_FIELD * 4);
	const char *sep = "?";
	int err = sg_buf_puts(&b, "pkg:rpm/");

	if (!err && d->ns && !(err = sg_purl_escape(&b, d->ns)))
		err = sg_buf_puts(&b, "/");
	/* purl-spec rpm: version-release as the version, the epoch a qualifier; qualifiers in
	 * key order */
	if (!err && !(err = sg_purl_escape(&b, i->name)) && !(err = sg_buf_puts(&b, "@")) &&
	    !(err = sg_purl_escape(&b, i->version)) && !(err = sg_buf_puts(&b, "-")))
		err = sg_purl_escape(&b, i->release);
	if (!err && p->arch && !(err = sg_buf_printf(&b, "%sarch=", sep))) {
		err = sg_purl_escape(&b, p->arch);
		sep = "&";
	}
	if (!err && d->distro && !(err = sg_buf_printf(&b, "%sdistro=", sep))) {
		err = sg_purl_escape(&b, d->distro);
		sep = "&";
	}
	if (!err && i->has_epoch) {
		err = sg_buf_printf(&b, "%sepoch=%u", sep, i->epoch);
		sep = "&";
	}
	if (!err && token_ok(i->modularitylabel, "", MAX_FIELD) &&
	    !(err = sg_buf_printf(&b, "%smodularitylabel=", sep))) {
		err = sg_purl_escape(&b, i->modularitylabel);
		sep = "&";
	}
	if (!err && p->source && !(err = sg_buf_printf(&b, "%supstream=", sep)))
		err = sg_purl_escape(&b, p->source);
	if (!err && !(p->purl = (char *)sg_buf_detach(&b, NULL)))
		err = SG_ERROR;
	sg_buf_release(&b);
	return err < 0 ? SG_ERROR : 0;
}

/* A path as the image has it: relative, no "." or ".." component, not too long. */
static int path_ok(const char *s)
{
	const char *c = s;
	size_t n = strlen(s), k;

	if (!n || n >= SG_WALK_PATH_MAX)
		return 0;
	for (;;) {
		k = strcspn(c, "/");
		if (!k || (k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[k])
			return 1;
		c += k + 1;
	}
}

/* Regular files only (rpm also lists its directories, symlinks and %ghost files, which are
 * no content of the package), sorted, each once; within the database's caps. */
static int owned_files(sg_pkg *p, struct db *d, sg_rpm_info *i)
{
	sg_pfile *f;
	size_t k;

	if (!i->nfiles)
		return 0;
	if (!(p->files = calloc(i->nfiles, sizeof(*p->files))))
		return SG_ERROR;
	for (k = 0; k < i->nfiles; k++) {
		const sg_rpm_file *r = &i->files[k];
		size_t n = strlen(r->path);

		if ((r->mode && !S_ISREG(r->mode)) || (r->flags & SG_RPMFILE_GHOST) || !path_ok(r->path))
			continue;
		if (d->nfiles >= SG_RPM_DB_FILES_MAX || d->pathbytes + n > SG_RPM_DB_PATHS_MAX) {
			if (!d->capped++)
				sg_warnf(d->warn, d->arg, "rpm: %s (layer %zu): more than %u owned files or "
					 "%u bytes of their paths; the rest are not listed", d->path,
					 d->layer, SG_RPM_DB_FILES_MAX, SG_RPM_DB_PATHS_MAX);
			break;
		}
		f = &p->files[p->nfiles++];
		f->path = i->files[k].path; /* taken */
		i->files[k].path = NULL;
		if (i->digest_algo == 1 && strlen(r->digest) == 32)
			memcpy(f->md5, r->digest, 33);
		else if (i->digest_algo == 8 && strlen(r->digest) == 64)
			memcpy(f->sha256, r->digest, 65);
		d->nfiles++;
		d->pathbytes += n;
	}
	sg_pfiles_finish(p->files, &p->nfiles);
	return 0;
}

static int find_pkg(const sg_catalog *c, const sg_pkg *p)
{
	size_t i;

	for (i = 0; i < c->npkgs; i++)
		if (!strcmp(c->pkgs[i].type, "rpm") && !strcmp(c->pkgs[i].name, p->name) &&
		    !strcmp(c->pkgs[i].version, p->version) &&
		    !strcmp(c->pkgs[i].arch ? c->pkgs[i].arch : "", p->arch ? p->arch : ""))
			return 1;
	return 0;
}

static int arch_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return i > 0 && i <= 64;
}

static void bad_header(struct db *d, long long hnum, const char *why)
{
	if (++d->bad <= MAX_BAD)
		sg_warnf(d->warn, d->arg, "rpm: %s (layer %zu): package %lld: %s; skipped", d->path,
			 d->layer, hnum, why);
}

/* Why the header's identity cannot be used, or NULL. */
static const char *invalid(const sg_rpm_info *i)
{
	if (!token_ok(i->name, "/", 256))
		return "invalid NAME";
	if (!token_ok(i->version, "-/", 256))
		return "invalid VERSION";
	if (!token_ok(i->release, "-/", 256))
		return "invalid RELEASE";
	if (i->arch && !arch_ok(i->arch))
		return "invalid ARCH";
	return NULL;
}

static int fill(sg_pkg *p, struct db *d, sg_rpm_info *i)
{
	const sg_hkey *k;
	char epoch[16] = "", *v = NULL, *key;
	int oom = 0;

	if (i->has_epoch)
		snprintf(epoch, sizeof(epoch), "%u:", i->epoch);
	if (!(p->type = strdup("rpm")) || !(p->name = strdup(i->name)) ||
	    !(p->version = sg_strprintf("%s%s-%s", epoch, i->version, i->release)) ||
	    (i->arch && !(p->arch = strdup(i->arch))) ||
	    (token_ok(i->sourcerpm, "", MAX_FIELD) && !(p->source = strdup(i->sourcerpm))))
		return SG_ERROR;
	p->description = text(i->summary, MAX_FIELD, &oom);
	if ((v = text(i->vendor, 256, &oom)) && !(p->supplier = sg_strprintf("Organization: %s", v)))
		oom = 1;
	free(v);
	if (oom || (i->license && licence(&p->license, d->c, i->license) < 0) ||
	    sg_pkg_add_evidence(p, d->path) < 0 || owned_files(p, d, i) < 0 ||
	    make_purl(p, d, i) < 0)
		return SG_ERROR;
	p->evidence_layer = p->introduced_layer = d->layer;
	if (d->hist && !d->hist->failed) {
		if (!(key = info_key(i)))
			return SG_ERROR;
		if ((k = hist_find(d->hist, key)) && k->layer < d->layer)
			p->introduced_layer = k->layer;
		free(key);
	}
	return 0;
}

/* 0 added or skipped (with a warning), <0 out of memory. */
static int package(void *arg, const unsigned char *blob, size_t len, long long hnum)
{
	struct db *d = arg;
	sg_rpm_info info;
	sg_error le = { 0 };
	sg_pkg p = { 0 };
	const char *why;
	int err;

	if (!len) {
		bad_header(d, hnum, "no header blob");
		return 0;
	}
	if ((err = sg_rpm_info_read(&info, blob, len, 0, &le)) < 0) {
		if (err == SG_ERROR)
			return err;
		bad_header(d, hnum, le.msg);
		return 0;
	}
	err = 0;
	if (!strcmp(info.name, "gpg-pubkey")) /* an imported key, not a package (syft, trivy) */
		goto done;
	if ((why = invalid(&info))) {
		bad_header(d, hnum, why);
		goto done;
	}
	if ((err = fill(&p, d, &info)) < 0)
		goto done;
	if (!find_pkg(d->c, &p))
		err = sg_catalog_add(d->c, &p);
done:
	sg_pkg_release(&p);
	sg_rpm_info_release(&info);
	return err;
}

/* ---- the databases ---- */

/* syft's purl namespace: the OS ID, lower case; rhel -> redhat, opensuse-* -> opensuse. */
static void namespace(char ns[64], const sg_os *os)
{
	size_t i;

	ns[0] = '\0';
	if (!os->found || !os->id || !os->id[0] || strlen(os->id) >= 64)
		return;
	for (i = 0; os->id[i]; i++)
		ns[i] = (char)tolower((unsigned char)os->id[i]);
	ns[i] = '\0';
	if (!strcmp(ns, "rhel"))
		memcpy(ns, "redhat", 7);
	else if (!strncmp(ns, "opensuse", 8))
		ns[8] = '\0';
}

/* d for catalogue c: the purl namespace in ns, the distro qualifier in *distro (owned, NULL
 * when the OS has none). */
static int db_init(struct db *d, char ns[64], char **distro, sg_catalog *c, sg_warn_fn warn,
		   void *arg, sg_error *e)
{
	memset(d, 0, sizeof(*d));
	d->c = c;
	d->warn = warn;
	d->arg = arg;
	namespace(ns, &c->os);
	d->ns = ns[0] ? ns : NULL;
	*distro = NULL;
	if (c->os.found && !(*distro = sg_os_distro(&c->os)) && c->os.version_id)
		return sg_err(e, SG_ERROR, "out of memory");
	d->distro = *distro;
	return 0;
}

static int read_db(struct db *d, const sg_walker *w, const char *path, sg_error *e)
{
	const unsigned char *data;
	sg_error le = { 0 };
	size_t len;
	int err;

	err = sg_walker_read(w, path, &data, &len, &d->layer, &le);
	if (err == SG_ENOTFOUND || err == SG_ETOOBIG)
		return 0; /* over its cap: the walker said so, naming the layer */
	if (err < 0)
		return err == SG_ERROR ? sg_err(e, SG_ERROR, "%s", le.msg) : 0;
	d->path = path;
	d->bad = 0;
	err = each_row(data, len, package, d, &le);
	if (err == SG_ERROR)
		return sg_err(e, SG_ERROR, "out of memory");
	if (err < 0)
		sg_warnf(d->warn, d->arg, "rpm: %s (layer %zu): not read: %s", path, d->layer, le.msg);
	else if (d->bad > MAX_BAD)
		sg_warnf(d->warn, d->arg, "rpm: %s (layer %zu): %zu more bad package header(s) "
			 "skipped", path, d->layer, d->bad - MAX_BAD);
	return 0;
}

/* BerkeleyDB (RHEL <= 8, CentOS 7, Amazon Linux 2) and ndb (SUSE) are not read: say so
 * when one is in a directory without an rpmdb.sqlite. */
static int legacy(const struct db *d, const sg_walker *w)
{
	static const char *const kinds[][2] = { { "Packages", "a BerkeleyDB" },
						{ "Packages.db", "an ndb" } };
	char *path = NULL, *real = NULL, *seen[NDIRS * 2];
	size_t nseen = 0, i, k, s, layer;
	sg_error le = { 0 };
	sg_wstat st;
	int err = 0;

	for (i = 0; i < NDIRS && !err; i++) {
		for (k = 0; k < 2; k++) {
			free(path);
			if (!(path = sg_strprintf("%s/%s", db_dirs[i], kinds[k][0]))) {
				err = SG_ERROR;
				break;
			}
			sg_error_clear(&le);
			if ((err = sg_walker_stat(w, path, 1, &st, &real, &le)) == SG_ERROR)
				break;
			err = 0;
			if (!real || st.type != SG_WT_FILE)
				goto next;
			for (s = 0; s < nseen && strcmp(seen[s], real); s++)
				;
			if (s < nseen)
				goto next;
			seen[nseen++] = real;
			real = NULL;
			layer = st.layer;
			free(path);
			if (!(path = sg_strprintf("%s/%s", db_dirs[i], DB_NAME))) {
				err = SG_ERROR;
				break;
			}
			if (sg_walker_stat(w, path, 1, &st, NULL, &le) == 0 && st.type == SG_WT_FILE)
				continue; /* rpm reads the sqlite one: the other is a leftover */
			sg_warnf(d->warn, d->arg, "rpm: %s (layer %zu): %s rpm database, which is not "
				 "read yet: its packages are not listed", seen[nseen - 1], layer,
				 kinds[k][1]);
next:
			free(real);
			real = NULL;
		}
	}
	for (s = 0; s < nseen; s++)
		free(seen[s]);
	free(path);
	free(real);
	return err;
}

int sg_cat_rpm(sg_catalog *c, const sg_walker *w, const sg_rpm_hist *hist, sg_warn_fn warn,
	       void *arg, sg_error *e)
{
	struct db d;
	char ns[64], *distro, **paths = NULL;
	size_t n = 0, i;
	int err;

	if ((err = db_init(&d, ns, &distro, c, warn, arg, e)) < 0)
		return err;
	d.hist = hist;
	/* each database once, by the path it resolves to (var/lib/rpm -> usr/lib/sysimage/rpm) */
	if ((err = sg_gather(&paths, &n, w, db_paths, NDIRS, e)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if ((err = read_db(&d, w, paths[i], e)) < 0)
			goto done;
	if (legacy(&d, w) < 0)
		err = sg_err(e, SG_ERROR, "out of memory");
done:
	sg_strv_free(paths, n);
	free(distro);
	return err;
}

int sg_rpm_add_header(sg_catalog *c, const unsigned char *blob, size_t len, const char *db,
		      size_t layer, sg_warn_fn warn, void *arg, sg_error *e)
{
	struct db d;
	char ns[64], *distro;
	int err;

	if ((err = db_init(&d, ns, &distro, c, warn, arg, e)) < 0)
		return err;
	d.path = db;
	d.layer = layer;
	if ((err = package(&d, blob, len, 0)) < 0)
		err = sg_err(e, SG_ERROR, "out of memory");
	free(distro);
	return err;
}
