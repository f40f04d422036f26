#ifndef SIGIL_ATTEST_H
#define SIGIL_ATTEST_H
#include <stdio.h>
#include "keys.h"

struct sg_ctx;
struct sg_ref;
struct sg_error;
struct json_t;

/* One attestation to make: a predicate, signed with key, stored beside an image. */
typedef struct sg_attest_args {
	const sg_privkey *key;      /* borrowed */
	int bundle;                 /* 1: a sigstore bundle referrer; 0: the legacy .att tag */
	char hint[SG_KEY_HINT_MAX]; /* the bundle's key hint (sg_attest_args_init fills it) */
	const char *statement_type; /* an SG_INTOTO_STATEMENT_* URI */
	const char *predicate_type; /* a URI */
	const struct json_t *predicate; /* borrowed */
	int replace;                /* drop the .att tag's layers of the same predicate type */
	FILE *report;               /* "repo@digest" of each image attested; NULL: not printed */
} sg_attest_args;

/* Zeroes a, then sets key, bundle (and its key hint), statement v1 and report stdout; the
 * caller sets predicate_type and predicate. */
int sg_attest_args_init(sg_attest_args *a, const sg_privkey *key, int bundle,
			struct sg_error *e);
/* Wraps a->predicate in an in-toto statement about ref's manifest digest, signs it in a
 * DSSE envelope and stores it as cosign does (the .att tag, or a sigstore bundle v0.3
 * attached as an OCI 1.1 referrer when a->bundle); says where on stderr. */
int sg_attest_one(struct sg_ctx *ctx, const struct sg_ref *ref, const sg_attest_args *a,
		  struct sg_error *e);

int cmd_attest(int argc, char **argv);
int cmd_verify_attestation(int argc, char **argv);
int cmd_provenance(int argc, char **argv);
#endif
