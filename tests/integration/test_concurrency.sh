#!/usr/bin/env bash
# 16 `sigil sign` processes sign one image at once, each with its own key, in cosign's legacy
# .sig format (a tag rewritten by read-modify-write, where cosign loses signatures). All 16
# must be there afterwards: on a registry (re-read after write, merge), on an OCI layout (lock).
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"
N=16

start_registry
at_exit stop_registry
for i in $(seq $N); do
	# plaintext PKCS#8 keys: sigil reads them as cosign does, and no scrypt slows the test
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k$i.pem" 2>/dev/null
	openssl pkey -in "$T/k$i.pem" -pubout -out "$T/k$i.pub"
done
d=$(push_test_image race v1)
"$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/layout" v1 > /dev/null

race() {
	local img=$1 i pids=()
	for i in $(seq $N); do
		"$SIGIL" sign --key "$T/k$i.pem" "$img" > "$T/sign$i.out" 2> "$T/sign$i.err" &
		pids+=($!)
	done
	local failed=0
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			failed=$((failed + 1))
			sed 's/^/#   signer: /' "$T/sign$((i + 1)).err"
		fi
	done
	return $failed
}
count_layers() {
	"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))'
}
all_verify() {
	local img=$1 i
	for i in $(seq $N); do
		"$SIGIL" verify --key "$T/k$i.pub" "$img" > /dev/null 2>&1 || { echo "# key $i does not verify"; return 1; }
	done
}

check "$N concurrent signers on a registry all succeed" race "$REGISTRY/race:v1"
sigtag="sha256-${d#sha256:}.sig"
n=$("$PY" "$HERE/regtool.py" get-manifest "$REGISTRY" race "$sigtag" | count_layers)
check "registry: all $N signatures are in the .sig image (found $n)" test "$n" -eq $N
check "registry: every key verifies" all_verify "$REGISTRY/race:v1"

check "$N concurrent signers on an OCI layout all succeed" race "oci:$T/layout:v1"
dl=$("$PY" - "$T/layout" <<'PY'
import json, sys
idx = json.load(open(sys.argv[1] + "/index.json"))
print([m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "v1"][0]["digest"])
PY
)
n=$("$PY" - "$T/layout" "sha256-${dl#sha256:}.sig" <<'PY' | count_layers
import json, sys
d, tag = sys.argv[1], sys.argv[2]
idx = json.load(open(d + "/index.json"))
m = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
sys.stdout.write(open(d + "/blobs/sha256/" + m["digest"][7:]).read())
PY
)
check "layout: all $N signatures are in the .sig image (found $n)" test "$n" -eq $N
check "layout: every key verifies" all_verify "oci:$T/layout:v1"
finish
