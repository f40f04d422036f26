/* OCI image indexes as the referrers API and the fallback tag serve them (referrers.c reads
 * them with sg_manifest_parse as an OCI index), and multi-arch indexes picked by platform. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "manifest.h"
#include "bundle.h"
#include "digest.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const platforms[] = { "linux/amd64", "linux/arm64", "linux/arm64/v8",
					 "linux/arm/v7", "unknown/unknown" };

static void pick(const sg_manifest *idx)
{
	const sg_desc *d;
	sg_platform p;
	sg_error e = { 0 };
	char s[32];
	size_t i;

	for (i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		snprintf(s, sizeof(s), "%s", platforms[i]);
		if (sg_platform_parse(&p, s, &e) != 0)
			abort();
		if (sg_index_pick(&d, idx, &p, &e) == 0) {
			if (d < idx->items || d >= idx->items + idx->nitems ||
			    !sg_media_type_is_manifest(d->media_type))
				abort();
		} else if (d || e.code != SG_ENOTFOUND) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_manifest *m = NULL;
	sg_error e = { 0 };
	size_t i;

	if (sg_manifest_parse(&m, data, size, SG_MT_OCI_INDEX, &e) != 0)
		return 0;
	if (m->is_index) {
		for (i = 0; i < m->nitems; i++) {
			const sg_desc *d = &m->items[i];

			if (!d->media_type || !d->digest || !sg_digest_valid(d->digest))
				abort();
			sg_desc_annotation(d, SG_ANN_BUNDLE_CONTENT);
			sg_desc_annotation(d, SG_ANN_BUNDLE_PREDICATE);
		}
		pick(m);
	}
	sg_manifest_free(m);
	return 0;
}
