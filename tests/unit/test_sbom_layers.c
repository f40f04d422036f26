/* --scope all-layers (layers.c): packages of two layers' views and the final one merged,
 * each once; the lowest layers kept; the final view's record winning; dependency and
 * owner indices renumbered; files as the view that had them; LicenseRefs united. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include "catalog.h"
#include "err.h"

/* A plain tar of files ("path", "data") and whiteouts (data NULL: ".wh." + basename). */
static void add_layer(sg_walker *w, const char *const *ents)
{
	size_t cap = 1u << 20, used = 0;
	unsigned char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	sg_error err = { 0 };

	assert_non_null(buf);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (; *ents; ents += 2) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, ents[0]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, ents[1] ? (la_int64_t)strlen(ents[1]) : 0);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (ents[1])
			assert_int_equal(archive_write_data(a, ents[1], strlen(ents[1])),
					 (la_ssize_t)strlen(ents[1]));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_int_equal(sg_walker_add_layer(w, buf, used, &err), 0);
	free(buf);
}

/* Appends a package; file (may be NULL) is its one owned file. Returns its index. */
static size_t pkg(sg_catalog *c, const char *type, const char *name, const char *version,
		  const char *purl, const char *evidence, size_t ev, size_t intro, const char *file)
{
	sg_pkg p;

	memset(&p, 0, sizeof(p));
	p.type = strdup(type);
	p.name = strdup(name);
	p.version = strdup(version);
	p.purl = purl ? strdup(purl) : NULL;
	assert_int_equal(sg_pkg_add_evidence(&p, evidence), 0);
	p.evidence_layer = ev;
	p.introduced_layer = intro;
	if (file) {
		p.files = calloc(1, sizeof(*p.files));
		assert_non_null(p.files);
		p.files[0].path = strdup(file);
		p.nfiles = 1;
	}
	assert_int_equal(sg_catalog_add(c, &p), 0);
	return c->npkgs - 1;
}

static void licref(sg_catalog *c, const char *id)
{
	c->refs = realloc(c->refs, (c->nrefs + 1) * sizeof(*c->refs));
	assert_non_null(c->refs);
	memset(&c->refs[c->nrefs], 0, sizeof(c->refs[0]));
	c->refs[c->nrefs++].id = strdup(id);
}

static void add_dep(sg_pkg *p, size_t dep)
{
	p->deps = realloc(p->deps, (p->ndeps + 1) * sizeof(*p->deps));
	assert_non_null(p->deps);
	p->deps[p->ndeps++] = dep;
}

static const sg_pkg *find(const sg_catalog *c, const char *name, const char *version,
			  const char *evidence)
{
	size_t i;

	for (i = 0; i < c->npkgs; i++)
		if (!strcmp(c->pkgs[i].name, name) && !strcmp(c->pkgs[i].version, version) &&
		    !strcmp(c->pkgs[i].evidence[0], evidence))
			return &c->pkgs[i];
	fail_msg("no %s %s from %s", name, version, evidence);
	return NULL;
}

static void test_views_merged(void **state)
{
	static const char *const layer0[] = { "usr/bin/a", "one", "usr/bin/b", "bee", NULL };
	static const char *const layer1[] = { "usr/bin/a", "two", "usr/bin/.wh.b", NULL, NULL };
	sg_walker *w = NULL;
	sg_layers *l = NULL;
	sg_catalog c;
	sg_error e = { 0 };
	const sg_pkg *p, *q, *r;
	size_t i, hidden = 0, twins = 0;

	(void)state;
	assert_int_equal(sg_walker_new(&w, NULL, &e), 0);
	assert_int_equal(sg_layers_new(&l, &e), 0);

	/* the view after layer 0: p 1 owning usr/bin/a, a binary's q depending on r, twins */
	add_layer(w, layer0);
	memset(&c, 0, sizeof(c));
	pkg(&c, "deb", "p", "1", "pkg:deb/p@1", "var/lib/dpkg/status", 0, 0, "usr/bin/a");
	i = pkg(&c, "golang", "q", "1", "pkg:golang/q@1", "usr/bin/b", 0, 0, NULL);
	add_dep(&c.pkgs[i], pkg(&c, "golang", "r", "1", "pkg:golang/r@1", "usr/bin/b", 0, 0, NULL));
	pkg(&c, "golang", "t", "", NULL, "usr/bin/b", 0, 0, NULL);
	pkg(&c, "golang", "t", "", NULL, "usr/bin/b", 0, 0, NULL);
	licref(&c, "LicenseRef-a");
	assert_int_equal(sg_catalog_finish(&c, w, &e), 0);
	assert_int_equal(sg_layers_add(l, &c, w, &e), 0);
	sg_catalog_release(&c);

	/* after layer 1: p 1 again (its status rewritten), p 2 owning the new usr/bin/a */
	add_layer(w, layer1);
	memset(&c, 0, sizeof(c));
	pkg(&c, "deb", "p", "1", "pkg:deb/p@1", "var/lib/dpkg/status", 1, 0, "usr/bin/a");
	pkg(&c, "deb", "p", "2", "pkg:deb/p@2", "var/lib/dpkg/status", 1, 1, "usr/bin/a");
	licref(&c, "LicenseRef-b");
	licref(&c, "LicenseRef-a");
	assert_int_equal(sg_catalog_finish(&c, w, &e), 0);
	assert_int_equal(sg_layers_add(l, &c, w, &e), 0);
	sg_catalog_release(&c);

	/* the final view: p 2 only */
	memset(&c, 0, sizeof(c));
	pkg(&c, "deb", "p", "2", "pkg:deb/p@2", "var/lib/dpkg/status", 1, 1, "usr/bin/a");
	assert_int_equal(sg_catalog_finish(&c, w, &e), 0);
	assert_int_equal(sg_layers_merge(l, &c, &e), 0);

	assert_int_equal(c.npkgs, 6); /* p 1, p 2, q, r, t, t */
	for (i = 0; i < c.npkgs; i++) {
		hidden += (size_t)c.pkgs[i].hidden;
		twins += !strcmp(c.pkgs[i].name, "t");
		if (i)
			assert_true(strcmp(c.pkgs[i - 1].name, c.pkgs[i].name) <= 0);
	}
	assert_int_equal(hidden, 5);
	assert_int_equal(twins, 2);

	/* p 1: from the first view, its file as layer 0 wrote it (since replaced) */
	p = find(&c, "p", "1", "var/lib/dpkg/status");
	assert_true(p->hidden);
	assert_int_equal(p->evidence_layer, 0);
	assert_int_equal(p->introduced_layer, 0);
	assert_non_null(p->files[0].seen);
	assert_true(p->files[0].seen->found);
	assert_int_equal(p->files[0].seen->layer, 0);
	/* p 2: the final view's record, looked up in the final filesystem */
	p = find(&c, "p", "2", "var/lib/dpkg/status");
	assert_false(p->hidden);
	assert_null(p->files[0].seen);
	/* the deleted binary's modules keep their edge, renumbered */
	q = find(&c, "q", "1", "usr/bin/b");
	r = find(&c, "r", "1", "usr/bin/b");
	assert_true(q->hidden && r->hidden);
	assert_int_equal(q->ndeps, 1);
	assert_ptr_equal(&c.pkgs[q->deps[0]], r);
	/* LicenseRefs of every view, once each, sorted */
	assert_int_equal(c.nrefs, 2);
	assert_string_equal(c.refs[0].id, "LicenseRef-a");
	assert_string_equal(c.refs[1].id, "LicenseRef-b");

	sg_catalog_release(&c);
	sg_layers_free(l);
	sg_walker_free(w);
}

/* A package of an earlier view that the final view has keeps the final record, with the
 * lowest layers of both. */
static void test_final_record_wins(void **state)
{
	static const char *const layer0[] = { "etc/x", "x", NULL };
	sg_walker *w = NULL;
	sg_layers *l = NULL;
	sg_catalog c;
	sg_error e = { 0 };
	const sg_pkg *p;

	(void)state;
	assert_int_equal(sg_walker_new(&w, NULL, &e), 0);
	assert_int_equal(sg_layers_new(&l, &e), 0);
	add_layer(w, layer0);
	memset(&c, 0, sizeof(c));
	pkg(&c, "deb", "x", "1", "pkg:deb/x@1", "var/lib/dpkg/status", 0, 0, "etc/x");
	assert_int_equal(sg_catalog_finish(&c, w, &e), 0);
	assert_int_equal(sg_layers_add(l, &c, w, &e), 0);
	sg_catalog_release(&c);

	memset(&c, 0, sizeof(c));
	pkg(&c, "deb", "x", "1", "pkg:deb/x@1", "var/lib/dpkg/status", 2, 1, "etc/x");
	c.pkgs[0].license = strdup("MIT");
	assert_int_equal(sg_catalog_finish(&c, w, &e), 0);
	assert_int_equal(sg_layers_merge(l, &c, &e), 0);
	assert_int_equal(c.npkgs, 1);
	p = &c.pkgs[0];
	assert_false(p->hidden);
	assert_string_equal(p->license, "MIT");
	assert_int_equal(p->evidence_layer, 0);
	assert_int_equal(p->introduced_layer, 0);
	assert_null(p->files[0].seen);
	sg_catalog_release(&c);
	sg_layers_free(l);
	sg_walker_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_views_merged),
		cmocka_unit_test(test_final_record_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
