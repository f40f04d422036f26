/* registry.c against a scripted in-process HTTP server on 127.0.0.1: token auth, Basic
 * auth, redirects that must not carry Authorization to another host, size caps, digest
 * checks, upload Location handling and error mapping. Plus its URL helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include "store.h"
#include "buf.h"
#include "digest.h"
#include "err.h"
#include "manifest.h"
#include "registry_internal.h"

/* ---- URL helpers ---- */

static void test_loopback(void **state)
{
	static const char *const yes[] = { "localhost", "localhost:5000", "LOCALHOST:1",
					   "127.0.0.1", "127.0.0.1:5000", "[::1]:5000", "[::1]",
					   "::1" };
	static const char *const no[] = { "127.0.0.2", "localhost.example.com", "example.com:5000",
					  "[::2]:5000", "", "[::1", "[::1]x", "mylocalhost",
					  "127.0.0.1.nip.io:80", "0.0.0.0" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!sg_registry_host_is_loopback(yes[i]))
			fail_msg("%s should be loopback", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (sg_registry_host_is_loopback(no[i]))
			fail_msg("%s should not be loopback", no[i]);
	assert_false(sg_registry_host_is_loopback(NULL));
}

static void base_is(const char *reg, int allow_http, const char *want)
{
	char *u = NULL;

	assert_int_equal(sg_registry_base_url(&u, reg, allow_http), 0);
	assert_string_equal(u, want);
	free(u);
}

static void test_base_url(void **state)
{
	static const char *const bad[] = { "", "a/b", "a b", "user@host", "host?x", "h#f",
					   "ex\xc3\xa4mple.com", "a\r\nb" };
	char *u = (char *)"x";
	size_t i;

	(void)state;
	base_is("127.0.0.1:5000", 0, "http://127.0.0.1:5000");
	base_is("localhost", 0, "http://localhost");
	base_is("[::1]:5000", 0, "http://[::1]:5000");
	base_is("::1", 0, "http://[::1]");
	base_is("ghcr.io", 0, "https://ghcr.io");
	base_is("index.docker.io", 0, "https://index.docker.io");
	base_is("registry.example:8443", 0, "https://registry.example:8443");
	base_is("ghcr.io", 1, "http://ghcr.io");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sg_registry_base_url(&u, bad[i], 0), SG_EINVALID);
		assert_null(u);
	}
}

static void upload_is(const char *post, const char *loc, const char *want)
{
	char *u = NULL;

	assert_int_equal(sg_registry_upload_url(&u, post, loc, "sha256:abc"), 0);
	assert_string_equal(u, want);
	free(u);
}

static void test_upload_url(void **state)
{
	const char *post = "http://r.example:5000/v2/x/y/blobs/uploads/";
	char *u = NULL;

	(void)state;
	upload_is(post, "/v2/x/y/blobs/uploads/u1?_state=s%2Bt",
		  "http://r.example:5000/v2/x/y/blobs/uploads/u1?_state=s%2Bt&digest=sha256%3aabc");
	upload_is(post, "/v2/x/y/blobs/uploads/u1",
		  "http://r.example:5000/v2/x/y/blobs/uploads/u1?digest=sha256%3aabc");
	upload_is(post, "u2", "http://r.example:5000/v2/x/y/blobs/uploads/u2?digest=sha256%3aabc");
	upload_is(post, "https://storage.example/up/u3?sig=1&x=2",
		  "https://storage.example/up/u3?sig=1&x=2&digest=sha256%3aabc");
	assert_int_equal(sg_registry_upload_url(&u, post, "http://[bad", "sha256:abc"),
			 SG_EINVALID);
	assert_null(u);
}

static void test_same_origin(void **state)
{
	(void)state;
	assert_true(sg_registry_same_origin("http://a.example:80/x", "http://a.example/y"));
	assert_true(sg_registry_same_origin("https://A.example/x", "https://a.example:443"));
	assert_false(sg_registry_same_origin("https://a.example", "http://a.example"));
	assert_false(sg_registry_same_origin("http://a:5000", "http://a:5001"));
	assert_false(sg_registry_same_origin("http://localhost:5000", "http://127.0.0.1:5000"));
	assert_false(sg_registry_same_origin("http://a.example.evil/", "http://a.example"));
	assert_false(sg_registry_same_origin("not a url", "http://a.example"));
}

static void test_error_info(void **state)
{
	const char *body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"bad\\u001b[31m\\n\","
			   "\"detail\":{}},{\"code\":\"X\",\"message\":\"second\"}]}";
	char code[32], msg[64];

	(void)state;
	sg_registry_error_info(code, sizeof(code), msg, sizeof(msg), body, strlen(body));
	assert_string_equal(code, "MANIFEST_UNKNOWN");
	assert_string_equal(msg, "bad?[31m?");
	sg_registry_error_info(code, sizeof(code), msg, sizeof(msg), "<html>", 6);
	assert_string_equal(code, "");
	assert_string_equal(msg, "");
	sg_registry_error_info(code, sizeof(code), msg, sizeof(msg), "{\"errors\":[1]}", 14);
	assert_string_equal(msg, "");
	sg_registry_error_info(code, sizeof(code), msg, sizeof(msg), NULL, 0);
	assert_string_equal(code, "");
}

/* ---- a scripted HTTP/1.1 server ---- */

struct logged {
	char method[8];
	char target[1024];
	char host[128];
	char auth[512];
	char ctype[128];
	char ua[64];
	size_t body_len;
	unsigned char body[256];
};

struct fake;
typedef void (*handler_fn)(struct fake *f, const struct logged *r, const unsigned char *body,
			   sg_buf *resp);

struct fake {
	int lfd, port, stop;
	pthread_t th;
	pthread_mutex_t mu;
	handler_fn handler;
	struct logged log[64];
	int nlog;
	char dir[64];      /* temp dir with config.json */
	sg_ctx *ctx;
	sg_store *store;
	const char *blob;  /* content served as the test blob */
	size_t blob_len;
	int token_mode;    /* 0 ok, 1 reject, 2 header-injecting token */
	const char *put_digest; /* Docker-Content-Digest returned on manifest PUT */
	int uploaded;
	int offorigin;     /* blob GETs redirect to another host */
};

static const char *hdr_value(const char *hdrs, const char *name, char *out, size_t n)
{
	const char *p = hdrs;
	size_t nl = strlen(name);

	out[0] = '\0';
	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1, *end;

			while (*v == ' ')
				v++;
			end = strstr(v, "\r\n");
			snprintf(out, n, "%.*s", (int)(end ? end - v : (long)strlen(v)), v);
			return out;
		}
	}
	return NULL;
}

static void serve_one(struct fake *f, int fd)
{
	static unsigned char buf[6u << 20];
	char clen[32], *end;
	size_t got = 0, hlen, blen;
	struct logged r;
	sg_buf resp = SG_BUF_INIT(16u << 20);
	ssize_t n;

	memset(&r, 0, sizeof(r));
	for (;;) {
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		buf[got] = '\0';
		if ((end = strstr((char *)buf, "\r\n\r\n")))
			break;
	}
	hlen = (size_t)(end - (char *)buf) + 4;
	end[2] = '\0'; /* keep the last header's CRLF for hdr_value */
	sscanf((char *)buf, "%7s %1023s", r.method, r.target);
	hdr_value((char *)buf, "Host", r.host, sizeof(r.host));
	hdr_value((char *)buf, "Authorization", r.auth, sizeof(r.auth));
	hdr_value((char *)buf, "Content-Type", r.ctype, sizeof(r.ctype));
	hdr_value((char *)buf, "User-Agent", r.ua, sizeof(r.ua));
	blen = hdr_value((char *)buf, "Content-Length", clen, sizeof(clen)) ? strtoul(clen, NULL, 10) : 0;
	if (blen > sizeof(buf) - 1 - hlen)
		return;
	while (got < hlen + blen) {
		n = read(fd, buf + got, hlen + blen - got);
		if (n <= 0)
			return;
		got += (size_t)n;
	}
	r.body_len = blen;
	memcpy(r.body, buf + hlen, blen < sizeof(r.body) ? blen : sizeof(r.body));
	pthread_mutex_lock(&f->mu);
	if (f->nlog < 64)
		f->log[f->nlog++] = r;
	pthread_mutex_unlock(&f->mu);
	f->handler(f, &r, buf + hlen, &resp);
	for (got = 0; got < resp.len; got += (size_t)n) {
		n = write(fd, resp.data + got, resp.len - got);
		if (n <= 0)
			break;
	}
	sg_buf_release(&resp);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	struct pollfd p = { .fd = f->lfd, .events = POLLIN };
	int fd;

	while (!f->stop) {
		if (poll(&p, 1, 50) <= 0)
			continue;
		if ((fd = accept(f->lfd, NULL, NULL)) < 0)
			continue;
		serve_one(f, fd);
		close(fd);
	}
	return NULL;
}

/* Status, extra header lines ("" or "K: V\r\n..."), body. Always Connection: close. */
static void respond(sg_buf *out, int status, const char *headers, const void *body, size_t len)
{
	sg_buf_printf(out, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
		      status, len, headers);
	sg_buf_append(out, body, len);
}

static void respond_str(sg_buf *out, int status, const char *headers, const char *body)
{
	respond(out, status, headers, body, strlen(body));
}

static const char manifest_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
	"\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
	"\"layers\":[]}";

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	sg_opts o = { 0 };
	sg_error e = { 0 };

	if (!f)
		return -1;
	pthread_mutex_init(&f->mu, NULL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(f->lfd, 16) < 0 || getsockname(f->lfd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	f->port = ntohs(a.sin_port);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sigil-reg-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	o.docker_config_dir = f->dir;
	o.timeout_s = 10;
	if (sg_ctx_new(&f->ctx, &o, &e) < 0)
		return -1;
	if (pthread_create(&f->th, NULL, serve, f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	f->stop = 1;
	pthread_join(f->th, NULL);
	close(f->lfd);
	sg_store_free(f->store);
	sg_ctx_free(f->ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	pthread_mutex_destroy(&f->mu);
	free(f);
	return 0;
}

/* config.json with user:pass for this server */
static void write_creds(struct fake *f, const char *b64)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/config.json", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"auths\":{\"127.0.0.1:%d\":{\"auth\":\"%s\"}}}", f->port, b64);
	fclose(fp);
}

static sg_store *open_store(struct fake *f, const char *repo)
{
	char reg[64];
	sg_error e = { 0 };

	snprintf(reg, sizeof(reg), "127.0.0.1:%d", f->port);
	sg_store_free(f->store);
	f->store = NULL;
	if (sg_registry_open(&f->store, f->ctx, reg, repo, &e) < 0)
		fail_msg("open: %s", e.msg);
	return f->store;
}

static int nlog(struct fake *f)
{
	int n;

	pthread_mutex_lock(&f->mu);
	n = f->nlog;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static const struct logged *logged(struct fake *f, int i)
{
	assert_true(i < nlog(f));
	return &f->log[i];
}

/* ---- token auth ---- */

#define GOOD_BASIC "Basic dXNlcjpwYXNz" /* user:pass */

static int bearer_ok(const struct logged *r)
{
	return !strcmp(r->auth, "Bearer tok-pull") || !strcmp(r->auth, "Bearer tok-push");
}

static void challenge(struct fake *f, sg_buf *resp, const char *actions)
{
	char h[256];

	if (f->token_mode == 3) /* a realm we must not talk to in clear */
		snprintf(h, sizeof(h), "WWW-Authenticate: Bearer realm=\"http://auth.example/token\"\r\n");
	else
		snprintf(h, sizeof(h),
			 "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%d/token\",service=\"fake\","
			 "scope=\"repository:ns/app:%s\"\r\nContent-Type: application/json\r\n",
			 f->port, actions);
	respond_str(resp, 401, h, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"no\"}]}");
}

static int token_endpoint(struct fake *f, const struct logged *r, sg_buf *resp)
{
	if (!strcmp(r->method, "POST") && !strcmp(r->target, "/token")) { /* OAuth2 refresh */
		if (strstr((const char *)r->body, "grant_type=refresh_token") &&
		    strstr((const char *)r->body, "refresh_token=id%2Ftok") &&
		    strstr((const char *)r->body, "scope=repository%3Ans%2Fapp%3Apull") &&
		    !strcmp(r->ctype, "application/x-www-form-urlencoded") && !r->auth[0])
			respond_str(resp, 200, "", "{\"access_token\":\"tok-pull\"}");
		else
			respond_str(resp, 400, "", "{}");
		return 1;
	}
	if (strncmp(r->target, "/token?", 7))
		return 0;
	if (f->token_mode == 1 || strcmp(r->auth, GOOD_BASIC)) {
		respond_str(resp, 401, "", "{\"details\":\"incorrect username or password\"}");
	} else if (f->token_mode == 2) {
		respond_str(resp, 200, "", "{\"token\":\"x\\r\\nX-Evil: 1\"}");
	} else if (strstr(r->target, "scope=repository%3ans%2fapp%3apull%2cpush") ||
		   strstr(r->target, "scope=repository%3Ans%2Fapp%3Apull%2Cpush")) {
		respond_str(resp, 200, "", "{\"access_token\":\"tok-push\",\"expires_in\":300}");
	} else if (strstr(r->target, "service=fake")) {
		respond_str(resp, 200, "", "{\"token\":\"tok-pull\",\"expires_in\":300}");
	} else {
		respond_str(resp, 400, "", "{}");
	}
	return 1;
}

static void bearer_handler(struct fake *f, const struct logged *r, const unsigned char *body,
			   sg_buf *resp)
{
	char h[512], d[SG_DIGEST_MAX];

	(void)body;
	if (token_endpoint(f, r, resp))
		return;
	if (!strcmp(r->target, "/storage/evil")) { /* another host asking for credentials */
		snprintf(h, sizeof(h), "WWW-Authenticate: Bearer realm=\"http://localhost:%d/evil\",service=x\r\n",
			 f->port);
		respond_str(resp, 401, h, "");
		return;
	}
	if (!strncmp(r->target, "/storage/", 9)) { /* blob storage on another host */
		respond(resp, 200, "", f->blob, f->blob_len);
		return;
	}
	if (!bearer_ok(r)) {
		challenge(f, resp, strcmp(r->method, "GET") && strcmp(r->method, "HEAD")
				   ? "pull,push" : "pull");
		return;
	}
	if (!strcmp(r->target, "/v2/ns/app/manifests/v1")) {
		sg_sha256_digest(d, manifest_json, strlen(manifest_json));
		snprintf(h, sizeof(h), "Content-Type: %s; charset=utf-8\r\nDocker-Content-Digest: %s\r\n",
			 SG_MT_OCI_MANIFEST, d);
		respond_str(resp, 200, h, manifest_json);
	} else if (!strcmp(r->method, "HEAD") && !strncmp(r->target, "/v2/ns/app/blobs/", 17)) {
		respond_str(resp, 404, "", "");
	} else if (!strncmp(r->target, "/v2/ns/app/blobs/sha256:", 24) && f->offorigin == 2) {
		respond_str(resp, 307, "Location: http://storage.example/b1\r\n", "");
	} else if (!strncmp(r->target, "/v2/ns/app/blobs/sha256:", 24) && f->offorigin == 4) {
		snprintf(h, sizeof(h), "Location: http://localhost:%d/storage/evil\r\n", f->port);
		respond_str(resp, 307, h, "");
	} else if (!strncmp(r->target, "/v2/ns/app/blobs/sha256:", 24) && f->offorigin == 3) {
		respond_str(resp, 307, "Location: file:///etc/passwd\r\n", "");
	} else if (!strncmp(r->target, "/v2/ns/app/blobs/sha256:", 24) && f->offorigin) {
		/* off-origin redirect: "localhost" is not "127.0.0.1" */
		snprintf(h, sizeof(h), "Location: http://localhost:%d/storage/b1\r\n", f->port);
		respond_str(resp, 307, h, "");
	} else if (!strncmp(r->target, "/v2/ns/app/blobs/sha256:", 24)) {
		respond_str(resp, 302, "Location: /v2/ns/app/same-origin\r\n", "");
	} else if (!strcmp(r->target, "/v2/ns/app/same-origin")) {
		respond(resp, 200, "", f->blob, f->blob_len);
	} else if (!strcmp(r->method, "POST") && !strcmp(r->target, "/v2/ns/app/blobs/uploads/")) {
		respond_str(resp, 202, "Location: /v2/ns/app/blobs/uploads/u1?_state=abc\r\n", "");
	} else if (!strcmp(r->method, "PUT") && !strncmp(r->target, "/v2/ns/app/blobs/uploads/u1?", 28)) {
		f->uploaded = 1;
		respond_str(resp, 201, "", "");
	} else {
		respond_str(resp, 404, "", "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"?\"}]}");
	}
}

static void test_bearer_flow(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *mt = NULL, d[SG_DIGEST_MAX], want[SG_DIGEST_MAX];
	sg_error e = { 0 };
	sg_store *s;

	f->handler = bearer_handler;
	write_creds(f, "dXNlcjpwYXNz");
	s = open_store(f, "ns/app");
	if (sg_store_get_manifest(s, "v1", &b, &mt, d, &e) < 0)
		fail_msg("%s", e.msg);
	sg_sha256_digest(want, manifest_json, strlen(manifest_json));
	assert_string_equal(d, want);
	assert_string_equal(mt, SG_MT_OCI_MANIFEST); /* parameters stripped */
	assert_int_equal(b.len, strlen(manifest_json));
	assert_memory_equal(b.data, manifest_json, b.len);
	/* anonymous, token with Basic, retry with Bearer */
	assert_int_equal(nlog(f), 3);
	assert_string_equal(logged(f, 0)->auth, "");
	assert_non_null(strstr(logged(f, 0)->ua, "sigil/"));
	assert_int_equal(strncmp(logged(f, 1)->target, "/token?", 7), 0);
	assert_string_equal(logged(f, 1)->auth, GOOD_BASIC);
	assert_string_equal(logged(f, 2)->auth, "Bearer tok-pull");
	/* the token is cached: one request next time */
	free(mt);
	sg_buf_reset(&b);
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), 0);
	assert_int_equal(nlog(f), 4);
	assert_string_equal(logged(f, 3)->auth, "Bearer tok-pull");
	/* a push needs a pull,push token: one more token request, then it is reused */
	assert_int_equal(sg_store_put_blob(s, "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "foo", 3, &e), 0);
	assert_true(f->uploaded);
	{
		int i, tokens = 0, last = nlog(f) - 1;

		for (i = 4; i <= last; i++)
			tokens += !strncmp(logged(f, i)->target, "/token?", 7);
		assert_int_equal(tokens, 1);
		assert_string_equal(logged(f, last)->method, "PUT");
		assert_string_equal(logged(f, last)->auth, "Bearer tok-push");
		assert_string_equal(logged(f, last)->ctype, "application/octet-stream");
		assert_int_equal(logged(f, last)->body_len, 3);
		assert_non_null(strstr(logged(f, last)->target, "?_state=abc&digest=sha256"));
	}
	free(mt);
	sg_buf_release(&b);
}

static void test_identity_token(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *mt = NULL, d[SG_DIGEST_MAX], path[128];
	sg_error e = { 0 };
	sg_store *s;
	FILE *fp;

	f->handler = bearer_handler;
	snprintf(path, sizeof(path), "%s/config.json", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"auths\":{\"127.0.0.1:%d\":{\"identitytoken\":\"id/tok\"}}}", f->port);
	fclose(fp);
	s = open_store(f, "ns/app");
	if (sg_store_get_manifest(s, "v1", &b, &mt, d, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(logged(f, 1)->method, "POST");
	assert_string_equal(logged(f, 2)->auth, "Bearer tok-pull");
	free(mt);
	sg_buf_release(&b);
}

static void test_redirect_drops_auth(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(1 << 20);
	sg_error e = { 0 };
	char d[SG_DIGEST_MAX];
	sg_store *s;
	int i, n;

	f->handler = bearer_handler;
	write_creds(f, "dXNlcjpwYXNz");
	s = open_store(f, "ns/app");
	f->blob = "blob bytes";
	f->blob_len = 10;
	f->offorigin = 1;
	sg_sha256_digest(d, f->blob, f->blob_len);
	if (sg_store_get_blob(s, d, &b, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(b.len, f->blob_len);
	n = nlog(f);
	assert_string_equal(logged(f, n - 1)->target, "/storage/b1");
	assert_int_equal(strncmp(logged(f, n - 1)->host, "localhost:", 10), 0);
	assert_string_equal(logged(f, n - 1)->auth, ""); /* never to another host */
	assert_string_equal(logged(f, n - 2)->auth, "Bearer tok-pull");
	/* a same-origin redirect keeps it */
	sg_buf_reset(&b);
	f->blob = "abc";
	f->blob_len = 3;
	f->offorigin = 0;
	sg_sha256_digest(d, "abc", 3);
	i = nlog(f);
	if (sg_store_get_blob(s, d, &b, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(nlog(f), i + 2);
	assert_string_equal(logged(f, i + 1)->target, "/v2/ns/app/same-origin");
	assert_string_equal(logged(f, i + 1)->auth, "Bearer tok-pull");
	/* no plain-http redirects to non-local hosts, no other schemes */
	f->offorigin = 2;
	sg_buf_reset(&b);
	i = nlog(f);
	assert_int_equal(sg_store_get_blob(s, d, &b, &e), SG_ENET);
	assert_non_null(strstr(e.msg, "refusing redirect"));
	assert_int_equal(nlog(f), i + 1);
	f->offorigin = 3;
	assert_int_equal(sg_store_get_blob(s, d, &b, &e), SG_ENET);
	assert_int_equal(b.len, 0);
	/* a redirected host answering 401 gets no token flow: credentials stay with the registry */
	f->offorigin = 4;
	i = nlog(f);
	assert_int_equal(sg_store_get_blob(s, d, &b, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "redirected server refused access"));
	for (n = i; n < nlog(f); n++)
		assert_int_not_equal(strncmp(logged(f, n)->target, "/evil", 5), 0); /* the realm */
	sg_buf_release(&b);
}

static void test_token_failures(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *mt = NULL, d[SG_DIGEST_MAX];
	sg_error e = { 0 };
	sg_store *s;

	f->handler = bearer_handler;
	/* no config.json: anonymous token refused */
	s = open_store(f, "ns/app");
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "authentication required (401)"));
	assert_non_null(strstr(e.msg, "no credentials in"));
	assert_non_null(strstr(e.msg, f->dir));
	assert_null(mt);
	/* wrong password */
	write_creds(f, "dXNlcjp3cm9uZw==");
	s = open_store(f, "ns/app");
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "credentials rejected"));
	/* a token that would inject a header line */
	write_creds(f, "dXNlcjpwYXNz");
	f->token_mode = 2;
	s = open_store(f, "ns/app");
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "no usable token"));
	assert_int_equal(b.len, 0);
	/* a plain-http realm on a non-local host is refused before any request to it */
	f->token_mode = 3;
	s = open_store(f, "ns/app");
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "unusable token realm"));
	sg_buf_release(&b);
}

/* ---- Basic auth, errors, caps, digests ---- */

static void basic_handler(struct fake *f, const struct logged *r, const unsigned char *body,
			  sg_buf *resp)
{
	static const char big_err_prefix[] = "{\"errors\":[{\"code\":\"X\",\"message\":\"";
	char h[256], d[SG_DIGEST_MAX];

	(void)body;
	if (strcmp(r->auth, GOOD_BASIC)) {
		respond_str(resp, 401, "WWW-Authenticate: Basic realm=\"basic-realm\"\r\n", "");
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/v1")) {
		respond_str(resp, 200, "Content-Type: " SG_MT_OCI_MANIFEST "\r\n", manifest_json);
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/liar")) {
		sg_sha256_digest(d, "something else", 14);
		snprintf(h, sizeof(h), "Docker-Content-Digest: %s\r\n", d);
		respond_str(resp, 200, h, manifest_json);
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/garbled")) {
		respond_str(resp, 200, "Docker-Content-Digest: sha256:xyz\r\n", manifest_json);
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/huge")) {
		size_t n = SG_MAX_MANIFEST + 1;
		char *p = malloc(n);

		memset(p, ' ', n);
		respond(resp, 200, "", p, n);
		free(p);
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/boom")) {
		respond_str(resp, 500, "", "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"disk \\u001b[31mfull\"}]}");
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/bigerr")) {
		size_t n = 3u << 20;
		char *p = malloc(n);

		memset(p, 'x', n);
		memcpy(p, big_err_prefix, sizeof(big_err_prefix) - 1);
		respond(resp, 502, "", p, n);
		free(p);
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/forbidden")) {
		respond_str(resp, 403, "", "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}");
	} else if (!strcmp(r->method, "PUT") && !strncmp(r->target, "/v2/ns/app/manifests/", 21)) {
		if (strcmp(r->ctype, SG_MT_OCI_MANIFEST)) {
			respond_str(resp, 400, "", "{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"content type\"}]}");
			return;
		}
		snprintf(h, sizeof(h), "Docker-Content-Digest: %s\r\nLocation: /v2/ns/app/manifests/x\r\n",
			 f->put_digest);
		respond_str(resp, 201, h, "");
	} else if (!strcmp(r->method, "HEAD") && !strncmp(r->target, "/v2/ns/app/blobs/", 17)) {
		/* a big layer: HEAD must not trip any body cap */
		sg_buf_puts(resp, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n"
				  "Connection: close\r\n\r\n");
	} else if (!strncmp(r->target, "/v2/ns/app/blobs/", 17)) {
		respond(resp, 200, "", f->blob, f->blob_len);
	} else {
		respond_str(resp, 404, "", "");
	}
}

static void test_basic_and_errors(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *mt = NULL, d[SG_DIGEST_MAX], good[SG_DIGEST_MAX];
	sg_error e = { 0 };
	sg_store *s;
	int n;

	f->handler = basic_handler;
	s = open_store(f, "ns/app");
	/* Basic without credentials */
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "authentication required (401): no credentials in"));
	write_creds(f, "dXNlcjpwYXNz");
	s = open_store(f, "ns/app");
	if (sg_store_get_manifest(s, "v1", &b, &mt, d, &e) < 0)
		fail_msg("%s", e.msg);
	free(mt);
	mt = NULL;
	/* Basic is sent up front once known */
	n = nlog(f);
	sg_buf_reset(&b);
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), 0);
	assert_int_equal(nlog(f), n + 1);
	free(mt);
	mt = NULL;
	/* the registry's claimed digest must match the bytes */
	sg_buf_reset(&b);
	assert_int_equal(sg_store_get_manifest(s, "liar", &b, &mt, d, &e), SG_EDIGEST);
	assert_int_equal(sg_store_get_manifest(s, "garbled", &b, &mt, d, &e), SG_EDIGEST);
	/* caps */
	assert_int_equal(sg_store_get_manifest(s, "huge", &b, &mt, d, &e), SG_ETOOBIG);
	assert_int_equal(b.len, 0);
	/* errors map to classes, with the registry's message, control characters replaced */
	assert_int_equal(sg_store_get_manifest(s, "boom", &b, &mt, d, &e), SG_ENET);
	assert_non_null(strstr(e.msg, "HTTP 500: disk ?[31mfull"));
	assert_non_null(strstr(e.msg, "/ns/app: manifest boom"));
	assert_int_equal(sg_store_get_manifest(s, "bigerr", &b, &mt, d, &e), SG_ENET);
	assert_non_null(strstr(e.msg, "HTTP 502"));
	assert_int_equal(sg_store_get_manifest(s, "forbidden", &b, &mt, d, &e), SG_EAUTH);
	assert_non_null(strstr(e.msg, "denied"));
	assert_int_equal(sg_store_get_manifest(s, "nope", &b, &mt, d, &e), SG_ENOTFOUND);
	assert_int_equal(sg_store_get_manifest(s, "bad tag!", &b, &mt, d, &e), SG_EINVALID);
	/* blob cap from the caller's buffer */
	f->blob = "0123456789";
	f->blob_len = 10;
	sg_buf_release(&b);
	sg_buf_init(&b, 5);
	sg_sha256_digest(d, f->blob, 10);
	assert_int_equal(sg_store_get_blob(s, d, &b, &e), SG_ETOOBIG);
	assert_int_equal(b.len, 0);
	if (sg_store_has_blob(s, d, &e) != 1)
		fail_msg("has_blob on a 1 GiB blob: %s", e.msg);
	/* put_manifest checks the digest the registry says it stored */
	sg_sha256_digest(good, manifest_json, strlen(manifest_json));
	f->put_digest = good;
	if (sg_store_put_manifest(s, "t1", manifest_json, strlen(manifest_json), SG_MT_OCI_MANIFEST, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(logged(f, nlog(f) - 1)->auth, GOOD_BASIC);
	f->put_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(sg_store_put_manifest(s, "t1", manifest_json, strlen(manifest_json),
					       SG_MT_OCI_MANIFEST, &e), SG_EDIGEST);
	f->put_digest = good;
	assert_int_equal(sg_store_put_manifest(s, "t1", manifest_json, strlen(manifest_json),
					       "text/plain", &e), SG_ENET);
	assert_int_equal(sg_store_put_manifest(s, "t1", manifest_json, strlen(manifest_json),
					       "a\r\nX-Evil: 1", &e), SG_EINVALID);
	sg_buf_release(&b);
}

/* ---- retries ---- */

static int flaky_count;

static void flaky_handler(struct fake *f, const struct logged *r, const unsigned char *body,
			  sg_buf *resp)
{
	(void)f;
	(void)body;
	if (!strcmp(r->target, "/v2/ns/app/manifests/flaky")) {
		/* two transient failures, then the answer */
		if (flaky_count++ < 2)
			respond_str(resp, flaky_count == 1 ? 503 : 429, "Retry-After: 0\r\n", "");
		else
			respond_str(resp, 200, "Content-Type: " SG_MT_OCI_MANIFEST "\r\n", manifest_json);
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/busy")) {
		respond_str(resp, 503, "Retry-After: 0\r\n", "");
	} else if (!strcmp(r->target, "/v2/ns/app/manifests/denied")) {
		respond_str(resp, 400, "", "{\"errors\":[{\"code\":\"X\",\"message\":\"no\"}]}");
	} else {
		respond_str(resp, 404, "", "");
	}
}

static void test_retries(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *mt = NULL, d[SG_DIGEST_MAX];
	sg_error e = { 0 };
	sg_store *s;
	int n;

	f->handler = flaky_handler;
	s = open_store(f, "ns/app");
	/* 503 and 429 (with Retry-After) are retried; the third answer is used */
	flaky_count = 0;
	n = nlog(f);
	if (sg_store_get_manifest(s, "flaky", &b, &mt, d, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(nlog(f), n + 3);
	free(mt);
	mt = NULL;
	/* a registry that stays unavailable: bounded attempts, then a clear error */
	n = nlog(f);
	sg_buf_reset(&b);
	assert_int_equal(sg_store_get_manifest(s, "busy", &b, &mt, d, &e), SG_ENET);
	assert_non_null(strstr(e.msg, "HTTP 503"));
	assert_int_equal(nlog(f), n + 4);
	/* a definite answer is not retried */
	n = nlog(f);
	assert_int_equal(sg_store_get_manifest(s, "denied", &b, &mt, d, &e), SG_ENET);
	assert_int_equal(nlog(f), n + 1);
	sg_buf_release(&b);
}

static void test_unreachable(void **state)
{
	struct fake *f = *state;
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	char *mt = NULL, d[SG_DIGEST_MAX];
	sg_error e = { 0 };
	sg_store *s = NULL;
	int port;

	/* a port that was free a moment ago */
	{
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof(a);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		getsockname(fd, (struct sockaddr *)&a, &alen);
		port = ntohs(a.sin_port);
		close(fd);
	}
	{
		char reg[64];

		snprintf(reg, sizeof(reg), "127.0.0.1:%d", port);
		assert_int_equal(sg_registry_open(&s, f->ctx, reg, "ns/app", &e), 0);
	}
	assert_int_equal(sg_store_get_manifest(s, "v1", &b, &mt, d, &e), SG_ENET);
	assert_non_null(strstr(e.msg, "/ns/app: manifest v1:"));
	sg_store_free(s);
	assert_int_equal(sg_registry_open(&s, f->ctx, "127.0.0.1:1", "Upper/case", &e), SG_EINVALID);
	assert_int_equal(sg_registry_open(&s, f->ctx, "127.0.0.1:1", "a/../b", &e), SG_EINVALID);
	assert_int_equal(sg_registry_open(&s, f->ctx, "127.0.0.1:1", "a//b", &e), SG_EINVALID);
	assert_int_equal(sg_registry_open(&s, f->ctx, "bad host", "a", &e), SG_EINVALID);
	sg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_upload_url),
		cmocka_unit_test(test_same_origin),
		cmocka_unit_test(test_error_info),
		cmocka_unit_test_setup_teardown(test_bearer_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirect_drops_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
