#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include <jansson.h>
#include "sigimage.h"
#include "digest.h"
#include "err.h"

#define PAYLOAD_DIGEST "sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc"
#define SIG "MEYCIQCPH7NJAIfrB6BZN91dV0o7l/i11muXrvrAh100jDMMhAIhAPsLH0oXb2OPITXRpWBMUd3vHtz5Ks5pql2Hr6t/IJXw"

static sg_desc layer(const char *sig)
{
	sg_desc d;

	memset(&d, 0, sizeof(d));
	d.media_type = SG_MT_SIMPLESIGNING;
	d.digest = PAYLOAD_DIGEST;
	d.size = 252;
	d.annotations = json_pack("{ss}", SG_ANN_SIGNATURE, sig);
	return d;
}

/* formats.md §1.2/§1.8: the config and manifest cosign (go-containerregistry) writes. */
static void test_bytes_match_cosign(void **state)
{
	sg_sigimage img = { NULL, 0 };
	sg_buf cfg = SG_BUF_INIT(1 << 20), man = SG_BUF_INIT(1 << 20);
	sg_desc l = layer(SIG);
	char cd[SG_DIGEST_MAX], want[2048];
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_sigimage_append(&img, &l, NULL, NULL, &e), 1);
	assert_int_equal(sg_sigimage_config(&cfg, &img), 0);
	assert_string_equal((char *)cfg.data,
		"{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"history\":[{\"created\":\"0001-01-01T00:00:00Z\"}],"
		"\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" PAYLOAD_DIGEST "\"]},\"config\":{}}");
	sg_sha256_digest(cd, cfg.data, cfg.len);
	assert_int_equal(sg_sigimage_manifest(&man, &img, cd, cfg.len), 0);
	snprintf(want, sizeof(want),
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":%zu,\"digest\":\"%s\"},"
		"\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":252,\"digest\":\"" PAYLOAD_DIGEST "\",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"" SIG "\"}}]}",
		cfg.len, cd);
	assert_string_equal((char *)man.data, want);
	/* With the v1.13.1 trace's config (size 247, digest 85ad8e…) the manifest is the
	 * trace's 558 bytes exactly. */
	sg_buf_reset(&man);
	assert_int_equal(sg_sigimage_manifest(&man, &img, "sha256:85ad8e17d3d7c00664855c638832bd99f32d42542c2d587851410a45a7f60b95", 247), 0);
	assert_int_equal(man.len, 558);
	sg_sha256_digest(cd, man.data, man.len);
	assert_string_equal(cd, "sha256:7ebe8964225fa4619b53aa35416ef0246c037e36ddf81776b21b15e1dda2262b");
	json_decref(l.annotations);
	sg_sigimage_release(&img);
	sg_buf_release(&cfg);
	sg_buf_release(&man);
}

static void test_append_dedupe(void **state)
{
	sg_sigimage img = { NULL, 0 };
	sg_desc a = layer(SIG), b = layer("MEUCIQ==");
	sg_buf cfg = SG_BUF_INIT(1 << 20);
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_sigimage_append(&img, &a, NULL, NULL, &e), 1);
	assert_int_equal(sg_sigimage_append(&img, &a, NULL, NULL, &e), 0);
	assert_int_equal(sg_sigimage_append(&img, &b, NULL, NULL, &e), 1);
	assert_int_equal(img.nlayers, 2);
	/* appended at the end, one history entry and diff_id per layer */
	assert_string_equal(sg_desc_annotation(&img.layers[1], SG_ANN_SIGNATURE), "MEUCIQ==");
	assert_int_equal(sg_sigimage_config(&cfg, &img), 0);
	assert_non_null(strstr((char *)cfg.data, "\"history\":[{\"created\":\"0001-01-01T00:00:00Z\"},{\"created\":\"0001-01-01T00:00:00Z\"}]"));
	json_decref(a.annotations);
	json_decref(b.annotations);
	sg_sigimage_release(&img);
	sg_buf_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_match_cosign),
		cmocka_unit_test(test_append_dedupe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
