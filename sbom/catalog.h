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

typedef struct sg_pfile {
	char *path;      /* "usr/bin/x", relative to the root */
	char md5[33];    /* as dpkg recorded it ("" when unknown) */
	int conffile;
} sg_pfile;

typedef struct sg_licref {
	char *id;        /* "LicenseRef-..." */
	char *name;      /* the name as written */
	char *text;      /* licence text from the copyright file, or NULL */
} sg_licref;

typedef struct sg_pkg {
	char *type;                  /* "deb" */
	char *name, *version, *arch;
	char *source, *source_version; /* NULL when absent */
	char *supplier;              /* "Person: Name (email)" or NULL */
	char *description;           /* the synopsis line, or NULL */
	char *purl;
	char *license;               /* SPDX expression, NULL when unknown */
	sg_pfile *files;             /* sorted by path, unique */
	size_t nfiles;
	char **evidence;             /* files read: DB entry first, then md5sums, copyright */
	size_t nevidence;
	size_t evidence_layer;       /* layer of the DB file the entry was read from */
	size_t introduced_layer;     /* first layer since which the DB lists this version */
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

/* ---- purl (purl.c) ---- */

/* Appends s to b percent-encoded as the purl spec says (everything but A-Z a-z 0-9 . - _ ~
 * and ':'). */
int sg_purl_escape(struct sg_buf *b, const char *s);

#endif
