# shellcheck shell=bash
# Helpers for sigil's integration tests; source this file, do not run it.
#
#   . "$SIGIL_SOURCE_ROOT/tests/integration/lib.sh"
#   trap stop_registry EXIT
#   start_registry                       # or: start_registry "$dir/htpasswd"
#   digest=$(push_test_image demo/app v1)
#   "$SIGIL_EXE" ... "$REGISTRY/demo/app@$digest"
#
# start_registry exports REGISTRY (127.0.0.1:PORT), REGISTRY_PID and REGISTRY_DIR for the
# registry it just started. Several registries may run at once; stop_registry with no
# argument stops all of them, with a pid only that one. push_test_image authenticates with
# REGISTRY_USER / REGISTRY_PASS when both are set.

SIGIL_REGISTRY_BIN=${SIGIL_REGISTRY_BIN:-/usr/bin/docker-registry}
_sigil_registry_pids=()
_sigil_registry_dirs=()
_sigil_registry_watchers=()

_sigil_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# _sigil_watch PID DIR OWNER: if OWNER (the test script) dies without stop_registry
# (SIGKILL, a time-out), stop the registry and remove its directory anyway.
_sigil_watch() {
	local pid=$1 dir=$2 owner=$3
	while kill -0 "$owner" 2>/dev/null; do
		sleep 1
	done
	if grep -qF "$dir/config.yml" "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

# start_registry [htpasswd_file]
start_registry() {
	local htpasswd=${1:-} dir port pid code i n
	if [ ! -x "$SIGIL_REGISTRY_BIN" ]; then
		echo "start_registry: $SIGIL_REGISTRY_BIN not found" >&2
		return 1
	fi
	if [ -n "$htpasswd" ] && [ ! -r "$htpasswd" ]; then
		echo "start_registry: cannot read $htpasswd" >&2
		return 1
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sigil-registry.XXXXXX") || return 1
	# The port is free when picked but could be taken before the registry binds it:
	# try a few times. pid and dir are recorded at once so a trap can always clean up.
	for _ in 1 2 3; do
		port=$(_sigil_free_port) || break
		{
			printf 'version: 0.1\n'
			printf 'log:\n  level: error\n  accesslog:\n    disabled: true\n'
			printf 'storage:\n  filesystem:\n    rootdirectory: %s/data\n' "$dir"
			printf '  delete:\n    enabled: true\n'
			printf '  maintenance:\n    uploadpurging:\n      enabled: false\n'
			printf 'http:\n  addr: 127.0.0.1:%s\n  secret: sigil-test-%s\n' "$port" "$port"
			if [ -n "$htpasswd" ]; then
				printf 'auth:\n  htpasswd:\n    realm: basic-realm\n    path: %s\n' \
					"$(realpath "$htpasswd")"
			fi
		} >"$dir/config.yml"
		"$SIGIL_REGISTRY_BIN" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
		pid=$!
		n=0
		for i in "${!_sigil_registry_pids[@]}"; do n=$((i + 1)); done
		_sigil_registry_pids[n]=$pid
		_sigil_registry_dirs[n]=$dir
		_sigil_watch "$pid" "$dir" "$$" </dev/null >/dev/null 2>&1 &
		_sigil_registry_watchers[n]=$!
		for ((i = 0; i < 200; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
			if [ "$code" = 200 ] || [ "$code" = 401 ]; then
				export REGISTRY="127.0.0.1:$port" REGISTRY_PID=$pid REGISTRY_DIR=$dir
				return 0
			fi
			sleep 0.1
		done
		_sigil_stop_one "$n" keep
	done
	echo "start_registry: registry did not come up; log:" >&2
	cat "$dir/registry.log" >&2 2>/dev/null
	rm -rf "$dir"
	return 1
}

# _sigil_stop_one INDEX [keep]: stops a registry and its watcher; removes its directory
# unless "keep". Safe under set -e.
_sigil_stop_one() {
	local i=$1 keep=${2:-} pid=${_sigil_registry_pids[$1]} w=${_sigil_registry_watchers[$1]:-}
	if [ -n "$w" ]; then
		kill "$w" 2>/dev/null || true
		wait "$w" 2>/dev/null || true
	fi
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -z "$keep" ]; then
		rm -rf "${_sigil_registry_dirs[i]}"
	fi
	unset '_sigil_registry_pids[i]' '_sigil_registry_dirs[i]' '_sigil_registry_watchers[i]'
}

# stop_registry [pid]: stops one registry (and removes its directory) or all of them.
stop_registry() {
	local want=${1:-} i
	for i in "${!_sigil_registry_pids[@]}"; do
		if [ -n "$want" ] && [ "${_sigil_registry_pids[i]}" != "$want" ]; then
			continue
		fi
		_sigil_stop_one "$i"
	done
	if [ -z "$want" ] || [ "$want" = "${REGISTRY_PID:-}" ]; then
		unset REGISTRY REGISTRY_PID REGISTRY_DIR
	fi
	return 0
}

# _sigil_curl ARGS...: curl against $REGISTRY with the test credentials, if any.
_sigil_curl() {
	if [ -n "${REGISTRY_USER:-}" ] && [ -n "${REGISTRY_PASS:-}" ]; then
		curl -sS -u "$REGISTRY_USER:$REGISTRY_PASS" "$@"
	else
		curl -sS "$@"
	fi
}

# push_blob REPO FILE: uploads FILE (POST then monolithic PUT) and prints its digest.
push_blob() {
	local repo=$1 file=$2 digest location sep hdrs code
	digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
	hdrs=$(mktemp) || return 1
	code=$(_sigil_curl -o /dev/null -D "$hdrs" -w '%{http_code}' -X POST \
		"http://$REGISTRY/v2/$repo/blobs/uploads/") || code=000
	location=$(tr -d '\r' <"$hdrs" | sed -n 's/^[Ll]ocation: *//p' | tail -1)
	rm -f "$hdrs"
	if [ "$code" != 202 ] || [ -z "$location" ]; then
		echo "push_blob: POST uploads for $repo answered $code" >&2
		return 1
	fi
	case $location in
	http://* | https://*) ;;
	*) location="http://$REGISTRY$location" ;;
	esac
	case $location in
	*\?*) sep='&' ;;
	*) sep='?' ;;
	esac
	code=$(_sigil_curl -o /dev/null -w '%{http_code}' -X PUT \
		-H 'Content-Type: application/octet-stream' --data-binary "@$file" \
		"$location${sep}digest=$digest") || code=000
	if [ "$code" != 201 ]; then
		echo "push_blob: PUT $digest to $repo answered $code" >&2
		return 1
	fi
	echo "$digest"
}

# push_manifest REPO REF FILE [MEDIA_TYPE]: PUTs a manifest and prints the digest the
# registry reports.
push_manifest() {
	local repo=$1 ref=$2 file=$3 mt=${4:-application/vnd.oci.image.manifest.v1+json}
	local hdrs code digest
	hdrs=$(mktemp) || return 1
	code=$(_sigil_curl -o /dev/null -D "$hdrs" -w '%{http_code}' -X PUT \
		-H "Content-Type: $mt" --data-binary "@$file" \
		"http://$REGISTRY/v2/$repo/manifests/$ref") || code=000
	digest=$(tr -d '\r' <"$hdrs" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p' | tail -1)
	rm -f "$hdrs"
	if [ "$code" != 201 ]; then
		echo "push_manifest: PUT $repo:$ref answered $code" >&2
		return 1
	fi
	echo "${digest:-sha256:$(sha256sum "$file" | cut -d' ' -f1)}"
}

# push_test_image REPO TAG: pushes a small single-layer OCI image (distinct content each
# call) and prints its manifest digest.
push_test_image() {
	local repo=$1 tag=$2 work config_digest layer_digest config_size layer_size digest
	work=$(mktemp -d "${TMPDIR:-/tmp}/sigil-image.XXXXXX") || return 1
	python3 - "$work" "$repo" "$tag" <<'EOF' || { rm -rf "$work"; return 1; }
import gzip, io, json, os, sys, tarfile, time
work, repo, tag = sys.argv[1:4]
content = ("hello from %s:%s\n%s\n" % (repo, tag, os.urandom(16).hex())).encode()
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    info = tarfile.TarInfo("hello.txt")
    info.size, info.mtime, info.mode = len(content), 0, 0o644
    tar.addfile(info, io.BytesIO(content))
gz = io.BytesIO()
with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
    g.write(raw.getvalue())
import hashlib
diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
config = {
    "architecture": "amd64", "os": "linux",
    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "config": {"Cmd": ["/bin/cat", "/hello.txt"], "Labels": {"sigil.test": tag}},
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
}
open(os.path.join(work, "layer.tar.gz"), "wb").write(gz.getvalue())
open(os.path.join(work, "config.json"), "wb").write(
    json.dumps(config, separators=(",", ":"), sort_keys=True).encode())
EOF
	if ! config_digest=$(push_blob "$repo" "$work/config.json") ||
		! layer_digest=$(push_blob "$repo" "$work/layer.tar.gz"); then
		rm -rf "$work"
		return 1
	fi
	config_size=$(stat -c %s "$work/config.json")
	layer_size=$(stat -c %s "$work/layer.tar.gz")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'\
'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},'\
'"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
		"$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
	digest=$(push_manifest "$repo" "$tag" "$work/manifest.json") || { rm -rf "$work"; return 1; }
	rm -rf "$work"
	echo "$digest"
}
