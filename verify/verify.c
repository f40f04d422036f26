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
#include "banned.h"

static const char usage[] =
	"usage: sigil verify --key PUB [-a key=value]... [--output json|text] IMAGE...\n"
	"\n"
	"Verifies the cosign signatures stored beside each image (sha256-<hex>.sig) against the\n"
	"public key PUB. Prints the verified payloads (a JSON array, as cosign does) on stdout.\n"
	"Exit status: 0 every image has a valid signature, 1 verification failed,\n"
	"2 usage or operational error.\n"
	"\n"
	"  -k, --key PUB                  public key file (PKIX PEM)\n"
	"  -a, --annotations key=value    require this annotation in the signed payload\n"
	"  -o, --output json|text         json (default): one array per image; text: one payload\n"
	"                                 per line\n"
	"      --insecure-ignore-tlog     accepted for cosign compatibility (no tlog is consulted)\n"
	SG_REGISTRY_HELP;

enum output_kind { OUT_JSON, OUT_TEXT };

struct verify_args {
	const sg_pubkey *pub;
	const sg_kv *ann;
	size_t nann;
	enum output_kind output;
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

static void print_header(const char *name, const struct verify_args *a)
{
	fprintf(stderr, "\nVerification for %s --\n"
			"The following checks were performed on each of these signatures:\n", name);
	if (a->nann)
		fputs("  - The specified annotations were verified.\n", stderr);
	fputs("  - The cosign claims were validated\n"
	      "  - The signatures were verified against the specified public key\n", stderr);
}

static int print_payloads(sg_payload **ok, size_t nok, const struct verify_args *a)
{
	sg_buf out = SG_BUF_INIT(SG_MAX_PAYLOAD);
	size_t i;
	int err = 0;

	if (a->output == OUT_JSON)
		err |= sg_buf_puts(&out, "\n[");
	for (i = 0; i < nok; i++) {
		if (i && a->output == OUT_JSON)
			err |= sg_buf_puts(&out, ",");
		err |= sg_payload_write(&out, ok[i]);
		if (a->output == OUT_TEXT)
			err |= sg_buf_puts(&out, "\n");
	}
	if (a->output == OUT_JSON)
		err |= sg_buf_puts(&out, "]\n");
	if (!err)
		fwrite(out.data, 1, out.len, stdout);
	sg_buf_release(&out);
	return err ? SG_ETOOBIG : 0;
}

static int verify_one(sg_ctx *ctx, const sg_ref *ref, const char *arg,
		      const struct verify_args *a, sg_error *e)
{
	char digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	sg_sigimage img = { NULL, 0 };
	sg_payload **ok = NULL;
	sg_error le = { 0 }, first = { 0 };
	sg_store *store;
	size_t nok = 0, i;
	int err;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if ((err = sg_resolve(digest, store, ref, 0, e)) < 0)
		goto done;
	sg_digest_tag(tag, sizeof(tag), digest, ".sig");
	err = sg_sigimage_load(&img, store, tag, e);
	if (err == SG_ENOTFOUND) {
		err = sg_err(e, SG_EVERIFY, "%s: no signatures found (no %s:%s)", arg, store->name,
			     tag);
		goto done;
	}
	if (err < 0)
		goto done;
	if (!(ok = calloc(img.nlayers ? img.nlayers : 1, sizeof(*ok)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	/* A layer that cannot be checked (its blob missing, a network error) does not count,
	 * but does not hide another layer's valid signature either. */
	for (i = 0; i < img.nlayers; i++) {
		sg_error_clear(&le);
		err = verify_layer(&ok[nok], store, &img.layers[i], digest, a, &le);
		if (err == SG_OK)
			nok++;
		else
			sg_err_keep_first(&first, &le, err);
	}
	err = SG_EVERIFY;
	if (nok == 0) {
		if (first.code && first.code != SG_EVERIFY) {
			*e = first; /* could not check: an operational error, not a verdict */
			err = first.code;
			goto done;
		}
		sg_err(e, SG_EVERIFY, "%s: no matching signatures: %s", arg,
		       img.nlayers ? first.msg : "signature image has no layers");
		goto done;
	}
	print_header(arg, a);
	if ((err = print_payloads(ok, nok, a)) < 0) {
		sg_err(e, err, "%s: output too large", arg);
		goto done;
	}
	err = SG_OK;
done:
	for (i = 0; i < nok; i++)
		sg_payload_free(ok[i]);
	free(ok);
	sg_sigimage_release(&img);
	return err;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "annotations", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "insecure-ignore-tlog", optional_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct verify_args a = { NULL, NULL, 0, OUT_JSON };
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
	return rc;
}
