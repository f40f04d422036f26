/* The producer-thread pipe (pipe.h). Slots are handed over whole: the producer fills slot
 * head % SLOTS, publishes it (head++), and waits while every slot is full or held; the
 * reader holds slot tail % SLOTS until its next read, then releases it (tail++).
 *
 * Why a thread: curl pushes a body through a write callback while libarchive pulls through
 * a read callback; one of them has to run elsewhere. The thread also inflates gzip, so
 * inflating and the walker's tar parsing and hashing overlap on two cores. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <openssl/evp.h>
#ifdef SG_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include "pipe.h"
#include "err.h"
#include "banned.h"

enum { G_START, G_RAW, G_INFLATE, G_NEXT, G_TRAIL, G_FAILED };

#define SLOTS_ALIGN ((size_t)2 << 20) /* a huge page */

struct sg_pipe {
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	unsigned char *slots;   /* the SG_PIPE_SLOTS slots, one block */
	unsigned char *slot[SG_PIPE_SLOTS];
	size_t fill[SG_PIPE_SLOTS];
	uint64_t head, tail;    /* slots published, slots released */
	int holding;            /* the reader holds slot tail */
	int done, cancel;       /* the producer returned; the reader is gone */
	int perr;               /* the producer's result, valid once done */
	sg_error pe;

	/* the producer's side */
	sg_pipe_produce_fn fn;
	void *arg;
	unsigned flags;
	unsigned char *cur;     /* the slot being filled, NULL if none */
	size_t curlen;
	int gz;                 /* G_* */
	unsigned char magic[2]; /* the first bytes, until we know what the stream is */
	size_t nmagic;
	int gz_err;             /* G_FAILED: the inflate error, reported at the end */
	sg_error gz_e;
	EVP_MD_CTX *out_md;
	unsigned char out_sha[32];
#ifdef SG_HAVE_ISAL
	struct inflate_state inf;
#endif
};

int sg_pipe_fast_gunzip(void)
{
#ifdef SG_HAVE_ISAL
	return 1;
#else
	return 0;
#endif
}

/* ---- the producer's side ---- */

/* A slot to fill; waits while none is free. */
static int slot_get(sg_pipe *p, sg_error *e)
{
	int cancel;

	if (p->cur)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->head - p->tail >= SG_PIPE_SLOTS && !p->cancel)
		pthread_cond_wait(&p->can_put, &p->mu);
	cancel = p->cancel;
	if (!cancel) {
		p->cur = p->slot[p->head % SG_PIPE_SLOTS];
		p->curlen = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return cancel ? sg_err(e, SG_ERROR, "the reader stopped") : 0;
}

static int slot_put(sg_pipe *p, sg_error *e)
{
	if (!p->cur || !p->curlen)
		return 0;
	if (p->out_md && EVP_DigestUpdate(p->out_md, p->cur, p->curlen) != 1)
		return sg_err(e, SG_ERROR, "digest update failed");
	pthread_mutex_lock(&p->mu);
	p->fill[p->head % SG_PIPE_SLOTS] = p->curlen;
	p->head++;
	pthread_cond_signal(&p->can_get);
	pthread_mutex_unlock(&p->mu);
	p->cur = NULL;
	return 0;
}

/* Copies bytes into slots as they are. */
static int emit(sg_pipe *p, const unsigned char *data, size_t len, sg_error *e)
{
	size_t k;
	int err;

	while (len) {
		if ((err = slot_get(p, e)) < 0)
			return err;
		k = SG_PIPE_SLOT - p->curlen < len ? SG_PIPE_SLOT - p->curlen : len;
		memcpy(p->cur + p->curlen, data, k);
		p->curlen += k;
		data += k;
		len -= k;
		if (p->curlen == SG_PIPE_SLOT && (err = slot_put(p, e)) < 0)
			return err;
	}
	return 0;
}

#ifdef SG_HAVE_ISAL
static void member_start(sg_pipe *p)
{
	isal_inflate_reset(&p->inf);
	p->inf.crc_flag = ISAL_GZIP; /* parses the header, checks CRC-32 in the trailer */
	p->gz = G_INFLATE;
}

/* Inflates into slots; with last set, also what ISA-L still holds. Leaves unread input in
 * p->inf (after a member's end). */
static int inflate_some(sg_pipe *p, const unsigned char *data, size_t len, sg_error *e)
{
	size_t room;
	int r, err;

	p->inf.next_in = (uint8_t *)(uintptr_t)data;
	p->inf.avail_in = (uint32_t)len;
	for (;;) {
		if ((err = slot_get(p, e)) < 0)
			return err;
		room = SG_PIPE_SLOT - p->curlen;
		p->inf.next_out = p->cur + p->curlen;
		p->inf.avail_out = (uint32_t)room;
		r = isal_inflate(&p->inf);
		p->curlen += room - p->inf.avail_out;
		if (r < 0)
			return sg_err(e, SG_EINVALID, "gzip: %s", r == ISAL_INCORRECT_CHECKSUM
				      ? "CRC mismatch" : r == ISAL_INVALID_WRAPPER
				      ? "bad header" : "corrupt deflate data");
		if (p->curlen == SG_PIPE_SLOT && (err = slot_put(p, e)) < 0)
			return err;
		if (p->inf.block_state == ISAL_BLOCK_FINISH) {
			p->gz = G_NEXT;
			return 0;
		}
		/* all input taken and the output not full: ISA-L wants more input */
		if (!p->inf.avail_in && p->inf.avail_out)
			return 0;
	}
}
#endif

/* Collects the first two bytes of a stream (G_START) or of what follows a gzip member
 * (G_NEXT); 0 while there are fewer. */
static int take_magic(sg_pipe *p, const unsigned char **data, size_t *len)
{
	while (*len && p->nmagic < 2) {
		p->magic[p->nmagic++] = **data;
		(*data)++;
		(*len)--;
	}
	return p->nmagic == 2;
}

/* Decides what the stream (or what follows a member) is, once its first two bytes are in:
 * gzip is inflated; a stream that is not gzip passes through (libarchive reads zstd and
 * plain tars); bytes after the last member are dropped, as libarchive drops them (the
 * blob's digest covers them all the same). */
static int classify(sg_pipe *p, sg_error *e)
{
	int gzip = p->magic[0] == 0x1f && p->magic[1] == 0x8b, err = 0;

	p->nmagic = 0;
	if (!gzip) {
		p->gz = p->gz == G_START ? G_RAW : G_TRAIL;
		return p->gz == G_RAW ? emit(p, p->magic, 2, e) : 0;
	}
#ifdef SG_HAVE_ISAL
	member_start(p);
	err = inflate_some(p, p->magic, 2, e);
#endif
	return err;
}

/* Corrupt gzip: nothing more for the reader, but the producer reads on, so a blob's digest
 * is still checked: a digest mismatch explains corruption better, and wins. */
static int gz_fail(sg_pipe *p, int err, sg_error *e)
{
	if (err != SG_EINVALID) /* the reader stopped, or out of memory */
		return err;
	p->gz = G_FAILED;
	p->gz_err = err;
	if (e)
		p->gz_e = *e;
	return 0;
}

static int pipe_sink(void *arg, const void *vdata, size_t len, sg_error *e)
{
	sg_pipe *p = arg;
	const unsigned char *data = vdata;
	int err;

	while (len) {
		switch (p->gz) {
		case G_START:
		case G_NEXT:
			if (!take_magic(p, &data, &len))
				return 0;
			if ((err = classify(p, e)) < 0)
				return gz_fail(p, err, e);
			break;
		case G_RAW:
			return emit(p, data, len, e);
#ifdef SG_HAVE_ISAL
		case G_INFLATE:
			if ((err = inflate_some(p, data, len, e)) < 0)
				return gz_fail(p, err, e);
			data += len - p->inf.avail_in;
			len = p->inf.avail_in;
			break;
#endif
		default: /* G_TRAIL, G_FAILED */
			return 0;
		}
	}
	return 0;
}

/* After the producer's last byte: what is still held, and the checks only the end allows. */
static int pipe_end(sg_pipe *p, sg_error *e)
{
	unsigned len;
	int err;

	if (p->gz == G_FAILED) {
		if (e)
			*e = p->gz_e;
		return p->gz_err;
	}
	if (p->gz == G_START && p->nmagic && (err = emit(p, p->magic, p->nmagic, e)) < 0)
		return err;
#ifdef SG_HAVE_ISAL
	if (p->gz == G_INFLATE) {
		if ((err = inflate_some(p, NULL, 0, e)) < 0)
			return err;
		if (p->gz == G_INFLATE)
			return sg_err(e, SG_EINVALID, "gzip: truncated stream");
	}
#endif
	if ((err = slot_put(p, e)) < 0)
		return err;
	if (p->out_md && EVP_DigestFinal_ex(p->out_md, p->out_sha, &len) != 1)
		return sg_err(e, SG_ERROR, "digest finalisation failed");
	return 0;
}

static void *producer(void *arg)
{
	sg_pipe *p = arg;
	int err;

	if ((err = p->fn(p->arg, pipe_sink, p, &p->pe)) >= 0)
		err = pipe_end(p, &p->pe);
	pthread_mutex_lock(&p->mu);
	p->perr = err < 0 ? err : 0;
	p->done = 1;
	pthread_cond_signal(&p->can_get);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- the reader's side ---- */

static void pipe_free(sg_pipe *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->cancel = 1;
		pthread_cond_broadcast(&p->can_put);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->can_put);
	pthread_cond_destroy(&p->can_get);
	free(p->slots);
	EVP_MD_CTX_free(p->out_md);
	free(p);
}

int sg_pipe_start(sg_pipe **out, sg_pipe_produce_fn fn, void *arg, unsigned flags, sg_error *e)
{
	sg_pipe *p = calloc(1, sizeof(*p));
	size_t i;
	int err = 0;

	*out = NULL;
	if (!p)
		return sg_err(e, SG_ERROR, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->can_put, NULL);
	pthread_cond_init(&p->can_get, NULL);
	p->fn = fn;
	p->arg = arg;
	p->flags = flags;
	p->gz = (flags & SG_PIPE_GUNZIP) && sg_pipe_fast_gunzip() ? G_START : G_RAW;
#ifdef SG_HAVE_ISAL
	isal_inflate_init(&p->inf);
#endif
	/* one block on a huge page boundary, backed by one transparent huge page where the
	 * system allows (a hint): not 512 page faults of 12-25 us each in a VM, every layer */
	if (posix_memalign((void **)&p->slots, SLOTS_ALIGN, SG_PIPE_SLOTS * SG_PIPE_SLOT) != 0) {
		p->slots = NULL;
		err = sg_err(e, SG_ERROR, "out of memory");
	} else {
#ifdef MADV_HUGEPAGE
		(void)madvise(p->slots, SG_PIPE_SLOTS * SG_PIPE_SLOT, MADV_HUGEPAGE);
#endif
		for (i = 0; i < SG_PIPE_SLOTS; i++)
			p->slot[i] = p->slots + i * SG_PIPE_SLOT;
	}
	if (!err && (flags & SG_PIPE_HASH_OUT) &&
	    (!(p->out_md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(p->out_md, EVP_sha256(), NULL) != 1))
		err = sg_err(e, SG_ERROR, "digest initialisation failed");
	if (!err && pthread_create(&p->th, NULL, producer, p) != 0)
		err = sg_err(e, SG_ERROR, "cannot start a thread");
	if (err < 0) {
		pipe_free(p);
		return err;
	}
	p->started = 1;
	*out = p;
	return 0;
}

long sg_pipe_read(sg_pipe *p, const void **data, sg_error *e)
{
	long n;

	*data = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->holding) {
		p->tail++;
		p->holding = 0;
		pthread_cond_signal(&p->can_put);
	}
	while (p->head == p->tail && !p->done)
		pthread_cond_wait(&p->can_get, &p->mu);
	if (p->head != p->tail) {
		*data = p->slot[p->tail % SG_PIPE_SLOTS];
		n = (long)p->fill[p->tail % SG_PIPE_SLOTS];
		p->holding = 1;
	} else {
		n = p->perr;
		if (n < 0 && e)
			*e = p->pe;
	}
	pthread_mutex_unlock(&p->mu);
	return n;
}

int sg_pipe_close(sg_pipe *p, int err, char out_digest[SG_DIGEST_MAX], int *producer_failed,
		  sg_error *e)
{
	const void *data;
	long n;

	if (producer_failed)
		*producer_failed = 0;
	if (!p)
		return err;
	if (err == 0 || err == SG_EINVALID) {
		sg_error pe = { 0 };

		while ((n = sg_pipe_read(p, &data, &pe)) > 0)
			;
		if (n < 0) {
			if (e)
				*e = pe;
			err = (int)n;
			if (producer_failed)
				*producer_failed = 1;
		}
	}
	if (!err && out_digest) {
		memcpy(out_digest, "sha256:", 7);
		sg_hex(out_digest + 7, p->out_sha, sizeof(p->out_sha));
	}
	pipe_free(p);
	return err;
}
