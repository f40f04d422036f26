/* Registry authentication pieces that need no network: WWW-Authenticate parsing and
 * docker config.json / credential-helper lookups. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include "auth.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

extern char **environ;

#define MAX_CHALLENGE (64u << 10)
#define HELPER_TIMEOUT_MS 30000
#define DOCKER_HUB "index.docker.io"
#define DOCKER_HUB_KEY "https://index.docker.io/v1/"

/* ---- WWW-Authenticate (RFC 7235 §2.1, §4.1) ---- */

static int is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A quoted-string starting at *pp (on the opening quote); unescapes into a new string. */
static int parse_quoted(char **out, const char **pp)
{
	const char *p = *pp + 1;
	char *v, *w;

	if (!(v = malloc(strlen(p) + 1)))
		return SG_ERROR;
	w = v;
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*++p;
			if (!c || (c < 0x20 && c != '\t') || c == 0x7f)
				goto bad;
		} else if (!c || (c < 0x20 && c != '\t') || c == 0x7f) {
			goto bad;
		}
		*w++ = (char)c;
		p++;
	}
	*w = '\0';
	*pp = p + 1;
	*out = v;
	return 0;
bad:
	free(v);
	return SG_EINVALID;
}

/* An unquoted value: RFC 7235 says token, but registries send realm=https://... unquoted
 * now and then, so accept any visible character except the delimiters. */
static int parse_bare(char **out, const char **pp)
{
	const char *p = *pp;
	size_t n = 0;

	while (p[n] > 0x20 && p[n] < 0x7f && p[n] != ',' && p[n] != '"' && p[n] != '\\')
		n++;
	if (!n)
		return SG_EINVALID;
	if (!(*out = strndup(p, n)))
		return SG_ERROR;
	*pp = p + n;
	return 0;
}

static int set_param(sg_challenge *c, const char *key, size_t klen, char *val)
{
	char **slot = NULL;

	if (klen == 5 && !strncasecmp(key, "realm", 5))
		slot = &c->realm;
	else if (klen == 7 && !strncasecmp(key, "service", 7))
		slot = &c->service;
	else if (klen == 5 && !strncasecmp(key, "scope", 5))
		slot = &c->scope;
	if (!slot) {
		free(val); /* error, error_description, ...: not needed */
		return 0;
	}
	if (*slot) { /* RFC 7235: each parameter name MUST only occur once */
		free(val);
		return SG_EINVALID;
	}
	*slot = val;
	return 0;
}

/* Parses the auth-params after the scheme, stopping at the start of a second challenge. */
static int parse_params(sg_challenge *c, const char *p)
{
	const char *key;
	size_t klen;
	char *val;
	int err;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			return 0;
		key = p;
		while (is_tchar((unsigned char)*p))
			p++;
		klen = (size_t)(p - key);
		if (!klen)
			return SG_EINVALID;
		p = skip_ows(p);
		if (*p != '=') /* the scheme of a second challenge: the first one is complete */
			return !*p || *p == ',' || is_tchar((unsigned char)*p) ? 0 : SG_EINVALID;
		p = skip_ows(p + 1);
		err = *p == '"' ? parse_quoted(&val, &p) : parse_bare(&val, &p);
		if (err < 0 || (err = set_param(c, key, klen, val)) < 0)
			return err;
		p = skip_ows(p);
		if (*p && *p != ',')
			return SG_EINVALID;
	}
}

int sg_challenge_parse(sg_challenge *out, const char *header, sg_error *e)
{
	sg_challenge c = { 0 };
	const char *p, *s;
	int err;

	memset(out, 0, sizeof(*out));
	if (!header || strlen(header) > MAX_CHALLENGE)
		return sg_err(e, SG_EINVALID, "WWW-Authenticate: missing or too long");
	p = skip_ows(header);
	for (s = p; is_tchar((unsigned char)*p); p++)
		;
	if (p == s || (*p && *p != ' ' && *p != '\t')) {
		err = sg_err(e, SG_EINVALID, "WWW-Authenticate: malformed scheme");
		goto done;
	}
	if (!(c.scheme = strndup(s, (size_t)(p - s)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = parse_params(&c, p)) < 0) {
		err = sg_err(e, err, err == SG_EINVALID ? "WWW-Authenticate: malformed parameters"
							: "out of memory");
		goto done;
	}
	if (!c.realm && strcasecmp(c.scheme, "Basic") == 0)
		c.realm = strdup(""); /* RFC 7617 wants one, but Basic works without */
	if (!c.realm || (!c.realm[0] && strcasecmp(c.scheme, "Basic") != 0)) {
		err = sg_err(e, SG_EINVALID, "WWW-Authenticate: %s challenge without realm",
			     strcasecmp(c.scheme, "Bearer") == 0 ? "Bearer" : "an");
		goto done;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
	err = 0;
done:
	sg_challenge_release(&c);
	return err;
}

void sg_challenge_release(sg_challenge *c)
{
	if (!c)
		return;
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* ---- credentials ---- */

void sg_secret_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		sodium_free(s);
	}
}

char *sg_secret_dup(const char *s, size_t n)
{
	char *p = sodium_malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* jansson keeps its own copy of every string; wipe the ones holding secrets before the
 * tree goes (the parser's scratch buffers are beyond reach). */
static void json_wipe_str(json_t *v)
{
	if (json_is_string(v))
		sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

void sg_cred_release(sg_cred *c)
{
	if (!c)
		return;
	free(c->username);
	sg_secret_free(c->password);
	sg_secret_free(c->identity_token);
	memset(c, 0, sizeof(*c));
}

static int cred_has_secret(const sg_cred *c)
{
	return (c->password && c->username) || c->identity_token;
}

static int helper_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!is_tchar((unsigned char)s[i]) || s[i] == '/' || s[i] == '\\')
			return 0;
	return i > 0 && i < 128;
}

/* Reads the helper's stdout until EOF, the size cap or the deadline. */
static int read_child(sg_buf *out, int fd, const struct timespec *t0)
{
	unsigned char chunk[4096];
	struct timespec now;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long left;
	ssize_t n;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = HELPER_TIMEOUT_MS - ((now.tv_sec - t0->tv_sec) * 1000 +
					    (now.tv_nsec - t0->tv_nsec) / 1000000);
		if (left <= 0)
			return SG_ENET;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return SG_EIO;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return SG_EIO;
		if (n == 0)
			return 0;
		if (sg_buf_append(out, chunk, (size_t)n) < 0) {
			sodium_memzero(chunk, sizeof(chunk));
			return SG_ETOOBIG;
		}
	}
}

/* Runs `docker-credential-<helper> get` with server on stdin, no shell. stdin is a socket
 * so an early-exiting helper cannot SIGPIPE us (send with MSG_NOSIGNAL). */
static int run_helper(sg_buf *out, int *status, const char *helper, const char *server,
		      sg_error *e)
{
	char prog[160];
	char *argv[3];
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, err = 0, rc, spawned = 0;
	posix_spawn_file_actions_t fa;
	struct timespec t0;
	pid_t pid = -1;

	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	argv[0] = prog;
	argv[1] = (char *)"get";
	argv[2] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return sg_err(e, SG_EIO, "%s: %s", prog, strerror(errno));
	if (pipe(outp) < 0 || fcntl(outp[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(outp[1], F_SETFD, FD_CLOEXEC) < 0) {
		err = sg_err(e, SG_EIO, "%s: %s", prog, strerror(errno));
		goto done;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		err = sg_err(e, SG_ERROR, "%s: %s", prog, strerror(rc));
		goto done;
	}
	posix_spawn_file_actions_adddup2(&fa, in[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		err = sg_err(e, SG_EAUTH, "%s: %s", prog,
			     rc == ENOENT ? "not found in PATH" : strerror(rc));
		goto done;
	}
	spawned = 1;
	close(in[1]);
	close(outp[1]);
	in[1] = outp[1] = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The server URL is far below a socket buffer: one send cannot block for long. */
	(void)!send(in[0], server, strlen(server), MSG_NOSIGNAL);
	close(in[0]);
	in[0] = -1;
	if ((rc = read_child(out, outp[0], &t0)) < 0) {
		kill(pid, SIGKILL);
		err = sg_err(e, rc == SG_ETOOBIG ? SG_ETOOBIG : SG_EAUTH, "%s: %s", prog,
			     rc == SG_ETOOBIG ? "output too large"
			     : rc == SG_ENET  ? "timed out"
					      : "read error");
	}
done:
	if (spawned) {
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	if (in[0] >= 0) close(in[0]);
	if (in[1] >= 0) close(in[1]);
	if (outp[0] >= 0) close(outp[0]);
	if (outp[1] >= 0) close(outp[1]);
	return err;
}

/* Asks a credential helper. SG_ENOTFOUND when it has nothing for server. */
static int helper_get(sg_cred *out, const char *helper, const char *server, sg_error *e)
{
	sg_buf buf = SG_BUF_INIT(SG_MAX_HTTP_SMALL);
	json_t *root = NULL, *user, *secret;
	int status = 0, err;

	if (!helper_name_ok(helper))
		return sg_err(e, SG_EINVALID, "invalid credential helper name");
	if ((err = run_helper(&buf, &status, helper, server, e)) < 0)
		goto done;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (buf.data && strstr((char *)buf.data, "credentials not found"))
			err = sg_err(e, SG_ENOTFOUND, "no credentials");
		else
			/* its output is not echoed: a helper may have printed a secret */
			err = sg_err(e, SG_EAUTH, "docker-credential-%s get failed (exit status %d)",
				     helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto done;
	}
	root = json_loadb(buf.data ? (char *)buf.data : "", buf.len, JSON_REJECT_DUPLICATES, NULL);
	user = json_object_get(root, "Username");
	secret = json_object_get(root, "Secret");
	if (!json_is_object(root) || (user && !json_is_string(user)) || !json_is_string(secret)) {
		err = sg_err(e, SG_EAUTH, "docker-credential-%s: malformed output", helper);
		goto done;
	}
	if (!json_string_length(secret)) {
		err = sg_err(e, SG_ENOTFOUND, "no credentials");
		goto done;
	}
	if (user && !strcmp(json_string_value(user), "<token>")) {
		out->identity_token = sg_secret_dup(json_string_value(secret), json_string_length(secret));
	} else {
		out->username = strdup(user ? json_string_value(user) : "");
		out->password = sg_secret_dup(json_string_value(secret), json_string_length(secret));
	}
	if (!out->identity_token && (!out->username || !out->password))
		err = sg_err(e, SG_ERROR, "out of memory");
done:
	if (root)
		json_wipe_str(json_object_get(root, "Secret"));
	json_decref(root);
	if (buf.data)
		sodium_memzero(buf.data, buf.len);
	sg_buf_release(&buf);
	if (err < 0)
		sg_cred_release(out);
	return err;
}

/* One `auths` entry. SG_ENOTFOUND if it holds no credentials (a credsStore placeholder). */
static int auths_entry(sg_cred *out, json_t *ent, sg_error *e)
{
	json_t *auth = json_object_get(ent, "auth"), *user = json_object_get(ent, "username"),
	       *pass = json_object_get(ent, "password"), *tok = json_object_get(ent, "identitytoken");
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	char *colon;
	int err = 0;

	if (!json_is_object(ent))
		return sg_err(e, SG_EINVALID, "entry is not an object");
	if (auth && json_is_string(auth) && json_string_length(auth)) {
		if ((err = sg_b64_decode(&raw, &rawlen, json_string_value(auth),
					 json_string_length(auth), e)) < 0) {
			err = sg_err(e, SG_EINVALID, "\"auth\" is not valid base64");
			goto done;
		}
		colon = memchr(raw, ':', rawlen);
		if (!colon || memchr(raw, '\0', rawlen)) {
			err = sg_err(e, SG_EINVALID, "\"auth\" is not base64(\"user:password\")");
			goto done;
		}
		out->username = strndup((char *)raw, (size_t)(colon - (char *)raw));
		out->password = sg_secret_dup(colon + 1, rawlen - (size_t)(colon + 1 - (char *)raw));
	} else if (json_is_string(user) && json_is_string(pass) && json_string_length(pass)) {
		out->username = strdup(json_string_value(user));
		out->password = sg_secret_dup(json_string_value(pass), json_string_length(pass));
	} else if (auth && !json_is_string(auth)) {
		return sg_err(e, SG_EINVALID, "\"auth\" is not a string");
	}
	if (json_is_string(tok) && json_string_length(tok))
		out->identity_token = sg_secret_dup(json_string_value(tok), json_string_length(tok));
	if ((out->username && !out->password) || (out->password && !out->username) ||
	    (json_is_string(tok) && json_string_length(tok) && !out->identity_token)) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (!cred_has_secret(out))
		err = SG_ENOTFOUND;
done:
	if (raw) {
		sodium_memzero(raw, rawlen);
		free(raw);
	}
	if (err < 0)
		sg_cred_release(out);
	return err;
}

/* "https://host/v1/" -> "host"; "host/ns/repo" stays. Writes into out (n bytes). */
static void normalize_key(char *out, size_t n, const char *k)
{
	char *slash;
	size_t len;

	if (!strncasecmp(k, "https://", 8))
		k += 8;
	else if (!strncasecmp(k, "http://", 7))
		k += 7;
	snprintf(out, n, "%s", k);
	if ((slash = strchr(out, '/')) &&
	    (!strcmp(slash, "/v1/") || !strcmp(slash, "/v1") || !strcmp(slash, "/v2/") ||
	     !strcmp(slash, "/v2")))
		*slash = '\0';
	len = strlen(out);
	while (len && out[len - 1] == '/')
		out[--len] = '\0';
}

static int is_hub(const char *registry)
{
	return !strcmp(registry, DOCKER_HUB) || !strcmp(registry, "docker.io") ||
	       !strcmp(registry, "registry-1.docker.io");
}

#define MAX_KEY_LEVELS 16

/* Lookup keys, most specific first: registry/a/b/c, registry/a/b, registry/a, registry,
 * each level with Docker Hub's aliases. Fills owned strings (NULL when out of memory);
 * keys needs 3 * (MAX_KEY_LEVELS + 1) slots. Very deep paths skip middle levels only. */
static size_t candidate_keys(char **keys, const char *registry, const char *repo)
{
	static const char *const hub[] = { DOCKER_HUB, "docker.io", "registry-1.docker.io" };
	size_t n = 0, h, nh = is_hub(registry) ? 3 : 1, level, plen;
	const char *end;

	repo = repo ? repo : "";
	plen = strlen(repo);
	for (level = 0; level <= MAX_KEY_LEVELS; level++) {
		if (level == MAX_KEY_LEVELS)
			plen = 0; /* always end with the bare registry */
		for (h = 0; h < nh; h++) {
			const char *reg = nh > 1 ? hub[h] : registry;
			size_t len = strlen(reg) + 1 + plen + 1;

			if ((keys[n] = malloc(len)))
				snprintf(keys[n], len, "%s%s%.*s", reg, plen ? "/" : "", (int)plen,
					 repo);
			n++;
		}
		if (!plen)
			break;
		for (end = repo + plen; end > repo && *end != '/'; end--)
			;
		plen = (size_t)(end - repo);
	}
	return n;
}

/* Finds the auths entry for one candidate key: an exact key first, then any key that
 * normalises to it (scheme and /v1/ stripped, as docker's ConvertToHostname does). */
static json_t *auths_find(json_t *auths, const char *cand, const char **matched)
{
	char norm[1024];
	const char *k;
	json_t *v;

	if ((v = json_object_get(auths, cand))) {
		*matched = cand;
		return v;
	}
	json_object_foreach(auths, k, v) {
		normalize_key(norm, sizeof(norm), k);
		if (!strcasecmp(norm, cand)) {
			*matched = k;
			return v;
		}
	}
	return NULL;
}

static int config_path(char **out, const char *config_dir, sg_error *e)
{
	const char *dir = config_dir, *home;
	size_t n;

	*out = NULL;
	if (!dir || !*dir)
		dir = getenv("DOCKER_CONFIG");
	if (!dir || !*dir) {
		home = getenv("HOME");
		if (!home || !*home)
			return sg_err(e, SG_ENOTFOUND, "no credentials ($HOME is not set)");
		n = strlen(home) + sizeof("/.docker/config.json");
		if (!(*out = malloc(n)))
			return sg_err(e, SG_ERROR, "out of memory");
		snprintf(*out, n, "%s/.docker/config.json", home);
		return 0;
	}
	n = strlen(dir) + sizeof("/config.json");
	if (!(*out = malloc(n)))
		return sg_err(e, SG_ERROR, "out of memory");
	snprintf(*out, n, "%s/config.json", dir);
	return 0;
}

/* How the lookup asks credential helpers: fn when the caller gave one, else the real
 * docker-credential-<helper> program. Either way a bad helper name is refused first. */
typedef struct helper_runner {
	sg_cred_helper_fn fn;
	void *ud;
} helper_runner;

static int ask_helper(sg_cred *out, const helper_runner *run, const char *helper,
		      const char *server, sg_error *e)
{
	if (!run->fn)
		return helper_get(out, helper, server, e);
	if (!helper_name_ok(helper))
		return sg_err(e, SG_EINVALID, "invalid credential helper name");
	return run->fn(out, helper, server, run->ud, e);
}

static int lookup_helpers(sg_cred *out, json_t *helpers, char **keys, size_t nkeys,
			  const helper_runner *run, const char *path, sg_error *e)
{
	json_t *h;
	size_t i;
	int err;

	if (!helpers)
		return SG_ENOTFOUND;
	if (!json_is_object(helpers))
		return sg_err(e, SG_EINVALID, "%s: \"credHelpers\" is not an object", path);
	for (i = 0; i < nkeys; i++) {
		if (!(h = json_object_get(helpers, keys[i])))
			continue;
		if (!json_is_string(h))
			return sg_err(e, SG_EINVALID, "%s: credHelpers[\"%s\"] is not a string",
				      path, keys[i]);
		err = ask_helper(out, run, json_string_value(h),
				 is_hub(keys[i]) ? DOCKER_HUB_KEY : keys[i], e);
		if (err != SG_ENOTFOUND)
			return err < 0 ? sg_err_prefix(e, "%s", path) : 0;
	}
	return SG_ENOTFOUND;
}

static int lookup_auths(sg_cred *out, json_t *auths, char **keys, size_t nkeys, const char *path,
			sg_error *e)
{
	const char *k = NULL;
	json_t *ent;
	size_t i;
	int err;

	if (!auths)
		return SG_ENOTFOUND;
	if (!json_is_object(auths))
		return sg_err(e, SG_EINVALID, "%s: \"auths\" is not an object", path);
	for (i = 0; i < nkeys; i++) {
		if (!(ent = auths_find(auths, keys[i], &k)))
			continue;
		err = auths_entry(out, ent, e);
		if (err != SG_ENOTFOUND)
			return err < 0 ? sg_err_prefix(e, "%s: auths[\"%s\"]", path, k) : 0;
	}
	return SG_ENOTFOUND;
}

static void wipe_auths(json_t *auths)
{
	const char *k;
	json_t *ent;

	json_object_foreach(auths, k, ent) {
		json_wipe_str(json_object_get(ent, "auth"));
		json_wipe_str(json_object_get(ent, "password"));
		json_wipe_str(json_object_get(ent, "identitytoken"));
		json_wipe_str(json_object_get(ent, "registrytoken"));
	}
}

int sg_cred_lookup_json(sg_cred *out, const void *data, size_t len, const char *name,
			const char *registry, const char *repository, sg_cred_helper_fn fn,
			void *ud, sg_error *e)
{
	const helper_runner run = { fn, ud };
	char *keys[3 * (MAX_KEY_LEVELS + 1)];
	size_t nkeys = 0, i;
	json_error_t jerr;
	json_t *root = NULL, *store;
	int err;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0) /* idempotent; secrets below live in sodium_malloc memory */
		return sg_err(e, SG_ERROR, "libsodium initialisation failed");
	if (len > SG_MAX_DOCKERCFG)
		return sg_err(e, SG_ETOOBIG, "%s: over the %u-byte limit", name,
			      (unsigned)SG_MAX_DOCKERCFG);
	root = json_loadb(len ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err = sg_err(e, SG_EINVALID, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		err = sg_err(e, SG_EINVALID, "%s: not a JSON object", name);
		goto done;
	}
	nkeys = candidate_keys(keys, registry, repository);
	for (i = 0; i < nkeys; i++) {
		if (!keys[i]) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = lookup_helpers(out, json_object_get(root, "credHelpers"), keys, nkeys, &run, name,
			     e);
	if (err == SG_ENOTFOUND)
		err = lookup_auths(out, json_object_get(root, "auths"), keys, nkeys, name, e);
	store = json_object_get(root, "credsStore");
	if (err == SG_ENOTFOUND && store) {
		if (!json_is_string(store))
			err = sg_err(e, SG_EINVALID, "%s: \"credsStore\" is not a string", name);
		else if ((err = ask_helper(out, &run, json_string_value(store),
					   is_hub(registry) ? DOCKER_HUB_KEY : registry, e)) < 0 &&
			 err != SG_ENOTFOUND)
			sg_err_prefix(e, "%s", name);
	}
	if (err == SG_ENOTFOUND)
		sg_err(e, SG_ENOTFOUND, "no credentials in %s", name);
done:
	if (root)
		wipe_auths(json_object_get(root, "auths"));
	json_decref(root);
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	if (err < 0)
		sg_cred_release(out);
	return err;
}

int sg_cred_lookup(sg_cred *out, const char *config_dir, const char *registry,
		   const char *repository, sg_error *e)
{
	sg_buf buf = SG_BUF_INIT(SG_MAX_DOCKERCFG);
	char *path = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = config_path(&path, config_dir, e)) < 0)
		goto done;
	if ((err = sg_read_file(&buf, path, e)) < 0) {
		if (err == SG_ENOTFOUND)
			sg_err(e, SG_ENOTFOUND, "no credentials in %s", path);
		goto done;
	}
	err = sg_cred_lookup_json(out, buf.data, buf.len, path, registry, repository, NULL, NULL,
				  e);
done:
	if (buf.data)
		sodium_memzero(buf.data, buf.len);
	sg_buf_release(&buf);
	free(path);
	return err;
}
