#!/usr/bin/env python3
"""Sigstore bundles (v0.3, public-key hint, no tlog) built and checked with Python's
`cryptography` alone, to check tests/js/*.mjs without sigil and without sigstore-js.

  pybundle.py dsse KEY.pem PAYLOAD_FILE [PAYLOAD_TYPE]   bundle JSON on stdout
  pybundle.py message KEY.pem ARTIFACT                   bundle JSON on stdout
  pybundle.py verify BUNDLE.json PUB.pem [ARTIFACT]       prints "verified" or exits 1
  pybundle.py hint KEY.pem                                prints cosign's key hint
  pybundle.py tamper BUNDLE.json WHAT                     modified bundle on stdout

KEY.pem is an unencrypted PEM private key (ECDSA P-256, Ed25519 or RSA); PUB.pem a PEM public key.
PAYLOAD_TYPE defaults to application/vnd.in-toto+json. Signatures: ECDSA P-256 with SHA-256,
DER; Ed25519 pure; RSA PKCS#1 v1.5 with SHA-256. DSSE signs PAE(type, body) =
"DSSEv1 <len type> <type> <len body> <body>" (ASCII decimal lengths, formats.md §2.2).
The hint is base64std(SHA-256(PKIX DER of the public key)) (formats.md §5.1).
verify checks the signature (DSSE: over PAE; message: over ARTIFACT, whose sha256 must be the
messageDigest) and nothing else (no hint, no statement subjects).
WHAT for tamper: payload (a changed statement, old signature), sig (last signature byte
flipped), digest (messageDigest of other bytes), hint (another key's hint), twosigs (the DSSE
signature listed twice).
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
INTOTO = "application/vnd.in-toto+json"


def b64(b):
    return base64.b64encode(b).decode()


def pae(ptype, body):
    t = ptype.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def hint(pub):
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64(hashlib.sha256(der).digest())


def load_private(path):
    key = serialization.load_pem_private_key(open(path, "rb").read(), password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey) and not isinstance(key.curve, ec.SECP256R1):
        sys.exit("pybundle: only P-256 EC keys")
    return key


def sign(key, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    sys.exit("pybundle: unsupported key type")


def verify_sig(pub, sig, data):
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, data)
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def dump(bundle):
    print(json.dumps(bundle, separators=(",", ":")))


def bundle_of(key, content):
    b = {"mediaType": MEDIA_TYPE, "verificationMaterial": {"publicKey": {"hint": hint(key.public_key())}}}
    b.update(content)
    return b


def dsse(keyfile, payload_file, ptype=INTOTO):
    key = load_private(keyfile)
    body = open(payload_file, "rb").read()
    sig = sign(key, pae(ptype, body))
    dump(bundle_of(key, {"dsseEnvelope": {"payload": b64(body), "payloadType": ptype,
                                          "signatures": [{"sig": b64(sig)}]}}))


def message(keyfile, artifact):
    key = load_private(keyfile)
    data = open(artifact, "rb").read()
    dump(bundle_of(key, {"messageSignature": {
        "messageDigest": {"algorithm": "SHA2_256", "digest": b64(hashlib.sha256(data).digest())},
        "signature": b64(sign(key, data))}}))


def verify(bundle_file, pubfile, artifact=None):
    b = json.load(open(bundle_file))
    pub = serialization.load_pem_public_key(open(pubfile, "rb").read())
    if "dsseEnvelope" in b:
        env = b["dsseEnvelope"]
        if len(env["signatures"]) != 1:
            sys.exit("pybundle: not exactly one DSSE signature")
        data = pae(env["payloadType"], base64.b64decode(env["payload"]))
        sig = base64.b64decode(env["signatures"][0]["sig"])
    elif "messageSignature" in b:
        ms = b["messageSignature"]
        if artifact is None:
            sys.exit("pybundle: a message signature needs the artifact")
        data = open(artifact, "rb").read()
        if (ms["messageDigest"]["algorithm"] != "SHA2_256"
                or base64.b64decode(ms["messageDigest"]["digest"]) != hashlib.sha256(data).digest()):
            sys.exit("pybundle: messageDigest is not the artifact's sha256")
        sig = base64.b64decode(ms["signature"])
    else:
        sys.exit("pybundle: no content")
    if not verify_sig(pub, sig, data):
        sys.exit("pybundle: signature does not verify")
    print("verified")


def tamper(bundle_file, what):
    b = json.load(open(bundle_file))
    env = b.get("dsseEnvelope")
    ms = b.get("messageSignature")
    if what == "payload" and env:
        st = json.loads(base64.b64decode(env["payload"]))
        st["predicateType"] = st.get("predicateType", "") + "x"
        env["payload"] = b64(json.dumps(st, separators=(",", ":")).encode())
    elif what == "sig" and (env or ms):
        holder, field = (env["signatures"][0], "sig") if env else (ms, "signature")
        s = bytearray(base64.b64decode(holder[field]))
        s[-1] ^= 1
        holder[field] = b64(bytes(s))
    elif what == "digest" and ms:
        ms["messageDigest"]["digest"] = b64(hashlib.sha256(b"other bytes").digest())
    elif what == "hint":
        b["verificationMaterial"]["publicKey"]["hint"] = b64(hashlib.sha256(b"another key").digest())
    elif what == "twosigs" and env:
        env["signatures"].append(dict(env["signatures"][0]))
    else:
        sys.exit("pybundle: cannot tamper with %s here" % what)
    dump(b)


def main(a):
    if len(a) in (3, 4) and a[0] == "dsse":
        dsse(*a[1:])
    elif len(a) == 3 and a[0] == "message":
        message(*a[1:])
    elif len(a) in (3, 4) and a[0] == "verify":
        verify(*a[1:])
    elif len(a) == 2 and a[0] == "hint":
        print(hint(load_private(a[1]).public_key()))
    elif len(a) == 3 and a[0] == "tamper":
        tamper(*a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
