#ifndef SIGIL_INTOTO_H
#define SIGIL_INTOTO_H
#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "payload.h"

struct sg_error;
struct json_t;

/* in-toto Statements as cosign writes and reads them (formats.md §2.3, §2.4). */
#define SG_INTOTO_STATEMENT_V1  "https://in-toto.io/Statement/v1"
#define SG_INTOTO_STATEMENT_V01 "https://in-toto.io/Statement/v0.1"
#define SG_PREDICATE_CUSTOM     "https://cosign.sigstore.dev/attestation/v1"
#define SG_MAX_PREDICATE        (32u << 20)

/* cosign's --type: a name (custom, slsaprovenance, slsaprovenance02, slsaprovenance1, spdx,
 * spdxjson, cyclonedx, link, vuln, openvex) gives its predicateType URI; anything else is
 * used verbatim if it is an absolute URI (scheme ":" rest, no spaces or control characters).
 * Returns a static string or type itself (borrowed), NULL if neither. */
const char *sg_predicate_type_uri(const char *type);

/* Turns the predicate file's bytes into the statement's predicate, as cosign does for
 * --type (type is the --type argument, name the file, for messages):
 *   custom (or its URI): {"Data": <the file as a string>, "Timestamp": <now, UTC RFC 3339>}
 *                        (the file must still be JSON: sigil takes no free-form predicates);
 *   spdx:                the file as a JSON string (SPDX tag-value text; UTF-8, no NUL);
 *   link:                a JSON object with the fields of an in-toto link;
 *   slsaprovenance1:     a JSON object; runDetails.metadata.invocationID is renamed
 *                        invocationId (cosign does the same);
 *   anything else:       a JSON object, embedded as parsed.
 * Numbers are read as doubles (Go's interface{} / protobuf Struct do the same). *out is a
 * new jansson reference. SG_EINVALID with one line naming the file on bad input. */
int sg_predicate_load(struct json_t **out, const char *type, const void *data, size_t len,
		      const char *name, time_t now, struct sg_error *e);

/* Builds the statement bytes (Go JSON, cosign v3's field order):
 * {"_type":T,"subject":[{"name":N,"digest":{"<alg>":"<hex>"}}],"predicateType":P,
 *  "predicate":<predicate, object keys sorted>}
 * digest is "sha256:<hex>"; statement_type one of the SG_INTOTO_STATEMENT_* URIs. */
int sg_intoto_build(sg_buf *out, const char *statement_type, const char *subject_name,
		    const char *digest, const char *predicate_type,
		    const struct json_t *predicate, struct sg_error *e);

/* The same with the subject's name omitted when NULL and its annotations (an object of
 * strings, written with sorted keys) when not NULL: cosign v3's `sign` statement is
 * {"_type":v1,"subject":[{"digest":{..},"annotations":{..}}],
 *  "predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}. */
int sg_intoto_build_ann(sg_buf *out, const char *statement_type, const char *subject_name,
			const char *digest, const struct json_t *annotations,
			const char *predicate_type, const struct json_t *predicate,
			struct sg_error *e);

typedef struct sg_intoto_subject {
	char *name;      /* NULL when absent (optional in v1) */
	sg_kv *digests;  /* algorithm -> hex, as given */
	size_t ndigests;
	struct json_t *annotations; /* owned; NULL when absent (values not checked) */
} sg_intoto_subject;

typedef struct sg_intoto {
	char *type;            /* _type: one of the SG_INTOTO_STATEMENT_* URIs */
	char *predicate_type;
	sg_intoto_subject *subjects; /* at least one */
	size_t nsubjects;
	struct json_t *predicate;    /* owned; NULL when absent or null */
} sg_intoto;

/* Parses a statement strictly: duplicate keys rejected, _type v0.1 or v1, a non-empty
 * subject array of objects whose digest is a non-empty object of strings (name a string
 * when present), predicateType a non-empty string. Unknown keys are ignored. */
int sg_intoto_parse(sg_intoto **out, const void *data, size_t len, struct sg_error *e);
void sg_intoto_free(sg_intoto *s);
/* 1 if some subject's digest for digest's algorithm ("sha256:<hex>") equals its hex. */
int sg_intoto_has_digest(const sg_intoto *s, const char *digest);

#endif
