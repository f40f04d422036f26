#!/usr/bin/env bash
# generate-key-pair / import-key-pair / public-key through the real binary, cross-checked
# against an independent Python implementation of the key format (cosignkey.py) and openssl.
. "$(dirname "$0")/harness.sh"

SHARED="${SIGIL_SHARED:-$ROOT/../shared}"
KEYPY="$HERE/cosignkey.py"
PW='S3cret-pa55-zq9'
export COSIGN_PASSWORD="$PW"

# Every sigil run's output is also collected, to check the password never shows up.
run() {
	set +e
	"$SIGIL" "$@" > "$T/out" 2> "$T/err"
	RC=$?
	set -e
	cat "$T/out" "$T/err" >> "$T/all-output"
}
one_line() { [ "$(wc -l < "$T/err")" -eq 1 ]; }
mode() { stat -c %a "$1"; }
same() { cmp -s "$1" "$2"; }

mkdir -p "$T/ec" "$T/ed" "$T/imp" "$T/py"

# ---- generate-key-pair ----
cd "$T/ec"
expect 0 "generate-key-pair (default ecdsa-p256, prefix cosign)" generate-key-pair
check "stderr names cosign.key" grep -qx "Private key written to cosign.key" "$T/err"
check "stderr names cosign.pub" grep -qx "Public key written to cosign.pub" "$T/err"
check "nothing on stdout" test ! -s "$T/out"
check "cosign.key is mode 0600" test "$(mode cosign.key)" = 600
check "cosign.pub is mode 0644" test "$(mode cosign.pub)" = 644
check "key type ENCRYPTED SIGSTORE PRIVATE KEY" \
	grep -qx -- "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----" cosign.key
check "scrypt N=65536 (decoded JSON)" \
	sh -c "sed '1d;\$d' cosign.key | base64 -d | grep -q '\"params\":{\"N\":65536,\"r\":8,\"p\":1}'"
check "public key is P-256 PKIX" grep -q "^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" cosign.pub
check "PEM lines are at most 64 columns" sh -c "! awk 'length > 64' cosign.key cosign.pub | grep -q ."

sha_key=$(sha256sum cosign.key)
sha_pub=$(sha256sum cosign.pub)
expect_error 2 "refuses to overwrite without --force" "cosign.key" generate-key-pair
check "error says --force" grep -q -- "--force" "$T/err"
check "existing pair untouched" test "$(sha256sum cosign.key)" = "$sha_key" -a "$(sha256sum cosign.pub)" = "$sha_pub"
: > half.pub
expect_error 2 "refuses when only PREFIX.pub exists" "half.pub" generate-key-pair --output-key-prefix half
check "... and writes no half.key" test ! -e half.key
expect 0 "--force overwrites" generate-key-pair --force
check "new key differs" test "$(sha256sum cosign.key)" != "$sha_key"
check "mode still 0600 after --force" test "$(mode cosign.key)" = 600

expect 0 "public-key matches cosign.pub" public-key --key cosign.key
check "public-key output == cosign.pub" same "$T/out" cosign.pub
expect 0 "public-key --outfile" public-key --key cosign.key --outfile out.pub
check "--outfile content == cosign.pub" same out.pub cosign.pub

COSIGN_PASSWORD=wrong-password expect_error 2 "wrong password: exit 2, one line naming the file" \
	"cosign.key: decryption failed" public-key --key cosign.key
check "wrong password prints nothing on stdout" test ! -s "$T/out"

cd "$T/ed"
expect 0 "generate-key-pair --algorithm ed25519" generate-key-pair --algorithm ed25519 --output-key-prefix ed
check "ed.key 0600 / ed.pub 0644" test "$(mode ed.key)" = 600 -a "$(mode ed.pub)" = 644
check "ed.pub is Ed25519 PKIX" grep -q "^MCowBQYDK2VwAyEA" ed.pub
expect 0 "public-key of the Ed25519 key" public-key --key ed.key
check "matches ed.pub" same "$T/out" ed.pub

# ---- password sources ----
cd "$T/ec"
printf '%s' "$PW" > "$T/pw"
printf '%s\n' "$PW" > "$T/pw-nl"
(unset COSIGN_PASSWORD; run public-key --key cosign.key < "$T/pw"; [ "$RC" -eq 0 ]) &&
	pass "password from stdin (no COSIGN_PASSWORD)" || fail "password from stdin"
(unset COSIGN_PASSWORD; run public-key --key cosign.key < "$T/pw-nl"; [ "$RC" -eq 2 ]) &&
	pass "stdin trailing newline is part of the password (as cosign)" || fail "stdin newline"
COSIGN_PASSWORD= expect 0 "empty COSIGN_PASSWORD is a password" generate-key-pair --output-key-prefix empty
(unset COSIGN_PASSWORD; run public-key --key empty.key < /dev/null; [ "$RC" -eq 0 ]) &&
	pass "empty stdin opens an empty-password key" || fail "empty stdin password"
rm -f "$T/pw" "$T/pw-nl"

# terminal prompts (a pseudo-terminal driven by ttypass.py): echo off, asked twice on creation
mkdir -p "$T/tty" && cd "$T/tty"
TTY="$HERE/ttypass.py"
tty_run() { (unset COSIGN_PASSWORD; "$PY" "$TTY" "$@" > "$T/tty.out" 2>&1 || true); cat "$T/tty.out" >> "$T/all-output"; }
tty_run "$PW,$PW" "$SIGIL" generate-key-pair -o t
check "terminal: prompt and confirm, key written" sh -c "grep -q 'exit=0' '$T/tty.out' &&
	grep -q 'Enter password for private key: ' '$T/tty.out' &&
	grep -q 'Enter password for private key again: ' '$T/tty.out' && test -s t.key"
tty_run "$PW,${PW}x" "$SIGIL" generate-key-pair -o mismatch
check "terminal: mismatch is refused, nothing written" sh -c "grep -q 'exit=2' '$T/tty.out' &&
	grep -q 'passwords do not match' '$T/tty.out' && test ! -e mismatch.key -a ! -e mismatch.pub"
tty_run "$PW" "$SIGIL" public-key --key t.key
check "terminal: public-key asks once and prints t.pub" sh -c "grep -q 'exit=0' '$T/tty.out' &&
	grep -q \"\$(sed -n 2p t.pub)\" '$T/tty.out'"

# ---- import-key-pair ----
cd "$T/imp"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out sec1.pem 2>/dev/null
openssl genpkey -algorithm ed25519 -out ed.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
for f in p256 sec1 ed; do openssl pkey -in $f.pem -pubout -out $f.want.pub; done

expect 0 "import-key-pair PKCS#8 P-256 (default prefix)" import-key-pair --key p256.pem
check "import-cosign.key 0600, import-cosign.pub 0644" \
	test "$(mode import-cosign.key)" = 600 -a "$(mode import-cosign.pub)" = 644
check "import-cosign.pub == openssl's public key" same import-cosign.pub p256.want.pub
expect 0 "public-key of the imported key" public-key --key import-cosign.key
check "... equals openssl's" same "$T/out" p256.want.pub
expect_error 2 "import refuses to overwrite" "import-cosign.key" import-key-pair --key p256.pem
expect 0 "import SEC1 EC PRIVATE KEY" import-key-pair --key sec1.pem -o sec1
check "sec1.pub == openssl's" same sec1.pub sec1.want.pub
expect 0 "import Ed25519 PKCS#8" import-key-pair --key ed.pem --output-key-prefix ed
check "ed.pub == openssl's" same ed.pub ed.want.pub
expect_error 2 "import P-384 refused" "p384.pem: unsupported ECDSA curve P-384" import-key-pair --key p384.pem -o p384
expect_error 2 "import RSA refused" "rsa.pem: unsupported key type RSA" import-key-pair --key rsa.pem -o rsa
check "refused imports write nothing" test ! -e p384.key -a ! -e rsa.key
expect_error 2 "import of an encrypted key refused" "import-cosign.key" import-key-pair --key import-cosign.key -o again
expect_error 2 "import of a missing file" "nope.pem" import-key-pair --key nope.pem -o nope

# the decrypted plaintext is PKCS#8 in exactly Go's layout (formats.md 4.3)
if "$PY" - "$HERE" "$T/ec/cosign.key" "$T/ed/ed.key" "$T/imp/sec1.key" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
import cosignkey
pw = os.environb[b"COSIGN_PASSWORD"]
p256 = bytes.fromhex("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420")
ed = bytes.fromhex("302e020100300506032b657004220420")
for f, prefix, n in ((sys.argv[2], p256, 138), (sys.argv[3], ed, 48), (sys.argv[4], p256, 138)):
    der = cosignkey.decrypt(open(f).read(), pw)
    assert len(der) == n and der.startswith(prefix), (f, der.hex())
    if n == 138:
        assert der[68:74] == bytes.fromhex("a14403420004"), der.hex()
PY
then pass "plaintexts are Go-layout PKCS#8 (P-256 138 B, Ed25519 48 B)"; else fail "PKCS#8 layout"; fi

# ---- cosign's own test key ----
COSIGN_PASSWORD=hello expect 0 "public-key of cosign's pemsigstorekey" \
	public-key --key "$SHARED/vectors/cosign-test-key-hello.key"
check "equals the shared .pub byte for byte" same "$T/out" "$SHARED/vectors/cosign-test-key-hello.pub"

# ---- independent implementation (Python: hashlib.scrypt + XSalsa20 + Poly1305) ----
if "$PY" "$KEYPY" pub "$T/ec/cosign.key" > "$T/py/ec.pub" 2> "$T/py/err" &&
	same "$T/py/ec.pub" "$T/ec/cosign.pub"; then
	pass "python decrypts sigil's P-256 key; public key == cosign.pub"
else
	fail "python decrypt of sigil's P-256 key: $(cat "$T/py/err")"
fi
if "$PY" "$KEYPY" pub "$T/ed/ed.key" > "$T/py/ed.pub" 2> "$T/py/err" && same "$T/py/ed.pub" "$T/ed/ed.pub"; then
	pass "python decrypts sigil's Ed25519 key; public key == ed.pub"
else
	fail "python decrypt of sigil's Ed25519 key: $(cat "$T/py/err")"
fi
if "$PY" "$KEYPY" pub "$T/imp/sec1.key" > "$T/py/sec1.pub" 2> "$T/py/err" && same "$T/py/sec1.pub" "$T/imp/sec1.want.pub"; then
	pass "python decrypts sigil's imported SEC1 key"
else
	fail "python decrypt of imported key: $(cat "$T/py/err")"
fi
COSIGN_PASSWORD=wrong "$PY" "$KEYPY" pub "$T/ec/cosign.key" > /dev/null 2>&1 &&
	fail "python accepted a wrong password" || pass "python rejects a wrong password (sanity)"

for f in p256 ed; do
	"$PY" "$KEYPY" encrypt "$T/imp/$f.pem" "$T/py/$f.key"
	expect 0 "sigil reads a python-made ENCRYPTED COSIGN PRIVATE KEY ($f)" public-key --key "$T/py/$f.key"
	check "... public key equals openssl's ($f)" same "$T/out" "$T/imp/$f.want.pub"
done

# ---- usage ----
expect 0 "generate-key-pair --help" generate-key-pair --help
check "usage on stdout" grep -q "usage: sigil generate-key-pair" "$T/out"
expect 0 "import-key-pair --help" import-key-pair --help
expect 0 "public-key --help" public-key --help
expect_error 2 "unknown option: one line" "unknown option --bogus" generate-key-pair --bogus
expect_error 2 "unknown algorithm: one line" "unknown --algorithm rsa" generate-key-pair --algorithm rsa
expect_error 2 "import without --key" "--key is required" import-key-pair
expect_error 2 "public-key without --key" "--key is required" public-key
expect_error 2 "option missing its value" "needs a value" public-key --key
expect_error 2 "stray argument" "unexpected argument" public-key --key x extra
expect_error 2 "public-key of a missing file names it" "missing.key" public-key --key missing.key

# ---- the password never appears in anything sigil printed ----
check "password absent from all output" sh -c "! grep -qF -- '$PW' '$T/all-output'"
check "password absent from the key files" sh -c "! grep -rqF -- '$PW' '$T/ec' '$T/ed' '$T/imp'"

finish
