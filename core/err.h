#ifndef SIGIL_ERR_H
#define SIGIL_ERR_H
#include <stdarg.h>

/* Append-only error codes of the core. Expected failures are negative; 0 is success. */
enum {
	SG_OK = 0,
	SG_ERROR = -1,      /* generic operational error */
	SG_ENOTFOUND = -2,  /* object, tag, file not found */
	SG_EINVALID = -3,   /* malformed input */
	SG_EVERIFY = -4,    /* signature or claim did not verify */
	SG_EAUTH = -5,      /* authentication / authorisation refused */
	SG_ETOOBIG = -6,    /* input over its size cap */
	SG_EIO = -7,        /* file system error */
	SG_EEXISTS = -8,    /* refusing to overwrite */
	SG_EPASSWORD = -9,  /* wrong password / decryption failed */
	SG_EUNSUPPORTED = -10, /* valid but unsupported (curve, params, media type) */
	SG_ENET = -11,      /* network / HTTP failure */
	SG_EDIGEST = -12,   /* bytes do not match their digest */
};

/* Caller-owned error: the core fills it, commands print it. */
typedef struct sg_error {
	int code;
	char msg[1024];
} sg_error;

/* Sets code and message (printf-style) and returns code, so `return sg_err(e, SG_EINVALID, ...)` works.
 * e may be NULL. */
int sg_err(sg_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes an existing message with "prefix: ". Returns e->code. */
int sg_err_prefix(sg_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the OpenSSL error queue's first reason to the message (and clears the queue). */
int sg_err_openssl(sg_error *e, int code, const char *what);
void sg_error_clear(sg_error *e);
/* Of several failures, keeps the one worth reporting in *first: the first one, unless an
 * operational failure (anything but SG_EVERIFY) comes after verification failures: "could
 * not check" must not be reported as "checked and bad". e's message is kept with code. */
void sg_err_keep_first(sg_error *first, const sg_error *e, int code);

/* Copies s into a static-size buffer replacing control and non-printable bytes with '?'.
 * For printing untrusted text. dst must hold n bytes. Returns dst. */
char *sg_printable(char *dst, size_t n, const char *s);

#endif
