#ifndef SIGIL_SBOM_WALKER_H
#define SIGIL_SBOM_WALKER_H
/* The layer walker: streams an image's layer tars (gzip, zstd or plain) through libarchive,
 * bottom layer first, never extracting anything, and keeps the squashed view of the final
 * filesystem as a compact path tree (whiteouts and opaque directories applied, later layers
 * overriding earlier ones). Each node records the layer that last wrote it, its type, size,
 * symlink target and, for regular files, SHA-1 and SHA-256 of the content. Only the files
 * catalogers asked for (sg_walker_want) are kept in memory, each under a cap.
 *
 * Paths given to and returned by the walker are relative to the image root, without a
 * leading '/' ("etc/os-release"); lookups resolve symlinks inside the image root, so
 * "/etc/os-release -> ../usr/lib/os-release" and absolute targets stay in the image. */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct sg_error;

#define SG_WALK_FILE_MAX   (8u << 20)          /* default cap on one wanted file */
#define SG_WALK_TOTAL_MAX  (256u << 20)        /* all wanted files held at once */
#define SG_WALK_HASH_MAX   ((int64_t)4 << 30)  /* larger regular files are not hashed */
#define SG_WALK_SPARSE_HASH_MAX ((int64_t)64 << 20) /* nor larger sparse ones (holes are zeros
						    * to hash but cost nothing to send) */
#define SG_WALK_MAX_NODES  (8u << 20)          /* paths in the squashed view */
#define SG_WALK_MAX_UNPACKED ((int64_t)64 << 30) /* declared file sizes, whole image */
#define SG_WALK_PATH_MAX   4096
#define SG_WALK_MAX_LINKS  40                  /* symlinks followed in one lookup (ELOOP) */

typedef enum { SG_WT_DIR = 1, SG_WT_FILE, SG_WT_SYMLINK, SG_WT_OTHER } sg_wtype;

typedef struct sg_walk_opts {
	size_t total_max;  /* 0: SG_WALK_TOTAL_MAX */
	int no_hash;       /* 1: skip SHA-1/SHA-256 of regular files */
	/* Non-fatal findings (a "../" entry, a hardlink to nothing), one line each, naming the
	 * layer and path. May be NULL. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/* Called for every wanted file flagged SG_WANT_OBSERVE as soon as its content has been
	 * read in a layer, even if a later layer replaces or deletes it (package databases of
	 * every layer, for "which layer introduced this package"). data is borrowed. */
	void (*observe)(void *arg, const char *path, size_t layer, const unsigned char *data,
			size_t len);
	void *observe_arg;
	/* Streaming inspection of every regular file of every layer (the binary catalogers:
	 * nothing of these files is kept by the walker). See sg_walk_inspect. */
	const struct sg_walk_inspect *inspect;
} sg_walk_opts;

#define SG_WANT_OBSERVE 1u

#define SG_WALK_HEAD 64 /* bytes of a file given to sg_walk_inspect.begin */

/* Streaming inspection: one file at a time, in layer order, as each layer streams past,
 * whether or not a later layer replaces or deletes the file (the inspector keeps its
 * results by path and layer and checks them against the final view with sg_walker_stat).
 * Hardlink entries are not offered (their content was offered under the first name), nor
 * are files over max bytes, empty files, or entries of the second pass. */
typedef struct sg_walk_inspect {
	uint64_t max;  /* larger files are not offered (0: any size) */
	/* With the file's first bytes (SG_WALK_HEAD, fewer only when the file is shorter), its
	 * permission bits and declared size: 1 to be given the content, 0 to pass, < 0 to stop
	 * the walk (with e set). */
	int (*begin)(void *arg, const char *path, size_t layer, unsigned mode, int64_t size,
		     const unsigned char *head, size_t headlen, struct sg_error *e);
	/* The content from offset 0 in order, head included, sparse holes as zeros. */
	int (*data)(void *arg, const unsigned char *p, size_t n, struct sg_error *e);
	/* After the last byte (complete = 1), or when the entry could not be read to its end
	 * (complete = 0, and the walk fails). Called once after every begin that returned 1. */
	int (*end)(void *arg, int complete, struct sg_error *e);
	void *arg;
} sg_walk_inspect;

typedef struct sg_walker sg_walker;

/* New walker with no layers. opts may be NULL (defaults). */
int sg_walker_new(sg_walker **out, const sg_walk_opts *opts, struct sg_error *e);
void sg_walker_free(sg_walker *w);

/* Asks for the content of files matching pattern: an exact path, or an fnmatch(3) pattern
 * with FNM_PATHNAME ("usr/share/doc/ * /copyright" without the spaces). A pattern that
 * starts with "**" and '/' matches its rest at any depth: the rest is matched against the
 * path's last components, as many as it has ("**", '/', "*.dist-info/METADATA" matches
 * "usr/lib/python3/x.dist-info/METADATA"); "**" elsewhere is just '*'. Files larger than max
 * (0: SG_WALK_FILE_MAX) are indexed but not kept; reading them gives SG_ETOOBIG. Call
 * before the first layer. */
int sg_walker_want(sg_walker *w, const char *pattern, size_t max, unsigned flags,
		   struct sg_error *e);

/* Streams one layer blob (the next one up) into the squashed view. Errors name the layer
 * by its index; callers prefix the digest. */
int sg_walker_add_layer(sg_walker *w, const void *data, size_t len, struct sg_error *e);

/* Layer bytes that are not in memory (a blob streamed from a store, a directory packed on
 * the fly). open starts layer `layer` (*stream goes to read and close); read gives the next
 * bytes, borrowed until the next read: their count, 0 at the end, <0 with e set; close ends
 * the stream, told the walker's result so far (0, or <0 with e set), and returns the
 * result to report: it may replace e (a digest checked only after the last byte explains a
 * broken tar better than libarchive can). close is called once for every open that
 * succeeded. */
typedef struct sg_walk_source {
	int (*open)(void *arg, size_t layer, void **stream, struct sg_error *e);
	long (*read)(void *stream, const void **data, struct sg_error *e);
	int (*close)(void *stream, int err, struct sg_error *e);
	void *arg;
} sg_walk_source;

/* sg_walker_add_layer with the bytes from src, opened as the next layer's index. */
int sg_walker_add_layer_from(sg_walker *w, const sg_walk_source *src, struct sg_error *e);

/* Fills out with layer `layer`'s blob again (for the rare second pass). */
typedef int (*sg_walk_fetch_fn)(void *arg, size_t layer, sg_buf *out, struct sg_error *e);

/* After the last layer: wanted paths that are symlinks (or lie under directory symlinks)
 * whose targets were not read in the first pass are read now, by re-reading only the
 * layers that hold those targets through fetch. fetch may be NULL (then they stay unread). */
int sg_walker_finish(sg_walker *w, sg_walk_fetch_fn fetch, void *arg, struct sg_error *e);
/* The same, reading the layers again from src (may be NULL). */
int sg_walker_finish_from(sg_walker *w, const sg_walk_source *src, struct sg_error *e);

typedef struct sg_wstat {
	sg_wtype type;
	size_t layer;          /* index of the layer that last wrote the entry */
	int64_t size;
	const char *link;      /* symlink target (borrowed), NULL otherwise */
	int hashed;            /* sha1/sha256 valid */
	unsigned char sha1[20], sha256[32];
} sg_wstat;

/* Looks path up in the squashed view, following symlinks inside the image root (the last
 * component too when follow is set). SG_ENOTFOUND if absent or dangling, SG_EINVALID on a
 * symlink loop or a path too long. real (may be NULL) gets the resolved path (owned). */
int sg_walker_stat(const sg_walker *w, const char *path, int follow, sg_wstat *st, char **real,
		   struct sg_error *e);

/* The content of a wanted regular file (symlinks followed). *data is borrowed (valid until
 * sg_walker_free) and NUL-terminated. SG_ENOTFOUND if absent, SG_ETOOBIG if it was over
 * its cap, SG_EUNSUPPORTED if it is not a regular file or was never asked for. layer may
 * be NULL. */
int sg_walker_read(const sg_walker *w, const char *path, const unsigned char **data,
		   size_t *len, size_t *layer, struct sg_error *e);

/* The entries of directory dir (symlinks followed), names sorted bytewise. *names is an
 * owned array of owned strings (sg_strv_free); an absent directory gives 0 names. */
int sg_walker_list(const sg_walker *w, const char *dir, char ***names, size_t *n,
		   struct sg_error *e);
void sg_strv_free(char **v, size_t n);

/* The paths of the squashed view that matched a want and match pattern (same syntax as
 * sg_walker_want; usually the want's own pattern), sorted bytewise: regular files and
 * symlinks as the layers wrote them (read them with sg_walker_read, which follows links).
 * *paths is owned (sg_strv_free); no match gives 0 paths. */
int sg_walker_matches(const sg_walker *w, const char *pattern, char ***paths, size_t *n,
		      struct sg_error *e);

/* Counters for progress and tests. */
typedef struct sg_walk_stats {
	size_t layers;
	size_t nodes;          /* paths in the squashed view now */
	uint64_t entries;      /* tar entries read, all passes */
	uint64_t bytes;        /* uncompressed content bytes read */
	size_t buffered;       /* bytes of wanted files held now */
	size_t reread_layers;  /* layers read again by sg_walker_finish */
} sg_walk_stats;
void sg_walker_stats(const sg_walker *w, sg_walk_stats *st);

#endif
