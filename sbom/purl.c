/* Package URLs (catalog.h). */
#include <string.h>
#include "catalog.h"
#include "buf.h"
#include "banned.h"

int sg_purl_escape(sg_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	int err = 0;

	/* purl-spec characters-and-encoding: alphanumerics, ".-_~" and ':' stay as they are;
	 * every other octet of the UTF-8 string is percent-encoded. */
	for (; *p && !err; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr(".-_~:", *p)) {
			err = sg_buf_append(b, p, 1);
		} else {
			char t[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			err = sg_buf_append(b, t, 3);
		}
	}
	return err;
}
