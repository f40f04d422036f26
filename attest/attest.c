/* sigil attest / verify-attestation: in-toto statements in DSSE envelopes, stored as cosign
 * stores them at the legacy sha256-<hex>.att tag (formats.md §2). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "attest.h"
#include "cli.h"
#include "dsse.h"
#include "intoto.h"
#include "keys.h"
#include "ref.h"
#include "sigimage.h"
#include "store.h"
#include "bundle.h"
#include "verifier.h"
#include "manifest.h"
#include "referrers.h"
#include "banned.h"

#define ANN_PREDICATE_TYPE "predicateType"

static const char attest_usage[] =
	"usage: sigil attest --key KEY --predicate FILE|- [--type TYPE] [--statement-version 1|0.1]\n"
	"                    [--replace] IMAGE...\n"
	"\n"
	"Wraps FILE in an in-toto statement about each image's manifest digest, signs it with KEY\n"
	"in a DSSE envelope and appends it to the sha256-<hex>.att tag beside the image, as cosign\n"
	"does. IMAGE is registry/repo[:tag][@digest] or oci:PATH[:TAG|@DIGEST].\n"
	"\n"
	"  -k, --key KEY                  private key file (password from COSIGN_PASSWORD,\n"
	"                                 the terminal, or stdin)\n"
	"      --predicate FILE           the predicate (JSON; SPDX tag-value text for spdx);\n"
	"                                 - reads stdin\n"
	"      --type TYPE                custom (default), slsaprovenance, slsaprovenance02,\n"
	"                                 slsaprovenance1, spdx, spdxjson, cyclonedx, link, vuln,\n"
	"                                 openvex, or a predicate type URI\n"
	"      --statement-version V      1 (default: https://in-toto.io/Statement/v1) or 0.1\n"
	"                                 (what cosign writes)\n"
	"      --replace                  drop the image's attestations of the same predicate type\n"
	"      --bundle-format legacy|sigstore\n"
	"                                 legacy (default): the .att tag; sigstore: a sigstore\n"
	"                                 bundle v0.3 attached as an OCI 1.1 referrer (cosign v3)\n"
	"      --new-bundle-format[=true|false]  cosign's spelling of --bundle-format sigstore\n"
	"  -y, --yes                      accepted for cosign compatibility (no prompts here)\n"
	"      --tlog-upload=false        accepted for cosign compatibility (sigil never uploads)\n"
	SG_REGISTRY_HELP;

static const char verify_usage[] =
	"usage: sigil verify-attestation --key PUB [--type TYPE] [--output json|text] IMAGE...\n"
	"\n"
	"Verifies the attestations stored beside each image (the sha256-<hex>.att tag and sigstore\n"
	"bundles attached as OCI 1.1 referrers; stderr says where each came from): the DSSE signature\n"
	"against the public key PUB, the in-toto payload type, and that the statement's subject\n"
	"names the image's digest. Prints each verified envelope on its own line on stdout, as\n"
	"cosign does. Exit status: 0 every image has a verified attestation (of TYPE, if given),\n"
	"1 verification failed, 2 usage or operational error.\n"
	"\n"
	"  -k, --key PUB                  public key file (PKIX PEM)\n"
	"      --type TYPE                only accept statements of this predicate type (a name as\n"
	"                                 for attest, or a URI). Without it every predicate type\n"
	"                                 is accepted; cosign instead defaults to 'custom' and so\n"
	"                                 rejects e.g. SLSA provenance unless given --type\n"
	"  -o, --output json|text         accepted for cosign compatibility; envelopes are always\n"
	"                                 printed one per line, as cosign prints them\n"
	"      --insecure-ignore-tlog     accepted for cosign compatibility (no tlog is consulted)\n"
	"      --platform OS/ARCH[/VAR]   an index: verify its child for this platform instead\n"
	SG_REGISTRY_HELP;

/* --- attest ------------------------------------------------------------------------- */

int sg_attest_args_init(sg_attest_args *a, const sg_privkey *key, int bundle, sg_error *e)
{
	sg_pubkey *pub = NULL;
	int err = 0;

	memset(a, 0, sizeof(*a));
	a->key = key;
	a->bundle = bundle;
	a->statement_type = SG_INTOTO_STATEMENT_V1;
	a->report = stdout;
	if (bundle && ((err = sg_privkey_public(&pub, key, e)) < 0 ||
		       (err = sg_pubkey_hint(a->hint, pub, e)) < 0))
		a->hint[0] = '\0';
	sg_pubkey_free(pub);
	return err;
}

/* cosign never deduplicates attestation layers (formats.md §1.5). */
static int never_dup(const sg_desc *existing, const sg_desc *layer, void *ud)
{
	(void)existing;
	(void)layer;
	(void)ud;
	return 0;
}

/* With --predicate -, stdin is the predicate: it cannot also be the password. */
static int pass_not_stdin(char **pw, size_t *pwlen, int confirm, void *ud, sg_error *e)
{
	*pw = NULL;
	*pwlen = 0;
	if (!getenv("COSIGN_PASSWORD") && !isatty(STDIN_FILENO))
		return sg_err(e, SG_EINVALID, "%s: the predicate is read from stdin, so the key's "
			      "password must come from COSIGN_PASSWORD", (const char *)ud);
	return sg_password_get(pw, pwlen, confirm, NULL, e);
}

/* 1 if an existing layer is an attestation whose statement has predicate type ptype (read
 * without verifying: it only decides what --replace drops, as in cosign), 0 if not or if it
 * cannot be read (such a layer is kept), <0 on an operational error. */
static int layer_has_type(sg_store *s, const sg_desc *l, const char *ptype, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_dsse *env = NULL;
	sg_intoto *st = NULL;
	sg_error le = { 0 };
	int err, match = 0;

	if (strcmp(l->media_type, SG_MT_DSSE_ENVELOPE) != 0 || l->size < 0 ||
	    (uint64_t)l->size > SG_MAX_ENVELOPE)
		return 0;
	blob.max = (size_t)l->size;
	err = sg_store_get_blob(s, l->digest, &blob, &le);
	if (err < 0 && err != SG_ENOTFOUND && err != SG_EDIGEST && err != SG_ETOOBIG &&
	    err != SG_EINVALID) {
		*e = le;
		goto done;
	}
	err = 0;
	if (blob.len && sg_dsse_parse(&env, blob.data, blob.len, &le) == 0 &&
	    !strcmp(env->payload_type, SG_DSSE_INTOTO_TYPE) &&
	    sg_intoto_parse(&st, env->payload, env->payload_len, &le) == 0)
		match = !strcmp(st->predicate_type, ptype);
done:
	sg_intoto_free(st);
	sg_dsse_free(env);
	sg_buf_release(&blob);
	return err < 0 ? err : match;
}

/* --replace: one read-modify-write that drops the layers of the same predicate type and
 * appends layer (locked on a layout; on a registry, last writer wins, as in cosign). */
static int replace_add(sg_store *s, const char *tag, const sg_desc *layer, const char *ptype,
		       size_t *dropped, sg_error *e)
{
	sg_sigimage img = { NULL, 0 };
	unsigned char *drop = NULL;
	size_t i, kept = 0;
	int locked, err;

	*dropped = 0;
	if ((locked = sg_store_lock(s, 1, e)) < 0)
		return locked;
	err = sg_sigimage_load(&img, s, tag, e);
	if (err == SG_ENOTFOUND)
		err = 0;
	if (err < 0)
		goto done;
	if (!(drop = calloc(img.nlayers ? img.nlayers : 1, 1))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < img.nlayers; i++)
		if ((err = layer_has_type(s, &img.layers[i], ptype, e)) < 0)
			goto done;
		else
			drop[i] = (unsigned char)err;
	for (i = 0; i < img.nlayers; i++) {
		if (drop[i]) {
			sg_desc_release(&img.layers[i]);
			(*dropped)++;
		} else {
			img.layers[kept++] = img.layers[i];
		}
	}
	img.nlayers = kept;
	if ((err = sg_sigimage_append(&img, layer, never_dup, NULL, e)) < 0)
		goto done;
	err = sg_sigimage_push(s, tag, &img, e);
done:
	if (locked)
		sg_store_lock(s, 0, NULL);
	sg_sigimage_release(&img);
	free(drop);
	return err;
}

/* cosign v3's attestation: the DSSE envelope in a sigstore bundle, attached as a referrer. */
static int attest_bundle_one(sg_store *store, const sg_ref *ref, const sg_attest_args *a,
			     sg_error *e)
{
	sg_buf stmt = SG_BUF_INIT(SG_MAX_ENVELOPE), pae = SG_BUF_INIT(SG_MAX_ENVELOPE + 256);
	sg_buf bundle = SG_BUF_INIT(SG_MAX_BUNDLE);
	char mdigest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	unsigned char *sig = NULL;
	sg_image img = { 0 };
	char *repo = NULL;
	size_t siglen;
	int err, via;

	if ((err = sg_image_fetch(&img, store, sg_ref_target(ref), e)) < 0)
		goto done;
	if (!(repo = sg_ref_repo_name(ref))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = sg_intoto_build(&stmt, a->statement_type, repo, img.digest, a->predicate_type,
				   a->predicate, e)) < 0)
		goto done;
	if ((err = sg_dsse_pae(&pae, SG_DSSE_INTOTO_TYPE, strlen(SG_DSSE_INTOTO_TYPE), stmt.data,
			       stmt.len)) < 0) {
		err = sg_err(e, err, "statement too large to sign");
		goto done;
	}
	if ((err = sg_sign(&sig, &siglen, a->key, pae.data, pae.len, e)) < 0)
		goto done;
	if ((err = sg_bundle_write_dsse(&bundle, a->hint, SG_DSSE_INTOTO_TYPE, stmt.data, stmt.len,
					sig, siglen)) < 0) {
		err = sg_err(e, err, "bundle too large");
		goto done;
	}
	if ((err = sg_bundle_attach(store, &img, bundle.data, bundle.len, a->predicate_type,
				    time(NULL), mdigest, &via, e)) < 0)
		goto done;
	sg_referrers_tag(tag, sizeof(tag), img.digest);
	if (a->report)
		fprintf(a->report, "%s@%s\n", repo, img.digest);
	if (via == SG_REFERRERS_API)
		fprintf(stderr, "Pushed attestation bundle %s@%s (referrers API)\n", store->name,
			mdigest);
	else
		fprintf(stderr, "Pushed attestation bundle %s@%s (referrers tag %s)\n", store->name,
			mdigest, tag);
done:
	sg_buf_release(&stmt);
	sg_buf_release(&pae);
	sg_buf_release(&bundle);
	sg_image_release(&img);
	free(sig);
	free(repo);
	return err;
}

int sg_attest_one(sg_ctx *ctx, const sg_ref *ref, const sg_attest_args *a, sg_error *e)
{
	sg_buf stmt = SG_BUF_INIT(SG_MAX_ENVELOPE), env = SG_BUF_INIT(SG_MAX_ENVELOPE);
	char digest[SG_DIGEST_MAX], env_digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	sg_desc layer = { 0 };
	char *repo = NULL;
	sg_store *store;
	size_t dropped = 0;
	int err, added = 1;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if (a->bundle) {
		err = attest_bundle_one(store, ref, a, e);
		goto done;
	}
	if ((err = sg_resolve(digest, store, ref, 1, e)) < 0)
		goto done;
	if (!(repo = sg_ref_repo_name(ref))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = sg_intoto_build(&stmt, a->statement_type, repo, digest, a->predicate_type,
				   a->predicate, e)) < 0 ||
	    (err = sg_dsse_sign(&env, a->key, SG_DSSE_INTOTO_TYPE, stmt.data, stmt.len, e)) < 0)
		goto done;
	sg_sha256_digest(env_digest, env.data, env.len);
	layer.media_type = SG_MT_DSSE_ENVELOPE;
	layer.digest = env_digest;
	layer.size = (int64_t)env.len;
	layer.annotations = json_pack("{s:s,s:s}", SG_ANN_SIGNATURE, "", ANN_PREDICATE_TYPE,
				      a->predicate_type);
	if (!layer.annotations) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	sg_digest_tag(tag, sizeof(tag), digest, ".att");
	if ((err = sg_store_put_blob(store, env_digest, env.data, env.len, e)) < 0)
		goto done;
	if (a->replace)
		err = replace_add(store, tag, &layer, a->predicate_type, &dropped, e);
	else
		err = sg_sigimage_add(store, tag, &layer, never_dup, NULL, &added, e);
	if (err < 0)
		goto done;
	if (a->report)
		fprintf(a->report, "%s@%s\n", repo, digest);
	fprintf(stderr, "Pushed attestation to %s:%s", store->name, tag);
	if (dropped)
		fprintf(stderr, " (replaced %zu of the same predicate type)", dropped);
	fputs(added ? "\n" : " (already there)\n", stderr);
done:
	json_decref(layer.annotations);
	sg_buf_release(&stmt);
	sg_buf_release(&env);
	free(repo);
	return err;
}

int cmd_attest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "predicate", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "statement-version", required_argument, NULL, 'S' },
		{ "replace", no_argument, NULL, 'R' },
		{ "yes", no_argument, NULL, 'y' },
		{ "tlog-upload", required_argument, NULL, 'T' },
		{ "bundle-format", required_argument, NULL, 'B' },
		{ "new-bundle-format", optional_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	sg_attest_args a;
	const char *statement_type = SG_INTOTO_STATEMENT_V1, *ptype;
	int bundle = 0, replace = 0;
	sg_buf pred = SG_BUF_INIT(SG_MAX_PREDICATE);
	const char *keypath = NULL, *predpath = NULL, *type = "custom";
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	json_t *predicate = NULL;
	sg_privkey *key = NULL;
	sg_ref **refs = NULL;
	sg_ctx *ctx = NULL;
	size_t nrefs = 0, i;
	int c, r, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:yh", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("attest", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'p': predpath = optarg; break;
		case 't': type = optarg; break;
		case 'S':
			if (!strcmp(optarg, "1") || !strcmp(optarg, "v1"))
				statement_type = SG_INTOTO_STATEMENT_V1;
			else if (!strcmp(optarg, "0.1") || !strcmp(optarg, "v0.1"))
				statement_type = SG_INTOTO_STATEMENT_V01;
			else {
				fprintf(stderr, "sigil attest: --statement-version must be 1 or 0.1\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'R': replace = 1; break;
		case 'y': break;
		case 'B':
		case 'N':
			if ((rc = sg_cli_bundle_format("attest", c == 'N', optarg, &bundle)) !=
			    SG_EXIT_OK)
				goto done;
			break;
		case 'T':
			if ((rc = sg_cli_tlog_upload("attest", optarg)) != SG_EXIT_OK)
				goto done;
			break;
		case 'h': fputs(attest_usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("attest", argv, c);
			goto done;
		}
	}
	if (!keypath || !predpath || optind >= argc) {
		fprintf(stderr, "sigil attest: %s\n", !keypath ? "--key is required"
						      : !predpath ? "--predicate is required"
								  : "no image given (see --help)");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	memset(&a, 0, sizeof(a));
	if (!(ptype = sg_predicate_type_uri(type))) {
		sg_err(&e, SG_EINVALID, "invalid predicate type: %s (a name from --help or a URI)",
		       type);
		rc = sg_cli_fail("attest", &e);
		goto done;
	}
	/* The predicate is checked before anything else happens: a bad one writes nothing. */
	if (sg_read_file(&pred, predpath, &e) < 0 ||
	    sg_predicate_load(&predicate, type, pred.data, pred.len,
			      strcmp(predpath, "-") ? predpath : "stdin", time(NULL), &e) < 0) {
		rc = sg_cli_fail("attest", &e);
		goto done;
	}
	nrefs = (size_t)(argc - optind);
	if (!(refs = calloc(nrefs, sizeof(*refs)))) {
		rc = SG_EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < nrefs; i++)
		if (sg_ref_parse(&refs[i], argv[optind + (int)i], &e) < 0) {
			rc = sg_cli_fail("attest", &e);
			goto done;
		}
	/* The key is decrypted once for all images. */
	if (sg_privkey_load(&key, keypath,
			    strcmp(predpath, "-") ? sg_password_get : pass_not_stdin,
			    (void *)keypath, &e) < 0 ||
	    sg_ctx_new(&ctx, &opts, &e) < 0) {
		rc = sg_cli_fail("attest", &e);
		goto done;
	}
	if (bundle && replace) {
		fprintf(stderr, "sigil attest: --replace applies to the .att tag only, not "
				"to --bundle-format sigstore\n");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	if (sg_attest_args_init(&a, key, bundle, &e) < 0) {
		rc = sg_cli_fail("attest", &e);
		goto done;
	}
	a.predicate_type = ptype;
	a.statement_type = statement_type;
	a.predicate = predicate;
	a.replace = replace;
	for (i = 0; i < nrefs; i++) {
		sg_error_clear(&e);
		if (sg_attest_one(ctx, refs[i], &a, &e) < 0) {
			int one = sg_cli_fail("attest", &e);

			rc = one > rc ? one : rc;
		}
		fflush(stdout);
	}
done:
	for (i = 0; refs && i < nrefs; i++)
		sg_ref_free(refs[i]);
	free(refs);
	sg_ctx_free(ctx);
	sg_privkey_free(key);
	json_decref(predicate);
	sg_buf_release(&pred);
	return rc;
}

/* --- verify-attestation ------------------------------------------------------------- */

static void print_header(const char *name, const sg_verify_result *r, const uint8_t *keep)
{
	size_t i;

	fprintf(stderr, "\nVerification for %s --\n"
			"The following checks were performed on each of these signatures:\n"
			"  - The cosign claims were validated\n"
			"  - The signatures were verified against the specified public key\n"
			"Verified attestations:\n", name);
	for (i = 0; i < r->n; i++)
		if (keep[i])
			fprintf(stderr, "  - %s\n", r->items[i].origin);
}

/* Each envelope on its own line, as cosign prints them. The bytes passed a JSON parser, so
 * the only control characters left are JSON whitespace; CR is blanked for the terminal. */
static void print_envelopes(sg_verify_result *r, const uint8_t *keep)
{
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		sg_buf *env = &r->items[i].envelope;

		if (!keep[i])
			continue;
		for (j = 0; j < env->len; j++)
			if (env->data[j] == '\r')
				env->data[j] = ' ';
		fwrite(env->data, 1, env->len, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

static int verify_one(sg_ctx *ctx, const sg_ref *ref, const char *arg, const sg_pubkey *pub,
		      const char *filter, const sg_platform *platform, sg_error *e)
{
	char digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	sg_buf other = SG_BUF_INIT(4096);
	sg_verify_result r = { 0 };
	sg_verify_in in = { 0 };
	uint8_t *keep = NULL;
	size_t nok = 0, nother = 0, i;
	sg_store *store;
	int err;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if ((err = sg_resolve_platform(digest, store, ref, platform, e)) < 0)
		goto done;
	in.store = store;
	in.digest = digest;
	in.docker_ref = arg;
	in.keys = &pub;
	in.nkeys = 1;
	if ((err = sg_verify_attestations(&r, &in, e)) < 0)
		goto done;
	if (!(keep = calloc(r.n ? r.n : 1, 1))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	/* --type filters; without it a signature bundle is not an attestation */
	for (i = 0; i < r.n; i++) {
		const char *pt = r.items[i].predicate_type;

		keep[i] = filter ? !strcmp(pt, filter) : strcmp(pt, SG_PREDICATE_COSIGN_SIGN) != 0;
		if (keep[i])
			nok++;
		else
			sg_buf_printf(&other, "%s%s", nother++ ? "," : "", pt);
	}
	err = SG_EVERIFY;
	if (nok == 0 && nother && !filter) {
		sg_err(e, SG_EVERIFY, "%s: no attestations found (only signature bundles, predicate "
		       "type %s; --type accepts them)", arg, SG_PREDICATE_COSIGN_SIGN);
		goto done;
	}
	if (nok == 0 && nother) {
		sg_err(e, SG_EVERIFY, "%s: none of the attestations matched the predicate type: %s, "
		       "found: %s", arg, filter, other.data ? (const char *)other.data : "?");
		goto done;
	}
	if (nok == 0 && r.first.code && r.first.code != SG_EVERIFY) {
		*e = r.first; /* could not check: an operational error, not a verdict */
		err = r.first.code;
		goto done;
	}
	if (nok == 0) {
		sg_digest_tag(tag, sizeof(tag), digest, ".att");
		if (!r.checked && !r.first.code)
			sg_err(e, SG_EVERIFY, "%s: no attestations found (no %s:%s, no sigstore "
			       "bundle referrers)", arg, store->name, tag);
		else
			sg_err(e, SG_EVERIFY, "%s: no matching attestations: %s", arg, r.first.msg);
		goto done;
	}
	print_header(arg, &r, keep);
	print_envelopes(&r, keep);
	err = SG_OK;
done:
	free(keep);
	sg_buf_release(&other);
	sg_verify_result_release(&r);
	return err;
}

int cmd_verify_attestation(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "type", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "insecure-ignore-tlog", optional_argument, NULL, 'I' },
		{ "platform", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *keypath = NULL, *filter = NULL;
	sg_platform platform;
	int has_platform = 0;
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_pubkey *pub = NULL;
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	int c, r, i, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:o:h", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("verify-attestation", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'k': keypath = optarg; break;
		case 't':
			if (!(filter = sg_predicate_type_uri(optarg))) {
				fprintf(stderr, "sigil verify-attestation: invalid predicate type: %s\n",
					optarg);
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "sigil verify-attestation: --output must be json or text\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'I': break;
		case 'P':
			if (sg_platform_parse(&platform, optarg, &e) < 0) {
				rc = sg_cli_fail("verify-attestation", &e);
				goto done;
			}
			has_platform = 1;
			break;
		case 'h': fputs(verify_usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("verify-attestation", argv, c);
			goto done;
		}
	}
	if (!keypath || optind >= argc) {
		fprintf(stderr, "sigil verify-attestation: %s\n",
			!keypath ? "--key is required" : "no image given (see --help)");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	if (sg_pubkey_load(&pub, keypath, &e) < 0 || sg_ctx_new(&ctx, &opts, &e) < 0) {
		rc = sg_cli_fail("verify-attestation", &e);
		goto done;
	}
	for (i = optind; i < argc; i++) {
		int one;

		sg_error_clear(&e);
		if (sg_ref_parse(&ref, argv[i], &e) < 0 ||
		    verify_one(ctx, ref, argv[i], pub, filter, has_platform ? &platform : NULL,
			       &e) < 0) {
			one = sg_cli_fail("verify-attestation", &e);
			rc = one > rc ? one : rc;
		}
		sg_ref_free(ref);
		ref = NULL;
	}
done:
	sg_ctx_free(ctx);
	sg_pubkey_free(pub);
	return rc;
}
