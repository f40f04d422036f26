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
#include "verifier.h"
#include "manifest.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil verify --key PUB [-a key=value]... [--output json|text] IMAGE...\n"
	"       sigil verify --policy FILE [--output text|json] IMAGE...\n"
	"\n"
	"Verifies the cosign signatures stored beside each image against the public key PUB:\n"
	"legacy ones at the sha256-<hex>.sig tag and sigstore bundles attached as OCI 1.1\n"
	"referrers (cosign v3), both looked at; stderr says where each one came from. Prints\n"
	"the verified payloads (a JSON array, as cosign does) on stdout.\n"
	"With --policy, each image is decided by the policy FILE (docs/policy.md) instead: the\n"
	"rule that matched and each requirement's outcome are printed (text by default, or a\n"
	"JSON array of verdicts); a warn-mode rule that fails allows the image with a WARN.\n"
	"Exit status: 0 every image has a valid signature (with --policy: is allowed),\n"
	"1 verification failed (an image is denied), 2 usage or operational error.\n"
	"\n"
	"  -k, --key PUB                  public key file (PKIX PEM)\n"
	"      --policy FILE              decide by this policy instead of one key\n"
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

static void print_header(const char *arg, const struct verify_args *a,
			 const sg_verify_result *r)
{
	size_t i;

	fprintf(stderr, "\nVerification for %s --\n"
			"The following checks were performed on each of these signatures:\n", arg);
	if (a->nann)
		fputs("  - The specified annotations were verified.\n", stderr);
	fputs("  - The cosign claims were validated\n"
	      "  - The signatures were verified against the specified public key\n"
	      "Verified signatures:\n", stderr);
	for (i = 0; i < r->n; i++)
		fprintf(stderr, "  - %s\n", r->items[i].origin);
}

static int print_payloads(const struct verify_args *a, const sg_verify_result *r)
{
	sg_buf out = SG_BUF_INIT(SG_MAX_PAYLOAD);
	size_t i;
	int err = 0;

	if (a->output == OUT_JSON)
		err |= sg_buf_puts(&out, "\n[");
	for (i = 0; i < r->n; i++) {
		if (i && a->output == OUT_JSON)
			err |= sg_buf_puts(&out, ",");
		err |= sg_payload_write(&out, r->items[i].payload);
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
	sg_verify_result r = { 0 };
	sg_verify_in in = { 0 };
	sg_store *store;
	int err;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if ((err = sg_resolve_platform(digest, store, ref, a->platform, e)) < 0)
		goto done;
	in.store = store;
	in.digest = digest;
	in.docker_ref = arg;
	in.keys = &a->pub;
	in.nkeys = 1;
	in.ann = a->ann;
	in.nann = a->nann;
	if ((err = sg_verify_signatures(&r, &in, e)) < 0)
		goto done;
	err = SG_EVERIFY;
	if (r.n == 0) {
		if (r.first.code && r.first.code != SG_EVERIFY) {
			*e = r.first; /* could not check: an operational error, not a verdict */
			err = r.first.code;
			goto done;
		}
		sg_digest_tag(tag, sizeof(tag), digest, ".sig");
		if (!r.checked && !r.first.code)
			sg_err(e, SG_EVERIFY, "%s: no signatures found (no %s:%s, no sigstore bundle "
			       "referrers)", arg, store->name, tag);
		else
			sg_err(e, SG_EVERIFY, "%s: no matching signatures: %s", arg, r.first.msg);
		goto done;
	}
	print_header(arg, a, &r);
	if ((err = print_payloads(a, &r)) < 0) {
		sg_err(e, err, "%s: output too large", arg);
		goto done;
	}
	err = SG_OK;
done:
	sg_verify_result_release(&r);
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
		{ "policy", required_argument, NULL, 'Y' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct verify_args a = { NULL, NULL, 0, OUT_JSON, NULL };
	sg_platform platform;
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_kv *ann = NULL;
	sg_pubkey *pub = NULL;
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	const char *keypath = NULL, *policy = NULL;
	int c, r, i, output_given = 0, rc = SG_EXIT_OK;

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
		case 'Y': policy = optarg; break;
		case 'a':
			if (sg_kv_parse(&ann, &a.nann, optarg, &e) < 0) {
				rc = sg_cli_fail("verify", &e);
				goto done;
			}
			break;
		case 'o':
			output_given = 1;
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
			if (sg_platform_parse(&platform, optarg, &e) < 0) {
				rc = sg_cli_fail("verify", &e);
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
	if (policy) {
		if (keypath || a.nann || optind >= argc) {
			fprintf(stderr, "sigil verify: %s\n", keypath ? "--policy replaces --key: give one" :
				a.nann ? "--annotations cannot be used with --policy" :
				"no image given (see --help)");
			rc = SG_EXIT_USAGE;
			goto done;
		}
		rc = verify_with_policy(policy, &opts, a.platform, output_given && a.output == OUT_JSON,
					argv + optind, argc - optind);
		goto done;
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
