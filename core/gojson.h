#ifndef SIGIL_GOJSON_H
#define SIGIL_GOJSON_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* A tiny writer that emits JSON exactly as Go's encoding/json.Marshal does for structs:
 * no whitespace, caller-controlled key order, strings escaped Go's way (HTML characters
 * < > & as \u003c \u003e \u0026, U+2028/U+2029 escaped, invalid UTF-8 as \ufffd).
 * Used for every object whose bytes must match cosign's (payloads, manifests, configs,
 * key files). Errors stick: check w->err once at the end. */
typedef struct sg_gojson {
	sg_buf *out;
	int err;
	int need_comma[2050]; /* jansson parses at most 2048 levels; deeper is an error */
	int depth;
} sg_gojson;

void sg_gojson_init(sg_gojson *w, sg_buf *out);
void sg_gojson_obj_open(sg_gojson *w);
void sg_gojson_obj_close(sg_gojson *w);
void sg_gojson_arr_open(sg_gojson *w);
void sg_gojson_arr_close(sg_gojson *w);
void sg_gojson_key(sg_gojson *w, const char *key);
void sg_gojson_str(sg_gojson *w, const char *s);
void sg_gojson_strn(sg_gojson *w, const char *s, size_t len);
void sg_gojson_int(sg_gojson *w, int64_t v);
void sg_gojson_null(sg_gojson *w);
void sg_gojson_bool(sg_gojson *w, int v);
/* Inserts already-encoded JSON verbatim as a value. */
void sg_gojson_raw(sg_gojson *w, const char *json, size_t len);

struct json_t;
/* Emits a jansson value the way Go marshals map[string]interface{}: object keys sorted
 * bytewise, Go string escaping, integers as integers, reals in Go's shortest form. */
void sg_gojson_value(sg_gojson *w, const struct json_t *v);

#endif
