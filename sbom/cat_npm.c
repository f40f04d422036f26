/* The npm cataloger (catalog.h): the package.json of every package root, under any
 * node_modules/ and in Debian's nodejs directories. Only package roots: a package's
 * sub-path stubs (node_modules/rxjs/ajax/package.json) and test fixtures are not
 * packages, which syft reports and trivy skips (sbom.md §1.2). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define MAX_NAME 214      /* npm's own limit */
#define MAX_VERSION 256
#define MAX_DESCRIPTION 1024
#define MAX_LICENSES 16

static const char *const patterns[] = {
	"**/node_modules/*/package.json",
	"**/node_modules/@*/*/package.json",
	"usr/share/nodejs/*/package.json",
	"usr/share/nodejs/@*/*/package.json",
	"usr/lib/nodejs/*/package.json",
	"usr/lib/nodejs/@*/*/package.json",
	"usr/lib/*/nodejs/*/package.json",
	"usr/lib/*/nodejs/@*/*/package.json",
};
#define NPATTERNS (sizeof(patterns) / sizeof(patterns[0]))

int sg_npm_wants(sg_walker *w, sg_error *e)
{
	size_t i;
	int err;

	for (i = 0; i < NPATTERNS; i++)
		if ((err = sg_walker_want(w, patterns[i], SG_NPM_PACKAGE_JSON_MAX, SG_WANT_OBSERVE,
					  e)) < 0)
			return err;
	return 0;
}

struct run {
	sg_catalog *c;
	sg_warn_fn warn;
	void *arg;
	const char *path;
	size_t layer;
};

/* "name" or "@scope/name": no blanks or controls, one '/' exactly when scoped. */
static int valid_name(const char *s)
{
	size_t n = strlen(s), i;
	const char *slash = strchr(s, '/');

	if (!n || n > MAX_NAME || (s[0] == '@') != !!slash || (slash && strchr(slash + 1, '/')) ||
	    (slash && (slash == s + 1 || !slash[1])))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int valid_version(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > MAX_VERSION)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* pkg:npm/%40scope/name@version (purl spec: the scope's '@' is encoded). */
static char *make_purl(const char *name, const char *version)
{
	sg_buf b = SG_BUF_INIT(4096);
	const char *slash = strchr(name, '/');
	char *scope = slash ? strndup(name, (size_t)(slash - name)) : NULL;
	int err = sg_buf_puts(&b, "pkg:npm/");

	if (slash && !scope)
		err = SG_ERROR;
	if (!err && scope && !(err = sg_purl_escape(&b, scope)))
		err = sg_buf_puts(&b, "/");
	if (!err && !(err = sg_purl_escape(&b, slash ? slash + 1 : name)) &&
	    !(err = sg_buf_puts(&b, "@")))
		err = sg_purl_escape(&b, version);
	free(scope);
	if (err) {
		sg_buf_release(&b);
		return NULL;
	}
	return (char *)sg_buf_detach(&b, NULL);
}

/* One licence value: "MIT", "(MIT OR Apache-2.0)", or the legacy {"type": "MIT"}; *x is
 * NULL when it says nothing. */
static int one_licence(char **x, struct run *r, const json_t *v)
{
	sg_error le = { 0 };

	*x = NULL;
	if (json_is_object(v))
		v = json_object_get(v, "type");
	if (!json_is_string(v))
		return 0;
	return sg_license_expr(x, &r->c->refs, &r->c->nrefs, json_string_value(v), &le);
}

/* "(...)" as a whole. */
static int wrapped(const char *s)
{
	size_t i, depth = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth && !--depth && s[i + 1])
			return 0;
	}
	return s[0] == '(';
}

/* "license", else the legacy "licenses" array (joined with AND, as syft does). */
static int licence(char **expr, struct run *r, const json_t *root)
{
	sg_buf out = SG_BUF_INIT(1u << 16);
	const json_t *v = json_object_get(root, "license"), *item;
	char *x[MAX_LICENSES] = { NULL };
	size_t i, n = 0;
	int err = 0;

	*expr = NULL;
	if (v) {
		err = one_licence(&x[n++], r, v);
	} else if (json_is_array(v = json_object_get(root, "licenses"))) {
		json_array_foreach(v, i, item) {
			if (n == MAX_LICENSES || (err = one_licence(&x[n++], r, item)) < 0)
				break;
		}
	}
	for (i = 0; i < n && !err; i++) {
		if (!x[i])
			continue;
		if (out.len)
			err = sg_buf_puts(&out, " AND ");
		/* a compound operand of AND is parenthesised unless it already is */
		if (!err)
			err = sg_buf_printf(&out, n > 1 && strchr(x[i], ' ') && !wrapped(x[i])
					    ? "(%s)" : "%s", x[i]);
	}
	if (!err && out.len && !(*expr = (char *)sg_buf_detach(&out, NULL)))
		err = SG_ERROR;
	for (i = 0; i < n; i++)
		free(x[i]);
	sg_buf_release(&out);
	return err < 0 ? SG_ERROR : 0;
}

/* "author": "Name <email> (url)" or {"name": .., "email": ..}. */
static char *author(const json_t *root, int *oom)
{
	const json_t *a = json_object_get(root, "author"), *n, *m;

	if (json_is_string(a))
		return sg_person_from(json_string_value(a), oom);
	if (!json_is_object(a))
		return NULL;
	n = json_object_get(a, "name");
	m = json_object_get(a, "email");
	return sg_person(json_is_string(n) ? json_string_value(n) : NULL,
			 json_is_string(n) ? strlen(json_string_value(n)) : 0,
			 json_is_string(m) ? json_string_value(m) : NULL,
			 json_is_string(m) ? strlen(json_string_value(m)) : 0, oom);
}

/* 1 added, 0 not a package (or garbage, warned), <0 out of memory. */
static int package(struct run *r, const unsigned char *data, size_t len, const sg_file_hist *hist)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *name, *version, *desc;
	sg_pkg p = { 0 };
	int oom = 0, err = 0;

	if (!json_is_object(root)) {
		sg_warnf(r->warn, r->arg, "npm: %s (layer %zu): %s%s; skipped", r->path, r->layer,
			 root ? "not a JSON object" : "not JSON: ", root ? "" : je.text);
		goto done;
	}
	name = json_object_get(root, "name");
	version = json_object_get(root, "version");
	if (!name || !version)
		goto done; /* a workspace root or a stub: not a package */
	if (!json_is_string(name) || !json_is_string(version) ||
	    !valid_name(json_string_value(name)) || !valid_version(json_string_value(version))) {
		sg_warnf(r->warn, r->arg, "npm: %s (layer %zu): invalid %s; skipped", r->path,
			 r->layer, !json_is_string(name) || !valid_name(json_string_value(name))
			 ? "name" : "version");
		goto done;
	}
	err = SG_ERROR;
	if (!(p.type = strdup("npm")) || !(p.name = strdup(json_string_value(name))) ||
	    !(p.version = strdup(json_string_value(version))) ||
	    !(p.purl = make_purl(p.name, p.version)))
		goto done;
	desc = json_object_get(root, "description");
	if (json_is_string(desc) && *json_string_value(desc) &&
	    !(p.description = strndup(json_string_value(desc),
				      strcspn(json_string_value(desc), "\n") < MAX_DESCRIPTION
				      ? strcspn(json_string_value(desc), "\n") : MAX_DESCRIPTION)))
		goto done;
	p.supplier = author(root, &oom);
	if (oom || licence(&p.license, r, root) < 0 || sg_pkg_add_evidence(&p, r->path) < 0)
		goto done;
	p.evidence_layer = r->layer;
	p.introduced_layer = sg_file_hist_layer(hist, r->path, data, len, r->layer);
	if ((err = sg_catalog_add(r->c, &p)) == 0)
		err = 1;
done:
	sg_pkg_release(&p);
	json_decref(root);
	return err;
}

int sg_cat_npm(sg_catalog *c, const sg_walker *w, const sg_file_hist *hist, sg_warn_fn warn,
	       void *arg, sg_error *e)
{
	struct run r = { c, warn, arg, NULL, 0 };
	const unsigned char *data;
	char **paths = NULL;
	size_t n = 0, i, len;
	sg_error le = { 0 };
	int err;

	if ((err = sg_gather(&paths, &n, w, patterns, NPATTERNS, e)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		sg_error_clear(&le);
		err = sg_walker_read(w, paths[i], &data, &len, &r.layer, &le);
		if (err == SG_ERROR) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		if (err < 0) { /* over its cap (the walker warned) or not read */
			if (err != SG_ETOOBIG)
				sg_warnf(warn, arg, "npm: %s", le.msg);
			continue;
		}
		r.path = paths[i];
		if ((err = package(&r, data, len, hist)) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = 0;
done:
	sg_strv_free(paths, n);
	return err;
}
