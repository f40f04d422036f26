/* The progress line (progress.h). One mutex keeps the line and warnings from the pipe's
 * thread (dir:) from interleaving on the terminal. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "progress.h"
#include "banned.h"

#define MIB (1024.0 * 1024.0)
#define INTERVAL_NS 100000000L /* at most ten redraws a second */

struct sg_progress {
	pthread_mutex_t mu;
	FILE *f;
	size_t shown;          /* width of the line on the terminal; 0: none */
	struct timespec last;  /* when it was drawn */
	size_t layer;          /* what it showed */
	int again;
};

sg_progress *sg_progress_new(FILE *f)
{
	sg_progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	p->f = f;
	return p;
}

/* Overwrites the line with blanks; the caller holds mu. */
static void clear_locked(sg_progress *p)
{
	if (!p->shown)
		return;
	fprintf(p->f, "\r%*s\r", (int)p->shown, "");
	fflush(p->f);
	p->shown = 0;
}

void sg_progress_clear(sg_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	clear_locked(p);
	pthread_mutex_unlock(&p->mu);
}

void sg_progress_free(sg_progress *p)
{
	if (!p)
		return;
	sg_progress_clear(p);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static long elapsed_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

void sg_progress_update(void *arg, const sg_sbom_progress *s)
{
	sg_progress *p = arg;
	struct timespec now;
	char line[128];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&p->mu);
	/* a new layer is shown at once; bytes within one at most every INTERVAL_NS */
	if (p->shown && s->layer == p->layer && s->again == p->again &&
	    elapsed_ns(&p->last, &now) < INTERVAL_NS)
		goto done;
	if (s->total)
		n = snprintf(line, sizeof(line), "sbom: layer %zu/%zu  %.1f/%.1f MiB", s->layer + 1,
			     s->nlayers, (double)s->done / MIB, (double)s->total / MIB);
	else
		n = snprintf(line, sizeof(line), "sbom: layer %zu/%zu%s  %.1f MiB", s->layer + 1,
			     s->nlayers, s->again ? " again" : "", (double)s->done / MIB);
	if (n < 0)
		goto done;
	/* blanks over what a longer previous line left */
	fprintf(p->f, "\r%s%*s", line, p->shown > (size_t)n ? (int)(p->shown - (size_t)n) : 0, "");
	fflush(p->f);
	p->shown = p->shown > (size_t)n ? p->shown : (size_t)n;
	p->last = now;
	p->layer = s->layer;
	p->again = s->again;
done:
	pthread_mutex_unlock(&p->mu);
}

void sg_progress_print(sg_progress *p, FILE *f, const char *line)
{
	if (p) {
		pthread_mutex_lock(&p->mu);
		clear_locked(p);
	}
	fprintf(f, "%s\n", line);
	if (p)
		pthread_mutex_unlock(&p->mu);
}
