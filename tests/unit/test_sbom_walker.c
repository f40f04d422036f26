/* The layer walker: whiteouts, opaque directories, overrides, symlinks resolved inside the
 * image root, hardlinks, the second pass for wanted files behind symlinks, caps, filters
 * and broken layers. Layers are built here with libarchive's writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include "walker.h"
#include "digest.h"
#include "err.h"

enum { PLAIN, GZIP, ZSTD };

/* 'f' file (data), 'd' directory, 'l' symlink (data = target), 'h' hardlink (data = target) */
struct ent {
	char type;
	const char *path;
	const char *data;
};

typedef struct blob {
	unsigned char *data;
	size_t len;
} blob;

static blob mktar(int filter, const struct ent *ents)
{
	size_t cap = 4u << 20, used = 0;
	unsigned char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	blob l;

	assert_non_null(buf);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (filter == GZIP)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	else if (filter == ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (; ents && ents->path; ents++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, ents->path);
		archive_entry_set_mtime(e, 946684800, 0);
		switch (ents->type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, ents->data);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, ents->data);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(ents->data));
			break;
		}
		/* a WARN for names not ASCII (no charset in the C locale: written as bytes) */
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		if (ents->type == 'f')
			assert_int_equal(archive_write_data(a, ents->data, strlen(ents->data)),
					 (la_ssize_t)strlen(ents->data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	l.data = buf;
	l.len = used;
	return l;
}

/* ---- a fixture: layers kept for the second pass, warnings counted ---- */

typedef struct fx {
	sg_walker *w;
	blob layers[8];
	size_t nlayers;
	int warnings;
	char last_warning[1200];
	int observed;
	size_t observed_layer[8];
} fx;

static void on_warn(void *arg, const char *msg)
{
	fx *f = arg;

	f->warnings++;
	snprintf(f->last_warning, sizeof(f->last_warning), "%s", msg);
}

static void on_observe(void *arg, const char *path, size_t layer, const unsigned char *data,
		       size_t len)
{
	fx *f = arg;

	(void)path;
	(void)data;
	(void)len;
	if (f->observed < 8)
		f->observed_layer[f->observed] = layer;
	f->observed++;
}

static int fetch(void *arg, size_t layer, sg_buf *out, sg_error *e)
{
	fx *f = arg;

	if (layer >= f->nlayers)
		return sg_err(e, SG_ENOTFOUND, "no layer %zu", layer);
	sg_buf_init(out, f->layers[layer].len + 1);
	return sg_buf_append(out, f->layers[layer].data, f->layers[layer].len);
}

static fx *fx_new(size_t total_max)
{
	fx *f = calloc(1, sizeof(*f));
	sg_walk_opts o = { 0 };
	sg_error e = { 0 };

	assert_non_null(f);
	o.total_max = total_max;
	o.warn = on_warn;
	o.warn_arg = f;
	o.observe = on_observe;
	o.observe_arg = f;
	assert_int_equal(sg_walker_new(&f->w, &o, &e), 0);
	return f;
}

static int fx_add(fx *f, int filter, const struct ent *ents, sg_error *e)
{
	blob l = mktar(filter, ents);

	assert_true(f->nlayers < 8);
	f->layers[f->nlayers++] = l;
	return sg_walker_add_layer(f->w, l.data, l.len, e);
}

static void fx_free(fx *f)
{
	size_t i;

	sg_walker_free(f->w);
	for (i = 0; i < f->nlayers; i++)
		free(f->layers[i].data);
	free(f);
}

static void want(fx *f, const char *pattern, size_t max, unsigned flags)
{
	sg_error e = { 0 };

	assert_int_equal(sg_walker_want(f->w, pattern, max, flags, &e), 0);
}

static void expect_content(fx *f, const char *path, const char *content, size_t layer)
{
	const unsigned char *data;
	size_t len, l;
	sg_error e = { 0 };

	if (sg_walker_read(f->w, path, &data, &len, &l, &e) != 0)
		fail_msg("%s: %s", path, e.msg);
	assert_int_equal(len, strlen(content));
	assert_memory_equal(data, content, len);
	assert_int_equal(data[len], '\0');
	assert_int_equal(l, layer);
}

static int stat_type(fx *f, const char *path, int follow)
{
	sg_wstat st;
	sg_error e = { 0 };
	int err = sg_walker_stat(f->w, path, follow, &st, NULL, &e);

	return err < 0 ? err : (int)st.type;
}

static void expect_names(fx *f, const char *dir, const char *want_joined)
{
	char **names = NULL, got[512] = "";
	size_t n = 0, i;
	sg_error e = { 0 };

	assert_int_equal(sg_walker_list(f->w, dir, &names, &n, &e), 0);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", names[i]);
	assert_string_equal(got, want_joined);
	sg_strv_free(names, n);
}

/* ---- tests ---- */

static void test_override(void **state)
{
	static const struct ent l0[] = { { 'd', "etc/", NULL }, { 'f', "etc/motd", "one\n" },
					 { 'f', "etc/keep", "keep\n" }, { 0 } };
	static const struct ent l1[] = { { 'f', "./etc/motd", "two\n" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	want(f, "etc/*", 0, 0);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(fx_add(f, PLAIN, l1, &e), 0);
	assert_int_equal(sg_walker_finish(f->w, fetch, f, &e), 0);
	expect_content(f, "etc/motd", "two\n", 1);
	expect_content(f, "/etc/keep", "keep\n", 0);
	expect_names(f, "etc", "keep motd");
	assert_int_equal(f->warnings, 0);
	fx_free(f);
}

static void test_whiteouts(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "etc/foo", "foo" }, { 'f', "etc/bar", "bar" },
		{ 'f', "usr/share/doc/pkg/copyright", "c" }, { 'f', "usr/share/doc/pkg/README", "r" },
		{ 'f', "usr/share/doc/other/copyright", "o" }, { 0 } };
	/* a whiteout only hides lower layers: re-adding in the same layer keeps the new one */
	static const struct ent l1[] = {
		{ 'f', "etc/.wh.foo", "" }, { 'f', "usr/share/doc/.wh.pkg", "" },
		{ 'f', "etc/.wh.missing", "" }, { 'f', ".wh..wh.plnk", "" },
		{ 'f', "usr/share/doc/other/new", "n" }, { 'f', "usr/share/doc/.wh.other", "" },
		{ 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	want(f, "usr/share/doc/*/*", 0, 0);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l1, &e), 0);
	assert_int_equal(stat_type(f, "etc/foo", 0), SG_ENOTFOUND);
	assert_int_equal(stat_type(f, "etc/bar", 0), SG_WT_FILE);
	assert_int_equal(stat_type(f, "usr/share/doc/pkg", 0), SG_ENOTFOUND);
	assert_int_equal(stat_type(f, "usr/share/doc/pkg/copyright", 0), SG_ENOTFOUND);
	expect_names(f, "usr/share/doc", "other");
	expect_names(f, "usr/share/doc/other", "new");
	expect_content(f, "usr/share/doc/other/new", "n", 1);
	expect_names(f, "etc", "bar");
	expect_names(f, "", "etc usr");
	fx_free(f);
}

static void test_opaque(void **state)
{
	static const struct ent l0[] = {
		{ 'd', "d/", NULL }, { 'f', "d/a", "a" }, { 'f', "d/sub/b", "b" },
		{ 'f', "e/x", "x" }, { 0 } };
	/* the marker may come before or after the layer's own entries */
	static const struct ent l1[] = {
		{ 'd', "d/", NULL }, { 'f', "d/c", "c" }, { 'f', "d/sub/z", "z" },
		{ 'f', "d/.wh..wh..opq", "" }, { 'f', "e/.wh..wh..opq", "" }, { 0 } };
	static const struct ent l2[] = { { 'f', "d/late", "l" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(fx_add(f, PLAIN, l0, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l1, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l2, &e), 0);
	expect_names(f, "d", "c late sub");
	expect_names(f, "d/sub", "z");
	expect_names(f, "e", "");
	assert_int_equal(stat_type(f, "e", 0), SG_WT_DIR);
	assert_int_equal(stat_type(f, "d/a", 0), SG_ENOTFOUND);
	fx_free(f);
}

static void test_type_changes(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "d/a", "a" }, { 'f', "f", "file" }, { 'l', "s", "d" }, { 0 } };
	static const struct ent l1[] = {
		{ 'f', "d", "now a file" }, { 'f', "f/inside", "i" }, { 'd', "s/", NULL },
		{ 'f', "s/y", "y" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	want(f, "d", 0, 0);
	assert_int_equal(fx_add(f, PLAIN, l0, &e), 0);
	assert_int_equal(fx_add(f, PLAIN, l1, &e), 0);
	assert_int_equal(stat_type(f, "d", 0), SG_WT_FILE);
	assert_int_equal(stat_type(f, "d/a", 0), SG_ENOTFOUND);
	expect_content(f, "d", "now a file", 1);
	assert_int_equal(stat_type(f, "f", 0), SG_WT_DIR);
	assert_int_equal(stat_type(f, "f/inside", 0), SG_WT_FILE);
	assert_int_equal(stat_type(f, "s", 0), SG_WT_DIR);
	expect_names(f, "s", "y");
	fx_free(f);
}

static void test_symlinks(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "usr/lib/os-release", "ID=debian\n" },
		{ 'l', "etc/os-release", "../usr/lib/os-release" },
		{ 'l', "etc/abs", "/usr/lib/os-release" },
		{ 'l', "etc/escape", "../../../../../../usr/lib/os-release" },
		{ 'l', "lib", "usr/lib" },
		{ 'l', "loop1", "loop2" }, { 'l', "loop2", "/loop1" },
		{ 'l', "dangling", "nowhere" },
		{ 'l', "etc/dirlink", "/usr" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };
	sg_wstat st;
	char *real = NULL;

	(void)state;
	want(f, "usr/lib/os-release", 0, 0);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(sg_walker_finish(f->w, fetch, f, &e), 0);
	expect_content(f, "etc/os-release", "ID=debian\n", 0);
	expect_content(f, "etc/abs", "ID=debian\n", 0);
	expect_content(f, "etc/escape", "ID=debian\n", 0);
	expect_content(f, "lib/os-release", "ID=debian\n", 0);
	expect_content(f, "etc/dirlink/lib/../lib/os-release", "ID=debian\n", 0);
	assert_int_equal(sg_walker_stat(f->w, "lib/os-release", 1, &st, &real, &e), 0);
	assert_string_equal(real, "usr/lib/os-release");
	free(real);
	assert_int_equal(stat_type(f, "etc/os-release", 0), SG_WT_SYMLINK);
	assert_int_equal(sg_walker_stat(f->w, "etc/os-release", 0, &st, NULL, &e), 0);
	assert_string_equal(st.link, "../usr/lib/os-release");
	assert_int_equal(stat_type(f, "loop1", 1), SG_EINVALID);
	assert_int_equal(stat_type(f, "dangling", 1), SG_ENOTFOUND);
	assert_int_equal(stat_type(f, "dangling", 0), SG_WT_SYMLINK);
	assert_int_equal(stat_type(f, "usr/lib/os-release/x", 1), SG_ENOTFOUND);
	fx_free(f);
}

/* Names and link targets that are not ASCII (pax records; in the C locale libarchive keeps
 * the bytes) are read as they were written; ASCII ones are taken as stored. */
static void test_utf8_names(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "usr/share/doc/caf\xc3\xa9/copyright", "\xc3\xa9t\xc3\xa9\n" },
		{ 'l', "usr/share/doc/cafe", "caf\xc3\xa9" },
		{ 'f', "etc/plain", "ascii\n" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };
	sg_wstat st;

	(void)state;
	want(f, "usr/share/doc/*/copyright", 0, 0);
	want(f, "etc/plain", 0, 0);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(sg_walker_finish(f->w, fetch, f, &e), 0);
	expect_content(f, "usr/share/doc/caf\xc3\xa9/copyright", "\xc3\xa9t\xc3\xa9\n", 0);
	expect_content(f, "usr/share/doc/cafe/copyright", "\xc3\xa9t\xc3\xa9\n", 0);
	expect_content(f, "etc/plain", "ascii\n", 0);
	assert_int_equal(sg_walker_stat(f->w, "usr/share/doc/cafe", 0, &st, NULL, &e), 0);
	assert_string_equal(st.link, "caf\xc3\xa9");
	expect_names(f, "usr/share/doc", "cafe caf\xc3\xa9");
	assert_int_equal(f->warnings, 0);
	fx_free(f);
}

/* An exact want reached only through a symlink, and a wanted symlink whose target no want
 * covers: read in a second pass over just the layer that holds the target. */
static void test_second_pass(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "usr/lib/os-release", "ID=debian\n" }, { 'f', "other/data", "xyz" }, { 0 } };
	static const struct ent l1[] = {
		{ 'l', "etc/os-release", "../usr/lib/os-release" },
		{ 'l', "usr/share/doc/a/copyright", "/other/data" }, { 0 } };
	static const struct ent l2[] = { { 'f', "unrelated", "u" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };
	sg_walk_stats st;
	const unsigned char *data;
	size_t len;

	(void)state;
	want(f, "etc/os-release", 0, 0);
	want(f, "usr/share/doc/*/copyright", 0, 0);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l1, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l2, &e), 0);
	assert_int_equal(sg_walker_read(f->w, "etc/os-release", &data, &len, NULL, &e),
			 SG_EUNSUPPORTED);
	assert_int_equal(sg_walker_finish(f->w, fetch, f, &e), 0);
	expect_content(f, "etc/os-release", "ID=debian\n", 0);
	expect_content(f, "usr/share/doc/a/copyright", "xyz", 0);
	sg_walker_stats(f->w, &st);
	assert_int_equal(st.reread_layers, 1);
	assert_int_equal(st.layers, 3);
	fx_free(f);
}

static void test_hardlinks(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "bin/a", "same content" }, { 'h', "bin/b", "bin/a" },
		{ 'h', "bin/c", "./bin/missing" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };
	sg_wstat a, b;
	char want_hex[SG_DIGEST_MAX], hex[65];

	(void)state;
	want(f, "bin/b", 0, 0);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(f->warnings, 1); /* the hardlink to nothing */
	assert_non_null(strstr(f->last_warning, "bin/c"));
	assert_int_equal(sg_walker_finish(f->w, fetch, f, &e), 0);
	expect_content(f, "bin/b", "same content", 0);
	assert_int_equal(sg_walker_stat(f->w, "bin/a", 1, &a, NULL, &e), 0);
	assert_int_equal(sg_walker_stat(f->w, "bin/b", 1, &b, NULL, &e), 0);
	assert_true(a.hashed && b.hashed);
	assert_memory_equal(a.sha256, b.sha256, 32);
	assert_int_equal(b.size, 12);
	sg_sha256_digest(want_hex, "same content", 12);
	sg_hex(hex, a.sha256, 32);
	assert_string_equal(hex, want_hex + 7);
	fx_free(f);
}

static void test_caps(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "small", "0123456789" }, { 'f', "big", "0123456789ABCDEFGHIJ" }, { 0 } };
	static const struct ent l1[] = { { 'f', "more", "0123456789abcdefghij0123456789X" }, { 0 } };
	fx *f = fx_new(40);
	sg_error e = { 0 };
	const unsigned char *data;
	size_t len;
	sg_walk_stats st;

	(void)state;
	want(f, "small", 10, 0);
	want(f, "big", 10, 0);
	want(f, "more", 0, 0);
	assert_int_equal(fx_add(f, PLAIN, l0, &e), 0);
	expect_content(f, "small", "0123456789", 0);
	assert_int_equal(sg_walker_read(f->w, "big", &data, &len, NULL, &e), SG_ETOOBIG);
	assert_null(data);
	assert_int_equal(f->warnings, 1);
	/* 10 held + 30 more is over the 40-byte total */
	assert_int_equal(fx_add(f, PLAIN, l1, &e), SG_ETOOBIG);
	assert_non_null(strstr(e.msg, "more"));
	sg_walker_stats(f->w, &st);
	assert_int_equal(st.buffered, 10);
	/* wants after the first layer are refused */
	assert_int_equal(sg_walker_want(f->w, "late", 0, 0, &e), SG_EINVALID);
	fx_free(f);
}

static void test_bad_paths(void **state)
{
	static const struct ent l0[] = {
		{ 'f', "../escape", "x" }, { 'f', "a/../../b", "x" }, { 'f', "/abs/ok", "ok" },
		{ 'f', "./dot/./ok", "ok" }, { 'f', "//double//slash", "ok" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	want(f, "abs/ok", 0, 0);
	assert_int_equal(fx_add(f, PLAIN, l0, &e), 0);
	assert_int_equal(f->warnings, 2);
	expect_names(f, "", "abs dot double");
	expect_content(f, "abs/ok", "ok", 0);
	assert_int_equal(stat_type(f, "double/slash", 0), SG_WT_FILE);
	assert_int_equal(stat_type(f, "escape", 0), SG_ENOTFOUND);
	fx_free(f);
}

static void test_filters(void **state)
{
	static const struct ent l[] = { { 'f', "x", "content" }, { 0 } };
	static const int filters[] = { PLAIN, GZIP, ZSTD };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fx *f = fx_new(0);
		sg_error e = { 0 };

		want(f, "x", 0, SG_WANT_OBSERVE);
		assert_int_equal(fx_add(f, filters[i], l, &e), 0);
		expect_content(f, "x", "content", 0);
		assert_int_equal(f->observed, 1);
		fx_free(f);
	}
}

static void test_observe_every_layer(void **state)
{
	static const struct ent l0[] = { { 'f', "var/lib/dpkg/status", "Package: a\n" }, { 0 } };
	static const struct ent l1[] = { { 'f', "other", "o" }, { 0 } };
	static const struct ent l2[] = { { 'f', "var/lib/dpkg/status", "Package: b\n" }, { 0 } };
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	want(f, "var/lib/dpkg/status", 0, SG_WANT_OBSERVE);
	assert_int_equal(fx_add(f, GZIP, l0, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l1, &e), 0);
	assert_int_equal(fx_add(f, GZIP, l2, &e), 0);
	assert_int_equal(f->observed, 2);
	assert_int_equal(f->observed_layer[0], 0);
	assert_int_equal(f->observed_layer[1], 2);
	expect_content(f, "var/lib/dpkg/status", "Package: b\n", 2);
	fx_free(f);
}

static void test_broken_layers(void **state)
{
	static const struct ent l[] = { { 'f', "x", "some content that compresses" }, { 0 } };
	static const unsigned char garbage[] = "this is not a tar archive at all, just text....";
	blob gz = mktar(GZIP, l);
	fx *f = fx_new(0);
	sg_error e = { 0 };

	(void)state;
	/* truncated gzip */
	assert_int_equal(sg_walker_add_layer(f->w, gz.data, gz.len / 2, &e), SG_EINVALID);
	assert_non_null(strstr(e.msg, "layer 0"));
	sg_error_clear(&e);
	assert_int_equal(sg_walker_add_layer(f->w, garbage, sizeof(garbage), &e), SG_EINVALID);
	/* an empty blob is an empty layer */
	assert_int_equal(sg_walker_add_layer(f->w, "", 0, &e), 0);
	free(gz.data);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_whiteouts),
		cmocka_unit_test(test_opaque),
		cmocka_unit_test(test_type_changes),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_utf8_names),
		cmocka_unit_test(test_second_pass),
		cmocka_unit_test(test_hardlinks),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_observe_every_layer),
		cmocka_unit_test(test_broken_layers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
