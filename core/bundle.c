#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <sodium.h>
#include "bundle.h"
#include "dsse.h"
#include "intoto.h"
#include "keys.h"
#include "gojson.h"
#include "manifest.h"
#include "referrers.h"
#include "store.h"
#include "sigimage.h"
#include "digest.h"
#include "err.h"
#include "banned.h"

int sg_bundle_write_dsse(sg_buf *out, const char *hint, const char *payload_type,
			 const void *payload, size_t len, const unsigned char *sig, size_t siglen)
{
	sg_buf b64 = SG_BUF_INIT(SG_MAX_BUNDLE);
	sg_gojson w;
	int err;

	sg_gojson_init(&w, out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "mediaType");
	sg_gojson_str(&w, SG_MT_BUNDLE_V03);
	sg_gojson_key(&w, "verificationMaterial");
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "publicKey");
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "hint");
	sg_gojson_str(&w, hint);
	sg_gojson_obj_close(&w);
	sg_gojson_obj_close(&w);
	sg_gojson_key(&w, "dsseEnvelope");
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "payload");
	err = sg_b64_encode(&b64, payload, len);
	sg_gojson_strn(&w, b64.data ? (const char *)b64.data : "", b64.len);
	sg_gojson_key(&w, "payloadType");
	sg_gojson_str(&w, payload_type);
	sg_gojson_key(&w, "signatures");
	sg_gojson_arr_open(&w);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "sig");
	sg_buf_reset(&b64);
	err |= sg_b64_encode(&b64, sig, siglen);
	sg_gojson_strn(&w, b64.data ? (const char *)b64.data : "", b64.len);
	sg_gojson_obj_close(&w);
	sg_gojson_arr_close(&w);
	sg_gojson_obj_close(&w);
	sg_gojson_obj_close(&w);
	sg_buf_release(&b64);
	return err ? SG_ETOOBIG : w.err;
}

static void put_desc(sg_gojson *w, const char *mt, int64_t size, const char *digest)
{
	sg_gojson_key(w, "mediaType");
	sg_gojson_str(w, mt);
	sg_gojson_key(w, "size");
	sg_gojson_int(w, size);
	sg_gojson_key(w, "digest");
	sg_gojson_str(w, digest);
}

int sg_bundle_write_manifest(sg_buf *out, const char *bundle_digest, size_t bundle_size,
			     const char *predicate_type, const char *created,
			     const char *subject_media_type, const char *subject_digest,
			     size_t subject_size)
{
	sg_gojson w;

	sg_gojson_init(&w, out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "schemaVersion");
	sg_gojson_int(&w, 2);
	sg_gojson_key(&w, "mediaType");
	sg_gojson_str(&w, SG_MT_OCI_MANIFEST);
	sg_gojson_key(&w, "config");
	sg_gojson_obj_open(&w);
	put_desc(&w, SG_MT_OCI_EMPTY, 2, SG_EMPTY_DIGEST);
	sg_gojson_key(&w, "artifactType");
	sg_gojson_str(&w, SG_MT_BUNDLE_V03);
	sg_gojson_obj_close(&w);
	sg_gojson_key(&w, "layers");
	sg_gojson_arr_open(&w);
	sg_gojson_obj_open(&w);
	put_desc(&w, SG_MT_BUNDLE_V03, (int64_t)bundle_size, bundle_digest);
	sg_gojson_obj_close(&w);
	sg_gojson_arr_close(&w);
	sg_gojson_key(&w, "annotations"); /* a Go map: keys sorted */
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, SG_ANN_BUNDLE_CONTENT);
	sg_gojson_str(&w, "dsse-envelope");
	sg_gojson_key(&w, SG_ANN_BUNDLE_PREDICATE);
	sg_gojson_str(&w, predicate_type);
	sg_gojson_key(&w, SG_ANN_CREATED);
	sg_gojson_str(&w, created);
	sg_gojson_obj_close(&w);
	sg_gojson_key(&w, "subject");
	sg_gojson_obj_open(&w);
	put_desc(&w, subject_media_type, (int64_t)subject_size, subject_digest);
	sg_gojson_obj_close(&w);
	sg_gojson_key(&w, "artifactType");
	sg_gojson_str(&w, SG_MT_BUNDLE_V03);
	sg_gojson_obj_close(&w);
	return w.err;
}

/* ---- reading ---- */

static int media_minor(const char *mt)
{
	static const struct { const char *mt; int minor; } known[] = {
		{ "application/vnd.dev.sigstore.bundle.v0.3+json", 3 },
		{ "application/vnd.dev.sigstore.bundle+json;version=0.3", 3 },
		{ "application/vnd.dev.sigstore.bundle+json;version=0.2", 2 },
		{ "application/vnd.dev.sigstore.bundle+json;version=0.1", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(mt, known[i].mt))
			return known[i].minor;
	return 0;
}

static int bad(sg_error *e, const char *what)
{
	return sg_err(e, SG_EINVALID, "bundle: %s", what);
}

static int b64_field(unsigned char **out, size_t *len, const json_t *v, size_t cap,
		     const char *name, sg_error *e)
{
	int err;

	if (!json_is_string(v) || json_string_length(v) == 0)
		return sg_err(e, SG_EINVALID, "bundle: %s is missing", name);
	if (json_string_length(v) > cap)
		return sg_err(e, SG_ETOOBIG, "bundle: %s is too long", name);
	err = sg_dsse_b64_decode(out, len, json_string_value(v), json_string_length(v));
	if (err == SG_EINVALID)
		return sg_err(e, err, "bundle: %s is not base64", name);
	if (err < 0)
		return sg_err(e, err, "out of memory");
	return 0;
}

static int parse_material(sg_bundle *b, const json_t *vm, sg_error *e)
{
	const json_t *pk = json_object_get(vm, "publicKey");
	const json_t *cert = json_object_get(vm, "certificate");
	const json_t *chain = json_object_get(vm, "x509CertificateChain");
	const json_t *tlog = json_object_get(vm, "tlogEntries");
	const json_t *tsd = json_object_get(vm, "timestampVerificationData");
	const json_t *hint;

	if (!json_is_object(vm))
		return bad(e, "verificationMaterial is missing");
	if ((pk != NULL) + (cert != NULL) + (chain != NULL) != 1)
		return bad(e, "verificationMaterial must hold exactly one of publicKey, "
			      "certificate, x509CertificateChain");
	if (chain && b->minor >= 3)
		return bad(e, "x509CertificateChain is not allowed in a v0.3 bundle");
	if (pk) {
		if (!json_is_object(pk))
			return bad(e, "verificationMaterial.publicKey is not an object");
		hint = json_object_get(pk, "hint");
		if (hint && !json_is_string(hint))
			return bad(e, "verificationMaterial.publicKey.hint is not a string");
		if (hint && !(b->hint = strdup(json_string_value(hint))))
			return sg_err(e, SG_ERROR, "out of memory");
	} else {
		if (!json_is_object(cert ? cert : chain))
			return bad(e, "verificationMaterial certificate is not an object");
		b->keyless = 1;
	}
	if (tlog && !json_is_array(tlog))
		return bad(e, "verificationMaterial.tlogEntries is not an array");
	b->ntlog = json_array_size(tlog);
	if (tsd) {
		const json_t *ts = json_object_get(tsd, "rfc3161Timestamps");

		if (!json_is_object(tsd) || (ts && !json_is_array(ts)))
			return bad(e, "verificationMaterial.timestampVerificationData is malformed");
		b->ntimestamps = json_array_size(ts);
	}
	return 0;
}

static int parse_message(sg_bundle *b, const json_t *ms, sg_error *e)
{
	const json_t *md = json_object_get(ms, "messageDigest");
	const json_t *alg = json_object_get(md, "algorithm");
	unsigned char *d = NULL;
	size_t dlen = 0;
	int err;

	if (!json_is_object(ms))
		return bad(e, "messageSignature is not an object");
	if (!json_is_object(md))
		return bad(e, "messageSignature.messageDigest is missing");
	if (!json_is_string(alg) || strcmp(json_string_value(alg), "SHA2_256") != 0)
		return sg_err(e, SG_EUNSUPPORTED, "bundle: messageDigest algorithm is not SHA2_256");
	if ((err = b64_field(&d, &dlen, json_object_get(md, "digest"), 128,
			     "messageSignature.messageDigest.digest", e)) < 0)
		return err;
	if (dlen != sizeof(b->msg_digest)) {
		free(d);
		return bad(e, "messageSignature.messageDigest.digest is not 32 bytes");
	}
	memcpy(b->msg_digest, d, dlen);
	free(d);
	return b64_field(&b->msg_sig, &b->msg_siglen, json_object_get(ms, "signature"),
			 SG_DSSE_MAX_SIG_B64, "messageSignature.signature", e);
}

int sg_bundle_parse(sg_bundle **out, const void *data, size_t len, sg_error *e)
{
	json_error_t je;
	json_t *root = NULL;
	const json_t *mt, *ms, *env;
	sg_bundle *b = NULL;
	int err;

	*out = NULL;
	if (len > SG_MAX_BUNDLE)
		return sg_err(e, SG_ETOOBIG, "bundle over the %u-byte limit", (unsigned)SG_MAX_BUNDLE);
	if (!(root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je))) {
		err = sg_err(e, SG_EINVALID, "bundle is not valid JSON: %s (line %d)", je.text,
			     je.line);
		goto done;
	}
	if (!(b = calloc(1, sizeof(*b)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	err = SG_EINVALID;
	mt = json_object_get(root, "mediaType");
	if (!json_is_object(root)) {
		bad(e, "not a JSON object");
		goto done;
	}
	if (!json_is_string(mt)) {
		bad(e, "mediaType is missing");
		goto done;
	}
	if (!(b->minor = media_minor(json_string_value(mt)))) {
		char shown[128];

		err = sg_err(e, SG_EUNSUPPORTED, "bundle: unknown mediaType \"%s\"",
			     sg_printable(shown, sizeof(shown), json_string_value(mt)));
		goto done;
	}
	if ((err = parse_material(b, json_object_get(root, "verificationMaterial"), e)) < 0)
		goto done;
	ms = json_object_get(root, "messageSignature");
	env = json_object_get(root, "dsseEnvelope");
	if ((ms != NULL) == (env != NULL)) {
		err = bad(e, "must hold exactly one of messageSignature and dsseEnvelope");
		goto done;
	}
	if (ms) {
		b->kind = SG_BUNDLE_MESSAGE;
		if ((err = parse_message(b, ms, e)) < 0)
			goto done;
	} else {
		b->kind = SG_BUNDLE_DSSE;
		if ((err = sg_dsse_from_json(&b->dsse, env, e)) < 0) {
			sg_err_prefix(e, "bundle");
			goto done;
		}
		if (b->dsse->nsigs != 1) {
			err = bad(e, "dsseEnvelope must have exactly one signature");
			goto done;
		}
	}
	*out = b;
	b = NULL;
	err = 0;
done:
	sg_bundle_free(b);
	json_decref(root);
	return err;
}

void sg_bundle_free(sg_bundle *b)
{
	if (!b)
		return;
	free(b->hint);
	sg_dsse_free(b->dsse);
	free(b->msg_sig);
	free(b);
}

static int digest_bytes(unsigned char out[32], const char *digest)
{
	size_t n = 0;

	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
		return -1;
	return sodium_hex2bin(out, 32, digest + 7, 64, NULL, &n, NULL) == 0 && n == 32 ? 0 : -1;
}

int sg_bundle_verify(const sg_bundle *b, const sg_pubkey *k, const char *digest,
		     const void *artifact, size_t alen, sg_intoto **stmt, sg_error *e)
{
	unsigned char want[32], got[32];
	sg_intoto *st = NULL;
	int err;

	if (stmt)
		*stmt = NULL;
	if (b->keyless)
		return sg_err(e, SG_EVERIFY, "bundle is signed with a certificate (keyless); "
			      "sigil verifies bundles with a public key only");
	if (digest_bytes(want, digest) < 0)
		return sg_err(e, SG_EVERIFY, "bundle: %s is not a sha256 digest", digest);
	if (b->kind == SG_BUNDLE_MESSAGE) {
		if (memcmp(b->msg_digest, want, sizeof(want)) != 0)
			return sg_err(e, SG_EVERIFY, "bundle: messageDigest is not %s", digest);
		if (artifact) {
			crypto_hash_sha256(got, artifact, alen);
			if (memcmp(got, want, sizeof(want)) != 0)
				return sg_err(e, SG_EVERIFY, "bundle: artifact is not %s", digest);
			err = sg_verify(k, artifact, alen, b->msg_sig, b->msg_siglen);
		} else if (sg_pubkey_alg(k) == SG_KEY_ECDSA_P256) {
			err = sg_verify_digest(k, want, sizeof(want), b->msg_sig, b->msg_siglen);
		} else {
			return sg_err(e, SG_EVERIFY, "bundle: message signature needs the artifact "
				      "to verify with an Ed25519 key");
		}
		if (err != SG_OK)
			return sg_err(e, SG_EVERIFY, "bundle: message signature does not verify "
				      "with the key");
		return SG_OK;
	}
	if (strcmp(b->dsse->payload_type, SG_DSSE_INTOTO_TYPE) != 0) {
		char shown[128];

		return sg_err(e, SG_EVERIFY, "bundle: invalid payloadType \"%s\"",
			      sg_printable(shown, sizeof(shown), b->dsse->payload_type));
	}
	if ((err = sg_dsse_verify(b->dsse, k, e)) < 0)
		return sg_err_prefix(e, "bundle"), SG_EVERIFY;
	if (sg_intoto_parse(&st, b->dsse->payload, b->dsse->payload_len, e) < 0) {
		sg_err_prefix(e, "bundle");
		e->code = SG_EVERIFY;
		return SG_EVERIFY;
	}
	if (!sg_intoto_has_digest(st, digest)) {
		sg_intoto_free(st);
		return sg_err(e, SG_EVERIFY, "bundle: statement subject is not %s", digest);
	}
	if (stmt)
		*stmt = st;
	else
		sg_intoto_free(st);
	return SG_OK;
}

int sg_bundle_attach(sg_store *s, const sg_image *subject, const void *bundle, size_t blen,
		     const char *predicate_type, time_t created, char digest[SG_DIGEST_MAX],
		     int *via, sg_error *e)
{
	sg_buf man = SG_BUF_INIT(SG_MAX_MANIFEST);
	char bdigest[SG_DIGEST_MAX], when[32];
	json_t *ann = NULL;
	struct tm tm;
	int err;

	*via = SG_REFERRERS_NONE;
	if (!gmtime_r(&created, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return sg_err(e, SG_EINVALID, "creation time out of range");
	sg_sha256_digest(bdigest, bundle, blen);
	if ((err = sg_bundle_write_manifest(&man, bdigest, blen, predicate_type, when,
					    subject->media_type, subject->digest,
					    subject->body.len)) < 0) {
		err = sg_err(e, err, "bundle manifest too large");
		goto done;
	}
	if (!(ann = json_pack("{ssssss}", SG_ANN_BUNDLE_CONTENT, "dsse-envelope",
			      SG_ANN_BUNDLE_PREDICATE, predicate_type, SG_ANN_CREATED, when))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	/* Every blob the manifest names exists before the manifest does. */
	if ((err = sg_store_put_blob(s, SG_EMPTY_DIGEST, SG_EMPTY_JSON, 2, e)) < 0 ||
	    (err = sg_store_put_blob(s, bdigest, bundle, blen, e)) < 0)
		goto done;
	err = sg_referrers_push(s, subject->digest, man.data, man.len, SG_MT_BUNDLE_V03, ann,
				digest, via, e);
done:
	json_decref(ann);
	sg_buf_release(&man);
	return err;
}

/* One referrer: its manifest must name digest as subject and hold exactly one bundle layer;
 * the bundle must parse (cosign's rules, formats.md §5.4, except that cosign also wants v0.3
 * or later: v0.1 and v0.2 differ only in what they require of transparency-log entries, which
 * a key-based verifier does not use, and sigstore-js writes message signatures as v0.2). *skip is
 * set for referrers that are simply not bundles (cosign passes over them silently). */
static int load_referrer(sg_bundle **out, sg_buf *blob, char **ptype, sg_store *s,
			 const sg_desc *d, const char *digest, int *skip, sg_error *e)
{
	sg_buf body = SG_BUF_INIT(SG_MAX_MANIFEST);
	char got[SG_DIGEST_MAX];
	sg_manifest *m = NULL;
	const sg_desc *layer = NULL;
	char *mt = NULL;
	size_t i;
	int err;

	*out = NULL;
	*skip = 0;
	if ((err = sg_store_get_manifest(s, d->digest, &body, &mt, got, e)) < 0) {
		sg_err_prefix(e, "referrer %s", d->digest);
		goto done;
	}
	if ((err = sg_manifest_parse(&m, body.data, body.len, mt, e)) < 0) {
		sg_err_prefix(e, "referrer %s", d->digest);
		goto done;
	}
	for (i = 0; !m->is_index && i < m->nitems; i++) {
		if (strncmp(m->items[i].media_type, SG_MT_BUNDLE_PREFIX,
			    strlen(SG_MT_BUNDLE_PREFIX)) != 0)
			continue;
		if (layer) {
			err = sg_err(e, SG_EVERIFY, "referrer %s: more than one bundle layer",
				     d->digest);
			goto done;
		}
		layer = &m->items[i];
	}
	if (!layer) {
		*skip = 1;
		goto done;
	}
	if (m->nitems != 1) {
		err = sg_err(e, SG_EVERIFY, "referrer %s: a bundle manifest must have exactly one "
			     "layer", d->digest);
		goto done;
	}
	if (!m->subject || strcmp(m->subject->digest, digest) != 0) {
		err = sg_err(e, SG_EVERIFY, "referrer %s: its subject is not %s", d->digest, digest);
		goto done;
	}
	if ((err = sg_sigimage_layer_blob(blob, s, layer, SG_MAX_BUNDLE, e)) < 0) {
		sg_err_prefix(e, "referrer %s", d->digest);
		goto done;
	}
	if (sg_manifest_annotation(m, SG_ANN_BUNDLE_PREDICATE) &&
	    !(*ptype = strdup(sg_manifest_annotation(m, SG_ANN_BUNDLE_PREDICATE)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = sg_bundle_parse(out, blob->data, blob->len, e)) < 0) {
		sg_err_prefix(e, "referrer %s", d->digest);
		e->code = err = SG_EVERIFY;
		goto done;
	}
done:
	sg_manifest_free(m);
	sg_buf_release(&body);
	free(mt);
	return err;
}

static int by_digest(const void *a, const void *b)
{
	return strcmp(((const sg_desc *)a)->digest, ((const sg_desc *)b)->digest);
}

int sg_bundles_each(sg_store *s, const char *digest, sg_bundle_fn fn, void *ud, int *via,
		    sg_error *e)
{
	sg_referrers refs;
	sg_error le;
	size_t i;
	int err, skip;

	*via = SG_REFERRERS_NONE;
	if ((err = sg_referrers_list(&refs, s, digest, NULL, e)) < 0)
		return err;
	*via = refs.via;
	if (refs.n > 1) /* qsort(NULL, 0) is undefined */
		qsort(refs.items, refs.n, sizeof(*refs.items), by_digest);
	for (i = 0; i < refs.n; i++) {
		const sg_desc *d = &refs.items[i];
		sg_buf blob = SG_BUF_INIT(SG_MAX_BUNDLE);
		sg_bundle *b = NULL;
		char *ptype = NULL;

		/* Entries typed as something else are not bundles; untyped ones are looked at. */
		if (d->artifact_type && strncmp(d->artifact_type, SG_MT_BUNDLE_PREFIX,
						strlen(SG_MT_BUNDLE_PREFIX)) != 0)
			continue;
		if (!sg_digest_valid(d->digest) || (i && !strcmp(d->digest, refs.items[i - 1].digest)))
			continue;
		memset(&le, 0, sizeof(le));
		err = load_referrer(&b, &blob, &ptype, s, d, digest, &skip, &le);
		if (!skip)
			fn(ud, d->digest, refs.via, err < 0 ? NULL : b, &blob, ptype,
			   err < 0 ? &le : NULL);
		sg_bundle_free(b);
		sg_buf_release(&blob);
		free(ptype);
	}
	sg_referrers_release(&refs);
	return 0;
}
