#!/usr/bin/env bash
# sigil admission serve: real AdmissionReview bodies posted over HTTPS with curl to the running
# webhook, against images signed and unsigned in Debian's docker-registry on loopback.
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

start_registry
at_exit stop_registry
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/other" 2>/dev/null

signed=$(push_test_image app signed)
unsigned=$(push_test_image app unsigned)
bundled=$(push_test_image app bundled)
warned=$(push_test_image warn/app v1)
push_test_image nomatch/x 1 >/dev/null
"$SIGIL" sign --key "$T/k.key" "$REGISTRY/app:signed" >/dev/null 2>&1
"$SIGIL" sign --key "$T/k.key" --bundle-format sigstore "$REGISTRY/app:bundled" >/dev/null 2>&1
"$SIGIL" sign --key "$T/other.key" "$REGISTRY/app:unsigned" >/dev/null 2>&1  # wrong key

# TLS: a CA and a certificate for 127.0.0.1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=test CA" \
	-keyout "$T/ca.key" -out "$T/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$T/tls.key" -out "$T/tls.csr" 2>/dev/null
openssl x509 -req -in "$T/tls.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile <(printf 'subjectAltName=IP:127.0.0.1\n') -out "$T/tls.crt" 2>/dev/null

write_policy() { # DEFAULT
	cat > "$T/policy.yaml" <<EOF
version: 1
default: $1
keys:
  k: {file: k.pub}
rules:
  - name: warned
    images: ["$REGISTRY/warn/**"]
    mode: warn
    authorities: {keys: [k]}
  - name: apps
    images: ["$REGISTRY/app"]
    authorities: {keys: [k]}
EOF
}
write_policy deny

"$SIGIL" admission serve --policy "$T/policy.yaml" --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" \
	--listen 127.0.0.1:0 2> "$T/server.log" &
SERVER=$!
at_exit "kill $SERVER 2>/dev/null"
for _ in $(seq 100); do grep -q '"msg":"listening"' "$T/server.log" && break; sleep 0.1; done
PORT=$(grep -o '"port":[0-9]*' "$T/server.log" | head -1 | cut -d: -f2)
URL="https://127.0.0.1:$PORT"
check "the server says where it listens" test -n "$PORT"

# review KIND OBJECT [UID]: an AdmissionReview as the API server sends it
review() {
	"$PY" - "$1" "$2" "${3:-uid-1}" > "$T/review.json" <<'EOF'
import json, sys
kind, obj, uid = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
group = {"Deployment": "apps", "CronJob": "batch"}.get(kind, "")
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {"uid": uid, "kind": {"group": group, "version": "v1", "kind": kind},
    "resource": {"group": group, "version": "v1", "resource": kind.lower() + "s"},
    "requestKind": {"group": group, "version": "v1", "kind": kind},
    "namespace": "default", "name": "x", "operation": "CREATE",
    "userInfo": {"username": "system:serviceaccount:ci:deployer", "groups": ["system:authenticated"]},
    "object": obj, "oldObject": None, "dryRun": False,
    "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}))
EOF
}
pod() { # IMAGE...
	local c="" i=0 img
	for img in "$@"; do c="$c${c:+,}{\"name\":\"c$i\",\"image\":\"$img\"}"; i=$((i + 1)); done
	echo "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[$c]}}"
}
post() { # PATH: posts $T/review.json, status in HTTP, body in $T/resp
	HTTP=$(curl -s --cacert "$T/ca.crt" -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T/review.json" "$URL$1")
}
field() { "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["response"]; print(eval(sys.argv[2]))' "$T/resp" "$1"; }
allowed() { [ "$HTTP" = 200 ] && [ "$(field 'r["allowed"]')" = True ]; }
denied() { [ "$HTTP" = 200 ] && [ "$(field 'r["allowed"]')" = False ]; }
msg_has() { field 'r["status"]["message"]' | grep -qF -- "$1"; }

check "healthz" bash -c "curl -sf --cacert '$T/ca.crt' '$URL/healthz' | grep -q ok"
check "readyz" bash -c "curl -sf --cacert '$T/ca.crt' '$URL/readyz' | grep -q ready"

review Pod "$(pod "$REGISTRY/app:signed")" uid-allow; post /validate
check "a signed image is allowed" allowed
check "  and the uid is echoed" test "$(field 'r["uid"]')" = uid-allow
review Pod "$(pod "$REGISTRY/app:bundled")"; post /validate
check "a sigstore-bundle signature is allowed" allowed
review Pod "$(pod "$REGISTRY/app:unsigned")" uid-deny; post /validate
check "an image signed by another key is denied" denied
check "  with a message naming the image" msg_has "$REGISTRY/app:unsigned"
check "  and saying why" msg_has "signature"
check "  status code 403" test "$(field 'r["status"]["code"]')" = 403
review Deployment "{\"spec\":{\"template\":{\"spec\":{\"initContainers\":[{\"name\":\"i\",\"image\":\"$REGISTRY/app:signed\"}],\"containers\":[{\"name\":\"a\",\"image\":\"$REGISTRY/app:signed\"},{\"name\":\"b\",\"image\":\"$REGISTRY/app:unsigned\"}]}}}}"
post /validate
check "a Deployment with one bad image of three is denied" denied
check "  naming only the bad one" bash -c "$(declare -f field msg_has); T='$T'; PY='$PY'; msg_has 'app:unsigned' && ! msg_has 'app:signed'"
review CronJob "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"$REGISTRY/app@$unsigned\"}]}}}}}}"
post /validate
check "a CronJob's image by digest is checked" denied
review Pod "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"$REGISTRY/app:signed\"}],\"ephemeralContainers\":[{\"name\":\"dbg\",\"image\":\"$REGISTRY/app:unsigned\"}]}}"
post /validate
check "ephemeral containers are checked too" denied
review Pod "$(pod "$REGISTRY/warn/app:v1")"; post /validate
check "warn mode: an unsigned image is allowed" allowed
check "  with a warning" bash -c "$(declare -f field); T='$T'; PY='$PY'; field 'r[\"warnings\"][0]' | grep -q 'warn/app'"
review Pod "$(pod "$REGISTRY/nomatch/x:1")"; post /validate
check "an image no rule matches is denied (default: deny)" denied
review Pod "$(pod "$REGISTRY/app:nosuchtag")"; post /validate
check "an image that does not exist is denied, never allowed" denied
review ConfigMap '{"data":{"a":"b"}}'; post /validate
check "an unknown kind is passed through" allowed

review Pod "$(pod "$REGISTRY/app:signed" "$REGISTRY/app@$signed")"; post /mutate
check "mutate: allowed" allowed
check "  pins the tag to the verified digest, leaves the digest reference alone" \
	test "$(field 'json.dumps(json.loads(__import__("base64").b64decode(r["patch"])))')" = \
	"[{\"op\": \"replace\", \"path\": \"/spec/containers/0/image\", \"value\": \"$REGISTRY/app:signed@$signed\"}]"
check "  patchType JSONPatch" test "$(field 'r["patchType"]')" = JSONPatch
review Pod "$(pod "$REGISTRY/app:unsigned")"; post /mutate
check "mutate: a denied object gets no patch" bash -c "$(declare -f field); T='$T'; PY='$PY'; [ \"\$(field '\"patch\" in r')\" = False ]"

printf 'not json' > "$T/review.json"; post /validate
check "a malformed review: HTTP 400 with a message" bash -c "[ '$HTTP' = 400 ] && grep -q 'not valid JSON' '$T/resp'"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}' > "$T/review.json"; post /validate
check "a review without a uid: HTTP 400" bash -c "[ '$HTTP' = 400 ] && grep -q 'uid' '$T/resp'"
head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > "$T/review.json"; post /validate
check "a body over the size cap: HTTP 413" test "$HTTP" = 413
check "plain HTTP is refused (TLS required)" \
	bash -c "! curl -s --max-time 5 -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$PORT/healthz' | grep -q 200"
check "a client that does not trust the certificate cannot talk to it" \
	bash -c "! curl -s --max-time 5 '$URL/healthz' >/dev/null"

# the cache: the same image again is answered from it
review Pod "$(pod "$REGISTRY/app:signed")" uid-cached; post /validate
check "a repeated review is allowed" allowed
check "  from the cache" bash -c "grep '\"uid\":\"uid-cached\"' '$T/server.log' | grep -q '\"cached\":1'"
check "one JSON log line per review, with uid, images, verdict and ms" \
	"$PY" -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if "\"uid\":\"uid-deny\"" in l]
assert len(lines)==1, lines
l=lines[0]; assert l["allowed"] is False and l["images"] and isinstance(l["ms"], float), l' "$T/server.log"

# SIGHUP: a bad policy keeps the old one; a good one replaces it
printf 'version: 1\nrules: [\n' > "$T/policy.yaml"
kill -HUP $SERVER; sleep 0.5
check "a bad policy on SIGHUP is refused and logged" grep -q 'not loaded, keeping' "$T/server.log"
review Pod "$(pod "$REGISTRY/app:signed")"; post /validate
check "  the old policy still decides" allowed
write_policy allow
kill -HUP $SERVER; sleep 0.5
review Pod "$(pod "$REGISTRY/nomatch/x:1")"; post /validate
check "a good policy on SIGHUP applies (default: allow now)" allowed

# An authenticated registry (credentials from a mounted docker config), and an image whose
# two signatures are found in two places: a legacy .sig by k, a sigstore bundle by other.
# Threshold 2 is met only if both are read and counted together (the server fetches the .sig
# tag on a second connection while it lists the referrers).
htpasswd -Bbn alice s3cret > "$T/htpasswd"
REG1=$REGISTRY
start_registry "$T/htpasswd"
REG2=$REGISTRY
REGISTRY=$REG1
mkdir -p "$T/dcfg"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG2" "$(printf 'alice:s3cret' | base64)" > "$T/dcfg/config.json"
REGISTRY=$REG2 REGISTRY_USER=alice REGISTRY_PASS=s3cret push_test_image sec/app two >/dev/null
REGISTRY=$REG2 REGISTRY_USER=alice REGISTRY_PASS=s3cret push_test_image sec/app one >/dev/null
DOCKER_CONFIG="$T/dcfg" "$SIGIL" sign --key "$T/k.key" "$REG2/sec/app:two" >/dev/null 2>&1
DOCKER_CONFIG="$T/dcfg" "$SIGIL" sign --key "$T/other.key" --bundle-format sigstore "$REG2/sec/app:two" >/dev/null 2>&1
DOCKER_CONFIG="$T/dcfg" "$SIGIL" sign --key "$T/other.key" --bundle-format sigstore "$REG2/sec/app:one" >/dev/null 2>&1
cat > "$T/policy2.yaml" <<EOF
version: 1
keys:
  k: {file: k.pub}
  o: {file: other.pub}
rules:
  - name: both
    images: ["$REG2/sec/**"]
    authorities: {keys: [k, o], threshold: 2}
EOF
"$SIGIL" admission serve --policy "$T/policy2.yaml" --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" \
	--docker-config "$T/dcfg" --listen 127.0.0.1:0 2> "$T/server2.log" &
SERVER2=$!
at_exit "kill $SERVER2 2>/dev/null"
for _ in $(seq 100); do grep -q '"msg":"listening"' "$T/server2.log" && break; sleep 0.1; done
URL1=$URL
URL="https://127.0.0.1:$(grep -o '"port":[0-9]*' "$T/server2.log" | head -1 | cut -d: -f2)"
review Pod "$(pod "$REG2/sec/app:two")"; post /validate
check "auth registry: a .sig by one key and a bundle by another meet threshold 2" allowed
review Pod "$(pod "$REG2/sec/app:one")"; post /validate
check "  one signature of two is denied" denied
check "  saying how many keys signed" msg_has "1 of"
kill -TERM $SERVER2
URL=$URL1

kill -TERM $SERVER
set +e; wait $SERVER; rc=$?; set -e
check "SIGTERM: drains and exits 0" bash -c "[ $rc -eq 0 ] && grep -q '\"stopped\"' '$T/server.log'"

# bad start-up
expect_error 2 "no TLS: refused" "tls-cert" admission serve --policy "$T/policy.yaml"
expect_error 2 "no policy file" "none.yaml" admission serve --policy "$T/none.yaml" \
	--tls-cert "$T/tls.crt" --tls-key "$T/tls.key" --listen 127.0.0.1:0

finish
