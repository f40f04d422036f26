#!/usr/bin/env python3
"""An independent cosign-format signer/verifier, used to cross-check sigil (docs/formats.md §1, §4).

Python standard library + `cryptography` only; registries over plain HTTP on loopback (tests only).
Nothing here calls sigil or shares code with it: key files go through cosignkey.py (scrypt +
XSalsa20-Poly1305 written from the spec), JSON bytes are built by hand with Go's encoding rules.

  cosign_py.py genkey PREFIX
        P-256 key pair: PREFIX.key (ENCRYPTED SIGSTORE PRIVATE KEY, scrypt N=65536, password
        from $COSIGN_PASSWORD) and PREFIX.pub (PKIX PEM).
  cosign_py.py sign KEYFILE HOST/REPO:TAG [-a k=v]... [--attach-to HOST/REPO:TAG2]
        Signs the image's manifest digest and appends a layer to its sha256-<hex>.sig image.
        --attach-to stores the signature at TAG2's .sig tag instead (replay attack, for tests).
  cosign_py.py verify PUBFILE HOST/REPO:TAG [-a k=v]...
        Checks every layer of the .sig image; prints the verified payloads as a JSON array on
        stdout. Exit 0 if at least one signature is valid, 1 if none, 2 on errors.
  cosign_py.py check-layout-bytes HOST/REPO:TAG [-a k=v]...
        Asserts that the .sig manifest, config and payloads are byte-identical to what cosign
        writes (formats.md §1.2, §1.3), rebuilt here from the layers' digests/sizes/signatures.
        The -a pairs are the annotations every payload must carry (none: "optional":null).
"""
import base64
import hashlib
import http.client
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cosignkey  # noqa: E402

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIG_ANNOTATION = "dev.cosignproject.cosign/signature"
SIG_TYPE = "cosign container image signature"
ZERO_TIME = "0001-01-01T00:00:00Z"
ACCEPT = ",".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST])


class Fail(Exception):
    """An operational error (exit 2)."""


# ---------------------------------------------------------------- Go encoding/json, by hand

def gostr(s):
    """A JSON string as Go's encoding/json writes it: UTF-8 as is, HTML characters and
    U+2028/U+2029 escaped, control characters as \\n \\r \\t \\b \\f or \\u00xx."""
    if not isinstance(s, str):
        raise Fail("expected a string, got %r" % (s,))
    out = json.dumps(s, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        out = out.replace(ch, esc)
    return out


def gomap(d):
    """A Go map[string]string: keys sorted bytewise (UTF-8 order = code point order)."""
    return "{" + ",".join(gostr(k) + ":" + gostr(d[k])
                          for k in sorted(d, key=lambda k: k.encode())) + "}"


def payload_bytes(docker_ref, digest, optional):
    """sigstore payload.Cosign → SimpleContainerImage (formats.md §1.3)."""
    opt = "null" if optional is None else gomap(optional)
    return ('{"critical":{"identity":{"docker-reference":%s},"image":{"docker-manifest-digest":%s},'
            '"type":%s},"optional":%s}' % (gostr(docker_ref), gostr(digest), gostr(SIG_TYPE), opt)
            ).encode()


def config_bytes(diff_ids, created=ZERO_TIME, history_created=None):
    """ggcr v1.ConfigFile of cosign's signature image after N appends (formats.md §1.2)."""
    if history_created is None:
        history_created = [ZERO_TIME] * len(diff_ids)
    hist = ",".join('{"created":%s}' % gostr(c) for c in history_created)
    ids = ",".join(gostr(d) for d in diff_ids)
    return ('{"architecture":"","created":%s,"history":[%s],"os":"","rootfs":{"type":"layers",'
            '"diff_ids":[%s]},"config":{}}' % (gostr(created), hist, ids)).encode()


def descriptor(media_type, size, digest, annotations=None):
    s = '{"mediaType":%s,"size":%d,"digest":%s' % (gostr(media_type), size, gostr(digest))
    if annotations:
        s += ',"annotations":' + gomap(annotations)
    return s + "}"


def manifest_bytes(config, layers):
    """ggcr v1.Manifest; layers = [(size, digest, annotations)]."""
    return ('{"schemaVersion":2,"mediaType":%s,"config":%s,"layers":[%s]}' % (
        gostr(OCI_MANIFEST), descriptor(OCI_CONFIG, len(config), sha256(config)),
        ",".join(descriptor(SIMPLESIGNING, sz, dg, an) for sz, dg, an in layers))).encode()


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------- references and registry

def parse_ref(s):
    """HOST[:PORT]/REPO[:TAG|@DIGEST] (the host must be explicit here)."""
    if "/" not in s:
        raise Fail("reference needs an explicit registry host: " + s)
    host, rest = s.split("/", 1)
    if "@" in rest:
        repo, ref = rest.split("@", 1)
    elif ":" in rest.rsplit("/", 1)[-1]:
        repo, ref = rest.rsplit(":", 1)
    else:
        repo, ref = rest, "latest"
    if not repo or not ref:
        raise Fail("bad reference: " + s)
    return host, repo, ref


class Registry:
    def __init__(self, host):
        hostname = host.rsplit(":", 1)[0]
        if hostname not in ("127.0.0.1", "localhost", "[::1]"):
            raise Fail("cosign_py.py only talks plain HTTP to loopback, not " + host)
        self.host = host
        self.auth = None
        if os.environ.get("COSIGN_PY_BASIC_AUTH"):  # user:password
            self.auth = "Basic " + base64.b64encode(os.environ["COSIGN_PY_BASIC_AUTH"].encode()).decode()

    def call(self, method, path, body=None, headers=None, ok=(200, 201, 202), allow404=False):
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = self.auth
        c = http.client.HTTPConnection(self.host, timeout=60)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        if allow404 and r.status == 404:
            return r, None
        if r.status not in ok:
            raise Fail("%s http://%s%s: HTTP %d %s" % (method, self.host, path, r.status, data[:300]))
        return r, data

    def get_manifest(self, repo, ref, allow404=False):
        r, data = self.call("GET", "/v2/%s/manifests/%s" % (repo, ref),
                            headers={"Accept": ACCEPT}, ok=(200,), allow404=allow404)
        if data is None:
            return None, None
        dcd = r.getheader("Docker-Content-Digest")
        if dcd and dcd != sha256(data):
            raise Fail("registry's Docker-Content-Digest %s != sha256 of the bytes %s" % (dcd, sha256(data)))
        return data, r.getheader("Content-Type")

    def get_blob(self, repo, digest):
        _, data = self.call("GET", "/v2/%s/blobs/%s" % (repo, digest), ok=(200,))
        if sha256(data) != digest:
            raise Fail("blob %s has digest %s" % (digest, sha256(data)))
        return data

    def put_blob(self, repo, data):
        d = sha256(data)
        r, _ = self.call("HEAD", "/v2/%s/blobs/%s" % (repo, d), ok=(200,), allow404=True)
        if r.status == 200:
            return d
        r, _ = self.call("POST", "/v2/%s/blobs/uploads/" % repo, body=b"", ok=(202,))
        loc = r.getheader("Location")
        if loc.startswith("http://") or loc.startswith("https://"):
            loc = "/" + loc.split("/", 3)[3]
        sep = "&" if "?" in loc else "?"
        self.call("PUT", "%s%sdigest=%s" % (loc, sep, d), body=data,
                  headers={"Content-Type": "application/octet-stream"}, ok=(201,))
        return d

    def put_manifest(self, repo, tag, data):
        self.call("PUT", "/v2/%s/manifests/%s" % (repo, tag), body=data,
                  headers={"Content-Type": OCI_MANIFEST}, ok=(201,))


def resolve(ref_s):
    """→ (registry, repo, digest, docker-reference) for HOST/REPO:TAG."""
    host, repo, ref = parse_ref(ref_s)
    reg = Registry(host)
    data, _ = reg.get_manifest(repo, ref)
    digest = sha256(data)
    if ref.startswith("sha256:") and ref != digest:
        raise Fail("manifest bytes for %s hash to %s" % (ref_s, digest))
    return reg, repo, digest, host + "/" + repo


def sig_tag(digest):
    alg, hexd = digest.split(":", 1)
    return "%s-%s.sig" % (alg, hexd)


# ---------------------------------------------------------------- keys and signatures

def load_private(path):
    with open(path) as f:
        text = f.read()
    typ, _ = cosignkey.pem_decode(text)
    if typ in cosignkey.TYPES:
        der = cosignkey.decrypt(text, os.environb.get(b"COSIGN_PASSWORD", b""))
        return serialization.load_der_private_key(der, password=None)
    return serialization.load_pem_private_key(text.encode(), password=None)


def load_public(path):
    with open(path, "rb") as f:
        return serialization.load_pem_public_key(f.read())


def sign_bytes(key, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))  # DER
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    raise Fail("unsupported private key type %s" % type(key).__name__)


def verify_bytes(pub, sig, data):
    """cosign verify --key: ECDSA with SHA-256, DER or raw r||s; Ed25519 pure."""
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            try:
                pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
                return True
            except (InvalidSignature, ValueError):
                pass
            n = (pub.curve.key_size + 7) // 8
            if len(sig) == 2 * n:
                raw = encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
                pub.verify(raw, data, ec.ECDSA(hashes.SHA256()))
                return True
            return False
        if isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, data)
            return True
    except InvalidSignature:
        return False
    raise Fail("unsupported public key type %s" % type(pub).__name__)


def parse_annotations(pairs):
    out = {}
    for p in pairs:
        if "=" not in p:
            raise Fail("annotation must be key=value: " + p)
        k, v = p.split("=", 1)
        out[k] = v
    return out


# ---------------------------------------------------------------- commands

def cmd_genkey(prefix):
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pw = os.environb.get(b"COSIGN_PASSWORD", b"")
    text = cosignkey.encrypt(der, pw, n=65536, typ="ENCRYPTED SIGSTORE PRIVATE KEY")
    fd = os.open(prefix + ".key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    with open(prefix + ".pub", "wb") as f:
        f.write(pub)
    sys.stderr.write("Private key written to %s.key\nPublic key written to %s.pub\n" % (prefix, prefix))
    return 0


def read_sig_image(reg, repo, tag):
    """→ (manifest dict or None, config dict or None)."""
    data, _ = reg.get_manifest(repo, tag, allow404=True)
    if data is None:
        return None, None
    man = json.loads(data)
    cfg = json.loads(reg.get_blob(repo, man["config"]["digest"]))
    return man, cfg


def cmd_sign(keyfile, ref_s, annotations, attach_to):
    key = load_private(keyfile)
    reg, repo, digest, docker_ref = resolve(ref_s)
    payload = payload_bytes(docker_ref, digest, annotations or None)
    sig = sign_bytes(key, payload)
    sig_b64 = base64.b64encode(sig).decode()

    # where the signature goes: the image's own .sig tag, or (replay test) another image's
    treg, trepo, tdigest = reg, repo, digest
    if attach_to:
        treg, trepo, tdigest, _ = resolve(attach_to)
    tag = sig_tag(tdigest)

    man, cfg = read_sig_image(treg, trepo, tag)
    layers = []          # (size, digest, annotations)
    created, hist = ZERO_TIME, []
    if man is not None:
        for l in man.get("layers", []):
            layers.append((l["size"], l["digest"], l.get("annotations") or {}))
        created = cfg.get("created", ZERO_TIME)
        hist = [h.get("created", ZERO_TIME) for h in cfg.get("history", [])]
        if len(hist) != len(layers):
            hist = [ZERO_TIME] * len(layers)
    pdigest = sha256(payload)
    pub = key.public_key()
    for size, dg, an in layers:  # cosign's duplicate suppression (formats.md §1.5)
        if dg == pdigest and SIG_ANNOTATION in an:
            try:
                old = base64.b64decode(an[SIG_ANNOTATION])
            except ValueError:
                continue
            if verify_bytes(pub, old, payload):
                sys.stderr.write("signature already present in %s\n" % tag)
                print("%s/%s@%s" % (reg.host, repo, digest))
                return 0
    layers.append((len(payload), pdigest, {SIG_ANNOTATION: sig_b64}))
    hist.append(ZERO_TIME)

    config = config_bytes([d for _, d, _ in layers], created, hist)
    treg.put_blob(trepo, payload)
    treg.put_blob(trepo, config)
    treg.put_manifest(trepo, tag, manifest_bytes(config, layers))
    print("%s/%s@%s" % (reg.host, repo, digest))
    return 0


def cmd_verify(pubfile, ref_s, annotations):
    pub = load_public(pubfile)
    reg, repo, digest, _ = resolve(ref_s)
    data, _ = reg.get_manifest(repo, sig_tag(digest), allow404=True)
    if data is None:
        sys.stderr.write("no signatures found: %s has no %s\n" % (ref_s, sig_tag(digest)))
        return 1
    man = json.loads(data)
    good = []
    for i, l in enumerate(man.get("layers", [])):
        why = None
        payload = None
        if l.get("mediaType") != SIMPLESIGNING:
            why = "media type %s" % l.get("mediaType")
        else:
            payload = reg.get_blob(repo, l["digest"])
            if len(payload) != l.get("size"):
                why = "size %d != descriptor %s" % (len(payload), l.get("size"))
        if why is None:
            try:
                sig = base64.b64decode((l.get("annotations") or {}).get(SIG_ANNOTATION, ""), validate=True)
            except ValueError:
                sig = b""
            if not sig:
                why = "no signature annotation"
            elif not verify_bytes(pub, sig, payload):
                why = "signature does not verify with the key"
        if why is None:
            try:
                p = json.loads(payload)
                crit = p["critical"]
                if crit["type"] != SIG_TYPE:
                    why = "payload type %r" % crit["type"]
                elif crit["image"]["docker-manifest-digest"] != digest:
                    why = "payload names %s, image is %s" % (crit["image"]["docker-manifest-digest"], digest)
                else:
                    opt = p.get("optional") or {}
                    for k, v in annotations.items():
                        if opt.get(k) != v:
                            why = "annotation %s=%r missing (payload has %r)" % (k, v, opt.get(k))
                            break
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                why = "malformed payload: %s" % e
        if why is None:
            good.append(payload)
            sys.stderr.write("layer %d: verified\n" % i)
        else:
            sys.stderr.write("layer %d: rejected: %s\n" % (i, why))
    if not good:
        sys.stderr.write("no matching signatures\n")
        return 1
    sys.stdout.write("[" + ",".join(p.decode() for p in good) + "]\n")
    return 0


def cmd_check_layout(ref_s, annotations):
    reg, repo, digest, docker_ref = resolve(ref_s)
    tag = sig_tag(digest)
    data, ctype = reg.get_manifest(repo, tag, allow404=True)
    if data is None:
        raise Fail("no %s in %s" % (tag, repo))
    problems = []
    if ctype != OCI_MANIFEST:
        problems.append("served Content-Type %r, expected %r" % (ctype, OCI_MANIFEST))
    man = json.loads(data)
    layers = man.get("layers") or []
    if not layers:
        problems.append("no layers")
    want_payload = payload_bytes(docker_ref, digest, annotations or None)
    rebuilt = []
    for i, l in enumerate(layers):
        an = l.get("annotations") or {}
        if set(an) != {SIG_ANNOTATION}:
            problems.append("layer %d annotations %r, expected only %s" % (i, sorted(an), SIG_ANNOTATION))
        payload = reg.get_blob(repo, l["digest"])
        if payload != want_payload:
            problems.append("layer %d payload differs from cosign's template:\n  got  %r\n  want %r"
                            % (i, payload, want_payload))
        # rebuilt from what we downloaded, not from what the descriptor claims
        rebuilt.append((len(payload), sha256(payload), an))
    cfg_got = reg.get_blob(repo, man["config"]["digest"])
    cfg_want = config_bytes([d for _, d, _ in rebuilt])
    if cfg_got != cfg_want:
        problems.append("config differs:\n  got  %r\n  want %r" % (cfg_got, cfg_want))
    man_want = manifest_bytes(cfg_want, rebuilt)
    if data != man_want:
        problems.append("manifest differs:\n  got  %r\n  want %r" % (data, man_want))
    for p in problems:
        sys.stderr.write("check-layout-bytes: " + p + "\n")
    if problems:
        return 1
    sys.stderr.write("check-layout-bytes: %s: manifest (%d B), config (%d B) and %d payload(s) "
                     "are byte-identical to cosign's\n" % (tag, len(data), len(cfg_got), len(layers)))
    return 0


def main(argv):
    args = argv[1:]
    anns, attach = [], None
    rest = []
    i = 0
    while i < len(args):
        if args[i] in ("-a", "--annotations") and i + 1 < len(args):
            anns.append(args[i + 1])
            i += 2
        elif args[i] == "--attach-to" and i + 1 < len(args):
            attach = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    try:
        a = parse_annotations(anns)
        if rest[:1] == ["genkey"] and len(rest) == 2:
            return cmd_genkey(rest[1])
        if rest[:1] == ["sign"] and len(rest) == 3:
            return cmd_sign(rest[1], rest[2], a, attach)
        if rest[:1] == ["verify"] and len(rest) == 3:
            return cmd_verify(rest[1], rest[2], a)
        if rest[:1] == ["check-layout-bytes"] and len(rest) == 2:
            return cmd_check_layout(rest[1], a)
    except (Fail, OSError, ValueError, KeyError) as e:
        sys.stderr.write("cosign_py.py: error: %s\n" % e)
        return 2
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
