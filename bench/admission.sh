#!/usr/bin/env bash
# The admission webhook's latency and throughput on loopback: AdmissionReviews of a Deployment
# with 3 signed images (in a local docker-registry), posted over HTTPS with keep-alive.
#   cold: a server started with every cache TTL at 0, so each review resolves the 3 tags and
#         verifies the 3 images from the registry (connections stay warm, as in a running pod);
#   warm: the default TTLs, after one review filled the cache;
#   throughput: wrk with 2 threads and 8 connections for 10 s on the warm server.
#   cold, distant registry: the same with every registry request delayed by RTT_MS (default
#         20) in a proxy (tests/integration/faultproxy.py), as for a registry across a
#         network: here round trips in a row, not registry CPU, decide the figure;
# Baselines measured in the same run: GET /healthz on the same server (the TLS + HTTP floor)
# for warm latency, and 3 `sigil verify` processes (what a webhook shelling out to a CLI would
# pay) for cold latency. Targets: warm p99 < 2 ms, cold p99 < 50 ms, >= 2,000 reviews/s warm.
. "$(dirname "$0")/common.sh"
N=${N:-500}
command -v wrk >/dev/null || { echo "bench/admission.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }

imgs=()
for i in 1 2 3; do
	"$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" - --push "$REGISTRY/bench/app$i:v1" > /dev/null
	"$SIGIL" sign --key "$WORK/k.key" "$REGISTRY/bench/app$i:v1" > /dev/null 2>&1
	imgs+=("$REGISTRY/bench/app$i:v1")
done
# the distant registry: a proxy that waits RTT_MS before forwarding each request
RTT_MS=${RTT_MS:-20}
echo "[{\"match\": \".\", \"action\": \"stall\", \"seconds\": $(awk -v m="$RTT_MS" 'BEGIN {print m / 1000}')}]" > "$WORK/rules.json"
"$PY" "$ROOT/tests/integration/faultproxy.py" "$REGISTRY" "$WORK/rules.json" "$WORK/proxy.port" 2> /dev/null &
PROXY_PID=$!
for _ in $(seq 100); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
FAR="127.0.0.1:$(cat "$WORK/proxy.port")"
trap 'kill $PROXY_PID 2>/dev/null; bench_cleanup' EXIT
cat > "$WORK/policy.yaml" <<EOF
version: 1
default: deny
keys:
  k: {file: k.pub}
rules:
  - name: bench
    images: ["$REGISTRY/bench/**", "$FAR/bench/**"]
    authorities: {keys: [k]}
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
review_body() { # IMAGE...
	"$PY" - "$@" <<'EOF'
import json, sys
cs = [{"name": "c%d" % i, "image": im} for i, im in enumerate(sys.argv[1:])]
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {"uid": "bench", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
    "namespace": "default", "name": "bench", "operation": "CREATE",
    "object": {"apiVersion": "apps/v1", "kind": "Deployment",
               "spec": {"template": {"spec": {"containers": cs}}}}}}))
EOF
}
review_body "${imgs[@]}" > "$WORK/review.json"
review_body "${imgs[@]/#$REGISTRY/$FAR}" > "$WORK/review-far.json"

start_server() { # NAME EXTRA-ARGS...
	local name=$1
	shift
	"$SIGIL" admission serve --policy "$WORK/policy.yaml" --tls-cert "$WORK/tls.crt" \
		--tls-key "$WORK/tls.key" --listen 127.0.0.1:0 "$@" > /dev/null 2> "$WORK/$name.log" &
	echo $! > "$WORK/$name.pid"
	for _ in $(seq 100); do grep -q '"listening"' "$WORK/$name.log" && break; sleep 0.1; done
	grep -o '"port":[0-9]*' "$WORK/$name.log" | head -1 | cut -d: -f2
}
stop_server() { kill "$(cat "$WORK/$1.pid")" 2>/dev/null || true; wait "$(cat "$WORK/$1.pid")" 2>/dev/null || true; }

# latency PORT PATH N [BODY]: p50 and p99 in ms of N sequential requests on one keep-alive
# connection
latency() {
	"$PY" - "$1" "$2" "$3" "${4:-$WORK/review.json}" "$WORK/tls.crt" <<'EOF'
import http.client, json, ssl, sys, time
port, path, n, body, ca = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), open(sys.argv[4], "rb").read(), sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
ts = []
for i in range(n + 5):
    t0 = time.perf_counter()
    if path == "/healthz":
        c.request("GET", path)
    else:
        c.request("POST", path, body, {"Content-Type": "application/json"})
    r = c.getresponse(); data = r.read()
    t1 = time.perf_counter()
    assert r.status == 200, (r.status, data[:200])
    if path != "/healthz":
        assert json.loads(data)["response"]["allowed"] is True, data[:300]
    if i >= 5:
        ts.append((t1 - t0) * 1000)
ts.sort()
print("%.3f %.3f" % (ts[len(ts) // 2], ts[min(len(ts) - 1, int(len(ts) * 0.99))]))
EOF
}

cold_port=$(start_server cold --cache-ttl 0 --cache-fail-ttl 0 --tag-ttl 0)
read -r cold50 cold99 <<< "$(latency "$cold_port" /validate "$N")"
read -r far50 far99 <<< "$(latency "$cold_port" /validate "${N_FAR:-100}" "$WORK/review-far.json")"
stop_server cold
warm_port=$(start_server warm)
read -r warm50 warm99 <<< "$(latency "$warm_port" /validate "$N")"
read -r floor50 floor99 <<< "$(latency "$warm_port" /healthz "$N")"
cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$WORK/review.json", "rb"); wrk.body = f:read("*a"); f:close()
EOF
rps=$(wrk -t2 -c8 -d10s -s "$WORK/post.lua" "https://127.0.0.1:$warm_port/validate" | awk '/Requests\/sec/ {print $2}')
stop_server warm
grep -c '"allowed":false' "$WORK/warm.log" > "$WORK/denied" || true

# baseline for cold: three `sigil verify` processes, one per image, run one after another
for _ in $(seq 50); do
	t0=$(now_ns)
	for im in "${imgs[@]}"; do "$SIGIL" verify --key "$WORK/k.pub" "$im" > /dev/null 2>&1; done
	t1=$(now_ns)
	echo $((t1 - t0))
done | median > "$WORK/cli"
cli_ms=$(awk '{printf "%.2f", $1 / 1e6}' "$WORK/cli")

echo "admission webhook, Deployment with 3 signed images, $N reviews each, loopback HTTPS"
printf 'cold (TTL 0):   p50 %8s ms  p99 %8s ms   target p99 < 50 ms\n' "$cold50" "$cold99"
printf 'cold, registry %s ms away: p50 %8s ms  p99 %8s ms\n' "$RTT_MS" "$far50" "$far99"
printf 'warm (cached):  p50 %8s ms  p99 %8s ms   target p99 < 2 ms\n' "$warm50" "$warm99"
printf 'floor /healthz: p50 %8s ms  p99 %8s ms\n' "$floor50" "$floor99"
printf 'warm throughput (wrk -t2 -c8): %s reviews/s   target >= 2000 (denied: %s)\n' "$rps" "$(cat "$WORK/denied")"
printf 'baseline: 3 sigil verify processes %s ms\n' "$cli_ms"
awk -v w="$warm99" -v f="$floor99" -v c="$cold99" -v b="$cli_ms" 'BEGIN {
	printf "ratio warm p99 / healthz p99 = %.2f\n", w / f
	printf "ratio cold p99 / 3 CLI verifies = %.2f\n", c / b }'
