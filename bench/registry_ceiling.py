#!/usr/bin/env python3
"""Baseline for bench/sign-bulk.sh: the registry requests that signing N images needs, made by a
minimal client with no crypto, over W parallel keep-alive connections (no waiting between write and re-read). For each image:
GET manifest, POST+PUT payload blob, GET .sig (404), POST+PUT config blob, PUT .sig manifest,
GET .sig again (the read-after-write that keeps concurrent signers from losing signatures).
Prints the seconds taken. usage: registry_ceiling.py REGISTRY REPO N W"""
import hashlib, http.client, json, sys, threading, time

host, repo, n, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
MT = "application/vnd.oci.image.manifest.v1+json"


def worker(ids):
    c = http.client.HTTPConnection(host)

    def req(method, path, body=None, headers=None, ok=(200, 201, 202, 404)):
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        r.read()
        if r.status not in ok:
            sys.exit(f"{method} {path}: {r.status}")
        return r

    def blob(data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        loc = req("POST", f"/v2/{repo}/blobs/uploads/").getheader("Location")
        if loc.startswith("http"):
            loc = "/" + loc.split("/", 3)[3]
        req("PUT", f"{loc}{'&' if '?' in loc else '?'}digest={d}", data,
            {"Content-Type": "application/octet-stream"})
        return d

    for i in ids:
        r = c.request("GET", f"/v2/{repo}/manifests/t{i}", headers={"Accept": MT})
        r = c.getresponse()
        man = r.read()
        dg = "sha256:" + hashlib.sha256(man).hexdigest()
        payload = json.dumps({"critical": {"identity": {"docker-reference": repo},
                              "image": {"docker-manifest-digest": dg},
                              "type": "cosign container image signature"}, "optional": None}).encode()
        pd = blob(payload)
        tag = dg.replace(":", "-") + ".base"
        req("GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": MT})
        cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": [pd]}}).encode()
        cd = blob(cfg)
        m = json.dumps({"schemaVersion": 2, "mediaType": MT,
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(cfg), "digest": cd},
                        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "size": len(payload), "digest": pd,
                                    "annotations": {"dev.cosignproject.cosign/signature": "x"}}]}).encode()
        req("PUT", f"/v2/{repo}/manifests/{tag}", m, {"Content-Type": MT})
        req("GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": MT})


t0 = time.monotonic()
threads = [threading.Thread(target=worker, args=(range(k, n, w),)) for k in range(w)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"{time.monotonic() - t0:.3f}")
