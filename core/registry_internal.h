#ifndef SIGIL_REGISTRY_INTERNAL_H
#define SIGIL_REGISTRY_INTERNAL_H
/* Helpers of registry.c exposed for its unit tests only; not part of the core's API. */
#include <stddef.h>

/* 1 if a "host[:port]" (or "[v6]:port", bare "::1") names localhost, 127.0.0.1 or ::1. */
int sg_registry_host_is_loopback(const char *hostport);
/* "https://<registry>" or "http://<registry>" (loopback or allow_http). Owned string in *out.
 * SG_EINVALID for a registry name that is not host[:port]. */
int sg_registry_base_url(char **out, const char *registry, int allow_http);
/* Resolves an upload Location (absolute or relative to post_url) and appends digest=<d> to
 * its query with '?' or '&'. Owned string in *out; SG_EINVALID if it does not parse. */
int sg_registry_upload_url(char **out, const char *post_url, const char *location,
			   const char *digest);
/* 1 if both URLs have the same scheme, host and (default-filled) port. */
int sg_registry_same_origin(const char *a, const char *b);
/* Pulls the first errors[].code and errors[].message out of a registry error body, control
 * characters replaced; "" when absent. code and msg hold ncode / nmsg bytes. */
void sg_registry_error_info(char *code, size_t ncode, char *msg, size_t nmsg, const void *body,
			    size_t len);

#endif
