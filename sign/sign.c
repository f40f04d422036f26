/* sigil sign: cosign's legacy .sig signatures (formats.md §1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "sign.h"
#include "cli.h"
#include "keys.h"
#include "payload.h"
#include "ref.h"
#include "sigimage.h"
#include "store.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil sign --key KEY [-a key=value]... IMAGE...\n"
	"\n"
	"Signs each image's manifest digest with KEY (a cosign-format private key) and stores\n"
	"the signature at the sha256-<hex>.sig tag beside the image, as cosign does.\n"
	"IMAGE is registry/repo[:tag][@digest] or oci:PATH[:TAG|@DIGEST].\n"
	"\n"
	"  -k, --key KEY                  private key file (password from COSIGN_PASSWORD,\n"
	"                                 the terminal, or stdin)\n"
	"  -a, --annotations key=value    add to the signed payload's \"optional\" (repeatable)\n"
	"  -y, --yes                      accepted for cosign compatibility (no prompts here)\n"
	"      --tlog-upload=false        accepted for cosign compatibility (sigil never uploads)\n"
	SG_REGISTRY_HELP;

struct dup_check {
	const sg_pubkey *pub;
	const sg_buf *payload;
};

/* cosign's dedupe: an existing layer for the same payload whose signature verifies with our
 * key already says what the new one would. */
static int is_dup(const sg_desc *existing, const sg_desc *layer, void *ud)
{
	const struct dup_check *dc = ud;
	const char *b64 = sg_desc_annotation(existing, SG_ANN_SIGNATURE);
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int dup;

	(void)layer;
	if (!b64 || sg_b64_decode(&sig, &siglen, b64, strlen(b64), NULL) < 0)
		return 0;
	dup = sg_verify(dc->pub, dc->payload->data, dc->payload->len, sig, siglen) == SG_OK;
	free(sig);
	return dup;
}

static int sign_one(sg_ctx *ctx, const sg_ref *ref, const sg_privkey *key, const sg_pubkey *pub,
		    const sg_kv *ann, size_t nann, sg_error *e)
{
	sg_buf manifest = SG_BUF_INIT(SG_MAX_MANIFEST), payload = SG_BUF_INIT(SG_MAX_PAYLOAD);
	sg_buf b64 = SG_BUF_INIT(4096);
	char digest[SG_DIGEST_MAX], payload_digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	struct dup_check dc = { pub, &payload };
	sg_sigimage img = { NULL, 0 };
	sg_desc layer = { 0 };
	unsigned char *sig = NULL;
	char *mt = NULL, *repo = NULL;
	sg_store *store;
	size_t siglen;
	int err, appended;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0 ||
	    (err = sg_store_get_manifest(store, sg_ref_target(ref), &manifest, &mt, digest, e)) < 0)
		goto done;
	if (!(repo = sg_ref_repo_name(ref))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = sg_payload_build(&payload, repo, digest, ann, nann, e)) < 0 ||
	    (err = sg_sign(&sig, &siglen, key, payload.data, payload.len, e)) < 0)
		goto done;
	if (sg_b64_encode(&b64, sig, siglen) < 0) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	sg_sha256_digest(payload_digest, payload.data, payload.len);
	layer.media_type = SG_MT_SIMPLESIGNING;
	layer.digest = payload_digest;
	layer.size = (int64_t)payload.len;
	layer.annotations = json_pack("{ss}", SG_ANN_SIGNATURE, (const char *)b64.data);
	if (!layer.annotations) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	sg_digest_tag(tag, sizeof(tag), digest, ".sig");
	if ((err = sg_store_put_blob(store, payload_digest, payload.data, payload.len, e)) < 0)
		goto done;
	err = sg_sigimage_load(&img, store, tag, e);
	if (err == SG_ENOTFOUND)
		err = 0;
	if (err < 0)
		goto done;
	if ((appended = sg_sigimage_append(&img, &layer, is_dup, &dc, e)) < 0) {
		err = appended;
		goto done;
	}
	if (appended && (err = sg_sigimage_push(store, tag, &img, e)) < 0)
		goto done;
	printf("%s@%s\n", repo, digest);
	fprintf(stderr, "%s %s:%s\n", appended ? "Pushed signature to" : "Already signed:",
		store->name, tag);
	err = 0;
done:
	json_decref(layer.annotations);
	sg_sigimage_release(&img);
	sg_buf_release(&manifest);
	sg_buf_release(&payload);
	sg_buf_release(&b64);
	free(sig);
	free(mt);
	free(repo);
	return err;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "annotations", required_argument, NULL, 'a' },
		{ "yes", no_argument, NULL, 'y' },
		{ "tlog-upload", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_kv *ann = NULL;
	size_t nann = 0, nrefs = 0, i;
	sg_ref **refs = NULL;
	sg_privkey *key = NULL;
	sg_pubkey *pub = NULL;
	sg_ctx *ctx = NULL;
	const char *keypath = NULL;
	int c, r, rc = SG_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:a:yh", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt(&opts, c, optarg)) != 0) {
			if (r < 0) {
				fprintf(stderr, "sigil sign: invalid --timeout \"%s\"\n", optarg);
				rc = SG_EXIT_USAGE;
				goto done;
			}
			continue;
		}
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'a':
			if (sg_kv_parse(&ann, &nann, optarg, &e) < 0) {
				rc = sg_cli_fail("sign", &e);
				goto done;
			}
			break;
		case 'y': break;
		case 'T':
			if (strcmp(optarg, "false") != 0) {
				fprintf(stderr, "sigil sign: sigil does not upload to a transparency log; "
						"only --tlog-upload=false is accepted\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'h': fputs(usage, stdout); goto done;
		default: fputs(usage, stderr); rc = SG_EXIT_USAGE; goto done;
		}
	}
	if (!keypath || optind >= argc) {
		fprintf(stderr, "sigil sign: %s\n", !keypath ? "--key is required" : "no image given");
		fputs(usage, stderr);
		rc = SG_EXIT_USAGE;
		goto done;
	}
	/* Parse every reference before asking for a password. */
	nrefs = (size_t)(argc - optind);
	if (!(refs = calloc(nrefs, sizeof(*refs)))) {
		rc = SG_EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < nrefs; i++)
		if (sg_ref_parse(&refs[i], argv[optind + (int)i], &e) < 0) {
			rc = sg_cli_fail("sign", &e);
			goto done;
		}
	/* The key is decrypted once for all images. */
	if (sg_privkey_load(&key, keypath, sg_password_get, NULL, &e) < 0 ||
	    sg_privkey_public(&pub, key, &e) < 0 || sg_ctx_new(&ctx, &opts, &e) < 0) {
		rc = sg_cli_fail("sign", &e);
		goto done;
	}
	for (i = 0; i < nrefs; i++) {
		sg_error_clear(&e);
		if (sign_one(ctx, refs[i], key, pub, ann, nann, &e) < 0)
			rc = sg_cli_fail("sign", &e);
	}
done:
	for (i = 0; refs && i < nrefs; i++)
		sg_ref_free(refs[i]);
	free(refs);
	sg_ctx_free(ctx);
	sg_privkey_free(key);
	sg_pubkey_free(pub);
	sg_kv_free(ann, nann);
	return rc;
}
