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
	"  -y, --yes                      accepted for cosign compatibility (no prompts here)\n"
	"      --tlog-upload=false        accepted for cosign compatibility (sigil never uploads)\n"
	SG_REGISTRY_HELP;

static const char verify_usage[] =
	"usage: sigil verify-attestation --key PUB [--type TYPE] [--output json|text] IMAGE...\n"
	"\n"
	"Verifies the attestations stored beside each image (sha256-<hex>.att): the DSSE signature\n"
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
	SG_REGISTRY_HELP;

/* --- attest ------------------------------------------------------------------------- */

struct attest_args {
	const sg_privkey *key;
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

static int attest_one(sg_ctx *ctx, const sg_ref *ref, const struct attest_args *a, sg_error *e)
{
	sg_buf stmt = SG_BUF_INIT(SG_MAX_ENVELOPE), env = SG_BUF_INIT(SG_MAX_ENVELOPE);
	char digest[SG_DIGEST_MAX], env_digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	sg_desc layer = { 0 };
	char *repo = NULL;
	sg_store *store;
	size_t dropped = 0;
	int err, added = 1;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0 ||
	    (err = sg_resolve(digest, store, ref, 1, e)) < 0)
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
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct attest_args a = { NULL, SG_INTOTO_STATEMENT_V1, NULL, NULL, 0 };
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

static void print_header(const char *name)
{
	fprintf(stderr, "\nVerification for %s --\n"
			"The following checks were performed on each of these signatures:\n"
			"  - The cosign claims were validated\n"
			"  - The signatures were verified against the specified public key\n", name);
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
		      const char *filter, sg_error *e)
{
	sg_buf found = SG_BUF_INIT(4096);
	char digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	sg_sigimage img = { NULL, 0 };
	sg_buf *envs = NULL;
	sg_error le = { 0 }, first = { 0 };
	size_t nok = 0, nother = 0, i;
	char *ptype = NULL;
	sg_store *store;
	int err;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if ((err = sg_resolve(digest, store, ref, 0, e)) < 0)
		goto done;
	sg_digest_tag(tag, sizeof(tag), digest, ".att");
	err = sg_sigimage_load(&img, store, tag, e);
	if (err == SG_ENOTFOUND) {
		err = sg_err(e, SG_EVERIFY, "%s: no attestations found (no %s:%s)", arg,
			     store->name, tag);
		goto done;
	}
	if (err < 0)
		goto done;
	if (!(envs = calloc(img.nlayers ? img.nlayers : 1, sizeof(*envs)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < img.nlayers; i++) {
		sg_error_clear(&le);
		sg_buf_init(&envs[nok], SG_MAX_ENVELOPE);
		err = verify_layer(&envs[nok], &ptype, store, &img.layers[i], digest, pub, &le);
		/* a layer that cannot be checked does not hide another's valid attestation */
		if (err != SG_OK)
			sg_err_keep_first(&first, &le, err);
		if (err == SG_OK && filter && strcmp(ptype, filter) != 0) {
			/* verified, but not the type asked for: cosign's "found:" list */
			sg_buf_printf(&found, "%s%s", nother++ ? "," : "", ptype);
			sg_buf_release(&envs[nok]);
		} else if (err == SG_OK) {
			nok++;
		}
		free(ptype);
		ptype = NULL;
	}
	err = SG_EVERIFY;
	if (nok == 0 && nother) {
		sg_err(e, SG_EVERIFY, "%s: none of the attestations matched the predicate type: %s, "
		       "found: %s", arg, filter, found.data ? (const char *)found.data : "?");
		goto done;
	}
	if (nok == 0 && first.code && first.code != SG_EVERIFY) {
		*e = first; /* could not check: an operational error, not a verdict */
		err = first.code;
		goto done;
	}
	if (nok == 0) {
		sg_err(e, SG_EVERIFY, "%s: no matching attestations: %s", arg,
		       img.nlayers ? first.msg : "attestation image has no layers");
		goto done;
	}
	print_header(arg);
	print_envelopes(envs, nok);
	err = SG_OK;
done:
	for (i = 0; envs && i < nok; i++)
		sg_buf_release(&envs[i]);
	free(envs);
	free(ptype);
	sg_sigimage_release(&img);
	sg_buf_release(&found);
	return err;
}

int cmd_verify_attestation(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "type", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "insecure-ignore-tlog", optional_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *keypath = NULL, *filter = NULL;
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
		    verify_one(ctx, ref, argv[i], pub, filter, &e) < 0) {
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
