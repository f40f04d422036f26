#!/usr/bin/env bash
# Multi-arch indexes against Debian's docker-registry: signing an index signs the index's
# digest, --recursive also every child, --platform picks one child (sign, verify,
# verify-attestation), and an index without the platform asked for is a clear error.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null

# push_index TAG PLATFORMS...: an OCI index over fresh images, one per "os/arch[/variant]"
# ("-" for an entry without a platform); prints "INDEX_DIGEST CHILD_DIGEST..."
push_index() {
	local tag=$1 p d children=()
	shift
	for p in "$@"; do
		d=$(push_test_image multi "$tag-${p//\//-}")
		children+=("$p=$d")
	done
	"$PY" - "$REGISTRY" "$tag" "${children[@]}" <<'EOF'
import hashlib, json, sys, http.client
host, tag, kids = sys.argv[1], sys.argv[2], sys.argv[3:]
def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host); c.request(method, path, body, headers or {})
    r = c.getresponse(); data = r.read()
    assert r.status < 300, (method, path, r.status, data)
    return data
entries, digests = [], []
for k in kids:
    plat, d = k.split("=", 1)
    raw = call("GET", "/v2/multi/manifests/" + d,
               headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    e = {"mediaType": json.loads(raw)["mediaType"], "size": len(raw), "digest": d}
    if plat != "-":
        parts = plat.split("/")
        e["platform"] = {"architecture": parts[1], "os": parts[0]}
        if len(parts) > 2:
            e["platform"]["variant"] = parts[2]
    entries.append(e)
    digests.append(d)
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                  "manifests": entries}, separators=(",", ":")).encode()
call("PUT", "/v2/multi/manifests/" + tag, idx,
     {"Content-Type": "application/vnd.oci.image.index.v1+json"})
print("sha256:" + hashlib.sha256(idx).hexdigest(), *digests)
EOF
}

read -r idx amd arm <<< "$(push_index one linux/amd64 linux/arm64/v8)"
IMG="$REGISTRY/multi"

expect 0 "sign an index" sign --key "$T/k.key" "$IMG:one"
check "it signs the index's digest" grep -qx "$IMG@$idx" "$T/out"
expect 0 "verify the index" verify --key "$T/k.pub" "$IMG:one"
expect_error 1 "its children are not signed" "no signatures found" \
	verify --key "$T/k.pub" --platform linux/amd64 "$IMG:one"
expect_error 1 "nor by digest" "no signatures found" verify --key "$T/k.pub" "$IMG@$arm"

expect 0 "sign --platform linux/arm64 signs only that child" \
	sign --key "$T/k.key" --platform linux/arm64 "$IMG:one"
check "  stdout names the child" grep -qx "$IMG@$arm" "$T/out"
expect 0 "verify --platform linux/arm64 (v8 preferred without a variant)" \
	verify --key "$T/k.pub" --platform linux/arm64 "$IMG:one"
check "  the payload names the child's digest" grep -q "\"docker-manifest-digest\":\"$arm\"" "$T/out"
expect 0 "verify --platform linux/arm64/v8" verify --key "$T/k.pub" --platform linux/arm64/v8 "$IMG:one"
expect_error 1 "amd64 is still unsigned" "no signatures found" \
	verify --key "$T/k.pub" --platform linux/amd64 "$IMG:one"

read -r idx2 amd2 arm2 <<< "$(push_index two linux/amd64 linux/arm64)"
expect 0 "sign --recursive" sign --key "$T/k.key" --recursive "$IMG:two"
check "  signs the index and both children" \
	bash -c "grep -qx '$IMG@$idx2' '$T/out' && grep -qx '$IMG@$amd2' '$T/out' && grep -qx '$IMG@$arm2' '$T/out' && [ \$(wc -l < '$T/out') -eq 3 ]"
expect 0 "verify the index" verify --key "$T/k.pub" "$IMG:two"
expect 0 "verify --platform linux/amd64" verify --key "$T/k.pub" --platform linux/amd64 "$IMG:two"
expect 0 "verify the arm64 child by digest" verify --key "$T/k.pub" "$IMG@$arm2"
expect 0 "sign --recursive --bundle-format sigstore" \
	sign --key "$T/k.key" --recursive --bundle-format sigstore "$IMG:two"
check "  three bundles pushed" test "$(grep -c 'Pushed sigstore bundle' "$T/err")" = 3
expect 0 "the child's bundle verifies with --platform" verify --key "$T/k.pub" --platform linux/arm64 "$IMG:two"
check "  from a bundle and the legacy tag" \
	bash -c "grep -q 'sigstore bundle' '$T/err' && grep -q 'legacy signature' '$T/err'"

printf '{"k": "v"}\n' > "$T/pred.json"
expect 0 "attest a child by digest" attest --key "$T/k.key" --predicate "$T/pred.json" \
	--type https://example.com/p "$IMG@$amd2"
expect 0 "verify-attestation --platform linux/amd64" \
	verify-attestation --key "$T/k.pub" --platform linux/amd64 "$IMG:two"
expect_error 1 "verify-attestation on the index finds none" "no attestations found" \
	verify-attestation --key "$T/k.pub" "$IMG:two"

# a platform the index lacks, and an index whose entries have no platform at all
expect_error 2 "sign --platform linux/s390x: the index lacks it" \
	"no linux/s390x image (it has: linux/amd64, linux/arm64)" \
	sign --key "$T/k.key" --platform linux/s390x "$IMG:two"
expect_error 2 "verify --platform linux/s390x" "no linux/s390x image" \
	verify --key "$T/k.pub" --platform linux/s390x "$IMG:two"
read -r idx3 _ <<< "$(push_index three -)"
expect_error 2 "an index without platforms" "no linux/amd64 image (it has: none)" \
	verify --key "$T/k.pub" --platform linux/amd64 "$IMG:three"
expect_error 2 "a malformed --platform" "not OS/ARCH" verify --key "$T/k.pub" --platform linux "$IMG:two"
expect 0 "--platform on a single image uses the image" verify --key "$T/k.pub" --platform linux/amd64 "$IMG@$amd2"

finish
