#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <jansson.h>
#include "payload.h"
#include "digest.h"
#include "err.h"

/* formats.md §1.3 / §1.8: a real cosign v1.13.1 payload, 252 bytes. */
static const char real_payload[] =
	"{\"critical\":{\"identity\":{\"docker-reference\":\"index.docker.io/chihjenhuang/cosign1\"},"
	"\"image\":{\"docker-manifest-digest\":\"sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d\"},"
	"\"type\":\"cosign container image signature\"},\"optional\":null}";

static void test_build_matches_cosign(void **state)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_PAYLOAD);
	char d[SG_DIGEST_MAX];
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_payload_build(&b, "index.docker.io/chihjenhuang/cosign1",
		"sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d", NULL, 0, &e), 0);
	assert_int_equal(b.len, 252);
	assert_string_equal((char *)b.data, real_payload);
	sg_sha256_digest(d, b.data, b.len);
	assert_string_equal(d, "sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc");
	sg_buf_release(&b);
}

static void test_build_annotations_sorted_last_wins(void **state)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_PAYLOAD);
	sg_kv *kv = NULL;
	size_t n = 0;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_kv_parse(&kv, &n, "z=1,a=<x>", &e), 0);
	assert_int_equal(sg_kv_parse(&kv, &n, "z=2", &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sg_payload_build(&b, "r/x", "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d", kv, n, &e), 0);
	assert_non_null(strstr((char *)b.data, ",\"optional\":{\"a\":\"\\u003cx\\u003e\",\"z\":\"2\"}}"));
	sg_kv_free(kv, n);
	sg_buf_release(&b);
	kv = NULL;
	n = 0;
	assert_int_equal(sg_kv_parse(&kv, &n, "novalue", &e), SG_EINVALID);
	assert_int_equal(sg_kv_parse(&kv, &n, "=v", &e), SG_EINVALID);
	sg_kv_free(kv, n);
}

static void test_parse_roundtrip(void **state)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_PAYLOAD);
	sg_payload *p = NULL;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_payload_parse(&p, real_payload, strlen(real_payload), &e), 0);
	assert_string_equal(p->docker_ref, "index.docker.io/chihjenhuang/cosign1");
	assert_string_equal(p->digest, "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d");
	assert_null(p->optional);
	assert_int_equal(sg_payload_write(&b, p), 0);
	assert_string_equal((char *)b.data, real_payload);
	sg_payload_free(p);
	sg_buf_release(&b);
}

static void test_parse_rejects(void **state)
{
	static const char *bad[] = {
		"",
		"[]",
		"{\"critical\":{}}",
		/* wrong type */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-digest\":\"sha256:x\"},\"type\":\"other\"},\"optional\":null}",
		/* duplicate key: a second digest could smuggle a different claim */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-digest\":\"sha256:a\",\"docker-manifest-digest\":\"sha256:b\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
		/* digest not a string */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-digest\":1},\"type\":\"cosign container image signature\"},\"optional\":null}",
		/* optional not an object */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-digest\":\"sha256:a\"},\"type\":\"cosign container image signature\"},\"optional\":[1]}",
		/* a case variant of a key: cosign (case-insensitive, last wins) would read b */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-digest\":\"sha256:a\",\"Docker-manifest-digest\":\"sha256:b\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
		"{\"Critical\":{},\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-digest\":\"sha256:a\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
		/* truncated */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"a\"}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sg_payload *p = NULL;
		sg_error e = { 0 };
		assert_int_equal(sg_payload_parse(&p, bad[i], strlen(bad[i]), &e), SG_EINVALID);
		assert_null(p);
		assert_true(strlen(e.msg) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_matches_cosign),
		cmocka_unit_test(test_build_annotations_sorted_last_wins),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
