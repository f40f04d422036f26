#ifndef SIGIL_TESTS_SBOM_FIXTURE_H
#define SIGIL_TESTS_SBOM_FIXTURE_H
/* The fixture the cataloger tests (test_sbom_dpkg, _lang, _rpm) share: layers built in
 * memory, from a directory of tests/data/sbom or entry by entry, streamed through a walker
 * that has the wants and layer histories of the catalogers a test names; their warnings
 * collected, so a test can count them and look for the words it expects. Every step
 * fails the running cmocka test itself, so the tests read as their checks only. */
#include <stddef.h>
#include "walker.h"
#include "catalog.h"

struct archive;

/* What fx_new sets up: the catalogers fx_catalog runs after the OS one, and how. */
enum {
	FX_DPKG = 1u << 0,
	FX_APK = 1u << 1,
	FX_RPM = 1u << 2,
	FX_PYTHON = 1u << 3,
	FX_NPM = 1u << 4,
	/* sg_catalog_finish after the catalogers (sort, owners); without it a test sees a
	 * cataloger's own order */
	FX_FINISH = 1u << 5,
	/* layers written as plain tar, not tar+gzip */
	FX_PLAIN = 1u << 6,
};

/* A layer being written into memory. */
typedef struct fx_tar {
	struct archive *a;
	unsigned char *buf;
	size_t cap, used;
} fx_tar;

typedef struct fx {
	sg_walker *w;
	sg_dpkg_hist *dpkg;  /* each history NULL unless its cataloger was asked for */
	sg_apk_hist *apk;
	sg_rpm_hist *rpm;
	sg_file_hist *files; /* Python's and npm's */
	sg_catalog c;        /* filled by fx_catalog */
	unsigned what;       /* FX_* */
	int warnings;
	char warned[16384];  /* the warnings, one a line */
} fx;

/* path gets tests/data/sbom/rel ($SIGIL_TEST_DATA as meson sets it; tests/data when run
 * from the source root by hand). */
void fx_data_path(char *path, size_t size, const char *rel);

/* A fixture (owned: fx_free): a walker with the wants, and the layer histories, of the
 * catalogers in what. */
fx *fx_new(unsigned what);
void fx_free(fx *f);
/* The warn callback fx_new gives the walker and fx_catalog the catalogers (arg is the fx):
 * counts the message and appends it to warned. */
void fx_warn(void *arg, const char *msg);

/* Starts a layer in memory, in the fixture's format (FX_PLAIN or gzip). */
void fx_open(const fx *f, fx_tar *t);
/* Appends a regular file of len bytes; fx_put_str one of the string s. */
void fx_put(fx_tar *t, const char *name, const void *data, size_t len);
void fx_put_str(fx_tar *t, const char *name, const char *s);
/* Ends the layer, adds it to the walker as the next one up and frees it. */
void fx_add(fx *f, fx_tar *t);
/* One layer of everything under tests/data/sbom/dir: files, directories, symlinks. */
void fx_layer_dir(fx *f, const char *dir);

/* Finishes the walk and runs the OS cataloger, then those of fx_new's what, into f->c. */
void fx_catalog(fx *f);

/* The package of f->c with this type and name (borrowed); fails the test when there is
 * none. */
const sg_pkg *fx_find(const fx *f, const char *type, const char *name);
/* The next two return a static buffer that the next call overwrites: meant for one
 * assert_string_equal. */
/* "name=version" of f->c's packages of this type, in catalog order, space-separated. */
const char *fx_list(const fx *f, const char *type);
/* p's owned files, space-separated, "(c)" after each conffile. */
const char *fx_files(const sg_pkg *p);

#endif
