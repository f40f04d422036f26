/* sigil sbom on one arbitrary layer blob (tar, tar+gzip, tar+zstd or garbage): the walker,
 * the catalogers and the SPDX writer must fail cleanly or succeed, never crash or hang. */
#include <stdint.h>
#include <stdlib.h>
#include "walker.h"
#include "catalog.h"
#include "spdx.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *layers[] = { "sha256:0000000000000000000000000000000000000000000000000000000000000000" };
	sg_sbom_image img = { "fuzz", "localhost/fuzz", 1, "v1",
			      "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			      "linux", "amd64", NULL, layers, 1, 0 };
	sg_buf out = SG_BUF_INIT(64u << 20);
	sg_walk_opts o = { 0 };
	sg_walker *w = NULL;
	sg_dpkg_hist *h = NULL;
	sg_catalog c = { 0 };
	sg_error e = { 0 };
	size_t i;

	if (sg_dpkg_hist_new(&h, &e) < 0)
		return 0;
	o.observe = sg_dpkg_hist_observe;
	o.observe_arg = h;
	o.total_max = 16u << 20;
	if (sg_walker_new(&w, &o, &e) < 0)
		goto done;
	for (i = 0; sg_os_wants[i]; i++)
		if (sg_walker_want(w, sg_os_wants[i], 0, 0, &e) < 0)
			goto done;
	if (sg_dpkg_wants(w, &e) < 0 || sg_walker_add_layer(w, data, size, &e) < 0 ||
	    sg_walker_finish(w, NULL, NULL, &e) < 0 || sg_cat_os(&c.os, w, NULL, NULL, &e) < 0 ||
	    sg_cat_dpkg(&c, w, h, NULL, NULL, &e) < 0)
		goto done;
	sg_spdx_write(&out, &img, &c, w, "2000-01-01T00:00:00Z", &e);
done:
	sg_buf_release(&out);
	sg_catalog_release(&c);
	sg_walker_free(w);
	sg_dpkg_hist_free(h);
	return 0;
}
