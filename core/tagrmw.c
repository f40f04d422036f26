#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <sodium.h>
#include "tagrmw.h"
#include "store.h"
#include "err.h"
#include "banned.h"

#define MAX_MERGES 8
#define MIN_SETTLE_MS 50
#define SETTLE_CYCLES 3  /* wait this many of our own read-modify-write times */

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* merge, tried again when the registry refuses a write under concurrent writers to the same
 * tag (docker-registry 2.8 then answers 400 "digest did not match" or 5xx). */
static int merge_retry(sg_store *s, const char *tag, const sg_tagrmw_ops *ops, void *ud,
		       int first_time, int *added, size_t *count, sg_error *e)
{
	int tries, err;

	for (tries = 0;; tries++) {
		err = ops->merge(ud, s, tag, first_time, added, count, e);
		if (err != SG_ENET || tries == MAX_MERGES)
			return err;
		sleep_ms(MIN_SETTLE_MS + (long)randombytes_uniform(50u << (tries < 4 ? tries : 4)));
	}
}

int sg_tagrmw_add(sg_store *s, const char *tag, const sg_tagrmw_ops *ops, void *ud, int *added,
		  sg_error *e)
{
	int locked, err, merges = 0, present, seen = 0, needed = 1, again;
	size_t pushed = 0, count;
	long t0, settle;

	*added = 0;
	if ((locked = sg_store_lock(s, 1, e)) < 0)
		return locked;
	t0 = now_ms();
	err = locked ? ops->merge(ud, s, tag, 1, added, &pushed, e)
		     : merge_retry(s, tag, ops, ud, 1, added, &pushed, e);
	if (locked) {
		sg_store_lock(s, 0, NULL);
		return err;
	}
	if (err < 0 || !*added)
		return err;
	for (;;) {
		settle = SETTLE_CYCLES * (now_ms() - t0);
		if (settle < MIN_SETTLE_MS)
			settle = MIN_SETTLE_MS;
		sleep_ms(settle + (long)randombytes_uniform((uint32_t)settle + 1));
		if ((err = ops->check(ud, s, tag, &present, &count, e)) < 0)
			return err;
		if (present && count != pushed)
			needed = 2;
		pushed = count;
		if (present) {
			if (++seen >= needed)
				return 0;
			continue;
		}
		if (merges++ == MAX_MERGES)
			return sg_err(e, SG_ERROR, "%s:%s: the %s kept being overwritten by "
				      "concurrent writers; gave up after %d merges", s->name, tag,
				      ops->what, MAX_MERGES);
		needed = 2;
		seen = 0;
		t0 = now_ms();
		if ((err = merge_retry(s, tag, ops, ud, 0, &again, &pushed, e)) < 0)
			return err;
	}
}
