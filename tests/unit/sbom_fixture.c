/* The cataloger tests' shared fixture (sbom_fixture.h): layers written with libarchive into
 * memory, a walker with the catalogers' wants, the catalogers run on it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include "sbom_fixture.h"
#include "buf.h"
#include "err.h"

/* Room for any layer the tests write (fixture trees of a few hundred KiB, the caps test's
 * 1 MiB file); archive_write_open_memory fails rather than grow, so a test that outgrows
 * it says so. */
#define FX_TAR_MAX (16u << 20)

void fx_data_path(char *path, size_t size, const char *rel)
{
	const char *d = getenv("SIGIL_TEST_DATA");

	snprintf(path, size, "%s/sbom/%s", d ? d : "tests/data", rel);
}

/* ---- layers ---- */

void fx_open(const fx *f, fx_tar *t)
{
	t->cap = FX_TAR_MAX;
	t->used = 0;
	t->buf = malloc(t->cap);
	t->a = archive_write_new();
	assert_non_null(t->buf);
	assert_int_equal(archive_write_set_format_pax_restricted(t->a), ARCHIVE_OK);
	if (!(f->what & FX_PLAIN))
		assert_int_equal(archive_write_add_filter_gzip(t->a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(t->a, t->buf, t->cap, &t->used), ARCHIVE_OK);
}

/* An entry: 'f' a file of len bytes, 'd' a directory, 'l' a symlink to the string data. */
static void tar_entry(fx_tar *t, const char *name, char type, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	if (type == 'd') {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else if (type == 'l') {
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, data);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
	}
	assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
	if (type == 'f' && len)
		assert_int_equal(archive_write_data(t->a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

void fx_put(fx_tar *t, const char *name, const void *data, size_t len)
{
	tar_entry(t, name, 'f', data, len);
}

void fx_put_str(fx_tar *t, const char *name, const char *s)
{
	tar_entry(t, name, 'f', s, strlen(s));
}

/* Everything under root/rel, named relative to root; symlinks as links, not followed. */
static void tar_tree(fx_tar *t, const char *root, const char *rel)
{
	char path[2048], sub[1024], link[1024];
	struct dirent *ent;
	struct stat st;
	DIR *d;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_non_null(d = opendir(path));
	while ((ent = readdir(d))) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", ent->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISLNK(st.st_mode)) {
			n = readlink(path, link, sizeof(link) - 1);
			assert_true(n > 0);
			link[n] = '\0';
			tar_entry(t, sub, 'l', link, 0);
		} else if (S_ISDIR(st.st_mode)) {
			tar_entry(t, sub, 'd', NULL, 0);
			tar_tree(t, root, sub);
		} else {
			sg_buf b = SG_BUF_INIT(1u << 20);
			sg_error e = { 0 };

			assert_int_equal(sg_read_file(&b, path, &e), 0);
			tar_entry(t, sub, 'f', b.data, b.len);
			sg_buf_release(&b);
		}
	}
	closedir(d);
}

void fx_add(fx *f, fx_tar *t)
{
	sg_error e = { 0 };

	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
	if (sg_walker_add_layer(f->w, t->buf, t->used, &e) != 0)
		fail_msg("%s", e.msg);
	free(t->buf);
}

void fx_layer_dir(fx *f, const char *dir)
{
	char root[2048];
	fx_tar t;

	fx_data_path(root, sizeof(root), dir);
	fx_open(f, &t);
	tar_tree(&t, root, "");
	fx_add(f, &t);
}

/* ---- the walker and the catalogers ---- */

void fx_warn(void *arg, const char *msg)
{
	fx *f = arg;
	size_t n = strlen(f->warned);

	f->warnings++;
	snprintf(f->warned + n, sizeof(f->warned) - n, "%s\n", msg);
}

/* The walker has one observe hook: each history asked for sees every observed file and
 * keeps the paths it knows, as in sbom's generate.c. */
static void observe(void *arg, const char *path, size_t layer, const unsigned char *data,
		    size_t len)
{
	fx *f = arg;

	if (f->dpkg)
		sg_dpkg_hist_observe(f->dpkg, path, layer, data, len);
	if (f->apk)
		sg_apk_hist_observe(f->apk, path, layer, data, len);
	if (f->rpm)
		sg_rpm_hist_observe(f->rpm, path, layer, data, len);
	if (f->files)
		sg_file_hist_observe(f->files, path, layer, data, len);
}

fx *fx_new(unsigned what)
{
	fx *f = calloc(1, sizeof(*f));
	sg_walk_opts o = { 0 };
	sg_error e = { 0 };
	size_t i;

	assert_non_null(f);
	f->what = what;
	if (what & FX_DPKG)
		assert_int_equal(sg_dpkg_hist_new(&f->dpkg, &e), 0);
	if (what & FX_APK)
		assert_int_equal(sg_apk_hist_new(&f->apk, &e), 0);
	if (what & FX_RPM)
		assert_int_equal(sg_rpm_hist_new(&f->rpm, &e), 0);
	if (what & (FX_PYTHON | FX_NPM))
		assert_int_equal(sg_file_hist_new(&f->files, &e), 0);
	o.warn = fx_warn;
	o.warn_arg = f;
	o.observe = observe;
	o.observe_arg = f;
	assert_int_equal(sg_walker_new(&f->w, &o, &e), 0);
	for (i = 0; sg_os_wants[i]; i++)
		assert_int_equal(sg_walker_want(f->w, sg_os_wants[i], 0, 0, &e), 0);
	if (what & FX_DPKG)
		assert_int_equal(sg_dpkg_wants(f->w, &e), 0);
	if (what & FX_APK)
		assert_int_equal(sg_apk_wants(f->w, &e), 0);
	if (what & FX_RPM)
		assert_int_equal(sg_rpm_wants(f->w, &e), 0);
	if (what & FX_PYTHON)
		assert_int_equal(sg_python_wants(f->w, &e), 0);
	if (what & FX_NPM)
		assert_int_equal(sg_npm_wants(f->w, &e), 0);
	return f;
}

void fx_catalog(fx *f)
{
	sg_error e = { 0 };

	assert_int_equal(sg_walker_finish(f->w, NULL, NULL, &e), 0);
	if (sg_cat_os(&f->c.os, f->w, fx_warn, f, &e) < 0 ||
	    ((f->what & FX_DPKG) && sg_cat_dpkg(&f->c, f->w, f->dpkg, fx_warn, f, &e) < 0) ||
	    ((f->what & FX_APK) && sg_cat_apk(&f->c, f->w, f->apk, fx_warn, f, &e) < 0) ||
	    ((f->what & FX_RPM) && sg_cat_rpm(&f->c, f->w, f->rpm, fx_warn, f, &e) < 0) ||
	    ((f->what & FX_PYTHON) && sg_cat_python(&f->c, f->w, f->files, fx_warn, f, &e) < 0) ||
	    ((f->what & FX_NPM) && sg_cat_npm(&f->c, f->w, f->files, fx_warn, f, &e) < 0) ||
	    ((f->what & FX_FINISH) && sg_catalog_finish(&f->c, f->w, &e) < 0))
		fail_msg("%s", e.msg);
}

void fx_free(fx *f)
{
	sg_walker_free(f->w);
	sg_catalog_release(&f->c);
	sg_dpkg_hist_free(f->dpkg);
	sg_apk_hist_free(f->apk);
	sg_rpm_hist_free(f->rpm);
	sg_file_hist_free(f->files);
	free(f);
}

/* ---- looking at the catalog ---- */

const sg_pkg *fx_find(const fx *f, const char *type, const char *name)
{
	size_t i;

	for (i = 0; i < f->c.npkgs; i++)
		if (!strcmp(f->c.pkgs[i].type, type) && !strcmp(f->c.pkgs[i].name, name))
			return &f->c.pkgs[i];
	fail_msg("no %s package %s", type, name);
	return NULL;
}

const char *fx_list(const fx *f, const char *type)
{
	static char out[4096];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < f->c.npkgs; i++)
		if (!strcmp(f->c.pkgs[i].type, type))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%s",
				 out[0] ? " " : "", f->c.pkgs[i].name, f->c.pkgs[i].version);
	return out;
}

const char *fx_files(const sg_pkg *p)
{
	static char out[4096];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < p->nfiles; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s%s", i ? " " : "",
			 p->files[i].path, p->files[i].conffile ? "(c)" : "");
	return out;
}
