/* docker-archive:FILE[:REF] (input.h): the tar `docker save` writes. One pass indexes the
 * members (names and positions, nothing kept but manifest.json); each later read of a
 * member reopens the archive and skips to it (libarchive seeks over data in a plain tar
 * file, so that costs a header scan). Nothing in it is trusted: sizes are capped, the
 * config must list one diff_id per layer, and every layer is checked against its diff_id
 * or, for blobs/<alg>/<hex> members, against its name. Also IMAGE parsing for sbom. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "input.h"
#include "ref.h"
#include "err.h"
#include "banned.h"

struct member {
	char *name;      /* normalised: no leading "./" or "/" */
	size_t ordinal;  /* its header's position among all headers */
	int64_t size;    /* as its header declares it */
};

struct dlayer {
	size_t member;   /* index into members */
	char diff_id[SG_DIGEST_MAX];
	int addressed;   /* blobs/sha256/<hex>: checked against its name */
};

struct sg_dockerar {
	char *path;
	struct member *members;
	size_t nmembers;
	sg_buf manifest, config;
	char config_digest[SG_DIGEST_MAX];
	char *repo_tag;
	struct dlayer *layers;
	size_t nlayers;
};

static const char *strip_dot(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	return name;
}

static struct archive *open_archive(const char *path, sg_error *e)
{
	struct archive *a = archive_read_new();

	if (!a) {
		sg_err(e, SG_ERROR, "out of memory");
		return NULL;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 64 << 10) != ARCHIVE_OK) {
		sg_err(e, SG_EINVALID, "docker-archive:%s: %s", path,
		       archive_error_string(a) ? archive_error_string(a) : "not a tar");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Reads the current entry's data to sink; with md, hashes it too. */
static int entry_data(struct archive *a, const char *what, sg_blob_sink_fn sink, void *arg,
		      EVP_MD_CTX *md, sg_error *e)
{
	const void *buf;
	size_t sz;
	la_int64_t off;
	int r, err;

	for (;;) {
		r = archive_read_data_block(a, &buf, &sz, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return sg_err(e, SG_EINVALID, "%s: %s", what,
				      archive_error_string(a) ? archive_error_string(a) : "read error");
		if (md && EVP_DigestUpdate(md, buf, sz) != 1)
			return sg_err(e, SG_ERROR, "digest update failed");
		if ((err = sink(arg, buf, sz, e)) < 0)
			return err;
	}
}

static int buf_sink(void *arg, const void *data, size_t len, sg_error *e)
{
	if (sg_buf_append(arg, data, len) < 0)
		return sg_err(e, SG_ETOOBIG, "over its %zu-byte cap", ((sg_buf *)arg)->max);
	return 0;
}

/* Streams member m to sink; md (may be NULL) hashes it. */
static int member_stream(const sg_dockerar *d, const struct member *m, sg_blob_sink_fn sink,
			 void *arg, EVP_MD_CTX *md, sg_error *e)
{
	struct archive *a = open_archive(d->path, e);
	struct archive_entry *ent;
	char what[512];
	size_t i;
	int r, err = 0;

	if (!a)
		return e ? e->code : SG_ERROR;
	snprintf(what, sizeof(what), "docker-archive:%s: %s", d->path, m->name);
	for (i = 0; i <= m->ordinal; i++) {
		r = archive_read_next_header(a, &ent);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			err = sg_err(e, SG_EINVALID, "%s: the archive changed while being read", what);
			goto done;
		}
	}
	if (strcmp(strip_dot(archive_entry_pathname(ent) ? archive_entry_pathname(ent) : ""),
		   m->name) != 0) {
		err = sg_err(e, SG_EINVALID, "%s: the archive changed while being read", what);
		goto done;
	}
	err = entry_data(a, what, sink, arg, md, e);
done:
	archive_read_free(a);
	return err;
}

static int add_member(sg_dockerar *d, const char *name, size_t ordinal, int64_t size,
		      sg_error *e)
{
	struct member *grown;

	if (d->nmembers == SG_DOCKERAR_MAX_MEMBERS)
		return sg_err(e, SG_ETOOBIG, "docker-archive:%s: more than %u members", d->path,
			      SG_DOCKERAR_MAX_MEMBERS);
	if (!(d->nmembers & (d->nmembers + 1))) { /* 0, 1, 3, 7...: grow to the next power */
		if (!(grown = realloc(d->members, (d->nmembers * 2 + 2) * sizeof(*grown))))
			return sg_err(e, SG_ERROR, "out of memory");
		d->members = grown;
	}
	if (!(d->members[d->nmembers].name = strdup(name)))
		return sg_err(e, SG_ERROR, "out of memory");
	d->members[d->nmembers].size = size;
	d->members[d->nmembers++].ordinal = ordinal;
	return 0;
}

/* The first pass: every regular file's name and position; manifest.json's bytes. */
static int index_archive(sg_dockerar *d, sg_error *e)
{
	struct archive *a = open_archive(d->path, e);
	struct archive_entry *ent;
	const char *name;
	size_t ordinal;
	int r, err = 0;

	if (!a)
		return e ? e->code : SG_ERROR;
	for (ordinal = 0;; ordinal++) {
		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			err = sg_err(e, SG_EINVALID, "docker-archive:%s: %s", d->path,
				     archive_error_string(a) ? archive_error_string(a) : "bad tar");
			goto done;
		}
		name = archive_entry_pathname(ent);
		if (!name || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		name = strip_dot(name);
		if ((err = add_member(d, name, ordinal, archive_entry_size(ent), e)) < 0)
			goto done;
		if (!strcmp(name, "manifest.json")) {
			sg_buf_reset(&d->manifest);
			if ((err = entry_data(a, "manifest.json", buf_sink, &d->manifest, NULL, e)) < 0) {
				sg_err_prefix(e, "docker-archive:%s: manifest.json", d->path);
				goto done;
			}
		}
	}
	if (!d->manifest.data)
		err = sg_err(e, SG_EINVALID, "docker-archive:%s: no manifest.json: not what docker "
			     "save writes", d->path);
done:
	archive_read_free(a);
	return err;
}

static const struct member *find_member(const sg_dockerar *d, const char *name)
{
	size_t i;

	name = strip_dot(name);
	for (i = d->nmembers; i-- > 0;) /* the last one wins, as when extracting */
		if (!strcmp(d->members[i].name, name))
			return &d->members[i];
	return NULL;
}

static int has_tag(const json_t *img, const char *pick)
{
	const json_t *tags = json_object_get(img, "RepoTags"), *t;
	size_t i;

	json_array_foreach(tags, i, t)
		if (json_is_string(t) && !strcmp(json_string_value(t), pick))
			return 1;
	return 0;
}

/* The manifest.json entry for pick (the only one when pick is NULL). */
static int pick_image(const json_t **out, const sg_dockerar *d, const json_t *root,
		      const char *pick, sg_error *e)
{
	const json_t *img;
	size_t i;

	*out = NULL;
	if (!json_is_array(root) || !json_array_size(root))
		return sg_err(e, SG_EINVALID, "docker-archive:%s: manifest.json is not a list of "
			      "images", d->path);
	if (!pick) {
		if (json_array_size(root) > 1)
			return sg_err(e, SG_EINVALID, "docker-archive:%s holds %zu images: name one "
				      "(docker-archive:FILE:NAME:TAG)", d->path, json_array_size(root));
		*out = json_array_get(root, 0);
		return 0;
	}
	json_array_foreach(root, i, img)
		if (has_tag(img, pick)) {
			*out = img;
			return 0;
		}
	return sg_err(e, SG_ENOTFOUND, "docker-archive:%s: no image tagged %s", d->path, pick);
}

/* "blobs/<alg>/<hex>" names a content-addressed member. */
static int addressed_name(const char *name, char digest[SG_DIGEST_MAX])
{
	const char *alg, *hex;

	if (strncmp(name, "blobs/", 6) != 0)
		return 0;
	alg = name + 6;
	if (!(hex = strchr(alg, '/')) || (size_t)(hex - alg) > 6)
		return 0;
	snprintf(digest, SG_DIGEST_MAX, "%.*s:%s", (int)(hex - alg), alg, hex + 1);
	return sg_digest_valid(digest) && !strncmp(digest, "sha256:", 7);
}

static int read_config(sg_dockerar *d, const json_t *img, sg_error *e)
{
	const json_t *c = json_object_get(img, "Config");
	const struct member *m;
	EVP_MD_CTX *md = NULL;
	unsigned char sha[32];
	unsigned len;
	int err;

	if (!json_is_string(c) || !(m = find_member(d, json_string_value(c))))
		return sg_err(e, SG_EINVALID, "docker-archive:%s: the image's Config is not a "
			      "member of the archive", d->path);
	if (!(md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		err = sg_err(e, SG_ERROR, "digest initialisation failed");
		goto done;
	}
	if ((err = member_stream(d, m, buf_sink, &d->config, md, e)) < 0) {
		sg_err_prefix(e, "docker-archive:%s: %s", d->path, m->name);
		goto done;
	}
	if (EVP_DigestFinal_ex(md, sha, &len) != 1) {
		err = sg_err(e, SG_ERROR, "digest finalisation failed");
		goto done;
	}
	memcpy(d->config_digest, "sha256:", 7);
	sg_hex(d->config_digest + 7, sha, sizeof(sha));
done:
	EVP_MD_CTX_free(md);
	return err;
}

/* Layers from manifest.json, diff_ids from the config: one each, in the same order. */
static int read_layers(sg_dockerar *d, const json_t *img, sg_error *e)
{
	const json_t *layers = json_object_get(img, "Layers"), *diffs, *l;
	json_t *cfg = NULL;
	json_error_t je;
	const struct member *m;
	char named[SG_DIGEST_MAX];
	size_t i;
	int err = 0;

	if (!(cfg = json_loadb((const char *)d->config.data, d->config.len, JSON_REJECT_DUPLICATES,
			       &je)) || !json_is_object(cfg)) {
		err = sg_err(e, SG_EINVALID, "docker-archive:%s: the image config is not a JSON "
			     "object", d->path);
		goto done;
	}
	diffs = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(layers) || !json_is_array(diffs) ||
	    json_array_size(layers) != json_array_size(diffs) ||
	    json_array_size(layers) > SG_MAX_LAYERS) {
		err = sg_err(e, SG_EINVALID, "docker-archive:%s: Layers and the config's diff_ids "
			     "do not match one for one", d->path);
		goto done;
	}
	if (!(d->layers = calloc(json_array_size(layers) + 1, sizeof(*d->layers)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach(layers, i, l) {
		const json_t *diff = json_array_get(diffs, i);

		if (!json_is_string(l) || !(m = find_member(d, json_string_value(l))) ||
		    !json_is_string(diff) || !sg_digest_valid(json_string_value(diff)) ||
		    strncmp(json_string_value(diff), "sha256:", 7) != 0) {
			err = sg_err(e, SG_EINVALID, "docker-archive:%s: layer %zu: not a member of "
				     "the archive, or no sha256 diff_id", d->path, i);
			goto done;
		}
		d->layers[i].member = (size_t)(m - d->members);
		snprintf(d->layers[i].diff_id, SG_DIGEST_MAX, "%s", json_string_value(diff));
		d->layers[i].addressed = addressed_name(m->name, named);
		d->nlayers++;
	}
done:
	json_decref(cfg);
	return err;
}

int sg_dockerar_open(sg_dockerar **out, const char *path, const char *pick, sg_error *e)
{
	sg_dockerar *d = calloc(1, sizeof(*d));
	json_t *root = NULL;
	json_error_t je;
	const json_t *img, *tags;
	int err;

	*out = NULL;
	if (!d || !(d->path = strdup(path))) {
		free(d);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	sg_buf_init(&d->manifest, SG_MAX_MANIFEST);
	sg_buf_init(&d->config, SG_MAX_CONFIG);
	if ((err = index_archive(d, e)) < 0)
		goto done;
	if (!(root = json_loadb((const char *)d->manifest.data, d->manifest.len,
				JSON_REJECT_DUPLICATES, &je))) {
		err = sg_err(e, SG_EINVALID, "docker-archive:%s: manifest.json: %s", path, je.text);
		goto done;
	}
	if ((err = pick_image(&img, d, root, pick, e)) < 0 || (err = read_config(d, img, e)) < 0 ||
	    (err = read_layers(d, img, e)) < 0)
		goto done;
	tags = json_array_get(json_object_get(img, "RepoTags"), 0);
	if (pick || json_is_string(tags)) {
		if (!(d->repo_tag = strdup(pick ? pick : json_string_value(tags)))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	*out = d;
	d = NULL;
done:
	json_decref(root);
	sg_dockerar_free(d);
	return err;
}

void sg_dockerar_free(sg_dockerar *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nmembers; i++)
		free(d->members[i].name);
	free(d->members);
	sg_buf_release(&d->manifest);
	sg_buf_release(&d->config);
	free(d->repo_tag);
	free(d->layers);
	free(d->path);
	free(d);
}

const sg_buf *sg_dockerar_config(const sg_dockerar *d) { return &d->config; }
const char *sg_dockerar_config_digest(const sg_dockerar *d) { return d->config_digest; }
const char *sg_dockerar_repo_tag(const sg_dockerar *d) { return d->repo_tag; }
size_t sg_dockerar_nlayers(const sg_dockerar *d) { return d->nlayers; }
const char *sg_dockerar_diff_id(const sg_dockerar *d, size_t i) { return d->layers[i].diff_id; }
int sg_dockerar_layer_addressed(const sg_dockerar *d, size_t i) { return d->layers[i].addressed; }

uint64_t sg_dockerar_layer_size(const sg_dockerar *d, size_t i)
{
	int64_t n = d->members[d->layers[i].member].size;

	return n > 0 ? (uint64_t)n : 0;
}

int sg_dockerar_layer_stream(const sg_dockerar *d, size_t i, sg_blob_sink_fn sink, void *arg,
			     sg_error *e)
{
	const struct member *m = &d->members[d->layers[i].member];
	EVP_MD_CTX *md = NULL;
	unsigned char sha[32];
	char named[SG_DIGEST_MAX], got[SG_DIGEST_MAX];
	unsigned len;
	int err;

	if (!d->layers[i].addressed)
		return member_stream(d, m, sink, arg, NULL, e);
	addressed_name(m->name, named);
	if (!(md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		err = sg_err(e, SG_ERROR, "digest initialisation failed");
		goto done;
	}
	if ((err = member_stream(d, m, sink, arg, md, e)) < 0)
		goto done;
	if (EVP_DigestFinal_ex(md, sha, &len) != 1) {
		err = sg_err(e, SG_ERROR, "digest finalisation failed");
		goto done;
	}
	memcpy(got, "sha256:", 7);
	sg_hex(got + 7, sha, sizeof(sha));
	if (strcmp(got, named) != 0)
		err = sg_err(e, SG_EDIGEST, "docker-archive:%s: %s: content does not match its "
			     "name (got %s)", d->path, m->name, got);
done:
	EVP_MD_CTX_free(md);
	return err;
}

/* ---- IMAGE parsing ---- */

void sg_sbom_input_release(sg_sbom_input *in)
{
	sg_ref_free(in->ref);
	free(in->path);
	free(in->pick);
	memset(in, 0, sizeof(*in));
}

int sg_sbom_input_parse(sg_sbom_input *in, const char *s, sg_error *e)
{
	struct stat st;
	const char *colon;

	memset(in, 0, sizeof(*in));
	if (!strncmp(s, "dir:", 4)) {
		in->kind = SG_INPUT_DIR;
		if (!s[4])
			return sg_err(e, SG_EINVALID, "dir: needs a directory (dir:ROOTFS)");
		if (!(in->path = strdup(s + 4)))
			return sg_err(e, SG_ERROR, "out of memory");
		return 0;
	}
	if (!strncmp(s, "docker-archive:", 15)) {
		s += 15;
		in->kind = SG_INPUT_DOCKER_ARCHIVE;
		if (!*s)
			return sg_err(e, SG_EINVALID, "docker-archive: needs a file "
				      "(docker-archive:FILE[:NAME:TAG])");
		/* FILE[:REF] as skopeo spells it: an existing file wins over a split */
		colon = stat(s, &st) == 0 ? NULL : strchr(s, ':');
		if (!(in->path = colon ? strndup(s, (size_t)(colon - s)) : strdup(s)) ||
		    (colon && !(in->pick = strdup(colon + 1)))) {
			sg_sbom_input_release(in);
			return sg_err(e, SG_ERROR, "out of memory");
		}
		return 0;
	}
	in->kind = SG_INPUT_REF;
	return sg_ref_parse(&in->ref, s, e);
}
