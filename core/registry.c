/* A store over the OCI distribution API (libcurl): token and basic auth, manual redirects
 * (Authorization never leaves the registry's origin), size caps in the write callback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include "store.h"
#include "auth.h"
#include "buf.h"
#include "digest.h"
#include "err.h"
#include "manifest.h"
#include "ref.h"
#include "registry_internal.h"
#include "banned.h"

#define DEFAULT_TIMEOUT_S 60
#define MAX_REDIRECTS 10
#define MAX_ATTEMPTS 4          /* one try and three retries of a transient failure */
#define RETRY_BASE_MS 200       /* 200, 400, 800 ms, each with up to 50% jitter */
#define RETRY_AFTER_MAX_S 10    /* a longer Retry-After is not waited for */
#define TOKEN_SKEW_S 10
#define TOKEN_DEFAULT_TTL_S 60

enum { ACT_PULL = 0, ACT_PUSH = 1 };
enum { SCHEME_NONE = 0, SCHEME_BASIC, SCHEME_BEARER };

typedef struct reg_store {
	sg_store base;
	sg_ctx *ctx;
	CURL *curl;
	char *registry;
	char *repository;
	char *base_url;         /* "https://host[:port]" */
	long timeout_s;
	int allow_http, insecure;
	int scheme;             /* what the registry asked for, once it has */
	sg_challenge chal;      /* last Bearer challenge: realm and service */
	char *token[2];         /* sodium memory: "Authorization: Bearer ..." per action set */
	struct timespec token_exp[2];
	char *basic;            /* sodium memory: "Authorization: Basic ..." */
	int cred_state;         /* 0 not looked up, 1 found, -1 none */
	sg_cred cred;
	char nocred[sizeof(((sg_error *)0)->msg)];       /* why there are no credentials, for messages */
	time_t no_referrers;    /* when the registry last said it has no referrers API (0: never) */
	struct reg_store *twin; /* sg_store_twin's handle, opened on first use */
	char errbuf[CURL_ERROR_SIZE];
} reg_store;

/* One HTTP exchange, possibly over several redirect hops. */
struct req {
	const char *method;      /* GET HEAD PUT POST */
	const char *url;
	const void *body;        /* PUT / POST */
	size_t body_len;
	const char *content_type;
	const char *accept;
	sg_buf *out;             /* 2xx body; NULL: treat like an error body */
	sg_blob_sink_fn sink;    /* instead of out: a 2xx body streamed (GET blob) */
	void *sink_arg;
	sg_error *sink_e;
	int follow;              /* follow redirects (GET / HEAD only) */
	/* results */
	long status;
	int curl_rc;             /* CURLcode of the last transfer */
	sg_buf err_body;         /* non-2xx body, SG_MAX_HTTP_SMALL */
	char *ctype, *digest, *location, *www_auth, *retry_after, *link, *filters;
	int off_origin;          /* the final hop left the registry's origin (a redirect) */
	uint64_t sunk;           /* bytes handed to sink, all attempts: no retry after one */
	int sink_err;            /* what sink returned when it stopped the transfer */
};

struct sink {
	CURL *h;
	sg_buf *ok, *err;
	int toobig;              /* 1: the 2xx body hit its cap, 2: an error body did */
	struct req *r;
};

/* ---- URL helpers (exposed to tests through registry_internal.h) ---- */

int sg_registry_host_is_loopback(const char *hp)
{
	char host[256];
	const char *end, *colon;
	size_t n;

	if (!hp)
		return 0;
	if (hp[0] == '[') {
		if (!(end = strchr(hp, ']')) || (end[1] && end[1] != ':'))
			return 0;
		hp++;
		n = (size_t)(end - hp);
	} else if ((colon = strchr(hp, ':')) && !strchr(colon + 1, ':')) {
		n = (size_t)(colon - hp);
	} else {
		n = strlen(hp); /* no port, or a bare IPv6 address */
	}
	if (n >= sizeof(host))
		return 0;
	memcpy(host, hp, n);
	host[n] = '\0';
	return !strcasecmp(host, "localhost") || !strcmp(host, "127.0.0.1") || !strcmp(host, "::1");
}

static int registry_name_ok(const char *r)
{
	size_t i;

	for (i = 0; r[i]; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= 'A' && r[i] <= 'Z') ||
		      (r[i] >= '0' && r[i] <= '9') || strchr(".-:[]_", r[i])))
			return 0;
	return i > 0 && i < 256;
}

int sg_registry_base_url(char **out, const char *registry, int allow_http)
{
	const char *scheme = allow_http || sg_registry_host_is_loopback(registry) ? "http" : "https";
	int bare6 = registry && registry[0] != '[' && strchr(registry, ':') &&
		    strchr(strchr(registry, ':') + 1, ':');
	size_t n;
	CURLU *u;

	*out = NULL;
	if (!registry || !registry_name_ok(registry))
		return SG_EINVALID;
	n = strlen(scheme) + strlen(registry) + 6;
	if (!(*out = malloc(n)))
		return SG_ERROR;
	snprintf(*out, n, "%s://%s%s%s", scheme, bare6 ? "[" : "", registry, bare6 ? "]" : "");
	/* Let curl's parser have the last word on what a host[:port] is. */
	if (!(u = curl_url()) || curl_url_set(u, CURLUPART_URL, *out, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		free(*out);
		*out = NULL;
		return SG_EINVALID;
	}
	curl_url_cleanup(u);
	return 0;
}

int sg_registry_upload_url(char **out, const char *post_url, const char *location,
			   const char *digest)
{
	CURLU *u = curl_url();
	char *q = NULL, *url = NULL;
	size_t n;
	int err = SG_EINVALID;

	*out = NULL;
	if (!u)
		return SG_ERROR;
	n = strlen(digest) + 8;
	if (!(q = malloc(n))) {
		err = SG_ERROR;
		goto done;
	}
	snprintf(q, n, "digest=%s", digest);
	/* Setting a relative URL on a handle holding the base resolves it (RFC 3986 §5). */
	if (curl_url_set(u, CURLUPART_URL, post_url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		goto done;
	if (!(*out = strdup(url))) {
		err = SG_ERROR;
		goto done;
	}
	err = 0;
done:
	curl_free(url);
	free(q);
	curl_url_cleanup(u);
	return err;
}

struct origin {
	char *scheme, *host, *port;
};

static int origin_get(struct origin *o, const char *url)
{
	CURLU *u = curl_url();
	int ok;

	memset(o, 0, sizeof(*o));
	ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	curl_url_cleanup(u);
	return ok;
}

static void origin_release(struct origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
}

int sg_registry_same_origin(const char *a, const char *b)
{
	struct origin x = { 0 }, y = { 0 };
	int same;

	same = origin_get(&x, a) && origin_get(&y, b) && !strcasecmp(x.scheme, y.scheme) &&
	       !strcasecmp(x.host, y.host) && !strcmp(x.port, y.port);
	origin_release(&x);
	origin_release(&y);
	return same;
}

/* https anywhere; http only to loopback hosts or with --allow-http-registry. */
static int url_allowed(const reg_store *s, const char *url)
{
	struct origin o;
	int ok = 0;

	if (origin_get(&o, url)) {
		if (!strcasecmp(o.scheme, "https"))
			ok = 1;
		else if (!strcasecmp(o.scheme, "http"))
			ok = s->allow_http || sg_registry_host_is_loopback(o.host);
	}
	origin_release(&o);
	return ok;
}

void sg_registry_error_info(char *code, size_t ncode, char *msg, size_t nmsg, const void *body,
			    size_t len)
{
	json_t *root, *first;
	const char *c = NULL, *m = NULL;

	if (ncode)
		code[0] = '\0';
	if (nmsg)
		msg[0] = '\0';
	if (!body || !len)
		return;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	first = json_array_get(json_object_get(root, "errors"), 0);
	if (json_is_object(first)) {
		c = json_string_value(json_object_get(first, "code"));
		m = json_string_value(json_object_get(first, "message"));
	}
	sg_printable(code, ncode, c);
	sg_printable(msg, nmsg, m);
	json_decref(root);
}

/* ---- HTTP ---- */

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct sink *k = ud;
	long code = 0;
	sg_buf *b;

	(void)size; /* always 1 */
	curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300 && k->r->sink) {
		if ((k->r->sink_err = k->r->sink(k->r->sink_arg, p, n, k->r->sink_e)) < 0)
			return 0; /* aborts the transfer with the sink's error */
		k->r->sunk += n;
		return n;
	}
	b = (code >= 200 && code < 300 && k->ok) ? k->ok : k->err;
	if (sg_buf_append(b, p, n) < 0) {
		k->toobig = b == k->ok ? 1 : 2;
		return 0; /* aborts the transfer: caps hold inside curl, not after it */
	}
	return n;
}

static char *header_dup(CURL *h, const char *name)
{
	struct curl_header *hd = NULL;

	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd->value)
		return NULL;
	return strdup(hd->value);
}

static void req_reset_results(struct req *r)
{
	free(r->ctype);
	free(r->digest);
	free(r->location);
	free(r->www_auth);
	free(r->retry_after);
	free(r->link);
	free(r->filters);
	r->ctype = r->digest = r->location = r->www_auth = r->retry_after = NULL;
	r->link = r->filters = NULL;
	r->status = 0;
	r->curl_rc = 0;
	r->off_origin = 0;
	sg_buf_reset(&r->err_body);
}

static void req_release(struct req *r)
{
	req_reset_results(r);
	sg_buf_release(&r->err_body);
}

static int net_error(reg_store *s, CURLcode rc, struct sink *k, const char *what, sg_error *e)
{
	if (k->toobig == 1)
		return sg_err(e, SG_ETOOBIG, "%s: %s: larger than the %zu-byte limit", s->base.name,
			      what, k->ok ? k->ok->max : (size_t)SG_MAX_HTTP_SMALL);
	return sg_err(e, SG_ENET, "%s: %s: %s", s->base.name, what,
		      s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
}

/* curl_slist_append leaves the old list alone on failure: keep it to free. 1 on failure. */
static int slist_add(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);

	if (!n)
		return 1;
	*l = n;
	return 0;
}

/* The request's header lines. 0 or 1 (out of memory; *hdrs still to be freed). */
static int build_headers(struct curl_slist **hdrs, const struct req *r, const char *auth)
{
	char line[512];
	int oom = 0;

	if (r->accept) {
		snprintf(line, sizeof(line), "Accept: %s", r->accept);
		oom |= slist_add(hdrs, line);
	}
	if (r->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", r->content_type);
		oom |= slist_add(hdrs, line);
	} else if (r->body) {
		oom |= slist_add(hdrs, "Content-Type:"); /* no form-urlencoded default */
	}
	oom |= slist_add(hdrs, "Expect:"); /* no 100-continue round trip for big bodies */
	if (auth)
		oom |= slist_add(hdrs, auth);
	return oom;
}

static void wipe_headers(struct curl_slist *hdrs)
{
	struct curl_slist *l;

	for (l = hdrs; l; l = l->next) /* the Authorization line is a secret */
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(hdrs);
}

/* Copies the response headers we use out of curl before the next request. */
static void collect_headers(reg_store *s, struct req *r)
{
	char *loc = NULL;

	r->ctype = header_dup(s->curl, "Content-Type");
	r->digest = header_dup(s->curl, "Docker-Content-Digest");
	r->www_auth = header_dup(s->curl, "WWW-Authenticate");
	r->retry_after = header_dup(s->curl, "Retry-After");
	r->link = header_dup(s->curl, "Link");
	r->filters = header_dup(s->curl, "OCI-Filters-Applied");
	if (r->status < 300 || r->status >= 400)
		r->location = header_dup(s->curl, "Location");
	else if (curl_easy_getinfo(s->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		r->location = strdup(loc); /* already resolved against the request URL */
}

/* One request to one URL; auth (a full header line or NULL) is sent as given. */
static int perform_once(reg_store *s, struct req *r, const char *url, const char *auth,
			const char *what, sg_error *e)
{
	struct curl_slist *hdrs = NULL;
	struct sink k = { s->curl, r->out, &r->err_body, 0, r };
	CURLcode rc;
	int err = 0;

	req_reset_results(r);
	curl_easy_reset(s->curl); /* keeps connections, DNS cache and the share */
	s->errbuf[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, s->timeout_s);
	if (r->sink) {
		/* a streamed blob may be large and its reader slow: no time for the whole
		 * transfer, but one that stalls (< 1 KiB/s) for the time-out fails */
		curl_easy_setopt(s->curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(s->curl, CURLOPT_LOW_SPEED_TIME, s->timeout_s);
	} else {
		curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout_s);
	}
	curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "sigil/" SIGIL_VERSION);
	curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* No CURLOPT_MAXFILESIZE: it would also judge a HEAD's Content-Length and error
	 * bodies; the caps live in on_write, per body kind. */
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &k);
	if (s->insecure) {
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (sg_ctx_opts(s->ctx)->cacert)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, sg_ctx_opts(s->ctx)->cacert);
	if (build_headers(&hdrs, r, auth)) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdrs);
	if (!strcmp(r->method, "HEAD")) {
		curl_easy_setopt(s->curl, CURLOPT_NOBODY, 1L);
	} else if (r->body) {
		if (strcmp(r->method, "POST"))
			curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, r->body);
	}
	rc = curl_easy_perform(s->curl);
	r->curl_rc = (int)rc;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc == CURLE_WRITE_ERROR && r->sink_err < 0) {
		err = r->sink_err; /* the sink's message stands */
		goto done;
	}
	/* An error body over its cap still leaves a usable status. */
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && k.toobig == 2 && r->status)) {
		err = net_error(s, rc, &k, what, e);
		goto done;
	}
	collect_headers(s, r);
done:
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	wipe_headers(hdrs);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, NULL);
	return err;
}

/* Follows redirects by hand: each hop gets Authorization only if it stays on the origin
 * the header was meant for (distribution spec: never forward it to blob storage). */
static int perform(reg_store *s, struct req *r, const char *auth, const char *auth_origin,
		   const char *what, sg_error *e)
{
	char *url = NULL, *next;
	size_t start = r->out ? r->out->len : 0;
	int hops, err;

	if (!(url = strdup(r->url)))
		return sg_err(e, SG_ERROR, "out of memory");
	for (hops = 0;; hops++) {
		int send = auth && auth_origin && sg_registry_same_origin(url, auth_origin);

		if ((err = perform_once(s, r, url, send ? auth : NULL, what, e)) < 0)
			break;
		r->off_origin = !sg_registry_same_origin(url, s->base_url);
		if (!r->follow || r->status < 300 || r->status >= 400 || r->status == 304 ||
		    !r->location)
			break;
		if (hops == MAX_REDIRECTS) {
			err = sg_err(e, SG_ENET, "%s: %s: too many redirects", s->base.name, what);
			break;
		}
		if (!url_allowed(s, r->location)) {
			err = sg_err(e, SG_ENET, "%s: %s: refusing redirect to a non-https URL",
				     s->base.name, what);
			break;
		}
		next = r->location;
		r->location = NULL;
		free(url);
		url = next;
	}
	free(url);
	if (err < 0 && r->out) {
		r->out->len = start; /* no partial bodies */
		if (r->out->data)
			r->out->data[start] = '\0';
	}
	return err;
}

/* ---- auth ---- */

static int now_before(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < t->tv_sec;
}

static void drop_token(reg_store *s, int act)
{
	sg_secret_free(s->token[act]);
	s->token[act] = NULL;
}

/* Looks credentials up once per store. 1 found, 0 none (s->nocred says why), <0 error. */
static int ensure_creds(reg_store *s, sg_error *e)
{
	const sg_opts *o = sg_ctx_opts(s->ctx);
	int err;

	if (s->cred_state)
		return s->cred_state > 0;
	err = sg_cred_lookup(&s->cred, o->docker_config_dir, s->registry, s->repository, e);
	if (err == SG_ENOTFOUND) {
		snprintf(s->nocred, sizeof(s->nocred), "%s", e ? e->msg : "no credentials");
		s->cred_state = -1;
		return 0;
	}
	if (err < 0)
		return sg_err_prefix(e, "%s: credentials", s->base.name);
	s->cred_state = 1;
	return 1;
}

/* "Authorization: Basic base64(user:pass)" in sodium memory. */
static char *basic_header(const sg_cred *c)
{
	static const char pre[] = "Authorization: Basic ";
	size_t ulen = strlen(c->username), plen = strlen(c->password), rawlen, blen;
	char *raw, *hdr = NULL;

	rawlen = ulen + 1 + plen;
	if (!(raw = sodium_malloc(rawlen + 1)))
		return NULL;
	memcpy(raw, c->username, ulen);
	raw[ulen] = ':';
	memcpy(raw + ulen + 1, c->password, plen);
	blen = sodium_base64_ENCODED_LEN(rawlen, sodium_base64_VARIANT_ORIGINAL);
	if ((hdr = sodium_malloc(sizeof(pre) - 1 + blen))) {
		memcpy(hdr, pre, sizeof(pre) - 1);
		sodium_bin2base64(hdr + sizeof(pre) - 1, blen, (unsigned char *)raw, rawlen,
				  sodium_base64_VARIANT_ORIGINAL);
	}
	sodium_memzero(raw, rawlen);
	sodium_free(raw);
	return hdr;
}

static int header_safe(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return 0;
	return 1;
}

/* Parses a token response into a ready "Authorization: Bearer ..." line. */
static int parse_token(reg_store *s, int act, const sg_buf *b, sg_error *e)
{
	static const char pre[] = "Authorization: Bearer ";
	json_t *root, *tok, *exp;
	const char *t;
	long long ttl = TOKEN_DEFAULT_TTL_S;
	struct timespec now;
	size_t n;
	int err = 0;

	root = json_loadb(b->data ? (char *)b->data : "", b->len, JSON_REJECT_DUPLICATES, NULL);
	tok = json_object_get(root, "token");
	if (!json_is_string(tok) || !json_string_length(tok))
		tok = json_object_get(root, "access_token");
	t = json_string_value(tok);
	if (!json_is_object(root) || !t || !*t || !header_safe(t) || strlen(t) > 65536) {
		err = sg_err(e, SG_EAUTH, "%s: token server sent no usable token", s->base.name);
		goto done;
	}
	exp = json_object_get(root, "expires_in");
	if (json_is_integer(exp) && json_integer_value(exp) > 0)
		ttl = json_integer_value(exp);
	if (ttl > 86400)
		ttl = 86400;
	n = sizeof(pre) + strlen(t);
	drop_token(s, act);
	if (!(s->token[act] = sodium_malloc(n))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	snprintf(s->token[act], n, "%s%s", pre, t);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->token_exp[act].tv_sec = now.tv_sec + (ttl > TOKEN_SKEW_S ? ttl - TOKEN_SKEW_S : 0);
	s->token_exp[act].tv_nsec = 0;
done:
	if (root) {
		json_t *v;

		if ((v = json_object_get(root, "token")) && json_is_string(v))
			sodium_memzero((char *)json_string_value(v), json_string_length(v));
		if ((v = json_object_get(root, "access_token")) && json_is_string(v))
			sodium_memzero((char *)json_string_value(v), json_string_length(v));
		if ((v = json_object_get(root, "refresh_token")) && json_is_string(v))
			sodium_memzero((char *)json_string_value(v), json_string_length(v));
	}
	json_decref(root);
	return err;
}

/* The OAuth2 form for an identity (refresh) token, in sodium memory. */
static char *refresh_form(CURL *h, const char *service, const char *scope, const char *token)
{
	char *svc = curl_easy_escape(h, service ? service : "", 0);
	char *sc = curl_easy_escape(h, scope, 0);
	char *tok = curl_easy_escape(h, token, 0);
	char *form = NULL;
	size_t n;

	if (svc && sc && tok) {
		n = strlen(svc) + strlen(sc) + strlen(tok) + 96;
		if ((form = sodium_malloc(n)))
			snprintf(form, n,
				 "grant_type=refresh_token&service=%s&scope=%s&client_id=sigil"
				 "&refresh_token=%s",
				 svc, sc, tok);
	}
	if (tok)
		sodium_memzero(tok, strlen(tok));
	curl_free(svc);
	curl_free(sc);
	curl_free(tok);
	return form;
}

static int token_url(char **out, const reg_store *s, const char *scope)
{
	CURLU *u = curl_url();
	char *q = NULL, *url = NULL;
	size_t n;
	int err = SG_EINVALID;

	*out = NULL;
	if (!u)
		return SG_ERROR;
	if (curl_url_set(u, CURLUPART_URL, s->chal.realm, 0) != CURLUE_OK)
		goto done;
	if (s->chal.service) {
		n = strlen(s->chal.service) + 9;
		if (!(q = malloc(n)))
			goto oom;
		snprintf(q, n, "service=%s", s->chal.service);
		if (curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE))
			goto done;
		free(q);
	}
	n = strlen(scope) + 7;
	if (!(q = malloc(n)))
		goto oom;
	snprintf(q, n, "scope=%s", scope);
	if (curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0))
		goto done;
	err = (*out = strdup(url)) ? 0 : SG_ERROR;
	goto done;
oom:
	err = SG_ERROR;
done:
	free(q);
	curl_free(url);
	curl_url_cleanup(u);
	return err;
}

/* GET <realm>?service=..&scope=repository:<repo>:<actions> (Basic auth when we have a
 * password), or the OAuth2 refresh_token POST for an identity token. */
static int fetch_token(reg_store *s, int act, sg_error *e)
{
	struct req r = { 0 };
	char *url = NULL, *scope = NULL, *form = NULL, *basic = NULL, realm[200];
	const char *auth = NULL;
	size_t n;
	int err, have;

	sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
	sg_printable(realm, sizeof(realm), s->chal.realm);
	if ((have = ensure_creds(s, e)) < 0)
		return have;
	n = strlen(s->repository) + 32;
	if (!(scope = malloc(n))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	snprintf(scope, n, "repository:%s:%s", s->repository, act == ACT_PUSH ? "pull,push" : "pull");
	if ((err = token_url(&url, s, scope)) < 0 || !url_allowed(s, s->chal.realm)) {
		err = sg_err(e, SG_EAUTH, "%s: unusable token realm \"%s\"%s", s->base.name, realm,
			     err < 0 ? "" : " (plain http to a non-local host)");
		goto done;
	}
	r.follow = 1;
	if (have && s->cred.identity_token) {
		if (!(form = refresh_form(s->curl, s->chal.service, scope, s->cred.identity_token))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		r.method = "POST";
		r.body = form;
		r.body_len = strlen(form);
		r.content_type = "application/x-www-form-urlencoded";
		r.url = s->chal.realm;
		r.follow = 0;
	} else {
		r.method = "GET";
		r.url = url;
		if (have && !(auth = basic = basic_header(&s->cred))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	if ((err = perform(s, &r, auth, r.url, "token", e)) < 0)
		goto done;
	if (r.status == 401 || r.status == 403) {
		err = have ? sg_err(e, SG_EAUTH, "%s: credentials rejected by %s (%ld)", s->base.name,
				    realm, r.status)
			   : sg_err(e, SG_EAUTH, "%s: authentication required (%ld): %s",
				    s->base.name, r.status, s->nocred);
		goto done;
	}
	if (r.status != 200) {
		char code[64], msg[300];

		sg_registry_error_info(code, sizeof(code), msg, sizeof(msg), r.err_body.data,
				       r.err_body.len);
		err = sg_err(e, SG_ENET, "%s: token request to %s failed: HTTP %ld%s%s", s->base.name,
			     realm, r.status, msg[0] ? ": " : "", msg);
		goto done;
	}
	err = parse_token(s, act, &r.err_body, e);
done:
	if (r.err_body.data)
		sodium_memzero(r.err_body.data, r.err_body.len);
	req_release(&r);
	sg_secret_free(form);
	sg_secret_free(basic);
	free(scope);
	free(url);
	return err;
}

/* The Authorization line for a request of action set act, fetching a token when the
 * registry already told us it wants one. NULL (anonymous) until it has. */
static int auth_for(const char **out, reg_store *s, int act, sg_error *e)
{
	int err;

	*out = NULL;
	if (s->scheme == SCHEME_BASIC) {
		*out = s->basic;
		return 0;
	}
	if (s->scheme != SCHEME_BEARER)
		return 0;
	if (act == ACT_PULL && s->token[ACT_PUSH] && now_before(&s->token_exp[ACT_PUSH])) {
		*out = s->token[ACT_PUSH];
		return 0;
	}
	if (!s->token[act] || !now_before(&s->token_exp[act])) {
		drop_token(s, act);
		if ((err = fetch_token(s, act, e)) < 0)
			return err;
	}
	*out = s->token[act];
	return 0;
}

/* A 401 came back: learn what the registry wants. */
static int on_challenge(reg_store *s, const struct req *r, int act, sg_error *e)
{
	sg_challenge c;
	char scheme[32];
	int have;

	if (!r->www_auth)
		return sg_err(e, SG_EAUTH, "%s: authentication required (401) without a challenge",
			      s->base.name);
	if (sg_challenge_parse(&c, r->www_auth, e) < 0)
		return sg_err_prefix(e, "%s", s->base.name);
	if (!strcasecmp(c.scheme, "Bearer")) {
		sg_challenge_release(&s->chal);
		s->chal = c;
		s->scheme = SCHEME_BEARER;
		drop_token(s, act);
		if (act == ACT_PULL)
			drop_token(s, ACT_PUSH);
		return 0;
	}
	sg_printable(scheme, sizeof(scheme), c.scheme);
	if (strcasecmp(c.scheme, "Basic")) {
		sg_challenge_release(&c);
		return sg_err(e, SG_EAUTH, "%s: unsupported authentication scheme \"%s\"",
			      s->base.name, scheme);
	}
	sg_challenge_release(&c);
	if ((have = ensure_creds(s, e)) < 0)
		return have;
	if (!have || !s->cred.password)
		return sg_err(e, SG_EAUTH, "%s: authentication required (401): %s", s->base.name,
			      have ? "only an identity token, and the registry wants Basic"
				   : s->nocred);
	if (!s->basic && !(s->basic = basic_header(&s->cred)))
		return sg_err(e, SG_ERROR, "out of memory");
	s->scheme = SCHEME_BASIC;
	return 0;
}

/* Runs a request with the auth dance: anonymous (or cached auth) first, and on 401 one
 * retry after learning the challenge. The final status is left in r->status. */
/* Failures worth another try: the server said "not now", or the connection broke before a
 * reply. A time-out is not retried (it would multiply the wait), nor is anything that
 * answered definitely. */
static int transient(const struct req *r, int err)
{
	if (r->sunk)
		return 0; /* a streamed body cannot be taken back from its reader */
	if (err == SG_ENET)
		return r->curl_rc == CURLE_COULDNT_CONNECT || r->curl_rc == CURLE_SEND_ERROR ||
		       r->curl_rc == CURLE_RECV_ERROR || r->curl_rc == CURLE_GOT_NOTHING ||
		       r->curl_rc == CURLE_PARTIAL_FILE;
	return err == 0 && (r->status == 429 || r->status == 500 || r->status == 502 ||
			    r->status == 503 || r->status == 504);
}

/* Bounded exponential back-off with jitter; a Retry-After in seconds is honoured up to
 * RETRY_AFTER_MAX_S. */
static void back_off(const struct req *r, int retry)
{
	long ms = (long)RETRY_BASE_MS << (retry - 1);
	struct timespec ts;
	char *end;

	ms += (long)randombytes_uniform((uint32_t)ms / 2 + 1);
	if (r->retry_after) {
		long secs = strtol(r->retry_after, &end, 10);

		if (end != r->retry_after && *end == '\0' && secs >= 0)
			ms = (secs > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : secs) * 1000;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One authenticated exchange: answers a 401 challenge once, retries transient failures. */
static int reg_do(reg_store *s, struct req *r, int act, const char *what, sg_error *e)
{
	const char *auth;
	int attempt, retry = 0, err;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((err = auth_for(&auth, s, act, e)) < 0)
			return err;
		for (;;) {
			err = perform(s, r, auth, s->base_url, what, e);
			if (!transient(r, err) || ++retry >= MAX_ATTEMPTS)
				break;
			back_off(r, retry);
		}
		if (err < 0)
			return err;
		if (r->status != 401)
			return 0;
		/* Only the registry itself may ask for credentials: a 401 from where a redirect
		 * led (blob storage, a CDN) never gets a token flow with the user's secrets. */
		if (r->off_origin)
			return sg_err(e, SG_EAUTH, "%s: %s: redirected server refused access (401)",
				      s->base.name, what);
		if (attempt == 0 && (err = on_challenge(s, r, act, e)) < 0)
			return err;
	}
	if (s->cred_state > 0)
		return sg_err(e, SG_EAUTH, "%s: %s: credentials rejected (401)", s->base.name, what);
	return sg_err(e, SG_EAUTH, "%s: %s: authentication required (401): %s", s->base.name, what,
		      s->nocred[0] ? s->nocred : "no credentials");
}

/* Maps a non-success status to an error naming the registry, repository and object. */
static int status_error(reg_store *s, const struct req *r, const char *what, sg_error *e)
{
	char code[64], msg[300];

	sg_registry_error_info(code, sizeof(code), msg, sizeof(msg), r->err_body.data,
			       r->err_body.len);
	if (r->status == 404 || !strcmp(code, "MANIFEST_UNKNOWN") ||
	    !strcmp(code, "BLOB_UNKNOWN") || !strcmp(code, "NAME_UNKNOWN"))
		return sg_err(e, SG_ENOTFOUND, "%s: %s: not found (%ld)%s%s", s->base.name, what,
			      r->status, msg[0] ? ": " : "", msg);
	if (r->status == 401 || r->status == 403)
		return sg_err(e, SG_EAUTH, "%s: %s: access denied (%ld)%s%s", s->base.name, what,
			      r->status, msg[0] ? ": " : "", msg);
	return sg_err(e, SG_ENET, "%s: %s: HTTP %ld%s%s", s->base.name, what, r->status,
		      msg[0] ? ": " : "", msg);
}

/* ---- store ops ---- */

static int ref_ok(const char *ref)
{
	return ref && (sg_digest_valid(ref) || sg_tag_valid(ref));
}

static int api_url(char **out, const reg_store *s, const char *kind, const char *ref)
{
	size_t n = strlen(s->base_url) + strlen(s->repository) + strlen(kind) + strlen(ref) + 8;

	if (!(*out = malloc(n)))
		return SG_ERROR;
	snprintf(*out, n, "%s/v2/%s/%s%s", s->base_url, s->repository, kind, ref);
	return 0;
}

static void strip_params(char *ct)
{
	char *p = strchr(ct, ';');
	size_t n;

	if (p)
		*p = '\0';
	n = strlen(ct);
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		ct[--n] = '\0';
}

static int reg_get_manifest(sg_store *st, const char *ref, sg_buf *body, char **media_type,
			    char server_digest[SG_DIGEST_MAX], sg_error *e)
{
	reg_store *s = (reg_store *)st;
	struct req r = { 0 };
	char what[200], *url = NULL;
	size_t max = body->max;
	int err;

	*media_type = NULL;
	server_digest[0] = '\0';
	if (!ref_ok(ref))
		return sg_err(e, SG_EINVALID, "%s: invalid tag or digest", s->base.name);
	snprintf(what, sizeof(what), "manifest %s", ref);
	if (api_url(&url, s, "manifests/", ref) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
	if (!body->max || body->max > SG_MAX_MANIFEST)
		body->max = SG_MAX_MANIFEST;
	r.method = "GET";
	r.url = url;
	r.accept = SG_MANIFEST_ACCEPT;
	r.out = body;
	r.follow = 1;
	if ((err = reg_do(s, &r, ACT_PULL, what, e)) < 0)
		goto done;
	if (r.status != 200) {
		err = status_error(s, &r, what, e);
		goto done;
	}
	if (r.digest) {
		if (!sg_digest_valid(r.digest)) {
			err = sg_err(e, SG_EDIGEST, "%s: %s: malformed Docker-Content-Digest",
				     s->base.name, what);
			goto done;
		}
		memcpy(server_digest, r.digest, strlen(r.digest) + 1);
	}
	if (r.ctype) {
		strip_params(r.ctype);
		*media_type = r.ctype;
		r.ctype = NULL;
	}
	if (!body->data)
		sg_buf_append(body, "", 0);
done:
	body->max = max;
	if (err < 0) {
		sg_buf_reset(body);
		server_digest[0] = '\0';
	}
	req_release(&r);
	free(url);
	return err;
}

static int media_type_ok(const char *mt)
{
	return mt && *mt && strlen(mt) < 256 && header_safe(mt);
}

static int reg_put_manifest(sg_store *st, const char *ref, const void *data, size_t len,
			    const char *media_type, sg_error *e)
{
	reg_store *s = (reg_store *)st;
	struct req r = { 0 };
	char what[200], *url = NULL;
	int err;

	if (!ref_ok(ref))
		return sg_err(e, SG_EINVALID, "%s: invalid tag or digest", s->base.name);
	if (!media_type_ok(media_type))
		return sg_err(e, SG_EINVALID, "%s: invalid manifest media type", s->base.name);
	snprintf(what, sizeof(what), "manifest %s", ref);
	if (api_url(&url, s, "manifests/", ref) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
	r.method = "PUT";
	r.url = url;
	r.body = len ? data : "";
	r.body_len = len;
	r.content_type = media_type;
	if ((err = reg_do(s, &r, ACT_PUSH, what, e)) < 0)
		goto done;
	if (r.status < 200 || r.status >= 300) {
		err = status_error(s, &r, what, e);
		goto done;
	}
	/* The registry must store the exact bytes: check the digest it says it stored. */
	if (r.digest && (err = sg_digest_check(r.digest, data, len, e)) < 0) {
		char claimed[SG_DIGEST_MAX];

		err = sg_err(e, SG_EDIGEST, "%s: %s: registry stored digest %s, not the one pushed",
			     s->base.name, what, sg_printable(claimed, sizeof(claimed), r.digest));
	}
done:
	req_release(&r);
	free(url);
	return err;
}

static int reg_has_blob(sg_store *st, const char *digest, sg_error *e)
{
	reg_store *s = (reg_store *)st;
	struct req r = { 0 };
	char what[200], *url = NULL;
	int err;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid blob digest", s->base.name);
	snprintf(what, sizeof(what), "blob %s", digest);
	if (api_url(&url, s, "blobs/", digest) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
	r.method = "HEAD";
	r.url = url;
	r.follow = 1;
	if ((err = reg_do(s, &r, ACT_PULL, what, e)) < 0)
		goto done;
	if (r.status == 200)
		err = 1;
	else if (r.status == 404)
		err = 0;
	else
		err = status_error(s, &r, what, e);
done:
	req_release(&r);
	free(url);
	return err;
}

/* GET blob into out, or streamed to fn when out is NULL. */
static int get_blob(reg_store *s, const char *digest, sg_buf *out, sg_blob_sink_fn fn, void *arg,
		    sg_error *e)
{
	struct req r = { 0 };
	char what[200], *url = NULL;
	int err;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid blob digest", s->base.name);
	snprintf(what, sizeof(what), "blob %s", digest);
	if (api_url(&url, s, "blobs/", digest) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
	r.method = "GET";
	r.url = url;
	r.out = out;
	r.sink = out ? NULL : fn;
	r.sink_arg = arg;
	r.sink_e = e;
	r.follow = 1;
	if ((err = reg_do(s, &r, ACT_PULL, what, e)) < 0)
		goto done;
	if (r.status != 200)
		err = status_error(s, &r, what, e);
	else if (out && !out->data)
		sg_buf_append(out, "", 0);
done:
	req_release(&r);
	free(url);
	return err;
}

static int reg_get_blob(sg_store *st, const char *digest, sg_buf *out, sg_error *e)
{
	return get_blob((reg_store *)st, digest, out, NULL, NULL, e);
}

static int reg_get_blob_stream(sg_store *st, const char *digest, sg_blob_sink_fn fn, void *arg,
			       sg_error *e)
{
	return get_blob((reg_store *)st, digest, NULL, fn, arg, e);
}

static int reg_put_blob(sg_store *st, const char *digest, const void *data, size_t len,
			sg_error *e)
{
	reg_store *s = (reg_store *)st;
	struct req r = { 0 };
	char what[200], *url = NULL, *put = NULL;
	int err;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid blob digest", s->base.name);
	snprintf(what, sizeof(what), "blob upload %s", digest);
	if (api_url(&url, s, "blobs/uploads/", "") < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
	r.method = "POST";
	r.url = url;
	r.body = "";
	r.body_len = 0;
	if ((err = reg_do(s, &r, ACT_PUSH, what, e)) < 0)
		goto done;
	if (r.status != 202 || !r.location) {
		err = r.status == 202 ? sg_err(e, SG_ENET, "%s: %s: no Location in the 202 reply",
					       s->base.name, what)
				      : status_error(s, &r, what, e);
		goto done;
	}
	if (sg_registry_upload_url(&put, url, r.location, digest) < 0 || !url_allowed(s, put)) {
		err = sg_err(e, SG_ENET, "%s: %s: unusable upload Location", s->base.name, what);
		goto done;
	}
	r.method = "PUT";
	r.url = put;
	r.body = len ? data : "";
	r.body_len = len;
	r.content_type = "application/octet-stream";
	if ((err = reg_do(s, &r, ACT_PUSH, what, e)) < 0)
		goto done;
	if (r.status != 201 && r.status != 204 && r.status != 200) {
		err = status_error(s, &r, what, e);
		goto done;
	}
	if (r.digest && strcmp(r.digest, digest) != 0) {
		char claimed[SG_DIGEST_MAX];

		err = sg_err(e, SG_EDIGEST, "%s: %s: registry stored digest %s", s->base.name, what,
			     sg_printable(claimed, sizeof(claimed), r.digest));
	}
done:
	req_release(&r);
	free(put);
	free(url);
	return err;
}

/* The URL of a Link header's rel="next" target (distribution-spec pagination), resolved
 * against the registry: a path, or an absolute URL on the registry's own origin. NULL when
 * there is none or it points elsewhere. */
static char *next_link(const reg_store *s, const char *link)
{
	const char *lt, *gt;
	size_t n;
	char *url;

	if (!link || !(lt = strchr(link, '<')) || !(gt = strchr(lt, '>')) ||
	    !strstr(gt, "rel=\"next\""))
		return NULL;
	n = (size_t)(gt - lt - 1);
	if (n == 0 || n > 2048)
		return NULL;
	if (lt[1] == '/') {
		if (!(url = malloc(strlen(s->base_url) + n + 1)))
			return NULL;
		memcpy(url, s->base_url, strlen(s->base_url));
		memcpy(url + strlen(s->base_url), lt + 1, n);
		url[strlen(s->base_url) + n] = '\0';
	} else {
		if (!(url = malloc(n + 1)))
			return NULL;
		memcpy(url, lt + 1, n);
		url[n] = '\0';
	}
	if (!header_safe(url) || !sg_registry_same_origin(url, s->base_url)) {
		free(url);
		return NULL;
	}
	return url;
}

#define MAX_REFERRER_PAGES 64
#define REFERRERS_RECHECK_S 300 /* a registry without the API is asked again after this */

/* GET /v2/<name>/referrers/<digest>: every page merged into one index. A registry that does
 * not serve the API answers 404 (or 400/405/406/501), or with something that is not an
 * index (ggcr's test); both are SG_EUNSUPPORTED, so the caller reads the fallback tag. */
static int reg_referrers(sg_store *st, const char *digest, const char *artifact_type,
			 sg_buf *index, int *filtered, sg_error *e)
{
	reg_store *s = (reg_store *)st;
	sg_buf page = SG_BUF_INIT(SG_MAX_MANIFEST);
	json_t *merged = NULL, *doc = NULL, *m;
	char what[200], *url = NULL, *esc = NULL, *q, *dump = NULL;
	int err = 0, pages;
	size_t i;

	*filtered = 1;
	/* remembered per registry (admission.md §6): one 404 less per image */
	if (s->no_referrers && time(NULL) - s->no_referrers < REFERRERS_RECHECK_S)
		return SG_EUNSUPPORTED;
	snprintf(what, sizeof(what), "referrers of %s", digest);
	if (api_url(&url, s, "referrers/", digest) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	if (artifact_type) {
		if (!(esc = curl_easy_escape(s->curl, artifact_type, 0)) ||
		    !(q = sg_strprintf("%s?artifactType=%s", url, esc))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		free(url);
		url = q;
	}
	for (pages = 0; url; pages++) {
		struct req r = { 0 };
		const char *ct;

		if (pages == MAX_REFERRER_PAGES) {
			err = sg_err(e, SG_ETOOBIG, "%s: %s: more than %d pages", s->base.name, what,
				     MAX_REFERRER_PAGES);
			goto done;
		}
		sg_buf_reset(&page);
		sg_buf_init(&r.err_body, SG_MAX_HTTP_SMALL);
		r.method = "GET";
		r.url = url;
		r.accept = SG_MT_OCI_INDEX;
		r.out = &page;
		r.follow = 1;
		if ((err = reg_do(s, &r, ACT_PULL, what, e)) < 0) {
			req_release(&r);
			goto done;
		}
		if (r.ctype)
			strip_params(r.ctype);
		ct = r.ctype ? r.ctype : "";
		if (pages == 0 && (r.status == 404 || r.status == 400 || r.status == 405 ||
				   r.status == 406 || r.status == 501 ||
				   (r.status == 200 && strcmp(ct, SG_MT_OCI_INDEX) != 0))) {
			req_release(&r);
			s->no_referrers = time(NULL);
			err = SG_EUNSUPPORTED;
			goto done;
		}
		if (r.status != 200 || strcmp(ct, SG_MT_OCI_INDEX) != 0) {
			err = r.status != 200 ? status_error(s, &r, what, e)
					      : sg_err(e, SG_EINVALID, "%s: %s: not an OCI index",
						       s->base.name, what);
			req_release(&r);
			goto done;
		}
		if (artifact_type && (!r.filters || !strstr(r.filters, "artifactType")))
			*filtered = 0;
		free(url);
		url = next_link(s, r.link);
		req_release(&r);
		if (!(doc = json_loadb((const char *)page.data, page.len, JSON_REJECT_DUPLICATES, NULL)) ||
		    !json_is_array(json_object_get(doc, "manifests"))) {
			err = sg_err(e, SG_EINVALID, "%s: %s: not a valid OCI index", s->base.name,
				     what);
			goto done;
		}
		if (!merged) {
			merged = doc;
			doc = NULL;
			continue;
		}
		json_array_foreach(json_object_get(doc, "manifests"), i, m)
			if (json_array_append(json_object_get(merged, "manifests"), m) < 0) {
				err = sg_err(e, SG_ERROR, "out of memory");
				goto done;
			}
		json_decref(doc);
		doc = NULL;
	}
	if (!(dump = json_dumps(merged, JSON_COMPACT))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	sg_buf_reset(index);
	if (sg_buf_append(index, dump, strlen(dump)) < 0)
		err = sg_err(e, SG_ETOOBIG, "%s: %s: index too large", s->base.name, what);
done:
	if (err < 0)
		*filtered = 0;
	json_decref(merged);
	json_decref(doc);
	free(dump);
	curl_free(esc);
	free(url);
	sg_buf_release(&page);
	return err;
}

static void reg_free(sg_store *st)
{
	reg_store *s = (reg_store *)st;

	if (!s)
		return;
	reg_free(s->twin ? &s->twin->base : NULL);
	if (s->curl)
		curl_easy_cleanup(s->curl);
	drop_token(s, ACT_PULL);
	drop_token(s, ACT_PUSH);
	sg_secret_free(s->basic);
	sg_cred_release(&s->cred);
	sg_challenge_release(&s->chal);
	free(s->registry);
	free(s->repository);
	free(s->base_url);
	free(s->base.name);
	free(s);
}

static int reg_twin(sg_store *st, sg_store **out, sg_error *e);

static const sg_store_ops reg_ops = {
	reg_get_manifest, reg_put_manifest, reg_has_blob, reg_get_blob, reg_put_blob, reg_free,
	NULL, /* no lock: a registry has no compare-and-swap for tags */
	reg_referrers,
	reg_get_blob_stream,
	reg_twin,
};

/* Repository names as the distribution spec spells them: lowercase path components that
 * start with a letter or digit, so nothing in the URL path needs escaping or collapses. */
static int repository_ok(const char *r)
{
	size_t i;

	if (!r || !*r || strlen(r) > 255)
		return 0;
	for (i = 0; r[i]; i++) {
		if ((i == 0 || r[i - 1] == '/') && !((r[i] >= 'a' && r[i] <= 'z') ||
						     (r[i] >= '0' && r[i] <= '9')))
			return 0;
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') ||
		      strchr("._-/", r[i])))
			return 0;
	}
	return r[i - 1] != '/';
}

/* A store for registry/repository; its connections go to the ctx's shared cache when share
 * is set, else stay with its own handle (a twin, used by another thread than the ctx's). */
static int reg_new(reg_store **out, sg_ctx *ctx, const char *registry, const char *repository,
		   int share, sg_error *e)
{
	const sg_opts *o = sg_ctx_opts(ctx);
	reg_store *s = NULL;
	size_t n;
	int err;

	*out = NULL;
	if (!repository_ok(repository))
		return sg_err(e, SG_EINVALID, "invalid repository name");
	if (sodium_init() < 0) /* idempotent; tokens live in sodium_malloc memory */
		return sg_err(e, SG_ERROR, "libsodium initialisation failed");
	if (!(s = calloc(1, sizeof(*s))))
		return sg_err(e, SG_ERROR, "out of memory");
	s->base.ops = &reg_ops;
	s->ctx = ctx;
	s->allow_http = o->allow_http;
	s->insecure = o->allow_insecure;
	s->timeout_s = o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S;
	if ((err = sg_registry_base_url(&s->base_url, registry, o->allow_http)) < 0) {
		err = sg_err(e, err, "%s: invalid registry name", registry ? registry : "(null)");
		goto done;
	}
	n = strlen(registry) + strlen(repository) + 2;
	if (!(s->registry = strdup(registry)) || !(s->repository = strdup(repository)) ||
	    !(s->base.name = malloc(n)) || !(s->curl = curl_easy_init())) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	snprintf(s->base.name, n, "%s/%s", registry, repository);
	/* Connections and DNS shared with the ctx's other stores; survives curl_easy_reset. */
	if (share && sg_ctx_curl_share(ctx))
		curl_easy_setopt(s->curl, CURLOPT_SHARE, (CURLSH *)sg_ctx_curl_share(ctx));
	*out = s;
	s = NULL;
	err = 0;
done:
	reg_free(s ? &s->base : NULL);
	return err;
}

int sg_registry_open(sg_store **out, sg_ctx *ctx, const char *registry, const char *repository,
		     sg_error *e)
{
	reg_store *s;
	int err;

	*out = NULL;
	if ((err = reg_new(&s, ctx, registry, repository, 1, e)) < 0)
		return err;
	*out = &s->base;
	return 0;
}

static int challenge_copy(sg_challenge *to, const sg_challenge *from)
{
	sg_challenge_release(to);
	memset(to, 0, sizeof(*to));
	return (from->scheme && !(to->scheme = strdup(from->scheme))) ||
	       (from->realm && !(to->realm = strdup(from->realm))) ||
	       (from->service && !(to->service = strdup(from->service))) ||
	       (from->scope && !(to->scope = strdup(from->scope))) ? -1 : 0;
}

/* The twin: not in the ctx's shared connection cache (libcurl does not support sharing
 * connections between threads), so it keeps its own connection open between calls; it starts
 * each call with s's current authorisation, so it makes no token request s has made. */
static int reg_twin(sg_store *st, sg_store **out, sg_error *e)
{
	reg_store *s = (reg_store *)st, *t;
	int act, err;

	*out = NULL;
	if (!sg_ctx_opts(s->ctx)->twins)
		return SG_EUNSUPPORTED;
	if (!s->twin && (err = reg_new(&s->twin, s->ctx, s->registry, s->repository, 0, e)) < 0)
		return err;
	t = s->twin;
	t->scheme = s->scheme;
	if (challenge_copy(&t->chal, &s->chal) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	for (act = ACT_PULL; act <= ACT_PUSH; act++) {
		drop_token(t, act);
		if (s->token[act] && !(t->token[act] = sg_secret_dup(s->token[act], strlen(s->token[act]))))
			return sg_err(e, SG_ERROR, "out of memory");
		t->token_exp[act] = s->token_exp[act];
	}
	sg_secret_free(t->basic);
	t->basic = NULL;
	if (s->basic && !(t->basic = sg_secret_dup(s->basic, strlen(s->basic))))
		return sg_err(e, SG_ERROR, "out of memory");
	if (s->cred_state < 0 && !t->cred_state) {
		t->cred_state = -1;
		memcpy(t->nocred, s->nocred, sizeof(t->nocred));
	}
	t->no_referrers = s->no_referrers;
	*out = &t->base;
	return 0;
}
