/* The OS and dpkg catalogers on fixture files (tests/data/sbom/): installed states,
 * multiarch md5sums, conffiles, status.d (distroless), licences from DEP-5 and other
 * copyright files, purls, suppliers, the layer that introduced each package, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sbom_fixture.h"
#include "buf.h"
#include "err.h"

/* The OS and dpkg catalogers alone, without sg_catalog_finish: the order checked is
 * dpkg's own. */
#define DPKG_CATS FX_DPKG

/* The package of this name (and arch, unless NULL); NULL when there is none. */
static const sg_pkg *find(const fx *f, const char *name, const char *arch)
{
	size_t i;

	for (i = 0; i < f->c.npkgs; i++)
		if (!strcmp(f->c.pkgs[i].name, name) &&
		    (!arch || (f->c.pkgs[i].arch && !strcmp(f->c.pkgs[i].arch, arch))))
			return &f->c.pkgs[i];
	return NULL;
}

/* ---- licences on their own ---- */

static char *licence_of(const char *rel, sg_licref **refs, size_t *nrefs)
{
	char path[2048];
	sg_buf b = SG_BUF_INIT(1u << 20);
	sg_error e = { 0 };
	char *expr = NULL;

	fx_data_path(path, sizeof(path), rel);
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
	fx *f = fx_new(DPKG_CATS);
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
	fx *f = fx_new(DPKG_CATS);
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
	assert_string_equal(fx_files(p), "etc/ld.so.conf.d/x86_64-linux-gnu.conf(c) "
					     "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "
					     "lib/x86_64-linux-gnu/libanl.so.1");
	assert_string_equal(p->files[1].md5, "108877c29ef6a482337ddc42ea8b0985");
	assert_int_equal(p->nevidence, 3);
	assert_string_equal(p->evidence[0], "var/lib/dpkg/status");
	assert_string_equal(p->evidence[1], "var/lib/dpkg/info/libc6:amd64.md5sums");

	p = find(f, "libc6", "i386");
	assert_string_equal(fx_files(p), "lib/i386-linux-gnu/libc.so.6");

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
	assert_string_equal(fx_files(p), "etc/ethertypes(c) etc/old.conf(c) etc/protocols(c) "
					     "etc/rpc(c) usr/share/doc/netbase/changelog.gz "
					     "usr/share/doc/netbase/copyright");
	assert_string_equal(p->files[2].md5, "bb9c019d6524e913fd72441d58b68216");
	assert_string_equal(p->purl, "pkg:deb/debian/netbase@6.4?arch=all&distro=debian-12.11");
	assert_string_equal(p->license, "GPL-2.0-only");

	/* distroless status.d: no Status field, md5sums beside it */
	p = find(f, "tzdata", NULL);
	assert_string_equal(p->evidence[0], "var/lib/dpkg/status.d/tzdata");
	assert_string_equal(fx_files(p), "usr/share/zoneinfo/Europe/Paris usr/share/zoneinfo/UTC");
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
	fx *f = fx_new(DPKG_CATS);
	const sg_pkg *p;
	fx_tar t;

	(void)state;
	fx_open(f, &t);
	fx_put(&t, "var/lib/dpkg/status", s0, strlen(s0));
	fx_add(f, &t);
	fx_open(f, &t);
	fx_put(&t, "etc/unrelated", "x", 1);
	fx_add(f, &t);
	fx_open(f, &t);
	fx_put(&t, "var/lib/dpkg/status", s1, strlen(s1));
	fx_add(f, &t);
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
		fx *f = fx_new(DPKG_CATS);
		char *distro;
		fx_tar t;

		fx_open(f, &t);
		fx_put(&t, cases[i].path, cases[i].content, strlen(cases[i].content));
		fx_add(f, &t);
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
	fx *f = fx_new(DPKG_CATS);
	fx_tar t;

	(void)state;
	fx_open(f, &t);
	fx_put(&t, "etc/os-release", etc, strlen(etc));
	fx_put(&t, "usr/lib/os-release", usr, strlen(usr));
	fx_add(f, &t);
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
	fx *f = fx_new(DPKG_CATS);
	fx_tar t;

	(void)state;
	fx_open(f, &t);
	fx_put(&t, "var/lib/dpkg/status", junk, sizeof(junk) - 1);
	fx_put(&t, "var/lib/dpkg/status.d/empty", "", 0);
	fx_add(f, &t);
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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
