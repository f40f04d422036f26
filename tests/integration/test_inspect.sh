#!/usr/bin/env bash
# sigil tree / triangulate / download against a real registry (docker-registry 2.8: referrers
# through the fallback tag), the referrers API (refserver.py in front of it) and an OCI
# layout. What sigil prints is checked against what inspecttool.py reads from the store
# itself: digests, predicate types, bundle bytes, cosign's Go JSON for legacy entries.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/k2" 2>/dev/null
IT() { "$PY" "$HERE/inspecttool.py" "$@"; }
RT() { "$PY" "$HERE/regtool.py" "$@"; }
one_line() { [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q -- "$1" "$T/err"; }
# tree_ok STORE DIGEST ARG [--api]: tree and tree -o json both match the store
tree_ok() {
	"$SIGIL" tree -o json "$3" > "$T/tree.json" && "$SIGIL" tree "$3" > "$T/tree.txt" &&
		IT tree "$1" "$2" "$3" "$T/tree.json" "$T/tree.txt" ${4:-} >/dev/null
}
# dl_ok STORE DIGEST KIND [PTYPE] [--api]: download KIND output matches the store
dl_ok() {
	local s=$1 d=$2 kind=$3
	shift 3
	IT download "$s" "$d" "$kind" "$T/out" "$@" >/dev/null
}

cat > "$T/slsa.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/b/v1", "externalParameters": {}},
 "runDetails": {"builder": {"id": "https://example.com/builder"}}}
EOF
echo '{"note": "custom <predicate> & more"}' > "$T/custom.json"

d1=$(push_test_image app v1)
REPO="$REGISTRY/app"
hex=${d1#sha256:}

# ---- nothing attached -------------------------------------------------------------------
expect 0 "tree: nothing attached is not an error" tree "$REPO:v1"
check "  cosign's header and 'No Supply Chain Security Related Artifacts found' text" \
	bash -c "head -1 '$T/out' | grep -q '^📦 Supply Chain Security Related artifacts for an image: $REPO:v1\$' &&
		grep -q '^No Supply Chain Security Related Artifacts found for image $REPO:v1,\$' '$T/out'"
check "tree and tree -o json agree with the registry (nothing)" tree_ok "$REPO" "$d1" "$REPO:v1"
expect_error 1 "download signature: none attached, exit 1" "no signatures attached" \
	download signature "$REPO:v1"
check "  and prints nothing" test ! -s "$T/out"
expect_error 1 "download attestation: none attached, exit 1" "no attestations attached" \
	download attestation "$REPO:v1"
expect_error 1 "download sbom: none attached, exit 1" "no SBOM attached" download sbom "$REPO:v1"

# ---- every kind of attachment -----------------------------------------------------------
expect 0 "sign (legacy .sig)" sign --key "$T/k.key" "$REPO:v1"
expect 0 "sign --bundle-format sigstore" sign --key "$T/k.key" --bundle-format sigstore "$REPO:v1"
expect 0 "attest (legacy .att, custom)" attest --key "$T/k.key" --predicate "$T/custom.json" "$REPO:v1"
expect 0 "attest (legacy .att, slsaprovenance1)" attest --key "$T/k2.key" --type slsaprovenance1 \
	--predicate "$T/slsa.json" "$REPO:v1"
expect 0 "attest --bundle-format sigstore (slsaprovenance1)" attest --key "$T/k.key" \
	--bundle-format sigstore --type slsaprovenance1 --predicate "$T/slsa.json" "$REPO:v1"
expect 0 "attest --bundle-format sigstore (custom)" attest --key "$T/k.key" \
	--bundle-format sigstore --predicate "$T/custom.json" "$REPO:v1"
# a legacy SBOM attachment (cosign attach sbom), written by hand: one layer, the SBOM bytes
printf '{"spdxVersion":"SPDX-2.3","name":"app"}\n' > "$T/sbom.json"
sbom_digest=$(RT put-blob "$REGISTRY" app "$T/sbom.json")
echo '{}' > "$T/cfg.json"
cfg_digest=$(RT put-blob "$REGISTRY" app "$T/cfg.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":3,"digest":"%s"},"layers":[{"mediaType":"text/spdx+json","size":%s,"digest":"%s"}]}' \
	"$cfg_digest" "$(stat -c %s "$T/sbom.json")" "$sbom_digest" > "$T/sbom-man.json"
RT put-manifest "$REGISTRY" app "sha256-$hex.sbom" "$T/sbom-man.json"

expect 0 "tree lists everything" tree "$REPO:v1"
check "  sections in order: .att, .sig, .sbom, then referrers" \
	bash -c "grep -o '^└── [^ ]* [A-Za-z]*' '$T/out' | tr '\n' ' ' | grep -q '^└── 💾 Attestations └── 🔐 Signatures └── 📦 SBOMs └── 🔗 application └── 🔗 application └── 🔗 application \$'"
check "  .att layers carry their predicate types" \
	bash -c "grep -c '🍒 sha256:[0-9a-f]* (https://cosign.sigstore.dev/attestation/v1)\$\|🍒 sha256:[0-9a-f]* (https://slsa.dev/provenance/v1)\$' '$T/out' | grep -qx 2"
check "  the signature bundle's referrer names its predicate type" \
	grep -q "artifacts via OCI referrer: $REPO@sha256:[0-9a-f]* (https://sigstore.dev/cosign/sign/v1)\$" "$T/out"
check "tree and tree -o json match the registry (digests, types, order)" \
	tree_ok "$REPO" "$d1" "$REPO:v1"
run tree --output json "$REPO@$d1"
check "tree -o json by digest: via tag, 2 .att layers, 1 .sig, 1 .sbom, 3 referrers" \
	"$PY" -c 'import json,sys
t = json.load(open(sys.argv[1]))
assert t["digest"] == sys.argv[2], t["digest"]
assert [len(t[k]["layers"]) for k in ("signatures", "attestations", "sboms")] == [1, 2, 1], t
assert len(t["referrers"]) == 3 and {r["via"] for r in t["referrers"]} == {"tag"}, t["referrers"]
assert sorted(r["predicateType"] for r in t["referrers"]) == ["https://cosign.sigstore.dev/attestation/v1",
    "https://sigstore.dev/cosign/sign/v1", "https://slsa.dev/provenance/v1"]
assert t["sboms"]["layers"][0]["digest"] == sys.argv[3]' "$T/out" "$d1" "$sbom_digest"

# ---- triangulate --------------------------------------------------------------------------
expect 0 "triangulate (default: signature)" triangulate "$REPO:v1"
check "  prints the .sig tag" test "$(cat "$T/out")" = "$REPO:sha256-$hex.sig"
for t in signature:sig attestation:att sbom:sbom; do
	expect 0 "triangulate --type ${t%%:*}" triangulate --type "${t%%:*}" "$REPO:v1"
	check "  prints registry/repo:sha256-<hex>.${t#*:}" test "$(cat "$T/out")" = "$REPO:sha256-$hex.${t#*:}"
done
expect 0 "triangulate --type digest" triangulate --type digest "$REPO:v1"
check "  prints registry/repo@sha256:<hex>" test "$(cat "$T/out")" = "$REPO@$d1"
expect 0 "triangulate a digest reference (-t attestation)" triangulate -t attestation "$REPO@$d1"
check "  same tag" test "$(cat "$T/out")" = "$REPO:sha256-$hex.att"
expect_error 2 "triangulate --type bogus" "must be signature, attestation, sbom or digest" \
	triangulate --type bogus "$REPO:v1"
expect_error 2 "triangulate of a missing tag" "app" triangulate "$REPO:nope"

# ---- download -----------------------------------------------------------------------------
expect 0 "download signature" download signature "$REPO:v1"
check "  prints only the signature bundle (bundles found: legacy skipped), bytes as stored" \
	bash -c "[ \$(wc -l < '$T/out') -eq 1 ] && \"$PY\" \"$HERE/inspecttool.py\" download '$REPO' '$d1' signature '$T/out' | grep -q '1 bundles, 0 legacy'"
bundle_blob=$(RT get-manifest "$REGISTRY" app "sha256-$hex" | "$PY" -c 'import json,sys,subprocess
idx = json.load(sys.stdin)
for m in idx["manifests"]:
    man = json.loads(subprocess.run([sys.executable, sys.argv[1], "get-manifest", sys.argv[2], "app", m["digest"]],
        capture_output=True, check=True).stdout)
    if man["annotations"]["dev.sigstore.bundle.predicateType"] == "https://sigstore.dev/cosign/sign/v1":
        print(man["layers"][0]["digest"])' "$HERE/regtool.py" "$REGISTRY")
check "  sha256 of the line (without its newline) is the bundle blob's digest" \
	test "sha256:$(head -c -1 "$T/out" | sha256sum | cut -d' ' -f1)" = "$bundle_blob"
expect 0 "download attestation" download attestation "$REPO:v1"
check "  2 attestation bundles as stored, then 2 legacy envelopes as cosign's Go JSON" \
	bash -c "\"$PY\" \"$HERE/inspecttool.py\" download '$REPO' '$d1' attestation '$T/out' | grep -q '2 bundles, 2 legacy'"
check "  legacy entries have keyid, HTML-escaped payloads untouched" \
	bash -c "grep -c '^{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"[A-Za-z0-9+/=]*\",\"signatures\":\[{\"keyid\":\"\",\"sig\":\"' '$T/out' | grep -qx 2"
expect 0 "download attestation --predicate-type slsaprovenance1" \
	download attestation --predicate-type slsaprovenance1 "$REPO:v1"
check "  one bundle and one legacy entry, both SLSA v1" \
	bash -c "\"$PY\" \"$HERE/inspecttool.py\" download '$REPO' '$d1' attestation '$T/out' https://slsa.dev/provenance/v1 | grep -q '1 bundles, 1 legacy'"
expect 0 "download attestation --predicate-type with a URI (the sign predicate)" \
	download attestation --predicate-type https://sigstore.dev/cosign/sign/v1 "$REPO:v1"
check "  the signature bundle, when asked for by type" \
	bash -c "[ \$(wc -l < '$T/out') -eq 1 ] && grep -q '\"mediaType\":\"application/vnd.dev.sigstore.bundle' '$T/out'"
expect_error 1 "download attestation --predicate-type vuln: none, exit 1" \
	"no attestations with predicate type https://cosign.sigstore.dev/attestation/vuln/v1" \
	download attestation --predicate-type vuln "$REPO:v1"
expect_error 2 "--predicate-type not a type" "invalid predicate type" \
	download attestation --predicate-type 'not a uri' "$REPO:v1"
expect_error 2 "--predicate-type on signatures" "attestations only" \
	download signature --predicate-type vuln "$REPO:v1"
expect 0 "download sbom" download sbom "$REPO:v1"
check "  the SBOM's bytes, unchanged" cmp "$T/out" "$T/sbom.json"
check "  its media type on stderr" grep -qx "Found SBOM of media type: text/spdx+json" "$T/err"

# legacy signatures only: one entry per layer, Rekor bundle annotation as its JSON object
d2=$(push_test_image app v2)
hex2=${d2#sha256:}
expect 0 "sign v2 (legacy) with two keys" sign --key "$T/k.key" "$REPO:v2"
"$SIGIL" sign --key "$T/k2.key" -a team=blue "$REPO:v2" >/dev/null 2>&1
RT get-manifest "$REGISTRY" app "sha256-$hex2.sig" | "$PY" -c 'import json,sys
m = json.load(sys.stdin)
m["layers"][1]["annotations"]["dev.sigstore.cosign/bundle"] = json.dumps({"SignedEntryTimestamp": "AAAA",
    "Payload": {"body": "e30=", "integratedTime": 1700000000, "logIndex": 7, "logID": "ab"}}, separators=(",", ":"))
sys.stdout.write(json.dumps(m, separators=(",", ":")))' > "$T/sig2.json"
RT put-manifest "$REGISTRY" app "sha256-$hex2.sig" "$T/sig2.json"
expect 0 "download signature (legacy only)" download signature "$REPO:v2"
check "  two SignedPayload lines; Payload decodes to the payload blob; Bundle as stored" \
	bash -c "\"$PY\" \"$HERE/inspecttool.py\" download '$REPO' '$d2' signature '$T/out' | grep -q '0 bundles, 2 legacy'"
check "  the entries parse as JSON with cosign's field order" \
	"$PY" -c 'import json,sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert [list(l) for l in ls] == [["Base64Signature", "Payload", "Cert", "Chain", "Bundle", "RFC3161Timestamp"]] * 2
assert ls[0]["Bundle"] is None and ls[1]["Bundle"]["Payload"]["logIndex"] == 7' "$T/out"
check "tree matches the registry for v2" tree_ok "$REPO" "$d2" "$REPO:v2"

# ---- bad input: one line, exit 2 --------------------------------------------------------------
for cmd in "tree" "triangulate" "download signature"; do
	# shellcheck disable=SC2086
	expect_error 2 "$cmd: bad reference" "invalid image reference" $cmd "$REGISTRY/App:v1"
	# shellcheck disable=SC2086
	expect_error 2 "$cmd: no image" "no image given" $cmd
	# shellcheck disable=SC2086
	expect_error 2 "$cmd: two images" "one image at a time" $cmd "$REPO:v1" "$REPO:v2"
	# shellcheck disable=SC2086
	expect_error 2 "$cmd: unknown option" "unknown option" $cmd --frobnicate "$REPO:v1"
done
expect_error 2 "tree: missing image" "nope" tree "$REPO:nope"
expect_error 2 "tree: missing image by digest" "app" tree "$REPO@sha256:$(printf '0%.0s' $(seq 64))"
expect_error 2 "download attestation: missing image" "nope" download attestation "$REPO:nope"
expect_error 2 "download: unknown kind" "unknown kind" download signatures "$REPO:v1"
expect_error 2 "tree --output yaml" "text or json" tree --output yaml "$REPO:v1"
expect_error 2 "tree: unreachable registry" "127.0.0.1:1" tree --timeout 5 127.0.0.1:1/app:v1
for c in tree triangulate "download signature" download; do
	# shellcheck disable=SC2086
	expect 0 "$c --help" $c --help
done
check "download --help says nothing is verified" grep -q "NOTHING IS VERIFIED" "$T/out"

# a fallback index naming a referrer that is not there, and a hostile predicateType
d3=$(push_test_image app v3)
hex3=${d3#sha256:}
expect 0 "sign v3 with a bundle" sign --key "$T/k.key" --bundle-format sigstore "$REPO:v3"
expect 0 "attest v3 (legacy)" attest --key "$T/k.key" --predicate "$T/custom.json" "$REPO:v3"
# a second bundle whose manifest is then deleted: the fallback index still names it
"$SIGIL" sign --key "$T/k2.key" --bundle-format sigstore "$REPO:v3" 2> "$T/sign3.err" >/dev/null
gone=$(grep -o "@sha256:[0-9a-f]*" "$T/sign3.err" | head -1 | cut -c2-)
_sigil_curl -o /dev/null -X DELETE "http://$REGISTRY/v2/app/manifests/$gone"
RT get-manifest "$REGISTRY" app "sha256-$hex3.att" | "$PY" -c 'import json,sys
m = json.load(sys.stdin)
m["layers"][0]["annotations"]["predicateType"] = "evil\u001b]0;pwned\u0007\u001b[31m"
sys.stdout.write(json.dumps(m))' > "$T/att3.json"
RT put-manifest "$REGISTRY" app "sha256-$hex3.att" "$T/att3.json"
run tree "$REPO:v3"
check "tree with a missing referrer: exit 2, one stderr line naming it, the rest listed" \
	bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$T/err') -eq 1 ] && grep -q \"sigil tree: $REPO:v3: referrer $gone\" '$T/err' &&
		grep -q 'sigstore.dev/cosign/sign/v1' '$T/out' && grep -q '💾 Attestations' '$T/out'"
check "  control characters in an annotation are not printed" \
	bash -c "! LC_ALL=C grep -q \$'\\x1b\\|\\x07' '$T/out' && grep -q '(evil?\\]0;pwned??\\[31m)' '$T/out'"
run download signature "$REPO:v3"
check "download with a missing referrer: the good bundle printed, exit 2, error lines name it" \
	bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$T/out') -eq 1 ] && grep -q \"referrer $gone\" '$T/err'"

# ---- the referrers API --------------------------------------------------------------------
"$PY" "$HERE/refserver.py" "$REGISTRY" "$T/refport" 2> "$T/refserver.log" &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 50); do [ -s "$T/refport" ] && break; sleep 0.1; done
API="127.0.0.1:$(cat "$T/refport")"
d4=$(push_test_image api v1)
expect 0 "sign through the referrers API" sign --key "$T/k.key" --bundle-format sigstore "$API/api:v1"
expect 0 "attest through it" attest --key "$T/k.key" --bundle-format sigstore --type slsaprovenance1 \
	--predicate "$T/slsa.json" "$API/api:v1"
check "tree through the API matches (via api)" tree_ok "$API/api" "$d4" "$API/api:v1" --api
check "  json says via api" grep -q '"via":"api"' "$T/tree.json"
expect 0 "download signature through the API" download signature "$API/api:v1"
check "  the bundle as stored" dl_ok "$API/api" "$d4" signature --api
expect 0 "download attestation through the API" download attestation "$API/api:v1"
check "  the bundle as stored" dl_ok "$API/api" "$d4" attestation --api

# ---- OCI layout ---------------------------------------------------------------------------
"$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" v1 >/dev/null
L="oci:$T/img"
ld=$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$T/img/index.json" | head -1)
lhex=${ld#sha256:}
expect 0 "tree of an unsigned layout" tree "$L:v1"
check "  says none" grep -q "^No Supply Chain Security Related Artifacts found for image $L:v1," "$T/out"
expect 0 "sign the layout (legacy)" sign --key "$T/k.key" "$L:v1"
expect 0 "sign the layout (bundle)" sign --key "$T/k.key" --bundle-format sigstore "$L:v1"
expect 0 "attest the layout (legacy)" attest --key "$T/k.key" --type slsaprovenance1 --predicate "$T/slsa.json" "$L:v1"
expect 0 "attest the layout (bundle)" attest --key "$T/k.key" --bundle-format sigstore --predicate "$T/custom.json" "$L:v1"
check "tree of the layout matches its files" tree_ok "$L" "$ld" "$L:v1"
check "  layout form of the tags" grep -q "^└── 🔐 Signatures for an image tag: $L:sha256-$lhex.sig\$" "$T/tree.txt"
for t in signature:sig attestation:att sbom:sbom; do
	expect 0 "triangulate the layout --type ${t%%:*}" triangulate --type "${t%%:*}" "$L:v1"
	check "  oci:PATH:sha256-<hex>.${t#*:}" test "$(cat "$T/out")" = "$L:sha256-$lhex.${t#*:}"
done
expect 0 "triangulate the layout --type digest" triangulate --type digest "$L:v1"
check "  oci:PATH@sha256:<hex>" test "$(cat "$T/out")" = "$L@$ld"
expect 0 "download signature from the layout" download signature "$L:v1"
check "  the bundle's bytes, as in blobs/sha256" dl_ok "$L" "$ld" signature
expect 0 "download attestation from the layout" download attestation "$L:v1"
check "  bundle then legacy entry" dl_ok "$L" "$ld" attestation
expect_error 1 "download sbom from the layout: none" "no SBOM attached" download sbom "$L:v1"

finish
