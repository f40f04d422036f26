#!/usr/bin/env bash
# sigil policy check, and sigil verify --policy against Debian's docker-registry on a free
# loopback port: signatures with a threshold (legacy and sigstore bundles), attestations
# with conditions, warn mode, the default for images no rule matches.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
for k in a b c; do "$SIGIL" generate-key-pair --output-key-prefix "$T/$k" 2>/dev/null; done
R=$REGISTRY

signed=$(push_test_image prod/app signed)
push_test_image prod/app bundled >/dev/null
push_test_image prod/app unsigned >/dev/null
push_test_image prod/app wrongkey >/dev/null
push_test_image two/app one >/dev/null
push_test_image two/app both >/dev/null
for t in good bad badkey noatt bundled; do push_test_image att/app $t >/dev/null; done
push_test_image staging/app v1 >/dev/null
push_test_image elsewhere/app v1 >/dev/null

sign() { "$SIGIL" sign --key "$T/$1.key" "${@:2}" >/dev/null 2>&1; }
sign a "$R/prod/app:signed"
sign a --bundle-format sigstore "$R/prod/app:bundled"
sign b "$R/prod/app:wrongkey"
sign a "$R/two/app:one"
sign a "$R/two/app:both"
sign b --bundle-format sigstore "$R/two/app:both"
for t in good bad badkey noatt bundled; do sign a "$R/att/app:$t"; done

cat > "$T/good.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/build/v1", "externalParameters": {"ref": "refs/heads/main"}},
 "runDetails": {"builder": {"id": "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main"}}}
EOF
cat > "$T/bad.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/build/v1", "externalParameters": {"ref": "refs/heads/main"}},
 "runDetails": {"builder": {"id": "https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main"}}}
EOF
attest() { # KEY PREDICATE IMAGE [OPTIONS]
	"$SIGIL" attest --key "$T/$1.key" --type slsaprovenance1 --predicate "$T/$2.json" "$3" "${@:4}" >/dev/null 2>&1
}
attest c good "$R/att/app:good"
attest c bad "$R/att/app:bad"
attest b good "$R/att/app:badkey"
attest c good "$R/att/app:bundled" --bundle-format sigstore
attest c bad "$R/att/app:bundled"   # a bad one beside it: the good one decides

write_policy() { # DEFAULT
	cat > "$T/policy.yaml" <<EOF
version: 1
default: $1
keys:
  a: {file: a.pub}
  b: {file: b.pub}
  c: {file: c.pub}
rules:
  - name: prod
    images: ["$R/prod/**"]
    authorities: {keys: [a]}
  - name: two
    images: ["$R/two/*"]
    authorities: {keys: [a, b], threshold: 2}
  - name: att
    images: ["$R/att/app"]
    authorities: {keys: [a]}
    attestations:
      - type: slsaprovenance1
        keys: [c]
        conditions:
          - path: /predicate/buildDefinition/buildType
            equals: "https://example.com/build/v1"
          - path: /predicate/runDetails/builder/id
            matches: "https://github.com/org/**"
          - path: /predicate/buildDefinition/externalParameters/ref
            oneOf: ["refs/heads/main", "refs/tags/v1"]
  - name: staging
    images: ["$R/staging/**"]
    mode: warn
    authorities: {keys: [a]}
EOF
}
write_policy deny
P="$T/policy.yaml"
has() { grep -qF -- "$1" "$T/out"; }

# policy check
expect 0 "policy check: a valid policy" policy check "$P"
check "  says it is valid" has "$P: valid"
check "  lists the rules and keys" bash -c "grep -q '^rule att (enforce)' '$T/out' && grep -q 'signatures: 2 of a, b' '$T/out'"
check "  and the digest" grep -q '^digest sha256:[0-9a-f]\{64\}$' "$T/out"
printf 'version: 1\nrules:\n  - name: x\n    images: ["%s/x"]\n    authorities: {keys: [a, b], threshold: 3}\n' "$R" > "$T/bad1.yaml"
expect_error 2 "policy check: a key name not in keys:" "bad1.yaml:5:26: authorities keys: no key named \"a\" in keys" policy check "$T/bad1.yaml"
printf 'version: 1\nkeys: {a: {file: a.pub}, b: {file: b.pub}}\nrules:\n  - name: x\n    images: ["%s/x"]\n    authorities: {keys: [a, b], threshold: 3}\n' "$R" > "$T/bad2.yaml"
expect_error 2 "policy check: threshold out of range, at its line and column" \
	"bad2.yaml:6:44: threshold 3: must be between 1 and the 2 keys listed" policy check "$T/bad2.yaml"
printf 'version: 1\nrules:\n  - name: open\n    images: ["**"]\n' > "$T/bad3.yaml"
expect_error 2 "policy check: a rule that allows everything" "bad3.yaml:3:5: rule open allows everything" policy check "$T/bad3.yaml"
printf 'version: 1\nx: &a [1]\nrules: *a\n' > "$T/bad4.yaml"
expect_error 2 "policy check: anchors and aliases refused" "bad4.yaml:2:4: anchors" policy check "$T/bad4.yaml"
expect_error 2 "policy check: a missing file" "none.yaml" policy check "$T/none.yaml"
expect 2 "policy check: no file" policy check

# signatures
expect 0 "signed (legacy .sig): allowed" verify --policy "$P" "$R/prod/app:signed"
check "  by rule prod" has "$R/prod/app:signed: allowed by rule prod ($signed)"
check "  the requirement and who signed" has "  ok    signature by a: signed by a"
expect 0 "signed by digest: allowed" verify --policy "$P" "$R/prod/app@$signed"
expect 0 "signed (sigstore bundle): allowed" verify --policy "$P" "$R/prod/app:bundled"
expect 1 "unsigned: denied" verify --policy "$P" "$R/prod/app:unsigned"
check "  DENIED, naming the rule" has "$R/prod/app:unsigned: DENIED by rule prod"
check "  and why" has "  FAIL  signature by a: no signatures found"
expect 1 "signed by a key not in the rule: denied" verify --policy "$P" "$R/prod/app:wrongkey"
check "  no valid signature" has "FAIL  signature by a: no valid signature"
expect 1 "threshold 2, one signature: denied" verify --policy "$P" "$R/two/app:one"
check "  says which key is missing" has "signed by a only, 1 of the 2 needed; not by b"
expect 0 "threshold 2, two signatures (legacy + bundle): allowed" verify --policy "$P" "$R/two/app:both"
check "  both keys counted" has "ok    signatures by 2 of 2 keys (a, b): signed by a, b"
expect 1 "a tag that does not exist: denied, never allowed" verify --policy "$P" "$R/prod/app:nosuchtag"
check "  cannot resolve" has "cannot resolve"

# attestations
expect 0 "attestation whose conditions hold: allowed" verify --policy "$P" "$R/att/app:good"
check "  each condition reported" has 'ok    attestation https://slsa.dev/provenance/v1: /predicate/runDetails/builder/id matches "https://github.com/org/**": found "https://github.com/org/app/'
expect 1 "attestation with the wrong builder: denied" verify --policy "$P" "$R/att/app:bad"
check "  the failing condition and the value found" has 'FAIL  attestation https://slsa.dev/provenance/v1: /predicate/runDetails/builder/id matches "https://github.com/org/**": not met: found "https://github.com/evil/'
check "  the conditions that held are ok" has 'ok    attestation https://slsa.dev/provenance/v1: /predicate/buildDefinition/buildType equals'
expect 1 "attestation signed by a key not allowed for it: denied" verify --policy "$P" "$R/att/app:badkey"
check "  says so" has "FAIL  attestation https://slsa.dev/provenance/v1 by c: no valid attestation"
expect 1 "no attestation: denied" verify --policy "$P" "$R/att/app:noatt"
check "  no attestations found" has "no attestations found"
expect 0 "a good sigstore-bundle attestation beside a bad legacy one: allowed" verify --policy "$P" "$R/att/app:bundled"

# warn mode, the default
expect 0 "warn mode: unsigned but allowed" verify --policy "$P" "$R/staging/app:v1"
check "  printed as WARN" has "$R/staging/app:v1: WARN: rule staging (warn mode) failed; allowed anyway"
expect 1 "no rule matches: default deny" verify --policy "$P" "$R/elsewhere/app:v1"
check "  says so" has "$R/elsewhere/app:v1: DENIED: no rule matches (default: deny)"
write_policy allow
expect 0 "no rule matches: default allow" verify --policy "$P" "$R/elsewhere/app:v1"
check "  says so" has "allowed: no rule matches (default: allow)"
expect 1 "default allow does not open matched rules" verify --policy "$P" "$R/prod/app:unsigned"
write_policy deny

# several images, JSON
expect 1 "one denied image of three: exit 1" verify --policy "$P" "$R/prod/app:signed" "$R/prod/app:unsigned" "$R/staging/app:v1"
check "  every image reported" test "$(grep -c '^[^ ]' "$T/out")" -eq 3
expect 1 "--output json" verify --policy "$P" --output json "$R/prod/app:signed" "$R/prod/app:unsigned" "$R/staging/app:v1" "$R/elsewhere/app:v1"
check "  an array of verdicts" "$PY" - "$T/out" "$R" "$signed" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1])); R = sys.argv[2]
assert [x["image"] for x in v] == [R + "/prod/app:signed", R + "/prod/app:unsigned", R + "/staging/app:v1", R + "/elsewhere/app:v1"], v
ok, bad, warn, none = v
assert ok["allowed"] and ok["passed"] and ok["rule"] == "prod" and ok["digest"] == sys.argv[3] and ok["message"] is None, ok
assert ok["requirements"] == [{"what": "signature by a", "ok": True, "detail": "signed by a"}], ok
assert not bad["allowed"] and not bad["passed"] and bad["mode"] == "enforce", bad
assert R + "/prod/app:unsigned" in bad["message"] and "rule prod" in bad["message"] and "no signatures found" in bad["message"], bad
assert warn["allowed"] and not warn["passed"] and warn["mode"] == "warn" and "warn mode" in warn["message"], warn
assert none["rule"] is None and not none["allowed"] and none["requirements"] == [], none
EOF

# usage and operational errors
expect_error 2 "--policy with --key" "replaces --key" verify --policy "$P" --key "$T/a.pub" "$R/prod/app:signed"
expect_error 2 "--policy with a bad policy" "bad2.yaml:6:44" verify --policy "$T/bad2.yaml" "$R/prod/app:signed"
expect 2 "--policy with a malformed reference" verify --policy "$P" "$R/Prod/App:x"
expect 2 "--policy without an image" verify --policy "$P"

finish
