#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include "err.h"
#include "banned.h"

int sg_err(sg_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

int sg_err_prefix(sg_error *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return SG_ERROR;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old) >= (int)sizeof(e->msg))
		memcpy(e->msg + sizeof(e->msg) - 4, "...", 4); /* truncated, and says so */
	return e->code;
}

int sg_err_openssl(sg_error *e, int code, const char *what)
{
	unsigned long ec = ERR_get_error();
	const char *reason = ec ? ERR_reason_error_string(ec) : NULL;

	ERR_clear_error();
	return sg_err(e, code, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
}

void sg_error_clear(sg_error *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

void sg_err_keep_first(sg_error *first, const sg_error *e, int code)
{
	if (first->code && !(first->code == SG_EVERIFY && code != SG_EVERIFY))
		return;
	*first = *e;
	first->code = code;
}

char *sg_printable(char *dst, size_t n, const char *s)
{
	size_t i = 0;

	if (!n)
		return dst;
	for (; s && *s && i + 1 < n; s++)
		dst[i++] = ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) ? *s : '?';
	dst[i] = '\0';
	return dst;
}
