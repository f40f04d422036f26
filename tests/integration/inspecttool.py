#!/usr/bin/env python3
"""What `sigil tree` and `sigil download` should print, worked out independently of sigil by
reading the registry (plain HTTP on loopback) or the OCI layout directly (formats.md §7.4,
§7.6). For test_inspect.sh.

STORE is HOST/REPO (a registry; referrers from the fallback tag sha256-<hex>, or from the
referrers API with --api) or oci:DIR (a layout).

  inspecttool.py tree STORE DIGEST ARG JSON TEXT [--api]
      Checks sigil's `tree -o json` output (file JSON) and `tree` output (file TEXT) against
      what the store holds for DIGEST (ARG: the image as given to sigil).
  inspecttool.py download STORE DIGEST KIND OUT [PREDICATE_TYPE] [--api]
      Checks `download KIND` output (file OUT): bundles byte for byte as stored (sha256 of
      each line), legacy entries as cosign's Go JSON; prints a summary line.
"""
import base64, hashlib, http.client, json, os, sys

ACCEPT = ("application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,"
          "application/vnd.docker.distribution.manifest.v2+json")
BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"
SIGN = "https://sigstore.dev/cosign/sign/v1"
PRED_ANN = "dev.sigstore.bundle.predicateType"


class Registry:
    def __init__(self, spec, api):
        self.host, self.repo = spec.split("/", 1)
        self.base, self.api = spec, api

    def _get(self, path, accept=ACCEPT):
        c = http.client.HTTPConnection(self.host, timeout=30)
        c.request("GET", path, headers={"Accept": accept})
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status == 404:
            return None
        assert r.status == 200, (path, r.status)
        return data

    def manifest(self, ref):
        return self._get(f"/v2/{self.repo}/manifests/{ref}")

    def blob(self, digest):
        return self._get(f"/v2/{self.repo}/blobs/{digest}", "*/*")

    def referrers(self, digest):
        if self.api:
            data = self._get(f"/v2/{self.repo}/referrers/{digest}",
                             "application/vnd.oci.image.index.v1+json")
            return json.loads(data)["manifests"], "api"
        data = self.manifest(digest.replace(":", "-"))
        return (json.loads(data)["manifests"] if data else []), "tag"


class Layout:
    def __init__(self, spec):
        self.dir = spec[len("oci:"):]
        self.base = spec

    def blob(self, digest):
        p = os.path.join(self.dir, "blobs", *digest.split(":", 1))
        return open(p, "rb").read() if os.path.exists(p) else None

    def manifest(self, ref):
        if ref.startswith("sha256:"):
            return self.blob(ref)
        idx = json.load(open(os.path.join(self.dir, "index.json")))
        for m in idx["manifests"]:
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref:
                return self.blob(m["digest"])
        return None

    def referrers(self, digest):
        data = self.manifest(digest.replace(":", "-"))
        return (json.loads(data)["manifests"] if data else []), "tag"


def store(spec, api):
    return Layout(spec) if spec.startswith("oci:") else Registry(spec, api)


def legacy(s, digest, suffix):
    tag = digest.replace(":", "-") + suffix
    data = s.manifest(tag)
    return tag, (json.loads(data)["layers"] if data else [])


def referrer_list(s, digest):
    descs, via = s.referrers(digest)
    out = []
    for d in sorted(descs, key=lambda d: d["digest"]):
        m = json.loads(s.manifest(d["digest"]))
        at = m.get("artifactType") or d.get("artifactType") or m["config"]["mediaType"]
        out.append({"digest": d["digest"], "artifactType": at,
                    "predicateType": m.get("annotations", {}).get(PRED_ANN), "via": via,
                    "layers": [{"digest": l["digest"], "mediaType": l["mediaType"],
                                "size": l["size"]} for l in m["layers"]],
                    "manifest": m})
    return out, via


def tree(s, digest, arg, json_file, text_file):
    want = {"image": arg, "digest": digest}
    text_sections = []
    for key, suffix, title in (("signatures", ".sig", "\U0001F510 Signatures"),
                               ("attestations", ".att", "\U0001F4BE Attestations"),
                               ("sboms", ".sbom", "\U0001F4E6 SBOMs")):
        tag, layers = legacy(s, digest, suffix)
        ls = []
        for l in layers:
            e = {"digest": l["digest"], "mediaType": l["mediaType"], "size": l["size"]}
            if key == "attestations":
                e["predicateType"] = l.get("annotations", {}).get("predicateType")
            ls.append(e)
        want[key] = {"tag": f"{s.base}:{tag}", "layers": ls}
        if ls:
            text_sections.append((key, f"└── {title} for an image tag: {s.base}:{tag}", ls))
    refs, _ = referrer_list(s, digest)
    want["referrers"] = [{k: r[k] for k in ("digest", "artifactType", "predicateType", "via",
                                            "layers")} for r in refs]
    got = json.load(open(json_file))
    assert got == want, f"tree json differs:\n got  {got}\n want {want}"

    order = {"attestations": 0, "signatures": 1, "sboms": 2}
    lines = [f"\U0001F4E6 Supply Chain Security Related artifacts for an image: {arg}"]

    def layer_lines(ls, notes):
        for i, l in enumerate(ls):
            sym = "   └──" if i == len(ls) - 1 else "   ├──"
            n = f" ({notes[i]})" if notes and notes[i] else ""
            lines.append(f"{sym} \U0001F352 {l['digest']}{n}")

    for key, head, ls in sorted(text_sections, key=lambda t: order[t[0]]):
        lines.append(head)
        layer_lines(ls, [l.get("predicateType") for l in ls] if key == "attestations" else None)
    for r in refs:
        p = f" ({r['predicateType']})" if r["predicateType"] else ""
        lines.append(f"└── \U0001F517 {r['artifactType']} artifacts via OCI referrer: "
                     f"{s.base}@{r['digest']}{p}")
        layer_lines(r["layers"], None)
    if len(lines) == 1:
        lines.append(f"No Supply Chain Security Related Artifacts found for image {arg},")
        lines.append(" start creating one with simply running$ cosign sign <img>")
    want_text = "\n".join(lines) + "\n"
    got_text = open(text_file, encoding="utf-8").read()
    assert got_text == want_text, f"tree text differs:\n{got_text}\n---- want\n{want_text}"
    print(f"tree OK: {len(refs)} referrers")


def statement_type(env):
    try:
        return json.loads(base64.b64decode(env["payload"]))["predicateType"]
    except Exception:
        return None


def download(s, digest, kind, out_file, ptype):
    lines = open(out_file, "rb").read().split(b"\n")
    assert lines[-1] == b"", "output does not end with a newline"
    lines = lines[:-1]
    want = []
    refs, _ = referrer_list(s, digest)
    for r in refs:
        bl = [l for l in r["layers"] if l["mediaType"].startswith(BUNDLE_PREFIX)]
        if len(bl) != 1:
            continue
        raw = s.blob(bl[0]["digest"])
        b = json.loads(raw)
        pt = statement_type(b["dsseEnvelope"]) if "dsseEnvelope" in b else None
        if kind == "signature":
            ok = "messageSignature" in b or pt == SIGN
        elif ptype:
            ok = pt == ptype
        else:
            ok = "dsseEnvelope" in b and pt != SIGN
        if ok:
            want.append(raw)
    nbundles = len(want)
    if kind == "attestation" or not want:
        tag, layers = legacy(s, digest, ".sig" if kind == "signature" else ".att")
        for l in layers:
            blob = s.blob(l["digest"])
            ann = l.get("annotations", {})
            if kind == "signature":
                b = ann.get("dev.sigstore.cosign/bundle")
                want.append(b'{"Base64Signature":' + json.dumps(ann["dev.cosignproject.cosign/signature"]).encode()
                            + b',"Payload":"' + base64.b64encode(blob)
                            + b'","Cert":null,"Chain":null,"Bundle":' + (b.encode() if b else b"null")
                            + b',"RFC3161Timestamp":null}')
            else:
                env = json.loads(blob)
                if ptype and statement_type(env) != ptype:
                    continue
                want.append(json.dumps({"payloadType": env["payloadType"], "payload": env["payload"],
                                        "signatures": [{"keyid": x.get("keyid", ""), "sig": x["sig"]}
                                                       for x in env["signatures"]]},
                                       separators=(",", ":")).encode())
    got = [hashlib.sha256(l).hexdigest() for l in lines]
    exp = [hashlib.sha256(l).hexdigest() for l in want]
    assert got == exp, f"download {kind} differs:\n got  {lines}\n want {want}"
    print(f"download OK: {nbundles} bundles, {len(want) - nbundles} legacy")


def main():
    a = [x for x in sys.argv[1:] if x != "--api"]
    api = "--api" in sys.argv
    if a and a[0] == "tree" and len(a) == 6:
        tree(store(a[1], api), a[2], a[3], a[4], a[5])
    elif a and a[0] == "download" and len(a) in (5, 6):
        download(store(a[1], api), a[2], a[3], a[4], a[5] if len(a) == 6 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
