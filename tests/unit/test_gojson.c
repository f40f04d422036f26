#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "gojson.h"

static char *render(const json_t *v)
{
	static char out[4096];
	sg_buf b = SG_BUF_INIT(4096);
	sg_gojson w;

	sg_gojson_init(&w, &b);
	sg_gojson_value(&w, v);
	assert_int_equal(w.err, 0);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.data, b.len + 1);
	sg_buf_release(&b);
	return out;
}

static void test_escaping_matches_go(void **state)
{
	json_t *s;

	(void)state;
	/* Go's json.Marshal with HTML escaping */
	s = json_string("a<b>&c\"d\\e\n\t\x01/\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9");
	assert_string_equal(render(s), "\"a\\u003cb\\u003e\\u0026c\\\"d\\\\e\\n\\t\\u0001/\\u2028\\u2029\xc3\xa9\"");
	json_decref(s);
	s = json_stringn_nocheck("x\xff" "y\xc3", 4);
	assert_string_equal(render(s), "\"x\\ufffdy\\ufffd\"");
	json_decref(s);
}

static void test_map_keys_sorted(void **state)
{
	json_t *o = json_pack("{s:s, s:i, s:b, s:n, s:[i,i], s:{s:s, s:s}}", "zeta", "1", "alpha", 2,
			      "Mid", 1, "b", "arr", 1, 2, "obj", "y", "1", "x", "2");

	(void)state;
	assert_string_equal(render(o), "{\"Mid\":true,\"alpha\":2,\"arr\":[1,2],\"b\":null,"
				       "\"obj\":{\"x\":\"2\",\"y\":\"1\"},\"zeta\":\"1\"}");
	json_decref(o);
}

static void test_reals(void **state)
{
	json_t *a = json_pack("[f,f,f,f]", 1.5, 0.1, 1e21, 1e-7);

	(void)state;
	assert_string_equal(render(a), "[1.5,0.1,1e+21,1e-7]");
	json_decref(a);
	/* Go's 'f' layout below 1e21: no exponent where %g would use one */
	a = json_pack("[f,f,f,f,f,f,f]", 100.0, 1e20, 12345678901234567890.0, 123.456, 0.000001,
		      -2.5e-6, 0.0);
	assert_string_equal(render(a), "[100,100000000000000000000,12345678901234567000,123.456,"
				       "0.000001,-0.0000025,0]");
	json_decref(a);
}

static void test_writer_struct_order(void **state)
{
	sg_buf b = SG_BUF_INIT(1024);
	sg_gojson w;

	(void)state;
	sg_gojson_init(&w, &b);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "b");
	sg_gojson_arr_open(&w);
	sg_gojson_obj_open(&w);
	sg_gojson_obj_close(&w);
	sg_gojson_int(&w, -3);
	sg_gojson_arr_close(&w);
	sg_gojson_key(&w, "a");
	sg_gojson_str(&w, "");
	sg_gojson_obj_close(&w);
	assert_int_equal(w.err, 0);
	assert_string_equal((char *)b.data, "{\"b\":[{},-3],\"a\":\"\"}");
	sg_buf_release(&b);
}

static void test_cap(void **state)
{
	sg_buf b = SG_BUF_INIT(4);
	sg_gojson w;

	(void)state;
	sg_gojson_init(&w, &b);
	sg_gojson_str(&w, "too long");
	assert_int_not_equal(w.err, 0);
	sg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping_matches_go),
		cmocka_unit_test(test_map_keys_sorted),
		cmocka_unit_test(test_reals),
		cmocka_unit_test(test_writer_struct_order),
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
