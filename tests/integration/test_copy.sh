#!/usr/bin/env bash
# sigil copy: an image with its legacy .sig/.att/.sbom tags and its sigstore-bundle referrers,
# registry -> registry -> OCI layout (the air gap) -> registry, checked the way a user would
# (verify and verify-attestation at each stop) and byte for byte with Python (regtool.py):
# same manifest digests everywhere. Also multi-arch indexes, idempotence, merging into a
# destination's own signatures, and the failures (missing source, no destination, a blob
# that does not match its digest) as one line, exit 2, with nothing tagged.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
A=$REGISTRY
start_registry
B=$REGISTRY
start_registry
C=$REGISTRY
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/k2" 2>/dev/null
RT() { "$PY" "$HERE/regtool.py" "$@"; }
# mdigest HOST REPO REF: the digest of the manifest bytes the registry serves
mdigest() { echo "sha256:$(RT get-manifest "$1" "$2" "$3" | sha256sum | cut -d' ' -f1)"; }
# same_bytes "HOST REPO REF=HOST REPO REF"...: Python reads each pair's manifests; same bytes
same_bytes() { "$PY" - "$HERE" "$@" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import regtool
for pair in sys.argv[2:]:
    a, b = (regtool.get_manifest(*side.split()) for side in pair.split("="))
    assert a == b, pair
EOF
}
# fallback HOST REPO DIGEST: the digests listed at the referrers fallback tag, sorted
fallback() { RT get-manifest "$1" "$2" "sha256-${3#sha256:}" |
	"$PY" -c 'import json,sys; print(" ".join(sorted(m["digest"] for m in json.load(sys.stdin)["manifests"])))'; }
same() { [ "$1" = "$2" ] && [ -n "$1" ]; }
absent() { ! RT get-manifest "$1" "$2" "$3" >/dev/null 2>&1; }

cat > "$T/slsa.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/b/v1", "externalParameters": {}},
 "runDetails": {"builder": {"id": "https://example.com/builder"}}}
EOF

# ---- in A: an image with both generations of signatures and attestations, and an SBOM
REGISTRY=$A
d1=$(push_test_image app v1)
h1=${d1#sha256:}
"$SIGIL" sign --key "$T/k.key" "$A/app:v1" >/dev/null 2>&1
"$SIGIL" sign --key "$T/k.key" --bundle-format sigstore "$A/app:v1" >/dev/null 2>&1
"$SIGIL" attest --key "$T/k.key" --predicate "$T/slsa.json" --type slsaprovenance1 "$A/app:v1" >/dev/null 2>&1
"$SIGIL" attest --key "$T/k.key" --bundle-format sigstore --predicate "$T/slsa.json" \
	--type slsaprovenance1 "$A/app:v1" >/dev/null 2>&1
printf '{"spdxVersion":"SPDX-2.3","name":"app"}' > "$T/sbom.json"
printf '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' \
	"sha256:$(sha256sum "$T/sbom.json" | cut -d' ' -f1)" > "$T/sbomcfg.json"
sb=$(RT put-blob "$A" app "$T/sbom.json")
sc=$(RT put-blob "$A" app "$T/sbomcfg.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"text/spdx+json","size":%s,"digest":"%s"}]}' \
	"$(stat -c %s "$T/sbomcfg.json")" "$sc" "$(stat -c %s "$T/sbom.json")" "$sb" > "$T/sbomman.json"
RT put-manifest "$A" app "sha256-$h1.sbom" "$T/sbomman.json"
expect 0 "setup: A's image verifies" verify --key "$T/k.pub" "$A/app:v1"
check "setup: A has two referrers" test "$(fallback "$A" app "$d1" | wc -w)" = 2

expect 0 "--help" copy --help
check "  --help mentions --recursive and the blob limit" bash -c "grep -q -- --recursive '$T/out' && grep -q '2 GiB' '$T/out'"

# ---- A -> B
expect 0 "copy A -> B (tag defaults to the source's)" copy "$A/app:v1" "$B/mirror/app"
check "  stdout names the destination by digest" grep -qx "$B/mirror/app@$d1" "$T/out"
check "  stderr names the legacy tags and the referrers" \
	bash -c "grep -q 'sha256-$h1.sig' '$T/err' && grep -q 'sha256-$h1.att' '$T/err' && grep -q 'sha256-$h1.sbom' '$T/err' && [ \$(grep -c 'Copied referrer' '$T/err') = 2 ]"
check "  B:v1 has A's manifest digest" same "$(mdigest "$B" mirror/app v1)" "$d1"
check "  .sig, .att, .sbom tags copied byte for byte" same_bytes \
	"$A app sha256-$h1.sig=$B mirror/app sha256-$h1.sig" "$A app sha256-$h1.att=$B mirror/app sha256-$h1.att" \
	"$A app sha256-$h1.sbom=$B mirror/app sha256-$h1.sbom"
check "  the referrers fallback index at B lists A's referrers" \
	same "$(fallback "$B" mirror/app "$d1")" "$(fallback "$A" app "$d1")"
check "  the SBOM layer's bytes arrived" cmp -s <(RT get-blob "$B" mirror/app "$sb") "$T/sbom.json"
expect 0 "verify at B" verify --key "$T/k.pub" "$B/mirror/app:v1"
check "  both generations verified" \
	bash -c "grep -q 'legacy signature' '$T/err' && grep -q 'sigstore bundle' '$T/err'"
expect 0 "verify-attestation at B" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$B/mirror/app:v1"
check "  both generations verified" \
	bash -c "grep -q 'sigstore bundle' '$T/err' && grep -q 'sha256-$h1.att' '$T/err'"
expect_error 1 "another key does not verify at B" "no matching signatures\|does not verify" \
	verify --key "$T/k2.pub" "$B/mirror/app:v1"

expect 0 "copy A -> B again (idempotent)" copy "$A/app:v1" "$B/mirror/app"
check "  no blob copied twice" grep -q ' 0 blobs of 0 bytes' "$T/err"
check "  legacy tags already there" test "$(grep -c 'is already there' "$T/err")" = 3
check "  still A's digest" same "$(mdigest "$B" mirror/app v1)" "$d1"
check "  the fallback index did not grow" same "$(fallback "$B" mirror/app "$d1")" "$(fallback "$A" app "$d1")"
expect 0 "verify at B still passes" verify --key "$T/k.pub" "$B/mirror/app:v1"

# ---- B -> oci:layout -> C (the air gap) and layout -> layout
expect 0 "copy B -> OCI layout (created)" copy "$B/mirror/app:v1" "oci:$T/airgap"
check "  stdout names the layout" grep -qx "oci:$T/airgap@$d1" "$T/out"
check "  the manifest blob is byte for byte A's" \
	same "sha256:$(sha256sum "$T/airgap/blobs/sha256/$h1" | cut -d' ' -f1)" "$d1"
check "  index.json tags v1 once" test "$(grep -o '"org.opencontainers.image.ref.name":"v1"' "$T/airgap/index.json" | wc -l)" = 1
expect 0 "verify in the layout" verify --key "$T/k.pub" "oci:$T/airgap:v1"
expect 0 "verify-attestation in the layout" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "oci:$T/airgap:v1"
expect 0 "copy layout -> C" copy "oci:$T/airgap:v1" "$C/app:prod"
check "  C:prod has A's digest" same "$(mdigest "$C" app prod)" "$d1"
check "  .sig, .att, .sbom tags at C are A's" same_bytes \
	"$A app sha256-$h1.sig=$C app sha256-$h1.sig" "$A app sha256-$h1.att=$C app sha256-$h1.att" \
	"$A app sha256-$h1.sbom=$C app sha256-$h1.sbom"
check "  the referrers reached C" same "$(fallback "$C" app "$d1")" "$(fallback "$A" app "$d1")"
expect 0 "verify at C" verify --key "$T/k.pub" "$C/app:prod"
check "  both generations verified" \
	bash -c "grep -q 'legacy signature' '$T/err' && grep -q 'sigstore bundle' '$T/err'"
expect 0 "verify-attestation at C" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$C/app:prod"
expect 0 "copy layout -> layout" copy "oci:$T/airgap:v1" "oci:$T/second:stable"
expect 0 "verify in the second layout" verify --key "$T/k.pub" "oci:$T/second:stable"

# ---- a destination (and then a source) that serves the referrers API: refserver.py before C
"$PY" "$HERE/refserver.py" "$C" "$T/refport" 2> "$T/refserver.log" &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 100); do [ -s "$T/refport" ] && break; sleep 0.1; done
API="127.0.0.1:$(cat "$T/refport")"
expect 0 "copy A -> a registry with the referrers API" copy "$A/app:v1" "$API/viaapi:v1"
check "  both referrers registered through the API" test "$(grep -c 'of .* (referrers API)' "$T/err")" = 2
check "  no fallback tag written" absent "$C" viaapi "sha256-$h1"
expect 0 "verify there" verify --key "$T/k.pub" "$API/viaapi:v1"
check "  the bundle was found through the API" grep -q "sigstore bundle .*(referrers API)" "$T/err"
expect 0 "copy from the API to a layout" copy "$API/viaapi:v1" "oci:$T/fromapi"
expect 0 "verify-attestation in that layout" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "oci:$T/fromapi:v1"
check "  the bundle came along" grep -q "sigstore bundle" "$T/err"

# ---- by digest, --no-attachments, a destination with its own signatures
expect 0 "copy a digest-only source: by digest only" copy "$A/app@$d1" "$B/bydigest"
check "  no tag was made" absent "$B" bydigest latest
expect 0 "  verify it by digest" verify --key "$T/k.pub" "$B/bydigest@$d1"
expect 0 "copy a digest-only source to a named tag" copy "$A/app@$d1" "$B/bydigest:pinned"
check "  tagged" same "$(mdigest "$B" bydigest pinned)" "$d1"
expect 0 "copy --no-attachments" copy --no-attachments "$A/app:v1" "$B/bare:v1"
check "  image there" same "$(mdigest "$B" bare v1)" "$d1"
expect_error 1 "  but no signatures" "no signatures found" verify --key "$T/k.pub" "$B/bare:v1"
expect 0 "B signs its copy with its own key" sign --key "$T/k2.key" "$B/bare:v1"
expect 0 "copy A -> B over B's own signature" copy "$A/app:v1" "$B/bare:v1"
check "  says it merged into B's .sig" grep -q "Added 1 of 1 layers to $B/bare:sha256-$h1.sig" "$T/err"
expect 0 "  A's key verifies at B" verify --key "$T/k.pub" "$B/bare:v1"
expect 0 "  B's own key still verifies" verify --key "$T/k2.pub" "$B/bare:v1"

# ---- a multi-arch index
REGISTRY=$A
ca=$(push_test_image multi amd64)
cb=$(push_test_image multi arm64)
idx=$("$PY" - "$A" "$ca" "$cb" <<'EOF'
import hashlib, json, sys, http.client
host, kids = sys.argv[1], sys.argv[2:]
def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host); c.request(method, path, body, headers or {})
    r = c.getresponse(); data = r.read()
    assert r.status < 300, (method, path, r.status, data)
    return data
entries = []
for d, arch in zip(kids, ["amd64", "arm64"]):
    raw = call("GET", "/v2/multi/manifests/" + d,
               headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    entries.append({"mediaType": json.loads(raw)["mediaType"], "size": len(raw), "digest": d,
                    "platform": {"architecture": arch, "os": "linux"}})
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                  "manifests": entries}, separators=(",", ":")).encode()
call("PUT", "/v2/multi/manifests/both", idx, {"Content-Type": "application/vnd.oci.image.index.v1+json"})
print("sha256:" + hashlib.sha256(idx).hexdigest())
EOF
)
"$SIGIL" sign --key "$T/k.key" --recursive "$A/multi:both" >/dev/null 2>&1
"$SIGIL" sign --key "$T/k.key" --recursive --bundle-format sigstore "$A/multi:both" >/dev/null 2>&1
expect 0 "copy an index A -> B" copy "$A/multi:both" "$B/multi:both"
check "  the index has A's digest" same "$(mdigest "$B" multi both)" "$idx"
check "  both children are there, byte for byte" same_bytes "$A multi $ca=$B multi $ca" "$A multi $cb=$B multi $cb"
check "  every config and layer of both children is there" "$PY" - "$A" "$B" "$ca" "$cb" <<'EOF'
import hashlib, json, sys, http.client
def get(host, path):
    c = http.client.HTTPConnection(host); c.request("GET", path, headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    r = c.getresponse(); data = r.read(); assert r.status == 200, (host, path, r.status); return data
for d in sys.argv[3:]:
    m = json.loads(get(sys.argv[2], "/v2/multi/manifests/" + d))
    for desc in [m["config"]] + m["layers"]:
        blob = get(sys.argv[2], "/v2/multi/blobs/" + desc["digest"])
        assert "sha256:" + hashlib.sha256(blob).hexdigest() == desc["digest"]
        assert blob == get(sys.argv[1], "/v2/multi/blobs/" + desc["digest"])
EOF
expect 0 "verify the index at B" verify --key "$T/k.pub" "$B/multi:both"
expect_error 1 "without --recursive the children's signatures stay behind" "no signatures found" \
	verify --key "$T/k.pub" --platform linux/arm64 "$B/multi:both"
expect 0 "copy --recursive" copy --recursive "$A/multi:both" "$B/multi:both"
expect 0 "  a child verifies at B" verify --key "$T/k.pub" --platform linux/arm64 "$B/multi:both"
check "  both generations" bash -c "grep -q 'legacy signature' '$T/err' && grep -q 'sigstore bundle' '$T/err'"
expect 0 "copy --recursive the index to a layout" copy -r "$B/multi:both" "oci:$T/multi:both"
expect 0 "  verify a child in the layout" verify --key "$T/k.pub" --platform linux/amd64 "oci:$T/multi:both"
expect 0 "  and the index" verify --key "$T/k.pub" "oci:$T/multi:both"
check "  index.json lists only what has a name (the index, legacy tags, referrers, fallback tags)" \
	"$PY" - "$T/multi/index.json" "$ca" "$cb" <<'EOF'
import json, sys
ds = [m["digest"] for m in json.load(open(sys.argv[1]))["manifests"]
      if "org.opencontainers.image.ref.name" in m.get("annotations", {})]
assert sys.argv[2] not in ds and sys.argv[3] not in ds, ds
EOF

# ---- failures: one line, exit 2, nothing tagged
expect_error 2 "missing source tag" "app:nope\|nope" copy "$A/app:nope" "$B/x:y"
check "  nothing tagged" absent "$B" x y
expect_error 2 "source layout that does not exist" "not an OCI image layout" copy "oci:$T/nothing:v1" "$B/x:y"
dead=$(_sigil_free_port)
expect_error 2 "destination nobody listens on" "127.0.0.1:$dead" copy "$A/app:v1" "127.0.0.1:$dead/x:y"
expect_error 2 "destination digest that is not the source's" "not the digest" \
	copy "$A/app:v1" "$B/x@sha256:$(printf '0%.0s' $(seq 64))"
expect_error 2 "one argument" "SRC and DST" copy "$A/app:v1"
expect_error 2 "unknown option" "unknown option" copy --frobnicate "$A/app:v1" "$B/x"
# a layer whose bytes no longer match its digest, in a layout carried across the gap
expect 0 "copy to a layout to damage" copy --no-attachments "$A/app:v1" "oci:$T/bad:v1"
layer=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"])' "$T/bad/blobs/sha256/$h1")
chmod u+w "$T/bad/blobs/sha256/${layer#sha256:}"
"$PY" -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(b)' \
	"$T/bad/blobs/sha256/${layer#sha256:}"
expect_error 2 "a blob that fails its digest check" "$layer" copy "oci:$T/bad:v1" "$C/bad:v1"
check "  says what was copied before and that DST was not tagged" \
	bash -c "grep -q 'copied before the failure: 0 manifests, 1 blobs' '$T/err' && grep -q 'not tagged v1' '$T/err'"
check "  C:v1 was not tagged" absent "$C" bad v1

finish
