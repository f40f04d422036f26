/* The layer walker (walker.h): one streaming pass per layer through libarchive into a path
 * tree with whiteouts applied as stereoscope's FileTree.Merge does (sbom.md §2.3), plus a
 * rare second pass for wanted files reached only through symlinks. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include "walker.h"
#include "err.h"
#include "banned.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

enum {
	F_HASHED = 1,    /* sha1/sha256 valid */
	F_BUFFERED = 2,  /* data holds the whole content */
	F_TOOBIG = 4,    /* wanted, but over its cap */
	F_HARDLINK = 8,  /* link is the hardlink target in the same layer */
};

/* One path component of the squashed view. Children are a doubly linked sibling list for
 * whiteouts; lookups go through the walker's hash table keyed by (parent, name). */
struct wnode {
	struct wnode *parent, *child, *next, *prev, *hnext;
	uint64_t hash;
	uint32_t layer;
	uint16_t want;     /* 1 + index of the want that matched, 0 if none */
	uint8_t type, flags;
	int64_t size;
	char *link;
	unsigned char *data;
	size_t len;
	unsigned char sha1[20], sha256[32];
	size_t namelen;
	char name[];
};

struct want {
	char *pattern;  /* without its leading "**\/" when anydepth */
	size_t prefix;  /* bytes before the first wildcard */
	int exact;
	int anydepth;   /* "**\/REST": REST matches the path's last `depth` components */
	size_t depth;
	const char *base; /* anydepth: REST's last component when it has no wildcard */
	size_t max;
	unsigned flags;
};

/* A wanted file to read in the second pass: content of `path` in layer `layer` into node. */
struct req {
	size_t layer;
	char *path;
	struct wnode *node;
	size_t max;
};

struct sg_walker {
	sg_walk_opts o;
	struct wnode *root;
	struct wnode **tab;
	size_t tabcap;
	struct want *wants;
	size_t nwants;
	size_t buffered;
	int64_t unpacked;
	EVP_MD_CTX *sha1, *sha256;
	EVP_MD *md_sha1, *md_sha256; /* fetched once: EVP_sha1() is looked up at every init */
	sg_walk_stats st;
	struct insp {        /* the file being offered to o.inspect */
		int state;       /* I_OFF, I_HEAD, I_ON, I_PASS */
		unsigned char head[SG_WALK_HEAD];
		size_t headlen;
		const char *path;
		size_t layer;
		unsigned mode;
		int64_t size;
		int err;         /* a callback's error (e set), returned by read_data */
		sg_error *e;
	} insp;
};

enum { I_OFF, I_HEAD, I_ON, I_PASS };

static const unsigned char zeros[65536];

static void warnf(const sg_walker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(const sg_walker *w, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	if (!w->o.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->o.warn(w->o.warn_arg, msg);
}

/* ---- the path tree ---- */

static uint64_t name_hash(const struct wnode *parent, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ull);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 1099511628211ull;
	}
	return h;
}

static struct wnode *child_lookup(const sg_walker *w, const struct wnode *parent, const char *name,
				  size_t len)
{
	uint64_t h = name_hash(parent, name, len);
	struct wnode *n;

	for (n = w->tab[h & (w->tabcap - 1)]; n; n = n->hnext)
		if (n->hash == h && n->parent == parent && n->namelen == len &&
		    !memcmp(n->name, name, len))
			return n;
	return NULL;
}

static int tab_grow(sg_walker *w)
{
	size_t cap = w->tabcap * 2, i;
	struct wnode **tab = calloc(cap, sizeof(*tab)), *n, *next;

	if (!tab)
		return SG_ERROR;
	for (i = 0; i < w->tabcap; i++) {
		for (n = w->tab[i]; n; n = next) {
			next = n->hnext;
			n->hnext = tab[n->hash & (cap - 1)];
			tab[n->hash & (cap - 1)] = n;
		}
	}
	free(w->tab);
	w->tab = tab;
	w->tabcap = cap;
	return 0;
}

static void drop_content(sg_walker *w, struct wnode *n)
{
	if (n->flags & F_BUFFERED)
		w->buffered -= n->len;
	free(n->data);
	free(n->link);
	n->data = NULL;
	n->link = NULL;
	n->len = 0;
	n->flags = 0;
	n->size = 0;
}

static void remove_node(sg_walker *w, struct wnode *n)
{
	struct wnode **pp;

	while (n->child)
		remove_node(w, n->child);
	for (pp = &w->tab[n->hash & (w->tabcap - 1)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			break;
		}
	}
	if (n->prev)
		n->prev->next = n->next;
	else if (n->parent)
		n->parent->child = n->next;
	if (n->next)
		n->next->prev = n->prev;
	drop_content(w, n);
	free(n);
	w->st.nodes--;
}

static int new_node(struct wnode **out, sg_walker *w, struct wnode *parent, const char *name,
		    size_t len, size_t layer, sg_error *e)
{
	struct wnode *n;
	size_t slot;

	if (w->st.nodes >= SG_WALK_MAX_NODES)
		return sg_err(e, SG_ETOOBIG, "more than %u paths in the image", SG_WALK_MAX_NODES);
	if (w->st.nodes + 1 > w->tabcap && tab_grow(w) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	if (!(n = calloc(1, sizeof(*n) + len + 1)))
		return sg_err(e, SG_ERROR, "out of memory");
	memcpy(n->name, name, len);
	n->namelen = len;
	n->parent = parent;
	n->layer = (uint32_t)layer;
	n->type = SG_WT_DIR;
	n->hash = name_hash(parent, name, len);
	slot = n->hash & (w->tabcap - 1);
	n->hnext = w->tab[slot];
	w->tab[slot] = n;
	n->next = parent->child;
	if (parent->child)
		parent->child->prev = n;
	parent->child = n;
	w->st.nodes++;
	*out = n;
	return 0;
}

/* Hides what lower layers put under n (n included); returns 1 when n itself should go:
 * it came from a lower layer and nothing of this layer lives under it. */
static int hide_lower(sg_walker *w, struct wnode *n, size_t layer)
{
	struct wnode *c = n->child, *next;

	for (; c; c = next) {
		next = c->next;
		if (hide_lower(w, c, layer))
			remove_node(w, c);
	}
	return n->layer < layer && !n->child;
}

/* The node for a literal (already normalised) path, no symlinks followed. */
static struct wnode *lookup_literal(const sg_walker *w, const char *path)
{
	struct wnode *n = w->root;
	const char *p = path, *q;

	while (n && *p) {
		q = strchr(p, '/');
		if (!q)
			q = p + strlen(p);
		n = child_lookup(w, n, p, (size_t)(q - p));
		p = *q ? q + 1 : q;
	}
	return n;
}

static size_t node_path_len(const struct wnode *n)
{
	size_t len = 0;

	for (; n && n->parent; n = n->parent)
		len += n->namelen + (n->parent->parent ? 1 : 0);
	return len;
}

/* "a/b/c" for a node (owned); "" for the root. */
static char *node_path(const struct wnode *n)
{
	size_t len = node_path_len(n), pos = len;
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	s[len] = '\0';
	for (; n && n->parent; n = n->parent) {
		pos -= n->namelen;
		memcpy(s + pos, n->name, n->namelen);
		if (n->parent->parent)
			s[--pos] = '/';
	}
	return s;
}

/* Canonical relative form of a tar entry name: no leading '/', "./" or empty components.
 * -1 for a ".." component (nothing may reach outside the root) or an over-long name. */
static int normalize(char out[SG_WALK_PATH_MAX], const char *in)
{
	const char *p = in, *q;
	size_t o = 0, len;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (q = p; *q && *q != '/'; q++)
			;
		len = (size_t)(q - p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (!(len == 1 && p[0] == '.')) {
			if (o + len + 2 > SG_WALK_PATH_MAX)
				return -1;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = q;
	}
	out[o] = '\0';
	return 0;
}

/* ---- wants ---- */

/* Fills wt's pattern fields from a normalised pattern. */
static int want_parse(struct want *wt, const char *norm)
{
	const char *rest = norm, *slash;

	memset(wt, 0, sizeof(*wt));
	if (!strncmp(norm, "**/", 3)) {
		wt->anydepth = 1;
		rest = norm + 3;
	}
	if (!(wt->pattern = strdup(rest)))
		return SG_ERROR;
	wt->prefix = strcspn(wt->pattern, "*?[\\");
	wt->exact = !wt->anydepth && wt->pattern[wt->prefix] == '\0';
	if (wt->anydepth) {
		wt->prefix = 0;
		wt->depth = 1;
		for (slash = wt->pattern; (slash = strchr(slash, '/')); slash++)
			wt->depth++;
		slash = strrchr(wt->pattern, '/');
		wt->base = slash ? slash + 1 : wt->pattern;
		if (wt->base[strcspn(wt->base, "*?[\\")])
			wt->base = NULL;
	}
	return 0;
}

int sg_walker_want(sg_walker *w, const char *pattern, size_t max, unsigned flags, sg_error *e)
{
	struct want *grown, *wt;
	char norm[SG_WALK_PATH_MAX];

	if (w->st.layers)
		return sg_err(e, SG_EINVALID, "wants must be declared before the first layer");
	if (w->nwants >= 65535 || normalize(norm, pattern) < 0 || !*norm)
		return sg_err(e, SG_EINVALID, "invalid want pattern \"%s\"", pattern);
	if (!(grown = realloc(w->wants, (w->nwants + 1) * sizeof(*grown))))
		return sg_err(e, SG_ERROR, "out of memory");
	w->wants = grown;
	wt = &w->wants[w->nwants];
	if (want_parse(wt, norm) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	wt->max = max ? max : SG_WALK_FILE_MAX;
	wt->flags = flags;
	w->nwants++;
	return 0;
}

/* The last n components of path, or NULL when it has fewer. */
static const char *last_components(const char *path, size_t n)
{
	const char *p = path + strlen(path);

	while (p > path) {
		if (p[-1] == '/' && !--n)
			return p;
		p--;
	}
	return n == 1 ? path : NULL;
}

static int want_matches(const struct want *wt, const char *path, const char *base)
{
	const char *tail;

	if (wt->anydepth) {
		/* with FNM_PATHNAME no wildcard crosses a '/', so REST can only match the
		 * path's last `depth` components: one fnmatch, after a cheap basename test */
		if (wt->base && strcmp(wt->base, base) != 0)
			return 0;
		return (tail = last_components(path, wt->depth)) &&
		       fnmatch(wt->pattern, tail, FNM_PATHNAME | FNM_PERIOD) == 0;
	}
	if (strncmp(path, wt->pattern, wt->prefix) != 0)
		return 0;
	return wt->exact ? path[wt->prefix] == '\0'
			 : fnmatch(wt->pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0;
}

static int match_want(const sg_walker *w, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i < w->nwants; i++)
		if (want_matches(&w->wants[i], path, base))
			return (int)i;
	return -1;
}

/* ---- reading entries ---- */

static int hash_begin(sg_walker *w)
{
	return EVP_DigestInit_ex(w->sha1, w->md_sha1, NULL) == 1 &&
	       EVP_DigestInit_ex(w->sha256, w->md_sha256, NULL) == 1 ? 0 : SG_ERROR;
}

static int hash_update(sg_walker *w, const void *p, size_t n)
{
	return EVP_DigestUpdate(w->sha1, p, n) == 1 && EVP_DigestUpdate(w->sha256, p, n) == 1
		       ? 0 : SG_ERROR;
}

/* Offers the head to the inspector: from then on it gets the content or nothing. */
static int insp_begin(sg_walker *w)
{
	struct insp *in = &w->insp;
	const sg_walk_inspect *o = w->o.inspect;
	int r = o->begin(o->arg, in->path, in->layer, in->mode, in->size, in->head, in->headlen,
			 in->e);

	if (r < 0)
		return in->err = r;
	in->state = r ? I_ON : I_PASS;
	if (r && in->headlen && (r = o->data(o->arg, in->head, in->headlen, in->e)) < 0)
		return in->err = r;
	return 0;
}

/* Content for the inspector: the head is gathered first, then passed on as it comes. */
static int insp_feed(sg_walker *w, const unsigned char *p, size_t len)
{
	struct insp *in = &w->insp;
	size_t k;
	int r;

	if (in->state == I_HEAD) {
		k = sizeof(in->head) - in->headlen;
		k = k < len ? k : len;
		memcpy(in->head + in->headlen, p, k);
		in->headlen += k;
		p += k;
		len -= k;
		if (in->headlen < sizeof(in->head))
			return 0;
		if ((r = insp_begin(w)) < 0)
			return r;
	}
	if (in->state == I_ON && len &&
	    (r = w->o.inspect->data(w->o.inspect->arg, p, len, in->e)) < 0)
		return in->err = r;
	return 0;
}

/* Feeds len bytes at p (or zeros for a sparse hole when p is NULL) to the hashes, to the
 * kept copy and to the inspector. */
static int feed(sg_walker *w, struct wnode *n, int hash, int keep, const void *p, size_t len)
{
	size_t chunk;

	while (len) {
		chunk = p ? len : (len < sizeof(zeros) ? len : sizeof(zeros));
		if (hash && hash_update(w, p ? p : zeros, chunk) < 0)
			return SG_ERROR;
		if (w->insp.state != I_OFF && w->insp.state != I_PASS &&
		    insp_feed(w, p ? p : zeros, chunk) < 0)
			return w->insp.err;
		if (keep) {
			size_t room = (size_t)n->size - n->len;
			size_t k = chunk < room ? chunk : room;

			memcpy(n->data + n->len, p ? p : zeros, k);
			n->len += k;
		}
		if (p)
			p = (const unsigned char *)p + chunk;
		len -= chunk;
	}
	return 0;
}

/* Reads the current entry's data into n: hashes it (hash) and keeps it (keep; n->size
 * bytes, already checked against the caps). */
static int read_data(sg_walker *w, struct archive *a, struct wnode *n, int hash, int keep,
		     size_t layer, const char *path, sg_error *e)
{
	const void *buf;
	size_t sz;
	la_int64_t off, pos = 0;
	int r;

	if (keep) {
		if (!(n->data = malloc((size_t)n->size + 1)))
			return sg_err(e, SG_ERROR, "out of memory");
		n->len = 0;
	}
	if (hash && hash_begin(w) < 0)
		return sg_err(e, SG_ERROR, "digest initialisation failed");
	for (;;) {
		r = archive_read_data_block(a, &buf, &sz, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return sg_err(e, SG_EINVALID, "layer %zu: %s: %s", layer, path,
				      archive_error_string(a) ? archive_error_string(a) : "read error");
		if (off < pos || off > n->size || (int64_t)sz > n->size - off)
			return sg_err(e, SG_EINVALID, "layer %zu: %s: data outside the entry",
				      layer, path);
		if (feed(w, n, hash, keep, NULL, (size_t)(off - pos)) < 0 ||
		    feed(w, n, hash, keep, buf, sz) < 0)
			return w->insp.err ? w->insp.err : sg_err(e, SG_ERROR, "digest update failed");
		pos = off + (la_int64_t)sz;
		w->st.bytes += sz;
		if (!hash && !keep && w->insp.state == I_PASS)
			return 0; /* read only for the inspector, which passed: the rest is skipped */
	}
	if (feed(w, n, hash, keep, NULL, (size_t)(n->size - pos)) < 0)
		return w->insp.err ? w->insp.err : sg_err(e, SG_ERROR, "digest update failed");
	if (w->insp.state == I_HEAD && insp_begin(w) < 0) /* shorter than the head */
		return w->insp.err;
	if (hash) {
		if (EVP_DigestFinal_ex(w->sha1, n->sha1, NULL) != 1 ||
		    EVP_DigestFinal_ex(w->sha256, n->sha256, NULL) != 1)
			return sg_err(e, SG_ERROR, "digest finalisation failed");
		n->flags |= F_HASHED;
	}
	if (keep) {
		n->data[n->len] = '\0';
		n->flags |= F_BUFFERED;
		w->buffered += n->len;
	}
	return 0;
}

/* May a wanted file of size bytes be kept? Sets F_TOOBIG when over its own cap; an error
 * when all wanted files together would pass the walker's total. */
static int may_keep(sg_walker *w, struct wnode *n, const struct want *wt, size_t layer,
		    const char *path, sg_error *e)
{
	size_t total;

	if (n->size < 0 || (uint64_t)n->size > wt->max) {
		n->flags |= F_TOOBIG;
		warnf(w, "layer %zu: %s: %lld bytes, over the %zu-byte cap; not read", layer, path,
		      (long long)n->size, wt->max);
		return 0;
	}
	if (!sg_add_ok(w->buffered, (size_t)n->size, &total) || total > w->o.total_max)
		return sg_err(e, SG_ETOOBIG, "layer %zu: %s: wanted files exceed %zu bytes in all",
			      layer, path, w->o.total_max);
	return 1;
}

/* Whether the inspector is offered this file; sets up w->insp. */
static int insp_start(sg_walker *w, const struct wnode *n, unsigned mode, size_t layer,
		      const char *path, sg_error *e)
{
	const sg_walk_inspect *o = w->o.inspect;

	memset(&w->insp, 0, sizeof(w->insp));
	if (!o || n->size <= 0 || (o->max && (uint64_t)n->size > o->max))
		return 0;
	w->insp.state = I_HEAD;
	w->insp.path = path;
	w->insp.layer = layer;
	w->insp.mode = mode;
	w->insp.size = n->size;
	w->insp.e = e;
	return 1;
}

/* Tells the inspector the file is over (complete or not); the first error wins. */
static int insp_end(sg_walker *w, int err)
{
	int ended = 0;

	if (w->insp.state == I_ON)
		ended = w->o.inspect->end(w->o.inspect->arg, err == 0, w->insp.e);
	w->insp.state = I_OFF;
	return err < 0 ? err : ended;
}

static int regular_file(sg_walker *w, struct archive *a, struct wnode *n, int sparse,
			unsigned mode, size_t layer, const char *path, sg_error *e)
{
	const struct want *wt = n->want ? &w->wants[n->want - 1] : NULL;
	int keep = 0, err, inspect, hash = !w->o.no_hash && n->size <= SG_WALK_HASH_MAX &&
				  (!sparse || n->size <= SG_WALK_SPARSE_HASH_MAX);

	if (wt && (keep = may_keep(w, n, wt, layer, path, e)) < 0)
		return keep;
	inspect = insp_start(w, n, mode, layer, path, e);
	if (!keep && !hash && !inspect)
		return archive_read_data_skip(a) == ARCHIVE_OK ? 0 :
			sg_err(e, SG_EINVALID, "layer %zu: %s: %s", layer, path,
			       archive_error_string(a) ? archive_error_string(a) : "read error");
	err = read_data(w, a, n, hash, keep, layer, path, e);
	if ((err = insp_end(w, err)) < 0)
		return err;
	if (keep && (wt->flags & SG_WANT_OBSERVE) && w->o.observe)
		w->o.observe(w->o.observe_arg, path, layer, n->data, n->len);
	return 0;
}

/* A hardlink entry: the same file as an earlier entry (its target), sharing content. */
static int hardlink(sg_walker *w, struct wnode *n, const char *target, size_t layer,
		    const char *path, sg_error *e)
{
	char norm[SG_WALK_PATH_MAX];
	const struct wnode *t;
	const struct want *wt = n->want ? &w->wants[n->want - 1] : NULL;
	int keep;

	n->type = SG_WT_FILE;
	if (normalize(norm, target) < 0 || !(t = lookup_literal(w, norm)) ||
	    t->type != SG_WT_FILE) {
		warnf(w, "layer %zu: %s: hardlink to %s, which is not a file of the image", layer,
		      path, target);
		return 0;
	}
	n->size = t->size;
	n->flags = (uint8_t)(t->flags & F_HASHED);
	memcpy(n->sha1, t->sha1, sizeof(n->sha1));
	memcpy(n->sha256, t->sha256, sizeof(n->sha256));
	if (!(n->link = strdup(norm)))
		return sg_err(e, SG_ERROR, "out of memory");
	n->flags |= F_HARDLINK;
	if (!wt || !(t->flags & F_BUFFERED))
		return 0; /* a wanted file whose target was not kept: the second pass reads it */
	if ((keep = may_keep(w, n, wt, layer, path, e)) <= 0)
		return keep;
	if (!(n->data = malloc(t->len + 1)))
		return sg_err(e, SG_ERROR, "out of memory");
	memcpy(n->data, t->data, t->len + 1);
	n->len = t->len;
	n->flags |= F_BUFFERED;
	w->buffered += n->len;
	if ((wt->flags & SG_WANT_OBSERVE) && w->o.observe)
		w->o.observe(w->o.observe_arg, path, layer, n->data, n->len);
	return 0;
}

/* .wh.NAME hides NAME of lower layers; .wh..wh..opq hides the directory's lower contents. */
static void whiteout(sg_walker *w, char *path, char *base, size_t layer)
{
	struct wnode *n, *c, *next;

	if (!strcmp(base, WH_OPAQUE)) {
		base[base == path ? 0 : -1] = '\0';
		n = base == path ? w->root : lookup_literal(w, path);
		if (!n || n->type != SG_WT_DIR)
			return;
		for (c = n->child; c; c = next) {
			next = c->next;
			if (hide_lower(w, c, layer))
				remove_node(w, c);
		}
		return;
	}
	if (!strncmp(base, WH_PREFIX WH_PREFIX, 8))
		return; /* aufs bookkeeping (.wh..wh.plnk and friends) */
	memmove(base, base + 4, strlen(base + 4) + 1);
	if (!*base)
		return;
	if ((n = lookup_literal(w, path)) && hide_lower(w, n, layer))
		remove_node(w, n);
}

/* The node for path in layer `layer`, creating parents; an existing entry of another type
 * is replaced (a file over a directory drops the directory's contents). */
static int place(struct wnode **out, sg_walker *w, const char *path, sg_wtype type,
		 size_t layer, sg_error *e)
{
	struct wnode *cur = w->root, *n = NULL;
	const char *p = path, *q;
	int err;

	for (;;) {
		q = strchr(p, '/');
		if (!q)
			q = p + strlen(p);
		n = child_lookup(w, cur, p, (size_t)(q - p));
		if (!n && (err = new_node(&n, w, cur, p, (size_t)(q - p), layer, e)) < 0)
			return err;
		if (!*q)
			break;
		if (n->type != SG_WT_DIR) { /* a file or symlink where a directory is now */
			drop_content(w, n);
			n->type = SG_WT_DIR;
			n->layer = (uint32_t)layer;
			n->want = 0;
		}
		cur = n;
		p = q + 1;
	}
	if (type != SG_WT_DIR || n->type != SG_WT_DIR) {
		while (n->child)
			remove_node(w, n->child);
	}
	drop_content(w, n);
	n->type = (uint8_t)type;
	n->layer = (uint32_t)layer;
	n->want = 0;
	*out = n;
	return 0;
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* An entry's name, or its symlink target, in UTF-8 (when libarchive can convert it). An
 * ASCII name is the same in every charset, so it is taken as stored: libarchive converts
 * with a new iconv descriptor on every call (there is no archive to cache it on), which
 * cost 3% of a walk. */
static const char *entry_path(struct archive_entry *ent)
{
	const char *mbs = archive_entry_pathname(ent), *u;

	if (mbs && ascii(mbs))
		return mbs;
	u = archive_entry_pathname_utf8(ent);
	return u ? u : mbs;
}

static const char *entry_symlink(struct archive_entry *ent)
{
	const char *mbs = archive_entry_symlink(ent), *u;

	if (mbs && ascii(mbs))
		return mbs;
	u = archive_entry_symlink_utf8(ent);
	return u ? u : mbs;
}

static int on_entry(sg_walker *w, struct archive *a, struct archive_entry *ent, size_t layer,
		    sg_error *e)
{
	const char *raw = entry_path(ent), *hl;
	char path[SG_WALK_PATH_MAX], *base;
	struct wnode *n;
	sg_wtype type;
	int64_t size = archive_entry_size(ent);
	int err, want;

	if (!raw) {
		warnf(w, "layer %zu: an entry without a name; skipped", layer);
		return 0;
	}
	if (normalize(path, raw) < 0) {
		warnf(w, "layer %zu: %s: path leaves the image root or is too long; skipped", layer,
		      raw);
		return 0;
	}
	if (!*path)
		return 0; /* the root itself */
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strncmp(base, WH_PREFIX, 4)) {
		whiteout(w, path, base, layer);
		return 0;
	}
	hl = archive_entry_hardlink(ent);
	switch (archive_entry_filetype(ent)) {
	case AE_IFDIR: type = SG_WT_DIR; break;
	case AE_IFREG: type = SG_WT_FILE; break;
	case AE_IFLNK: type = SG_WT_SYMLINK; break;
	default: type = hl ? SG_WT_FILE : SG_WT_OTHER; break;
	}
	if (size < 0)
		size = 0;
	if (type == SG_WT_FILE && !hl && size > SG_WALK_MAX_UNPACKED - w->unpacked)
		return sg_err(e, SG_ETOOBIG, "layer %zu: %s: the image unpacks to more than %lld bytes",
			      layer, path, (long long)SG_WALK_MAX_UNPACKED);
	if ((err = place(&n, w, path, type, layer, e)) < 0)
		return err;
	want = (type == SG_WT_FILE || type == SG_WT_SYMLINK) ? match_want(w, path) : -1;
	n->want = (uint16_t)(want + 1);
	if (type == SG_WT_SYMLINK) {
		const char *t = entry_symlink(ent);

		if (!(n->link = strdup(t ? t : "")))
			return sg_err(e, SG_ERROR, "out of memory");
		return 0;
	}
	if (type != SG_WT_FILE)
		return 0;
	if (hl)
		return hardlink(w, n, hl, layer, path, e);
	n->size = size;
	w->unpacked += size;
	return regular_file(w, a, n, archive_entry_sparse_count(ent) > 0,
			    (unsigned)archive_entry_perm(ent), layer, path, e);
}

static void unbuffer(sg_walker *w, struct wnode *n)
{
	if (n->flags & F_BUFFERED)
		w->buffered -= n->len;
	free(n->data);
	n->data = NULL;
	n->len = 0;
	n->flags &= (uint8_t)~F_BUFFERED;
}

/* Second pass: an entry is read when requests of this layer name it; the first such
 * request's node gets the data, the others a copy. */
static int on_entry_again(sg_walker *w, struct archive *a, struct archive_entry *ent,
			  size_t layer, struct req *reqs, size_t nreqs, sg_error *e)
{
	const char *raw = entry_path(ent);
	char path[SG_WALK_PATH_MAX];
	struct wnode *src = NULL, *n;
	size_t i, total;
	int err;

	if (!raw || normalize(path, raw) < 0 || archive_entry_filetype(ent) != AE_IFREG ||
	    archive_entry_hardlink(ent))
		return 0;
	for (i = 0; i < nreqs; i++) {
		if (reqs[i].layer != layer || strcmp(reqs[i].path, path) != 0)
			continue;
		n = reqs[i].node;
		unbuffer(w, n); /* the same path twice in a layer: the later one counts */
		n->flags &= (uint8_t)~F_TOOBIG;
		n->size = archive_entry_size(ent);
		if (n->size < 0 || (uint64_t)n->size > reqs[i].max) {
			n->flags |= F_TOOBIG;
			continue;
		}
		if (!sg_add_ok(w->buffered, (size_t)n->size, &total) || total > w->o.total_max)
			return sg_err(e, SG_ETOOBIG, "layer %zu: %s: wanted files exceed %zu bytes in all",
				      layer, path, w->o.total_max);
		if (src) {
			if (!(n->data = malloc(src->len + 1)))
				return sg_err(e, SG_ERROR, "out of memory");
			memcpy(n->data, src->data, src->len + 1);
			n->len = src->len;
			n->flags |= F_BUFFERED;
			w->buffered += n->len;
		} else if ((err = read_data(w, a, n, 0, 1, layer, path, e)) < 0) {
			return err;
		} else {
			src = n;
		}
	}
	return 0;
}

/* libarchive's view of a source stream: a read error keeps the source's own message. */
struct src_ctx {
	const sg_walk_source *src;
	void *stream;
	sg_error *e;
	int failed;             /* the source's error: it, not libarchive's, is reported */
};

static la_ssize_t src_read(struct archive *a, void *arg, const void **buf)
{
	struct src_ctx *c = arg;
	long n = c->src->read(c->stream, buf, c->e);

	if (n < 0) {
		c->failed = (int)n;
		archive_set_error(a, EIO, "%s", c->e ? c->e->msg : "read error");
		return -1;
	}
	return (la_ssize_t)n;
}

/* The source's error when it failed, else a new one with libarchive's message. */
static int archive_fail(struct archive *a, const struct src_ctx *c, size_t layer, const char *what,
			sg_error *e)
{
	if (c->failed)
		return c->failed;
	return sg_err(e, SG_EINVALID, "layer %zu: %s%s", layer, what,
		      archive_error_string(a) ? archive_error_string(a) : "bad tar");
}

/* Streams one layer from src; reqs NULL for the first pass. */
static int stream(sg_walker *w, const sg_walk_source *src, size_t layer, struct req *reqs,
		  size_t nreqs, sg_error *e)
{
	struct src_ctx c = { src, NULL, e, 0 };
	struct archive *a = NULL;
	struct archive_entry *ent;
	int r, err = 0;

	if ((err = src->open(src->arg, layer, &c.stream, e)) < 0)
		return err;
	if (!(a = archive_read_new())) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open(a, &c, NULL, src_read, NULL) != ARCHIVE_OK) {
		err = archive_fail(a, &c, layer, "not a tar, tar+gzip or tar+zstd blob: ", e);
		goto done;
	}
	for (;;) {
		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			err = archive_fail(a, &c, layer, "", e);
			goto done;
		}
		w->st.entries++;
		err = reqs ? on_entry_again(w, a, ent, layer, reqs, nreqs, e)
			   : on_entry(w, a, ent, layer, e);
		if (err < 0) {
			if (c.failed) /* an entry's data could not be read: the source says why */
				err = c.failed;
			goto done;
		}
	}
done:
	archive_read_free(a);
	return src->close(c.stream, err, e);
}

/* A blob already in memory, as a source. */
struct mem_stream {
	const void *data;
	size_t len;
	int done;
};

static long mem_read(void *stream, const void **data, sg_error *e)
{
	struct mem_stream *m = stream;
	size_t n = m->done ? 0 : m->len;

	(void)e;
	*data = m->data;
	m->done = 1;
	return n > (size_t)LONG_MAX ? LONG_MAX : (long)n; /* LONG_MAX: 64-bit, never reached */
}

static int mem_open(void *arg, size_t layer, void **stream, sg_error *e)
{
	(void)layer;
	(void)e;
	((struct mem_stream *)arg)->done = 0;
	*stream = arg;
	return 0;
}

static int mem_close(void *stream, int err, sg_error *e)
{
	(void)stream;
	(void)e;
	return err;
}

int sg_walker_add_layer_from(sg_walker *w, const sg_walk_source *src, sg_error *e)
{
	int err;

	if (w->st.layers >= UINT32_MAX)
		return sg_err(e, SG_ETOOBIG, "too many layers");
	if ((err = stream(w, src, w->st.layers, NULL, 0, e)) < 0)
		return err;
	w->st.layers++;
	return 0;
}

int sg_walker_add_layer(sg_walker *w, const void *data, size_t len, sg_error *e)
{
	struct mem_stream m = { data, len, 0 };
	const sg_walk_source src = { mem_open, mem_read, mem_close, &m };

	return sg_walker_add_layer_from(w, &src, e);
}

/* ---- lookups ---- */

/* Resolves path within the image root. ENOTFOUND when a component is missing. */
static int resolve(const sg_walker *w, const char *path, int follow, struct wnode **out,
		   sg_error *e)
{
	char bufs[2][SG_WALK_PATH_MAX];
	struct wnode *cur = w->root, *n;
	const char *p, *q, *rest;
	int links = 0, which = 0;
	size_t len, tl;

	*out = NULL;
	if (strlen(path) >= SG_WALK_PATH_MAX)
		return sg_err(e, SG_EINVALID, "%s: path too long", path);
	memcpy(bufs[0], path, strlen(path) + 1);
	p = bufs[0];
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (q = p; *q && *q != '/'; q++)
			;
		len = (size_t)(q - p);
		for (rest = q; *rest == '/'; rest++)
			;
		if (len == 1 && *p == '.') {
			p = q;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			cur = cur->parent ? cur->parent : cur; /* ".." at the root stays there */
			p = q;
			continue;
		}
		if (cur->type != SG_WT_DIR || !(n = child_lookup(w, cur, p, len)))
			return SG_ENOTFOUND;
		if (n->type != SG_WT_SYMLINK || (!*rest && !follow)) {
			cur = n;
			p = q;
			continue;
		}
		if (++links > SG_WALK_MAX_LINKS)
			return sg_err(e, SG_EINVALID, "%s: too many levels of symbolic links", path);
		tl = strlen(n->link);
		if (tl + 1 + strlen(rest) + 1 > SG_WALK_PATH_MAX)
			return sg_err(e, SG_EINVALID, "%s: path too long after links", path);
		which ^= 1;
		memcpy(bufs[which], n->link, tl);
		bufs[which][tl] = '/';
		memmove(bufs[which] + tl + 1, rest, strlen(rest) + 1);
		if (n->link[0] == '/')
			cur = w->root;
		p = bufs[which];
	}
	*out = cur;
	return 0;
}

int sg_walker_stat(const sg_walker *w, const char *path, int follow, sg_wstat *st, char **real,
		   sg_error *e)
{
	struct wnode *n;
	int err;

	if (real)
		*real = NULL;
	if ((err = resolve(w, path, follow, &n, e)) < 0)
		return err;
	memset(st, 0, sizeof(*st));
	st->type = (sg_wtype)n->type;
	st->layer = n->layer;
	st->size = n->size;
	st->link = n->type == SG_WT_SYMLINK ? n->link : NULL;
	st->hashed = !!(n->flags & F_HASHED);
	memcpy(st->sha1, n->sha1, sizeof(st->sha1));
	memcpy(st->sha256, n->sha256, sizeof(st->sha256));
	if (real && !(*real = node_path(n)))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

int sg_walker_read(const sg_walker *w, const char *path, const unsigned char **data, size_t *len,
		   size_t *layer, sg_error *e)
{
	struct wnode *n;
	int err;

	*data = NULL;
	*len = 0;
	if ((err = resolve(w, path, 1, &n, e)) < 0) {
		if (err == SG_ENOTFOUND)
			sg_err(e, SG_ENOTFOUND, "%s: not in the image", path);
		return err;
	}
	if (layer)
		*layer = n->layer;
	if (n->type != SG_WT_FILE)
		return sg_err(e, SG_EUNSUPPORTED, "%s: not a regular file", path);
	if (n->flags & F_TOOBIG)
		return sg_err(e, SG_ETOOBIG, "%s (layer %u): %lld bytes, over its cap", path,
			      n->layer, (long long)n->size);
	if (!(n->flags & F_BUFFERED))
		return sg_err(e, SG_EUNSUPPORTED, "%s (layer %u): content was not read", path,
			      n->layer);
	*data = n->data;
	*len = n->len;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sg_strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int sg_walker_list(const sg_walker *w, const char *dir, char ***names, size_t *n, sg_error *e)
{
	struct wnode *d, *c;
	char **v = NULL;
	size_t count = 0, i = 0;
	int err;

	*names = NULL;
	*n = 0;
	err = resolve(w, dir, 1, &d, e);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (d->type != SG_WT_DIR)
		return 0;
	for (c = d->child; c; c = c->next)
		count++;
	if (!count)
		return 0;
	if (!(v = calloc(count, sizeof(*v))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (c = d->child; c; c = c->next, i++) {
		if (!(v[i] = strndup(c->name, c->namelen))) {
			sg_strv_free(v, i);
			return sg_err(e, SG_ERROR, "out of memory");
		}
	}
	qsort(v, count, sizeof(*v), cmp_str);
	*names = v;
	*n = count;
	return 0;
}

int sg_walker_matches(const sg_walker *w, const char *pattern, char ***paths, size_t *n,
		      sg_error *e)
{
	char norm[SG_WALK_PATH_MAX], **v = NULL, **grown, *path = NULL;
	struct want wt;
	struct wnode *node;
	const char *base;
	size_t count = 0, cap = 0, i;
	int err = 0;

	*paths = NULL;
	*n = 0;
	if (normalize(norm, pattern) < 0 || !*norm)
		return sg_err(e, SG_EINVALID, "invalid pattern \"%s\"", pattern);
	if (want_parse(&wt, norm) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < w->tabcap && !err; i++) {
		for (node = w->tab[i]; node && !err; node = node->hnext) {
			if (!node->want || (node->type != SG_WT_FILE && node->type != SG_WT_SYMLINK))
				continue;
			if (!(path = node_path(node))) {
				err = SG_ERROR;
				break;
			}
			base = strrchr(path, '/');
			if (want_matches(&wt, path, base ? base + 1 : path)) {
				if (count == cap) {
					cap = cap ? cap * 2 : 64;
					if (!(grown = realloc(v, cap * sizeof(*grown)))) {
						err = SG_ERROR;
						break;
					}
					v = grown;
				}
				v[count++] = path;
				path = NULL;
			}
			free(path);
			path = NULL;
		}
	}
	free(path);
	free(wt.pattern);
	if (err < 0) {
		sg_strv_free(v, count);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	if (count)
		qsort(v, count, sizeof(*v), cmp_str);
	*paths = v;
	*n = count;
	return 0;
}

/* ---- second pass ---- */

static int add_req(struct req **reqs, size_t *nreqs, struct wnode *n, size_t max)
{
	struct req *grown;
	size_t i;

	if (n->type != SG_WT_FILE || (n->flags & (F_BUFFERED | F_TOOBIG)))
		return 0;
	for (i = 0; i < *nreqs; i++)
		if ((*reqs)[i].node == n)
			return 0;
	if (!(grown = realloc(*reqs, (*nreqs + 1) * sizeof(*grown))))
		return SG_ERROR;
	*reqs = grown;
	grown[*nreqs].node = n;
	grown[*nreqs].layer = n->layer;
	grown[*nreqs].max = max;
	grown[*nreqs].path = (n->flags & F_HARDLINK) ? strdup(n->link) : node_path(n);
	if (!grown[*nreqs].path)
		return SG_ERROR;
	(*nreqs)++;
	return 0;
}

/* Wanted files whose content is still missing: exact wants reached through symlinks,
 * wanted symlinks' targets, wanted hardlinks whose target was not kept. */
static int collect(sg_walker *w, struct req **reqs, size_t *nreqs, sg_error *e)
{
	struct wnode *n, *t;
	char *path;
	size_t i;
	int err;

	for (i = 0; i < w->nwants; i++) {
		if (!w->wants[i].exact || resolve(w, w->wants[i].pattern, 1, &t, e) < 0)
			continue;
		if (add_req(reqs, nreqs, t, w->wants[i].max) < 0)
			return sg_err(e, SG_ERROR, "out of memory");
	}
	for (i = 0; i < w->tabcap; i++) {
		for (n = w->tab[i]; n; n = n->hnext) {
			if (!n->want)
				continue;
			t = n;
			if (n->type == SG_WT_SYMLINK) {
				if (!(path = node_path(n)))
					return sg_err(e, SG_ERROR, "out of memory");
				err = resolve(w, path, 1, &t, e);
				free(path);
				if (err < 0)
					continue;
			}
			if (add_req(reqs, nreqs, t, w->wants[n->want - 1].max) < 0)
				return sg_err(e, SG_ERROR, "out of memory");
		}
	}
	sg_error_clear(e);
	return 0;
}

int sg_walker_finish_from(sg_walker *w, const sg_walk_source *src, sg_error *e)
{
	struct req *reqs = NULL;
	size_t nreqs = 0, i, layer;
	int err;

	if ((err = collect(w, &reqs, &nreqs, e)) < 0 || !nreqs || !src)
		goto done;
	for (layer = 0; layer < w->st.layers; layer++) {
		for (i = 0; i < nreqs && reqs[i].layer != layer; i++)
			;
		if (i == nreqs)
			continue;
		if ((err = stream(w, src, layer, reqs, nreqs, e)) < 0)
			goto done;
		w->st.reread_layers++;
	}
done:
	for (i = 0; i < nreqs; i++)
		free(reqs[i].path);
	free(reqs);
	return err;
}

/* sg_walker_finish's fetch function as a source: each layer fetched whole. */
struct fetch_src {
	sg_walk_fetch_fn fetch;
	void *arg;
	sg_buf blob;
	struct mem_stream m;
};

static int fetch_open(void *arg, size_t layer, void **stream, sg_error *e)
{
	struct fetch_src *f = arg;
	int err;

	sg_buf_release(&f->blob);
	if ((err = f->fetch(f->arg, layer, &f->blob, e)) < 0)
		return err;
	f->m.data = f->blob.data;
	f->m.len = f->blob.len;
	f->m.done = 0;
	*stream = &f->m;
	return 0;
}

int sg_walker_finish(sg_walker *w, sg_walk_fetch_fn fetch, void *arg, sg_error *e)
{
	struct fetch_src f = { fetch, arg, SG_BUF_INIT(0), { NULL, 0, 0 } };
	const sg_walk_source src = { fetch_open, mem_read, mem_close, &f };
	int err = sg_walker_finish_from(w, fetch ? &src : NULL, e);

	sg_buf_release(&f.blob);
	return err;
}

/* ---- life cycle ---- */

int sg_walker_new(sg_walker **out, const sg_walk_opts *opts, sg_error *e)
{
	sg_walker *w = calloc(1, sizeof(*w));
	int err = SG_ERROR;

	*out = NULL;
	if (!w)
		return sg_err(e, SG_ERROR, "out of memory");
	if (opts)
		w->o = *opts;
	if (!w->o.total_max)
		w->o.total_max = SG_WALK_TOTAL_MAX;
	w->tabcap = 1024;
	if (!(w->tab = calloc(w->tabcap, sizeof(*w->tab))) ||
	    !(w->root = calloc(1, sizeof(*w->root) + 1)) || !(w->sha1 = EVP_MD_CTX_new()) ||
	    !(w->sha256 = EVP_MD_CTX_new())) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (!(w->md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) ||
	    !(w->md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
		err = sg_err(e, SG_ERROR, "SHA-1 or SHA-256 unavailable in OpenSSL");
		goto done;
	}
	w->root->type = SG_WT_DIR;
	*out = w;
	w = NULL;
	err = 0;
done:
	sg_walker_free(w);
	return err;
}

void sg_walker_free(sg_walker *w)
{
	size_t i;

	if (!w)
		return;
	if (w->root) {
		while (w->root->child)
			remove_node(w, w->root->child);
		free(w->root);
	}
	for (i = 0; i < w->nwants; i++)
		free(w->wants[i].pattern);
	free(w->wants);
	free(w->tab);
	EVP_MD_CTX_free(w->sha1);
	EVP_MD_CTX_free(w->sha256);
	EVP_MD_free(w->md_sha1);
	EVP_MD_free(w->md_sha256);
	free(w);
}

void sg_walker_stats(const sg_walker *w, sg_walk_stats *st)
{
	*st = w->st;
	st->buffered = w->buffered;
}
