/* Verification policies (docs/policy.md): parsed from YAML through libyaml's document API
 * into an immutable sg_policy (so threads may share one), evaluated per image with the
 * core verifier: one sg_verify_signatures call with all of a rule's authority keys, one
 * sg_verify_attestations call with all of its attestation keys. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <jansson.h>
#include <yaml.h>
#include "policy.h"
#include "policy_int.h"
#include "buf.h"
#include "digest.h"
#include "err.h"
#include "intoto.h"
#include "keys.h"
#include "ref.h"
#include "store.h"
#include "verifier.h"
#include "banned.h"

/* Caps on everything a policy can make sigil do (docs/policy.md, "Limits"). */
#define MAX_POLICY   (1u << 20)  /* bytes */
#define MAX_RULES    1000
#define MAX_KEYS_ALL 1024        /* keys one policy loads, named and inline */
#define MAX_IMAGES   256         /* globs per rule */
#define MAX_ATTS     64          /* attestations per rule */
#define MAX_CONDS    64          /* conditions per attestation */
#define MAX_VALUES   256         /* entries of matches / oneOf */
#define MAX_DEPTH    32          /* YAML nesting */
#define MAX_GLOB     1024
#define MAX_POINTER  1024
#define MAX_NAME     128         /* rule and key names */
#define MAX_MATCHED  8192        /* longest statement value a condition's glob is run on */

/* ---- globs ---- */

const char *sg_glob_problem(const char *g)
{
	size_t n = strlen(g), i;

	if (n == 0)
		return "empty glob";
	if (n > MAX_GLOB)
		return "glob longer than 1024 characters";
	if (strstr(g, "***"))
		return "\"***\" means nothing: '*' stays within a path component, '**' crosses them";
	for (i = 0; i < n; i++)
		if ((unsigned char)g[i] < 0x20 || g[i] == 0x7f)
			return "control character in glob";
	return NULL;
}

enum { G_STAR = 256, G_STARSTAR, G_ONE };

/* Dynamic programming over (glob token, prefix of s): no backtracking blow-up. */
int sg_glob_match(const char *g, const char *s, size_t len)
{
	unsigned char rows[2][512], *cur = rows[0], *nxt = rows[1], *heap = NULL, *t;
	size_t j;
	int tok, ok = 0;

	/* image names fit on the stack: matching runs per image per glob on admission */
	if (len >= sizeof(rows[0])) {
		if (!(heap = malloc(2 * (len + 1))))
			return 0; /* fails closed */
		cur = heap;
		nxt = heap + len + 1;
	}
	memset(cur, 0, len + 1);
	cur[0] = 1;
	while (*g) {
		if (g[0] == '*' && g[1] == '*') {
			tok = G_STARSTAR;
			g += 2;
		} else if (*g == '*' || *g == '?') {
			tok = *g++ == '*' ? G_STAR : G_ONE;
		} else {
			tok = (unsigned char)*g++;
		}
		nxt[0] = (tok == G_STAR || tok == G_STARSTAR) && cur[0];
		for (j = 0; j < len; j++) {
			unsigned char c = (unsigned char)s[j];

			if (tok == G_STARSTAR)
				nxt[j + 1] = cur[j + 1] || nxt[j];
			else if (tok == G_STAR)
				nxt[j + 1] = cur[j + 1] || (nxt[j] && c != '/');
			else if (tok == G_ONE)
				nxt[j + 1] = cur[j] && c != '/';
			else
				nxt[j + 1] = cur[j] && c == tok;
		}
		t = cur;
		cur = nxt;
		nxt = t;
	}
	ok = cur[len];
	free(heap);
	return ok;
}

static void lower(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

static int has_glob(const char *s, size_t n)
{
	return memchr(s, '*', n) || memchr(s, '?', n);
}

/* The registry/repository split of ref.h, applied to a pattern whose first component is
 * literal; a first component with a glob in it is matched as written. */
int sg_image_glob_normalise(char **out, const char *g, const char **why)
{
	const char *slash = strchr(g, '/'), *reg = "index.docker.io", *repo = g, *lib = "", *p;
	size_t n = strlen(g), first = slash ? (size_t)(slash - g) : n, reglen = 15;

	*out = NULL;
	if ((*why = sg_glob_problem(g)))
		return SG_EINVALID;
	for (p = g; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			*why = "spaces or non-ASCII";
		else if (*p == '@')
			*why = "a digest: image globs match registry/repository only";
		else if (*p == ':' && (!slash || p > slash))
			*why = "a tag: image globs match registry/repository only";
		if (*why)
			return SG_EINVALID;
	}
	if (g[0] == '/' || g[n - 1] == '/' || strstr(g, "//"))
		return (*why = "empty path component"), SG_EINVALID;
	if (has_glob(g, first)) {
		if (!slash && !strstr(g, "**"))
			return (*why = "matches no image: names are registry/repository (\"**\" is "
					"every image)"), SG_EINVALID;
		reg = NULL; /* matched as written */
		repo = slash ? slash + 1 : "";
	} else if (!slash && memchr(g, '.', n)) {
		return (*why = "a registry alone matches no image: add /** for all its "
				"repositories"), SG_EINVALID;
	} else if (slash && (memchr(g, '.', first) || memchr(g, ':', first) ||
			     (first == 9 && !strncmp(g, "localhost", 9)))) {
		repo = slash + 1;
		if (!(first == 9 && !strncasecmp(g, "docker.io", 9))) {
			reg = g;
			reglen = first;
		}
	}
	for (p = repo; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return (*why = "upper case in the repository (image names are lower case)"),
			       SG_EINVALID;
	if (!reg) {
		*out = sg_strprintf("%s", g);
		reglen = first;
	} else {
		if (reglen == 15 && !strncasecmp(reg, "index.docker.io", 15) && !strchr(repo, '/') &&
		    !strstr(repo, "**"))
			lib = "library/";
		*out = sg_strprintf("%.*s/%s%s", (int)reglen, reg, lib, repo);
	}
	if (!*out)
		return (*why = "out of memory"), SG_ERROR;
	lower(*out, reglen);
	return SG_OK;
}

char *sg_image_match_name(const char *s)
{
	sg_ref *r = NULL;
	char *name = NULL, *slash, *hub;

	if (sg_ref_parse(&r, s, NULL) == 0 && (name = sg_ref_repo_name(r)) &&
	    (slash = strchr(name, '/'))) {
		lower(name, (size_t)(slash - name));
		/* ref.h maps only "docker.io" itself to Docker Hub's canonical name */
		if (!strncmp(name, "docker.io/", 10)) {
			hub = sg_strprintf("index.%s", name);
			free(name);
			name = hub;
		}
	}
	sg_ref_free(r);
	return name;
}

/* ---- JSON pointers (RFC 6901) over the statement view ---- */

const char *sg_pointer_problem(const char *p)
{
	static const char *const tops[] = { "_type", "subject", "predicateType", "predicate" };
	size_t i, n;

	if (p[0] != '/')
		return "a JSON pointer starts with '/' (RFC 6901)";
	if (strlen(p) > MAX_POINTER)
		return "pointer longer than 1024 characters";
	for (i = 0; p[i]; i++) {
		if (p[i] == '~' && p[i + 1] != '0' && p[i + 1] != '1')
			return "'~' must be followed by 0 or 1 (RFC 6901: ~0 is '~', ~1 is '/')";
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return "control character in pointer";
	}
	n = strcspn(p + 1, "/");
	for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		if (strlen(tops[i]) == n && !strncmp(p + 1, tops[i], n))
			return NULL;
	return "the statement has /_type, /subject, /predicateType and /predicate: start with one "
	       "of them";
}

/* An array index token: "0" or digits without a leading zero, not past SIZE_MAX. */
static int array_index(const char *t, size_t n, size_t *out)
{
	size_t i, v = 0;

	if (n == 0 || (n > 1 && t[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9' || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(t[i] - '0');
	}
	*out = v;
	return 0;
}

json_t *sg_pointer_get(json_t *root, const char *p)
{
	char tok[MAX_POINTER + 1];
	size_t n, i, k, idx;

	if (!p || p[0] != '/' || strlen(p) > MAX_POINTER)
		return NULL;
	while (root && *p == '/') {
		p++;
		n = strcspn(p, "/");
		for (i = k = 0; i < n; i++, k++) {
			tok[k] = p[i];
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1'))
				tok[k] = p[++i] == '0' ? '~' : '/';
			else if (p[i] == '~')
				return NULL;
		}
		tok[k] = '\0';
		p += n;
		if (json_is_object(root))
			root = json_object_getn(root, tok, k);
		else if (json_is_array(root) && array_index(tok, k, &idx) == 0)
			root = json_array_get(root, idx);
		else
			return NULL;
	}
	return *p ? NULL : root;
}

/* ---- the policy ---- */

typedef enum { C_EQUALS, C_MATCHES, C_ONEOF } cond_op;

struct cond {
	char *path;
	cond_op op;
	json_t *equals;
	char **vals;       /* matches: globs; oneOf: strings */
	size_t nvals;
	char *text;        /* "PATH equals ...", for verdicts */
};

struct att {
	char *type;        /* predicate type URI */
	size_t *keys;      /* indexes into sg_policy.keys */
	size_t nkeys;
	uint64_t mask;     /* the same keys as bits of the rule's attkeys */
	struct cond *conds;
	size_t nconds;
};

struct rule {
	char *name;
	char **images;     /* normalised globs */
	size_t nimages;
	sg_policy_mode mode;
	size_t *keys;      /* authorities (nkeys 0: none) */
	size_t nkeys, threshold;
	struct att *atts;
	size_t natts;
	size_t attkeys[SG_VERIFY_MAX_KEYS]; /* every key an attestation names, once */
	size_t nattkeys;
};

struct pkey {
	char *label;       /* its name, or where it was given inline */
	sg_pubkey *k;
	char hint[SG_KEY_HINT_MAX];
};

struct sg_policy {
	int default_allow;
	struct pkey *keys; /* named keys first (nnamed of them), then inline ones */
	size_t nkeys, nnamed;
	struct rule *rules;
	size_t nrules;
	char digest[SG_DIGEST_MAX];
};

static void cond_release(struct cond *c)
{
	size_t i;

	free(c->path);
	json_decref(c->equals);
	for (i = 0; i < c->nvals; i++)
		free(c->vals[i]);
	free(c->vals);
	free(c->text);
}

static void rule_release(struct rule *r)
{
	size_t i, j;

	free(r->name);
	for (i = 0; i < r->nimages; i++)
		free(r->images[i]);
	free(r->images);
	free(r->keys);
	for (i = 0; i < r->natts; i++) {
		for (j = 0; j < r->atts[i].nconds; j++)
			cond_release(&r->atts[i].conds[j]);
		free(r->atts[i].conds);
		free(r->atts[i].keys);
		free(r->atts[i].type);
	}
	free(r->atts);
}

void sg_policy_free(sg_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nrules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	for (i = 0; i < p->nkeys; i++) {
		free(p->keys[i].label);
		sg_pubkey_free(p->keys[i].k);
	}
	free(p->keys);
	free(p);
}

const char *sg_policy_digest(const sg_policy *p)
{
	return p->digest;
}

size_t sg_policy_nrules(const sg_policy *p)
{
	return p->nrules;
}

const char *sg_policy_rule_name(const sg_policy *p, size_t i)
{
	return i < p->nrules ? p->rules[i].name : NULL;
}

/* ---- parsing ---- */

struct pctx {
	const char *name, *basedir;
	yaml_document_t *doc;
	sg_policy *p;
	sg_error *e;
};

static int oom(sg_error *e)
{
	return sg_err(e, SG_ERROR, "out of memory");
}

static int at_mark(sg_error *e, const char *name, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int at_mark(sg_error *e, const char *name, yaml_mark_t m, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sg_err(e, SG_EINVALID, "%s:%zu:%zu: %s", name, m.line + 1, m.column + 1, msg);
}

#define perr(c, n, ...) at_mark((c)->e, (c)->name, (n)->start_mark, __VA_ARGS__)

/* Untrusted text for a message: printable, at most 60 characters. */
static const char *show(char buf[64], const char *s)
{
	sg_printable(buf, 64, s);
	if (strlen(s) > 63)
		memcpy(buf + 57, "...", 4);
	return buf;
}

static yaml_node_t *node_at(struct pctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(sval(n), nulls[i]))
			return 1;
	return 0;
}

/* A string scalar (not null, no NUL; empty only when allowed); borrowed from the document. */
static int get_str(struct pctx *c, const yaml_node_t *n, const char *what, int empty_ok,
		   const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return perr(c, n, "%s: expected a string", what);
	if (memchr(n->data.scalar.value, 0, n->data.scalar.length))
		return perr(c, n, "%s: NUL character in string", what);
	if (!empty_ok && n->data.scalar.length == 0)
		return perr(c, n, "%s: empty string", what);
	*out = sval(n);
	return 0;
}

static int get_int(struct pctx *c, const yaml_node_t *n, const char *what, long *out)
{
	const char *s = sval(n);
	size_t i, len = n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0;
	long v = 0;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    len == 0 || len > 9)
		return perr(c, n, "%s: expected a whole number", what);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return perr(c, n, "%s: expected a whole number", what);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MAX_NAME && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789._-") == n;
}

/* n must be a mapping whose keys are all among names (NULL-terminated), each once; vals[i]
 * gets the value of names[i], or NULL. */
static int fields(struct pctx *c, const yaml_node_t *n, const char *what,
		  const char *const names[], yaml_node_t *vals[])
{
	yaml_node_pair_t *pr;
	char expected[256] = "", b[64];
	size_t i;

	for (i = 0; names[i]; i++) {
		vals[i] = NULL;
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected), "%s%s",
			 i ? ", " : "", names[i]);
	}
	if (n->type != YAML_MAPPING_NODE)
		return perr(c, n, "%s: expected a mapping (%s)", what, expected);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(c, pr->key), *v = node_at(c, pr->value);

		if (!k || !v)
			return perr(c, n, "%s: malformed mapping", what);
		if (k->type != YAML_SCALAR_NODE || memchr(k->data.scalar.value, 0, k->data.scalar.length))
			return perr(c, k, "%s: keys must be strings", what);
		for (i = 0; names[i] && strcmp(names[i], sval(k)); i++)
			;
		if (!names[i])
			return perr(c, k, "unknown key \"%s\" in %s (expected %s)", show(b, sval(k)),
				    what, expected);
		if (vals[i])
			return perr(c, k, "duplicate key \"%s\" in %s", names[i], what);
		vals[i] = v;
	}
	return 0;
}

/* n must be a sequence of 1..max items. */
static int seq(struct pctx *c, const yaml_node_t *n, const char *what, size_t max, size_t *count)
{
	size_t len;

	if (n->type != YAML_SEQUENCE_NODE)
		return perr(c, n, "%s: expected a list", what);
	len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (len == 0)
		return perr(c, n, "%s: empty list", what);
	if (len > max)
		return perr(c, n, "%s: more than %zu entries", what, max);
	*count = len;
	return 0;
}

static yaml_node_t *item(struct pctx *c, const yaml_node_t *n, size_t i)
{
	return node_at(c, n->data.sequence.items.start[i]);
}

static char *join_path(const char *dir, const char *file)
{
	if (file[0] == '/' || !dir)
		return sg_strprintf("%s", file);
	return sg_strprintf("%s/%s", dir, file);
}

/* Loads {file: PATH} or {pem: TEXT} (label: the key's name, or NULL for an inline key) and
 * appends it to the policy's keys; *idx is its index. */
static int load_key(struct pctx *c, const yaml_node_t *n, const char *label, size_t *idx)
{
	static const char *const names[] = { "file", "pem", NULL };
	yaml_node_t *v[2];
	sg_buf b = SG_BUF_INIT(SG_MAX_KEYFILE);
	sg_pubkey *k = NULL;
	sg_error le = { 0 };
	struct pkey *grown, *pk;
	char *path = NULL, *lab = NULL, what[MAX_NAME + 8];
	const char *s;
	int err;

	snprintf(what, sizeof(what), "key%s%s", label ? " " : "", label ? label : "");
	if ((err = fields(c, n, what, names, v)) < 0)
		goto done;
	if (!v[0] == !v[1]) {
		err = perr(c, n, "%s: give exactly one of file: or pem:", what);
		goto done;
	}
	if (c->p->nkeys >= MAX_KEYS_ALL) {
		err = perr(c, n, "more than %d keys in the policy", MAX_KEYS_ALL);
		goto done;
	}
	if ((err = get_str(c, v[0] ? v[0] : v[1], v[0] ? "file" : "pem", 0, &s)) < 0)
		goto done;
	if (label)
		lab = sg_strprintf("%s", label);
	else if (v[0])
		lab = sg_strprintf("%s", s);
	else
		lab = sg_strprintf("inline pem (line %zu)", n->start_mark.line + 1);
	if (!lab) {
		err = oom(c->e);
		goto done;
	}
	if (v[0]) {
		if (!(path = join_path(c->basedir, s))) {
			err = oom(c->e);
			goto done;
		}
		if (sg_read_regular_file(&b, path, &le) < 0 ||
		    sg_pubkey_from_pem(&k, (const char *)b.data, b.len, path, &le) < 0) {
			/* le names the file: an inline file key's label is its name too */
			err = label ? perr(c, v[0], "key %s: %s", lab, le.msg)
				    : perr(c, v[0], "key %s", le.msg);
			goto done;
		}
	} else if (sg_pubkey_from_pem(&k, s, v[1]->data.scalar.length, lab, &le) < 0) {
		err = perr(c, v[1], "key %s", le.msg); /* le names lab */
		goto done;
	}
	if (!(grown = realloc(c->p->keys, (c->p->nkeys + 1) * sizeof(*grown)))) {
		err = oom(c->e);
		goto done;
	}
	c->p->keys = grown;
	pk = &grown[c->p->nkeys];
	if ((err = sg_pubkey_hint(pk->hint, k, c->e)) < 0)
		goto done;
	pk->label = lab;
	pk->k = k;
	lab = NULL;
	k = NULL;
	*idx = c->p->nkeys++;
done:
	sg_pubkey_free(k);
	free(lab);
	free(path);
	sg_buf_release(&b);
	return err;
}

static int parse_named_keys(struct pctx *c, const yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	char b[64];
	size_t i, idx;
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return perr(c, n, "keys: expected a mapping of names to {file: ...} or {pem: ...}");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(c, pr->key), *v = node_at(c, pr->value);

		if (!k || !v)
			return perr(c, n, "keys: malformed mapping");
		if (k->type != YAML_SCALAR_NODE || memchr(k->data.scalar.value, 0, k->data.scalar.length) ||
		    !valid_name(sval(k)))
			return perr(c, k, "keys: a key's name is 1 to %d letters, digits, '.', '_' "
				    "or '-'", MAX_NAME);
		for (i = 0; i < c->p->nnamed; i++)
			if (!strcmp(c->p->keys[i].label, sval(k)))
				return perr(c, k, "duplicate key \"%s\" in keys", show(b, sval(k)));
		if ((err = load_key(c, v, sval(k), &idx)) < 0)
			return err;
		c->p->nnamed++;
	}
	return 0;
}

/* A rule's or an attestation's key list: names of keys: entries or inline keys, each key
 * once (two names for one public key would count twice towards a threshold). */
static int key_list(struct pctx *c, const yaml_node_t *n, const char *what, size_t **out,
		    size_t *nout)
{
	size_t cnt, i, j, idx, *keys = NULL;
	char b[64];
	int err;

	if ((err = seq(c, n, what, SG_VERIFY_MAX_KEYS, &cnt)) < 0)
		return err;
	if (!(keys = calloc(cnt, sizeof(*keys))))
		return oom(c->e);
	for (i = 0; i < cnt; i++) {
		yaml_node_t *it = item(c, n, i);

		if (it->type == YAML_SCALAR_NODE && !is_null(it)) {
			for (idx = 0; idx < c->p->nnamed && strcmp(c->p->keys[idx].label, sval(it)); idx++)
				;
			if (idx == c->p->nnamed) {
				err = perr(c, it, "%s: no key named \"%s\" in keys", what, show(b, sval(it)));
				goto done;
			}
		} else if (it->type == YAML_MAPPING_NODE) {
			if ((err = load_key(c, it, NULL, &idx)) < 0)
				goto done;
		} else {
			err = perr(c, it, "%s: expected a key's name, {file: ...} or {pem: ...}", what);
			goto done;
		}
		for (j = 0; j < i; j++) {
			if (keys[j] == idx) {
				err = perr(c, it, "%s: key %s is listed twice", what, c->p->keys[idx].label);
				goto done;
			}
			if (!strcmp(c->p->keys[keys[j]].hint, c->p->keys[idx].hint)) {
				err = perr(c, it, "%s: %s and %s are the same public key", what,
					   c->p->keys[keys[j]].label, c->p->keys[idx].label);
				goto done;
			}
		}
		keys[i] = idx;
	}
	*out = keys;
	*nout = cnt;
	keys = NULL;
done:
	free(keys);
	return err;
}

/* 1: an integer, 2: a decimal fraction or exponent, 0: neither (YAML 1.2 core schema's
 * decimal numbers; no hex, octal, .inf or .nan). */
static int number_kind(const char *s)
{
	int digits = 0, frac = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.') {
		frac = 1;
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		frac = 1;
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s ? 0 : 1 + frac;
}

/* equals: a plain scalar that reads as null, a boolean or a decimal number is that JSON
 * value; every other scalar (and every quoted one) is a string. */
static int scalar_json(struct pctx *c, const yaml_node_t *n, json_t **out)
{
	static const char *const yes[] = { "true", "True", "TRUE" }, *const no[] = { "false", "False", "FALSE" };
	const char *s = sval(n);
	size_t i;

	if (n->type != YAML_SCALAR_NODE)
		return perr(c, n, "equals: expected a string, number, true, false or null");
	if (memchr(s, 0, n->data.scalar.length))
		return perr(c, n, "equals: NUL character in string");
	*out = NULL;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (is_null(n))
			*out = json_null();
		for (i = 0; i < 3; i++)
			if (!strcmp(s, yes[i]) || !strcmp(s, no[i]))
				*out = json_boolean(!strcmp(s, yes[i]));
		if (!*out && number_kind(s) == 1) {
			long long i64;

			errno = 0;
			i64 = strtoll(s, NULL, 10);
			*out = errno ? json_real(strtod(s, NULL)) : json_integer(i64);
		} else if (!*out && number_kind(s) == 2) {
			*out = json_real(strtod(s, NULL));
		}
	}
	if (!*out)
		*out = json_stringn(s, n->data.scalar.length);
	return *out ? 0 : oom(c->e);
}

static int str_list(struct pctx *c, const yaml_node_t *n, const char *what, int globs,
		    char ***out, size_t *nout)
{
	size_t cnt = 1, i;
	const char *s = NULL, *why;
	char b[64];
	int err;

	if (n->type == YAML_SCALAR_NODE && globs)
		cnt = 1;
	else if ((err = seq(c, n, what, MAX_VALUES, &cnt)) < 0)
		return err;
	if (!(*out = calloc(cnt, sizeof(**out))))
		return oom(c->e);
	for (i = 0; i < cnt; i++) {
		const yaml_node_t *it = n->type == YAML_SCALAR_NODE ? n : item(c, n, i);

		if ((err = get_str(c, it, what, !globs, &s)) < 0)
			return err;
		if (globs && (why = sg_glob_problem(s)))
			return perr(c, it, "%s: glob \"%s\": %s", what, show(b, s), why);
		if (!globs && strchr(s, '*'))
			return perr(c, it, "oneOf compares exact strings and \"%s\" has a '*': use "
				    "matches: for globs", show(b, s));
		if (!((*out)[i] = sg_strprintf("%s", s)))
			return oom(c->e);
		*nout = i + 1;
	}
	return 0;
}

static int cond_text(struct cond *c)
{
	sg_buf b = SG_BUF_INIT(1 << 16);
	char *v;
	size_t i;
	int err = 0;

	err |= sg_buf_printf(&b, "%s ", c->path);
	if (c->op == C_EQUALS) {
		v = json_dumps(c->equals, JSON_COMPACT | JSON_ENCODE_ANY);
		err |= v ? sg_buf_printf(&b, "equals %s", v) : -1;
		free(v);
	} else {
		err |= sg_buf_puts(&b, c->op == C_ONEOF ? "is one of " :
				       c->nvals > 1 ? "matches one of " : "matches ");
		for (i = 0; i < c->nvals; i++)
			err |= sg_buf_printf(&b, "%s\"%s\"", i ? ", " : "", c->vals[i]);
	}
	if (err || !b.data) {
		sg_buf_release(&b);
		return -1;
	}
	c->text = (char *)sg_buf_detach(&b, NULL);
	return 0;
}

static int parse_cond(struct pctx *c, const yaml_node_t *n, struct cond *cd)
{
	static const char *const names[] = { "path", "equals", "matches", "oneOf", NULL };
	yaml_node_t *v[4];
	const char *s, *why;
	char b[64];
	int err;

	if ((err = fields(c, n, "condition", names, v)) < 0)
		return err;
	if (!v[0])
		return perr(c, n, "condition: missing \"path\"");
	if ((err = get_str(c, v[0], "path", 0, &s)) < 0)
		return err;
	if ((why = sg_pointer_problem(s)))
		return perr(c, v[0], "path \"%s\": %s", show(b, s), why);
	if (!(cd->path = sg_strprintf("%s", s)))
		return oom(c->e);
	if (!v[1] + !v[2] + !v[3] != 2)
		return perr(c, n, "condition: give exactly one of equals, matches or oneOf");
	if (v[1]) {
		cd->op = C_EQUALS;
		err = scalar_json(c, v[1], &cd->equals);
	} else if (v[2]) {
		cd->op = C_MATCHES;
		err = str_list(c, v[2], "matches", 1, &cd->vals, &cd->nvals);
	} else {
		cd->op = C_ONEOF;
		err = str_list(c, v[3], "oneOf", 0, &cd->vals, &cd->nvals);
	}
	if (err < 0)
		return err;
	return cond_text(cd) < 0 ? oom(c->e) : 0;
}

static int parse_att(struct pctx *c, const yaml_node_t *n, const struct rule *r, struct att *a)
{
	static const char *const names[] = { "type", "keys", "conditions", NULL };
	yaml_node_t *v[3];
	const char *s, *uri;
	char b[64];
	size_t i;
	int err;

	if ((err = fields(c, n, "attestation", names, v)) < 0)
		return err;
	if (!v[0])
		return perr(c, n, "attestation: missing \"type\"");
	if ((err = get_str(c, v[0], "type", 0, &s)) < 0)
		return err;
	if (!(uri = sg_predicate_type_uri(s)))
		return perr(c, v[0], "unknown predicate type \"%s\" (a cosign --type name: custom, "
			    "slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, "
			    "cyclonedx, link, vuln, openvex; or an absolute URI)", show(b, s));
	if (!(a->type = sg_strprintf("%s", uri)))
		return oom(c->e);
	if (v[1]) {
		if ((err = key_list(c, v[1], "attestation keys", &a->keys, &a->nkeys)) < 0)
			return err;
	} else if (!r->nkeys) {
		return perr(c, n, "attestation %s: no keys: give keys: or the rule's authorities",
			    show(b, s));
	} else {
		if (!(a->keys = calloc(r->nkeys, sizeof(*a->keys))))
			return oom(c->e);
		memcpy(a->keys, r->keys, r->nkeys * sizeof(*a->keys));
		a->nkeys = r->nkeys;
	}
	if (v[2]) {
		if ((err = seq(c, v[2], "conditions", MAX_CONDS, &a->nconds)) < 0)
			return err;
		if (!(a->conds = calloc(a->nconds, sizeof(*a->conds))))
			return oom(c->e);
		for (i = 0; i < a->nconds; i++)
			if ((err = parse_cond(c, item(c, v[2], i), &a->conds[i])) < 0)
				return err;
	}
	return 0;
}

static int parse_authorities(struct pctx *c, const yaml_node_t *n, struct rule *r)
{
	static const char *const names[] = { "keys", "threshold", NULL };
	yaml_node_t *v[2];
	long t = 1;
	int err;

	if ((err = fields(c, n, "authorities", names, v)) < 0)
		return err;
	if (!v[0])
		return perr(c, n, "authorities: missing \"keys\"");
	if ((err = key_list(c, v[0], "authorities keys", &r->keys, &r->nkeys)) < 0)
		return err;
	if (v[1] && (err = get_int(c, v[1], "threshold", &t)) < 0)
		return err;
	if (t < 1 || (size_t)t > r->nkeys)
		return perr(c, v[1], "threshold %ld: must be between 1 and the %zu key%s listed", t,
			    r->nkeys, r->nkeys > 1 ? "s" : "");
	r->threshold = (size_t)t;
	return 0;
}

static int parse_images(struct pctx *c, const yaml_node_t *n, struct rule *r)
{
	const char *s, *why;
	char b[64];
	size_t cnt, i;
	int err;

	if ((err = seq(c, n, "images", MAX_IMAGES, &cnt)) < 0)
		return err;
	if (!(r->images = calloc(cnt, sizeof(*r->images))))
		return oom(c->e);
	for (i = 0; i < cnt; i++) {
		yaml_node_t *it = item(c, n, i);

		if ((err = get_str(c, it, "images", 0, &s)) < 0)
			return err;
		if ((err = sg_image_glob_normalise(&r->images[i], s, &why)) < 0)
			return err == SG_EINVALID ? perr(c, it, "image glob \"%s\": %s", show(b, s), why)
						  : oom(c->e);
		r->nimages = i + 1;
	}
	return 0;
}

/* The one key list sg_verify_attestations gets for a rule, and each attestation's keys as
 * bits of it. */
static int att_keys(struct pctx *c, const yaml_node_t *n, struct rule *r)
{
	size_t i, j, k;

	for (i = 0; i < r->natts; i++) {
		for (j = 0; j < r->atts[i].nkeys; j++) {
			for (k = 0; k < r->nattkeys && r->attkeys[k] != r->atts[i].keys[j]; k++)
				;
			if (k == r->nattkeys) {
				if (k == SG_VERIFY_MAX_KEYS)
					return perr(c, n, "attestations: more than %d different keys in "
						    "one rule", SG_VERIFY_MAX_KEYS);
				r->attkeys[r->nattkeys++] = r->atts[i].keys[j];
			}
			r->atts[i].mask |= (uint64_t)1 << k;
		}
	}
	return 0;
}

static int parse_rule(struct pctx *c, const yaml_node_t *n, struct rule *r)
{
	static const char *const names[] = { "name", "images", "mode", "authorities",
					     "attestations", NULL };
	yaml_node_t *v[5];
	const char *s;
	char b[64];
	size_t i;
	int err;

	if ((err = fields(c, n, "rule", names, v)) < 0)
		return err;
	if (!v[0])
		return perr(c, n, "rule: missing \"name\"");
	if ((err = get_str(c, v[0], "name", 0, &s)) < 0)
		return err;
	if (!valid_name(s))
		return perr(c, v[0], "rule name \"%s\": 1 to %d letters, digits, '.', '_' or '-'",
			    show(b, s), MAX_NAME);
	for (i = 0; c->p->rules + i < r; i++)
		if (!strcmp(c->p->rules[i].name, s))
			return perr(c, v[0], "duplicate rule name \"%s\"", s);
	if (!(r->name = sg_strprintf("%s", s)))
		return oom(c->e);
	if (!v[1])
		return perr(c, n, "rule %s: missing \"images\"", r->name);
	if ((err = parse_images(c, v[1], r)) < 0)
		return err;
	if (v[2]) {
		if ((err = get_str(c, v[2], "mode", 0, &s)) < 0)
			return err;
		if (strcmp(s, "enforce") && strcmp(s, "warn"))
			return perr(c, v[2], "mode: expected enforce or warn");
		r->mode = !strcmp(s, "warn") ? SG_MODE_WARN : SG_MODE_ENFORCE;
	}
	if (!v[3] && !v[4])
		return perr(c, n, "rule %s allows everything: use default: allow or add authorities",
			    r->name);
	if (v[3] && (err = parse_authorities(c, v[3], r)) < 0)
		return err;
	if (v[4]) {
		if ((err = seq(c, v[4], "attestations", MAX_ATTS, &r->natts)) < 0)
			return err;
		if (!(r->atts = calloc(r->natts, sizeof(*r->atts))))
			return oom(c->e);
		for (i = 0; i < r->natts; i++)
			if ((err = parse_att(c, item(c, v[4], i), r, &r->atts[i])) < 0)
				return err;
		if ((err = att_keys(c, v[4], r)) < 0)
			return err;
	}
	return 0;
}

static int parse_root(struct pctx *c, const yaml_node_t *root)
{
	static const char *const names[] = { "version", "default", "keys", "rules", NULL };
	yaml_node_t *v[4];
	const char *s;
	size_t i, cnt;
	long version;
	int err;

	if ((err = fields(c, root, "the policy", names, v)) < 0)
		return err;
	if (!v[0])
		return perr(c, root, "missing \"version\" (this sigil reads version: 1)");
	if ((err = get_int(c, v[0], "version", &version)) < 0)
		return err;
	if (version != 1)
		return perr(c, v[0], "version %ld is not supported (this sigil reads version 1)",
			    version);
	if (v[1]) {
		if ((err = get_str(c, v[1], "default", 0, &s)) < 0)
			return err;
		if (strcmp(s, "deny") && strcmp(s, "allow"))
			return perr(c, v[1], "default: expected deny or allow");
		c->p->default_allow = !strcmp(s, "allow");
	}
	if (v[2] && (err = parse_named_keys(c, v[2])) < 0)
		return err;
	if (!v[3])
		return perr(c, root, "missing \"rules\" (a list; it may be empty: [])");
	if (v[3]->type == YAML_SEQUENCE_NODE && v[3]->data.sequence.items.top ==
						v[3]->data.sequence.items.start)
		return 0;
	if ((err = seq(c, v[3], "rules", MAX_RULES, &cnt)) < 0)
		return err;
	if (!(c->p->rules = calloc(cnt, sizeof(*c->p->rules))))
		return oom(c->e);
	for (i = 0; i < cnt; i++) {
		c->p->nrules = i + 1;
		if ((err = parse_rule(c, item(c, v[3], i), &c->p->rules[i])) < 0)
			return err;
	}
	return 0;
}

static int yaml_problem(const yaml_parser_t *ps, const char *name, sg_error *e)
{
	if (ps->error == YAML_MEMORY_ERROR)
		return oom(e);
	if (ps->context)
		return at_mark(e, name, ps->problem_mark, "%s (%s at line %zu)",
			       ps->problem ? ps->problem : "invalid YAML", ps->context,
			       ps->context_mark.line + 1);
	return at_mark(e, name, ps->problem_mark, "%s", ps->problem ? ps->problem : "invalid YAML");
}

/* A first pass over the events: one document, no anchors, aliases or tags (an alias can
 * make a small file a huge tree: billion laughs), nesting capped. */
static int scan_events(const void *data, size_t len, const char *name, sg_error *e)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	int depth = 0, docs = 0, err = 0, end = 0;
	const yaml_char_t *anchor, *tag;

	if (!yaml_parser_initialize(&ps))
		return oom(e);
	yaml_parser_set_input_string(&ps, data, len);
	while (!end && !err) {
		if (!yaml_parser_parse(&ps, &ev)) {
			err = yaml_problem(&ps, name, e);
			break;
		}
		anchor = tag = NULL;
		if (ev.type == YAML_SCALAR_EVENT) {
			anchor = ev.data.scalar.anchor;
			tag = ev.data.scalar.tag;
		} else if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			anchor = ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor
								     : ev.data.sequence_start.anchor;
			tag = ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.tag
								  : ev.data.sequence_start.tag;
			if (++depth > MAX_DEPTH)
				err = at_mark(e, name, ev.start_mark, "nested more than %d deep", MAX_DEPTH);
		} else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (ev.type == YAML_ALIAS_EVENT) {
			err = at_mark(e, name, ev.start_mark, "aliases (*) are not allowed in a policy");
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			err = at_mark(e, name, ev.start_mark, "more than one YAML document");
		} else if (ev.type == YAML_STREAM_END_EVENT) {
			end = 1;
		}
		if (!err && anchor)
			err = at_mark(e, name, ev.start_mark, "anchors (&) are not allowed in a policy");
		if (!err && tag)
			err = at_mark(e, name, ev.start_mark, "tags (!) are not allowed in a policy");
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return err;
}

/* SHA-256 over the policy's bytes and every key it loaded, as PEM, in order. */
static int policy_digest(sg_policy *p, const void *data, size_t len, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(MAX_POLICY + (size_t)MAX_KEYS_ALL * 1024 + 64);
	size_t i;
	int err;

	if (sg_buf_puts(&b, "sigil-policy-v1\n") < 0 || sg_buf_append(&b, data, len) < 0) {
		err = oom(e);
		goto done;
	}
	for (i = 0; i < p->nkeys; i++) {
		if (sg_buf_puts(&b, "\n") < 0) {
			err = oom(e);
			goto done;
		}
		if ((err = sg_pubkey_pem(&b, p->keys[i].k, e)) < 0)
			goto done;
	}
	sg_sha256_digest(p->digest, b.data, b.len);
	err = 0;
done:
	sg_buf_release(&b);
	return err;
}

int sg_policy_parse(sg_policy **out, const void *data, size_t len, const char *name,
		    const char *basedir, sg_error *e)
{
	yaml_parser_t ps;
	yaml_document_t doc;
	yaml_node_t *root;
	sg_policy *p = NULL;
	struct pctx c;
	int have_ps = 0, have_doc = 0, err;

	*out = NULL;
	if (!name)
		name = "policy";
	if (!data)
		data = "";
	sg_error_clear(e);
	if (len > MAX_POLICY)
		return sg_err(e, SG_EINVALID, "%s: larger than 1 MiB, the most a policy may be", name);
	if ((err = scan_events(data, len, name, e)) < 0)
		return err;
	if (!(p = calloc(1, sizeof(*p))) || !(have_ps = yaml_parser_initialize(&ps))) {
		err = oom(e);
		goto done;
	}
	yaml_parser_set_input_string(&ps, data, len);
	if (!yaml_parser_load(&ps, &doc)) {
		err = yaml_problem(&ps, name, e);
		goto done;
	}
	have_doc = 1;
	if (!(root = yaml_document_get_root_node(&doc))) {
		err = sg_err(e, SG_EINVALID, "%s:1:1: empty policy (it needs version: 1 and rules:)",
			     name);
		goto done;
	}
	c.name = name;
	c.basedir = basedir;
	c.doc = &doc;
	c.p = p;
	c.e = e;
	if ((err = parse_root(&c, root)) < 0 || (err = policy_digest(p, data, len, e)) < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_ps)
		yaml_parser_delete(&ps);
	sg_policy_free(p);
	return err;
}

int sg_policy_load(sg_policy **out, const char *path, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(MAX_POLICY);
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int err;

	*out = NULL;
	if ((err = sg_read_file(&b, path, e)) < 0) {
		if (err == SG_ETOOBIG)
			sg_err(e, SG_EINVALID, "%s: larger than 1 MiB, the most a policy may be", path);
		goto done;
	}
	if (slash && !(dir = slash == path ? sg_strprintf("/") :
				 sg_strprintf("%.*s", (int)(slash - path), path))) {
		err = oom(e);
		goto done;
	}
	err = sg_policy_parse(out, b.data ? (const void *)b.data : "", b.len, path, dir, e);
done:
	free(dir);
	sg_buf_release(&b);
	return err;
}

/* ---- describing (policy check) ---- */

static int keys_text(sg_buf *b, const sg_policy *p, const size_t *keys, size_t n)
{
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++)
		err |= sg_buf_printf(b, "%s%s", i ? ", " : "", p->keys[keys[i]].label);
	return err;
}

int sg_policy_describe(sg_buf *out, const sg_policy *p)
{
	size_t i, j, k;
	int err = 0;

	err |= sg_buf_printf(out, "%zu rule%s, %zu named key%s, %zu key%s in all, default: %s\n",
			     p->nrules, p->nrules == 1 ? "" : "s", p->nnamed, p->nnamed == 1 ? "" : "s",
			     p->nkeys, p->nkeys == 1 ? "" : "s", p->default_allow ? "allow" : "deny");
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		err |= sg_buf_printf(out, "rule %s (%s)\n  images:", r->name,
				     r->mode == SG_MODE_WARN ? "warn" : "enforce");
		for (j = 0; j < r->nimages; j++)
			err |= sg_buf_printf(out, " %s", r->images[j]);
		if (r->nkeys) {
			err |= sg_buf_printf(out, "\n  signatures: %zu of ", r->threshold);
			err |= keys_text(out, p, r->keys, r->nkeys);
		}
		for (j = 0; j < r->natts; j++) {
			err |= sg_buf_printf(out, "\n  attestation %s by %s", r->atts[j].type,
					     r->atts[j].nkeys > 1 ? "one of " : "");
			err |= keys_text(out, p, r->atts[j].keys, r->atts[j].nkeys);
			for (k = 0; k < r->atts[j].nconds; k++)
				err |= sg_buf_printf(out, "\n    %s", r->atts[j].conds[k].text);
		}
		err |= sg_buf_puts(out, "\n");
	}
	err |= sg_buf_printf(out, "digest %s\n", p->digest);
	return err ? SG_ETOOBIG : 0;
}

/* ---- evaluation ---- */

void sg_policy_verdict_release(sg_policy_verdict *v)
{
	size_t i;

	if (!v)
		return;
	free(v->image);
	free(v->rule);
	for (i = 0; i < v->nreqs; i++) {
		free(v->reqs[i].what);
		free(v->reqs[i].detail);
	}
	free(v->reqs);
	free(v->message);
	memset(v, 0, sizeof(*v));
}

/* Appends a requirement; takes what and detail (freed on failure too). */
static int add_req(sg_policy_verdict *v, int ok, char *what, char *detail)
{
	sg_policy_req *grown;

	if (!what || !detail || !(grown = realloc(v->reqs, (v->nreqs + 1) * sizeof(*grown)))) {
		free(what);
		free(detail);
		return SG_ERROR;
	}
	v->reqs = grown;
	grown[v->nreqs].what = what;
	grown[v->nreqs].ok = ok;
	grown[v->nreqs].detail = detail;
	v->nreqs++;
	return 0;
}

static const struct rule *find_rule(const sg_policy *p, const char *name)
{
	size_t i, j, len = strlen(name);

	for (i = 0; i < p->nrules; i++)
		for (j = 0; j < p->rules[i].nimages; j++)
			if (sg_glob_match(p->rules[i].images[j], name, len))
				return &p->rules[i];
	return NULL;
}

/* "a, b" for the keys of list whose bit is (want = 1) or is not (want = 0) in mask. */
static char *key_names(const sg_policy *p, const size_t *list, size_t n, uint64_t mask, int want)
{
	sg_buf b = SG_BUF_INIT(1 << 16);
	size_t i;
	int err = 0, any = 0;

	for (i = 0; i < n; i++)
		if (!!(mask & ((uint64_t)1 << i)) == want)
			err |= sg_buf_printf(&b, "%s%s", any++ ? ", " : "", p->keys[list[i]].label);
	if (err || (!b.data && sg_buf_puts(&b, "") < 0)) {
		sg_buf_release(&b);
		return NULL;
	}
	return (char *)sg_buf_detach(&b, NULL);
}

static size_t popcount(uint64_t m)
{
	size_t n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Why nothing verified, from what the verifier saw. */
static char *nothing_why(const sg_verify_result *r, const char *kind)
{
	char msg[sizeof(r->first.msg)];

	sg_printable(msg, sizeof(msg), r->first.msg);
	if (!r->checked && !r->first.code)
		return sg_strprintf("no %ss found", kind);
	if (r->first.code && r->first.code != SG_EVERIFY)
		return sg_strprintf("could not check: %s", msg);
	return sg_strprintf("no valid %s: %s", kind, r->first.code ? msg : "none verified");
}

struct eval {
	const sg_policy *p;
	const struct rule *r;
	sg_store *store;
	const char *image, *digest;
};

static int check_signatures(sg_policy_verdict *v, const struct eval *ev)
{
	const struct rule *r = ev->r;
	const sg_pubkey *keys[SG_VERIFY_MAX_KEYS];
	sg_verify_result res = { 0 };
	sg_verify_in in = { 0 };
	sg_error le = { 0 };
	char *what, *detail = NULL, *yes = NULL, *no = NULL, *allk = NULL, msg[sizeof(le.msg)];
	uint64_t mask = 0;
	size_t i, count;
	int ok = 0, err;

	for (i = 0; i < r->nkeys; i++)
		keys[i] = ev->p->keys[r->keys[i]].k;
	in.store = ev->store;
	in.digest = ev->digest;
	in.docker_ref = ev->image;
	in.keys = keys;
	in.nkeys = r->nkeys;
	allk = key_names(ev->p, r->keys, r->nkeys, 0, 0);
	what = r->nkeys == 1 ? sg_strprintf("signature by %s", allk ? allk : "?")
			     : sg_strprintf("signatures by %zu of %zu keys (%s)", r->threshold,
					    r->nkeys, allk ? allk : "?");
	if (sg_verify_signatures(&res, &in, &le) < 0) {
		detail = sg_strprintf("could not check: %s", sg_printable(msg, sizeof(msg), le.msg));
		goto done;
	}
	for (i = 0; i < res.n; i++)
		mask |= res.items[i].keys;
	count = popcount(mask);
	if (!(yes = key_names(ev->p, r->keys, r->nkeys, mask, 1)) ||
	    !(no = key_names(ev->p, r->keys, r->nkeys, mask, 0)))
		goto done;
	if (count >= r->threshold) {
		ok = 1;
		detail = sg_strprintf("signed by %s", yes);
	} else if (count == 0) {
		detail = nothing_why(&res, "signature");
	} else {
		detail = sg_strprintf("signed by %s only, %zu of the %zu needed; not by %s", yes,
				      count, r->threshold, no);
	}
done:
	err = add_req(v, ok, what, detail);
	free(allk);
	free(yes);
	free(no);
	sg_verify_result_release(&res);
	return err;
}

/* {"_type", "subject", "predicateType", "predicate"}: what condition paths point into. */
static json_t *statement_view(const sg_intoto *st)
{
	json_t *v = json_object(), *subs = json_array(), *s, *d;
	size_t i, j;
	int err = !v || !subs;

	for (i = 0; !err && i < st->nsubjects; i++) {
		const sg_intoto_subject *sj = &st->subjects[i];

		err |= !(s = json_object()) || json_array_append_new(subs, s) < 0;
		if (err)
			break;
		if (sj->name)
			err |= json_object_set_new(s, "name", json_string(sj->name)) < 0;
		err |= !(d = json_object()) || json_object_set_new(s, "digest", d) < 0;
		for (j = 0; !err && j < sj->ndigests; j++)
			err |= json_object_set_new(d, sj->digests[j].key,
						   json_string(sj->digests[j].value)) < 0;
		if (!err && sj->annotations)
			err |= json_object_set(s, "annotations", sj->annotations) < 0;
	}
	if (!err) {
		err |= json_object_set_new(v, "_type", json_string(st->type)) < 0;
		err |= json_object_set(v, "subject", subs) < 0;
		err |= json_object_set_new(v, "predicateType", json_string(st->predicate_type)) < 0;
		err |= json_object_set_new(v, "predicate",
					   st->predicate ? json_incref(st->predicate) : json_null()) < 0;
	}
	json_decref(subs);
	if (err) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* A value for a message: strings quoted, numbers and literals as JSON, containers named. */
static void show_value(char *dst, size_t n, const json_t *v)
{
	char *s = NULL;

	if (!v) {
		snprintf(dst, n, "absent");
		return;
	}
	if (json_is_object(v) || json_is_array(v)) {
		snprintf(dst, n, "%s", json_is_object(v) ? "an object" : "an array");
		return;
	}
	if (json_is_string(v) && json_string_length(v) > 100)
		s = sg_strprintf("\"%.100s...\"", json_string_value(v));
	else
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	sg_printable(dst, n, s ? s : "?");
	free(s);
}

static int values_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal(a, b);
}

static int cond_holds(const struct cond *c, json_t *view)
{
	json_t *v = sg_pointer_get(view, c->path);
	const char *s;
	size_t i, len;

	if (!v)
		return 0;
	if (c->op == C_EQUALS)
		return values_equal(v, c->equals);
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return 0;
	for (i = 0; i < c->nvals; i++) {
		if (c->op == C_ONEOF ? !strcmp(s, c->vals[i])
				     : len <= MAX_MATCHED && sg_glob_match(c->vals[i], s, len))
			return 1;
	}
	return 0;
}

/* One attestation requirement: a verified statement of its type, signed by one of its keys,
 * on which every condition holds (all on the same statement). Reported as one requirement
 * for the statement and one per condition, the conditions as found on the best candidate. */
static int check_att(sg_policy_verdict *v, const struct eval *ev, const struct att *a,
		     const sg_verify_result *res, const char *listerr)
{
	json_t *view = NULL, *best = NULL;
	char *keys = key_names(ev->p, a->keys, a->nkeys, 0, 0), *what, *detail = NULL;
	char shown[160];
	size_t i, j, cands = 0, other = 0, held, best_held = 0;
	int found = 0, err;

	what = sg_strprintf("attestation %s by %s%s", a->type, a->nkeys > 1 ? "one of " : "",
			    keys ? keys : "?");
	for (i = 0; !found && i < res->n; i++) {
		if (!res->items[i].statement || !res->items[i].predicate_type ||
		    strcmp(res->items[i].predicate_type, a->type) != 0)
			continue;
		if (!(res->items[i].keys & a->mask)) {
			other++;
			continue;
		}
		cands++;
		if (!(view = statement_view(res->items[i].statement))) {
			err = SG_ERROR;
			goto done;
		}
		for (j = held = 0; j < a->nconds; j++)
			held += (size_t)cond_holds(&a->conds[j], view);
		if (!best || held > best_held || held == a->nconds) {
			json_decref(best);
			best = view;
			best_held = held;
			view = NULL;
		}
		found = best_held == a->nconds;
		json_decref(view);
		view = NULL;
	}
	if (listerr)
		detail = sg_strprintf("could not check: %s", listerr);
	else if (cands)
		detail = sg_strprintf("%zu verified", cands);
	else if (other)
		detail = sg_strprintf("%zu verified, none signed by %s", other, keys ? keys : "?");
	else
		detail = nothing_why(res, "attestation");
	if ((err = add_req(v, cands > 0 && !listerr, what, detail)) < 0)
		goto done;
	for (j = 0; j < a->nconds; j++) {
		json_t *val = best ? sg_pointer_get(best, a->conds[j].path) : NULL;
		int ok = best && cond_holds(&a->conds[j], best);

		show_value(shown, sizeof(shown), val);
		what = sg_strprintf("attestation %s: %s", a->type, a->conds[j].text);
		detail = best ? sg_strprintf("%s %s", ok ? "found" : "not met: found", shown)
			      : sg_strprintf("no verified attestation to check");
		if ((err = add_req(v, ok, what, detail)) < 0)
			goto done;
	}
	err = 0;
done:
	json_decref(view);
	json_decref(best);
	free(keys);
	return err;
}

static int check_attestations(sg_policy_verdict *v, const struct eval *ev)
{
	const struct rule *r = ev->r;
	const sg_pubkey *keys[SG_VERIFY_MAX_KEYS];
	sg_verify_result res = { 0 };
	sg_verify_in in = { 0 };
	sg_error le = { 0 };
	char msg[sizeof(le.msg)], *listerr = NULL;
	size_t i;
	int err = 0;

	for (i = 0; i < r->nattkeys; i++)
		keys[i] = ev->p->keys[r->attkeys[i]].k;
	in.store = ev->store;
	in.digest = ev->digest;
	in.docker_ref = ev->image;
	in.keys = keys;
	in.nkeys = r->nattkeys;
	if (sg_verify_attestations(&res, &in, &le) < 0) {
		sg_verify_result_release(&res);
		listerr = sg_printable(msg, sizeof(msg), le.msg);
	}
	for (i = 0; !err && i < r->natts; i++)
		err = check_att(v, ev, &r->atts[i], &res, listerr);
	sg_verify_result_release(&res);
	return err;
}

/* The one-line message of a verdict that did not pass: the first few failures (webhook
 * messages and warnings are meant to be short; the requirements list has them all). */
#define MESSAGE_REQS 8
static int verdict_message(sg_policy_verdict *v, const sg_policy *p, const char *name)
{
	sg_buf b = SG_BUF_INIT(1 << 20);
	size_t i, n = 0;
	int err = 0;

	if (!v->rule)
		err |= sg_buf_printf(&b, "%s: no rule matches %s (default: %s)", v->image, name,
				     p->default_allow ? "allow" : "deny");
	else if (v->mode == SG_MODE_WARN)
		err |= sg_buf_printf(&b, "%s: rule %s (warn mode) would deny it:", v->image, v->rule);
	else
		err |= sg_buf_printf(&b, "%s: denied by rule %s:", v->image, v->rule);
	for (i = 0; i < v->nreqs; i++)
		if (!v->reqs[i].ok && n++ < MESSAGE_REQS)
			err |= sg_buf_printf(&b, "%s %s: %s", n > 1 ? ";" : "", v->reqs[i].what,
					     v->reqs[i].detail);
	if (n > MESSAGE_REQS)
		err |= sg_buf_printf(&b, "; and %zu more", n - MESSAGE_REQS);
	if (err)
		return SG_ERROR;
	v->message = (char *)sg_buf_detach(&b, NULL);
	return 0;
}

static int evaluate(sg_policy_verdict *out, const sg_policy *p, sg_ctx *ctx, const char *image,
		    const char *digest, sg_error *e)
{
	struct eval ev = { p, NULL, NULL, image, NULL };
	char dg[SG_DIGEST_MAX], msg[sizeof(e->msg)], *name = NULL;
	sg_ref *ref = NULL;
	sg_error le = { 0 };
	size_t i;
	int err, passed = 0;

	memset(out, 0, sizeof(*out));
	if (!(out->image = sg_strprintf("%s", image))) {
		err = oom(e);
		goto done;
	}
	if ((err = sg_ref_parse(&ref, image, e)) < 0)
		goto done;
	if (digest && !sg_digest_valid(digest)) {
		err = sg_err(e, SG_EINVALID, "%s: \"%s\" is not a digest", image,
			     sg_printable(msg, 80, digest));
		goto done;
	}
	if (!(name = sg_image_match_name(image))) {
		err = oom(e);
		goto done;
	}
	if (!(ev.r = find_rule(p, name))) {
		if (digest || ref->digest)
			snprintf(out->digest, sizeof(out->digest), "%s", digest ? digest : ref->digest);
		passed = p->default_allow;
		goto decide;
	}
	if (!(out->rule = sg_strprintf("%s", ev.r->name))) {
		err = oom(e);
		goto done;
	}
	out->mode = ev.r->mode;
	if (sg_ctx_store(&ev.store, ctx, ref, &le) < 0 ||
	    (!digest && sg_resolve(dg, ev.store, ref, 0, &le) < 0)) {
		if ((err = add_req(out, 0, sg_strprintf("image %s", image),
				   sg_strprintf("cannot resolve: %s",
						sg_printable(msg, sizeof(msg), le.msg)))) < 0) {
			err = oom(e);
			goto done;
		}
		goto decide;
	}
	ev.digest = digest ? digest : dg;
	snprintf(out->digest, sizeof(out->digest), "%s", ev.digest);
	if ((ev.r->nkeys && check_signatures(out, &ev) < 0) ||
	    (ev.r->natts && check_attestations(out, &ev) < 0)) {
		err = oom(e);
		goto done;
	}
	/* fails closed: passes only with requirements, every one of them met */
	passed = out->nreqs > 0;
	for (i = 0; i < out->nreqs; i++)
		passed &= out->reqs[i].ok;
decide:
	out->passed = passed;
	out->allowed = passed || (ev.r && ev.r->mode == SG_MODE_WARN);
	if (!passed && verdict_message(out, p, name) < 0) {
		err = oom(e);
		goto done;
	}
	err = 0;
done:
	if (err < 0)
		sg_policy_verdict_release(out); /* nothing is allowed */
	sg_ref_free(ref);
	free(name);
	return err;
}

int sg_policy_evaluate(sg_policy_verdict *out, const sg_policy *p, sg_ctx *ctx,
		       const char *image, sg_error *e)
{
	return evaluate(out, p, ctx, image, NULL, e);
}

int sg_policy_evaluate_digest(sg_policy_verdict *out, const sg_policy *p, sg_ctx *ctx,
			      const char *image, const char *digest, sg_error *e)
{
	if (!digest) {
		memset(out, 0, sizeof(*out));
		return sg_err(e, SG_EINVALID, "%s: no digest given", image);
	}
	return evaluate(out, p, ctx, image, digest, e);
}
