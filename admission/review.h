#ifndef SIGIL_ADMISSION_REVIEW_H
#define SIGIL_ADMISSION_REVIEW_H
/* Kubernetes AdmissionReview v1 (admission.md §5): which images an object runs, and the
 * response that allows or denies it (and, for the mutating endpoint, pins tags to digests). */
#include <stddef.h>
#include "buf.h"
struct sg_error;
struct json_t;

#define SG_REVIEW_MAX_BODY  (3u << 20)  /* kube-apiserver's own request limit */
#define SG_REVIEW_MAX_IMAGES 1000

/* One container image reference in the object, with the JSON pointer of its "image". */
typedef struct sg_review_image {
	char *image;
	char *path;      /* "/spec/template/spec/containers/0/image" */
} sg_review_image;

typedef struct sg_review {
	struct json_t *root;   /* the whole review */
	const char *uid;       /* request.uid (borrowed from root) */
	const char *kind;      /* request.kind.kind, "" when absent */
	const char *ns, *name, *operation;
	int handled;           /* a kind whose pod spec we know */
	sg_review_image *images;
	size_t nimages;
} sg_review;

/* Parses a review strictly enough to answer it: an object with apiVersion
 * admission.k8s.io/v1, kind AdmissionReview, request.uid a non-empty string. Collects the
 * images of containers, initContainers and ephemeralContainers for Pod, Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, Job, CronJob (and ReplicationController, PodTemplate).
 * Other kinds, and requests without an object (DELETE), have no images (handled = 0).
 * SG_EINVALID with one line on a malformed review. */
int sg_review_parse(sg_review *out, const void *data, size_t len, struct sg_error *e);
void sg_review_release(sg_review *r);

/* A per-image decision for the response. */
typedef struct sg_review_verdict {
	int allowed;
	const char *message;   /* why denied (or warned); NULL if it passed */
	int warn;              /* allowed, but say message as a warning */
	const char *digest;    /* "sha256:..." when resolved; for pinning */
} sg_review_verdict;

/* Writes the AdmissionReview response for r with one verdict per r->images entry: allowed if
 * every image is; status.message names every image that failed and why; warnings carry warn
 * verdicts (each cut to 120 characters). With mutate, allowed images given by tag get a
 * JSONPatch pinning them to "<image>@<digest>". */
int sg_review_respond(sg_buf *out, const sg_review *r, const sg_review_verdict *v, int mutate,
		      struct sg_error *e);
/* The response for a review that cannot be decided (an internal error): denied with msg. */
int sg_review_respond_error(sg_buf *out, const sg_review *r, const char *msg,
			    struct sg_error *e);
#endif
