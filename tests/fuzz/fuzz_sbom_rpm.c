/* RPM header blobs (rpmhdr.h), as rpmdb.sqlite's Packages table holds them: the input is
 * parsed as one header (sg_rpm_info_read, with and without its file list), then given to
 * the rpm cataloger as one package of a Fedora 40 image (sg_rpm_add_header: identity
 * checks, licence, purl, owned files). Seeds: the headers of tests/data/sbom/rpm's
 * rpmdb.sqlite (made by rpm 4.18) and hand-built ones (no region, OLDFILENAMES, MD5
 * digests, I18N summary). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "rpmhdr.h"
#include "err.h"
#include "fuzz_sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_rpm_info info;
	sg_catalog c;
	sg_error e = { 0, "" };
	unsigned char *copy;

	if (!(copy = fuzz_copy(data, size, 4u << 20)))
		return 0;
	if (sg_rpm_info_read(&info, copy, size, SG_RPM_NO_FILES, &e) == 0)
		sg_rpm_info_release(&info);
	memset(&c, 0, sizeof(c));
	c.os.found = 1;
	c.os.id = strdup("fedora");
	c.os.version_id = strdup("40");
	if (c.os.id && c.os.version_id)
		(void)sg_rpm_add_header(&c, copy, size, "usr/lib/sysimage/rpm/rpmdb.sqlite", 0, NULL,
					NULL, &e);
	sg_catalog_release(&c);
	free(copy);
	return 0;
}
