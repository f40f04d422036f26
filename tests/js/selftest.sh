#!/usr/bin/env bash
# Self-check of the sigstore-js interop scripts, without sigil: sign_bundle.mjs and
# verify_bundle.mjs against each other and against bundles built independently by pybundle.py
# (Python's `cryptography`), for ECDSA P-256 (PKCS#8 and SEC1 PEM), Ed25519 and RSA keys;
# tampered bundles must be refused.
#   bash tests/js/selftest.sh        (installs node_modules with npm ci if needed)
# Prints "ok N - ..." lines and "N passed, N failed"; exits 1 when a check fails.
set -euo pipefail
JS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$JS/lib.sh"
PY="${SIGIL_PYTHON:-python3}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PASSED=0
FAILED=0

_ok() { PASSED=$((PASSED + 1)); echo "ok $((PASSED + FAILED)) - $1"; }
_not_ok() {
	FAILED=$((FAILED + 1))
	echo "not ok $((PASSED + FAILED)) - $1"
	sed 's/^/#   /' "$T/out" "$T/err" | head -10
}
_run() {
	set +e
	"$@" > "$T/out" 2> "$T/err"
	RC=$?
	set -e
}
# verifies DESC ARGS...: verify_bundle.mjs ARGS prints exactly "verified" and exits 0
verifies() {
	local desc=$1
	shift
	_run js_verify_bundle "$@"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = verified ] && [ ! -s "$T/err" ]; then _ok "$desc"; else _not_ok "$desc"; fi
}
# refuses DESC PATTERN ARGS...: exit 1, nothing on stdout, one stderr line "error: ..." matching PATTERN
refuses() {
	local desc=$1 pat=$2
	shift 2
	_run js_verify_bundle "$@"
	if [ "$RC" -eq 1 ] && [ ! -s "$T/out" ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
		grep -q '^error: ' "$T/err" && grep -q -- "$pat" "$T/err"; then
		_ok "$desc"
	else
		_not_ok "$desc (wanted exit 1 and 'error: ...$pat...')"
	fi
}
# check DESC CMD...: any command that must succeed
check() {
	local desc=$1
	shift
	_run "$@"
	if [ "$RC" -eq 0 ]; then _ok "$desc"; else _not_ok "$desc"; fi
}
# field FILE EXPR: a Python expression over the bundle JSON `b`
field() { "$PY" -c 'import json, sys; b = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

sigstore_js_setup
echo "# node $(node --version); $(cd "$JS" && node -p 'Object.keys(require("./package.json").dependencies).map(d => d + "@" + require("./node_modules/" + d + "/package.json").version).join(" ")')"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/sec1.pem" 2>/dev/null # "EC PRIVATE KEY"
openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
for k in ec sec1 ed rsa; do openssl pkey -in "$T/$k.pem" -pubout -out "$T/$k.pub" 2>/dev/null; done

# The "image": some manifest bytes; the statement names their digest, as cosign's do.
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}' > "$T/manifest.json"
D="sha256:$(sha256 "$T/manifest.json")"
OTHER="sha256:$(printf '0%.0s' {1..64})"
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"%s"},"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}' \
	"${D#sha256:}" > "$T/st.json"
printf 'hello world' > "$T/hello.txt"

for k in ec sec1 ed rsa; do
	o=$([ "$k" = ed ] && echo ec || echo ed) # a key of another type for the wrong-key checks
	hint=$("$PY" "$JS/pybundle.py" hint "$T/$k.pem")
	echo "# $k key, cosign hint $hint"

	# ---- DSSE: sigstore-js signs ------------------------------------------------------
	check "$k: sign_bundle.mjs dsse" js_sign_bundle dsse --key "$T/$k.pem" --payload-file "$T/st.json"
	cp "$T/out" "$T/js-dsse.json"
	check "$k:   one line of JSON, bundle v0.3, dsseEnvelope" test "$(wc -l < "$T/js-dsse.json")" -eq 1 -a \
		"$(field "$T/js-dsse.json" 'b["mediaType"] + " " + ",".join(k for k in b if k.endswith(("Envelope", "Signature")))')" = \
		"application/vnd.dev.sigstore.bundle.v0.3+json dsseEnvelope"
	check "$k:   publicKey hint is cosign's (base64 SHA-256 of the PKIX DER)" \
		test "$(field "$T/js-dsse.json" 'b["verificationMaterial"]["publicKey"]["hint"]')" = "$hint"
	check "$k:   no tlog entries, no timestamps" test "$(field "$T/js-dsse.json" \
		'len(b["verificationMaterial"].get("tlogEntries", [])) + len(b["verificationMaterial"].get("timestampVerificationData", {}).get("rfc3161Timestamps", []))')" = 0
	verifies "$k:   verify_bundle.mjs verifies it, subject digest and hint" \
		--bundle "$T/js-dsse.json" --key "$T/$k.pub" --digest "$D" --check-hint
	verifies "$k:   and with --artifact (the subject's bytes)" \
		--bundle "$T/js-dsse.json" --key "$T/$k.pub" --artifact "$T/manifest.json"
	check "$k:   pybundle.py verifies it too (PAE and signature, independently)" \
		"$PY" "$JS/pybundle.py" verify "$T/js-dsse.json" "$T/$k.pub"
	refuses "$k:   refused with another key" "signature verification failed" \
		--bundle "$T/js-dsse.json" --key "$T/$o.pub"
	refuses "$k:   refused for another digest" "no statement subject has digest" \
		--bundle "$T/js-dsse.json" --key "$T/$k.pub" --digest "$OTHER"

	# ---- DSSE: Python signs -----------------------------------------------------------
	"$PY" "$JS/pybundle.py" dsse "$T/$k.pem" "$T/st.json" > "$T/py-dsse.json"
	verifies "$k: verify_bundle.mjs verifies pybundle.py's DSSE bundle" \
		--bundle "$T/py-dsse.json" --key "$T/$k.pub" --digest "$D" --check-hint
	refuses "$k:   refused with another key" "signature verification failed" \
		--bundle "$T/py-dsse.json" --key "$T/$o.pub"
	for w in payload sig; do
		"$PY" "$JS/pybundle.py" tamper "$T/py-dsse.json" "$w" > "$T/bad.json"
		refuses "$k:   tampered ($w) is refused" "signature verification failed" --bundle "$T/bad.json" --key "$T/$k.pub"
	done
	"$PY" "$JS/pybundle.py" tamper "$T/py-dsse.json" twosigs > "$T/bad.json"
	refuses "$k:   two signatures are refused (bundle rule)" "invalid bundle" --bundle "$T/bad.json" --key "$T/$k.pub"
	"$PY" "$JS/pybundle.py" tamper "$T/py-dsse.json" hint > "$T/bad.json"
	verifies "$k:   another key's hint: the given key is used anyway (as cosign --key)" --bundle "$T/bad.json" --key "$T/$k.pub"
	refuses "$k:   but --check-hint refuses it" "hint" --bundle "$T/bad.json" --key "$T/$k.pub" --check-hint

	# ---- message signatures -----------------------------------------------------------
	check "$k: sign_bundle.mjs message" js_sign_bundle message --key "$T/$k.pem" --artifact "$T/manifest.json"
	cp "$T/out" "$T/js-msg.json"
	check "$k:   bundle v0.3, messageSignature, cosign's hint" test \
		"$(field "$T/js-msg.json" 'b["mediaType"] + " " + ",".join(k for k in b if k.endswith(("Envelope", "Signature"))) + " " + b["verificationMaterial"]["publicKey"]["hint"]')" = \
		"application/vnd.dev.sigstore.bundle.v0.3+json messageSignature $hint"
	verifies "$k:   verify_bundle.mjs verifies it (artifact, digest, hint)" \
		--bundle "$T/js-msg.json" --key "$T/$k.pub" --artifact "$T/manifest.json" --digest "$D" --check-hint
	check "$k:   pybundle.py verifies it too" "$PY" "$JS/pybundle.py" verify "$T/js-msg.json" "$T/$k.pub" "$T/manifest.json"
	refuses "$k:   refused over other bytes" "messageDigest is not" \
		--bundle "$T/js-msg.json" --key "$T/$k.pub" --artifact "$T/hello.txt"
	refuses "$k:   refused for another digest" "messageDigest is sha256" \
		--bundle "$T/js-msg.json" --key "$T/$k.pub" --artifact "$T/manifest.json" --digest "$OTHER"
	refuses "$k:   refused with another key" "signature verification failed" \
		--bundle "$T/js-msg.json" --key "$T/$o.pub" --artifact "$T/manifest.json"
	refuses "$k:   a digest alone is not enough (sigstore-js verifies over the bytes)" "needs --artifact" \
		--bundle "$T/js-msg.json" --key "$T/$k.pub" --digest "$D"
	check "$k: sign_bundle.mjs message --stock (the builder as shipped)" \
		js_sign_bundle message --key "$T/$k.pem" --artifact "$T/manifest.json" --stock
	cp "$T/out" "$T/js-stock.json"
	check "$k:   is labelled bundle v0.2" test "$(field "$T/js-stock.json" 'b["mediaType"]')" = \
		"application/vnd.dev.sigstore.bundle+json;version=0.2"
	verifies "$k:   and verifies" --bundle "$T/js-stock.json" --key "$T/$k.pub" --artifact "$T/manifest.json" --check-hint

	"$PY" "$JS/pybundle.py" message "$T/$k.pem" "$T/manifest.json" > "$T/py-msg.json"
	verifies "$k: verify_bundle.mjs verifies pybundle.py's message bundle" \
		--bundle "$T/py-msg.json" --key "$T/$k.pub" --artifact "$T/manifest.json" --digest "$D" --check-hint
	for w in sig digest; do
		"$PY" "$JS/pybundle.py" tamper "$T/py-msg.json" "$w" > "$T/bad.json"
		refuses "$k:   tampered ($w) is refused" "verification failed\|messageDigest" \
			--bundle "$T/bad.json" --key "$T/$k.pub" --artifact "$T/manifest.json"
	done
done

# ---- DSSE over something that is not an in-toto statement --------------------------
js_sign_bundle dsse --key "$T/ec.pem" --payload-file "$T/hello.txt" --payload-type text/plain > "$T/plain.json"
check "a text/plain DSSE bundle keeps its payloadType" test "$(field "$T/plain.json" 'b["dsseEnvelope"]["payloadType"]')" = text/plain
verifies "  verifies without --digest" --bundle "$T/plain.json" --key "$T/ec.pub"
refuses "  --digest needs an in-toto payload" "payloadType is text/plain" --bundle "$T/plain.json" --key "$T/ec.pub" --digest "$D"
"$PY" "$JS/pybundle.py" dsse "$T/ec.pem" "$T/hello.txt" text/plain > "$T/plain.json"
verifies "  the same from pybundle.py" --bundle "$T/plain.json" --key "$T/ec.pub"

# ---- bad input ----------------------------------------------------------------------
printf '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}' > "$T/empty.json"
refuses "a bundle without content is refused" "invalid bundle" --bundle "$T/empty.json" --key "$T/ec.pub"
printf 'not json' > "$T/junk.json"
refuses "a file that is not JSON is refused" "JSON" --bundle "$T/junk.json" --key "$T/ec.pub"
refuses "a missing --key is a usage error" "usage" --bundle "$T/empty.json"
_run js_sign_bundle dsse --key "$T/ec.pem"
check "sign_bundle.mjs without --payload-file: exit 1, error line" test "$RC" -eq 1 -a ! -s "$T/out"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/p384.pem" 2>/dev/null
_run js_sign_bundle dsse --key "$T/p384.pem" --payload-file "$T/st.json"
cp "$T/err" "$T/p384.err"
check "sign_bundle.mjs refuses a P-384 key" test "$RC" -eq 1 -a "$(grep -c 'only P-256' "$T/p384.err")" -eq 1

echo "1..$((PASSED + FAILED))"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
