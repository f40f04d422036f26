#!/usr/bin/env python3
"""Writes the fixtures of tests/unit/test_sbom_binpkg.c into this directory (or argv[1]).

Every file is built byte by byte from the documented layouts, so nothing large or opaque is
committed and the bytes are the same on every run:
  - ELF (gABI): an ELF header, two PT_LOAD segments (text R-X over the headers, data RW-
    over the section contents, vaddr = 0x400000 + file offset), sections, .shstrtab.
  - Go build info (Go's src/debug/buildinfo/buildinfo.go): "\\xff Go buildinf:", pointer
    size, flags; flags bit 1: two uvarint-prefixed strings follow the 32-byte header (Go >=
    1.18); otherwise two pointers to Go string headers {data, len} (bit 0: big endian).
    The modinfo string is framed by cmd/go's 16-byte sentinels (the bytes below are those of
    a real go1.19 binary).
  - cargo-auditable: section .dep-v0 holding zlib(JSON {"packages": [...]}).
  - Java archives: zip files with fixed timestamps, nested jars stored as entries.
Run: python3 mkfixtures.py [DIR]
"""
import io
import os
import struct
import sys
import zipfile
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
BASE = 0x400000
GO_MAGIC = b"\xff Go buildinf:"
INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")
PT_LOAD, PF_X, PF_W, PF_R = 1, 1, 2, 4
SHT_PROGBITS, SHT_STRTAB = 1, 3


def align(n, a):
    return (n + a - 1) // a * a


class Elf:
    """An ELF file whose section contents live in one RW segment. Build the contents
    with addr_of() known in advance: data_offsets() gives where each will land."""

    def __init__(self, is64=True, be=False):
        self.is64, self.be = is64, be
        self.e = ">" if be else "<"
        self.ehsize = 64 if is64 else 52
        self.phentsize = 56 if is64 else 32
        self.shentsize = 64 if is64 else 40
        self.data_start = align(self.ehsize + 2 * self.phentsize, 16)

    def data_offsets(self, sizes):
        offs, pos = [], 0
        for s in sizes:
            pos = align(pos, 16)
            offs.append(self.data_start + pos)
            pos += s
        return offs

    def addr(self, off):
        return BASE + off

    def build(self, sections, section_headers=True):
        """sections: [(name, bytes)]; returns the file."""
        e = self.e
        offs = self.data_offsets([len(d) for _, d in sections])
        payload = bytearray()
        for (_, d), off in zip(sections, offs):
            payload += b"\0" * (off - self.data_start - len(payload)) + d
        data_end = self.data_start + len(payload)
        names = bytearray(b"\0")
        name_at = []
        for n, _ in sections + [(".shstrtab", b"")]:
            name_at.append(len(names))
            names += n.encode() + b"\0"
        shstr_off = data_end
        shoff = align(shstr_off + len(names), 8)
        nsec = len(sections) + 2  # null, sections, .shstrtab
        ident = b"\x7fELF" + bytes([2 if self.is64 else 1, 2 if self.be else 1, 1, 0]) + b"\0" * 8
        machine = 62 if self.is64 else 20
        if not section_headers:
            shoff_h, nsec_h, shstrndx = 0, 0, 0
        else:
            shoff_h, nsec_h, shstrndx = shoff, nsec, nsec - 1
        if self.is64:
            eh = ident + struct.pack(e + "HHIQQQIHHHHHH", 2, machine, 1, BASE, self.ehsize,
                                     shoff_h, 0, self.ehsize, self.phentsize, 2,
                                     self.shentsize, nsec_h, shstrndx)
        else:
            eh = ident + struct.pack(e + "HHIIIIIHHHHHH", 2, machine, 1, BASE, self.ehsize,
                                     shoff_h, 0, self.ehsize, self.phentsize, 2,
                                     self.shentsize, nsec_h, shstrndx)
        hdr_end = self.ehsize + 2 * self.phentsize
        ph = b""
        for off, size, flags in ((0, hdr_end, PF_R | PF_X),
                                 (self.data_start, len(payload), PF_R | PF_W)):
            if self.is64:
                ph += struct.pack(e + "IIQQQQQQ", PT_LOAD, flags, off, BASE + off, BASE + off,
                                  size, size, 0x1000)
            else:
                ph += struct.pack(e + "IIIIIIII", PT_LOAD, off, BASE + off, BASE + off, size,
                                  size, flags, 0x1000)
        out = bytearray(eh + ph)
        out += b"\0" * (self.data_start - len(out)) + payload + names
        if not section_headers:
            return bytes(out)
        out += b"\0" * (shoff - len(out))

        def sh(name, typ, flags, addr, off, size):
            if self.is64:
                return struct.pack(e + "IIQQQQIIQQ", name, typ, flags, addr, off, size, 0, 0, 16, 0)
            return struct.pack(e + "IIIIIIIIII", name, typ, flags, addr, off, size, 0, 0, 16, 0)

        out += sh(0, 0, 0, 0, 0, 0)
        for i, ((_, d), off) in enumerate(zip(sections, offs)):
            out += sh(name_at[i], SHT_PROGBITS, 3, BASE + off, off, len(d))
        out += sh(name_at[-1], SHT_STRTAB, 0, 0, shstr_off, len(names))
        return bytes(out)


def uvarint(n):
    b = bytearray()
    while True:
        if n < 0x80:
            b.append(n)
            return bytes(b)
        b.append(n & 0x7F | 0x80)
        n >>= 7


def modinfo(text):
    return INFO_START + text.encode() + INFO_END


def go_inline(version, mod):
    return GO_MAGIC + bytes([8, 2]) + b"\0" * 16 + uvarint(len(version)) + version.encode() + \
        uvarint(len(mod)) + mod


def go_pointer_elf(is64, be, version, mod):
    """Go < 1.18: .go.buildinfo holds the header and two pointers to string headers in
    .data, which point at the bytes in .rodata."""
    f = Elf(is64, be)
    ps = 8 if is64 else 4
    pfmt = f.e + ("Q" if is64 else "I")
    vb = version.encode()
    sizes = [32, 4 * ps, len(vb) + len(mod)]
    bi, data, ro = f.data_offsets(sizes)
    rodata = vb + mod
    strhdrs = struct.pack(pfmt, f.addr(ro)) + struct.pack(pfmt, len(vb)) + \
        struct.pack(pfmt, f.addr(ro + len(vb))) + struct.pack(pfmt, len(mod))
    hdr = GO_MAGIC + bytes([ps, 1 if be else 0]) + struct.pack(pfmt, f.addr(data)) + \
        struct.pack(pfmt, f.addr(data + 2 * ps))
    hdr += b"\0" * (32 - len(hdr))
    return f.build([(".go.buildinfo", hdr), (".data", strhdrs), (".rodata", rodata)])


GO_MODERN = "\n".join([
    "path\tgithub.com/Acme/Tool/cmd/tool",
    "mod\tgithub.com/Acme/Tool\t(devel)\t",
    "dep\tgithub.com/BurntSushi/toml\tv1.3.2\th1:o7IhLm0Msx3BaB+n3Ag7L8EVlByGnpq14C4YWiu/gL8=",
    "dep\tgolang.org/x/sys\tv0.15.0\th1:h48lPFYpsTvQJZF4EKyI4aLHaev3CxivZmv7yZig9pc=",
    "=>\tgolang.org/x/sys\tv0.16.0\th1:xWw16ngr6ZMtmxDyKyIgsE93KNKz5HKmMa3b8ALHidU=",
    "dep\texample.com/local\tv0.0.0",
    "=>\t../local\t(devel)\t",
    "dep\tgopkg.in/yaml.v3\tv3.0.1\th1:fxVm/GzAzEWqLHuvctI91KS9hhNmmWOoWu0XTYJS7CA=",
    "build\t-buildmode=exe",
    "build\t-compiler=gc",
    'build\t-ldflags="-s -w -X \\"main.name=a b\\" \\u00e9"',
    'build\t"odd key"=`raw value`',
    "build\tCGO_ENABLED=0",
    "build\tGOARCH=amd64",
    "build\tGOOS=linux",
    "build\tvcs=git",
    "build\tvcs.revision=0123456789abcdef0123456789abcdef01234567",
    "build\tvcs.time=2024-03-01T12:34:56Z",
    "build\tvcs.modified=true",
    "",
])

GO_OLD = "\n".join([
    "path\texample.org/ppc/cmd/ppc",
    "mod\texample.org/ppc\tv1.4.0\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
    "",
])


def go_fixtures():
    files = {}
    f = Elf()
    files["go-inline-le64.elf"] = f.build([(".text", b"\xc3" * 40),
                                           (".go.buildinfo", go_inline("go1.22.1", modinfo(GO_MODERN)))])
    files["go-ptr-le64.elf"] = go_pointer_elf(True, False, "go1.17.13", modinfo(GO_OLD))
    files["go-ptr-be32.elf"] = go_pointer_elf(False, True, "go1.16.4", modinfo(GO_OLD))
    # no section headers: found in the first writable segment, at a 16-aligned offset
    # after a misaligned decoy
    blob = b"\0" * 8 + GO_MAGIC + b"\0" * 26 + go_inline("go1.21.5", modinfo(GO_OLD))
    files["go-nosections.elf"] = Elf().build([(".data", blob)], section_headers=False)
    files["go-nomod.elf"] = Elf().build([(".go.buildinfo", go_inline("go1.20.3", b""))])
    # broken ones
    good = files["go-inline-le64.elf"]
    files["go-truncated.elf"] = good[:40]
    bad = bytearray(good)
    struct.pack_into("<Q", bad, 40, len(good) + 4096)  # e_shoff past the end
    files["go-shoff-out.elf"] = bytes(bad)
    files["go-section-out.elf"] = section_offset_out(good, ".go.buildinfo")
    hdr = GO_MAGIC + bytes([8, 2]) + b"\0" * 16 + b"\x08go1.22.1" + uvarint(1 << 20) + b"xx"
    files["go-bad-varint.elf"] = Elf().build([(".go.buildinfo", hdr)])
    ptr = bytearray(files["go-ptr-le64.elf"])
    i = ptr.index(GO_MAGIC)
    struct.pack_into("<Q", ptr, i + 24, 0x7777777)  # modinfo header pointer: unmapped
    files["go-bad-ptr.elf"] = bytes(ptr)
    files["go-bad-modline.elf"] = Elf().build([(".go.buildinfo", go_inline(
        "go1.22.1", modinfo("path\tx\nmod\texample.com/x\t(devel)\t\ndep\tonly-a-path\n")))])
    return files


def section_offset_out(elf, name):
    """The named section's sh_offset moved past the end (ELF64 LE only)."""
    b = bytearray(elf)
    shoff, shnum, shstrndx = struct.unpack_from("<Q", b, 40)[0], *struct.unpack_from("<HH", b, 60)
    stroff = struct.unpack_from("<Q", b, shoff + 64 * shstrndx + 24)[0]
    for i in range(shnum):
        at = shoff + 64 * i
        n = struct.unpack_from("<I", b, at)[0]
        if b[stroff + n:stroff + n + len(name) + 1] == name.encode() + b"\0":
            struct.pack_into("<Q", b, at + 24, len(b) + 100)
    return bytes(b)


RUST_JSON = b'''{"packages":[
 {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2,3],"root":true},
 {"name":"serde","version":"1.0.188","source":"crates.io","dependencies":[2]},
 {"name":"serde_derive","version":"1.0.188","source":"crates.io","kind":"build"},
 {"name":"itoa","version":"1.0.9","source":"crates.io","kind":"runtime"}
]}'''


def rust_fixtures():
    f = Elf()
    text = (".text", b"\xc3" * 16)
    return {
        "rust-audit.elf": f.build([text, (".dep-v0", zlib.compress(RUST_JSON, 9))]),
        "rust-old.elf": f.build([text, (".rust-deps-v0", zlib.compress(RUST_JSON, 9))]),
        "rust-bomb.elf": f.build([text, (".dep-v0", zlib.compress(b" " * (17 << 20), 9))]),
        "rust-badjson.elf": f.build([text, (".dep-v0", zlib.compress(
            b'{"packages":[{"name":1,"version":"1"}]}'))]),
        "rust-badindex.elf": f.build([text, (".dep-v0", zlib.compress(
            b'{"packages":[{"name":"a","version":"1","dependencies":[7]}]}'))]),
        "rust-badzlib.elf": f.build([text, (".dep-v0", b"\x78\x9c" + b"\xff" * 30)]),
    }


def zipbytes(entries, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".jar") else compression
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def manifest(*lines):
    return ("\r\n".join(("Manifest-Version: 1.0",) + lines) + "\r\n\r\n").encode()


def pom(group, artifact, version):
    return ("#Generated by Maven\n#Tue Mar 05 10:00:00 UTC 2024\n"
            "artifactId=%s\ngroupId=%s\nversion=%s\n" % (artifact, group, version)).encode()


def java_fixtures():
    files = {}
    lang3 = zipbytes([
        ("META-INF/MANIFEST.MF", manifest(
            "Bundle-SymbolicName: org.apache.commons.lang3",
            "Implementation-Title: Apache Commons Lang",
            "Bundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt")),
        ("META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
         pom("org.apache.commons", "commons-lang3", "3.12.0")),
        ("org/apache/commons/lang3/StringUtils.class", b"\xca\xfe\xba\xbe"),
    ])
    tiny = zipbytes([
        ("META-INF/MANIFEST.MF", manifest(
            "Implementation-Title: Tiny Utilities",
            "Implementation-Version: 9.9",
            "Bundle-SymbolicName: org.example.tiny;singleton:=true",
            "Bundle-Description: a description long enough to be folded by the jar t",
            " ool at seventy-two bytes")),
    ])
    files["app-1.0.0.jar"] = zipbytes([
        ("META-INF/MANIFEST.MF", manifest(
            "Created-By: Maven JAR Plugin 3.3.0",
            "Implementation-Title: app",
            "Implementation-Version: 1.0.0",
            "Implementation-Vendor-Id: com.acme.legacy",
            "Bundle-License: Apache-2.0")),
        ("META-INF/maven/com.acme/app/pom.properties", pom("com.acme", "app", "1.0.0")),
        ("META-INF/maven/com.google.code.gson/gson/pom.properties",
         pom("com.google.code.gson", "gson", "2.10.1")),
        ("BOOT-INF/lib/commons-lang3-3.12.0.jar", lang3),
        ("BOOT-INF/lib/tiny-util_2.1.jar", tiny),
        ("WEB-INF/lib/broken-1.0.jar", b"this is not a zip archive at all"),
        ("BOOT-INF/classes/com/acme/App.class", b"\xca\xfe\xba\xbe"),
    ])
    inner = None
    for level in range(5, -1, -1):  # level0 holds level1 ... holds level5
        entries = [("META-INF/MANIFEST.MF", manifest("Implementation-Title: level%d" % level))]
        if inner is not None:
            entries.append(("lib/level%d-1.0.jar" % (level + 1), inner))
        inner = zipbytes(entries)
    files["deep.jar"] = inner
    files["pom-only.jar"] = zipbytes([
        ("META-INF/maven/io.netty/netty-common/pom.properties",
         pom("io.netty", "netty-common", "4.1.100.Final")),
    ])
    files["manifest-only.jar"] = zipbytes([
        ("META-INF/MANIFEST.MF", manifest("Implementation-Title: Fallback Title",
                                          "Specification-Version: 7.0",
                                          "Implementation-Vendor-Id: org.fallback")),
    ])
    files["manifest-bomb.jar"] = zipbytes([
        ("META-INF/MANIFEST.MF", manifest("X-Pad: " + "a" * (2 << 20))),
    ])
    huge = bytearray(zipbytes([("META-INF/MANIFEST.MF", manifest("Implementation-Title: h"))]))
    # a nested "jar" that inflates past SG_BINPKG_JAVA_NESTED (64 MiB): 70 MiB of zeros
    # after a real jar, deflated to about 70 KB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, ct in (
                ("META-INF/MANIFEST.MF", manifest("Implementation-Title: outer",
                                                  "Implementation-Version: 1"), zipfile.ZIP_DEFLATED),
                ("BOOT-INF/lib/huge-1.0.jar", bytes(huge) + b"\0" * (70 << 20), zipfile.ZIP_DEFLATED)):
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = ct
            z.writestr(info, data, compresslevel=9)
    files["nested-bomb.jar"] = buf.getvalue()
    files["not-a-zip.jar"] = b"just some text that a jar-named file might hold\n"
    files["truncated.jar"] = files["app-1.0.0.jar"][:len(files["app-1.0.0.jar"]) // 2]
    files["empty.jar"] = zipbytes([])
    return files


def main():
    files = {}
    files.update(go_fixtures())
    files.update(rust_fixtures())
    files.update(java_fixtures())
    for name, data in sorted(files.items()):
        assert len(data) < 200 << 10, (name, len(data))
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
    print("%d fixtures written to %s" % (len(files), OUT))


if __name__ == "__main__":
    main()
