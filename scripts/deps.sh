# Sourced by scripts/demo and scripts/test: installs missing Debian packages (when root),
# then configures and builds sigil in $BUILD (default: build).
SIGIL_PACKAGES="gcc meson ninja-build pkg-config libssl-dev libsodium-dev libjansson-dev
 libcurl4-openssl-dev libyaml-dev libarchive-dev zlib1g-dev libisal-dev libsqlite3-dev libmicrohttpd-dev libcmocka-dev
 docker-registry apache2-utils python3 curl openssl mmdebstrap"

sigil_install_deps() {
	local missing=() p
	for p in $SIGIL_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if ! python3 -c 'import cryptography, jsonschema' 2>/dev/null; then
		missing+=(python3-cryptography python3-jsonschema)
	fi
	# node and npm for the sigstore-js interop tests (tests/js). Debian's nodejs (18.x) will
	# do; a machine with another build of node (NodeSource's, which ships npm) keeps its own.
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "installing: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# sigstore-js for the interop tests: `npm ci` in tests/js from the committed package-lock.json
# when tests/js/node_modules is missing or was installed from another lock file (needs npm and
# the npm registry; nothing to do when it is installed already). Failing here only warns: the
# tests that need sigstore-js call sigstore_js_setup themselves and fail loudly.
sigil_install_js_deps() {
	(
		. "$(dirname "${BASH_SOURCE[0]}")/../tests/js/lib.sh" && sigstore_js_setup
	) || echo "warning: sigstore-js is not installed; the sigstore-js interop test will fail" >&2
}

# An interpreter that has the cryptography package (pyenv's or Debian's).
sigil_python() {
	local py
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import cryptography, jsonschema' 2>/dev/null; then
			command -v "$py"
			return 0
		fi
	done
	command -v python3
}

sigil_build() {
	local build="$1"; shift
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$@" >&2
	fi
	ninja -C "$build" >&2
}
