#!/usr/bin/env bash
# sign / verify against Debian's docker-registry on a free loopback port.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/k2" 2>/dev/null
"$SIGIL" generate-key-pair --algorithm ed25519 --output-key-prefix "$T/ed" 2>/dev/null

d1=$(push_test_image app v1)
d2=$(push_test_image other v1)
REPO="$REGISTRY/app"
sigtag="sha256-${d1#sha256:}.sig"

expect_error 1 "unsigned image fails" "no signatures found" verify --key "$T/k.pub" "$REPO:v1"

expect 0 "sign by tag" sign --key "$T/k.key" "$REPO:v1"
check "sign prints repo@digest" grep -qx "$REPO@$d1" "$T/out"
expect 0 "verify by tag" verify --key "$T/k.pub" "$REPO:v1"
check "verify prints the payload naming the digest" grep -q "\"docker-manifest-digest\":\"$d1\"" "$T/out"
check "payload identity is the repository" grep -q "\"docker-reference\":\"$REPO\"" "$T/out"
check "human header on stderr" grep -q "Verification for $REPO:v1 --" "$T/err"
expect 0 "verify by digest" verify --key "$T/k.pub" "$REPO@$d1"
expect 0 "verify text output" verify --key "$T/k.pub" --output text "$REPO:v1"
check "text output is one payload line" test "$(wc -l < "$T/out")" -eq 1

expect 1 "wrong key fails" verify --key "$T/k2.pub" "$REPO:v1"

expect 0 "second key signs by digest" sign --key "$T/k2.key" "$REPO@$d1"
expect 0 "first key still verifies" verify --key "$T/k.pub" "$REPO:v1"
expect 0 "second key verifies" verify --key "$T/k2.pub" "$REPO:v1"
expect 0 "ed25519 key signs" sign --key "$T/ed.key" "$REPO:v1"
expect 0 "ed25519 key verifies" verify --key "$T/ed.pub" "$REPO:v1"
layers() { "$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" app "$sigtag" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))'; }
check "three signatures, three layers" test "$(layers)" -eq 3
expect 0 "signing again with the same key" sign --key "$T/k.key" "$REPO:v1"
check "identical signature not duplicated" test "$(layers)" -eq 3

expect 0 "sign with annotations" sign --key "$T/k.key" -a env=prod -a team=core "$REPO@$d1"
expect 0 "verify requiring an annotation" verify --key "$T/k.pub" -a env=prod "$REPO:v1"
expect 1 "verify requiring an absent annotation value" verify --key "$T/k.pub" -a env=dev "$REPO:v1"

expect 0 "many images in one call" sign --key "$T/k.key" "$REPO:v1" "$REGISTRY/other:v1"
check "one line per image" test "$(wc -l < "$T/out")" -eq 2
expect 0 "verify many images" verify --key "$T/k.pub" "$REPO:v1" "$REGISTRY/other:v1"

# Moving the tag to another image: the signature no longer applies.
d3=$(push_test_image app v1)
check "tag now names another image" test "$d3" != "$d1"
expect 1 "tag moved after signing fails" verify --key "$T/k.pub" "$REPO:v1"
expect 0 "the old digest still verifies" verify --key "$T/k.pub" "$REPO@$d1"

# Tampering with what is stored.
"$SIGIL" sign --key "$T/k.key" "$REGISTRY/other:v1" >/dev/null 2>&1
d4=$(push_test_image tamper v1)
"$SIGIL" sign --key "$T/k.key" "$REGISTRY/tamper:v1" >/dev/null 2>&1
t4="sha256-${d4#sha256:}.sig"
"$PY" "$HERE/regtool.py" tamper "$REGISTRY" tamper "$t4" payload
expect 1 "tampered payload fails" verify --key "$T/k.pub" "$REGISTRY/tamper:v1"
"$SIGIL" sign --key "$T/k2.key" "$REGISTRY/tamper:v1" >/dev/null 2>&1
expect 0 "an untampered signature beside a tampered one verifies" verify --key "$T/k2.pub" "$REGISTRY/tamper:v1"
"$PY" "$HERE/regtool.py" tamper "$REGISTRY" tamper "$t4" signature
expect 1 "tampered signature fails" verify --key "$T/k2.pub" "$REGISTRY/tamper:v1"

# A valid signature for image A copied onto image B's .sig tag names A's digest.
d5=$(push_test_image victim v1)
"$SIGIL" sign --key "$T/k.key" "$REGISTRY/victim:v1" >/dev/null 2>&1
da=$(push_test_image victim v2)
"$PY" "$HERE/regtool.py" tamper "$REGISTRY" victim "sha256-${d5#sha256:}.sig" copy "sha256-${da#sha256:}.sig"
expect_error 1 "payload naming another digest fails" "is for $d5" verify --key "$T/k.pub" "$REGISTRY/victim:v2"

# Bad input: one line, exit 2, nothing written.
printf 'garbage\n' > "$T/garbage.key"
expect_error 2 "garbage key file" "garbage.key" sign --key "$T/garbage.key" "$REPO:v1"
expect_error 2 "garbage public key" "garbage.key" verify --key "$T/garbage.key" "$REPO:v1"
COSIGN_PASSWORD=wrong expect_error 2 "wrong password" "k.key" sign --key "$T/k.key" "$REPO:v1"
expect_error 2 "missing image" "nope" sign --key "$T/k.key" "$REGISTRY/nope:v1"
expect_error 2 "bad reference" "UPPER" verify --key "$T/k.pub" "$REGISTRY/UPPER:v1"
expect 2 "no --key" verify "$REPO:v1"
expect_error 2 "registry not listening" "127.0.0.1:1" verify --key "$T/k.pub" --timeout 5 "127.0.0.1:1/x:v1"
finish
