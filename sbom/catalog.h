#ifndef SIGIL_SBOM_CATALOG_H
#define SIGIL_SBOM_CATALOG_H
/* What the catalogers find in the squashed view (walker.h): the operating system and
 * packages, with their licences, owned files and the layers they came from. Catalogers read
 * only through the walker and never print: findings that do not stop the run go to a warn
 * callback as one line naming the layer and path. */
#include <stddef.h>
#include "walker.h"

struct sg_error;

typedef void (*sg_warn_fn)(void *arg, const char *msg);

/* ---- operating system (cat_os.c) ---- */

typedef struct sg_os {
	int found;
	char *id, *id_like, *name, *version_id, *version, *version_codename, *pretty_name;
	char *debian_version; /* /etc/debian_version when it is a point release ("12.5") */
	char *evidence;       /* the file the release was read from */
	size_t layer;         /* its layer */
} sg_os;

/* The paths the OS cataloger reads; register them with sg_walker_want. */
extern const char *const sg_os_wants[];

/* Reads /etc/os-release, else /usr/lib/os-release, else /etc/debian_version (ID debian).
 * os->found is 0 when none is there; that is not an error. Release with sg_os_release. */
int sg_cat_os(sg_os *os, const sg_walker *w, sg_warn_fn warn, void *arg, struct sg_error *e);
void sg_os_release(sg_os *os);
/* 1 if the OS is Debian or Debian-like (ID or ID_LIKE names debian). */
int sg_os_is_debian_like(const sg_os *os);
/* The purl distro qualifier: "<ID>-<VERSION_ID>", with VERSION_ID refined to the point
 * release of /etc/debian_version when that agrees with it (syft's form). Owned; NULL when
 * unknown or out of memory. */
char *sg_os_distro(const sg_os *os);

/* ---- packages ---- */

/* A file as the view of one layer had it (--scope all-layers, layers.c): for packages found
 * only in a view before the final one, whose files may since have been deleted or replaced. */
typedef struct sg_fseen {
	int found;                   /* a regular file there (else it is not listed) */
	int hashed;
	size_t layer;                /* the layer that wrote it */
	unsigned char sha1[20], sha256[32];
} sg_fseen;

typedef struct sg_pfile {
	char *path;      /* "usr/bin/x", relative to the root */
	char md5[33];    /* as dpkg (or an old rpm) recorded it ("" when unknown) */
	char sha256[65]; /* as rpm recorded it ("" when unknown) */
	int conffile;
	sg_fseen *seen;  /* NULL: look the file up in the final filesystem */
} sg_pfile;

/* Sorts v by path and merges repeats into the first (an empty md5 or sha256 filled from a
 * repeat, conffile if any was); *n becomes the count left. */
void sg_pfiles_finish(sg_pfile *v, size_t *n);

typedef struct sg_licref {
	char *id;        /* "LicenseRef-..." */
	char *name;      /* the name as written */
	char *text;      /* licence text from the copyright file, or NULL */
} sg_licref;

typedef struct sg_pkg {
	char *type;                  /* "deb", "apk", "rpm" (OS); "python", "npm" (language);
				      * "golang", "cargo", "maven" (binaries, archives) */
	char *name, *version, *arch; /* arch NULL for language packages; version NULL when
				      * unknown (binaries and archives only) */
	char *source, *source_version; /* deb Source, apk origin, rpm SOURCERPM; NULL when absent */
	char *supplier;              /* "Person: Name (email)", "Organization: ..." or NULL */
	char *description;           /* the synopsis line, or NULL */
	char *purl;
	char *license;               /* SPDX expression, NULL when unknown */
	sg_pfile *files;             /* sorted by path, unique */
	size_t nfiles;
	char **evidence;             /* files read: DB entry first, then md5sums, copyright */
	size_t nevidence;
	size_t evidence_layer;       /* layer of the DB file the entry was read from */
	size_t introduced_layer;     /* first layer since which the DB lists this version */
	/* 1 + index in the catalog of the OS package whose file list holds this language
	 * package's evidence[0] (a python3-* deb owning its dist-info); 0: none. Set by
	 * sg_catalog_finish. */
	size_t owner;
	/* Binaries and archives: indices in the catalog of the packages this one depends on
	 * (a Go main module: every module and stdlib; a crate: the audit graph; an archive:
	 * the archives and pom.properties inside it), sorted, unique; kept right by
	 * sg_catalog_finish's sort. */
	size_t *deps;
	size_t ndeps;
	int main;                    /* the binary's main module, the outermost archive */
	int hidden;                  /* --scope all-layers: found in an earlier layer's view,
				      * not in the final filesystem (deleted or replaced) */
} sg_pkg;

typedef struct sg_catalog {
	sg_os os;
	sg_pkg *pkgs;
	size_t npkgs;
	sg_licref *refs;             /* every LicenseRef- used, sorted by id */
	size_t nrefs;
} sg_catalog;

void sg_catalog_release(sg_catalog *c);
void sg_pkg_release(sg_pkg *p);

/* ---- shared by the catalogers (catalog.c) ---- */

/* The regular files matching any of patterns (wants of w), by the path they resolve to,
 * sorted, each once (a file reached through a symlink too). Owned (sg_strv_free). */
int sg_gather(char ***paths, size_t *n, const sg_walker *w, const char *const *patterns,
	      size_t npatterns, struct sg_error *e);
/* A warning through warn (may be NULL), formatted, one line. */
void sg_warnf(sg_warn_fn warn, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends *p to c, taking its contents (p is zeroed); released on failure. */
int sg_catalog_add(sg_catalog *c, sg_pkg *p);
/* Appends a copy of path to p's evidence. */
int sg_pkg_add_evidence(sg_pkg *p, const char *path);
/* "Person: Name (email)" from a name and an email, either may be NULL or empty (blanks,
 * controls and "UNKNOWN" count as empty). Owned; NULL when both are empty (*oom unset)
 * or out of memory (*oom set). */
char *sg_person(const char *name, size_t nlen, const char *email, size_t elen, int *oom);
/* The same from "Name <email> (url)" (npm, apk m:, Python's Author-email); the first of
 * a comma-separated list. */
char *sg_person_from(const char *s, int *oom);

/* After every cataloger: sorts the packages (name, version, type, arch, evidence) and the
 * LicenseRefs, and links each language package whose evidence file an OS package lists
 * among its files to that package (sg_pkg.owner); those files are then listed under the
 * owner only. Paths are compared as they resolve in w. */
int sg_catalog_finish(sg_catalog *c, const sg_walker *w, struct sg_error *e);
/* The sort alone (packages and LicenseRefs), keeping deps and owner indices right. */
int sg_catalog_sort(sg_catalog *c, struct sg_error *e);

/* ---- --scope all-layers (layers.c) ----
 * The packages of every layer's view, not only the final one's, as syft's all-layers scope:
 * after each layer that wrote evidence, the catalogers run on the walker's view as it
 * stands (the squashed filesystem up to that layer); packages not seen before are kept,
 * with their files as that view had them. A package is the same in two views when its
 * type, purl (else name and version) and evidence path are: it is listed once, with the
 * lowest evidence and introduced layers of its views, and the final view's record when it
 * is in the final filesystem. */
typedef struct sg_layers sg_layers;
int sg_layers_new(sg_layers **out, struct sg_error *e);
void sg_layers_free(sg_layers *l);
/* Takes from c (one layer's view, finished with sg_catalog_finish against w as it stands)
 * the packages not seen in an earlier view, their files looked up in w now; c keeps the
 * rest (release it as usual). */
int sg_layers_add(sg_layers *l, sg_catalog *c, const sg_walker *w, struct sg_error *e);
/* c is the final view's catalog, finished: packages of earlier views that it does not have
 * are added to it (hidden), those it has lower its layers; then c is sorted again. */
int sg_layers_merge(sg_layers *l, sg_catalog *c, struct sg_error *e);

/* 64-bit FNV-1a of len bytes: the SBOM code's hash tables. */
uint64_t sg_fnv1a(const void *p, size_t len);

/* A package's key in a package database (as each cataloger spells it) and the layer that
 * introduced it: the layer histories of dpkg, apk and rpm. */
typedef struct sg_hkey {
	char *key;
	size_t layer;
} sg_hkey;
void sg_hkeys_free(sg_hkey *k, size_t n);
void sg_hkeys_sort(sg_hkey *k, size_t n);
/* key in k, sorted by sg_hkeys_sort; NULL if absent. */
const sg_hkey *sg_hkeys_find(const sg_hkey *k, size_t n, const char *key);

/* Which layer introduced a single-package evidence file (METADATA, package.json): the
 * first layer since which the file has had the same content, so a `chown -R` or a
 * reinstall of the same version in a later layer does not move the package. */
typedef struct sg_file_hist sg_file_hist;
int sg_file_hist_new(sg_file_hist **out, struct sg_error *e);
void sg_file_hist_free(sg_file_hist *h);
/* A walker observe hook (arg is the sg_file_hist): records the paths that may be such
 * evidence (METADATA, PKG-INFO, *.egg-info, package.json), ignores the others. */
void sg_file_hist_observe(void *h, const char *path, size_t layer, const unsigned char *data,
			  size_t len);
/* The layer since which path has had this (its final) content; fallback when unknown or
 * when the history's last content differs (never later than fallback). h may be NULL. */
size_t sg_file_hist_layer(const sg_file_hist *h, const char *path, const unsigned char *data,
			  size_t len, size_t fallback);

/* ---- dpkg (cat_dpkg.c) ---- */

#define SG_DPKG_STATUS_MAX (64u << 20) /* a status file with tens of thousands of packages */

/* Registers the dpkg cataloger's wants (status, status.d, info, copyright) with w; the
 * status files are observed, so give sg_dpkg_hist_observe as the walker's observe hook. */
int sg_dpkg_wants(sg_walker *w, struct sg_error *e);

/* Which layer introduced each package version: fed with every layer's status files. */
typedef struct sg_dpkg_hist sg_dpkg_hist;
int sg_dpkg_hist_new(sg_dpkg_hist **out, struct sg_error *e);
void sg_dpkg_hist_free(sg_dpkg_hist *h);
/* A walker observe hook (arg is the sg_dpkg_hist). */
void sg_dpkg_hist_observe(void *h, const char *path, size_t layer, const unsigned char *data,
			  size_t len);

/* Appends the installed dpkg packages of the squashed view to c (c->os must be filled
 * first: it gives the purl namespace and distro). hist may be NULL (then a package's
 * introducing layer is its evidence layer). Garbage in the database gives warnings and
 * skips the entry; an unreadable status file is an error. */
int sg_cat_dpkg(sg_catalog *c, const sg_walker *w, const sg_dpkg_hist *hist, sg_warn_fn warn,
		void *arg, struct sg_error *e);

/* ---- apk (cat_apk.c) ---- */

#define SG_APK_DB_MAX (64u << 20) /* lib/apk/db/installed */

/* Registers lib/apk/db/installed (observed: give sg_apk_hist_observe to the walker). */
int sg_apk_wants(sg_walker *w, struct sg_error *e);

/* Which layer introduced each apk package version, from every layer's installed DB. */
typedef struct sg_apk_hist sg_apk_hist;
int sg_apk_hist_new(sg_apk_hist **out, struct sg_error *e);
void sg_apk_hist_free(sg_apk_hist *h);
void sg_apk_hist_observe(void *h, const char *path, size_t layer, const unsigned char *data,
			 size_t len);

/* Appends the packages of lib/apk/db/installed (P, V, A, L, o, m, T, F/R) to c; purls
 * pkg:apk/<os id, else alpine>/<name>@<version>?arch=..&distro=<ID>-<VERSION_ID>
 * [&upstream=<origin>]. c->os must be filled first; hist may be NULL. Garbage records
 * give warnings naming the layer and line; a DB over its cap is an error. */
int sg_cat_apk(sg_catalog *c, const sg_walker *w, const sg_apk_hist *hist, sg_warn_fn warn,
	       void *arg, struct sg_error *e);

/* ---- rpm (cat_rpm.c) ---- */

/* rpmdb.sqlite is held whole while read (sqlite3_deserialize, no temp file); a WAL-mode
 * database (Fedora's) is copied once more to clear its WAL bytes. Half the walker's total. */
#define SG_RPM_DB_MAX        (128u << 20)
#define SG_RPM_DB_FILES_MAX  (4u << 20)    /* owned files listed, whole database */
#define SG_RPM_DB_PATHS_MAX  (256u << 20)  /* bytes of their paths */
#define SG_RPM_SQL_STEPS     100000u       /* progress callbacks (1000 VM steps each) */

/* Registers rpmdb.sqlite in var/lib/rpm, usr/lib/sysimage/rpm (Fedora >= 36) and
 * usr/share/rpm (observed: give sg_rpm_hist_observe to the walker). */
int sg_rpm_wants(sg_walker *w, struct sg_error *e);

/* Which layer introduced each rpm package version, from every layer's rpmdb.sqlite. */
typedef struct sg_rpm_hist sg_rpm_hist;
int sg_rpm_hist_new(sg_rpm_hist **out, struct sg_error *e);
void sg_rpm_hist_free(sg_rpm_hist *h);
void sg_rpm_hist_observe(void *h, const char *path, size_t layer, const unsigned char *data,
			 size_t len);

/* Appends the packages of the image's rpmdb.sqlite (each Packages.blob an RPM header,
 * rpmhdr.h) to c, gpg-pubkey entries skipped; purls
 * pkg:rpm/<os id>/<name>@<version>-<release>?arch=..&distro=<ID>-<VERSION_ID>[&epoch=N]
 * [&modularitylabel=..]&upstream=<SOURCERPM> (syft's namespace: rhel -> redhat, opensuse*
 * -> opensuse). c->os must be filled first; hist may be NULL. A database that sqlite cannot
 * read, a bad header, a database over its cap: warnings naming the layer and path. A
 * BerkeleyDB (Packages) or ndb (Packages.db) database without an rpmdb.sqlite beside it: one
 * warning that the format is not read yet. */
int sg_cat_rpm(sg_catalog *c, const sg_walker *w, const sg_rpm_hist *hist, sg_warn_fn warn,
	       void *arg, struct sg_error *e);

/* One header blob as sg_cat_rpm reads it (the fuzz target's way in): appends its package
 * to c, evidence db (the database's path) in layer, or warns and appends nothing. <0 only
 * when out of memory. */
int sg_rpm_add_header(sg_catalog *c, const unsigned char *blob, size_t len, const char *db,
		      size_t layer, sg_warn_fn warn, void *arg, struct sg_error *e);

/* ---- Python (cat_python.c) ---- */

#define SG_PY_METADATA_MAX (1u << 20)  /* METADATA, PKG-INFO, a file-form .egg-info */
#define SG_PY_RECORD_MAX   (8u << 20)  /* RECORD, installed-files.txt */

/* Registers **(slash)*.dist-info/METADATA and RECORD, *.egg-info/PKG-INFO and
 * installed-files.txt, and *.egg-info files, anywhere; the metadata files are observed
 * (sg_file_hist_observe). */
int sg_python_wants(sg_walker *w, struct sg_error *e);
/* Appends the installed Python distributions: purl pkg:pypi/<PEP 503 name>@<version>,
 * licence from License-Expression, License or classifiers, supplier from Author(-email),
 * files from RECORD or installed-files.txt. hist may be NULL. Unparseable metadata gives
 * a warning naming the layer and path. */
int sg_cat_python(sg_catalog *c, const sg_walker *w, const sg_file_hist *hist, sg_warn_fn warn,
		  void *arg, struct sg_error *e);

/* ---- npm (cat_npm.c) ---- */

#define SG_NPM_PACKAGE_JSON_MAX (1u << 20)

/* Registers package.json of package roots: node_modules/<name>/ and node_modules/@<scope>/
 * <name>/ anywhere, and Debian's usr/share/nodejs/, usr/lib/nodejs/ and
 * usr/lib/<triplet>/nodejs/ (observed: sg_file_hist_observe). */
int sg_npm_wants(sg_walker *w, struct sg_error *e);
/* Appends the node packages: purl pkg:npm/[%40scope/]<name>@<version>, licence from
 * license (string or legacy object) or licenses[], supplier from author. A package.json
 * without a name or version is not a package and is skipped without a word; bad JSON
 * gives a warning naming the layer and path. hist may be NULL. */
int sg_cat_npm(sg_catalog *c, const sg_walker *w, const sg_file_hist *hist, sg_warn_fn warn,
	       void *arg, struct sg_error *e);

/* ---- Go and Rust binaries, Java archives (cat_bin.c) ---- */

#define SG_BIN_ELF_MAX   ((uint64_t)1 << 30) /* larger ELF files are not read */
#define SG_BIN_JAVA_MAX  (256u << 20)        /* a Java archive, held whole while parsed */
#define SG_BIN_CAPTURE   (16u << 20)         /* bytes of one ELF file held while parsed */
#define SG_BIN_WHOLE     (1u << 20)          /* ELF files up to this size are held whole */
#define SG_BIN_HEAD      (64u << 10)         /* ELF: the headers */
#define SG_BIN_DATA      (8u << 20)          /* ELF: the start of each writable segment */
#define SG_BIN_TAIL      (1u << 20)          /* ELF: bytes before the section headers */
#define SG_BIN_REGION    SG_BIN_ELF_MAX      /* the mapping files are held in (>= JAVA_MAX) */
#define SG_BIN_RESIDENT  (16u << 20)         /* its bytes kept resident between files */

/* Parses the candidates among the files streaming past the walker, keeping only the
 * packages found (by path and layer), never the files. */
typedef struct sg_bincat sg_bincat;
int sg_bincat_new(sg_bincat **out, sg_warn_fn warn, void *arg, struct sg_error *e);
void sg_bincat_free(sg_bincat *b);
/* The walker's inspector for b (give it in sg_walk_opts.inspect; borrowed from b). */
const sg_walk_inspect *sg_bincat_inspector(sg_bincat *b);
/* Appends the packages of the binaries and archives that are in the final filesystem as
 * they were read (a file a later layer deleted or replaced gives nothing): golang, cargo
 * and maven packages, each with its file as evidence[0], its layer, and deps. */
int sg_cat_bin(sg_catalog *c, const sg_walker *w, const sg_bincat *b, struct sg_error *e);

/* ---- licences (license.c) ---- */

/* The SPDX identifier for one licence name (a Debian short name like "GPL-2+" or an SPDX
 * id in any case): "GPL-2.0-or-later". Borrowed; NULL when not recognised. May be an
 * expression ("Artistic-1.0-Perl OR GPL-1.0-or-later" for Debian's "Perl"). */
const char *sg_spdx_license(const char *name);

/* Parses a Debian copyright file. Machine-readable (DEP-5) files give the `Files: *`
 * paragraph's licence first, then the other paragraphs' in order, without repeats, joined
 * with AND; other files give the /usr/share/common-licenses/NAME they point to. *expr is
 * owned (NULL when nothing was found); LicenseRef- ids used are added to refs. */
int sg_license_from_copyright(char **expr, sg_licref **refs, size_t *nrefs, const char *text,
			      size_t len, struct sg_error *e);
void sg_licrefs_free(sg_licref *refs, size_t n);

/* A licence as package metadata states it (npm, PyPI, apk) as an SPDX expression: a valid
 * expression is normalised ("mit or apache-2.0" -> "MIT OR Apache-2.0"), a known name
 * mapped ("Apache License, Version 2.0" -> "Apache-2.0", "GPLv2+"), anything else on one
 * short line becomes LicenseRef-<name> (added to refs). *expr is owned; NULL for empty,
 * "UNKNOWN", or text that is not a name (several lines, over 200 bytes). */
int sg_license_expr(char **expr, sg_licref **refs, size_t *nrefs, const char *s,
		    struct sg_error *e);
/* The SPDX id of a Python trove classifier ("License :: OSI Approved :: MIT License");
 * borrowed; NULL when not a licence classifier or not one with a single SPDX id. */
const char *sg_license_classifier(const char *classifier);

/* ---- purl (purl.c) ---- */

/* Appends s to b percent-encoded as the purl spec says (everything but A-Z a-z 0-9 . - _ ~
 * and ':'). */
int sg_purl_escape(struct sg_buf *b, const char *s);

#endif
