#!/usr/bin/env bash
# Signs N distinct images in one `sigil sign` invocation against a local docker-registry and
# reports images/s, beside a baseline: one curl process resolving the same N tags (GET each
# manifest over one connection). Target: >= 300 images/s.
. "$(dirname "$0")/common.sh"
N=${N:-500}
"$PY" "$ROOT/bench/push_many.py" "$REGISTRY" bench/bulk "$N"
imgs=(); urls=()
for i in $(seq 0 $((N - 1))); do
	imgs+=("$REGISTRY/bench/bulk:t$i")
	urls+=("http://$REGISTRY/v2/bench/bulk/manifests/t$i")
done
t0=$(now_ns)
curl -fs -H 'Accept: application/vnd.oci.image.manifest.v1+json' "${urls[@]}" > /dev/null
t1=$(now_ns)
"$SIGIL" sign --key "$WORK/k.key" "${imgs[@]}" > "$WORK/out" 2> "$WORK/err"
t2=$(now_ns)
signed=$(wc -l < "$WORK/out")
[ "$signed" -eq "$N" ] || { echo "only $signed of $N signed" >&2; tail -3 "$WORK/err" >&2; exit 1; }
"$SIGIL" verify --key "$WORK/k.pub" "${imgs[0]}" "${imgs[$((N - 1))]}" > /dev/null 2>&1 || { echo "verify failed" >&2; exit 1; }
awk -v c=$((t1 - t0)) -v s=$((t2 - t1)) -v n="$N" 'BEGIN {
	printf "sign-bulk: %d images in one invocation: %.3f s, %.0f images/s (target >= 300); curl resolving the same tags: %.3f s; ratio %.2fx\n",
		n, s / 1e9, n / (s / 1e9), c / 1e9, s / c }'
