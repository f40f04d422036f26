/* sigil provenance: a SLSA provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance)
 * describing the CI job it runs in, to be signed with
 *   sigil provenance | sigil attest --key KEY --type slsaprovenance1 --predicate - IMAGE
 *
 * GitHub Actions: the shape actions/attest-build-provenance writes (buildType
 * https://actions.github.io/buildtypes/workflow/v1), read from the job's environment where
 * GitHub reads its OIDC token's claims. GitLab CI: the shape gitlab-runner's artifact
 * provenance (RUNNER_GENERATE_ARTIFACTS_METADATA) has. Either way the values are what the
 * pipeline says about itself; the key that signs the attestation is what vouches for them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "attest.h"
#include "buf.h"
#include "cli.h"
#include "gojson.h"
#include "intoto.h"
#include "banned.h"

#define GH_BUILD_TYPE "https://actions.github.io/buildtypes/workflow/v1"
#define GL_BUILD_TYPE "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/%s/PROVENANCE.md"

static const char provenance_usage[] =
	"usage: sigil provenance [--output FILE]\n"
	"       sigil provenance --builder-id ID --build-type URI [--source URI [--commit SHA]]\n"
	"                        [--output FILE]\n"
	"\n"
	"Prints a SLSA provenance v1 predicate describing the CI job it runs in, for\n"
	"  sigil provenance | sigil attest --key KEY --type slsaprovenance1 --predicate - IMAGE\n"
	"(the key's password then comes from COSIGN_PASSWORD). In GitHub Actions\n"
	"(GITHUB_ACTIONS=true) it has the shape actions/attest-build-provenance writes; in GitLab CI\n"
	"(GITLAB_CI=true) the shape of gitlab-runner's artifact provenance. The values come from the\n"
	"job's environment: they are what the pipeline says about itself, vouched for by the key\n"
	"that signs them. The same environment gives the same bytes (keys sorted); SOURCE_DATE_EPOCH,\n"
	"if set, becomes runDetails.metadata.startedOn. Exit status: 0 written, 2 no CI found, a\n"
	"variable missing or malformed, or a usage error (nothing is written then).\n"
	"\n"
	"  -o, --output FILE              write to FILE (atomically) instead of stdout\n"
	"      --builder-id ID            describe a build outside CI: runDetails.builder.id\n"
	"      --build-type URI           and buildDefinition.buildType (both required)\n"
	"      --source URI               what it was built from, e.g. git+https://host/repo@ref\n"
	"      --commit SHA               the source's commit (40 or 64 hex digits; needs --source)\n";

/* What an environment variable (or option) must look like. */
enum kind { TEXT, URL, COMMIT, NUMBER };
static const char *const kind_name[] = {
	[TEXT] = "printable UTF-8 text",
	[URL] = "an http:// or https:// URL",
	[COMMIT] = "a commit id (40 or 64 lowercase hex digits)",
	[NUMBER] = "a decimal number",
};

struct var {
	const char *name;
	enum kind kind;
	int required;
};

static int all_of(const char *s, const char *set)
{
	return *s && s[strspn(s, set)] == '\0';
}

static int valid(const char *s, enum kind kind)
{
	const unsigned char *p;
	json_t *utf8;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	if (!(utf8 = json_string(s)))
		return 0;
	json_decref(utf8);
	switch (kind) {
	case URL:
		return (!strncmp(s, "https://", 8) && s[8]) || (!strncmp(s, "http://", 7) && s[7]);
	case COMMIT:
		return (strlen(s) == 40 || strlen(s) == 64) && all_of(s, "0123456789abcdef");
	case NUMBER:
		return strlen(s) <= 20 && all_of(s, "0123456789");
	case TEXT:
		break;
	}
	return *s != '\0';
}

static int invalid(sg_error *e, const char *what, const char *value, enum kind kind)
{
	char shown[80];

	return sg_err(e, SG_EINVALID, "%s is not %s: \"%s\"", what, kind_name[kind],
		      sg_printable(shown, sizeof(shown), value));
}

/* Reads n variables into vals (borrowed from the environment; NULL if unset and optional).
 * An empty variable counts as unset. ci says which CI was detected, for the message. */
static int read_vars(const char **vals, const struct var *vars, size_t n, const char *ci,
		     sg_error *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *v = getenv(vars[i].name);

		vals[i] = NULL;
		if (!v || !*v) {
			if (vars[i].required)
				return sg_err(e, SG_EINVALID, "%s but %s is not set", ci, vars[i].name);
			continue;
		}
		if (!valid(v, vars[i].kind))
			return invalid(e, vars[i].name, v, vars[i].kind);
		vals[i] = v;
	}
	return 0;
}

/* RFC 3339 UTC from SOURCE_DATE_EPOCH; "" when unset, so that the output stays the same. */
static int started_on(char out[32], sg_error *e)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct tm tm;
	long long v;
	char *end;
	time_t t;

	out[0] = '\0';
	if (!sde || !*sde)
		return 0;
	errno = 0;
	v = strtoll(sde, &end, 10);
	if (errno || *end || v < 0 || v > 253402300799LL || !all_of(sde, "0123456789"))
		return sg_err(e, SG_EINVALID, "SOURCE_DATE_EPOCH \"%.32s\" is not a number of seconds "
			      "since 1970 (up to year 9999)", sde);
	t = (time_t)v;
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return sg_err(e, SG_ERROR, "cannot format the time");
	return 0;
}

/* The predicate around its parts (new, or NULL on failure). Steals ext, internal, deps and
 * builder whatever happens; internal, deps, invocation and started may be NULL (left out). */
static json_t *predicate_new(const char *build_type, json_t *ext, json_t *internal,
			     json_t *deps, json_t *builder, const char *invocation,
			     const char *started)
{
	json_t *md = json_object();
	int bad = !md || !ext || !builder ||
		  (invocation && json_object_set_new(md, "invocationId", json_string(invocation))) ||
		  (started && json_object_set_new(md, "startedOn", json_string(started)));

	if (bad || json_object_size(md) == 0) {
		json_decref(md);
		md = NULL;
	}
	if (bad) {
		json_decref(ext);
		json_decref(internal);
		json_decref(deps);
		json_decref(builder);
		return NULL;
	}
	/* jansson releases the values given to "o" when packing fails */
	return json_pack("{s:{s:s,s:o,s:o*,s:o*},s:{s:o,s:o*}}",
			 "buildDefinition", "buildType", build_type, "externalParameters", ext,
			 "internalParameters", internal, "resolvedDependencies", deps,
			 "runDetails", "builder", builder, "metadata", md);
}

/* --- GitHub Actions ----------------------------------------------------------------- */

enum {
	GH_SERVER, GH_REPO, GH_WORKFLOW_REF, GH_REF, GH_SHA, GH_RUN_ID, GH_ATTEMPT, GH_EVENT,
	GH_REPO_ID, GH_OWNER_ID, GH_RUNNER_ENV, GH_N
};
static const struct var gh_vars[GH_N] = {
	[GH_SERVER] = { "GITHUB_SERVER_URL", URL, 1 },
	[GH_REPO] = { "GITHUB_REPOSITORY", TEXT, 1 },
	[GH_WORKFLOW_REF] = { "GITHUB_WORKFLOW_REF", TEXT, 1 },
	[GH_REF] = { "GITHUB_REF", TEXT, 1 },
	[GH_SHA] = { "GITHUB_SHA", COMMIT, 1 },
	[GH_RUN_ID] = { "GITHUB_RUN_ID", NUMBER, 1 },
	[GH_ATTEMPT] = { "GITHUB_RUN_ATTEMPT", NUMBER, 1 },
	[GH_EVENT] = { "GITHUB_EVENT_NAME", TEXT, 1 },
	[GH_REPO_ID] = { "GITHUB_REPOSITORY_ID", NUMBER, 1 },
	[GH_OWNER_ID] = { "GITHUB_REPOSITORY_OWNER_ID", NUMBER, 1 },
	[GH_RUNNER_ENV] = { "RUNNER_ENVIRONMENT", TEXT, 0 }, /* not on older GitHub Enterprise */
};

/* "owner/repo/.github/workflows/x.yml@refs/heads/main" -> *path (new), *ref (borrowed). */
static int split_workflow_ref(char **path, const char **ref, const char *wref, const char *repo,
			      sg_error *e)
{
	size_t n = strlen(repo);
	const char *rest, *at = NULL;

	*path = NULL;
	rest = !strncmp(wref, repo, n) && wref[n] == '/' ? wref + n + 1 : NULL;
	if (!rest || !(at = strchr(rest, '@')) || at == rest || !at[1])
		return sg_err(e, SG_EINVALID, "GITHUB_WORKFLOW_REF is not "
			      "GITHUB_REPOSITORY/PATH@REF: \"%.200s\"", wref);
	if (!(*path = strndup(rest, (size_t)(at - rest))))
		return sg_err(e, SG_ERROR, "out of memory");
	*ref = at + 1;
	return 0;
}

/* The builder is the workflow: GitHub names it by the token's job_workflow_ref, which the
 * environment does not carry; GITHUB_WORKFLOW_REF is the same unless the job runs a reusable
 * workflow (then it names the caller). */
static int github_predicate(json_t **out, const char *started, sg_error *e)
{
	const char *v[GH_N], *wf_ref = NULL;
	char *path = NULL, *repo_url = NULL, *dep = NULL, *builder = NULL, *inv = NULL;
	json_t *internal = NULL, *deps = NULL;
	int err;

	*out = NULL;
	if ((err = read_vars(v, gh_vars, GH_N, "GITHUB_ACTIONS=true", e)) < 0 ||
	    (err = split_workflow_ref(&path, &wf_ref, v[GH_WORKFLOW_REF], v[GH_REPO], e)) < 0)
		goto done;
	repo_url = sg_strprintf("%s/%s", v[GH_SERVER], v[GH_REPO]);
	dep = sg_strprintf("git+%s/%s@%s", v[GH_SERVER], v[GH_REPO], v[GH_REF]);
	builder = sg_strprintf("%s/%s", v[GH_SERVER], v[GH_WORKFLOW_REF]);
	inv = sg_strprintf("%s/%s/actions/runs/%s/attempts/%s", v[GH_SERVER], v[GH_REPO],
			   v[GH_RUN_ID], v[GH_ATTEMPT]);
	if (!repo_url || !dep || !builder || !inv) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	internal = json_pack("{s:{s:s,s:s,s:s,s:s*}}", "github", "event_name", v[GH_EVENT],
			     "repository_id", v[GH_REPO_ID], "repository_owner_id", v[GH_OWNER_ID],
			     "runner_environment", v[GH_RUNNER_ENV]);
	deps = json_pack("[{s:s,s:{s:s}}]", "uri", dep, "digest", "gitCommit", v[GH_SHA]);
	if (!internal || !deps) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	*out = predicate_new(GH_BUILD_TYPE,
			     json_pack("{s:{s:s,s:s,s:s}}", "workflow", "ref", wf_ref,
				       "repository", repo_url, "path", path),
			     internal, deps, json_pack("{s:s}", "id", builder), inv, started);
	internal = deps = NULL;
	if (!*out)
		err = sg_err(e, SG_ERROR, "out of memory");
done:
	json_decref(internal);
	json_decref(deps);
	free(path);
	free(repo_url);
	free(dep);
	free(builder);
	free(inv);
	return err;
}

/* --- GitLab CI ---------------------------------------------------------------------- */

enum {
	GL_SERVER, GL_PROJECT, GL_SHA, GL_JOB_NAME, GL_JOB_ID, GL_RUNNER_ID, GL_RUNNER_VERSION,
	GL_RUNNER_NAME, GL_RUNNER_ARCH,
	/* the variables that say which source and entry point ran, recorded with their values */
	GL_REF_NAME, GL_BRANCH, GL_TAG, GL_CONFIG_PATH, GL_PIPELINE_SOURCE, GL_N
};
static const struct var gl_vars[GL_N] = {
	[GL_SERVER] = { "CI_SERVER_URL", URL, 1 },
	[GL_PROJECT] = { "CI_PROJECT_PATH", TEXT, 1 },
	[GL_SHA] = { "CI_COMMIT_SHA", COMMIT, 1 },
	[GL_JOB_NAME] = { "CI_JOB_NAME", TEXT, 1 },
	[GL_JOB_ID] = { "CI_JOB_ID", NUMBER, 1 },
	[GL_RUNNER_ID] = { "CI_RUNNER_ID", NUMBER, 1 },
	[GL_RUNNER_VERSION] = { "CI_RUNNER_VERSION", TEXT, 1 },
	[GL_RUNNER_NAME] = { "CI_RUNNER_DESCRIPTION", TEXT, 0 },
	[GL_RUNNER_ARCH] = { "CI_RUNNER_EXECUTABLE_ARCH", TEXT, 0 },
	[GL_REF_NAME] = { "CI_COMMIT_REF_NAME", TEXT, 0 },
	[GL_BRANCH] = { "CI_COMMIT_BRANCH", TEXT, 0 },
	[GL_TAG] = { "CI_COMMIT_TAG", TEXT, 0 },
	[GL_CONFIG_PATH] = { "CI_CONFIG_PATH", TEXT, 0 },
	[GL_PIPELINE_SOURCE] = { "CI_PIPELINE_SOURCE", TEXT, 0 },
};

/* Only the listed variables, never the whole environment: a job's variables hold secrets. */
static json_t *gl_variables(const char *const *v)
{
	json_t *o = json_object();
	int i;

	for (i = GL_REF_NAME; o && i < GL_N; i++)
		if (v[i] && json_object_set_new(o, gl_vars[i].name, json_string(v[i])) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* Unlike the runner, the source is a git+URL@ref resolved to a gitCommit digest (the runner
 * files the commit id under "sha256"), and the invocation is the job's URL, not its bare id. */
static int gitlab_predicate(json_t **out, const char *started, sg_error *e)
{
	const char *v[GL_N];
	char *project = NULL, *dep = NULL, *builder = NULL, *inv = NULL, *version = NULL;
	char *type = NULL;
	json_t *internal = NULL, *deps = NULL;
	int err;

	*out = NULL;
	if ((err = read_vars(v, gl_vars, GL_N, "GITLAB_CI=true", e)) < 0)
		goto done;
	project = sg_strprintf("%s/%s", v[GL_SERVER], v[GL_PROJECT]);
	if (v[GL_TAG])
		dep = sg_strprintf("git+%s/%s@refs/tags/%s", v[GL_SERVER], v[GL_PROJECT], v[GL_TAG]);
	else if (v[GL_BRANCH])
		dep = sg_strprintf("git+%s/%s@refs/heads/%s", v[GL_SERVER], v[GL_PROJECT],
				   v[GL_BRANCH]);
	else
		dep = sg_strprintf("git+%s/%s", v[GL_SERVER], v[GL_PROJECT]);
	builder = sg_strprintf("%s/%s/-/runners/%s", v[GL_SERVER], v[GL_PROJECT], v[GL_RUNNER_ID]);
	inv = sg_strprintf("%s/%s/-/jobs/%s", v[GL_SERVER], v[GL_PROJECT], v[GL_JOB_ID]);
	/* the runner's release tags are vX.Y.Z; CI_RUNNER_VERSION is X.Y.Z */
	version = sg_strprintf("%s%s", v[GL_RUNNER_VERSION][0] == 'v' ? "" : "v",
			       v[GL_RUNNER_VERSION]);
	type = version ? sg_strprintf(GL_BUILD_TYPE, version) : NULL;
	if (!project || !dep || !builder || !inv || !type) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	internal = json_pack("{s:s*,s:s*,s:s}", "name", v[GL_RUNNER_NAME], "architecture",
			     v[GL_RUNNER_ARCH], "job", v[GL_JOB_ID]);
	deps = json_pack("[{s:s,s:{s:s}}]", "uri", dep, "digest", "gitCommit", v[GL_SHA]);
	if (!internal || !deps) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	*out = predicate_new(type,
			     json_pack("{s:s,s:s,s:o}", "source", project, "entryPoint",
				       v[GL_JOB_NAME], "variables", gl_variables(v)),
			     internal, deps,
			     json_pack("{s:s,s:{s:s}}", "id", builder, "version", "gitlab-runner",
				       version),
			     inv, started);
	internal = deps = NULL;
	if (!*out)
		err = sg_err(e, SG_ERROR, "out of memory");
done:
	json_decref(internal);
	json_decref(deps);
	free(project);
	free(dep);
	free(builder);
	free(inv);
	free(version);
	free(type);
	return err;
}

/* --- a build outside CI ------------------------------------------------------------- */

struct local {
	const char *builder_id, *build_type, *source, *commit;
};

static int local_predicate(json_t **out, const struct local *l, const char *started,
			   sg_error *e)
{
	json_t *deps = NULL;

	*out = NULL;
	if (!valid(l->builder_id, TEXT))
		return invalid(e, "--builder-id", l->builder_id, TEXT);
	if (!valid(l->build_type, TEXT) || !strchr(l->build_type, ':'))
		return sg_err(e, SG_EINVALID, "--build-type must be a URI");
	if (l->source && !valid(l->source, TEXT))
		return invalid(e, "--source", l->source, TEXT);
	if (l->commit && !valid(l->commit, COMMIT))
		return invalid(e, "--commit", l->commit, COMMIT);
	if (l->source && !(deps = l->commit ? json_pack("[{s:s,s:{s:s}}]", "uri", l->source,
							"digest", "gitCommit", l->commit)
					    : json_pack("[{s:s}]", "uri", l->source)))
		return sg_err(e, SG_ERROR, "out of memory");
	if (!(*out = predicate_new(l->build_type, json_pack("{s:s*}", "source", l->source), NULL,
				   deps, json_pack("{s:s}", "id", l->builder_id), NULL, started)))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

/* --- the command -------------------------------------------------------------------- */

static int env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && !strcmp(v, value);
}

/* Sorted keys, no whitespace, a final newline: the same environment gives the same bytes. */
static int serialise(sg_buf *out, const json_t *pred, sg_error *e)
{
	sg_gojson w;

	sg_gojson_init(&w, out);
	sg_gojson_value(&w, pred);
	if (w.err || sg_buf_puts(out, "\n") < 0)
		return sg_err(e, SG_ERROR, "cannot serialise the predicate");
	return 0;
}

static int emit(const sg_buf *doc, const char *output, sg_error *e)
{
	if (output && strcmp(output, "-") != 0)
		return sg_write_file(output, doc->data, doc->len, 0644, 0, e);
	if (fwrite(doc->data, 1, doc->len, stdout) != doc->len || fflush(stdout) != 0)
		return sg_err(e, SG_EIO, "writing to stdout: %s", strerror(errno));
	return 0;
}

/* The option combinations that make sense: a local build is all flags, CI is none. */
static int check_local(const struct local *l, sg_error *e)
{
	if (!l->builder_id != !l->build_type)
		return sg_err(e, SG_EINVALID, "--builder-id and --build-type go together");
	if ((l->source || l->commit) && !l->builder_id)
		return sg_err(e, SG_EINVALID, "--source and --commit describe a build outside CI: "
			      "give --builder-id and --build-type too");
	if (l->commit && !l->source)
		return sg_err(e, SG_EINVALID, "--commit needs --source");
	return 0;
}

int cmd_provenance(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "builder-id", required_argument, NULL, 'b' },
		{ "build-type", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 's' },
		{ "commit", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sg_buf doc = SG_BUF_INIT(SG_MAX_PREDICATE);
	struct local l = { NULL, NULL, NULL, NULL };
	const char *output = NULL;
	char started[32];
	sg_error e = { 0 };
	json_t *pred = NULL;
	int c, err, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'b': l.builder_id = optarg; break;
		case 't': l.build_type = optarg; break;
		case 's': l.source = optarg; break;
		case 'c': l.commit = optarg; break;
		case 'h': fputs(provenance_usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("provenance", argv, c);
			goto done;
		}
	}
	if (optind < argc)
		sg_err(&e, SG_EINVALID, "unexpected argument \"%.64s\" (see --help)", argv[optind]);
	if (e.code || check_local(&l, &e) < 0 || started_on(started, &e) < 0) {
		rc = sg_cli_fail("provenance", &e);
		goto done;
	}
	if (l.builder_id)
		err = local_predicate(&pred, &l, started[0] ? started : NULL, &e);
	else if (env_is("GITHUB_ACTIONS", "true"))
		err = github_predicate(&pred, started[0] ? started : NULL, &e);
	else if (env_is("GITLAB_CI", "true"))
		err = gitlab_predicate(&pred, started[0] ? started : NULL, &e);
	else
		err = sg_err(&e, SG_ENOTFOUND, "no CI environment found (GITHUB_ACTIONS or "
			     "GITLAB_CI); give --builder-id and --build-type to describe a local "
			     "build");
	if (err < 0 || serialise(&doc, pred, &e) < 0 || emit(&doc, output, &e) < 0)
		rc = sg_cli_fail("provenance", &e);
done:
	json_decref(pred);
	sg_buf_release(&doc);
	return rc;
}
