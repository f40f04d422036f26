/* sigil admission serve: a Kubernetes ValidatingAdmissionWebhook (and optional mutating one)
 * over HTTPS with libmicrohttpd. Each review's images are decided in parallel against the
 * policy, through a cache of verdicts keyed by everything that decides them (policy digest,
 * repository, manifest digest) with single flight, and a short-lived tag -> digest cache.
 * One JSON log line per review on stderr; SIGHUP reloads the policy (a bad one keeps the old);
 * SIGTERM stops accepting, lets in-flight reviews finish, then exits. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include "admission.h"
#include "cache.h"
#include "review.h"
#include "cli.h"
#include "policy.h"
#include "ref.h"
#include "store.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil admission serve --policy FILE --tls-cert CERT --tls-key KEY [options]\n"
	"\n"
	"Serves a Kubernetes admission webhook (AdmissionReview v1) over HTTPS:\n"
	"  POST /validate   allow or deny Pods, Deployments, ReplicaSets, StatefulSets,\n"
	"                   DaemonSets, Jobs, CronJobs by their images (containers,\n"
	"                   initContainers, ephemeralContainers) against the policy\n"
	"  POST /mutate     the same, and pin allowed images given by tag to the verified digest\n"
	"  GET  /healthz    200 while the process runs;  GET /readyz  200 once a policy is loaded\n"
	"Other kinds are allowed as they are. SIGHUP reloads the policy (a bad one keeps the old\n"
	"one); SIGTERM finishes the reviews in flight and exits.\n"
	"\n"
	"      --policy FILE              the policy (docs/policy.md)\n"
	"      --tls-cert FILE            server certificate chain (PEM)\n"
	"      --tls-key FILE             its private key (PEM)\n"
	"      --listen [ADDR]:PORT       address to listen on (default :8443; port 0 picks one)\n"
	"      --threads N                HTTP worker threads (default 8)\n"
	"      --cache-ttl SECONDS        how long an allowed verdict is reused (default 300)\n"
	"      --cache-fail-ttl SECONDS   how long a denied verdict is reused (default 30; 0: never)\n"
	"      --tag-ttl SECONDS          how long a tag -> digest resolution is reused (default 30)\n"
	"      --docker-config DIR        registry credentials from DIR/config.json (a mounted\n"
	"                                 secret); default $DOCKER_CONFIG, else ~/.docker\n"
	SG_REGISTRY_HELP;

#define MAX_PARALLEL 16   /* images decided at once per review */
#define DRAIN_S 30

struct policy_ref {
	sg_policy *p;
	int refs;
	int current;
};

struct server {
	sg_opts opts;
	const char *policy_path;
	pthread_mutex_t lock;             /* policy, ctx pool, in-flight count */
	pthread_cond_t idle;
	struct policy_ref *policy;
	sg_ctx **pool;                    /* idle contexts (connections and tokens kept warm) */
	size_t npool, cappool;
	int inflight;
	sg_cache *verdicts, *tags;
};

struct conn {
	sg_buf body;
	int toobig;
};

/* ---- logging: one JSON object per line ---- */

static void log_json(json_t *o)
{
	char *s;

	if (!o)
		return;
	if ((s = json_dumps(o, JSON_COMPACT))) {
		size_t n = strlen(s);

		s[n] = '\n'; /* the NUL becomes the newline: one write for the whole line */
		fwrite(s, 1, n + 1, stderr);
		fflush(stderr);
		free(s);
	}
	json_decref(o);
}

static void log_msg(const char *level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_json(json_pack("{ssss}", "level", level, "msg", msg));
}

/* ---- policy and contexts ---- */

static struct policy_ref *policy_get(struct server *s)
{
	struct policy_ref *r;

	pthread_mutex_lock(&s->lock);
	r = s->policy;
	if (r)
		r->refs++;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void policy_put(struct server *s, struct policy_ref *r)
{
	int last;

	if (!r)
		return;
	pthread_mutex_lock(&s->lock);
	last = --r->refs == 0 && !r->current;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		sg_policy_free(r->p);
		free(r);
	}
}

/* Loads the policy file; on success it replaces the current one atomically. A failure is
 * logged when a policy is already in use (it stays), else left in e for the caller. */
static int policy_reload(struct server *s, sg_error *e)
{
	struct policy_ref *r, *old;
	sg_policy *p = NULL;
	char msg[sizeof(e->msg)];

	if (sg_policy_load(&p, s->policy_path, e) < 0) {
		if (s->policy)
			log_msg("error", "policy %s not loaded, keeping the one in use: %s",
				s->policy_path, sg_printable(msg, sizeof(msg), e->msg));
		return -1;
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		sg_policy_free(p);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	r->p = p;
	r->refs = 1;
	r->current = 1;
	pthread_mutex_lock(&s->lock);
	old = s->policy;
	s->policy = r;
	if (old)
		old->current = 0;
	pthread_mutex_unlock(&s->lock);
	if (old)
		policy_put(s, old); /* the server's own reference to it */
	log_msg("info", "policy %s loaded (%zu rules, digest %s)", s->policy_path,
		sg_policy_nrules(p), sg_policy_digest(p));
	return 0;
}

static sg_ctx *ctx_take(struct server *s)
{
	sg_ctx *c = NULL;
	sg_error e = { 0 };

	pthread_mutex_lock(&s->lock);
	if (s->npool)
		c = s->pool[--s->npool];
	pthread_mutex_unlock(&s->lock);
	if (!c && sg_ctx_new(&c, &s->opts, &e) < 0)
		c = NULL;
	return c;
}

static void ctx_give(struct server *s, sg_ctx *c)
{
	sg_ctx **grown;

	if (!c)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->npool == s->cappool) {
		grown = realloc(s->pool, (s->cappool + 8) * sizeof(*grown));
		if (!grown) {
			pthread_mutex_unlock(&s->lock);
			sg_ctx_free(c);
			return;
		}
		s->pool = grown;
		s->cappool += 8;
	}
	s->pool[s->npool++] = c;
	pthread_mutex_unlock(&s->lock);
}

/* ---- deciding one image ---- */

struct decide {
	struct server *s;
	const sg_policy *policy;
	const char *image;
	sg_ref *ref;
	const char *digest;   /* resolved */
	sg_cached result;     /* the verdict */
	int hit;
	sg_error e;
};

static int resolve_fn(void *arg, sg_cached *out)
{
	struct decide *d = arg;
	char digest[SG_DIGEST_MAX], msg[sizeof(d->e.msg)];
	sg_ctx *ctx = ctx_take(d->s);
	sg_store *store;
	sg_error e = { 0 };

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return -1;
	if (sg_ctx_store(&store, ctx, d->ref, &e) < 0 || sg_resolve(digest, store, d->ref, 0, &e) < 0) {
		out->ok = 0;
		out->message = strdup(sg_printable(msg, sizeof(msg), e.msg));
	} else {
		out->ok = 1;
		out->value = strdup(digest);
	}
	ctx_give(d->s, ctx);
	return (out->ok ? !out->value : !out->message) ? -1 : 0;
}

static int verdict_fn(void *arg, sg_cached *out)
{
	struct decide *d = arg;
	sg_policy_verdict v = { 0 };
	sg_ctx *ctx = ctx_take(d->s);
	sg_error e = { 0 };
	char msg[sizeof(e.msg)];
	int err;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return -1;
	err = sg_policy_evaluate_digest(&v, d->policy, ctx, d->image, d->digest, &e);
	ctx_give(d->s, ctx);
	if (err < 0) {
		out->message = strdup(sg_printable(msg, sizeof(msg), e.msg));
		return out->message ? 0 : -1;
	}
	out->ok = v.passed;
	out->allowed = v.allowed;
	out->warn = v.allowed && !v.passed;
	if (v.message && !(out->message = strdup(v.message)))
		err = -1;
	if (!(out->value = strdup(d->digest)))
		err = -1;
	sg_policy_verdict_release(&v);
	return err;
}

static void *decide_one(void *arg)
{
	struct decide *d = arg;
	sg_cached resolved = { 0 };
	char *key = NULL, *repo = NULL;
	int hit = 0;

	memset(&d->result, 0, sizeof(d->result));
	if (sg_ref_parse(&d->ref, d->image, &d->e) < 0) {
		d->result.message = strdup(d->e.msg);
		return NULL;
	}
	if (d->ref->digest) {
		d->digest = d->ref->digest;
	} else {
		if (!(key = sg_strprintf("R\n%s", d->image)) ||
		    sg_cache_get(d->s->tags, key, resolve_fn, d, &resolved, &hit) < 0) {
			d->result.message = strdup("out of memory");
			goto done;
		}
		if (!resolved.ok) {
			d->result.message = resolved.message;
			resolved.message = NULL;
			goto done;
		}
		d->digest = resolved.value;
		free(key);
		key = NULL;
	}
	/* what decides the verdict: the policy (and its keys), the repository the rules match,
	 * the manifest digest */
	if (!(repo = sg_ref_repo_name(d->ref)) ||
	    !(key = sg_strprintf("V\n%s\n%s\n%s", sg_policy_digest(d->policy), repo, d->digest)) ||
	    sg_cache_get(d->s->verdicts, key, verdict_fn, d, &d->result, &d->hit) < 0) {
		sg_cached_release(&d->result);
		d->result.message = strdup("out of memory");
	}
done:
	sg_cached_release(&resolved);
	free(key);
	free(repo);
	return NULL;
}

/* ---- one review ---- */

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000L + (t.tv_nsec - t0->tv_nsec) / 1000;
}

static int review(struct server *s, const sg_buf *body, int mutate, sg_buf *out, int *status)
{
	struct timespec t0;
	struct policy_ref *pr = NULL;
	struct decide *d = NULL;
	sg_review_verdict *v = NULL;
	sg_review r = { 0 };
	sg_error e = { 0 };
	json_t *log, *images;
	size_t i, j, started, cached = 0;
	int err, allowed = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = sg_review_parse(&r, body->data, body->len, &e)) < 0) {
		*status = err == SG_ETOOBIG ? 413 : 400;
		sg_buf_printf(out, "%s\n", e.msg);
		log_msg("warn", "bad review: %s", e.msg);
		return 0;
	}
	*status = 200;
	if (!(pr = policy_get(s))) {
		err = sg_review_respond_error(out, &r, "sigil: no policy loaded", &e);
		goto done;
	}
	d = calloc(r.nimages ? r.nimages : 1, sizeof(*d));
	v = calloc(r.nimages ? r.nimages : 1, sizeof(*v));
	if (!d || !v) {
		err = sg_review_respond_error(out, &r, "sigil: out of memory", &e);
		goto done;
	}
	for (i = 0; i < r.nimages; i++) {
		d[i].s = s;
		d[i].policy = pr->p;
		d[i].image = r.images[i].image;
	}
	/* each distinct image once, up to MAX_PARALLEL at a time */
	for (started = 0; started < r.nimages;) {
		pthread_t tids[MAX_PARALLEL];
		size_t idx[MAX_PARALLEL], nt = 0, k;

		for (; started < r.nimages && nt < MAX_PARALLEL; started++) {
			for (j = 0; j < started; j++)
				if (!strcmp(r.images[j].image, r.images[started].image))
					break;
			if (j < started)
				continue;
			idx[nt] = started;
			if (pthread_create(&tids[nt], NULL, decide_one, &d[started]) != 0)
				decide_one(&d[started]);
			else
				nt++;
		}
		for (k = 0; k < nt; k++)
			pthread_join(tids[k], NULL);
		(void)idx;
	}
	for (i = 0; i < r.nimages; i++) {
		const struct decide *src = &d[i];

		for (j = 0; j < i; j++)
			if (!strcmp(r.images[j].image, r.images[i].image))
				break;
		src = &d[j]; /* duplicates share the first one's decision */
		v[i].allowed = src->result.allowed;
		v[i].warn = src->result.warn;
		v[i].message = src->result.message ? src->result.message
			       : (!src->result.allowed ? "denied" : NULL);
		v[i].digest = src->result.value;
		if (!v[i].allowed)
			allowed = 0;
		if (j == i && src->hit)
			cached++;
	}
	err = sg_review_respond(out, &r, v, mutate, &e);
done:
	if (err < 0) {
		*status = 500;
		sg_buf_reset(out);
		sg_buf_printf(out, "%s\n", e.msg);
		allowed = 0;
	}
	images = json_array();
	for (i = 0; images && i < r.nimages; i++)
		json_array_append_new(images, json_string(r.images[i].image));
	log = json_pack("{sssssssssssosbsisf}", "level", "info", "uid", r.uid, "kind", r.kind,
			"namespace", r.ns, "name", r.name, "images", images ? images : json_array(),
			"allowed", allowed, "cached", (int)cached,
			"ms", (double)elapsed_us(&t0) / 1000.0);
	if (log && mutate)
		json_object_set_new(log, "mutate", json_true());
	log_json(log);
	for (i = 0; d && i < r.nimages; i++) {
		sg_cached_release(&d[i].result);
		sg_ref_free(d[i].ref);
	}
	free(d);
	free(v);
	policy_put(s, pr);
	sg_review_release(&r);
	return 0;
}

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *c, int status, const char *ctype,
			     const void *data, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct conn *cn = *con_cls;
	sg_buf out = SG_BUF_INIT(SG_REVIEW_MAX_BODY * 2);
	enum MHD_Result ret;
	int status = 200, mutate;

	(void)version;
	if (!strcmp(method, "GET")) {
		if (!strcmp(url, "/healthz"))
			return reply(c, 200, "text/plain", "ok\n", 3);
		if (!strcmp(url, "/readyz")) {
			struct policy_ref *pr = policy_get(s);

			policy_put(s, pr);
			return pr ? reply(c, 200, "text/plain", "ready\n", 6)
				  : reply(c, 503, "text/plain", "no policy\n", 10);
		}
		return reply(c, 404, "text/plain", "not found\n", 10);
	}
	if (strcmp(method, "POST") || (strcmp(url, "/validate") && strcmp(url, "/mutate")))
		return reply(c, strcmp(method, "POST") ? 405 : 404, "text/plain",
			     "POST /validate or /mutate\n", 26);
	if (!cn) {
		if (!(cn = calloc(1, sizeof(*cn))))
			return MHD_NO;
		sg_buf_init(&cn->body, SG_REVIEW_MAX_BODY);
		*con_cls = cn;
		pthread_mutex_lock(&s->lock);
		s->inflight++;
		pthread_mutex_unlock(&s->lock);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cn->toobig && sg_buf_append(&cn->body, upload, *upload_size) < 0) {
			cn->toobig = 1;
			sg_buf_release(&cn->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->toobig) {
		char msg[96];
		int n = snprintf(msg, sizeof(msg), "review over the %u-byte limit\n",
				 (unsigned)SG_REVIEW_MAX_BODY);

		log_msg("warn", "review rejected: body over %u bytes", (unsigned)SG_REVIEW_MAX_BODY);
		return reply(c, 413, "text/plain", msg, (size_t)n);
	}
	mutate = !strcmp(url, "/mutate");
	review(s, &cn->body, mutate, &out, &status);
	ret = reply(c, status, status == 200 ? "application/json" : "text/plain",
		    out.data ? (const char *)out.data : "", out.len);
	sg_buf_release(&out);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct conn *cn = *con_cls;

	(void)c;
	(void)toe;
	if (!cn)
		return;
	sg_buf_release(&cn->body);
	free(cn);
	*con_cls = NULL;
	pthread_mutex_lock(&s->lock);
	if (--s->inflight == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

/* ---- setup ---- */

/* Reads a PEM file into sodium memory (the TLS key is a secret), NUL-terminated. */
static char *read_secret(const char *path, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(1u << 20);
	char *out;

	if (sg_read_regular_file(&b, path, e) < 0)
		return NULL;
	if (!(out = sodium_malloc(b.len + 1))) {
		sodium_memzero(b.data, b.len);
		sg_buf_release(&b);
		sg_err(e, SG_ERROR, "out of memory");
		return NULL;
	}
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	sodium_memzero(b.data, b.len);
	sg_buf_release(&b);
	return out;
}

static int parse_listen(struct sockaddr_in *sa, const char *arg, sg_error *e)
{
	const char *colon = strrchr(arg, ':');
	char host[64];
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon)
		return sg_err(e, SG_EINVALID, "--listen %s: not [ADDR]:PORT", arg);
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		return sg_err(e, SG_EINVALID, "--listen %s: bad port", arg);
	sa->sin_port = htons((uint16_t)port);
	if (colon == arg) {
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if ((size_t)(colon - arg) >= sizeof(host))
		return sg_err(e, SG_EINVALID, "--listen %s: bad address", arg);
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return sg_err(e, SG_EINVALID, "--listen %s: not an IPv4 address", arg);
	return 0;
}

static long seconds_opt(const char *name, const char *arg, int *bad)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 0 || v > 86400) {
		fprintf(stderr, "sigil admission: %s takes seconds (0 to 86400)\n", name);
		*bad = 1;
	}
	return v;
}

static int serve(int argc, char **argv)
{
	enum { O_POLICY = SG_OPT_REGISTRY_LAST + 1, O_CERT, O_KEY, O_LISTEN, O_THREADS, O_TTL,
	       O_FAIL_TTL, O_TAG_TTL, O_DOCKER };
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, O_POLICY },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEY },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "cache-ttl", required_argument, NULL, O_TTL },
		{ "cache-fail-ttl", required_argument, NULL, O_FAIL_TTL },
		{ "tag-ttl", required_argument, NULL, O_TAG_TTL },
		{ "docker-config", required_argument, NULL, O_DOCKER },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct server s = { .lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER };
	const char *certpath = NULL, *keypath = NULL, *listen_arg = ":8443";
	long ttl = 300, fail_ttl = 30, tag_ttl = 30, threads = 8;
	struct MHD_Daemon *daemon = NULL;
	struct sockaddr_in sa;
	char *cert = NULL, *key = NULL;
	sg_error e = { 0 };
	sigset_t sigs;
	int c, r, bad = 0, rc = SG_EXIT_OK, sig;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("admission", &s.opts, c, optarg)) < 0)
			return SG_EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case O_POLICY: s.policy_path = optarg; break;
		case O_CERT: certpath = optarg; break;
		case O_KEY: keypath = optarg; break;
		case O_LISTEN: listen_arg = optarg; break;
		case O_THREADS:
			threads = seconds_opt("--threads", optarg, &bad);
			if (!bad && (threads < 1 || threads > 256)) {
				fprintf(stderr, "sigil admission: --threads takes 1 to 256\n");
				bad = 1;
			}
			break;
		case O_TTL: ttl = seconds_opt("--cache-ttl", optarg, &bad); break;
		case O_FAIL_TTL: fail_ttl = seconds_opt("--cache-fail-ttl", optarg, &bad); break;
		case O_TAG_TTL: tag_ttl = seconds_opt("--tag-ttl", optarg, &bad); break;
		case O_DOCKER: s.opts.docker_config_dir = optarg; break;
		case 'h': fputs(usage, stdout); return SG_EXIT_OK;
		default: return sg_cli_bad_option("admission", argv, c);
		}
		if (bad)
			return SG_EXIT_USAGE;
	}
	if (!s.policy_path || !certpath || !keypath || optind != argc) {
		fprintf(stderr, "sigil admission serve: %s\n",
			!s.policy_path ? "--policy is required" :
			(!certpath || !keypath) ? "--tls-cert and --tls-key are required (the API "
						  "server only calls webhooks over HTTPS)"
						: "unexpected argument (see --help)");
		return SG_EXIT_USAGE;
	}
	if (parse_listen(&sa, listen_arg, &e) < 0)
		return sg_cli_fail("admission", &e);
	/* connections stay open here: a second one per repository lets each image's .sig tag
	 * and referrers be fetched at once */
	s.opts.twins = 1;
	if (!(cert = read_secret(certpath, &e)) || !(key = read_secret(keypath, &e))) {
		rc = sg_cli_fail("admission", &e);
		goto done;
	}
	if (sg_cache_new(&s.verdicts, ttl * 1000, fail_ttl * 1000, 100000) < 0 ||
	    sg_cache_new(&s.tags, tag_ttl * 1000, 0, 100000) < 0) {
		fprintf(stderr, "sigil admission: out of memory\n");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	/* The first policy must load: a webhook that starts without one would deny everything. */
	if (policy_reload(&s, &e) < 0) {
		rc = sg_cli_fail("admission", &e);
		goto done;
	}
	/* Signals are taken by this thread only (sigwait below): block them before any thread
	 * starts, so the HTTP and verification threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
				  MHD_USE_ITC,
				  0, NULL, NULL, on_request, &s,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_HTTPS_MEM_CERT, cert,
				  MHD_OPTION_HTTPS_MEM_KEY, key,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256u << 10),
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
				  MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "sigil admission: cannot listen on %s (address in use, or a bad "
				"certificate or key)\n", listen_arg);
		rc = SG_EXIT_USAGE;
		goto done;
	}
	{
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon,
								       MHD_DAEMON_INFO_BIND_PORT);

		log_json(json_pack("{sssssi}", "level", "info", "msg", "listening", "port",
				   info ? (int)info->port : (int)ntohs(sa.sin_port)));
	}
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			sg_error_clear(&e);
			if (policy_reload(&s, &e) == 0)
				sg_cache_clear(s.verdicts);
			continue;
		}
		break;
	}
	/* SIGTERM / SIGINT: stop accepting, let the reviews in flight finish */
	log_msg("info", "draining");
	MHD_quiesce_daemon(daemon);
	{
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += DRAIN_S;
		pthread_mutex_lock(&s.lock);
		while (s.inflight > 0)
			if (pthread_cond_timedwait(&s.idle, &s.lock, &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&s.lock);
	}
	log_msg("info", "stopped");
done:
	if (daemon)
		MHD_stop_daemon(daemon);
	if (s.policy) {
		s.policy->current = 0;
		policy_put(&s, s.policy);
	}
	for (i = 0; i < s.npool; i++)
		sg_ctx_free(s.pool[i]);
	free(s.pool);
	sg_cache_free(s.verdicts);
	sg_cache_free(s.tags);
	if (cert)
		sodium_free(cert);
	if (key)
		sodium_free(key);
	return rc;
}

int cmd_admission(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return SG_EXIT_OK;
	}
	fprintf(stderr, "sigil admission: the subcommand is serve (see sigil admission --help)\n");
	return SG_EXIT_USAGE;
}
