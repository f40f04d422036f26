#!/usr/bin/env bash
# sigil sbom on a real Debian 12 image: mmdebstrap minbase plus packages that bring Python
# metadata (python3-six's egg-info, python3-tomli's dist-info), a Node package.json
# (node-inherits), a Go binary (gron) and Java jars (libjsr305-java), packed as an OCI
# layout with three gzip layers: the rootfs, whiteouts deleting every file of `less`, and
# a dpkg status without it (tests/integration/realimage.py). The image is cached outside
# the repository, keyed by the package list and the builder, so reruns take seconds:
# ${SIGIL_TEST_IMAGES:-~/.cache/sigil-test-images}/<sha256>. If the image cannot be built
# (no mmdebstrap, no mirror, no user namespaces and not root) the test FAILS.
# Checks: the deb set equals dpkg-query's on the final rootfs; less is gone; the Python and
# npm packages are found; valid SPDX 2.3; byte-identical reruns; with --scope all-layers
# less is listed (from layer 0, not visible, with its files); the same packages from
# dir: (the image unpacked) and docker-archive: (docker save's layout); a tampered copy
# fails without output.
. "$(dirname "$0")/harness.sh"

SCHEMA="${SIGIL_SHARED:-$ROOT/../shared}/schemas/spdx-2.3-schema.json"
export SOURCE_DATE_EPOCH=946684800
PACKAGES="less python3-six python3-tomli node-inherits gron libjsr305-java"
CACHE_ROOT="${SIGIL_TEST_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/sigil-test-images}"
KEY=$({ echo "$PACKAGES"; cat "$HERE/realimage.py"; } | sha256sum | cut -c1-16)
IMGDIR="$CACHE_ROOT/debian12-$KEY"

if [ ! -f "$IMGDIR/oci/index.json" ]; then
	echo "# building the image in $IMGDIR (mmdebstrap; a few minutes, once)"
	mkdir -p "$CACHE_ROOT"
	RC=0
	if ! command -v mmdebstrap >/dev/null; then
		RC=127
		echo "# mmdebstrap is not installed (scripts/deps.sh installs it)" >"$T/err"
	else
		"$PY" "$HERE/realimage.py" build "$IMGDIR" $PACKAGES >"$T/out" 2>"$T/err" || RC=$?
	fi
	if [ "$RC" -ne 0 ]; then
		tail -20 "$IMGDIR.tmp/mmdebstrap.log" >>"$T/err" 2>/dev/null || true
		fail "build the Debian 12 image with mmdebstrap"
		finish
	fi
fi
pass "Debian 12 image (mmdebstrap --mode=$(cat "$IMGDIR/mode"), cached in $IMGDIR)"
IMG="oci:$IMGDIR/oci:v1"
DELETED=$(cat "$IMGDIR/deleted")

expect 0 "sbom of the real image" sbom --output "$T/a.json" "$IMG"
check "nothing on stderr" test ! -s "$T/err"
check "valid SPDX 2.3 (jsonschema)" "$PY" - "$T/a.json" "$SCHEMA" <<'PY'
import json, sys, jsonschema
doc, schema = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
errs = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
if errs:
    sys.exit("%d schema errors, first: %s at %s" % (len(errs), errs[0].message, list(errs[0].absolute_path)))
PY

# realcheck.py FILE ADMINDIR DELETED: the package checks, one message on failure
cat >"$T/realcheck.py" <<'PY'
import json, subprocess, sys
doc = json.load(open(sys.argv[1]))
def purl(p):
    return next((r["referenceLocator"] for r in p.get("externalRefs", [])
                 if r["referenceType"] == "purl"), "")
debs = {}
for p in doc["packages"]:
    u = purl(p)
    if u.startswith("pkg:deb/"):
        debs[p["name"]] = p["versionInfo"]
out = subprocess.run(["dpkg-query", "--admindir=" + sys.argv[2], "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n"],
                     check=True, capture_output=True, text=True).stdout
want = {n: v for n, v, s in (l.split("\t") for l in out.splitlines()) if s.strip() in ("ii", "hi")}
if debs != want:
    missing = sorted(set(want) - set(debs)); extra = sorted(set(debs) - set(want))
    wrong = sorted(n for n in set(want) & set(debs) if want[n] != debs[n])
    sys.exit("deb set differs from dpkg-query: missing %s, extra %s, versions %s" % (missing, extra, wrong))
if sys.argv[3] in debs:
    sys.exit(sys.argv[3] + " is still listed")
purls = {purl(p) for p in doc["packages"]}
for want_purl in ("pkg:pypi/six@", "pkg:pypi/tomli@", "pkg:npm/inherits@"):
    if not any(u.startswith(want_purl) for u in purls):
        sys.exit("no " + want_purl + " package")
print(len(debs))
PY
check "deb packages equal dpkg-query -W on the final rootfs; $DELETED gone; six, tomli, inherits found" \
	"$PY" "$T/realcheck.py" "$T/a.json" "$IMGDIR/admindir" "$DELETED"
check "the deleted package's files are not in the SBOM" "$PY" - "$T/a.json" "$IMGDIR/deleted-files" <<'PY'
import json, sys
names = {f["fileName"].lstrip("./") for f in json.load(open(sys.argv[1])).get("files", [])}
gone = [l for l in open(sys.argv[2]).read().split() if l in names]
if gone:
    sys.exit("deleted files listed: %s" % gone[:5])
PY
expect 0 "second run" sbom "$IMG"
check "byte-identical output" cmp -s "$T/a.json" "$T/out"

# --scope all-layers: $DELETED is back (layer 0 had it), not visible, with its files
expect 0 "sbom --scope all-layers of the real image" sbom --scope all-layers --output "$T/al.json" "$IMG"
check "all-layers: nothing on stderr" test ! -s "$T/err"
check "all-layers: valid SPDX 2.3" "$PY" - "$T/al.json" "$SCHEMA" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
check "all-layers: $DELETED listed from layer 0, not visible, with its files; the other debs as squashed" \
	"$PY" - "$T/al.json" "$T/a.json" "$DELETED" "$IMGDIR/deleted-files" <<'PY'
import json, sys
al, sq, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
gone = set(open(sys.argv[4]).read().split())
ids = {x["SPDXID"]: x for x in al["packages"] + al["files"]}
ps = [p for p in al["packages"] if p["name"] == name]
if len(ps) != 1:
    sys.exit("%d packages named %s" % (len(ps), name))
p = ps[0]
anns = [a["comment"].split(" sha256:")[0] for a in p["annotations"]]
if anns != ["sigil:evidence-layer 0", "sigil:introduced-layer 0", "sigil:visible false"]:
    sys.exit("%s annotations %s" % (name, anns))
files = [ids[r["relatedSpdxElement"]] for r in al["relationships"]
         if r["spdxElementId"] == p["SPDXID"] and r["relationshipType"] == "CONTAINS"]
names = {f["fileName"][2:] for f in files}
if "usr/bin/" + name not in names or not names <= gone or any(not f["comment"].startswith("layer 0 ") for f in files):
    sys.exit("%s files %s" % (name, sorted(names)))
if p["licenseDeclared"] == "NOASSERTION" or not p.get("filesAnalyzed"):
    sys.exit("%s: licence %s, filesAnalyzed %s" % (name, p["licenseDeclared"], p.get("filesAnalyzed")))
key = lambda d: sorted((x["name"], x.get("versionInfo")) for x in d["packages"]
                       if x.get("primaryPackagePurpose") != "CONTAINER")
if key(al) != sorted(key(sq) + [(name, p["versionInfo"])]):
    sys.exit("packages other than %s differ from the squashed document" % name)
PY
expect 0 "all-layers: second run" sbom --scope all-layers "$IMG"
check "all-layers: byte-identical output" cmp -s "$T/al.json" "$T/out"

# the same image unpacked (dir:) and as docker save writes it (docker-archive:)
"$PY" "$HERE/realimage.py" unpack "$IMGDIR/oci" "$T/rootfs"
cat >"$T/samepkgs.py" <<'PY'
import json, sys
def pk(path):
    doc = json.load(open(path))
    return sorted((p["name"], p.get("versionInfo")) for p in doc["packages"]
                  if p.get("primaryPackagePurpose") != "CONTAINER")
a, b = pk(sys.argv[1]), pk(sys.argv[2])
if a != b:
    sys.exit("differ: only in first %s, only in second %s" % (sorted(set(a) - set(b))[:8], sorted(set(b) - set(a))[:8]))
PY
expect 0 "sbom of the unpacked rootfs (dir:)" sbom --quiet --output "$T/dir.json" "dir:$T/rootfs"
check "dir: the same packages as the image" "$PY" "$T/samepkgs.py" "$T/a.json" "$T/dir.json"
check "dir: valid SPDX 2.3" "$PY" - "$T/dir.json" "$SCHEMA" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
expect 0 "dir: second run" sbom --quiet "dir:$T/rootfs"
check "dir: byte-identical output" cmp -s "$T/dir.json" "$T/out"
"$PY" "$HERE/realimage.py" docker-archive "$IMGDIR/oci" "$T/saved.tar"
expect 0 "sbom of docker save's tar (docker-archive:)" sbom --output "$T/da.json" "docker-archive:$T/saved.tar"
check "docker-archive: the same packages as the image" "$PY" "$T/samepkgs.py" "$T/a.json" "$T/da.json"
check "docker-archive: image named by its tag" grep -q '"name":"real"' "$T/da.json"

# a tampered copy of the big layer: no document, an error naming the layer
mkdir -p "$T/bad/blobs/sha256"
cp "$IMGDIR/oci/index.json" "$IMGDIR/oci/oci-layout" "$T/bad/"
big=$(ls -S "$IMGDIR/oci/blobs/sha256" | head -1)
for b in "$IMGDIR"/oci/blobs/sha256/*; do
	[ "$(basename "$b")" = "$big" ] || ln -s "$b" "$T/bad/blobs/sha256/"
done
"$PY" - "$IMGDIR/oci/blobs/sha256/$big" "$T/bad/blobs/sha256/$big" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[-4096] ^= 0x40
open(sys.argv[2], "wb").write(bytes(b))
PY
expect_error 2 "a flipped bit in the big layer: digest error" "layer 0 (sha256:$big).*does not match" \
	sbom --output "$T/none.json" "oci:$T/bad:v1"
check "no document written" test ! -e "$T/none.json"
finish
