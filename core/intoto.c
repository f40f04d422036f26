/* in-toto Statements: predicates from files, building and strict parsing (formats.md §2.3). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "intoto.h"
#include "gojson.h"
#include "err.h"
#include "banned.h"

/* The predicate sits one level below the statement's root in the Go JSON writer, whose
 * nesting is bounded by its per-level state. */
#define PREDICATE_MAX_DEPTH \
	((int)(sizeof(((sg_gojson *)0)->need_comma) / sizeof(((sg_gojson *)0)->need_comma[0])) - 2)

static const struct {
	const char *name, *uri;
} predicate_types[] = {
	{ "custom", SG_PREDICATE_CUSTOM },
	{ "slsaprovenance", "https://slsa.dev/provenance/v0.2" },
	{ "slsaprovenance02", "https://slsa.dev/provenance/v0.2" },
	{ "slsaprovenance1", "https://slsa.dev/provenance/v1" },
	{ "spdx", "https://spdx.dev/Document" },
	{ "spdxjson", "https://spdx.dev/Document" },
	{ "cyclonedx", "https://cyclonedx.org/bom" },
	{ "link", "https://in-toto.io/Link/v1" },
	{ "vuln", "https://cosign.sigstore.dev/attestation/vuln/v1" },
	{ "openvex", "https://openvex.dev/ns" },
};

/* An absolute URI: RFC 3986 scheme, ':', then something, all printable ASCII. */
static int is_uri(const char *s)
{
	const char *p = s;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || !p[1])
		return 0;
	for (p++; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

const char *sg_predicate_type_uri(const char *type)
{
	size_t i;

	if (!type)
		return NULL;
	for (i = 0; i < sizeof(predicate_types) / sizeof(predicate_types[0]); i++)
		if (!strcmp(type, predicate_types[i].name))
			return predicate_types[i].uri;
	return is_uri(type) ? type : NULL;
}

static int depth_of(const json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;
	int d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
			if ((d = depth_of(c)) > max)
				max = d;
		return max + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if ((d = depth_of(c)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

/* The file as JSON (numbers as doubles, duplicate keys refused). */
static int load_json(json_t **out, const void *data, size_t len, const char *name, sg_error *e)
{
	size_t flags = JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL | JSON_DECODE_ANY;
	json_error_t je;

	if (!(*out = json_loadb(data, len, flags, &je)))
		return sg_err(e, SG_EINVALID, "%s: predicate is not valid JSON: %s (line %d)", name,
			      je.text, je.line);
	if (depth_of(*out) > PREDICATE_MAX_DEPTH) {
		json_decref(*out);
		*out = NULL;
		return sg_err(e, SG_EINVALID, "%s: predicate is nested deeper than %d levels", name,
			      PREDICATE_MAX_DEPTH);
	}
	return 0;
}

/* Top-level fields a predicate must have (cosign's checkRequiredJSONFields on the Go
 * structs it unmarshals into), NULL-terminated. */
static const char *const link_fields[] = { "_type", "name", "materials", "products",
					   "byproducts", "command", "environment", NULL };
static const char *const slsa02_fields[] = { "builder", "buildType", NULL };
static const char *const slsa1_fields[] = { "buildDefinition", "runDetails", NULL };

static int require_fields(const json_t *o, const char *const *fields, const char *name,
			  sg_error *e)
{
	for (; fields && *fields; fields++)
		if (!json_object_get(o, *fields))
			return sg_err(e, SG_EINVALID, "%s: predicate lacks the required field \"%s\"",
				      name, *fields);
	return 0;
}

/* cosign renames SLSA v1's runDetails.metadata.invocationID to the spec's invocationId. */
static int slsa1_rename(json_t *o)
{
	json_t *md = json_object_get(json_object_get(o, "runDetails"), "metadata");
	json_t *v = json_object_get(md, "invocationID");

	if (!json_is_object(md) || !v)
		return 0;
	if (json_object_set(md, "invocationId", v) < 0 || json_object_del(md, "invocationID") < 0)
		return SG_ERROR;
	return 0;
}

static int custom_predicate(json_t **out, const void *data, size_t len, const char *name,
			    time_t now, sg_error *e)
{
	json_t *check;
	json_error_t je;
	struct tm tm;
	char ts[32];

	/* Embedded as text, but sigil still wants JSON: a stray file is refused early. */
	if (!(check = json_loadb(data, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je)))
		return sg_err(e, SG_EINVALID, "%s: predicate is not valid JSON: %s (line %d)", name,
			      je.text, je.line);
	json_decref(check);
	if (!gmtime_r(&now, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return sg_err(e, SG_ERROR, "cannot format the time");
	*out = json_pack("{s:s%,s:s}", "Data", (const char *)data, len, "Timestamp", ts);
	return *out ? 0 : sg_err(e, SG_ERROR, "out of memory");
}

/* SPDX tag-value text (or anything else cosign would take for spdx): a UTF-8 string. */
static int spdx_predicate(json_t **out, const void *data, size_t len, const char *name,
			  sg_error *e)
{
	if (len == 0)
		return sg_err(e, SG_EINVALID, "%s: predicate is empty", name);
	if (memchr(data, 0, len))
		return sg_err(e, SG_EINVALID, "%s: predicate is not text (contains NUL bytes)", name);
	if (!(*out = json_stringn((const char *)data, len)))
		return sg_err(e, SG_EINVALID, "%s: predicate is not valid UTF-8 text", name);
	return 0;
}

int sg_predicate_load(json_t **out, const char *type, const void *data, size_t len,
		      const char *name, time_t now, sg_error *e)
{
	const char *uri = sg_predicate_type_uri(type);
	const char *const *fields = NULL;
	json_t *v = NULL;
	int err;

	*out = NULL;
	if (!uri)
		return sg_err(e, SG_EINVALID, "invalid predicate type: %s", type);
	if (len > SG_MAX_PREDICATE)
		return sg_err(e, SG_ETOOBIG, "%s: predicate over the %u-byte limit", name,
			      (unsigned)SG_MAX_PREDICATE);
	if (!strcmp(uri, SG_PREDICATE_CUSTOM))
		return custom_predicate(out, data, len, name, now, e);
	if (!strcmp(type, "spdx"))
		return spdx_predicate(out, data, len, name, e);
	if ((err = load_json(&v, data, len, name, e)) < 0)
		return err;
	if (!json_is_object(v)) {
		err = sg_err(e, SG_EINVALID, "%s: predicate is not a JSON object", name);
		goto done;
	}
	if (!strcmp(type, "link"))
		fields = link_fields;
	else if (!strcmp(type, "slsaprovenance") || !strcmp(type, "slsaprovenance02"))
		fields = slsa02_fields;
	else if (!strcmp(type, "slsaprovenance1"))
		fields = slsa1_fields;
	if ((err = require_fields(v, fields, name, e)) < 0)
		goto done;
	if (!strcmp(type, "slsaprovenance1") && slsa1_rename(v) < 0) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	*out = v;
	v = NULL;
done:
	json_decref(v);
	return err;
}

int sg_intoto_build(sg_buf *out, const char *statement_type, const char *subject_name,
		    const char *digest, const char *predicate_type, const json_t *predicate,
		    sg_error *e)
{
	return sg_intoto_build_ann(out, statement_type, subject_name, digest, NULL,
				   predicate_type, predicate, e);
}

int sg_intoto_build_ann(sg_buf *out, const char *statement_type, const char *subject_name,
			const char *digest, const json_t *annotations, const char *predicate_type,
			const json_t *predicate, sg_error *e)
{
	const char *colon = strchr(digest, ':');
	char alg[16];
	sg_gojson w;

	if (!colon || colon == digest || !colon[1] || (size_t)(colon - digest) >= sizeof(alg))
		return sg_err(e, SG_EINVALID, "not a digest: %s", digest);
	memcpy(alg, digest, (size_t)(colon - digest));
	alg[colon - digest] = 0;
	sg_gojson_init(&w, out);
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, "_type");
	sg_gojson_str(&w, statement_type);
	sg_gojson_key(&w, "subject");
	sg_gojson_arr_open(&w);
	sg_gojson_obj_open(&w);
	if (subject_name) {
		sg_gojson_key(&w, "name");
		sg_gojson_str(&w, subject_name);
	}
	sg_gojson_key(&w, "digest");
	sg_gojson_obj_open(&w);
	sg_gojson_key(&w, alg);
	sg_gojson_str(&w, colon + 1);
	sg_gojson_obj_close(&w);
	if (annotations) {
		sg_gojson_key(&w, "annotations");
		sg_gojson_value(&w, annotations);
	}
	sg_gojson_obj_close(&w);
	sg_gojson_arr_close(&w);
	sg_gojson_key(&w, "predicateType");
	sg_gojson_str(&w, predicate_type);
	if (predicate) {
		sg_gojson_key(&w, "predicate");
		sg_gojson_value(&w, predicate);
	}
	sg_gojson_obj_close(&w);
	if (w.err == SG_ETOOBIG)
		return sg_err(e, w.err, "statement over the %zu-byte limit", out->max);
	if (w.err)
		return sg_err(e, w.err, "predicate cannot be written as JSON");
	return 0;
}

static int parse_subject(sg_intoto_subject *out, const json_t *o, size_t i, sg_error *e)
{
	const json_t *name = json_object_get(o, "name"), *digest = json_object_get(o, "digest");
	const char *k;
	json_t *v, *ann;

	if (!json_is_object(o))
		return sg_err(e, SG_EINVALID, "statement: subject[%zu] is not an object", i);
	if (name && !json_is_string(name))
		return sg_err(e, SG_EINVALID, "statement: subject[%zu].name is not a string", i);
	if (!json_is_object(digest) || json_object_size(digest) == 0)
		return sg_err(e, SG_EINVALID, "statement: subject[%zu].digest is not a non-empty "
			      "object", i);
	if (name && !(out->name = strdup(json_string_value(name))))
		return sg_err(e, SG_ERROR, "out of memory");
	if (!(out->digests = calloc(json_object_size(digest), sizeof(*out->digests))))
		return sg_err(e, SG_ERROR, "out of memory");
	json_object_foreach((json_t *)digest, k, v) {
		sg_kv *kv = &out->digests[out->ndigests];

		if (!json_is_string(v))
			return sg_err(e, SG_EINVALID, "statement: subject[%zu].digest.%s is not a "
				      "string", i, k);
		out->ndigests++;
		if (!(kv->key = strdup(k)) || !(kv->value = strdup(json_string_value(v))))
			return sg_err(e, SG_ERROR, "out of memory");
	}
	ann = json_object_get(o, "annotations");
	if (ann && !json_is_null(ann)) {
		if (!json_is_object(ann))
			return sg_err(e, SG_EINVALID, "statement: subject[%zu].annotations is not "
				      "an object", i);
		out->annotations = json_incref(ann);
	}
	return 0;
}

static int parse_root(sg_intoto *s, const json_t *root, sg_error *e)
{
	const json_t *type = json_object_get(root, "_type");
	const json_t *ptype = json_object_get(root, "predicateType");
	const json_t *subj = json_object_get(root, "subject");
	json_t *pred = json_object_get(root, "predicate");
	size_t i;
	int err;

	if (!json_is_object(root))
		return sg_err(e, SG_EINVALID, "statement is not a JSON object");
	if (!json_is_string(type) || (strcmp(json_string_value(type), SG_INTOTO_STATEMENT_V1) &&
				      strcmp(json_string_value(type), SG_INTOTO_STATEMENT_V01)))
		return sg_err(e, SG_EINVALID, "statement: _type is not an in-toto Statement v1 or "
			      "v0.1");
	if (!json_is_string(ptype) || json_string_length(ptype) == 0)
		return sg_err(e, SG_EINVALID, "statement: predicateType is missing");
	if (!json_is_array(subj) || json_array_size(subj) == 0)
		return sg_err(e, SG_EINVALID, "statement: no subject");
	if (!(s->type = strdup(json_string_value(type))) ||
	    !(s->predicate_type = strdup(json_string_value(ptype))) ||
	    !(s->subjects = calloc(json_array_size(subj), sizeof(*s->subjects))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < json_array_size(subj); i++) {
		s->nsubjects++;
		if ((err = parse_subject(&s->subjects[i], json_array_get(subj, i), i, e)) < 0)
			return err;
	}
	if (pred && !json_is_null(pred))
		s->predicate = json_incref(pred);
	return 0;
}

int sg_intoto_parse(sg_intoto **out, const void *data, size_t len, sg_error *e)
{
	json_error_t je;
	json_t *root = NULL;
	sg_intoto *s = NULL;
	int err;

	*out = NULL;
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (!root) {
		err = sg_err(e, SG_EINVALID, "statement is not valid JSON: %s (line %d)", je.text,
			     je.line);
		goto done;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if ((err = parse_root(s, root, e)) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	sg_intoto_free(s);
	json_decref(root);
	return err;
}

void sg_intoto_free(sg_intoto *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nsubjects; i++) {
		free(s->subjects[i].name);
		sg_kv_free(s->subjects[i].digests, s->subjects[i].ndigests);
		json_decref(s->subjects[i].annotations);
	}
	free(s->subjects);
	free(s->type);
	free(s->predicate_type);
	json_decref(s->predicate);
	free(s);
}

int sg_intoto_has_digest(const sg_intoto *s, const char *digest)
{
	const char *colon = strchr(digest, ':');
	size_t alen, i, j;

	if (!s || !colon)
		return 0;
	alen = (size_t)(colon - digest);
	for (i = 0; i < s->nsubjects; i++) {
		for (j = 0; j < s->subjects[i].ndigests; j++) {
			const sg_kv *kv = &s->subjects[i].digests[j];

			if (strlen(kv->key) == alen && !memcmp(kv->key, digest, alen) &&
			    !strcmp(kv->value, colon + 1))
				return 1;
		}
	}
	return 0;
}
