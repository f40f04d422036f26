#!/usr/bin/env bash
# Median of N cold `sigil verify` runs (a new process each: key load, resolve, fetch .sig,
# fetch payload, verify) against a local docker-registry, beside a baseline: one curl process
# fetching the same three objects over one connection. Target: ratio <= 1.5.
. "$(dirname "$0")/common.sh"
N=${N:-200}
IMG="$REGISTRY/bench/verify:v1"
"$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" - --push "$IMG" > "$WORK/digest"
digest=$(cat "$WORK/digest")
"$SIGIL" sign --key "$WORK/k.key" "$IMG" > /dev/null 2>&1
sigman=$(curl -fs -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$REGISTRY/v2/bench/verify/manifests/sha256-${digest#sha256:}.sig")
payload=$(echo "$sigman" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
urls=("http://$REGISTRY/v2/bench/verify/manifests/v1"
      "http://$REGISTRY/v2/bench/verify/manifests/sha256-${digest#sha256:}.sig"
      "http://$REGISTRY/v2/bench/verify/blobs/$payload")
"$SIGIL" verify --key "$WORK/k.pub" "$IMG" > /dev/null 2>&1 || { echo "verify failed" >&2; exit 1; }

for _ in $(seq "$N"); do
	t0=$(now_ns)
	"$SIGIL" verify --key "$WORK/k.pub" "$IMG" > /dev/null 2>&1
	t1=$(now_ns)
	echo $((t1 - t0))
done | median > "$WORK/sigil"
for _ in $(seq "$N"); do
	t0=$(now_ns)
	curl -fs -H 'Accept: application/vnd.oci.image.manifest.v1+json' "${urls[@]}" > /dev/null
	t1=$(now_ns)
	echo $((t1 - t0))
done | median > "$WORK/curl"
s=$(cat "$WORK/sigil"); c=$(cat "$WORK/curl")
awk -v s="$s" -v c="$c" -v n="$N" 'BEGIN {
	printf "verify: %d cold runs, median sigil %.2f ms, curl baseline %.2f ms, ratio %.2fx (target <= 1.5x)\n",
		n, s / 1e6, c / 1e6, s / c }'
