#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cache.h"
#include "banned.h"

#define NBUCKETS 4096

struct entry {
	struct entry *next;
	char *key;
	uint64_t hash;
	int pending;        /* being computed; waiters sleep on c->done */
	long expires;       /* monotonic ms */
	sg_cached v;
};

struct sg_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct entry *buckets[NBUCKETS];
	size_t n, max;
	long ok_ttl, fail_ttl;
};

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void sg_cached_release(sg_cached *v)
{
	free(v->value);
	free(v->message);
	memset(v, 0, sizeof(*v));
}

static int copy(sg_cached *dst, const sg_cached *src)
{
	*dst = *src;
	dst->value = dst->message = NULL;
	if ((src->value && !(dst->value = strdup(src->value))) ||
	    (src->message && !(dst->message = strdup(src->message)))) {
		sg_cached_release(dst);
		return -1;
	}
	return 0;
}

static void deny_oom(sg_cached *v)
{
	memset(v, 0, sizeof(*v));
	v->message = NULL; /* the caller reports "out of memory" */
}

int sg_cache_new(sg_cache **out, long ok_ttl_ms, long fail_ttl_ms, size_t max_entries)
{
	sg_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->done, NULL);
	c->ok_ttl = ok_ttl_ms;
	c->fail_ttl = fail_ttl_ms;
	c->max = max_entries ? max_entries : 1;
	*out = c;
	return 0;
}

static void entry_free(struct entry *en)
{
	sg_cached_release(&en->v);
	free(en->key);
	free(en);
}

/* Drops expired entries; if still over max, drops finished entries until under. Locked. */
static void evict(sg_cache *c)
{
	long now = now_ms();
	size_t i;
	int pass;

	for (pass = 0; pass < 2 && c->n >= c->max; pass++) {
		for (i = 0; i < NBUCKETS && c->n >= c->max; i++) {
			struct entry **pp = &c->buckets[i];

			while (*pp) {
				struct entry *en = *pp;

				if (!en->pending && (pass == 1 || en->expires <= now)) {
					*pp = en->next;
					entry_free(en);
					c->n--;
				} else {
					pp = &en->next;
				}
			}
		}
	}
}

int sg_cache_get(sg_cache *c, const char *key, sg_cache_compute_fn fn, void *arg, sg_cached *out,
		 int *hit)
{
	uint64_t h = fnv1a(key);
	struct entry *en, **slot = &c->buckets[h % NBUCKETS];
	sg_cached fresh = { 0 };
	int err;

	*hit = 0;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		for (en = *slot; en; en = en->next)
			if (en->hash == h && !strcmp(en->key, key))
				break;
		if (!en || !en->pending)
			break;
		pthread_cond_wait(&c->done, &c->lock); /* someone computes it: wait */
		*hit = 1;
	}
	if (en && en->expires > now_ms()) {
		err = copy(out, &en->v);
		pthread_mutex_unlock(&c->lock);
		*hit = 1;
		if (err < 0)
			deny_oom(out);
		return err;
	}
	if (!en) {
		if (c->n >= c->max)
			evict(c);
		if (!(en = calloc(1, sizeof(*en))) || !(en->key = strdup(key))) {
			free(en);
			pthread_mutex_unlock(&c->lock);
			deny_oom(out);
			return -1;
		}
		en->hash = h;
		en->next = *slot;
		*slot = en;
		c->n++;
	}
	en->pending = 1;
	pthread_mutex_unlock(&c->lock);

	*hit = 0;
	err = fn(arg, &fresh);

	pthread_mutex_lock(&c->lock);
	sg_cached_release(&en->v);
	en->v = fresh;
	en->pending = 0;
	/* a failed computation is not remembered */
	en->expires = err < 0 ? 0 : now_ms() + (fresh.ok ? c->ok_ttl : c->fail_ttl);
	if (err == 0)
		err = copy(out, &en->v);
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
	if (err < 0)
		deny_oom(out);
	return err;
}

void sg_cache_clear(sg_cache *c)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < NBUCKETS; i++) {
		struct entry **pp = &c->buckets[i];

		while (*pp) {
			struct entry *en = *pp;

			if (en->pending) {
				pp = &en->next;
				continue;
			}
			*pp = en->next;
			entry_free(en);
			c->n--;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

size_t sg_cache_size(sg_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void sg_cache_free(sg_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < NBUCKETS; i++) {
		while (c->buckets[i]) {
			struct entry *en = c->buckets[i];

			c->buckets[i] = en->next;
			entry_free(en);
		}
	}
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->done);
	free(c);
}
