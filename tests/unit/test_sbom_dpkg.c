/* The OS and dpkg catalogers on fixture files (tests/data/sbom/): installed states,
 * multiarch md5sums, conffiles, status.d (distroless), licences from DEP-5 and other
 * copyright files, purls, suppliers, the layer that introduced each package, garbage. */
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
#include "walker.h"
#include "catalog.h"
#include "buf.h"
#include "err.h"

static char data_dir[1024];

/* ---- building layers from fixture directories ---- */

typedef struct tarw {
	struct archive *a;
	unsigned char *buf;
	size_t cap, used;
} tarw;

static void tar_open(tarw *t)
{
	t->cap = 8u << 20;
	t->used = 0;
	t->buf = malloc(t->cap);
	t->a = archive_write_new();
	assert_non_null(t->buf);
	assert_int_equal(archive_write_set_format_pax_restricted(t->a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(t->a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(t->a, t->buf, t->cap, &t->used), ARCHIVE_OK);
}

static void tar_add(tarw *t, const char *name, char type, const void *data, size_t len)
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

static void tar_tree(tarw *t, const char *root, const char *rel)
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
			tar_add(t, sub, 'l', link, 0);
		} else if (S_ISDIR(st.st_mode)) {
			tar_add(t, sub, 'd', NULL, 0);
			tar_tree(t, root, sub);
		} else {
			sg_buf b = SG_BUF_INIT(1u << 20);
			sg_error e = { 0 };

			assert_int_equal(sg_read_file(&b, path, &e), 0);
			tar_add(t, sub, 'f', b.data, b.len);
			sg_buf_release(&b);
		}
	}
	closedir(d);
}

static void tar_close(tarw *t)
{
	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
}

/* ---- a walker with the catalogers' wants ---- */

typedef struct fx {
	sg_walker *w;
	sg_dpkg_hist *hist;
	sg_catalog c;
	int warnings;
	char warned[8192];
} fx;

static void on_warn(void *arg, const char *msg)
{
	fx *f = arg;
	size_t n = strlen(f->warned);

	f->warnings++;
	snprintf(f->warned + n, sizeof(f->warned) - n, "%s\n", msg);
}

static fx *fx_new(void)
{
	fx *f = calloc(1, sizeof(*f));
	sg_walk_opts o = { 0 };
	sg_error e = { 0 };
	size_t i;

	assert_non_null(f);
	assert_int_equal(sg_dpkg_hist_new(&f->hist, &e), 0);
	o.warn = on_warn;
	o.warn_arg = f;
	o.observe = sg_dpkg_hist_observe;
	o.observe_arg = f->hist;
	assert_int_equal(sg_walker_new(&f->w, &o, &e), 0);
	for (i = 0; sg_os_wants[i]; i++)
		assert_int_equal(sg_walker_want(f->w, sg_os_wants[i], 0, 0, &e), 0);
	assert_int_equal(sg_dpkg_wants(f->w, &e), 0);
	return f;
}

static void fx_layer_dir(fx *f, const char *dir)
{
	char root[2048];
	sg_error e = { 0 };
	tarw t;

	snprintf(root, sizeof(root), "%s/%s", data_dir, dir);
	tar_open(&t);
	tar_tree(&t, root, "");
	tar_close(&t);
	if (sg_walker_add_layer(f->w, t.buf, t.used, &e) < 0)
		fail_msg("%s", e.msg);
	free(t.buf);
}

static void fx_catalog(fx *f)
{
	sg_error e = { 0 };

	assert_int_equal(sg_walker_finish(f->w, NULL, NULL, &e), 0);
	if (sg_cat_os(&f->c.os, f->w, on_warn, f, &e) < 0 ||
	    sg_cat_dpkg(&f->c, f->w, f->hist, on_warn, f, &e) < 0)
		fail_msg("%s", e.msg);
}

static void fx_free(fx *f)
{
	sg_catalog_release(&f->c);
	sg_walker_free(f->w);
	sg_dpkg_hist_free(f->hist);
	free(f);
}

static const sg_pkg *find(const fx *f, const char *name, const char *arch)
{
	size_t i;

	for (i = 0; i < f->c.npkgs; i++)
		if (!strcmp(f->c.pkgs[i].name, name) &&
		    (!arch || (f->c.pkgs[i].arch && !strcmp(f->c.pkgs[i].arch, arch))))
			return &f->c.pkgs[i];
	return NULL;
}

static char *files_joined(const sg_pkg *p)
{
	static char out[4096];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < p->nfiles; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s%s", i ? " " : "",
			 p->files[i].path, p->files[i].conffile ? "(c)" : "");
	return out;
}

/* ---- licences on their own ---- */

static char *licence_of(const char *rel, sg_licref **refs, size_t *nrefs)
{
	char path[2048];
	sg_buf b = SG_BUF_INIT(1u << 20);
	sg_error e = { 0 };
	char *expr = NULL;

	snprintf(path, sizeof(path), "%s/%s", data_dir, rel);
	assert_int_equal(sg_read_file(&b, path, &e), 0);
	assert_int_equal(sg_license_from_copyright(&expr, refs, nrefs, (const char *)b.data, b.len,
						   &e), 0);
	sg_buf_release(&b);
	return expr;
}

static void test_spdx_names(void **state)
{
	(void)state;
	assert_string_equal(sg_spdx_license("GPL-2+"), "GPL-2.0-or-later");
	assert_string_equal(sg_spdx_license("GPL-2"), "GPL-2.0-only");
	assert_string_equal(sg_spdx_license("gpl-2.0+"), "GPL-2.0-or-later");
	assert_string_equal(sg_spdx_license("LGPL-2.1+"), "LGPL-2.1-or-later");
	assert_string_equal(sg_spdx_license("Expat"), "MIT");
	assert_string_equal(sg_spdx_license("apache-2.0"), "Apache-2.0");
	assert_string_equal(sg_spdx_license("BSD-3-clause"), "BSD-3-Clause");
	assert_string_equal(sg_spdx_license("zlib"), "Zlib");
	assert_string_equal(sg_spdx_license("Unicode-DFS-2016"), "Unicode-DFS-2016");
	assert_string_equal(sg_spdx_license("GFDL-NIV-1.3+"), "GFDL-1.3-no-invariants-or-later");
	assert_string_equal(sg_spdx_license("Perl"), "Artistic-1.0-Perl OR GPL-1.0-or-later");
	assert_null(sg_spdx_license("ad-hoc"));
	assert_null(sg_spdx_license("public-domain"));
	assert_null(sg_spdx_license(""));
}

static void test_licences_real(void **state)
{
	sg_licref *refs = NULL;
	size_t nrefs = 0;
	char *x;

	(void)state;
	/* real copyright files of Debian 12 packages */
	x = licence_of("base/usr/share/doc/zlib1g/copyright", &refs, &nrefs);
	assert_string_equal(x, "Zlib");
	free(x);
	x = licence_of("base/usr/share/doc/netbase/copyright", &refs, &nrefs);
	assert_string_equal(x, "GPL-2.0-only");
	free(x);
	/* Files: * says "BSD-3-clause or GPL-2"; the others follow; stand-alone texts do not */
	x = licence_of("base/usr/share/doc/libzstd1/copyright", &refs, &nrefs);
	assert_string_equal(x, "(BSD-3-Clause OR GPL-2.0-only) AND Zlib AND MIT");
	free(x);
	/* not machine-readable: the common-licenses it names, with "version 2 ... or any later" */
	x = licence_of("base/usr/share/doc/base-files/copyright", &refs, &nrefs);
	assert_string_equal(x, "GPL-2.0-or-later");
	free(x);
	assert_int_equal(nrefs, 0);
	x = licence_of("base/usr/share/doc/media-types/copyright", &refs, &nrefs);
	assert_string_equal(x, "LicenseRef-ad-hoc");
	free(x);
	assert_int_equal(nrefs, 1);
	assert_string_equal(refs[0].id, "LicenseRef-ad-hoc");
	assert_string_equal(refs[0].name, "ad-hoc");
	assert_non_null(refs[0].text);
	assert_non_null(strstr(refs[0].text, "This package contains public information"));
	sg_licrefs_free(refs, nrefs);
}

static void test_licence_dep5_order(void **state)
{
	sg_licref *refs = NULL;
	size_t nrefs = 0;
	char *x;

	(void)state;
	x = licence_of("dpkg/usr/share/doc/gcc-12-base/copyright", &refs, &nrefs);
	assert_string_equal(x, "(GPL-3.0-or-later WITH GCC-exception-3.1) AND GPL-2.0-or-later AND "
			       "((LGPL-2.1-or-later OR Artistic-1.0) AND BSD-3-Clause) AND Zlib AND "
			       "LicenseRef-public-domain AND (GPL-2.0-or-later WITH Font-exception-2.0)");
	free(x);
	assert_int_equal(nrefs, 1);
	assert_string_equal(refs[0].id, "LicenseRef-public-domain");
	assert_string_equal(refs[0].text, "The files are in the public domain.\n\nNobody owns them.");
	sg_licrefs_free(refs, nrefs);
}

static void test_licence_odd_input(void **state)
{
	static const char *const cases[][2] = {
		/* an empty file, a header only, garbage, no licence lines */
		{ "", NULL },
		{ "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n", NULL },
		{ "\x01\x02garbage\xff\n\n\n:::\n", NULL },
		{ "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
		  "Files: *\nLicense: GPL-2+ or\n", "GPL-2.0-or-later" },
		{ "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
		  "Files: *\nLicense: MIT\n\nFiles: a\nLicense: MIT\n", "MIT" },
		{ "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
		  "Files: *\nLicense: GPL-2+ with OpenSSL exception\n",
		  "LicenseRef-GPL-2--with-OpenSSL-exception" },
		{ "See /usr/share/common-licenses/Apache-2.0. and /usr/share/common-licenses/LGPL-2.1\n",
		  "Apache-2.0 AND LGPL-2.1-only" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sg_licref *refs = NULL;
		size_t nrefs = 0;
		sg_error e = { 0 };
		char *x = NULL;

		assert_int_equal(sg_license_from_copyright(&x, &refs, &nrefs, cases[i][0],
							   strlen(cases[i][0]), &e), 0);
		if (cases[i][1])
			assert_string_equal(x, cases[i][1]);
		else
			assert_null(x);
		free(x);
		sg_licrefs_free(refs, nrefs);
	}
}

/* ---- the catalogers on a fixture root filesystem ---- */

static void test_os(void **state)
{
	fx *f = fx_new();
	char *distro;

	(void)state;
	fx_layer_dir(f, "dpkg");
	fx_catalog(f);
	assert_true(f->c.os.found);
	assert_string_equal(f->c.os.id, "debian");
	assert_string_equal(f->c.os.name, "Debian GNU/Linux");
	assert_string_equal(f->c.os.version, "12 (\"bookworm\")");
	assert_string_equal(f->c.os.version_id, "12");
	assert_string_equal(f->c.os.debian_version, "12.11");
	assert_string_equal(f->c.os.evidence, "etc/os-release");
	assert_true(sg_os_is_debian_like(&f->c.os));
	distro = sg_os_distro(&f->c.os);
	assert_string_equal(distro, "debian-12.11");
	free(distro);
	fx_free(f);
}

static void test_dpkg_packages(void **state)
{
	fx *f = fx_new();
	const sg_pkg *p;
	char names[1024] = "";
	size_t i;

	(void)state;
	fx_layer_dir(f, "dpkg");
	fx_catalog(f);
	for (i = 0; i < f->c.npkgs; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s:%s=%s",
			 i ? " " : "", f->c.pkgs[i].name, f->c.pkgs[i].arch ? f->c.pkgs[i].arch : "-",
			 f->c.pkgs[i].version);
	/* sorted; config-files, not-installed, half-installed and invalid entries left out;
	 * hold counts as installed; status.d's netbase repeats status' and is listed once */
	assert_string_equal(names, "libc6:amd64=2.36-9+deb12u14 libc6:i386=2.36-9+deb12u14 "
				   "libgcc-s1:amd64=12.2.0-14 loose:amd64=0.1 netbase:all=6.4 "
				   "tzdata:all=2024a-0+deb12u1 zlib1g:amd64=1:1.2.13.dfsg-1");
	/* garbage: Bad_Name, noversion, the stray line in "loose", the bad md5sums line */
	assert_non_null(strstr(f->warned, "invalid package name"));
	assert_non_null(strstr(f->warned, "no Package or Version field"));
	assert_non_null(strstr(f->warned, "line(s) that are not fields"));
	assert_non_null(strstr(f->warned, "libc6:amd64.md5sums: 1 line(s)"));
	if (f->warnings != 4)
		fail_msg("%d warnings:\n%s", f->warnings, f->warned);

	p = find(f, "libc6", "amd64");
	assert_string_equal(p->purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&"
				     "distro=debian-12.11&upstream=glibc");
	assert_string_equal(p->supplier, "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)");
	assert_string_equal(p->description, "GNU C Library: Shared libraries");
	assert_string_equal(p->source, "glibc");
	assert_null(p->source_version);
	assert_null(p->license); /* no copyright file */
	assert_string_equal(files_joined(p), "etc/ld.so.conf.d/x86_64-linux-gnu.conf(c) "
					     "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "
					     "lib/x86_64-linux-gnu/libanl.so.1");
	assert_string_equal(p->files[1].md5, "108877c29ef6a482337ddc42ea8b0985");
	assert_int_equal(p->nevidence, 3);
	assert_string_equal(p->evidence[0], "var/lib/dpkg/status");
	assert_string_equal(p->evidence[1], "var/lib/dpkg/info/libc6:amd64.md5sums");

	p = find(f, "libc6", "i386");
	assert_string_equal(files_joined(p), "lib/i386-linux-gnu/libc.so.6");

	/* epoch kept in the version, ':' not encoded (purl spec) */
	p = find(f, "zlib1g", NULL);
	assert_string_equal(p->purl, "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&"
				     "distro=debian-12.11&upstream=zlib");
	assert_string_equal(p->license, "Zlib");

	/* Source: name (version); copyright reached through the doc directory symlink */
	p = find(f, "libgcc-s1", NULL);
	assert_string_equal(p->source, "gcc-12");
	assert_string_equal(p->source_version, "12.2.0-14");
	assert_non_null(strstr(p->purl, "&upstream=gcc-12%4012.2.0-14"));
	assert_non_null(p->license);
	assert_int_equal(strncmp(p->license, "(GPL-3.0-or-later WITH GCC-exception-3.1) AND", 45), 0);
	assert_string_equal(p->evidence[p->nevidence - 1], "usr/share/doc/gcc-12-base/copyright");

	/* conffiles: the info file (with a flag before the path) and the status field */
	p = find(f, "netbase", NULL);
	assert_string_equal(files_joined(p), "etc/ethertypes(c) etc/old.conf(c) etc/protocols(c) "
					     "etc/rpc(c) usr/share/doc/netbase/changelog.gz "
					     "usr/share/doc/netbase/copyright");
	assert_string_equal(p->files[2].md5, "bb9c019d6524e913fd72441d58b68216");
	assert_string_equal(p->purl, "pkg:deb/debian/netbase@6.4?arch=all&distro=debian-12.11");
	assert_string_equal(p->license, "GPL-2.0-only");

	/* distroless status.d: no Status field, md5sums beside it */
	p = find(f, "tzdata", NULL);
	assert_string_equal(p->evidence[0], "var/lib/dpkg/status.d/tzdata");
	assert_string_equal(files_joined(p), "usr/share/zoneinfo/Europe/Paris usr/share/zoneinfo/UTC");
	assert_string_equal(p->license, "LicenseRef-public-domain");

	p = find(f, "loose", NULL);
	assert_string_equal(p->supplier, "Person: someone without an address");

	/* one LicenseRef for "public domain" and "public-domain", the first text kept */
	assert_int_equal(f->c.nrefs, 1);
	assert_string_equal(f->c.refs[0].id, "LicenseRef-public-domain");
	fx_free(f);
}

static void test_introduced(void **state)
{
	static const char s0[] =
		"Package: a\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n\n"
		"Package: b\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n\n"
		"Package: gone\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n";
	static const char s1[] =
		"Package: a\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n\n"
		"Package: b\nStatus: install ok installed\nArchitecture: all\nVersion: 2\n\n"
		"Package: c\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n";
	fx *f = fx_new();
	sg_error e = { 0 };
	const sg_pkg *p;
	tarw t;

	(void)state;
	tar_open(&t);
	tar_add(&t, "var/lib/dpkg/status", 'f', s0, strlen(s0));
	tar_close(&t);
	assert_int_equal(sg_walker_add_layer(f->w, t.buf, t.used, &e), 0);
	free(t.buf);
	tar_open(&t);
	tar_add(&t, "etc/unrelated", 'f', "x", 1);
	tar_close(&t);
	assert_int_equal(sg_walker_add_layer(f->w, t.buf, t.used, &e), 0);
	free(t.buf);
	tar_open(&t);
	tar_add(&t, "var/lib/dpkg/status", 'f', s1, strlen(s1));
	tar_close(&t);
	assert_int_equal(sg_walker_add_layer(f->w, t.buf, t.used, &e), 0);
	free(t.buf);
	fx_catalog(f);
	assert_int_equal(f->c.npkgs, 3);
	assert_false(f->c.os.found);
	p = find(f, "a", NULL);
	assert_int_equal(p->introduced_layer, 0);
	assert_int_equal(p->evidence_layer, 2);
	/* no OS found: no namespace, no distro */
	assert_string_equal(p->purl, "pkg:deb/a@1?arch=all");
	p = find(f, "b", NULL);
	assert_string_equal(p->version, "2");
	assert_int_equal(p->introduced_layer, 2);
	p = find(f, "c", NULL);
	assert_int_equal(p->introduced_layer, 2);
	assert_null(find(f, "gone", NULL));
	fx_free(f);
}

static void test_os_fallbacks(void **state)
{
	static const struct {
		const char *path, *content, *id, *version_id, *distro;
	} cases[] = {
		{ "usr/lib/os-release", "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n", "ubuntu",
		  "24.04", "ubuntu-24.04" },
		{ "etc/debian_version", "11.9\n", "debian", "11", "debian-11.9" },
		{ "etc/debian_version", "trixie/sid\n", NULL, NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx *f = fx_new();
		sg_error e = { 0 };
		char *distro;
		tarw t;

		tar_open(&t);
		tar_add(&t, cases[i].path, 'f', cases[i].content, strlen(cases[i].content));
		tar_close(&t);
		assert_int_equal(sg_walker_add_layer(f->w, t.buf, t.used, &e), 0);
		free(t.buf);
		fx_catalog(f);
		if (!cases[i].id) {
			assert_false(f->c.os.found);
		} else {
			assert_string_equal(f->c.os.id, cases[i].id);
			assert_string_equal(f->c.os.version_id, cases[i].version_id);
			assert_true(sg_os_is_debian_like(&f->c.os));
			distro = sg_os_distro(&f->c.os);
			assert_string_equal(distro, cases[i].distro);
			free(distro);
		}
		fx_free(f);
	}
}

/* An /etc/os-release without ID is passed over for /usr/lib/os-release (found by fuzzing: the
 * first file's values leaked). */
static void test_os_without_id(void **state)
{
	static const char etc[] = "NAME=nameless\nVERSION_ID=1\n";
	static const char usr[] = "ID=debian\nVERSION_ID=12\n";
	fx *f = fx_new();
	sg_error e = { 0 };
	tarw t;

	(void)state;
	tar_open(&t);
	tar_add(&t, "etc/os-release", 'f', etc, strlen(etc));
	tar_add(&t, "usr/lib/os-release", 'f', usr, strlen(usr));
	tar_close(&t);
	assert_int_equal(sg_walker_add_layer(f->w, t.buf, t.used, &e), 0);
	free(t.buf);
	fx_catalog(f);
	assert_true(f->c.os.found);
	assert_null(f->c.os.name);
	assert_string_equal(f->c.os.version_id, "12");
	assert_string_equal(f->c.os.evidence, "usr/lib/os-release");
	fx_free(f);
}

static void test_garbage_status(void **state)
{
	static const char junk[] =
		"\x00\x01\x02\xff\xfe binary\n\n\n:\n: :\n-Package: x\n#comment\n"
		"Package: ok\nVersion: 1.0\nArchitecture: amd64\nDescription: first\n second\n"
		"Package: dup-field\n" /* no blank line: same stanza, a repeated field */
		"\n\n   \n\t\nPackage: last\nVersion: 2\nStatus: install ok installed"; /* no EOL */
	fx *f = fx_new();
	sg_error e = { 0 };
	tarw t;

	(void)state;
	tar_open(&t);
	tar_add(&t, "var/lib/dpkg/status", 'f', junk, sizeof(junk) - 1);
	tar_add(&t, "var/lib/dpkg/status.d/empty", 'f', "", 0);
	tar_close(&t);
	assert_int_equal(sg_walker_add_layer(f->w, t.buf, t.used, &e), 0);
	free(t.buf);
	fx_catalog(f);
	assert_int_equal(f->c.npkgs, 2);
	assert_string_equal(f->c.pkgs[0].name, "last");
	assert_string_equal(f->c.pkgs[1].name, "ok");
	assert_string_equal(f->c.pkgs[1].description, "first");
	assert_true(f->warnings >= 1);
	fx_free(f);
}

static void test_purl_escape(void **state)
{
	sg_buf b = SG_BUF_INIT(256);

	(void)state;
	assert_int_equal(sg_purl_escape(&b, "1:2.3+dfsg~1 a/b@c?d&e=f#g%_-."), 0);
	assert_string_equal((char *)b.data, "1:2.3%2Bdfsg~1%20a%2Fb%40c%3Fd%26e%3Df%23g%25_-.");
	sg_buf_release(&b);
}

int main(void)
{
	const char *d = getenv("SIGIL_TEST_DATA");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spdx_names),
		cmocka_unit_test(test_licences_real),
		cmocka_unit_test(test_licence_dep5_order),
		cmocka_unit_test(test_licence_odd_input),
		cmocka_unit_test(test_os),
		cmocka_unit_test(test_dpkg_packages),
		cmocka_unit_test(test_introduced),
		cmocka_unit_test(test_os_fallbacks),
		cmocka_unit_test(test_os_without_id),
		cmocka_unit_test(test_garbage_status),
		cmocka_unit_test(test_purl_escape),
	};

	snprintf(data_dir, sizeof(data_dir), "%s/sbom", d ? d : "tests/data");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
