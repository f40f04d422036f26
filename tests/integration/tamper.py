#!/usr/bin/env python3
"""Tamper corpus for `sigil verify` (issue 6): well over 1,000 mutations of validly signed
artifacts, every one of which verify must reject (exit 1 or 2, never 0, nothing on stdout).

  tamper.py setup --sigil EXE [--source-root DIR] FIXTURE
      Builds FIXTURE/tree with sigil itself: keys/ (public keys k, k2: ECDSA P-256; e: Ed25519)
      and layout/, one OCI image layout with four images (mkimage.py, different contents):
        a  signed with k                            the main target
        b  signed with k2                           another image, another key
        c  signed with k, -a team=blue -a env=prod  annotation checks (verify -a team=blue)
        d  signed with e                            Ed25519
      The private keys are decrypted (COSIGN_PASSWORD, cosignkey.py) into FIXTURE/priv/ so that
      mutations can re-sign payloads.
  tamper.py run --sigil EXE [--jobs N] [--seed S] [--only PREFIX] [--keep-failures DIR]
                [--reasons] FIXTURE
      Generates the corpus (deterministic for a seed and a fixture), runs `sigil verify` for each
      mutation in N worker copies of the tree (each mutation rewrites a few files, which are
      restored afterwards), prints the counts per kind and the summary line
          tamper: N mutations, N rejected, 0 false accepts, K crashes
      and exits 1 on any false accept, crash, hang, failed control, unexpected exit status, or
      output on stdout from a failed verification (with several images on one command line,
      the payloads of those that verified before one failed are a finding). --reasons also prints, per kind, why the
      mutations were rejected (stderr with hex and numbers elided): a mutation rejected for an
      unintended reason tests less than it seems to.
  tamper.py list [--seed S] FIXTURE            the mutation names, one a line, with expectations
  tamper.py materialize [--seed S] FIXTURE NAME OUT
      writes the tree with mutation NAME applied to OUT and prints the command to run there.

Expectations: "reject" (the corpus: exit 1 or 2 required), "control" (exit 0 required, and the
image's digest on stdout), "info" (not a forgery -- e.g. the high-S twin of a valid ECDSA
signature, or a validly re-signed payload whose meaning is ambiguous -- the outcome is reported,
never counted as a false accept). Every run's stderr is also checked for sanitizer reports
(counted as crashes), for more than one line when exit is 1/2 and for raw control characters
(both reported as findings).

Mutations are grouped by artifact kind (the ARTIFACTS table at the end); the legacy `.sig`
signatures are the only kind so far. Attestations (`.att`, DSSE envelopes, bundles, checked by
`sigil verify-attestation`) add an entry there with their own generators.
Python stdlib + `cryptography` only.
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import threading
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))

SIGANN = "dev.cosignproject.cosign/signature"
REFNAME = "org.opencontainers.image.ref.name"
MT_SS = "application/vnd.dev.cosign.simplesigning.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
SIGTYPE = "cosign container image signature"
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
ED25519_L = 2 ** 252 + 27742317777372353535851937790883648493
P256_ALG = bytes.fromhex("301306072a8648ce3d020106082a8648ce3d030107")
ED25519_ALG = bytes.fromhex("300506032b6570")

REJECT, CONTROL, INFO = "reject", "control", "info"
IMAGES = "abcd"
SIGNER = {"a": "k", "b": "k2", "c": "k", "d": "e"}
VERIFY = {
    "a": ["verify", "--key", "keys/k.pub", "oci:layout:a"],
    "b": ["verify", "--key", "keys/k2.pub", "oci:layout:b"],
    "c": ["verify", "--key", "keys/k.pub", "-a", "team=blue", "oci:layout:c"],
    "d": ["verify", "--key", "keys/e.pub", "oci:layout:d"],
}
SANITIZER = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       rb"ThreadSanitizer|MemorySanitizer|runtime error:")
CONTROL_CHARS = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")
RUN_TIMEOUT = 60


# ---------------------------------------------------------------------------------------------
# small helpers

def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def b64(b):
    return base64.b64encode(b).decode()


def cjson(o):
    """Compact JSON as sigil (jansson) and Go write it for these documents."""
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()


def rep(s, old, new, count=1):
    """s with old replaced by new; old must occur exactly `count` times."""
    n = s.count(old)
    if n != count:
        raise AssertionError("%r occurs %d times, wanted %d" % (old, n, count))
    return s.replace(old, new)


def flip(b, i, bit):
    b = bytearray(b)
    b[i] ^= 1 << bit
    return bytes(b)


def lenient_b64(s):
    """What the most lenient base64 reader would make of s (whitespace dropped, URL-safe
    alphabet and missing padding allowed), or None."""
    if not isinstance(s, str):
        return None
    t = re.sub(r"\s", "", s).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(t + "=" * (-len(t) % 4), validate=True)
    except Exception:
        return None


def der_len(n, long=False):
    if n < 128 and not long:
        return bytes([n])
    b = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body, long=False):
    return bytes([tag]) + der_len(len(body), long) + body


def der_uint(v):
    return v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")


def der_sint(v):
    return v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)


def der_sig(r, s):
    return tlv(0x30, tlv(2, der_uint(r)) + tlv(2, der_uint(s)))


def raw_sig(r, s):
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def pem(typ, der):
    t = b64(der)
    return ("-----BEGIN %s-----\n%s-----END %s-----\n" % (
        typ, "".join(t[i:i + 64] + "\n" for i in range(0, len(t), 64)), typ)).encode()


def pem_body(p):
    return base64.b64decode("".join(p.decode().strip().splitlines()[1:-1]))


def read_tree(root):
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                files[os.path.relpath(p, root).replace(os.sep, "/")] = fh.read()
    return files


# Unicode look-alikes
CYR = {"a": "\u0430", "c": "\u0441", "e": "\u0435", "o": "\u043e", "s": "\u0455",
       "i": "\u0456", "d": "\u0501", "p": "\u0440", "x": "\u0445"}
ZWSP, NBSP, RLO, SHY, COMBINING = "\u200b", "\u00a0", "\u202e", "\u00ad", "\u0301"


def fullwidth(ch):
    return chr(ord(ch) + 0xFEE0)


# ---------------------------------------------------------------------------------------------
# the fixture

class Fx:
    """The signed tree (as bytes in memory) and what mutations need to know about it."""

    def __init__(self, fixture):
        self.root = fixture
        self.tree = os.path.join(fixture, "tree")
        self.files = read_tree(self.tree)
        self.index = json.loads(self.files["layout/index.json"])
        self.tag = {}
        for e in self.index["manifests"]:
            name = e.get("annotations", {}).get(REFNAME)
            if name:
                self.tag[name] = e
        self.img = {t: self.tag[t]["digest"] for t in IMAGES}
        self.priv = {}
        for n in ("k", "k2", "e", "rsa"):
            with open(os.path.join(fixture, "priv", n + ".pem"), "rb") as f:
                self.priv[n] = serialization.load_pem_private_key(f.read(), password=None)
        # Mutations rewrite documents with cjson: it must reproduce sigil's bytes exactly, so
        # that a rewrite changes only what the mutation means to change.
        assert cjson(self.index) == self.files["layout/index.json"], "index.json not compact"
        for t in IMAGES:
            assert cjson(self.sigman(t)) == self.sigman_raw(t), "sig manifest of " + t
            assert len(self.sigman(t)["layers"]) == 1, "one signature layer on " + t
        self.r, self.s = decode_dss_signature(self.sig("a"))
        assert der_sig(self.r, self.s) == self.sig("a"), "a's signature is canonical DER"

    def bpath(self, d):
        alg, hx = d.split(":", 1)
        return "layout/blobs/%s/%s" % (alg, hx)

    def blob(self, d):
        return self.files[self.bpath(d)]

    def sigtag(self, t):
        return "sha256-%s.sig" % self.img[t][7:]

    def sigdigest(self, t):
        return self.tag[self.sigtag(t)]["digest"]

    def sigman_raw(self, t):
        return self.blob(self.sigdigest(t))

    def sigman(self, t):
        return json.loads(self.sigman_raw(t))

    def layer(self, t):
        return self.sigman(t)["layers"][0]

    def payload(self, t):
        return self.blob(self.layer(t)["digest"])

    def sigb64(self, t):
        return self.layer(t)["annotations"][SIGANN]

    def sig(self, t):
        return base64.b64decode(self.sigb64(t))

    def sign(self, key, data, hash_alg=None):
        k = self.priv[key]
        if isinstance(k, ed25519.Ed25519PrivateKey):
            return k.sign(data)
        h = hash_alg or hashes.SHA256()
        try:
            return k.sign(data, ec.ECDSA(h, deterministic_signing=True))
        except TypeError:  # cryptography < 44: randomised k is fine too
            return k.sign(data, ec.ECDSA(h))

    def pubpem(self, key):
        return self.files["keys/%s.pub" % key]

    # --- change builders: each returns {path relative to the tree: new bytes or None} ---

    def with_index(self, idx):
        return {"layout/index.json": cjson(idx) if not isinstance(idx, bytes) else idx}

    def index_edit(self, fn):
        idx = copy.deepcopy(self.index)
        fn(idx)
        return self.with_index(idx)

    def entry(self, idx, name):
        for e in idx["manifests"]:
            if e.get("annotations", {}).get(REFNAME) == name:
                return e
        raise KeyError(name)

    def with_sigman(self, t, raw, extra=(), mt=None):
        """raw stored as a blob and named by t's .sig tag."""
        d = sha(raw)

        def fn(idx):
            e = self.entry(idx, self.sigtag(t))
            e["digest"], e["size"] = d, len(raw)
            if mt:
                e["mediaType"] = mt
        files = self.index_edit(fn)
        files[self.bpath(d)] = raw
        for b in extra:
            files[self.bpath(sha(b))] = b
        return files

    def with_manifest_obj(self, t, m, extra=()):
        return self.with_sigman(t, cjson(m), extra)

    def with_layers(self, t, layers, extra=()):
        m = self.sigman(t)
        m["layers"] = layers
        return self.with_manifest_obj(t, m, extra)

    def with_layer(self, t, extra=(), **fields):
        layer = self.layer(t)
        layer.update(fields)
        return self.with_layers(t, [layer], extra)

    def with_sigvalue(self, t, value):
        layer = self.layer(t)
        layer["annotations"] = dict(layer["annotations"], **{SIGANN: value})
        return self.with_layers(t, [layer])

    def signed_layer(self, key, payload, sig=None):
        return {"mediaType": MT_SS, "size": len(payload), "digest": sha(payload),
                "annotations": {SIGANN: b64(sig if sig is not None else self.sign(key, payload))}}


class Mut:
    __slots__ = ("id", "kind", "name", "files", "argv", "expect", "note")

    def __init__(self, id_, kind, name, files, argv, expect, note):
        self.id, self.kind, self.name, self.files = id_, kind, name, files
        self.argv, self.expect, self.note = argv, expect, note


class Corpus:
    def __init__(self, fx):
        self.fx = fx
        self.muts = []
        self.names = set()
        self.control_argvs = {tuple(v) for v in VERIFY.values()}

    def add(self, kind, detail, files, argv, expect=REJECT, note=""):
        name = "%s:%s" % (kind, detail)
        if name in self.names:
            raise AssertionError("duplicate mutation name " + name)
        changed = any(self.fx.files.get(p) != b for p, b in files.items())
        if expect == REJECT and not changed and tuple(argv) in self.control_argvs:
            raise AssertionError("mutation changes nothing: " + name)
        self.names.add(name)
        self.muts.append(Mut(len(self.muts), kind, name, files, list(argv), expect, note))

    def payload(self, t, kind, detail, newp, keep=True, rehash=True, resign=None, note="",
                argv=None):
        """A payload mutation of image t's signature layer in up to three forms: the new bytes
        (i) under the old descriptor (the digest check must reject them), (ii) re-hashed so the
        descriptor names them (the signature check must reject them), (iii) re-signed with the
        image's own key, which tests the claims checks (expectation `resign`)."""
        fx = self.fx
        old = fx.layer(t)
        argv = argv or VERIFY[t]
        assert newp != fx.payload(t), kind + detail
        if keep:
            self.add(kind, detail + "/keep-descriptor", {fx.bpath(old["digest"]): newp}, argv)
        if rehash:
            self.add(kind, detail + "/rehashed",
                     fx.with_layer(t, [newp], digest=sha(newp), size=len(newp)), argv)
        if resign:
            self.add(kind, detail + "/resigned",
                     fx.with_layer(t, [newp], digest=sha(newp), size=len(newp),
                                   annotations={SIGANN: b64(fx.sign(SIGNER[t], newp))}),
                     argv, resign, note)

    def sigvalue(self, t, kind, detail, value, expect=REJECT, note="", argv=None):
        """Image t's signature annotation replaced by value (any JSON value). A string that
        still decodes to the original signature under a lenient base64 reader is no forgery."""
        if expect == REJECT and lenient_b64(value) == self.fx.sig(t):
            expect, note = INFO, note or "decodes to the original signature"
        self.add(kind, detail, self.fx.with_sigvalue(t, value), argv or VERIFY[t], expect, note)

    def sigbytes(self, t, kind, detail, sig, expect=REJECT, note=""):
        if expect == REJECT and sig == self.fx.sig(t):
            raise AssertionError("signature unchanged: " + detail)
        self.sigvalue(t, kind, detail, b64(sig), expect, note)


# ---------------------------------------------------------------------------------------------
# generators (artifact kind "sig": legacy cosign .sig signature images)

def gen_payload(c, fx, rng):
    K = "sig/payload/"
    P = fx.payload("a")
    S = P.decode()
    n = len(P)
    A, B, C = fx.img["a"], fx.img["b"], fx.img["c"]

    # byte flips at sampled positions: under the old descriptor, and re-hashed
    for i in sorted({0, n - 1} | set(rng.sample(range(1, n - 1), 28))):
        bit = rng.randrange(8)
        c.payload("a", K + "flip", "@%d^%d" % (i, 1 << bit), flip(P, i, bit), rehash=False)
    for i in sorted({0, n - 1} | set(rng.sample(range(1, n - 1), 70))):
        bit = rng.randrange(8)
        c.payload("a", K + "flip", "@%d^%d" % (i, 1 << bit), flip(P, i, bit), keep=False)

    # truncations, appended and prepended bytes
    for ln in sorted({0, 1, 2, n // 4, n // 2, n - 2, n - 1} | set(rng.sample(range(3, n - 2), 5))):
        c.payload("a", K + "truncate", "len=%d" % ln, P[:ln])
    for i, suf in enumerate([b"\n", b" ", b"\x00", b"}", b"{}", b",", b"\r\n", b"garbage",
                             P, b"\xff", b"\xc0\x80", b"null"]):
        c.payload("a", K + "append", "suffix#%d" % i, P + suf)
    for i, pre in enumerate([b"\xef\xbb\xbf", b" ", b"\n", b"[", b"\x00", b"\xfe\xff"]):
        c.payload("a", K + "append", "prefix#%d" % i, pre + P)

    # the digest claim
    hexa = A[7:]
    letter = next(ch for ch in hexa if ch in "abcdef")
    li = hexa.index(letter)
    digit = next(ch for ch in hexa if ch in "0123456789")
    di = hexa.index(digit)
    look = CYR.get(letter) or fullwidth(letter)
    claims = [
        ("b", B, REJECT), ("c", C, REJECT), ("b-sig-manifest", fx.sigdigest("b"), REJECT),
        ("a-sig-manifest", fx.sigdigest("a"), REJECT),
        ("uppercase", "sha256:" + hexa.upper(), REJECT),
        ("uppercase-alg", "SHA256:" + hexa, REJECT),
        ("sha512-of-same-manifest", "sha512:" + hashlib.sha512(fx.blob(A)).hexdigest(), REJECT),
        ("one-hex-changed", "sha256:" + hexa[:li] + "0" + hexa[li + 1:], REJECT),
        ("short", A[:-1], REJECT), ("long", A + "0", REJECT), ("newline", A + "\n", REJECT),
        ("leading-space", " " + A, REJECT), ("empty", "", REJECT), ("alg-only", "sha256:", REJECT),
        ("hex-only", hexa, REJECT), ("nul-terminated", A + "\u0000", REJECT),
        ("nul-then-junk", A + "\u0000junk", REJECT),
        ("lookalike-letter", "sha256:" + hexa[:li] + look + hexa[li + 1:], REJECT),
        ("fullwidth-digit", "sha256:" + hexa[:di] + fullwidth(digit) + hexa[di + 1:], REJECT),
        ("cyrillic-alg", CYR["s"] + "ha256:" + hexa, REJECT),
        ("zero-width", A[:20] + ZWSP + A[20:], REJECT),
    ]
    for name, val, exp in claims:
        new = rep(S, '"%s"' % A, json.dumps(val, ensure_ascii=False)).encode()
        c.payload("a", K + "digest", name, new, resign=exp)
    # the same digest spelled with an escape: the same string once parsed
    new = rep(S, A, A[:7 + li] + "\\u%04x" % ord(letter) + A[8 + li:]).encode()
    c.payload("a", K + "digest", "escaped-same", new, resign=INFO, note="same string once parsed")
    new = rep(S, '"docker-manifest-digest"', '"docker-manifest-digest"'.replace("d", "\\u0064", 1)).encode()
    c.payload("a", K + "digest", "escaped-key-same", new, resign=INFO, note="same key once parsed")
    # an invalid UTF-8 byte inside the digest string
    new = rep(S, A, A + "\udcff").encode("utf-8", "surrogateescape")
    c.payload("a", K + "digest", "invalid-utf8", new, resign=REJECT)

    # duplicated keys
    dg = '"docker-manifest-digest":"%s"'
    img_a = '"image":{%s}' % (dg % A)
    img_b = '"image":{%s}' % (dg % B)
    crit_a = S[len('{"critical":'):S.index(',"optional"')]
    crit_b = rep(crit_a, A, B)
    ta = '"type":"%s"' % SIGTYPE
    ident = S[S.index('"identity":'):S.index(',"image"')]
    dups = [
        ("digest/a-then-b", rep(S, dg % A, dg % A + "," + dg % B), REJECT),
        ("digest/b-then-a", rep(S, dg % A, dg % B + "," + dg % A), REJECT),
        ("digest/a-twice", rep(S, dg % A, dg % A + "," + dg % A), INFO),
        ("image/a-then-b", rep(S, img_a, img_a + "," + img_b), REJECT),
        ("image/b-then-a", rep(S, img_a, img_b + "," + img_a), REJECT),
        ("critical/a-then-b", rep(S, crit_a, crit_a + ',"critical":' + crit_b), REJECT),
        ("critical/b-then-a", rep(S, '{"critical":' + crit_a,
                                  '{"critical":' + crit_b + ',"critical":' + crit_a), REJECT),
        ("type/good-then-bad", rep(S, ta, ta + ',"type":"atomic container signature"'), REJECT),
        ("type/bad-then-good", rep(S, ta, '"type":"atomic container signature",' + ta), REJECT),
        ("identity/twice", rep(S, ident, ident + "," + ident.replace("localhost", "evil.example")),
         INFO),
        ("optional/null-then-object", rep(S, '"optional":null',
                                          '"optional":null,"optional":{"team":"blue"}'), REJECT),
    ]
    for name, new, exp in dups:
        c.payload("a", K + "dupkey", name, new.encode(), resign=exp,
                  note="ambiguous, but names only a" if exp == INFO else "")

    # case variants of keys: Go's encoding/json (cosign) matches keys case-insensitively,
    # containers/image and sigil (jansson, exact keys) do not
    for old, new in [("docker-manifest-digest", "Docker-manifest-digest"),
                     ("docker-manifest-digest", "DOCKER-MANIFEST-DIGEST"),
                     ("docker-manifest-digest", "docker-manifest-Digest"),
                     ('"critical"', '"Critical"'), ('"image"', '"Image"'), ('"type"', '"Type"'),
                     ('"identity"', '"Identity"'), ("docker-reference", "Docker-Reference")]:
        c.payload("a", K + "keycase", new.strip('"'), rep(S, old, new).encode(), resign=INFO,
                  note="a case-insensitive reader (cosign) takes this as the exact key")
    # a case variant that shadows the real key: Go keeps the last value (b), an exact-key
    # reader the exact key (a)
    new = rep(S, dg % A, dg % A + ',"Docker-manifest-digest":"%s"' % B)
    c.payload("a", K + "keycase", "shadowed-by-b", new.encode(), resign=INFO,
              note="cosign reads b's digest here; an exact-key reader reads a's")
    new = rep(S, dg % A, '"Docker-manifest-digest":"%s",' % B + dg % A)
    c.payload("a", K + "keycase", "shadowing-b-first", new.encode(), resign=INFO,
              note="cosign reads a's digest (last), an exact-key reader a's too")

    # the type
    for name, val in [("trailing-space", json.dumps(SIGTYPE + " ")),
                      ("capitalised", json.dumps(SIGTYPE.capitalize())),
                      ("empty", '""'), ("null", "null"), ("number", "1"), ("array", json.dumps([SIGTYPE])),
                      ("atomic", '"atomic container signature"'),
                      ("nul", json.dumps(SIGTYPE + "\u0000")),
                      ("cyrillic", json.dumps(SIGTYPE.replace("o", CYR["o"], 1), ensure_ascii=False))]:
        c.payload("a", K + "type", name, rep(S, '"%s"' % SIGTYPE, val).encode(), resign=REJECT)
    c.payload("a", K + "type", "missing", rep(S, "," + ta, "").encode(), resign=REJECT)
    c.payload("a", K + "type", "escaped-same",
              rep(S, SIGTYPE, SIGTYPE[:-1] + "\\u0065").encode(), resign=INFO,
              note="same string once parsed")

    # whitespace between tokens
    spots = [i for i in range(1, n) if S[i - 1] in "{:,[" or S[i] in "}]"]
    for j, i in enumerate(sorted(rng.sample(spots, 10))):
        ws = [" ", "\n", "\t", "\r\n"][j % 4]
        new = (S[:i] + ws + S[i:]).encode()
        c.payload("a", K + "whitespace", "@%d%s" % (i, json.dumps(ws)), new,
                  resign=INFO if j < 3 else None, note="same JSON")

    # look-alikes in the identity (cosign does not check docker-reference; neither does sigil)
    ref = json.loads(S)["critical"]["identity"]["docker-reference"]
    looks = [("cyrillic-o", ref.replace("o", CYR["o"], 1)), ("zero-width", ref + ZWSP),
             ("fullwidth-slash", ref.replace("/", "\uff0f")), ("uppercase", ref.upper()),
             ("rtl-override", ref.replace("/", "/" + RLO, 1)), ("combining", ref + COMBINING),
             ("other-registry", "evil.example/" + ref.split("/", 1)[1])]
    for name, val in looks:
        new = rep(S, '"%s"' % ref, json.dumps(val, ensure_ascii=False)).encode()
        c.payload("a", K + "identity", name, new, resign=INFO,
                  note="docker-reference is not checked (as in cosign)")

    # structure
    structs = [
        ("root-array", "[" + S + "]", REJECT),
        ("root-string", json.dumps(S), REJECT),
        ("critical-string", '{"critical":%s,"optional":null}' % json.dumps(crit_a), REJECT),
        ("critical-null", '{"critical":null,"optional":null}', REJECT),
        ("critical-missing", '{"optional":null}', REJECT),
        ("image-array", rep(S, img_a, '"image":[{%s}]' % (dg % A)), REJECT),
        ("image-missing", rep(S, "," + img_a, ""), REJECT),
        ("digest-number", rep(S, '"%s"' % A, "256"), REJECT),
        ("digest-object", rep(S, '"%s"' % A, '{"digest":"%s"}' % A), REJECT),
        ("digest-array", rep(S, '"%s"' % A, '["%s"]' % A), REJECT),
        ("digest-moved-to-optional", rep(S, '"optional":null', '"optional":{%s}' % (dg % A))
         .replace(img_a, '"image":{}'), REJECT),
        ("optional-string", rep(S, '"optional":null', '"optional":"x"'), REJECT),
        ("optional-array", rep(S, '"optional":null', '"optional":[]'), REJECT),
        ("optional-missing", rep(S, ',"optional":null', ""), INFO),
        ("unknown-field", rep(S, '"optional":null', '"optional":null,"extra":1'), INFO),
        ("unknown-critical-field", rep(S, ta, ta + ',"x":1'), INFO),
        ("deep-optional", rep(S, '"optional":null', '"optional":' + '{"x":' * 3000 + "1" + "}" * 3000),
         INFO),
        ("big-optional", rep(S, '"optional":null', '"optional":{"x":"%s"}' % ("A" * (1 << 20))), INFO),
        ("trailing-document", S + S, REJECT),
    ]
    for name, new, exp in structs:
        c.payload("a", K + "structure", name, new.encode(), resign=exp,
                  note="still names a" if exp == INFO else "")
    c.payload("a", K + "structure", "b-payload", fx.payload("b"), resign=REJECT)
    c.payload("a", K + "structure", "c-payload", fx.payload("c"), resign=REJECT)

    # optional / -a on image c (verify -a team=blue)
    PC = fx.payload("c").decode()
    OPT = '{"env":"prod","team":"blue"}'
    assert OPT in PC
    opts = [
        ("red", '{"env":"prod","team":"red"}', REJECT),
        ("Blue", '{"env":"prod","team":"Blue"}', REJECT),
        ("trailing-space", '{"env":"prod","team":"blue "}', REJECT),
        ("leading-space", '{"env":"prod","team":" blue"}', REJECT),
        ("array", '{"env":"prod","team":["blue"]}', REJECT),
        ("object", '{"env":"prod","team":{"v":"blue"}}', REJECT),
        ("true", '{"env":"prod","team":true}', REJECT),
        ("null-value", '{"env":"prod","team":null}', REJECT),
        ("number", '{"env":"prod","team":1}', REJECT),
        ("missing-key", '{"env":"prod"}', REJECT),
        ("empty-object", "{}", REJECT),
        ("null", "null", REJECT),
        ("string", '"team=blue"', REJECT),
        ("empty-array", "[]", REJECT),
        ("pair-array", '["team","blue"]', REJECT),
        ("key-capitalised", '{"env":"prod","Team":"blue"}', REJECT),
        ("dup-blue-then-red", '{"env":"prod","team":"blue","team":"red"}', REJECT),
        ("dup-red-then-blue", '{"env":"prod","team":"red","team":"blue"}', REJECT),
        ("dup-blue-twice", '{"env":"prod","team":"blue","team":"blue"}', INFO),
        ("nul", '{"env":"prod","team":"blue\\u0000"}', REJECT),
        ("cyrillic-e", '{"env":"prod","team":"blu%s"}' % CYR["e"], REJECT),
        ("zero-width", '{"env":"prod","team":"blue%s"}' % ZWSP, REJECT),
        ("cyrillic-key", '{"env":"prod","te%sm":"blue"}' % CYR["a"], REJECT),
        ("nested", '{"env":"prod","x":{"team":"blue"}}', REJECT),
        ("escaped-same", '{"env":"prod","team":"bl\\u0075e"}', INFO),
    ]
    for name, val, exp in opts:
        c.payload("c", K + "optional", name, rep(PC, OPT, val).encode(), resign=exp,
                  note="the annotation is there" if exp == INFO else "")


def gen_signature(c, fx, rng):
    K = "sig/signature/"
    sig, sb = fx.sig("a"), fx.sigb64("a")
    n = len(sig)
    r, s = fx.r, fx.s
    PA = fx.payload("a")

    # bit flips in the DER bytes: every bit at the structural bytes, one bit elsewhere
    # (a fixed count: DER P-256 signatures are 70-72 bytes)
    every = [0, 1, n - 1]
    for i in every:
        for bit in range(8):
            c.sigbytes("a", K + "flip", "@%d^%d" % (i, 1 << bit), flip(sig, i, bit))
    for i in range(4, min(68, n - 1)):
        if i in every:
            continue
        bit = rng.randrange(8)
        c.sigbytes("a", K + "flip", "@%d^%d" % (i, 1 << bit), flip(sig, i, bit))
    # characters of the base64 text replaced
    alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for i in sorted(rng.sample(range(len(sb.rstrip("="))), 12)):
        ch = rng.choice([a for a in alpha if a != sb[i]])
        c.sigvalue("a", K + "base64", "char@%d" % i, sb[:i] + ch + sb[i + 1:])

    # truncations and extensions
    for ln in [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 33, 34, 35, 36, 38, 40, 48, 56, 60, 62,
               63, 64, 65, 66, 67]:
        if ln < n - 2:
            c.sigbytes("a", K + "truncate", "len=%d" % ln, sig[:ln])
    c.sigbytes("a", K + "truncate", "len=n-2", sig[:-2])
    c.sigbytes("a", K + "truncate", "len=n-1", sig[:-1])
    for k in (1, 2, 3, 4, 8, len(sb) // 2):  # characters cut before the padding
        c.sigvalue("a", K + "truncate", "text-%d" % k, sb.rstrip("=")[:-k])
    for name, tail in [("00", b"\x00"), ("0000", b"\x00\x00"), ("ff", b"\xff"), ("30-00", b"\x30\x00"),
                       ("02-01-01", b"\x02\x01\x01"), ("itself", sig), ("newline", b"\n")]:
        c.sigbytes("a", K + "extend", "der+" + name, sig + tail)
    c.sigbytes("a", K + "extend", "leading-00", b"\x00" + sig)
    for name, tail in [("A", "A"), ("AAAA", "AAAA"), ("=", "="), ("====", "===="),
                       ("newline", "\n"), ("space", " "), ("dot", ".")]:
        c.sigvalue("a", K + "extend", "text+" + name, sb + tail)

    # base64 garbage and other encodings of the same bytes
    garbage = ["!!!!", "====", "@@@@@@@@", "ME", "MEU", "AAAA" * 24, "\u041c\u0415\u0423",
               sb.replace("M", "\u041c", 1), "data:;base64," + sb, "null", "0x" + sig.hex(),
               sig.hex(), "\u0000" + sb, sb[:10] + "\u0000" + sb[10:]]
    for i, g in enumerate(garbage):
        c.sigvalue("a", K + "base64", "garbage#%d" % i, g)
    for i in range(6):
        c.sigvalue("a", K + "base64", "random#%d" % i, b64(rng.randbytes(rng.choice([64, 70, 71, 72]))))
    # these decode to the very same signature under a lenient reader: no forgery
    for name, val in [("urlsafe", base64.urlsafe_b64encode(sig).decode()), ("unpadded", sb.rstrip("=")),
                      ("mime-newline", sb[:40] + "\n" + sb[40:])]:
        c.sigvalue("a", K + "base64", name, val, INFO, "the valid signature, base64 spelled differently")

    # the annotation itself
    layer = fx.layer("a")
    for name, val in [("empty", ""), ("null", None), ("number", 1), ("true", True),
                      ("object", {"sig": sb}), ("array", [sb])]:
        c.sigvalue("a", K + "annotation", "value-" + name, val)
    for name, key in [("capitalised", "Dev.cosignproject.cosign/signature"),
                      ("sigstore-prefix", "dev.sigstore.cosign/signature"),
                      ("cyrillic", SIGANN.replace("o", CYR["o"], 1)),
                      ("trailing-space", SIGANN + " "), ("zero-width", SIGANN + ZWSP)]:
        c.add(K + "annotation", "key-" + name,
              fx.with_layer("a", annotations={key: sb}), VERIFY["a"])
    c.add(K + "annotation", "annotations-empty", fx.with_layer("a", annotations={}), VERIFY["a"])
    c.add(K + "annotation", "annotations-null", fx.with_layer("a", annotations=None), VERIFY["a"])
    c.add(K + "annotation", "annotations-missing",
          fx.with_layers("a", [{k: v for k, v in layer.items() if k != "annotations"}]), VERIFY["a"])
    bad = b64(fx.sign("k2", PA))
    raw = fx.sigman_raw("a").decode()
    for name, new in [("dup-bad-then-good", rep(raw, '"%s":"%s"' % (SIGANN, sb),
                                                '"%s":"%s","%s":"%s"' % (SIGANN, bad, SIGANN, sb))),
                      ("dup-good-then-bad", rep(raw, '"%s":"%s"' % (SIGANN, sb),
                                                '"%s":"%s","%s":"%s"' % (SIGANN, sb, SIGANN, bad))),
                      ("dup-annotations", rep(raw, '"annotations":{"%s":"%s"}' % (SIGANN, sb),
                                              '"annotations":{"%s":"%s"},"annotations":{"%s":"%s"}'
                                              % (SIGANN, bad, SIGANN, sb)))]:
        c.add(K + "annotation", name, fx.with_sigman("a", new.encode()), VERIFY["a"])

    # signatures replayed from elsewhere
    PB, PC = fx.payload("b"), fx.payload("c")
    replays = [
        ("b-by-k2", fx.sig("b")), ("b-by-k", fx.sign("k", PB)), ("c-by-k", fx.sig("c")),
        ("a-by-k2", fx.sign("k2", PA)), ("a-by-e", fx.sign("e", PA)), ("d-by-e", fx.sig("d")),
        ("empty-by-k", fx.sign("k", b"")), ("sha256-of-a-by-k", fx.sign("k", hashlib.sha256(PA).digest())),
        ("hex-sha256-of-a-by-k", fx.sign("k", hashlib.sha256(PA).hexdigest().encode())),
        ("a-newline-by-k", fx.sign("k", PA + b"\n")),
        ("a-sha384-by-k", fx.sign("k", PA, hashes.SHA384())),
        ("a-sha512-by-k", fx.sign("k", PA, hashes.SHA512())),
        ("a-sha1-by-k", fx.sign("k", PA, hashes.SHA1())),
        ("sig-manifest-by-k", fx.sign("k", fx.sigman_raw("a"))),
        ("image-manifest-by-k", fx.sign("k", fx.blob(fx.img["a"]))),
        ("a-by-rsa", fx.priv["rsa"].sign(PA, padding.PKCS1v15(), hashes.SHA256())),
    ]
    for name, sg in replays:
        c.sigbytes("a", K + "replay", name, sg)

    # raw r||s (IEEE P1363) forms
    def rs(sg):
        return decode_dss_signature(sg)
    for name, sg in [("b-by-k2", fx.sig("b")), ("b-by-k", fx.sign("k", PB)), ("c-by-k", fx.sig("c")),
                     ("a-by-k2", fx.sign("k2", PA)), ("empty-by-k", fx.sign("k", b""))]:
        c.sigbytes("a", K + "raw", name, raw_sig(*rs(sg)))
    raws = [("swapped", raw_sig(s, r)), ("r+1", raw_sig((r + 1) % 2 ** 256, s)),
            ("s+1", raw_sig(r, (s + 1) % 2 ** 256)), ("zeros", bytes(64)), ("ones", b"\xff" * 64),
            ("r=n", raw_sig(P256_N, s)), ("s=n", raw_sig(r, P256_N)), ("r=0", raw_sig(0, s)),
            ("s=0", raw_sig(r, 0)), ("plus-00", raw_sig(r, s) + b"\x00"),
            ("minus-last", raw_sig(r, s)[:-1]), ("p521-width", bytes(1) + r.to_bytes(32, "big") +
                                                  bytes(1) + s.to_bytes(32, "big")),
            ("little-endian", r.to_bytes(32, "little") + s.to_bytes(32, "little"))]
    # r + n and s + n (reduced mod 2^256 when they do not fit in 32 bytes)
    raws.append(("r+n", raw_sig((r + P256_N) % 2 ** 256, s)))
    raws.append(("s+n", raw_sig(r, (s + P256_N) % 2 ** 256)))
    for name, sg in raws:
        c.sigbytes("a", K + "raw", name, sg)
    c.sigbytes("a", K + "raw", "same-signature", raw_sig(r, s), INFO,
               "the valid signature itself, as r||s (sigstore's verifier takes both forms)")

    # DER that is not the canonical encoding, or not of a valid (r, s)
    ri, si = tlv(2, der_uint(r)), tlv(2, der_uint(s))
    neg = lambda v: v.to_bytes(32, "big") if v >> 255 else ((1 << 256) - v).to_bytes(32, "big")
    ders = [
        ("long-form-seq-len", tlv(0x30, ri + si, long=True)),
        ("long-form-int-len", tlv(0x30, tlv(2, der_uint(r), long=True) + si)),
        ("extra-leading-zero-r", tlv(0x30, tlv(2, b"\x00" + der_uint(r)) + si)),
        ("extra-leading-zero-s", tlv(0x30, ri + tlv(2, b"\x00" + der_uint(s)))),
        ("negative-r", tlv(0x30, tlv(2, neg(r)) + si)),
        ("negative-s", tlv(0x30, ri + tlv(2, neg(s)))),
        ("indefinite-length", b"\x30\x80" + ri + si + b"\x00\x00"),
        ("swapped", der_sig(s, r)), ("r=0", der_sig(0, s)), ("s=0", der_sig(r, 0)),
        ("r=s=0", der_sig(0, 0)), ("r=n", der_sig(P256_N, s)), ("s=n", der_sig(r, P256_N)),
        ("r+n", der_sig(r + P256_N, s)), ("s+n", der_sig(r, s + P256_N)),
        ("r-n", tlv(0x30, tlv(2, der_sint(r - P256_N)) + si)),
        ("three-ints", tlv(0x30, ri + si + tlv(2, b"\x01"))),
        ("one-int", tlv(0x30, ri)), ("set-tag", tlv(0x31, ri + si)),
        ("bitstring-ints", tlv(0x30, tlv(3, der_uint(r)) + tlv(3, der_uint(s)))),
        ("octet-wrapped", tlv(4, sig)), ("seq-wrapped", tlv(0x30, sig)),
        ("seq-len+1", sig[:1] + bytes([sig[1] + 1]) + sig[2:] + b"\x00"),
        ("seq-len-1", sig[:1] + bytes([sig[1] - 1]) + sig[2:]),
        ("r-of-b", der_sig(rs(fx.sig("b"))[0], s)), ("s-of-b", der_sig(r, rs(fx.sig("b"))[1])),
    ]
    for name, sg in ders:
        c.sigbytes("a", K + "der", name, sg)

    # the high-S twin of the valid signature: (r, n - s) verifies mathematically; Go's ecdsa
    # (cosign) accepts it. Not a forgery: reported, not counted.
    c.sigbytes("a", K + "high-s", "der", der_sig(r, P256_N - s), INFO,
               "high-S twin of a valid signature (malleability, not a forgery)")
    c.sigbytes("a", K + "high-s", "raw", raw_sig(r, P256_N - s), INFO,
               "high-S twin as r||s (malleability, not a forgery)")
    rc_, sc_ = rs(fx.sig("c"))
    c.add(K + "high-s", "der-on-c", fx.with_sigvalue("c", b64(der_sig(rc_, P256_N - sc_))),
          VERIFY["c"], INFO, "high-S twin of c's valid signature")


def gen_manifest(c, fx, rng):
    K = "sig/manifest/"
    M = fx.sigman_raw("a")
    Ms = M.decode()
    n = len(M)
    md = fx.sigdigest("a")
    layer = fx.layer("a")
    P = fx.payload("a")

    # byte flips and truncations under the digest index.json names
    for i in sorted({0, n - 1} | set(rng.sample(range(1, n - 1), 40))):
        bit = rng.randrange(8)
        c.add(K + "flip", "@%d^%d" % (i, 1 << bit), {fx.bpath(md): flip(M, i, bit)}, VERIFY["a"])
    for ln in sorted({0, 1, n // 2, n - 1} | set(rng.sample(range(2, n - 1), 6))):
        c.add(K + "truncate", "len=%d/keep-digest" % ln, {fx.bpath(md): M[:ln]}, VERIFY["a"])
        c.add(K + "truncate", "len=%d/rehashed" % ln, fx.with_sigman("a", M[:ln]), VERIFY["a"])
    c.add(K + "truncate", "append-newline/keep-digest", {fx.bpath(md): M + b"\n"}, VERIFY["a"])
    c.add(K + "truncate", "append-x/rehashed", fx.with_sigman("a", M + b"x"), VERIFY["a"])
    c.add(K + "truncate", "append-newline/rehashed", fx.with_sigman("a", M + b"\n"), VERIFY["a"],
          INFO, "same JSON, re-hashed")
    c.add(K + "truncate", "pretty/rehashed",
          fx.with_sigman("a", json.dumps(fx.sigman("a"), indent=2).encode()), VERIFY["a"], INFO,
          "same JSON, re-hashed")

    # the layer's media type
    for name, mt in [("dsse", "application/vnd.dsse.envelope.v1+json"),
                     ("tar-gzip", "application/vnd.oci.image.layer.v1.tar+gzip"),
                     ("empty", ""), ("uppercase", MT_SS.upper()), ("trailing-space", MT_SS + " "),
                     ("parameter", MT_SS + "; charset=utf-8"), ("cyrillic", MT_SS.replace("o", CYR["o"], 1)),
                     ("no-suffix", MT_SS[:-5]), ("null", None), ("number", 1), ("bundle",
                      "application/vnd.dev.sigstore.bundle.v0.3+json")]:
        c.add(K + "mediatype", name, fx.with_layer("a", mediaType=mt), VERIFY["a"])
    c.add(K + "mediatype", "missing",
          fx.with_layers("a", [{k: v for k, v in layer.items() if k != "mediaType"}]), VERIFY["a"])

    # the layer's size
    sz = layer["size"]
    for name, v in [("-1", -1), ("0", 0), ("1", 1), ("size-1", sz - 1), ("size+1", sz + 1),
                    ("2^31", 2 ** 31), ("2^32+size", 2 ** 32 + sz), ("2^53", 2 ** 53),
                    ("2^63-1", 2 ** 63 - 1), ("2^64+size", 2 ** 64 + sz), ("-2^63", -2 ** 63),
                    ("1e2", 1e2), ("string", str(sz)), ("null", None), ("true", True)]:
        c.add(K + "size", name, fx.with_layer("a", size=v), VERIFY["a"])
    c.add(K + "size", "missing",
          fx.with_layers("a", [{k: v for k, v in layer.items() if k != "size"}]), VERIFY["a"])
    c.add(K + "size", "float-equal", fx.with_layer("a", size=float(sz)), VERIFY["a"], INFO,
          "the same number written as a float")
    c.add(K + "size", "exponent-equal",
          fx.with_sigman("a", rep(Ms, '"size":%d,"digest":"%s"' % (sz, layer["digest"]),
                                  '"size":%de0,"digest":"%s"' % (sz, layer["digest"])).encode()),
          VERIFY["a"], INFO, "the same number with an exponent")

    # duplicated keys
    lay = json.dumps(layer, separators=(",", ":"))
    bk = fx.signed_layer("k", fx.payload("b"))
    bkj = json.dumps(bk, separators=(",", ":"))
    assert Ms.endswith('"layers":[%s]}' % lay)
    head = Ms[:Ms.index(',"layers":')]
    pdig = '"digest":"%s"' % layer["digest"]
    bdig = '"digest":"%s"' % sha(fx.payload("b"))
    dups = [
        ("layers/bad-then-good", head + ',"layers":[%s],"layers":[%s]}' % (bkj, lay)),
        ("layers/good-then-bad", head + ',"layers":[%s],"layers":[%s]}' % (lay, bkj)),
        ("layers/empty-then-good", head + ',"layers":[],"layers":[%s]}' % lay),
        ("layer-digest/b-then-a", rep(Ms, pdig, bdig + "," + pdig)),
        ("layer-digest/a-then-b", rep(Ms, pdig, pdig + "," + bdig)),
        ("layer-size/twice", rep(Ms, '"size":%d,' % sz, '"size":%d,"size":%d,' % (sz + 1, sz))),
        ("layer-mediatype/twice", rep(Ms, '"mediaType":"%s"' % MT_SS,
                                      '"mediaType":"%s","mediaType":"%s"' % (MT_SS, MT_SS))),
        ("schemaVersion/twice", rep(Ms, '"schemaVersion":2', '"schemaVersion":2,"schemaVersion":2')),
        ("mediaType/twice", rep(Ms, '"mediaType":"%s"' % MT_MANIFEST,
                                '"mediaType":"%s","mediaType":"%s"' % (MT_MANIFEST, MT_MANIFEST))),
        ("config/twice", rep(Ms, ',"layers":', ',' + Ms[Ms.index('"config"'):Ms.index(',"layers"')]
                             + ',"layers":')),
    ]
    for name, new in dups:
        c.add(K + "dupkey", name, fx.with_sigman("a", new.encode(), [fx.payload("b")]), VERIFY["a"])

    # the layer list
    layerish = [("empty", []), ("null", None), ("object", {}), ("string", "x"), ("empty-layer", [{}]),
                ("null-layer", [None]), ("string-layer", ["x"]), ("number-layer", [1])]
    for name, v in layerish:
        c.add(K + "layers", name, fx.with_layers("a", v), VERIFY["a"])
    m = fx.sigman("a")
    del m["layers"]
    c.add(K + "layers", "missing", fx.with_manifest_obj("a", m), VERIFY["a"])
    hexp = layer["digest"][7:]
    for name, d in [("digest-invalid", "sha256:xyz"), ("digest-uppercase", "sha256:" + hexp.upper()),
                    ("digest-missing-blob", "sha256:" + "0" * 64),
                    ("digest-truncated", layer["digest"][:-2]),
                    ("digest-path-traversal", "sha256:../../index.json"),
                    ("digest-other-alg", "md5:" + hashlib.md5(P).hexdigest()),
                    ("digest-sha512-of-other", "sha512:" + hashlib.sha512(fx.payload("b")).hexdigest())]:
        files = fx.with_layer("a", digest=d)
        if name == "digest-sha512-of-other":
            files[fx.bpath(d)] = fx.payload("b")
        c.add(K + "layers", name, files, VERIFY["a"])
    d512 = "sha512:" + hashlib.sha512(P).hexdigest()
    files = fx.with_layer("a", digest=d512)
    files[fx.bpath(d512)] = P
    c.add(K + "layers", "digest-sha512-same-payload", files, VERIFY["a"], INFO,
          "the same payload bytes addressed by sha512")
    c.add(K + "layers", "genuine-twice", fx.with_layers("a", [layer, layer]), VERIFY["a"], INFO,
          "the genuine layer twice")
    c.add(K + "layers", "junk-then-genuine", fx.with_layers("a", [fx.layer("b"), layer]), VERIFY["a"],
          INFO, "one genuine signature among junk (cosign accepts)")
    c.add(K + "layers", "missing-blob-then-genuine",
          fx.with_layers("a", [dict(layer, digest="sha256:" + "1" * 64), layer]), VERIFY["a"], INFO,
          "one genuine signature next to a layer whose blob is missing")
    c.add(K + "layers", "1001-junk", fx.with_layers("a", [fx.layer("b")] * 1001), VERIFY["a"])
    c.add(K + "layers", "1000-junk-then-genuine", fx.with_layers("a", [fx.layer("b")] * 1000 + [layer]),
          VERIFY["a"])
    c.add(K + "layers", "999-junk-then-genuine", fx.with_layers("a", [fx.layer("b")] * 999 + [layer]),
          VERIFY["a"], INFO, "1,000 layers, the last genuine (cosign's limit is 1,000)")
    c.add(K + "layers", "urls-added", fx.with_layer("a", urls=["https://evil.example/p"]),
          VERIFY["a"], INFO, "a descriptor field verifiers ignore")

    # layers of other images' signatures
    PA = P
    bkl = fx.signed_layer("k", fx.payload("b"))
    cross = [
        ("b-by-k2", [fx.layer("b")]),
        ("b-by-k", [bkl]),
        ("c-by-k", [fx.layer("c")]),
        ("d-by-e", [fx.layer("d")]),
        ("a-sig-on-b-payload", [dict(layer, size=bkl["size"], digest=bkl["digest"])]),
        ("b-by-k-sig-on-a-payload", [dict(layer, annotations=bk["annotations"])]),
        ("all-others", [fx.layer("b"), bkl, fx.layer("c"), fx.layer("d")]),
        ("a-payload-by-k2", [fx.signed_layer("k2", PA)]),
    ]
    for name, layers in cross:
        c.add(K + "cross-image", name, fx.with_layers("a", layers, [fx.payload("b")]), VERIFY["a"])
    # b's signature image with a's layer: a signature for a replayed onto b
    c.add(K + "cross-image", "a-layer-on-b/k", fx.with_layers("b", [layer]),
          ["verify", "--key", "keys/k.pub", "oci:layout:b"])
    c.add(K + "cross-image", "a-layer-on-b/k2", fx.with_layers("b", [layer]), VERIFY["b"])
    c.add(K + "cross-image", "a-and-c-layers-on-b/k",
          fx.with_layers("b", [layer, fx.layer("c")]), ["verify", "--key", "keys/k.pub", "oci:layout:b"])

    # the config (verifiers do not read it: formats.md 1.2)
    amf = json.loads(fx.blob(fx.img["a"]))
    for name, cfg in [("image-config", amf["config"]), ("b-sig-config", fx.sigman("b")["config"]),
                      ("missing-blob", dict(fx.sigman("a")["config"], digest="sha256:" + "2" * 64)),
                      ("mediatype-changed", dict(fx.sigman("a")["config"], mediaType="text/plain")),
                      ("size-huge", dict(fx.sigman("a")["config"], size=2 ** 62))]:
        m = fx.sigman("a")
        m["config"] = cfg
        c.add(K + "config", name, fx.with_manifest_obj("a", m), VERIFY["a"], INFO,
              "the config is not part of what is verified")
    m = fx.sigman("a")
    del m["config"]
    c.add(K + "config", "missing", fx.with_manifest_obj("a", m), VERIFY["a"], INFO,
          "the config is not part of what is verified")

    # an index where the signature manifest belongs
    sig_entry = {"mediaType": MT_MANIFEST, "size": n, "digest": md}
    idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [sig_entry]}
    c.add(K + "index", "index-of-genuine", fx.with_sigman("a", cjson(idx), mt=MT_INDEX), VERIFY["a"])
    c.add(K + "index", "index-of-genuine/entry-says-manifest", fx.with_sigman("a", cjson(idx)),
          VERIFY["a"])
    m = fx.sigman("a")
    m["mediaType"] = MT_INDEX
    c.add(K + "index", "manifest-claims-index", fx.with_manifest_obj("a", m), VERIFY["a"])
    m = fx.sigman("a")
    m["manifests"] = [sig_entry]
    c.add(K + "index", "manifest-with-manifests", fx.with_manifest_obj("a", m), VERIFY["a"])
    idx2 = dict(idx, layers=[layer])
    c.add(K + "index", "index-with-layers", fx.with_sigman("a", cjson(idx2), mt=MT_INDEX), VERIFY["a"])

    # schema fields
    for name, field, val in [("schemaVersion-1", "schemaVersion", 1), ("schemaVersion-3", "schemaVersion", 3),
                             ("schemaVersion-string", "schemaVersion", "2"),
                             ("mediaType-docker", "mediaType",
                              "application/vnd.docker.distribution.manifest.v2+json"),
                             ("mediaType-empty", "mediaType", ""),
                             ("subject-added", "subject", {"mediaType": MT_MANIFEST, "size": 1,
                                                           "digest": fx.img["b"]}),
                             ("artifactType-added", "artifactType", "application/x-evil")]:
        m = fx.sigman("a")
        m[field] = val
        c.add(K + "schema", name, fx.with_manifest_obj("a", m), VERIFY["a"], INFO,
              "a manifest field signatures do not cover")
    # too big
    c.add(K + "huge", "5MiB-whitespace",
          fx.with_sigman("a", Ms[:-1].encode() + b" " * (5 << 20) + b"}"), VERIFY["a"], INFO,
          "genuine content, over the 4 MiB manifest limit")
    c.add(K + "huge", "deep-unknown-field",
          fx.with_sigman("a", (Ms[:-1] + ',"x":' + "[" * 5000 + "]" * 5000 + "}").encode()),
          VERIFY["a"], INFO, "genuine content, deeply nested extra field")


def gen_index(c, fx, rng):
    K = "sig/index/"
    A, B = fx.img["a"], fx.img["b"]
    sa, sbt = fx.sigtag("a"), fx.sigtag("b")
    kverify_b = ["verify", "--key", "keys/k.pub", "oci:layout:b"]

    def edit(fn):
        return fx.index_edit(fn)

    # a's signature image replayed onto b
    def move_sig(idx):
        ea, eb = fx.entry(idx, sa), fx.entry(idx, sbt)
        eb["digest"], eb["size"] = ea["digest"], ea["size"]
    c.add(K + "replay", "a-sig-as-b-sig/k", edit(move_sig), kverify_b)
    c.add(K + "replay", "a-sig-as-b-sig/k2", edit(move_sig), VERIFY["b"])

    def rename_sig(idx):
        idx["manifests"] = [e for e in idx["manifests"] if e.get("annotations", {}).get(REFNAME) != sbt]
        fx.entry(idx, sa)["annotations"][REFNAME] = sbt
    c.add(K + "replay", "a-sig-renamed-to-b/k", edit(rename_sig), kverify_b)

    def dup_first(idx):
        e = copy.deepcopy(fx.entry(idx, sa))
        e["annotations"][REFNAME] = sbt
        idx["manifests"].insert(0, e)
    c.add(K + "replay", "a-sig-duplicated-before-b-sig/k", edit(dup_first), kverify_b)
    c.add(K + "replay", "a-sig-duplicated-before-b-sig/k2", edit(dup_first), VERIFY["b"], INFO,
          "b's own (k2) signature is listed too")

    def dup_last(idx):
        e = copy.deepcopy(fx.entry(idx, sa))
        e["annotations"][REFNAME] = sbt
        idx["manifests"].append(e)
    c.add(K + "replay", "a-sig-duplicated-after-b-sig/k", edit(dup_last), kverify_b)

    # tags moved
    def retag(name, digest, size=None, mt=None):
        def fn(idx):
            e = fx.entry(idx, name)
            e["digest"] = digest
            e["size"] = size if size is not None else len(fx.files.get(fx.bpath(digest), b""))
            if mt:
                e["mediaType"] = mt
        return edit(fn)
    c.add(K + "tag-move", "a-to-b-manifest", retag("a", B), VERIFY["a"])
    c.add(K + "tag-move", "a-to-a-sig-manifest", retag("a", fx.sigdigest("a")), VERIFY["a"])
    c.add(K + "tag-move", "a-to-b-sig-manifest", retag("a", fx.sigdigest("b")), VERIFY["a"])
    c.add(K + "tag-move", "a-to-missing", retag("a", "sha256:" + "3" * 64, 10), VERIFY["a"])
    c.add(K + "tag-move", "a-to-config-blob", retag("a", json.loads(fx.blob(A))["config"]["digest"]),
          VERIFY["a"])

    def a_to_b_with_a_sig(idx):
        e = fx.entry(idx, "a")
        e["digest"], e["size"] = B, len(fx.blob(B))
        move_sig(idx)
    c.add(K + "tag-move", "a-to-b-and-a-sig-to-b", edit(a_to_b_with_a_sig), VERIFY["a"])
    c.add(K + "tag-move", "a-to-b-digest-but-a-bytes", dict(retag("a", B), **{fx.bpath(B): fx.blob(A)}),
          VERIFY["a"])
    c.add(K + "tag-move", "b-digest-requested", {},
          ["verify", "--key", "keys/k.pub", "oci:layout@" + B])
    c.add(K + "tag-move", "a-tag-b-digest-requested", {},
          ["verify", "--key", "keys/k.pub", "oci:layout:a@" + B])

    # digest spelling
    for name, tag, dg in [("a-uppercase", "a", "sha256:" + A[7:].upper()),
                          ("a-one-uppercase", "a", A[:-1] + A[-1].upper() if A[-1] in "abcdef" else
                           A[:7] + A[7:].replace(next(ch for ch in A[7:] if ch in "abcdef"),
                                                 next(ch for ch in A[7:] if ch in "abcdef").upper(), 1)),
                          ("a-alg-uppercase", "a", "SHA256:" + A[7:]),
                          ("a-sha512-label", "a", "sha512:" + A[7:]),
                          ("sig-uppercase", sa, "sha256:" + fx.sigdigest("a")[7:].upper())]:
        c.add(K + "digest-case", name, retag(tag, dg, len(fx.blob(fx.tag[tag]["digest"]))), VERIFY["a"])

    def rename(old, new):
        def fn(idx):
            fx.entry(idx, old)["annotations"][REFNAME] = new
        return edit(fn)
    c.add(K + "digest-case", "sig-tag-uppercase-hex", rename(sa, "sha256-%s.sig" % A[7:].upper()),
          VERIFY["a"])
    c.add(K + "digest-case", "requested-uppercase", {},
          ["verify", "--key", "keys/k.pub", "oci:layout@sha256:" + A[7:].upper()])

    # look-alike tag names
    for name, new in [("cyrillic-a", CYR["a"]), ("fullwidth-a", fullwidth("a")), ("zero-width", "a" + ZWSP),
                      ("trailing-space", "a "), ("capital", "A"), ("nbsp", "a" + NBSP),
                      ("combining", "a" + COMBINING), ("soft-hyphen", SHY + "a")]:
        c.add(K + "lookalike", "a-renamed-" + name, rename("a", new), VERIFY["a"])
    hx = A[7:]
    li = next(i for i, ch in enumerate(hx) if ch in "abcdef")
    di = next(i for i, ch in enumerate(hx) if ch in "0123456789")
    for name, new in [("cyrillic-s", CYR["s"] + sa[1:]), ("cyrillic-sig", sa[:-3] + CYR["s"] + "ig"),
                      ("fullwidth-digit", "sha256-" + hx[:di] + fullwidth(hx[di]) + hx[di + 1:] + ".sig"),
                      ("cyrillic-hex", "sha256-" + hx[:li] + CYR.get(hx[li], fullwidth(hx[li]))
                       + hx[li + 1:] + ".sig"),
                      ("zero-width", sa[:30] + ZWSP + sa[30:]), ("trailing-space", sa + " "),
                      ("nbsp", sa + NBSP), ("colon", "sha256:" + hx + ".sig"), ("underscore", "sha256_" + hx + ".sig"),
                      ("no-suffix", "sha256-" + hx), ("att-suffix", "sha256-" + hx + ".att"),
                      ("rtl", sa + RLO)]:
        c.add(K + "lookalike", "sig-renamed-" + name, rename(sa, new), VERIFY["a"])

    # a look-alike tag naming b, asked for by that name
    for name, new in [("cyrillic-a", CYR["a"]), ("fullwidth-a", fullwidth("a"))]:
        def add_entry(idx, new=new):
            e = copy.deepcopy(fx.entry(idx, "b"))
            e["annotations"][REFNAME] = new
            idx["manifests"].append(e)
        c.add(K + "lookalike", "b-as-" + name + "-requested", edit(add_entry),
              ["verify", "--key", "keys/k.pub", "oci:layout:" + new])
    c.add(K + "lookalike", "requested-cyrillic-a", {}, ["verify", "--key", "keys/k.pub", "oci:layout:" + CYR["a"]])

    # single hex digits changed
    for which, tag in [("a-digest", "a"), ("sig-digest", sa)]:
        dg = fx.tag[tag]["digest"]
        for i in sorted(rng.sample(range(64), 12)):
            ch = rng.choice([x for x in "0123456789abcdef" if x != dg[7 + i]])
            c.add(K + "flip", "%s@%d" % (which, i), retag(tag, dg[:7 + i] + ch + dg[8 + i:], len(fx.blob(dg))),
                  VERIFY["a"])
    for i in sorted(rng.sample(range(64), 12)):
        ch = rng.choice([x for x in "0123456789abcdef" if x != hx[i]])
        c.add(K + "flip", "sig-tag@%d" % i, rename(sa, "sha256-" + hx[:i] + ch + hx[i + 1:] + ".sig"),
              VERIFY["a"])

    # index.json broken
    raw = fx.files["layout/index.json"]
    for ln in sorted({0, 1, len(raw) // 2, len(raw) - 1} | set(rng.sample(range(2, len(raw) - 1), 4))):
        c.add(K + "broken", "truncated-%d" % ln, {"layout/index.json": raw[:ln]}, VERIFY["a"])
    for name, body in [("empty-object", b"{}"), ("array", b"[]"), ("null", b"null"),
                       ("manifests-null", cjson(dict(fx.index, manifests=None))),
                       ("manifests-object", cjson(dict(fx.index, manifests={}))),
                       ("manifests-string", cjson(dict(fx.index, manifests="x"))),
                       ("image-manifest-as-index", fx.blob(A)),
                       ("nul-in-tag", raw.replace(b'"a"}', b'"a\\u0000"}', 1)),
                       ("invalid-utf8", raw.replace(b'"a"}', b'"a\xff"}', 1))]:
        c.add(K + "broken", name, {"layout/index.json": body}, VERIFY["a"])
    only_b = dict(fx.index, manifests=[e for e in fx.index["manifests"]
                                        if e.get("annotations", {}).get(REFNAME) in ("b", sbt)])
    ob = json.dumps(only_b["manifests"], separators=(",", ":"))
    full = json.dumps(fx.index["manifests"], separators=(",", ":"))
    rs = raw.decode()
    c.add(K + "broken", "dup-manifests/b-only-then-full",
          {"layout/index.json": rep(rs, '"manifests":' + full, '"manifests":%s,"manifests":%s' % (ob, full)).encode()},
          VERIFY["a"])
    c.add(K + "broken", "dup-manifests/full-then-b-only",
          {"layout/index.json": rep(rs, '"manifests":' + full, '"manifests":%s,"manifests":%s' % (full, ob)).encode()},
          VERIFY["a"])
    c.add(K + "broken", "dup-ref-name",
          {"layout/index.json": rs.replace('"%s":"a"' % REFNAME, '"%s":"b","%s":"a"' % (REFNAME, REFNAME), 1).encode()},
          VERIFY["a"])
    c.add(K + "broken", "index-missing", {"layout/index.json": None}, VERIFY["a"])
    c.add(K + "broken", "oci-layout-missing", {"layout/oci-layout": None}, VERIFY["a"])
    c.add(K + "broken", "oci-layout-version", {"layout/oci-layout": b'{"imageLayoutVersion":"2.0.0"}'},
          VERIFY["a"])
    c.add(K + "broken", "oci-layout-garbage", {"layout/oci-layout": b"\x00garbage"}, VERIFY["a"])
    c.add(K + "broken", "oci-layout-dup-version",
          {"layout/oci-layout": b'{"imageLayoutVersion":"1.0.0","imageLayoutVersion":"2.0.0"}'}, VERIFY["a"])
    many = copy.deepcopy(fx.index)
    many["manifests"] += [dict(fx.tag["b"], annotations={REFNAME: "x%d" % i}) for i in range(10001)]
    c.add(K + "broken", "10001-entries", fx.with_index(many), VERIFY["a"], INFO,
          "over the index entry limit, the genuine entries still there")

    # the .sig entry
    c.add(K + "sig-entry", "to-a-image-manifest", retag(sa, A), VERIFY["a"])
    c.add(K + "sig-entry", "to-missing", retag(sa, "sha256:" + "4" * 64, 100), VERIFY["a"])
    c.add(K + "sig-entry", "to-b-sig", retag(sa, fx.sigdigest("b")), VERIFY["a"])
    c.add(K + "sig-entry", "to-c-sig", retag(sa, fx.sigdigest("c")), VERIFY["a"])
    c.add(K + "sig-entry", "to-d-sig", retag(sa, fx.sigdigest("d")), VERIFY["a"])
    c.add(K + "sig-entry", "to-payload-blob", retag(sa, fx.layer("a")["digest"]), VERIFY["a"])
    c.add(K + "sig-entry", "mediatype-index", retag(sa, fx.sigdigest("a"), mt=MT_INDEX), VERIFY["a"])

    def drop_sig(idx):
        idx["manifests"] = [e for e in idx["manifests"] if e.get("annotations", {}).get(REFNAME) != sa]
    c.add(K + "sig-entry", "removed", edit(drop_sig), VERIFY["a"])
    c.add(K + "sig-entry", "size-huge", retag(sa, fx.sigdigest("a"), 2 ** 62), VERIFY["a"], INFO,
          "the size index.json claims for a blob whose digest matches")
    c.add(K + "sig-entry", "mediatype-docker",
          retag(sa, fx.sigdigest("a"), mt="application/vnd.docker.distribution.manifest.v2+json"),
          VERIFY["a"], INFO, "the entry's media type disagrees with the manifest")


def gen_image(c, fx, rng):
    K = "sig/image/"
    A = fx.img["a"]
    M = fx.blob(A)
    n = len(M)
    for i in sorted({0, n - 1} | set(rng.sample(range(1, n - 1), 16))):
        bit = rng.randrange(8)
        c.add(K + "flip", "@%d^%d" % (i, 1 << bit), {fx.bpath(A): flip(M, i, bit)}, VERIFY["a"])
    for ln in (0, 1, n // 2, n - 1):
        c.add(K + "truncate", "len=%d" % ln, {fx.bpath(A): M[:ln]}, VERIFY["a"])
    c.add(K + "truncate", "append-newline", {fx.bpath(A): M + b"\n"}, VERIFY["a"])
    c.add(K + "swap", "b-bytes", {fx.bpath(A): fx.blob(fx.img["b"])}, VERIFY["a"])
    c.add(K + "swap", "c-bytes", {fx.bpath(A): fx.blob(fx.img["c"])}, VERIFY["a"])
    c.add(K + "swap", "reserialised", {fx.bpath(A): json.dumps(json.loads(M), indent=1).encode()},
          VERIFY["a"])
    c.add(K + "swap", "removed", {fx.bpath(A): None}, VERIFY["a"])
    c.add(K + "swap", "empty", {fx.bpath(A): b""}, VERIFY["a"])
    c.add(K + "swap", "by-digest-still-verifies", {fx.bpath(A): None},
          ["verify", "--key", "keys/k.pub", "oci:layout@" + A], INFO,
          "by digest, the image manifest itself is not needed (the signature names the digest)")


def gen_key(c, fx, rng):
    K = "sig/key/"
    pub = fx.pubpem("k")
    der = pem_body(pub)
    text = pub.decode()
    lines = text.splitlines(keepends=True)
    body_start = len(lines[0])
    body_end = len(text) - len(lines[-1])
    alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    argv = ["verify", "--key", "keys/t.pub", "oci:layout:a"]

    def key(detail, data, expect=REJECT, note="", kind="other"):
        if isinstance(data, str):
            data = data.encode()
        c.add(K + kind, detail, {"keys/t.pub": data}, argv, expect, note)

    spots = [i for i in range(body_start, body_end) if text[i] in alpha]
    for i in sorted(rng.sample(spots, 40)):
        ch = rng.choice([a for a in alpha if a != text[i]])
        new = text[:i] + ch + text[i + 1:]
        try:
            same = pem_body(new.encode()) == der
        except Exception:
            same = False
        key("b64@%d" % i, new, INFO if same else REJECT, "the same key bytes" if same else "",
            kind="flip")
    for i in (0, 5, 11, body_end + 3, len(text) - 2):
        key("text@%d" % i, text[:i] + ("X" if text[i] != "X" else "Y") + text[i + 1:], INFO,
            "a PEM armour character", kind="flip")
    for ln in (0, 10, 27, 40, 60, 90, body_end - 5, body_end - 1):
        key("len=%d" % ln, text[:ln], kind="truncate")
    key("no-trailing-newline", text.rstrip("\n"), INFO, "the same key", kind="truncate")

    k2 = fx.pubpem("k2")
    p384 = ec.derive_private_key(0x5EED384, ec.SECP384R1()).public_key()
    spki = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    nums = fx.priv["k"].public_key().public_numbers()
    x, y = nums.x, nums.y
    neg_y = ec.EllipticCurvePublicNumbers(x, P256_P - y, ec.SECP256R1()).public_key()
    key("k2", k2)
    key("ed25519", fx.pubpem("e"))
    key("p384", p384.public_bytes(*spki))
    key("rsa", fx.priv["rsa"].public_key().public_bytes(*spki))
    key("k2-private-pem", fx.priv["k2"].private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    key("k-negated-y", neg_y.public_bytes(*spki), note="(x, -y): a different valid point")
    key("k-off-curve", pem("PUBLIC KEY", tlv(0x30, P256_ALG + tlv(3, b"\x00\x04" + x.to_bytes(32, "big")
                                                                    + ((y + 1) % P256_P).to_bytes(32, "big")))))
    key("infinity", pem("PUBLIC KEY", tlv(0x30, P256_ALG + tlv(3, b"\x00\x00"))))
    key("x-only", pem("PUBLIC KEY", tlv(0x30, P256_ALG + tlv(3, b"\x00\x04" + x.to_bytes(32, "big")))))
    key("k-as-ed25519-oid", pem("PUBLIC KEY", tlv(0x30, ED25519_ALG + tlv(3, b"\x00" + x.to_bytes(32, "big")))))
    key("k-p384-oid", pem("PUBLIC KEY", der.replace(bytes.fromhex("06082a8648ce3d030107"),
                                                    bytes.fromhex("06052b81040022"))))
    key("empty", b"")
    key("garbage", b"hello\n")
    key("random", rng.randbytes(91))
    key("random-pem", pem("PUBLIC KEY", rng.randbytes(91)))
    key("der-not-pem", der)
    key("k2-then-k", k2 + pub, INFO, "two keys: cosign uses the first")
    key("k-then-k2", pub + k2, INFO, "two keys: cosign uses the first")
    key("k-trailing-garbage", pub + b"garbage\n", INFO, "the right key, then junk")
    key("k-ec-public-key-label", text.replace("PUBLIC KEY", "EC PUBLIC KEY"), INFO,
        "the right key bytes under another PEM label")
    comp = fx.priv["k"].public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.CompressedPoint)
    key("k-compressed", pem("PUBLIC KEY", tlv(0x30, P256_ALG + tlv(3, b"\x00" + comp))), INFO,
        "the right key, compressed point")
    key("k-private-pem", fx.priv["k"].private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()), INFO,
        "the right key pair's private half")
    c.add(K + "other", "missing-file", {}, ["verify", "--key", "keys/none.pub", "oci:layout:a"])
    c.add(K + "other", "directory", {}, ["verify", "--key", "keys", "oci:layout:a"])
    c.add(K + "other", "k2-for-a", {}, ["verify", "--key", "keys/k2.pub", "oci:layout:a"])
    c.add(K + "other", "e-for-a", {}, ["verify", "--key", "keys/e.pub", "oci:layout:a"])
    c.add(K + "other", "k-for-b", {}, ["verify", "--key", "keys/k.pub", "oci:layout:b"])
    c.add(K + "other", "k-for-d", {}, ["verify", "--key", "keys/k.pub", "oci:layout:d"])
    c.add(K + "other", "e-for-c", {}, ["verify", "--key", "keys/e.pub", "-a", "team=blue", "oci:layout:c"])


def gen_args(c, fx, rng):
    K = "sig/args/"
    base = ["verify", "--key", "keys/k.pub"]
    for name, ann in [("red", ["team=red"]), ("Blue", ["team=Blue"]), ("Team", ["Team=blue"]),
                      ("zero-width", ["team=blue" + ZWSP]), ("trailing-space", ["team=blue "]),
                      ("empty-value", ["team="]), ("absent", ["nothere=x"]),
                      ("second-wrong", ["team=blue", "env=dev"]), ("comma-second-wrong", ["team=blue,env=dev"]),
                      ("cyrillic-e", ["team=blu" + CYR["e"]]), ("prefix", ["team=blu"])]:
        argv = list(base)
        for a in ann:
            argv += ["-a", a]
        c.add(K + "annotation", name, {}, argv + ["oci:layout:c"])
    c.add(K + "annotation", "a-has-none", {}, base + ["-a", "team=blue", "oci:layout:a"])
    c.add(K + "multi", "a-then-b", {}, base + ["oci:layout:a", "oci:layout:b"], INFO,
          "two images, the second unsigned by k: stdout has a's verified payload")
    c.add(K + "multi", "b-then-a", {}, base + ["oci:layout:b", "oci:layout:a"], INFO,
          "two images, the first unsigned by k")


def gen_ed25519(c, fx, rng):
    K = "sig/ed25519/"
    sig = fx.sig("d")
    P = fx.payload("d")
    for i in range(64):
        bit = rng.randrange(8)
        c.sigbytes("d", K + "flip", "@%d^%d" % (i, 1 << bit), flip(sig, i, bit))
    for ln in (0, 1, 32, 63):
        c.sigbytes("d", K + "truncate", "len=%d" % ln, sig[:ln])
    c.sigbytes("d", K + "truncate", "plus-00", sig + b"\x00")
    c.sigbytes("d", K + "truncate", "twice", sig + sig)
    R, S = sig[:32], int.from_bytes(sig[32:], "little")
    c.sigbytes("d", K + "scalar", "S=0", R + bytes(32))
    c.sigbytes("d", K + "scalar", "S=L", R + ED25519_L.to_bytes(32, "little"))
    c.sigbytes("d", K + "scalar", "S+1", R + ((S + 1) % 2 ** 256).to_bytes(32, "little"))
    c.sigbytes("d", K + "scalar", "R-S-swapped", sig[32:] + sig[:32])
    c.sigbytes("d", K + "scalar", "zeros", bytes(64))
    c.sigbytes("d", K + "scalar", "S+L", R + (S + ED25519_L).to_bytes(32, "little"), INFO,
               "non-canonical S (malleability, not a forgery)")
    for name, sg in [("a-by-e", fx.sign("e", fx.payload("a"))), ("d-by-k", fx.sign("k", P)),
                     ("empty-by-e", fx.sign("e", b"")),
                     ("sha512-of-d-by-e", fx.sign("e", hashlib.sha512(P).digest()))]:
        c.sigbytes("d", K + "replay", name, sg)
    c.add(K + "replay", "a-payload-by-e", fx.with_layers("d", [fx.signed_layer("e", fx.payload("a"))]),
          VERIFY["d"])
    n = len(P)
    for i in sorted(rng.sample(range(n), 24)):
        bit = rng.randrange(8)
        c.payload("d", K + "payload", "@%d^%d" % (i, 1 << bit), flip(P, i, bit), keep=False)
    PD = P.decode()
    c.payload("d", K + "payload", "digest-a", rep(PD, fx.img["d"], fx.img["a"]).encode(), keep=False,
              resign=REJECT)
    # small-order public key (the identity point) with the signature that "verifies" every
    # message under a lax verifier
    ident = (1).to_bytes(32, "little")
    weak = pem("PUBLIC KEY", tlv(0x30, ED25519_ALG + tlv(3, b"\x00" + ident)))
    files = fx.with_sigvalue("d", b64(ident + bytes(32)))
    files["keys/t.pub"] = weak
    c.add(K + "weak-key", "identity-key-identity-sig", files, ["verify", "--key", "keys/t.pub", "oci:layout:d"])
    c.add(K + "weak-key", "identity-key-genuine-sig", {"keys/t.pub": weak},
          ["verify", "--key", "keys/t.pub", "oci:layout:d"])
    files = fx.with_sigvalue("d", b64(ident + bytes(32)))
    c.add(K + "weak-key", "identity-sig", files, VERIFY["d"])


def gen_escape(c, fx, rng):
    """Attacker-chosen strings in places error messages may quote: the verify must fail, and
    its stderr is checked for raw control characters (a finding, not a failure)."""
    K = "sig/escape/"
    esc = "\u001b[2J\u001b]0;pwned\u0007"
    c.add(K + "layer", "mediatype", fx.with_layer("a", mediaType=esc), VERIFY["a"])
    c.add(K + "layer", "digest", fx.with_layer("a", digest="sha256:" + esc), VERIFY["a"])
    m = fx.sigman("a")
    m["mediaType"] = esc
    c.add(K + "manifest", "mediatype", fx.with_manifest_obj("a", m), VERIFY["a"])
    m = fx.sigman("a")
    m["config"]["digest"] = esc
    c.add(K + "manifest", "config-digest", fx.with_manifest_obj("a", m), VERIFY["a"], INFO,
          "the config is not part of what is verified")

    def fn(idx):
        fx.entry(idx, fx.sigtag("a"))["mediaType"] = esc
    c.add(K + "index", "sig-entry-mediatype", fx.index_edit(fn), VERIFY["a"])

    def fn2(idx):
        fx.entry(idx, "a")["digest"] = esc
    c.add(K + "index", "a-entry-digest", fx.index_edit(fn2), VERIFY["a"])
    P = fx.payload("a").decode()
    c.payload("a", K + "payload", "digest", rep(P, fx.img["a"], esc).encode(), keep=False, resign=REJECT)
    c.payload("a", K + "payload", "type", rep(P, SIGTYPE, esc).encode(), keep=False, resign=REJECT)
    c.add(K + "args", "tag", {}, ["verify", "--key", "keys/k.pub", "oci:layout:" + esc])


def gen_controls(c, fx, rng):
    K = "control/"
    for t in IMAGES:
        c.add(K + "pristine", t, {}, VERIFY[t], CONTROL)
    c.add(K + "pristine", "c-both-annotations", {},
          ["verify", "--key", "keys/k.pub", "-a", "team=blue", "-a", "env=prod", "oci:layout:c"], CONTROL)
    c.add(K + "pristine", "c-no-annotation", {}, ["verify", "--key", "keys/k.pub", "oci:layout:c"], CONTROL)
    c.add(K + "pristine", "a-by-digest", {}, ["verify", "--key", "keys/k.pub", "oci:layout@" + fx.img["a"]],
          CONTROL)
    c.add(K + "pristine", "a-text-output", {}, ["verify", "--key", "keys/k.pub", "--output", "text",
                                                 "oci:layout:a"], CONTROL)
    c.add(K + "pristine", "a-and-c", {}, ["verify", "--key", "keys/k.pub", "oci:layout:a", "oci:layout:c"],
          CONTROL)
    c.add(K + "benign", "index-pretty", fx.with_index(json.dumps(fx.index, indent=2).encode() + b"\n"),
          VERIFY["a"], CONTROL)
    c.add(K + "benign", "index-tabs-crlf",
          fx.with_index(json.dumps(fx.index, indent="\t").replace("\n", "\r\n").encode()), VERIFY["a"], CONTROL)

    def reverse(idx):
        idx["manifests"].reverse()
    c.add(K + "benign", "index-reordered", fx.index_edit(reverse), VERIFY["a"], CONTROL)

    def extra_tag(idx):
        idx["manifests"].append(dict(fx.tag["b"], annotations={REFNAME: "extra"}))
    c.add(K + "benign", "extra-unrelated-tag", fx.index_edit(extra_tag), VERIFY["a"], CONTROL)

    def unknown(idx):
        idx["annotations"] = {"org.example.note": "unrelated"}
        fx.entry(idx, "a")["annotations"]["org.example.x"] = "y"
    c.add(K + "benign", "unknown-fields", fx.index_edit(unknown), VERIFY["a"], CONTROL)
    junk = b"an unreferenced blob\n"
    c.add(K + "benign", "unreferenced-blob", {fx.bpath(sha(junk)): junk}, VERIFY["a"], CONTROL)
    # b re-signed with k (built here, not by sigil): the same harness accepts a real signature
    c.add(K + "benign", "b-resigned-with-k", fx.with_layers("b", [fx.signed_layer("k", fx.payload("b"))]),
          ["verify", "--key", "keys/k.pub", "oci:layout:b"], CONTROL)
    c.add(K + "benign", "a-layer-rewritten-same", fx.with_layers("a", [fx.layer("a")]), VERIFY["a"], CONTROL)


# Mutation kinds per artifact kind. Attestations go in as "att": [...] with generators that
# mutate .att images / DSSE envelopes / in-toto statements / bundles and run verify-attestation.
ARTIFACTS = {
    "sig": [gen_payload, gen_signature, gen_manifest, gen_index, gen_image, gen_key, gen_args,
            gen_ed25519, gen_escape],
    "control": [gen_controls],
}


def generate(fx, seed, only=None):
    c = Corpus(fx)
    for art, gens in ARTIFACTS.items():
        for g in gens:
            g(c, fx, random.Random("%s/%s/%s" % (seed, art, g.__name__)))
    muts = c.muts
    if only:
        muts = [m for m in muts if m.name.startswith(only) or m.kind == "control/pristine"]
    return muts


# ---------------------------------------------------------------------------------------------
# running

def apply(root, files, pristine):
    """Writes files into the tree at root; returns what restore() needs."""
    undo, made = [], []
    for rel, data in files.items():
        p = os.path.join(root, rel)
        undo.append((rel, pristine.get(rel)))
        if data is None:
            if os.path.lexists(p):
                os.remove(p)
            continue
        d = os.path.dirname(p)
        top = None
        while not os.path.isdir(d):
            top, d = d, os.path.dirname(d)
        if top:
            os.makedirs(os.path.dirname(p))
            made.append(top)
        with open(p, "wb") as f:
            f.write(data)
    return undo, made


def restore(root, undo, made):
    for rel, orig in undo:
        p = os.path.join(root, rel)
        if orig is None:
            if os.path.lexists(p):
                os.remove(p)
        else:
            with open(p, "wb") as f:
                f.write(orig)
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


class Result:
    __slots__ = ("rc", "out", "err", "secs")


def run_one(sigil, root, m, pristine, env):
    undo, made = apply(root, m.files, pristine)
    r = Result()
    t0 = time.monotonic()
    for attempt in range(5):
        try:
            p = subprocess.run([sigil] + m.argv, cwd=root, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
            r.rc, r.out, r.err = p.returncode, p.stdout, p.stderr
            break
        except subprocess.TimeoutExpired as e:
            r.rc, r.out, r.err = None, e.stdout or b"", e.stderr or b""
            break
        except OSError:  # the binary being relinked under us (ETXTBSY, EACCES): try again
            if attempt == 4:
                restore(root, undo, made)
                raise
            time.sleep(1)
    r.secs = time.monotonic() - t0
    restore(root, undo, made)
    return r


def classify(m, r, fx):
    """(problems, findings) for one result; problems fail the run."""
    problems, findings = [], []
    if r.rc is None:
        problems.append("hang")
    elif r.rc < 0 or r.rc >= 128 or SANITIZER.search(r.err):
        problems.append("crash")
    elif m.expect == REJECT:
        if r.rc == 0:
            problems.append("false-accept")
        elif r.rc not in (1, 2):
            problems.append("unexpected-exit")
    elif m.expect == CONTROL:
        digests = [fx.img[t] for t in IMAGES if ("oci:layout:" + t) in m.argv or fx.img[t] in " ".join(m.argv)]
        if m.name.endswith("b-resigned-with-k"):
            digests = [fx.img["b"]]
        if r.rc != 0 or not all(d.encode() in r.out for d in digests):
            problems.append("control-failed")
    if r.rc not in (None, 0) and r.out and "crash" not in problems:
        if m.expect == INFO and "/multi:" in m.name:
            findings.append("stdout-on-failure")
        else:
            problems.append("stdout-on-failure")
    if r.rc in (1, 2) and r.err.count(b"\n") > 1:
        findings.append("multi-line-stderr")
    if CONTROL_CHARS.search(r.err):
        findings.append("control-chars-in-stderr")
    return problems, findings


def cmd_run(args):
    fx = Fx(args.fixture)
    muts = generate(fx, args.seed, args.only)
    env = dict(os.environ)
    env.setdefault("COSIGN_PASSWORD", "tamper-pass")
    work = os.path.join(args.fixture, "work")
    shutil.rmtree(work, ignore_errors=True)
    roots = []
    for i in range(args.jobs):
        root = os.path.join(work, "w%d" % i)
        shutil.copytree(fx.tree, root)
        roots.append(root)
    results = [None] * len(muts)
    q = queue.Queue()
    for i, m in enumerate(muts):
        q.put((i, m))
    errors = []

    def worker(root):
        try:
            while True:
                try:
                    i, m = q.get_nowait()
                except queue.Empty:
                    return
                results[i] = run_one(args.sigil, root, m, fx.files, env)
        except Exception as e:  # a harness bug: report, do not hide
            errors.append("%s: %r" % (m.name, e))
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(r,)) for r in roots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if errors:
        print("tamper: harness error: " + "; ".join(errors))
        return 1
    # the workers' trees must be back to the pristine state (verify must not write either)
    drift = []
    for root in roots:
        now = read_tree(root)
        if now != fx.files:
            changed = sorted(set(now) ^ set(fx.files) | {p for p in now if p in fx.files and now[p] != fx.files[p]})
            drift.append("%s: %s" % (os.path.basename(root), ", ".join(changed[:5])))
    return report(fx, muts, results, elapsed, drift, args)


def report(fx, muts, results, elapsed, drift, args):
    kinds = {}
    problems, findings, infos = [], [], []
    n_rej = n_rejected = n_fa = n_crash = 0
    for m, r in zip(muts, results):
        p, f = classify(m, r, fx)
        if m.expect == REJECT:
            k = kinds.setdefault(m.kind, {"n": 0, "rc": {}})
            k["n"] += 1
            k["rc"][r.rc] = k["rc"].get(r.rc, 0) + 1
            n_rej += 1
            if r.rc in (1, 2):
                n_rejected += 1
        if "false-accept" in p:
            n_fa += 1
        if "crash" in p or "hang" in p:
            n_crash += 1
        for x in p:
            problems.append((x, m, r))
        for x in f:
            findings.append((x, m, r))
        if m.expect == INFO:
            infos.append((m, r))
    print("# the corpus per kind: mutations, exit statuses (only 1 and 2 allowed)")
    for kind in sorted(kinds):
        k = kinds[kind]
        rcs = ", ".join("exit %s: %d" % ("timeout" if rc is None else rc, n)
                        for rc, n in sorted(k["rc"].items(), key=lambda x: (x[0] is None, x[0] or 0)))
        print("#   %-34s %5d   %s" % (kind, k["n"], rcs))
    if args.reasons:
        print("# why they were rejected (stderr, hex and numbers elided), per kind")
        byk = {}
        for m, r in zip(muts, results):
            if m.expect == REJECT:
                why = byk.setdefault(m.kind, {})
                key = reason(r.err)
                why[key] = why.get(key, 0) + 1
        for kind in sorted(byk):
            for key, cnt in sorted(byk[kind].items(), key=lambda x: -x[1]):
                print("#   %-34s %5d  %s" % (kind, cnt, key))
    ctrl = [(m, r) for m, r in zip(muts, results) if m.expect == CONTROL]
    print("# controls: %d, %d verified as they must" % (
        len(ctrl), sum(1 for m, r in ctrl if not classify(m, r, fx)[0])))
    print("# not counted (no forgery; outcome reported): %d" % len(infos))
    for m, r in infos:
        print("#   exit %-3s %s -- %s%s" % (r.rc, m.name, m.note,
                                            ("; stderr: " + first_line(r.err)) if r.rc else ""))
    if findings:
        print("# findings (not failures): %d" % len(findings))
        byk = {}
        for x, m, r in findings:
            byk.setdefault(x, []).append((m, r))
        for x, lst in sorted(byk.items()):
            print("#   %s: %d, e.g." % (x, len(lst)))
            for m, r in lst[:5]:
                print("#     %s (exit %s): %r" % (m.name, r.rc, r.err[:300]))
    if drift:
        problems.append(("tree-drift", None, None))
        print("# worker trees differ from the pristine tree afterwards: " + "; ".join(drift))
    for x, m, r in problems:
        if m is None:
            continue
        print("FAIL %s: %s (exit %s)\n#   argv: %s\n#   stderr: %r\n#   stdout: %r" % (
            x, m.name, r.rc, " ".join(m.argv), r.err[:500], r.out[:300]))
        if args.keep_failures:
            out = os.path.join(args.keep_failures, "%04d" % m.id)
            materialize(fx, m, out)
            print("#   kept in %s (run there: %s %s)" % (out, args.sigil, " ".join(m.argv)))
    times = sorted(r.secs for r in results)
    print("# %d runs in %.1f s with %d workers (median %.0f ms, max %.0f ms per run)" % (
        len(results), elapsed, args.jobs, 1000 * times[len(times) // 2], 1000 * times[-1]))
    print("tamper: %d mutations, %d rejected, %d false accepts, %d crashes" % (
        n_rej, n_rejected, n_fa, n_crash))
    return 1 if problems else 0


def reason(err):
    line = first_line(err)
    line = re.sub(r"[0-9a-fA-F]{12,}", "<hex>", line)
    line = re.sub(r"\d+", "N", line)
    return line[line.rfind(": ", 0, line.rfind(": ")) + 2:] if line.count(": ") > 1 else line


def first_line(b):
    return b.decode("utf-8", "backslashreplace").strip().splitlines()[0][:200] if b.strip() else ""


def materialize(fx, m, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(fx.tree, out)
    apply(out, m.files, fx.files)


def cmd_materialize(args):
    fx = Fx(args.fixture)
    for m in generate(fx, args.seed):
        if m.name == args.name:
            materialize(fx, m, args.out)
            print("cd %s && %s %s  # expect: %s" % (args.out, args.sigil or "sigil", " ".join(m.argv), m.expect))
            return 0
    print("no mutation named " + args.name, file=sys.stderr)
    return 2


def cmd_list(args):
    fx = Fx(args.fixture)
    for m in generate(fx, args.seed, args.only):
        print("%-7s %s" % (m.expect, m.name))
    return 0


# ---------------------------------------------------------------------------------------------
# setup

def sh(argv, cwd=None):
    p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit("tamper setup: %s failed (exit %d): %s" % (
            " ".join(argv), p.returncode, p.stderr.decode(errors="replace").strip()))
    return p.stdout.decode()


def cmd_setup(args):
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import cosignkey  # an independent reader of cosign's encrypted key format
    fx = os.path.abspath(args.fixture)
    src = args.source_root or os.path.dirname(os.path.dirname(HERE))
    pw = os.environ.setdefault("COSIGN_PASSWORD", "tamper-pass")
    for d in ("keys", "priv", "src", "tree/keys"):
        os.makedirs(os.path.join(fx, d), exist_ok=True)
    for name, alg in (("k", []), ("k2", []), ("e", ["--algorithm", "ed25519"])):
        prefix = os.path.join(fx, "keys", name)
        sh([args.sigil, "generate-key-pair", "--output-key-prefix", prefix] + alg)
        with open(prefix + ".key") as f:
            der = cosignkey.decrypt(f.read(), pw.encode())
        k = serialization.load_der_private_key(der, password=None)
        with open(prefix + ".pub", "rb") as f:
            pub = f.read()
        mine = k.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
        if serialization.load_pem_public_key(pub).public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo) != mine:
            raise SystemExit("tamper setup: %s.pub is not the public half of %s.key" % (name, name))
        with open(os.path.join(fx, "priv", name + ".pem"), "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
        shutil.copy(prefix + ".pub", os.path.join(fx, "tree", "keys", name + ".pub"))
    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open(os.path.join(fx, "priv", "rsa.pem"), "wb") as f:
        f.write(rk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()))
    # four images with different contents, merged into one layout
    layout = os.path.join(fx, "tree", "layout")
    entries = []
    for t in IMAGES:
        root = os.path.join(fx, "src", t)
        os.makedirs(os.path.join(root, "etc"), exist_ok=True)
        with open(os.path.join(root, "etc", "hostname"), "w") as f:
            f.write("tamper-image-%s\n" % t)
        out = os.path.join(fx, "src", "layout-" + t)
        sh([sys.executable, os.path.join(src, "scripts", "mkimage.py"), root, out, t])
        for dirpath, _, filenames in os.walk(out):
            rel = os.path.relpath(dirpath, out)
            os.makedirs(os.path.join(layout, rel), exist_ok=True)
            for fn in filenames:
                if rel == "." and fn == "index.json":
                    continue
                shutil.copy(os.path.join(dirpath, fn), os.path.join(layout, rel, fn))
        with open(os.path.join(out, "index.json")) as f:
            entries += json.load(f)["manifests"]
    with open(os.path.join(layout, "index.json"), "wb") as f:
        f.write(cjson({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": entries}))
    tree = os.path.join(fx, "tree")
    keys = os.path.join(fx, "keys")
    sh([args.sigil, "sign", "--key", os.path.join(keys, "k.key"), "oci:layout:a"], cwd=tree)
    sh([args.sigil, "sign", "--key", os.path.join(keys, "k2.key"), "oci:layout:b"], cwd=tree)
    sh([args.sigil, "sign", "--key", os.path.join(keys, "k.key"), "-a", "team=blue", "-a", "env=prod",
        "oci:layout:c"], cwd=tree)
    sh([args.sigil, "sign", "--key", os.path.join(keys, "e.key"), "oci:layout:d"], cwd=tree)
    Fx(fx)  # checks the shape mutations rely on
    print("tamper setup: %s" % tree)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description="tamper corpus for sigil verify")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--sigil", required=True)
    s.add_argument("--source-root")
    s.add_argument("fixture")
    for name in ("run", "list", "materialize"):
        s = sub.add_parser(name)
        s.add_argument("--sigil", required=(name == "run"))
        s.add_argument("--seed", default="sigil-tamper-1")
        s.add_argument("--only", help="only mutations whose name starts with this (and the pristine controls)")
        s.add_argument("--jobs", type=int, default=3)
        s.add_argument("--keep-failures")
        s.add_argument("--reasons", action="store_true", help="print why mutations were rejected")
        s.add_argument("fixture")
        if name == "materialize":
            s.add_argument("name")
            s.add_argument("out")
    args = ap.parse_args(argv[1:])
    return {"setup": cmd_setup, "run": cmd_run, "list": cmd_list, "materialize": cmd_materialize}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
