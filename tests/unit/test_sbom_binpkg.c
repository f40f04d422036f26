/* The binary and archive catalogers (binpkg.h) on the fixtures of tests/data/sbom/bin/,
 * written by mkfixtures.py from the documented layouts: Go build info (inline and pointer
 * layouts, ELF32/ELF64, both byte orders, with and without section headers), a
 * cargo-auditable section, Java archives with nested archives; and broken ones side by side
 * (truncated, offsets out of range, decompression bombs, garbage), plus every truncation and
 * random byte flips of the good ones, which must fail cleanly or succeed, never crash.
 * Then the wiring (cat_bin.c): the fixtures inside layers streamed through the walker, where
 * a later layer deletes or replaces some, and an ELF file large enough to be read in part. */
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
#include "binpkg.h"
#include "catalog.h"
#include "walker.h"
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


/* ---- the wiring: fixtures in layers, through the walker (cat_bin.c) ---- */

struct tent {
	char type;         /* 'f' file, 'w' whiteout (path is the .wh. entry), 'h' hardlink */
	const char *path;
	const char *fixture; /* file: the fixture's name; hardlink: the target */
	unsigned mode;
};

/* A plain tar layer of the entries; fixtures read from data_dir; big (may be NULL) holds
 * the content of the entries whose fixture is "BIG" (big[0]) or "BIG1" (big[1]). */
static void mklayer(sg_buf *out, const struct tent *ents, const sg_buf *big)
{
	size_t cap = 16u << 20, used = 0;
	unsigned char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	struct archive_entry *e;

	assert_non_null(buf);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (; ents->path; ents++) {
		sg_buf b = SG_BUF_INIT(0);
		int own = 0;

		e = archive_entry_new();
		archive_entry_set_pathname(e, ents->path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, ents->mode ? ents->mode : 0644);
		if (ents->type == 'h') {
			archive_entry_set_hardlink(e, ents->fixture);
		} else if (ents->type == 'f') {
			if (!strcmp(ents->fixture, "BIG")) {
				b = big[0];
			} else if (!strcmp(ents->fixture, "BIG1")) {
				b = big[1];
			} else {
				load(&b, ents->fixture);
				own = 1;
			}
			archive_entry_set_size(e, (la_int64_t)b.len);
		} else {
			archive_entry_set_size(e, 0);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (ents->type == 'f')
			assert_int_equal(archive_write_data(a, b.data, b.len), (la_ssize_t)b.len);
		archive_entry_free(e);
		if (own)
			sg_buf_release(&b);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	out->data = buf;
	out->len = used;
	out->max = cap;
}

struct wfx {
	int warnings;
	char last[1200];
};

static void wwarn(void *arg, const char *msg)
{
	struct wfx *f = arg;

	f->warnings++;
	snprintf(f->last, sizeof(f->last), "%s", msg);
}

/* Streams the layers through a walker with the binary cataloger; the catalog, finished. */
static void walk_layers(sg_catalog *c, struct wfx *f, const struct tent *const *layers,
			size_t n, const sg_buf *big)
{
	sg_walk_opts wo = { 0 };
	sg_walker *w = NULL;
	sg_bincat *bc = NULL;
	sg_error e = { 0, "" };
	size_t i;

	memset(c, 0, sizeof(*c));
	assert_int_equal(sg_bincat_new(&bc, wwarn, f, &e), 0);
	wo.warn = wwarn;
	wo.warn_arg = f;
	wo.inspect = sg_bincat_inspector(bc);
	assert_int_equal(sg_walker_new(&w, &wo, &e), 0);
	for (i = 0; i < n; i++) {
		sg_buf l;

		mklayer(&l, layers[i], big);
		if (sg_walker_add_layer(w, l.data, l.len, &e) < 0)
			fail_msg("layer %zu: %s", i, e.msg);
		free(l.data);
	}
	if (sg_walker_finish(w, NULL, NULL, &e) < 0 || sg_cat_bin(c, w, bc, &e) < 0 ||
	    sg_catalog_finish(c, w, &e) < 0)
		fail_msg("%s", e.msg);
	sg_bincat_free(bc);
	sg_walker_free(w);
}

/* The package with this purl found in file evidence (any file when NULL). */
static const sg_pkg *by_purl(const sg_catalog *c, const char *purl, const char *evidence)
{
	const sg_pkg *hit = NULL;
	size_t i;

	for (i = 0; i < c->npkgs; i++)
		if (c->pkgs[i].purl && !strcmp(c->pkgs[i].purl, purl) &&
		    (!evidence || !strcmp(c->pkgs[i].evidence[0], evidence))) {
			if (hit)
				fail_msg("%s twice: %s (layer %zu), %s (layer %zu)", purl, hit->evidence[0],
					 hit->evidence_layer, c->pkgs[i].evidence[0], c->pkgs[i].evidence_layer);
			hit = &c->pkgs[i];
		}
	return hit;
}

static const sg_pkg *must(const sg_catalog *c, const char *purl, const char *evidence,
			  size_t layer)
{
	const sg_pkg *p = by_purl(c, purl, evidence);

	if (!p)
		fail_msg("no %s", purl);
	assert_true(p->nevidence >= 1);
	assert_string_equal(p->evidence[0], evidence);
	assert_int_equal(p->evidence_layer, layer);
	return p;
}

static int depends(const sg_catalog *c, const sg_pkg *p, const sg_pkg *dep)
{
	size_t i;

	for (i = 0; i < p->ndeps; i++)
		if (&c->pkgs[p->deps[i]] == dep)
			return 1;
	return 0;
}

static void test_wiring(void **state)
{
	static const struct tent l0[] = {
		{ 'f', "usr/bin/tool", "go-inline-le64.elf", 0755 },
		{ 'f', "usr/bin/gone", "go-ptr-le64.elf", 0755 },
		{ 'f', "usr/local/bin/rusty", "rust-audit.elf", 0755 },
		{ 'f', "usr/lib/x86_64-linux-gnu/libgo.so", "go-nosections.elf", 0644 },
		{ 'f', "home/u/not-installed", "go-ptr-be32.elf", 0644 }, /* no exec bit, no bin dir */
		{ 'f', "opt/app/app-1.0.0.jar", "app-1.0.0.jar", 0644 },
		{ 'f', "opt/app/notes.txt", "app-1.0.0.jar", 0644 },  /* a zip not named as an archive */
		{ 'f', "opt/app/old.jar", "pom-only.jar", 0644 },
		{ 'f', "opt/app/broken.jar", "truncated.jar", 0644 },
		{ 0, NULL, NULL, 0 },
	};
	static const struct tent l1[] = {
		{ 'w', "usr/bin/.wh.gone", NULL, 0 },
		{ 'f', "usr/bin/tool", "go-ptr-be32.elf", 0755 }, /* replaced: the new one counts */
		{ 'f', "opt/app/old.jar", "not-a-zip.jar", 0644 }, /* replaced by something else */
		{ 0, NULL, NULL, 0 },
	};
	const struct tent *layers[] = { l0, l1 };
	struct wfx f = { 0, "" };
	sg_catalog c;
	const sg_pkg *app, *serde, *itoa, *ppc, *errs, *std, *jar, *lang3;
	size_t i;

	(void)state;
	walk_layers(&c, &f, layers, 2, NULL);
	/* the replaced tool: layer 1's binary, none of layer 0's modules */
	ppc = must(&c, "pkg:golang/example.org/ppc@v1.4.0", "usr/bin/tool", 1);
	errs = must(&c, "pkg:golang/github.com/pkg/errors@v0.9.1", "usr/bin/tool", 1);
	std = must(&c, "pkg:golang/stdlib@1.16.4", "usr/bin/tool", 1);
	assert_true(ppc->main && !errs->main);
	assert_string_equal(ppc->type, "golang");
	assert_true(depends(&c, ppc, errs) && depends(&c, ppc, std) && !depends(&c, errs, ppc));
	assert_string_equal(std->license, "BSD-3-Clause");
	assert_null(by_purl(&c, "pkg:golang/github.com/burntsushi/toml@v1.3.2", NULL));
	/* the deleted one: nothing (its stdlib version was 1.17.13) */
	assert_null(by_purl(&c, "pkg:golang/stdlib@1.17.13", NULL));
	/* a shared object without an exec bit under lib: read; a file elsewhere without one: not */
	must(&c, "pkg:golang/stdlib@1.21.5", "usr/lib/x86_64-linux-gnu/libgo.so", 0);
	/* the crate graph, build dependencies left out */
	app = must(&c, "pkg:cargo/app@0.1.0", "usr/local/bin/rusty", 0);
	serde = must(&c, "pkg:cargo/serde@1.0.188", "usr/local/bin/rusty", 0);
	itoa = must(&c, "pkg:cargo/itoa@1.0.9", "usr/local/bin/rusty", 0);
	assert_null(by_purl(&c, "pkg:cargo/serde_derive@1.0.188", NULL));
	assert_true(app->main && depends(&c, app, serde) && depends(&c, app, itoa));
	/* the archive, its nested archives and pom.properties */
	jar = must(&c, "pkg:maven/com.acme/app@1.0.0", "opt/app/app-1.0.0.jar", 0);
	lang3 = must(&c, "pkg:maven/org.apache.commons/commons-lang3@3.12.0", "opt/app/app-1.0.0.jar", 0);
	assert_true(jar->main && depends(&c, jar, lang3));
	assert_int_equal(lang3->nevidence, 2);
	assert_string_equal(lang3->evidence[1],
			    "opt/app/app-1.0.0.jar:BOOT-INF/lib/commons-lang3-3.12.0.jar");
	assert_string_equal(lang3->type, "maven");
	/* the replaced old.jar and notes.txt: nothing; every package from a file still there */
	assert_null(by_purl(&c, "pkg:maven/io.netty/netty-common@4.1.100.Final", NULL));
	for (i = 0; i < c.npkgs; i++) {
		assert_string_not_equal(c.pkgs[i].evidence[0], "opt/app/notes.txt");
		assert_string_not_equal(c.pkgs[i].evidence[0], "home/u/not-installed");
		assert_string_not_equal(c.pkgs[i].evidence[0], "usr/bin/gone");
	}
	/* warnings: the truncated jar (layer 0), the nested garbage in app.jar */
	assert_true(f.warnings >= 2);
	sg_catalog_release(&c);
}

/* Deleted by a whiteout of its directory, brought back by a hardlink: the hardlink does not
 * carry the results (its content was read under the other name). */
static void test_wiring_dirs(void **state)
{
	static const struct tent l0[] = {
		{ 'f', "opt/x/bin/a", "go-inline-le64.elf", 0755 },
		{ 'f', "opt/y/bin/b", "rust-audit.elf", 0755 },
		{ 0, NULL, NULL, 0 },
	};
	static const struct tent l1[] = {
		{ 'w', "opt/.wh.x", NULL, 0 },
		{ 'f', "opt/y/bin/b", "go-ptr-le64.elf", 0755 },
		{ 'h', "opt/y/bin/c", "opt/y/bin/b", 0755 },
		{ 0, NULL, NULL, 0 },
	};
	const struct tent *layers[] = { l0, l1 };
	struct wfx f = { 0, "" };
	sg_catalog c;
	size_t i;

	(void)state;
	walk_layers(&c, &f, layers, 2, NULL);
	for (i = 0; i < c.npkgs; i++) {
		assert_string_equal(c.pkgs[i].type, "golang");
		assert_string_equal(c.pkgs[i].evidence[0], "opt/y/bin/b");
		assert_int_equal(c.pkgs[i].evidence_layer, 1);
	}
	assert_int_equal(c.npkgs, 3); /* example.org/ppc, pkg/errors, stdlib */
	assert_int_equal(f.warnings, 0);
	sg_catalog_release(&c);
}

static void put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* go-inline-le64.elf with pad bytes of "code" inserted after its headers, every file offset
 * behind them moved (addresses unchanged): a binary over SG_BIN_WHOLE whose build info
 * lies far past SG_BIN_HEAD, read in part. */
static void padded_elf(sg_buf *out, size_t pad)
{
	const size_t at = 176; /* after the ELF header and two program headers (mkfixtures.py) */
	sg_buf b;
	unsigned char *d;
	uint64_t shoff, off;
	size_t i;

	load(&b, "go-inline-le64.elf");
	d = malloc(b.len + pad);
	assert_non_null(d);
	memcpy(d, b.data, at);
	memset(d + at, 0xcc, pad);
	memcpy(d + at + pad, b.data + at, b.len - at);
	for (i = 0; i < (size_t)(d[0x38] | d[0x39] << 8); i++) {
		unsigned char *ph = d + get64(d + 0x20) + i * 56 + 8;

		if ((off = get64(ph)) >= at)
			put64(ph, off + pad);
	}
	shoff = get64(d + 0x28) + pad;
	put64(d + 0x28, shoff);
	for (i = 0; i < (size_t)(d[0x3c] | d[0x3d] << 8); i++) {
		unsigned char *sh = d + shoff + i * 64 + 24;

		if ((off = get64(sh)) >= at)
			put64(sh, off + pad);
	}
	out->data = d;
	out->len = b.len + pad;
	sg_buf_release(&b);
	out->max = out->len;
}

static void test_wiring_big(void **state)
{
	static const struct tent l0[] = {
		{ 'f', "usr/bin/big", "BIG", 0755 },
		{ 0, NULL, NULL, 0 },
	};
	const struct tent *layers[] = { l0 };
	struct wfx f = { 0, "" };
	sg_catalog c;
	sg_buf big;
	sg_binpkgs direct = { 0 };
	sg_error e = { 0, "" };

	(void)state;
	padded_elf(&big, 3u << 20);
	assert_true(big.len > SG_BIN_WHOLE);
	/* the padded file is a valid Go binary in memory ... */
	if (sg_binpkg_go(&direct, big.data, big.len, &e) != 0)
		fail_msg("padded: %s", e.msg);
	/* ... and read in part as it streams, it gives the same modules */
	walk_layers(&c, &f, layers, 1, &big);
	assert_int_equal(c.npkgs, direct.n);
	must(&c, "pkg:golang/github.com/acme/tool@v0.0.0-20240301123456-0123456789ab%2Bdirty",
	     "usr/bin/big", 0);
	must(&c, "pkg:golang/gopkg.in/yaml.v3@v3.0.1", "usr/bin/big", 0);
	assert_int_equal(f.warnings, 0);
	sg_binpkgs_release(&direct);
	sg_catalog_release(&c);
	free(big.data);
}

/* The cataloger holds every file in one mapping, reused: the gaps of a file read in part
 * must read as zeros, not as what an earlier file left there. A junk archive carrying Go
 * build info at 1 MiB, then a big ELF whose .go.buildinfo section points into a gap at
 * that offset: nothing is found, as when the ELF file comes alone. */
static void test_wiring_reuse(void **state)
{
	static const struct tent alone[] = {
		{ 'f', "usr/bin/big", "BIG", 0755 },
		{ 0, NULL, NULL, 0 },
	};
	static const struct tent after[] = {
		{ 'f', "opt/junk.jar", "BIG1", 0644 },
		{ 'f', "usr/bin/big", "BIG", 0755 },
		{ 0, NULL, NULL, 0 },
	};
	const struct tent *l1[] = { alone }, *l2[] = { after };
	const size_t at = 1u << 20;
	struct wfx f = { 0, "" };
	sg_catalog c;
	sg_buf bufs[2], go;
	unsigned char *sh;
	size_t i;

	(void)state;
	padded_elf(&bufs[0], 3u << 20);
	sh = bufs[0].data + get64(bufs[0].data + 0x28) + 2 * 64; /* section 2: .go.buildinfo */
	put64(sh + 24, at);
	load(&go, "go-inline-le64.elf");
	bufs[1].len = bufs[1].max = 2u << 20;
	assert_non_null(bufs[1].data = calloc(1, bufs[1].len));
	memcpy(bufs[1].data, "PK\x03\x04", 4);
	memcpy(bufs[1].data + at, go.data + 0xe0, 0x332); /* the fixture's .go.buildinfo */
	walk_layers(&c, &f, l1, 1, bufs);
	assert_int_equal(c.npkgs, 0);
	sg_catalog_release(&c);
	walk_layers(&c, &f, l2, 1, bufs);
	for (i = 0; i < c.npkgs; i++)
		assert_string_not_equal(c.pkgs[i].evidence[0], "usr/bin/big");
	sg_catalog_release(&c);
	sg_buf_release(&go);
	free(bufs[0].data);
	free(bufs[1].data);
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
		cmocka_unit_test(test_wiring),
		cmocka_unit_test(test_wiring_dirs),
		cmocka_unit_test(test_wiring_big),
		cmocka_unit_test(test_wiring_reuse),
	};

	snprintf(data_dir, sizeof(data_dir), "%s/sbom/bin", d ? d : "tests/data");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
