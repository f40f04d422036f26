# Shared by the benchmarks: build, start a docker-registry on a free loopback port.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/deps.sh"
sigil_build "$ROOT/build-bench" --buildtype=release -Dtests=disabled
SIGIL="$ROOT/build-bench/sigil"
PY="$(sigil_python)"
WORK=$(mktemp -d)
REG_PID=""
bench_cleanup() {
	if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap bench_cleanup EXIT
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/registry"
# As Debian's /etc/docker/registry/config.yml has it (an in-memory blob descriptor cache),
# without the request log.
cat > "$WORK/registry.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { cache: { blobdescriptor: inmemory }, filesystem: { rootdirectory: $WORK/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$PORT }
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done
REGISTRY="127.0.0.1:$PORT"
export COSIGN_PASSWORD=bench
"$SIGIL" generate-key-pair --output-key-prefix "$WORK/k" 2>/dev/null

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
