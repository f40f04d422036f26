#!/usr/bin/env python3
"""Pushes N distinct small images (one shared layer, distinct configs) to REGISTRY/REPO:t0..tN-1.
Prints nothing; used by the benchmarks. usage: push_many.py REGISTRY REPO N"""
import hashlib, http.client, json, sys

host, repo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection(host)


def req(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status}")
    return r


def blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    r = req("POST", f"/v2/{repo}/blobs/uploads/")
    loc = r.getheader("Location")
    if loc.startswith("http"):
        loc = "/" + loc.split("/", 3)[3]
    sep = "&" if "?" in loc else "?"
    req("PUT", f"{loc}{sep}digest={d}", data, {"Content-Type": "application/octet-stream"})
    return d


layer = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"
ld = blob(layer)
for i in range(n):
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"n": str(i)}},
                      "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
    cd = blob(cfg)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(cfg), "digest": cd},
                      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": len(layer), "digest": ld}]}).encode()
    req("PUT", f"/v2/{repo}/manifests/t{i}", man, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
