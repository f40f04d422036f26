/* sigil sign: cosign's legacy .sig signatures (formats.md §1). */
#include <pthread.h>
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
#include "manifest.h"
#include "store.h"
#include "bundle.h"
#include "dsse.h"
#include "intoto.h"
#include "referrers.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil sign --key KEY [-a key=value]... IMAGE...\n"
	"\n"
	"Signs each image's manifest digest with KEY (a cosign-format private key) and stores\n"
	"the signature at the sha256-<hex>.sig tag beside the image, as cosign does. For a\n"
	"multi-arch index that is the index's digest.\n"
	"IMAGE is registry/repo[:tag][@digest] or oci:PATH[:TAG|@DIGEST].\n"
	"\n"
	"  -k, --key KEY                  private key file (password from COSIGN_PASSWORD,\n"
	"                                 the terminal, or stdin)\n"
	"  -a, --annotations key=value    add to the signed payload's \"optional\" (repeatable)\n"
	"      --recursive                an index: also sign every child manifest\n"
	"      --platform OS/ARCH[/VAR]   an index: sign only the child for this platform\n"
	"  -y, --yes                      accepted for cosign compatibility (no prompts here)\n"
	"      --bundle-format legacy|sigstore\n"
	"                                 legacy (default): the .sig tag; sigstore: a sigstore\n"
	"                                 bundle v0.3 attached as an OCI 1.1 referrer (cosign v3)\n"
	"      --new-bundle-format[=true|false]  cosign's spelling of --bundle-format sigstore\n"
	"      --tlog-upload=false        accepted for cosign compatibility (sigil never uploads)\n"
	SG_REGISTRY_HELP;

#define MAX_WORKERS 32

/* What every worker shares. The key is read-only; its secret bytes are touched only under
 * key_lock (its guarded memory is unprotected only for the instant of a signature). Two
 * workers never rewrite one .sig tag at once: a tag being written is in `busy`. */
struct sign_job {
	const sg_opts *opts;
	sg_ref **refs;
	size_t nrefs, next;
	const sg_privkey *key;
	const sg_pubkey *pub;
	const sg_kv *ann;
	size_t nann;
	int bundle;               /* --bundle-format sigstore */
	char hint[SG_KEY_HINT_MAX];
	char **out;       /* per image: the stdout line, or NULL */
	char **msg;       /* per image: the stderr line */
	int *rc;          /* per image: exit code */
	pthread_mutex_t lock, key_lock;
	pthread_cond_t changed;
	char **busy;
	size_t nbusy;
};

/* Waits until no other worker writes tag, then marks it busy. */
static int tag_acquire(struct sign_job *j, const char *tag)
{
	size_t i;
	char **grown;

	pthread_mutex_lock(&j->lock);
again:
	for (i = 0; i < j->nbusy; i++) {
		if (!strcmp(j->busy[i], tag)) {
			pthread_cond_wait(&j->changed, &j->lock);
			goto again;
		}
	}
	grown = realloc(j->busy, (j->nbusy + 1) * sizeof(*grown));
	if (grown)
		j->busy = grown;
	if (!grown || !(j->busy[j->nbusy] = strdup(tag))) {
		pthread_mutex_unlock(&j->lock);
		return SG_ERROR;
	}
	j->nbusy++;
	pthread_mutex_unlock(&j->lock);
	return 0;
}

static void tag_release(struct sign_job *j, const char *tag)
{
	size_t i;

	pthread_mutex_lock(&j->lock);
	for (i = 0; i < j->nbusy; i++) {
		if (!strcmp(j->busy[i], tag)) {
			free(j->busy[i]);
			j->busy[i] = j->busy[--j->nbusy];
			break;
		}
	}
	pthread_cond_broadcast(&j->changed);
	pthread_mutex_unlock(&j->lock);
}

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

/* cosign v3's signature: a DSSE envelope over an in-toto v1 statement with predicate type
 * https://sigstore.dev/cosign/sign/v1, in a bundle attached as a referrer (formats.md §5.2). */
static int sign_bundle_one(struct sign_job *j, sg_store *store, const sg_ref *ref, char **out,
			   char **msg, sg_error *e)
{
	sg_buf stmt = SG_BUF_INIT(SG_MAX_PAYLOAD), pae = SG_BUF_INIT(SG_MAX_PAYLOAD + 256);
	sg_buf bundle = SG_BUF_INIT(SG_MAX_BUNDLE);
	char mdigest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	json_t *ann = NULL, *pred = NULL;
	unsigned char *sig = NULL;
	sg_image img = { 0 };
	char *repo = NULL;
	size_t siglen, i;
	int err, via;

	if ((err = sg_image_fetch(&img, store, sg_ref_target(ref), e)) < 0)
		goto done;
	if (!(repo = sg_ref_repo_name(ref)) || !(ann = json_object()) || !(pred = json_object()))
		goto oom;
	for (i = 0; i < j->nann; i++)
		if (json_object_set_new(ann, j->ann[i].key, json_string(j->ann[i].value)) < 0)
			goto oom;
	if ((err = sg_intoto_build_ann(&stmt, SG_INTOTO_STATEMENT_V1, NULL, img.digest, ann,
				       SG_PREDICATE_COSIGN_SIGN, pred, e)) < 0 ||
	    (err = sg_dsse_pae(&pae, SG_DSSE_INTOTO_TYPE, strlen(SG_DSSE_INTOTO_TYPE), stmt.data,
			       stmt.len)) < 0)
		goto done;
	pthread_mutex_lock(&j->key_lock);
	err = sg_sign(&sig, &siglen, j->key, pae.data, pae.len, e);
	pthread_mutex_unlock(&j->key_lock);
	if (err < 0)
		goto done;
	if ((err = sg_bundle_write_dsse(&bundle, j->hint, SG_DSSE_INTOTO_TYPE, stmt.data, stmt.len,
					sig, siglen)) < 0) {
		err = sg_err(e, err, "bundle too large");
		goto done;
	}
	if ((err = sg_bundle_attach(store, &img, bundle.data, bundle.len, SG_PREDICATE_COSIGN_SIGN,
				    time(NULL), mdigest, &via, e)) < 0)
		goto done;
	sg_referrers_tag(tag, sizeof(tag), img.digest);
	*out = sg_strprintf("%s@%s\n", repo, img.digest);
	*msg = via == SG_REFERRERS_API
		       ? sg_strprintf("Pushed sigstore bundle %s@%s (referrers API)\n", store->name,
				      mdigest)
		       : sg_strprintf("Pushed sigstore bundle %s@%s (referrers tag %s)\n",
				      store->name, mdigest, tag);
	if (!*out || !*msg)
		goto oom;
	err = 0;
	goto done;
oom:
	err = sg_err(e, SG_ERROR, "out of memory");
done:
	json_decref(ann);
	json_decref(pred);
	sg_buf_release(&stmt);
	sg_buf_release(&pae);
	sg_buf_release(&bundle);
	sg_image_release(&img);
	free(sig);
	free(repo);
	return err;
}

static int sign_one(struct sign_job *j, sg_ctx *ctx, const sg_ref *ref, char **out, char **msg,
		    sg_error *e)
{
	sg_buf payload = SG_BUF_INIT(SG_MAX_PAYLOAD);
	sg_buf b64 = SG_BUF_INIT(4096);
	char digest[SG_DIGEST_MAX], payload_digest[SG_DIGEST_MAX], tag[SG_DIGEST_MAX + 16];
	struct dup_check dc = { j->pub, &payload };
	sg_desc layer = { 0 };
	unsigned char *sig = NULL;
	char *repo = NULL;
	sg_store *store;
	size_t siglen;
	int err, appended, locked = 0;

	if ((err = sg_ctx_store(&store, ctx, ref, e)) < 0)
		goto done;
	if (j->bundle) {
		err = sign_bundle_one(j, store, ref, out, msg, e);
		goto done;
	}
	if ((err = sg_resolve(digest, store, ref, 1, e)) < 0)
		goto done;
	if (!(repo = sg_ref_repo_name(ref))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = sg_payload_build(&payload, repo, digest, j->ann, j->nann, e)) < 0)
		goto done;
	pthread_mutex_lock(&j->key_lock);
	err = sg_sign(&sig, &siglen, j->key, payload.data, payload.len, e);
	pthread_mutex_unlock(&j->key_lock);
	if (err < 0)
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
	if ((err = tag_acquire(j, tag)) < 0) {
		sg_err(e, err, "out of memory");
		goto done;
	}
	locked = 1;
	if ((err = sg_sigimage_add(store, tag, &layer, is_dup, &dc, &appended, e)) < 0)
		goto done;
	*out = sg_strprintf("%s@%s\n", repo, digest);
	*msg = sg_strprintf("%s %s:%s\n", appended ? "Pushed signature to" : "Already signed:",
			    store->name, tag);
	if (!*out || !*msg) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	err = 0;
done:
	if (locked)
		tag_release(j, tag);
	json_decref(layer.annotations);
	sg_buf_release(&payload);
	sg_buf_release(&b64);
	free(sig);
	free(repo);
	return err;
}

static void *worker(void *arg)
{
	struct sign_job *j = arg;
	sg_ctx *ctx = NULL;
	sg_error e = { 0 };
	size_t i;
	int err;

	err = sg_ctx_new(&ctx, j->opts, &e);
	for (;;) {
		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->nrefs)
			break;
		if (err == 0) {
			sg_error_clear(&e);
			j->rc[i] = sign_one(j, ctx, j->refs[i], &j->out[i], &j->msg[i], &e) < 0
					   ? SG_EXIT_USAGE : SG_EXIT_OK;
		} else {
			j->rc[i] = SG_EXIT_USAGE;
		}
		if (j->rc[i] != SG_EXIT_OK) {
			char line[sizeof(e.msg)];

			sg_printable(line, sizeof(line), e.msg);
			free(j->msg[i]);
			j->msg[i] = sg_strprintf("sigil sign: %s\n", line);
		}
	}
	sg_ctx_free(ctx);
	return NULL;
}

/* Signs every image with up to MAX_WORKERS in parallel (each with its own connections),
 * then prints the results in the order the images were given. */
/* --platform replaces an index by its child for that platform; --recursive adds every child
 * manifest of an index after it. Each reference is looked at once, before any password is
 * asked for. */
static int expand_refs(sg_ref ***refs, size_t *nrefs, const sg_opts *opts, int recursive,
		       const sg_platform *platform, sg_error *e)
{
	sg_ref **out = NULL, **grown;
	size_t n = 0, cap = 0, i, k;
	sg_ctx *ctx = NULL;
	int err;

	if (!recursive && !platform)
		return 0;
	if ((err = sg_ctx_new(&ctx, opts, e)) < 0)
		return err;
	for (i = 0; i < *nrefs; i++) {
		sg_ref *r = (*refs)[i];
		sg_image img;
		sg_store *s;
		const sg_desc *d;
		size_t add;

		if ((err = sg_ctx_store(&s, ctx, r, e)) < 0 ||
		    (err = sg_image_fetch(&img, s, sg_ref_target(r), e)) < 0)
			goto done;
		add = 1 + (img.m->is_index && recursive && !platform ? img.m->nitems : 0);
		if (n + add > cap) {
			cap = (n + add) * 2;
			if (!(grown = realloc(out, cap * sizeof(*out)))) {
				sg_image_release(&img);
				err = sg_err(e, SG_ERROR, "out of memory");
				goto done;
			}
			out = grown;
		}
		if (img.m->is_index && platform) {
			if ((err = sg_index_pick(&d, img.m, platform, e)) < 0 ||
			    (err = sg_ref_at_digest(&out[n], r, d->digest, e)) < 0) {
				sg_err_prefix(e, "%s", s->name);
				sg_image_release(&img);
				goto done;
			}
			n++;
			sg_ref_free(r);
		} else {
			out[n++] = r;
			for (k = 0; add > 1 && k < img.m->nitems; k++) {
				if ((err = sg_ref_at_digest(&out[n], r, img.m->items[k].digest, e)) < 0) {
					sg_image_release(&img);
					(*refs)[i] = NULL;
					goto done;
				}
				n++;
			}
		}
		(*refs)[i] = NULL;
		sg_image_release(&img);
	}
	free(*refs);
	*refs = out;
	*nrefs = n;
	out = NULL;
	n = 0;
	err = 0;
done:
	for (k = 0; k < n; k++)
		sg_ref_free(out[k]);
	free(out);
	sg_ctx_free(ctx);
	return err;
}

static int sign_all(struct sign_job *j)
{
	pthread_t tids[MAX_WORKERS];
	size_t n = j->nrefs < MAX_WORKERS ? j->nrefs : MAX_WORKERS, started = 0, i;
	int rc = SG_EXIT_OK;

	j->out = calloc(j->nrefs, sizeof(*j->out));
	j->msg = calloc(j->nrefs, sizeof(*j->msg));
	j->rc = calloc(j->nrefs, sizeof(*j->rc));
	if (!j->out || !j->msg || !j->rc) {
		fprintf(stderr, "sigil sign: out of memory\n");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	for (i = 1; i < n; i++) {
		if (pthread_create(&tids[started], NULL, worker, j) != 0)
			break;
		started++;
	}
	worker(j);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < j->nrefs; i++) {
		if (j->out[i])
			fputs(j->out[i], stdout);
		if (j->msg[i])
			fputs(j->msg[i], stderr);
		if (j->rc[i] > rc)
			rc = j->rc[i];
	}
done:
	for (i = 0; i < j->nrefs; i++) {
		free(j->out ? j->out[i] : NULL);
		free(j->msg ? j->msg[i] : NULL);
	}
	free(j->out);
	free(j->msg);
	free(j->rc);
	free(j->busy);
	return rc;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "annotations", required_argument, NULL, 'a' },
		{ "yes", no_argument, NULL, 'y' },
		{ "tlog-upload", required_argument, NULL, 'T' },
		{ "bundle-format", required_argument, NULL, 'B' },
		{ "new-bundle-format", optional_argument, NULL, 'N' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "platform", required_argument, NULL, 'P' },
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
	struct sign_job job = { .lock = PTHREAD_MUTEX_INITIALIZER,
				.key_lock = PTHREAD_MUTEX_INITIALIZER,
				.changed = PTHREAD_COND_INITIALIZER };
	const char *keypath = NULL;
	sg_platform platform;
	int has_platform = 0;
	int c, r, rc = SG_EXIT_OK, recursive = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:a:yh", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("sign", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'a':
			if (sg_kv_parse(&ann, &nann, optarg, &e) < 0) {
				rc = sg_cli_fail("sign", &e);
				goto done;
			}
			break;
		case 'y': break;
		case 'r': recursive = 1; break;
		case 'P':
			if (sg_platform_parse(&platform, optarg, &e) < 0) {
				rc = sg_cli_fail("sign", &e);
				goto done;
			}
			has_platform = 1;
			break;
		case 'B':
		case 'N':
			if ((rc = sg_cli_bundle_format("sign", c == 'N', optarg, &job.bundle)) != SG_EXIT_OK)
				goto done;
			break;
		case 'T':
			if ((rc = sg_cli_tlog_upload("sign", optarg)) != SG_EXIT_OK)
				goto done;
			break;
		case 'h': fputs(usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("sign", argv, c);
			goto done;
		}
	}
	if (!keypath || optind >= argc) {
		fprintf(stderr, "sigil sign: %s\n", !keypath ? "--key is required" : "no image given (see --help)");
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
	if (expand_refs(&refs, &nrefs, &opts, recursive, has_platform ? &platform : NULL, &e) < 0) {
		rc = sg_cli_fail("sign", &e);
		goto done;
	}
	/* The key is decrypted once for all images. */
	if (sg_privkey_load(&key, keypath, sg_password_get, NULL, &e) < 0 ||
	    sg_privkey_public(&pub, key, &e) < 0) {
		rc = sg_cli_fail("sign", &e);
		goto done;
	}
	job.opts = &opts;
	job.refs = refs;
	job.nrefs = nrefs;
	job.key = key;
	job.pub = pub;
	job.ann = ann;
	job.nann = nann;
	if (job.bundle && sg_pubkey_hint(job.hint, pub, &e) < 0) {
		rc = sg_cli_fail("sign", &e);
		goto done;
	}
	rc = sign_all(&job);
done:
	for (i = 0; refs && i < nrefs; i++)
		sg_ref_free(refs[i]);
	free(refs);
	sg_privkey_free(key);
	sg_pubkey_free(pub);
	sg_kv_free(ann, nann);
	return rc;
}
