#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "policy.h"
#include "policy_int.h"
#include "buf.h"
#include "err.h"
#include "keys.h"
#include "store.h"

static char *data_path(const char *rel)
{
	const char *d = getenv("SIGIL_TEST_DATA");

	assert_non_null(d);
	return sg_strprintf("%s/policy/%s", d, rel);
}

static char *slurp(const char *path, size_t *len)
{
	sg_buf b = SG_BUF_INIT(4u << 20);
	sg_error e = { 0 };

	if (sg_read_file(&b, path, &e) < 0)
		fail_msg("%s", e.msg);
	if (!b.data)
		assert_int_equal(sg_buf_puts(&b, ""), 0);
	return (char *)sg_buf_detach(&b, len);
}

/* Parses text (name "t.yaml", keys relative to the data's keys directory). */
static int parse_text(sg_policy **p, const char *text, sg_error *e)
{
	char *dir = data_path("valid");
	int err = sg_policy_parse(p, text, strlen(text), "t.yaml", dir, e);

	free(dir);
	if (err < 0)
		assert_null(*p);
	return err;
}

/* ---- globs ---- */

static void test_glob_table(void **state)
{
	static const struct { const char *g, *s; int want; } t[] = {
		{ "a/b", "a/b", 1 },
		{ "a/b", "a/bc", 0 },
		{ "a/*", "a/b", 1 },
		{ "a/*", "a/", 1 },            /* '*' may match nothing */
		{ "a/*", "a/b/c", 0 },         /* '*' stays within a component */
		{ "a/**", "a/b/c", 1 },
		{ "a/**", "a/", 1 },
		{ "a/**", "a", 0 },
		{ "**", "", 1 },
		{ "**", "x/y/z", 1 },
		{ "a/**/c", "a/b/x/c", 1 },
		{ "a/**/c", "a/c", 0 },        /* the slashes are literal */
		{ "a/?", "a/b", 1 },
		{ "a/?", "a//", 0 },           /* '?' is not '/' */
		{ "a/?", "a/bc", 0 },
		{ "*.example.com/**", "r.example.com/x/y", 1 },
		{ "*.example.com/**", "a/b.example.com/x", 0 },
		{ "ghcr.io/org/*", "ghcr.io/org/app", 1 },
		{ "ghcr.io/org/*", "ghcr.io/org/app/sub", 0 },
		{ "ghcr.io/org/*", "ghcr.io/orgx/app", 0 },
		{ "ghcr.io/org/app-*", "ghcr.io/org/app-1", 1 },
		{ "*a*b*c", "xaybzc", 1 },
		{ "*a*b*c", "xaybz", 0 },
		{ "https://github.com/org/*", "https://github.com/org/repo", 1 },
		{ "https://github.com/org/*", "https://github.com/org/repo/.github/x.yml", 0 },
		{ "https://github.com/org/**", "https://github.com/org/repo/.github/x.yml", 1 },
		{ "refs/tags/v*", "refs/tags/v1.2.3", 1 },
		{ "refs/tags/v*", "refs/heads/v1", 0 },
		{ "[a]", "[a]", 1 },           /* no character classes: literal */
		{ "a\\*", "a\\x", 1 },        /* no escapes: '\\' is literal, '*' a glob */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (sg_glob_match(t[i].g, t[i].s, strlen(t[i].s)) != t[i].want)
			fail_msg("glob %s on %s: wanted %d", t[i].g, t[i].s, t[i].want);
	assert_null(sg_glob_problem("a/**"));
	assert_non_null(sg_glob_problem(""));
	assert_non_null(sg_glob_problem("a/***"));
	assert_non_null(sg_glob_problem("a/\x1b"));
}

static void test_glob_long(void **state)
{
	/* many stars on a long value: quadratic, not exponential */
	char g[200], *s = malloc(8193);
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 99; i++) {
		g[2 * i] = '*';
		g[2 * i + 1] = 'a';
	}
	g[198] = 'b';
	g[199] = '\0';
	memset(s, 'a', 8192);
	s[8192] = '\0';
	assert_int_equal(sg_glob_match(g, s, 8192), 0);
	free(s);
}

static void test_image_globs(void **state)
{
	static const struct { const char *g, *want; } ok[] = {
		{ "ubuntu", "index.docker.io/library/ubuntu" },
		{ "docker.io/ubuntu", "index.docker.io/library/ubuntu" },
		{ "docker.io/library/ubuntu", "index.docker.io/library/ubuntu" },
		{ "index.docker.io/ubuntu", "index.docker.io/library/ubuntu" },
		{ "org/*", "index.docker.io/org/*" },
		{ "docker.io/*", "index.docker.io/library/*" },
		{ "docker.io/**", "index.docker.io/**" },
		{ "Docker.IO/x/y", "index.docker.io/x/y" },
		{ "Registry.Example.com:5000/prod/**", "registry.example.com:5000/prod/**" },
		{ "localhost/app", "localhost/app" },
		{ "127.0.0.1:5000/app", "127.0.0.1:5000/app" },
		{ "**", "**" },
		{ "*.Example.com/**", "*.example.com/**" },
		{ "ghcr.io/org/*", "ghcr.io/org/*" },
	};
	static const struct { const char *g, *why; } bad[] = {
		{ "", "empty" },
		{ "*", "matches no image" },
		{ "ghcr.io", "a registry alone" },
		{ "ghcr.io/app:v1", "a tag" },
		{ "ubuntu:22.04", "a tag" },
		{ "ghcr.io/app@sha256:00", "a digest" },
		{ "ghcr.io/a//b", "empty path component" },
		{ "ghcr.io/a/", "empty path component" },
		{ "/a", "empty path component" },
		{ "ghcr.io/a b", "spaces" },
		{ "ghcr.io/App", "upper case" },
		{ "ghcr.io/***", "***" },
	};
	const char *why;
	char *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (sg_image_glob_normalise(&out, ok[i].g, &why) != 0)
			fail_msg("%s: %s", ok[i].g, why);
		assert_string_equal(out, ok[i].want);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sg_image_glob_normalise(&out, bad[i].g, &why) != SG_EINVALID)
			fail_msg("%s accepted", bad[i].g);
		assert_null(out);
		if (!strstr(why, bad[i].why))
			fail_msg("%s: %s, wanted %s", bad[i].g, why, bad[i].why);
	}
}

static void test_match_names(void **state)
{
	static const struct { const char *ref, *want; } t[] = {
		{ "ubuntu", "index.docker.io/library/ubuntu" },
		{ "docker.io/org/app:1", "index.docker.io/org/app" },
		{ "Registry.Example.com:5000/a/b:v1@sha256:"
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "registry.example.com:5000/a/b" },
		{ "oci:/tmp/My Dir:v1", "localhost/my-dir" },
		{ "Docker.IO/org/app", "index.docker.io/org/app" },
	};
	size_t i;
	char *n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = sg_image_match_name(t[i].ref);
		assert_non_null(n);
		assert_string_equal(n, t[i].want);
		free(n);
	}
	assert_null(sg_image_match_name("UPPER/case"));
}

/* ---- JSON pointers ---- */

static void test_pointers(void **state)
{
	json_t *doc = json_loads("{\"predicate\":{\"a/b\":{\"c~d\":1},\"list\":[\"x\",\"y\"],"
				 "\"\":{\"e\":true},\"n\":null},\"_type\":\"t\"}", 0, NULL);
	json_t *v;

	(void)state;
	assert_non_null(doc);
	assert_null(sg_pointer_problem("/predicate/x"));
	assert_null(sg_pointer_problem("/predicate"));
	assert_null(sg_pointer_problem("/_type"));
	assert_null(sg_pointer_problem("/subject/0/digest/sha256"));
	assert_null(sg_pointer_problem("/predicateType"));
	assert_null(sg_pointer_problem("/predicate/a~1b/c~0d"));
	assert_non_null(sg_pointer_problem(""));
	assert_non_null(sg_pointer_problem("predicate/x"));
	assert_non_null(sg_pointer_problem("/predicate/~2"));
	assert_non_null(sg_pointer_problem("/predicate/~"));
	assert_non_null(sg_pointer_problem("/pred"));
	assert_non_null(sg_pointer_problem("/predicateTypeX"));
	assert_non_null(sg_pointer_problem("/foo/predicate"));

	assert_int_equal(json_integer_value(sg_pointer_get(doc, "/predicate/a~1b/c~0d")), 1);
	v = sg_pointer_get(doc, "/predicate/list/1");
	assert_string_equal(json_string_value(v), "y");
	assert_string_equal(json_string_value(sg_pointer_get(doc, "/predicate/list/0")), "x");
	assert_null(sg_pointer_get(doc, "/predicate/list/2"));
	assert_null(sg_pointer_get(doc, "/predicate/list/01"));  /* no leading zeros */
	assert_null(sg_pointer_get(doc, "/predicate/list/-"));   /* past the end */
	assert_null(sg_pointer_get(doc, "/predicate/list/+1"));
	assert_null(sg_pointer_get(doc, "/predicate/list/99999999999999999999999"));
	assert_true(json_is_true(sg_pointer_get(doc, "/predicate//e")));  /* "" is a key */
	assert_true(json_is_null(sg_pointer_get(doc, "/predicate/n")));
	assert_null(sg_pointer_get(doc, "/predicate/n/x"));
	assert_null(sg_pointer_get(doc, "/predicate/a/b"));     /* ~1 is not / */
	assert_null(sg_pointer_get(doc, "/_type/0"));            /* into a string */
	assert_null(sg_pointer_get(doc, "/predicate/~2"));
	json_decref(doc);
}

/* ---- valid and invalid files ---- */

static void test_valid_files(void **state)
{
	static const struct { const char *file; size_t nrules; const char *first; } t[] = {
		{ "full.yaml", 2, "prod" },
		{ "minimal.yaml", 0, NULL },
		{ "default_allow.yaml", 0, NULL },
		{ "inline_keys.yaml", 1, "two-of-two" },
		{ "attestation_only.yaml", 1, "att" },
	};
	sg_buf desc = SG_BUF_INIT(1 << 20);
	sg_policy *p = NULL, *q = NULL;
	sg_error e = { 0 };
	char *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		path = sg_strprintf("%s/policy/valid/%s", getenv("SIGIL_TEST_DATA"), t[i].file);
		if (sg_policy_load(&p, path, &e) < 0)
			fail_msg("%s: %s", t[i].file, e.msg);
		assert_int_equal(sg_policy_nrules(p), t[i].nrules);
		if (t[i].first)
			assert_string_equal(sg_policy_rule_name(p, 0), t[i].first);
		assert_null(sg_policy_rule_name(p, t[i].nrules));
		assert_int_equal(strncmp(sg_policy_digest(p), "sha256:", 7), 0);
		assert_int_equal(strlen(sg_policy_digest(p)), 71);
		/* the same bytes and keys: the same digest */
		assert_int_equal(sg_policy_load(&q, path, &e), 0);
		assert_string_equal(sg_policy_digest(p), sg_policy_digest(q));
		sg_buf_reset(&desc);
		assert_int_equal(sg_policy_describe(&desc, p), 0);
		assert_non_null(strstr((char *)desc.data, sg_policy_digest(p)));
		sg_policy_free(p);
		sg_policy_free(q);
		p = q = NULL;
		free(path);
	}
	sg_buf_release(&desc);
	sg_policy_free(NULL);
}

/* Every tests/data/policy/invalid/<case>.yaml fails with exactly <case>.err. */
static void test_invalid_files(void **state)
{
	char *dir = data_path("invalid"), cwd[4096], name[512], *text, *want, *nl;
	struct dirent *de;
	sg_policy *p;
	sg_error e;
	size_t len, n = 0;
	DIR *d;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0); /* key paths in messages stay as written */
	assert_non_null(d = opendir("."));
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s.err", (int)(len - 5), de->d_name);
		text = slurp(de->d_name, &len);
		want = slurp(name, NULL);
		if ((nl = strchr(want, '\n')))
			*nl = '\0';
		p = (sg_policy *)1;
		memset(&e, 0, sizeof(e));
		if (sg_policy_parse(&p, text, len, de->d_name, NULL, &e) != SG_EINVALID)
			fail_msg("%s: parsed, or failed with %d: %s", de->d_name, e.code, e.msg);
		assert_null(p);
		assert_int_equal(e.code, SG_EINVALID);
		if (strcmp(e.msg, want) != 0)
			fail_msg("%s:\n  got    %s\n  wanted %s", de->d_name, e.msg, want);
		free(text);
		free(want);
		n++;
	}
	closedir(d);
	assert_int_equal(chdir(cwd), 0);
	assert_true(n >= 40);
	free(dir);
}

/* ---- limits ---- */

static void test_size_cap(void **state)
{
	size_t len = (1u << 20) + 1;
	char *big = malloc(len);
	sg_policy *p = NULL;
	sg_error e = { 0 };

	(void)state;
	assert_non_null(big);
	memset(big, '#', len);
	memcpy(big, "version: 1\nrules: []\n", 21);
	assert_int_equal(sg_policy_parse(&p, big, len, "big.yaml", NULL, &e), SG_EINVALID);
	assert_null(p);
	assert_non_null(strstr(e.msg, "big.yaml: larger than 1 MiB"));
	/* exactly 1 MiB is fine (a comment to the end) */
	big[21] = '#';
	assert_int_equal(sg_policy_parse(&p, big, len - 1, "big.yaml", NULL, &e), 0);
	sg_policy_free(p);
	free(big);
}

static void test_rule_cap(void **state)
{
	sg_buf b = SG_BUF_INIT(1 << 20);
	sg_policy *p = NULL;
	sg_error e = { 0 };
	int i;

	(void)state;
	assert_int_equal(sg_buf_puts(&b, "version: 1\nkeys: {k: {file: ../keys/ci.pub}}\nrules:\n"), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(sg_buf_printf(&b, "- {name: r%d, images: [x/r%d], "
					       "authorities: {keys: [k]}}\n", i, i), 0);
	assert_int_equal(parse_text(&p, (char *)b.data, &e), 0);
	assert_int_equal(sg_policy_nrules(p), 1000);
	assert_string_equal(sg_policy_rule_name(p, 999), "r999");
	sg_policy_free(p);
	assert_int_equal(sg_buf_puts(&b, "- {name: r1000, images: [x/y], authorities: {keys: [k]}}\n"), 0);
	assert_int_equal(parse_text(&p, (char *)b.data, &e), SG_EINVALID);
	assert_string_equal(e.msg, "t.yaml:4:1: rules: more than 1000 entries");
	sg_buf_release(&b);
}

/* n distinct inline keys in one rule's authorities. */
static char *many_keys(int n, int threshold)
{
	sg_buf b = SG_BUF_INIT(1 << 20), pem = SG_BUF_INIT(1 << 12);
	sg_privkey *k = NULL;
	sg_pubkey *pub = NULL;
	sg_error e = { 0 };
	json_t *js;
	char *j;
	int i;

	assert_int_equal(sg_buf_puts(&b, "version: 1\nrules:\n- name: many\n  images: [x/y]\n"
				     "  authorities:\n    keys:\n"), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(sg_privkey_generate(&k, SG_KEY_ED25519, &e), 0);
		assert_int_equal(sg_privkey_public(&pub, k, &e), 0);
		sg_buf_reset(&pem);
		assert_int_equal(sg_pubkey_pem(&pem, pub, &e), 0);
		js = json_string((char *)pem.data);
		j = json_dumps(js, JSON_ENCODE_ANY);
		json_decref(js);
		assert_int_equal(sg_buf_printf(&b, "    - {pem: %s}\n", j), 0);
		free(j);
		sg_privkey_free(k);
		sg_pubkey_free(pub);
	}
	assert_int_equal(sg_buf_printf(&b, "    threshold: %d\n", threshold), 0);
	sg_buf_release(&pem);
	return (char *)sg_buf_detach(&b, NULL);
}

static void test_key_cap(void **state)
{
	sg_policy *p = NULL;
	sg_error e = { 0 };
	char *text;

	(void)state;
	text = many_keys(64, 64);
	assert_int_equal(parse_text(&p, text, &e), 0);
	sg_policy_free(p);
	free(text);
	text = many_keys(65, 1);
	assert_int_equal(parse_text(&p, text, &e), SG_EINVALID);
	assert_string_equal(e.msg, "t.yaml:7:5: authorities keys: more than 64 entries");
	free(text);
}

/* The digest covers the keys' contents, not only the policy's bytes. */
static void test_digest_covers_keys(void **state)
{
	char tmpl[] = "/tmp/sigil-policy-XXXXXX", *dir = mkdtemp(tmpl), *pol, *key, *src;
	char d1[SG_DIGEST_MAX];
	const char *text = "version: 1\nkeys: {k: {file: k.pub}}\nrules: []\n";
	sg_buf b = SG_BUF_INIT(1 << 16);
	sg_policy *p = NULL;
	sg_error e = { 0 };
	int i;

	(void)state;
	assert_non_null(dir);
	pol = sg_strprintf("%s/p.yaml", dir);
	key = sg_strprintf("%s/k.pub", dir);
	assert_int_equal(sg_write_file(pol, text, strlen(text), 0644, 0, &e), 0);
	for (i = 0; i < 2; i++) {
		src = data_path(i ? "keys/ci.pub" : "keys/release.pub");
		sg_buf_reset(&b);
		assert_int_equal(sg_read_file(&b, src, &e), 0);
		assert_int_equal(sg_write_file(key, b.data, b.len, 0644, 0, &e), 0);
		if (sg_policy_load(&p, pol, &e) < 0)
			fail_msg("%s", e.msg);
		if (i == 0)
			snprintf(d1, sizeof(d1), "%s", sg_policy_digest(p));
		else
			assert_string_not_equal(d1, sg_policy_digest(p));
		sg_policy_free(p);
		free(src);
	}
	unlink(key);
	unlink(pol);
	rmdir(dir);
	free(pol);
	free(key);
	sg_buf_release(&b);
}

/* ---- evaluation without a registry ---- */

static const char eval_policy[] =
	"version: 1\n"
	"default: deny\n"
	"keys: {k: {file: ../keys/release.pub}}\n"
	"rules:\n"
	"  - name: layouts\n"
	"    images: [\"localhost/enforced*\"]\n"
	"    authorities: {keys: [k]}\n"
	"  - name: warned\n"
	"    images: [\"localhost/**\"]\n"
	"    mode: warn\n"
	"    authorities: {keys: [k]}\n";

static void test_evaluate_offline(void **state)
{
	sg_policy_verdict v = { 0 };
	sg_opts opts = { 0 };
	sg_policy *p = NULL, *allow = NULL;
	sg_ctx *ctx = NULL;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(parse_text(&p, eval_policy, &e), 0);
	assert_int_equal(sg_ctx_new(&ctx, &opts, &e), 0);

	/* a rule matches but the image cannot be resolved: denied, never allowed */
	assert_int_equal(sg_policy_evaluate(&v, p, ctx, "oci:/nonexistent/enforced", &e), 0);
	assert_string_equal(v.rule, "layouts");
	assert_false(v.passed);
	assert_false(v.allowed);
	assert_string_equal(v.digest, "");
	assert_int_equal(v.nreqs, 1);
	assert_false(v.reqs[0].ok);
	assert_non_null(strstr(v.reqs[0].detail, "cannot resolve"));
	assert_non_null(strstr(v.message, "oci:/nonexistent/enforced"));
	assert_non_null(strstr(v.message, "denied by rule layouts"));
	sg_policy_verdict_release(&v);

	/* the same in a warn-mode rule: allowed, not passed, and the message says so */
	assert_int_equal(sg_policy_evaluate(&v, p, ctx, "oci:/nonexistent/other", &e), 0);
	assert_string_equal(v.rule, "warned");
	assert_int_equal(v.mode, SG_MODE_WARN);
	assert_false(v.passed);
	assert_true(v.allowed);
	assert_non_null(strstr(v.message, "warn mode"));
	sg_policy_verdict_release(&v);

	/* no rule matches: default deny, without touching the network */
	assert_int_equal(sg_policy_evaluate(&v, p, ctx, "registry.invalid/app:1", &e), 0);
	assert_null(v.rule);
	assert_false(v.passed);
	assert_false(v.allowed);
	assert_non_null(strstr(v.message, "registry.invalid/app:1: no rule matches "
				"registry.invalid/app (default: deny)"));
	sg_policy_verdict_release(&v);

	/* a malformed reference: an error, and nothing allowed */
	assert_true(sg_policy_evaluate(&v, p, ctx, "Bad/Reference", &e) < 0);
	assert_false(v.allowed);
	sg_policy_verdict_release(&v);
	assert_true(sg_policy_evaluate_digest(&v, p, ctx, "localhost/x", "sha256:nothex", &e) < 0);
	assert_false(v.allowed);
	sg_policy_verdict_release(&v);

	/* default allow */
	assert_int_equal(parse_text(&allow, "version: 1\ndefault: allow\nrules: []\n", &e), 0);
	assert_int_equal(sg_policy_evaluate(&v, allow, ctx, "ubuntu", &e), 0);
	assert_null(v.rule);
	assert_true(v.passed);
	assert_true(v.allowed);
	assert_null(v.message);
	sg_policy_verdict_release(&v);

	sg_policy_free(allow);
	sg_policy_free(p);
	sg_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_glob_long),
		cmocka_unit_test(test_image_globs),
		cmocka_unit_test(test_match_names),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_valid_files),
		cmocka_unit_test(test_invalid_files),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_rule_cap),
		cmocka_unit_test(test_key_cap),
		cmocka_unit_test(test_digest_covers_keys),
		cmocka_unit_test(test_evaluate_offline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
