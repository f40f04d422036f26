#ifndef SIGIL_SBOM_PROGRESS_H
#define SIGIL_SBOM_PROGRESS_H
/* sigil sbom's progress line on a terminal: "sbom: layer 2/3  45.1/120.3 MiB", rewritten in
 * place with \r at most ten times a second and cleared at the end. The command's side
 * (the core only reports, sbom.h sg_sbom_progress): only sbom.c uses it, and only when
 * stderr is a terminal and --quiet was not given. */
#include <stdio.h>
#include "sbom.h"

typedef struct sg_progress sg_progress;

/* A progress line on f (a terminal). NULL when out of memory: then nothing is shown. */
sg_progress *sg_progress_new(FILE *f);
/* Clears the line and frees p (NULL: no-op). */
void sg_progress_free(sg_progress *p);
/* sg_sbom_opts.progress (arg is the sg_progress): redraws, throttled. */
void sg_progress_update(void *arg, const sg_sbom_progress *s);
/* Prints line and a newline, the progress line cleared first (it comes back with the next
 * update). Safe from any thread (dir: warnings come from the pipe's). p may be NULL. */
void sg_progress_print(sg_progress *p, FILE *f, const char *line);
/* Clears the line (before the result or an error is printed). p may be NULL. */
void sg_progress_clear(sg_progress *p);

#endif
