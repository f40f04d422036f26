/* OCI image layout store: create, write by tag and digest, reopen, read back; tags replaced
 * in place; missing things are SG_ENOTFOUND; tampered blobs and traversal digests fail. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "store.h"
#include "manifest.h"
#include "digest.h"
#include "buf.h"
#include "err.h"

#define REF_NAME "org.opencontainers.image.ref.name"

/* §1.8 of formats.md: a real cosign signature manifest. */
static const char SIG_MANIFEST[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
	"{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":247,\"digest\":\"sha256:"
	"85ad8e17d3d7c00664855c638832bd99f32d42542c2d587851410a45a7f60b95\"},\"layers\":[{\"mediaType"
	"\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":252,\"digest\":\"sha256:b6714"
	"89ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc\",\"annotations\":{\"dev.cosignp"
	"roject.cosign/signature\":\"MEYCIQCPH7NJAIfrB6BZN91dV0o7l/i11muXrvrAh100jDMMhAIhAPsLH0oXb2OPI"
	"TXRpWBMUd3vHtz5Ks5pql2Hr6t/IJXw\"}}]}";
#define SIG_DIGEST "sha256:7ebe8964225fa4619b53aa35416ef0246c037e36ddf81776b21b15e1dda2262b"

typedef struct fixture {
	char dir[256];    /* temp dir */
	char layout[300]; /* dir/layout */
} fixture;

static void rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *ent;
	char sub[4096];

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((ent = readdir(d))) {
			if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, ent->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "%s/sigil-layout-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->layout, sizeof(f->layout), "%s/layout", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	rm_rf(f->dir);
	free(f);
	return 0;
}

static char *slurp(const char *dir, const char *rel)
{
	char p[4096];
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	sg_error e;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (sg_read_file(&b, p, &e) != 0)
		fail_msg("%s", e.msg);
	return (char *)sg_buf_detach(&b, NULL);
}

static void spit(const char *dir, const char *rel, const char *s)
{
	char p[4096];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_non_null(fp = fopen(p, "w"));
	fputs(s, fp);
	fclose(fp);
}

static sg_store *open_layout(const char *path, int create)
{
	sg_store *s = NULL;
	sg_error e = { 0, "" };

	if (sg_layout_open(&s, path, create, &e) != 0)
		fail_msg("open %s: %s", path, e.msg);
	return s;
}

/* A small valid manifest whose bytes differ by n. */
static char *manifest_n(int n)
{
	char *s = malloc(512);

	snprintf(s, 512,
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
		 "\"size\":%d,\"digest\":\"sha256:%064d\"},\"layers\":[]}",
		 SG_MT_OCI_MANIFEST, SG_MT_OCI_CONFIG, n, n);
	return s;
}

static void put_tag(sg_store *s, const char *tag, const char *m)
{
	sg_error e = { 0, "" };

	if (sg_store_put_manifest(s, tag, m, strlen(m), NULL, &e) != 0)
		fail_msg("put %s: %s", tag, e.msg);
}

static void get_expect(sg_store *s, const char *ref, const char *want, const char *want_mt)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char digest[SG_DIGEST_MAX], want_digest[SG_DIGEST_MAX];
	char *mt = NULL;
	sg_error e = { 0, "" };

	if (sg_store_get_manifest(s, ref, &body, &mt, digest, &e) != 0)
		fail_msg("get %s: %s", ref, e.msg);
	assert_int_equal(body.len, strlen(want));
	assert_memory_equal(body.data, want, body.len);
	sg_sha256_digest(want_digest, want, strlen(want));
	assert_string_equal(digest, want_digest);
	if (want_mt)
		assert_string_equal(mt, want_mt);
	free(mt);
	sg_buf_release(&body);
}

/* index.json entries as "name@digest" strings ("-" for no name), joined by spaces. */
static char *index_summary(const char *layout)
{
	char *raw = slurp(layout, "index.json");
	json_t *root = json_loads(raw, JSON_REJECT_DUPLICATES, NULL), *it;
	sg_buf out = SG_BUF_INIT(1 << 20);
	size_t i;

	assert_non_null(root);
	json_array_foreach(json_object_get(root, "manifests"), i, it) {
		const char *name = json_string_value(
			json_object_get(json_object_get(it, "annotations"), REF_NAME));
		const char *d = json_string_value(json_object_get(it, "digest"));

		sg_buf_printf(&out, "%s%s@%.13s", i ? " " : "", name ? name : "-", d);
	}
	json_decref(root);
	free(raw);
	sg_buf_puts(&out, "");
	return (char *)sg_buf_detach(&out, NULL);
}

static void test_create(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	char *text;
	struct stat st;
	char p[400];

	assert_string_equal(s->name + 4, f->layout);
	assert_memory_equal(s->name, "oci:", 4);
	text = slurp(f->layout, "oci-layout");
	assert_string_equal(text, "{\n    \"imageLayoutVersion\": \"1.0.0\"\n}");
	free(text);
	text = slurp(f->layout, "index.json");
	assert_string_equal(text, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
				  "index.v1+json\",\"manifests\":[]}");
	free(text);
	snprintf(p, sizeof(p), "%s/blobs/sha256", f->layout);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	sg_store_free(s);
	/* Creating again over an existing layout changes nothing. */
	s = open_layout(f->layout, 1);
	sg_store_free(s);
	/* and create makes parent directories */
	snprintf(p, sizeof(p), "%s/a/b/c", f->dir);
	s = open_layout(p, 1);
	sg_store_free(s);
}

static void test_blobs(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	static const char payload[] = "{\"critical\":{}}";
	char digest[SG_DIGEST_MAX];
	sg_buf out = SG_BUF_INIT(1 << 20), small = SG_BUF_INIT(4);
	sg_error e = { 0, "" };

	sg_sha256_digest(digest, payload, strlen(payload));
	assert_int_equal(sg_store_has_blob(s, digest, &e), 0);
	assert_int_equal(sg_store_put_blob(s, digest, payload, strlen(payload), &e), 0);
	assert_int_equal(sg_store_has_blob(s, digest, &e), 1);
	/* again: already present, no error */
	assert_int_equal(sg_store_put_blob(s, digest, payload, strlen(payload), &e), 0);
	sg_store_free(s);

	s = open_layout(f->layout, 0);
	assert_int_equal(sg_store_get_blob(s, digest, &out, &e), 0);
	assert_int_equal(out.len, strlen(payload));
	assert_memory_equal(out.data, payload, out.len);
	/* the caller's cap holds */
	assert_int_equal(sg_store_get_blob(s, digest, &small, &e), SG_ETOOBIG);
	/* a blob whose bytes are not its digest is refused on the way in */
	assert_int_equal(sg_store_put_blob(s, "sha256:0000000000000000000000000000000000000000000000"
					      "000000000000000000", "x", 1, &e), SG_EDIGEST);
	sg_buf_release(&out);
	sg_buf_release(&small);
	sg_store_free(s);
}

static void test_manifests(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	char *m1 = manifest_n(1), *m2 = manifest_n(2), *m3 = manifest_n(3), *sum;
	char d1[SG_DIGEST_MAX], d2[SG_DIGEST_MAX], d3[SG_DIGEST_MAX], want[256];
	sg_error e = { 0, "" };

	sg_sha256_digest(d1, m1, strlen(m1));
	sg_sha256_digest(d2, m2, strlen(m2));
	sg_sha256_digest(d3, m3, strlen(m3));
	put_tag(s, "v1", SIG_MANIFEST);
	assert_int_equal(sg_store_put_manifest(s, d2, m2, strlen(m2), SG_MT_OCI_MANIFEST, &e), 0);
	/* the same digest again adds no second entry */
	assert_int_equal(sg_store_put_manifest(s, d2, m2, strlen(m2), SG_MT_OCI_MANIFEST, &e), 0);
	put_tag(s, "v2", m1);
	sg_store_free(s);

	s = open_layout(f->layout, 0);
	get_expect(s, "v1", SIG_MANIFEST, SG_MT_OCI_MANIFEST);
	get_expect(s, SIG_DIGEST, SIG_MANIFEST, SG_MT_OCI_MANIFEST);
	get_expect(s, d2, m2, SG_MT_OCI_MANIFEST);
	get_expect(s, "v2", m1, SG_MT_OCI_MANIFEST);
	sum = index_summary(f->layout);
	snprintf(want, sizeof(want), "v1@%.13s -@%.13s v2@%.13s", SIG_DIGEST, d2, d1);
	assert_string_equal(sum, want);
	free(sum);

	/* Re-tagging v1 replaces that entry in place and keeps the others in order. */
	put_tag(s, "v1", m3);
	get_expect(s, "v1", m3, SG_MT_OCI_MANIFEST);
	get_expect(s, SIG_DIGEST, SIG_MANIFEST, NULL); /* the old blob stays */
	sum = index_summary(f->layout);
	snprintf(want, sizeof(want), "v1@%.13s -@%.13s v2@%.13s", d3, d2, d1);
	assert_string_equal(sum, want);
	free(sum);

	/* A manifest present only as a blob: its media type comes from the JSON. */
	{
		char *m4 = manifest_n(4), d4[SG_DIGEST_MAX];

		sg_sha256_digest(d4, m4, strlen(m4));
		assert_int_equal(sg_store_put_blob(s, d4, m4, strlen(m4), &e), 0);
		get_expect(s, d4, m4, SG_MT_OCI_MANIFEST);
		free(m4);
	}
	sg_store_free(s);
	free(m1);
	free(m2);
	free(m3);
}

static void expect_err(int got, int want, const sg_error *e, const char *substr)
{
	if (got != want)
		fail_msg("want %d got %d (%s)", want, got, e->msg);
	if (substr && !strstr(e->msg, substr))
		fail_msg("message \"%s\" lacks \"%s\"", e->msg, substr);
}

static void test_missing(void **state)
{
	fixture *f = *state;
	sg_store *s = NULL;
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char digest[SG_DIGEST_MAX], want[600];
	char *mt = NULL;
	sg_error e = { 0, "" };
	const char *absent = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

	/* no directory */
	snprintf(want, sizeof(want), "oci:%s: not an OCI image layout (no oci-layout file)",
		 f->layout);
	expect_err(sg_layout_open(&s, f->layout, 0, &e), SG_ENOTFOUND, &e, NULL);
	assert_string_equal(e.msg, want);
	assert_null(s);
	/* a directory that is not a layout */
	mkdir(f->layout, 0755);
	expect_err(sg_layout_open(&s, f->layout, 0, &e), SG_ENOTFOUND, &e, NULL);
	assert_string_equal(e.msg, want);
	/* a file */
	spit(f->layout, "file", "x");
	snprintf(want, sizeof(want), "%s/file", f->layout);
	expect_err(sg_layout_open(&s, want, 0, &e), SG_EINVALID, &e, "not a directory");

	s = open_layout(f->layout, 1);
	expect_err(sg_store_get_manifest(s, "nope", &body, &mt, digest, &e), SG_ENOTFOUND, &e,
		   "\"nope\"");
	assert_non_null(strstr(e.msg, f->layout));
	assert_null(mt);
	expect_err(sg_store_get_manifest(s, "latest", &body, &mt, digest, &e), SG_ENOTFOUND, &e,
		   "latest");
	expect_err(sg_store_get_manifest(s, absent, &body, &mt, digest, &e), SG_ENOTFOUND, &e,
		   absent);
	assert_non_null(strstr(e.msg, f->layout));
	expect_err(sg_store_get_blob(s, absent, &body, &e), SG_ENOTFOUND, &e, absent);
	assert_int_equal(sg_store_has_blob(s, absent, &e), 0);
	sg_store_free(s);
	sg_buf_release(&body);
}

static void test_tampered(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	static const char blob[] = "the payload";
	char digest[SG_DIGEST_MAX], rel[200], md[SG_DIGEST_MAX];
	sg_buf out = SG_BUF_INIT(1 << 20);
	char *mt = NULL;
	sg_error e = { 0, "" };

	sg_sha256_digest(digest, blob, strlen(blob));
	assert_int_equal(sg_store_put_blob(s, digest, blob, strlen(blob), &e), 0);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
	spit(f->layout, rel, "the paylOad");
	expect_err(sg_store_get_blob(s, digest, &out, &e), SG_EDIGEST, &e, digest);
	assert_int_equal(out.len, 0);

	/* a manifest blob swapped under its tag */
	put_tag(s, "v1", SIG_MANIFEST);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", SIG_DIGEST + 7);
	spit(f->layout, rel, "{\"schemaVersion\":2}");
	expect_err(sg_store_get_manifest(s, "v1", &out, &mt, md, &e), SG_EDIGEST, &e, NULL);
	assert_null(mt);
	assert_string_equal(md, "");
	expect_err(sg_store_get_manifest(s, SIG_DIGEST, &out, &mt, md, &e), SG_EDIGEST, &e, NULL);
	/* a manifest put under a digest it does not have */
	expect_err(sg_store_put_manifest(s, digest, SIG_MANIFEST, strlen(SIG_MANIFEST), NULL, &e),
		   SG_EDIGEST, &e, NULL);
	sg_buf_release(&out);
	sg_store_free(s);
}

static void test_traversal(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	static const char *bad[] = {
		"sha256:../../../../../../etc/passwd",
		"sha256/../../../../etc/passwd",
		"../oci-layout",
		"sha256:0000000000000000000000000000000000000000000000000000000000000000/../x",
		"sha256:../0000000000000000000000000000000000000000000000000000000000000",
		"SHA256:0000000000000000000000000000000000000000000000000000000000000000",
		"",
	};
	sg_buf out = SG_BUF_INIT(1 << 20);
	char md[SG_DIGEST_MAX], *mt = NULL;
	sg_error e = { 0, "" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* both through the checking wrappers and straight at the implementation */
		expect_err(sg_store_get_blob(s, bad[i], &out, &e), SG_EINVALID, &e, NULL);
		expect_err(s->ops->get_blob(s, bad[i], &out, &e), SG_EINVALID, &e, NULL);
		expect_err(s->ops->has_blob(s, bad[i], &e), SG_EINVALID, &e, NULL);
		expect_err(s->ops->put_blob(s, bad[i], "x", 1, &e), SG_EINVALID, &e, NULL);
		expect_err(sg_store_get_manifest(s, bad[i], &out, &mt, md, &e), SG_EINVALID, &e, NULL);
		expect_err(sg_store_put_manifest(s, bad[i], SIG_MANIFEST, strlen(SIG_MANIFEST), NULL,
						 &e), SG_EINVALID, &e, NULL);
	}
	/* a traversal digest inside index.json is refused too */
	spit(f->layout, "index.json",
	     "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" SG_MT_OCI_MANIFEST "\",\"size\":1,"
	     "\"digest\":\"sha256:../../../../../../etc/passwd\",\"annotations\":{\"" REF_NAME
	     "\":\"v1\"}}]}");
	expect_err(sg_store_get_manifest(s, "v1", &out, &mt, md, &e), SG_EINVALID, &e,
		   "index.json");
	sg_buf_release(&out);
	sg_store_free(s);
}

static void test_latest_fallback(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	char *m1 = manifest_n(1), *m2 = manifest_n(2), d1[SG_DIGEST_MAX], d2[SG_DIGEST_MAX];
	char idx[2048];
	sg_buf out = SG_BUF_INIT(1 << 20);
	char md[SG_DIGEST_MAX], *mt = NULL;
	sg_error e = { 0, "" };

	sg_sha256_digest(d1, m1, strlen(m1));
	sg_sha256_digest(d2, m2, strlen(m2));
	/* one unnamed manifest: "latest" finds it */
	assert_int_equal(sg_store_put_manifest(s, d1, m1, strlen(m1), NULL, &e), 0);
	get_expect(s, "latest", m1, SG_MT_OCI_MANIFEST);
	/* two unnamed: ambiguous */
	assert_int_equal(sg_store_put_manifest(s, d2, m2, strlen(m2), NULL, &e), 0);
	expect_err(sg_store_get_manifest(s, "latest", &out, &mt, md, &e), SG_ENOTFOUND, &e, NULL);
	/* a cosign save layout: the kind=.../image entry */
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
		 "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\",\"annotations\":{\"kind\":"
		 "\"dev.cosignproject.cosign/sigs\"}},"
		 "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\",\"annotations\":{\"kind\":"
		 "\"dev.cosignproject.cosign/image\"}}]}",
		 SG_MT_OCI_INDEX, SG_MT_OCI_MANIFEST, strlen(m1), d1, SG_MT_OCI_MANIFEST,
		 strlen(m2), d2);
	spit(f->layout, "index.json", idx);
	get_expect(s, "latest", m2, SG_MT_OCI_MANIFEST);
	/* an explicit "latest" wins */
	put_tag(s, "latest", m1);
	get_expect(s, "latest", m1, SG_MT_OCI_MANIFEST);
	/* a single entry named otherwise is not "latest" */
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"size\":%zu,"
		 "\"digest\":\"%s\",\"annotations\":{\"" REF_NAME "\":\"v1\"}}]}",
		 SG_MT_OCI_MANIFEST, strlen(m1), d1);
	spit(f->layout, "index.json", idx);
	expect_err(sg_store_get_manifest(s, "latest", &out, &mt, md, &e), SG_ENOTFOUND, &e, NULL);
	get_expect(s, "v1", m1, SG_MT_OCI_MANIFEST);
	sg_buf_release(&out);
	sg_store_free(s);
	free(m1);
	free(m2);
}

/* Fields sigil does not know survive a rewrite of index.json, in order. */
static void test_preserves_unknown(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	char *m1 = manifest_n(1), *text, idx[1024], d1[SG_DIGEST_MAX];

	sg_sha256_digest(d1, m1, strlen(m1));
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"size\":%zu,"
		 "\"digest\":\"%s\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},"
		 "\"annotations\":{\"kind\":\"dev.cosignproject.cosign/image\"}}],\"x-extra\":[1,2]}",
		 SG_MT_OCI_MANIFEST, strlen(m1), d1);
	spit(f->layout, "index.json", idx);
	put_tag(s, "v9", SIG_MANIFEST);
	text = slurp(f->layout, "index.json");
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"size\":%zu,"
		 "\"digest\":\"%s\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},"
		 "\"annotations\":{\"kind\":\"dev.cosignproject.cosign/image\"}},"
		 "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\",\"annotations\":"
		 "{\"" REF_NAME "\":\"v9\"}}],\"x-extra\":[1,2]}",
		 SG_MT_OCI_MANIFEST, strlen(m1), d1, SG_MT_OCI_MANIFEST, strlen(SIG_MANIFEST),
		 SIG_DIGEST);
	assert_string_equal(text, idx);
	free(text);
	free(m1);
	sg_store_free(s);
}

static void test_bad_layout_files(void **state)
{
	fixture *f = *state;
	sg_store *s = open_layout(f->layout, 1);
	sg_buf out = SG_BUF_INIT(1 << 20);
	char md[SG_DIGEST_MAX], *mt = NULL, *before, *after;
	sg_error e = { 0, "" };

	/* a broken index.json is reported, and not overwritten by a put */
	spit(f->layout, "index.json", "{\"schemaVersion\":2,\"manifests\":[");
	expect_err(sg_store_get_manifest(s, "v1", &out, &mt, md, &e), SG_EINVALID, &e,
		   "index.json");
	before = slurp(f->layout, "index.json");
	expect_err(sg_store_put_manifest(s, "v1", SIG_MANIFEST, strlen(SIG_MANIFEST), NULL, &e),
		   SG_EINVALID, &e, "index.json");
	after = slurp(f->layout, "index.json");
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* duplicate keys in index.json */
	spit(f->layout, "index.json", "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}");
	expect_err(sg_store_get_manifest(s, "v1", &out, &mt, md, &e), SG_EINVALID, &e, NULL);
	/* a missing index.json reads as empty, and a put creates it */
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/index.json", f->layout);
		unlink(p);
	}
	expect_err(sg_store_get_manifest(s, "v1", &out, &mt, md, &e), SG_ENOTFOUND, &e, NULL);
	put_tag(s, "v1", SIG_MANIFEST);
	get_expect(s, "v1", SIG_MANIFEST, SG_MT_OCI_MANIFEST);
	sg_store_free(s);
	/* unknown layout version */
	spit(f->layout, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	expect_err(sg_layout_open(&s, f->layout, 0, &e), SG_EUNSUPPORTED, &e, "2.0.0");
	spit(f->layout, "oci-layout", "[]");
	expect_err(sg_layout_open(&s, f->layout, 0, &e), SG_EINVALID, &e, "imageLayoutVersion");
	sg_buf_release(&out);
}

/* Concurrent writers in one layout lose no index.json entries. */
static void test_concurrent(void **state)
{
	fixture *f = *state;
	enum { WRITERS = 4, EACH = 15 };
	sg_store *s = open_layout(f->layout, 1);
	pid_t pids[WRITERS];
	char tag[32], *m;
	int i, j, status;

	for (i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			sg_error e;

			for (j = 0; j < EACH; j++) {
				snprintf(tag, sizeof(tag), "w%d-%d", i, j);
				m = manifest_n(i * 100 + j);
				if (sg_store_put_manifest(s, tag, m, strlen(m), NULL, &e) != 0)
					_exit(1);
				free(m);
			}
			_exit(0);
		}
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0; i < WRITERS; i++) {
		for (j = 0; j < EACH; j++) {
			snprintf(tag, sizeof(tag), "w%d-%d", i, j);
			m = manifest_n(i * 100 + j);
			get_expect(s, tag, m, SG_MT_OCI_MANIFEST);
			free(m);
		}
	}
	sg_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preserves_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_layout_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
