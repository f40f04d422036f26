#!/usr/bin/env bash
# HTTPS registries: certificates are verified by default; --registry-cacert trusts a CA;
# --allow-insecure-registry skips verification; plain HTTP is refused for non-loopback names.
# The registry listens on 127.0.0.2 (loopback, but not one of the names sigil lets use HTTP).
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2",0)); print(s.getsockname()[1])')
host="127.0.0.2:$port"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=sigil test CA" -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.2" \
	-keyout "$T/tls.key" -out "$T/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.2\n' > "$T/san.ext"
openssl x509 -req -in "$T/tls.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/san.ext" -out "$T/tls.pem" 2>/dev/null
mkdir -p "$T/data"
cat > "$T/config.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $T/data } }
http: { addr: "$host", tls: { certificate: $T/tls.pem, key: $T/tls.key } }
YML
/usr/bin/docker-registry serve "$T/config.yml" > "$T/registry.log" 2>&1 &
pid=$!
at_exit "kill $pid; wait $pid"
for _ in $(seq 100); do curl -fs --cacert "$T/ca.pem" "https://$host/v2/" >/dev/null && break; sleep 0.1; done

export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/k" 2>/dev/null
# push an image over TLS with the test's own tool, trusting the CA
d=$("$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" v1)
SSL_CERT_FILE="$T/ca.pem" "$PY" - "$T/img" "$host" <<'PY'
import hashlib, http.client, json, os, ssl, sys
layout, host = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
h, p = host.rsplit(":", 1)
c = http.client.HTTPSConnection(h, int(p), context=ctx)
def req(m, path, body=None, hdr=None):
    c.request(m, path, body=body, headers=hdr or {}); r = c.getresponse(); r.read()
    assert r.status < 300, (m, path, r.status); return r
idx = json.load(open(layout + "/index.json"))
man = open(layout + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:], "rb").read()
for d in [json.loads(man)["config"]["digest"]] + [l["digest"] for l in json.loads(man)["layers"]]:
    loc = req("POST", "/v2/tls/img/blobs/uploads/").getheader("Location")
    loc = "/" + loc.split("/", 3)[3] if loc.startswith("http") else loc
    req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d,
        open(layout + "/blobs/sha256/" + d[7:], "rb").read(), {"Content-Type": "application/octet-stream"})
req("PUT", "/v2/tls/img/manifests/v1", man, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
PY
IMG="$host/tls/img:v1"

expect_error 2 "untrusted certificate is refused" "certificate\|SSL" sign --key "$T/k.key" "$IMG"
expect 0 "sign trusting the CA" sign --key "$T/k.key" --registry-cacert "$T/ca.pem" "$IMG"
expect 0 "verify trusting the CA" verify --key "$T/k.pub" --registry-cacert "$T/ca.pem" "$IMG"
check "verified the pushed digest" grep -q "$d" "$T/out"
expect 0 "verify with --allow-insecure-registry" verify --key "$T/k.pub" --allow-insecure-registry "$IMG"
expect_error 2 "verification failure is not skipped silently" "certificate\|SSL" verify --key "$T/k.pub" "$IMG"
expect_error 2 "plain HTTP to a TLS registry fails cleanly" "$host" verify --key "$T/k.pub" --allow-http-registry --timeout 5 "$IMG"
finish
