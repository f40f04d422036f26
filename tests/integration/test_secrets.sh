#!/usr/bin/env bash
# Secrets: what sigil leaves behind in memory and prints. Private keys are made by Python's
# `cryptography` (so their bytes are known here), imported with `sigil import-key-pair`, and
# then used by `sign` and `attest` with the password on stdin. Each of these runs is loaded
# with tests/secrets/memscan.c (LD_PRELOAD), which at exit reads every resident page of the
# process and counts copies of: the private scalar (P-256) or seed (Ed25519) and each half of
# it, the PKCS#8 DER, the scrypt-derived box key (computed here with hashlib.scrypt from the
# key file) and the password. All must be absent: wiped (sodium memory, OpenSSL's clear-free),
# not merely freed. Then: key files are 0600, and neither --help nor any error message nor
# any output contains key bytes (hex, base64 or PEM) or the password.
. "$(dirname "$0")/harness.sh"

MEMSCAN="${SIGIL_MEMSCAN_LIB:?SIGIL_MEMSCAN_LIB must name the memscan library}"
# an ASan build's runtime wants to be first in the library list; memscan does not care
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PW="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
ALL="$T/all-output"
: >"$ALL"
unset COSIGN_PASSWORD

d=$("$PY" "$ROOT/scripts/mkimage.py" "$ROOT/examples/rootfs" "$T/img" v1)
IMG="oci:$T/img:v1"

# keyinfo.py gen TYPE PEM: writes a PKCS#8 PEM, prints NAME=HEX patterns of its secrets
# keyinfo.py box KEYFILE PASSWORD: prints box=HEX, the scrypt key of a cosign key file
# keyinfo.py open KEYFILE PASSWORD: decrypts it, prints the patterns of the key inside
cat >"$T/keyinfo.py" <<'PY'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
if sys.argv[1] == "gen":
    if sys.argv[2] == "ec":
        k = ec.generate_private_key(ec.SECP256R1())
        raw = k.private_numbers().private_value.to_bytes(32, "big")
    else:
        k = ed25519.Ed25519PrivateKey.generate()
        raw = k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                              serialization.NoEncryption())
    der = k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    open(sys.argv[3], "wb").write(k.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()).decode().split("\n")[1:-2]
    # the key as big-endian bytes (DER), as a little-endian integer (OpenSSL's BIGNUM limbs),
    # and the base64 lines of its PEM file
    print(",".join(["scalar=" + raw.hex(), "lo=" + raw[:16].hex(), "hi=" + raw[16:].hex(),
                    "reversed=" + raw[::-1].hex(), "der=" + der.hex()] +
                   ["pem%d=%s" % (i, l.encode().hex()) for i, l in enumerate(pem)]))
    # the texts that must never be printed: hex of the scalar, base64 of the DER in pieces
    b64 = base64.b64encode(der).decode()
    open(sys.argv[3] + ".texts", "w").write("\n".join([raw.hex()] +
        [b64[i:i + 24] for i in range(0, len(b64) - 24, 24)]) + "\n")
else:
    pem = open(sys.argv[2]).read().split("-----")[2]  # ENCRYPTED SIGSTORE PRIVATE KEY
    f = json.loads(base64.b64decode("".join(pem.split())))
    p = f["kdf"]["params"]
    box = hashlib.scrypt(sys.argv[3].encode(), salt=base64.b64decode(f["kdf"]["salt"]),
                         n=p["N"], r=p["r"], p=p["p"], maxmem=1 << 30, dklen=32)
    if sys.argv[1] == "box":
        print("box=" + box.hex())
        sys.exit(0)
    # open: decrypt with libsodium's secretbox through ctypes (not sigil's code), then the
    # patterns of the key inside, as for "gen"
    import ctypes
    na = ctypes.CDLL("libsodium.so.23")
    c, nonce = base64.b64decode(f["ciphertext"]), base64.b64decode(f["cipher"]["nonce"])
    m = ctypes.create_string_buffer(len(c) - 16)
    assert na.sodium_init() >= 0
    assert na.crypto_secretbox_open_easy(m, c, ctypes.c_ulonglong(len(c)), nonce, box) == 0
    der = m.raw
    k = serialization.load_der_private_key(der, None)
    if isinstance(k, ec.EllipticCurvePrivateKey):
        raw = k.private_numbers().private_value.to_bytes(32, "big")
    else:
        raw = k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                              serialization.NoEncryption())
    print(",".join(["scalar=" + raw.hex(), "lo=" + raw[:16].hex(), "hi=" + raw[16:].hex(),
                    "reversed=" + raw[::-1].hex(), "der=" + der.hex(), "box=" + box.hex(),
                    "password=" + sys.argv[3].encode().hex()]))
PY

# scanned NAME PATTERNS ARGS...: runs sigil ARGS under memscan, password on stdin; passes if
# it exits 0 and every pattern is absent from its memory at exit
scanned() {
	local name=$1 pats=$2
	shift 2
	set +e
	printf '%s' "$PW" | SIGIL_MEMSCAN="$pats" SIGIL_MEMSCAN_OUT="$T/scan" LD_PRELOAD="$MEMSCAN" \
		"$SIGIL" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
	cat "$T/out" "$T/err" >>"$ALL"
	if [ "$RC" -eq 0 ] && [ -s "$T/scan" ] && ! grep -q ' found ' "$T/scan" &&
		grep -q '^scanned [1-9]' "$T/scan"; then
		pass "$name: $(grep -c ' absent ' "$T/scan") secrets absent from memory at exit"
	else
		fail "$name: secrets left in memory ($(grep ' found ' "$T/scan" 2>/dev/null | tr '\n' ' '))"
	fi
	rm -f "$T/scan"
}
pwhex=$(printf '%s' "$PW" | od -An -tx1 | tr -d ' \n')

for kt in ec ed; do
	pats=$("$PY" "$T/keyinfo.py" gen "$kt" "$T/$kt.pem")
	scanned "$kt: import-key-pair" "$pats" import-key-pair --key "$T/$kt.pem" \
		--output-key-prefix "$T/$kt"
	check "$kt: the encrypted key file is 0600" test "$(stat -c %a "$T/$kt.key")" = 600
	check "$kt: the public key file is 0644" test "$(stat -c %a "$T/$kt.pub")" = 644
	box=$("$PY" "$T/keyinfo.py" box "$T/$kt.key" "$PW")
	all="$pats,$box,password=$pwhex"
	scanned "$kt: sign" "$all" sign --key "$T/$kt.key" "$IMG"
	echo '{"builder":"test"}' >"$T/pred.json"
	scanned "$kt: attest" "$all" attest --key "$T/$kt.key" --predicate "$T/pred.json" \
		--type custom "$IMG"
	scanned "$kt: sign --bundle-format sigstore" "$all" sign --key "$T/$kt.key" \
		--bundle-format sigstore "$IMG"
	scanned "$kt: sign with the plaintext PEM" "$pats" sign --key "$T/$kt.pem" "$IMG"
	expect 0 "$kt: and the signatures verify" verify --key "$T/$kt.pub" "$IMG"
	cat "$T/out" "$T/err" >>"$ALL"
done

# generate-key-pair: the key is only known once written, so the scanner waits at exit for
# the patterns, taken from the key file it wrote
for alg in ecdsa-p256 ed25519; do
	rm -f "$T/pats" "$T/scan" "$T/gen-$alg.key" "$T/gen-$alg.pub"
	set +e
	printf '%s' "$PW" | SIGIL_MEMSCAN_FROM="$T/pats" SIGIL_MEMSCAN_OUT="$T/scan" \
		LD_PRELOAD="$MEMSCAN" "$SIGIL" generate-key-pair --algorithm "$alg" \
		--output-key-prefix "$T/gen-$alg" >"$T/out" 2>"$T/err" &
	gen=$!
	for _ in $(seq 600); do [ -s "$T/gen-$alg.pub" ] && break; sleep 0.1; done
	"$PY" "$T/keyinfo.py" open "$T/gen-$alg.key" "$PW" >"$T/pats.tmp" && mv "$T/pats.tmp" "$T/pats"
	wait $gen
	RC=$?
	set -e
	cat "$T/out" "$T/err" >>"$ALL"
	if [ "$RC" -eq 0 ] && grep -q '^scalar absent' "$T/scan" && ! grep -q ' found ' "$T/scan" &&
		grep -q '^scanned [1-9]' "$T/scan"; then
		pass "$alg: generate-key-pair: $(grep -c ' absent ' "$T/scan") secrets absent from memory at exit"
	else
		fail "$alg: generate-key-pair: secrets left in memory ($(tr '\n' ' ' <"$T/scan" 2>/dev/null))"
	fi
	check "$alg: generate-key-pair writes the key file 0600" test "$(stat -c %a "$T/gen-$alg.key")" = 600
done

# the scanner itself finds a secret that is left in memory: the unencrypted PEM's key is
# read by import-key-pair, but a plain `sigil` reading a file does not wipe what it read
printf '%s' "$PW" | SIGIL_MEMSCAN="der=$(sed -n 's/.*der=\([0-9a-f]*\).*/\1/p' <<<"$pats"),password=$pwhex" \
	SIGIL_MEMSCAN_OUT="$T/scan" LD_PRELOAD="$MEMSCAN" sh -c 'pw=$(cat); exec "$0" -c "import sys; x=open(sys.argv[1],\"rb\").read(); y=bytes.fromhex(sys.argv[2])" "$1" "$2"' \
	"$PY" "$T/ed.pem" "$(sed -n 's/.*der=\([0-9a-f]*\).*/\1/p' <<<"$pats")" || true
check "memscan sees a secret a process keeps (control)" grep -q '^der found' "$T/scan"
rm -f "$T/scan"
echo "der=$(sed -n 's/.*der=\([0-9a-f]*\).*/\1/p' <<<"$pats")" >"$T/pats"
SIGIL_MEMSCAN_FROM="$T/pats" SIGIL_MEMSCAN_OUT="$T/scan" LD_PRELOAD="$MEMSCAN" "$PY" -c \
	"import sys; y=bytes.fromhex(open(sys.argv[1]).read().strip()[4:])" "$T/pats" || true
check "  and so it does with the patterns from a file (control)" grep -q '^der found' "$T/scan"

# ---- nothing prints key bytes or the password ----
export COSIGN_PASSWORD="$PW"
for a in "--help" "sign --help" "verify --help" "attest --help" "generate-key-pair --help" \
	"import-key-pair --help" "public-key --help"; do
	run $a
	cat "$T/out" "$T/err" >>"$ALL"
done
expect 0 "public-key prints the public key" public-key --key "$T/ec.key"
cat "$T/out" "$T/err" >>"$ALL"
# errors around private keys: each one line, none with key bytes
COSIGN_PASSWORD="$PW-wrong" expect_error 2 "wrong password: one line" "$T/ec.key" sign --key "$T/ec.key" "$IMG"
cat "$T/err" >>"$ALL"
expect_error 2 "a private key where a public one is wanted: one line" "" verify --key "$T/ec.pem" "$IMG"
cat "$T/out" "$T/err" >>"$ALL"
expect 0 "a plaintext PEM key signs too (no password needed)" sign --key "$T/ec.pem" "$IMG"
cat "$T/out" "$T/err" >>"$ALL"
expect_error 2 "a bad image with a good key: one line" "" sign --key "$T/ec.key" "oci:$T/none:v1"
cat "$T/err" >>"$ALL"
head -c 200 "$T/ec.key" >"$T/trunc.key"
expect_error 2 "a truncated key file: one line" "$T/trunc.key" sign --key "$T/trunc.key" "$IMG"
cat "$T/err" >>"$ALL"
expect_error 2 "import of an existing key without --force: one line" "" import-key-pair \
	--key "$T/ec.pem" --output-key-prefix "$T/ec"
cat "$T/err" >>"$ALL"
check "output collected" test -s "$ALL"
check "the password appears in no output" sh -c "! grep -qF -- '$PW' '$ALL'"
check "no key bytes (hex, base64 of the DER) in any output" \
	sh -c "! grep -qiF -f '$T/ec.pem.texts' '$ALL' && ! grep -qiF -f '$T/ed.pem.texts' '$ALL'"
finish
