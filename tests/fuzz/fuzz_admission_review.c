/* AdmissionReview bodies as the API server (or anyone who reaches the webhook) sends them:
 * parse, then answer with every image allowed (with a digest, so the mutating patch is built)
 * and again with every image denied. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "review.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_buf out = SG_BUF_INIT(SG_REVIEW_MAX_BODY * 2);
	sg_review_verdict *v;
	sg_error e = { 0 };
	sg_review r;
	size_t i;

	if (sg_review_parse(&r, data, size, &e) != 0)
		return 0;
	if (!r.uid || !*r.uid)
		abort(); /* a parsed review always has a uid to echo */
	v = calloc(r.nimages ? r.nimages : 1, sizeof(*v));
	if (v) {
		for (i = 0; i < r.nimages; i++) {
			v[i].allowed = 1;
			v[i].digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
		}
		sg_review_respond(&out, &r, v, 1, &e);
		sg_buf_reset(&out);
		for (i = 0; i < r.nimages; i++) {
			v[i].allowed = 0;
			v[i].message = "denied";
		}
		sg_review_respond(&out, &r, v, 0, &e);
		free(v);
	}
	sg_buf_release(&out);
	sg_review_release(&r);
	return 0;
}
