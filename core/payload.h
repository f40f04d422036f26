#ifndef SIGIL_PAYLOAD_H
#define SIGIL_PAYLOAD_H
#include <stddef.h>
#include "buf.h"

struct sg_error;
struct json_t;

#define SG_COSIGN_SIG_TYPE "cosign container image signature"

typedef struct sg_kv {
	char *key;
	char *value;
} sg_kv;

/* Builds the simple-signing payload byte for byte as cosign does (Go JSON):
 * {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
 *  "type":"cosign container image signature"},"optional":null|{sorted k:v}} */
int sg_payload_build(sg_buf *out, const char *docker_ref, const char *digest, const sg_kv *ann,
		     size_t nann, struct sg_error *e);

typedef struct sg_payload {
	char *docker_ref;
	char *digest;
	struct json_t *optional; /* owned; NULL for JSON null */
	char *type;              /* NULL: the cosign constant; else what a bundle's statement
				  * said (cosign v3 shows bundles in this shape) */
} sg_payload;

/* Parses a payload strictly (duplicate keys rejected, type must be the cosign constant). */
int sg_payload_parse(sg_payload **out, const void *data, size_t len, struct sg_error *e);
void sg_payload_free(sg_payload *p);
/* Writes the payload in cosign's verify output shape (Go JSON). */
int sg_payload_write(sg_buf *out, const sg_payload *p);

/* Parses "key=value" (also several comma-separated) into kv; appends to *kv. */
int sg_kv_parse(sg_kv **kv, size_t *n, const char *arg, struct sg_error *e);
void sg_kv_free(sg_kv *kv, size_t n);

#endif
