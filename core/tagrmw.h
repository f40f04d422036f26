#ifndef SIGIL_TAGRMW_H
#define SIGIL_TAGRMW_H
/* Adding one item to a collection that lives at a tag (a .sig/.att image, a referrers
 * fallback index), keeping every item others put there, even when several writers update
 * the tag at once:
 * - a store that can lock (an OCI layout) is locked around the read-modify-write;
 * - a registry cannot compare-and-swap a tag, so after writing, the tag is read again once
 *   the writers that may have read the old version have had time to finish (a multiple of
 *   the time our own read-modify-write took, with jitter); if our item is gone, it is merged
 *   into what is there now and written again, up to a bound. Once another writer has been
 *   seen (the collection changed under us), the item must be seen twice. */
#include <stddef.h>
struct sg_error;
struct sg_store;

typedef struct sg_tagrmw_ops {
	/* Reads the collection at tag (absent: empty), adds the item unless an equal one is
	 * there (dedupe: may use caller-specific rules, first_time is 1 on the first merge),
	 * writes it back if it changed. *added 1 if written, 0 if the item was already there;
	 * *count the number of items afterwards. */
	int (*merge)(void *ud, struct sg_store *s, const char *tag, int first_time, int *added,
		     size_t *count, struct sg_error *e);
	/* Reads the collection at tag: *present whether our item is in it (exactly as written),
	 * *count how many items it holds (0 when absent). */
	int (*check)(void *ud, struct sg_store *s, const char *tag, int *present, size_t *count,
		     struct sg_error *e);
	const char *what; /* "signature", "referrer": for messages */
} sg_tagrmw_ops;

/* *added 1 if the item was added, 0 if an equal one was already there. */
int sg_tagrmw_add(struct sg_store *s, const char *tag, const sg_tagrmw_ops *ops, void *ud,
		  int *added, struct sg_error *e);
#endif
