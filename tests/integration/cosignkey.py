#!/usr/bin/env python3
"""Independent implementation of cosign's encrypted private key format (docs/formats.md 4.3),
used to cross-check sigil: scrypt from hashlib, Poly1305 from `cryptography`, XSalsa20 written
out here from the Salsa20 spec (the `cryptography` package has no XSalsa20).

  cosignkey.py pub KEYFILE              decrypt (password in $COSIGN_PASSWORD), print PKIX PEM
  cosignkey.py encrypt IN.pem OUT.key   encrypt a plaintext PEM private key as PKCS#8, N=32768,
                                        PEM type ENCRYPTED COSIGN PRIVATE KEY
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.poly1305 import Poly1305

MASK = 0xFFFFFFFF
SIGMA = b"expand 32-byte k"
ALLOWED = {(32768, 8, 1), (65536, 8, 1), (131072, 8, 1)}
TYPES = ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY")


def _rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def _rounds(x):
    def qr(a, b, c, d):
        x[b] ^= _rotl((x[a] + x[d]) & MASK, 7)
        x[c] ^= _rotl((x[b] + x[a]) & MASK, 9)
        x[d] ^= _rotl((x[c] + x[b]) & MASK, 13)
        x[a] ^= _rotl((x[d] + x[c]) & MASK, 18)

    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(5, 9, 13, 1)
        qr(10, 14, 2, 6)
        qr(15, 3, 7, 11)
        qr(0, 1, 2, 3)
        qr(5, 6, 7, 4)
        qr(10, 11, 8, 9)
        qr(15, 12, 13, 14)


def _state(key, in16):
    c = struct.unpack("<4I", SIGMA)
    k = struct.unpack("<8I", key)
    i = struct.unpack("<4I", in16)
    return [c[0], k[0], k[1], k[2], k[3], c[1], i[0], i[1],
            i[2], i[3], c[2], k[4], k[5], k[6], k[7], c[3]]


def hsalsa20(key, nonce16):
    x = _state(key, nonce16)
    _rounds(x)
    return struct.pack("<8I", x[0], x[5], x[10], x[15], x[6], x[7], x[8], x[9])


def salsa20_stream(key, nonce8, n):
    out = bytearray()
    ctr = 0
    while len(out) < n:
        init = _state(key, nonce8 + struct.pack("<Q", ctr))
        x = list(init)
        _rounds(x)
        out += struct.pack("<16I", *[(a + b) & MASK for a, b in zip(x, init)])
        ctr += 1
    return bytes(out[:n])


def secretbox_open(box, nonce, key):
    if len(box) < 16:
        raise ValueError("ciphertext too short")
    sub = hsalsa20(key, nonce[:16])
    ks = salsa20_stream(sub, nonce[16:], 32 + len(box) - 16)
    tag, c = box[:16], box[16:]
    if not hmac.compare_digest(Poly1305.generate_tag(ks[:32], c), tag):
        raise ValueError("decryption failed")
    return bytes(a ^ b for a, b in zip(c, ks[32:]))


def secretbox(msg, nonce, key):
    sub = hsalsa20(key, nonce[:16])
    ks = salsa20_stream(sub, nonce[16:], 32 + len(msg))
    c = bytes(a ^ b for a, b in zip(msg, ks[32:]))
    return Poly1305.generate_tag(ks[:32], c) + c


def scrypt(pw, salt, n, r, p):
    return hashlib.scrypt(pw, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=512 << 20)


def pem_decode(text):
    lines = text.strip().splitlines()
    first, last = lines[0], lines[-1]
    if not (first.startswith("-----BEGIN ") and first.endswith("-----")):
        raise ValueError("not PEM")
    typ = first[len("-----BEGIN "):-5]
    if last != "-----END %s-----" % typ:
        raise ValueError("bad PEM trailer")
    return typ, base64.b64decode("".join(lines[1:-1]), validate=True)


def pem_encode(typ, data):
    b = base64.b64encode(data).decode()
    body = "".join(b[i:i + 64] + "\n" for i in range(0, len(b), 64))
    return "-----BEGIN %s-----\n%s-----END %s-----\n" % (typ, body, typ)


def decrypt(text, pw):
    typ, body = pem_decode(text)
    if typ not in TYPES:
        raise ValueError("unsupported pem type: " + typ)
    d = json.loads(body)
    kdf, cipher = d["kdf"], d["cipher"]
    prm = kdf["params"]
    if kdf["name"] != "scrypt" or cipher["name"] != "nacl/secretbox":
        raise ValueError("unsupported kdf/cipher")
    if (prm["N"], prm["r"], prm["p"]) not in ALLOWED:
        raise ValueError("unsupported scrypt parameters")
    nonce = base64.b64decode(cipher["nonce"])
    if len(nonce) != 24:
        raise ValueError("bad nonce")
    key = scrypt(pw, base64.b64decode(kdf["salt"]), prm["N"], prm["r"], prm["p"])
    return secretbox_open(base64.b64decode(d["ciphertext"]), nonce, key)


def encrypt(der, pw, n=32768, typ="ENCRYPTED COSIGN PRIVATE KEY"):
    salt, nonce = os.urandom(32), os.urandom(24)
    key = scrypt(pw, salt, n, 8, 1)
    ct = secretbox(der, nonce, key)
    b64 = lambda x: base64.b64encode(x).decode()
    body = ('{"kdf":{"name":"scrypt","params":{"N":%d,"r":8,"p":1},"salt":"%s"},'
            '"cipher":{"name":"nacl/secretbox","nonce":"%s"},"ciphertext":"%s"}'
            % (n, b64(salt), b64(nonce), b64(ct)))
    return pem_encode(typ, body.encode())


def main(argv):
    pw = os.environb.get(b"COSIGN_PASSWORD", b"")
    if len(argv) == 3 and argv[1] == "pub":
        with open(argv[2]) as f:
            der = decrypt(f.read(), pw)
        k = serialization.load_der_private_key(der, password=None)
        sys.stdout.write(k.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode())
        return 0
    if len(argv) == 4 and argv[1] == "encrypt":
        with open(argv[2], "rb") as f:
            k = serialization.load_pem_private_key(f.read(), password=None)
        der = k.private_bytes(serialization.Encoding.DER,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        with open(argv[3], "w") as f:
            f.write(encrypt(der, pw))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
