#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ref.h"
#include "err.h"

#define D "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d"

typedef struct ok_case {
	const char *in;
	sg_ref_kind kind;
	const char *registry, *repository, *tag, *digest, *path;
	const char *repo_name, *string;
} ok_case;

static const ok_case ok_cases[] = {
	{ "ubuntu", SG_REF_REGISTRY, "index.docker.io", "library/ubuntu", "latest", NULL, NULL,
	  "index.docker.io/library/ubuntu", "index.docker.io/library/ubuntu:latest" },
	{ "docker.io/library/ubuntu", SG_REF_REGISTRY, "index.docker.io", "library/ubuntu",
	  "latest", NULL, NULL, "index.docker.io/library/ubuntu",
	  "index.docker.io/library/ubuntu:latest" },
	{ "docker.io/ubuntu:22.04", SG_REF_REGISTRY, "index.docker.io", "library/ubuntu", "22.04",
	  NULL, NULL, "index.docker.io/library/ubuntu", "index.docker.io/library/ubuntu:22.04" },
	{ "index.docker.io/ubuntu", SG_REF_REGISTRY, "index.docker.io", "library/ubuntu", "latest",
	  NULL, NULL, "index.docker.io/library/ubuntu", "index.docker.io/library/ubuntu:latest" },
	{ "chihjenhuang/cosign1", SG_REF_REGISTRY, "index.docker.io", "chihjenhuang/cosign1",
	  "latest", NULL, NULL, "index.docker.io/chihjenhuang/cosign1",
	  "index.docker.io/chihjenhuang/cosign1:latest" },
	{ "ghcr.io/org/app:1.0", SG_REF_REGISTRY, "ghcr.io", "org/app", "1.0", NULL, NULL,
	  "ghcr.io/org/app", "ghcr.io/org/app:1.0" },
	{ "localhost:5000/a/b@" D, SG_REF_REGISTRY, "localhost:5000", "a/b", NULL, D, NULL,
	  "localhost:5000/a/b", "localhost:5000/a/b@" D },
	{ "127.0.0.1:5000/x:y", SG_REF_REGISTRY, "127.0.0.1:5000", "x", "y", NULL, NULL,
	  "127.0.0.1:5000/x", "127.0.0.1:5000/x:y" },
	{ "localhost/foo", SG_REF_REGISTRY, "localhost", "foo", "latest", NULL, NULL,
	  "localhost/foo", "localhost/foo:latest" },
	/* As in go-containerregistry: no '/', so "localhost" is a Docker Hub name, 5000 a tag. */
	{ "localhost:5000", SG_REF_REGISTRY, "index.docker.io", "library/localhost", "5000", NULL,
	  NULL, "index.docker.io/library/localhost", "index.docker.io/library/localhost:5000" },
	{ "ghcr.io/org/app:1.0@" D, SG_REF_REGISTRY, "ghcr.io", "org/app", "1.0", D, NULL,
	  "ghcr.io/org/app", "ghcr.io/org/app:1.0@" D },
	{ "[::1]:5000/foo:bar", SG_REF_REGISTRY, "[::1]:5000", "foo", "bar", NULL, NULL,
	  "[::1]:5000/foo", "[::1]:5000/foo:bar" },
	{ "example.com/a", SG_REF_REGISTRY, "example.com", "a", "latest", NULL, NULL,
	  "example.com/a", "example.com/a:latest" },
	{ "gcr.io/p/a.b_c__d---e:V1.2-rc_3", SG_REF_REGISTRY, "gcr.io", "p/a.b_c__d---e",
	  "V1.2-rc_3", NULL, NULL, "gcr.io/p/a.b_c__d---e", "gcr.io/p/a.b_c__d---e:V1.2-rc_3" },
	{ "registry.example.com:443/team/sub/app@" D, SG_REF_REGISTRY, "registry.example.com:443",
	  "team/sub/app", NULL, D, NULL, "registry.example.com:443/team/sub/app",
	  "registry.example.com:443/team/sub/app@" D },
	{ "foo.com", SG_REF_REGISTRY, "index.docker.io", "library/foo.com", "latest", NULL, NULL,
	  "index.docker.io/library/foo.com", "index.docker.io/library/foo.com:latest" },
	{ "oci:./dir", SG_REF_OCI, NULL, "localhost/dir", "latest", NULL, "./dir",
	  "localhost/dir", "oci:./dir:latest" },
	{ "oci:/a/b:v1", SG_REF_OCI, NULL, "localhost/b", "v1", NULL, "/a/b", "localhost/b",
	  "oci:/a/b:v1" },
	{ "oci:dir@" D, SG_REF_OCI, NULL, "localhost/dir", NULL, D, "dir", "localhost/dir",
	  "oci:dir@" D },
	{ "oci:/a/b:v1@" D, SG_REF_OCI, NULL, "localhost/b", "v1", D, "/a/b", "localhost/b",
	  "oci:/a/b:v1@" D },
	{ "oci:/tmp/My Layout..V2_/", SG_REF_OCI, NULL, "localhost/my-layout-v2", "latest", NULL,
	  "/tmp/My Layout..V2_/", "localhost/my-layout-v2", "oci:/tmp/My Layout..V2_/:latest" },
	{ "oci:c:/x", SG_REF_OCI, NULL, "localhost/x", "latest", NULL, "c:/x", "localhost/x",
	  "oci:c:/x:latest" },
	{ "oci:a:b!", SG_REF_OCI, NULL, "localhost/a-b", "latest", NULL, "a:b!", "localhost/a-b",
	  "oci:a:b!:latest" },
	{ "oci:.", SG_REF_OCI, NULL, "localhost/layout", "latest", NULL, ".", "localhost/layout",
	  "oci:.:latest" },
	{ "oci:/srv/x@y", SG_REF_OCI, NULL, "localhost/x-y", "latest", NULL, "/srv/x@y",
	  "localhost/x-y", "oci:/srv/x@y:latest" },
	{ "oci:/srv/d\xc3\xafr", SG_REF_OCI, NULL, "localhost/d--r", "latest", NULL,
	  "/srv/d\xc3\xafr", "localhost/d--r", "oci:/srv/d\xc3\xafr:latest" },
};

static void expect_str(const char *want, const char *got, const char *field, const char *in)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(want, got) != 0)
		fail_msg("%s: %s: want \"%s\" got \"%s\"", in, field, want ? want : "(null)",
			 got ? got : "(null)");
}

static void check_ok(const ok_case *c)
{
	sg_error e = { 0, "" };
	sg_ref *r = NULL;
	char *s;

	if (sg_ref_parse(&r, c->in, &e) != 0)
		fail_msg("%s: %s", c->in, e.msg);
	assert_int_equal(r->kind, c->kind);
	expect_str(c->registry, r->registry, "registry", c->in);
	expect_str(c->repository, r->repository, "repository", c->in);
	expect_str(c->tag, r->tag, "tag", c->in);
	expect_str(c->digest, r->digest, "digest", c->in);
	expect_str(c->path, r->path, "path", c->in);
	expect_str(c->digest ? c->digest : c->tag, sg_ref_target(r), "target", c->in);
	s = sg_ref_repo_name(r);
	expect_str(c->repo_name, s, "repo_name", c->in);
	free(s);
	s = sg_ref_string(r);
	expect_str(c->string, s, "string", c->in);
	free(s);
	sg_ref_free(r);
}

static void test_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++)
		check_ok(&ok_cases[i]);
}

/* A canonical name parses back to the same reference. */
static void test_round_trip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		sg_error e = { 0, "" };
		sg_ref *a = NULL, *b = NULL;
		char *s1, *s2;

		assert_int_equal(sg_ref_parse(&a, ok_cases[i].in, &e), 0);
		s1 = sg_ref_string(a);
		if (sg_ref_parse(&b, s1, &e) != 0)
			fail_msg("%s -> %s: %s", ok_cases[i].in, s1, e.msg);
		s2 = sg_ref_string(b);
		expect_str(s1, s2, "round trip", ok_cases[i].in);
		free(s1);
		free(s2);
		sg_ref_free(a);
		sg_ref_free(b);
	}
}

static void check_bad(const char *in, const char *why_substr)
{
	sg_error e = { 0, "" };
	sg_ref *r = (sg_ref *)1;
	const char *p;
	int err = sg_ref_parse(&r, in, &e);

	if (err != SG_EINVALID)
		fail_msg("\"%s\" should be invalid, got %d", in, err);
	assert_null(r);
	assert_int_equal(e.code, SG_EINVALID);
	for (p = e.msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			fail_msg("unprintable byte in message for \"%s\": %s", in, e.msg);
	if (why_substr && !strstr(e.msg, why_substr))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", in, e.msg, why_substr);
}

static void test_invalid(void **state)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "", "empty" },
		{ "Ubuntu", "\"Ubuntu\"" },
		{ "ghcr.io/Org/app", "lowercase" },
		{ "a//b", "\"a//b\"" },
		{ "/ubuntu", NULL },
		{ "ubuntu/", NULL },
		{ "ghcr.io/", "empty" },
		{ "ubuntu:", "empty tag" },
		{ "ubuntu:bad!tag", "tag" },
		{ "ubuntu:-tag", "tag" },
		{ "ubuntu:.tag", "tag" },
		{ "ubuntu@sha256:abc", "digest" },
		{ "ubuntu@sha256:4C1C50D0FFC614F90B93B07D778028DC765548E823F676FB027F61D281AC380D",
		  "digest" },
		{ "ubuntu@sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d0",
		  "digest" },
		{ "ubuntu@sha512:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d"
		  "4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d", "digest" },
		{ "ubuntu@md5:4c1c50d0ffc614f90b93b07d778028dc", "digest" },
		{ "library/ubuntu@", "digest" },
		{ "a@b@" D, NULL },
		{ "ubuntu@" D ":tag", "digest" },
		{ "ghcr.io/org/app\xef\xbc\x9a" "1.0", "non-ASCII" }, /* fullwidth colon */
		{ "ghcr.io/org/\xd0\xb0pp", "non-ASCII" },             /* Cyrillic a */
		{ "ubuntu\n", "control" },
		{ "ub\x01untu", "ub?untu" },
		{ "ubuntu\x7f", "control" },
		{ "ubuntu latest", "spaces" },
		{ "https://ghcr.io/org/app", "scheme" },
		{ "ghcr.io:/x", "registry" },
		{ "ghcr.io:abc/x", "registry" },
		{ "ghcr.io:123456/x", "registry" },
		{ "gh..cr.io/x", "registry" },
		{ "a..b", NULL },
		{ "a._b", NULL },
		{ "-a", NULL },
		{ "a-", NULL },
		{ "a___b", NULL },
		{ "_a", NULL },
		{ "oci:", "path" },
		{ "oci::v1", "path" },
		{ "oci:dir:", "empty tag" },
		{ "oci:dir@sha256:abc", "digest" },
		{ "oci:dir@sha512:abc", "digest" },
		{ "oci:di\x01r", "control" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i].in, bad[i].msg);
	check_bad(NULL, "empty");
}

static void test_lengths(void **state)
{
	char in[600], tag[200];
	sg_ref *r = NULL;
	sg_error e;

	(void)state;
	/* repository of exactly 255 characters: fine; 256: refused. */
	memcpy(in, "example.com/", 12);
	memset(in + 12, 'a', 255);
	in[12 + 255] = '\0';
	assert_int_equal(sg_ref_parse(&r, in, &e), 0);
	assert_int_equal(strlen(r->repository), 255);
	sg_ref_free(r);
	memset(in + 12, 'a', 256);
	in[12 + 256] = '\0';
	check_bad(in, "255");
	/* Docker Hub: "library/" counts. */
	memset(in, 'b', 250);
	in[250] = '\0';
	check_bad(in, "255");
	/* a long multi-component name */
	memset(in, 0, sizeof(in));
	for (size_t i = 0; i < 100; i++)
		memcpy(in + i * 3, "ab/", 3);
	memcpy(in + 300, "ab", 3);
	check_bad(in, "255");
	/* tags: 128 fine, 129 refused */
	memset(tag, 'T', 128);
	tag[128] = '\0';
	assert_true(sg_tag_valid(tag));
	snprintf(in, sizeof(in), "ubuntu:%s", tag);
	assert_int_equal(sg_ref_parse(&r, in, &e), 0);
	assert_string_equal(r->tag, tag);
	sg_ref_free(r);
	tag[128] = 'T';
	tag[129] = '\0';
	assert_false(sg_tag_valid(tag));
	snprintf(in, sizeof(in), "ubuntu:%s", tag);
	check_bad(in, "tag");
	/* absurdly long input */
	{
		char *big = malloc(10000);

		memset(big, 'a', 9999);
		big[9999] = '\0';
		check_bad(big, "too long");
		free(big);
	}
}

static void test_tag_valid(void **state)
{
	(void)state;
	assert_true(sg_tag_valid("latest"));
	assert_true(sg_tag_valid("_"));
	assert_true(sg_tag_valid("v1.2.3-rc_1"));
	assert_true(sg_tag_valid("sha256-4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d.sig"));
	assert_false(sg_tag_valid(NULL));
	assert_false(sg_tag_valid(""));
	assert_false(sg_tag_valid(".x"));
	assert_false(sg_tag_valid("-x"));
	assert_false(sg_tag_valid("a:b"));
	assert_false(sg_tag_valid("a/b"));
	assert_false(sg_tag_valid("a b"));
	assert_false(sg_tag_valid("caf\xc3\xa9"));
}

static void test_free_null(void **state)
{
	(void)state;
	sg_ref_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_tag_valid),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests_name("ref", tests, NULL, NULL);
}
