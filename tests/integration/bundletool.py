#!/usr/bin/env python3
"""Sigstore bundles and OCI referrers written and read independently of sigil (formats.md §5),
with Python's `cryptography`, for the integration tests.

  bundletool.py check HOST REPO DIGEST PUBKEY [API]
      Reads every sigstore-bundle referrer of DIGEST (from the fallback tag sha256-<hex>, or
      with API from GET /v2/REPO/referrers/DIGEST), checks the manifest's exact shape
      (cosign v3's, §5.3), the bundle's shape and hint, the DSSE signature over PAE with
      PUBKEY, and that the statement's subject names DIGEST. Prints one line per bundle:
      "<manifest digest> <predicateType> OK" (or BAD when the signature does not verify with
      PUBKEY: another signer's bundle). Any deviation in shape is an error.
  bundletool.py attach-file HOST REPO DIGEST BUNDLE.json
      Attaches the bundle file's bytes as they are (e.g. one sigstore-js wrote), with the
      predicateType annotation read from its statement when it is a DSSE bundle.
  bundletool.py attach HOST REPO DIGEST KEYFILE MODE
      Builds a bundle signed with KEYFILE (cosign format, password in $COSIGN_PASSWORD) and
      attaches it as a referrer of DIGEST (fallback tag index, keeping other entries).
      MODE: good | other-subject | zero-sigs | two-sigs | payload-type | media-type |
            message | message-bad | foreign
      Prints the referrer manifest's digest.
"""
import base64, hashlib, http.client, json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cosign_py  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
EMPTY = "application/vnd.oci.empty.v1+json"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INTOTO = "application/vnd.in-toto+json"
ACCEPT = ",".join([MANIFEST, INDEX, "application/vnd.docker.distribution.manifest.v2+json"])


def call(host, method, path, body=None, headers=None, ok=(200, 201, 202)):
    c = http.client.HTTPConnection(host, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status not in ok:
        raise SystemExit(f"{method} {path}: HTTP {r.status} {data[:200]!r}")
    return r, data


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def get_manifest(host, repo, ref):
    r, data = call(host, "GET", f"/v2/{repo}/manifests/{ref}", headers={"Accept": ACCEPT},
                   ok=(200, 404))
    return (data, r.getheader("Content-Type")) if r.status == 200 else (None, None)


def put_manifest(host, repo, ref, data, ctype):
    call(host, "PUT", f"/v2/{repo}/manifests/{ref}", data, {"Content-Type": ctype})


def put_blob(host, repo, data):
    d = sha256(data)
    r, _ = call(host, "POST", f"/v2/{repo}/blobs/uploads/")
    loc = r.getheader("Location")
    if loc.startswith("http"):
        loc = "/" + loc.split("/", 3)[3]
    sep = "&" if "?" in loc else "?"
    call(host, "PUT", f"{loc}{sep}digest={d}", data, {"Content-Type": "application/octet-stream"})
    return d


def get_blob(host, repo, digest):
    return call(host, "GET", f"/v2/{repo}/blobs/{digest}")[1]


def b64(b):
    return base64.b64encode(b).decode()


def pae(ptype, body):
    return b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body)


def hint(pub):
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64(hashlib.sha256(der).digest())


def fallback_tag(digest):
    return digest.replace(":", "-")


def referrers(host, repo, digest, api):
    if api:  # every page, following Link: <...>; rel="next"
        out, path = [], f"/v2/{repo}/referrers/{digest}"
        while path:
            r, data = call(host, "GET", path, headers={"Accept": INDEX})
            assert r.getheader("Content-Type").startswith(INDEX), r.getheader("Content-Type")
            idx = json.loads(data)
            assert idx["schemaVersion"] == 2 and idx["mediaType"] == INDEX, idx
            out += idx["manifests"]
            link = r.getheader("Link") or ""
            path = link[link.index("<") + 1:link.index(">")] if 'rel="next"' in link else None
        return out
    else:
        data, ctype = get_manifest(host, repo, fallback_tag(digest))
        if data is None:
            return []
        assert ctype == INDEX, ctype
    idx = json.loads(data)
    assert idx["schemaVersion"] == 2 and idx["mediaType"] == INDEX, idx
    if not api:
        ds = [m["digest"] for m in idx["manifests"]]
        assert ds == sorted(ds), "fallback index not sorted by digest"
    return idx["manifests"]


def check(host, repo, digest, pubfile, api=False):
    pub = cosign_py.load_public(pubfile)
    subj_raw, subj_type = get_manifest(host, repo, digest)
    for d in referrers(host, repo, digest, api):
        if d.get("artifactType") != BUNDLE:
            continue
        raw, _ = get_manifest(host, repo, d["digest"])
        assert sha256(raw) == d["digest"] and len(raw) == d["size"], d
        m = json.loads(raw)
        assert list(m) == ["schemaVersion", "mediaType", "config", "layers", "annotations",
                           "subject", "artifactType"], list(m)
        assert m["config"] == {"mediaType": EMPTY, "size": 2, "digest": EMPTY_DIGEST,
                               "artifactType": BUNDLE}, m["config"]
        assert m["artifactType"] == BUNDLE
        assert m["subject"] == {"mediaType": json.loads(subj_raw)["mediaType"],
                                "size": len(subj_raw), "digest": digest}, m["subject"]
        assert len(m["layers"]) == 1 and m["layers"][0]["mediaType"] == BUNDLE, m["layers"]
        ann = m["annotations"]
        assert ann["dev.sigstore.bundle.content"] == "dsse-envelope", ann
        time.strptime(ann["org.opencontainers.image.created"], "%Y-%m-%dT%H:%M:%SZ")
        assert get_blob(host, repo, EMPTY_DIGEST) == b"{}"
        braw = get_blob(host, repo, m["layers"][0]["digest"])
        assert sha256(braw) == m["layers"][0]["digest"]
        b = json.loads(braw)
        assert list(b) == ["mediaType", "verificationMaterial", "dsseEnvelope"], list(b)
        assert b["mediaType"] == BUNDLE
        assert list(b["verificationMaterial"]) == ["publicKey"], b
        assert list(b["verificationMaterial"]["publicKey"]) == ["hint"], b
        env = b["dsseEnvelope"]
        assert list(env) == ["payload", "payloadType", "signatures"], list(env)
        assert env["payloadType"] == INTOTO and len(env["signatures"]) == 1, env
        body = base64.b64decode(env["payload"])
        good = cosign_py.verify_bytes(pub, base64.b64decode(env["signatures"][0]["sig"]),
                                      pae(INTOTO.encode(), body))
        if not good:
            print(d["digest"], json.loads(body)["predicateType"], "BAD")
            continue
        assert b["verificationMaterial"]["publicKey"]["hint"] == hint(pub), b
        st = json.loads(body)
        assert {"sha256": digest.split(":")[1]} in [s["digest"] for s in st["subject"]], st
        assert ann["dev.sigstore.bundle.predicateType"] == st["predicateType"], ann
        if st["predicateType"] == "https://sigstore.dev/cosign/sign/v1":
            assert list(st) == ["_type", "subject", "predicateType", "predicate"], list(st)
            assert st["_type"] == "https://in-toto.io/Statement/v1" and st["predicate"] == {}, st
            assert list(st["subject"][0]) == ["digest", "annotations"], st["subject"]
        print(d["digest"], st["predicateType"], "OK")


def add_to_fallback(host, repo, subject, desc):
    tag = fallback_tag(subject)
    data, _ = get_manifest(host, repo, tag)
    idx = json.loads(data) if data else {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}
    idx["manifests"] = sorted(idx["manifests"] + [desc], key=lambda m: m["digest"])
    put_manifest(host, repo, tag, json.dumps(idx, separators=(",", ":")).encode(), INDEX)


def attach_raw(host, repo, digest, braw, ptype):
    subj_raw, _ = get_manifest(host, repo, digest)
    put_blob(host, repo, b"{}")
    bdigest = put_blob(host, repo, braw)
    subj = {"mediaType": json.loads(subj_raw)["mediaType"], "size": len(subj_raw), "digest": digest}
    man = {"schemaVersion": 2, "mediaType": MANIFEST,
           "config": {"mediaType": EMPTY, "size": 2, "digest": EMPTY_DIGEST},
           "layers": [{"mediaType": BUNDLE, "size": len(braw), "digest": bdigest}],
           "annotations": {"dev.sigstore.bundle.content": "dsse-envelope",
                           "dev.sigstore.bundle.predicateType": ptype},
           "subject": subj, "artifactType": BUNDLE}
    mraw = json.dumps(man, separators=(",", ":")).encode()
    mdigest = sha256(mraw)
    put_manifest(host, repo, mdigest, mraw, MANIFEST)
    add_to_fallback(host, repo, digest, {"mediaType": MANIFEST, "size": len(mraw),
                                         "digest": mdigest, "artifactType": BUNDLE})
    print(mdigest)


def attach_file(host, repo, digest, path):
    braw = open(path, "rb").read()
    b = json.loads(braw)
    ptype = "https://sigstore.dev/cosign/sign/v1"
    if "dsseEnvelope" in b:
        ptype = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))["predicateType"]
    attach_raw(host, repo, digest, braw, ptype)


def attach(host, repo, digest, keyfile, mode):
    key = cosign_py.load_private(keyfile)
    subj_raw, _ = get_manifest(host, repo, digest)
    target = digest
    if mode == "other-subject":
        target = "sha256:" + "ab" * 32
    st = {"_type": "https://in-toto.io/Statement/v1",
          "subject": [{"digest": {"sha256": target.split(":")[1]}, "annotations": {}}],
          "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": {}}
    body = json.dumps(st, separators=(",", ":")).encode()
    ptype = INTOTO if mode != "payload-type" else "application/json"
    sig = cosign_py.sign_bytes(key, pae(ptype.encode(), body))
    sigs = [{"sig": b64(sig)}]
    if mode == "zero-sigs":
        sigs = []
    elif mode == "two-sigs":
        sigs = [{"sig": b64(sig)}, {"sig": b64(b"\x30\x06\x02\x01\x01\x02\x01\x01")}]
    bundle = {"mediaType": BUNDLE if mode != "media-type" else
              "application/vnd.dev.sigstore.bundle.v0.9+json",
              "verificationMaterial": {"publicKey": {"hint": hint(key.public_key())}}}
    if mode.startswith("message"):
        msg = subj_raw if mode == "message" else subj_raw + b" "
        bundle["messageSignature"] = {
            "messageDigest": {"algorithm": "SHA2_256",
                              "digest": b64(hashlib.sha256(subj_raw).digest())},
            "signature": b64(cosign_py.sign_bytes(key, msg))}
    else:
        bundle["dsseEnvelope"] = {"payload": b64(body), "payloadType": ptype, "signatures": sigs}
    braw = json.dumps(bundle).encode()  # Python's ", " and ": " spacing: parsers must not mind
    put_blob(host, repo, b"{}")
    bdigest = put_blob(host, repo, braw)
    subj = {"mediaType": json.loads(subj_raw)["mediaType"], "size": len(subj_raw), "digest": digest}
    if mode == "foreign":  # an unrelated referrer (an SBOM) that must survive updates
        man = {"schemaVersion": 2, "mediaType": MANIFEST,
               "config": {"mediaType": EMPTY, "size": 2, "digest": EMPTY_DIGEST},
               "layers": [{"mediaType": "application/spdx+json", "size": len(braw),
                           "digest": bdigest}],
               "subject": subj, "artifactType": "application/spdx+json",
               "annotations": {"org.example.note": "foreign"}}
    else:
        man = {"schemaVersion": 2, "mediaType": MANIFEST,
               "config": {"mediaType": EMPTY, "size": 2, "digest": EMPTY_DIGEST,
                          "artifactType": BUNDLE},
               "layers": [{"mediaType": BUNDLE, "size": len(braw), "digest": bdigest}],
               "annotations": {"dev.sigstore.bundle.content": "dsse-envelope",
                               "dev.sigstore.bundle.predicateType":
                                   "https://sigstore.dev/cosign/sign/v1"},
               "subject": subj, "artifactType": BUNDLE}
    mraw = json.dumps(man, separators=(",", ":")).encode()
    mdigest = sha256(mraw)
    put_manifest(host, repo, mdigest, mraw, MANIFEST)
    add_to_fallback(host, repo, digest, {"mediaType": MANIFEST, "size": len(mraw),
                                         "digest": mdigest,
                                         "artifactType": man["artifactType"]})
    print(mdigest)


def main(a):
    if len(a) >= 5 and a[0] == "check":
        check(a[1], a[2], a[3], a[4], len(a) > 5 and a[5] == "API")
    elif len(a) == 5 and a[0] == "attach-file":
        attach_file(*a[1:])
    elif len(a) == 6 and a[0] == "attach":
        attach(*a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
