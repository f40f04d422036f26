#ifndef SIGIL_BUF_H
#define SIGIL_BUF_H
#include <stddef.h>

/* A growable byte buffer with a hard size cap (curl's dynbuf). Always NUL-terminated
 * after data[len] so text can be used as a C string. */
typedef struct sg_buf {
	unsigned char *data;
	size_t len;
	size_t alloc;
	size_t max; /* cap on len; appends past it fail with SG_ETOOBIG */
} sg_buf;

#define SG_BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

/* Named size caps for every input. */
#define SG_MAX_MANIFEST   (4u << 20)    /* manifests, indexes: registries accept >= 4 MiB */
#define SG_MAX_KEYFILE    (64u << 10)
#define SG_MAX_PAYLOAD    (128u << 20)  /* cosign's default attachment cap */
#define SG_MAX_CONFIG     (8u << 20)
#define SG_MAX_HTTP_SMALL (1u << 20)    /* token responses, error bodies */
#define SG_MAX_LAYERS     1000          /* cosign's maxLayers */
#define SG_MAX_DOCKERCFG  (4u << 20)

void sg_buf_init(sg_buf *b, size_t max);
int sg_buf_append(sg_buf *b, const void *data, size_t len);
int sg_buf_puts(sg_buf *b, const char *s);
/* Makes room for n more bytes at once (fewer than n when max is nearer), so a large
 * document built piece by piece is not copied by realloc as it grows; its memory is
 * advised to use transparent huge pages (fewer page faults). */
int sg_buf_reserve(sg_buf *b, size_t n);
int sg_buf_printf(sg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sg_buf_reset(sg_buf *b);
void sg_buf_release(sg_buf *b);
/* A malloc'd formatted string (asprintf without _GNU_SOURCE); NULL on failure. */
char *sg_strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hands the data to the caller (NUL-terminated, may be NULL if empty); the buffer is reset. */
unsigned char *sg_buf_detach(sg_buf *b, size_t *len);

struct sg_error;
/* Reads a whole file (or stdin for "-") into b, failing with SG_ETOOBIG past b->max. */
int sg_read_file(sg_buf *b, const char *path, struct sg_error *e);
/* The same, refusing anything but a regular file (no FIFO, device or directory): for files
 * in places others control, such as an OCI layout. */
int sg_read_regular_file(sg_buf *b, const char *path, struct sg_error *e);
/* Writes data to path atomically and durably: temp file in the same directory, fsync,
 * rename (or link), fsync of the directory. mode applies.
 * With excl, fails with SG_EEXISTS if path exists. Without, an existing device or FIFO
 * (/dev/null) is written in place instead. */
int sg_write_file(const char *path, const void *data, size_t len, int mode, int excl,
		  struct sg_error *e);

/* Overflow-checked size arithmetic (git's st_add). Return 0 on overflow. */
int sg_add_ok(size_t a, size_t b, size_t *out);

/* Standard base64 with padding (what Go's []byte marshals to), via libsodium. */
int sg_b64_encode(sg_buf *out, const void *data, size_t len);
/* Strict decode (no whitespace). *out is malloc'd; SG_EINVALID on bad input. */
int sg_b64_decode(unsigned char **out, size_t *outlen, const char *s, size_t len,
		  struct sg_error *e);

#endif
