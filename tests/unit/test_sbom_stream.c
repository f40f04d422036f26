/* Streaming blob reads (core/store.h sg_store_get_blob_stream over a layout) and the
 * producer-thread pipe of sbom (pipe.h): chunked delivery, the digest verdict after the
 * last byte, size checks, gzip inflated member after member, truncated and corrupt gzip,
 * pass-through of what is not gzip, back-pressure, and a reader that stops early. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>
#include "store.h"
#include "digest.h"
#include "err.h"
#include "pipe.h"

struct collect {
	sg_buf b;
	size_t calls;
};

static int collect_sink(void *arg, const void *data, size_t len, sg_error *e)
{
	struct collect *c = arg;

	c->calls++;
	return sg_buf_append(&c->b, data, len) < 0 ? sg_err(e, SG_ETOOBIG, "too big") : 0;
}

static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n);
	uint32_t x = 12345;
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (unsigned char)(i % 7 ? x >> 24 : 'a'); /* compressible, not trivially */
	}
	return p;
}

static void test_layout_stream(void **state)
{
	char dir[] = "/tmp/sigil-stream-XXXXXX", digest[SG_DIGEST_MAX], path[256];
	size_t n = (3u << 20) + 17;
	unsigned char *data = pattern(n);
	struct collect c = { SG_BUF_INIT(64u << 20), 0 };
	sg_store *s = NULL;
	sg_error e = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sg_layout_open(&s, dir, 1, &e), 0);
	sg_sha256_digest(digest, data, n);
	assert_int_equal(sg_store_put_blob(s, digest, data, n, &e), 0);

	assert_int_equal(sg_store_get_blob_stream(s, digest, (int64_t)n, collect_sink, &c, &e), 0);
	assert_int_equal(c.b.len, n);
	assert_memory_equal(c.b.data, data, n);
	assert_true(c.calls > 1); /* chunks, not the whole blob at once */

	/* sizes that disagree with the descriptor */
	sg_buf_reset(&c.b);
	assert_int_equal(sg_store_get_blob_stream(s, digest, (int64_t)n - 1, collect_sink, &c, &e),
			 SG_EINVALID);
	assert_non_null(strstr(e.msg, "more than"));
	sg_buf_reset(&c.b);
	assert_int_equal(sg_store_get_blob_stream(s, digest, (int64_t)n + 1, collect_sink, &c, &e),
			 SG_EINVALID);
	assert_non_null(strstr(e.msg, "not the"));

	/* a flipped byte: every byte is delivered, then the verdict */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest + 7);
	data[n - 1] ^= 1;
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	sg_buf_reset(&c.b);
	assert_int_equal(sg_store_get_blob_stream(s, digest, -1, collect_sink, &c, &e), SG_EDIGEST);
	assert_int_equal(c.b.len, n);
	assert_non_null(strstr(e.msg, "does not match"));

	/* a missing blob */
	digest[10] = digest[10] == '0' ? '1' : '0';
	assert_int_equal(sg_store_get_blob_stream(s, digest, -1, collect_sink, &c, &e), SG_ENOTFOUND);

	unlink(path);
	sg_store_free(s);
	sg_buf_release(&c.b);
	free(data);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* ---- the pipe ---- */

struct prod {
	const unsigned char *data;
	size_t len, chunk;
	int fail_at_end;       /* return this error after the last byte */
};

static int produce(void *arg, sg_blob_sink_fn sink, void *sink_arg, sg_error *e)
{
	const struct prod *p = arg;
	size_t off = 0, k;
	int err;

	while (off < p->len) {
		k = p->len - off < p->chunk ? p->len - off : p->chunk;
		if ((err = sink(sink_arg, p->data + off, k, e)) < 0)
			return err;
		off += k;
	}
	return p->fail_at_end ? sg_err(e, p->fail_at_end, "producer says no") : 0;
}

static unsigned char *gz(const unsigned char *in, size_t n, size_t *outlen)
{
	z_stream z;
	unsigned char *out = malloc(n + n / 10 + 1024);

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)(n + n / 10 + 1024);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Reads the pipe to its end into out; returns the final result. */
static int drain(sg_buf *out, const struct prod *p, unsigned flags, char digest[SG_DIGEST_MAX],
		 sg_error *e)
{
	sg_pipe *pp = NULL;
	const void *data;
	long n;
	int err;

	assert_int_equal(sg_pipe_start(&pp, produce, (void *)p, flags, e), 0);
	while ((n = sg_pipe_read(pp, &data, e)) > 0) {
		assert_true((size_t)n <= SG_PIPE_SLOT);
		assert_int_equal(sg_buf_append(out, data, (size_t)n), 0);
	}
	err = (int)(n < 0 ? n : 0);
	return sg_pipe_close(pp, err, digest, NULL, e);
}

static void test_pipe_plain_and_gzip(void **state)
{
	size_t n = 9u << 20, zn1, zn2; /* more than all slots together: back-pressure */
	unsigned char *data = pattern(n), *z1, *z2, *both;
	sg_buf out = SG_BUF_INIT(64u << 20);
	char digest[SG_DIGEST_MAX], want[SG_DIGEST_MAX];
	sg_error e = { 0 };
	struct prod p;

	(void)state;
	/* not gzip: passes through, hashed when asked */
	p = (struct prod){ data, n, 100000, 0 };
	assert_int_equal(drain(&out, &p, SG_PIPE_GUNZIP | SG_PIPE_HASH_OUT, digest, &e), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, data, n);
	sg_sha256_digest(want, data, n);
	assert_string_equal(digest, want);

	/* two gzip members, fed in odd-sized chunks */
	z1 = gz(data, n / 3, &zn1);
	z2 = gz(data + n / 3, n - n / 3, &zn2);
	both = malloc(zn1 + zn2);
	memcpy(both, z1, zn1);
	memcpy(both + zn1, z2, zn2);
	sg_buf_reset(&out);
	p = (struct prod){ both, zn1 + zn2, 4093, 0 };
	assert_int_equal(drain(&out, &p, SG_PIPE_GUNZIP | SG_PIPE_HASH_OUT, digest, &e), 0);
	if (sg_pipe_fast_gunzip()) {
		assert_int_equal(out.len, n);
		assert_memory_equal(out.data, data, n);
		assert_string_equal(digest, want); /* the digest of what the reader got */
	} else {
		assert_int_equal(out.len, zn1 + zn2); /* libarchive inflates instead */
	}
	sg_buf_reset(&out);
	p = (struct prod){ both, zn1 + zn2, 1, 0 };
	p.len = 5000; /* a truncated member */
	assert_int_equal(drain(&out, &p, SG_PIPE_GUNZIP, NULL, &e), sg_pipe_fast_gunzip() ? SG_EINVALID : 0);
	if (sg_pipe_fast_gunzip()) {
		assert_non_null(strstr(e.msg, "truncated"));
		/* corrupt data: the producer still reads on, and its own verdict wins */
		both[zn1 / 2] ^= 0x55;
		sg_buf_reset(&out);
		p = (struct prod){ both, zn1 + zn2, 65536, SG_EDIGEST };
		assert_int_equal(drain(&out, &p, SG_PIPE_GUNZIP, NULL, &e), SG_EDIGEST);
		assert_non_null(strstr(e.msg, "producer says no"));
		sg_buf_reset(&out);
		p.fail_at_end = 0;
		assert_int_equal(drain(&out, &p, SG_PIPE_GUNZIP, NULL, &e), SG_EINVALID);
		assert_non_null(strstr(e.msg, "gzip"));
	}
	free(z1);
	free(z2);
	free(both);
	sg_buf_release(&out);
	free(data);
}

static void test_pipe_reader_stops(void **state)
{
	size_t n = 32u << 20;
	unsigned char *data = pattern(n);
	struct prod p = { data, n, 65536, 0 };
	sg_pipe *pp = NULL;
	const void *buf;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_pipe_start(&pp, produce, &p, 0, &e), 0);
	assert_true(sg_pipe_read(pp, &buf, &e) > 0);
	/* a reader error other than malformed data stops the producer without reading on */
	assert_int_equal(sg_pipe_close(pp, SG_ETOOBIG, NULL, NULL, &e), SG_ETOOBIG);
	/* and the producer's error arrives through read (a partial slot is dropped with it) */
	p.fail_at_end = SG_ENET;
	p.len = 1000;
	assert_int_equal(sg_pipe_start(&pp, produce, &p, 0, &e), 0);
	assert_int_equal(sg_pipe_read(pp, &buf, &e), SG_ENET);
	assert_non_null(strstr(e.msg, "producer says no"));
	assert_int_equal(sg_pipe_close(pp, SG_ENET, NULL, NULL, &e), SG_ENET);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_stream),
		cmocka_unit_test(test_pipe_plain_and_gzip),
		cmocka_unit_test(test_pipe_reader_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
