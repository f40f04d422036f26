# shellcheck shell=bash
# sigstore-js for the integration tests; source after harness.sh.
#   sigstore_js_setup              installs tests/js/node_modules from package-lock.json if missing
#   js_verify_bundle ARGS...       node verify_bundle.mjs ARGS...
#   js_sign_bundle ARGS...         node sign_bundle.mjs ARGS...
# The interop test must not pass without sigstore-js: a failed setup fails the test.
SIGSTORE_JS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

sigstore_js_setup() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "sigstore_js_setup: node and npm are needed for the sigstore-js interop checks" >&2
		return 1
	fi
	if [ ! -d "$SIGSTORE_JS_DIR/node_modules/@sigstore/verify" ] ||
		[ "$SIGSTORE_JS_DIR/package-lock.json" -nt "$SIGSTORE_JS_DIR/node_modules/.package-lock.json" ]; then
		(cd "$SIGSTORE_JS_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2 || {
			echo "sigstore_js_setup: npm ci failed in $SIGSTORE_JS_DIR" >&2
			return 1
		}
	fi
}
js_verify_bundle() { node "$SIGSTORE_JS_DIR/verify_bundle.mjs" "$@"; }
js_sign_bundle() { node "$SIGSTORE_JS_DIR/sign_bundle.mjs" "$@"; }
