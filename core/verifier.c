#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "verifier.h"
#include "bundle.h"
#include "dsse.h"
#include "intoto.h"
#include "keys.h"
#include "manifest.h"
#include "payload.h"
#include "referrers.h"
#include "sigimage.h"
#include "store.h"
#include "banned.h"

/* Frees what v holds (not v itself) and zeroes it. */
static void drop(sg_verified *v)
{
	free(v->origin);
	free(v->predicate_type);
	sg_payload_free(v->payload);
	sg_buf_release(&v->envelope);
	sg_intoto_free(v->statement);
	memset(v, 0, sizeof(*v));
}

void sg_verify_result_release(sg_verify_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		drop(&r->items[i]);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/* Takes over v's contents (v is zeroed). */
static int add(sg_verify_result *r, sg_verified *v, sg_error *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		sg_verified *grown = realloc(r->items, cap * sizeof(*grown));

		if (!grown)
			return sg_err(e, SG_ERROR, "out of memory");
		r->items = grown;
		r->cap = cap;
	}
	r->items[r->n++] = *v;
	memset(v, 0, sizeof(*v));
	return 0;
}

static void fail(sg_verify_result *r, const sg_error *le)
{
	sg_err_keep_first(&r->first, le, le->code);
}

static int check_keys(const sg_verify_in *in, sg_error *e)
{
	if (in->nkeys == 0 || in->nkeys > SG_VERIFY_MAX_KEYS)
		return sg_err(e, SG_EINVALID, "between 1 and %d keys", SG_VERIFY_MAX_KEYS);
	return 0;
}

/* ---- legacy .sig ---- */

/* Checks one .sig layer against every key. Fails closed: SG_OK only at the very end. */
static int sig_layer(sg_verified *v, const sg_verify_in *in, const sg_desc *l, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_PAYLOAD);
	const char *b64 = sg_desc_annotation(l, SG_ANN_SIGNATURE);
	unsigned char *sig = NULL;
	sg_payload *p = NULL;
	size_t siglen = 0, i;
	uint64_t keys = 0;
	int err = SG_EVERIFY;

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
	if ((err = sg_sigimage_layer_blob(&blob, in->store, l, SG_MAX_PAYLOAD, e)) < 0)
		goto done;
	err = SG_EVERIFY;
	for (i = 0; i < in->nkeys; i++)
		if (sg_verify(in->keys[i], blob.data, blob.len, sig, siglen) == SG_OK)
			keys |= (uint64_t)1 << i;
	if (!keys) {
		sg_err(e, SG_EVERIFY, "layer %s: signature does not verify with the key%s", l->digest,
		       in->nkeys > 1 ? "s" : "");
		goto done;
	}
	if (sg_payload_parse(&p, blob.data, blob.len, e) < 0) {
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = SG_EVERIFY;
		goto done;
	}
	if (strcmp(p->digest, in->digest) != 0) {
		sg_err(e, SG_EVERIFY, "layer %s: payload is for %s, not %s", l->digest, p->digest,
		       in->digest);
		goto done;
	}
	for (i = 0; i < in->nann; i++) {
		json_t *v2 = p->optional ? json_object_get(p->optional, in->ann[i].key) : NULL;

		if (!json_is_string(v2) || strcmp(json_string_value(v2), in->ann[i].value) != 0) {
			sg_err(e, SG_EVERIFY, "layer %s: annotation %s=%s not in the payload",
			       l->digest, in->ann[i].key, in->ann[i].value);
			goto done;
		}
	}
	v->source = SG_VF_LEGACY;
	v->keys = keys;
	v->payload = p;
	p = NULL;
	err = SG_OK;
done:
	sg_payload_free(p);
	sg_buf_release(&blob);
	free(sig);
	return err;
}

/* ---- legacy .att ---- */

static int att_layer(sg_verified *v, const sg_verify_in *in, const sg_desc *l, sg_error *e)
{
	sg_buf blob = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_dsse *env = NULL;
	sg_intoto *st = NULL;
	sg_error ke = { 0 };
	uint64_t keys = 0;
	size_t i;
	int err = SG_EVERIFY;

	if (strcmp(l->media_type, SG_MT_DSSE_ENVELOPE) != 0) {
		sg_err(e, SG_EVERIFY, "layer %s: media type %s is not a DSSE envelope", l->digest,
		       l->media_type);
		goto done;
	}
	if ((err = sg_sigimage_layer_blob(&blob, in->store, l, SG_MAX_ENVELOPE, e)) < 0)
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
	for (i = 0; i < in->nkeys; i++)
		if (sg_dsse_verify(env, in->keys[i], &ke) == SG_OK)
			keys |= (uint64_t)1 << i;
	if (!keys) {
		*e = ke;
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = SG_EVERIFY;
		goto done;
	}
	if (sg_intoto_parse(&st, env->payload, env->payload_len, e) < 0) {
		sg_err_prefix(e, "layer %s", l->digest);
		e->code = SG_EVERIFY;
		goto done;
	}
	if (!sg_intoto_has_digest(st, in->digest)) {
		sg_err(e, SG_EVERIFY, "layer %s: the statement is about another image (no subject "
		       "has digest %s)", l->digest, in->digest);
		goto done;
	}
	if (!(v->predicate_type = strdup(st->predicate_type))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	v->source = SG_VF_LEGACY;
	v->keys = keys;
	v->envelope = blob;
	sg_buf_init(&blob, SG_MAX_ENVELOPE);
	v->statement = st;
	st = NULL;
	err = SG_OK;
done:
	sg_intoto_free(st);
	sg_dsse_free(env);
	sg_buf_release(&blob);
	return err;
}

/* Every layer of the .sig or .att image at tag. A layer that cannot be checked (its blob
 * missing, a network error) does not count, but does not hide another's valid one. */
static int legacy(sg_verify_result *out, const sg_verify_in *in, const char *suffix,
		  int (*check)(sg_verified *, const sg_verify_in *, const sg_desc *, sg_error *),
		  const char *kind, sg_error *e)
{
	char tag[SG_DIGEST_MAX + 16];
	sg_sigimage img = { NULL, 0 };
	sg_verified v = { 0 };
	sg_error le = { 0 };
	size_t i;
	int err;

	sg_digest_tag(tag, sizeof(tag), in->digest, suffix);
	err = sg_sigimage_load(&img, in->store, tag, e);
	if (err == SG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (img.nlayers == 0) {
		sg_err(&le, SG_EVERIFY, "%s:%s: %s image has no layers", in->store->name, tag, kind);
		fail(out, &le);
	}
	for (i = 0; i < img.nlayers; i++) {
		out->checked++;
		sg_error_clear(&le);
		if (check(&v, in, &img.layers[i], &le) != SG_OK) {
			drop(&v);
			fail(out, &le);
			continue;
		}
		if (!(v.origin = sg_strprintf("legacy %s %s:%s layer %s", kind, in->store->name, tag,
					      img.layers[i].digest)) ||
		    (err = add(out, &v, e)) < 0) {
			drop(&v);
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	err = 0;
done:
	sg_sigimage_release(&img);
	return err;
}

/* ---- bundles ---- */

struct bundle_walk {
	sg_verify_result *out;
	const sg_verify_in *in;
	int attestations;
	int oom;
};

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

/* The bundle as a signature: its statement must be cosign's sign/v1 (or a message
 * signature), and carry the annotations asked for; shown in the simple-signing shape, as
 * cosign v3 does. */
static int as_signature(sg_verified *v, const sg_verify_in *in, const char *referrer,
			sg_intoto *st, sg_error *e)
{
	const sg_intoto_subject *subj = st ? subject_for(st, in->digest) : NULL;
	sg_payload *p;
	size_t i;

	if (st && strcmp(st->predicate_type, SG_PREDICATE_COSIGN_SIGN) != 0)
		return sg_err(e, SG_EVERIFY, "referrer %s: an attestation (%s), not a signature",
			      referrer, st->predicate_type);
	for (i = 0; i < in->nann; i++) {
		json_t *a = subj && subj->annotations
				    ? json_object_get(subj->annotations, in->ann[i].key) : NULL;

		if (!json_is_string(a) || strcmp(json_string_value(a), in->ann[i].value) != 0)
			return sg_err(e, SG_EVERIFY, "referrer %s: annotation %s=%s not in the "
				      "statement", referrer, in->ann[i].key, in->ann[i].value);
	}
	if (!(p = calloc(1, sizeof(*p))) || !(p->docker_ref = strdup(in->docker_ref)) ||
	    !(p->digest = strdup(in->digest)) ||
	    (st && !(p->type = strdup(st->predicate_type))) ||
	    (subj && subj->annotations && !(p->optional = json_deep_copy(subj->annotations)))) {
		sg_payload_free(p);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	v->payload = p;
	return 0;
}

static int as_attestation(sg_verified *v, const sg_bundle *b, const char *referrer,
			  sg_intoto *st, sg_error *e)
{
	if (b->kind != SG_BUNDLE_DSSE)
		return sg_err(e, SG_EVERIFY, "referrer %s: bundle does not contain a DSSE "
			      "envelope", referrer);
	sg_buf_init(&v->envelope, SG_MAX_ENVELOPE);
	/* cosign prints a bundle's envelope as Go JSON of the DSSE struct */
	if (sg_dsse_envelope(&v->envelope, b->dsse->payload_type, b->dsse->payload,
			     b->dsse->payload_len, b->dsse->sigs[0].sig, b->dsse->sigs[0].siglen) < 0)
		return sg_err(e, SG_ETOOBIG, "referrer %s: envelope too large", referrer);
	(void)st;
	return 0;
}

static void on_bundle(void *ud, const char *referrer, int via, const sg_bundle *b,
		      const sg_buf *raw, const char *ptype, const sg_error *err)
{
	struct bundle_walk *w = ud;
	const sg_verify_in *in = w->in;
	sg_verified v = { 0 };
	sg_intoto *st = NULL, *one;
	sg_error le = { 0 }, ke = { 0 };
	size_t i;

	(void)raw;
	(void)ptype;
	w->out->checked++;
	if (err) {
		fail(w->out, err);
		return;
	}
	for (i = 0; i < in->nkeys; i++) {
		one = NULL;
		if (sg_bundle_verify(b, in->keys[i], in->digest, NULL, 0, &one, &ke) != SG_OK)
			continue;
		v.keys |= (uint64_t)1 << i;
		if (!st)
			st = one;
		else
			sg_intoto_free(one);
	}
	if (!v.keys) {
		le = ke;
		sg_err_prefix(&le, "referrer %s", referrer);
		le.code = SG_EVERIFY;
		fail(w->out, &le);
		goto done;
	}
	v.source = SG_VF_BUNDLE;
	if ((st && !(v.predicate_type = strdup(st->predicate_type))) ||
	    !(v.origin = sg_strprintf("sigstore bundle %s (%s)", referrer,
				      via == SG_REFERRERS_API ? "referrers API" : "referrers tag"))) {
		w->oom = 1;
		goto done;
	}
	if ((w->attestations ? as_attestation(&v, b, referrer, st, &le)
			     : as_signature(&v, in, referrer, st, &le)) < 0) {
		if (le.code == SG_ERROR)
			w->oom = 1;
		else
			fail(w->out, &le);
		goto done;
	}
	if (w->attestations) {
		v.statement = st;
		st = NULL;
	}
	if (add(w->out, &v, &le) < 0)
		w->oom = 1;
done:
	drop(&v);
	sg_intoto_free(st);
}

static int legacy_kind(sg_verify_result *out, const sg_verify_in *in, int attestations,
		       sg_error *e)
{
	return attestations ? legacy(out, in, ".att", att_layer, "attestation", e)
			    : legacy(out, in, ".sig", sig_layer, "signature", e);
}

/* The legacy tag read on the store's twin, in a thread of its own, while the caller's thread
 * lists the bundles: one round trip less per image. */
struct legacy_job {
	sg_verify_in in;          /* in.store is the twin */
	int attestations;
	sg_verify_result res;
	int err;
	sg_error e;
};

static void *legacy_thread(void *arg)
{
	struct legacy_job *j = arg;

	j->err = legacy_kind(&j->res, &j->in, j->attestations, &j->e);
	return NULL;
}

/* Appends what from found to out, as if found after out's own: same order, same first
 * failure as one sequential pass. */
static int merge(sg_verify_result *out, sg_verify_result *from, sg_error *e)
{
	size_t i;
	int err = 0;

	out->checked += from->checked;
	if (from->first.code)
		fail(out, &from->first);
	for (i = 0; i < from->n && err == 0; i++)
		err = add(out, &from->items[i], e);
	return err;
}

static int verify_all(sg_verify_result *out, const sg_verify_in *in, int attestations,
		      sg_error *e)
{
	struct bundle_walk w = { out, in, attestations, 0 };
	struct legacy_job job = { .in = *in, .attestations = attestations };
	pthread_t tid;
	int err, via, threaded = 0;

	if ((err = check_keys(in, e)) < 0)
		return err;
	if (sg_store_twin(in->store, &job.in.store, NULL) == 0)
		threaded = pthread_create(&tid, NULL, legacy_thread, &job) == 0;
	err = sg_bundles_each(in->store, in->digest, on_bundle, &w, &via, e);
	if (threaded)
		pthread_join(tid, NULL);
	if (err < 0)
		goto done;
	if (w.oom) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (!threaded) {
		err = legacy_kind(out, in, attestations, e);
		goto done;
	}
	if ((err = job.err) < 0) {
		if (e)
			*e = job.e;
		goto done;
	}
	err = merge(out, &job.res, e);
done:
	sg_verify_result_release(&job.res);
	return err;
}

int sg_verify_signatures(sg_verify_result *out, const sg_verify_in *in, sg_error *e)
{
	return verify_all(out, in, 0, e);
}

int sg_verify_attestations(sg_verify_result *out, const sg_verify_in *in, sg_error *e)
{
	return verify_all(out, in, 1, e);
}
