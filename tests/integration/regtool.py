#!/usr/bin/env python3
"""Small registry surgery for tests (plain HTTP on loopback): read and rewrite objects the way
an attacker with push access could.

  regtool.py get-manifest HOST REPO REF            -> manifest bytes on stdout
  regtool.py put-manifest HOST REPO REF FILE       -> PUT FILE as an OCI manifest
  regtool.py put-blob HOST REPO FILE               -> uploads FILE, prints its digest
  regtool.py get-blob HOST REPO DIGEST             -> blob bytes on stdout
  regtool.py tamper HOST REPO SIGTAG WHAT [DEST]   -> rewrites the .sig image:
        WHAT = payload (flip a byte of the newest payload, keep its signature)
               signature (flip a byte of the newest signature)
               copy (copy the .sig manifest as-is to tag DEST)
  regtool.py att HOST REPO ATTTAG WHAT             -> rewrites the newest envelope of an .att image:
        WHAT = payload (change the statement inside, keep the signature)
               sig (flip a byte of the first signature)
               type (change the payloadType, keep the signature)
               nosig (empty the signature list)
               twosig (put a corrupted copy of the signature before the good one)
               dup (repeat the "payload" key: a duplicate-key envelope)
"""
import base64, hashlib, http.client, json, sys

ACCEPT = ("application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,"
          "application/vnd.docker.distribution.manifest.v2+json")


def call(host, method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: HTTP {r.status} {data[:200]!r}")
    return r, data


def get_manifest(host, repo, ref):
    return call(host, "GET", f"/v2/{repo}/manifests/{ref}", headers={"Accept": ACCEPT})[1]


def put_manifest(host, repo, ref, data):
    call(host, "PUT", f"/v2/{repo}/manifests/{ref}", data,
         {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})


def put_blob(host, repo, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    r, _ = call(host, "POST", f"/v2/{repo}/blobs/uploads/")
    loc = r.getheader("Location")
    if loc.startswith("http"):
        loc = "/" + loc.split("/", 3)[3]
    sep = "&" if "?" in loc else "?"
    call(host, "PUT", f"{loc}{sep}digest={d}", data, {"Content-Type": "application/octet-stream"})
    return d


def get_blob(host, repo, digest):
    return call(host, "GET", f"/v2/{repo}/blobs/{digest}")[1]


def tamper(host, repo, tag, what, dest=None):
    man = json.loads(get_manifest(host, repo, tag))
    layer = man["layers"][-1]  # the newest signature
    if what == "payload":
        p = bytearray(get_blob(host, repo, layer["digest"]))
        i = p.find(b"sha256:") + 10
        p[i] = ord("0") if p[i] != ord("0") else ord("1")
        layer["digest"] = put_blob(host, repo, bytes(p))
        layer["size"] = len(p)
    elif what == "signature":
        sig = bytearray(base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"]))
        sig[len(sig) // 2] ^= 1
        layer["annotations"]["dev.cosignproject.cosign/signature"] = base64.b64encode(bytes(sig)).decode()
    elif what == "copy":
        put_manifest(host, repo, dest, get_manifest(host, repo, tag))
        return
    put_manifest(host, repo, tag, json.dumps(man, separators=(",", ":")).encode())


def att(host, repo, tag, what):
    man = json.loads(get_manifest(host, repo, tag))
    layer = man["layers"][-1]  # the newest attestation
    env = json.loads(get_blob(host, repo, layer["digest"]))
    if what == "payload":
        st = json.loads(base64.b64decode(env["payload"]))
        st["predicate"] = {"tampered": True}
        env["payload"] = base64.b64encode(json.dumps(st, separators=(",", ":")).encode()).decode()
    elif what in ("sig", "twosig"):
        sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
        sig[len(sig) // 2] ^= 1
        bad = {"keyid": "", "sig": base64.b64encode(bytes(sig)).decode()}
        env["signatures"] = [bad] if what == "sig" else [bad] + env["signatures"]
    elif what == "type":
        env["payloadType"] = "application/vnd.in-toto.evil+json"
    elif what == "nosig":
        env["signatures"] = []
    body = json.dumps(env, separators=(",", ":")).encode()
    if what == "dup":
        body = body.replace(b'"payload":', b'"payload":"e30=","payload":', 1)
    layer["digest"] = put_blob(host, repo, body)
    layer["size"] = len(body)
    put_manifest(host, repo, tag, json.dumps(man, separators=(",", ":")).encode())


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd = a[0]
    if cmd == "get-manifest":
        sys.stdout.buffer.write(get_manifest(a[1], a[2], a[3]))
    elif cmd == "put-manifest":
        put_manifest(a[1], a[2], a[3], open(a[4], "rb").read())
    elif cmd == "put-blob":
        print(put_blob(a[1], a[2], open(a[3], "rb").read()))
    elif cmd == "get-blob":
        sys.stdout.buffer.write(get_blob(a[1], a[2], a[3]))
    elif cmd == "tamper":
        tamper(a[1], a[2], a[3], a[4], a[5] if len(a) > 5 else None)
    elif cmd == "att":
        att(a[1], a[2], a[3], a[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
