/* OCI / Docker schema2 manifests and indexes, validated and copied out of jansson.
 * Only annotations stay as jansson objects (an owned reference each); every other field is
 * a malloc'd copy, so nothing borrowed from the parse tree outlives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "manifest.h"
#include "digest.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define SG_MAX_INDEX_ENTRIES 10000

/* Where in the document a value is, for messages: "layers[3].digest". */
typedef struct where {
	char s[96];
} where;

static const char *at(where *w, const char *parent, const char *field, long index)
{
	if (index >= 0)
		snprintf(w->s, sizeof(w->s), "%s[%ld]%s%s", parent, index, field[0] ? "." : "",
			 field);
	else
		snprintf(w->s, sizeof(w->s), "%s%s%s", parent, parent[0] && field[0] ? "." : "",
			 field);
	return w->s;
}

static int bad(sg_error *e, const char *where_, const char *what)
{
	return sg_err(e, SG_EINVALID, "manifest: %s: %s", where_, what);
}

static int oom(sg_error *e)
{
	return sg_err(e, SG_ERROR, "out of memory");
}


int sg_media_type_is_index(const char *mt)
{
	return mt && (!strcmp(mt, SG_MT_OCI_INDEX) || !strcmp(mt, SG_MT_DOCKER_LIST));
}

int sg_media_type_is_manifest(const char *mt)
{
	return mt && (!strcmp(mt, SG_MT_OCI_MANIFEST) || !strcmp(mt, SG_MT_DOCKER_MANIFEST));
}

void sg_desc_release(sg_desc *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->digest);
	free(d->artifact_type);
	json_decref(d->annotations);
	free(d->os);
	free(d->architecture);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

void sg_manifest_free(sg_manifest *m)
{
	size_t i;

	if (!m)
		return;
	free(m->media_type);
	sg_desc_release(&m->config);
	for (i = 0; i < m->nitems; i++)
		sg_desc_release(&m->items[i]);
	free(m->items);
	sg_desc_release(m->subject);
	free(m->subject);
	free(m->artifact_type);
	json_decref(m->annotations);
	free(m);
}

const char *sg_desc_annotation(const sg_desc *d, const char *key)
{
	if (!d || !d->annotations)
		return NULL;
	return json_string_value(json_object_get(d->annotations, key));
}

const char *sg_manifest_annotation(const sg_manifest *m, const char *key)
{
	if (!m || !m->annotations)
		return NULL;
	return json_string_value(json_object_get(m->annotations, key));
}

/* Copies an optional string field; a present non-string is an error. */
static int opt_string(char **out, const json_t *obj, const char *key, const char *parent,
		      sg_error *e)
{
	const json_t *v = json_object_get(obj, key);
	where w;

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(e, at(&w, parent, key, -1), "must be a string");
	if (!(*out = strdup(json_string_value(v))))
		return oom(e);
	return 0;
}

/* An optional object whose values are all strings; an owned reference goes to *out. */
static int annotations(json_t **out, json_t *obj, const char *parent, sg_error *e)
{
	json_t *v = json_object_get(obj, "annotations"), *val;
	const char *key;
	where w;

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return bad(e, at(&w, parent, "annotations", -1), "must be an object");
	json_object_foreach(v, key, val) {
		if (!json_is_string(val)) {
			char shown[64];

			return sg_err(e, SG_EINVALID, "manifest: %s: value of \"%s\" is not a string",
				      at(&w, parent, "annotations", -1),
				      sg_printable(shown, sizeof(shown), key));
		}
	}
	*out = json_incref(v);
	return 0;
}

static int platform(sg_desc *d, const json_t *obj, const char *parent, sg_error *e)
{
	const json_t *p = json_object_get(obj, "platform");
	where w;
	int err;

	if (!p)
		return 0;
	at(&w, parent, "platform", -1);
	if (!json_is_object(p))
		return bad(e, w.s, "must be an object");
	if ((err = opt_string(&d->os, p, "os", w.s, e)) < 0 ||
	    (err = opt_string(&d->architecture, p, "architecture", w.s, e)) < 0 ||
	    (err = opt_string(&d->variant, p, "variant", w.s, e)) < 0)
		return err;
	return 0;
}

/* Parses one descriptor at `where_`; index entries also carry a platform. */
static int descriptor(sg_desc *d, json_t *obj, const char *where_, int with_platform,
		      sg_error *e)
{
	const json_t *v;
	char shown[96];
	where w;
	int err;

	if (!json_is_object(obj))
		return bad(e, where_, "descriptor must be an object");
	v = json_object_get(obj, "mediaType");
	if (!json_is_string(v) || !json_string_length(v))
		return bad(e, at(&w, where_, "mediaType", -1), "missing or not a non-empty string");
	if (!(d->media_type = strdup(json_string_value(v))))
		return oom(e);
	v = json_object_get(obj, "digest");
	if (!json_is_string(v))
		return bad(e, at(&w, where_, "digest", -1), "missing or not a string");
	if (!sg_digest_valid(json_string_value(v)))
		return sg_err(e, SG_EINVALID, "manifest: %s: invalid digest \"%s\"",
			      at(&w, where_, "digest", -1),
			      sg_printable(shown, sizeof(shown), json_string_value(v)));
	if (!(d->digest = strdup(json_string_value(v))))
		return oom(e);
	v = json_object_get(obj, "size");
	if (!json_is_integer(v))
		return bad(e, at(&w, where_, "size", -1), "missing or not an integer");
	if (json_integer_value(v) < 0)
		return bad(e, at(&w, where_, "size", -1), "negative");
	d->size = json_integer_value(v);
	if ((err = opt_string(&d->artifact_type, obj, "artifactType", where_, e)) < 0 ||
	    (err = annotations(&d->annotations, obj, where_, e)) < 0)
		return err;
	if (with_platform && (err = platform(d, obj, where_, e)) < 0)
		return err;
	return 0;
}

static int items(sg_manifest *m, json_t *root, const char *key, size_t cap, sg_error *e)
{
	json_t *arr = json_object_get(root, key);
	size_t i, n;
	where w;
	int err;

	if (!json_is_array(arr))
		return bad(e, key, "missing or not an array");
	n = json_array_size(arr);
	if (n > cap)
		return sg_err(e, SG_ETOOBIG, "manifest: %s: %zu entries, more than the limit of %zu",
			      key, n, cap);
	if (n && !(m->items = calloc(n, sizeof(*m->items))))
		return oom(e);
	for (i = 0; i < n; i++) {
		m->nitems = i + 1;
		if ((err = descriptor(&m->items[i], json_array_get(arr, i),
				      at(&w, key, "", (long)i), m->is_index, e)) < 0)
			return err;
	}
	return 0;
}

/* Drops media type parameters ("; charset=utf-8") and surrounding blanks. Owned. */
static char *bare_content_type(const char *ct)
{
	const char *end;
	char *out;
	size_t n;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	end = strchr(ct, ';');
	n = end ? (size_t)(end - ct) : strlen(ct);
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (!(out = malloc(n + 1)))
		return NULL;
	memcpy(out, ct, n);
	out[n] = '\0';
	return out;
}

/* Content types that say nothing about the document (static file servers send them). */
static int generic_content_type(const char *ct)
{
	return !ct[0] || !strcmp(ct, "application/json") ||
	       !strcmp(ct, "application/octet-stream") || !strcmp(ct, "text/plain");
}

/* The document's media type: its mediaType field, else the Content-Type; both must agree. */
static int media_type(sg_manifest *m, const json_t *root, const char *content_type,
		      sg_error *e)
{
	const json_t *v = json_object_get(root, "mediaType");
	char *ct = NULL, shown[128], shown2[128];
	int err = 0;

	if (v && !json_is_string(v))
		return bad(e, "mediaType", "must be a string");
	if (content_type && !(ct = bare_content_type(content_type)))
		return oom(e);
	if (ct && generic_content_type(ct)) {
		free(ct);
		ct = NULL;
	}
	if (v && ct && strcmp(json_string_value(v), ct) != 0) {
		err = sg_err(e, SG_EINVALID,
			     "manifest: mediaType \"%s\" does not match Content-Type \"%s\"",
			     sg_printable(shown, sizeof(shown), json_string_value(v)),
			     sg_printable(shown2, sizeof(shown2), ct));
		goto done;
	}
	if (!v && !ct) {
		err = bad(e, "mediaType", "missing, and no Content-Type to go by");
		goto done;
	}
	if (!(m->media_type = v ? strdup(json_string_value(v)) : ct)) {
		err = oom(e);
		goto done;
	}
	if (!v)
		ct = NULL;
	if (!sg_media_type_is_index(m->media_type) && !sg_media_type_is_manifest(m->media_type))
		err = sg_err(e, SG_EUNSUPPORTED, "manifest: unsupported media type \"%s\"",
			     sg_printable(shown, sizeof(shown), m->media_type));
	m->is_index = sg_media_type_is_index(m->media_type);
done:
	free(ct);
	return err;
}

static int body(sg_manifest *m, json_t *root, sg_error *e)
{
	const json_t *v = json_object_get(root, "schemaVersion");
	int err;

	if (!json_is_integer(v) || json_integer_value(v) != 2)
		return bad(e, "schemaVersion", "must be the integer 2");
	/* A document that could be read as either kind is refused (containers/image does too). */
	if (m->is_index && (json_object_get(root, "config") || json_object_get(root, "layers")))
		return bad(e, "config/layers", "not allowed in an index");
	if (!m->is_index && json_object_get(root, "manifests"))
		return bad(e, "manifests", "not allowed in an image manifest");
	if (!m->is_index) {
		if (!json_object_get(root, "config"))
			return bad(e, "config", "missing");
		if ((err = descriptor(&m->config, json_object_get(root, "config"), "config", 0,
				      e)) < 0 ||
		    (err = items(m, root, "layers", SG_MAX_LAYERS, e)) < 0)
			return err;
	} else if ((err = items(m, root, "manifests", SG_MAX_INDEX_ENTRIES, e)) < 0) {
		return err;
	}
	if (json_object_get(root, "subject")) {
		if (!(m->subject = calloc(1, sizeof(*m->subject))))
			return oom(e);
		if ((err = descriptor(m->subject, json_object_get(root, "subject"), "subject", 0,
				      e)) < 0)
			return err;
	}
	if ((err = opt_string(&m->artifact_type, root, "artifactType", "", e)) < 0 ||
	    (err = annotations(&m->annotations, root, "", e)) < 0)
		return err;
	return 0;
}

int sg_manifest_parse(sg_manifest **out, const void *data, size_t len, const char *content_type,
		      sg_error *e)
{
	sg_manifest *m = NULL;
	json_t *root = NULL;
	json_error_t jerr;
	int err;

	*out = NULL;
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char shown[160];

		return sg_err(e, SG_EINVALID, "manifest: invalid JSON at line %d column %d: %s",
			      jerr.line, jerr.column, sg_printable(shown, sizeof(shown), jerr.text));
	}
	if (!json_is_object(root)) {
		err = sg_err(e, SG_EINVALID, "manifest: not a JSON object");
		goto done;
	}
	if (!(m = calloc(1, sizeof(*m)))) {
		err = oom(e);
		goto done;
	}
	if ((err = media_type(m, root, content_type, e)) < 0 || (err = body(m, root, e)) < 0)
		goto done;
	*out = m;
	m = NULL;
done:
	sg_manifest_free(m);
	json_decref(root);
	return err;
}

int sg_platform_parse(sg_platform *p, const char *arg, sg_error *e)
{
	char *s, *arch, *variant = NULL;

	memset(p, 0, sizeof(*p));
	if (strlen(arg) >= sizeof(p->buf))
		return sg_err(e, SG_EINVALID, "platform \"%.64s...\" is too long", arg);
	s = memcpy(p->buf, arg, strlen(arg) + 1);
	arch = strchr(s, '/');
	if (!arch || arch == s || !arch[1])
		return sg_err(e, SG_EINVALID, "platform \"%.64s\" is not OS/ARCH[/VARIANT]", arg);
	*arch++ = '\0';
	if ((variant = strchr(arch, '/'))) {
		*variant++ = '\0';
		if (!*variant || strchr(variant, '/'))
			return sg_err(e, SG_EINVALID, "platform \"%.64s\": bad variant", arg);
	}
	p->os = s;
	p->arch = arch;
	p->variant = variant;
	return 0;
}

static int platform_matches(const sg_desc *d, const sg_platform *p)
{
	if (!d->os || !d->architecture || strcmp(d->os, p->os) || strcmp(d->architecture, p->arch))
		return 0;
	if (p->variant)
		return d->variant && !strcmp(d->variant, p->variant);
	return 1;
}

int sg_index_pick(const sg_desc **out, const sg_manifest *idx, const sg_platform *p, sg_error *e)
{
	char have[512] = "";
	size_t i, n;

	*out = NULL;
	for (i = 0; i < idx->nitems; i++) {
		const sg_desc *d = &idx->items[i];

		if (!sg_media_type_is_manifest(d->media_type) || !platform_matches(d, p))
			continue;
		/* arm64 without a variant asked: prefer v8 (or none) over others */
		if (!*out || (!p->variant && d->variant && !strcmp(d->variant, "v8") &&
			      (*out)->variant && strcmp((*out)->variant, "v8")))
			*out = d;
	}
	if (*out)
		return 0;
	for (i = 0; i < idx->nitems; i++) {
		const sg_desc *d = &idx->items[i];

		n = strlen(have);
		if (d->os && d->architecture && n + 64 < sizeof(have))
			snprintf(have + n, sizeof(have) - n, "%s%s/%s%s%s", n ? ", " : "", d->os,
				 d->architecture, d->variant ? "/" : "", d->variant ? d->variant : "");
	}
	return sg_err(e, SG_ENOTFOUND, "the index has no %s/%s%s%s image (it has: %s)", p->os,
		      p->arch, p->variant ? "/" : "", p->variant ? p->variant : "",
		      have[0] ? have : "none");
}
