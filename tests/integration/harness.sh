# Sourced by integration tests: a TAP-like checker around the real binary.
# Each test gets $T (a temp dir, removed on exit) and runs sigil through `run`.
set -euo pipefail
SIGIL="${SIGIL_EXE:?SIGIL_EXE must name the sigil binary}"
PY="${SIGIL_PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${SIGIL_SOURCE_ROOT:-$(cd "$HERE/../.." && pwd)}"
T=$(mktemp -d)
FAILS=0
CHECKS=0
_cleanups=()
at_exit() { _cleanups+=("$1"); }
_run_cleanups() {
	local c
	for c in "${_cleanups[@]}"; do eval "$c" || true; done
	rm -rf "$T"
}
trap _run_cleanups EXIT

# run ARGS...: runs sigil, keeping status in RC, output in $T/out and $T/err
run() {
	set +e
	"$SIGIL" "$@" > "$T/out" 2> "$T/err"
	RC=$?
	set -e
}

pass() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $1"; }
fail() {
	CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1))
	echo "not ok $CHECKS - $1"
	echo "#   exit $RC; stderr:"
	if [ -f "$T/err" ]; then sed 's/^/#     /' "$T/err" | head -20; fi
	echo "#   stdout:"
	if [ -f "$T/out" ]; then sed 's/^/#     /' "$T/out" | head -10; fi
}

# expect CODE DESC ARGS...: sigil ARGS must exit with CODE
expect() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then pass "$desc"; else fail "$desc (wanted exit $want)"; fi
}

# expect_error CODE DESC PATTERN ARGS...: exit CODE, exactly one stderr line matching PATTERN
expect_error() {
	local want=$1 desc=$2 pat=$3
	shift 3
	run "$@"
	if [ "$RC" -eq "$want" ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q -- "$pat" "$T/err"; then
		pass "$desc"
	else
		fail "$desc (wanted exit $want and one stderr line matching '$pat')"
	fi
}

# check DESC CMD...: any shell condition
check() {
	local desc=$1
	shift
	RC=0
	if "$@"; then pass "$desc"; else RC=$?; fail "$desc"; fi
}

finish() {
	echo "1..$CHECKS"
	if [ "$FAILS" -ne 0 ]; then
		echo "# $FAILS of $CHECKS checks failed"
		exit 1
	fi
}
