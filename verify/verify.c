/* sigil verify: checks cosign's legacy .sig signatures against a public key (formats.md §1.7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "verify.h"
#include "cli.h"
#include "keys.h"
#include "payload.h"
#include "ref.h"
#include "sigimage.h"
#include "store.h"
#include "bundle.h"
#include "manifest.h"
#include "intoto.h"
#include "referrers.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil verify --key PUB [-a key=value]... [--output json|text] IMAGE...\n"
	"\n"
	"Verifies the cosign signatures stored beside each image against the public key PUB:\n"
	"legacy ones at the sha256-<hex>.sig tag and sigstore bundles attached as OCI 1.1\n"
	"referrers (cosign v3), both looked at; stderr says where each one came from. Prints\n"
	"the verified payloads (a JSON array, as cosign does) on stdout.\n"
	"Exit status: 0 every image has a valid signature, 1 verification failed,\n"
	"2 usage or operational error.\n"
	"\n"
	"  -k, --key PUB                  public key file (PKIX PEM)\n"
	"  -a, --annotations key=value    require this annotation in the signed payload\n"
	"  -o, --output json|text         json (default): one array per image; text: one payload\n"
	"                                 per line\n"
	"      --platform OS/ARCH[/VAR]   an index: verify its child for this platform instead\n"
	"                                 (without it, the index's own signatures are checked)\n"
	"      --insecure-ignore-tlog     accepted for cosign compatibility (no tlog is consulted)\n"
	SG_REGISTRY_HELP;

enum output_kind { OUT_JSON, OUT_TEXT };

struct verify_args {
	const sg_pubkey *pub;
	const sg_kv *ann;
	size_t nann;
	enum output_kind output;
	const sg_platform *platform;
};

/* Checks one signature layer. Fails closed: returns SG_OK only at the very end. */
static int verify_layer(sg_payload **out, sg_store *store, const sg_desc *l, const char *digest,
			const struct verify_args *a, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_PAYLOAD);
	const char *b64 = sg_desc_annotation(l, SG_ANN_SIGNATURE);
	unsigned char *sig = NULL;
	sg_payload *p = NULL;
	size_t siglen = 0, i;
	int err = SG_EVERIFY;

	*out = NULL;
	if (strcmp(l->media_type, SG_MT_SIMPLESIGNING) != 0) {
		sg_err(e, SG_EVERIFY, "layer %s: media type is not simple signing", l->digest);
		goto done;
	}
	if (!b64 || !*b64) {
		sg_err(e, SG_EVERIFY, "layer %s: no signature annotation", l->digest);
		goto done;
	}
	if (sg_b64_decode(&sig, &siglen, b64, strlen(b64), e) < 0) {
		sg_err(e, SG_EVERIFY, "layer %s: signature is not valid base64", l->digest);
		goto done;
	}
	if ((err = sg_sigimage_layer_blob(&blob, store, l, SG_MAX_PAYLOAD, e)) < 0)
		goto done;
	err = SG_EVERIFY;
	if (sg_verify(a->pub, blob.data, blob.len, sig, siglen) != SG_OK) {
		sg_err(e, SG_EVERIFY, "layer %s: signature does not verify with the key", l->digest);
		goto done;
	}
	if (sg_payload_parse(&p, blob.data, blob.len, e) < 0) {
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = SG_EVERIFY;
		goto done;
	}
	if (strcmp(p->digest, digest) != 0) {
		sg_err(e, SG_EVERIFY, "layer %s: payload is for %s, not %s", l->digest, p->digest,
		       digest);
		goto done;
	}
	for (i = 0; i < a->nann; i++) {
		json_t *v = p->optional ? json_object_get(p->optional, a->ann[i].key) : NULL;

		if (!json_is_string(v) || strcmp(json_string_value(v), a->ann[i].value) != 0) {
			sg_err(e, SG_EVERIFY, "layer %s: annotation %s=%s not in the payload",
			       l->digest, a->ann[i].key, a->ann[i].value);
			goto done;
		}
	}
	*out = p;
	p = NULL;
	err = SG_OK;
done:
	sg_payload_free(p);
	sg_buf_release(&blob);
	free(sig);
	return err;
}

/* What one image's verification found, in both storage generations. */
struct found {
	const struct verify_args *a;
	const char *arg, *digest;
	sg_payload **ok;
	char **origin;            /* per ok payload: where it came from, for stderr */
	size_t nok, cap;
	size_t checked;           /* signatures looked at */
	sg_error first;           /* the failure worth reporting when none verifies */
};

static int found_add(struct found *f, sg_payload *p, char *origin)
{
	if (f->nok == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		sg_payload **ok = realloc(f->ok, cap * sizeof(*ok));
		char **o;

		if (ok)
			f->ok = ok;
		if (!ok || !(o = realloc(f->origin, cap * sizeof(*o)))) {
			sg_payload_free(p);
			free(origin);
			return SG_ERROR;
		}
		f->origin = o;
		f->cap = cap;
	}
	if (!origin) {
		sg_payload_free(p);
		return SG_ERROR;
	}
	f->ok[f->nok] = p;
	f->origin[f->nok++] = origin;
	return 0;
}

static void found_release(struct found *f)
{
	size_t i;

	for (i = 0; i < f->nok; i++) {
		sg_payload_free(f->ok[i]);
		free(f->origin[i]);
	}
	free(f->ok);
	free(f->origin);
}

static void fail(struct found *f, const sg_error *le, int code)
{
	sg_err_keep_first(&f->first, le, code);
}

/* The subject of st that names digest (sg_bundle_verify made sure there is one). */
static const sg_intoto_subject *subject_for(const sg_intoto *st, const char *digest)
{
	const char *hex = strchr(digest, ':') + 1;
	size_t i, j;

	for (i = 0; i < st->nsubjects; i++)
		for (j = 0; j < st->subjects[i].ndigests; j++)
			if (!strcmp(st->subjects[i].digests[j].key, "sha256") &&
			    !strcmp(st->subjects[i].digests[j].value, hex))
				return &st->subjects[i];
	return NULL;
}

/* A cosign v3 signature: a bundle whose statement says https://sigstore.dev/cosign/sign/v1
 * (attestation bundles are not signatures here, unlike cosign, which counts any verified
 * bundle), or a message signature over the manifest. Shown in the simple-signing shape, as
 * cosign v3 does. */
static void on_bundle(void *ud, const char *referrer, int via, const sg_bundle *b,
		      const sg_error *err)
{
	struct found *f = ud;
	const sg_intoto_subject *subj = NULL;
	sg_intoto *st = NULL;
	sg_payload *p = NULL;
	sg_error le = { 0 };
	size_t i;

	f->checked++;
	if (err) {
		fail(f, err, err->code);
		return;
	}
	if (sg_bundle_verify(b, f->a->pub, f->digest, NULL, 0, &st, &le) != SG_OK) {
		sg_err_prefix(&le, "referrer %s", referrer);
		fail(f, &le, SG_EVERIFY);
		return;
	}
	if (st && strcmp(st->predicate_type, SG_PREDICATE_COSIGN_SIGN) != 0) {
		sg_err(&le, SG_EVERIFY, "referrer %s: an attestation (%s), not a signature",
		       referrer, st->predicate_type);
		fail(f, &le, SG_EVERIFY);
		goto done;
	}
	subj = st ? subject_for(st, f->digest) : NULL;
	for (i = 0; i < f->a->nann; i++) {
		json_t *v = subj && subj->annotations
				    ? json_object_get(subj->annotations, f->a->ann[i].key) : NULL;

		if (!json_is_string(v) || strcmp(json_string_value(v), f->a->ann[i].value) != 0) {
			sg_err(&le, SG_EVERIFY, "referrer %s: annotation %s=%s not in the statement",
			       referrer, f->a->ann[i].key, f->a->ann[i].value);
			fail(f, &le, SG_EVERIFY);
			goto done;
		}
	}
	if (!(p = calloc(1, sizeof(*p))) || !(p->docker_ref = strdup(f->arg)) ||
	    !(p->digest = strdup(f->digest)) ||
	    (st && !(p->type = strdup(st->predicate_type))) ||
	    (subj && subj->annotations && !(p->optional = json_deep_copy(subj->annotations)))) {
		sg_payload_free(p);
		goto done;
	}
	found_add(f, p, sg_strprintf("sigstore bundle %s (%s)", referrer,
				     via == SG_REFERRERS_API ? "referrers API" : "referrers tag"));
done:
	sg_intoto_free(st);
}

static void print_header(const struct found *f)
{
	size_t i;

	fprintf(stderr, "\nVerification for %s --\n"
			"The following checks were performed on each of these signatures:\n", f->arg);
	if (f->a->nann)
		fputs("  - The specified annotations were verified.\n", stderr);
	fputs("  - The cosign claims were validated\n"
	      "  - The signatures were verified against the specified public key\n", stderr);
	fputs("Verified signatures:\n", stderr);
	for (i = 0; i < f->nok; i++)
		fprintf(stderr, "  - %s\n", f->origin[i]);
}

static int print_payloads(const struct found *f)
{
	sg_buf out = SG_BUF_INIT(SG_MAX_PAYLOAD);
	size_t i;
	int err = 0;

	if (f->a->output == OUT_JSON)
		err |= sg_buf_puts(&out, "\n[");
	for (i = 0; i < f->nok; i++) {
		if (i && f->a->output == OUT_JSON)
			err |= sg_buf_puts(&out, ",");
		err |= sg_payload_write(&out, f->ok[i]);
		if (f->a->output == OUT_TEXT)
			err |= sg_buf_puts(&out, "\n");
	}
	if (f->a->output == OUT_JSON)
		err |= sg_buf_puts(&out, "]\n");
	if (!err)
		fwrite(out.data, 1, out.len, stdout);
	sg_buf_release(&out);
	return err ? SG_ETOOBIG : 0;
}

/* The legacy generation: every layer of the .sig image. A layer that cannot be checked (its
 * blob missing, a network error) does not count, but does not hide another's valid signature. */
static int verify_legacy(struct found *f, sg_store *store, const char *tag, sg_error *e)
{
	sg_sigimage img = { NULL, 0 };
	sg_error le = { 0 };
	sg_payload *p;
	size_t i;
	int err;

	err = sg_sigimage_load(&img, store, tag, e);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (img.nlayers == 0) {
		sg_err(&le, SG_EVERIFY, "%s:%s: signature image has no layers", store->name, tag);
		fail(f, &le, SG_EVERIFY);
	}
	for (i = 0; i < img.nlayers; i++) {
		f->checked++;
		sg_error_clear(&le);
		err = verify_layer(&p, store, &img.layers[i], f->digest, f->a, &le);
		if (err != SG_OK) {
			fail(f, &le, err);
			continue;
		}
		if (found_add(f, p, sg_strprintf("legacy signature %s:%s layer %s", store->name, tag,
						 img.layers[i].digest)) < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = 0;
done:
	sg_sigimage_release(&img);
	return err;
}

static int verify_one(sg_ctx *ctx, const sg_ref *ref, const char *arg,
		      const struct verify_args *a, sg_error *e)
{
	char digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	struct found f = { 0 };
	sg_store *store;
	int err, via;

	f.a = a;
	f.arg = arg;
	f.digest = digest;
	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if ((err = sg_resolve_platform(digest, store, ref, a->platform, e)) < 0)
		goto done;
	sg_digest_tag(tag, sizeof(tag), digest, ".sig");
	if ((err = sg_bundles_each(store, digest, on_bundle, &f, &via, e)) < 0 ||
	    (err = verify_legacy(&f, store, tag, e)) < 0)
		goto done;
	err = SG_EVERIFY;
	if (f.nok == 0) {
		if (f.first.code && f.first.code != SG_EVERIFY) {
			*e = f.first; /* could not check: an operational error, not a verdict */
			err = f.first.code;
			goto done;
		}
		if (!f.checked && !f.first.code)
			sg_err(e, SG_EVERIFY, "%s: no signatures found (no %s:%s, no sigstore bundle "
			       "referrers)", arg, store->name, tag);
		else
			sg_err(e, SG_EVERIFY, "%s: no matching signatures: %s", arg, f.first.msg);
		goto done;
	}
	print_header(&f);
	if ((err = print_payloads(&f)) < 0) {
		sg_err(e, err, "%s: output too large", arg);
		goto done;
	}
	err = SG_OK;
done:
	found_release(&f);
	return err;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "annotations", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "platform", required_argument, NULL, 'P' },
		{ "insecure-ignore-tlog", optional_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct verify_args a = { NULL, NULL, 0, OUT_JSON, NULL };
	sg_platform platform;
	char *platform_arg = NULL;
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_kv *ann = NULL;
	sg_pubkey *pub = NULL;
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	const char *keypath = NULL;
	int c, r, i, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:a:o:h", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("verify", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'a':
			if (sg_kv_parse(&ann, &a.nann, optarg, &e) < 0) {
				rc = sg_cli_fail("verify", &e);
				goto done;
			}
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				a.output = OUT_JSON;
			else if (!strcmp(optarg, "text"))
				a.output = OUT_TEXT;
			else {
				fprintf(stderr, "sigil verify: --output must be json or text\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'I': break;
		case 'P':
			free(platform_arg);
			if (!(platform_arg = strdup(optarg)) ||
			    sg_platform_parse(&platform, platform_arg, &e) < 0) {
				rc = platform_arg ? sg_cli_fail("verify", &e) : SG_EXIT_USAGE;
				goto done;
			}
			a.platform = &platform;
			break;
		case 'h': fputs(usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("verify", argv, c);
			goto done;
		}
	}
	if (!keypath || optind >= argc) {
		fprintf(stderr, "sigil verify: %s\n", !keypath ? "--key is required" : "no image given (see --help)");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	a.ann = ann;
	if (sg_pubkey_load(&pub, keypath, &e) < 0 || sg_ctx_new(&ctx, &opts, &e) < 0) {
		rc = sg_cli_fail("verify", &e);
		goto done;
	}
	a.pub = pub;
	for (i = optind; i < argc; i++) {
		int one;

		sg_error_clear(&e);
		if (sg_ref_parse(&ref, argv[i], &e) < 0 || verify_one(ctx, ref, argv[i], &a, &e) < 0) {
			one = sg_cli_fail("verify", &e);
			rc = one > rc ? one : rc;
		}
		sg_ref_free(ref);
		ref = NULL;
	}
done:
	sg_ctx_free(ctx);
	sg_pubkey_free(pub);
	sg_kv_free(ann, a.nann);
	free(platform_arg);
	return rc;
}
