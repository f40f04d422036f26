#!/usr/bin/env bash
# attest / verify-attestation (cosign's legacy .att storage) against Debian's docker-registry
# on a free loopback port, and on an OCI layout.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/k2" 2>/dev/null

cat > "$T/slsa1.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/build/v1", "externalParameters": {"ref": "main"}},
 "runDetails": {"builder": {"id": "https://example.com/builder"}, "metadata": {"invocationID": "run-1"}}}
EOF
cat > "$T/slsa1b.json" <<'EOF'
{"buildDefinition": {"buildType": "https://example.com/build/v2"}, "runDetails": {"builder": {"id": "b2"}}}
EOF
printf '{"hello": "world", "n": 3}\n' > "$T/custom.json"
printf 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n' > "$T/sbom.spdx"
printf '{"buildDefinition": {\n' > "$T/bad.json"

# Independent check with Python's cryptography: every layer of the .att image is a DSSE
# envelope whose signature verifies over PAE with the public key, whose statement names the
# image (subject name and digest), and whose annotations are cosign's. Prints the layer count.
pycheck() { # HOST REPO TAG PUBKEY DIGEST NAME
	"$PY" - "$HERE" "$@" <<'EOF'
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
sys.path.insert(0, sys.argv[1])
import regtool
host, repo, tag, pubf, digest, name = sys.argv[2:8]
pub = serialization.load_pem_public_key(open(pubf, "rb").read())
man = json.loads(regtool.get_manifest(host, repo, tag))
assert man["mediaType"] == "application/vnd.oci.image.manifest.v1+json", man
for l in man["layers"]:
    assert l["mediaType"] == "application/vnd.dsse.envelope.v1+json", l
    ann = l["annotations"]
    assert ann["dev.cosignproject.cosign/signature"] == "", ann
    raw = regtool.get_blob(host, repo, l["digest"])
    assert raw.startswith(b'{"payloadType":"application/vnd.in-toto+json","payload":"'), raw[:80]
    env = json.loads(raw)
    assert list(env) == ["payloadType", "payload", "signatures"], list(env)
    assert env["signatures"][0]["keyid"] == ""
    pt = env["payloadType"].encode()
    body = base64.b64decode(env["payload"])
    pae = b"DSSEv1 %d %s %d %s" % (len(pt), pt, len(body), body)
    pub.verify(base64.b64decode(env["signatures"][0]["sig"]), pae, ec.ECDSA(hashes.SHA256()))
    st = json.loads(body)
    assert st["_type"] in ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"), st
    assert list(st) == ["_type", "subject", "predicateType", "predicate"], list(st)
    assert st["subject"] == [{"name": name, "digest": {"sha256": digest.split(":")[1]}}], st
    assert ann["predicateType"] == st["predicateType"], (ann, st["predicateType"])
print(len(man["layers"]))
EOF
}
layers() { # REPO TAG
	"$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" "$1" "$2" |
		"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))'
}
statement() { # the statement of envelope line N (default 1) of $T/out
	sed -n "${1:-1}p" "$T/out" | "$PY" -c 'import base64,json,sys; print(base64.b64decode(json.load(sys.stdin)["payload"]).decode())'
}
stmt_has() { # FIXED-STRING [LINE]: the statement of envelope LINE of $T/out contains it
	statement "${2:-1}" | grep -qF -- "$1"
}
stmt_match() { # REGEX [LINE]
	statement "${2:-1}" | grep -q -- "$1"
}
lines() { wc -l < "$T/out"; }
no_att() { # REPO TAG: the .att tag does not exist
	! "$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" "$1" "$2" >/dev/null 2>&1
}

d1=$(push_test_image app v1)
REPO="$REGISTRY/app"
att1="sha256-${d1#sha256:}.att"

expect_error 1 "unattested image fails" "no attestations found" verify-attestation --key "$T/k.pub" "$REPO:v1"

# attest by tag, SLSA provenance v1
expect 0 "attest by tag (slsaprovenance1)" attest --key "$T/k.key" --predicate "$T/slsa1.json" --type slsaprovenance1 "$REPO:v1"
check "attest prints repo@digest" grep -qx "$REPO@$d1" "$T/out"
check "attest says where it pushed" grep -q "$att1" "$T/err"
expect 0 "verify-attestation by tag" verify-attestation --key "$T/k.pub" "$REPO:v1"
check "one envelope line on stdout" test "$(wc -l < "$T/out")" -eq 1
check "the envelope is an in-toto DSSE envelope" grep -q '^{"payloadType":"application/vnd.in-toto+json","payload":"' "$T/out"
check "header on stderr" grep -q "Verification for $REPO:v1 --" "$T/err"
check "statement is v1 by default" stmt_has '{"_type":"https://in-toto.io/Statement/v1",'
check "statement names the repository and digest" stmt_has "\"subject\":[{\"name\":\"$REPO\",\"digest\":{\"sha256\":\"${d1#sha256:}\"}}]"
check "invocationID renamed as cosign does" stmt_has '"invocationId":"run-1"'
expect 0 "verify-attestation by digest" verify-attestation --key "$T/k.pub" "$REPO@$d1"
expect 0 "--type filter that matches (name)" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$REPO:v1"
expect 0 "--type filter that matches (URI)" verify-attestation --key "$T/k.pub" --type https://slsa.dev/provenance/v1 "$REPO:v1"
expect_error 1 "--type filter that does not match" "none of the attestations matched the predicate type: https://cyclonedx.org/bom, found: https://slsa.dev/provenance/v1" \
	verify-attestation --key "$T/k.pub" --type cyclonedx "$REPO:v1"
expect 1 "wrong key fails" verify-attestation --key "$T/k2.pub" "$REPO:v1"
check "nothing on stdout when it fails" test ! -s "$T/out"
expect 1 "a cosign-style default --type custom finds no custom attestation" verify-attestation --key "$T/k.pub" --type custom "$REPO:v1"

# a second attestation, by digest, with a custom predicate type URI: appended
expect 0 "attest by digest with a custom URI" attest --key "$T/k.key" --predicate "$T/custom.json" --type https://example.com/custom/v1 "$REPO@$d1"
check "two attestations, two layers" test "$(layers app "$att1")" -eq 2
expect 0 "verify-attestation prints both" verify-attestation --key "$T/k.pub" "$REPO:v1"
check "two envelope lines" test "$(wc -l < "$T/out")" -eq 2
expect 0 "filter picks the custom one" verify-attestation --key "$T/k.pub" --type https://example.com/custom/v1 "$REPO:v1"
check "one envelope line" test "$(wc -l < "$T/out")" -eq 1
check "custom predicate embedded as JSON" stmt_has '"predicate":{"hello":"world","n":3}}'

# cosign's default type and the legacy statement version
expect 0 "attest --type custom --statement-version 0.1" attest --key "$T/k.key" --predicate "$T/custom.json" --statement-version 0.1 "$REPO:v1"
expect 0 "verify --type custom" verify-attestation --key "$T/k.pub" --type custom "$REPO:v1"
check "v0.1 statement with cosign's Data/Timestamp predicate" stmt_match '^{"_type":"https://in-toto.io/Statement/v0.1",.*"predicate":{"Data":"{\\"hello\\": \\"world\\", \\"n\\": 3}\\n","Timestamp":"20[0-9-]*T[0-9:]*Z"}}$'
expect 0 "spdx tag-value predicate from stdin" attest --key "$T/k.key" --predicate - --type spdx "$REPO:v1" < "$T/sbom.spdx"
expect 0 "verify --type spdx" verify-attestation --key "$T/k.pub" --type spdx "$REPO:v1"
check "SPDX text embedded as a JSON string" stmt_has '"predicate":"SPDXVersion: SPDX-2.3\nDataLicense'
check "four layers" test "$(layers app "$att1")" -eq 4

# --replace drops the attestations of the same predicate type only
expect 0 "attest --replace" attest --key "$T/k.key" --predicate "$T/slsa1b.json" --type slsaprovenance1 --replace "$REPO:v1"
check "replace said so" grep -q "replaced 1" "$T/err"
check "still four layers" test "$(layers app "$att1")" -eq 4
expect 0 "verify slsaprovenance1 after replace" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$REPO:v1"
check "only one provenance is left" test "$(lines)" -eq 1
check "it is the new one" stmt_has 'build/v2'

check "independent check (Python cryptography): every layer verifies and names the image" \
	test "$(pycheck "$REGISTRY" app "$att1" "$T/k.pub" "$d1" "$REPO")" = 4

# The other direction: an attestation made without sigil, shaped as cosign v3 writes it
# (protojson key order, no keyid, ", " in the statement), verifies; sigil appends beside it.
d8=$(push_test_image foreign v1)
att8="sha256-${d8#sha256:}.att"
"$PY" - "$HERE" "$REGISTRY" foreign "$att8" "$d8" "$T/py.pub" "$T/py-envelope" <<'EOF2'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
sys.path.insert(0, sys.argv[1])
import regtool
host, repo, tag, digest, pubout, envout = sys.argv[2:8]
key = ec.generate_private_key(ec.SECP256R1())
open(pubout, "wb").write(key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
st = ('{"_type":"https://in-toto.io/Statement/v0.1", "subject":[{"name":"%s/%s", '
      '"digest":{"sha256":"%s"}}], "predicateType":"https://slsa.dev/provenance/v1", '
      '"predicate":{"buildDefinition":{"buildType":"x"}, "runDetails":{}}}'
      % (host, repo, digest.split(":")[1])).encode()
pt = b"application/vnd.in-toto+json"
sig = key.sign(b"DSSEv1 %d %s %d %s" % (len(pt), pt, len(st), st), ec.ECDSA(hashes.SHA256()))
env = json.dumps({"payload": base64.b64encode(st).decode(), "payloadType": pt.decode(),
                  "signatures": [{"sig": base64.b64encode(sig).decode()}]},
                 separators=(",", ":")).encode()
open(envout, "wb").write(env + b"\n")
ed = regtool.put_blob(host, repo, env)
cfg = ('{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],'
       '"os":"","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' % ed).encode()
cd = regtool.put_blob(host, repo, cfg)
man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(cfg), "digest": cd},
       "layers": [{"mediaType": "application/vnd.dsse.envelope.v1+json", "size": len(env), "digest": ed,
                   "annotations": {"dev.cosignproject.cosign/signature": "",
                                   "predicateType": "https://slsa.dev/provenance/v1"}}]}
regtool.put_manifest(host, repo, tag, json.dumps(man, separators=(",", ":")).encode())
EOF2
expect 0 "an envelope made by another producer verifies" verify-attestation --key "$T/py.pub" --type slsaprovenance1 "$REGISTRY/foreign:v1"
check "it is printed byte for byte as stored" cmp -s "$T/out" "$T/py-envelope"
expect 0 "sigil appends beside it" attest --key "$T/k.key" --predicate "$T/custom.json" --type openvex "$REGISTRY/foreign:v1"
check "two layers" test "$(layers foreign "$att8")" -eq 2
expect 0 "the foreign attestation still verifies" verify-attestation --key "$T/py.pub" "$REGISTRY/foreign:v1"
expect 0 "and sigil's" verify-attestation --key "$T/k.pub" --type openvex "$REGISTRY/foreign:v1"

# Tampering with what is stored: each case on a fresh image attested once with k2.
tampered() { # WHAT: sets TIMG
	local d
	d=$(push_test_image "tamper-$1" v1)
	TIMG="$REGISTRY/tamper-$1:v1"
	"$SIGIL" attest --key "$T/k2.key" --predicate "$T/slsa1.json" --type slsaprovenance1 "$TIMG" >/dev/null 2>&1
	"$PY" "$HERE/regtool.py" att "$REGISTRY" "tamper-$1" "sha256-${d#sha256:}.att" "$1"
}
tampered payload
expect_error 1 "statement changed under its signature fails" "no signature in the envelope verifies" verify-attestation --key "$T/k2.pub" "$TIMG"
"$SIGIL" attest --key "$T/k2.key" --predicate "$T/slsa1.json" --type slsaprovenance1 "$TIMG" >/dev/null 2>&1
expect 0 "a good attestation beside a tampered one verifies" verify-attestation --key "$T/k2.pub" "$TIMG"
check "only the good one is printed" test "$(lines)" -eq 1
tampered sig
expect_error 1 "flipped signature fails" "no signature in the envelope verifies" verify-attestation --key "$T/k2.pub" "$TIMG"
tampered twosig
expect 0 "two signatures, one bad, one good: verifies (DSSE threshold 1)" verify-attestation --key "$T/k2.pub" "$TIMG"
expect 1 "... and not with another key" verify-attestation --key "$T/k.pub" "$TIMG"
tampered type
expect_error 1 "wrong payloadType fails" "invalid payloadType" verify-attestation --key "$T/k2.pub" "$TIMG"
tampered nosig
expect_error 1 "envelope with no signatures fails" "no signatures" verify-attestation --key "$T/k2.pub" "$TIMG"
tampered dup
expect_error 1 "envelope with a duplicate key fails" "duplicate" verify-attestation --key "$T/k2.pub" "$TIMG"

# A valid attestation for image A copied onto image B's .att tag names A's digest.
d5=$(push_test_image victim v1)
d6=$(push_test_image victim v2)
"$SIGIL" attest --key "$T/k.key" --predicate "$T/slsa1.json" --type slsaprovenance1 "$REGISTRY/victim:v1" >/dev/null 2>&1
"$PY" "$HERE/regtool.py" tamper "$REGISTRY" victim "sha256-${d5#sha256:}.att" copy "sha256-${d6#sha256:}.att"
expect 0 "the original still verifies" verify-attestation --key "$T/k.pub" "$REGISTRY/victim:v1"
expect_error 1 "statement about another digest fails" "about another image" verify-attestation --key "$T/k.pub" "$REGISTRY/victim:v2"
# A .sig image put at the .att tag: layers are not DSSE envelopes.
"$SIGIL" sign --key "$T/k.key" "$REGISTRY/victim:v2" >/dev/null 2>&1
"$PY" "$HERE/regtool.py" tamper "$REGISTRY" victim "sha256-${d6#sha256:}.sig" copy "sha256-${d6#sha256:}.att"
expect_error 1 "signature layers at the .att tag fail" "not a DSSE envelope" verify-attestation --key "$T/k.pub" "$REGISTRY/victim:v2"

# Bad input: one line, exit 2, nothing written.
d7=$(push_test_image clean v1)
att7="sha256-${d7#sha256:}.att"
expect_error 2 "bad predicate file" "bad.json" attest --key "$T/k.key" --predicate "$T/bad.json" --type slsaprovenance1 "$REGISTRY/clean:v1"
check "bad predicate: no .att written" no_att clean "$att7"
expect_error 2 "custom predicate that is not JSON" "sbom.spdx" attest --key "$T/k.key" --predicate "$T/sbom.spdx" "$REGISTRY/clean:v1"
expect_error 2 "SLSA predicate without its required fields" "custom.json.*buildDefinition" attest --key "$T/k.key" --predicate "$T/custom.json" --type slsaprovenance1 "$REGISTRY/clean:v1"
expect_error 2 "missing predicate file" "nope.json" attest --key "$T/k.key" --predicate "$T/nope.json" "$REGISTRY/clean:v1"
expect_error 2 "invalid --type" "invalid predicate type: slsa" attest --key "$T/k.key" --predicate "$T/custom.json" --type slsa "$REGISTRY/clean:v1"
expect_error 2 "bad --statement-version" "statement-version" attest --key "$T/k.key" --predicate "$T/custom.json" --statement-version 2 "$REGISTRY/clean:v1"
COSIGN_PASSWORD=wrong expect_error 2 "wrong password" "k.key" attest --key "$T/k.key" --predicate "$T/custom.json" "$REGISTRY/clean:v1"
unset COSIGN_PASSWORD
expect_error 2 "predicate on stdin needs COSIGN_PASSWORD" "COSIGN_PASSWORD" \
	attest --key "$T/k.key" --predicate - "$REGISTRY/clean:v1" < "$T/custom.json"
export COSIGN_PASSWORD=test-pass
check "still no .att written" no_att clean "$att7"
expect 2 "no --predicate" attest --key "$T/k.key" "$REGISTRY/clean:v1"
expect 2 "verify-attestation without --key" verify-attestation "$REGISTRY/clean:v1"
expect_error 2 "verify-attestation with an invalid --type" "invalid predicate type" verify-attestation --key "$T/k.pub" --type nope "$REGISTRY/clean:v1"
expect_error 2 "missing image" "nope" attest --key "$T/k.key" --predicate "$T/custom.json" "$REGISTRY/nope:v1"

# Several images in one call.
expect 0 "attest two images at once" attest --key "$T/k.key" --predicate "$T/custom.json" --type openvex "$REGISTRY/clean:v1" "$REGISTRY/victim:v1"
check "one line per image" test "$(wc -l < "$T/out")" -eq 2
expect 0 "verify both" verify-attestation --key "$T/k.pub" --type openvex "$REGISTRY/clean:v1" "$REGISTRY/victim:v1"
expect 1 "one verified, one not: exit 1" verify-attestation --key "$T/k.pub" --type openvex "$REGISTRY/clean:v1" "$REPO:v1"

# On an OCI image layout.
d=$("$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" v1)
IMG="oci:$T/img:v1"
expect_error 1 "layout: unattested image fails" "no attestations found" verify-attestation --key "$T/k.pub" "$IMG"
expect_error 2 "layout: bad predicate" "bad.json" attest --key "$T/k.key" --predicate "$T/bad.json" --type cyclonedx "$IMG"
check "layout: nothing written" sh -c "! grep -q '\\.att' '$T/img/index.json'"
expect 0 "layout: attest by tag" attest --key "$T/k.key" --predicate "$T/slsa1.json" --type slsaprovenance1 "$IMG"
check "layout: prints identity@digest" grep -q "@$d\$" "$T/out"
expect 0 "layout: attest by digest" attest --key "$T/k2.key" --predicate "$T/custom.json" --type https://example.com/custom/v1 "oci:$T/img@$d"
check "layout: .att tag recorded in index.json" grep -q "sha256-${d#sha256:}.att" "$T/img/index.json"
expect 0 "layout: verify-attestation" verify-attestation --key "$T/k.pub" "$IMG"
check "layout: one envelope for this key" test "$(wc -l < "$T/out")" -eq 1
expect 0 "layout: verify by digest, other key" verify-attestation --key "$T/k2.pub" "oci:$T/img@$d"
expect 0 "layout: type filter matches" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$IMG"
expect 1 "layout: type filter does not match" verify-attestation --key "$T/k2.pub" --type slsaprovenance1 "$IMG"
"$SIGIL" generate-key-pair --output-key-prefix "$T/k3" 2>/dev/null
expect 1 "layout: wrong key" verify-attestation --key "$T/k3.pub" "$IMG"
expect 0 "layout: --replace" attest --key "$T/k.key" --predicate "$T/slsa1b.json" --type slsaprovenance1 --replace "$IMG"
expect 0 "layout: verify after replace" verify-attestation --key "$T/k.pub" --type slsaprovenance1 "$IMG"
check "layout: one provenance left" test "$(lines)" -eq 1
check "layout: it is the new one" stmt_has 'build/v2'
expect 0 "layout: the other attestation survived" verify-attestation --key "$T/k2.pub" "$IMG"
finish
