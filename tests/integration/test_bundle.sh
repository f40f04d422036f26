#!/usr/bin/env bash
# Sigstore bundles as OCI 1.1 referrers (cosign v3): sign/attest --bundle-format sigstore and
# verify/verify-attestation reading both generations. The referrers tag schema (fallback) is
# exercised by Debian's docker-registry 2.8, which has no referrers API; the API path by
# refserver.py, a proxy in front of the same registry that serves GET /v2/<name>/referrers/
# as distribution-spec v1.1 says (with pagination). Everything sigil writes is read back by
# bundletool.py (Python `cryptography`), and bundles bundletool writes are read by sigil.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/k2" 2>/dev/null
"$SIGIL" generate-key-pair --algorithm ed25519 --output-key-prefix "$T/ked" 2>/dev/null
BT() { "$PY" "$HERE/bundletool.py" "$@"; }
errline() { grep -q -- "$1" "$T/err"; }
not_verified() { ! grep -q '^Verified\|"critical"' "$T/out" "$T/err"; }

d1=$(push_test_image app v1)
REPO="$REGISTRY/app"
fb1="sha256-${d1#sha256:}"

# ---- fallback tag (docker-registry 2.8) --------------------------------------------
expect_error 1 "verify: nothing attached yet" "no signatures found" \
	verify --key "$T/k.pub" "$REPO@$d1"
expect 0 "sign --bundle-format sigstore" sign --key "$T/k.key" --bundle-format sigstore "$REPO:v1"
check "sign says it used the referrers tag" grep -q "referrers tag $fb1" "$T/err"
check "no .sig tag was written" bash -c "! $PY '$HERE/regtool.py' get-manifest '$REGISTRY' app '$fb1.sig' >/dev/null 2>&1"
check "Python reads the bundle: manifest shape, hint, DSSE signature, statement" \
	bash -c "BT() { \"$PY\" \"$HERE/bundletool.py\" \"\$@\"; }; BT check '$REGISTRY' app '$d1' '$T/k.pub' | grep 'sigstore.dev/cosign/sign/v1 OK' >/dev/null"
expect 0 "verify finds the bundle through the fallback tag" verify --key "$T/k.pub" "$REPO:v1"
check "verify says where the signature came from" grep -q "sigstore bundle sha256:.* (referrers tag)" "$T/err"
check "verify prints cosign v3's output shape" grep -q '"type":"https://sigstore.dev/cosign/sign/v1"' "$T/out"
expect_error 1 "verify with another key fails" "does not verify\|no matching signatures" \
	verify --key "$T/k2.pub" "$REPO:v1"
expect 0 "cosign spelling --new-bundle-format, second key, annotation" \
	sign --key "$T/k2.key" --new-bundle-format -a team=blue "$REPO:v1"
expect 0 "verify -a against the statement's subject annotations" verify --key "$T/k2.pub" -a team=blue "$REPO:v1"
expect_error 1 "verify -a with a value not signed" "no matching signatures" \
	verify --key "$T/k2.pub" -a team=red "$REPO:v1"
n=$(BT check "$REGISTRY" app "$d1" "$T/k.pub" 2>/dev/null | wc -l || true)
check "fallback index lists both signatures (one verifies with each key)" \
	test "$("$PY" - "$REGISTRY" "$fb1" <<'EOF'
import json, sys, http.client
c = http.client.HTTPConnection(sys.argv[1]); c.request("GET", "/v2/app/manifests/" + sys.argv[2],
    headers={"Accept": "application/vnd.oci.image.index.v1+json"})
print(len(json.loads(c.getresponse().read())["manifests"]))
EOF
)" = 2

# a foreign referrer (an SBOM) in the fallback index survives our updates
foreign=$(BT attach "$REGISTRY" app "$d1" "$T/k.key" foreign)
expect 0 "sign again with a foreign entry in the index" sign --key "$T/k.key" --bundle-format sigstore "$REPO:v1"
check "the foreign entry survived, with its annotations, index still sorted" \
	"$PY" - "$REGISTRY" "$fb1" "$foreign" <<'EOF'
import json, sys, http.client
c = http.client.HTTPConnection(sys.argv[1]); c.request("GET", "/v2/app/manifests/" + sys.argv[2],
    headers={"Accept": "application/vnd.oci.image.index.v1+json"})
idx = json.loads(c.getresponse().read())
ds = [m["digest"] for m in idx["manifests"]]
assert sys.argv[3] in ds and ds == sorted(ds) and len(ds) == 4, ds
EOF
expect 0 "verify passes over the foreign referrer" verify --key "$T/k.pub" "$REPO:v1"

# mixed generations: a legacy .sig beside the bundles; both reported
expect 0 "legacy sign beside the bundles" sign --key "$T/k.key" "$REPO:v1"
expect 0 "verify reads both generations" verify --key "$T/k.pub" "$REPO:v1"
check "stderr names the legacy signature" grep -q "legacy signature .*$fb1.sig" "$T/err"
check "stderr names the bundle" grep -q "sigstore bundle sha256:" "$T/err"
check "stdout has one payload per verified signature (2 bundles + 1 legacy)" \
	test "$("$PY" -c 'import json,sys; print(len(json.loads(sys.stdin.read())))' < "$T/out")" = 3

# attestations as bundles
cat > "$T/slsa.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/b/v1", "externalParameters": {}},
 "runDetails": {"builder": {"id": "https://example.com/builder"}}}
EOF
expect 0 "attest --bundle-format sigstore" attest --key "$T/k.key" --bundle-format sigstore \
	--type slsaprovenance1 --predicate "$T/slsa.json" "$REPO:v1"
check "Python reads the attestation bundle" \
	bash -c "\"$PY\" \"$HERE/bundletool.py\" check '$REGISTRY' app '$d1' '$T/k.pub' | grep 'slsa.dev/provenance/v1 OK' >/dev/null"
expect 0 "verify-attestation --type slsaprovenance1 finds the bundle" \
	verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$REPO:v1"
check "verify-attestation says it came from a bundle" grep -q "sigstore bundle sha256:.* (referrers tag)" "$T/err"
check "verify-attestation prints the envelope as cosign does" \
	grep -q '^{"payloadType":"application/vnd.in-toto+json","payload":"[^"]*","signatures":\[{"keyid":"","sig":"' "$T/out"
expect_error 1 "verify-attestation --type vuln: none of that type" "none of the attestations matched" \
	verify-attestation --key "$T/k.pub" --type vuln "$REPO:v1"
expect 0 "a signature bundle is not an attestation, but verify still passes" verify --key "$T/k.pub" "$REPO:v1"
expect_error 2 "--replace is refused with bundles" "replace" \
	attest --key "$T/k.key" --bundle-format sigstore --replace --predicate "$T/slsa.json" --type slsaprovenance1 "$REPO:v1"
expect_error 2 "bad --bundle-format" "legacy or sigstore" \
	sign --key "$T/k.key" --bundle-format cosign "$REPO:v1"

# Ed25519 keys
expect 0 "sign a bundle with an Ed25519 key" sign --key "$T/ked.key" --bundle-format sigstore "$REPO:v1"
expect 0 "verify it" verify --key "$T/ked.pub" "$REPO:v1"
check "Python verifies the Ed25519 bundle" \
	bash -c "\"$PY\" \"$HERE/bundletool.py\" check '$REGISTRY' app '$d1' '$T/ked.pub' | grep 'cosign/sign/v1 OK' >/dev/null"

# ---- bundles written by Python, and bad ones ----------------------------------------
bad_image() { # TAG MODE: a fresh image with only this referrer; prints its digest
	local d
	d=$(push_test_image app "$1")
	BT attach "$REGISTRY" app "$d" "$T/k.key" "$2" >/dev/null
	echo "$d"
}
d=$(bad_image good good)
expect 0 "a bundle written by Python (other spacing) verifies" verify --key "$T/k.pub" "$REPO@$d"
d=$(bad_image msg message)
expect 0 "a messageSignature bundle over the manifest verifies" verify --key "$T/k.pub" "$REPO@$d"
d=$(bad_image msgbad message-bad)
expect_error 1 "a messageSignature over other bytes fails" "message signature does not verify" \
	verify --key "$T/k.pub" "$REPO@$d"
check "  and says nothing verified" not_verified
d=$(bad_image other other-subject)
expect_error 1 "statement subject for another digest" "statement subject is not\|subject is not" \
	verify --key "$T/k.pub" "$REPO@$d"
check "  and says nothing verified" not_verified
d=$(bad_image zero zero-sigs)
expect_error 1 "envelope with zero signatures" "no signatures\|exactly one signature" \
	verify --key "$T/k.pub" "$REPO@$d"
d=$(bad_image two two-sigs)
expect_error 1 "envelope with two signatures (one bad)" "exactly one signature" \
	verify --key "$T/k.pub" "$REPO@$d"
d=$(bad_image ptype payload-type)
expect_error 1 "wrong payloadType" "invalid payloadType" verify --key "$T/k.pub" "$REPO@$d"
d=$(bad_image mt media-type)
expect_error 1 "bundle with an unknown mediaType" "unknown mediaType" verify --key "$T/k.pub" "$REPO@$d"
# the fallback tag holding something that is not an index
d=$(push_test_image app notindex)
"$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" app v1 > "$T/img.json"
"$PY" "$HERE/regtool.py" put-manifest "$REGISTRY" app "sha256-${d#sha256:}" "$T/img.json"
expect_error 2 "sign refuses to overwrite a fallback tag that is not an index" "not an OCI image index" \
	sign --key "$T/k.key" --bundle-format sigstore "$REPO@$d"
expect_error 2 "verify reports it" "not an OCI image index" verify --key "$T/k.pub" "$REPO@$d"

# ---- the referrers API (refserver.py in front of the registry) ----------------------
"$PY" "$HERE/refserver.py" "$REGISTRY" "$T/refport" --page-size 1 2> "$T/refserver.log" &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 50); do [ -s "$T/refport" ] && break; sleep 0.1; done
API="127.0.0.1:$(cat "$T/refport")"
d2=$(push_test_image api v1)
expect 0 "sign through a registry with the referrers API" \
	sign --key "$T/k.key" --bundle-format sigstore "$API/api:v1"
check "sign says the registry keeps the list" grep -q "(referrers API)" "$T/err"
check "no fallback tag was written" \
	bash -c "! $PY '$HERE/regtool.py' get-manifest '$REGISTRY' api 'sha256-${d2#sha256:}' >/dev/null 2>&1"
expect 0 "attest through it" attest --key "$T/k.key" --bundle-format sigstore \
	--type slsaprovenance1 --predicate "$T/slsa.json" "$API/api:v1"
expect 0 "sign with the second key" sign --key "$T/k2.key" --bundle-format sigstore "$API/api:v1"
check "Python reads all three through the API (two by k, one by k2)" \
	bash -c "\"$PY\" \"$HERE/bundletool.py\" check '$API' api '$d2' '$T/k.pub' API | grep -c ' OK$' | grep -qx 2"
expect 0 "verify through the API (3 referrers, one per page)" verify --key "$T/k2.pub" "$API/api:v1"
check "verify says it used the API" grep -q "(referrers API)" "$T/err"
check "every page was read" grep -q "REFERRERS api $d2 page 2" "$T/refserver.log"
expect 0 "verify-attestation through the API" \
	verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$API/api:v1"
expect_error 1 "the API does not make a wrong key verify" "no matching signatures" \
	verify --key "$T/ked.pub" "$API/api:v1"

# ---- OCI layout -----------------------------------------------------------------------
"$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" >/dev/null
expect 0 "sign a layout with a bundle" sign --key "$T/k.key" --bundle-format sigstore "oci:$T/img"
cp "$T/err" "$T/err.sign1"
expect 0 "verify the layout" verify --key "$T/k.pub" "oci:$T/img"
expect 0 "attest the layout with a bundle" attest --key "$T/k.key" --bundle-format sigstore \
	--type slsaprovenance1 --predicate "$T/slsa.json" "oci:$T/img"
expect 0 "verify-attestation on the layout" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "oci:$T/img"
expect 1 "wrong key on the layout" verify --key "$T/k2.pub" "oci:$T/img"
# a referrers index entry whose manifest is missing (removed from the layout's blobs)
ref1=$(grep -o 'Pushed sigstore bundle oci:[^@]*@sha256:[0-9a-f]*' "$T/err.sign1" | sed 's/.*@sha256://')
rm -f "$T/img/blobs/sha256/$ref1"
run verify --key "$T/k.pub" "oci:$T/img"
check "referrers index pointing at a missing manifest: exit 2, one clear line" \
	bash -c "[ $RC -eq 2 ] && grep -q 'referrer sha256:$ref1.*not found\|referrer sha256:$ref1.*no such' '$T/err' && [ \$(wc -l < '$T/err') -eq 1 ]"
check "  and says nothing verified" not_verified
expect 0 "sign again beside the missing referrer" sign --key "$T/k.key" --bundle-format sigstore "oci:$T/img"
expect 0 "a referrer that cannot be read does not hide a valid one" verify --key "$T/k.pub" "oci:$T/img"

finish
