#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include "auth.h"
#include "err.h"

/* ---- WWW-Authenticate ---- */

static void test_challenge_docker_hub(void **state)
{
	sg_challenge c;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_challenge_parse(&c,
		"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		"scope=\"repository:samalba/my-app:pull,push\"", &e), 0);
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:samalba/my-app:pull,push");
	sg_challenge_release(&c);
	assert_null(c.realm);
}

static void test_challenge_basic(void **state)
{
	sg_challenge c;

	(void)state;
	assert_int_equal(sg_challenge_parse(&c, "Basic realm=\"basic-realm\"", NULL), 0);
	assert_string_equal(c.scheme, "Basic");
	assert_string_equal(c.realm, "basic-realm");
	assert_null(c.service);
	assert_null(c.scope);
	sg_challenge_release(&c);
	/* Basic works without a realm (RFC 7617 wants one; servers omit it) */
	assert_int_equal(sg_challenge_parse(&c, "Basic", NULL), 0);
	assert_string_equal(c.realm, "");
	sg_challenge_release(&c);
	assert_int_equal(sg_challenge_parse(&c, "basic charset=\"UTF-8\"", NULL), 0);
	assert_string_equal(c.scheme, "basic");
	sg_challenge_release(&c);
}

static void test_challenge_quoting(void **state)
{
	sg_challenge c;

	(void)state;
	/* escaped quotes and backslashes, commas inside quotes */
	assert_int_equal(sg_challenge_parse(&c,
		"Bearer realm=\"https://a.example/t\\\"x,y\",service=\"s\\\\v\",scope=\"a,b\"",
		NULL), 0);
	assert_string_equal(c.realm, "https://a.example/t\"x,y");
	assert_string_equal(c.service, "s\\v");
	assert_string_equal(c.scope, "a,b");
	sg_challenge_release(&c);
	/* case-insensitive keys, spaces around '=' and ',', empty list elements */
	assert_int_equal(sg_challenge_parse(&c,
		"  bearer   REALM = \"r\" ,, Service=\"s\"\t, error=\"invalid_token\"", NULL), 0);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "r");
	assert_string_equal(c.service, "s");
	sg_challenge_release(&c);
	/* unquoted values, as some registries send them */
	assert_int_equal(sg_challenge_parse(&c,
		"Bearer realm=https://x.example/token,service=reg.example", NULL), 0);
	assert_string_equal(c.realm, "https://x.example/token");
	assert_string_equal(c.service, "reg.example");
	sg_challenge_release(&c);
	/* only the first challenge counts */
	assert_int_equal(sg_challenge_parse(&c,
		"Bearer realm=\"r1\",service=\"s1\", Basic realm=\"r2\"", NULL), 0);
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "r1");
	assert_string_equal(c.service, "s1");
	sg_challenge_release(&c);
	assert_int_equal(sg_challenge_parse(&c, "Bearer realm=\"r1\", Basic", NULL), 0);
	assert_string_equal(c.realm, "r1");
	sg_challenge_release(&c);
}

static void test_challenge_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"Bearer",                          /* no realm */
		"Bearer service=\"x\"",             /* no realm */
		"Bearer realm=\"\"",                /* empty realm */
		"Bearer realm=\"unterminated",
		"Bearer realm=",
		"Bearer realm=\"a\" junk",
		"Bearer realm=\"a\",realm=\"b\"",   /* duplicate parameter */
		"Bearer realm=\"a\x01\"",           /* control character */
		"Bearer realm=\"a\\\x01\"",
		"Bearer realm=a\r\nX-Evil: 1",
		"=realm",
		"\"Bearer\" realm=\"a\"",
		"Bearer =\"a\"",
		"Bearer, realm=\"a\"",
		"Bearer realm=\"a\"\\",
		"Bearer realm=\"a\\",
		"Bear(er realm=\"a\"",
		"Bearer realm=\"a\";service=\"b\"",
	};
	sg_challenge c;
	sg_error e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.code = 0;
		assert_int_equal(sg_challenge_parse(&c, bad[i], &e), SG_EINVALID);
		assert_int_equal(e.code, SG_EINVALID);
		assert_null(c.scheme);
		assert_null(c.realm);
	}
	assert_int_equal(sg_challenge_parse(&c, NULL, &e), SG_EINVALID);
}

static void test_challenge_huge_and_random(void **state)
{
	size_t n = 2u << 20, i, j;
	char *big = malloc(n + 1), buf[64];
	sg_challenge c;
	unsigned seed = 12345;

	(void)state;
	assert_non_null(big);
	if (!big) /* for GCC's -Warray-bounds under the sanitizers: cmocka's assert may return */
		return;
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(sg_challenge_parse(&c, big, NULL), SG_EINVALID);
	/* a long but acceptable realm */
	memcpy(big, "Bearer realm=\"", 14);
	memset(big + 14, 'r', 40000);
	memcpy(big + 14 + 40000, "\"", 2);
	assert_int_equal(sg_challenge_parse(&c, big, NULL), 0);
	assert_int_equal(strlen(c.realm), 40000);
	sg_challenge_release(&c);
	/* many parameters */
	memcpy(big, "Bearer realm=\"r\"", 16);
	for (i = 0; i < 3000; i++)
		memcpy(big + 16 + 7 * i, ", k=\"v\"", 7);
	big[16 + 7 * i] = '\0';
	assert_int_equal(sg_challenge_parse(&c, big, NULL), 0);
	sg_challenge_release(&c);
	free(big);
	/* random short inputs from a small alphabet: must never crash or leak */
	for (i = 0; i < 20000; i++) {
		static const char alpha[] = "Bearer realm=\"\\, \t\x01sa";
		size_t len = (seed = seed * 1103515245u + 12345u) % (sizeof(buf) - 1);

		for (j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		buf[len] = '\0';
		if (sg_challenge_parse(&c, buf, NULL) == 0) {
			assert_non_null(c.scheme);
			assert_non_null(c.realm);
			sg_challenge_release(&c);
		}
	}
}

/* ---- config.json ---- */

struct fixture {
	char dir[64];
	char bin[96];
	char *old_path;
};

static void write_file(const char *dir, const char *name, const char *text, int mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static void write_config(struct fixture *fx, const char *json)
{
	write_file(fx->dir, "config.json", json, 0600);
}

/* A credential helper that answers for two servers and logs what it was asked. */
static const char helper_script[] =
	"#!/bin/sh\n"
	"[ \"$1\" = get ] || exit 2\n"
	"read -r server\n"
	"echo \"$server\" >> \"$(dirname \"$0\")/asked\"\n"
	"case $server in\n"
	"helper.example) echo '{\"ServerURL\":\"helper.example\",\"Username\":\"hu\",\"Secret\":\"hs\"}' ;;\n"
	"token.example) echo '{\"ServerURL\":\"token.example\",\"Username\":\"<token>\",\"Secret\":\"refresh-me\"}' ;;\n"
	"https://index.docker.io/v1/) echo '{\"ServerURL\":\"x\",\"Username\":\"hub\",\"Secret\":\"hubpw\"}' ;;\n"
	"broken.example) echo 'not json' ;;\n"
	"failing.example) echo 'keychain exploded'; exit 1 ;;\n"
	"*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
	"esac\n";

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *path = getenv("PATH");
	char *newpath;
	size_t n;

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sigil-auth-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->bin, sizeof(fx->bin), "%s/bin", fx->dir);
	if (mkdir(fx->bin, 0700) < 0)
		return -1;
	write_file(fx->bin, "docker-credential-sigiltest", helper_script, 0755);
	fx->old_path = strdup(path ? path : "/usr/bin:/bin");
	n = strlen(fx->bin) + strlen(fx->old_path) + 2;
	newpath = malloc(n);
	snprintf(newpath, n, "%s:%s", fx->bin, fx->old_path);
	setenv("PATH", newpath, 1);
	free(newpath);
	unsetenv("DOCKER_CONFIG");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[160];

	setenv("PATH", fx->old_path, 1);
	free(fx->old_path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void lookup_ok(struct fixture *fx, const char *reg, const char *repo, const char *user,
		      const char *pass, const char *token)
{
	sg_cred c;
	sg_error e = { 0 };
	int err = sg_cred_lookup(&c, fx->dir, reg, repo, &e);

	if (err)
		fail_msg("lookup %s/%s: %d %s", reg, repo, err, e.msg);
	if (user)
		assert_string_equal(c.username, user);
	if (pass)
		assert_string_equal(c.password, pass);
	else
		assert_null(c.password);
	if (token)
		assert_string_equal(c.identity_token, token);
	else
		assert_null(c.identity_token);
	sg_cred_release(&c);
	assert_null(c.username);
	assert_null(c.password);
}

static int lookup_err(struct fixture *fx, const char *reg, const char *repo, sg_error *e)
{
	sg_cred c;
	int err = sg_cred_lookup(&c, fx->dir, reg, repo, e);

	assert_null(c.username);
	assert_null(c.password);
	assert_null(c.identity_token);
	return err;
}

static void test_auths_b64(void **state)
{
	struct fixture *fx = *state;

	/* dXNlcjpwYXNz = user:pass; dXNlcjpwYTpzcw== = user:pa:ss */
	write_config(fx, "{\"auths\":{\"reg.example:5000\":{\"auth\":\"dXNlcjpwYXNz\"},"
			 "\"other.example\":{\"auth\":\"dXNlcjpwYTpzcw==\"}}}");
	lookup_ok(fx, "reg.example:5000", "a/b", "user", "pass", NULL);
	lookup_ok(fx, "other.example", "x", "user", "pa:ss", NULL); /* split at the first ':' */
}

static void test_auths_fields(void **state)
{
	struct fixture *fx = *state;

	write_config(fx, "{\"auths\":{\"reg.example\":{\"username\":\"u2\",\"password\":\"p2\"},"
			 "\"tok.example\":{\"auth\":\"\",\"identitytoken\":\"idtok\"},"
			 "\"both.example\":{\"auth\":\"dXNlcjpwYXNz\",\"identitytoken\":\"t\"}}}");
	lookup_ok(fx, "reg.example", "r", "u2", "p2", NULL);
	lookup_ok(fx, "tok.example", "r", NULL, NULL, "idtok");
	lookup_ok(fx, "both.example", "r", "user", "pass", "t");
}

static void test_auths_most_specific(void **state)
{
	struct fixture *fx = *state;

	/* d3Jvbmc6d3Jvbmc= = wrong:wrong; cmlnaHQ6cmlnaHQ= = right:right; bnM6bnM= = ns:ns */
	write_config(fx, "{\"auths\":{"
			 "\"reg.example\":{\"auth\":\"d3Jvbmc6d3Jvbmc=\"},"
			 "\"reg.example/team\":{\"auth\":\"cmlnaHQ6cmlnaHQ=\"},"
			 "\"reg.example/team/app/deeper\":{\"auth\":\"bnM6bnM=\"},"
			 "\"https://scheme.example/v1/\":{\"auth\":\"cmlnaHQ6cmlnaHQ=\"},"
			 "\"http://plain.example\":{\"auth\":\"cmlnaHQ6cmlnaHQ=\"}}}");
	lookup_ok(fx, "reg.example", "team/app", "right", "right", NULL);
	lookup_ok(fx, "reg.example", "team", "right", "right", NULL);
	lookup_ok(fx, "reg.example", "teamx/app", "wrong", "wrong", NULL);
	lookup_ok(fx, "reg.example", "team/app/deeper/still", "ns", "ns", NULL);
	lookup_ok(fx, "scheme.example", "x/y", "right", "right", NULL);
	lookup_ok(fx, "plain.example", "x", "right", "right", NULL);
}

static void test_auths_docker_hub(void **state)
{
	struct fixture *fx = *state;
	sg_error e = { 0 };

	write_config(fx, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\"}}}");
	lookup_ok(fx, "index.docker.io", "library/ubuntu", "user", "pass", NULL);
	/* podman-style key */
	write_config(fx, "{\"auths\":{\"docker.io\":{\"auth\":\"dXNlcjpwYXNz\"}}}");
	lookup_ok(fx, "index.docker.io", "library/ubuntu", "user", "pass", NULL);
	/* the hub's key is not some other registry's */
	assert_int_equal(lookup_err(fx, "ghcr.io", "x", &e), SG_ENOTFOUND);
}

static void test_config_errors(void **state)
{
	struct fixture *fx = *state;
	sg_error e = { 0 };

	/* missing file: anonymous */
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_ENOTFOUND);
	assert_non_null(strstr(e.msg, "no credentials in"));
	assert_non_null(strstr(e.msg, fx->dir));
	/* nothing for this registry */
	write_config(fx, "{\"auths\":{\"elsewhere.example\":{\"auth\":\"dXNlcjpwYXNz\"}}}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_ENOTFOUND);
	/* a placeholder without secrets is not a credential */
	write_config(fx, "{\"auths\":{\"reg.example\":{}}}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_ENOTFOUND);
	/* malformed base64, no colon, wrong types */
	write_config(fx, "{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcjpwYXNz!\"}}}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	assert_non_null(strstr(e.msg, "base64"));
	write_config(fx, "{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcjpwYXNz\\n\"}}}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	write_config(fx, "{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcnBhc3M=\"}}}"); /* userpass */
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	write_config(fx, "{\"auths\":{\"reg.example\":{\"auth\":42}}}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	write_config(fx, "{\"auths\":[]}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	/* duplicate keys rejected */
	write_config(fx, "{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcjpwYXNz\"},"
			 "\"reg.example\":{\"auth\":\"d3Jvbmc6d3Jvbmc=\"}}}");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	/* not JSON, not an object */
	write_config(fx, "{\"auths\":");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
	assert_non_null(strstr(e.msg, "config.json"));
	write_config(fx, "[]");
	assert_int_equal(lookup_err(fx, "reg.example", "r", &e), SG_EINVALID);
}

static void test_docker_config_env(void **state)
{
	struct fixture *fx = *state;
	sg_cred c;
	sg_error e = { 0 };

	write_config(fx, "{\"auths\":{\"reg.example\":{\"auth\":\"dXNlcjpwYXNz\"}}}");
	setenv("DOCKER_CONFIG", fx->dir, 1);
	assert_int_equal(sg_cred_lookup(&c, NULL, "reg.example", "r", &e), 0);
	assert_string_equal(c.username, "user");
	sg_cred_release(&c);
	unsetenv("DOCKER_CONFIG");
}

static void test_cred_helpers(void **state)
{
	struct fixture *fx = *state;
	sg_error e = { 0 };
	char path[160];
	FILE *f;
	char line[128];

	write_config(fx, "{\"auths\":{\"helper.example\":{\"auth\":\"d3Jvbmc6d3Jvbmc=\"},"
			 "\"nothing.example\":{\"auth\":\"dXNlcjpwYXNz\"}},"
			 "\"credHelpers\":{\"helper.example\":\"sigiltest\",\"token.example\":\"sigiltest\","
			 "\"nothing.example\":\"sigiltest\",\"broken.example\":\"sigiltest\","
			 "\"failing.example\":\"sigiltest\",\"missing.example\":\"nosuchhelper\","
			 "\"evil.example\":\"../../bin/sh\"}}");
	/* credHelpers wins over auths */
	lookup_ok(fx, "helper.example", "a/b", "hu", "hs", NULL);
	/* "<token>" means an identity token */
	lookup_ok(fx, "token.example", "a", NULL, NULL, "refresh-me");
	/* helper has nothing: fall through to auths */
	lookup_ok(fx, "nothing.example", "a", "user", "pass", NULL);
	/* the helper was asked with the registry host on stdin */
	snprintf(path, sizeof(path), "%s/asked", fx->bin);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "helper.example\n");
	fclose(f);
	assert_int_equal(lookup_err(fx, "broken.example", "a", &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "malformed"));
	assert_int_equal(lookup_err(fx, "failing.example", "a", &e), SG_EAUTH);
	/* the helper's output is not repeated: it may hold a secret */
	assert_null(strstr(e.msg, "keychain exploded"));
	assert_non_null(strstr(e.msg, "get failed (exit status"));
	assert_int_equal(lookup_err(fx, "missing.example", "a", &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "docker-credential-nosuchhelper"));
	assert_int_equal(lookup_err(fx, "evil.example", "a", &e), SG_EINVALID);
}

static void test_creds_store(void **state)
{
	struct fixture *fx = *state;
	sg_error e = { 0 };

	/* credsStore after auths; placeholder {} entries as docker writes them */
	write_config(fx, "{\"credsStore\":\"sigiltest\",\"auths\":{"
			 "\"helper.example\":{},\"https://index.docker.io/v1/\":{},"
			 "\"direct.example\":{\"auth\":\"dXNlcjpwYXNz\"}}}");
	lookup_ok(fx, "helper.example", "a", "hu", "hs", NULL);
	lookup_ok(fx, "index.docker.io", "library/x", "hub", "hubpw", NULL);
	lookup_ok(fx, "direct.example", "a", "user", "pass", NULL);
	assert_int_equal(lookup_err(fx, "unknown.example", "a", &e), SG_ENOTFOUND);
	assert_non_null(strstr(e.msg, "no credentials in"));
	write_config(fx, "{\"credsStore\":7}");
	assert_int_equal(lookup_err(fx, "helper.example", "a", &e), SG_EINVALID);
}

/* A helper stand-in for sg_cred_lookup_json: records what it was asked, answers for "tok". */
struct asked {
	char helper[64], server[128];
	int calls;
};

static int stub_helper(sg_cred *out, const char *helper, const char *server, void *ud,
		       sg_error *e)
{
	struct asked *a = ud;

	a->calls++;
	snprintf(a->helper, sizeof(a->helper), "%s", helper);
	snprintf(a->server, sizeof(a->server), "%s", server);
	if (strcmp(helper, "tok") != 0)
		return sg_err(e, SG_ENOTFOUND, "no credentials");
	if (!(out->identity_token = sodium_malloc(4)))
		return sg_err(e, SG_ERROR, "out of memory");
	memcpy(out->identity_token, "abc", 4);
	return 0;
}

static void test_lookup_json(void **state)
{
	static const char cfg[] = "{\"auths\":{\"direct.example\":{\"auth\":\"dXNlcjpwYXNz\"}},"
				  "\"credHelpers\":{\"index.docker.io\":\"tok\",\"bad.example\":\"../x\"},"
				  "\"credsStore\":\"none\"}";
	struct asked a = { 0 };
	sg_cred c;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_cred_lookup_json(&c, cfg, strlen(cfg), "cfg", "direct.example", "a",
					     stub_helper, &a, &e), 0);
	assert_string_equal(c.username, "user");
	assert_string_equal(c.password, "pass");
	sg_cred_release(&c);
	/* auths answered: no helper was asked */
	assert_int_equal(a.calls, 0);
	assert_int_equal(sg_cred_lookup_json(&c, cfg, strlen(cfg), "cfg", "index.docker.io",
					     "library/x", stub_helper, &a, &e), 0);
	assert_string_equal(c.identity_token, "abc");
	assert_string_equal(a.server, "https://index.docker.io/v1/");
	sg_cred_release(&c);
	assert_int_equal(sg_cred_lookup_json(&c, cfg, strlen(cfg), "cfg", "other.example", "a",
					     stub_helper, &a, &e), SG_ENOTFOUND);
	assert_string_equal(a.helper, "none");
	assert_string_equal(a.server, "other.example");
	assert_non_null(strstr(e.msg, "no credentials in cfg"));
	/* a bad helper name is refused before any helper is asked */
	a.calls = 0;
	assert_int_equal(sg_cred_lookup_json(&c, cfg, strlen(cfg), "cfg", "bad.example", "a",
					     stub_helper, &a, &e), SG_EINVALID);
	assert_int_equal(a.calls, 0);
	assert_int_equal(sg_cred_lookup_json(&c, "[1]", 3, "cfg", "x.example", "a", stub_helper,
					     &a, &e), SG_EINVALID);
	assert_non_null(strstr(e.msg, "cfg: not a JSON object"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_docker_hub),
		cmocka_unit_test(test_challenge_basic),
		cmocka_unit_test(test_challenge_quoting),
		cmocka_unit_test(test_challenge_invalid),
		cmocka_unit_test(test_challenge_huge_and_random),
		cmocka_unit_test_setup_teardown(test_auths_b64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auths_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auths_most_specific, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auths_docker_hub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_docker_config_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cred_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_store, setup, teardown),
		cmocka_unit_test(test_lookup_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
