/* Data-driven manifest tests: tests/data/manifests/valid/<case>.json must parse to what
 * <case>.expect lists; invalid/<case>.json must fail with the code on the first line of
 * <case>.err and a message containing its second line. An optional <case>.ct holds the
 * Content-Type to parse with. SIGIL_UPDATE_EXPECT=1 rewrites the .expect files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "manifest.h"
#include "digest.h"
#include "buf.h"
#include "err.h"

static const char *data_dir(void)
{
	const char *d = getenv("SIGIL_TEST_DATA");

	return d ? d : "tests/data";
}

static char *path_of(const char *kind, const char *name, const char *ext)
{
	size_t n = strlen(data_dir()) + strlen(kind) + strlen(name) + strlen(ext) + 32;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/manifests/%s/%s%s", data_dir(), kind, name, ext);
	return p;
}

/* Whole file, or NULL if absent. */
static char *slurp(const char *kind, const char *name, const char *ext, size_t *len)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *p = path_of(kind, name, ext);
	sg_error e;
	int err = sg_read_file(&b, p, &e);

	free(p);
	if (err == SG_ENOTFOUND)
		return NULL;
	if (err)
		fail_msg("%s", e.msg);
	return (char *)sg_buf_detach(&b, len);
}

static char *first_line(char *s)
{
	char *nl;

	if (s && (nl = strchr(s, '\n')))
		*nl = '\0';
	return s;
}

static void dump_annotations(sg_buf *out, const char *indent, json_t *ann)
{
	const char *k;
	json_t *v;

	json_object_foreach(ann, k, v)
		sg_buf_printf(out, "%sannotation %s=%s\n", indent, k, json_string_value(v));
}

static void dump_desc(sg_buf *out, const char *what, const sg_desc *d)
{
	sg_buf_printf(out, "%s: mediaType=%s digest=%s size=%lld", what, d->media_type, d->digest,
		      (long long)d->size);
	if (d->artifact_type)
		sg_buf_printf(out, " artifactType=%s", d->artifact_type);
	if (d->os || d->architecture || d->variant)
		sg_buf_printf(out, " platform=%s/%s%s%s", d->os ? d->os : "-",
			      d->architecture ? d->architecture : "-", d->variant ? "/" : "",
			      d->variant ? d->variant : "");
	sg_buf_puts(out, "\n");
	dump_annotations(out, "  ", d->annotations);
}

static void dump(sg_buf *out, const sg_manifest *m, const void *data, size_t len)
{
	char digest[SG_DIGEST_MAX], what[32];
	size_t i;

	sg_sha256_digest(digest, data, len);
	sg_buf_printf(out, "bytes: %zu %s\n", len, digest);
	sg_buf_printf(out, "mediaType=%s index=%d items=%zu\n", m->media_type, m->is_index,
		      m->nitems);
	if (!m->is_index)
		dump_desc(out, "config", &m->config);
	for (i = 0; i < m->nitems; i++) {
		snprintf(what, sizeof(what), "%s[%zu]", m->is_index ? "manifests" : "layers", i);
		dump_desc(out, what, &m->items[i]);
	}
	if (m->subject)
		dump_desc(out, "subject", m->subject);
	if (m->artifact_type)
		sg_buf_printf(out, "artifactType=%s\n", m->artifact_type);
	dump_annotations(out, "", m->annotations);
}

static void test_valid_case(void **state)
{
	const char *name = *state;
	char *json, *ct, *expect;
	size_t len, elen = 0;
	sg_buf got = SG_BUF_INIT(1 << 20);
	sg_manifest *m = NULL;
	sg_error e = { 0, "" };

	assert_non_null(json = slurp("valid", name, ".json", &len));
	ct = first_line(slurp("valid", name, ".ct", NULL));
	if (sg_manifest_parse(&m, json, len, ct, &e) != 0)
		fail_msg("%s: %s", name, e.msg);
	dump(&got, m, json, len);
	/* Everything was copied out: the parse tree is gone, annotations still work. */
	sg_manifest_free(m);
	m = NULL;
	assert_int_equal(sg_manifest_parse(&m, json, len, ct, &e), 0);
	free(json);
	expect = slurp("valid", name, ".expect", &elen);
	if (getenv("SIGIL_UPDATE_EXPECT")) {
		char *p = path_of("valid", name, ".expect");

		assert_int_equal(sg_write_file(p, got.data, got.len, 0644, 0, &e), 0);
		free(p);
	} else if (!expect || strcmp(expect, (char *)got.data) != 0) {
		fail_msg("%s: got:\n%s\nwant:\n%s", name, got.data, expect ? expect : "(no .expect)");
	}
	sg_manifest_free(m);
	sg_buf_release(&got);
	free(expect);
	free(ct);
}

static int code_of(const char *s)
{
	static const struct {
		const char *name;
		int code;
	} codes[] = { { "SG_EINVALID", SG_EINVALID }, { "SG_EUNSUPPORTED", SG_EUNSUPPORTED },
		      { "SG_ETOOBIG", SG_ETOOBIG } };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(s, codes[i].name))
			return codes[i].code;
	fail_msg("unknown code %s", s);
	return 0;
}

static void test_invalid_case(void **state)
{
	const char *name = *state;
	char *json, *ct, *want, *msg;
	sg_manifest *m = (sg_manifest *)1;
	sg_error e = { 0, "" };
	size_t len;
	int err;

	assert_non_null(json = slurp("invalid", name, ".json", &len));
	ct = first_line(slurp("invalid", name, ".ct", NULL));
	assert_non_null(want = slurp("invalid", name, ".err", NULL));
	msg = strchr(want, '\n');
	assert_non_null(msg);
	*msg++ = '\0';
	first_line(msg);
	err = sg_manifest_parse(&m, json, len, ct, &e);
	if (err != code_of(want))
		fail_msg("%s: want %s, got %d (%s)", name, want, err, e.msg);
	assert_null(m);
	assert_int_equal(e.code, err);
	if (!strstr(e.msg, msg))
		fail_msg("%s: message \"%s\" lacks \"%s\"", name, e.msg, msg);
	for (const char *p = e.msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			fail_msg("%s: unprintable byte in message", name);
	free(json);
	free(ct);
	free(want);
}

/* A manifest with n layers (or an index with n entries). */
static char *many(size_t n, int index)
{
	sg_buf b = SG_BUF_INIT(64u << 20);
	size_t i;

	sg_buf_printf(&b, "{\"schemaVersion\":2,\"mediaType\":\"%s\",%s\"%s\":[",
		      index ? SG_MT_OCI_INDEX : SG_MT_OCI_MANIFEST,
		      index ? "" : "\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":"
				   "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},",
		      index ? "manifests" : "layers");
	for (i = 0; i < n; i++)
		sg_buf_printf(&b, "%s{\"mediaType\":\"x\",\"size\":%zu,\"digest\":\"sha256:"
			      "%064zx\"}", i ? "," : "", i, i);
	sg_buf_puts(&b, "]}");
	return (char *)sg_buf_detach(&b, NULL);
}

static void test_caps(void **state)
{
	sg_manifest *m = NULL;
	sg_error e;
	char *s;

	(void)state;
	s = many(SG_MAX_LAYERS, 0);
	assert_int_equal(sg_manifest_parse(&m, s, strlen(s), NULL, &e), 0);
	assert_int_equal(m->nitems, SG_MAX_LAYERS);
	assert_int_equal(m->items[999].size, 999);
	sg_manifest_free(m);
	free(s);
	s = many(SG_MAX_LAYERS + 1, 0);
	assert_int_equal(sg_manifest_parse(&m, s, strlen(s), NULL, &e), SG_ETOOBIG);
	assert_null(m);
	assert_non_null(strstr(e.msg, "layers"));
	free(s);
	s = many(10000, 1);
	assert_int_equal(sg_manifest_parse(&m, s, strlen(s), NULL, &e), 0);
	sg_manifest_free(m);
	free(s);
	s = many(10001, 1);
	assert_int_equal(sg_manifest_parse(&m, s, strlen(s), NULL, &e), SG_ETOOBIG);
	free(s);
}

static void test_helpers(void **state)
{
	static const char doc[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" SG_MT_OCI_MANIFEST "\",\"config\":"
		"{\"mediaType\":\"c\",\"size\":0,\"digest\":\"sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000\"},"
		"\"layers\":[{\"mediaType\":\"l\",\"size\":9,\"digest\":\"sha256:"
		"1111111111111111111111111111111111111111111111111111111111111111\","
		"\"annotations\":{\"a\":\"1\",\"b\":\"\"}}]}";
	sg_manifest *m = NULL;
	sg_error e;

	(void)state;
	assert_true(sg_media_type_is_manifest(SG_MT_OCI_MANIFEST));
	assert_true(sg_media_type_is_manifest(SG_MT_DOCKER_MANIFEST));
	assert_false(sg_media_type_is_manifest(SG_MT_OCI_INDEX));
	assert_false(sg_media_type_is_manifest(NULL));
	assert_true(sg_media_type_is_index(SG_MT_OCI_INDEX));
	assert_true(sg_media_type_is_index(SG_MT_DOCKER_LIST));
	assert_false(sg_media_type_is_index(SG_MT_DOCKER_MANIFEST));
	assert_false(sg_media_type_is_index(NULL));
	assert_int_equal(sg_manifest_parse(&m, doc, sizeof(doc) - 1, NULL, &e), 0);
	assert_string_equal(sg_desc_annotation(&m->items[0], "a"), "1");
	assert_string_equal(sg_desc_annotation(&m->items[0], "b"), "");
	assert_null(sg_desc_annotation(&m->items[0], "c"));
	assert_null(sg_desc_annotation(&m->config, "a"));
	assert_null(sg_desc_annotation(NULL, "a"));
	assert_null(m->subject);
	assert_null(m->annotations);
	sg_desc_release(&m->items[0]);
	assert_null(m->items[0].digest);
	sg_desc_release(&m->items[0]); /* released twice: harmless */
	sg_manifest_free(m);
	sg_manifest_free(NULL);
	sg_desc_release(NULL);
}

static struct CMUnitTest *add_dir(struct CMUnitTest *tests, size_t *n, const char *kind,
				  CMUnitTestFunction fn)
{
	size_t dn = strlen(data_dir()) + 32;
	char *dir = malloc(dn);
	struct dirent **ents = NULL;
	int i, count;

	snprintf(dir, dn, "%s/manifests/%s", data_dir(), kind);
	count = scandir(dir, &ents, NULL, alphasort);
	if (count < 0) {
		fprintf(stderr, "cannot read %s\n", dir);
		exit(1);
	}
	for (i = 0; i < count; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && !strcmp(ents[i]->d_name + len - 5, ".json")) {
			char *name = strndup(ents[i]->d_name, len - 5);
			char *title = malloc(len + 16);

			snprintf(title, len + 16, "%s/%s", kind, name);
			tests = realloc(tests, (*n + 1) * sizeof(*tests));
			tests[*n] = (struct CMUnitTest){ title, fn, NULL, NULL, name };
			(*n)++;
		}
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return tests;
}

int main(void)
{
	struct CMUnitTest *tests = NULL;
	size_t n = 0, i;
	int rc;

	tests = add_dir(tests, &n, "valid", test_valid_case);
	tests = add_dir(tests, &n, "invalid", test_invalid_case);
	tests = realloc(tests, (n + 2) * sizeof(*tests));
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_caps);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_helpers);
	rc = _cmocka_run_group_tests("manifest", tests, n, NULL, NULL);
	for (i = 0; i + 2 < n; i++) {
		free((char *)tests[i].name);
		free(tests[i].initial_state);
	}
	free(tests);
	return rc;
}
