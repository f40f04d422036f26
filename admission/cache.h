#ifndef SIGIL_ADMISSION_CACHE_H
#define SIGIL_ADMISSION_CACHE_H
/* A thread-safe TTL cache with single flight: concurrent lookups of one key while it is being
 * computed wait for that computation instead of starting their own, so N reviews of one
 * image fetch its signatures once. Successes and failures have separate TTLs. */
#include <stddef.h>

typedef struct sg_cache sg_cache;

/* What is cached: a decision about one key (an image resolution or a verdict). */
typedef struct sg_cached {
	int ok;           /* decides the TTL: ok_ttl when 1, fail_ttl when 0 */
	int allowed, warn;
	char *value;      /* a digest, or NULL */
	char *message;    /* why denied / warned, or NULL */
} sg_cached;

/* Fills *out (fresh strings); returns 0, or <0 out of memory (then *out is a denial). */
typedef int (*sg_cache_compute_fn)(void *arg, sg_cached *out);

int sg_cache_new(sg_cache **out, long ok_ttl_ms, long fail_ttl_ms, size_t max_entries);
void sg_cache_free(sg_cache *c);
/* The cached decision for key, computing it with fn (once, whoever asks concurrently) when
 * absent or expired. *out gets copies (release with sg_cached_release). *hit says whether it
 * came from the cache (or from another caller's computation in flight). A failure to
 * compute or copy is a denial, never an allowance. */
int sg_cache_get(sg_cache *c, const char *key, sg_cache_compute_fn fn, void *arg, sg_cached *out,
		 int *hit);
void sg_cached_release(sg_cached *v);
/* Drops every entry (after a policy reload the keys change anyway; this frees memory). */
void sg_cache_clear(sg_cache *c);
size_t sg_cache_size(sg_cache *c);
#endif
