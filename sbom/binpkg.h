#ifndef SIGIL_SBOM_BINPKG_H
#define SIGIL_SBOM_BINPKG_H
/* Packages recorded inside one file: a Go binary's build info, a Rust binary's
 * cargo-auditable dependency list, a Java archive's manifest and Maven pom.properties
 * (nested archives too). Each parser is a pure function of the bytes in memory: it opens no
 * files, prints nothing, keeps no state, and bounds every size and count it reads. Semantics
 * follow syft where that is sound; the head of each bin_*.c says where they differ. */
#include <stddef.h>

struct sg_error;

/* ---- caps ---- */

#define SG_BINPKG_MAX_PKGS      100000u      /* packages from one file */
#define SG_BINPKG_GO_SCAN       (64u << 10)  /* bytes searched for the Go build info magic */
#define SG_BINPKG_GO_MODINFO    (4u << 20)   /* the Go modinfo string */
#define SG_BINPKG_RUST_ZMAX     (8u << 20)   /* the compressed .dep-v0 section */
#define SG_BINPKG_RUST_MAX      (16u << 20)  /* its JSON, decompressed */
#define SG_BINPKG_JAVA_DEPTH    4            /* archives inside archives inside ... */
#define SG_BINPKG_JAVA_NESTED   (64u << 20)  /* one nested archive, decompressed */
#define SG_BINPKG_JAVA_TOTAL    (256u << 20) /* all bytes decompressed for one outer archive */
#define SG_BINPKG_JAVA_ENTRIES  200000u      /* zip entries, all archives together */
#define SG_BINPKG_JAVA_TEXT     (1u << 20)   /* MANIFEST.MF, one pom.properties */

/* ---- sniffing ---- */

typedef enum {
	SG_BIN_NONE = 0,
	SG_BIN_ELF,  /* "\x7fELF": may hold Go build info or a cargo-auditable section */
	SG_BIN_ZIP,  /* "PK\3\4": may be a Java archive (decide by name: sg_binpkg_java_name) */
} sg_binkind;

#define SG_BINPKG_SNIFF 4 /* bytes sg_binpkg_kind looks at */

/* What the first bytes of a file say it is, so a walker buffers only candidates. */
sg_binkind sg_binpkg_kind(const unsigned char *head, size_t len);
/* 1 if path names a Java archive by its extension (.jar .war .ear .par .sar .nar .jpi .hpi
 * .lpkg, any case): the files worth giving to sg_binpkg_java. */
int sg_binpkg_java_name(const char *path);

/* ---- results ---- */

#define SG_BINPKG_NONE ((size_t)-1)

typedef struct sg_binpkg {
	const char *type;  /* purl type: "golang", "cargo", "maven" (static) */
	char *name;        /* module path, crate name, Maven artifactId (or archive name) */
	char *version;     /* NULL when unknown */
	char *group;       /* Maven groupId (NULL elsewhere or when unknown) */
	char *purl;
	char *license;     /* SPDX expression, NULL when unknown (Go stdlib: BSD-3-Clause;
			    * Java: Bundle-License when it names an SPDX licence) */
	char *sum;         /* Go: go.sum hash "h1:..." (NULL when none) */
	char *source;      /* Rust: "crates.io", "local", "git", ... (NULL when absent) */
	char *location;    /* where it was read: Java "app.jar:BOOT-INF/lib/x.jar" (the
			    * archive path given, then ':' and each nested entry), NULL for
			    * binaries (the file itself) */
	int main;          /* the binary's main module, the root crate, an archive's own package */
	size_t parent;     /* Java: index of the package of the archive this one is inside,
			    * SG_BINPKG_NONE for the outermost */
	size_t *deps;      /* indices of direct dependencies: Go main -> every module and
			    * stdlib (Go does not record which are direct); Rust: the audit graph */
	size_t ndeps;
} sg_binpkg;

typedef struct sg_binset {
	char *key, *value;
} sg_binset;

typedef struct sg_binpkgs {
	sg_binpkg *pkgs;
	size_t n, alloc;
	/* Go only */
	char *go_version;    /* "go1.22.1" as recorded */
	char *go_path;       /* the main package's path ("example.com/app/cmd/tool") */
	sg_binset *settings; /* build settings in order ("GOOS", "vcs.revision", ...) */
	size_t nsettings;
	/* Java only: nested archives skipped (over a cap, not a zip, garbage) and why */
	size_t skipped;
	char *warning;       /* the first skip's message, NULL when none */
} sg_binpkgs;

/* Frees everything l holds and zeroes it (l itself is the caller's; NULL is fine). */
void sg_binpkgs_release(sg_binpkgs *l);
/* Index of the main package, SG_BINPKG_NONE when there is none. For Java it is the
 * outermost archive's own package. */
size_t sg_binpkgs_main(const sg_binpkgs *l);

/* ---- parsers ----
 * out must be zeroed ({0}) on entry; it is filled on success and left empty on failure.
 * Returns 0 with at least one package, SG_ENOTFOUND when the bytes are not this kind of
 * file or carry no package information of this kind (not an error for a walker: say
 * nothing), SG_EINVALID when they claim to but are malformed, SG_ETOOBIG over a cap,
 * SG_ERROR when out of memory. e gets one message naming what was wrong. */

/* Go build info of an ELF executable (ELF32/ELF64, either byte order): the .go.buildinfo
 * section or, with no section headers, the first writable data segment, as `go version`
 * does; the Go >= 1.18 inline layout and the older pointer layout. Gives the main module
 * (main=1; "(devel)" kept as its version, with a purl version derived from vcs.revision and
 * vcs.time when both are set), every dependency (a replacement's path and version when
 * `=>` replaced it; the original path and no version when replaced by a local directory),
 * and "stdlib" at the Go version (purl pkg:golang/stdlib@1.22.1). Sets go_version, go_path
 * and settings. */
int sg_binpkg_go(sg_binpkgs *out, const unsigned char *data, size_t len, struct sg_error *e);

/* The cargo-auditable dependency list of an ELF executable (section .dep-v0, or the older
 * .rust-deps-v0): zlib-compressed JSON. Build-time dependencies are left out (they are not
 * in the binary; syft does the same); the root crate has main=1; deps follow the graph. */
int sg_binpkg_rust(sg_binpkgs *out, const unsigned char *data, size_t len, struct sg_error *e);

/* A Java archive (zip) and the archives inside it, to SG_BINPKG_JAVA_DEPTH levels. path is
 * the archive's path in the image (for the name guessed from the file name, as syft does,
 * and for locations; may be NULL). Each archive with a META-INF/MANIFEST.MF gives its own
 * package (main=1 for the outermost); every META-INF/maven/.../pom.properties gives one
 * (groupId, artifactId, version), or completes the archive's own package when it is the
 * same artifact. A nested archive that cannot be read is skipped and counted in
 * out->skipped; a bad outer archive is an error. */
int sg_binpkg_java(sg_binpkgs *out, const unsigned char *data, size_t len, const char *path,
		   struct sg_error *e);

#endif
