#!/usr/bin/env bash
# Tamper corpus (issue 6). tamper.py signs four images in one OCI layout with sigil (a with k,
# b with k2, c with k and annotations, d with the Ed25519 key e), then runs `sigil verify` on
# well over 1,000 mutations of what was signed: payloads, signatures, signature manifests,
# index.json and tags, image manifests, public keys, verify arguments. Every one must be
# rejected (exit 1 or 2, nothing on stdout) without a crash or sanitizer report; the pristine
# images and benign changes (index.json re-serialised, an extra tag, ...) must still verify.
#
# SIGIL_TAMPER_JOBS (default 3) sets the number of parallel verifiers; SIGIL_TAMPER_KEEP=DIR
# keeps a copy of the tree of every failing mutation there. To look at one mutation by hand:
#   tamper.py setup --sigil build/sigil /tmp/fx && tamper.py list /tmp/fx
#   tamper.py materialize /tmp/fx NAME /tmp/one
. "$(dirname "$0")/harness.sh"

export COSIGN_PASSWORD=tamper-pass
RC=0
if ! "$PY" "$HERE/tamper.py" setup --sigil "$SIGIL" --source-root "$ROOT" "$T/fx" > "$T/err" 2>&1; then
	: > "$T/out"
	fail "fixture: generate keys, make and sign four images"
	finish
fi
pass "fixture: generate keys, make and sign four images"

cd "$T/fx/tree"
expect 0 "pristine a verifies with k" verify --key keys/k.pub oci:layout:a
expect 0 "pristine b verifies with k2" verify --key keys/k2.pub oci:layout:b
expect 0 "pristine c verifies with k and -a team=blue" verify --key keys/k.pub -a team=blue oci:layout:c
expect 0 "pristine d verifies with the Ed25519 key" verify --key keys/e.pub oci:layout:d
expect 1 "b is not signed with k" verify --key keys/k.pub oci:layout:b
cd - > /dev/null

set +e
"$PY" "$HERE/tamper.py" run --sigil "$SIGIL" --jobs "${SIGIL_TAMPER_JOBS:-3}" \
	${SIGIL_TAMPER_KEEP:+--keep-failures "$SIGIL_TAMPER_KEEP"} "$T/fx" > "$T/report" 2>&1
rc=$?
set -e
sed -e 's/^#* */# /' "$T/report"
summary=$(grep '^tamper: ' "$T/report" || true)
n=$(sed -n 's/^tamper: \([0-9]*\) mutations.*/\1/p' <<< "$summary")
RC=$rc
cp "$T/report" "$T/err"
: > "$T/out"
check "tamper.py: no false accept, crash, hang, failed control or stdout on failure" test "$rc" -eq 0
no_false_accepts() { [[ $summary == *" 0 false accepts, 0 crashes" ]]; }
check "summary line: 0 false accepts, 0 crashes" no_false_accepts
check "at least 1,000 mutations (${n:-0})" test "${n:-0}" -ge 1000
echo "$summary"
finish
