#!/usr/bin/env bash
# Registry authentication: 401 without credentials, success with a docker config.json.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

htpasswd -Bbn alice s3cret > "$T/htpasswd"
start_registry "$T/htpasswd"
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
mkdir -p "$T/empty" "$T/good" "$T/bad"
export DOCKER_CONFIG="$T/empty"
auth=$(printf 'alice:s3cret' | base64)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$auth" > "$T/good/config.json"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf 'alice:wrong' | base64)" > "$T/bad/config.json"
d=$(REGISTRY_USER=alice REGISTRY_PASS=s3cret push_test_image secure v1)

expect_error 2 "401 without credentials" "401\|authentication" verify --key "$T/k.pub" "$REGISTRY/secure:v1"
DOCKER_CONFIG="$T/bad" expect_error 2 "rejected credentials" "auth\|401\|credentials" verify --key "$T/k.pub" "$REGISTRY/secure:v1"
DOCKER_CONFIG="$T/good" expect 0 "sign with config.json credentials" sign --key "$T/k.key" "$REGISTRY/secure:v1"
DOCKER_CONFIG="$T/good" expect 0 "verify with config.json credentials" verify --key "$T/k.pub" "$REGISTRY/secure@$d"
check "password not in any output" bash -c "! grep -q s3cret '$T/out' '$T/err'"
finish
