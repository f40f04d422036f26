#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "buf.h"
#include "err.h"
#include "banned.h"

void sg_buf_init(sg_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->max = max;
}

int sg_add_ok(size_t a, size_t b, size_t *out)
{
	if (a > (size_t)-1 - b)
		return 0;
	*out = a + b;
	return 1;
}

static int grow(sg_buf *b, size_t need)
{
	size_t want, newlen;
	unsigned char *p;

	if (!sg_add_ok(b->len, need, &newlen) || newlen > b->max)
		return SG_ETOOBIG;
	if (newlen + 1 <= b->alloc)
		return 0;
	want = b->alloc ? b->alloc : 256;
	while (want < newlen + 1)
		want = want > ((size_t)-1) / 2 ? newlen + 1 : want * 2;
	p = realloc(b->data, want);
	if (!p)
		return SG_ERROR;
	b->data = p;
	b->alloc = want;
	return 0;
}

int sg_buf_append(sg_buf *b, const void *data, size_t len)
{
	int err;

	if ((err = grow(b, len)) < 0)
		return err;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

int sg_buf_reserve(sg_buf *b, size_t n)
{
	size_t room = b->max > b->len ? b->max - b->len : 0;
	uintptr_t lo, hi;
	int err;

	if ((err = grow(b, n < room ? n : room)) < 0)
		return err;
#ifdef MADV_HUGEPAGE
	/* a hint for a large buffer about to be filled: transparent huge pages where the
	 * system allows, one page fault per 2 MiB instead of 512 (each 12-25 us in a VM) */
	lo = ((uintptr_t)b->data + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	hi = ((uintptr_t)b->data + b->alloc) & ~(HUGE_PAGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, (size_t)(hi - lo), MADV_HUGEPAGE);
#else
	(void)lo;
	(void)hi;
#endif
	return 0;
}

int sg_buf_puts(sg_buf *b, const char *s)
{
	return sg_buf_append(b, s, strlen(s));
}

int sg_buf_printf(sg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SG_ERROR;
	if ((err = grow(b, (size_t)n)) < 0)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *sg_strprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void sg_buf_reset(sg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void sg_buf_release(sg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

unsigned char *sg_buf_detach(sg_buf *b, size_t *len)
{
	unsigned char *p = b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->alloc = 0;
	return p;
}

static int read_file(sg_buf *b, const char *path, int regular_only, sg_error *e)
{
	int fd, own = 0, err = 0;
	unsigned char chunk[65536];
	ssize_t n;

	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else {
		struct stat st;

		/* O_NONBLOCK: a FIFO planted where a file should be must not hang us */
		fd = open(path, O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0));
		if (fd < 0)
			return sg_err(e, errno == ENOENT ? SG_ENOTFOUND : SG_EIO, "%s: %s", path,
				      strerror(errno));
		own = 1;
		if (regular_only && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			close(fd);
			return sg_err(e, SG_EINVALID, "%s: not a regular file", path);
		}
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (sg_buf_append(b, chunk, (size_t)n) < 0) {
			err = sg_err(e, SG_ETOOBIG, "%s: larger than the %zu-byte limit", path, b->max);
			break;
		}
	}
	sodium_memzero(chunk, sizeof(chunk));
	if (own)
		close(fd);
	if (!err && !b->data)
		sg_buf_append(b, "", 0);
	return err;
}

int sg_read_file(sg_buf *b, const char *path, sg_error *e)
{
	return read_file(b, path, 0, e);
}

int sg_read_regular_file(sg_buf *b, const char *path, sg_error *e)
{
	return read_file(b, path, 1, e);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A device or FIFO (-o /dev/null, /dev/stdout, a named pipe) is written in place: renaming
 * a temp file over it would replace the node itself (as root, /dev/null with a file). */
static int write_special(const char *path, const void *data, size_t len, sg_error *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY), err = 0;

	if (fd < 0)
		return sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	if (write_all(fd, data, len) < 0)
		err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	if (close(fd) < 0 && !err)
		err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	return err;
}

/* Makes a rename or link into path's directory durable. Best effort: a file system that
 * cannot sync a directory (EINVAL) has nothing more to offer. */
static int sync_dir(const char *path, sg_error *e)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd, err = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return 0;
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	close(fd);
	return err;
}

int sg_write_file(const char *path, const void *data, size_t len, int mode, int excl, sg_error *e)
{
	char tmp[4096];
	struct stat st;
	int fd, n, err = 0;

	if (!excl && stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return write_special(path, data, len, e);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%08x", path, (long)getpid(), randombytes_random());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return sg_err(e, SG_EINVALID, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	if (fchmod(fd, (mode_t)mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		goto done;
	}
	if (close(fd) < 0) {
		err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (excl) {
		/* link() fails if path exists: no window where a file is overwritten. */
		if (link(tmp, path) < 0)
			err = sg_err(e, errno == EEXIST ? SG_EEXISTS : SG_EIO, "%s: %s", path,
				     errno == EEXIST ? "already exists (use --force to overwrite)"
						     : strerror(errno));
	} else if (rename(tmp, path) < 0) {
		err = sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	}
done:
	unlink(tmp);
	if (!err)
		err = sync_dir(path, e);
	return err;
}

int sg_b64_encode(sg_buf *out, const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	int err;

	if ((err = grow(out, n)) < 0)
		return err;
	sodium_bin2base64((char *)out->data + out->len, n, data, len,
			  sodium_base64_VARIANT_ORIGINAL);
	out->len += n - 1;
	return 0;
}

int sg_b64_decode(unsigned char **out, size_t *outlen, const char *s, size_t len, sg_error *e)
{
	size_t cap = len / 4 * 3 + 3, bin_len = 0;
	const char *end = NULL;
	unsigned char *p;

	*out = NULL;
	*outlen = 0;
	p = malloc(cap ? cap : 1);
	if (!p)
		return sg_err(e, SG_ERROR, "out of memory");
	if (sodium_base642bin(p, cap, s, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + len) {
		sodium_memzero(p, cap); /* may hold part of a key */
		free(p);
		return sg_err(e, SG_EINVALID, "invalid base64");
	}
	*out = p;
	*outlen = bin_len;
	return 0;
}
