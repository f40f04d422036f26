/* The text parsers of sigil sbom on arbitrary bytes: the input becomes, all at once, the
 * dpkg status file, a status.d entry, an md5sums file, a copyright file, os-release, the apk
 * installed DB, a Python METADATA, RECORD and egg-info, and a package.json of a one-layer
 * image, which is then catalogued and written as SPDX; and a licence string and a person. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "catalog.h"
#include "err.h"
#include "fuzz_sbom.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_licref *refs = NULL;
	sg_error e = { 0 };
	unsigned char *tar = NULL;
	char *text = NULL, *expr = NULL;
	size_t len = 0, nrefs = 0;

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
	if ((tar = layer(data, size, &len)))
		fuzz_sbom_walk(tar, len, FUZZ_DPKG | FUZZ_APK | FUZZ_PYTHON | FUZZ_NPM | FUZZ_FINISH, 0);
	free(tar);
	return 0;
}
