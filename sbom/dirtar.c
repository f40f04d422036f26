/* dir:ROOTFS (input.h): the directory packed as a tar on the fly, for the walker to read as
 * one layer. Names are sorted bytewise and times zeroed so the stream, and the digest the
 * SBOM names it by, depend only on names, types, modes, owners, link targets and content.
 * Symlinks are stored, never followed; other file systems mounted below ROOTFS are not
 * entered (dir:/ does not read /proc); sockets are skipped; an unreadable file is a
 * warning. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include "input.h"
#include "walker.h"
#include "err.h"
#include "banned.h"

#define READ_CHUNK (256u << 10)
#define MAX_DIR_ENTRIES (1u << 22) /* names in one directory */

struct dirtar {
	struct archive *a;
	sg_blob_sink_fn sink;
	void *sink_arg;
	sg_error *e;
	int sink_err;
	dev_t dev;
	sg_warn_fn warn;
	void *warn_arg;
	unsigned char *chunk;
};

static void warnf(const struct dirtar *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(const struct dirtar *t, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	if (!t->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->warn(t->warn_arg, msg);
}

static la_ssize_t on_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct dirtar *t = arg;

	if ((t->sink_err = t->sink(t->sink_arg, buf, len, t->e)) < 0) {
		archive_set_error(a, EIO, "the reader stopped");
		return -1;
	}
	return (la_ssize_t)len;
}

/* The archive's error as ours; the sink's own error when it stopped the writer. */
static int write_fail(const struct dirtar *t, const char *path)
{
	if (t->sink_err < 0)
		return t->sink_err;
	return sg_err(t->e, SG_EIO, "dir: %s: %s", path,
		      archive_error_string(t->a) ? archive_error_string(t->a) : "cannot pack");
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in directory fd, sorted (owned; sg_strv_free). */
static int list_dir(char ***out, size_t *n, int fd, const char *path, sg_error *e)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **v = NULL, **grown;
	size_t cap = 0, count = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		close(fd);
		return sg_err(e, SG_EIO, "dir: %s: %s", path, strerror(errno));
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (count == MAX_DIR_ENTRIES) {
			err = sg_err(e, SG_ETOOBIG, "dir: %s: more than %u entries", path,
				     MAX_DIR_ENTRIES);
			goto done;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(v, cap * sizeof(*v)))) {
				err = sg_err(e, SG_ERROR, "out of memory");
				goto done;
			}
			v = grown;
		}
		if (!(v[count] = strdup(de->d_name))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		count++;
	}
	if (errno)
		err = sg_err(e, SG_EIO, "dir: %s: %s", path, strerror(errno));
done:
	closedir(d);
	if (err < 0) {
		sg_strv_free(v, count);
		return err;
	}
	if (count)
		qsort(v, count, sizeof(*v), cmp_name);
	*out = v;
	*n = count;
	return 0;
}

/* A regular file's content after its header. */
static int put_content(struct dirtar *t, int fd, const char *path)
{
	ssize_t n;

	for (;;) {
		n = read(fd, t->chunk, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sg_err(t->e, SG_EIO, "dir: %s: %s", path, strerror(errno));
		if (n == 0)
			return 0;
		if (archive_write_data(t->a, t->chunk, (size_t)n) < 0)
			return write_fail(t, path);
	}
}

static int walk(struct dirtar *t, int dirfd, const char *rel);

/* One entry of directory dirfd: its header, then its content or its children. */
static int put_entry(struct dirtar *t, int dirfd, const char *name, const char *path)
{
	struct archive_entry *ent = NULL;
	struct stat st;
	char target[SG_WALK_PATH_MAX];
	ssize_t tl;
	int fd = -1, err = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		warnf(t, "dir: %s: %s; skipped", path, strerror(errno));
		return 0;
	}
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode) && st.st_dev != t->dev) {
		warnf(t, "dir: %s: another file system; not read", path);
		return 0;
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
			    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (fd < 0 || fstat(fd, &st) < 0) {
			warnf(t, "dir: %s: %s; skipped", path, strerror(errno));
			goto done;
		}
	}
	if (!(ent = archive_entry_new())) {
		err = sg_err(t->e, SG_ERROR, "out of memory");
		goto done;
	}
	archive_entry_copy_stat(ent, &st);
	archive_entry_set_pathname(ent, path);
	archive_entry_set_mtime(ent, 0, 0);
	archive_entry_unset_atime(ent);
	archive_entry_unset_ctime(ent);
	archive_entry_unset_birthtime(ent);
	archive_entry_set_ino(ent, 0);
	archive_entry_set_dev(ent, 0);
	archive_entry_set_nlink(ent, 1);
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(ent, 0);
	if (S_ISLNK(st.st_mode)) {
		if ((tl = readlinkat(dirfd, name, target, sizeof(target) - 1)) < 0) {
			warnf(t, "dir: %s: %s; skipped", path, strerror(errno));
			goto done;
		}
		target[tl] = '\0';
		archive_entry_set_symlink(ent, target);
	}
	if (archive_write_header(t->a, ent) < ARCHIVE_WARN) {
		err = write_fail(t, path);
		goto done;
	}
	if (S_ISREG(st.st_mode))
		err = put_content(t, fd, path);
	else if (S_ISDIR(st.st_mode)) {
		err = walk(t, fd, path);
		fd = -1; /* walk closed it */
	}
done:
	archive_entry_free(ent);
	if (fd >= 0)
		close(fd);
	return err;
}

/* The entries of directory fd (closed here), whose path in the image is rel ("" at the
 * root). */
static int walk(struct dirtar *t, int fd, const char *rel)
{
	char **names = NULL, path[SG_WALK_PATH_MAX];
	size_t n = 0, i;
	int dfd, err;

	if ((dfd = dup(fd)) < 0) {
		close(fd);
		return sg_err(t->e, SG_EIO, "dir: %s: %s", rel, strerror(errno));
	}
	if ((err = list_dir(&names, &n, fd, *rel ? rel : ".", t->e)) < 0) {
		close(dfd);
		return err;
	}
	for (i = 0; i < n && err >= 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", names[i]) >=
		    sizeof(path)) {
			warnf(t, "dir: %s/%s: path too long; skipped", rel, names[i]);
			continue;
		}
		err = put_entry(t, dfd, names[i], path);
	}
	close(dfd);
	sg_strv_free(names, n);
	return err;
}

int sg_dirtar_stream(const char *root, sg_warn_fn warn, void *warn_arg, sg_blob_sink_fn sink,
		     void *sink_arg, sg_error *e)
{
	struct dirtar t = { NULL, sink, sink_arg, e, 0, 0, warn, warn_arg, NULL };
	struct stat st;
	int fd = -1, err = 0;

	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		err = sg_err(e, errno == ENOENT ? SG_ENOTFOUND : SG_EIO, "dir:%s: %s", root,
			     strerror(errno));
		goto done;
	}
	t.dev = st.st_dev;
	if (!(t.chunk = malloc(READ_CHUNK)) || !(t.a = archive_write_new())) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (archive_write_set_format_pax_restricted(t.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(t.a, 64 << 10) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t.a, 1) != ARCHIVE_OK ||
	    archive_write_open(t.a, &t, NULL, on_write, NULL) != ARCHIVE_OK) {
		err = write_fail(&t, root);
		goto done;
	}
	err = walk(&t, fd, "");
	fd = -1;
	if (err >= 0 && archive_write_close(t.a) != ARCHIVE_OK)
		err = write_fail(&t, root);
done:
	if (fd >= 0)
		close(fd);
	if (t.a)
		archive_write_free(t.a);
	free(t.chunk);
	return err;
}
