#!/usr/bin/env bash
# sigil sbom on a two-layer Debian-like image built from tests/data/sbom/ (real dpkg entries,
# md5sums and copyright files of Debian 12): the upper layer removes a package with
# whiteouts and upgrades another. An image with the Go, Rust and Java fixtures of
# tests/data/sbom/bin (and Debian's docker-registry, a real Go binary, when installed): its
# upper layer deletes one binary and replaces another. A Fedora image with a real
# rpmdb.sqlite (tests/data/sbom/rpm), a garbage one and a BerkeleyDB one. CycloneDX 1.6 checked against the
# schema of @cyclonedx/cyclonedx-library (tests/js); --attest then verify-attestation. Checks the SPDX against the 2.3 JSON schema, the package
# set, purls, licences, files and layers; byte-identical output; an index with platforms;
# a registry copy; broken or hostile layers; the progress line on a pseudo-terminal (and
# none with --quiet), with the same output; --scope all-layers on the two-layer and the
# binaries images (what the upper layers removed or replaced is listed too).
. "$(dirname "$0")/harness.sh"
. "$HERE/lib.sh"

DATA="$ROOT/tests/data/sbom"
SCHEMA="${SIGIL_SHARED:-$ROOT/../shared}/schemas/spdx-2.3-schema.json"
export SOURCE_DATE_EPOCH=946684800

d=$("$PY" "$ROOT/scripts/mkimage.py" "$DATA/base" "$T/img" v1 --layer "$DATA/upgrade")
IMG="oci:$T/img:v1"

# sbomcheck.py MODE FILE [ARGS]: the SPDX checks, one assertion message on failure.
cat >"$T/sbomcheck.py" <<'PY'
import hashlib, json, os, sys

mode, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
pk = {p["name"]: p for p in doc["packages"]}
files = {f["fileName"]: f for f in doc.get("files", [])}
ids = {p["SPDXID"]: p for p in doc["packages"]}
ids.update({f["SPDXID"]: f for f in doc.get("files", [])})
rels = [(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in doc["relationships"]]


def fail(msg):
    sys.exit("FAIL: " + msg)


def purl(p):
    refs = [r["referenceLocator"] for r in p.get("externalRefs", [])
            if r["referenceCategory"] == "PACKAGE-MANAGER" and r["referenceType"] == "purl"]
    return refs[0] if len(refs) == 1 else None


def contains(p):
    return sorted(ids[t]["fileName"] for f, k, t in rels if f == p["SPDXID"] and k == "CONTAINS"
                  and t in ids and "fileName" in ids[t])


def ann(p, key):
    for a in p.get("annotations", []):
        if a["comment"].startswith("sigil:" + key + " "):
            return int(a["comment"].split()[1])
    return None


if mode == "schema":
    import jsonschema
    schema = json.load(open(sys.argv[3]))
    errs = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
    if errs:
        fail("%d schema errors, first: %s at %s" % (len(errs), errs[0].message,
                                                     list(errs[0].absolute_path)))
    # every id referenced exists; every LicenseRef used is defined
    known = set(ids) | {"SPDXRef-DOCUMENT"}
    for r in rels:
        if r[0] not in known or r[2] not in known:
            fail("relationship to an unknown id: %r" % (r,))
    text = json.dumps(doc["packages"])
    defined = {x["licenseId"] for x in doc.get("hasExtractedLicensingInfos", [])}
    import re
    used = set(re.findall(r"LicenseRef-[A-Za-z0-9.-]+", text))
    if used != defined:
        fail("LicenseRefs used %s, defined %s" % (sorted(used), sorted(defined)))
    if len(ids) != len(doc["packages"]) + len(doc.get("files", [])):
        fail("duplicate SPDXIDs")

elif mode == "packages":
    want = dict(a.split("=", 1) for a in sys.argv[3:])
    got = {n: p.get("versionInfo") for n, p in pk.items()
           if n not in ("debian",) and p.get("primaryPackagePurpose") != "CONTAINER"}
    if got != want:
        fail("packages %s, wanted %s" % (got, want))

elif mode == "upgrade":
    distro = "distro=debian-12.11"
    exp = {
        "base-files": ("pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64&" + distro,
                       "GPL-2.0-or-later", 0),
        "netbase": ("pkg:deb/debian/netbase@6.4?arch=all&" + distro, "GPL-2.0-only", 0),
        "zlib1g": ("pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&" + distro + "&upstream=zlib",
                   "Zlib", 0),
        "libzstd1": ("pkg:deb/debian/libzstd1@1.5.5%2Bdfsg2-2?arch=amd64&" + distro +
                     "&upstream=libzstd", "(BSD-3-Clause OR GPL-2.0-only) AND Zlib AND MIT", 1),
    }
    for n, (u, lic, intro) in exp.items():
        p = pk[n]
        if purl(p) != u:
            fail("%s purl %s != %s" % (n, purl(p), u))
        if p["licenseDeclared"] != lic:
            fail("%s licence %s != %s" % (n, p["licenseDeclared"], lic))
        if ann(p, "introduced-layer") != intro or ann(p, "evidence-layer") != 1:
            fail("%s layers introduced=%s evidence=%s" % (n, ann(p, "introduced-layer"),
                                                           ann(p, "evidence-layer")))
        if not p["supplier"].startswith("Person: "):
            fail("%s supplier %s" % (n, p["supplier"]))
    # whited-out and replaced files are gone, their replacements are there
    for gone in ["./etc/mime.types", "./usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4",
                 "./usr/share/doc/libzstd1/changelog.gz", "./usr/share/bug/media-types/presubj",
                 "./usr/share/doc/media-types/copyright"]:
        if gone in files:
            fail(gone + " is still listed")
    if contains(pk["libzstd1"]) != ["./usr/lib/x86_64-linux-gnu/libzstd.so.1.5.5",
                                    "./usr/share/doc/libzstd1/changelog.Debian.gz",
                                    "./usr/share/doc/libzstd1/copyright"]:
        fail("libzstd1 contains %s" % contains(pk["libzstd1"]))
    f = files["./usr/lib/x86_64-linux-gnu/libzstd.so.1.5.5"]
    if not f["comment"].startswith("layer 1 sha256:"):
        fail("libzstd.so.1.5.5 comment " + f["comment"])
    # /lib is a symlink to usr/lib (merged /usr): the file is found and hashed through it
    data = open(os.path.join(sys.argv[3], "usr/lib/x86_64-linux-gnu/libz.so.1.2.13"), "rb").read()
    z = files["./lib/x86_64-linux-gnu/libz.so.1.2.13"]
    sums = {c["algorithm"]: c["checksumValue"] for c in z["checksums"]}
    if sums != {"SHA1": hashlib.sha1(data).hexdigest(), "SHA256": hashlib.sha256(data).hexdigest()}:
        fail("libz checksums %s" % sums)
    # verification codes (SPDX 2.3 section 7.9) recomputed from the files' SHA1s
    for n, p in pk.items():
        if not p.get("filesAnalyzed"):
            continue
        s1 = sorted(next(c["checksumValue"] for c in files[fn]["checksums"] if c["algorithm"] == "SHA1")
                    for fn in contains(p))
        code = hashlib.sha1("".join(s1).encode()).hexdigest()
        if p["packageVerificationCode"]["packageVerificationCodeValue"] != code:
            fail(n + " verification code")
    img = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"][0]
    digest = sys.argv[4]
    if purl(img) != "pkg:oci/img@%s?arch=amd64&tag=v1" % digest or img["versionInfo"] != digest:
        fail("image package %s %s" % (purl(img), img["versionInfo"]))
    if ("SPDXRef-DOCUMENT", "DESCRIBES", img["SPDXID"]) not in rels:
        fail("no DESCRIBES")
    for p in doc["packages"]:
        if p is not img and (img["SPDXID"], "CONTAINS", p["SPDXID"]) not in rels:
            fail("image does not contain " + p["name"])
    osp = pk["debian"]
    if osp["versionInfo"] != "12.11" or osp["primaryPackagePurpose"] != "OPERATING_SYSTEM":
        fail("OS package %s" % osp)
    if doc["creationInfo"]["created"] != "2000-01-01T00:00:00Z":
        fail("created " + doc["creationInfo"]["created"])

elif mode == "licref":
    refs = {x["licenseId"]: x for x in doc.get("hasExtractedLicensingInfos", [])}
    mt = pk["media-types"]
    if mt["licenseDeclared"] != "LicenseRef-ad-hoc" or "LicenseRef-ad-hoc" not in refs:
        fail("media-types licence %s, refs %s" % (mt["licenseDeclared"], list(refs)))
    if "public information" not in refs["LicenseRef-ad-hoc"]["extractedText"]:
        fail("extracted text")
    if "./etc/mime.types" not in contains(mt):
        fail("media-types conffile missing: %s" % contains(mt))
    if ann(pk["libzstd1"], "introduced-layer") != 0:
        fail("single layer: introduced in layer 0")

elif mode == "lang" or mode == "apk":
    # language and apk packages: purls, licences, suppliers, layers; a language package an
    # OS package installed appears once, inside its owner
    byp = {}
    for p in doc["packages"]:
        byp.setdefault(purl(p), []).append(p)
    img = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"][0]
    parents = {}
    for f, k, t in rels:
        if k == "CONTAINS" and t in ids and "fileName" not in ids[t]:
            parents.setdefault(t, []).append(f)
    for p in doc["packages"]:
        if p is img:
            continue
        if len(parents.get(p["SPDXID"], [])) != 1:
            fail("%s has parents %s" % (p["name"], parents.get(p["SPDXID"])))
        if ann(p, "evidence-layer") is None or (ann(p, "introduced-layer") is None and
                                                p.get("primaryPackagePurpose") != "OPERATING_SYSTEM"):
            fail("%s: no layer annotations" % p["name"])
    if mode == "lang":
        d = "distro=debian-12.11"
        exp = {
            "pkg:pypi/requests@2.31.0": ("Apache-2.0", "Person: Kenneth Reitz (me@kennethreitz.org)", None),
            "pkg:pypi/flask-sqlalchemy@3.1.1": ("LicenseRef-BSD-License", "Person: Pallets (contact@palletsprojects.com)", None),
            "pkg:pypi/zope-interface@6.1": ("ZPL-2.1", None, None),
            "pkg:pypi/cryptography@42.0.5": ("Apache-2.0 OR BSD-3-Clause", None, None),
            "pkg:pypi/distro-info@1.5%2Bdeb12u1": ("ISC", None, None),
            "pkg:pypi/six@1.16.0": ("MIT", "Person: Benjamin Peterson (benjamin@python.org)", "python3-six"),
            "pkg:npm/%40babel/core@7.23.2": ("MIT", "Person: The Babel Team", None),
            "pkg:npm/lodash@4.17.21": ("MIT", None, None),
            "pkg:npm/dep@1.0.0-beta.1%2Bbuild.5": ("BSD-3-Clause", None, None),
            "pkg:npm/ms@2.1.3": ("MIT", None, "node-ms"),
            "pkg:npm/unl@1.0.0": ("LicenseRef-UNLICENSED", None, None),
            "pkg:deb/debian/node-ms@2.1.3%2B~cs0.7.31-3?arch=all&" + d: (None, None, None),
            "pkg:deb/debian/python3-six@1.16.0-4?arch=all&" + d + "&upstream=six": (None, None, None),
        }
        names = sorted(p["name"] for p in doc["packages"] if p is not img and p["name"] != "debian")
        want = sorted(["@babel/core", "Flask-SQLAlchemy", "attrs", "cryptography", "dep",
                       "distro-info", "expr", "legacy", "lodash", "ms", "nested", "node-ms",
                       "python3-six", "requests", "six", "unl", "zope.interface"])
        if names != want:
            fail("packages %s, wanted %s" % (names, want))
    else:
        d = "distro=alpine-3.19.1"
        exp = {
            "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&" + d: ("MIT", "Person: Timo Ter\u00e4s (timo.teras@iki.fi)", None),
            "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&" + d + "&upstream=busybox": ("GPL-2.0-only", None, None),
            "pkg:apk/alpine/libfoo@1.0-r0?arch=x86_64&" + d: ("MIT AND BSD-2-Clause", None, None),
            "pkg:apk/alpine/libbar@2.0-r0?arch=x86_64&" + d: ("LicenseRef-custom-Proprietary-thing", None, None),
            "pkg:apk/alpine/py3-six@1.16.0-r9?arch=noarch&" + d: ("MIT", None, None),
            "pkg:pypi/six@1.16.0": ("MIT", None, "py3-six"),
        }
        osp = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "OPERATING_SYSTEM"]
        if [(p["name"], p["versionInfo"]) for p in osp] != [("alpine", "3.19.1")]:
            fail("OS package %s" % osp)
        if contains(byp["pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&" + d][0]) != \
                ["./bin/busybox", "./etc/securetty"]:
            fail("busybox files")
    for u, (lic, sup, owner) in exp.items():
        ps = byp.get(u, [])
        if len(ps) != 1:
            fail("%d packages with purl %s" % (len(ps), u))
        p = ps[0]
        if lic and p["licenseDeclared"] != lic:
            fail("%s licence %s != %s" % (u, p["licenseDeclared"], lic))
        if sup and p["supplier"] != sup:
            fail("%s supplier %s != %s" % (u, p["supplier"], sup))
        par = parents[p["SPDXID"]][0]
        if owner:
            if ids[par]["name"] != owner or ("installed by" not in p.get("comment", "")) \
                    or owner not in p["comment"]:
                fail("%s: parent %s, comment %r, wanted %s" % (u, ids[par]["name"],
                                                              p.get("comment"), owner))
        elif par != img["SPDXID"] or "comment" in p:
            fail("%s: parent %s, not the image" % (u, par))
    if mode == "lang":
        r = byp["pkg:pypi/requests@2.31.0"][0]
        sp = "./usr/local/lib/python3.11/site-packages/"
        if contains(r) != ["./usr/local/bin/normalizer", sp + "requests-2.31.0.dist-info/INSTALLER",
                           sp + "requests-2.31.0.dist-info/METADATA", sp + "requests-2.31.0.dist-info/RECORD",
                           sp + "requests/__init__.py", sp + "requests/odd,name.py"]:
            fail("requests contains %s" % contains(r))
        s1 = sorted(next(c["checksumValue"] for c in files[fn]["checksums"] if c["algorithm"] == "SHA1")
                    for fn in contains(r))
        if not r["filesAnalyzed"] or r["packageVerificationCode"]["packageVerificationCodeValue"] != \
                hashlib.sha1("".join(s1).encode()).hexdigest():
            fail("requests verification code")
        if not r["sourceInfo"].startswith("acquired package info from installed python package "
                                          "manifest file: /usr/local/lib/python3.11/"):
            fail("requests sourceInfo " + r["sourceInfo"])
        if sum(1 for p in doc["packages"] if p["name"] in ("ms", "six")) != 2:
            fail("ms or six listed twice")

elif mode == "rpm":
    # the Fedora 40 image of tests/data/sbom/rpm: a real rpmdb.sqlite (WAL mode), read
    # through var/lib/rpm -> usr/lib/sysimage/rpm once
    root = sys.argv[3]
    byp = {purl(p): p for p in doc["packages"] if purl(p)}
    img = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"][0]
    d = "distro=fedora-40"
    up = lambda s: "&upstream=" + s + ".src.rpm"
    fo = "Organization: Fedora Project"
    sp = "./usr/lib/python3.12/site-packages/"
    exp = {
        "pkg:rpm/fedora/hello@2.12.1-3.fc40?arch=x86_64&" + d + up("hello-2.12.1-3.fc40"):
            ("2.12.1-3.fc40", "GPL-3.0-or-later", fo,
             ["./etc/hello.conf", "./usr/bin/hello", "./usr/share/doc/hello/README"]),
        "pkg:rpm/fedora/dbus-libs@1.14.10-3.fc40?arch=x86_64&" + d + "&epoch=1" + up("dbus-libs-1.14.10-3.fc40"):
            ("1:1.14.10-3.fc40", "(AFL-2.1 OR GPL-2.0-or-later) AND GPL-2.0-or-later", fo,
             ["./usr/lib64/libdbus-1.so.3.32.4"]),
        "pkg:rpm/fedora/legacy-tool@0.9-3.module%2Bel8.9.0%2B1234%2Babcdef12?arch=x86_64&" + d +
        "&modularitylabel=legacy:1.0:8090020231101000000:abcdef12" +
        up("legacy-tool-0.9-3.module%2Bel8.9.0%2B1234%2Babcdef12"):
            ("0.9-3.module+el8.9.0+1234+abcdef12", "GPL-2.0-or-later AND Apache-2.0 AND LicenseRef-Public-Domain",
             "NOASSERTION", ["./usr/libexec/legacy/legacy-tool"]),
        "pkg:rpm/fedora/python3-six@1.16.0-14.fc40?arch=noarch&" + d + up("python3-six-1.16.0-14.fc40"):
            ("1.16.0-14.fc40", "MIT", fo,
             [sp + "six-1.16.0.dist-info/" + f for f in ("INSTALLER", "METADATA", "RECORD", "top_level.txt")]
             + [sp + "six.py"]),
    }
    names = sorted(p["name"] for p in doc["packages"] if p is not img)
    if names != ["dbus-libs", "fedora", "hello", "legacy-tool", "python3-six", "six"]:
        fail("packages %s" % names)
    for u, (ver, lic, sup, fl) in exp.items():
        p = byp.get(u)
        if not p:
            fail("no package with purl %s; purls: %s" % (u, sorted(byp)))
        if p["versionInfo"] != ver or p["licenseDeclared"] != lic or p["supplier"] != sup:
            fail("%s: %s %s %s" % (u, p["versionInfo"], p["licenseDeclared"], p["supplier"]))
        if contains(p) != fl:
            fail("%s contains %s" % (u, contains(p)))
        if p["sourceInfo"] != "acquired package info from RPM DB: /usr/lib/sysimage/rpm/rpmdb.sqlite":
            fail("%s sourceInfo %s" % (u, p["sourceInfo"]))
        if ann(p, "evidence-layer") != 0 or ann(p, "introduced-layer") != 0:
            fail("%s layers" % u)
        if (img["SPDXID"], "CONTAINS", p["SPDXID"]) not in rels:
            fail("the image does not contain " + u)
    six = byp["pkg:pypi/six@1.16.0"]
    owner = byp[[u for u in exp if "python3-six" in u][0]]
    if (owner["SPDXID"], "CONTAINS", six["SPDXID"]) not in rels or \
            "installed by rpm package python3-six" not in six.get("comment", ""):
        fail("six is not inside python3-six: %s" % six.get("comment"))
    # files hashed from the image; rpm recorded the same SHA-256
    data = open(os.path.join(root, "usr/bin/hello"), "rb").read()
    sums = {c["algorithm"]: c["checksumValue"] for c in files["./usr/bin/hello"]["checksums"]}
    if sums != {"SHA1": hashlib.sha1(data).hexdigest(), "SHA256": hashlib.sha256(data).hexdigest()} \
            or sums["SHA256"] != "1e70cef0dfe5ce1120ccde5e1551c7277bcddaa75a1808f49512f404e6b8aec8":
        fail("hello checksums %s" % sums)
    osp = pk["fedora"]
    if osp["versionInfo"] != "40" or osp["primaryPackagePurpose"] != "OPERATING_SYSTEM":
        fail("OS package %s" % osp)
    refs = {x["licenseId"]: x["name"] for x in doc.get("hasExtractedLicensingInfos", [])}
    if refs != {"LicenseRef-Public-Domain": "Public Domain"}:
        fail("LicenseRefs %s" % refs)

elif mode == "alllayers":
    # --scope all-layers on the two-layer image: the package the upper layer removed and
    # both versions of the upgraded one, each with its layers and its files as its layer
    # had them; what is in the final filesystem exactly as the squashed document has it
    sq = json.load(open(sys.argv[3]))
    byv = {(p["name"], p.get("versionInfo")): p for p in doc["packages"]}
    hidden = lambda p: any(a["comment"] == "sigil:visible false" for a in p.get("annotations", []))
    want = {("base-files", "12.4+deb12u11"): (0, 0, 1), ("netbase", "6.4"): (0, 0, 1),
            ("zlib1g", "1:1.2.13.dfsg-1"): (0, 0, 1), ("libzstd1", "1.5.5+dfsg2-2"): (1, 1, 1),
            ("libzstd1", "1.5.4+dfsg2-5"): (0, 0, 0), ("media-types", "10.0.0"): (0, 0, 0)}
    got = {k for k, p in byv.items() if k[0] != "debian" and p.get("primaryPackagePurpose") != "CONTAINER"}
    if got != set(want) or len(byv) != len(doc["packages"]):
        fail("packages %s, wanted %s" % (sorted(got), sorted(want)))
    for k, (ev, intro, visible) in want.items():
        p = byv[k]
        if (ann(p, "evidence-layer"), ann(p, "introduced-layer"), int(not hidden(p))) != (ev, intro, visible):
            fail("%s %s: evidence %s, introduced %s, hidden %s" % (k + (ann(p, "evidence-layer"),
                 ann(p, "introduced-layer"), hidden(p))))
    old, new, mt = byv[("libzstd1", "1.5.4+dfsg2-5")], byv[("libzstd1", "1.5.5+dfsg2-2")], byv[("media-types", "10.0.0")]
    if not purl(old).startswith("pkg:deb/debian/libzstd1@1.5.4%2Bdfsg2-5?arch=amd64&"):
        fail("old libzstd1 purl " + purl(old))
    # a deleted package's files are still its files, as the layer that had it had them
    if contains(mt) != ["./etc/mime.types", "./usr/share/bug/media-types/presubj",
                        "./usr/share/doc/media-types/changelog.gz", "./usr/share/doc/media-types/copyright"]:
        fail("media-types contains %s" % contains(mt))
    if contains(old) != ["./usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4", "./usr/share/doc/libzstd1/changelog.Debian.gz",
                         "./usr/share/doc/libzstd1/changelog.gz", "./usr/share/doc/libzstd1/copyright"]:
        fail("libzstd1 1.5.4 contains %s" % contains(old))
    if mt["licenseDeclared"] != "LicenseRef-ad-hoc" or "LicenseRef-ad-hoc" not in \
            {x["licenseId"] for x in doc.get("hasExtractedLicensingInfos", [])}:
        fail("media-types licence " + mt["licenseDeclared"])
    # one path, two files: the replaced copyright (layer 0, old libzstd1) and the new one
    cr = {}
    for f, k, t in rels:
        if k == "CONTAINS" and ids.get(t, {}).get("fileName") == "./usr/share/doc/libzstd1/copyright":
            cr[f] = ids[t]
    if len({x["SPDXID"] for x in cr.values()}) != 2 or not cr[old["SPDXID"]]["comment"].startswith("layer 0 ") \
            or not cr[new["SPDXID"]]["comment"].startswith("layer 1 "):
        fail("libzstd1 copyright files %s" % cr)
    # the final filesystem's files and packages as in the squashed document (but layers)
    for f in sq["files"]:
        if ids.get(f["SPDXID"]) != f:
            fail("file %s differs from the squashed document" % f["fileName"])
    strip = lambda p: {k: v for k, v in p.items() if k != "annotations"}
    for p in sq["packages"]:
        if p.get("primaryPackagePurpose") != "CONTAINER" and strip(ids[p["SPDXID"]]) != strip(p):
            fail("package %s differs from the squashed document" % p["name"])
    for p in doc["packages"]:
        if p.get("filesAnalyzed"):
            s1 = sorted(next(c["checksumValue"] for c in ids[t]["checksums"] if c["algorithm"] == "SHA1")
                        for f, k, t in rels if f == p["SPDXID"] and k == "CONTAINS" and t in ids and "fileName" in ids[t])
            if p["packageVerificationCode"]["packageVerificationCodeValue"] != hashlib.sha1("".join(s1).encode()).hexdigest():
                fail(p["name"] + " verification code")
    img = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"][0]
    for p in doc["packages"]:
        if p is not img and (img["SPDXID"], "CONTAINS", p["SPDXID"]) not in rels:
            fail("image does not contain %s %s" % (p["name"], p.get("versionInfo")))
    if doc["documentNamespace"] == sq["documentNamespace"]:
        fail("the same namespace as the squashed document")

elif mode == "same-content":
    # two documents for the same image under different names: only names and ids of the
    # image and the namespace may differ
    other = json.load(open(sys.argv[3]))
    strip = lambda d: [p for p in d["packages"] if p.get("primaryPackagePurpose") != "CONTAINER"]
    if strip(doc) != strip(other) or doc["files"] != other["files"]:
        fail("packages or files differ")

elif mode == "platform":
    img = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"][0]
    if img["versionInfo"] != sys.argv[3] or ("?arch=%s&" % sys.argv[4]) not in purl(img):
        fail("picked %s %s" % (img["versionInfo"], purl(img)))
PY
sbomcheck() { "$PY" "$T/sbomcheck.py" "$@"; }
not_grep() { ! grep -q "$@"; }

# ---- the two-layer image ----
expect 0 "sbom of a two-layer layout" sbom --output "$T/a.json" "$IMG"
check "nothing on stdout with --output" test ! -s "$T/out"
check "no warnings for a clean image" test ! -s "$T/err"
check "valid SPDX 2.3 (JSON schema)" sbomcheck schema "$T/a.json" "$SCHEMA"
check "exactly the packages of the final filesystem" sbomcheck packages "$T/a.json" \
	base-files=12.4+deb12u11 libzstd1=1.5.5+dfsg2-2 netbase=6.4 zlib1g=1:1.2.13.dfsg-1
check "purls, licences, layers, files, checksums, relationships" \
	sbomcheck upgrade "$T/a.json" "$DATA/base" "$d"
expect 0 "second run to stdout" sbom "$IMG"
check "byte-identical output" cmp -s "$T/a.json" "$T/out"
expect 0 "by digest" sbom --quiet --format spdx-json "oci:$T/img@$d"
check "same content by digest" sbomcheck same-content "$T/out" "$T/a.json"
( unset SOURCE_DATE_EPOCH; "$SIGIL" sbom "$IMG" >"$T/now.json" 2>/dev/null )
check "without SOURCE_DATE_EPOCH: the current time" \
	grep -q "\"created\":\"$(date -u +%Y)-" "$T/now.json"

# ---- --scope all-layers: also what the upper layer removed or replaced ----
expect 0 "all-layers: sbom --scope all-layers" sbom --scope all-layers --output "$T/al.json" "$IMG"
check "all-layers: no warnings" test ! -s "$T/err"
check "all-layers: valid SPDX 2.3" sbomcheck schema "$T/al.json" "$SCHEMA"
check "all-layers: media-types and libzstd1 1.5.4 listed (not visible), with layers and files; the rest as squashed" \
	sbomcheck alllayers "$T/al.json" "$T/a.json"
expect 0 "all-layers: second run" sbom --scope all-layers "$IMG"
check "all-layers: byte-identical output" cmp -s "$T/al.json" "$T/out"
expect 0 "--scope squashed is the default" sbom --scope squashed "$IMG"
check "--scope squashed: byte-identical to no --scope" cmp -s "$T/a.json" "$T/out"

# ---- the lower layer alone: media-types is there, with its LicenseRef ----
"$PY" "$ROOT/scripts/mkimage.py" "$DATA/base" "$T/base" v1 >/dev/null
expect 0 "sbom of the base layer alone" sbom --output "$T/base.json" "oci:$T/base:v1"
check "base: valid SPDX 2.3" sbomcheck schema "$T/base.json" "$SCHEMA"
check "base: five packages" sbomcheck packages "$T/base.json" base-files=12.4+deb12u11 \
	libzstd1=1.5.4+dfsg2-5 media-types=10.0.0 netbase=6.4 zlib1g=1:1.2.13.dfsg-1
check "base: LicenseRef with its text, conffiles" sbomcheck licref "$T/base.json"
expect 0 "base: all-layers of one layer" sbom --scope all-layers --output "$T/base-al.json" "oci:$T/base:v1"
check "base: one layer, all-layers lists what squashed does" sbomcheck same-content "$T/base-al.json" "$T/base.json"

# ---- language packages (Python, npm) and an apk image ----
"$PY" "$ROOT/scripts/mkimage.py" "$DATA/lang" "$T/lang" v1 >/dev/null
expect 0 "sbom of an image with Python and npm packages" sbom --output "$T/lang.json" "oci:$T/lang:v1"
check "lang: valid SPDX 2.3" sbomcheck schema "$T/lang.json" "$SCHEMA"
check "lang: purls, licences, owners (a deb's dist-info and nodejs package listed once)" \
	sbomcheck lang "$T/lang.json"
check "lang: bad package.json named with its layer" \
	grep -q "warning: npm: app/node_modules/broken/package.json (layer 0): not JSON" "$T/err"
check "lang: binary junk in METADATA named with its layer" grep -q \
	"warning: python: usr/local/lib/python3.11/site-packages/garbage-0.1.dist-info/METADATA (layer 0)" "$T/err"
check "lang: a package.json without a version is no warning" not_grep noversion "$T/err"
expect 0 "lang: second run" sbom --quiet "oci:$T/lang:v1"
check "lang: byte-identical output" cmp -s "$T/lang.json" "$T/out"
"$PY" "$ROOT/scripts/mkimage.py" "$DATA/apk" "$T/apk" v1 >/dev/null
expect 0 "sbom of an Alpine image" sbom --output "$T/apk.json" "oci:$T/apk:v1"
check "apk: valid SPDX 2.3" sbomcheck schema "$T/apk.json" "$SCHEMA"
check "apk: purls, licences, the dist-info py3-six installed" sbomcheck apk "$T/apk.json"
check "apk: the garbage record named with its layer and line" \
	grep -q "warning: apk: lib/apk/db/installed (layer 0): line 106: no P:" "$T/err"
"$PY" "$ROOT/scripts/mkimage.py" "$DATA/rpm/root" "$T/rpm" v1 >/dev/null
expect 0 "sbom of a Fedora image (rpmdb.sqlite)" sbom --output "$T/rpm.json" "oci:$T/rpm:v1"
check "rpm: no warnings" test ! -s "$T/err"
check "rpm: valid SPDX 2.3" sbomcheck schema "$T/rpm.json" "$SCHEMA"
check "rpm: purls (epoch, modularity label), licences, suppliers, files, the dist-info python3-six owns" \
	sbomcheck rpm "$T/rpm.json" "$DATA/rpm/root"
check "rpm: no gpg-pubkey package" not_grep gpg-pubkey "$T/rpm.json"
expect 0 "rpm: second run" sbom --quiet "oci:$T/rpm:v1"
check "rpm: byte-identical output" cmp -s "$T/rpm.json" "$T/out"

# ---- a multi-arch index in the layout ----
arm=$("$PY" - "$T/img" "$d" <<'PY'
import hashlib, json, sys
lay, digest = sys.argv[1], sys.argv[2]
def blob(d): return open("%s/blobs/sha256/%s" % (lay, d[7:]), "rb").read()
def put(b):
    d = "sha256:" + hashlib.sha256(b).hexdigest()
    open("%s/blobs/sha256/%s" % (lay, d[7:]), "wb").write(b)
    return d, len(b)
man = json.loads(blob(digest))
cfg = json.loads(blob(man["config"]["digest"]))
cfg["architecture"] = "arm64"
cfg["variant"] = "v8"
man["config"]["digest"], man["config"]["size"] = put(json.dumps(cfg).encode())
arm, armlen = put(json.dumps(man).encode())
entries = [{"mediaType": man["mediaType"], "digest": digest, "size": len(blob(digest)),
            "platform": {"os": "linux", "architecture": "amd64"}},
           {"mediaType": man["mediaType"], "digest": arm, "size": armlen,
            "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
           {"mediaType": man["mediaType"], "digest": arm, "size": armlen,
            "platform": {"os": "unknown", "architecture": "unknown"}}]
idx, idxlen = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                              "manifests": entries}).encode())
top = json.load(open(lay + "/index.json"))
top["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": idx,
                         "size": idxlen, "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(top, open(lay + "/index.json", "w"))
print(arm)
PY
)
expect 0 "index: --platform linux/amd64" sbom --platform linux/amd64 "oci:$T/img:multi"
check "index: picks the amd64 manifest" sbomcheck platform "$T/out" "$d" amd64
expect 0 "index: --platform linux/arm64" sbom --platform linux/arm64 "oci:$T/img:multi"
check "index: picks the arm64 manifest" sbomcheck platform "$T/out" "$arm" arm64
expect_error 2 "index: no such platform" "no linux/s390x image.*linux/amd64, linux/arm64/v8" \
	sbom --platform linux/s390x "oci:$T/img:multi"
expect_error 2 "single manifest of another platform" "is linux/amd64, not the linux/arm64" \
	sbom --platform linux/arm64 "$IMG"
expect_error 2 "bad --platform" "not OS/ARCH" sbom --platform linux "$IMG"

# ---- usage and operational errors: one line, exit 2 ----
expect_error 2 "no image" "no image given" sbom
expect_error 2 "two images" "one image at a time" sbom "$IMG" "$IMG"
expect_error 2 "unknown format" "must be spdx-json or cyclonedx-json" sbom --format xml "$IMG"
expect_error 2 "unknown scope" "must be squashed or all-layers" sbom --scope deep-squashed "$IMG"
expect_error 2 "unknown option" "unknown option" sbom --bogus "$IMG"
expect_error 2 "missing layout" "oci-layout\|not found\|No such" sbom "oci:$T/nowhere:v1"
SOURCE_DATE_EPOCH=yesterday expect_error 2 "bad SOURCE_DATE_EPOCH" "SOURCE_DATE_EPOCH" sbom "$IMG"
check "no output file after a failure" test ! -e "$T/none.json"

# a layer blob altered on disk: its digest no longer matches
cp -r "$T/img" "$T/bad"
layer=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][1]["digest"][7:])' \
	"$T/bad/blobs/sha256/${d#sha256:}")
"$PY" - "$T/bad/blobs/sha256/$layer" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; open(sys.argv[1], "wb").write(bytes(b))
PY
expect_error 2 "tampered layer blob" "layer 1 (sha256:$layer).*sha256:$layer" \
	sbom --output "$T/none.json" "oci:$T/bad:v1"
check "no output file after a failure" test ! -e "$T/none.json"
printf 'x' >>"$T/bad/blobs/sha256/$layer"
expect_error 2 "layer blob longer than its descriptor" "layer 1 (sha256:$layer)" sbom "oci:$T/bad:v1"

# hostile layers, packed with correct digests: each is an error or a warning, never a crash
# mkhostile.py KIND DIR: one-layer layout in DIR whose layer is KIND
cat >"$T/mkhostile.py" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile, subprocess
kind, out = sys.argv[1], sys.argv[2]
def tar(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, typ, data in entries:
            i = tarfile.TarInfo(name)
            if typ == "l":
                i.type, i.linkname = tarfile.SYMTYPE, data
                t.addfile(i)
            else:
                i.size = len(data)
                t.addfile(i, io.BytesIO(data))
    return b.getvalue()
if kind == "truncated":
    layer = gzip.compress(tar([("etc/os-release", "f", b"ID=debian\n" * 1000)]), mtime=0)
    layer = layer[:len(layer) // 2]
elif kind == "escape":
    layer = gzip.compress(tar([("../../../tmp/evil", "f", b"x"),
                               ("etc/os-release", "l", "/../../../../usr/lib/os-release"),
                               ("usr/lib/os-release", "f", b"ID=debian\nVERSION_ID=12\n"),
                               ("var/lib/dpkg/status", "f",
                                b"Package: ok\nStatus: install ok installed\nVersion: 1\n"
                                b"Maintainer: Ren\xe9 <r@example.org>\n"
                                b"Description: tools & <things>\n"
                                b"Architecture: all\n\n\x00\xff garbage\n\nPackage: Bad Name\n"
                                b"Version: 1\n")]), mtime=0)
elif kind == "sparse":
    root = out + ".root"
    os.makedirs(root + "/data")
    with open(root + "/data/huge", "wb") as f:
        f.truncate(10 << 30)
        f.seek(10 << 30)
        f.write(b"end")
    raw = subprocess.run(["tar", "--sparse", "--format=pax", "-C", root, "-cf", "-", "data"],
                         check=True, capture_output=True).stdout
    os.remove(root + "/data/huge")
    layer = gzip.compress(raw, mtime=0)
elif kind == "garbage":
    layer = os.urandom(4096)
elif kind == "rpmgarbage":
    layer = gzip.compress(tar([("etc/os-release", "f", b'ID="rocky"\nVERSION_ID="9.3"\n'),
                               ("var/lib/rpm/rpmdb.sqlite", "f", b"\x00\xffnot sqlite\n" * 500)]), mtime=0)
elif kind == "rpmbdb":
    layer = gzip.compress(tar([("etc/os-release", "f", b'ID="centos"\nVERSION_ID="7"\n'),
                               ("var/lib/rpm/Packages", "f", b"\x00\x06\x15\x61" + b"\x00" * 4092)]), mtime=0)
def sha(b): return "sha256:" + hashlib.sha256(b).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": []}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                             "size": len(cfg), "digest": sha(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                              "size": len(layer), "digest": sha(layer)}]}).encode()
os.makedirs(out + "/blobs/sha256")
for b in (layer, cfg, man):
    open(out + "/blobs/sha256/" + sha(b)[7:], "wb").write(b)
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "size": len(man), "digest": sha(man),
           "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, open(out + "/index.json", "w"))
PY
for k in truncated escape sparse garbage rpmgarbage rpmbdb; do "$PY" "$T/mkhostile.py" "$k" "$T/$k"; done
expect_error 2 "truncated gzip layer" "blob sha256:.*layer 0\|layer 0 (sha256:.*gzip" \
	sbom "oci:$T/truncated:v1"
expect_error 2 "a layer that is not a tar" "blob sha256:.*layer 0" sbom "oci:$T/garbage:v1"
expect 0 "'../' entries, escaping symlinks, garbage in dpkg status: warnings" \
	sbom "oci:$T/escape:v1"
check "warns about the '../' entry, naming the layer" grep -q "warning: layer 0: ../../../tmp/evil" "$T/err"
check "warns about the garbage stanza" grep -q "warning: dpkg: var/lib/dpkg/status (layer 0)" "$T/err"
check "the escaping symlink resolves inside the image" sbomcheck packages "$T/out" ok=1
check "the OS is read through it" grep -q '"name":"debian"' "$T/out"
check "Latin-1 in the maintainer becomes U+FFFD" \
	grep -q '"supplier":"Person: Ren\\ufffd (r@example.org)"' "$T/out"
check "& < > are not escaped (as syft writes them)" grep -q '"description":"tools & <things>"' "$T/out"
expect 0 "a garbage rpmdb.sqlite: a warning, exit 0" sbom --output "$T/rpmg.json" "oci:$T/rpmgarbage:v1"
check "one warning, naming the layer and path" test "$(cat "$T/err")" = \
	"sigil sbom: warning: rpm: var/lib/rpm/rpmdb.sqlite (layer 0): not read: not an SQLite 3 database"
check "the garbage rpmdb: still valid SPDX 2.3 (the OS only)" sbomcheck schema "$T/rpmg.json" "$SCHEMA"
check "the garbage rpmdb: rocky" grep -q '"name":"rocky"' "$T/rpmg.json"
expect 0 "a BerkeleyDB rpmdb (Packages): a warning, exit 0" sbom "oci:$T/rpmbdb:v1"
check "one warning: not read yet" test "$(cat "$T/err")" = "sigil sbom: warning: rpm: var/lib/rpm/Packages \
(layer 0): a BerkeleyDB rpm database, which is not read yet: its packages are not listed"
expect 0 "--quiet silences warnings" sbom --quiet "oci:$T/escape:v1"
check "nothing on stderr with --quiet" test ! -s "$T/err"

# ---- progress on a terminal: stderr a pseudo-terminal, stdout a file ----
# ptyrun.py OUT ERR ARGS...: runs ARGS with stderr on a pty, stdout to OUT; ERR gets what
# the terminal showed. ttycheck.py ERR MODE: the progress line's shape.
cat >"$T/ptyrun.py" <<'PY'
import os, subprocess, sys
master, slave = os.openpty()
with open(sys.argv[1], "wb") as out:
    p = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
shown = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    shown += chunk
open(sys.argv[2], "wb").write(shown)
sys.exit(p.wait())
PY
cat >"$T/ttycheck.py" <<'PY'
import re, sys
shown, mode = open(sys.argv[1], "rb").read(), sys.argv[2]
if mode == "progress":
    for n in (1, 2):
        if not re.search(rb"\rsbom: layer %d/2  [0-9]+\.[0-9]/[0-9]+\.[0-9] MiB" % n, shown):
            sys.exit("no progress line for layer %d/2 in %r" % (n, shown[:300]))
    if not re.search(rb"\r +\r$", shown):
        sys.exit("the progress line is not cleared at the end: %r" % shown[-80:])
elif mode == "warnings":
    # each warning on a line of its own: the progress line is cleared before it
    lines = re.split(rb"\r\n|\n|\r", shown)
    if not any(l.startswith(b"sigil sbom: warning: ") for l in lines) or \
            any(b"sigil sbom: warning" in l and not l.startswith(b"sigil") for l in lines):
        sys.exit("warnings mixed with the progress line: %r" % shown[:400])
PY
ptyrun() { "$PY" "$T/ptyrun.py" "$T/out" "$T/tty" "$SIGIL" "$@" 2>"$T/err"; }
check "tty: sbom with stderr on a terminal" ptyrun sbom "$IMG"
check "tty: progress per layer with MiB of the total, rewritten with \\r, cleared" \
	"$PY" "$T/ttycheck.py" "$T/tty" progress
check "tty: stdout byte-identical to the run without a terminal" cmp -s "$T/a.json" "$T/out"
check "tty: sbom --output" ptyrun sbom --output "$T/tty.json" "$IMG"
check "tty: --output byte-identical, stdout empty" eval 'cmp -s "$T/a.json" "$T/tty.json" && test ! -s "$T/out"'
check "tty: sbom --quiet" ptyrun sbom --quiet "$IMG"
check "tty: --quiet shows no progress" test ! -s "$T/tty"
check "tty: --quiet output byte-identical" cmp -s "$T/a.json" "$T/out"
check "tty: warnings on a terminal" ptyrun sbom "oci:$T/escape:v1"
check "tty: warnings on lines of their own, not inside the progress line" \
	"$PY" "$T/ttycheck.py" "$T/tty" warnings
start=$(date +%s)
expect 0 "a 10 GB sparse file entry" sbom "oci:$T/sparse:v1"
check "the sparse entry takes no time" test $(($(date +%s) - start)) -lt 20

# ---- Go and Rust binaries, Java archives; CycloneDX; --attest ----
BIN="$DATA/bin"
mkdir -p "$T/binroot" "$T/binup/usr/bin"
cp -a "$DATA/base/." "$T/binroot/"
mkdir -p "$T/binroot/usr/bin" "$T/binroot/usr/local/bin" "$T/binroot/opt/app" "$T/binroot/home/u"
install -m 755 "$BIN/go-inline-le64.elf" "$T/binroot/usr/bin/gotool"
install -m 755 "$BIN/go-ptr-le64.elf" "$T/binroot/usr/bin/gone"
install -m 755 "$BIN/rust-audit.elf" "$T/binroot/usr/local/bin/rusty"
install -m 644 "$BIN/go-nosections.elf" "$T/binroot/home/u/not-a-program"
install -m 644 "$BIN/app-1.0.0.jar" "$T/binroot/opt/app/app-1.0.0.jar"
REAL_GO=/usr/bin/docker-registry # a real Go binary (Debian's, go1.19), when the machine has it
[ -f "$REAL_GO" ] && install -m 755 "$REAL_GO" "$T/binroot/usr/bin/docker-registry"
# the upper layer deletes one Go binary and replaces the other
: >"$T/binup/usr/bin/.wh.gone"
install -m 755 "$BIN/go-ptr-be32.elf" "$T/binup/usr/bin/gotool"
"$PY" "$ROOT/scripts/mkimage.py" "$T/binroot" "$T/bin" v1 --layer "$T/binup" >/dev/null
BINIMG="oci:$T/bin:v1"

cat >"$T/bincheck.py" <<'PY'
import json, os, sys

mode, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))


def fail(msg):
    sys.exit("FAIL: " + msg)


if mode == "spdx":
    real_go = sys.argv[3] == "1"
    pk = {}
    for p in doc["packages"]:
        for r in p.get("externalRefs", []):
            if r["referenceType"] == "purl":
                pk.setdefault(r["referenceLocator"], []).append(p)
    ids = {p["SPDXID"]: p for p in doc["packages"]}
    rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
            for r in doc["relationships"]}

    def one(purl, evidence, layer):
        ps = pk.get(purl, [])
        if len(ps) != 1:
            fail("%d packages with purl %s" % (len(ps), purl))
        p = ps[0]
        if not p["sourceInfo"].endswith(": /" + evidence) and ": /" + evidence + "," not in p["sourceInfo"]:
            fail("%s sourceInfo %s" % (purl, p["sourceInfo"]))
        if "sigil:evidence-layer %d " % layer not in json.dumps(p["annotations"]):
            fail("%s: not from layer %d" % (purl, layer))
        return p

    main = one("pkg:golang/example.org/ppc@v1.4.0", "usr/bin/gotool", 1)
    errs = one("pkg:golang/github.com/pkg/errors@v0.9.1", "usr/bin/gotool", 1)
    std = one("pkg:golang/stdlib@1.16.4", "usr/bin/gotool", 1)
    if std["licenseDeclared"] != "BSD-3-Clause":
        fail("stdlib licence " + std["licenseDeclared"])
    for dep in (errs, std):
        if (dep["SPDXID"], "DEPENDENCY_OF", main["SPDXID"]) not in rels:
            fail(dep["name"] + " is not DEPENDENCY_OF the main module")
    if not main["sourceInfo"].startswith("acquired package info from go module information: "):
        fail("go sourceInfo " + main["sourceInfo"])
    # the deleted binary, the replaced one's old modules, a file without an exec bit: nothing
    for gone in ("pkg:golang/stdlib@1.17.13", "pkg:golang/stdlib@1.22.1", "pkg:golang/stdlib@1.21.5",
                 "pkg:golang/github.com/burntsushi/toml@v1.3.2"):
        if gone in pk:
            fail(gone + " is listed")
    app = one("pkg:cargo/app@0.1.0", "usr/local/bin/rusty", 0)
    serde = one("pkg:cargo/serde@1.0.188", "usr/local/bin/rusty", 0)
    one("pkg:cargo/itoa@1.0.9", "usr/local/bin/rusty", 0)
    if "pkg:cargo/serde_derive@1.0.188" in pk:
        fail("a build dependency is listed")
    if (serde["SPDXID"], "DEPENDENCY_OF", app["SPDXID"]) not in rels:
        fail("serde is not DEPENDENCY_OF app")
    jar = one("pkg:maven/com.acme/app@1.0.0", "opt/app/app-1.0.0.jar", 0)
    lang3 = one("pkg:maven/org.apache.commons/commons-lang3@3.12.0", "opt/app/app-1.0.0.jar", 0)
    one("pkg:maven/com.google.code.gson/gson@2.10.1", "opt/app/app-1.0.0.jar", 0)
    if (lang3["SPDXID"], "DEPENDENCY_OF", jar["SPDXID"]) not in rels:
        fail("commons-lang3 is not DEPENDENCY_OF app.jar")
    if "app-1.0.0.jar:BOOT-INF/lib/commons-lang3-3.12.0.jar" not in lang3["sourceInfo"]:
        fail("nested location " + lang3["sourceInfo"])
    img = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"][0]
    for p in (main, app, jar, lang3):
        if (img["SPDXID"], "CONTAINS", p["SPDXID"]) not in rels:
            fail("the image does not contain " + p["name"])
    if real_go:
        # Debian builds it in GOPATH mode: the build info has the Go version and the main
        # package's path, no modules; 20 MB, its build info 115 KB into the data segment
        std = [p for u, ps in pk.items() for p in ps
               if u.startswith("pkg:golang/stdlib@") and "docker-registry" in p["sourceInfo"]]
        if len(std) != 1 or not std[0]["versionInfo"].startswith("go1."):
            fail("docker-registry: stdlib %s" % [p["versionInfo"] for p in std])

elif mode == "alllayers":
    # --scope all-layers: the deleted binary's and the replaced one's packages too, each
    # from its file and layer, not visible; their modules still DEPENDENCY_OF their main
    pk = {}
    for p in doc["packages"]:
        for r in p.get("externalRefs", []):
            if r["referenceType"] == "purl":
                pk.setdefault(r["referenceLocator"], []).append(p)
    rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
            for r in doc["relationships"]}
    hidden = lambda p: any(a["comment"] == "sigil:visible false" for a in p["annotations"])

    def at(purl, evidence, layer, visible):
        ps = [p for p in pk.get(purl, []) if p["sourceInfo"].endswith(": /" + evidence)]
        if len(ps) != 1 or "sigil:evidence-layer %d " % layer not in json.dumps(ps[0]["annotations"]) \
                or hidden(ps[0]) == visible:
            fail("%s in %s (layer %d, visible %s): %s" % (purl, evidence, layer, visible, ps))
        return ps[0]

    main = at("pkg:golang/example.org/ppc@v1.4.0", "usr/bin/gone", 0, False)
    errs = at("pkg:golang/github.com/pkg/errors@v0.9.1", "usr/bin/gone", 0, False)
    at("pkg:golang/stdlib@1.17.13", "usr/bin/gone", 0, False)
    if (errs["SPDXID"], "DEPENDENCY_OF", main["SPDXID"]) not in rels:
        fail("the deleted binary's module is not DEPENDENCY_OF its main module")
    at("pkg:golang/stdlib@1.22.1", "usr/bin/gotool", 0, False)
    at("pkg:golang/github.com/burntsushi/toml@v1.3.2", "usr/bin/gotool", 0, False)
    at("pkg:golang/example.org/ppc@v1.4.0", "usr/bin/gotool", 1, True)
    at("pkg:golang/stdlib@1.16.4", "usr/bin/gotool", 1, True)
    at("pkg:cargo/app@0.1.0", "usr/local/bin/rusty", 0, True)
    at("pkg:maven/com.acme/app@1.0.0", "opt/app/app-1.0.0.jar", 0, True)
    if "pkg:golang/stdlib@1.21.5" in pk:
        fail("a file without an exec bit outside bin dirs is listed")

elif mode == "cdx":
    # against the CycloneDX 1.6 schema from @cyclonedx/cyclonedx-library, refs resolved locally
    import jsonschema, referencing
    sdir = sys.argv[3]
    res = {}
    for name, f in (("bom-1.6.schema.json", "bom-1.6.SNAPSHOT.schema.json"),
                    ("spdx.schema.json", "spdx.SNAPSHOT.schema.json"),
                    ("jsf-0.82.schema.json", "jsf-0.82.SNAPSHOT.schema.json")):
        res[name] = json.load(open(os.path.join(sdir, f)))
    reg = referencing.Registry()
    for name, s in res.items():
        r = referencing.Resource.from_contents(s, default_specification=referencing.jsonschema.DRAFT7)
        reg = reg.with_resource(name, r).with_resource("http://cyclonedx.org/schema/" + name, r)
        if "$id" in s:
            reg = reg.with_resource(s["$id"], r)
    schema = res["bom-1.6.schema.json"]
    v = jsonschema.validators.validator_for(schema)(schema, registry=reg,
                                                    format_checker=jsonschema.FormatChecker())
    errs = sorted(v.iter_errors(doc), key=str)
    if errs:
        fail("%d CycloneDX schema errors, first: %s at %s" % (len(errs), errs[0].message,
                                                              list(errs[0].absolute_path)))
    spdx = json.load(open(sys.argv[4]))
    sp = sorted(r["referenceLocator"] for p in spdx["packages"] for r in p.get("externalRefs", [])
                if r["referenceType"] == "purl" and p.get("primaryPackagePurpose") != "CONTAINER")
    cp = sorted(c["purl"] for c in doc["components"] if "purl" in c)
    if sp != cp:
        fail("purls differ from the SPDX document: %s" % sorted(set(sp) ^ set(cp)))
    if doc["metadata"]["component"]["purl"] != [r["referenceLocator"] for p in spdx["packages"]
                                               if p.get("primaryPackagePurpose") == "CONTAINER"
                                               for r in p["externalRefs"]][0]:
        fail("image purl")
    refs = [c["bom-ref"] for c in doc["components"]] + [doc["metadata"]["component"]["bom-ref"]]
    if len(refs) != len(set(refs)) or sorted(d["ref"] for d in doc["dependencies"]) != sorted(refs):
        fail("bom-refs not unique, or not each once in dependencies")
    for d in doc["dependencies"]:
        for t in d.get("dependsOn", []):
            if t not in refs:
                fail("dependsOn an unknown ref " + t)
    os_ = [c for c in doc["components"] if c["type"] == "operating-system"]
    if [(c["name"], c.get("version")) for c in os_] != [(p["name"], p.get("versionInfo"))
                                                        for p in spdx["packages"]
                                                        if p.get("primaryPackagePurpose") == "OPERATING_SYSTEM"]:
        fail("OS component %s" % os_)
    if doc["metadata"]["timestamp"] != "2000-01-01T00:00:00Z" or \
            not doc["serialNumber"].startswith("urn:uuid:"):
        fail("timestamp or serialNumber")
    if len(sys.argv) < 6:
        sys.exit(0)
    byp = {c["purl"]: c for c in doc["components"] if "purl" in c}
    main = byp["pkg:golang/example.org/ppc@v1.4.0"]
    if main["type"] != "application" or byp["pkg:golang/stdlib@1.16.4"]["type"] != "library":
        fail("component types")
    dep = [d for d in doc["dependencies"] if d["ref"] == main["bom-ref"]][0]
    if byp["pkg:golang/stdlib@1.16.4"]["bom-ref"] not in dep.get("dependsOn", []):
        fail("main module does not depend on stdlib")
    if main["evidence"]["occurrences"] != [{"location": "/usr/bin/gotool"}]:
        fail("evidence %s" % main["evidence"])
    props = {p["name"]: p["value"] for p in main["properties"]}
    if not props.get("sigil:evidence-layer", "").startswith("1 sha256:"):
        fail("layer property %s" % props)
    if byp["pkg:golang/stdlib@1.16.4"]["licenses"] != [{"expression": "BSD-3-Clause"}]:
        fail("licence")

elif mode == "predicate":
    # the envelopes verify-attestation printed: one of the wanted type, its predicate = the SBOM
    import base64
    want_type, sbom = sys.argv[3], json.load(open(sys.argv[4]))
    found = 0
    for line in open(path):
        env = json.loads(line)
        st = json.loads(base64.b64decode(env["payload"]))
        if st["predicateType"] == want_type:
            found += 1
            if st["predicate"] != sbom:
                fail("the predicate is not the SBOM")
    if found != 1:
        fail("%d attestations of type %s" % (found, want_type))
PY
bincheck() { "$PY" "$T/bincheck.py" "$@"; }

real=0
[ -f "$REAL_GO" ] && real=1
start=$(date +%s%N)
expect 0 "sbom of an image with Go, Rust and Java packages" sbom --output "$T/bin.json" "$BINIMG"
echo "# sbom of the binaries image: $((($(date +%s%N) - start) / 1000000)) ms (real Go binary: $real)"
check "bin: valid SPDX 2.3" sbomcheck schema "$T/bin.json" "$SCHEMA"
check "bin: golang, cargo, maven purls; deleted and replaced binaries give nothing" \
	bincheck spdx "$T/bin.json" "$real"
check "bin: one warning, the nested jar that is not a zip" \
	grep -q "warning: java: opt/app/app-1.0.0.jar (layer 0): 1 nested archive skipped: .*broken-1.0.jar" "$T/err"
check "bin: no other warning" test "$(wc -l <"$T/err")" -eq 1
expect 0 "bin: second run" sbom --quiet "$BINIMG"
check "bin: byte-identical output" cmp -s "$T/bin.json" "$T/out"
expect 0 "bin: all-layers" sbom --quiet --scope all-layers --output "$T/bin-al.json" "$BINIMG"
check "bin: all-layers: valid SPDX 2.3" sbomcheck schema "$T/bin-al.json" "$SCHEMA"
check "bin: all-layers: the deleted and the replaced binaries' packages, with their layers" \
	bincheck alllayers "$T/bin-al.json"

# CycloneDX 1.6: same content, valid against the schema shipped by @cyclonedx/cyclonedx-library
expect 0 "CycloneDX of the binaries image" sbom --format cyclonedx-json --output "$T/bin.cdx.json" "$BINIMG"
expect 0 "CycloneDX second run" sbom --quiet --format cyclonedx-json "$BINIMG"
check "CycloneDX: byte-identical output" cmp -s "$T/bin.cdx.json" "$T/out"
CDX_SCHEMAS="$ROOT/tests/js/node_modules/@cyclonedx/cyclonedx-library/res/schema"
if [ ! -f "$CDX_SCHEMAS/bom-1.6.SNAPSHOT.schema.json" ]; then
	. "$ROOT/tests/js/lib.sh"
	sigstore_js_setup >&2 || true
fi
check "CycloneDX schema files installed (tests/js: npm ci)" test -f "$CDX_SCHEMAS/bom-1.6.SNAPSHOT.schema.json"
check "CycloneDX: valid 1.6, same purls as SPDX, types, dependencies, evidence, layers" \
	bincheck cdx "$T/bin.cdx.json" "$CDX_SCHEMAS" "$T/bin.json" bin
expect 0 "CycloneDX of the language image" sbom --format cyclonedx-json --output "$T/lang.cdx.json" "oci:$T/lang:v1"
check "CycloneDX (lang): valid 1.6, same purls as SPDX (owned packages too)" \
	bincheck cdx "$T/lang.cdx.json" "$CDX_SCHEMAS" "$T/lang.json"
expect 0 "CycloneDX of the rpm image" sbom --format cyclonedx-json --output "$T/rpm.cdx.json" "oci:$T/rpm:v1"
check "CycloneDX (rpm): valid 1.6, same purls as SPDX" \
	bincheck cdx "$T/rpm.cdx.json" "$CDX_SCHEMAS" "$T/rpm.json"
expect 0 "CycloneDX all-layers" sbom --scope all-layers --format cyclonedx-json --output "$T/al.cdx.json" "$IMG"
check "CycloneDX all-layers: valid 1.6, the same purls as SPDX all-layers" \
	bincheck cdx "$T/al.cdx.json" "$CDX_SCHEMAS" "$T/al.json"
check "CycloneDX all-layers: removed and replaced packages are not visible, the rest are" "$PY" - "$T/al.cdx.json" <<'PY'
import json, sys
hidden = sorted((c["name"], c["version"]) for c in json.load(open(sys.argv[1]))["components"]
                if {"name": "sigil:visible", "value": "false"} in c.get("properties", []))
if hidden != [("libzstd1", "1.5.4+dfsg2-5"), ("media-types", "10.0.0")]:
    sys.exit("not visible: %s" % hidden)
PY
expect 0 "CycloneDX all-layers: second run" sbom --scope all-layers --format cyclonedx-json "$IMG"
check "CycloneDX all-layers: byte-identical output" cmp -s "$T/al.cdx.json" "$T/out"

# --attest: the SBOM signed and attached in one step, then verified with verify-attestation
export COSIGN_PASSWORD=test-pass
"$SIGIL" generate-key-pair --output-key-prefix "$T/sk" 2>/dev/null
"$SIGIL" generate-key-pair --output-key-prefix "$T/sk2" 2>/dev/null
cp -r "$T/bin" "$T/binatt"
expect_error 2 "--attest without --key" "needs --key" sbom --attest "oci:$T/binatt:v1"
expect_error 2 "--key without --attest" "is for --attest" sbom --key "$T/sk.key" "oci:$T/binatt:v1"
expect_error 2 "--attest on a dir:" "registry or oci" sbom --attest --key "$T/sk.key" "dir:$T/binroot"
expect 0 "sbom --attest" sbom --attest --key "$T/sk.key" --output "$T/att.json" "oci:$T/binatt:v1"
check "--attest: the SBOM written as without --attest" sbomcheck same-content "$T/att.json" "$T/bin.json"
check "--attest: stdout empty with --output" test ! -s "$T/out"
expect 0 "verify-attestation --type spdxjson" verify-attestation --key "$T/sk.pub" --type spdxjson "oci:$T/binatt:v1"
check "the attested predicate is the SBOM" bincheck predicate "$T/out" https://spdx.dev/Document "$T/att.json"
expect 0 "sbom --attest CycloneDX, sigstore bundle" sbom --attest --key "$T/sk.key" \
	--format cyclonedx-json --bundle-format sigstore --output "$T/att.cdx.json" "oci:$T/binatt:v1"
expect 0 "verify-attestation --type cyclonedx" verify-attestation --key "$T/sk.pub" --type cyclonedx "oci:$T/binatt:v1"
check "the attested CycloneDX predicate is the SBOM" bincheck predicate "$T/out" https://cyclonedx.org/bom "$T/att.cdx.json"
expect_error 1 "verify-attestation with another key fails" "" \
	verify-attestation --key "$T/sk2.pub" --type spdxjson "oci:$T/binatt:v1"

# ---- the same image in a registry ----
start_registry
at_exit stop_registry
"$PY" "$ROOT/scripts/mkimage.py" "$DATA/base" - --layer "$DATA/upgrade" --push "$REGISTRY/sbom/img:v1" >/dev/null
expect 0 "sbom from a registry" sbom --output "$T/reg.json" "$REGISTRY/sbom/img:v1"
check "registry: valid SPDX 2.3" sbomcheck schema "$T/reg.json" "$SCHEMA"
check "registry: same packages and files as the layout" sbomcheck same-content "$T/reg.json" "$T/a.json"
check "registry: image purl names the repository" \
	grep -q "pkg:oci/img@$d?arch=amd64&repository_url=${REGISTRY}%2Fsbom%2Fimg&tag=v1" "$T/reg.json"
expect 0 "registry: second run" sbom "$REGISTRY/sbom/img:v1"
check "registry: byte-identical output" cmp -s "$T/reg.json" "$T/out"
finish
