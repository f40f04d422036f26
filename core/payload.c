#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "payload.h"
#include "gojson.h"
#include "digest.h"
#include "err.h"
#include "banned.h"

struct kv_pos {
	const char *key, *value;
	size_t pos;
};

/* By key, then by position, so that among equal keys the last given wins. */
static int cmp_kv(const void *a, const void *b)
{
	const struct kv_pos *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/* {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
 *  "type":"cosign container image signature"},"optional": -- the caller writes the value */
static void write_critical(sg_gojson *w, const char *docker_ref, const char *digest,
			   const char *type)
{
	sg_gojson_obj_open(w);
	sg_gojson_key(w, "critical");
	sg_gojson_obj_open(w);
	sg_gojson_key(w, "identity");
	sg_gojson_obj_open(w);
	sg_gojson_key(w, "docker-reference");
	sg_gojson_str(w, docker_ref);
	sg_gojson_obj_close(w);
	sg_gojson_key(w, "image");
	sg_gojson_obj_open(w);
	sg_gojson_key(w, "docker-manifest-digest");
	sg_gojson_str(w, digest);
	sg_gojson_obj_close(w);
	sg_gojson_key(w, "type");
	sg_gojson_str(w, type ? type : SG_COSIGN_SIG_TYPE);
	sg_gojson_obj_close(w);
	sg_gojson_key(w, "optional");
}

int sg_payload_build(sg_buf *out, const char *docker_ref, const char *digest, const sg_kv *ann,
		     size_t nann, sg_error *e)
{
	struct kv_pos *sorted = NULL;
	sg_gojson w;
	size_t i;

	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "invalid digest %s", digest);
	sg_gojson_init(&w, out);
	write_critical(&w, docker_ref, digest, NULL);
	if (nann == 0) {
		sg_gojson_null(&w);
	} else {
		/* A Go map: keys sorted bytewise, the last -a for a key wins. */
		sorted = malloc(nann * sizeof(*sorted));
		if (!sorted)
			return sg_err(e, SG_ERROR, "out of memory");
		for (i = 0; i < nann; i++) {
			sorted[i].key = ann[i].key;
			sorted[i].value = ann[i].value;
			sorted[i].pos = i;
		}
		qsort(sorted, nann, sizeof(*sorted), cmp_kv);
		sg_gojson_obj_open(&w);
		for (i = 0; i < nann; i++) {
			size_t j = i;
			/* among equal keys, the one given last on the command line wins */
			while (j + 1 < nann && !strcmp(sorted[j + 1].key, sorted[i].key))
				j++;
			sg_gojson_key(&w, sorted[i].key);
			sg_gojson_str(&w, sorted[j].value);
			i = j;
		}
		sg_gojson_obj_close(&w);
		free(sorted);
	}
	sg_gojson_obj_close(&w);
	if (w.err)
		return sg_err(e, w.err, "payload too large");
	return 0;
}

static const char *get_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A key that equals a known one but for case: cosign's Go parser reads keys case-insensitively
 * (the last one winning), so such a payload would mean one thing to us and another to cosign. */
static const char *case_variant(json_t *obj, const char *const *known)
{
	const char *key, *const *k;
	json_t *v;

	json_object_foreach(obj, key, v) {
		for (k = known; *k; k++)
			if (!strcasecmp(key, *k) && strcmp(key, *k) != 0)
				return key;
	}
	return NULL;
}

int sg_payload_parse(sg_payload **out, const void *data, size_t len, sg_error *e)
{
	json_t *root = NULL, *crit, *ident, *image, *opt;
	sg_payload *p = NULL;
	json_error_t je;
	const char *ref, *dig, *type;
	int err = SG_EINVALID;

	*out = NULL;
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		err = sg_err(e, SG_EINVALID, "payload is not valid JSON: %s", je.text);
		goto done;
	}
	crit = json_object_get(root, "critical");
	ident = json_object_get(crit, "identity");
	image = json_object_get(crit, "image");
	if (!json_is_object(root) || !json_is_object(crit) || !json_is_object(ident) ||
	    !json_is_object(image)) {
		sg_err(e, SG_EINVALID, "payload lacks critical.identity / critical.image");
		goto done;
	}
	{
		static const char *const top[] = { "critical", "optional", NULL };
		static const char *const c[] = { "identity", "image", "type", NULL };
		static const char *const id[] = { "docker-reference", NULL };
		static const char *const im[] = { "docker-manifest-digest", NULL };
		const char *bad;

		if ((bad = case_variant(root, top)) || (bad = case_variant(crit, c)) ||
		    (bad = case_variant(ident, id)) || (bad = case_variant(image, im))) {
			char shown[64];

			sg_err(e, SG_EINVALID, "payload has key \"%s\", a case variant of a known key",
			       sg_printable(shown, sizeof(shown), bad));
			goto done;
		}
	}
	type = get_str(crit, "type");
	if (!type || strcmp(type, SG_COSIGN_SIG_TYPE) != 0) {
		sg_err(e, SG_EINVALID, "payload type is not \"%s\"", SG_COSIGN_SIG_TYPE);
		goto done;
	}
	ref = get_str(ident, "docker-reference");
	dig = get_str(image, "docker-manifest-digest");
	if (!ref || !dig) {
		sg_err(e, SG_EINVALID, "payload lacks docker-reference or docker-manifest-digest");
		goto done;
	}
	opt = json_object_get(root, "optional");
	if (opt && !json_is_null(opt) && !json_is_object(opt)) {
		sg_err(e, SG_EINVALID, "payload optional is neither null nor an object");
		goto done;
	}
	if (!(p = calloc(1, sizeof(*p))) || !(p->docker_ref = strdup(ref)) ||
	    !(p->digest = strdup(dig))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (opt && json_is_object(opt))
		p->optional = json_incref(opt);
	*out = p;
	p = NULL;
	err = 0;
done:
	sg_payload_free(p);
	json_decref(root);
	return err;
}

void sg_payload_free(sg_payload *p)
{
	if (!p)
		return;
	free(p->docker_ref);
	free(p->digest);
	json_decref(p->optional);
	free(p->type);
	free(p);
}

int sg_payload_write(sg_buf *out, const sg_payload *p)
{
	sg_gojson w;

	sg_gojson_init(&w, out);
	write_critical(&w, p->docker_ref, p->digest, p->type);
	if (p->optional)
		sg_gojson_value(&w, p->optional);
	else
		sg_gojson_null(&w);
	sg_gojson_obj_close(&w);
	return w.err;
}

int sg_kv_parse(sg_kv **kv, size_t *n, const char *arg, sg_error *e)
{
	const char *p = arg;

	/* cobra's StringToString: comma-separated k=v pairs */
	while (*p) {
		const char *end = strchr(p, ',');
		const char *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		sg_kv *grown;

		eq = memchr(p, '=', len);
		if (!eq || eq == p)
			return sg_err(e, SG_EINVALID, "annotation \"%s\" is not key=value", arg);
		grown = realloc(*kv, (*n + 1) * sizeof(**kv));
		if (!grown)
			return sg_err(e, SG_ERROR, "out of memory");
		*kv = grown;
		grown[*n].key = strndup(p, (size_t)(eq - p));
		grown[*n].value = strndup(eq + 1, len - (size_t)(eq - p) - 1);
		if (!grown[*n].key || !grown[*n].value) {
			free(grown[*n].key);
			free(grown[*n].value);
			return sg_err(e, SG_ERROR, "out of memory");
		}
		(*n)++;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

void sg_kv_free(sg_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}
