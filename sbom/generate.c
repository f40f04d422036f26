/* From a reference to an SPDX document (sbom.h): resolve the manifest (picking a platform
 * from an index), read the config, stream every layer through the walker, run the
 * catalogers, write SPDX. The core never prints: findings go to o->warn.
 *
 * For now each layer blob is fetched whole into memory (sg_store_get_blob, capped by its
 * descriptor size and SG_SBOM_MAX_LAYER), then streamed from there; a streaming blob API
 * will let libarchive read straight from the registry or the layout file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "sbom.h"
#include "spdx.h"
#include "walker.h"
#include "catalog.h"
#include "manifest.h"
#include "store.h"
#include "ref.h"
#include "err.h"
#include "banned.h"

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	NULL,
};

const char *sg_sbom_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "amd64";
#endif
}

struct image {
	sg_store *store;
	sg_manifest *m;          /* the platform manifest */
	char digest[SG_DIGEST_MAX];
	char *os, *arch, *variant; /* from the config */
	char **layers;
};

static void image_release(struct image *im)
{
	sg_manifest_free(im->m);
	free(im->os);
	free(im->arch);
	free(im->variant);
	free(im->layers); /* borrowed strings from m */
	memset(im, 0, sizeof(*im));
}

static int platform_matches(const sg_desc *d, const sg_sbom_opts *o, const char *os,
			    const char *arch)
{
	if (!d->os || !d->architecture || strcmp(d->os, os) || strcmp(d->architecture, arch))
		return 0;
	if (o->variant)
		return d->variant && !strcmp(d->variant, o->variant);
	return 1;
}

/* Picks the index entry for the wanted platform; the error lists what the index has. */
static int pick(const sg_desc **out, const sg_manifest *idx, const sg_sbom_opts *o,
		const char *os, const char *arch, sg_error *e)
{
	char have[512] = "";
	size_t i, n;

	*out = NULL;
	for (i = 0; i < idx->nitems; i++) {
		const sg_desc *d = &idx->items[i];

		if (!sg_media_type_is_manifest(d->media_type) || !platform_matches(d, o, os, arch))
			continue;
		/* arm64 without a variant asked: prefer v8 (or none) over others */
		if (!*out || (!o->variant && d->variant && !strcmp(d->variant, "v8") && (*out)->variant &&
			      strcmp((*out)->variant, "v8")))
			*out = d;
	}
	if (*out)
		return 0;
	for (i = 0; i < idx->nitems; i++) {
		const sg_desc *d = &idx->items[i];

		n = strlen(have);
		if (d->os && d->architecture && n + 64 < sizeof(have))
			snprintf(have + n, sizeof(have) - n, "%s%s/%s%s%s", n ? ", " : "", d->os,
				 d->architecture, d->variant ? "/" : "", d->variant ? d->variant : "");
	}
	return sg_err(e, SG_ENOTFOUND, "the index has no %s/%s%s%s image (it has: %s)", os, arch,
		      o->variant ? "/" : "", o->variant ? o->variant : "", have[0] ? have : "none");
}

static int config_string(char **out, const json_t *root, const char *key)
{
	const json_t *v = json_object_get(root, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return SG_EINVALID;
	return (*out = strdup(json_string_value(v))) ? 0 : SG_ERROR;
}

static int read_config(struct image *im, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_CONFIG);
	json_error_t je;
	json_t *root = NULL;
	int err;

	if (im->m->config.size < 0 || (uint64_t)im->m->config.size > SG_MAX_CONFIG) {
		err = sg_err(e, SG_ETOOBIG, "image config of %lld bytes, over the %u-byte cap",
			     (long long)im->m->config.size, SG_MAX_CONFIG);
		goto done;
	}
	b.max = (size_t)im->m->config.size;
	if ((err = sg_store_get_blob(im->store, im->m->config.digest, &b, e)) < 0)
		goto done;
	if (!(root = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &je)) ||
	    !json_is_object(root)) {
		err = sg_err(e, SG_EINVALID, "image config %s is not a JSON object", im->m->config.digest);
		goto done;
	}
	if ((err = config_string(&im->os, root, "os")) < 0 ||
	    (err = config_string(&im->arch, root, "architecture")) < 0 ||
	    (err = config_string(&im->variant, root, "variant")) < 0) {
		err = err == SG_ERROR ? sg_err(e, SG_ERROR, "out of memory")
				      : sg_err(e, SG_EINVALID, "image config: os, architecture or variant is not a string");
		goto done;
	}
done:
	json_decref(root);
	sg_buf_release(&b);
	return err;
}

static int check_layers(struct image *im, sg_error *e)
{
	size_t i, k;

	if (im->m->nitems > SG_MAX_LAYERS)
		return sg_err(e, SG_ETOOBIG, "%zu layers, over the %d cap", im->m->nitems, SG_MAX_LAYERS);
	if (!(im->layers = calloc(im->m->nitems + 1, sizeof(*im->layers))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < im->m->nitems; i++) {
		const sg_desc *d = &im->m->items[i];

		for (k = 0; layer_types[k] && strcmp(layer_types[k], d->media_type); k++)
			;
		if (!layer_types[k])
			return sg_err(e, SG_EUNSUPPORTED, "layer %zu (%s) has media type %s, not a "
				      "filesystem layer: not a container image?", i, d->digest,
				      d->media_type);
		if (d->size < 0 || (uint64_t)d->size > SG_SBOM_MAX_LAYER)
			return sg_err(e, SG_ETOOBIG, "layer %zu (%s): %lld bytes, over the %zu-byte cap",
				      i, d->digest, (long long)d->size, SG_SBOM_MAX_LAYER);
		im->layers[i] = d->digest;
	}
	return 0;
}

/* The manifest for ref on the wanted platform, its config and layer list. */
static int load_image(struct image *im, sg_ctx *ctx, const sg_ref *ref, const sg_sbom_opts *o,
		      sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	sg_manifest *top = NULL;
	const sg_desc *d;
	const char *os = o->os ? o->os : "linux", *arch = o->arch ? o->arch : sg_sbom_host_arch();
	char *mt = NULL;
	int err;

	if ((err = sg_ctx_store(&im->store, ctx, ref, e)) < 0 ||
	    (err = sg_store_get_manifest(im->store, sg_ref_target(ref), &body, &mt, im->digest, e)) < 0 ||
	    (err = sg_manifest_parse(&top, body.data, body.len, mt, e)) < 0)
		goto done;
	if (top->is_index) {
		char want[SG_DIGEST_MAX];

		if ((err = pick(&d, top, o, os, arch, e)) < 0)
			goto done;
		snprintf(want, sizeof(want), "%s", d->digest);
		sg_buf_reset(&body);
		free(mt);
		mt = NULL;
		if ((err = sg_store_get_manifest(im->store, want, &body, &mt, im->digest, e)) < 0 ||
		    (err = sg_manifest_parse(&im->m, body.data, body.len, mt, e)) < 0)
			goto done;
		if (im->m->is_index) {
			err = sg_err(e, SG_EUNSUPPORTED, "%s: an index inside an index", im->digest);
			goto done;
		}
	} else {
		im->m = top;
		top = NULL;
	}
	if ((err = read_config(im, e)) < 0 || (err = check_layers(im, e)) < 0)
		goto done;
	if (o->platform_set && (!im->os || !im->arch || strcmp(im->os, os) || strcmp(im->arch, arch) ||
				(o->variant && (!im->variant || strcmp(im->variant, o->variant))))) {
		err = sg_err(e, SG_ENOTFOUND, "the image is %s/%s%s%s, not the %s/%s asked for",
			     im->os ? im->os : "?", im->arch ? im->arch : "?", im->variant ? "/" : "",
			     im->variant ? im->variant : "", os, arch);
		goto done;
	}
done:
	sg_manifest_free(top);
	sg_buf_release(&body);
	free(mt);
	return err;
}

struct fetch_arg {
	struct image *im;
};

static int fetch_layer(void *arg, size_t layer, sg_buf *out, sg_error *e)
{
	struct image *im = ((struct fetch_arg *)arg)->im;
	const sg_desc *d;

	if (layer >= im->m->nitems)
		return sg_err(e, SG_EINVALID, "no layer %zu", layer);
	d = &im->m->items[layer];
	sg_buf_release(out);
	sg_buf_init(out, (size_t)d->size);
	return sg_store_get_blob(im->store, d->digest, out, e);
}

static int walk(sg_walker *w, struct image *im, sg_error *e)
{
	struct fetch_arg fa = { im };
	sg_buf blob = SG_BUF_INIT(0);
	size_t i;
	int err = 0;

	for (i = 0; i < im->m->nitems; i++) {
		if ((err = fetch_layer(&fa, i, &blob, e)) < 0) {
			sg_err_prefix(e, "layer %zu (%s)", i, im->layers[i]);
			goto done;
		}
		if (blob.len != (size_t)im->m->items[i].size) {
			err = sg_err(e, SG_EINVALID, "layer %zu (%s): %zu bytes, not the %lld its "
				     "descriptor says", i, im->layers[i], blob.len,
				     (long long)im->m->items[i].size);
			goto done;
		}
		if ((err = sg_walker_add_layer(w, blob.data, blob.len, e)) < 0) {
			sg_err_prefix(e, "blob %s", im->layers[i]);
			goto done;
		}
		sg_buf_release(&blob);
	}
	err = sg_walker_finish(w, fetch_layer, &fa, e);
done:
	sg_buf_release(&blob);
	return err;
}

/* What each cataloger learns from every layer's copy of its evidence (walker.h observe):
 * which layer introduced a package. */
struct hists {
	sg_dpkg_hist *dpkg;
	sg_apk_hist *apk;
	sg_file_hist *files;
};

static int hists_new(struct hists *h, sg_error *e)
{
	int err;

	if ((err = sg_dpkg_hist_new(&h->dpkg, e)) < 0 || (err = sg_apk_hist_new(&h->apk, e)) < 0 ||
	    (err = sg_file_hist_new(&h->files, e)) < 0)
		return err;
	return 0;
}

static void hists_release(struct hists *h)
{
	sg_dpkg_hist_free(h->dpkg);
	sg_apk_hist_free(h->apk);
	sg_file_hist_free(h->files);
}

/* The walker's one observe hook: each history keeps the paths it knows. */
static void observe(void *arg, const char *path, size_t layer, const unsigned char *data,
		    size_t len)
{
	struct hists *h = arg;

	sg_dpkg_hist_observe(h->dpkg, path, layer, data, len);
	sg_apk_hist_observe(h->apk, path, layer, data, len);
	sg_file_hist_observe(h->files, path, layer, data, len);
}

static int wants(sg_walker *w, sg_error *e)
{
	size_t i;
	int err;

	for (i = 0; sg_os_wants[i]; i++)
		if ((err = sg_walker_want(w, sg_os_wants[i], 0, 0, e)) < 0)
			return err;
	if ((err = sg_dpkg_wants(w, e)) < 0 || (err = sg_apk_wants(w, e)) < 0 ||
	    (err = sg_python_wants(w, e)) < 0 || (err = sg_npm_wants(w, e)) < 0)
		return err;
	return 0;
}

static int catalog(sg_catalog *c, const sg_walker *w, const struct hists *h,
		   const sg_sbom_opts *o, sg_error *e)
{
	int err;

	if ((err = sg_cat_os(&c->os, w, o->warn, o->warn_arg, e)) < 0 ||
	    (err = sg_cat_dpkg(c, w, h->dpkg, o->warn, o->warn_arg, e)) < 0 ||
	    (err = sg_cat_apk(c, w, h->apk, o->warn, o->warn_arg, e)) < 0 ||
	    (err = sg_cat_python(c, w, h->files, o->warn, o->warn_arg, e)) < 0 ||
	    (err = sg_cat_npm(c, w, h->files, o->warn, o->warn_arg, e)) < 0 ||
	    (err = sg_catalog_finish(c, w, e)) < 0)
		return err;
	return 0;
}

int sg_sbom_generate(sg_buf *out, sg_ctx *ctx, const sg_ref *ref, const sg_sbom_opts *o,
		     sg_error *e)
{
	struct image im;
	sg_walk_opts wo = { 0 };
	sg_walker *w = NULL;
	struct hists hist = { NULL, NULL, NULL };
	sg_catalog c;
	sg_sbom_image img;
	char *name = NULL, *repo = NULL;
	int err;

	memset(&im, 0, sizeof(im));
	memset(&c, 0, sizeof(c));
	if ((err = load_image(&im, ctx, ref, o, e)) < 0 || (err = hists_new(&hist, e)) < 0)
		goto done;
	wo.warn = o->warn;
	wo.warn_arg = o->warn_arg;
	wo.observe = observe;
	wo.observe_arg = &hist;
	if ((err = sg_walker_new(&w, &wo, e)) < 0 || (err = wants(w, e)) < 0 ||
	    (err = walk(w, &im, e)) < 0 || (err = catalog(&c, w, &hist, o, e)) < 0)
		goto done;
	if (!(name = sg_ref_string(ref)) || !(repo = sg_ref_repo_name(ref))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	memset(&img, 0, sizeof(img));
	img.name = name;
	img.repo = repo;
	img.local = ref->kind == SG_REF_OCI;
	img.tag = ref->tag;
	img.digest = im.digest;
	img.os = im.os;
	img.arch = im.arch;
	img.variant = im.variant;
	img.layers = im.layers;
	img.nlayers = im.m->nitems;
	err = sg_spdx_write(out, &img, &c, w, o->created, e);
done:
	free(name);
	free(repo);
	sg_catalog_release(&c);
	sg_walker_free(w);
	hists_release(&hist);
	image_release(&im);
	return err;
}
