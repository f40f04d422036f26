/* The binary and archive catalogers (binpkg.h) on the fixtures of tests/data/sbom/bin/,
 * written by mkfixtures.py from the documented layouts: Go build info (inline and pointer
 * layouts, ELF32/ELF64, both byte orders, with and without section headers), a
 * cargo-auditable section, Java archives with nested archives; and broken ones side by side
 * (truncated, offsets out of range, decompression bombs, garbage), plus every truncation and
 * random byte flips of the good ones, which must fail cleanly or succeed, never crash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "binpkg.h"
#include "buf.h"
#include "err.h"

static char data_dir[1024];

static void load(sg_buf *b, const char *name)
{
	char path[1200];
	sg_error e = { 0, "" };

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	sg_buf_init(b, 1u << 20);
	if (sg_read_file(b, path, &e) < 0)
		fail_msg("%s: %s", path, e.msg);
}

typedef int (*parser)(sg_binpkgs *, const unsigned char *, size_t, const char *, sg_error *);

static int go(sg_binpkgs *o, const unsigned char *d, size_t n, const char *p, sg_error *e)
{
	(void)p;
	return sg_binpkg_go(o, d, n, e);
}

static int rust(sg_binpkgs *o, const unsigned char *d, size_t n, const char *p, sg_error *e)
{
	(void)p;
	return sg_binpkg_rust(o, d, n, e);
}

/* Parses fixture name; checks the code and, on failure, that the message has want_msg
 * and out stayed empty. */
static int run(parser f, const char *name, const char *path, sg_binpkgs *out, int want,
	       const char *want_msg)
{
	sg_buf b;
	sg_error e = { 0, "" };
	int err;

	load(&b, name);
	memset(out, 0, sizeof(*out));
	err = f(out, b.data, b.len, path, &e);
	sg_buf_release(&b);
	if (err != want)
		fail_msg("%s: got %d (%s), want %d", name, err, e.msg, want);
	if (err < 0) {
		assert_int_equal(e.code, err);
		if (want_msg && !strstr(e.msg, want_msg))
			fail_msg("%s: message \"%s\" lacks \"%s\"", name, e.msg, want_msg);
		assert_int_equal(out->n, 0);
		assert_null(out->pkgs);
	}
	return err;
}

/* The package called name (and version, unless NULL), failing when absent. */
static const sg_binpkg *find(const sg_binpkgs *l, const char *name, const char *version)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->pkgs[i].name, name) &&
		    (!version || (l->pkgs[i].version && !strcmp(l->pkgs[i].version, version))))
			return &l->pkgs[i];
	fail_msg("no package %s %s", name, version ? version : "");
	return NULL;
}

static size_t idx(const sg_binpkgs *l, const sg_binpkg *p)
{
	return (size_t)(p - l->pkgs);
}

static const char *setting(const sg_binpkgs *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->nsettings; i++)
		if (!strcmp(l->settings[i].key, key))
			return l->settings[i].value;
	return NULL;
}

static void test_kind(void **state)
{
	(void)state;
	assert_int_equal(sg_binpkg_kind((const unsigned char *)"\x7f" "ELF\2", 5), SG_BIN_ELF);
	assert_int_equal(sg_binpkg_kind((const unsigned char *)"PK\3\4", 4), SG_BIN_ZIP);
	assert_int_equal(sg_binpkg_kind((const unsigned char *)"PK\5\6", 4), SG_BIN_NONE);
	assert_int_equal(sg_binpkg_kind((const unsigned char *)"\x7f" "EL", 3), SG_BIN_NONE);
	assert_int_equal(sg_binpkg_kind((const unsigned char *)"", 0), SG_BIN_NONE);
	assert_true(sg_binpkg_java_name("usr/share/java/a-1.0.jar"));
	assert_true(sg_binpkg_java_name("app.WAR"));
	assert_true(sg_binpkg_java_name("x/plugin.hpi"));
	assert_false(sg_binpkg_java_name("a.jar/README"));
	assert_false(sg_binpkg_java_name("a.zip"));
	assert_false(sg_binpkg_java_name("jar"));
	assert_false(sg_binpkg_java_name(NULL));
}

/* ---- Go ---- */

static void test_go_inline(void **state)
{
	sg_binpkgs l;
	const sg_binpkg *m, *p;
	size_t i;

	(void)state;
	run(go, "go-inline-le64.elf", NULL, &l, 0, NULL);
	assert_string_equal(l.go_version, "go1.22.1");
	assert_string_equal(l.go_path, "github.com/Acme/Tool/cmd/tool");
	assert_int_equal(l.n, 6);
	m = &l.pkgs[sg_binpkgs_main(&l)];
	assert_string_equal(m->name, "github.com/Acme/Tool");
	assert_string_equal(m->version, "(devel)");
	assert_string_equal(m->type, "golang");
	/* "(devel)": the purl gets the pseudo-version of the recorded commit, dirty tree */
	assert_string_equal(m->purl,
			    "pkg:golang/github.com/acme/tool@v0.0.0-20240301123456-0123456789ab%2Bdirty");
	assert_int_equal(m->ndeps, 5);
	for (i = 0; i < m->ndeps; i++)
		assert_int_not_equal(m->deps[i], idx(&l, m));

	p = find(&l, "github.com/BurntSushi/toml", "v1.3.2");
	assert_string_equal(p->purl, "pkg:golang/github.com/burntsushi/toml@v1.3.2");
	assert_string_equal(p->sum, "h1:o7IhLm0Msx3BaB+n3Ag7L8EVlByGnpq14C4YWiu/gL8=");
	assert_false(p->main);
	/* replaced by another module version: the replacement is what was built */
	p = find(&l, "golang.org/x/sys", NULL);
	assert_string_equal(p->version, "v0.16.0");
	assert_string_equal(p->sum, "h1:xWw16ngr6ZMtmxDyKyIgsE93KNKz5HKmMa3b8ALHidU=");
	assert_string_equal(p->purl, "pkg:golang/golang.org/x/sys@v0.16.0");
	/* replaced by a local directory: the original path, no version */
	p = find(&l, "example.com/local", NULL);
	assert_null(p->version);
	assert_null(p->sum);
	assert_string_equal(p->purl, "pkg:golang/example.com/local");
	p = find(&l, "gopkg.in/yaml.v3", "v3.0.1");
	assert_string_equal(p->purl, "pkg:golang/gopkg.in/yaml.v3@v3.0.1");
	p = find(&l, "stdlib", "go1.22.1");
	assert_string_equal(p->purl, "pkg:golang/stdlib@1.22.1");
	assert_string_equal(p->license, "BSD-3-Clause");

	assert_int_equal(l.nsettings, 11);
	assert_string_equal(l.settings[0].key, "-buildmode");
	assert_string_equal(setting(&l, "-ldflags"), "-s -w -X \"main.name=a b\" \xc3\xa9");
	assert_string_equal(setting(&l, "odd key"), "raw value");
	assert_string_equal(setting(&l, "CGO_ENABLED"), "0");
	assert_string_equal(setting(&l, "vcs.revision"), "0123456789abcdef0123456789abcdef01234567");
	sg_binpkgs_release(&l);
	assert_null(l.pkgs);
	sg_binpkgs_release(&l); /* twice is fine */
	sg_binpkgs_release(NULL);
}

static void check_old(const sg_binpkgs *l, const char *gover, const char *purlver)
{
	const sg_binpkg *m, *p;
	char want[64];

	assert_string_equal(l->go_version, gover);
	assert_string_equal(l->go_path, "example.org/ppc/cmd/ppc");
	assert_int_equal(l->n, 3);
	assert_int_equal(l->nsettings, 0);
	m = &l->pkgs[sg_binpkgs_main(l)];
	assert_string_equal(m->name, "example.org/ppc");
	assert_string_equal(m->purl, "pkg:golang/example.org/ppc@v1.4.0");
	assert_int_equal(m->ndeps, 2);
	p = find(l, "github.com/pkg/errors", "v0.9.1");
	assert_string_equal(p->purl, "pkg:golang/github.com/pkg/errors@v0.9.1");
	p = find(l, "stdlib", gover);
	snprintf(want, sizeof(want), "pkg:golang/stdlib@%s", purlver);
	assert_string_equal(p->purl, want);
}

static void test_go_layouts(void **state)
{
	sg_binpkgs l;

	(void)state;
	run(go, "go-ptr-le64.elf", NULL, &l, 0, NULL); /* Go < 1.18 pointers, ELF64 LE */
	check_old(&l, "go1.17.13", "1.17.13");
	sg_binpkgs_release(&l);
	run(go, "go-ptr-be32.elf", NULL, &l, 0, NULL); /* ELF32 big-endian, 4-byte pointers */
	check_old(&l, "go1.16.4", "1.16.4");
	sg_binpkgs_release(&l);
	run(go, "go-nosections.elf", NULL, &l, 0, NULL); /* stripped of section headers */
	check_old(&l, "go1.21.5", "1.21.5");
	sg_binpkgs_release(&l);
	run(go, "go-nomod.elf", NULL, &l, 0, NULL); /* GOPATH build: the toolchain only */
	assert_int_equal(l.n, 1);
	assert_int_equal(sg_binpkgs_main(&l), SG_BINPKG_NONE);
	assert_string_equal(l.pkgs[0].purl, "pkg:golang/stdlib@1.20.3");
	assert_null(l.go_path);
	sg_binpkgs_release(&l);
}

static void test_go_bad(void **state)
{
	static const struct {
		const char *file;
		int code;
		const char *msg;
	} cases[] = {
		{ "go-truncated.elf", SG_EINVALID, "truncated ELF header" },
		{ "go-shoff-out.elf", SG_EINVALID, "section headers out of range" },
		{ "go-section-out.elf", SG_EINVALID, "outside the file" },
		{ "go-bad-varint.elf", SG_EINVALID, "truncated version or module string" },
		{ "go-bad-ptr.elf", SG_EINVALID, "not in the file" },
		{ "go-bad-modline.elf", SG_EINVALID, "line 3: expected 2 or 3 columns" },
		{ "rust-audit.elf", SG_ENOTFOUND, "not a Go binary" },
		{ "app-1.0.0.jar", SG_ENOTFOUND, "not an ELF file" },
	};
	sg_binpkgs l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(go, cases[i].file, NULL, &l, cases[i].code, cases[i].msg);
	/* e may be NULL */
	assert_int_equal(sg_binpkg_go(&l, (const unsigned char *)"\x7f" "ELF", 4, NULL), SG_ENOTFOUND);
}

/* ---- Rust ---- */

static void check_rust(const sg_binpkgs *l)
{
	const sg_binpkg *app, *serde, *itoa;

	assert_int_equal(l->n, 3); /* serde_derive is a build dependency: not in the binary */
	app = &l->pkgs[sg_binpkgs_main(l)];
	assert_string_equal(app->name, "app");
	assert_string_equal(app->type, "cargo");
	assert_string_equal(app->source, "local");
	assert_string_equal(app->purl, "pkg:cargo/app@0.1.0");
	serde = find(l, "serde", "1.0.188");
	itoa = find(l, "itoa", "1.0.9");
	assert_string_equal(serde->purl, "pkg:cargo/serde@1.0.188");
	assert_string_equal(serde->source, "crates.io");
	assert_false(serde->main);
	assert_int_equal(serde->ndeps, 0); /* its edge to serde_derive went with it */
	assert_int_equal(app->ndeps, 2);
	assert_int_equal(app->deps[0], idx(l, serde));
	assert_int_equal(app->deps[1], idx(l, itoa));
}

static void test_rust(void **state)
{
	sg_binpkgs l;

	(void)state;
	run(rust, "rust-audit.elf", NULL, &l, 0, NULL);
	check_rust(&l);
	sg_binpkgs_release(&l);
	run(rust, "rust-old.elf", NULL, &l, 0, NULL); /* rust-audit 0.1's section name */
	check_rust(&l);
	sg_binpkgs_release(&l);
}

static void test_rust_bad(void **state)
{
	sg_binpkgs l;

	(void)state;
	run(rust, "rust-bomb.elf", NULL, &l, SG_ETOOBIG, "more than 16 MiB");
	run(rust, "rust-badjson.elf", NULL, &l, SG_EINVALID, "name is not a usable string");
	run(rust, "rust-badindex.elf", NULL, &l, SG_EINVALID, "bad dependency index");
	run(rust, "rust-badzlib.elf", NULL, &l, SG_EINVALID, "Rust audit data");
	run(rust, "go-inline-le64.elf", NULL, &l, SG_ENOTFOUND, "no .dep-v0 section");
	run(rust, "go-shoff-out.elf", NULL, &l, SG_EINVALID, "section headers out of range");
	run(rust, "not-a-zip.jar", NULL, &l, SG_ENOTFOUND, "not an ELF file");
}

/* ---- Java ---- */

static void test_java_app(void **state)
{
	sg_binpkgs l;
	const sg_binpkg *app, *p;
	size_t m;

	(void)state;
	run(sg_binpkg_java, "app-1.0.0.jar", "opt/app/app-1.0.0.jar", &l, 0, NULL);
	assert_int_equal(l.n, 4);
	m = sg_binpkgs_main(&l);
	assert_int_equal(m, 0);
	app = &l.pkgs[m];
	/* two pom.properties: named from the file name; its own pom.properties is not counted
	 * twice, and its groupId wins over Implementation-Vendor-Id (com.acme.legacy) */
	assert_string_equal(app->name, "app");
	assert_string_equal(app->version, "1.0.0");
	assert_string_equal(app->group, "com.acme");
	assert_string_equal(app->type, "maven");
	assert_string_equal(app->purl, "pkg:maven/com.acme/app@1.0.0");
	assert_string_equal(app->license, "Apache-2.0");
	assert_string_equal(app->location, "opt/app/app-1.0.0.jar");
	assert_int_equal(app->parent, SG_BINPKG_NONE);
	/* a shaded dependency's pom.properties */
	p = find(&l, "gson", "2.10.1");
	assert_string_equal(p->purl, "pkg:maven/com.google.code.gson/gson@2.10.1");
	assert_int_equal(p->parent, m);
	assert_false(p->main);
	/* nested, named by its one pom.properties; licence from a URL */
	p = find(&l, "commons-lang3", "3.12.0");
	assert_string_equal(p->purl, "pkg:maven/org.apache.commons/commons-lang3@3.12.0");
	assert_string_equal(p->license, "Apache-2.0");
	assert_string_equal(p->location, "opt/app/app-1.0.0.jar:BOOT-INF/lib/commons-lang3-3.12.0.jar");
	assert_int_equal(p->parent, m);
	assert_false(p->main);
	/* nested, manifest only: "tiny-util_2.1" names it; Bundle-SymbolicName groups it */
	p = find(&l, "tiny-util", "2.1");
	assert_string_equal(p->group, "org.example.tiny");
	assert_string_equal(p->purl, "pkg:maven/org.example.tiny/tiny-util@2.1");
	assert_null(p->license);
	/* the nested file that is no zip is skipped and said so */
	assert_int_equal(l.skipped, 1);
	assert_non_null(strstr(l.warning, "WEB-INF/lib/broken-1.0.jar: skipped: not a zip archive"));
	sg_binpkgs_release(&l);
}

static void test_java_deep(void **state)
{
	sg_binpkgs l;
	size_t i;

	(void)state;
	run(sg_binpkg_java, "deep.jar", "deep.jar", &l, 0, NULL);
	assert_int_equal(l.n, SG_BINPKG_JAVA_DEPTH);
	for (i = 1; i < l.n; i++)
		assert_int_equal(l.pkgs[i].parent, i - 1);
	assert_string_equal(l.pkgs[3].location,
			    "deep.jar:lib/level1-1.0.jar:lib/level2-1.0.jar:lib/level3-1.0.jar");
	assert_string_equal(l.pkgs[3].name, "level3");
	assert_int_equal(l.skipped, 1);
	assert_non_null(strstr(l.warning, "level4-1.0.jar: skipped: nested more than 4 deep"));
	sg_binpkgs_release(&l);
}

static void test_java_names(void **state)
{
	/* syft's archive_filename.go examples and ours; the manifest has Implementation-Title
	 * "Fallback Title" and Specification-Version 7.0 */
	static const struct {
		const char *path, *name, *version;
	} cases[] = {
		{ "guava-31.1-jre.jar", "guava", "31.1-jre" },
		{ "usr/share/java/org.eclipse.osgi_3.7.1.jar", "org.eclipse.osgi", "3.7.1" },
		{ "my-http2-server-5.jar", "my-http2-server", "5" },
		{ "jetpack-build235-rc5.jar", "jetpack", "build235-rc5" },
		{ "ironman-r4-2009.jar", "ironman-r4", "2009" },
		{ "lib-RC12.jar", "lib", "RC12" },
		{ "plain.jar", "plain", "7.0" },
		{ "1.0-foo.jar", "Fallback Title", "7.0" },
		{ NULL, "Fallback Title", "7.0" },
	};
	sg_binpkgs l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(sg_binpkg_java, "manifest-only.jar", cases[i].path, &l, 0, NULL);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.pkgs[0].name, cases[i].name);
		assert_string_equal(l.pkgs[0].version, cases[i].version);
		assert_true(l.pkgs[0].main);
		if (!cases[i].path)
			assert_null(l.pkgs[0].location);
		sg_binpkgs_release(&l);
	}
	run(sg_binpkg_java, "manifest-only.jar", "1.0-foo.jar", &l, 0, NULL);
	/* grouped by Implementation-Vendor-Id */
	assert_string_equal(l.pkgs[0].purl, "pkg:maven/org.fallback/Fallback%20Title@7.0");
	sg_binpkgs_release(&l);
	/* no manifest, one pom.properties: that is the archive */
	run(sg_binpkg_java, "pom-only.jar", "x.jar", &l, 0, NULL);
	assert_int_equal(l.n, 1);
	assert_true(l.pkgs[0].main);
	assert_string_equal(l.pkgs[0].purl, "pkg:maven/io.netty/netty-common@4.1.100.Final");
	sg_binpkgs_release(&l);
}

static void test_java_bad(void **state)
{
	sg_binpkgs l;

	(void)state;
	run(sg_binpkg_java, "manifest-bomb.jar", "b.jar", &l, SG_ETOOBIG,
	    "Java archive b.jar: META-INF/MANIFEST.MF: decompresses past its cap");
	run(sg_binpkg_java, "not-a-zip.jar", "n.jar", &l, SG_ENOTFOUND, "not a zip archive");
	run(sg_binpkg_java, "empty.jar", "e.jar", &l, SG_ENOTFOUND, "Java archive e.jar");
	run(sg_binpkg_java, "truncated.jar", "t.jar", &l, SG_EINVALID, "Java archive t.jar");
	run(sg_binpkg_java, "go-inline-le64.elf", NULL, &l, SG_ENOTFOUND, "not a zip archive");
	/* a nested archive inflating past its cap is skipped; the outer one still counts */
	run(sg_binpkg_java, "nested-bomb.jar", "nb.jar", &l, 0, NULL);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.pkgs[0].name, "nb");
	assert_int_equal(l.skipped, 1);
	assert_non_null(strstr(l.warning, "huge-1.0.jar: skipped: decompresses past its cap"));
	sg_binpkgs_release(&l);
}

/* ---- robustness ---- */

static void check_outcome(int err, const sg_binpkgs *l, const sg_error *e, const char *what,
			  size_t at)
{
	if (err == 0) {
		assert_true(l->n > 0);
		return;
	}
	if (err != SG_ENOTFOUND && err != SG_EINVALID && err != SG_ETOOBIG)
		fail_msg("%s at %zu: unexpected code %d (%s)", what, at, err, e->msg);
	assert_int_equal(l->n, 0);
	assert_true(e->msg[0] != '\0');
}

static void mangle(parser f, const char *name, size_t step)
{
	sg_buf b;
	unsigned char *copy;
	uint32_t seed = 12345;
	size_t n, i;

	load(&b, name);
	for (n = 0; n < b.len; n += step) {
		sg_binpkgs l = { 0 };
		sg_error e = { 0, "" };
		/* a fresh copy so that ASan sees reads past the truncated end */
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, b.data, n);
		check_outcome(f(&l, copy, n, "t.jar", &e), &l, &e, name, n);
		sg_binpkgs_release(&l);
		free(copy);
	}
	copy = malloc(b.len);
	assert_non_null(copy);
	for (i = 0; i < 300; i++) {
		sg_binpkgs l = { 0 };
		sg_error e = { 0, "" };
		size_t k;

		memcpy(copy, b.data, b.len);
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % b.len] ^= (unsigned char)(1u << ((seed >> 4) & 7));
		}
		check_outcome(f(&l, copy, b.len, "t.jar", &e), &l, &e, name, i);
		sg_binpkgs_release(&l);
	}
	free(copy);
	sg_buf_release(&b);
}

static void test_mangled(void **state)
{
	(void)state;
	mangle(go, "go-inline-le64.elf", 1);
	mangle(go, "go-ptr-be32.elf", 1);
	mangle(go, "go-nosections.elf", 1);
	mangle(rust, "rust-audit.elf", 1);
	mangle(sg_binpkg_java, "app-1.0.0.jar", 7);
	mangle(sg_binpkg_java, "deep.jar", 5);
}

int main(void)
{
	const char *d = getenv("SIGIL_TEST_DATA");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_go_inline),
		cmocka_unit_test(test_go_layouts),
		cmocka_unit_test(test_go_bad),
		cmocka_unit_test(test_rust),
		cmocka_unit_test(test_rust_bad),
		cmocka_unit_test(test_java_app),
		cmocka_unit_test(test_java_deep),
		cmocka_unit_test(test_java_names),
		cmocka_unit_test(test_java_bad),
		cmocka_unit_test(test_mangled),
	};

	snprintf(data_dir, sizeof(data_dir), "%s/sbom/bin", d ? d : "tests/data");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
