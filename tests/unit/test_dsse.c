#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "dsse.h"
#include "keys.h"
#include "err.h"

/* secure-systems-lab/dsse protocol.md "Test Vectors": ECDSA P-256 key given as X, Y, d;
 * the PEM forms below were derived from those numbers (formats.md §2.2, §10). */
static const char vector_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ805D3eqNZywjCI19lInBJOp7YMr\n"
	"CrzAH3CVTAOQ0jgMeCvVTiaRJaRPRDOv8UMs6U4SvKc6pnrIDOoSYI3fdA==\n"
	"-----END PUBLIC KEY-----\n";
static const char vector_priv[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1z7EN/1jRuNhnF6/\n"
	"3/8PaRaASVWtMqyaxJKw7eH2/7ehRANCAARnzTkPd6o1nLCMIjX2UicEk6ntgysK\n"
	"vMAfcJVMA5DSOAx4K9VOJpElpE9EM6/xQyzpThK8pzqmesgM6hJgjd90\n"
	"-----END PRIVATE KEY-----\n";
/* A second key, to check that a right signature by the wrong key fails. */
static const char other_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAJ3GLT2a5u9/2LFfE94/nM26jSQP\n"
	"pvxJumROamkmy+wbW5RlNNL+V0AmDRxuHy3OfdEMU0RiMZD9Jfhpl5mhRQ==\n"
	"-----END PUBLIC KEY-----\n";

#define VECTOR_SIG "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
/* The protocol.md envelope, whitespace and all. */
static const char vector_env[] =
	"{\"payload\": \"aGVsbG8gd29ybGQ=\",\n"
	" \"payloadType\": \"http://example.com/HelloWorld\",\n"
	" \"signatures\": [{\"sig\": \"" VECTOR_SIG "\"}]}";

static sg_pubkey *pub(const char *pem)
{
	sg_pubkey *k = NULL;
	sg_error e = { 0 };

	assert_int_equal(sg_pubkey_from_pem(&k, pem, strlen(pem), "test.pub", &e), 0);
	return k;
}

/* Parses and verifies env with the vector key: SG_OK, SG_EVERIFY, or the parse error. */
static int check(const char *env, const char *pem)
{
	sg_pubkey *k = pub(pem);
	sg_dsse *d = NULL;
	sg_error e = { 0 };
	int err;

	err = sg_dsse_parse(&d, env, strlen(env), &e);
	if (err == 0)
		err = sg_dsse_verify(d, k, &e);
	sg_dsse_free(d);
	sg_pubkey_free(k);
	return err;
}

static void test_pae_known_answer(void **state)
{
	sg_buf b = SG_BUF_INIT(1024);

	(void)state;
	assert_int_equal(sg_dsse_pae(&b, "http://example.com/HelloWorld", 29, "hello world", 11), 0);
	assert_int_equal(b.len, strlen("DSSEv1 29 http://example.com/HelloWorld 11 hello world"));
	assert_memory_equal(b.data, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", b.len);
	sg_buf_reset(&b);
	assert_int_equal(sg_dsse_pae(&b, "", 0, "", 0), 0);
	assert_string_equal((char *)b.data, "DSSEv1 0  0 ");
	sg_buf_reset(&b);
	/* binary body, lengths in decimal bytes */
	assert_int_equal(sg_dsse_pae(&b, "application/vnd.in-toto+json", 28, "\0\xff", 2), 0);
	assert_int_equal(b.len, 43);
	assert_memory_equal(b.data, "DSSEv1 28 application/vnd.in-toto+json 2 \0\xff", 43);
	sg_buf_release(&b);
}

static void test_vector_verifies(void **state)
{
	sg_pubkey *k = pub(vector_pub);
	sg_dsse *d = NULL;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_dsse_parse(&d, vector_env, strlen(vector_env), &e), 0);
	assert_string_equal(d->payload_type, "http://example.com/HelloWorld");
	assert_int_equal(d->payload_len, 11);
	assert_memory_equal(d->payload, "hello world", 11);
	assert_int_equal(d->nsigs, 1);
	assert_null(d->sigs[0].keyid);
	assert_int_equal(d->sigs[0].siglen, 64); /* raw r||s */
	assert_int_equal(sg_dsse_verify(d, k, &e), SG_OK);
	sg_dsse_free(d);
	sg_pubkey_free(k);
}

static void test_forgeries_fail(void **state)
{
	char flipped[] = VECTOR_SIG;
	char env[1024];

	(void)state;
	/* payload changed ("hello worle") */
	assert_int_equal(check("{\"payload\":\"aGVsbG8gd29ybGU=\",\"payloadType\":\"http://example.com/HelloWorld\","
			       "\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}", vector_pub), SG_EVERIFY);
	/* payloadType changed */
	assert_int_equal(check("{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"http://example.com/HelloWorle\","
			       "\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}", vector_pub), SG_EVERIFY);
	/* one signature bit flipped */
	flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
	snprintf(env, sizeof(env), "{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":"
		 "\"http://example.com/HelloWorld\",\"signatures\":[{\"sig\":\"%s\"}]}", flipped);
	assert_int_equal(check(env, vector_pub), SG_EVERIFY);
	/* the right signature, checked with another key */
	assert_int_equal(check(vector_env, other_pub), SG_EVERIFY);
	/* two signatures, both bad */
	snprintf(env, sizeof(env), "{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":"
		 "\"http://example.com/HelloWorld\",\"signatures\":[{\"sig\":\"%s\"},{\"sig\":\"%s\"}]}",
		 flipped, flipped);
	assert_int_equal(check(env, vector_pub), SG_EVERIFY);
	/* a bad one beside a good one: DSSE's threshold is one verified signature */
	snprintf(env, sizeof(env), "{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":"
		 "\"http://example.com/HelloWorld\",\"signatures\":[{\"keyid\":\"x\",\"sig\":\"%s\"},"
		 "{\"sig\":\"%s\"}]}", flipped, VECTOR_SIG);
	assert_int_equal(check(env, vector_pub), SG_OK);
}

static void test_parse_rejects(void **state)
{
	static const char *bad[] = {
		"",
		"[]",
		"\"x\"",
		"{}",
		/* no signatures */
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\"}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":null}",
		/* duplicate keys */
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payload\":\"aGVsbG8gd29ybGU=\",\"payloadType\":\"t\","
		"\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"payloadType\":\"u\","
		"\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\","
		"\"signatures\":[{\"sig\":\"" VECTOR_SIG "\",\"sig\":\"" VECTOR_SIG "\"}]}",
		/* bad base64: payload, signature, missing padding, whitespace */
		"{\"payload\":\"!!!!\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"#@$%\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payload\":\"aGVs bG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		/* wrong types and missing fields */
		"{\"payload\":1,\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[\"" VECTOR_SIG "\"]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":7,\"sig\":\"" VECTOR_SIG "\"}]}",
		/* trailing garbage */
		"{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" VECTOR_SIG "\"}]}x",
	};
	sg_error e = { 0 };
	sg_dsse *d = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = sg_dsse_parse(&d, bad[i], strlen(bad[i]), &e);

		if (err != SG_EINVALID)
			fail_msg("case %zu parsed (%d): %s", i, err, bad[i]);
		assert_null(d);
	}
}

static void test_too_many_signatures(void **state)
{
	char *env = malloc(100000);
	size_t n = 0, i;
	sg_error e = { 0 };
	sg_dsse *d = NULL;

	(void)state;
	assert_non_null(env);
	n += (size_t)snprintf(env + n, 100000 - n, "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[");
	for (i = 0; i <= SG_DSSE_MAX_SIGS; i++)
		n += (size_t)snprintf(env + n, 100000 - n, "%s{\"sig\":\"%s\"}", i ? "," : "", VECTOR_SIG);
	n += (size_t)snprintf(env + n, 100000 - n, "]}");
	assert_int_equal(sg_dsse_parse(&d, env, n, &e), SG_ETOOBIG);
	assert_null(d);
	free(env);
}

static void test_sign_roundtrip_and_shape(void **state)
{
	static const char prefix[] = "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"";
	static const unsigned char body[] = { 0xfb, 0xff, 0xfe, '{', '}' };
	sg_buf env = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_privkey *k = NULL;
	sg_pubkey *p = pub(vector_pub);
	sg_dsse *d = NULL;
	sg_error e = { 0 };
	char *url, *q;

	(void)state;
	assert_int_equal(sg_privkey_from_pem(&k, vector_priv, strlen(vector_priv), "v.key", NULL, NULL,
					     &e), 0);
	assert_int_equal(sg_dsse_sign(&env, k, SG_DSSE_INTOTO_TYPE, body, sizeof(body), &e), 0);
	/* cosign v2's bytes: sslib field order, keyid present and empty */
	assert_memory_equal(env.data, prefix, strlen(prefix));
	assert_memory_equal(env.data + strlen(prefix), "+//+e30=\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"M",
			    strlen("+//+e30=\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"M"));
	assert_memory_equal(env.data + env.len - 4, "\"}]}", 4);
	assert_int_equal(sg_dsse_parse(&d, env.data, env.len, &e), 0);
	assert_int_equal(d->payload_len, sizeof(body));
	assert_memory_equal(d->payload, body, sizeof(body));
	assert_string_equal(d->sigs[0].keyid, "");
	assert_int_equal(sg_dsse_verify(d, p, &e), SG_OK);
	sg_dsse_free(d);
	d = NULL;
	/* the same envelope in URL-safe base64 still verifies (DSSE: verifiers MUST accept it) */
	url = strdup((char *)env.data);
	for (q = url + strlen(prefix); *q; q++)
		*q = *q == '+' ? '-' : *q == '/' ? '_' : *q;
	assert_int_equal(sg_dsse_parse(&d, url, strlen(url), &e), 0);
	assert_int_equal(sg_dsse_verify(d, p, &e), SG_OK);
	sg_dsse_free(d);
	free(url);
	sg_privkey_free(k);
	sg_pubkey_free(p);
	sg_buf_release(&env);
}

static void test_ed25519_roundtrip(void **state)
{
	const char *dir = getenv("SIGIL_TEST_DATA");
	char path[4096];
	sg_buf env = SG_BUF_INIT(SG_MAX_ENVELOPE), env2 = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_privkey *k = NULL;
	sg_pubkey *p = NULL;
	sg_dsse *d = NULL;
	sg_error e = { 0 };

	(void)state;
	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/keys/ed25519key.pem", dir);
	assert_int_equal(sg_privkey_load(&k, path, NULL, NULL, &e), 0);
	assert_int_equal(sg_privkey_public(&p, k, &e), 0);
	assert_int_equal(sg_dsse_sign(&env, k, "t", "x", 1, &e), 0);
	assert_int_equal(sg_dsse_sign(&env2, k, "t", "x", 1, &e), 0);
	assert_string_equal((char *)env.data, (char *)env2.data); /* pure Ed25519 is deterministic */
	assert_int_equal(sg_dsse_parse(&d, env.data, env.len, &e), 0);
	assert_int_equal(d->sigs[0].siglen, 64);
	assert_int_equal(sg_dsse_verify(d, p, &e), SG_OK);
	free(d->payload_type);
	d->payload_type = strdup("u");
	assert_int_equal(sg_dsse_verify(d, p, &e), SG_EVERIFY);
	sg_dsse_free(d);
	sg_privkey_free(k);
	sg_pubkey_free(p);
	sg_buf_release(&env);
	sg_buf_release(&env2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae_known_answer),
		cmocka_unit_test(test_vector_verifies),
		cmocka_unit_test(test_forgeries_fail),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_too_many_signatures),
		cmocka_unit_test(test_sign_roundtrip_and_shape),
		cmocka_unit_test(test_ed25519_roundtrip),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
