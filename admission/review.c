#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "review.h"
#include "err.h"
#include "banned.h"

/* Where each kind keeps its pod spec. */
static const struct {
	const char *kind;
	const char *const path[6];
} pod_specs[] = {
	{ "Pod", { "spec", NULL } },
	{ "PodTemplate", { "template", "spec", NULL } },
	{ "Deployment", { "spec", "template", "spec", NULL } },
	{ "ReplicaSet", { "spec", "template", "spec", NULL } },
	{ "StatefulSet", { "spec", "template", "spec", NULL } },
	{ "DaemonSet", { "spec", "template", "spec", NULL } },
	{ "Job", { "spec", "template", "spec", NULL } },
	{ "ReplicationController", { "spec", "template", "spec", NULL } },
	{ "CronJob", { "spec", "jobTemplate", "spec", "template", "spec", NULL } },
};

static const char *const container_lists[] = { "initContainers", "containers",
						 "ephemeralContainers" };

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void sg_review_release(sg_review *r)
{
	size_t i;

	for (i = 0; i < r->nimages; i++) {
		free(r->images[i].image);
		free(r->images[i].path);
	}
	free(r->images);
	json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

static int add_image(sg_review *r, const char *image, const char *path, sg_error *e)
{
	sg_review_image *grown;

	if (r->nimages == SG_REVIEW_MAX_IMAGES)
		return sg_err(e, SG_ETOOBIG, "review: more than %d images", SG_REVIEW_MAX_IMAGES);
	if (!(grown = realloc(r->images, (r->nimages + 1) * sizeof(*grown))))
		return sg_err(e, SG_ERROR, "out of memory");
	r->images = grown;
	grown = &r->images[r->nimages];
	if (!(grown->image = strdup(image)) || !(grown->path = strdup(path))) {
		free(grown->image);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	r->nimages++;
	return 0;
}

static int collect(sg_review *r, const json_t *object, sg_error *e)
{
	const json_t *spec = object;
	char base[128] = "", path[256];
	size_t i, k, j;
	int err;

	for (i = 0; i < sizeof(pod_specs) / sizeof(pod_specs[0]); i++)
		if (!strcmp(r->kind, pod_specs[i].kind))
			break;
	if (i == sizeof(pod_specs) / sizeof(pod_specs[0]))
		return 0; /* a kind that runs no images of its own: passed through */
	r->handled = 1;
	for (k = 0; pod_specs[i].path[k]; k++) {
		spec = json_object_get(spec, pod_specs[i].path[k]);
		snprintf(base + strlen(base), sizeof(base) - strlen(base), "/%s", pod_specs[i].path[k]);
	}
	if (!spec)
		return 0;
	if (!json_is_object(spec))
		return sg_err(e, SG_EINVALID, "review: object%s is not an object", base);
	for (k = 0; k < sizeof(container_lists) / sizeof(container_lists[0]); k++) {
		const json_t *list = json_object_get(spec, container_lists[k]), *c;

		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return sg_err(e, SG_EINVALID, "review: object%s/%s is not an array", base,
				      container_lists[k]);
		json_array_foreach(list, j, c) {
			const json_t *image = json_object_get(c, "image");

			snprintf(path, sizeof(path), "%s/%s/%zu/image", base, container_lists[k], j);
			if (!json_is_object(c) || !json_is_string(image) ||
			    json_string_length(image) == 0)
				return sg_err(e, SG_EINVALID, "review: object%s/%s/%zu has no image",
					      base, container_lists[k], j);
			if ((err = add_image(r, json_string_value(image), path, e)) < 0)
				return err;
		}
	}
	return 0;
}

int sg_review_parse(sg_review *out, const void *data, size_t len, sg_error *e)
{
	json_error_t je;
	const json_t *req, *object;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > SG_REVIEW_MAX_BODY)
		return sg_err(e, SG_ETOOBIG, "review over %u bytes", (unsigned)SG_REVIEW_MAX_BODY);
	if (!(out->root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)))
		return sg_err(e, SG_EINVALID, "review is not valid JSON: %s (line %d)", je.text,
			      je.line);
	err = SG_EINVALID;
	if (!json_is_object(out->root) || strcmp(str(out->root, "apiVersion"), "admission.k8s.io/v1") ||
	    strcmp(str(out->root, "kind"), "AdmissionReview")) {
		sg_err(e, err, "not an admission.k8s.io/v1 AdmissionReview");
		goto fail;
	}
	req = json_object_get(out->root, "request");
	if (!json_is_object(req) || !*str(req, "uid")) {
		sg_err(e, err, "review has no request.uid");
		goto fail;
	}
	out->uid = str(req, "uid");
	out->kind = str(json_object_get(req, "kind"), "kind");
	out->ns = str(req, "namespace");
	out->name = str(req, "name");
	out->operation = str(req, "operation");
	object = json_object_get(req, "object");
	if (object && !json_is_null(object)) {
		if (!json_is_object(object)) {
			sg_err(e, err, "review: request.object is not an object");
			goto fail;
		}
		if ((err = collect(out, object, e)) < 0)
			goto fail;
	}
	return 0;
fail:
	sg_review_release(out);
	return err;
}

/* "a, b" joined into one status message, kept under the cap. */
static int respond(sg_buf *out, const sg_review *r, int allowed, const char *message,
		   json_t *warnings, json_t *patch, sg_error *e)
{
	json_t *resp, *doc;
	char *s = NULL;
	int err = 0;

	resp = json_pack("{sssb}", "uid", r ? r->uid : "", "allowed", allowed);
	if (!resp)
		return sg_err(e, SG_ERROR, "out of memory");
	if (!allowed)
		json_object_set_new(resp, "status", json_pack("{siss}", "code", 403, "message",
							      message ? message : "denied"));
	if (warnings && json_array_size(warnings))
		json_object_set(resp, "warnings", warnings);
	if (patch && json_array_size(patch)) {
		char *p = json_dumps(patch, JSON_COMPACT);
		sg_buf b64 = SG_BUF_INIT(SG_REVIEW_MAX_BODY * 2);

		if (!p || sg_b64_encode(&b64, p, strlen(p)) < 0) {
			free(p);
			sg_buf_release(&b64);
			json_decref(resp);
			return sg_err(e, SG_ERROR, "out of memory");
		}
		json_object_set_new(resp, "patchType", json_string("JSONPatch"));
		json_object_set_new(resp, "patch", json_stringn((const char *)b64.data, b64.len));
		free(p);
		sg_buf_release(&b64);
	}
	doc = json_pack("{ssssso}", "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview",
			"response", resp);
	if (!doc || !(s = json_dumps(doc, JSON_COMPACT)) || sg_buf_append(out, s, strlen(s)) < 0)
		err = sg_err(e, SG_ERROR, "out of memory");
	free(s);
	json_decref(doc);
	return err;
}

int sg_review_respond(sg_buf *out, const sg_review *r, const sg_review_verdict *v, int mutate,
		      sg_error *e)
{
	json_t *warnings = json_array(), *patch = json_array();
	sg_buf msg = SG_BUF_INIT(64u << 10);
	int allowed = 1, err;
	size_t i, j;

	if (!warnings || !patch) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < r->nimages; i++) {
		const sg_review_image *im = &r->images[i];

		/* an image listed twice is reported once */
		for (j = 0; j < i; j++)
			if (!strcmp(r->images[j].image, im->image))
				break;
		if (!v[i].allowed) {
			allowed = 0;
			if (j == i)
				sg_buf_printf(&msg, "%s%s: %s", msg.len ? "; " : "", im->image,
					      v[i].message ? v[i].message : "denied");
		} else if (v[i].warn && v[i].message && j == i) {
			char w[121];

			snprintf(w, sizeof(w), "%s: %s", im->image, v[i].message);
			json_array_append_new(warnings, json_string(w));
		}
		if (mutate && v[i].allowed && v[i].digest && !strchr(im->image, '@'))
			json_array_append_new(patch, json_pack("{ssssss++}", "op", "replace",
							       "path", im->path, "value", im->image,
							       "@", v[i].digest));
	}
	if (!allowed)
		json_array_clear(patch);
	err = respond(out, r, allowed, msg.data ? (const char *)msg.data : NULL, warnings, patch, e);
done:
	json_decref(warnings);
	json_decref(patch);
	sg_buf_release(&msg);
	return err;
}

int sg_review_respond_error(sg_buf *out, const sg_review *r, const char *msg, sg_error *e)
{
	return respond(out, r, 0, msg, NULL, NULL, e);
}
