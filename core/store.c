#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "store.h"
#include "ref.h"
#include "manifest.h"
#include "err.h"
#include "banned.h"

int sg_store_get_manifest(sg_store *s, const char *ref, sg_buf *body, char **media_type,
			  char digest[SG_DIGEST_MAX], sg_error *e)
{
	char server[SG_DIGEST_MAX] = "";
	int err;

	*media_type = NULL;
	digest[0] = '\0';
	if ((err = s->ops->get_manifest(s, ref, body, media_type, server, e)) < 0)
		return err;
	/* Digests are over the bytes as received; never trust a claim we can check. */
	if (sg_digest_valid(ref)) {
		if ((err = sg_digest_check(ref, body->data, body->len, e)) < 0)
			goto fail;
		memcpy(digest, ref, strlen(ref) + 1);
	} else {
		sg_sha256_digest(digest, body->data, body->len);
	}
	if (server[0] && strncmp(server, digest, 7) == 0 && strcmp(server, digest) != 0) {
		err = sg_err(e, SG_EDIGEST, "registry claims digest %s but the bytes hash to %s",
			     server, digest);
		goto fail;
	}
	return 0;
fail:
	sg_err_prefix(e, "%s%s%s", s->name, sg_digest_valid(ref) ? "@" : ":", ref);
	free(*media_type);
	*media_type = NULL;
	digest[0] = '\0';
	return err;
}

int sg_store_put_manifest(sg_store *s, const char *ref, const void *data, size_t len,
			  const char *media_type, sg_error *e)
{
	int err;

	if (sg_digest_valid(ref) && (err = sg_digest_check(ref, data, len, e)) < 0)
		return err;
	return s->ops->put_manifest(s, ref, data, len, media_type, e);
}

int sg_store_has_blob(sg_store *s, const char *digest, sg_error *e)
{
	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid blob digest", s->name);
	return s->ops->has_blob(s, digest, e);
}

int sg_store_get_blob(sg_store *s, const char *digest, sg_buf *out, sg_error *e)
{
	int err;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid blob digest", s->name);
	if ((err = s->ops->get_blob(s, digest, out, e)) < 0)
		return err;
	if ((err = sg_digest_check(digest, out->data, out->len, e)) < 0) {
		sg_buf_reset(out);
		return sg_err_prefix(e, "%s: blob %s", s->name, digest);
	}
	return 0;
}

/* What sg_store_get_blob_stream puts between the store and the caller's sink. */
struct checked {
	EVP_MD_CTX *md;
	int64_t size;           /* -1: unknown */
	uint64_t got;
	sg_blob_sink_fn fn;
	void *arg;
	const char *name, *digest; /* for messages */
};

static int checked_sink(void *arg, const void *data, size_t len, sg_error *e)
{
	struct checked *c = arg;

	if (c->size >= 0 && (uint64_t)c->size - c->got < len)
		return sg_err(e, SG_EINVALID, "%s: blob %s: more than the %lld bytes its "
			      "descriptor says", c->name, c->digest, (long long)c->size);
	c->got += len;
	if (EVP_DigestUpdate(c->md, data, len) != 1)
		return sg_err(e, SG_ERROR, "digest update failed");
	return c->fn(c->arg, data, len, e);
}

/* Without a streaming op: the whole blob, then one call. */
static int whole_blob(sg_store *s, const char *digest, struct checked *c, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(c->size >= 0 ? (size_t)c->size : (size_t)SG_MAX_PAYLOAD);
	int err;

	if (c->size >= 0 && (uint64_t)c->size > SIZE_MAX - 1)
		return sg_err(e, SG_ETOOBIG, "blob too large for this machine");
	if ((err = s->ops->get_blob(s, digest, &b, e)) >= 0)
		err = checked_sink(c, b.data ? (const void *)b.data : "", b.len, e);
	sg_buf_release(&b);
	return err;
}

int sg_store_get_blob_stream(sg_store *s, const char *digest, int64_t size, sg_blob_sink_fn fn,
			     void *arg, sg_error *e)
{
	struct checked c = { NULL, size < 0 ? -1 : size, 0, fn, arg, s->name, digest };
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned mdlen = 0;
	int err;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid blob digest", s->name);
	if (!(c.md = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(c.md, digest[3] == '2' ? EVP_sha256() : EVP_sha512(), NULL) != 1) {
		err = sg_err(e, SG_ERROR, "digest initialisation failed");
		goto done;
	}
	err = s->ops->get_blob_stream ? s->ops->get_blob_stream(s, digest, checked_sink, &c, e)
				      : whole_blob(s, digest, &c, e);
	if (err < 0)
		goto done; /* the store's and the sink's messages say where already */
	if (c.size >= 0 && c.got != (uint64_t)c.size) {
		err = sg_err(e, SG_EINVALID, "%llu bytes, not the %lld its descriptor says",
			     (unsigned long long)c.got, (long long)c.size);
		goto fail;
	}
	if (EVP_DigestFinal_ex(c.md, md, &mdlen) != 1) {
		err = sg_err(e, SG_ERROR, "digest finalisation failed");
		goto done;
	}
	sg_hex(hex, md, mdlen);
	/* the verdict comes last: every byte handed over is suspect until here */
	if (CRYPTO_memcmp(hex, digest + 7, 2 * (size_t)mdlen) != 0) {
		err = sg_err(e, SG_EDIGEST, "content does not match digest %s (got %.6s:%s)",
			     digest, digest, hex);
		goto fail;
	}
	goto done;
fail:
	sg_err_prefix(e, "%s: blob %s", s->name, digest);
done:
	EVP_MD_CTX_free(c.md);
	return err;
}

int sg_store_put_blob(sg_store *s, const char *digest, const void *data, size_t len, sg_error *e)
{
	int err;

	if ((err = sg_digest_check(digest, data, len, e)) < 0)
		return err;
	/* Asking first costs a round trip; for small blobs (payloads, configs) uploading
	 * again is cheaper than asking, and the store keeps one copy either way. */
	if (len > SG_SMALL_BLOB) {
		if ((err = s->ops->has_blob(s, digest, e)) < 0)
			return err;
		if (err == 1)
			return 0;
	}
	return s->ops->put_blob(s, digest, data, len, e);
}

int sg_store_referrers(sg_store *s, const char *digest, const char *artifact_type, sg_buf *index,
		       int *filtered, sg_error *e)
{
	*filtered = 0;
	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "%s: invalid digest", s->name);
	if (!s->ops->referrers)
		return SG_EUNSUPPORTED;
	return s->ops->referrers(s, digest, artifact_type, index, filtered, e);
}

int sg_store_lock(sg_store *s, int on, sg_error *e)
{
	int err;

	if (!s->ops->lock)
		return 0;
	if ((err = s->ops->lock(s, on, e)) < 0)
		return err;
	return 1;
}

void sg_store_free(sg_store *s)
{
	if (s)
		s->ops->free(s);
}

int sg_store_twin(sg_store *s, sg_store **out, sg_error *e)
{
	*out = NULL;
	if (!s->ops->twin)
		return SG_EUNSUPPORTED;
	return s->ops->twin(s, out, e);
}

/* ---- context ---- */

struct store_entry {
	char *key;
	sg_store *store;
};

struct sg_ctx {
	sg_opts opts;
	CURLSH *share;
	struct store_entry *stores;
	size_t nstores;
};

int sg_ctx_new(sg_ctx **out, const sg_opts *opts, sg_error *e)
{
	sg_ctx *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (!ctx)
		return sg_err(e, SG_ERROR, "out of memory");
	if (opts)
		ctx->opts = *opts;
	ctx->share = curl_share_init();
	if (!ctx->share) {
		free(ctx);
		return sg_err(e, SG_ERROR, "curl_share_init failed");
	}
	curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	*out = ctx;
	return 0;
}

void sg_ctx_free(sg_ctx *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < ctx->nstores; i++) {
		sg_store_free(ctx->stores[i].store);
		free(ctx->stores[i].key);
	}
	free(ctx->stores);
	curl_share_cleanup(ctx->share);
	free(ctx);
}

const sg_opts *sg_ctx_opts(const sg_ctx *ctx)
{
	return &ctx->opts;
}

void *sg_ctx_curl_share(sg_ctx *ctx)
{
	return ctx->share;
}

int sg_ctx_store(sg_store **out, sg_ctx *ctx, const sg_ref *ref, sg_error *e)
{
	struct store_entry *grown;
	sg_store *s = NULL;
	char *key = NULL;
	size_t i, n;
	int err;

	*out = NULL;
	n = strlen(ref->path ? ref->path : "") + strlen(ref->registry ? ref->registry : "") +
	    strlen(ref->repository ? ref->repository : "") + 8;
	if (!(key = malloc(n)))
		return sg_err(e, SG_ERROR, "out of memory");
	if (ref->kind == SG_REF_OCI)
		snprintf(key, n, "oci:%s", ref->path);
	else
		snprintf(key, n, "%s/%s", ref->registry, ref->repository);
	for (i = 0; i < ctx->nstores; i++) {
		if (!strcmp(ctx->stores[i].key, key)) {
			free(key);
			*out = ctx->stores[i].store;
			return 0;
		}
	}
	if (ref->kind == SG_REF_OCI)
		err = sg_layout_open(&s, ref->path, 0, e);
	else
		err = sg_registry_open(&s, ctx, ref->registry, ref->repository, e);
	if (err < 0)
		goto done;
	grown = realloc(ctx->stores, (ctx->nstores + 1) * sizeof(*grown));
	if (!grown) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	ctx->stores = grown;
	ctx->stores[ctx->nstores].key = key;
	ctx->stores[ctx->nstores].store = s;
	ctx->nstores++;
	*out = s;
	key = NULL;
	s = NULL;
done:
	sg_store_free(s);
	free(key);
	return err;
}

int sg_image_fetch(sg_image *out, sg_store *s, const char *target, sg_error *e)
{
	char *mt = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	sg_buf_init(&out->body, SG_MAX_MANIFEST);
	if ((err = sg_store_get_manifest(s, target, &out->body, &mt, out->digest, e)) < 0)
		goto done;
	if ((err = sg_manifest_parse(&out->m, out->body.data, out->body.len, mt, e)) < 0) {
		sg_err_prefix(e, "%s: %s is not an image manifest or index", s->name, target);
		goto done;
	}
	out->media_type = out->m->media_type;
done:
	free(mt);
	if (err < 0)
		sg_image_release(out);
	return err;
}

void sg_image_release(sg_image *img)
{
	sg_manifest_free(img->m);
	sg_buf_release(&img->body);
	memset(img, 0, sizeof(*img));
}

int sg_resolve(char digest[SG_DIGEST_MAX], sg_store *s, const sg_ref *ref, int fetch_digest,
	       sg_error *e)
{
	sg_image img;
	int err;

	if (ref->digest && !fetch_digest) {
		snprintf(digest, SG_DIGEST_MAX, "%s", ref->digest);
		return 0;
	}
	digest[0] = '\0';
	if ((err = sg_image_fetch(&img, s, sg_ref_target(ref), e)) < 0)
		return err;
	memcpy(digest, img.digest, SG_DIGEST_MAX);
	sg_image_release(&img);
	return 0;
}

int sg_resolve_platform(char digest[SG_DIGEST_MAX], sg_store *s, const sg_ref *ref,
			const sg_platform *p, sg_error *e)
{
	const sg_desc *d;
	sg_image img;
	int err;

	if (!p)
		return sg_resolve(digest, s, ref, 0, e);
	digest[0] = '\0';
	if ((err = sg_image_fetch(&img, s, sg_ref_target(ref), e)) < 0)
		return err;
	if (!img.m->is_index) {
		memcpy(digest, img.digest, SG_DIGEST_MAX);
	} else if ((err = sg_index_pick(&d, img.m, p, e)) < 0) {
		sg_err_prefix(e, "%s: %s", s->name, sg_ref_target(ref));
	} else {
		snprintf(digest, SG_DIGEST_MAX, "%s", d->digest);
	}
	sg_image_release(&img);
	return err;
}
