/* From an image to an SPDX document (sbom.h): resolve the manifest (picking a platform
 * from an index), read the config, stream every layer through the walker, run the
 * catalogers, write SPDX. The core never prints: findings go to o->warn.
 *
 * Layers are never held whole: each is a pipe (pipe.h) whose producer thread streams the
 * blob from the store (sg_store_get_blob_stream: the layout file in chunks, or the HTTP
 * body), inflates gzip, and hands slots to libarchive in the walker; the blob's digest is
 * checked after its last byte, and a mismatch fails the whole SBOM. docker-archive: and
 * dir: inputs (input.h) feed the same pipes from an archive member or a directory packed
 * on the fly. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "sbom.h"
#include "input.h"
#include "pipe.h"
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
	const sg_sbom_input *in;
	sg_store *store;         /* a reference's */
	sg_manifest *m;          /* the platform manifest (a reference's) */
	sg_dockerar *da;         /* docker-archive: */
	char digest[SG_DIGEST_MAX];
	char *os, *arch, *variant; /* from the config */
	char **layers;           /* digests (diff_ids for docker-archive:), borrowed */
	size_t nlayers;
	sg_warn_fn warn;         /* dir: findings, from the pipe's thread */
	void *warn_arg;
	int stream_failed;       /* the last error came from the layer's producer */
	const sg_sbom_opts *o;   /* its progress callback */
	uint64_t total;          /* bytes of all layer blobs as stored; 0: unknown (dir:) */
	uint64_t base;           /* bytes read this pass before the current layer */
	int again;               /* the second pass */
};

static void image_release(struct image *im)
{
	sg_manifest_free(im->m);
	sg_dockerar_free(im->da);
	free(im->os);
	free(im->arch);
	free(im->variant);
	free(im->layers); /* borrowed strings from m, da or digest */
	memset(im, 0, sizeof(*im));
}

/* The platform asked for, else linux/<this machine's architecture> (in host). */
static const sg_platform *want_platform(const sg_sbom_opts *o, sg_platform *host)
{
	if (o->platform)
		return o->platform;
	memset(host, 0, sizeof(*host));
	host->os = "linux";
	host->arch = sg_sbom_host_arch();
	return host;
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

/* os, architecture and variant from config bytes; what names the config in messages. */
static int parse_config(struct image *im, const sg_buf *b, const char *what, sg_error *e)
{
	json_error_t je;
	json_t *root = NULL;
	int err = 0;

	if (!(root = json_loadb((const char *)b->data, b->len, JSON_REJECT_DUPLICATES, &je)) ||
	    !json_is_object(root)) {
		err = sg_err(e, SG_EINVALID, "image config %s is not a JSON object", what);
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
	return err;
}

static int read_config(struct image *im, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(SG_MAX_CONFIG);
	int err;

	if (im->m->config.size < 0 || (uint64_t)im->m->config.size > SG_MAX_CONFIG) {
		err = sg_err(e, SG_ETOOBIG, "image config of %lld bytes, over the %u-byte cap",
			     (long long)im->m->config.size, SG_MAX_CONFIG);
		goto done;
	}
	b.max = (size_t)im->m->config.size;
	if ((err = sg_store_get_blob(im->store, im->m->config.digest, &b, e)) < 0)
		goto done;
	err = parse_config(im, &b, im->m->config.digest, e);
done:
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
			return sg_err(e, SG_ETOOBIG, "layer %zu (%s): %lld bytes, over the %llu-byte cap",
				      i, d->digest, (long long)d->size,
				      (unsigned long long)SG_SBOM_MAX_LAYER);
		im->layers[i] = d->digest;
		im->total += (uint64_t)d->size;
	}
	im->nlayers = im->m->nitems;
	return 0;
}

/* --platform given: the image must be that platform. */
static int check_platform(const struct image *im, const sg_platform *p, sg_error *e)
{
	if (p && (!im->os || !im->arch || strcmp(im->os, p->os) || strcmp(im->arch, p->arch) ||
		  (p->variant && (!im->variant || strcmp(im->variant, p->variant)))))
		return sg_err(e, SG_ENOTFOUND, "the image is %s/%s%s%s, not the %s/%s%s%s asked for",
			      im->os ? im->os : "?", im->arch ? im->arch : "?", im->variant ? "/" : "",
			      im->variant ? im->variant : "", p->os, p->arch, p->variant ? "/" : "",
			      p->variant ? p->variant : "");
	return 0;
}

/* The manifest for ref on the wanted platform, its config and layer list. */
static int load_image(struct image *im, sg_ctx *ctx, const sg_ref *ref, const sg_sbom_opts *o,
		      sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	sg_manifest *top = NULL;
	const sg_desc *d;
	sg_platform host;
	char *mt = NULL;
	int err;

	if ((err = sg_ctx_store(&im->store, ctx, ref, e)) < 0 ||
	    (err = sg_store_get_manifest(im->store, sg_ref_target(ref), &body, &mt, im->digest, e)) < 0 ||
	    (err = sg_manifest_parse(&top, body.data, body.len, mt, e)) < 0)
		goto done;
	if (top->is_index) {
		char want[SG_DIGEST_MAX];

		if ((err = sg_index_pick(&d, top, want_platform(o, &host), e)) < 0)
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
	err = check_platform(im, o->platform, e);
done:
	sg_manifest_free(top);
	sg_buf_release(&body);
	free(mt);
	return err;
}

/* docker-archive:FILE: the picked image's config and layers. */
static int load_docker(struct image *im, const sg_sbom_opts *o, sg_error *e)
{
	size_t i;
	int err;

	if ((err = sg_dockerar_open(&im->da, im->in->path, im->in->pick, e)) < 0 ||
	    (err = parse_config(im, sg_dockerar_config(im->da), sg_dockerar_config_digest(im->da),
				e)) < 0)
		return err;
	snprintf(im->digest, sizeof(im->digest), "%s", sg_dockerar_config_digest(im->da));
	im->nlayers = sg_dockerar_nlayers(im->da);
	if (!(im->layers = calloc(im->nlayers + 1, sizeof(*im->layers))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < im->nlayers; i++) {
		im->layers[i] = (char *)sg_dockerar_diff_id(im->da, i);
		im->total += sg_dockerar_layer_size(im->da, i);
	}
	return check_platform(im, o->platform, e);
}

/* dir:ROOTFS: one pseudo-layer, named by the digest of the tar it is packed as (known
 * once it has been read). */
static int load_dir(struct image *im, sg_error *e)
{
	im->nlayers = 1;
	if (!(im->layers = calloc(2, sizeof(*im->layers))))
		return sg_err(e, SG_ERROR, "out of memory");
	im->layers[0] = im->digest;
	return 0;
}

static int load_input(struct image *im, sg_ctx *ctx, const sg_sbom_opts *o, sg_error *e)
{
	switch (im->in->kind) {
	case SG_INPUT_REF:
		return load_image(im, ctx, im->in->ref, o, e);
	case SG_INPUT_DOCKER_ARCHIVE:
		return load_docker(im, o, e);
	case SG_INPUT_DIR:
		return load_dir(im, e);
	}
	return sg_err(e, SG_EINVALID, "unknown input kind");
}

/* ---- layers as walker sources: one pipe per open layer ---- */

struct lstream {
	struct image *im;
	size_t layer;
	sg_pipe *p;
	int read_failed;         /* the pipe gave the walker the producer's error */
	_Atomic uint64_t read;   /* bytes as stored, counted on the producer's thread */
	sg_blob_sink_fn sink;    /* the pipe's, wrapped by count_sink */
	void *sink_arg;
};

/* Counts the layer's bytes as stored (compressed), for progress, on their way to the pipe. */
static int count_sink(void *arg, const void *data, size_t len, sg_error *e)
{
	struct lstream *ls = arg;

	atomic_fetch_add_explicit(&ls->read, len, memory_order_relaxed);
	return ls->sink(ls->sink_arg, data, len, e);
}

/* The pipe's producer (on its thread): the layer's bytes from where they are. */
static int produce(void *arg, sg_blob_sink_fn sink, void *sink_arg, sg_error *e)
{
	struct lstream *ls = arg;
	const struct image *im = ls->im;

	ls->sink = sink;
	ls->sink_arg = sink_arg;
	switch (im->in->kind) {
	case SG_INPUT_REF:
		return sg_store_get_blob_stream(im->store, im->layers[ls->layer],
						im->m->items[ls->layer].size, count_sink, ls, e);
	case SG_INPUT_DOCKER_ARCHIVE:
		return sg_dockerar_layer_stream(im->da, ls->layer, count_sink, ls, e);
	case SG_INPUT_DIR:
		return sg_dirtar_stream(im->in->path, im->warn, im->warn_arg, count_sink, ls, e);
	}
	return sg_err(e, SG_EINVALID, "unknown input kind");
}

static void report(const struct lstream *ls)
{
	const struct image *im = ls->im;
	sg_sbom_progress p;

	if (!im->o->progress)
		return;
	p.layer = ls->layer;
	p.nlayers = im->nlayers;
	p.again = im->again;
	p.done = im->base + atomic_load_explicit(&ls->read, memory_order_relaxed);
	p.total = im->again ? 0 : im->total;
	im->o->progress(im->o->progress_arg, &p);
}

static int src_open(void *arg, size_t layer, void **stream, sg_error *e)
{
	struct image *im = arg;
	struct lstream *ls;
	unsigned flags = SG_PIPE_GUNZIP;
	int err;

	*stream = NULL;
	if (layer >= im->nlayers)
		return sg_err(e, SG_EINVALID, "no layer %zu", layer);
	if (!(ls = calloc(1, sizeof(*ls))))
		return sg_err(e, SG_ERROR, "out of memory");
	ls->im = im;
	ls->layer = layer;
	atomic_init(&ls->read, 0);
	/* what has no blob digest is checked (or named) by the digest of its tar */
	if (im->in->kind == SG_INPUT_DIR || (im->in->kind == SG_INPUT_DOCKER_ARCHIVE &&
					      !sg_dockerar_layer_addressed(im->da, layer)))
		flags |= SG_PIPE_HASH_OUT;
	im->stream_failed = 0;
	if ((err = sg_pipe_start(&ls->p, produce, ls, flags, e)) < 0) {
		free(ls);
		return err;
	}
	*stream = ls;
	report(ls);
	return 0;
}

static long src_read(void *stream, const void **data, sg_error *e)
{
	struct lstream *ls = stream;
	long n = sg_pipe_read(ls->p, data, e);

	if (n < 0)
		ls->read_failed = 1;
	else if (n > 0)
		report(ls);
	return n;
}

static int src_close(void *stream, int err, sg_error *e)
{
	struct lstream *ls = stream;
	struct image *im = ls->im;
	char got[SG_DIGEST_MAX] = "";
	int failed;

	err = sg_pipe_close(ls->p, err, got, &failed, e);
	im->stream_failed = failed || ls->read_failed;
	im->base += atomic_load_explicit(&ls->read, memory_order_relaxed);
	if (!err && im->in->kind == SG_INPUT_DOCKER_ARCHIVE &&
	    !sg_dockerar_layer_addressed(im->da, ls->layer) &&
	    strcmp(got, im->layers[ls->layer]) != 0) {
		err = sg_err(e, SG_EDIGEST, "docker-archive:%s: content does not match its diff_id "
			     "(got %s)", im->in->path, got);
		im->stream_failed = 1;
	}
	if (!err && im->in->kind == SG_INPUT_DIR && !im->digest[0])
		memcpy(im->digest, got, sizeof(got)); /* the first pass names the tree */
	free(ls);
	return err;
}

/* Names the layer in an error: the producer's errors (store, digest, gzip) by index and
 * digest, the walker's (which name the layer by index) by digest. */
static int layer_error(const struct image *im, size_t i, sg_error *e)
{
	if (im->in->kind == SG_INPUT_DIR)
		return sg_err_prefix(e, "dir:%s", im->in->path);
	if (im->stream_failed)
		return sg_err_prefix(e, "layer %zu (%s)", i, im->layers[i]);
	return sg_err_prefix(e, "blob %s", im->layers[i]);
}

/* What each cataloger learns from every layer's copy of its evidence (walker.h observe):
 * which layer introduced a package. */
struct hists {
	sg_dpkg_hist *dpkg;
	sg_apk_hist *apk;
	sg_rpm_hist *rpm;
	sg_file_hist *files;
	sg_bincat *bin;       /* not a history: the binaries' packages, parsed as they pass */
	/* --scope all-layers: what the layer being read wrote */
	sg_walk_inspect insp; /* bin's inspector, wrapped to note its candidates */
	int evidence;         /* an observed file: a package database, METADATA, package.json */
	int binaries;         /* a binary or archive the binary cataloger parses */
};

static int hists_new(struct hists *h, sg_warn_fn warn, void *warn_arg, sg_error *e)
{
	int err;

	if ((err = sg_dpkg_hist_new(&h->dpkg, e)) < 0 || (err = sg_apk_hist_new(&h->apk, e)) < 0 ||
	    (err = sg_rpm_hist_new(&h->rpm, e)) < 0 ||
	    (err = sg_file_hist_new(&h->files, e)) < 0 ||
	    (err = sg_bincat_new(&h->bin, warn, warn_arg, e)) < 0)
		return err;
	return 0;
}

static void hists_release(struct hists *h)
{
	sg_dpkg_hist_free(h->dpkg);
	sg_apk_hist_free(h->apk);
	sg_rpm_hist_free(h->rpm);
	sg_file_hist_free(h->files);
	sg_bincat_free(h->bin);
}

/* The walker's one observe hook: each history keeps the paths it knows. */
static void observe(void *arg, const char *path, size_t layer, const unsigned char *data,
		    size_t len)
{
	struct hists *h = arg;

	h->evidence = 1;
	sg_dpkg_hist_observe(h->dpkg, path, layer, data, len);
	sg_apk_hist_observe(h->apk, path, layer, data, len);
	sg_rpm_hist_observe(h->rpm, path, layer, data, len);
	sg_file_hist_observe(h->files, path, layer, data, len);
}

/* The binary cataloger's inspector, noting that the layer had a candidate. */
static int insp_begin(void *arg, const char *path, size_t layer, unsigned mode, int64_t size,
		      const unsigned char *head, size_t headlen, sg_error *e)
{
	struct hists *h = arg;
	const sg_walk_inspect *in = sg_bincat_inspector(h->bin);
	int r = in->begin(in->arg, path, layer, mode, size, head, headlen, e);

	if (r > 0)
		h->binaries = 1;
	return r;
}

static int insp_data(void *arg, const unsigned char *p, size_t n, sg_error *e)
{
	const sg_walk_inspect *in = sg_bincat_inspector(((struct hists *)arg)->bin);

	return in->data(in->arg, p, n, e);
}

static int insp_end(void *arg, int complete, sg_error *e)
{
	const sg_walk_inspect *in = sg_bincat_inspector(((struct hists *)arg)->bin);

	return in->end(in->arg, complete, e);
}

static int wants(sg_walker *w, sg_error *e)
{
	size_t i;
	int err;

	for (i = 0; sg_os_wants[i]; i++)
		if ((err = sg_walker_want(w, sg_os_wants[i], 0, 0, e)) < 0)
			return err;
	if ((err = sg_dpkg_wants(w, e)) < 0 || (err = sg_apk_wants(w, e)) < 0 ||
	    (err = sg_rpm_wants(w, e)) < 0 || (err = sg_python_wants(w, e)) < 0 || (err = sg_npm_wants(w, e)) < 0)
		return err;
	return 0;
}

/* The catalogers on w as it stands: those that read evidence files, the binary cataloger,
 * or both. */
static int catalog(sg_catalog *c, const sg_walker *w, const struct hists *h, sg_warn_fn warn,
		   void *arg, int evidence, int binaries, sg_error *e)
{
	int err;

	if (evidence && ((err = sg_cat_os(&c->os, w, warn, arg, e)) < 0 ||
			 (err = sg_cat_dpkg(c, w, h->dpkg, warn, arg, e)) < 0 ||
			 (err = sg_cat_apk(c, w, h->apk, warn, arg, e)) < 0 ||
			 (err = sg_cat_rpm(c, w, h->rpm, warn, arg, e)) < 0 ||
			 (err = sg_cat_python(c, w, h->files, warn, arg, e)) < 0 ||
			 (err = sg_cat_npm(c, w, h->files, warn, arg, e)) < 0))
		return err;
	if (binaries && (err = sg_cat_bin(c, w, h->bin, e)) < 0)
		return err;
	return sg_catalog_finish(c, w, e);
}

/* --scope all-layers: each warning once, though the catalogers read a file in every view
 * that has it. A set of the lines' hashes (0 marks a free slot). */
struct once {
	sg_warn_fn warn;
	void *arg;
	uint64_t *seen;
	size_t cap, n;
};

static uint64_t *once_slot(uint64_t *tab, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (tab[i] && tab[i] != h)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void warn_once(void *arg, const char *msg)
{
	struct once *o = arg;
	uint64_t h, *tab, *sl;
	size_t i, cap;

	if (!o->warn)
		return;
	h = sg_fnv1a(msg, strlen(msg));
	h += !h;
	if ((o->n + 1) * 2 > o->cap) {
		cap = o->cap ? o->cap * 2 : 64;
		if (!(tab = calloc(cap, sizeof(*tab)))) { /* then maybe twice, never lost */
			o->warn(o->arg, msg);
			return;
		}
		for (i = 0; i < o->cap; i++)
			if (o->seen[i])
				*once_slot(tab, cap, o->seen[i]) = o->seen[i];
		free(o->seen);
		o->seen = tab;
		o->cap = cap;
	}
	if (*(sl = once_slot(o->seen, o->cap, h)))
		return;
	*sl = h;
	o->n++;
	o->warn(o->arg, msg);
}

/* --scope all-layers: the packages of the view after a layer that wrote evidence or
 * binaries (catalog.h sg_layers_add). A file that view reaches only through a symlink to
 * a path no want matches is read by the second pass, for the final view alone: here it
 * is absent, and a view whose package database is such a file is skipped with a warning. */
static int add_view(sg_layers *l, const sg_walker *w, struct hists *h, struct once *warn,
		    size_t layer, sg_error *e)
{
	sg_catalog c;
	int err;

	memset(&c, 0, sizeof(c));
	err = catalog(&c, w, h, warn_once, warn, h->evidence, h->binaries, e);
	if (err == SG_EUNSUPPORTED) {
		sg_warnf(warn_once, warn, "layer %zu: the packages of the filesystem up to this "
			 "layer are not listed: %s", layer, e->msg);
		sg_error_clear(e);
		err = 0;
	} else if (!err) {
		err = sg_layers_add(l, &c, w, e);
	}
	sg_catalog_release(&c);
	return err;
}

/* Streams every layer (for all-layers, l non-NULL, cataloguing the views between), then
 * the second pass. */
static int walk(sg_walker *w, struct image *im, struct hists *h, sg_layers *l,
		struct once *warn, sg_error *e)
{
	const sg_walk_source src = { src_open, src_read, src_close, im };
	size_t i;
	int err;

	for (i = 0; i < im->nlayers; i++) {
		h->evidence = h->binaries = 0;
		if ((err = sg_walker_add_layer_from(w, &src, e)) < 0)
			return layer_error(im, i, e);
		/* the last layer's view is the final one, read after the second pass */
		if (l && i + 1 < im->nlayers && (h->evidence || h->binaries) &&
		    (err = add_view(l, w, h, warn, i, e)) < 0)
			return sg_err_prefix(e, "the filesystem up to layer %zu", i);
	}
	im->again = 1;
	im->base = 0;
	if ((err = sg_walker_finish_from(w, &src, e)) < 0)
		sg_err_prefix(e, "second pass");
	return err;
}

/* "localhost/<name>" for local inputs: path's last component, lower case, runs of other
 * characters as one '-' (as core/ref.h names layouts), "image" if nothing is left. */
static char *local_repo(const char *path)
{
	const char *base, *end = path + strlen(path);
	sg_buf b = SG_BUF_INIT(128 + 16);
	int dash = 0;

	while (end > path && end[-1] == '/')
		end--;
	for (base = end; base > path && base[-1] != '/'; base--)
		;
	if (sg_buf_puts(&b, "localhost/") < 0)
		return NULL;
	for (; base < end && b.len < 128; base++) {
		char c = *base >= 'A' && *base <= 'Z' ? (char)(*base - 'A' + 'a') : *base;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && b.len > 10 && sg_buf_append(&b, "-", 1) < 0)
				break;
			dash = 0;
			if (sg_buf_append(&b, &c, 1) < 0)
				break;
		} else {
			dash = 1;
		}
	}
	if (b.len == 10 && sg_buf_puts(&b, "image") < 0) {
		sg_buf_release(&b);
		return NULL;
	}
	return (char *)sg_buf_detach(&b, NULL);
}

/* The image's name, repository and tag as the SPDX document shows them (owned). */
static int image_names(sg_sbom_image *img, char **name, char **repo, char **tag,
		       const struct image *im)
{
	const sg_sbom_input *in = im->in;
	const char *rt, *colon;

	*name = *repo = *tag = NULL;
	img->local = in->kind != SG_INPUT_REF || in->ref->kind == SG_REF_OCI;
	switch (in->kind) {
	case SG_INPUT_REF:
		*name = sg_ref_string(in->ref);
		*repo = sg_ref_repo_name(in->ref);
		*tag = in->ref->tag ? strdup(in->ref->tag) : NULL;
		if (in->ref->tag && !*tag)
			return SG_ERROR;
		break;
	case SG_INPUT_DOCKER_ARCHIVE:
		*name = sg_strprintf("docker-archive:%s%s%s", in->path, in->pick ? ":" : "",
				     in->pick ? in->pick : "");
		if ((rt = sg_dockerar_repo_tag(im->da))) {
			colon = strrchr(rt, ':');
			if (colon && strchr(colon, '/'))
				colon = NULL;
			*repo = colon ? strndup(rt, (size_t)(colon - rt)) : strdup(rt);
			if (colon && !(*tag = strdup(colon + 1)))
				return SG_ERROR;
		} else {
			*repo = local_repo(in->path);
		}
		break;
	case SG_INPUT_DIR:
		*name = sg_strprintf("dir:%s", in->path);
		*repo = local_repo(in->path);
		break;
	}
	if (!*name || !*repo)
		return SG_ERROR;
	img->name = *name;
	img->repo = *repo;
	img->tag = *tag;
	return 0;
}

int sg_sbom_generate_input(sg_buf *out, sg_ctx *ctx, const sg_sbom_input *in,
			   const sg_sbom_opts *o, sg_error *e)
{
	struct image im;
	sg_walk_opts wo = { 0 };
	sg_walker *w = NULL;
	struct hists hist;
	struct once once = { o->warn, o->warn_arg, NULL, 0, 0 };
	sg_layers *layers = NULL;
	sg_warn_fn warn = o->warn;
	void *warn_arg = o->warn_arg;
	sg_catalog c;
	sg_sbom_image img;
	char *name = NULL, *repo = NULL, *tag = NULL;
	int err;

	memset(&im, 0, sizeof(im));
	memset(&c, 0, sizeof(c));
	memset(&hist, 0, sizeof(hist));
	im.in = in;
	im.o = o;
	im.warn = o->warn;
	im.warn_arg = o->warn_arg;
	if ((err = load_input(&im, ctx, o, e)) < 0 || (err = hists_new(&hist, o->warn, o->warn_arg, e)) < 0)
		goto done;
	wo.warn = o->warn;
	wo.warn_arg = o->warn_arg;
	wo.observe = observe;
	wo.observe_arg = &hist;
	wo.inspect = sg_bincat_inspector(hist.bin);
	if (o->all_layers) {
		const sg_walk_inspect *bin = sg_bincat_inspector(hist.bin);

		if ((err = sg_layers_new(&layers, e)) < 0)
			goto done;
		hist.insp.max = bin->max;
		hist.insp.begin = insp_begin;
		hist.insp.data = insp_data;
		hist.insp.end = insp_end;
		hist.insp.arg = &hist;
		wo.inspect = &hist.insp;
		warn = warn_once;
		warn_arg = &once;
	}
	if ((err = sg_walker_new(&w, &wo, e)) < 0 || (err = wants(w, e)) < 0 ||
	    (err = walk(w, &im, &hist, layers, &once, e)) < 0 ||
	    (err = catalog(&c, w, &hist, warn, warn_arg, 1, 1, e)) < 0 ||
	    (layers && (err = sg_layers_merge(layers, &c, e)) < 0))
		goto done;
	memset(&img, 0, sizeof(img));
	if (image_names(&img, &name, &repo, &tag, &im) < 0) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	img.digest = im.digest;
	img.os = im.os;
	img.arch = im.arch;
	img.variant = im.variant;
	img.layers = im.layers;
	img.nlayers = im.nlayers;
	img.all_layers = o->all_layers;
	err = o->format == SG_SBOM_CYCLONEDX_JSON ? sg_cdx_write(out, &img, &c, o->created, e)
						  : sg_spdx_write(out, &img, &c, w, o->created, e);
done:
	free(name);
	free(repo);
	free(tag);
	sg_catalog_release(&c);
	sg_walker_free(w);
	sg_layers_free(layers);
	free(once.seen);
	hists_release(&hist);
	image_release(&im);
	return err;
}

int sg_sbom_generate(sg_buf *out, sg_ctx *ctx, const sg_ref *ref, const sg_sbom_opts *o,
		     sg_error *e)
{
	sg_sbom_input in = { SG_INPUT_REF, (sg_ref *)ref, NULL, NULL };

	return sg_sbom_generate_input(out, ctx, &in, o, e);
}
