#ifndef SIGIL_SBOM_H
#define SIGIL_SBOM_H
/* sigil sbom: an SPDX 2.3 document for a container image, from its layers streamed through
 * the walker (walker.h) and the catalogers (catalog.h). */
#include <stdint.h>
#include "buf.h"
#include "catalog.h"

struct sg_ctx;
struct sg_ref;
struct sg_error;

#define SG_SBOM_MAX_LAYER ((uint64_t)1 << 40) /* one layer blob (streamed, never held) */
#define SG_SBOM_MAX_DOC   ((size_t)1 << 30) /* the document written */

enum { SG_SBOM_SPDX_JSON = 0, SG_SBOM_CYCLONEDX_JSON = 1 };

/* Where the layer reads are (sg_sbom_opts.progress). */
typedef struct sg_sbom_progress {
	size_t layer, nlayers; /* the layer being read (0-based), of how many */
	int again;             /* the second pass (walker.h sg_walker_finish) re-reads it */
	uint64_t done;         /* bytes of layer blobs read so far, as stored (compressed),
				* this pass */
	uint64_t total;        /* all the image's layer blobs (first pass); 0 when unknown */
} sg_sbom_progress;

typedef struct sg_sbom_opts {
	/* The platform to pick from a multi-arch index (manifest.h); NULL: linux/<the host's
	 * architecture>. A single manifest must match when one is given (the user asked). */
	const struct sg_platform *platform;
	const char *created;    /* RFC 3339 UTC, e.g. from SOURCE_DATE_EPOCH */
	int format;             /* SG_SBOM_SPDX_JSON (0) or SG_SBOM_CYCLONEDX_JSON */
	int all_layers;         /* --scope all-layers: the packages of every layer's view, also
				 * those a later layer deleted or replaced (catalog.h, layers.c);
				 * 0: squashed, the final filesystem's */
	sg_warn_fn warn;        /* non-fatal findings, one line each; may be NULL */
	void *warn_arg;
	/* Called as layer bytes are read (when a layer starts and then per chunk the walker
	 * takes), on the thread that called sg_sbom_generate*; may be NULL. */
	void (*progress)(void *arg, const sg_sbom_progress *p);
	void *progress_arg;
} sg_sbom_opts;

/* Generates the SPDX JSON document for ref into out (out->max caps it). */
int sg_sbom_generate(sg_buf *out, struct sg_ctx *ctx, const struct sg_ref *ref,
		     const sg_sbom_opts *o, struct sg_error *e);
/* The same for any IMAGE argument (input.h: references, dir:, docker-archive:); ctx is
 * used for references only. */
struct sg_sbom_input;
int sg_sbom_generate_input(sg_buf *out, struct sg_ctx *ctx, const struct sg_sbom_input *in,
			   const sg_sbom_opts *o, struct sg_error *e);

/* The architecture name OCI uses for this host ("amd64", "arm64", ...). */
const char *sg_sbom_host_arch(void);

int cmd_sbom(int argc, char **argv);

#endif
