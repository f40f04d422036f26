/* sigil copy: copies an image with what is attached to it (legacy .sig/.att/.sbom tags and OCI
 * 1.1 referrers) between registries and OCI layouts, byte for byte, so that the signatures
 * still name the same digest at the destination (formats.md §1.1, §2.1, §5.3, §7.7).
 *
 * Order of writes, so that the destination never names what it does not hold: every blob and
 * child manifest before the manifest that references it, the image before its attachments,
 * the attachments before the tag (a tag that appears is already signed). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sign.h"
#include "cli.h"
#include "digest.h"
#include "manifest.h"
#include "ref.h"
#include "referrers.h"
#include "sigimage.h"
#include "store.h"
#include "banned.h"

/* Blobs are held whole in memory while copied (the store API has no streaming yet). */
#define COPY_MAX_BLOB ((size_t)2 << 30)
#define COPY_MAX_DEPTH 4   /* index in index in ... */

static const char usage[] =
	"usage: sigil copy [--recursive] [--no-attachments] SRC DST\n"
	"\n"
	"Copies the image SRC to DST with its signatures and attestations: the manifest or index\n"
	"exactly as stored (same digest, so signatures still verify at DST), every child manifest,\n"
	"config and layer (blobs DST already has are skipped), then the legacy sha256-<hex>.sig,\n"
	".att and .sbom tags and the OCI 1.1 referrers (sigstore bundles) of its digest. SRC and\n"
	"DST are registry/repo[:tag][@digest] or oci:PATH[:TAG] (an OCI layout, created if\n"
	"missing), so images can be carried across an air gap through a directory.\n"
	"DST's tag defaults to SRC's; SRC given by digest only is copied by digest only unless\n"
	"DST names a tag. DST is tagged last, once everything else is there. A .sig or .att tag\n"
	"DST already has with other signatures keeps them: SRC's are added to it.\n"
	"Each blob is held in memory while it is copied; blobs over 2 GiB are refused.\n"
	"Prints DST@<digest> on stdout. Exit status: 0 copied, 2 usage or operational error.\n"
	"\n"
	"  -r, --recursive                an index: also copy each child's attachments\n"
	"      --no-attachments           copy only the image\n"
	SG_REGISTRY_HELP;

struct copy {
	sg_store *src, *dst;
	int dst_layout;             /* manifests referenced by others go in as blobs */
	size_t manifests, blobs, present, attached;
	uint64_t bytes;
};

static int is_nondistributable(const char *mt)
{
	return strstr(mt, ".foreign.") || strstr(mt, "nondistributable");
}

/* Copies one blob unless DST has it. */
static int copy_blob(struct copy *c, const sg_desc *d, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(0);
	int err;

	if (d->size < 0 || (uint64_t)d->size > COPY_MAX_BLOB)
		return sg_err(e, SG_ETOOBIG, "%s: blob %s: %" PRId64 " bytes, over copy's 2 GiB "
			      "limit", c->src->name, d->digest, d->size);
	if ((err = sg_store_has_blob(c->dst, d->digest, e)) < 0)
		return err;
	if (err == 1) {
		c->present++;
		return 0;
	}
	/* A layer the image says must not be redistributed is fetched from its URLs. */
	if (is_nondistributable(d->media_type) && (err = sg_store_has_blob(c->src, d->digest, e)) <= 0)
		return err;
	sg_buf_init(&b, (size_t)d->size + 1); /* one more: a longer blob is told as such */
	if ((err = sg_store_get_blob(c->src, d->digest, &b, e)) < 0)
		goto done;
	if (b.len != (size_t)d->size) {
		err = sg_err(e, SG_EDIGEST, "%s: blob %s: %zu bytes, the manifest says %" PRId64,
			     c->src->name, d->digest, b.len, d->size);
		goto done;
	}
	if ((err = sg_store_put_blob(c->dst, d->digest, b.data, b.len, e)) < 0)
		goto done;
	c->blobs++;
	c->bytes += b.len;
done:
	sg_buf_release(&b);
	return err;
}

static int copy_tree(struct copy *c, const sg_image *img, int depth, sg_error *e);

/* Makes img's bytes exist in DST by digest. In a layout a manifest that something else names
 * is only a blob: index.json lists what has a name (or what was asked for by digest). */
static int place(struct copy *c, const sg_image *img, int listed, sg_error *e)
{
	int err;

	if (c->dst_layout && !listed)
		err = sg_store_put_blob(c->dst, img->digest, img->body.data, img->body.len, e);
	else
		err = sg_store_put_manifest(c->dst, img->digest, img->body.data, img->body.len,
					    img->media_type, e);
	if (err == 0)
		c->manifests++;
	return err;
}

/* Copies an index's child (and all below it), checked against its descriptor. */
static int copy_child(struct copy *c, const sg_desc *d, int depth, sg_error *e)
{
	sg_image child;
	int err;

	if (depth >= COPY_MAX_DEPTH)
		return sg_err(e, SG_EINVALID, "%s: %s: indexes nested deeper than %d",
			      c->src->name, d->digest, COPY_MAX_DEPTH);
	if ((err = sg_image_fetch(&child, c->src, d->digest, e)) < 0)
		return err;
	if ((int64_t)child.body.len != d->size)
		err = sg_err(e, SG_EDIGEST, "%s@%s: %zu bytes, the index says %" PRId64,
			     c->src->name, d->digest, child.body.len, d->size);
	else if ((err = copy_tree(c, &child, depth + 1, e)) == 0)
		err = place(c, &child, 0, e);
	sg_image_release(&child);
	return err;
}

/* Copies everything img references (not img itself). */
static int copy_tree(struct copy *c, const sg_image *img, int depth, sg_error *e)
{
	size_t i;
	int err;

	if (img->m->is_index) {
		for (i = 0; i < img->m->nitems; i++)
			if ((err = copy_child(c, &img->m->items[i], depth, e)) < 0)
				return err;
		return 0;
	}
	if ((err = copy_blob(c, &img->m->config, e)) < 0)
		return err;
	for (i = 0; i < img->m->nitems; i++)
		if ((err = copy_blob(c, &img->m->items[i], e)) < 0)
			return err;
	return 0;
}

/* DST's .sig/.att tag holds other signatures: add SRC's layers to it, keeping DST's. */
static int merge_sigimage(struct copy *c, const char *tag, const sg_image *img, sg_error *e)
{
	size_t i, n = 0;
	int err, added;

	for (i = 0; i < img->m->nitems; i++) {
		if ((err = sg_sigimage_add(c->dst, tag, &img->m->items[i], NULL, NULL, &added, e)) < 0)
			return err;
		n += (size_t)added;
	}
	fprintf(stderr, "Added %zu of %zu layers to %s:%s (it held other signatures)\n", n,
		img->m->nitems, c->dst->name, tag);
	return 0;
}

/* Copies the legacy attachment tag of digest with this suffix, if SRC has one. */
static int copy_legacy(struct copy *c, const char *digest, const char *suffix, sg_error *e)
{
	sg_buf cur = SG_BUF_INIT(SG_MAX_MANIFEST);
	char tag[SG_DIGEST_MAX + 16], have[SG_DIGEST_MAX];
	char *mt = NULL;
	sg_image img;
	int err;

	sg_digest_tag(tag, sizeof(tag), digest, suffix);
	if ((err = sg_image_fetch(&img, c->src, tag, e)) == SG_ENOTFOUND) {
		sg_error_clear(e);
		return 0;
	}
	if (err < 0)
		return err;
	if ((err = copy_tree(c, &img, COPY_MAX_DEPTH - 1, e)) < 0)
		goto done;
	err = sg_store_get_manifest(c->dst, tag, &cur, &mt, have, e);
	if (err == 0 && !strcmp(have, img.digest)) {
		fprintf(stderr, "%s:%s is already there\n", c->dst->name, tag);
		goto done;
	}
	if (err < 0 && err != SG_ENOTFOUND)
		goto done;
	sg_error_clear(e);
	/* cosign replaces .sbom (one SBOM per image) but appends to .sig and .att. */
	if (err == 0 && strcmp(suffix, ".sbom") != 0 && !img.m->is_index)
		err = merge_sigimage(c, tag, &img, e);
	else if ((err = sg_store_put_manifest(c->dst, tag, img.body.data, img.body.len,
					      img.media_type, e)) == 0)
		fprintf(stderr, "Copied %s:%s\n", c->dst->name, tag);
	if (err == 0) {
		c->manifests++;
		c->attached++;
	}
done:
	sg_image_release(&img);
	sg_buf_release(&cur);
	free(mt);
	return err;
}

static const char *artifact_type(const sg_manifest *m)
{
	return m->artifact_type ? m->artifact_type : m->config.media_type;
}

/* Copies one referrer of digest and makes it findable at DST (API or fallback tag). */
static int copy_referrer(struct copy *c, const char *digest, const sg_desc *d, sg_error *e)
{
	char shown[256];
	sg_image img;
	int err, via;

	if ((err = sg_image_fetch(&img, c->src, d->digest, e)) < 0)
		return err;
	/* The fallback index is only a list anyone may write to: hold each entry to what it
	 * claims before giving it a place beside DST's image. */
	if (img.m->is_index || strcmp(img.media_type, SG_MT_OCI_MANIFEST) != 0 ||
	    !img.m->subject || strcmp(img.m->subject->digest, digest) != 0) {
		fprintf(stderr, "Skipped referrer %s of %s: not an OCI image manifest with that "
			"subject\n", d->digest, digest);
		goto done;
	}
	if ((err = copy_tree(c, &img, COPY_MAX_DEPTH - 1, e)) < 0 ||
	    (err = sg_referrers_push(c->dst, digest, img.body.data, img.body.len, artifact_type(img.m),
				     img.m->annotations, NULL, &via, e)) < 0)
		goto done;
	c->manifests++;
	c->attached++;
	fprintf(stderr, "Copied referrer %s (%s) of %s (%s)\n", img.digest,
		sg_printable(shown, sizeof(shown), artifact_type(img.m)), digest,
		via == SG_REFERRERS_API ? "referrers API" : "referrers tag");
done:
	sg_image_release(&img);
	return err;
}

/* Everything attached to digest: legacy tags, then referrers. */
static int copy_attachments(struct copy *c, const char *digest, sg_error *e)
{
	static const char *const suffixes[] = { ".sig", ".att", ".sbom" };
	sg_referrers r = { 0 };
	size_t i;
	int err;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if ((err = copy_legacy(c, digest, suffixes[i], e)) < 0)
			return err;
	if ((err = sg_referrers_list(&r, c->src, digest, NULL, e)) < 0)
		return err;
	for (i = 0; i < r.n && err == 0; i++)
		err = copy_referrer(c, digest, &r.items[i], e);
	sg_referrers_release(&r);
	return err;
}

/* 1 if the user typed a tag: the parser says "latest" when none is given. */
static int tag_given(const sg_ref *r, const char *arg)
{
	size_t n = strlen(arg);

	if (!r->tag)
		return 0;
	if (strcmp(r->tag, "latest") != 0)
		return 1;
	return (n >= 7 && !strcmp(arg + n - 7, ":latest")) || strstr(arg, ":latest@") != NULL;
}

/* Opens DST, creating an OCI layout that does not exist yet. */
static int open_dst(sg_store **out, sg_ctx *ctx, const sg_ref *dst, sg_error *e)
{
	sg_store *s = NULL;
	int err;

	if (dst->kind == SG_REF_OCI) {
		if ((err = sg_layout_open(&s, dst->path, 1, e)) < 0)
			return strncmp(e->msg, "oci:", 4) ? sg_err_prefix(e, "creating the layout") : err;
		sg_store_free(s);
	}
	return sg_ctx_store(out, ctx, dst, e);
}

struct job {
	const sg_ref *src, *dst;
	const char *tag;            /* DST's tag, NULL: by digest only */
	int attachments, recursive;
};

static int run_copy(struct copy *c, sg_ctx *ctx, const struct job *j, sg_image *img, sg_error *e)
{
	size_t i;
	int err;

	if ((err = sg_ctx_store(&c->src, ctx, j->src, e)) < 0 ||
	    (err = sg_image_fetch(img, c->src, sg_ref_target(j->src), e)) < 0)
		return err;
	if (j->dst->digest && strcmp(j->dst->digest, img->digest) != 0)
		return sg_err(e, SG_EINVALID, "%s is %s, not the digest DST names", c->src->name,
			      img->digest);
	if ((err = open_dst(&c->dst, ctx, j->dst, e)) < 0)
		return err;
	c->dst_layout = j->dst->kind == SG_REF_OCI;
	if ((err = copy_tree(c, img, 0, e)) < 0 || (err = place(c, img, !j->tag, e)) < 0)
		return err;
	if (j->attachments && (err = copy_attachments(c, img->digest, e)) < 0)
		return err;
	for (i = 0; j->attachments && j->recursive && img->m->is_index && i < img->m->nitems; i++)
		if ((err = copy_attachments(c, img->m->items[i].digest, e)) < 0)
			return err;
	if (j->tag && (err = sg_store_put_manifest(c->dst, j->tag, img->body.data, img->body.len,
						   img->media_type, e)) < 0)
		return err;
	return 0;
}

/* One line: the error, and what DST holds now. */
static int copy_fail(const struct copy *c, const struct job *j, const sg_error *e)
{
	char msg[sizeof(e->msg)];

	sg_printable(msg, sizeof(msg), e->msg[0] ? e->msg : "unknown error");
	fprintf(stderr, "sigil copy: %s", msg);
	if (c->manifests || c->blobs)
		fprintf(stderr, " (copied before the failure: %zu manifests, %zu blobs of %" PRIu64
			" bytes, %zu attachments%s%s)", c->manifests, c->blobs, c->bytes, c->attached,
			j->tag ? "; not tagged " : "", j->tag ? j->tag : "");
	fputc('\n', stderr);
	return SG_EXIT_USAGE;
}

static int parse_refs(sg_ref **src, sg_ref **dst, struct job *j, char **argv, sg_error *e)
{
	int err;

	if ((err = sg_ref_parse(src, argv[0], e)) < 0 || (err = sg_ref_parse(dst, argv[1], e)) < 0)
		return err;
	j->src = *src;
	j->dst = *dst;
	if (tag_given(*dst, argv[1]))
		j->tag = (*dst)->tag;
	else if (!(*dst)->digest)
		j->tag = (*src)->tag;
	return 0;
}

int cmd_copy(int argc, char **argv)
{
	enum { OPT_NO_ATTACHMENTS = SG_OPT_REGISTRY_LAST + 1 };
	static const struct option longopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "no-attachments", no_argument, NULL, OPT_NO_ATTACHMENTS },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct job j = { NULL, NULL, NULL, 1, 0 };
	struct copy c = { 0 };
	sg_image img = { 0 };
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_ref *src = NULL, *dst = NULL;
	sg_ctx *ctx = NULL;
	int ch, r, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":rh", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("copy", &opts, ch, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (ch) {
		case 'r': j.recursive = 1; break;
		case OPT_NO_ATTACHMENTS: j.attachments = 0; break;
		case 'h': fputs(usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("copy", argv, ch);
			goto done;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "sigil copy: expected SRC and DST (see --help)\n");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	if (parse_refs(&src, &dst, &j, argv + optind, &e) < 0 || sg_ctx_new(&ctx, &opts, &e) < 0) {
		rc = sg_cli_fail("copy", &e);
		goto done;
	}
	if (run_copy(&c, ctx, &j, &img, &e) < 0) {
		rc = copy_fail(&c, &j, &e);
		goto done;
	}
	fprintf(stderr, "Copied %s@%s to %s%s%s: %zu manifests, %zu blobs of %" PRIu64 " bytes "
		"(%zu already there), %zu attachments\n", c.src->name, img.digest, c.dst->name,
		j.tag ? ":" : " by digest", j.tag ? j.tag : "", c.manifests, c.blobs, c.bytes,
		c.present, c.attached);
	printf("%s@%s\n", c.dst->name, img.digest);
done:
	sg_image_release(&img);
	sg_ctx_free(ctx);
	sg_ref_free(src);
	sg_ref_free(dst);
	return rc;
}
