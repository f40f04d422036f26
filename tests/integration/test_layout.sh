#!/usr/bin/env bash
# sign / verify on an OCI image layout directory (no registry, no network).
. "$(dirname "$0")/harness.sh"

export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/k2" 2>/dev/null
d=$("$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" v1)
IMG="oci:$T/img:v1"

expect_error 1 "unsigned layout image fails" "no signatures found" verify --key "$T/k.pub" "$IMG"
expect 0 "sign layout by tag" sign --key "$T/k.key" "$IMG"
check "prints identity@digest" grep -q "@$d\$" "$T/out"
expect 0 "verify layout by tag" verify --key "$T/k.pub" "$IMG"
expect 0 "verify layout by digest" verify --key "$T/k.pub" "oci:$T/img@$d"
expect 1 "wrong key" verify --key "$T/k2.pub" "$IMG"
expect 0 "second signature" sign --key "$T/k2.key" "oci:$T/img@$d"
expect 0 "both verify (k)" verify --key "$T/k.pub" "$IMG"
expect 0 "both verify (k2)" verify --key "$T/k2.pub" "$IMG"
check "signature tag recorded in index.json" grep -q "sha256-${d#sha256:}.sig" "$T/img/index.json"
check "the image entry is kept" grep -q "\"org.opencontainers.image.ref.name\":\"v1\"" "$T/img/index.json"

# Flip a byte in the stored image manifest: the digest check catches it.
cp -r "$T/img" "$T/bad"
"$PY" - "$T/bad" "$d" <<'PY'
import sys
p = sys.argv[1] + "/blobs/sha256/" + sys.argv[2][7:]
b = bytearray(open(p, "rb").read()); b[-2] ^= 1; open(p, "wb").write(bytes(b))
PY
expect 2 "corrupted manifest blob is an error, not a verification" verify --key "$T/k.pub" "oci:$T/bad:v1"
check "error names the digest mismatch" grep -q "does not match\|hash" "$T/err"

# Tampered payload blob in the layout (signature layer's bytes changed on disk).
cp -r "$T/img" "$T/bad2"
"$PY" - "$T/bad2" "sha256-${d#sha256:}.sig" <<'PY'
import json, sys
d, tag = sys.argv[1], sys.argv[2]
idx = json.load(open(d + "/index.json"))
m = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.load(open(d + "/blobs/sha256/" + m["digest"][7:]))
for l in man["layers"]:
    p = d + "/blobs/sha256/" + l["digest"][7:]
    b = open(p, "rb").read().replace(b'"optional":null', b'"optional":{}}'[:-1])
    open(p, "wb").write(b)
PY
expect 1 "tampered payloads fail" verify --key "$T/k.pub" "oci:$T/bad2:v1"

expect_error 2 "not a layout" "oci-layout\|not" verify --key "$T/k.pub" "oci:$T/nowhere:v1"
expect_error 2 "unknown tag" "v9" verify --key "$T/k.pub" "oci:$T/img:v9"
finish
