#!/usr/bin/env python3
"""Packs a directory into an OCI image layout (one gzip layer), deterministically.

usage: mkimage.py ROOTFS LAYOUT_DIR [TAG] [--layer DIR]... [--push REGISTRY/REPO:TAG]

Same input, same bytes: fixed mtime, uid/gid 0, sorted entries, gzip without timestamp.
Each --layer DIR adds a layer above ROOTFS, in order, packed as is: files named
.wh.NAME and .wh..wh..opq in it are OCI whiteouts.
With --push, the image is also uploaded to a registry over plain HTTP (tests and demo only).
"""
import gzip, hashlib, io, json, os, sys, tarfile, urllib.request

EPOCH = 946684800  # 2000-01-01


def layer_tar(root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                path = os.path.join(dirpath, name)
                arc = os.path.relpath(path, root)
                info = tar.gettarinfo(path, arc)
                info.mtime, info.uid, info.gid, info.uname, info.gname = EPOCH, 0, 0, "root", "root"
                info.mode = 0o755 if (info.isdir() or os.access(path, os.X_OK)) else 0o644
                if info.isfile():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
    return buf.getvalue()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def build(roots):
    layers, diff_ids = [], []
    for root in roots:
        raw = layer_tar(root)
        gz = io.BytesIO()
        with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, compresslevel=9) as g:
            g.write(raw)
        layers.append(gz.getvalue())
        diff_ids.append(sha(raw))
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2000-01-01T00:00:00Z",
        "config": {"Cmd": ["/usr/bin/hello"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2000-01-01T00:00:00Z", "created_by": "mkimage.py"}] * len(roots),
    }, separators=(",", ":"), sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": sha(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": len(l), "digest": sha(l)}
                   for l in layers],
    }, separators=(",", ":")).encode()
    blobs = {sha(l): l for l in layers}
    blobs[sha(config)] = config
    return blobs, manifest


def write_layout(out, blobs, manifest, tag):
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{\n    "imageLayoutVersion": "1.0.0"\n}')
    for d, b in list(blobs.items()) + [(sha(manifest), manifest)]:
        with open(os.path.join(out, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(b)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "size": len(manifest), "digest": sha(manifest),
                            "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, separators=(",", ":"))


def push(target, blobs, manifest):
    host, rest = target.split("/", 1)
    repo, tag = rest.rsplit(":", 1)
    base = f"http://{host}/v2/{repo}"
    for d, b in blobs.items():
        req = urllib.request.Request(f"{base}/blobs/uploads/", method="POST")
        loc = urllib.request.urlopen(req).headers["Location"]
        if loc.startswith("/"):
            loc = f"http://{host}{loc}"
        sep = "&" if "?" in loc else "?"
        req = urllib.request.Request(f"{loc}{sep}digest={d}", data=b, method="PUT",
                                     headers={"Content-Type": "application/octet-stream"})
        urllib.request.urlopen(req)
    req = urllib.request.Request(f"{base}/manifests/{tag}", data=manifest, method="PUT",
                                 headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    urllib.request.urlopen(req)


def main():
    args = sys.argv[1:]
    target = None
    if "--push" in args:
        i = args.index("--push")
        target = args[i + 1]
        del args[i:i + 2]
    extra = []
    while "--layer" in args:
        i = args.index("--layer")
        extra.append(args[i + 1])
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    root, out = args[0], args[1]
    tag = args[2] if len(args) > 2 else "latest"
    blobs, manifest = build([root] + extra)
    if out != "-":
        write_layout(out, blobs, manifest, tag)
    if target:
        push(target, blobs, manifest)
    print(sha(manifest))


if __name__ == "__main__":
    main()
