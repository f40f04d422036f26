/* sigil policy check, and what sigil verify --policy prints (docs/policy.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "verify.h"
#include "cli.h"
#include "buf.h"
#include "manifest.h"
#include "policy.h"
#include "ref.h"
#include "store.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil policy check FILE...\n"
	"\n"
	"Checks verification policies (docs/policy.md): parses each FILE, loads every key it\n"
	"names, and prints what it says (rules, the images they match as normalised, keys,\n"
	"thresholds, attestations and their conditions) and its digest.\n"
	"Exit status: 0 every policy is valid, 2 one is not (its first problem is printed as\n"
	"FILE:LINE:COLUMN: what is wrong).\n";

/* Writes s with control and non-ASCII bytes as '?' (the policy's labels and the verdicts'
 * details may quote what a registry or a policy file said). */
static void put_clean(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?', f);
}

static int check_one(const char *path)
{
	sg_buf out = SG_BUF_INIT(16u << 20);
	sg_policy *p = NULL;
	sg_error e = { 0 };
	int rc = SG_EXIT_OK;

	if (sg_policy_load(&p, path, &e) < 0) {
		rc = sg_cli_fail("policy check", &e);
		goto done;
	}
	if (sg_policy_describe(&out, p) < 0) {
		fprintf(stderr, "sigil policy check: %s: description too large\n", path);
		rc = SG_EXIT_USAGE;
		goto done;
	}
	put_clean(stdout, path);
	fputs(": valid\n", stdout);
	fwrite(out.data, 1, out.len, stdout);
done:
	sg_buf_release(&out);
	sg_policy_free(p);
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	int i, one, rc = SG_EXIT_OK;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return SG_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fputs(usage, stderr);
		return SG_EXIT_USAGE;
	}
	if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		fputs(usage, stdout);
		return SG_EXIT_OK;
	}
	if (argc < 3) {
		fprintf(stderr, "sigil policy check: no policy file given (see --help)\n");
		return SG_EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "sigil policy check: unknown option %s (see --help)\n", argv[i]);
			return SG_EXIT_USAGE;
		}
	}
	for (i = 2; i < argc; i++) {
		one = check_one(argv[i]);
		rc = one > rc ? one : rc;
	}
	return rc;
}

/* ---- sigil verify --policy ---- */

static void print_text(const sg_policy_verdict *v)
{
	size_t i;

	put_clean(stdout, v->image);
	if (!v->rule)
		printf(": %s: no rule matches (default: %s)\n", v->allowed ? "allowed" : "DENIED",
		       v->allowed ? "allow" : "deny");
	else if (v->passed)
		printf(": allowed by rule %s", v->rule);
	else if (v->allowed)
		printf(": WARN: rule %s (warn mode) failed; allowed anyway", v->rule);
	else
		printf(": DENIED by rule %s", v->rule);
	if (v->rule)
		printf("%s%s%s\n", v->digest[0] ? " (" : "", v->digest, v->digest[0] ? ")" : "");
	for (i = 0; i < v->nreqs; i++) {
		fputs(v->reqs[i].ok ? "  ok    " : "  FAIL  ", stdout);
		put_clean(stdout, v->reqs[i].what);
		fputs(": ", stdout);
		put_clean(stdout, v->reqs[i].detail);
		fputc('\n', stdout);
	}
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* {"image","digest","rule","mode","passed","allowed","requirements":[{"what","ok",
 * "detail"}],"message"}; NULL when out of memory. */
static json_t *verdict_json(const sg_policy_verdict *v)
{
	json_t *o = json_object(), *reqs = json_array(), *r;
	size_t i;
	int err = !o || !reqs;

	for (i = 0; !err && i < v->nreqs; i++) {
		err |= !(r = json_object()) || json_array_append_new(reqs, r) < 0;
		if (!err) {
			err |= json_object_set_new(r, "what", json_string(v->reqs[i].what)) < 0;
			err |= json_object_set_new(r, "ok", json_boolean(v->reqs[i].ok)) < 0;
			err |= json_object_set_new(r, "detail", json_string(v->reqs[i].detail)) < 0;
		}
	}
	if (!err) {
		err |= json_object_set_new(o, "image", json_string(v->image)) < 0;
		err |= json_object_set_new(o, "digest", v->digest[0] ? json_string(v->digest)
								      : json_null()) < 0;
		err |= json_object_set_new(o, "rule", str_or_null(v->rule)) < 0;
		err |= json_object_set_new(o, "mode", json_string(v->mode == SG_MODE_WARN ? "warn"
											 : "enforce")) < 0;
		err |= json_object_set_new(o, "passed", json_boolean(v->passed)) < 0;
		err |= json_object_set_new(o, "allowed", json_boolean(v->allowed)) < 0;
		err |= json_object_set(o, "requirements", reqs) < 0;
		err |= json_object_set_new(o, "message", str_or_null(v->message)) < 0;
	}
	json_decref(reqs);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Resolves image for platform (an index's child) and evaluates that digest. */
static int evaluate_platform(sg_policy_verdict *v, const sg_policy *p, sg_ctx *ctx,
			     const char *image, const sg_platform *platform, sg_error *e)
{
	char digest[SG_DIGEST_MAX];
	sg_store *store;
	sg_ref *ref = NULL;
	int err;

	memset(v, 0, sizeof(*v));
	if ((err = sg_ref_parse(&ref, image, e)) < 0 || (err = sg_ctx_store(&store, ctx, ref, e)) < 0 ||
	    (err = sg_resolve_platform(digest, store, ref, platform, e)) < 0)
		goto done;
	err = sg_policy_evaluate_digest(v, p, ctx, image, digest, e);
done:
	sg_ref_free(ref);
	return err;
}

int verify_with_policy(const char *path, const sg_opts *opts, const sg_platform *platform,
		       int json, char **images, int nimages)
{
	sg_policy_verdict v = { 0 };
	sg_policy *p = NULL;
	sg_ctx *ctx = NULL;
	sg_error e = { 0 };
	json_t *all = NULL, *one;
	char *s;
	int i, rc = SG_EXIT_OK, err;

	if (sg_policy_load(&p, path, &e) < 0 || sg_ctx_new(&ctx, opts, &e) < 0) {
		rc = sg_cli_fail("verify", &e);
		goto done;
	}
	if (json && !(all = json_array())) {
		fprintf(stderr, "sigil verify: out of memory\n");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < nimages; i++) {
		sg_error_clear(&e);
		err = platform ? evaluate_platform(&v, p, ctx, images[i], platform, &e)
			       : sg_policy_evaluate(&v, p, ctx, images[i], &e);
		if (err < 0) {
			err = sg_cli_fail("verify", &e);
			rc = err > rc ? err : rc;
		} else if (json) {
			if (!(one = verdict_json(&v)) || json_array_append_new(all, one) < 0) {
				fprintf(stderr, "sigil verify: out of memory\n");
				rc = SG_EXIT_USAGE;
			}
		} else {
			print_text(&v);
		}
		if (err >= 0 && !v.allowed && rc < SG_EXIT_FAIL)
			rc = SG_EXIT_FAIL;
		sg_policy_verdict_release(&v);
	}
	if (json) {
		if (!(s = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
			fprintf(stderr, "sigil verify: out of memory\n");
			rc = SG_EXIT_USAGE;
			goto done;
		}
		puts(s);
		free(s);
	}
done:
	json_decref(all);
	sg_ctx_free(ctx);
	sg_policy_free(p);
	return rc;
}
