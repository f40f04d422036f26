#ifndef SIGIL_POLICY_H
#define SIGIL_POLICY_H
/* Verification policies (docs/policy.md): YAML rules matched by image glob, in order, each
 * with authorities (public keys, threshold N of them), required attestations with simple
 * checks on their predicates, and enforce/warn mode; images no rule matches get `default`
 * (deny unless said). A policy is parsed completely or not at all: a bad one never loads
 * half-way, and every problem names its line and column. */
#include <stddef.h>
#include "digest.h"
struct sg_error;
struct sg_ctx;

typedef struct sg_policy sg_policy;

/* Parses the policy in data (name for messages; key files are resolved relative to basedir,
 * NULL: the current directory). Keys are loaded (and checked) here, so evaluation never
 * reads files. SG_EINVALID with "NAME:LINE:COL: what is wrong" on a bad policy. */
int sg_policy_parse(sg_policy **out, const void *data, size_t len, const char *name,
		    const char *basedir, struct sg_error *e);
/* Reads and parses a policy file (its directory is the basedir). */
int sg_policy_load(sg_policy **out, const char *path, struct sg_error *e);
void sg_policy_free(sg_policy *p);
/* A digest of everything that decides a verdict: the policy bytes and every key's public
 * key. Caches key verification results with it. */
const char *sg_policy_digest(const sg_policy *p);
/* Number of rules, and a rule's name (for `policy check`'s summary). */
size_t sg_policy_nrules(const sg_policy *p);
const char *sg_policy_rule_name(const sg_policy *p, size_t i);
/* Appends what the policy says, a few lines per rule (images as normalised, keys,
 * threshold, attestations and their conditions) and its digest, for `policy check`.
 * SG_ETOOBIG when out's cap is reached. */
struct sg_buf;
int sg_policy_describe(struct sg_buf *out, const sg_policy *p);

typedef enum { SG_MODE_ENFORCE = 0, SG_MODE_WARN = 1 } sg_policy_mode;

/* One requirement's outcome: "signature: 2 of 2 keys (threshold 2)", "attestation
 * https://slsa.dev/provenance/v1: /predicate/builder/id matches https://github.com/org/...". */
typedef struct sg_policy_req {
	char *what;      /* the requirement */
	int ok;
	char *detail;    /* why it failed, or what satisfied it */
} sg_policy_req;

typedef struct sg_policy_verdict {
	char *image;                 /* as given */
	char digest[SG_DIGEST_MAX];  /* resolved ("" when resolution failed) */
	char *rule;                  /* matched rule name; NULL: the default applied */
	sg_policy_mode mode;
	int passed;                  /* every requirement met */
	int allowed;                 /* passed, or failed in warn mode, or default allow */
	sg_policy_req *reqs;
	size_t nreqs;
	char *message;               /* one line: why it was denied or warned; NULL if passed */
} sg_policy_verdict;

/* Decides one image (a reference as typed, resolved through ctx). Never fails open: a
 * registry that cannot be reached, a key that does not verify, a missing attestation all give
 * passed = 0 with the reason in message (and allowed = 0 unless the rule is warn mode).
 * Returns <0 only for out of memory or a malformed reference (then nothing is allowed). */
int sg_policy_evaluate(sg_policy_verdict *out, const sg_policy *p, struct sg_ctx *ctx,
		       const char *image, struct sg_error *e);
/* The same for an image already resolved to digest (what the admission cache uses). */
int sg_policy_evaluate_digest(sg_policy_verdict *out, const sg_policy *p, struct sg_ctx *ctx,
			      const char *image, const char *digest, struct sg_error *e);
void sg_policy_verdict_release(sg_policy_verdict *v);
#endif
