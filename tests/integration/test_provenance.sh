#!/usr/bin/env bash
# sigil provenance: SLSA provenance v1 predicates from a (fake) GitHub Actions or GitLab CI
# environment, the refusals, and the pipeline into attest / verify-attestation on a layout.
. "$(dirname "$0")/harness.sh"

# Whatever CI this test itself runs in must not leak into the fake ones.
clear_ci() {
	local v
	for v in $(compgen -e); do
		case $v in
		GITHUB_* | GITLAB_* | CI | CI_* | RUNNER_* | SOURCE_DATE_EPOCH) unset "$v" ;;
		esac
	done
}
SHA=0123456789abcdef0123456789abcdef01234567
github_env() {
	clear_ci
	export GITHUB_ACTIONS=true GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=octo/app
	export GITHUB_WORKFLOW_REF=octo/app/.github/workflows/release.yml@refs/tags/v1.2.3
	export GITHUB_REF=refs/tags/v1.2.3 GITHUB_SHA=$SHA GITHUB_RUN_ID=9876543210
	export GITHUB_RUN_ATTEMPT=2 GITHUB_EVENT_NAME=push GITHUB_REPOSITORY_ID=123456
	export GITHUB_REPOSITORY_OWNER_ID=7890 RUNNER_ENVIRONMENT=github-hosted
	export GITHUB_TOKEN=ghs_secret-token
}
gitlab_env() {
	clear_ci
	export GITLAB_CI=true CI=true CI_SERVER_URL=https://gitlab.example.com
	export CI_PROJECT_PATH=group/app CI_COMMIT_SHA=$SHA CI_JOB_NAME=build-image CI_JOB_ID=4242
	export CI_RUNNER_ID=17 CI_RUNNER_VERSION=17.2.0 CI_RUNNER_DESCRIPTION=shared-runner-1
	export CI_RUNNER_EXECUTABLE_ARCH=linux/amd64 CI_COMMIT_REF_NAME=main CI_COMMIT_BRANCH=main
	export CI_CONFIG_PATH=.gitlab-ci.yml CI_PIPELINE_SOURCE=push
	export CI_JOB_TOKEN=glcbt-secret-token CI_REGISTRY_PASSWORD=hunter2
}

# pred_is FILE PYTHON-EXPR: FILE is one line of sorted, compact JSON plus a newline, and
# parses to the value of the expression (with SHA bound).
pred_is() {
	"$PY" - "$1" "$2" "$SHA" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
got = json.loads(raw)
SHA = sys.argv[3]
want = eval(sys.argv[2])
assert got == want, "\n got %s\nwant %s" % (got, want)
assert raw == json.dumps(got, sort_keys=True, separators=(",", ":")).encode() + b"\n", raw
EOF
}

GH_WANT='{
 "buildDefinition": {
  "buildType": "https://actions.github.io/buildtypes/workflow/v1",
  "externalParameters": {"workflow": {"ref": "refs/tags/v1.2.3",
   "repository": "https://github.com/octo/app", "path": ".github/workflows/release.yml"}},
  "internalParameters": {"github": {"event_name": "push", "repository_id": "123456",
   "repository_owner_id": "7890", "runner_environment": "github-hosted"}},
  "resolvedDependencies": [{"uri": "git+https://github.com/octo/app@refs/tags/v1.2.3",
   "digest": {"gitCommit": SHA}}]},
 "runDetails": {
  "builder": {"id": "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.2.3"},
  "metadata": {"invocationId": "https://github.com/octo/app/actions/runs/9876543210/attempts/2"}}}'

GL_WANT='{
 "buildDefinition": {
  "buildType": "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/v17.2.0/PROVENANCE.md",
  "externalParameters": {"source": "https://gitlab.example.com/group/app",
   "entryPoint": "build-image", "variables": {"CI_COMMIT_REF_NAME": "main",
   "CI_COMMIT_BRANCH": "main", "CI_CONFIG_PATH": ".gitlab-ci.yml", "CI_PIPELINE_SOURCE": "push"}},
  "internalParameters": {"name": "shared-runner-1", "architecture": "linux/amd64", "job": "4242"},
  "resolvedDependencies": [{"uri": "git+https://gitlab.example.com/group/app@refs/heads/main",
   "digest": {"gitCommit": SHA}}]},
 "runDetails": {
  "builder": {"id": "https://gitlab.example.com/group/app/-/runners/17",
   "version": {"gitlab-runner": "v17.2.0"}},
  "metadata": {"invocationId": "https://gitlab.example.com/group/app/-/jobs/4242"}}}'

# --- no CI ---------------------------------------------------------------------------
clear_ci
expect_error 2 "no CI environment: exit 2, one line" "no CI environment found (GITHUB_ACTIONS or GITLAB_CI)" provenance
check "nothing on stdout" test ! -s "$T/out"
export GITHUB_ACTIONS=false GITLAB_CI=1
expect_error 2 "GITHUB_ACTIONS=false and GITLAB_CI=1 are not CI" "no CI environment found" provenance
clear_ci
expect_error 2 "unexpected argument" "unexpected argument" provenance IMAGE
expect_error 2 "unknown option" "unknown option" provenance --nope
expect 0 "--help" provenance --help
check "--help shows the pipeline" grep -q -- "--predicate - IMAGE" "$T/out"

# --- GitHub Actions ------------------------------------------------------------------
github_env
expect 0 "GitHub Actions" provenance
check "GitHub: the predicate attest-build-provenance writes, sorted and compact" pred_is "$T/out" "$GH_WANT"
check "GitHub: no token in the output" sh -c "! grep -q secret '$T/out'"
cp "$T/out" "$T/gh1.json"
expect 0 "GitHub again" provenance
check "GitHub: the same environment gives the same bytes" cmp -s "$T/out" "$T/gh1.json"
export SOURCE_DATE_EPOCH=1700000000
expect 0 "GitHub with SOURCE_DATE_EPOCH" provenance
check "SOURCE_DATE_EPOCH becomes metadata.startedOn" pred_is "$T/out" \
	"(lambda p: (p['runDetails']['metadata'].update(startedOn='2023-11-14T22:13:20Z'), p)[1])($GH_WANT)"
export SOURCE_DATE_EPOCH=yesterday
expect_error 2 "bad SOURCE_DATE_EPOCH" "SOURCE_DATE_EPOCH" provenance
unset SOURCE_DATE_EPOCH RUNNER_ENVIRONMENT
expect 0 "GitHub without RUNNER_ENVIRONMENT (older GitHub Enterprise)" provenance
check "runner_environment left out" pred_is "$T/out" \
	"(lambda p: (p['buildDefinition']['internalParameters']['github'].pop('runner_environment'), p)[1])($GH_WANT)"
github_env
expect 0 "--output FILE" provenance --output "$T/prov.json"
check "--output: nothing on stdout" test ! -s "$T/out"
check "--output: the file holds the same bytes" cmp -s "$T/prov.json" "$T/gh1.json"
for v in GITHUB_REPOSITORY GITHUB_SHA GITHUB_WORKFLOW_REF GITHUB_RUN_ID GITHUB_SERVER_URL; do
	github_env
	unset "$v"
	expect_error 2 "GitHub: $v unset names it" "GITHUB_ACTIONS=true but $v is not set" provenance --output "$T/missing.json"
	check "GitHub: $v unset writes nothing" test ! -e "$T/missing.json" -a ! -s "$T/out"
done
github_env
export GITHUB_SHA=abc123
expect_error 2 "GitHub: a short GITHUB_SHA" "GITHUB_SHA is not a commit id" provenance
export GITHUB_SHA=${SHA^^}
expect_error 2 "GitHub: an upper-case GITHUB_SHA" "GITHUB_SHA is not a commit id" provenance
github_env
export GITHUB_SHA=${SHA}${SHA:0:24}
expect 0 "GitHub: a SHA-256 repository's commit id (64 hex digits)" provenance
github_env
export GITHUB_RUN_ID=12x
expect_error 2 "GitHub: GITHUB_RUN_ID not a number" "GITHUB_RUN_ID is not a decimal number" provenance
github_env
export GITHUB_SERVER_URL=github.com
expect_error 2 "GitHub: GITHUB_SERVER_URL not a URL" "GITHUB_SERVER_URL is not an http" provenance
github_env
export GITHUB_WORKFLOW_REF=other/repo/.github/workflows/x.yml@refs/heads/main
expect_error 2 "GitHub: a workflow of another repository" "GITHUB_WORKFLOW_REF is not GITHUB_REPOSITORY/PATH@REF" provenance
export GITHUB_WORKFLOW_REF=octo/app/.github/workflows/x.yml
expect_error 2 "GitHub: a workflow ref without @REF" "GITHUB_WORKFLOW_REF" provenance
github_env
export GITHUB_EVENT_NAME=$'push\nforged: line'
expect_error 2 "GitHub: a control character in a value" "GITHUB_EVENT_NAME is not printable" provenance

# --- GitLab CI -----------------------------------------------------------------------
gitlab_env
expect 0 "GitLab CI" provenance
check "GitLab: the runner's SLSA v1 shape" pred_is "$T/out" "$GL_WANT"
check "GitLab: no job token or secret variable in the output" sh -c "! grep -qE 'secret|hunter2|CI_JOB_TOKEN' '$T/out'"
export CI_COMMIT_TAG=v2.0.0 CI_COMMIT_REF_NAME=v2.0.0
unset CI_COMMIT_BRANCH
expect 0 "GitLab: a tag pipeline" provenance
check "GitLab: a tag resolves refs/tags/" pred_is "$T/out" \
	"(lambda p: (p['buildDefinition']['resolvedDependencies'][0].update(uri='git+https://gitlab.example.com/group/app@refs/tags/v2.0.0'), p['buildDefinition']['externalParameters']['variables'].update(CI_COMMIT_TAG='v2.0.0', CI_COMMIT_REF_NAME='v2.0.0'), p['buildDefinition']['externalParameters']['variables'].pop('CI_COMMIT_BRANCH'), p)[-1])($GL_WANT)"
for v in CI_SERVER_URL CI_PROJECT_PATH CI_COMMIT_SHA CI_JOB_ID CI_RUNNER_ID CI_RUNNER_VERSION; do
	gitlab_env
	unset "$v"
	expect_error 2 "GitLab: $v unset names it" "GITLAB_CI=true but $v is not set" provenance
	check "GitLab: $v unset writes nothing" test ! -s "$T/out"
done
gitlab_env
export CI_RUNNER_ID=runner-17
expect_error 2 "GitLab: CI_RUNNER_ID not a number" "CI_RUNNER_ID is not a decimal number" provenance
gitlab_env
export GITHUB_ACTIONS=true
expect_error 2 "GitHub Actions wins when both are set (and its variables are missing)" "GITHUB_ACTIONS=true but" provenance

# --- a build outside CI --------------------------------------------------------------
clear_ci
expect 0 "local build: --builder-id --build-type --source --commit" provenance \
	--builder-id https://example.com/builder --build-type https://example.com/build/v1 \
	--source git+https://example.com/app@refs/heads/main --commit "$SHA"
check "local build: the predicate" pred_is "$T/out" '{
 "buildDefinition": {"buildType": "https://example.com/build/v1",
  "externalParameters": {"source": "git+https://example.com/app@refs/heads/main"},
  "resolvedDependencies": [{"uri": "git+https://example.com/app@refs/heads/main",
   "digest": {"gitCommit": SHA}}]},
 "runDetails": {"builder": {"id": "https://example.com/builder"}}}'
expect 0 "local build: --builder-id --build-type only" provenance --builder-id me --build-type https://example.com/build/v1
check "local build: the minimal predicate" pred_is "$T/out" '{
 "buildDefinition": {"buildType": "https://example.com/build/v1", "externalParameters": {}},
 "runDetails": {"builder": {"id": "me"}}}'
expect_error 2 "--builder-id without --build-type" "go together" provenance --builder-id me
expect_error 2 "--source without --builder-id" "give --builder-id and --build-type" provenance --source git+https://x/y
expect_error 2 "--commit without --source" "--commit needs --source" provenance --builder-id me --build-type https://e/t --commit "$SHA"
expect_error 2 "--commit that is not a commit id" "--commit is not a commit id" provenance --builder-id me --build-type https://e/t --source x --commit main

# --- the pipeline: provenance | attest --predicate - ; verify-attestation ---------------
d=$("$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" v1)
export COSIGN_PASSWORD="$(cat "$ROOT/keys-example/PASSWORD")"
github_env
export SOURCE_DATE_EPOCH=1700000000
set +e
"$SIGIL" provenance > "$T/pred.json" &&
	"$SIGIL" provenance | "$SIGIL" attest --key "$ROOT/keys-example/cosign.key" \
		--type slsaprovenance1 --predicate - "oci:$T/img:v1" > "$T/out" 2> "$T/err"
RC=$?
set -e
if [ "$RC" -eq 0 ]; then pass "sigil provenance | sigil attest --predicate -"; else fail "sigil provenance | sigil attest --predicate -"; fi
clear_ci
expect 0 "verify-attestation --type slsaprovenance1 on the layout" \
	verify-attestation --key "$ROOT/keys-example/cosign.pub" --type slsaprovenance1 "oci:$T/img:v1"
check "one envelope" test "$(wc -l < "$T/out")" -eq 1
signed_is_printed() {
	"$PY" - "$T/out" "$T/pred.json" "$d" <<'EOF'
import base64, json, sys
env = json.loads(open(sys.argv[1]).readline())
st = json.loads(base64.b64decode(env["payload"]))
printed = json.load(open(sys.argv[2]))
assert st["predicateType"] == "https://slsa.dev/provenance/v1", st["predicateType"]
assert st["subject"][0]["digest"] == {"sha256": sys.argv[3].split(":")[1]}, st["subject"]
# attest renames cosign's invocationID to invocationId; provenance already writes the latter
md = printed["runDetails"]["metadata"]
if "invocationID" in md:
    md["invocationId"] = md.pop("invocationID")
assert st["predicate"] == printed, "\nsigned  %s\nprinted %s" % (st["predicate"], printed)
assert st["predicate"]["runDetails"]["metadata"]["startedOn"] == "2023-11-14T22:13:20Z"
EOF
}
check "the signed statement's predicate is what provenance printed" signed_is_printed
finish
