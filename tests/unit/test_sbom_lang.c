/* The Python, npm and apk catalogers on fixture files (tests/data/sbom/lang, apk): names,
 * versions, purls (PEP 503, scoped npm, apk qualifiers), licences from every place they
 * hide, suppliers, owned files, the OS package that installed a language package, layers,
 * and garbage (bad JSON, binary junk, files over their caps) as warnings naming the layer
 * and path. Also the walker's any-depth wants. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sbom_fixture.h"
#include "spdx.h"
#include "buf.h"
#include "err.h"

/* Every cataloger a language package meets (dpkg and apk own some), owners linked. */
#define LANG_CATS (FX_DPKG | FX_APK | FX_PYTHON | FX_NPM | FX_FINISH)

static const char *owner_name(const fx *f, const sg_pkg *p)
{
	return p->owner ? f->c.pkgs[p->owner - 1].name : NULL;
}

/* ---- the walker's any-depth wants ---- */

static void test_walker_anydepth(void **state)
{
	fx *f = fx_new(LANG_CATS);
	sg_error e = { 0 };
	char **paths = NULL, joined[2048] = "";
	size_t n = 0, i;

	(void)state;
	fx_layer_dir(f, "lang");
	assert_int_equal(sg_walker_finish(f->w, NULL, NULL, &e), 0);
	/* package roots only: not lodash/fp's stub, not .bin (FNM_PERIOD), nested ones too */
	assert_int_equal(sg_walker_matches(f->w, "**/node_modules/*/package.json", &paths, &n, &e), 0);
	for (i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s\n", paths[i]);
	assert_string_equal(joined, "app/node_modules/broken/package.json\n"
				    "app/node_modules/dup/package.json\n"
				    "app/node_modules/expr/package.json\n"
				    "app/node_modules/legacy/package.json\n"
				    "app/node_modules/lodash/package.json\n"
				    "app/node_modules/nested/node_modules/dep/package.json\n"
				    "app/node_modules/nested/package.json\n"
				    "app/node_modules/noversion/package.json\n"
				    "app/node_modules/unl/package.json\n");
	sg_strv_free(paths, n);
	/* a file-form .egg-info, not the directory form */
	assert_int_equal(sg_walker_matches(f->w, "**/*.egg-info", &paths, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "usr/lib/python3/dist-packages/distro_info-1.5.egg-info");
	sg_strv_free(paths, n);
	/* a pattern nothing asked for: nothing was kept, nothing matches */
	assert_int_equal(sg_walker_matches(f->w, "**/index.js", &paths, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(paths);
	/* the content is there */
	{
		const unsigned char *data;
		size_t len, layer;

		assert_int_equal(sg_walker_read(f->w, "app/node_modules/@babel/core/package.json",
						&data, &len, &layer, &e), 0);
		assert_non_null(strstr((const char *)data, "\"@babel/core\""));
	}
	fx_free(f);
}

/* ---- Python ---- */

static void test_python(void **state)
{
	fx *f = fx_new(LANG_CATS);
	const sg_pkg *p;

	(void)state;
	fx_layer_dir(f, "lang");
	fx_catalog(f);
	/* Python (the interpreter's egg-info) is skipped; garbage and nover are not packages */
	assert_string_equal(fx_list(f, "python"), "Flask-SQLAlchemy=3.1.1 attrs=23.1.0 "
					       "cryptography=42.0.5 distro-info=1.5+deb12u1 "
					       "requests=2.31.0 six=1.16.0 zope.interface=6.1");
	assert_non_null(strstr(f->warned, "python: usr/local/lib/python3.11/site-packages/"
					  "garbage-0.1.dist-info/METADATA (layer 0): invalid Name; skipped"));
	assert_non_null(strstr(f->warned, "python: usr/local/lib/python3.11/site-packages/"
					  "nover-1.0.dist-info/METADATA (layer 0): no Name or Version "
					  "header; skipped"));

	p = fx_find(f, "python", "requests");
	assert_string_equal(p->purl, "pkg:pypi/requests@2.31.0");
	assert_string_equal(p->license, "Apache-2.0"); /* "Apache 2.0", not the body's GPL */
	assert_string_equal(p->supplier, "Person: Kenneth Reitz (me@kennethreitz.org)");
	assert_string_equal(p->description, "Python HTTP for Humans.");
	assert_null(p->arch);
	/* RECORD: relative to site-packages, quoted CSV, "../" resolved, escapes dropped */
	assert_string_equal(fx_files(p),
			    "usr/local/bin/normalizer "
			    "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/INSTALLER "
			    "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA "
			    "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/RECORD "
			    "usr/local/lib/python3.11/site-packages/requests/__init__.py "
			    "usr/local/lib/python3.11/site-packages/requests/__pycache__/__init__.cpython-311.pyc "
			    "usr/local/lib/python3.11/site-packages/requests/odd,name.py");
	assert_int_equal(p->nevidence, 2);
	assert_string_equal(p->evidence[0], "usr/local/lib/python3.11/site-packages/"
					    "requests-2.31.0.dist-info/METADATA");
	assert_string_equal(p->evidence[1], "usr/local/lib/python3.11/site-packages/"
					    "requests-2.31.0.dist-info/RECORD");
	assert_int_equal(p->owner, 0);

	/* PEP 503: lower case, "._-" runs as one '-' */
	p = fx_find(f, "python", "Flask-SQLAlchemy");
	assert_string_equal(p->purl, "pkg:pypi/flask-sqlalchemy@3.1.1");
	assert_string_equal(p->license, "LicenseRef-BSD-License"); /* an ambiguous classifier */
	assert_string_equal(p->supplier, "Person: Pallets (contact@palletsprojects.com)");
	p = fx_find(f, "python", "zope.interface");
	assert_string_equal(p->purl, "pkg:pypi/zope-interface@6.1");
	assert_string_equal(p->license, "ZPL-2.1");
	p = fx_find(f, "python", "distro-info");
	assert_string_equal(p->purl, "pkg:pypi/distro-info@1.5%2Bdeb12u1");
	assert_string_equal(p->license, "ISC");
	assert_string_equal(p->supplier, "Person: Benjamin Drung (bdrung@debian.org)");
	assert_int_equal(p->nfiles, 0);
	/* License-Expression first, normalised */
	p = fx_find(f, "python", "cryptography");
	assert_string_equal(p->license, "Apache-2.0 OR BSD-3-Clause");
	assert_string_equal(p->supplier, "Person: The Python Cryptographic Authority and "
					 "individual contributors (cryptography-dev@python.org)");
	/* classifiers only: mapped, repeats dropped, joined with AND */
	p = fx_find(f, "python", "attrs");
	assert_string_equal(p->license, "MIT AND ISC");
	assert_string_equal(p->supplier, "Person: Hynek Schlawack (hs@ox.cx)");
	fx_free(f);
}

/* ---- npm ---- */

static void test_npm(void **state)
{
	fx *f = fx_new(LANG_CATS);
	const sg_pkg *p;

	(void)state;
	fx_layer_dir(f, "lang");
	fx_catalog(f);
	/* noversion (no version: not a package) is skipped without a word; broken and dup
	 * (bad JSON) with one */
	assert_string_equal(fx_list(f, "npm"), "@babel/core=7.23.2 dep=1.0.0-beta.1+build.5 "
					    "expr=3.0.0 legacy=1.0.0 lodash=4.17.21 ms=2.1.3 "
					    "nested=0.0.1 unl=1.0.0");
	assert_non_null(strstr(f->warned, "npm: app/node_modules/broken/package.json (layer 0): "
					  "not JSON: "));
	assert_non_null(strstr(f->warned, "npm: app/node_modules/dup/package.json (layer 0): "
					  "not JSON: duplicate object key"));
	assert_null(strstr(f->warned, "noversion"));
	assert_null(strstr(f->warned, "fp/package.json"));

	p = fx_find(f, "npm", "@babel/core");
	assert_string_equal(p->purl, "pkg:npm/%40babel/core@7.23.2");
	assert_string_equal(p->license, "MIT");
	assert_string_equal(p->supplier, "Person: The Babel Team");
	assert_string_equal(p->evidence[0], "app/node_modules/@babel/core/package.json");
	p = fx_find(f, "npm", "lodash");
	assert_string_equal(p->purl, "pkg:npm/lodash@4.17.21");
	assert_string_equal(p->supplier, "Person: John-David Dalton (john.david.dalton@gmail.com)");
	assert_string_equal(p->description, "Lodash modular utilities.");
	p = fx_find(f, "npm", "dep"); /* nested node_modules; the legacy {type, url} licence */
	assert_string_equal(p->purl, "pkg:npm/dep@1.0.0-beta.1%2Bbuild.5");
	assert_string_equal(p->license, "BSD-3-Clause");
	p = fx_find(f, "npm", "nested"); /* legacy licenses[] */
	assert_string_equal(p->license, "MIT AND Apache-2.0");
	assert_string_equal(p->supplier, "Person: N (n@example.org)");
	p = fx_find(f, "npm", "legacy");
	assert_string_equal(p->license, "(GPL-2.0-or-later OR MIT) AND ISC");
	p = fx_find(f, "npm", "expr");
	assert_string_equal(p->license, "MIT OR Apache-2.0");
	p = fx_find(f, "npm", "unl"); /* npm's UNLICENSED is not the Unlicense */
	assert_string_equal(p->license, "LicenseRef-UNLICENSED");
	fx_free(f);
}

/* ---- owners: a language package an OS package installed ---- */

static void test_owners(void **state)
{
	fx *f = fx_new(LANG_CATS);
	const sg_pkg *p;
	sg_sbom_image img = { "oci:x:v1", "localhost/x", 1, "v1",
			      "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			      "linux", "amd64", NULL, NULL, 0, 0 };
	char *layers[] = { "sha256:00" };
	sg_buf out = SG_BUF_INIT(16u << 20);
	sg_error e = { 0 };
	char *id, *rel;

	(void)state;
	img.layers = layers;
	img.nlayers = 1;
	fx_layer_dir(f, "lang");
	fx_catalog(f);
	assert_string_equal(fx_list(f, "deb"), "node-ms=2.1.3+~cs0.7.31-3 python3-six=1.16.0-4");
	p = fx_find(f, "python", "six");
	assert_string_equal(owner_name(f, p), "python3-six");
	assert_string_equal(p->evidence[0],
			    "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO");
	assert_string_equal(p->license, "MIT");
	p = fx_find(f, "npm", "ms");
	assert_string_equal(owner_name(f, p), "node-ms");
	assert_string_equal(p->evidence[0], "usr/share/nodejs/ms/package.json");
	assert_null(owner_name(f, fx_find(f, "npm", "lodash")));
	assert_null(owner_name(f, fx_find(f, "python", "distro-info")));

	/* SPDX: the owner CONTAINS it, the image does not list it again, its comment says so */
	assert_int_equal(sg_spdx_write(&out, &img, &f->c, f->w, "2000-01-01T00:00:00Z", &e), 0);
	assert_non_null(strstr((const char *)out.data, "\"comment\":\"installed by deb package "
						       "node-ms 2.1.3+~cs0.7.31-3 (SPDXRef-Package-deb-node-ms-"));
	assert_non_null(strstr((const char *)out.data, "whose file list includes "
						       "/usr/share/nodejs/ms/package.json; listed once, inside it"));
	/* ms's id, then its two possible parents */
	assert_non_null(id = strstr((const char *)out.data, "\"SPDXID\":\"SPDXRef-Package-npm-ms-"));
	id = strndup(id + 10, strcspn(id + 10, "\""));
	assert_non_null(id);
	rel = sg_strprintf("{\"relatedSpdxElement\":\"%s\",\"relationshipType\":\"CONTAINS\","
			   "\"spdxElementId\":\"SPDXRef-Package-deb-node-ms-", id);
	assert_non_null(strstr((const char *)out.data, rel));
	free(rel);
	rel = sg_strprintf("{\"relatedSpdxElement\":\"%s\",\"relationshipType\":\"CONTAINS\","
			   "\"spdxElementId\":\"SPDXRef-Image\"}", id);
	assert_null(strstr((const char *)out.data, rel));
	assert_non_null(strstr((const char *)out.data, "acquired package info from installed "
						       "node module manifest file: /app/node_modules/"));
	free(rel);
	free(id);
	sg_buf_release(&out);
	fx_free(f);
}

/* ---- layers ---- */

static void test_layers(void **state)
{
	static const char lodash5[] = "{\"name\":\"lodash\",\"version\":\"5.0.0\",\"license\":\"MIT\"}";
	fx *f = fx_new(LANG_CATS);
	char path[2048];
	sg_buf b = SG_BUF_INIT(1u << 20);
	sg_error e = { 0 };
	const sg_pkg *p;
	fx_tar t;

	(void)state;
	fx_layer_dir(f, "lang");
	/* layer 1: requests' METADATA rewritten with the same bytes (a chown -R), lodash
	 * upgraded, ms's package.json deleted */
	fx_data_path(path, sizeof(path), "lang/usr/local/lib/python3.11/site-packages/"
		     "requests-2.31.0.dist-info/METADATA");
	assert_int_equal(sg_read_file(&b, path, &e), 0);
	fx_open(f, &t);
	fx_put(&t, "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
	       b.data, b.len);
	fx_put(&t, "app/node_modules/lodash/package.json", lodash5, strlen(lodash5));
	fx_put_str(&t, "usr/share/nodejs/ms/.wh.package.json", "");
	fx_add(f, &t);
	sg_buf_release(&b);
	fx_catalog(f);
	p = fx_find(f, "python", "requests");
	assert_int_equal(p->evidence_layer, 1);
	assert_int_equal(p->introduced_layer, 0);
	p = fx_find(f, "npm", "lodash");
	assert_string_equal(p->version, "5.0.0");
	assert_int_equal(p->evidence_layer, 1);
	assert_int_equal(p->introduced_layer, 1);
	p = fx_find(f, "npm", "@babel/core");
	assert_int_equal(p->evidence_layer, 0);
	assert_int_equal(p->introduced_layer, 0);
	assert_string_equal(fx_list(f, "npm"), "@babel/core=7.23.2 dep=1.0.0-beta.1+build.5 "
					    "expr=3.0.0 legacy=1.0.0 lodash=5.0.0 nested=0.0.1 unl=1.0.0");
	fx_free(f);
}

/* ---- garbage and caps ---- */

static void test_caps_and_junk(void **state)
{
	fx *f = fx_new(LANG_CATS);
	size_t big = SG_NPM_PACKAGE_JSON_MAX + 1, i;
	char *json = malloc(big), junk[4096];
	fx_tar t;

	(void)state;
	assert_non_null(json);
	memset(json, ' ', big);
	memcpy(json, "{\"name\":\"big\",\"version\":\"1.0.0\"}", 33);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	fx_open(f, &t);
	fx_put(&t, "x/node_modules/big/package.json", json, big);
	fx_put(&t, "x/node_modules/junk/package.json", junk, sizeof(junk));
	fx_put_str(&t, "x/node_modules/arr/package.json", "[1,2]");
	fx_put_str(&t, "x/node_modules/num/package.json", "{\"name\":1,\"version\":\"1\"}");
	fx_put_str(&t, "x/node_modules/sp/package.json", "{\"name\":\"a b\",\"version\":\"1\"}");
	fx_put_str(&t, "x/node_modules/deep/package.json", "{\"name\":\"deep\",\"version\":\"1\","
		"\"license\":{\"type\":{\"type\":[]}},\"author\":[\"x\"],\"licenses\":7}");
	fx_put(&t, "s/j.dist-info/METADATA", junk, sizeof(junk));
	fx_put_str(&t, "s/e.dist-info/METADATA", "");
	fx_put_str(&t, "s/r.dist-info/METADATA", "Name: r\nVersion: 1\n");
	fx_put(&t, "s/r.dist-info/RECORD", junk, sizeof(junk));
	fx_put(&t, "lib/apk/db/installed", junk, sizeof(junk));
	fx_add(f, &t);
	free(json);
	fx_catalog(f);
	assert_non_null(strstr(f->warned, "layer 0: x/node_modules/big/package.json: 1048577 bytes, "
					  "over the 1048576-byte cap; not read"));
	assert_non_null(strstr(f->warned, "npm: x/node_modules/junk/package.json (layer 0): not JSON"));
	assert_non_null(strstr(f->warned, "npm: x/node_modules/arr/package.json (layer 0): not a "
					  "JSON object; skipped"));
	assert_non_null(strstr(f->warned, "npm: x/node_modules/num/package.json (layer 0): invalid "
					  "name; skipped"));
	assert_non_null(strstr(f->warned, "npm: x/node_modules/sp/package.json (layer 0): invalid "
					  "name; skipped"));
	assert_non_null(strstr(f->warned, "python: s/j.dist-info/METADATA (layer 0): "));
	assert_non_null(strstr(f->warned, "python: s/e.dist-info/METADATA (layer 0): no Name"));
	assert_non_null(strstr(f->warned, "apk: lib/apk/db/installed (layer 0): line 1: "));
	assert_string_equal(fx_list(f, "npm"), "deep=1");
	assert_null(fx_find(f, "npm", "deep")->license);
	assert_null(fx_find(f, "npm", "deep")->supplier);
	assert_string_equal(fx_list(f, "python"), "r=1");
	assert_string_equal(fx_list(f, "apk"), "");
	fx_free(f);
}

/* ---- apk ---- */

static void test_apk(void **state)
{
	fx *f = fx_new(LANG_CATS);
	const sg_pkg *p;

	(void)state;
	fx_layer_dir(f, "apk");
	fx_catalog(f);
	assert_string_equal(fx_list(f, "apk"), "alpine-baselayout-data=3.4.3-r2 busybox=1.36.1-r15 "
					    "ca-certificates-bundle=20230506-r0 libbar=2.0-r0 "
					    "libcrypto3=3.1.4-r5 libfoo=1.0-r0 musl=1.2.4_git20230717-r4 "
					    "py3-six=1.16.0-r9 scanelf=1.3.7-r2 ssl_client=1.36.1-r15 "
					    "zlib=1.3.1-r0");
	assert_non_null(strstr(f->warned, "apk: lib/apk/db/installed (layer 0): line 86: 1 line(s) "
					  "that are not \"K:value\"; ignored"));
	assert_non_null(strstr(f->warned, "apk: lib/apk/db/installed (layer 0): line 106: no P: "
					  "(name); record skipped"));
	if (f->warnings != 2)
		fail_msg("%d warnings:\n%s", f->warnings, f->warned);

	p = fx_find(f, "apk", "musl");
	assert_string_equal(p->purl, "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&"
				     "distro=alpine-3.19.1");
	assert_string_equal(p->license, "MIT");
	assert_string_equal(p->supplier, "Person: Timo Teräs (timo.teras@iki.fi)");
	assert_string_equal(p->description, "the musl c library (libc) implementation");
	assert_string_equal(fx_files(p), "lib/ld-musl-x86_64.so.1 lib/libc.musl-x86_64.so.1");
	assert_string_equal(p->evidence[0], "lib/apk/db/installed");
	p = fx_find(f, "apk", "ssl_client"); /* origin busybox: syft's upstream qualifier */
	assert_string_equal(p->purl, "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&"
				     "distro=alpine-3.19.1&upstream=busybox");
	assert_string_equal(p->source, "busybox");
	p = fx_find(f, "apk", "busybox");
	assert_string_equal(fx_files(p), "bin/busybox etc/securetty");
	p = fx_find(f, "apk", "zlib"); /* "R:../../etc/shadow" is not a file name */
	assert_string_equal(fx_files(p), "lib/libz.so.1.3.1");
	assert_string_equal(fx_find(f, "apk", "ca-certificates-bundle")->license,
			    "MPL-2.0 AND MIT");
	assert_string_equal(fx_find(f, "apk", "libfoo")->license, "MIT AND BSD-2-Clause");
	assert_null(fx_find(f, "apk", "libfoo")->supplier);
	assert_string_equal(fx_find(f, "apk", "libbar")->license,
			    "LicenseRef-custom-Proprietary-thing");
	assert_int_equal(f->c.nrefs, 1);
	assert_string_equal(f->c.refs[0].id, "LicenseRef-custom-Proprietary-thing");
	assert_string_equal(f->c.refs[0].name, "custom:Proprietary thing");

	/* py3-six installed six's dist-info: one python package, owned, its files under the
	 * apk package only (the compiled .pyc is RECORD's alone) */
	p = fx_find(f, "python", "six");
	assert_string_equal(owner_name(f, p), "py3-six");
	assert_string_equal(fx_files(p), "usr/lib/python3.11/site-packages/__pycache__/"
					     "six.cpython-311.pyc");
	assert_string_equal(fx_files(fx_find(f, "apk", "py3-six")),
			    "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA "
			    "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD "
			    "usr/lib/python3.11/site-packages/six.py");
	fx_free(f);
}

static void test_apk_layers(void **state)
{
	static const char db1[] = "P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\n\n"
				  "P:busybox\nV:1.36.1-r16\nA:x86_64\n\nP:curl\nV:8.5.0-r0\nA:x86_64\n";
	fx *f = fx_new(LANG_CATS);
	fx_tar t;

	(void)state;
	fx_layer_dir(f, "apk");
	fx_open(f, &t); /* apk upgrade busybox; apk add curl; everything else removed */
	fx_put(&t, "lib/apk/db/installed", db1, strlen(db1));
	fx_add(f, &t);
	fx_catalog(f);
	assert_string_equal(fx_list(f, "apk"), "busybox=1.36.1-r16 curl=8.5.0-r0 "
					    "musl=1.2.4_git20230717-r4");
	assert_int_equal(fx_find(f, "apk", "musl")->introduced_layer, 0);
	assert_int_equal(fx_find(f, "apk", "musl")->evidence_layer, 1);
	assert_int_equal(fx_find(f, "apk", "busybox")->introduced_layer, 1);
	assert_int_equal(fx_find(f, "apk", "curl")->introduced_layer, 1);
	/* no os-release change: alpine; no arch-less qualifier order problems */
	assert_string_equal(fx_find(f, "apk", "curl")->purl,
			    "pkg:apk/alpine/curl@8.5.0-r0?arch=x86_64&distro=alpine-3.19.1");
	/* py3-six is gone from the DB: six is nobody's now */
	assert_int_equal(fx_find(f, "python", "six")->owner, 0);
	fx_free(f);
}

/* ---- licences and persons on their own ---- */

static void test_license_expr(void **state)
{
	static const char *const cases[][2] = {
		{ "MIT", "MIT" },
		{ "mit", "MIT" },
		{ "  Apache-2.0 ", "Apache-2.0" },
		{ "apache-2.0 or bsd-3-clause", "Apache-2.0 OR BSD-3-Clause" },
		{ "(MIT OR Apache-2.0)", "MIT OR Apache-2.0" },
		{ "(MIT OR Apache-2.0) AND ISC", "(MIT OR Apache-2.0) AND ISC" },
		{ "((MIT))", "MIT" },
		{ "GPL-2.0+", "GPL-2.0-or-later" },
		{ "GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0" },
		{ "Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception" },
		{ "Apache License, Version 2.0", "Apache-2.0" },
		{ "Apache 2.0", "Apache-2.0" },
		{ "Apache Software License 2.0", NULL },
		{ "MIT License", "MIT" },
		{ "BSD 3-Clause License", "BSD-3-Clause" },
		{ "new BSD", "BSD-3-Clause" },
		{ "GPLv2+", "GPL-2.0-or-later" },
		{ "ASL 2.0", "Apache-2.0" },
		{ "Boost", "BSL-1.0" },
		{ "GNU GPL v3", "GPL-3.0-only" },
		{ "LGPL-2.1+", "LGPL-2.1-or-later" },
		{ "MPL 2.0", "MPL-2.0" },
		{ "PSF", "PSF-2.0" },
		{ "LicenseRef-Acme", "LicenseRef-Acme" },
		{ "MIT AND LicenseRef-x.y", "MIT AND LicenseRef-x.y" },
		{ "UNKNOWN", NULL },
		{ "", NULL },
		{ "SEE LICENSE IN LICENSE.md", NULL },
		{ "MIT\nCopyright (c) 2020 someone", NULL },
		{ "MIT OR", "LicenseRef-MIT-OR" },
		{ "(MIT", "MIT" }, /* not an expression; the name is plain */
		{ "MIT) (", "MIT" },
		{ "Public Domain", "LicenseRef-Public-Domain" },
		{ "MIT WITH MIT", "LicenseRef-MIT-WITH-MIT" },
	};
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sg_licref *refs = NULL;
		size_t nrefs = 0;
		sg_error e = { 0 };
		char *x = NULL;

		assert_int_equal(sg_license_expr(&x, &refs, &nrefs, cases[i][0], &e), 0);
		if (!cases[i][1] && !strcmp(cases[i][0], "Apache Software License 2.0")) {
			/* not a name we know: kept, as a LicenseRef */
			assert_string_equal(x, "LicenseRef-Apache-Software-License-2.0");
		} else if (cases[i][1]) {
			if (!x || strcmp(x, cases[i][1])) {
				print_error("%s: %s, not %s\n", cases[i][0], x ? x : "NULL", cases[i][1]);
				bad++;
			}
		} else if (x) {
			print_error("%s: %s, not NULL\n", cases[i][0], x);
			bad++;
		}
		/* every LicenseRef used is defined, and only those */
		if (x && strstr(x, "LicenseRef-"))
			assert_int_equal(nrefs, 1 + (strstr(strstr(x, "LicenseRef-") + 1, "LicenseRef-") != NULL));
		else
			assert_int_equal(nrefs, 0);
		free(x);
		sg_licrefs_free(refs, nrefs);
	}
	assert_int_equal(bad, 0);
	assert_string_equal(sg_license_classifier("License :: OSI Approved :: MIT License"), "MIT");
	assert_string_equal(sg_license_classifier("License :: OSI Approved :: GNU General Public "
						  "License v2 or later (GPLv2+)"), "GPL-2.0-or-later");
	assert_null(sg_license_classifier("License :: OSI Approved :: BSD License"));
	assert_null(sg_license_classifier("License :: OSI Approved"));
	assert_null(sg_license_classifier("Programming Language :: Python :: MIT License"));
}

static void test_person(void **state)
{
	static const char *const cases[][2] = {
		{ "Jane Doe <jane@example.org>", "Person: Jane Doe (jane@example.org)" },
		{ "Jane Doe <jane@example.org> (https://jane.example.org)",
		  "Person: Jane Doe (jane@example.org)" },
		{ "\"Jane Doe\" <jane@example.org>, Joe <joe@example.org>",
		  "Person: Jane Doe (jane@example.org)" },
		{ "jane@example.org, joe@example.org", "Person: jane@example.org" },
		{ "Jane Doe (https://jane.example.org)", "Person: Jane Doe" },
		{ "Jane\001Doe", "Person: Jane Doe" },
		{ "UNKNOWN", NULL },
		{ "  ", NULL },
		{ "<not an address>", NULL },
	};
	size_t i;
	int oom = 0;
	char *x;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x = sg_person_from(cases[i][0], &oom);
		if (cases[i][1])
			assert_string_equal(x, cases[i][1]);
		else
			assert_null(x);
		free(x);
	}
	assert_int_equal(oom, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walker_anydepth),
		cmocka_unit_test(test_python),
		cmocka_unit_test(test_npm),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_caps_and_junk),
		cmocka_unit_test(test_apk),
		cmocka_unit_test(test_apk_layers),
		cmocka_unit_test(test_license_expr),
		cmocka_unit_test(test_person),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
