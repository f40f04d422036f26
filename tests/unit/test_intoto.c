#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "intoto.h"
#include "err.h"

#define HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DIGEST "sha256:" HEX
#define T0 ((time_t)1738555506) /* 2025-02-03T04:05:06Z */

static json_t *load(const char *type, const char *text, int want)
{
	json_t *p = NULL;
	sg_error e = { 0 };
	int err = sg_predicate_load(&p, type, text, strlen(text), "pred.json", T0, &e);

	if (err != want)
		fail_msg("type %s: got %d (%s), wanted %d: %s", type, err, e.msg, want, text);
	if (err < 0) {
		assert_null(p);
		assert_non_null(strstr(e.msg, "pred.json"));
	}
	return p;
}

static char *build(const char *stype, const char *ptype, const json_t *pred)
{
	sg_buf b = SG_BUF_INIT(1 << 20);
	sg_error e = { 0 };

	assert_int_equal(sg_intoto_build(&b, stype, "127.0.0.1:5000/app", DIGEST, ptype, pred, &e), 0);
	return (char *)sg_buf_detach(&b, NULL);
}

static void test_type_map(void **state)
{
	(void)state;
	assert_string_equal(sg_predicate_type_uri("custom"), "https://cosign.sigstore.dev/attestation/v1");
	assert_string_equal(sg_predicate_type_uri("slsaprovenance"), "https://slsa.dev/provenance/v0.2");
	assert_string_equal(sg_predicate_type_uri("slsaprovenance02"), "https://slsa.dev/provenance/v0.2");
	assert_string_equal(sg_predicate_type_uri("slsaprovenance1"), "https://slsa.dev/provenance/v1");
	assert_string_equal(sg_predicate_type_uri("spdx"), "https://spdx.dev/Document");
	assert_string_equal(sg_predicate_type_uri("spdxjson"), "https://spdx.dev/Document");
	assert_string_equal(sg_predicate_type_uri("cyclonedx"), "https://cyclonedx.org/bom");
	assert_string_equal(sg_predicate_type_uri("link"), "https://in-toto.io/Link/v1");
	assert_string_equal(sg_predicate_type_uri("vuln"), "https://cosign.sigstore.dev/attestation/vuln/v1");
	assert_string_equal(sg_predicate_type_uri("openvex"), "https://openvex.dev/ns");
	assert_string_equal(sg_predicate_type_uri("https://example.com/p/v1"), "https://example.com/p/v1");
	assert_string_equal(sg_predicate_type_uri("urn:example:x"), "urn:example:x");
	assert_null(sg_predicate_type_uri("slsa"));
	assert_null(sg_predicate_type_uri(""));
	assert_null(sg_predicate_type_uri("https:"));
	assert_null(sg_predicate_type_uri("1http://x"));
	assert_null(sg_predicate_type_uri("https://exa mple.com"));
	assert_null(sg_predicate_type_uri("https://example.com/\x1b[2J"));
	assert_null(sg_predicate_type_uri(NULL));
}

static void test_build_byte_exact(void **state)
{
	json_t *p = load("https://example.com/p/v1",
			 "{\"z\": [1, 2.5, true, null], \"a\": \"<x>&\", \"n\": 1e21, \"big\": 12345678901234567890}", 0);
	char *s;

	(void)state;
	s = build(SG_INTOTO_STATEMENT_V1, "https://example.com/p/v1", p);
	/* cosign v3's field order; predicate as Go marshals map[string]any (sorted keys, numbers
	 * as float64, HTML escaping) */
	assert_string_equal(s,
		"{\"_type\":\"https://in-toto.io/Statement/v1\","
		"\"subject\":[{\"name\":\"127.0.0.1:5000/app\",\"digest\":{\"sha256\":\"" HEX "\"}}],"
		"\"predicateType\":\"https://example.com/p/v1\","
		"\"predicate\":{\"a\":\"\\u003cx\\u003e\\u0026\",\"big\":12345678901234567000,\"n\":1e+21,"
		"\"z\":[1,2.5,true,null]}}");
	free(s);
	s = build(SG_INTOTO_STATEMENT_V01, "https://example.com/p/v1", p);
	assert_non_null(strstr(s, "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":"));
	free(s);
	json_decref(p);
}

static void test_custom_predicate(void **state)
{
	json_t *p = load("custom", "{\"foo\": \"bar\"}\n", 0);
	char *s;

	(void)state;
	s = build(SG_INTOTO_STATEMENT_V01, SG_PREDICATE_CUSTOM, p);
	/* the file verbatim (newline included) in Data, as cosign writes it */
	assert_string_equal(s,
		"{\"_type\":\"https://in-toto.io/Statement/v0.1\","
		"\"subject\":[{\"name\":\"127.0.0.1:5000/app\",\"digest\":{\"sha256\":\"" HEX "\"}}],"
		"\"predicateType\":\"https://cosign.sigstore.dev/attestation/v1\","
		"\"predicate\":{\"Data\":\"{\\\"foo\\\": \\\"bar\\\"}\\n\",\"Timestamp\":\"2025-02-03T04:05:06Z\"}}");
	free(s);
	json_decref(p);
	/* the custom URI given as --type behaves like custom */
	p = load(SG_PREDICATE_CUSTOM, "[1]", 0);
	assert_true(json_is_object(p) && json_object_get(p, "Data"));
	json_decref(p);
	load("custom", "not json", SG_EINVALID);
	load("custom", "", SG_EINVALID);
}

static void test_spdx_tag_value(void **state)
{
	static const char tv[] = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nPackageName: <a&b>\n";
	json_t *p = load("spdx", tv, 0);
	char *s;

	(void)state;
	assert_true(json_is_string(p));
	s = build(SG_INTOTO_STATEMENT_V1, "https://spdx.dev/Document", p);
	assert_non_null(strstr(s, ",\"predicate\":\"SPDXVersion: SPDX-2.3\\nDataLicense: CC0-1.0\\n"
				  "PackageName: \\u003ca\\u0026b\\u003e\\n\"}"));
	free(s);
	json_decref(p);
	load("spdx", "", SG_EINVALID);
	load("spdx", "\xff\xfe bad utf-8", SG_EINVALID);
	/* spdxjson wants the JSON document */
	json_decref(load("spdxjson", "{\"spdxVersion\":\"SPDX-2.3\"}", 0));
	load("spdxjson", tv, SG_EINVALID);
}

static void test_predicate_rejects(void **state)
{
	char deep[200];
	int i;

	(void)state;
	load("slsaprovenance1", "not json", SG_EINVALID);
	load("cyclonedx", "[1,2]", SG_EINVALID);
	load("openvex", "\"text\"", SG_EINVALID);
	load("https://example.com/x", "{\"a\":1,\"a\":2}", SG_EINVALID);
	load("vuln", "{\"scanner\":", SG_EINVALID);
	load("slsaprovenance1", "{\"buildDefinition\":{}}", SG_EINVALID);
	load("slsaprovenance", "{\"builder\":{}}", SG_EINVALID);
	load("link", "{\"name\":\"x\"}", SG_EINVALID);
	/* nesting: what jansson parses (up to 2048 levels) is a predicate; deeper is refused */
	for (i = 0; i < 40; i++)
		deep[i] = '[';
	for (; i < 80; i++)
		deep[i] = ']';
	deep[i] = 0;
	json_decref(load("https://example.com/x", "{\"x\":[[[[]]]]}", 0));
	{
		char obj[256];

		snprintf(obj, sizeof(obj), "{\"x\":%s}", deep);
		json_decref(load("https://example.com/x", obj, 0));
	}
	{
		static char obj[6200];

		memcpy(obj, "{\"x\":", 5);
		for (i = 5; i < 5 + 3000; i++)
			obj[i] = '[';
		for (; i < 5 + 6000; i++)
			obj[i] = ']';
		obj[i++] = '}';
		obj[i] = 0;
		load("https://example.com/x", obj, SG_EINVALID);
	}
	{
		json_t *p = NULL;
		sg_error e = { 0 };

		assert_int_equal(sg_predicate_load(&p, "nonsense", "{}", 2, "f", T0, &e), SG_EINVALID);
	}
}

static void test_slsa1_rename(void **state)
{
	json_t *p = load("slsaprovenance1", "{\"buildDefinition\":{\"buildType\":\"t\"},"
			 "\"runDetails\":{\"builder\":{\"id\":\"b\"},\"metadata\":{\"invocationID\":\"run-1\"}}}", 0);
	json_t *md = json_object_get(json_object_get(p, "runDetails"), "metadata");

	(void)state;
	assert_null(json_object_get(md, "invocationID"));
	assert_string_equal(json_string_value(json_object_get(md, "invocationId")), "run-1");
	json_decref(p);
}

static int parse(const char *text, sg_intoto **out)
{
	sg_error e = { 0 };

	return sg_intoto_parse(out, text, strlen(text), &e);
}

static void test_parse_roundtrip(void **state)
{
	json_t *p = load("slsaprovenance02", "{\"builder\":{\"id\":\"b\"},\"buildType\":\"t\"}", 0);
	char *s = build(SG_INTOTO_STATEMENT_V1, "https://slsa.dev/provenance/v0.2", p);
	sg_intoto *st = NULL;

	(void)state;
	assert_int_equal(parse(s, &st), 0);
	assert_string_equal(st->type, SG_INTOTO_STATEMENT_V1);
	assert_string_equal(st->predicate_type, "https://slsa.dev/provenance/v0.2");
	assert_int_equal(st->nsubjects, 1);
	assert_string_equal(st->subjects[0].name, "127.0.0.1:5000/app");
	assert_int_equal(st->subjects[0].ndigests, 1);
	assert_string_equal(st->subjects[0].digests[0].key, "sha256");
	assert_string_equal(st->subjects[0].digests[0].value, HEX);
	assert_true(json_equal(st->predicate, p));
	assert_true(sg_intoto_has_digest(st, DIGEST));
	assert_false(sg_intoto_has_digest(st, "sha256:0000000000000000000000000000000000000000000000000000000000000000"));
	assert_false(sg_intoto_has_digest(st, "sha512:" HEX));
	sg_intoto_free(st);
	free(s);
	json_decref(p);
}

static void test_parse_cosign_shapes(void **state)
{
	/* cosign v2's order and v0.1 type; a second subject carries the digest; a v1
	 * subject without a name; a string predicate (cosign's spdx) */
	static const char v2[] =
		"{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"https://cosign.sigstore.dev/attestation/v1\","
		"\"subject\":[{\"name\":\"127.0.0.1:60943/repo\",\"digest\":{\"sha256\":\"732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4\"}},"
		"{\"digest\":{\"sha512\":\"ab\",\"sha256\":\"" HEX "\"}}],"
		"\"predicate\":{\"Data\":\"{\\\"foo\\\": \\\"bar\\\"}\\n\",\"Timestamp\":\"2025-02-03T04:05:06Z\"}}";
	static const char spdx[] =
		"{\"_type\":\"https://in-toto.io/Statement/v1\", \"predicate\":\"SPDXVersion: SPDX-2.3\\n\", "
		"\"predicateType\":\"https://spdx.dev/Document\", \"subject\":[{\"digest\":{\"sha256\":\"" HEX "\"}}], "
		"\"extra\": {\"ignored\": 99999999999999999999999}}";
	sg_intoto *st = NULL;

	(void)state;
	assert_int_equal(parse(v2, &st), 0);
	assert_int_equal(st->nsubjects, 2);
	assert_null(st->subjects[1].name);
	assert_true(sg_intoto_has_digest(st, DIGEST));
	assert_true(sg_intoto_has_digest(st, "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"));
	sg_intoto_free(st);
	assert_int_equal(parse(spdx, &st), 0);
	assert_true(json_is_string(st->predicate));
	assert_true(sg_intoto_has_digest(st, DIGEST));
	sg_intoto_free(st);
}

static void test_parse_rejects(void **state)
{
#define SUBJ "\"subject\":[{\"name\":\"n\",\"digest\":{\"sha256\":\"" HEX "\"}}]"
#define PT "\"predicateType\":\"https://example.com/p\""
#define TY "\"_type\":\"https://in-toto.io/Statement/v1\""
	static const char *bad[] = {
		"",
		"[]",
		"{" TY "," SUBJ "," PT ",\"predicate\":{}}x",
		/* duplicate keys, at the top and deep inside */
		"{" TY "," SUBJ "," PT "," PT "}",
		"{" TY "," SUBJ "," PT ",\"subject\":[]}",
		"{" TY ",\"subject\":[{\"digest\":{\"sha256\":\"a\",\"sha256\":\"" HEX "\"}}]," PT "}",
		"{" TY "," SUBJ "," PT ",\"predicate\":{\"a\":1,\"a\":2}}",
		/* subject missing, empty, not an array, elements not objects */
		"{" TY "," PT "}",
		"{" TY ",\"subject\":[]," PT "}",
		"{" TY ",\"subject\":{\"digest\":{\"sha256\":\"" HEX "\"}}," PT "}",
		"{" TY ",\"subject\":[\"x\"]," PT "}",
		/* digest not an object, empty, with a non-string value; name not a string */
		"{" TY ",\"subject\":[{\"name\":\"n\",\"digest\":\"sha256:" HEX "\"}]," PT "}",
		"{" TY ",\"subject\":[{\"name\":\"n\",\"digest\":[\"" HEX "\"]}]," PT "}",
		"{" TY ",\"subject\":[{\"name\":\"n\"}]," PT "}",
		"{" TY ",\"subject\":[{\"name\":\"n\",\"digest\":{}}]," PT "}",
		"{" TY ",\"subject\":[{\"name\":\"n\",\"digest\":{\"sha256\":1}}]," PT "}",
		"{" TY ",\"subject\":[{\"name\":7,\"digest\":{\"sha256\":\"" HEX "\"}}]," PT "}",
		/* wrong or missing _type */
		"{" SUBJ "," PT "}",
		"{\"_type\":\"https://in-toto.io/Statement/v2\"," SUBJ "," PT "}",
		"{\"_type\":\"https://in-toto.io/statement/v1\"," SUBJ "," PT "}",
		"{\"_type\":1," SUBJ "," PT "}",
		"{\"type\":\"https://in-toto.io/Statement/v1\"," SUBJ "," PT "}",
		/* predicateType missing, empty, not a string */
		"{" TY "," SUBJ "}",
		"{" TY "," SUBJ ",\"predicateType\":\"\"}",
		"{" TY "," SUBJ ",\"predicateType\":{}}",
	};
	sg_intoto *st = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(bad[i], &st);

		if (err != SG_EINVALID)
			fail_msg("case %zu parsed (%d): %s", i, err, bad[i]);
		assert_null(st);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_map),
		cmocka_unit_test(test_build_byte_exact),
		cmocka_unit_test(test_custom_predicate),
		cmocka_unit_test(test_spdx_tag_value),
		cmocka_unit_test(test_predicate_rejects),
		cmocka_unit_test(test_slsa1_rename),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_cosign_shapes),
		cmocka_unit_test(test_parse_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
