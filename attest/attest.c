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

struct attest_args {
	const sg_privkey *key;
	int bundle;                 /* --bundle-format sigstore */
	char hint[SG_KEY_HINT_MAX];
	const char *statement_type;
	const char *predicate_type; /* URI */
	const json_t *predicate;
	int replace;
};

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
static int attest_bundle_one(sg_store *store, const sg_ref *ref, const struct attest_args *a,
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
	printf("%s@%s\n", repo, img.digest);
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

static int attest_one(sg_ctx *ctx, const sg_ref *ref, const struct attest_args *a, sg_error *e)
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
	printf("%s@%s\n", repo, digest);
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
	struct attest_args a = { .statement_type = SG_INTOTO_STATEMENT_V1 };
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
				a.statement_type = SG_INTOTO_STATEMENT_V1;
			else if (!strcmp(optarg, "0.1") || !strcmp(optarg, "v0.1"))
				a.statement_type = SG_INTOTO_STATEMENT_V01;
			else {
				fprintf(stderr, "sigil attest: --statement-version must be 1 or 0.1\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'R': a.replace = 1; break;
		case 'y': break;
		case 'B':
		case 'N':
			if ((rc = sg_cli_bundle_format("attest", c == 'N', optarg, &a.bundle)) !=
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
	if (!(a.predicate_type = sg_predicate_type_uri(type))) {
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
	a.predicate = predicate;
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
	a.key = key;
	if (a.bundle) {
		sg_pubkey *pub = NULL;

		if (a.replace) {
			fprintf(stderr, "sigil attest: --replace applies to the .att tag only, not "
					"to --bundle-format sigstore\n");
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (sg_privkey_public(&pub, key, &e) < 0 || sg_pubkey_hint(a.hint, pub, &e) < 0) {
			sg_pubkey_free(pub);
			rc = sg_cli_fail("attest", &e);
			goto done;
		}
		sg_pubkey_free(pub);
	}
	for (i = 0; i < nrefs; i++) {
		sg_error_clear(&e);
		if (attest_one(ctx, refs[i], &a, &e) < 0) {
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

/* Checks one .att layer. Fails closed: SG_OK only at the very end, with *envelope holding
 * the layer's bytes as received and *ptype the statement's predicate type (new). */
static int verify_layer(sg_buf *envelope, char **ptype, sg_store *store, const sg_desc *l,
			const char *digest, const sg_pubkey *pub, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_dsse *env = NULL;
	sg_intoto *st = NULL;
	int err = SG_EVERIFY;

	*ptype = NULL;
	if (strcmp(l->media_type, SG_MT_DSSE_ENVELOPE) != 0) {
		sg_err(e, SG_EVERIFY, "layer %s: media type %s is not a DSSE envelope", l->digest,
		       l->media_type);
		goto done;
	}
	if ((err = sg_sigimage_layer_blob(&blob, store, l, SG_MAX_ENVELOPE, e)) < 0)
		goto done;
	err = SG_EVERIFY;
	if (sg_dsse_parse(&env, blob.data, blob.len, e) < 0) {
		if (e->code == SG_ERROR)
			err = SG_ERROR;
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = err;
		goto done;
	}
	if (strcmp(env->payload_type, SG_DSSE_INTOTO_TYPE) != 0) {
		sg_err(e, SG_EVERIFY, "layer %s: invalid payloadType %s on envelope, expected %s",
		       l->digest, env->payload_type, SG_DSSE_INTOTO_TYPE);
		goto done;
	}
	if (sg_dsse_verify(env, pub, e) != SG_OK) {
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = SG_EVERIFY;
		goto done;
	}
	if (sg_intoto_parse(&st, env->payload, env->payload_len, e) < 0) {
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = SG_EVERIFY;
		goto done;
	}
	if (!sg_intoto_has_digest(st, digest)) {
		sg_err(e, SG_EVERIFY, "layer %s: the statement is about another image (no subject "
		       "has digest %s)", l->digest, digest);
		goto done;
	}
	if (!(*ptype = strdup(st->predicate_type))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	*envelope = blob;
	sg_buf_init(&blob, SG_MAX_ENVELOPE);
	err = SG_OK;
done:
	sg_intoto_free(st);
	sg_dsse_free(env);
	sg_buf_release(&blob);
	return err;
}

/* What one image's verification found, in both storage generations. */
struct found {
	const sg_pubkey *pub;
	const char *digest, *filter;
	sg_buf *envs;             /* verified envelopes, as printed */
	char **origin;            /* where each came from, for stderr */
	size_t nok, cap;
	size_t checked;
	sg_buf other;             /* verified but of another type: cosign's "found:" list */
	size_t nother;
	sg_error first;           /* the failure worth reporting when none verifies */
};

static void found_release(struct found *f)
{
	size_t i;

	for (i = 0; i < f->nok; i++) {
		sg_buf_release(&f->envs[i]);
		free(f->origin[i]);
	}
	free(f->envs);
	free(f->origin);
	sg_buf_release(&f->other);
}

/* Keeps a verified envelope of predicate type ptype, or notes its type when --type filters
 * it out. env is taken over (released) either way. */
static int found_add(struct found *f, sg_buf *env, const char *ptype, char *origin)
{
	if (!origin)
		goto oom;
	if (f->filter ? strcmp(ptype, f->filter) != 0
		      : !strcmp(ptype, SG_PREDICATE_COSIGN_SIGN)) {
		/* a signature bundle is not an attestation unless asked for by --type */
		sg_buf_printf(&f->other, "%s%s", f->nother++ ? "," : "", ptype);
		free(origin);
		sg_buf_release(env);
		return 0;
	}
	if (f->nok == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		sg_buf *envs = realloc(f->envs, cap * sizeof(*envs));
		char **o;

		if (envs)
			f->envs = envs;
		if (!envs || !(o = realloc(f->origin, cap * sizeof(*o))))
			goto oom;
		f->origin = o;
		f->cap = cap;
	}
	f->envs[f->nok] = *env;
	f->origin[f->nok++] = origin;
	sg_buf_init(env, SG_MAX_ENVELOPE);
	return 0;
oom:
	free(origin);
	sg_buf_release(env);
	return SG_ERROR;
}

static void on_bundle(void *ud, const char *referrer, int via, const sg_bundle *b,
		      const sg_error *err)
{
	struct found *f = ud;
	sg_buf env = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_intoto *st = NULL;
	sg_error le = { 0 };

	f->checked++;
	if (err) {
		sg_err_keep_first(&f->first, err, err->code);
		return;
	}
	if (b->kind != SG_BUNDLE_DSSE) {
		sg_err(&le, SG_EVERIFY, "referrer %s: bundle does not contain a DSSE envelope",
		       referrer);
		sg_err_keep_first(&f->first, &le, SG_EVERIFY);
		return;
	}
	if (sg_bundle_verify(b, f->pub, f->digest, NULL, 0, &st, &le) != SG_OK) {
		sg_err_prefix(&le, "referrer %s", referrer);
		sg_err_keep_first(&f->first, &le, SG_EVERIFY);
		return;
	}
	/* cosign prints a bundle's envelope as Go JSON of the DSSE struct */
	if (sg_dsse_envelope(&env, b->dsse->payload_type, b->dsse->payload, b->dsse->payload_len,
			     b->dsse->sigs[0].sig, b->dsse->sigs[0].siglen) == 0)
		found_add(f, &env, st->predicate_type,
			  sg_strprintf("sigstore bundle %s (%s)", referrer,
				       via == SG_REFERRERS_API ? "referrers API" : "referrers tag"));
	sg_buf_release(&env);
	sg_intoto_free(st);
}

static int verify_legacy(struct found *f, sg_store *store, const char *tag, sg_error *e)
{
	sg_sigimage img = { NULL, 0 };
	sg_buf env = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_error le = { 0 };
	char *ptype = NULL;
	size_t i;
	int err;

	err = sg_sigimage_load(&img, store, tag, e);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (img.nlayers == 0) {
		sg_err(&le, SG_EVERIFY, "%s:%s: attestation image has no layers", store->name, tag);
		sg_err_keep_first(&f->first, &le, SG_EVERIFY);
	}
	for (i = 0; i < img.nlayers; i++) {
		f->checked++;
		sg_error_clear(&le);
		/* a layer that cannot be checked does not hide another's valid attestation */
		err = verify_layer(&env, &ptype, store, &img.layers[i], f->digest, f->pub, &le);
		if (err != SG_OK) {
			sg_err_keep_first(&f->first, &le, err);
			continue;
		}
		err = found_add(f, &env, ptype, sg_strprintf("legacy attestation %s:%s layer %s",
							     store->name, tag, img.layers[i].digest));
		free(ptype);
		ptype = NULL;
		if (err < 0) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = 0;
done:
	sg_buf_release(&env);
	sg_sigimage_release(&img);
	return err;
}

static void print_header(const char *name, const struct found *f)
{
	size_t i;

	fprintf(stderr, "\nVerification for %s --\n"
			"The following checks were performed on each of these signatures:\n"
			"  - The cosign claims were validated\n"
			"  - The signatures were verified against the specified public key\n"
			"Verified attestations:\n", name);
	for (i = 0; i < f->nok; i++)
		fprintf(stderr, "  - %s\n", f->origin[i]);
}

/* Each envelope on its own line, as cosign prints them. The bytes passed a JSON parser, so
 * the only control characters left are JSON whitespace; CR is blanked for the terminal. */
static void print_envelopes(sg_buf *envs, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < envs[i].len; j++)
			if (envs[i].data[j] == '\r')
				envs[i].data[j] = ' ';
		fwrite(envs[i].data, 1, envs[i].len, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

static int verify_one(sg_ctx *ctx, const sg_ref *ref, const char *arg, const sg_pubkey *pub,
		      const char *filter, const sg_platform *platform, sg_error *e)
{
	char digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	struct found f = { 0 };
	sg_store *store;
	int err, via;

	f.pub = pub;
	f.digest = digest;
	f.filter = filter;
	sg_buf_init(&f.other, 4096);
	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if ((err = sg_resolve_platform(digest, store, ref, platform, e)) < 0)
		goto done;
	sg_digest_tag(tag, sizeof(tag), digest, ".att");
	if ((err = sg_bundles_each(store, digest, on_bundle, &f, &via, e)) < 0 ||
	    (err = verify_legacy(&f, store, tag, e)) < 0)
		goto done;
	err = SG_EVERIFY;
	if (f.nok == 0 && f.nother && !filter) {
		sg_err(e, SG_EVERIFY, "%s: no attestations found (only signature bundles, predicate "
		       "type %s; --type accepts them)", arg, SG_PREDICATE_COSIGN_SIGN);
		goto done;
	}
	if (f.nok == 0 && f.nother) {
		sg_err(e, SG_EVERIFY, "%s: none of the attestations matched the predicate type: %s, "
		       "found: %s", arg, filter, f.other.data ? (const char *)f.other.data : "?");
		goto done;
	}
	if (f.nok == 0 && f.first.code && f.first.code != SG_EVERIFY) {
		*e = f.first; /* could not check: an operational error, not a verdict */
		err = f.first.code;
		goto done;
	}
	if (f.nok == 0) {
		if (!f.checked && !f.first.code)
			sg_err(e, SG_EVERIFY, "%s: no attestations found (no %s:%s, no sigstore "
			       "bundle referrers)", arg, store->name, tag);
		else
			sg_err(e, SG_EVERIFY, "%s: no matching attestations: %s", arg, f.first.msg);
		goto done;
	}
	print_header(arg, &f);
	print_envelopes(f.envs, f.nok);
	err = SG_OK;
done:
	found_release(&f);
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
	char *platform_arg = NULL;
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
			free(platform_arg);
			if (!(platform_arg = strdup(optarg)) ||
			    sg_platform_parse(&platform, platform_arg, &e) < 0) {
				rc = platform_arg ? sg_cli_fail("verify-attestation", &e) : SG_EXIT_USAGE;
				goto done;
			}
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
		    verify_one(ctx, ref, argv[i], pub, filter, platform_arg ? &platform : NULL,
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
	free(platform_arg);
	return rc;
}
