/* The sbom fuzz targets' shared steps (fuzz_sbom.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_sbom.h"
#include "walker.h"
#include "catalog.h"
#include "spdx.h"
#include "err.h"

unsigned char *fuzz_copy(const uint8_t *data, size_t size, size_t max)
{
	unsigned char *copy;

	if (size > max || !(copy = malloc(size ? size : 1)))
		return NULL;
	memcpy(copy, data, size);
	return copy;
}

/* The layer histories the targets have always fed. apk's is not one of them: it reads the
 * installed DB with the record parser sg_cat_apk uses, which the text target fuzzes. */
struct hists {
	sg_dpkg_hist *dpkg;
	sg_file_hist *files;
};

/* The walker's one observe hook: each history keeps the paths it knows. */
static void observe(void *arg, const char *path, size_t layer, const unsigned char *data,
		    size_t len)
{
	struct hists *hs = arg;

	sg_dpkg_hist_observe(hs->dpkg, path, layer, data, len);
	sg_file_hist_observe(hs->files, path, layer, data, len);
}

void fuzz_sbom_walk(const unsigned char *layer, size_t len, unsigned what, size_t total_max)
{
	static char *layers[] = { "sha256:0000000000000000000000000000000000000000000000000000000000000000" };
	sg_sbom_image img = { "fuzz", "localhost/fuzz", 1, "v1",
			      "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			      "linux", "amd64", NULL, layers, 1, 0 };
	sg_buf out = SG_BUF_INIT(64u << 20);
	sg_walk_opts o = { 0 };
	sg_walker *w = NULL;
	struct hists hs = { NULL, NULL };
	sg_catalog c = { 0 };
	sg_error e = { 0 };
	size_t i;

	if (sg_dpkg_hist_new(&hs.dpkg, &e) < 0 || sg_file_hist_new(&hs.files, &e) < 0)
		goto done;
	o.observe = observe;
	o.observe_arg = &hs;
	o.total_max = total_max;
	if (sg_walker_new(&w, &o, &e) < 0)
		goto done;
	for (i = 0; sg_os_wants[i]; i++)
		if (sg_walker_want(w, sg_os_wants[i], 0, 0, &e) < 0)
			goto done;
	if (((what & FUZZ_DPKG) && sg_dpkg_wants(w, &e) < 0) ||
	    ((what & FUZZ_APK) && sg_apk_wants(w, &e) < 0) ||
	    ((what & FUZZ_PYTHON) && sg_python_wants(w, &e) < 0) ||
	    ((what & FUZZ_NPM) && sg_npm_wants(w, &e) < 0) ||
	    sg_walker_add_layer(w, layer, len, &e) < 0 || sg_walker_finish(w, NULL, NULL, &e) < 0 ||
	    sg_cat_os(&c.os, w, NULL, NULL, &e) < 0 ||
	    ((what & FUZZ_DPKG) && sg_cat_dpkg(&c, w, hs.dpkg, NULL, NULL, &e) < 0) ||
	    ((what & FUZZ_APK) && sg_cat_apk(&c, w, NULL, NULL, NULL, &e) < 0) ||
	    ((what & FUZZ_PYTHON) && sg_cat_python(&c, w, hs.files, NULL, NULL, &e) < 0) ||
	    ((what & FUZZ_NPM) && sg_cat_npm(&c, w, hs.files, NULL, NULL, &e) < 0) ||
	    ((what & FUZZ_FINISH) && sg_catalog_finish(&c, w, &e) < 0))
		goto done;
	sg_spdx_write(&out, &img, &c, w, "2000-01-01T00:00:00Z", &e);
done:
	sg_buf_release(&out);
	sg_catalog_release(&c);
	sg_walker_free(w);
	sg_dpkg_hist_free(hs.dpkg);
	sg_file_hist_free(hs.files);
}
