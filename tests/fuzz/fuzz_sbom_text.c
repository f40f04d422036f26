/* The text parsers of sigil sbom on arbitrary bytes: the input becomes, all at once, the
 * dpkg status file, a status.d entry, an md5sums file, a copyright file, os-release, the apk
 * installed DB, a Python METADATA, RECORD and egg-info, and a package.json of a one-layer
 * image, which is then catalogued and written as SPDX; and a licence string and a person. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "walker.h"
#include "catalog.h"
#include "spdx.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"var/lib/dpkg/status", "var/lib/dpkg/status.d/x", "var/lib/dpkg/info/x.md5sums",
	"var/lib/dpkg/info/x.conffiles", "usr/share/doc/x/copyright", "etc/os-release",
	"lib/apk/db/installed", "usr/lib/python3/site-packages/x.dist-info/METADATA",
	"usr/lib/python3/site-packages/x.dist-info/RECORD", "usr/lib/python3/y.egg-info",
	"app/node_modules/x/package.json", "usr/share/nodejs/@s/x/package.json",
};

static unsigned char *layer(const uint8_t *data, size_t size, size_t *len)
{
	size_t cap = size * 8 + 65536, i;
	unsigned char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	int ok = buf && a && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
		 archive_write_open_memory(a, buf, cap, len) == ARCHIVE_OK;

	for (i = 0; ok && i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!(e = archive_entry_new()))
			break;
		archive_entry_set_pathname(e, paths[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)size);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
		     (!size || archive_write_data(a, data, size) == (la_ssize_t)size);
		archive_entry_free(e);
	}
	ok = ok && archive_write_close(a) == ARCHIVE_OK;
	archive_write_free(a);
	if (!ok) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct hists {
	sg_dpkg_hist *dpkg;
	sg_file_hist *files;
};

static void observe(void *arg, const char *path, size_t layer, const unsigned char *data,
		    size_t len)
{
	struct hists *hs = arg;

	sg_dpkg_hist_observe(hs->dpkg, path, layer, data, len);
	sg_file_hist_observe(hs->files, path, layer, data, len);
}

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
	sg_file_hist *fh = NULL;
	struct hists hs;
	sg_catalog c = { 0 };
	sg_licref *refs = NULL;
	sg_error e = { 0 };
	unsigned char *tar = NULL;
	char *text = NULL, *expr = NULL;
	size_t i, len = 0, nrefs = 0;

	if (size > (1u << 20))
		return 0;
	/* the licence parser on its own, as a C string */
	if ((text = malloc(size + 1))) {
		memcpy(text, data, size);
		text[size] = '\0';
		int oom = 0;

		sg_license_from_copyright(&expr, &refs, &nrefs, text, size, &e);
		free(expr);
		expr = NULL;
		sg_license_expr(&expr, &refs, &nrefs, text, &e);
		free(expr);
		sg_licrefs_free(refs, nrefs);
		free(sg_person_from(text, &oom));
		free(text);
	}
	if (!(tar = layer(data, size, &len)) || sg_dpkg_hist_new(&h, &e) < 0 ||
	    sg_file_hist_new(&fh, &e) < 0)
		goto done;
	hs.dpkg = h;
	hs.files = fh;
	o.observe = observe;
	o.observe_arg = &hs;
	if (sg_walker_new(&w, &o, &e) < 0)
		goto done;
	for (i = 0; sg_os_wants[i]; i++)
		if (sg_walker_want(w, sg_os_wants[i], 0, 0, &e) < 0)
			goto done;
	if (sg_dpkg_wants(w, &e) < 0 || sg_apk_wants(w, &e) < 0 || sg_python_wants(w, &e) < 0 ||
	    sg_npm_wants(w, &e) < 0 || sg_walker_add_layer(w, tar, len, &e) < 0 ||
	    sg_walker_finish(w, NULL, NULL, &e) < 0 || sg_cat_os(&c.os, w, NULL, NULL, &e) < 0 ||
	    sg_cat_dpkg(&c, w, h, NULL, NULL, &e) < 0 || sg_cat_apk(&c, w, NULL, NULL, NULL, &e) < 0 ||
	    sg_cat_python(&c, w, fh, NULL, NULL, &e) < 0 || sg_cat_npm(&c, w, fh, NULL, NULL, &e) < 0 ||
	    sg_catalog_finish(&c, w, &e) < 0)
		goto done;
	sg_spdx_write(&out, &img, &c, w, "2000-01-01T00:00:00Z", &e);
done:
	free(tar);
	sg_buf_release(&out);
	sg_catalog_release(&c);
	sg_walker_free(w);
	sg_dpkg_hist_free(h);
	sg_file_hist_free(fh);
	return 0;
}
