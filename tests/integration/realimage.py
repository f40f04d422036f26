#!/usr/bin/env python3
"""A real Debian 12 image for sigil sbom's integration test and benchmark.

usage: realimage.py build OUT PACKAGE...   mmdebstrap minbase + PACKAGEs -> OUT/oci (tag v1),
                                           OUT/admindir (the final image's var/lib/dpkg),
                                           OUT/deleted (the package layer 2 deletes: the
                                           first PACKAGE), OUT/mode (mmdebstrap mode used)
       realimage.py unpack LAYOUT DEST     the squashed filesystem of LAYOUT's image into
                                           DEST (whiteouts applied; devices, fifos skipped)
       realimage.py docker-archive LAYOUT FILE
                                           what `docker save` writes (legacy layout:
                                           manifest.json, <id>.json, <id>/layer.tar)

Layers: 0 = the mmdebstrap tarball as it is (gzip), 1 = whiteouts for every file of the
deleted package (its dpkg info files too), 2 = var/lib/dpkg/status without it. The mirror
is the machine's apt configuration (/etc/apt/sources.list.d/*.sources, else sources.list).
mmdebstrap modes are tried in order unshare, root (as root), fakechroot; the build fails
(exit 1) if none works.
"""
import glob, gzip, hashlib, io, json, os, shutil, subprocess, sys, tarfile

EPOCH = 946684800


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest(), os.path.getsize(path)


def mirrors():
    srcs = sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
    debian = [s for s in srcs if "debian" in open(s).read()]
    if debian:
        return debian[:1]
    if os.path.exists("/etc/apt/sources.list"):
        return ["/etc/apt/sources.list"]
    return []


def mmdebstrap(out_tar, packages, log):
    modes = ["unshare"] + (["root"] if os.geteuid() == 0 else []) + ["fakechroot"]
    for mode in modes:
        cmd = ["mmdebstrap", "--mode=" + mode, "--variant=minbase",
               "--include=" + ",".join(packages), "--aptopt=APT::Install-Recommends \"false\"",
               "bookworm", out_tar] + mirrors()
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
        with open(log, "a") as lf:
            lf.write("$ " + " ".join(cmd) + "\n")
            lf.flush()
            r = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env)
        if r.returncode == 0 and os.path.exists(out_tar):
            return mode
    sys.exit("realimage.py: mmdebstrap failed in every mode (%s); see %s" % (", ".join(modes), log))


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    return name.strip("/")


def add(tar, name, data=None, mode=0o644, typ=tarfile.REGTYPE):
    i = tarfile.TarInfo(name)
    i.mtime, i.uid, i.gid, i.uname, i.gname, i.mode, i.type = EPOCH, 0, 0, "root", "root", mode, typ
    if data is None:
        tar.addfile(i)
    else:
        i.size = len(data)
        tar.addfile(i, io.BytesIO(data))


def read_base(base_tar, victim):
    """Regular files and symlinks of the base, the victim's file list, dpkg status."""
    kinds, listed, status = {}, [], None
    with tarfile.open(base_tar) as t:
        for m in t:
            n = norm(m.name)
            kinds[n] = "d" if m.isdir() else "f"
            if n == "var/lib/dpkg/info/%s.list" % victim:
                listed = t.extractfile(m).read().decode().split("\n")
            elif n == "var/lib/dpkg/status":
                status = t.extractfile(m).read()
    return kinds, listed, status


def drop_stanza(status, victim):
    keep = [s for s in status.decode().split("\n\n")
            if s.strip() and not s.startswith("Package: %s\n" % victim)]
    return ("\n\n".join(keep) + "\n").encode()


def whiteout_layer(kinds, listed, victim):
    gone = sorted({norm(p) for p in listed if norm(p) and kinds.get(norm(p)) == "f"} |
                  {n for n in kinds if n.startswith("var/lib/dpkg/info/%s." % victim)})
    if not gone:
        sys.exit("realimage.py: %s has no files to delete" % victim)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for p in gone:
            d, b = os.path.split(p)
            add(t, os.path.join(d, ".wh." + b), b"")
    return buf.getvalue(), gone


def status_layer(status):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        add(t, "var/lib/dpkg/status", status)
    return buf.getvalue()


def gz_file(src, dst):
    with open(src, "rb") as f, open(dst, "wb") as o:
        with gzip.GzipFile(fileobj=o, mode="wb", mtime=0, compresslevel=6, filename="") as g:
            shutil.copyfileobj(f, g, 1 << 20)


def write_layout(out, layer_files, diff_ids):
    bdir = os.path.join(out, "blobs", "sha256")
    os.makedirs(bdir, exist_ok=True)
    descs = []
    for path in layer_files:
        d, n = file_sha(path)
        shutil.move(path, os.path.join(bdir, d[7:]))
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": n,
                      "digest": d})
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2000-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/bash"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2000-01-01T00:00:00Z", "created_by": "realimage.py"}] * len(descs),
    }, separators=(",", ":"), sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config),
                   "digest": sha(config)},
        "layers": descs}, separators=(",", ":")).encode()
    for b in (config, manifest):
        open(os.path.join(bdir, sha(b)[7:]), "wb").write(b)
    open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
    json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "size": len(manifest), "digest": sha(manifest),
                              "annotations": {"org.opencontainers.image.ref.name": "v1"}}]},
              open(os.path.join(out, "index.json"), "w"), separators=(",", ":"))


def admindir(base_tar, dest, status, victim):
    with tarfile.open(base_tar) as t:
        for m in t:
            n = norm(m.name)
            if not n.startswith("var/lib/dpkg/") or not m.isfile():
                continue
            rel = n[len("var/lib/dpkg/"):]
            if rel.startswith("info/%s." % victim):
                continue
            p = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "wb").write(t.extractfile(m).read())
    open(os.path.join(dest, "status"), "wb").write(status)


def build(out, packages):
    victim = packages[0]
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    base = os.path.join(tmp, "base.tar")
    mode = mmdebstrap(base, packages, os.path.join(tmp, "mmdebstrap.log"))
    kinds, listed, status = read_base(base, victim)
    if status is None or ("Package: %s\n" % victim).encode() not in status:
        sys.exit("realimage.py: %s is not in the image's dpkg status" % victim)
    wh, gone = whiteout_layer(kinds, listed, victim)
    st = status_layer(drop_stanza(status, victim))
    diff_ids = [file_sha(base)[0], sha(wh), sha(st)]
    layers = [os.path.join(tmp, "l%d.tar.gz" % i) for i in range(3)]
    gz_file(base, layers[0])
    for raw, path in ((wh, layers[1]), (st, layers[2])):
        open(path, "wb").write(gzip.compress(raw, compresslevel=6, mtime=0))
    admindir(base, os.path.join(tmp, "admindir"), drop_stanza(status, victim), victim)
    os.remove(base)
    write_layout(os.path.join(tmp, "oci"), layers, diff_ids)
    open(os.path.join(tmp, "deleted"), "w").write(victim + "\n")
    open(os.path.join(tmp, "deleted-files"), "w").write("\n".join(gone) + "\n")
    open(os.path.join(tmp, "mode"), "w").write(mode + "\n")
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


def image(layout):
    idx = json.load(open(os.path.join(layout, "index.json")))
    blob = lambda d: os.path.join(layout, "blobs", "sha256", d.split(":", 1)[1])
    man = json.load(open(blob(idx["manifests"][0]["digest"])))
    return blob, man


def unpack(layout, dest):
    blob, man = image(layout)
    os.makedirs(dest, exist_ok=True)
    for desc in man["layers"]:
        with tarfile.open(blob(desc["digest"]), "r:*") as t:
            for m in t:
                n = norm(m.name)
                if not n:
                    continue
                d, b = os.path.split(n)
                p = os.path.join(dest, n)
                if b == ".wh..wh..opq":
                    for c in os.listdir(os.path.join(dest, d)) if os.path.isdir(os.path.join(dest, d)) else []:
                        rm(os.path.join(dest, d, c))
                    continue
                if b.startswith(".wh."):
                    rm(os.path.join(dest, d, b[4:]))
                    continue
                if not (m.isdir() or m.isfile() or m.issym() or m.islnk()):
                    continue
                if os.path.lexists(p) and not (m.isdir() and os.path.isdir(p) and not os.path.islink(p)):
                    rm(p)
                t.extract(m, dest, set_attrs=m.isdir() is False and not m.issym(),
                          numeric_owner=True)


def rm(p):
    if os.path.islink(p) or not os.path.isdir(p):
        if os.path.lexists(p):
            os.remove(p)
    else:
        shutil.rmtree(p)


def docker_archive(layout, out):
    """docker save's legacy form: <n>/layer.tar (uncompressed), <config hex>.json, manifest.json."""
    blob, man = image(layout)
    cfg = open(blob(man["config"]["digest"]), "rb").read()
    chex = man["config"]["digest"].split(":", 1)[1]
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        names = []
        for i, desc in enumerate(man["layers"]):
            raw = gzip.open(blob(desc["digest"])).read()
            name = "%064x/layer.tar" % (i + 1)
            add(t, os.path.dirname(name), mode=0o755, typ=tarfile.DIRTYPE)
            add(t, name, raw)
            names.append(name)
        add(t, chex + ".json", cfg)
        add(t, "manifest.json", json.dumps([{"Config": chex + ".json", "RepoTags": ["real:v1"],
                                              "Layers": names}]).encode())


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "build":
        build(a[1], a[2:])
    elif len(a) == 3 and a[0] == "unpack":
        unpack(a[1], a[2])
    elif len(a) == 3 and a[0] == "docker-archive":
        docker_archive(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
