#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "digest.h"
#include "err.h"

static void test_sha256_known_answer(void **state)
{
	char d[SG_DIGEST_MAX];

	(void)state;
	sg_sha256_digest(d, "", 0);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sg_sha256_digest(d, "{}", 2);
	assert_string_equal(d, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(sg_digest_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_false(sg_digest_valid("sha256:E3B0C44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_false(sg_digest_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
	assert_false(sg_digest_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555"));
	assert_false(sg_digest_valid("md5:d41d8cd98f00b204e9800998ecf8427e"));
	assert_false(sg_digest_valid("sha256:../../../../etc/passwd"));
	assert_false(sg_digest_valid(""));
	assert_false(sg_digest_valid(NULL));
}

static void test_check(void **state)
{
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_digest_check("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "{}", 2, &e), 0);
	/* one byte different: must fail */
	assert_int_equal(sg_digest_check("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "{ }", 3, &e), SG_EDIGEST);
	assert_int_equal(sg_digest_check("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8b", "{}", 2, &e), SG_EDIGEST);
	assert_int_equal(sg_digest_check("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", "", 0, &e), 0);
	assert_int_equal(sg_digest_check("nope", "", 0, &e), SG_EINVALID);
}

static void test_tag(void **state)
{
	char t[SG_DIGEST_MAX + 16];

	(void)state;
	sg_digest_tag(t, sizeof(t), "sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36", ".sig");
	assert_string_equal(t, "sha256-97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36.sig");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_answer),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
