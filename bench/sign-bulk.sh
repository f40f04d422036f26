#!/usr/bin/env bash
# Signs N distinct images in one `sigil sign` invocation against a local docker-registry and
# reports images/s (target >= 300), beside a baseline measured in the same run: a minimal
# client (bench/registry_ceiling.py, no crypto, 32 keep-alive connections) making the same
# registry requests that signing needs. The ratio shows how close sigil is to what the
# registry itself can take.
. "$(dirname "$0")/common.sh"
N=${N:-500}
"$PY" "$ROOT/bench/push_many.py" "$REGISTRY" bench/bulk "$N"
imgs=()
for i in $(seq 0 $((N - 1))); do imgs+=("$REGISTRY/bench/bulk:t$i"); done
base=$("$PY" "$ROOT/bench/registry_ceiling.py" "$REGISTRY" bench/bulk "$N" 32)
t0=$(now_ns)
"$SIGIL" sign --key "$WORK/k.key" "${imgs[@]}" > "$WORK/out" 2> "$WORK/err"
t1=$(now_ns)
signed=$(wc -l < "$WORK/out")
[ "$signed" -eq "$N" ] || { echo "only $signed of $N signed" >&2; tail -3 "$WORK/err" >&2; exit 1; }
"$SIGIL" verify --key "$WORK/k.pub" "${imgs[0]}" "${imgs[$((N - 1))]}" > /dev/null 2>&1 ||
	{ echo "verify failed" >&2; exit 1; }
awk -v s=$((t1 - t0)) -v b="$base" -v n="$N" 'BEGIN {
	printf "sign-bulk: %d images in one invocation: %.2f s = %.0f images/s (target >= 300; includes the scrypt key decryption)\n", n, s / 1e9, n / (s / 1e9)
	printf "baseline: the same registry requests from a minimal client: %.2f s = %.0f images/s; ratio sigil/baseline time %.2fx\n", b, n / b, (s / 1e9) / b }'
