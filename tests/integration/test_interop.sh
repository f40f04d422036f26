#!/usr/bin/env bash
# Interoperability: sigil against an independent cosign-format implementation in Python
# (cosign_py.py + cosignkey.py: stdlib + `cryptography`), on a real docker-registry.
# Every check here has the other implementation read what sigil wrote, or sigil read what
# the other implementation wrote; nothing is checked by sigil reading its own output only.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/harness.sh"   # $T (temp dir, removed on exit), at_exit, run/expect/check/finish
. "$HERE/lib.sh"       # start_registry, stop_registry, push_test_image
at_exit stop_registry

COSIGN_PY="$HERE/cosign_py.py"
COSIGNKEY="$HERE/cosignkey.py"
export COSIGN_PASSWORD='interop <pass> & "quotes"'

# py ARGS...: runs the Python implementation like `run` runs sigil (RC, $T/out, $T/err)
py() {
	set +e
	"$PY" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}
# expect_py CODE DESC ARGS...: the Python implementation must exit with CODE
expect_py() {
	local want=$1 desc=$2
	shift 2
	py "$@"
	if [ "$RC" -eq "$want" ]; then pass "$desc"; else fail "$desc (wanted exit $want)"; fi
}
# payload_has FILE DIGEST REF [OPTIONAL_JSON]: FILE (verify's stdout) is a JSON array with a
# payload naming DIGEST and REF (and, if given, exactly that `optional` object)
payload_has() {
	"$PY" - "$@" <<'EOF'
import json, sys
f, digest, ref = sys.argv[1:4]
want_opt = json.loads(sys.argv[4]) if len(sys.argv) > 4 else "any"
arr = json.loads(open(f).read())
assert isinstance(arr, list) and arr, "not a non-empty JSON array"
ok = [p for p in arr
      if p["critical"]["image"]["docker-manifest-digest"] == digest
      and p["critical"]["identity"]["docker-reference"] == ref
      and p["critical"]["type"] == "cosign container image signature"
      and (want_opt == "any" or p["optional"] == want_opt)]
sys.exit(0 if ok else 1)
EOF
}
# sig_layers REPO DIGEST: number of layers of the image's .sig manifest (read with curl)
sig_layers() {
	curl -sS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REGISTRY/v2/$1/manifests/${2/:/-}.sig" |
		"$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["layers"]))'
}

start_registry || { echo "Bail out! start_registry failed"; exit 1; }
R=$REGISTRY
REPO=interop/app
IMG="$R/$REPO"
d_py=$(push_test_image "$REPO" py)
d_sg=$(push_test_image "$REPO" sigil)
d_an=$(push_test_image "$REPO" annot)
d_ra=$(push_test_image "$REPO" replay-a)
d_rb=$(push_test_image "$REPO" replay-b)
d_ok=$(push_test_image "$REPO" otherkey)
d_html=$(push_test_image "$REPO" html)
for d in "$d_py" "$d_sg" "$d_an" "$d_ra" "$d_rb" "$d_ok" "$d_html"; do
	case $d in sha256:????????????????????????????????????????????????????????????????) ;;
	*) echo "Bail out! push_test_image printed '$d'"; exit 1 ;; esac
done
[ "$d_ra" != "$d_rb" ] || { echo "Bail out! replay images have the same digest"; exit 1; }

# --- a. Python key + Python signature -> sigil verify
expect_py 0 "a: cosign_py genkey writes an encrypted P-256 key pair" "$COSIGN_PY" genkey "$T/py"
check "a: cosign_py key file is ENCRYPTED SIGSTORE PRIVATE KEY" \
	grep -qx -- '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----' "$T/py.key"
expect_py 0 "a: cosign_py signs $REPO:py" "$COSIGN_PY" sign "$T/py.key" "$IMG:py"
expect_py 0 "a: cosign_py verifies its own signature (sanity)" "$COSIGN_PY" verify "$T/py.pub" "$IMG:py"
expect 0 "a: sigil verify --key py.pub accepts the Python signature" verify --key "$T/py.pub" "$IMG:py"
check "a: sigil's verified payload names $d_py and $IMG" payload_has "$T/out" "$d_py" "$IMG" null
expect 0 "a: sigil verify by digest reference accepts it too" verify --key "$T/py.pub" "$IMG@$d_py"
run public-key --key "$T/py.key"
cp "$T/out" "$T/py.pub.sigil"
check "a: sigil public-key decrypts the Python-made key file and derives py.pub" \
	cmp -s "$T/py.pub.sigil" "$T/py.pub"

# --- b. sigil key + sigil signature -> Python verify, Python decrypts sigil's key
expect 0 "b: sigil generate-key-pair" generate-key-pair --output-key-prefix "$T/sg"
check "b: sigil key file is ENCRYPTED SIGSTORE PRIVATE KEY" \
	grep -qx -- '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----' "$T/sg.key"
py "$COSIGNKEY" pub "$T/sg.key"
cp "$T/out" "$T/sg.pub.py"
check "b: cosignkey.py decrypts sigil's key file (exit $RC)" [ "$RC" -eq 0 ]
check "b: ... and its public key equals sigil's .pub byte for byte" cmp -s "$T/sg.pub.py" "$T/sg.pub"
check "b: sigil key uses scrypt N=65536 r=8 p=1 and nacl/secretbox" "$PY" -c '
import base64, json, sys
lines = open(sys.argv[1]).read().strip().splitlines()
d = json.loads(base64.b64decode("".join(lines[1:-1])))
assert d["kdf"]["name"] == "scrypt" and d["kdf"]["params"] == {"N": 65536, "r": 8, "p": 1}, d["kdf"]
assert len(base64.b64decode(d["kdf"]["salt"])) == 32
assert d["cipher"]["name"] == "nacl/secretbox" and len(base64.b64decode(d["cipher"]["nonce"])) == 24
assert list(d) == ["kdf", "cipher", "ciphertext"]
' "$T/sg.key"
expect 0 "b: sigil sign $REPO:sigil" sign --key "$T/sg.key" "$IMG:sigil"
check "b: sigil sign prints $IMG@$d_sg" grep -qx -- "$IMG@$d_sg" "$T/out"
expect_py 0 "b: cosign_py verify with sigil's .pub accepts sigil's signature" \
	"$COSIGN_PY" verify "$T/sg.pub" "$IMG:sigil"
check "b: cosign_py's verified payload names $d_sg, optional null" payload_has "$T/out" "$d_sg" "$IMG" null
expect_py 1 "b: cosign_py verify with py.pub rejects sigil's signature" \
	"$COSIGN_PY" verify "$T/py.pub" "$IMG:sigil"

# --- c. byte compatibility of what sigil stored with cosign's shape
expect_py 0 "c: sigil's .sig manifest, config and payload are byte-identical to cosign's" \
	"$COSIGN_PY" check-layout-bytes "$IMG:sigil"
expect 0 "c: sigil sign again with the same key" sign --key "$T/sg.key" "$IMG:sigil"
n=$(sig_layers "$REPO" "$d_sg")
check "c: re-signing with the same key adds no layer, as cosign (layers: $n)" [ "$n" = 1 ]

# --- d. both signatures on one image
expect 0 "d: sigil sign appends to the Python-made .sig of $REPO:py" sign --key "$T/sg.key" "$IMG:py"
n=$(sig_layers "$REPO" "$d_py")
check "d: the .sig now has 2 layers (has $n)" [ "$n" = 2 ]
expect 0 "d: sigil verify --key py.pub" verify --key "$T/py.pub" "$IMG:py"
expect 0 "d: sigil verify --key sg.pub" verify --key "$T/sg.pub" "$IMG:py"
expect_py 0 "d: cosign_py verify py.pub" "$COSIGN_PY" verify "$T/py.pub" "$IMG:py"
expect_py 0 "d: cosign_py verify sg.pub" "$COSIGN_PY" verify "$T/sg.pub" "$IMG:py"
expect_py 0 "d: the 2-layer .sig (Python then sigil) is byte-identical to cosign's" \
	"$COSIGN_PY" check-layout-bytes "$IMG:py"
expect_py 0 "d: cosign_py appends to sigil's .sig of $REPO:sigil" \
	"$COSIGN_PY" sign "$T/py.key" "$IMG:sigil"
expect 0 "d: then sigil verify --key py.pub" verify --key "$T/py.pub" "$IMG:sigil"
expect 0 "d: and sigil verify --key sg.pub" verify --key "$T/sg.pub" "$IMG:sigil"
expect 0 "d: sigil signs with the Python-made key file" sign --key "$T/py.key" "$IMG:html"
expect_py 0 "d: ... and cosign_py verifies that signature with py.pub" \
	"$COSIGN_PY" verify "$T/py.pub" "$IMG:html"

# --- e. negatives
expect_py 0 "e: cosign_py signs replay-a's payload into replay-b's .sig tag" \
	"$COSIGN_PY" sign "$T/py.key" "$IMG:replay-a" --attach-to "$IMG:replay-b"
expect 1 "e: sigil verify replay-b rejects the replayed signature (exit 1)" \
	verify --key "$T/py.pub" "$IMG:replay-b"
expect_py 1 "e: cosign_py verify replay-b rejects it too (sanity)" \
	"$COSIGN_PY" verify "$T/py.pub" "$IMG:replay-b"
expect_py 0 "e: cosign_py genkey a second key" "$COSIGN_PY" genkey "$T/py2"
expect_py 0 "e: cosign_py signs $REPO:otherkey with the second key" \
	"$COSIGN_PY" sign "$T/py2.key" "$IMG:otherkey"
expect 1 "e: sigil verify --key py.pub rejects a signature by another key (exit 1)" \
	verify --key "$T/py.pub" "$IMG:otherkey"
expect 0 "e: sigil verify --key py2.pub accepts it (control)" verify --key "$T/py2.pub" "$IMG:otherkey"

# --- f. annotations
expect 0 "f: sigil sign -a env=prod" sign --key "$T/sg.key" -a env=prod "$IMG:annot"
expect_py 0 "f: cosign_py verify accepts it" "$COSIGN_PY" verify "$T/sg.pub" "$IMG:annot"
check "f: cosign_py sees optional {\"env\":\"prod\"}" payload_has "$T/out" "$d_an" "$IMG" '{"env":"prod"}'
expect_py 0 "f: cosign_py verify -a env=prod" "$COSIGN_PY" verify "$T/sg.pub" -a env=prod "$IMG:annot"
expect_py 0 "f: annotated payload and .sig are byte-identical to cosign's" \
	"$COSIGN_PY" check-layout-bytes -a env=prod "$IMG:annot"
expect 0 "f: sigil verify -a env=prod" verify --key "$T/sg.pub" -a env=prod "$IMG:annot"
expect 1 "f: sigil verify -a env=dev (exit 1)" verify --key "$T/sg.pub" -a env=dev "$IMG:annot"
# Go JSON escaping of annotation values (<, >, & as \u003c...), both directions
note='a<b>&c "q" é'
expect_py 0 "f: cosign_py signs with -a 'note=$note'" \
	"$COSIGN_PY" sign "$T/py.key" -a "note=$note" -a z=1 "$IMG:otherkey"
expect 0 "f: sigil verify -a 'note=$note' accepts the Python payload" \
	verify --key "$T/py.pub" -a "note=$note" "$IMG:otherkey"
check "f: sigil prints optional {note, z} back" payload_has "$T/out" "$d_ok" "$IMG" \
	"$("$PY" -c 'import json,sys; print(json.dumps({"note": sys.argv[1], "z": "1"}))' "$note")"
expect 0 "f: sigil sign -a 'note=$note' -a z=1" sign --key "$T/sg.key" -a z=1 -a "note=$note" "$IMG:annot"
check "f: sigil's payload bytes have Go's HTML escaping (\\u003c \\u003e \\u0026)" "$PY" -c '
import json, sys, http.client
host, repo, digest = sys.argv[1:4]
c = http.client.HTTPConnection(host)
c.request("GET", "/v2/%s/manifests/%s.sig" % (repo, digest.replace(":", "-")),
          headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
m = json.loads(c.getresponse().read())
c.request("GET", "/v2/%s/blobs/%s" % (repo, m["layers"][-1]["digest"]))
p = c.getresponse().read()
want = b"{\"note\":\"a\\u003cb\\u003e\\u0026c \\\"q\\\" \xc3\xa9\",\"z\":\"1\"}"
assert p.endswith(b",\"optional\":" + want + b"}"), p
' "$R" "$REPO" "$d_an"

finish
