/* An sg_store over an OCI image layout directory (image-spec image-layout.md), the format
 * `cosign save` writes:
 *
 *   PATH/oci-layout              {"imageLayoutVersion": "1.0.0"}
 *   PATH/index.json              an OCI index; entries may carry the annotation
 *                                org.opencontainers.image.ref.name = <tag>
 *   PATH/blobs/<alg>/<hex>       content-addressed blobs, manifests included
 *
 * Tags: a tag names the index.json entry whose ref.name annotation equals it. When no entry
 * is named "latest", "latest" falls back to (1) the only entry of a one-entry index if that
 * entry has no ref.name, else (2) the only entry whose `kind` annotation is
 * dev.cosignproject.cosign/image or .../imageIndex (the subject in a `cosign save` layout).
 *
 * Writes: blobs and index.json are written to a temporary file and renamed into place.
 * index.json's read-modify-write holds an exclusive flock on the layout directory itself
 * (no extra lock file in the layout), so concurrent signers do not lose each other's
 * entries. Unknown fields of index.json and of its entries are kept, in their order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "store.h"
#include "manifest.h"
#include "ref.h"
#include "err.h"
#include "banned.h"

#define REF_NAME_KEY   "org.opencontainers.image.ref.name"
#define LAYOUT_FILE    "{\n    \"imageLayoutVersion\": \"1.0.0\"\n}"
#define EMPTY_INDEX    "{\"schemaVersion\":2,\"mediaType\":\"" SG_MT_OCI_INDEX "\",\"manifests\":[]}"
#define MAX_LAYOUT_FILE (64u << 10)
#define KIND_KEY       "kind"
#define KIND_IMAGE     "dev.cosignproject.cosign/image"
#define KIND_INDEX     "dev.cosignproject.cosign/imageIndex"

typedef struct layout {
	sg_store base;
	char *path;
	int tag_lock;   /* fd holding the tag lock (flock on PATH/oci-layout), or -1 */
} layout;

typedef struct lpath {
	char s[4096];
} lpath;

static int oom(sg_error *e)
{
	return sg_err(e, SG_ERROR, "out of memory");
}

/* PATH/rel, or SG_EINVALID if it does not fit. */
static int join(lpath *out, const char *dir, const char *rel, sg_error *e)
{
	int n = snprintf(out->s, sizeof(out->s), "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= sizeof(out->s))
		return sg_err(e, SG_EINVALID, "oci:%s: path too long", dir);
	return 0;
}

/* PATH/blobs/<alg>/<hex>. The digest is validated first: it becomes a path. */
static int blob_path(lpath *out, const layout *l, const char *digest, sg_error *e)
{
	char rel[SG_DIGEST_MAX + 16], shown[SG_DIGEST_MAX];

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid digest \"%s\"", l->base.name,
			      sg_printable(shown, sizeof(shown), digest));
	snprintf(rel, sizeof(rel), "blobs/%.6s/%s", digest, digest + 7);
	return join(out, l->path, rel, e);
}

static int make_dir(const char *path, sg_error *e)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return sg_err(e, SG_EIO, "%s: %s", path, errno == EEXIST ? "not a directory" : strerror(errno));
}

/* mkdir -p */
static int make_dirs(const char *path, sg_error *e)
{
	lpath p;
	char *s;
	int n = snprintf(p.s, sizeof(p.s), "%s", path);

	if (n < 0 || (size_t)n >= sizeof(p.s))
		return sg_err(e, SG_EINVALID, "%s: path too long", path);
	for (s = p.s + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (make_dir(p.s, e) < 0)
			return e ? e->code : SG_EIO;
		*s = '/';
	}
	return make_dir(p.s, e);
}

static int blob_dirs(const layout *l, const char *digest, sg_error *e)
{
	lpath p;
	char rel[16];
	int err;

	snprintf(rel, sizeof(rel), "blobs/%.6s", digest);
	if ((err = join(&p, l->path, "blobs", e)) < 0 || (err = make_dir(p.s, e)) < 0 ||
	    (err = join(&p, l->path, rel, e)) < 0 || (err = make_dir(p.s, e)) < 0)
		return err;
	return 0;
}

static int lock_layout(int *fd, const layout *l, sg_error *e)
{
	*fd = open(l->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return sg_err(e, SG_EIO, "%s: %s", l->base.name, strerror(errno));
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(*fd);
			*fd = -1;
			return sg_err(e, SG_EIO, "%s: lock: %s", l->base.name, strerror(errno));
		}
	}
	return 0;
}

/* Reads index.json; a missing one reads as an empty index. */
static int read_index(sg_buf *b, const layout *l, sg_error *e)
{
	lpath p;
	int err;

	if ((err = join(&p, l->path, "index.json", e)) < 0)
		return err;
	err = sg_read_regular_file(b, p.s, e);
	if (err == SG_ENOTFOUND) {
		sg_buf_reset(b);
		err = sg_buf_puts(b, EMPTY_INDEX);
	}
	return err;
}

/* index.json read and validated as an OCI index. */
static int load_index(sg_manifest **out, const layout *l, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	int err;

	*out = NULL;
	if ((err = read_index(&b, l, e)) == 0 &&
	    (err = sg_manifest_parse(out, b.data, b.len, SG_MT_OCI_INDEX, e)) < 0)
		sg_err_prefix(e, "%s/index.json", l->base.name);
	sg_buf_release(&b);
	return err;
}

static const sg_desc *find_digest(const sg_manifest *idx, const char *digest)
{
	size_t i;

	for (i = 0; i < idx->nitems; i++)
		if (!strcmp(idx->items[i].digest, digest))
			return &idx->items[i];
	return NULL;
}

/* The entry named tag. *ambiguous is set when several entries carry the name: which one
 * is "the" image would then depend on the reader, so none is. */
static const sg_desc *find_tag(const sg_manifest *idx, const char *tag, int *ambiguous)
{
	const sg_desc *found = NULL;
	const char *kind;
	size_t i, nkind = 0, nnamed = 0;

	*ambiguous = 0;
	for (i = 0; i < idx->nitems; i++) {
		const char *name = sg_desc_annotation(&idx->items[i], REF_NAME_KEY);

		if (name && !strcmp(name, tag)) {
			found = &idx->items[i];
			nnamed++;
		}
	}
	if (nnamed > 1)
		*ambiguous = 1;
	if (nnamed)
		return nnamed == 1 ? found : NULL;
	found = NULL;
	if (strcmp(tag, "latest") != 0)
		return NULL;
	if (idx->nitems == 1)
		return sg_desc_annotation(&idx->items[0], REF_NAME_KEY) ? NULL : &idx->items[0];
	for (i = 0; i < idx->nitems; i++) {
		kind = sg_desc_annotation(&idx->items[i], KIND_KEY);
		if (kind && (!strcmp(kind, KIND_IMAGE) || !strcmp(kind, KIND_INDEX))) {
			found = &idx->items[i];
			nkind++;
		}
	}
	return nkind == 1 ? found : NULL;
}

/* The mediaType field of a JSON document, or NULL. Owned. */
static char *json_media_type(const void *data, size_t len)
{
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	const char *mt = json_string_value(json_object_get(root, "mediaType"));
	char *out = NULL;
	size_t n;

	if (mt) {
		n = strlen(mt) + 1;
		if ((out = malloc(n)))
			memcpy(out, mt, n);
	}
	json_decref(root);
	return out;
}


static int read_blob(sg_buf *out, const layout *l, const char *digest, const char *what,
		     sg_error *e)
{
	lpath p;
	int err;

	if ((err = blob_path(&p, l, digest, e)) < 0)
		return err;
	sg_buf_reset(out);
	err = sg_read_regular_file(out, p.s, e);
	if (err == SG_ENOTFOUND)
		err = sg_err(e, SG_ENOTFOUND, "%s: %s %s not found (no blobs/%.6s/%s)", l->base.name,
			     what, digest, digest, digest + 7);
	if (err < 0)
		sg_buf_reset(out);
	return err;
}

static int l_get_manifest(sg_store *s, const char *ref, sg_buf *body, char **media_type,
			  char server_digest[SG_DIGEST_MAX], sg_error *e)
{
	layout *l = (layout *)s;
	sg_manifest *idx = NULL;
	const sg_desc *d;
	const char *digest = ref;
	char shown[160];
	int ambiguous = 0;
	int err;

	*media_type = NULL;
	server_digest[0] = '\0';
	if (!sg_digest_valid(ref) && !sg_tag_valid(ref))
		return sg_err(e, SG_EINVALID, "%s: invalid tag or digest \"%s\"", s->name,
			      sg_printable(shown, sizeof(shown), ref));
	if ((err = load_index(&idx, l, e)) < 0)
		goto done;
	if (sg_digest_valid(ref)) {
		d = find_digest(idx, ref);
	} else if (!(d = find_tag(idx, ref, &ambiguous))) {
		err = ambiguous ? sg_err(e, SG_EINVALID, "%s: several manifests tagged \"%s\" in "
					 "index.json", s->name, ref)
				: sg_err(e, SG_ENOTFOUND, "%s: no manifest tagged \"%s\" in index.json",
					 s->name, ref);
		goto done;
	} else {
		digest = d->digest;
		/* The index claims this digest; the store wrapper holds the bytes to it. */
		snprintf(server_digest, SG_DIGEST_MAX, "%s", d->digest);
	}
	if ((err = read_blob(body, l, digest, "manifest", e)) < 0)
		goto done;
	/* Content-addressed: check here too, whatever the algorithm. */
	if ((err = sg_digest_check(digest, body->data, body->len, e)) < 0) {
		sg_err_prefix(e, "%s: blobs/%.6s/%s", s->name, digest, digest + 7);
		sg_buf_reset(body);
		goto done;
	}
	*media_type = d ? strdup(d->media_type) : json_media_type(body->data, body->len);
	if (d && !*media_type)
		err = oom(e);
done:
	sg_manifest_free(idx);
	if (err < 0)
		server_digest[0] = '\0';
	return err;
}

static int l_has_blob(sg_store *s, const char *digest, sg_error *e)
{
	layout *l = (layout *)s;
	struct stat st;
	lpath p;
	int err;

	if ((err = blob_path(&p, l, digest, e)) < 0)
		return err;
	if (stat(p.s, &st) == 0)
		return S_ISREG(st.st_mode) ? 1 : sg_err(e, SG_EIO, "%s: not a regular file", p.s);
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return sg_err(e, SG_EIO, "%s: %s", p.s, strerror(errno));
}

static int l_get_blob(sg_store *s, const char *digest, sg_buf *out, sg_error *e)
{
	return read_blob(out, (layout *)s, digest, "blob", e);
}

#define STREAM_CHUNK (256u << 10)

/* The blob file in STREAM_CHUNK reads; only a regular file (a FIFO planted in the layout
 * must not hang us). */
static int l_get_blob_stream(sg_store *s, const char *digest, sg_blob_sink_fn fn, void *arg,
			     sg_error *e)
{
	layout *l = (layout *)s;
	unsigned char *chunk = NULL;
	struct stat st;
	lpath p;
	ssize_t n;
	int fd = -1, err;

	if ((err = blob_path(&p, l, digest, e)) < 0)
		return err;
	if ((fd = open(p.s, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		err = errno == ENOENT ? sg_err(e, SG_ENOTFOUND, "%s: blob %s not found (no "
					       "blobs/%.6s/%s)", s->name, digest, digest, digest + 7)
				      : sg_err(e, SG_EIO, "%s: %s", p.s, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = sg_err(e, SG_EINVALID, "%s: not a regular file", p.s);
		goto done;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!(chunk = malloc(STREAM_CHUNK))) {
		err = oom(e);
		goto done;
	}
	for (;;) {
		n = read(fd, chunk, STREAM_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = sg_err(e, SG_EIO, "%s: %s", p.s, strerror(errno));
			break;
		}
		if (n == 0 || (err = fn(arg, chunk, (size_t)n, e)) < 0)
			break;
	}
done:
	free(chunk);
	if (fd >= 0)
		close(fd);
	return err;
}

static int l_put_blob(sg_store *s, const char *digest, const void *data, size_t len, sg_error *e)
{
	layout *l = (layout *)s;
	lpath p;
	int err;

	if ((err = blob_path(&p, l, digest, e)) < 0 || (err = blob_dirs(l, digest, e)) < 0)
		return err;
	return sg_write_file(p.s, data, len, 0644, 0, e);
}

/* A new index.json entry: mediaType, size, digest[, annotations{ref.name}] (Go's order). */
static json_t *new_entry(const char *media_type, const char *digest, size_t len, const char *tag)
{
	json_t *o = json_object(), *ann;

	if (!o || json_object_set_new(o, "mediaType", json_string(media_type)) ||
	    json_object_set_new(o, "size", json_integer((json_int_t)len)) ||
	    json_object_set_new(o, "digest", json_string(digest)))
		goto fail;
	if (tag) {
		ann = json_object();
		if (!ann || json_object_set_new(o, "annotations", ann) ||
		    json_object_set_new(ann, REF_NAME_KEY, json_string(tag)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static const char *entry_name(const json_t *entry)
{
	return json_string_value(json_object_get(json_object_get(entry, "annotations"), REF_NAME_KEY));
}

/* Puts entry into manifests: by tag, replacing the first entry of that name in place and
 * dropping any later duplicates; by digest (tag NULL), appending unless already listed.
 * Steals entry. */
static int index_insert(json_t *manifests, json_t *entry, const char *tag, const char *digest)
{
	size_t i = 0;
	int placed = 0, err = 0;

	while (!err && i < json_array_size(manifests)) {
		json_t *it = json_array_get(manifests, i);
		const char *name = entry_name(it), *d = json_string_value(json_object_get(it, "digest"));

		if (!tag && d && !strcmp(d, digest)) {
			placed = 1;
			break;
		}
		if (tag && name && !strcmp(name, tag)) {
			if (placed) {
				err = json_array_remove(manifests, i);
				continue;
			}
			err = json_array_set(manifests, i, entry);
			placed = 1;
		}
		i++;
	}
	if (!err && !placed)
		err = json_array_append(manifests, entry);
	json_decref(entry);
	return err ? -1 : 0;
}

/* Read-modify-write of index.json under the layout lock. */
static int update_index(layout *l, const char *tag, const char *digest, size_t len,
			const char *media_type, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_MANIFEST);
	sg_manifest *idx = NULL;
	json_t *root = NULL, *entry = NULL;
	char *out = NULL;
	lpath p;
	int fd = -1, err;

	if ((err = lock_layout(&fd, l, e)) < 0 || (err = read_index(&b, l, e)) < 0)
		goto done;
	/* Refuse to build on a broken index rather than silently repair it. */
	if ((err = sg_manifest_parse(&idx, b.data, b.len, SG_MT_OCI_INDEX, e)) < 0) {
		sg_err_prefix(e, "%s/index.json", l->base.name);
		goto done;
	}
	if (idx->nitems >= 10000) {
		err = sg_err(e, SG_ETOOBIG, "%s/index.json: too many entries", l->base.name);
		goto done;
	}
	root = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	if (!root || !(entry = new_entry(media_type, digest, len, tag)) ||
	    index_insert(json_object_get(root, "manifests"), entry, tag, digest) < 0 ||
	    !(out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		err = oom(e);
		goto done;
	}
	if (strlen(out) > SG_MAX_MANIFEST) {
		err = sg_err(e, SG_ETOOBIG, "%s/index.json: over the size limit", l->base.name);
		goto done;
	}
	if ((err = join(&p, l->path, "index.json", e)) < 0)
		goto done;
	err = sg_write_file(p.s, out, strlen(out), 0644, 0, e);
done:
	if (fd >= 0)
		close(fd); /* releases the lock */
	free(out);
	json_decref(root);
	sg_manifest_free(idx);
	sg_buf_release(&b);
	return err;
}

static int l_put_manifest(sg_store *s, const char *ref, const void *data, size_t len,
			  const char *media_type, sg_error *e)
{
	layout *l = (layout *)s;
	char digest[SG_DIGEST_MAX], shown[160];
	char *mt = NULL;
	int err;

	if (sg_digest_valid(ref)) {
		if ((err = sg_digest_check(ref, data, len, e)) < 0)
			return sg_err_prefix(e, "%s", s->name);
		snprintf(digest, sizeof(digest), "%s", ref);
	} else if (sg_tag_valid(ref)) {
		sg_sha256_digest(digest, data, len);
	} else {
		return sg_err(e, SG_EINVALID, "%s: invalid tag or digest \"%s\"", s->name,
			      sg_printable(shown, sizeof(shown), ref));
	}
	if (!media_type || !media_type[0])
		media_type = mt = json_media_type(data, len);
	if (!media_type) {
		err = sg_err(e, SG_EINVALID, "%s: manifest for \"%s\" has no mediaType", s->name, ref);
		goto done;
	}
	if ((err = l_has_blob(s, digest, e)) < 0 ||
	    (err == 0 && (err = l_put_blob(s, digest, data, len, e)) < 0))
		goto done;
	err = update_index(l, sg_digest_valid(ref) ? NULL : ref, digest, len, media_type, e);
done:
	free(mt);
	return err;
}

/* The lock around a whole read-modify-write of a tag (signing, attesting). It is taken on
 * PATH/oci-layout, not on the directory, so that index.json's own lock can be taken while
 * it is held. */
static int l_lock(sg_store *s, int on, sg_error *e)
{
	layout *l = (layout *)s;
	lpath p;
	int err;

	if (!on) {
		if (l->tag_lock >= 0)
			close(l->tag_lock); /* releases the flock */
		l->tag_lock = -1;
		return 0;
	}
	if (l->tag_lock >= 0)
		return 0;
	if ((err = join(&p, l->path, "oci-layout", e)) < 0)
		return err;
	l->tag_lock = open(p.s, O_RDONLY | O_CLOEXEC);
	if (l->tag_lock < 0)
		return sg_err(e, SG_EIO, "%s: %s", l->base.name, strerror(errno));
	while (flock(l->tag_lock, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(l->tag_lock);
			l->tag_lock = -1;
			return sg_err(e, SG_EIO, "%s: lock: %s", l->base.name, strerror(errno));
		}
	}
	return 0;
}

static void l_free(sg_store *s)
{
	layout *l = (layout *)s;

	if (!l)
		return;
	if (l->tag_lock >= 0)
		close(l->tag_lock);
	free(l->path);
	free(l->base.name);
	free(l);
}

static const sg_store_ops layout_ops = {
	l_get_manifest, l_put_manifest, l_has_blob, l_get_blob, l_put_blob, l_free, l_lock,
	NULL, /* no referrers API: the fallback tag serves layouts too */
	l_get_blob_stream,
	NULL, /* no twin: reading files gains nothing from a second thread */
};

/* Checks PATH/oci-layout, writing it first when creating. */
static int check_layout_file(const char *path, int create, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(MAX_LAYOUT_FILE);
	json_t *root = NULL;
	const char *v;
	char shown[64];
	lpath p;
	int err;

	if ((err = join(&p, path, "oci-layout", e)) < 0)
		return err;
	err = sg_read_regular_file(&b, p.s, e);
	if (err == SG_ENOTFOUND && create) {
		err = sg_write_file(p.s, LAYOUT_FILE, strlen(LAYOUT_FILE), 0644, 1, e);
		if (err == SG_EEXISTS) /* another process created it meanwhile */
			err = sg_read_regular_file(&b, p.s, e);
		else if (err == 0)
			err = sg_buf_puts(&b, LAYOUT_FILE);
	}
	if (err == SG_ENOTFOUND)
		err = sg_err(e, SG_ENOTFOUND, "oci:%s: not an OCI image layout (no oci-layout file)",
			     path);
	if (err < 0)
		goto done;
	root = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	v = json_string_value(json_object_get(root, "imageLayoutVersion"));
	if (!json_is_object(root) || !v)
		err = sg_err(e, SG_EINVALID, "oci:%s: oci-layout: no imageLayoutVersion", path);
	else if (strcmp(v, "1.0.0") != 0)
		err = sg_err(e, SG_EUNSUPPORTED, "oci:%s: unsupported imageLayoutVersion \"%s\"",
			     path, sg_printable(shown, sizeof(shown), v));
done:
	json_decref(root);
	sg_buf_release(&b);
	return err;
}

/* Writes an empty index.json unless one exists (excl, so a concurrent one wins). */
static int create_index(const char *path, sg_error *e)
{
	lpath p;
	int err;

	if ((err = join(&p, path, "index.json", e)) < 0)
		return err;
	if (access(p.s, F_OK) == 0)
		return 0;
	err = sg_write_file(p.s, EMPTY_INDEX, strlen(EMPTY_INDEX), 0644, 1, e);
	return err == SG_EEXISTS ? 0 : err;
}

int sg_layout_open(sg_store **out, const char *path, int create, sg_error *e)
{
	layout *l = NULL;
	struct stat st;
	lpath p;
	int err;

	*out = NULL;
	if (!path || !path[0])
		return sg_err(e, SG_EINVALID, "oci: empty layout path");
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return sg_err(e, SG_EIO, "oci:%s: %s", path, strerror(errno));
		if (!create)
			return sg_err(e, SG_ENOTFOUND,
				      "oci:%s: not an OCI image layout (no oci-layout file)", path);
		if ((err = make_dirs(path, e)) < 0)
			return err;
	} else if (!S_ISDIR(st.st_mode)) {
		return sg_err(e, SG_EINVALID, "oci:%s: not a directory", path);
	}
	if ((err = check_layout_file(path, create, e)) < 0)
		return err;
	if (create && ((err = join(&p, path, "blobs", e)) < 0 || (err = make_dir(p.s, e)) < 0 ||
		       (err = join(&p, path, "blobs/sha256", e)) < 0 ||
		       (err = make_dir(p.s, e)) < 0 || (err = create_index(path, e)) < 0))
		return err;
	if (!(l = calloc(1, sizeof(*l)))) {
		err = oom(e);
		goto done;
	}
	l->tag_lock = -1;
	if (!(l->path = strdup(path)) || !(l->base.name = malloc(strlen(path) + 5))) {
		err = oom(e);
		goto done;
	}
	snprintf(l->base.name, strlen(path) + 5, "oci:%s", path);
	l->base.ops = &layout_ops;
	*out = &l->base;
	l = NULL;
	err = 0;
done:
	l_free(l ? &l->base : NULL);
	return err;
}
