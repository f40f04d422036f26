#!/usr/bin/env bash
# Registry faults, injected by a proxy (faultproxy.py) in front of the real docker-registry:
# transient errors are retried, Retry-After honoured, bad bytes and lying headers rejected,
# stalls bounded by --timeout, and a signature manifest is never written before its blobs.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
echo '[]' > "$T/rules.json"
"$PY" "$HERE/faultproxy.py" "$REGISTRY" "$T/rules.json" "$T/port" 2> "$T/proxy.log" &
proxy=$!
at_exit "kill $proxy"
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
P="127.0.0.1:$(cat "$T/port")"
rules() { printf '%s' "$1" > "$T/rules.json"; }
sig_exists() { curl -fs -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$REGISTRY/v2/$1/manifests/sha256-${2#sha256:}.sig"; }
no_sig() { ! sig_exists "$@"; }

export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
d1=$(push_test_image app v1)
d2=$(push_test_image app2 v1)
d3=$(push_test_image app3 v1)

rules '[{"match": "GET /v2/app/manifests/v1", "times": 2, "action": "status", "status": 503}]'
expect 0 "503 twice on the image manifest: retried, signed" sign --key "$T/k.key" "$P/app:v1"
check "proxy saw the two 503s" test "$(grep -c 'manifests/v1 -> 503' "$T/proxy.log")" -eq 2

rules '[{"match": "GET /v2/app/manifests/sha256-", "times": 1, "action": "status", "status": 429, "retry_after": "1"}]'
t0=$(date +%s%N)
expect 0 "429 with Retry-After: verified after waiting" verify --key "$T/k.pub" "$P/app:v1"
t1=$(date +%s%N)
check "Retry-After of 1 s was honoured" test $(((t1 - t0) / 1000000)) -ge 1000

rules '[{"match": "GET /v2/app/blobs/", "times": 1, "action": "reset"}]'
expect 0 "connection reset mid-body once: retried, verified" verify --key "$T/k.pub" "$P/app:v1"
rules '[{"match": "GET /v2/app/blobs/", "times": 1, "action": "truncate"}]'
expect 0 "truncated body once: retried, verified" verify --key "$T/k.pub" "$P/app:v1"
rules '[{"match": "GET /v2/app/blobs/", "action": "truncate"}]'
expect_error 2 "body always truncated: an error, not a verdict" "app" verify --key "$T/k.pub" "$P/app:v1"
rules '[{"match": "GET /v2/app/blobs/", "action": "corrupt"}]'
run verify --key "$T/k.pub" "$P/app:v1"
check "blob bytes not matching their digest: not verified" test "$RC" -ne 0
check "  ... and says why" grep -q "does not match" "$T/err"
check "  ... and prints no payload" test ! -s "$T/out"
rules '[{"match": "GET /v2/app/manifests/v1", "action": "wrongdigest"}]'
expect_error 2 "lying Docker-Content-Digest rejected" "digest" verify --key "$T/k.pub" "$P/app:v1"
rules '[{"match": "GET /v2/app/manifests/v1", "action": "corrupt"}]'
run verify --key "$T/k.pub" "$P/app:v1"
check "corrupted manifest by tag: not verified" test "$RC" -ne 0

rules '[{"match": "GET /v2/app/manifests/v1", "action": "stall", "seconds": 20}]'
t0=$(date +%s%N)
expect 2 "stalled registry: --timeout bounds the wait" verify --timeout 2 --key "$T/k.pub" "$P/app:v1"
t1=$(date +%s%N)
check "gave up within 10 s" test $(((t1 - t0) / 1000000)) -lt 10000

rules '[{"match": "PUT /v2/app2/manifests/sha256-", "action": "status", "status": 500}]'
expect_error 2 "signature manifest PUT always fails: sign fails" "HTTP 500" sign --key "$T/k.key" "$P/app2:v1"
check "  ... nothing was written at the .sig tag" no_sig app2 "$d2"
rules '[{"match": "PUT /v2/app3/blobs/uploads/", "action": "status", "status": 500}]'
expect 2 "blob upload always fails: sign fails" sign --key "$T/k.key" "$P/app3:v1"
check "  ... and the .sig manifest was never written" no_sig app3 "$d3"
check "  (control: the test can see a .sig that exists)" sig_exists app "$d1"
rules '[{"match": "PUT /v2/app3/blobs/uploads/", "times": 1, "action": "status", "status": 502}]'
expect 0 "blob upload fails once: retried, signed" sign --key "$T/k.key" "$P/app3:v1"
rules '[]'
expect 0 "signatures made through faults verify directly" verify --key "$T/k.pub" "$REGISTRY/app:v1" "$REGISTRY/app3:v1"
finish
