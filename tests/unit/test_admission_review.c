/* AdmissionReview parsing and responses (admission/review.c), and the verdict cache with
 * single flight (admission/cache.c). */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "review.h"
#include "cache.h"
#include "err.h"
#include "buf.h"

static char *review_json(const char *kind, const char *object)
{
	return sg_strprintf("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
			 "\"request\":{\"uid\":\"u-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\","
			 "\"kind\":\"%s\"},\"namespace\":\"ns\",\"name\":\"n\",\"operation\":\"CREATE\","
			 "\"object\":%s}}", kind, object);
}

static void parse_ok(sg_review *r, const char *kind, const char *object)
{
	char *s = review_json(kind, object);
	sg_error e = { 0 };

	assert_non_null(s);
	if (sg_review_parse(r, s, strlen(s), &e) != 0)
		fail_msg("parse failed: %s", e.msg);
	free(s);
}

static void test_pod_all_container_kinds(void **state)
{
	sg_review r;

	(void)state;
	parse_ok(&r, "Pod", "{\"spec\":{\"initContainers\":[{\"name\":\"i\",\"image\":\"a/init:1\"}],"
			    "\"containers\":[{\"name\":\"c\",\"image\":\"a/app:1\"},"
			    "{\"name\":\"d\",\"image\":\"a/side@sha256:00\"}],"
			    "\"ephemeralContainers\":[{\"name\":\"e\",\"image\":\"a/dbg:1\"}]}}");
	assert_string_equal(r.uid, "u-1");
	assert_true(r.handled);
	assert_int_equal(r.nimages, 4);
	assert_string_equal(r.images[0].image, "a/init:1");
	assert_string_equal(r.images[0].path, "/spec/initContainers/0/image");
	assert_string_equal(r.images[1].path, "/spec/containers/0/image");
	assert_string_equal(r.images[2].path, "/spec/containers/1/image");
	assert_string_equal(r.images[3].path, "/spec/ephemeralContainers/0/image");
	sg_review_release(&r);
}

static void test_workload_paths(void **state)
{
	static const struct { const char *kind, *object, *path; } cases[] = {
		{ "Deployment", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x:1\"}]}}}}",
		  "/spec/template/spec/containers/0/image" },
		{ "StatefulSet", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x:1\"}]}}}}",
		  "/spec/template/spec/containers/0/image" },
		{ "DaemonSet", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x:1\"}]}}}}",
		  "/spec/template/spec/containers/0/image" },
		{ "ReplicaSet", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x:1\"}]}}}}",
		  "/spec/template/spec/containers/0/image" },
		{ "Job", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x:1\"}]}}}}",
		  "/spec/template/spec/containers/0/image" },
		{ "CronJob", "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
			     "{\"containers\":[{\"image\":\"x:1\"}]}}}}}}",
		  "/spec/jobTemplate/spec/template/spec/containers/0/image" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sg_review r;

		parse_ok(&r, cases[i].kind, cases[i].object);
		assert_int_equal(r.nimages, 1);
		assert_string_equal(r.images[0].path, cases[i].path);
		sg_review_release(&r);
	}
}

static void test_unknown_kind_and_delete(void **state)
{
	const char *del = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
			  "\"request\":{\"uid\":\"u-2\",\"kind\":{\"kind\":\"Pod\"},"
			  "\"operation\":\"DELETE\",\"object\":null}}";
	sg_error e = { 0 };
	sg_review r;

	(void)state;
	parse_ok(&r, "ConfigMap", "{\"data\":{\"image\":\"not/an:image\"}}");
	assert_false(r.handled);
	assert_int_equal(r.nimages, 0);
	sg_review_release(&r);
	assert_int_equal(sg_review_parse(&r, del, strlen(del), &e), 0);
	assert_int_equal(r.nimages, 0);
	assert_string_equal(r.uid, "u-2");
	sg_review_release(&r);
}

static void test_malformed(void **state)
{
	static const struct { const char *body, *msg; } bad[] = {
		{ "not json", "not valid JSON" },
		{ "[]", "not an admission.k8s.io/v1 AdmissionReview" },
		{ "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\","
		  "\"request\":{\"uid\":\"x\"}}", "not an admission.k8s.io/v1" },
		{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "no request.uid" },
		{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		  "\"request\":{\"uid\":\"\"}}", "no request.uid" },
		{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		  "\"request\":{\"uid\":\"x\",\"kind\":{\"kind\":\"Pod\"},\"object\":"
		  "{\"spec\":{\"containers\":{}}}}}", "containers is not an array" },
		{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		  "\"request\":{\"uid\":\"x\",\"kind\":{\"kind\":\"Pod\"},\"object\":"
		  "{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}", "has no image" },
		{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		  "\"request\":{\"uid\":\"x\",\"uid\":\"y\"}}", "not valid JSON" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sg_error e = { 0 };
		sg_review r;

		assert_int_equal(sg_review_parse(&r, bad[i].body, strlen(bad[i].body), &e), SG_EINVALID);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, e.msg, bad[i].msg);
	}
}

static json_t *response_of(const sg_buf *b)
{
	json_t *doc = json_loadb((const char *)b->data, b->len, 0, NULL);

	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "apiVersion")),
			    "admission.k8s.io/v1");
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "AdmissionReview");
	return doc;
}

static void test_respond(void **state)
{
	sg_review r;
	sg_review_verdict v[4] = {
		{ 1, NULL, 0, "sha256:aa" },
		{ 0, "no signature", 0, "sha256:bb" },
		{ 1, "missing SLSA attestation", 1, "sha256:cc" },
		{ 0, "no signature", 0, "sha256:bb" },
	};
	sg_buf out = SG_BUF_INIT(1 << 20);
	sg_error e = { 0 };
	json_t *doc, *resp;
	const char *msg;

	(void)state;
	parse_ok(&r, "Pod", "{\"spec\":{\"containers\":[{\"image\":\"ok:1\"},{\"image\":\"bad:1\"},"
			    "{\"image\":\"warn:1\"},{\"image\":\"bad:1\"}]}}");
	assert_int_equal(sg_review_respond(&out, &r, v, 1, &e), 0);
	doc = response_of(&out);
	resp = json_object_get(doc, "response");
	assert_string_equal(json_string_value(json_object_get(resp, "uid")), "u-1");
	assert_true(json_is_false(json_object_get(resp, "allowed")));
	msg = json_string_value(json_object_get(json_object_get(resp, "status"), "message"));
	assert_string_equal(msg, "bad:1: no signature"); /* listed once */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(resp, "status"), "code")), 403);
	assert_null(json_object_get(resp, "patch")); /* a denied object is not patched */
	assert_string_equal(json_string_value(json_array_get(json_object_get(resp, "warnings"), 0)),
			    "warn:1: missing SLSA attestation");
	json_decref(doc);
	sg_review_release(&r);
	sg_buf_release(&out);
}

static void test_mutate_patch(void **state)
{
	sg_review r;
	sg_review_verdict v[2] = { { 1, NULL, 0, "sha256:aa" }, { 1, NULL, 0, "sha256:bb" } };
	sg_buf out = SG_BUF_INIT(1 << 20);
	sg_error e = { 0 };
	unsigned char *patch = NULL;
	size_t plen = 0;
	json_t *doc, *resp;
	const char *b64;

	(void)state;
	parse_ok(&r, "Deployment", "{\"spec\":{\"template\":{\"spec\":{\"containers\":["
				   "{\"image\":\"reg/app:1\"},{\"image\":\"reg/pinned@sha256:bb\"}]}}}}");
	assert_int_equal(sg_review_respond(&out, &r, v, 1, &e), 0);
	doc = response_of(&out);
	resp = json_object_get(doc, "response");
	assert_true(json_is_true(json_object_get(resp, "allowed")));
	assert_string_equal(json_string_value(json_object_get(resp, "patchType")), "JSONPatch");
	b64 = json_string_value(json_object_get(resp, "patch"));
	assert_non_null(b64);
	assert_int_equal(sg_b64_decode(&patch, &plen, b64, strlen(b64), &e), 0);
	assert_memory_equal(patch, "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\","
				   "\"value\":\"reg/app:1@sha256:aa\"}]", plen);
	free(patch);
	json_decref(doc);
	/* the validating endpoint never patches */
	sg_buf_reset(&out);
	assert_int_equal(sg_review_respond(&out, &r, v, 0, &e), 0);
	doc = response_of(&out);
	assert_null(json_object_get(json_object_get(doc, "response"), "patch"));
	json_decref(doc);
	sg_review_release(&r);
	sg_buf_release(&out);
}

/* ---- cache ---- */

static int calls;
static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;

static int slow_compute(void *arg, sg_cached *out)
{
	struct timespec ts = { 0, 50 * 1000000L };

	pthread_mutex_lock(&calls_lock);
	calls++;
	pthread_mutex_unlock(&calls_lock);
	nanosleep(&ts, NULL);
	memset(out, 0, sizeof(*out));
	out->ok = arg != NULL;
	out->allowed = arg != NULL;
	out->value = strdup("sha256:aa");
	out->message = arg ? NULL : strdup("denied");
	return 0;
}

static int fast_compute(void *arg, sg_cached *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	out->ok = out->allowed = 1;
	return 0;
}

struct getter {
	sg_cache *c;
	sg_cached v;
	int hit;
};

static void *get_thread(void *arg)
{
	struct getter *g = arg;

	sg_cache_get(g->c, "k", slow_compute, (void *)1, &g->v, &g->hit);
	return NULL;
}

static void test_cache_single_flight(void **state)
{
	struct getter g[8];
	pthread_t t[8];
	sg_cache *c;
	int i, hits = 0;

	(void)state;
	calls = 0;
	assert_int_equal(sg_cache_new(&c, 60000, 0, 100), 0);
	for (i = 0; i < 8; i++) {
		g[i].c = c;
		assert_int_equal(pthread_create(&t[i], NULL, get_thread, &g[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_true(g[i].v.allowed);
		assert_string_equal(g[i].v.value, "sha256:aa");
		hits += g[i].hit;
		sg_cached_release(&g[i].v);
	}
	assert_int_equal(calls, 1);   /* eight concurrent lookups, one computation */
	assert_int_equal(hits, 7);
	sg_cache_free(c);
}

static void test_cache_ttls(void **state)
{
	struct timespec ts = { 0, 120 * 1000000L };
	sg_cached v;
	sg_cache *c;
	int hit;

	(void)state;
	calls = 0;
	assert_int_equal(sg_cache_new(&c, 80, 0, 100), 0);
	sg_cache_get(c, "ok", slow_compute, (void *)1, &v, &hit);
	sg_cached_release(&v);
	sg_cache_get(c, "ok", slow_compute, (void *)1, &v, &hit);
	assert_true(hit);
	sg_cached_release(&v);
	assert_int_equal(calls, 1);
	nanosleep(&ts, NULL); /* past the success TTL */
	sg_cache_get(c, "ok", slow_compute, (void *)1, &v, &hit);
	assert_false(hit);
	sg_cached_release(&v);
	assert_int_equal(calls, 2);
	/* failures with a zero TTL are never reused */
	sg_cache_get(c, "bad", slow_compute, NULL, &v, &hit);
	assert_false(v.allowed);
	assert_string_equal(v.message, "denied");
	sg_cached_release(&v);
	sg_cache_get(c, "bad", slow_compute, NULL, &v, &hit);
	assert_false(hit);
	sg_cached_release(&v);
	assert_int_equal(calls, 4);
	sg_cache_clear(c);
	assert_int_equal(sg_cache_size(c), 0);
	sg_cache_free(c);
}

static void test_cache_bounded(void **state)
{
	char key[32];
	sg_cached v;
	sg_cache *c;
	int i, hit;

	(void)state;
	assert_int_equal(sg_cache_new(&c, 60000, 60000, 10), 0);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		sg_cache_get(c, key, fast_compute, NULL, &v, &hit);
		sg_cached_release(&v);
		assert_true(sg_cache_size(c) <= 10);
	}
	sg_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_all_container_kinds),
		cmocka_unit_test(test_workload_paths),
		cmocka_unit_test(test_unknown_kind_and_delete),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_respond),
		cmocka_unit_test(test_mutate_patch),
		cmocka_unit_test(test_cache_single_flight),
		cmocka_unit_test(test_cache_ttls),
		cmocka_unit_test(test_cache_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
