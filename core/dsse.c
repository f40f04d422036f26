/* DSSE envelopes: PAE, building, strict parsing and verification (formats.md §2.2). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "dsse.h"
#include "gojson.h"
#include "keys.h"
#include "err.h"
#include "banned.h"

int sg_dsse_pae(sg_buf *out, const char *type, size_t typelen, const void *body, size_t len)
{
	int err = 0;

	err |= sg_buf_printf(out, "DSSEv1 %zu ", typelen);
	err |= sg_buf_append(out, type, typelen);
	err |= sg_buf_printf(out, " %zu ", len);
	err |= sg_buf_append(out, body, len);
	return err ? SG_ETOOBIG : 0;
}

int sg_dsse_envelope(sg_buf *out, const char *payload_type, const void *payload, size_t len,
		     const unsigned char *sig, size_t siglen)
{
	sg_buf b64 = SG_BUF_INIT(SG_MAX_ENVELOPE);
	sg_gojson w;
	int err;

	sg_gojson_init(&w, out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "payloadType");
	sg_gojson_str(&w, payload_type);
	sg_gojson_key(&w, "payload");
	if ((err = sg_b64_encode(&b64, payload, len)) < 0)
		goto done;
	sg_gojson_strn(&w, (const char *)b64.data, b64.len);
	sg_gojson_key(&w, "signatures");
	sg_gojson_arr_open(&w);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "keyid");
	sg_gojson_str(&w, "");
	sg_gojson_key(&w, "sig");
	sg_buf_reset(&b64);
	if ((err = sg_b64_encode(&b64, sig, siglen)) < 0)
		goto done;
	sg_gojson_strn(&w, (const char *)b64.data, b64.len);
	sg_gojson_obj_close(&w);
	sg_gojson_arr_close(&w);
	sg_gojson_obj_close(&w);
	err = w.err;
done:
	sg_buf_release(&b64);
	return err;
}

int sg_dsse_sign(sg_buf *out, const sg_privkey *k, const char *payload_type, const void *payload,
		 size_t len, sg_error *e)
{
	sg_buf pae = SG_BUF_INIT(SG_MAX_ENVELOPE);
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int err;

	if ((err = sg_dsse_pae(&pae, payload_type, strlen(payload_type), payload, len)) < 0) {
		sg_err(e, err, "statement too large to sign");
		goto done;
	}
	if ((err = sg_sign(&sig, &siglen, k, pae.data, pae.len, e)) < 0)
		goto done;
	if ((err = sg_dsse_envelope(out, payload_type, payload, len, sig, siglen)) < 0)
		sg_err(e, err, "envelope over the %u-byte limit", (unsigned)SG_MAX_ENVELOPE);
done:
	sg_buf_release(&pae);
	free(sig);
	return err;
}

/* Standard, then URL-safe base64, both padded (what sslib's b64Decode accepts). The
 * result is NUL-terminated so a decoded payload can be read as text. */
int sg_dsse_b64_decode(unsigned char **out, size_t *outlen, const char *s, size_t len)
{
	static const int variants[] = { sodium_base64_VARIANT_ORIGINAL,
					 sodium_base64_VARIANT_URLSAFE };
	size_t cap = len / 4 * 3 + 3, i;
	const char *end;
	unsigned char *p;

	*out = NULL;
	*outlen = 0;
	if (!(p = malloc(cap + 1)))
		return SG_ERROR;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		end = NULL;
		if (sodium_base642bin(p, cap, s, len, NULL, outlen, &end, variants[i]) == 0 &&
		    end == s + len) {
			p[*outlen] = 0;
			*out = p;
			return 0;
		}
	}
	free(p);
	*outlen = 0;
	return SG_EINVALID;
}

static int parse_sig(sg_dsse_sig *out, const json_t *o, size_t i, sg_error *e)
{
	const json_t *sig = json_object_get(o, "sig"), *keyid = json_object_get(o, "keyid");
	int err;

	if (!json_is_object(o))
		return sg_err(e, SG_EINVALID, "envelope: signatures[%zu] is not an object", i);
	if (!json_is_string(sig) || json_string_length(sig) == 0)
		return sg_err(e, SG_EINVALID, "envelope: signatures[%zu].sig is missing", i);
	if (json_string_length(sig) > SG_DSSE_MAX_SIG_B64)
		return sg_err(e, SG_ETOOBIG, "envelope: signatures[%zu].sig is too long", i);
	if (keyid && !json_is_string(keyid))
		return sg_err(e, SG_EINVALID, "envelope: signatures[%zu].keyid is not a string", i);
	if (keyid && !(out->keyid = strdup(json_string_value(keyid))))
		return sg_err(e, SG_ERROR, "out of memory");
	err = sg_dsse_b64_decode(&out->sig, &out->siglen, json_string_value(sig), json_string_length(sig));
	if (err == SG_EINVALID)
		return sg_err(e, err, "envelope: signatures[%zu].sig is not base64", i);
	if (err < 0)
		return sg_err(e, err, "out of memory");
	return 0;
}

static int parse_root(sg_dsse *d, const json_t *root, sg_error *e)
{
	const json_t *type = json_object_get(root, "payloadType");
	const json_t *payload = json_object_get(root, "payload");
	const json_t *sigs = json_object_get(root, "signatures");
	size_t i;
	int err;

	if (!json_is_object(root))
		return sg_err(e, SG_EINVALID, "envelope is not a JSON object");
	if (!json_is_string(type))
		return sg_err(e, SG_EINVALID, "envelope: payloadType is missing");
	if (!json_is_string(payload))
		return sg_err(e, SG_EINVALID, "envelope: payload is missing");
	if (!json_is_array(sigs) || json_array_size(sigs) == 0)
		return sg_err(e, SG_EINVALID, "envelope: no signatures");
	if (json_array_size(sigs) > SG_DSSE_MAX_SIGS)
		return sg_err(e, SG_ETOOBIG, "envelope: more than %d signatures", SG_DSSE_MAX_SIGS);
	if (!(d->payload_type = strdup(json_string_value(type))))
		return sg_err(e, SG_ERROR, "out of memory");
	err = sg_dsse_b64_decode(&d->payload, &d->payload_len, json_string_value(payload),
			 json_string_length(payload));
	if (err == SG_EINVALID)
		return sg_err(e, err, "envelope: payload is not base64");
	if (err < 0)
		return sg_err(e, err, "out of memory");
	if (!(d->sigs = calloc(json_array_size(sigs), sizeof(*d->sigs))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < json_array_size(sigs); i++) {
		d->nsigs++;
		if ((err = parse_sig(&d->sigs[i], json_array_get(sigs, i), i, e)) < 0)
			return err;
	}
	return 0;
}

int sg_dsse_from_json(sg_dsse **out, const json_t *obj, sg_error *e)
{
	sg_dsse *d;
	int err;

	*out = NULL;
	if (!(d = calloc(1, sizeof(*d))))
		return sg_err(e, SG_ERROR, "out of memory");
	if ((err = parse_root(d, obj, e)) < 0) {
		sg_dsse_free(d);
		return err;
	}
	*out = d;
	return 0;
}

int sg_dsse_parse(sg_dsse **out, const void *data, size_t len, sg_error *e)
{
	json_error_t je;
	json_t *root = NULL;
	int err;

	*out = NULL;
	if (len > SG_MAX_ENVELOPE)
		return sg_err(e, SG_ETOOBIG, "envelope over the %u-byte limit",
			      (unsigned)SG_MAX_ENVELOPE);
	if (!(root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je))) {
		err = sg_err(e, SG_EINVALID, "envelope is not valid JSON: %s (line %d)", je.text,
			     je.line);
		goto done;
	}
	err = sg_dsse_from_json(out, root, e);
done:
	json_decref(root);
	return err;
}

void sg_dsse_free(sg_dsse *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nsigs; i++) {
		free(d->sigs[i].keyid);
		free(d->sigs[i].sig);
	}
	free(d->sigs);
	free(d->payload_type);
	free(d->payload);
	free(d);
}

int sg_dsse_verify(const sg_dsse *d, const sg_pubkey *k, sg_error *e)
{
	sg_buf pae = SG_BUF_INIT(SG_MAX_ENVELOPE + 64);
	int ok = 0; /* fails closed */
	size_t i;

	if (!d || !k || d->nsigs == 0)
		return sg_err(e, SG_EVERIFY, "envelope has no signature");
	if (sg_dsse_pae(&pae, d->payload_type, strlen(d->payload_type), d->payload,
			d->payload_len) < 0) {
		sg_buf_release(&pae);
		return sg_err(e, SG_ETOOBIG, "envelope payload too large");
	}
	for (i = 0; i < d->nsigs && !ok; i++)
		ok = sg_verify(k, pae.data, pae.len, d->sigs[i].sig, d->sigs[i].siglen) == SG_OK;
	sg_buf_release(&pae);
	if (!ok)
		return sg_err(e, SG_EVERIFY, "no signature in the envelope verifies with the key");
	return SG_OK;
}
