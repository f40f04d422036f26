#!/usr/bin/env bash
# The README's first Quick start command must keep working: run scripts/demo with the built
# binary and check that every step it promises happened.
. "$(dirname "$0")/harness.sh"
set +e
SIGIL_EXE="$SIGIL" "$ROOT/scripts/demo" > "$T/out" 2> "$T/err"
RC=$?
set -e
check "demo exits 0" test "$RC" -eq 0
check "demo verified the layout image" grep -q "Verification for oci:" "$T/err"
check "every tampered copy failed" test "$(grep -c 'failed, as it should' "$T/out")" -ge 4
if command -v docker-registry >/dev/null; then
	check "demo verified against the registry" grep -q "Verification for 127.0.0.1:" "$T/err"
	check "moved tag failed" grep -q "9. Move the tag" "$T/out"
fi
check "demo attested the SBOM" grep -q "verify-attestation: 1 verified envelope" "$T/out"
check "demo finished" grep -q "Done: signed, verified" "$T/out"
finish
