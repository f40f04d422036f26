#!/usr/bin/env bash
# Interoperability with sigstore-js, an independent implementation of sigstore bundles:
# bundles sigil writes verify with @sigstore/verify (public key, no TUF, tlogThreshold 0), and
# bundles @sigstore/sign makes (DSSEBundleBuilder, MessageSignatureBundleBuilder, key-based
# signer) verify with sigil once attached to an image in Debian's docker-registry.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"
. "$ROOT/tests/js/lib.sh"

sigstore_js_setup
start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
# One P-256 and one Ed25519 key: plaintext PEM for node, imported as cosign keys for sigil.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
"$SIGIL" import-key-pair --key "$T/ec.pem" --output-key-prefix "$T/ec" 2>/dev/null
"$SIGIL" import-key-pair --key "$T/ed.pem" --output-key-prefix "$T/ed" 2>/dev/null
BT() { "$PY" "$HERE/bundletool.py" "$@"; }
# the bundle blob of the newest referrer sigil pushed (from its stderr)
bundle_of() { # REPO -> $T/bundle.json
	local man
	man=$(grep -o 'Pushed [a-z ]*bundle [^@]*@sha256:[0-9a-f]*' "$T/err" | tail -1 | sed 's/.*@//')
	"$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" "$1" "$man" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])' > "$T/bdigest"
	"$PY" "$HERE/regtool.py" get-blob "$REGISTRY" "$1" "$(cat "$T/bdigest")" > "$T/bundle.json"
}

d1=$(push_test_image js one)
IMG="$REGISTRY/js"

# ---- sigil writes, sigstore-js reads ------------------------------------------------
for k in ec ed; do
	expect 0 "sigil sign --bundle-format sigstore ($k)" sign --key "$T/$k.key" --bundle-format sigstore "$IMG@$d1"
	bundle_of js
	check "sigstore-js verifies sigil's $k signature bundle, subject = the image" \
		js_verify_bundle --bundle "$T/bundle.json" --key "$T/$k.pub" --digest "$d1"
	check "  and rejects it with the other key" \
		bash -c "! node '$ROOT/tests/js/verify_bundle.mjs' --bundle '$T/bundle.json' --key '$T/$([ $k = ec ] && echo ed || echo ec).pub' 2>/dev/null"
	check "  and for another digest" \
		bash -c "! node '$ROOT/tests/js/verify_bundle.mjs' --bundle '$T/bundle.json' --key '$T/$k.pub' --digest sha256:$(printf '0%.0s' {1..64}) 2>/dev/null"
done
printf '{"buildDefinition":{"buildType":"https://example.com/b"},"runDetails":{"builder":{"id":"x"}}}\n' > "$T/slsa.json"
expect 0 "sigil attest --bundle-format sigstore" attest --key "$T/ec.key" --bundle-format sigstore \
	--type slsaprovenance1 --predicate "$T/slsa.json" "$IMG@$d1"
bundle_of js
check "sigstore-js verifies sigil's attestation bundle" \
	js_verify_bundle --bundle "$T/bundle.json" --key "$T/ec.pub" --digest "$d1"
# a sigil bundle with one flipped signature byte
"$PY" - "$T/bundle.json" > "$T/flipped.json" <<'EOF'
import base64, json, sys
b = json.load(open(sys.argv[1]))
s = bytearray(base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"])); s[-1] ^= 1
b["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
print(json.dumps(b))
EOF
check "sigstore-js rejects a tampered sigil bundle" \
	bash -c "! node '$ROOT/tests/js/verify_bundle.mjs' --bundle '$T/flipped.json' --key '$T/ec.pub' 2>/dev/null"

# ---- sigstore-js writes, sigil reads ------------------------------------------------
statement() { # DIGEST PREDICATE_TYPE PREDICATE_JSON
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"%s"}}],"predicateType":"%s","predicate":%s}' \
		"${1#sha256:}" "$2" "$3"
}
for k in ec ed; do
	d=$(push_test_image js "dsse-$k")
	statement "$d" https://sigstore.dev/cosign/sign/v1 '{}' > "$T/st.json"
	js_sign_bundle dsse --key "$T/$k.pem" --payload-file "$T/st.json" > "$T/js.json"
	BT attach-file "$REGISTRY" js "$d" "$T/js.json" >/dev/null
	expect 0 "sigil verifies a sigstore-js DSSE bundle ($k)" verify --key "$T/$k.pub" "$IMG@$d"
	check "  found as a sigstore bundle" grep -q "sigstore bundle sha256:" "$T/err"
	expect 1 "  and not with the other key" verify --key "$T/$([ $k = ec ] && echo ed || echo ec).pub" "$IMG@$d"
done
d=$(push_test_image js att)
statement "$d" https://slsa.dev/provenance/v1 "$(cat "$T/slsa.json")" > "$T/st.json"
js_sign_bundle dsse --key "$T/ec.pem" --payload-file "$T/st.json" > "$T/js.json"
BT attach-file "$REGISTRY" js "$d" "$T/js.json" >/dev/null
expect 0 "sigil verify-attestation reads a sigstore-js attestation bundle" \
	verify-attestation --key "$T/ec.pub" --type slsaprovenance1 "$IMG@$d"
d=$(push_test_image js other)
statement "$(push_test_image js victim)" https://sigstore.dev/cosign/sign/v1 '{}' > "$T/st.json"
js_sign_bundle dsse --key "$T/ec.pem" --payload-file "$T/st.json" > "$T/js.json"
BT attach-file "$REGISTRY" js "$d" "$T/js.json" >/dev/null
expect_error 1 "a sigstore-js bundle about another image is refused" "subject is not" \
	verify --key "$T/ec.pub" "$IMG@$d"

# message signatures over the image manifest (v0.3 from sign_bundle.mjs; --stock gives what the
# stock MessageSignatureBundleBuilder labels them: v0.2)
d=$(push_test_image js msg)
"$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" js "$d" > "$T/manifest.json"
js_sign_bundle message --key "$T/ec.pem" --artifact "$T/manifest.json" > "$T/js.json"
check "sigstore-js verifies its own message bundle (sanity)" \
	js_verify_bundle --bundle "$T/js.json" --key "$T/ec.pub" --artifact "$T/manifest.json"
BT attach-file "$REGISTRY" js "$d" "$T/js.json" >/dev/null
expect 0 "sigil verifies a sigstore-js message-signature bundle over the manifest" \
	verify --key "$T/ec.pub" "$IMG@$d"
d=$(push_test_image js msgstock)
"$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" js "$d" > "$T/manifest2.json"
js_sign_bundle message --stock --key "$T/ec.pem" --artifact "$T/manifest2.json" > "$T/js.json"
check "  --stock writes a v0.2 bundle" grep -q 'bundle+json;version=0.2' "$T/js.json"
BT attach-file "$REGISTRY" js "$d" "$T/js.json" >/dev/null
expect 0 "sigil verifies the stock v0.2 message-signature bundle" verify --key "$T/ec.pub" "$IMG@$d"
d=$(push_test_image js msg2)
js_sign_bundle message --key "$T/ec.pem" --artifact "$T/manifest.json" > "$T/js.json"
BT attach-file "$REGISTRY" js "$d" "$T/js.json" >/dev/null
expect_error 1 "a message signature over another manifest is refused" "messageDigest" \
	verify --key "$T/ec.pub" "$IMG@$d"

finish
