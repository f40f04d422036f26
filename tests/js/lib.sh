# shellcheck shell=bash
# sigstore-js for sigil's integration tests; source this file, do not run it.
#
#   . "$ROOT/tests/js/lib.sh"
#   sigstore_js_setup || exit 1          # in a harness.sh test `set -e` does the exit
#   js_verify_bundle --bundle B.json --key PUB.pem [--digest sha256:HEX] [--artifact F] [--check-hint]
#   js_sign_bundle dsse --key PRIV.pem --payload-file F [--payload-type T] > bundle.json
#   js_sign_bundle message --key PRIV.pem --artifact F [--stock] > bundle.json
#
# sigstore_js_setup makes sure tests/js/node_modules is what package-lock.json pins, running
# `npm ci` (under a lock, so parallel tests do not install over each other) when it is missing
# or was installed from another lock file. It never skips: without node >= 18.17, or without npm
# when an install is needed, or when the install fails (no registry), it says why on stderr and
# returns 1, so the interop test fails instead of passing without sigstore-js.
# The wrappers print what the scripts print: js_verify_bundle "verified" (exit 0) or
# "error: ..." on stderr (exit 1); js_sign_bundle the bundle JSON.
SIGSTORE_JS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

_sigstore_js_fail() {
	echo "sigstore_js_setup: $*" >&2
	echo "sigstore_js_setup: the sigstore-js interop checks cannot run; failing (not skipping)" >&2
	return 1
}

# The sha256 of package-lock.json, which `npm ci` records in node_modules once it has installed.
_sigstore_js_lock_sum() {
	sha256sum "$SIGSTORE_JS_DIR/package-lock.json" | cut -d' ' -f1
}

_sigstore_js_installed() {
	[ -f "$SIGSTORE_JS_DIR/node_modules/.sigil-lock-sha256" ] &&
		[ "$(cat "$SIGSTORE_JS_DIR/node_modules/.sigil-lock-sha256")" = "$(_sigstore_js_lock_sum)" ]
}

_sigstore_js_install() {
	_sigstore_js_installed && return 0 # another test installed it while we waited for the lock
	command -v npm >/dev/null ||
		_sigstore_js_fail "npm is not installed and $SIGSTORE_JS_DIR/node_modules is missing or stale (root: scripts/deps.sh installs it)" ||
		return 1
	echo "sigstore_js_setup: npm ci in $SIGSTORE_JS_DIR" >&2
	(cd "$SIGSTORE_JS_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2 ||
		_sigstore_js_fail "npm ci failed in $SIGSTORE_JS_DIR (is the npm registry reachable?)" || return 1
	_sigstore_js_lock_sum > "$SIGSTORE_JS_DIR/node_modules/.sigil-lock-sha256"
}

sigstore_js_setup() {
	command -v node >/dev/null || { _sigstore_js_fail "node is not installed"; return 1; }
	node -e '
		const [maj, min] = process.versions.node.split(".").map(Number);
		process.exit((maj === 18 && min >= 17) || maj >= 20 ? 0 : 1);' ||
		{ _sigstore_js_fail "node $(node --version) is too old (package.json: ^18.17.0 || >=20.5.0)"; return 1; }
	if ! _sigstore_js_installed; then
		if command -v flock >/dev/null; then
			# flock on the directory itself: no lock file left in the tree
			(flock 9 && _sigstore_js_install) 9<"$SIGSTORE_JS_DIR" || return 1
		else
			_sigstore_js_install || return 1
		fi
	fi
	# the installed packages must load (a broken or half-removed node_modules fails here)
	(cd "$SIGSTORE_JS_DIR" && node --input-type=module -e '
		await import("@sigstore/verify"); await import("@sigstore/sign"); await import("@sigstore/bundle");') ||
		{ _sigstore_js_fail "the packages in $SIGSTORE_JS_DIR/node_modules do not load"; return 1; }
}

js_verify_bundle() { node "$SIGSTORE_JS_DIR/verify_bundle.mjs" "$@"; }
js_sign_bundle() { node "$SIGSTORE_JS_DIR/sign_bundle.mjs" "$@"; }
