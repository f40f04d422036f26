/* sigil tree / triangulate / download: look at what is attached to an image without verifying
 * anything (formats.md §7.4-§7.6): the legacy .sig/.att/.sbom tags (§1-§3) and OCI 1.1
 * referrers (§5.3-§5.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "verify.h"
#include "bundle.h"
#include "cli.h"
#include "dsse.h"
#include "gojson.h"
#include "intoto.h"
#include "ref.h"
#include "referrers.h"
#include "sigimage.h"
#include "store.h"
#include "banned.h"

#define ANN_PREDICATE_TYPE "predicateType"
#define ANN_REKOR_BUNDLE   "dev.sigstore.cosign/bundle"
#define ANN_RFC3161        "dev.sigstore.cosign/rfc3161timestamp"
#define MT_COSIGN_SBOM     "application/vnd.dev.cosign.artifact.sbom.v1+json"
#define MAX_ANN_JSON       (1u << 20)
#define PRINT_MAX          1024

static const char tree_usage[] =
	"usage: sigil tree [--output text|json] IMAGE\n"
	"\n"
	"Lists every signature, attestation, SBOM and OCI 1.1 referrer attached to IMAGE, as\n"
	"cosign tree does, in a fixed order: the legacy sha256-<hex>.att, .sig and .sbom tags\n"
	"(one line per layer: its digest, and for attestations the predicateType annotation in\n"
	"parentheses), then one section per referrer, sorted by digest (its artifactType, and\n"
	"the dev.sigstore.bundle.predicateType annotation in parentheses when present). Referrers\n"
	"come from the registry's referrers API, else from the sha256-<hex> fallback tag.\n"
	"Nothing is verified. Exit status: 0 listed (also when nothing is attached), 2 usage or\n"
	"operational error (a referrer that cannot be read is reported on stderr and skipped).\n"
	"\n"
	"  -o, --output text|json         text (default): cosign's tree; json: one object\n"
	"                                 {\"image\",\"digest\",\"signatures\":{\"tag\",\"layers\"},\n"
	"                                 \"attestations\",\"sboms\",\"referrers\":[{\"digest\",\n"
	"                                 \"artifactType\",\"predicateType\",\"via\":\"api|tag\",\n"
	"                                 \"layers\"}]}\n"
	SG_REGISTRY_HELP;

static const char tri_usage[] =
	"usage: sigil triangulate [--type signature|attestation|sbom|digest] IMAGE\n"
	"\n"
	"Prints where cosign keeps IMAGE's signatures (default), attestations or SBOM:\n"
	"registry/repo:sha256-<hex>.sig (.att, .sbom), or oci:PATH:sha256-<hex>.sig for an OCI\n"
	"layout; --type digest prints registry/repo@sha256:<hex> (oci:PATH@sha256:<hex>). A tag\n"
	"is resolved to its digest; nothing is checked to exist. Exit status 0, or 2.\n"
	"\n"
	"  -t, --type TYPE                signature (default), attestation, sbom or digest\n"
	SG_REGISTRY_HELP;

static const char dl_usage[] =
	"usage: sigil download signature|attestation|sbom [--predicate-type T] IMAGE\n"
	"\n"
	"Prints what is attached to IMAGE, one JSON document per line, as cosign v3 does.\n"
	"NOTHING IS VERIFIED: use sigil verify / verify-attestation to check signatures.\n"
	"\n"
	"  signature     sigstore bundles attached as OCI 1.1 referrers whose statement has\n"
	"                predicateType https://sigstore.dev/cosign/sign/v1 (or that sign a\n"
	"                message), as stored; only when there are none, the legacy .sig entries\n"
	"                as {\"Base64Signature\",\"Payload\",\"Cert\":null,\"Chain\":null,\"Bundle\",\n"
	"                \"RFC3161Timestamp\"} (Bundle and RFC3161Timestamp from the layer's\n"
	"                annotations; Cert and Chain are never filled in).\n"
	"  attestation   attestation bundles (other predicate types; any type, cosign/sign/v1\n"
	"                included, with --predicate-type), as stored, then the legacy .att\n"
	"                envelopes as {\"payloadType\",\"payload\",\"signatures\":[{\"keyid\",\"sig\"}]}.\n"
	"  sbom          the SBOM's bytes, unchanged (the last cosign OCI 1.1 SBOM referrer, else\n"
	"                the single layer of the .sbom tag); its media type goes to stderr.\n"
	"\n"
	"Bundles are printed byte for byte as stored, except that line breaks (JSON whitespace)\n"
	"become spaces so each stays on one line. Unlike cosign, a signature bundle is not listed\n"
	"as an attestation nor an attestation bundle as a signature (as in sigil verify).\n"
	"Exit status: 0 something was printed; 1 nothing (of that predicate type) is attached\n"
	"(cosign prints nothing and succeeds for attestations without --predicate-type);\n"
	"2 usage or operational error, also when an entry could not be read (it is reported on\n"
	"stderr and skipped, the others are printed).\n"
	"\n"
	"      --predicate-type T         attestation: only statements of this predicate type (a\n"
	"                                 name as for attest --type, or a URI)\n"
	SG_REGISTRY_HELP;

/* One image: where it lives and what it resolved to. */
struct target {
	const char *arg;          /* as typed, for messages */
	sg_store *store;          /* borrowed from the ctx */
	char digest[SG_DIGEST_MAX];
	char *base;               /* "registry/repo" or "oci:PATH": what tags and digests follow */
};

static int target_open(struct target *t, sg_ctx *ctx, const sg_ref *ref, const char *arg,
		       int fetch, sg_error *e)
{
	int err;

	t->arg = arg;
	t->base = ref->kind == SG_REF_OCI ? sg_strprintf("oci:%s", ref->path)
					  : sg_ref_repo_name(ref);
	if (!t->base)
		return sg_err(e, SG_ERROR, "out of memory");
	if ((err = sg_ctx_store(&t->store, ctx, ref, e)) < 0)
		return err;
	return sg_resolve(t->digest, t->store, ref, fetch, e);
}

/* Parses the one IMAGE argument and opens it. */
static int target_from_args(struct target *t, sg_ctx **ctx, sg_ref **ref, const sg_opts *opts,
			    int fetch, int argc, char **argv, sg_error *e)
{
	if (optind >= argc)
		return sg_err(e, SG_EINVALID, "no image given (see --help)");
	if (optind + 1 < argc)
		return sg_err(e, SG_EINVALID, "one image at a time (got %d)", argc - optind);
	if (sg_ref_parse(ref, argv[optind], e) < 0 || sg_ctx_new(ctx, opts, e) < 0)
		return e->code;
	return target_open(t, *ctx, *ref, argv[optind], fetch, e);
}

static int by_digest(const void *a, const void *b)
{
	return strcmp(((const sg_desc *)a)->digest, ((const sg_desc *)b)->digest);
}

/* The referrers of t's image, sorted by digest. */
static int list_referrers(sg_referrers *out, const struct target *t, const char *artifact_type,
			  sg_error *e)
{
	int err = sg_referrers_list(out, t->store, t->digest, artifact_type, e);

	if (err == 0 && out->n > 1)
		qsort(out->items, out->n, sizeof(*out->items), by_digest);
	return err;
}

/* Fetches and parses the manifest at digest (a referrer's). */
static int fetch_manifest(sg_manifest **out, sg_store *s, const char *digest, sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char got[SG_DIGEST_MAX];
	char *mt = NULL;
	int err;

	*out = NULL;
	if (!sg_digest_valid(digest))
		err = sg_err(e, SG_EINVALID, "invalid digest");
	else if ((err = sg_store_get_manifest(s, digest, &body, &mt, got, e)) == 0)
		err = sg_manifest_parse(out, body.data, body.len, mt, e);
	sg_buf_release(&body);
	free(mt);
	return err;
}

static const char *json_ann(const json_t *ann, const char *key)
{
	return json_string_value(json_object_get(ann, key));
}

static void warn(const struct target *t, const char *cmd, const char *what, const sg_error *le)
{
	char a[PRINT_MAX], w[PRINT_MAX], m[sizeof(le->msg)];

	fprintf(stderr, "sigil %s: %s: %s: %s\n", cmd, sg_printable(a, sizeof(a), t->arg),
		sg_printable(w, sizeof(w), what), sg_printable(m, sizeof(m), le->msg));
}

/* --- tree ----------------------------------------------------------------------------- */

enum { KIND_ATT, KIND_SIG, KIND_SBOM, NKINDS };
static const char *const kind_suffix[NKINDS] = { ".att", ".sig", ".sbom" };
static const char *const kind_json[NKINDS] = { "attestations", "signatures", "sboms" };
static const char *const kind_text[NKINDS] = {
	"\xF0\x9F\x92\xBE Attestations for an image tag", /* floppy disk */
	"\xF0\x9F\x94\x90 Signatures for an image tag",   /* locked with key */
	"\xF0\x9F\x93\xA6 SBOMs for an image tag",        /* package */
};

struct tree {
	struct target t;
	char tags[NKINDS][SG_DIGEST_MAX + 16];
	sg_sigimage legacy[NKINDS];
	sg_referrers refs;
	sg_manifest **rman;       /* per referrer: its manifest, NULL if unreadable */
	size_t nbad;
};

static void tree_release(struct tree *tr)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		sg_sigimage_release(&tr->legacy[i]);
	for (i = 0; tr->rman && i < tr->refs.n; i++)
		sg_manifest_free(tr->rman[i]);
	free(tr->rman);
	sg_referrers_release(&tr->refs);
	free(tr->t.base);
}

static const char *ref_artifact_type(const struct tree *tr, size_t i)
{
	const sg_manifest *m = tr->rman[i];

	if (m->artifact_type)
		return m->artifact_type;
	if (tr->refs.items[i].artifact_type)
		return tr->refs.items[i].artifact_type;
	return m->is_index ? NULL : m->config.media_type;
}

static const char *ref_predicate_type(const struct tree *tr, size_t i)
{
	const char *p = json_ann(tr->rman[i]->annotations, SG_ANN_BUNDLE_PREDICATE);

	return p ? p : sg_desc_annotation(&tr->refs.items[i], SG_ANN_BUNDLE_PREDICATE);
}

static int tree_load(struct tree *tr, sg_error *e)
{
	sg_error le;
	size_t i;
	int err, k;

	for (k = 0; k < NKINDS; k++) {
		sg_digest_tag(tr->tags[k], sizeof(tr->tags[k]), tr->t.digest, kind_suffix[k]);
		err = sg_sigimage_load(&tr->legacy[k], tr->t.store, tr->tags[k], e);
		if (err < 0 && err != SG_ENOTFOUND)
			return err;
	}
	sg_error_clear(e);
	if ((err = list_referrers(&tr->refs, &tr->t, NULL, e)) < 0)
		return err;
	if (!(tr->rman = calloc(tr->refs.n ? tr->refs.n : 1, sizeof(*tr->rman))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < tr->refs.n; i++) {
		const char *d = tr->refs.items[i].digest;

		if (i && !strcmp(d, tr->refs.items[i - 1].digest))
			continue; /* listed twice */
		memset(&le, 0, sizeof(le));
		if (fetch_manifest(&tr->rman[i], tr->t.store, d, &le) < 0) {
			char what[SG_DIGEST_MAX + 16];

			snprintf(what, sizeof(what), "referrer %s", d);
			warn(&tr->t, "tree", what, &le);
			tr->nbad++;
		}
	}
	return 0;
}

#define LAST "\xE2\x94\x94\xE2\x94\x80\xE2\x94\x80" /* "└──" */
#define MID "\xE2\x94\x9C\xE2\x94\x80\xE2\x94\x80"  /* "├──" */
#define BRANCH LAST " "

static int text_layers(sg_buf *o, const sg_desc *l, size_t n, const char *const *notes)
{
	char p[PRINT_MAX];
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++) {
		err |= sg_buf_printf(o, "   %s \xF0\x9F\x8D\x92 %s", i + 1 == n ? LAST : MID,
				     sg_printable(p, sizeof(p), l[i].digest));
		if (notes && notes[i])
			err |= sg_buf_printf(o, " (%s)", sg_printable(p, sizeof(p), notes[i]));
		err |= sg_buf_puts(o, "\n");
	}
	return err;
}


static int tree_text(sg_buf *o, const struct tree *tr)
{
	char a[PRINT_MAX], p[PRINT_MAX], q[PRINT_MAX];
	const char **notes = NULL;
	size_t i, j, shown = 0;
	int k, err = 0;

	sg_printable(a, sizeof(a), tr->t.arg);
	err |= sg_buf_printf(o, "\xF0\x9F\x93\xA6 Supply Chain Security Related artifacts for an image: "
		      "%s\n", a);
	for (k = 0; k < NKINDS; k++) {
		const sg_sigimage *img = &tr->legacy[k];

		if (!img->nlayers)
			continue;
		shown++;
		err |= sg_buf_printf(o, BRANCH "%s: %s:%s\n", kind_text[k],
			      sg_printable(p, sizeof(p), tr->t.base), tr->tags[k]);
		if (k == KIND_ATT) {
			if (!(notes = calloc(img->nlayers, sizeof(*notes))))
				return SG_ERROR;
			for (j = 0; j < img->nlayers; j++)
				notes[j] = sg_desc_annotation(&img->layers[j], ANN_PREDICATE_TYPE);
		}
		err |= text_layers(o, img->layers, img->nlayers, notes);
		free(notes);
		notes = NULL;
	}
	for (i = 0; i < tr->refs.n; i++) {
		const sg_manifest *m = tr->rman[i];
		const char *at, *pt;

		if (!m)
			continue;
		shown++;
		at = ref_artifact_type(tr, i);
		pt = ref_predicate_type(tr, i);
		err |= sg_buf_printf(o, BRANCH "\xF0\x9F\x94\x97 %s artifacts via OCI referrer: %s@%s",
			      sg_printable(q, sizeof(q), at ? at : "(no artifactType)"),
			      sg_printable(p, sizeof(p), tr->t.base), tr->refs.items[i].digest);
		if (pt)
			err |= sg_buf_printf(o, " (%s)", sg_printable(q, sizeof(q), pt));
		err |= sg_buf_puts(o, "\n");
		err |= text_layers(o, m->items, m->nitems, NULL);
	}
	if (!shown)
		err |= sg_buf_printf(o, "No Supply Chain Security Related Artifacts found for image %s,\n"
			      " start creating one with simply running$ cosign sign <img>\n", a);
	return err;
}

static void json_str_or_null(sg_gojson *w, const char *s)
{
	if (s)
		sg_gojson_str(w, s);
	else
		sg_gojson_null(w);
}

static void json_layers(sg_gojson *w, const sg_desc *l, size_t n, int with_ptype)
{
	size_t i;

	sg_gojson_key(w, "layers");
	sg_gojson_arr_open(w);
	for (i = 0; i < n; i++) {
		sg_gojson_obj_open(w);
		sg_gojson_key(w, "digest");
		sg_gojson_str(w, l[i].digest);
		sg_gojson_key(w, "mediaType");
		sg_gojson_str(w, l[i].media_type);
		sg_gojson_key(w, "size");
		sg_gojson_int(w, l[i].size);
		if (with_ptype) {
			sg_gojson_key(w, "predicateType");
			json_str_or_null(w, sg_desc_annotation(&l[i], ANN_PREDICATE_TYPE));
		}
		sg_gojson_obj_close(w);
	}
	sg_gojson_arr_close(w);
}

static int tree_json(sg_buf *o, const struct tree *tr)
{
	static const int order[NKINDS] = { KIND_SIG, KIND_ATT, KIND_SBOM };
	sg_gojson w;
	char *tag;
	size_t i;
	int k;

	sg_gojson_init(&w, o);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "image");
	sg_gojson_str(&w, tr->t.arg);
	sg_gojson_key(&w, "digest");
	sg_gojson_str(&w, tr->t.digest);
	for (i = 0; i < NKINDS; i++) {
		k = order[i];
		if (!(tag = sg_strprintf("%s:%s", tr->t.base, tr->tags[k])))
			return SG_ERROR;
		sg_gojson_key(&w, kind_json[k]);
		sg_gojson_obj_open(&w);
		sg_gojson_key(&w, "tag");
		sg_gojson_str(&w, tag);
		json_layers(&w, tr->legacy[k].layers, tr->legacy[k].nlayers, k == KIND_ATT);
		sg_gojson_obj_close(&w);
		free(tag);
	}
	sg_gojson_key(&w, "referrers");
	sg_gojson_arr_open(&w);
	for (i = 0; i < tr->refs.n; i++) {
		const sg_manifest *m = tr->rman[i];

		if (!m)
			continue;
		sg_gojson_obj_open(&w);
		sg_gojson_key(&w, "digest");
		sg_gojson_str(&w, tr->refs.items[i].digest);
		sg_gojson_key(&w, "artifactType");
		json_str_or_null(&w, ref_artifact_type(tr, i));
		sg_gojson_key(&w, "predicateType");
		json_str_or_null(&w, ref_predicate_type(tr, i));
		sg_gojson_key(&w, "via");
		sg_gojson_str(&w, tr->refs.via == SG_REFERRERS_API ? "api" : "tag");
		json_layers(&w, m->items, m->nitems, 0);
		sg_gojson_obj_close(&w);
	}
	sg_gojson_arr_close(&w);
	sg_gojson_obj_close(&w);
	return w.err | sg_buf_puts(o, "\n");
}

int cmd_tree(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	sg_buf out = SG_BUF_INIT(SG_MAX_MANIFEST * 4);
	struct tree tr = { 0 };
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	int c, r, json = 0, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("tree", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "sigil tree: --output must be text or json\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			json = !strcmp(optarg, "json");
			break;
		case 'h': fputs(tree_usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("tree", argv, c);
			goto done;
		}
	}
	if (target_from_args(&tr.t, &ctx, &ref, &opts, 1, argc, argv, &e) < 0 ||
	    tree_load(&tr, &e) < 0) {
		rc = sg_cli_fail("tree", &e);
		goto done;
	}
	if ((json ? tree_json(&out, &tr) : tree_text(&out, &tr)) != 0) {
		sg_err(&e, SG_ETOOBIG, "%s: listing too large", tr.t.arg);
		rc = sg_cli_fail("tree", &e);
		goto done;
	}
	fwrite(out.data, 1, out.len, stdout);
	if (tr.nbad)
		rc = SG_EXIT_USAGE;
done:
	tree_release(&tr);
	sg_buf_release(&out);
	sg_ref_free(ref);
	sg_ctx_free(ctx);
	return rc;
}

/* --- triangulate ---------------------------------------------------------------------- */

int cmd_triangulate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char *const types[] = { "signature", "attestation", "sbom", "digest" };
	static const char *const suffix[] = { ".sig", ".att", ".sbom", NULL };
	char tag[SG_DIGEST_MAX + 16], p[PRINT_MAX];
	struct target t = { 0 };
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	int c, r, type = 0, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("triangulate", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 't':
			for (type = 0; type < 4 && strcmp(optarg, types[type]) != 0; type++)
				;
			if (type == 4) {
				fprintf(stderr, "sigil triangulate: --type must be signature, "
						"attestation, sbom or digest, not \"%s\"\n",
					sg_printable(p, sizeof(p), optarg));
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'h': fputs(tri_usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("triangulate", argv, c);
			goto done;
		}
	}
	if (target_from_args(&t, &ctx, &ref, &opts, 0, argc, argv, &e) < 0) {
		rc = sg_cli_fail("triangulate", &e);
		goto done;
	}
	if (suffix[type]) {
		sg_digest_tag(tag, sizeof(tag), t.digest, suffix[type]);
		printf("%s:%s\n", t.base, tag);
	} else {
		printf("%s@%s\n", t.base, t.digest);
	}
done:
	free(t.base);
	sg_ref_free(ref);
	sg_ctx_free(ctx);
	return rc;
}

/* --- download ------------------------------------------------------------------------- */

enum { DL_SIG, DL_ATT, DL_SBOM };

struct dl {
	struct target t;
	int what;
	const char *filter;       /* --predicate-type as a URI, or NULL */
	size_t printed, nbad;
};

static void dl_bad(struct dl *d, const char *kind, const char *digest, const sg_error *le)
{
	char what[SG_DIGEST_MAX + 64];

	snprintf(what, sizeof(what), "%s %s", kind, digest);
	warn(&d->t, "download", what, le);
	d->nbad++;
}

/* Writes one document and a newline. JSON that passed a parser has no raw control
 * characters but its whitespace: line breaks become spaces to keep one document a line. */
static void print_line(struct dl *d, unsigned char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (data[i] == '\n' || data[i] == '\r')
			data[i] = ' ';
	fwrite(data, 1, len, stdout);
	fputc('\n', stdout);
	d->printed++;
}

/* The predicate type a DSSE envelope's statement names, or NULL (new string). */
static char *statement_type(const sg_dsse *env)
{
	sg_intoto *st = NULL;
	sg_error le = { 0 };
	char *pt = NULL;

	if (!strcmp(env->payload_type, SG_DSSE_INTOTO_TYPE) &&
	    sg_intoto_parse(&st, env->payload, env->payload_len, &le) == 0)
		pt = strdup(st->predicate_type);
	sg_intoto_free(st);
	return pt;
}

/* Whether a bundle belongs in this download: signatures are cosign/sign/v1 statements and
 * message signatures; attestations everything else in a DSSE envelope, or exactly the
 * --predicate-type asked for. ann is the manifest's predicateType annotation, used when the
 * statement cannot be read. */
static int bundle_wanted(const struct dl *d, const sg_bundle *b, const char *ann)
{
	char *pt = b->kind == SG_BUNDLE_DSSE ? statement_type(b->dsse) : NULL;
	const char *type = pt ? pt : ann;
	int sign = type && !strcmp(type, SG_PREDICATE_COSIGN_SIGN), want;

	if (d->what == DL_SIG)
		want = b->kind == SG_BUNDLE_MESSAGE || sign;
	else if (d->filter)
		want = b->kind == SG_BUNDLE_DSSE && pt && !strcmp(pt, d->filter);
	else
		want = b->kind == SG_BUNDLE_DSSE && !sign;
	free(pt);
	return want;
}

/* Each bundle referrer: printed, as stored, if it is of the kind asked for. Referrers without a
 * bundle layer are passed over silently, as cosign does; unreadable ones are reported. */
static void dl_bundle(void *ud, const char *referrer, int via, const sg_bundle *b,
		      const sg_buf *raw, const char *ptype, const sg_error *err)
{
	struct dl *d = ud;

	(void)via;
	(void)referrer; /* the error names it */
	if (err) {
		warn(&d->t, "download", "bundle", err);
		d->nbad++;
		return;
	}
	if (bundle_wanted(d, b, ptype))
		print_line(d, raw->data, raw->len);
}

static int dl_bundles(struct dl *d, sg_error *e)
{
	int via;

	return sg_bundles_each(d->t.store, d->t.digest, dl_bundle, d, &via, e);
}

/* An annotation holding JSON (cosign's Rekor bundle, RFC 3161 timestamp): written as the
 * object it holds, else null. SG_EINVALID when present but not a JSON object. */
static int raw_json_ann(sg_gojson *w, sg_buf *tmp, const sg_desc *l, const char *key,
			sg_error *e)
{
	const char *v = sg_desc_annotation(l, key);
	json_t *j;
	size_t i;

	if (!v || !*v) {
		sg_gojson_null(w);
		return 0;
	}
	j = json_loads(v, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j) || strlen(v) > MAX_ANN_JSON) {
		json_decref(j);
		return sg_err(e, SG_EINVALID, "annotation %s is not a JSON object", key);
	}
	json_decref(j);
	sg_buf_reset(tmp);
	if (sg_buf_puts(tmp, v) < 0)
		return sg_err(e, SG_ETOOBIG, "annotation %s too large", key);
	for (i = 0; i < tmp->len; i++)
		if (tmp->data[i] == '\n' || tmp->data[i] == '\r')
			tmp->data[i] = ' ';
	sg_gojson_raw(w, (const char *)tmp->data, tmp->len);
	return 0;
}

/* cosign's SignedPayload for a legacy .sig layer (Go JSON). */
static int dl_sig_layer(struct dl *d, const sg_desc *l, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_PAYLOAD), out = SG_BUF_INIT(SG_MAX_PAYLOAD * 2);
	sg_buf b64 = SG_BUF_INIT(SG_MAX_PAYLOAD * 2), tmp = SG_BUF_INIT(MAX_ANN_JSON);
	const char *sig = sg_desc_annotation(l, SG_ANN_SIGNATURE);
	sg_gojson w;
	int err;

	if (!sig) {
		err = sg_err(e, SG_EINVALID, "no %s annotation", SG_ANN_SIGNATURE);
		goto done;
	}
	if ((err = sg_sigimage_layer_blob(&blob, d->t.store, l, SG_MAX_PAYLOAD, e)) < 0)
		goto done;
	if (sg_b64_encode(&b64, blob.data, blob.len) < 0) {
		err = sg_err(e, SG_ETOOBIG, "payload too large");
		goto done;
	}
	sg_gojson_init(&w, &out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "Base64Signature");
	sg_gojson_str(&w, sig);
	sg_gojson_key(&w, "Payload");
	sg_gojson_strn(&w, (const char *)b64.data, b64.len);
	sg_gojson_key(&w, "Cert");
	sg_gojson_null(&w);
	sg_gojson_key(&w, "Chain");
	sg_gojson_null(&w);
	sg_gojson_key(&w, "Bundle");
	if ((err = raw_json_ann(&w, &tmp, l, ANN_REKOR_BUNDLE, e)) < 0)
		goto done;
	sg_gojson_key(&w, "RFC3161Timestamp");
	if ((err = raw_json_ann(&w, &tmp, l, ANN_RFC3161, e)) < 0)
		goto done;
	sg_gojson_obj_close(&w);
	if (w.err) {
		err = sg_err(e, SG_ETOOBIG, "entry too large");
		goto done;
	}
	print_line(d, out.data, out.len);
done:
	sg_buf_release(&blob);
	sg_buf_release(&out);
	sg_buf_release(&b64);
	sg_buf_release(&tmp);
	return err;
}

/* cosign's AttestationPayload for a legacy .att layer: the envelope's strings as they are,
 * re-serialised (Go JSON), keyid always present. */
static int dl_att_layer(struct dl *d, const sg_desc *l, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_ENVELOPE), out = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_dsse *env = NULL;
	json_t *root = NULL, *s;
	char *pt = NULL;
	sg_gojson w;
	size_t i;
	int err;

	if ((err = sg_sigimage_layer_blob(&blob, d->t.store, l, SG_MAX_ENVELOPE, e)) < 0 ||
	    (err = sg_dsse_parse(&env, blob.data, blob.len, e)) < 0)
		goto done;
	if (d->filter && (!(pt = statement_type(env)) || strcmp(pt, d->filter) != 0))
		goto done;
	if (!(root = json_loadb((const char *)blob.data, blob.len, JSON_REJECT_DUPLICATES, NULL))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	sg_gojson_init(&w, &out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "payloadType");
	sg_gojson_str(&w, json_string_value(json_object_get(root, "payloadType")));
	sg_gojson_key(&w, "payload");
	sg_gojson_str(&w, json_string_value(json_object_get(root, "payload")));
	sg_gojson_key(&w, "signatures");
	sg_gojson_arr_open(&w);
	json_array_foreach(json_object_get(root, "signatures"), i, s) {
		const char *keyid = json_string_value(json_object_get(s, "keyid"));

		sg_gojson_obj_open(&w);
		sg_gojson_key(&w, "keyid");
		sg_gojson_str(&w, keyid ? keyid : "");
		sg_gojson_key(&w, "sig");
		sg_gojson_str(&w, json_string_value(json_object_get(s, "sig")));
		sg_gojson_obj_close(&w);
	}
	sg_gojson_arr_close(&w);
	sg_gojson_obj_close(&w);
	if (w.err) {
		err = sg_err(e, SG_ETOOBIG, "entry too large");
		goto done;
	}
	print_line(d, out.data, out.len);
done:
	free(pt);
	json_decref(root);
	sg_dsse_free(env);
	sg_buf_release(&blob);
	sg_buf_release(&out);
	return err;
}

static int dl_legacy(struct dl *d, sg_error *e)
{
	char tag[SG_DIGEST_MAX + 16];
	sg_sigimage img = { NULL, 0 };
	sg_error le;
	size_t i;
	int err;

	sg_digest_tag(tag, sizeof(tag), d->t.digest, d->what == DL_SIG ? ".sig" : ".att");
	err = sg_sigimage_load(&img, d->t.store, tag, e);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	for (i = 0; i < img.nlayers; i++) {
		memset(&le, 0, sizeof(le));
		err = d->what == DL_SIG ? dl_sig_layer(d, &img.layers[i], &le)
					: dl_att_layer(d, &img.layers[i], &le);
		if (err < 0)
			dl_bad(d, "layer", img.layers[i].digest, &le);
	}
	sg_sigimage_release(&img);
	return 0;
}

/* The SBOM's single layer: written unchanged, except that on a terminal control characters
 * are shown as '?'. */
static int dl_sbom_layer(struct dl *d, const sg_manifest *m, const char *where, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_PAYLOAD);
	char p[PRINT_MAX];
	size_t i;
	int err;

	if (m->is_index || m->nitems != 1)
		return sg_err(e, SG_EINVALID, "%s: expected exactly one layer in the SBOM, got %zu",
			      where, m->is_index ? (size_t)0 : m->nitems);
	if ((err = sg_sigimage_layer_blob(&blob, d->t.store, &m->items[0], SG_MAX_PAYLOAD, e)) < 0) {
		sg_err_prefix(e, "%s", where);
		goto done;
	}
	if (isatty(STDOUT_FILENO))
		for (i = 0; i < blob.len; i++)
			if ((blob.data[i] < 0x20 && blob.data[i] != '\n' && blob.data[i] != '\t') ||
			    blob.data[i] == 0x7f)
				blob.data[i] = '?';
	fprintf(stderr, "Found SBOM of media type: %s\n",
		sg_printable(p, sizeof(p), m->items[0].media_type));
	fwrite(blob.data, 1, blob.len, stdout);
	d->printed++;
done:
	sg_buf_release(&blob);
	return err;
}

static int dl_sbom(struct dl *d, sg_error *e)
{
	char tag[SG_DIGEST_MAX + 16], where[SG_DIGEST_MAX + 64], got[SG_DIGEST_MAX];
	sg_referrers refs = { 0 };
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	sg_manifest *m = NULL;
	char *mt = NULL;
	int err;

	/* cosign's OCI 1.1 attachment first: the last referrer of its SBOM artifactType */
	if ((err = sg_referrers_list(&refs, d->t.store, d->t.digest, MT_COSIGN_SBOM, e)) < 0)
		goto done;
	if (refs.n) {
		const char *rd = refs.items[refs.n - 1].digest;

		snprintf(where, sizeof(where), "%s@%s", d->t.store->name, rd);
		if ((err = fetch_manifest(&m, d->t.store, rd, e)) < 0) {
			sg_err_prefix(e, "%s", where);
			goto done;
		}
	} else {
		sg_digest_tag(tag, sizeof(tag), d->t.digest, ".sbom");
		snprintf(where, sizeof(where), "%s:%s", d->t.store->name, tag);
		err = sg_store_get_manifest(d->t.store, tag, &body, &mt, got, e);
		if (err == SG_ENOTFOUND) {
			err = 0;
			goto done;
		}
		if (err < 0 || (err = sg_manifest_parse(&m, body.data, body.len, mt, e)) < 0) {
			sg_err_prefix(e, "%s", where);
			goto done;
		}
	}
	err = dl_sbom_layer(d, m, where, e);
done:
	sg_referrers_release(&refs);
	sg_manifest_free(m);
	sg_buf_release(&body);
	free(mt);
	return err;
}

static int download_one(struct dl *d, sg_error *e)
{
	static const char *const nothing[] = { "no signatures", "no attestations", "no SBOM" };
	int err = 0;

	if (d->what == DL_SBOM)
		err = dl_sbom(d, e);
	else if ((err = dl_bundles(d, e)) == 0 && !(d->what == DL_SIG && d->printed))
		err = dl_legacy(d, e);
	fflush(stdout);
	if (err < 0)
		return err;
	if (d->nbad)
		return sg_err(e, SG_ERROR, "%s: %zu attached entr%s could not be read (see above)",
			      d->t.arg, d->nbad, d->nbad == 1 ? "y" : "ies");
	if (!d->printed)
		return sg_err(e, SG_EVERIFY, "%s: %s%s%s attached", d->t.arg, nothing[d->what],
			      d->filter ? " with predicate type " : "", d->filter ? d->filter : "");
	return 0;
}

int cmd_download(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "predicate-type", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char *const whats[] = { "signature", "attestation", "sbom" };
	struct dl d = { 0 };
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	const char *ptype = NULL;
	char p[PRINT_MAX];
	int c, r, rc = SG_EXIT_OK;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(dl_usage, stdout);
		return SG_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "sigil download: say what to download: signature, attestation or "
				"sbom (see --help)\n");
		return SG_EXIT_USAGE;
	}
	for (d.what = 0; d.what < 3 && strcmp(argv[1], whats[d.what]) != 0; d.what++)
		;
	if (d.what == 3) {
		fprintf(stderr, "sigil download: unknown kind \"%s\": signature, attestation or sbom\n",
			sg_printable(p, sizeof(p), argv[1]));
		return SG_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("download", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'p': ptype = optarg; break;
		case 'h': fputs(dl_usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("download", argv, c);
			goto done;
		}
	}
	if (ptype && d.what != DL_ATT) {
		fprintf(stderr, "sigil download: --predicate-type applies to attestations only\n");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	if (ptype && !(d.filter = sg_predicate_type_uri(ptype))) {
		fprintf(stderr, "sigil download: invalid predicate type: %s\n",
			sg_printable(p, sizeof(p), ptype));
		rc = SG_EXIT_USAGE;
		goto done;
	}
	if (target_from_args(&d.t, &ctx, &ref, &opts, 1, argc, argv, &e) < 0 ||
	    download_one(&d, &e) < 0)
		rc = sg_cli_fail("download", &e);
done:
	free(d.t.base);
	sg_ref_free(ref);
	sg_ctx_free(ctx);
	return rc;
}
