#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "referrers.h"
#include "tagrmw.h"
#include "store.h"
#include "digest.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

void sg_referrers_tag(char *out, size_t n, const char *digest)
{
	sg_digest_tag(out, n, digest, "");
}

void sg_referrers_release(sg_referrers *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		sg_desc_release(&r->items[i]);
	free(r->items);
	r->items = NULL;
	r->n = 0;
	r->via = SG_REFERRERS_NONE;
}

/* The descriptor's artifactType, as the spec derives it when the index entry lacks one. */
static const char *desc_type(const sg_desc *d)
{
	return d->artifact_type ? d->artifact_type : "";
}

/* Moves the index's manifests with the wanted artifactType into out. */
static int take_items(sg_referrers *out, sg_manifest *idx, const char *artifact_type,
		      sg_error *e)
{
	size_t i;

	if (!(out->items = calloc(idx->nitems ? idx->nitems : 1, sizeof(*out->items))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < idx->nitems; i++) {
		if (artifact_type && strcmp(desc_type(&idx->items[i]), artifact_type) != 0)
			continue;
		out->items[out->n++] = idx->items[i];
		memset(&idx->items[i], 0, sizeof(idx->items[i]));
	}
	return 0;
}

static int parse_index(sg_manifest **idx, const sg_buf *b, const char *content_type,
		       const char *what, const char *name, sg_error *e)
{
	int err = sg_manifest_parse(idx, b->data, b->len, content_type, e);

	if (err < 0)
		return sg_err_prefix(e, "%s: %s", name, what);
	if (!(*idx)->is_index || strcmp((*idx)->media_type, SG_MT_OCI_INDEX) != 0) {
		sg_manifest_free(*idx);
		*idx = NULL;
		return sg_err(e, SG_EINVALID, "%s: %s is not an OCI image index", name, what);
	}
	return 0;
}

int sg_referrers_list(sg_referrers *out, sg_store *s, const char *digest,
		      const char *artifact_type, sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char tag[SG_DIGEST_MAX + 16], got[SG_DIGEST_MAX], what[SG_DIGEST_MAX + 40];
	sg_manifest *idx = NULL;
	char *mt = NULL;
	int err, filtered = 0;

	memset(out, 0, sizeof(*out));
	err = sg_store_referrers(s, digest, artifact_type, &body, &filtered, e);
	if (err == 0) {
		snprintf(what, sizeof(what), "referrers of %s", digest);
		if ((err = parse_index(&idx, &body, SG_MT_OCI_INDEX, what, s->name, e)) < 0)
			goto done;
		out->via = SG_REFERRERS_API;
	} else if (err == SG_EUNSUPPORTED) {
		sg_referrers_tag(tag, sizeof(tag), digest);
		sg_buf_reset(&body);
		err = sg_store_get_manifest(s, tag, &body, &mt, got, e);
		if (err == SG_ENOTFOUND) {
			err = 0;
			goto done;
		}
		if (err < 0)
			goto done;
		snprintf(what, sizeof(what), "referrers tag %s", tag);
		if ((err = parse_index(&idx, &body, mt, what, s->name, e)) < 0)
			goto done;
		out->via = SG_REFERRERS_TAG;
	} else {
		goto done;
	}
	if ((err = take_items(out, idx, artifact_type, e)) < 0)
		goto done;
	if (!out->n)
		out->via = SG_REFERRERS_NONE;
	err = 0;
done:
	if (err < 0)
		sg_referrers_release(out);
	sg_manifest_free(idx);
	sg_buf_release(&body);
	free(mt);
	return err;
}

/* ---- the fallback tag ---- */

struct entry {
	json_t *desc;          /* what to add to the index */
	const char *digest;
};

static int by_digest(const void *a, const void *b)
{
	const char *da = json_string_value(json_object_get(*(json_t *const *)a, "digest"));
	const char *db = json_string_value(json_object_get(*(json_t *const *)b, "digest"));

	return strcmp(da ? da : "", db ? db : "");
}

/* Reads the index at tag: a new empty one when absent, else it must be an OCI index (a tag
 * holding anything else is not ours to overwrite). *root is a jansson tree with every field
 * and foreign entry as found. */
static int load_fallback(json_t **root, sg_store *s, const char *tag, sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char got[SG_DIGEST_MAX], what[SG_DIGEST_MAX + 40];
	sg_manifest *idx = NULL;
	char *mt = NULL;
	int err;

	*root = NULL;
	err = sg_store_get_manifest(s, tag, &body, &mt, got, e);
	if (err == SG_ENOTFOUND) {
		*root = json_pack("{sisss[]}", "schemaVersion", 2, "mediaType", SG_MT_OCI_INDEX,
				  "manifests");
		err = *root ? 0 : sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (err < 0)
		goto done;
	snprintf(what, sizeof(what), "referrers tag %s", tag);
	if ((err = parse_index(&idx, &body, mt, what, s->name, e)) < 0)
		goto done;
	if (!(*root = json_loadb((const char *)body.data, body.len, JSON_REJECT_DUPLICATES, NULL))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	err = 0;
done:
	sg_manifest_free(idx);
	sg_buf_release(&body);
	free(mt);
	return err;
}

static int index_has(json_t *manifests, const char *digest)
{
	size_t i;
	json_t *m;

	json_array_foreach(manifests, i, m) {
		const char *d = json_string_value(json_object_get(m, "digest"));

		if (d && !strcmp(d, digest))
			return 1;
	}
	return 0;
}

static int fallback_merge(void *ud, sg_store *s, const char *tag, int first_time, int *added,
			  size_t *count, sg_error *e)
{
	const struct entry *it = ud;
	json_t *root = NULL, *manifests, **v = NULL;
	char *bytes = NULL;
	size_t i, n;
	int err;

	(void)first_time;
	*added = 0;
	if ((err = load_fallback(&root, s, tag, e)) < 0)
		return err;
	manifests = json_object_get(root, "manifests");
	if (!json_is_array(manifests)) {
		err = sg_err(e, SG_EINVALID, "%s: referrers tag %s has no manifests", s->name, tag);
		goto done;
	}
	if (index_has(manifests, it->digest)) {
		*count = json_array_size(manifests);
		err = 0;
		goto done;
	}
	if (json_array_size(manifests) >= SG_MAX_REFERRERS) {
		err = sg_err(e, SG_ETOOBIG, "%s: referrers tag %s already lists %d manifests",
			     s->name, tag, SG_MAX_REFERRERS);
		goto done;
	}
	if (json_array_append(manifests, it->desc) < 0)
		goto oom;
	/* ggcr keeps the index sorted by digest; so do we, so that both write the same bytes. */
	n = json_array_size(manifests);
	if (!(v = malloc(n * sizeof(*v))))
		goto oom;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(manifests, i));
	qsort(v, n, sizeof(*v), by_digest);
	json_array_clear(manifests);
	for (i = 0; i < n; i++)
		if (json_array_append_new(manifests, v[i]) < 0)
			goto oom;
	free(v);
	v = NULL;
	if (!(bytes = json_dumps(root, JSON_COMPACT)))
		goto oom;
	err = sg_store_put_manifest(s, tag, bytes, strlen(bytes), SG_MT_OCI_INDEX, e);
	if (err == 0) {
		*added = 1;
		*count = n;
	}
	goto done;
oom:
	err = sg_err(e, SG_ERROR, "out of memory");
done:
	free(v);
	free(bytes);
	json_decref(root);
	return err;
}

static int fallback_check(void *ud, sg_store *s, const char *tag, int *present, size_t *count,
			  sg_error *e)
{
	const struct entry *it = ud;
	json_t *root = NULL, *manifests;
	int err;

	*present = 0;
	*count = 0;
	if ((err = load_fallback(&root, s, tag, e)) < 0)
		return err;
	manifests = json_object_get(root, "manifests");
	*present = index_has(manifests, it->digest);
	*count = json_array_size(manifests);
	json_decref(root);
	return 0;
}

static const sg_tagrmw_ops fallback_ops = { fallback_merge, fallback_check, "referrers index" };

int sg_referrers_push(sg_store *s, const char *subject_digest, const void *manifest, size_t len,
		      const char *artifact_type, const json_t *annotations, char *out_digest,
		      int *via, sg_error *e)
{
	sg_buf probe = SG_BUF_INIT(SG_MAX_MANIFEST);
	char digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	struct entry it = { NULL, digest };
	int err, filtered = 0, added;

	*via = SG_REFERRERS_NONE;
	sg_sha256_digest(digest, manifest, len);
	if (out_digest)
		memcpy(out_digest, digest, strlen(digest) + 1);
	if ((err = sg_store_put_manifest(s, digest, manifest, len, SG_MT_OCI_MANIFEST, e)) < 0)
		return err;
	/* As ggcr does after the PUT: a registry that answers the referrers API keeps the
	 * list itself. */
	err = sg_store_referrers(s, subject_digest, NULL, &probe, &filtered, e);
	sg_buf_release(&probe);
	if (err == 0) {
		*via = SG_REFERRERS_API;
		return 0;
	}
	if (err != SG_EUNSUPPORTED)
		return err;
	sg_error_clear(e);
	/* dist-spec: the index entry carries the manifest's artifactType and annotations
	 * (ggcr copies only the artifactType; readers do not mind either way). */
	it.desc = json_pack("{sssIss}", "mediaType", SG_MT_OCI_MANIFEST, "size", (json_int_t)len,
			    "digest", digest);
	if (!it.desc)
		return sg_err(e, SG_ERROR, "out of memory");
	if ((annotations && json_object_size(annotations) &&
	     json_object_set_new(it.desc, "annotations", json_deep_copy(annotations)) < 0) ||
	    (artifact_type && json_object_set_new(it.desc, "artifactType",
						   json_string(artifact_type)) < 0)) {
		json_decref(it.desc);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	sg_referrers_tag(tag, sizeof(tag), subject_digest);
	err = sg_tagrmw_add(s, tag, &fallback_ops, &it, &added, e);
	json_decref(it.desc);
	if (err == 0)
		*via = SG_REFERRERS_TAG;
	return err;
}
