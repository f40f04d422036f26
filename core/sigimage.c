#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "sigimage.h"
#include "tagrmw.h"
#include "gojson.h"
#include "store.h"
#include "digest.h"
#include "err.h"
#include "banned.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"

static int desc_copy(sg_desc *dst, const sg_desc *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->size = src->size;
	if (!(dst->media_type = strdup(src->media_type)) || !(dst->digest = strdup(src->digest)))
		goto oom;
	if (src->annotations && !(dst->annotations = json_deep_copy(src->annotations)))
		goto oom;
	return 0;
oom:
	sg_desc_release(dst);
	return SG_ERROR;
}

int sg_sigimage_load(sg_sigimage *out, sg_store *s, const char *tag, sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char digest[SG_DIGEST_MAX];
	sg_manifest *m = NULL;
	char *mt = NULL;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = sg_store_get_manifest(s, tag, &body, &mt, digest, e)) < 0)
		goto done;
	if ((err = sg_manifest_parse(&m, body.data, body.len, mt, e)) < 0) {
		sg_err_prefix(e, "%s:%s", s->name, tag);
		goto done;
	}
	if (m->is_index) {
		err = sg_err(e, SG_EINVALID, "%s:%s: is an index, not a signature image", s->name,
			     tag);
		goto done;
	}
	out->layers = calloc(m->nitems ? m->nitems : 1, sizeof(*out->layers));
	if (!out->layers) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < m->nitems; i++) {
		if (desc_copy(&out->layers[i], &m->items[i]) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
		out->nlayers++;
	}
done:
	if (err < 0)
		sg_sigimage_release(out);
	sg_manifest_free(m);
	sg_buf_release(&body);
	free(mt);
	return err;
}

void sg_sigimage_release(sg_sigimage *img)
{
	size_t i;

	for (i = 0; i < img->nlayers; i++)
		sg_desc_release(&img->layers[i]);
	free(img->layers);
	img->layers = NULL;
	img->nlayers = 0;
}

int sg_sigimage_config(sg_buf *out, const sg_sigimage *img)
{
	sg_gojson w;
	size_t i;

	/* go-containerregistry's v1.ConfigFile as cosign's empty.Image + AppendLayers makes it */
	sg_gojson_init(&w, out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "architecture");
	sg_gojson_str(&w, "");
	sg_gojson_key(&w, "created");
	sg_gojson_str(&w, ZERO_TIME);
	sg_gojson_key(&w, "history");
	sg_gojson_arr_open(&w);
	for (i = 0; i < img->nlayers; i++) {
		sg_gojson_obj_open(&w);
		sg_gojson_key(&w, "created");
		sg_gojson_str(&w, ZERO_TIME);
		sg_gojson_obj_close(&w);
	}
	sg_gojson_arr_close(&w);
	sg_gojson_key(&w, "os");
	sg_gojson_str(&w, "");
	sg_gojson_key(&w, "rootfs");
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "type");
	sg_gojson_str(&w, "layers");
	sg_gojson_key(&w, "diff_ids");
	sg_gojson_arr_open(&w);
	for (i = 0; i < img->nlayers; i++)
		sg_gojson_str(&w, img->layers[i].digest); /* layers are stored uncompressed */
	sg_gojson_arr_close(&w);
	sg_gojson_obj_close(&w);
	sg_gojson_key(&w, "config");
	sg_gojson_obj_open(&w);
	sg_gojson_obj_close(&w);
	sg_gojson_obj_close(&w);
	return w.err;
}

static void put_desc(sg_gojson *w, const char *mt, int64_t size, const char *digest,
		     const json_t *ann)
{
	sg_gojson_obj_open(w);
	sg_gojson_key(w, "mediaType");
	sg_gojson_str(w, mt);
	sg_gojson_key(w, "size");
	sg_gojson_int(w, size);
	sg_gojson_key(w, "digest");
	sg_gojson_str(w, digest);
	if (ann && json_object_size(ann)) {
		sg_gojson_key(w, "annotations");
		sg_gojson_value(w, ann); /* a Go map: sorted keys */
	}
	sg_gojson_obj_close(w);
}

int sg_sigimage_manifest(sg_buf *out, const sg_sigimage *img, const char *config_digest,
			 size_t config_size)
{
	sg_gojson w;
	size_t i;

	sg_gojson_init(&w, out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "schemaVersion");
	sg_gojson_int(&w, 2);
	sg_gojson_key(&w, "mediaType");
	sg_gojson_str(&w, SG_MT_OCI_MANIFEST);
	sg_gojson_key(&w, "config");
	put_desc(&w, SG_MT_OCI_CONFIG, (int64_t)config_size, config_digest, NULL);
	sg_gojson_key(&w, "layers");
	sg_gojson_arr_open(&w);
	for (i = 0; i < img->nlayers; i++)
		put_desc(&w, img->layers[i].media_type, img->layers[i].size,
			 img->layers[i].digest, img->layers[i].annotations);
	sg_gojson_arr_close(&w);
	sg_gojson_obj_close(&w);
	return w.err;
}

int sg_sigimage_append(sg_sigimage *img, const sg_desc *layer, sg_sigimage_dup_fn is_dup,
		       void *ud, sg_error *e)
{
	sg_desc *grown;
	size_t i;

	for (i = 0; i < img->nlayers; i++) {
		const sg_desc *l = &img->layers[i];

		if (strcmp(l->media_type, layer->media_type) || strcmp(l->digest, layer->digest))
			continue;
		if (is_dup ? is_dup(l, layer, ud)
			   : (l->annotations && layer->annotations &&
			      json_equal(l->annotations, layer->annotations)))
			return 0;
	}
	if (img->nlayers >= SG_MAX_LAYERS)
		return sg_err(e, SG_ETOOBIG, "signature image already has %d layers",
			      SG_MAX_LAYERS);
	grown = realloc(img->layers, (img->nlayers + 1) * sizeof(*grown));
	if (!grown)
		return sg_err(e, SG_ERROR, "out of memory");
	img->layers = grown;
	if (desc_copy(&img->layers[img->nlayers], layer) < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	img->nlayers++;
	return 1;
}

int sg_sigimage_layer_blob(sg_buf *out, sg_store *s, const sg_desc *l, size_t cap, sg_error *e)
{
	int err;

	if (l->size < 0 || (uint64_t)l->size > cap)
		return sg_err(e, SG_EVERIFY, "layer %s: size %lld over the limit", l->digest,
			      (long long)l->size);
	out->max = (size_t)l->size;
	if ((err = sg_store_get_blob(s, l->digest, out, e)) < 0) {
		if (err == SG_EDIGEST || err == SG_ETOOBIG)
			e->code = err = SG_EVERIFY;
		return err;
	}
	if (out->len != (size_t)l->size)
		return sg_err(e, SG_EVERIFY, "layer %s: size differs from its descriptor", l->digest);
	return 0;
}

int sg_sigimage_push(sg_store *s, const char *tag, const sg_sigimage *img, sg_error *e)
{
	sg_buf cfg = SG_BUF_INIT(SG_MAX_CONFIG), man = SG_BUF_INIT(SG_MAX_MANIFEST);
	char cfg_digest[SG_DIGEST_MAX];
	int err;

	if ((err = sg_sigimage_config(&cfg, img)) < 0 ||
	    (sg_sha256_digest(cfg_digest, cfg.data, cfg.len), 0) ||
	    (err = sg_sigimage_manifest(&man, img, cfg_digest, cfg.len)) < 0) {
		err = sg_err(e, SG_ETOOBIG, "%s:%s: signature image too large", s->name, tag);
		goto done;
	}
	/* Every blob the manifest names exists before the manifest does. */
	if ((err = sg_store_put_blob(s, cfg_digest, cfg.data, cfg.len, e)) < 0)
		goto done;
	err = sg_store_put_manifest(s, tag, man.data, man.len, SG_MT_OCI_MANIFEST, e);
done:
	sg_buf_release(&cfg);
	sg_buf_release(&man);
	return err;
}

static int has_layer(const sg_sigimage *img, const sg_desc *layer)
{
	size_t i;

	for (i = 0; i < img->nlayers; i++) {
		const sg_desc *l = &img->layers[i];

		if (!strcmp(l->media_type, layer->media_type) && !strcmp(l->digest, layer->digest) &&
		    l->annotations && layer->annotations && json_equal(l->annotations, layer->annotations))
			return 1;
	}
	return 0;
}

struct add_item {
	const sg_desc *layer;
	sg_sigimage_dup_fn is_dup;
	void *ud;
};

/* One read-modify-write: load what is at tag, append, push. Merges after the first only
 * look for our exact layer (the caller's dedupe already ran). */
static int add_merge(void *ud, sg_store *s, const char *tag, int first_time, int *added,
		     size_t *count, sg_error *e)
{
	const struct add_item *it = ud;
	sg_sigimage img = { NULL, 0 };
	int err;

	err = sg_sigimage_load(&img, s, tag, e);
	if (err == SG_ENOTFOUND)
		err = 0;
	if (err < 0)
		goto done;
	if ((err = sg_sigimage_append(&img, it->layer, first_time ? it->is_dup : NULL,
				      first_time ? it->ud : NULL, e)) < 0)
		goto done;
	*added = err;
	*count = img.nlayers;
	err = *added ? sg_sigimage_push(s, tag, &img, e) : 0;
done:
	sg_sigimage_release(&img);
	return err;
}

static int add_check(void *ud, sg_store *s, const char *tag, int *present, size_t *count,
		     sg_error *e)
{
	const struct add_item *it = ud;
	sg_sigimage now = { NULL, 0 };
	int err;

	*present = 0;
	*count = 0;
	err = sg_sigimage_load(&now, s, tag, e);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	*present = has_layer(&now, it->layer);
	*count = now.nlayers;
	sg_sigimage_release(&now);
	return 0;
}

static const sg_tagrmw_ops add_ops = { add_merge, add_check, "signature image" };

int sg_sigimage_add(sg_store *s, const char *tag, const sg_desc *layer, sg_sigimage_dup_fn is_dup,
		    void *ud, int *added, sg_error *e)
{
	struct add_item it = { layer, is_dup, ud };

	return sg_tagrmw_add(s, tag, &add_ops, &it, added, e);
}
