/* The rpm cataloger: the real rpmdb.sqlite of tests/data/sbom/rpm (made by its make.sh with
 * rpm 4.18: WAL mode, five entries, one of them a gpg-pubkey) through the walker, with the
 * Fedora path and the var/lib/rpm symlink; purls (epoch, modularity label, namespaces),
 * licences, suppliers, owned files, the rpm package owning a Python dist-info, the layer
 * that introduced each version; databases that sqlite refuses, BerkeleyDB and ndb files;
 * and the header parser on hand-built blobs, malformed in every way it checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "sbom_fixture.h"
#include "rpmhdr.h"
#include "buf.h"
#include "err.h"

#define FIXTURE_DB "rpm/root/usr/lib/sysimage/rpm/rpmdb.sqlite"

/* The OS, rpm and Python catalogers (rpm packages own Python ones), owners linked; layers
 * as plain tar (test_sbom_dpkg and _lang gzip theirs: the catalogers see both kinds). */
#define RPM_CATS (FX_RPM | FX_PYTHON | FX_FINISH | FX_PLAIN)

/* ---- databases made in memory ---- */

static void read_fixture(sg_buf *b)
{
	char path[2048];
	sg_error e = { 0 };

	fx_data_path(path, sizeof(path), FIXTURE_DB);
	sg_buf_init(b, 64u << 20);
	if (sg_read_file(b, path, &e) < 0)
		fail_msg("%s", e.msg);
}

/* A writable in-memory copy of an SQLite file (rollback mode, so it opens from memory). */
static sqlite3 *mem_db(const unsigned char *data, size_t len)
{
	unsigned char *copy = sqlite3_malloc64(len);
	sqlite3 *db;

	assert_non_null(copy);
	memcpy(copy, data, len);
	copy[18] = copy[19] = 1;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len,
					     (sqlite3_int64)len, SQLITE_DESERIALIZE_FREEONCLOSE |
					     SQLITE_DESERIALIZE_RESIZEABLE), SQLITE_OK);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* The database's bytes (malloc'd). */
static unsigned char *serialize(sqlite3 *db, size_t *len)
{
	sqlite3_int64 n = 0;
	unsigned char *s = sqlite3_serialize(db, "main", &n, 0), *out;

	assert_non_null(s);
	assert_non_null(out = malloc((size_t)n));
	memcpy(out, s, (size_t)n);
	sqlite3_free(s);
	*len = (size_t)n;
	return out;
}

/* A new database with sql run in it. */
static unsigned char *make_db(const char *sql, size_t *len)
{
	sqlite3 *db;
	unsigned char *out;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(db, sql);
	out = serialize(db, len);
	sqlite3_close(db);
	return out;
}

/* The Packages blob of the fixture whose NAME is name (malloc'd). */
static unsigned char *fixture_blob(const char *name, size_t *len)
{
	sg_buf b;
	sqlite3 *db;
	sqlite3_stmt *st;
	unsigned char *out = NULL;
	sg_rpm_info info;
	sg_error e = { 0 };

	read_fixture(&b);
	db = mem_db(b.data, b.len);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &st, NULL), SQLITE_OK);
	while (!out && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		assert_int_equal(sg_rpm_info_read(&info, p, n, SG_RPM_NO_FILES, &e), 0);
		if (!strcmp(info.name, name)) {
			assert_non_null(out = malloc(n));
			memcpy(out, p, n);
			*len = n;
		}
		sg_rpm_info_release(&info);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	sg_buf_release(&b);
	assert_non_null(out);
	return out;
}

/* ---- hand-built header blobs ---- */

typedef struct hb {
	unsigned char idx[64 * 16];
	uint32_t n;
	unsigned char data[16384];
	uint32_t dl;
	int region;
} hb;

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Appends an entry; its data aligned as its type wants. */
static void hb_add(hb *h, uint32_t tag, uint32_t type, const void *p, size_t len, uint32_t count)
{
	static const unsigned align[] = { 1, 1, 1, 2, 4, 8, 1, 1, 1, 1 };
	unsigned a = type < 10 ? align[type] : 1;

	while (h->dl % a)
		h->data[h->dl++] = 0;
	put32(h->idx + h->n * 16, tag);
	put32(h->idx + h->n * 16 + 4, type);
	put32(h->idx + h->n * 16 + 8, h->dl);
	put32(h->idx + h->n * 16 + 12, count);
	h->n++;
	assert_true(h->dl + len <= sizeof(h->data));
	memcpy(h->data + h->dl, p, len);
	h->dl += (uint32_t)len;
}

static void hb_str(hb *h, uint32_t tag, const char *s)
{
	hb_add(h, tag, SG_RPM_STRING, s, strlen(s) + 1, 1);
}

static void hb_u32(hb *h, uint32_t tag, uint32_t v)
{
	unsigned char b[4];

	put32(b, v);
	hb_add(h, tag, SG_RPM_INT32, b, 4, 1);
}

/* NUL-separated strings given as one C string with '|' between them. */
static void hb_strs(hb *h, uint32_t tag, uint32_t type, const char *bars)
{
	char buf[4096];
	size_t n = strlen(bars), i;
	uint32_t count = 1;

	assert_true(n < sizeof(buf));
	for (i = 0; i <= n; i++) {
		buf[i] = bars[i] == '|' ? '\0' : bars[i];
		count += bars[i] == '|';
	}
	hb_add(h, tag, type, buf, n + 1, count);
}

static void hb_nvr(hb *h, const char *name, const char *version, const char *release)
{
	memset(h, 0, sizeof(*h));
	hb_str(h, SG_RPMTAG_NAME, name);
	hb_str(h, SG_RPMTAG_VERSION, version);
	hb_str(h, SG_RPMTAG_RELEASE, release);
}

/* tool-1.2-4.el9: NAME at 0, VERSION at 5, RELEASE at 9, 15 bytes */
static void hb_base(hb *h)
{
	hb_nvr(h, "tool", "1.2", "4.el9");
}

/* The blob: il, dl, the index (a region tag first when h->region), the store. */
static unsigned char *hb_blob(hb *h, size_t *len)
{
	uint32_t il = h->n + (h->region ? 1 : 0), dl = h->dl, off = 0;
	unsigned char *b, trailer[16];

	if (h->region) {
		off = dl;
		put32(trailer, 63);
		put32(trailer + 4, SG_RPM_BIN);
		put32(trailer + 8, (uint32_t)-(int32_t)(il * 16));
		put32(trailer + 12, 16);
		dl += 16;
	}
	*len = 8 + (size_t)il * 16 + dl;
	assert_non_null(b = calloc(1, *len));
	put32(b, il);
	put32(b + 4, dl);
	if (h->region) {
		put32(b + 8, 63);
		put32(b + 12, SG_RPM_BIN);
		put32(b + 16, off);
		put32(b + 20, 16);
	}
	memcpy(b + 8 + (h->region ? 16 : 0), h->idx, (size_t)h->n * 16);
	memcpy(b + 8 + (size_t)il * 16, h->data, h->dl);
	if (h->region)
		memcpy(b + 8 + (size_t)il * 16 + off, trailer, 16);
	return b;
}

/* sg_rpm_info_read on the blob: SG_EINVALID (or want) with want_msg in the message. */
static void expect_bad(const unsigned char *b, size_t len, int want, const char *want_msg)
{
	sg_rpm_info info;
	sg_error e = { 0 };
	int err = sg_rpm_info_read(&info, b, len, 0, &e);

	if (err != want || !strstr(e.msg, want_msg))
		fail_msg("got %d \"%s\", wanted %d \"...%s...\"", err, e.msg, want, want_msg);
	assert_null(info.name);
}

/* ---- the fixture ---- */

static void test_fixture(void **state)
{
	fx *f = fx_new(RPM_CATS);
	const sg_pkg *p;

	(void)state;
	fx_layer_dir(f, "rpm/root");
	fx_catalog(f);
	if (f->warnings)
		fail_msg("warnings:\n%s", f->warned);
	/* gpg-pubkey is an imported key, not a package; var/lib/rpm is a symlink to the
	 * Fedora path: the database is read once */
	assert_string_equal(fx_list(f, "rpm"), "dbus-libs=1:1.14.10-3.fc40 hello=2.12.1-3.fc40 "
						"legacy-tool=0.9-3.module+el8.9.0+1234+abcdef12 "
						"python3-six=1.16.0-14.fc40");
	p = fx_find(f, "rpm", "hello");
	assert_string_equal(p->purl, "pkg:rpm/fedora/hello@2.12.1-3.fc40?arch=x86_64&distro=fedora-40&"
				     "upstream=hello-2.12.1-3.fc40.src.rpm");
	assert_string_equal(p->license, "GPL-3.0-or-later");
	assert_string_equal(p->supplier, "Organization: Fedora Project");
	assert_string_equal(p->description, "Prints a familiar, friendly greeting");
	assert_string_equal(p->source, "hello-2.12.1-3.fc40.src.rpm");
	assert_string_equal(p->arch, "x86_64");
	/* regular files only: not the doc directory */
	assert_string_equal(fx_files(p), "etc/hello.conf usr/bin/hello usr/share/doc/hello/README");
	assert_string_equal(p->files[1].sha256,
			    "1e70cef0dfe5ce1120ccde5e1551c7277bcddaa75a1808f49512f404e6b8aec8");
	assert_string_equal(p->files[1].md5, "");
	assert_int_equal(p->nevidence, 1);
	assert_string_equal(p->evidence[0], "usr/lib/sysimage/rpm/rpmdb.sqlite");
	assert_int_equal(p->evidence_layer, 0);
	assert_int_equal(p->introduced_layer, 0);

	p = fx_find(f, "rpm", "dbus-libs"); /* the epoch: in the version, a qualifier in the purl */
	assert_string_equal(p->purl, "pkg:rpm/fedora/dbus-libs@1.14.10-3.fc40?arch=x86_64&"
				     "distro=fedora-40&epoch=1&upstream=dbus-libs-1.14.10-3.fc40.src.rpm");
	assert_string_equal(p->license, "(AFL-2.1 OR GPL-2.0-or-later) AND GPL-2.0-or-later");
	assert_string_equal(fx_files(p), "usr/lib64/libdbus-1.so.3.32.4"); /* not the symlink */

	p = fx_find(f, "rpm", "legacy-tool"); /* trivy's modularitylabel; no vendor */
	assert_string_equal(p->purl, "pkg:rpm/fedora/legacy-tool@0.9-3.module%2Bel8.9.0%2B1234%2Babcdef12"
				     "?arch=x86_64&distro=fedora-40&modularitylabel=legacy:1.0:"
				     "8090020231101000000:abcdef12&upstream=legacy-tool-0.9-3.module"
				     "%2Bel8.9.0%2B1234%2Babcdef12.src.rpm");
	assert_null(p->supplier);
	/* old Fedora names, each mapped; the one without an SPDX id is a LicenseRef */
	assert_string_equal(p->license, "GPL-2.0-or-later AND Apache-2.0 AND LicenseRef-Public-Domain");
	assert_int_equal(f->c.nrefs, 1);
	assert_string_equal(f->c.refs[0].id, "LicenseRef-Public-Domain");
	assert_string_equal(f->c.refs[0].name, "Public Domain");

	/* python3-six owns six's dist-info: six is listed once, inside it */
	p = fx_find(f, "rpm", "python3-six");
	assert_string_equal(p->purl, "pkg:rpm/fedora/python3-six@1.16.0-14.fc40?arch=noarch&"
				     "distro=fedora-40&upstream=python3-six-1.16.0-14.fc40.src.rpm");
	assert_int_equal(p->nfiles, 5);
	p = fx_find(f, "python", "six");
	assert_true(p->owner > 0);
	assert_string_equal(f->c.pkgs[p->owner - 1].name, "python3-six");
	assert_int_equal(p->nfiles, 0); /* RECORD's files are all the rpm's */
	fx_free(f);
}

/* The same database in rollback mode (header bytes 18-19 = 1) is read from the walker's
 * buffer itself, not a copy: the same packages. */
static void test_rollback_mode(void **state)
{
	fx *f = fx_new(RPM_CATS);
	sg_buf b;
	fx_tar t;

	(void)state;
	read_fixture(&b);
	assert_int_equal(b.data[18], 2); /* the fixture is WAL, as Fedora's */
	b.data[18] = b.data[19] = 1;
	fx_open(f, &t);
	fx_put(&t, "var/lib/rpm/rpmdb.sqlite", b.data, b.len);
	fx_add(f, &t);
	fx_catalog(f);
	assert_int_equal(f->warnings, 0);
	assert_string_equal(fx_list(f, "rpm"), "dbus-libs=1:1.14.10-3.fc40 hello=2.12.1-3.fc40 "
						"legacy-tool=0.9-3.module+el8.9.0+1234+abcdef12 "
						"python3-six=1.16.0-14.fc40");
	/* no os-release: no namespace, no distro */
	assert_string_equal(fx_find(f, "rpm", "hello")->purl,
			    "pkg:rpm/hello@2.12.1-3.fc40?arch=x86_64&upstream=hello-2.12.1-3.fc40.src.rpm");
	assert_string_equal(fx_find(f, "rpm", "hello")->evidence[0], "var/lib/rpm/rpmdb.sqlite");
	sg_buf_release(&b);
	fx_free(f);
}

/* A second layer: legacy-tool removed, hello upgraded (a built header), the rest kept. */
static void test_layers(void **state)
{
	fx *f = fx_new(RPM_CATS);
	sg_buf b;
	sqlite3 *db;
	sqlite3_stmt *st;
	unsigned char *blob, *bytes;
	size_t blen, len;
	hb h;
	fx_tar t;

	(void)state;
	fx_layer_dir(f, "rpm/root");
	read_fixture(&b);
	db = mem_db(b.data, b.len);
	exec(db, "DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Name WHERE key IN "
		 "('legacy-tool', 'hello'))");
	hb_nvr(&h, "hello", "2.12.2", "1.fc40");
	hb_str(&h, SG_RPMTAG_ARCH, "x86_64");
	h.region = 1;
	blob = hb_blob(&h, &blen);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, blob, (int)blen, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	bytes = serialize(db, &len);
	sqlite3_close(db);
	fx_open(f, &t);
	fx_put(&t, "usr/lib/sysimage/rpm/rpmdb.sqlite", bytes, len);
	fx_add(f, &t);
	fx_catalog(f);
	assert_int_equal(f->warnings, 0);
	assert_string_equal(fx_list(f, "rpm"), "dbus-libs=1:1.14.10-3.fc40 hello=2.12.2-1.fc40 "
						"python3-six=1.16.0-14.fc40");
	assert_int_equal(fx_find(f, "rpm", "dbus-libs")->introduced_layer, 0);
	assert_int_equal(fx_find(f, "rpm", "dbus-libs")->evidence_layer, 1);
	assert_int_equal(fx_find(f, "rpm", "hello")->introduced_layer, 1);
	assert_null(fx_find(f, "rpm", "hello")->license);
	assert_null(fx_find(f, "rpm", "hello")->source);
	assert_string_equal(fx_find(f, "rpm", "hello")->purl,
			    "pkg:rpm/fedora/hello@2.12.2-1.fc40?arch=x86_64&distro=fedora-40");
	free(bytes);
	free(blob);
	sg_buf_release(&b);
	fx_free(f);
}

/* ---- databases that are not, or not quite, rpm databases ---- */

static void one_db(const char *path, const void *data, size_t len, const char *want)
{
	fx *f = fx_new(RPM_CATS);
	fx_tar t;

	fx_open(f, &t);
	fx_put(&t, path, data, len);
	fx_add(f, &t);
	fx_catalog(f);
	if (f->warnings != 1 || !strstr(f->warned, want))
		fail_msg("%d warning(s):\n%s\nwanted one with: %s", f->warnings, f->warned, want);
	assert_string_equal(fx_list(f, "rpm"), "");
	fx_free(f);
}

static void test_bad_databases(void **state)
{
	static const char junk[] = "this is not a database, just some bytes of junk that are long "
				   "enough to be taken for one; they are not, of course.";
	unsigned char *db, *x;
	size_t len;
	sg_buf b;

	(void)state;
	one_db("var/lib/rpm/rpmdb.sqlite", junk, sizeof(junk),
	       "rpm: var/lib/rpm/rpmdb.sqlite (layer 0): not read: not an SQLite 3 database");
	one_db("var/lib/rpm/rpmdb.sqlite", "", 0, "rpm: var/lib/rpm/rpmdb.sqlite (layer 0): not read: ");
	db = make_db("CREATE TABLE other (x);", &len);
	one_db("usr/share/rpm/rpmdb.sqlite", db, len,
	       "rpm: usr/share/rpm/rpmdb.sqlite (layer 0): not read: sqlite: no such table: Packages");
	free(db);
	/* a view that would never end: views are off */
	db = make_db("CREATE VIEW Packages AS WITH RECURSIVE r(hnum, blob) AS (SELECT 1, x'00' "
		     "UNION ALL SELECT hnum + 1, blob FROM r) SELECT hnum, blob FROM r;", &len);
	one_db("var/lib/rpm/rpmdb.sqlite", db, len, "rpm: var/lib/rpm/rpmdb.sqlite (layer 0): not read: sqlite: ");
	free(db);
	/* a header that is not one, a NULL, text: each named; the good row still counts */
	db = make_db("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);"
		     "INSERT INTO Packages VALUES (1, x'0000000100000000');", &len);
	one_db("var/lib/rpm/rpmdb.sqlite", db, len, "package 1: 8 bytes, but 8 + 16 * 1 entries + "
	       "0 data bytes = 24; skipped");
	free(db);
	/* the fixture's pages cut short: sqlite says the image is malformed */
	read_fixture(&b);
	x = malloc(b.len);
	assert_non_null(x);
	memcpy(x, b.data, b.len);
	memset(x + 4096, 0x5a, 4096 * 3);
	one_db("var/lib/rpm/rpmdb.sqlite", x, b.len, "rpm: var/lib/rpm/rpmdb.sqlite (layer 0): ");
	free(x);
	sg_buf_release(&b);
}

static void test_bad_rows(void **state)
{
	fx *f = fx_new(RPM_CATS);
	unsigned char *db;
	size_t len;
	fx_tar t;

	(void)state;
	db = make_db("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);"
		     "INSERT INTO Packages VALUES (1, x'0000000100000000');"
		     "INSERT INTO Packages VALUES (2, NULL);"
		     "INSERT INTO Packages VALUES (3, 'text');", &len);
	fx_open(f, &t);
	fx_put(&t, "var/lib/rpm/rpmdb.sqlite", db, len);
	fx_add(f, &t);
	fx_catalog(f);
	assert_int_equal(f->warnings, 3);
	assert_non_null(strstr(f->warned, "rpm: var/lib/rpm/rpmdb.sqlite (layer 0): package 1: 8 bytes, "
					  "but 8 + 16 * 1 entries + 0 data bytes = 24; skipped"));
	assert_non_null(strstr(f->warned, "package 2: no header blob; skipped"));
	assert_non_null(strstr(f->warned, "package 3: no header blob; skipped"));
	free(db);
	fx_free(f);
}

static void test_legacy_formats(void **state)
{
	fx *f = fx_new(RPM_CATS);
	fx_tar t;

	(void)state;
	fx_open(f, &t);
	fx_put(&t, "var/lib/rpm/Packages", "bdb", 3);
	fx_put(&t, "usr/share/rpm/Packages.db", "ndb", 3);
	/* a leftover BerkeleyDB file beside an sqlite database says nothing */
	fx_put(&t, "usr/lib/sysimage/rpm/Packages", "bdb", 3);
	fx_put(&t, "usr/lib/sysimage/rpm/rpmdb.sqlite", "junk", 4);
	fx_add(f, &t);
	fx_catalog(f);
	assert_int_equal(f->warnings, 3);
	assert_non_null(strstr(f->warned, "rpm: var/lib/rpm/Packages (layer 0): a BerkeleyDB rpm "
					  "database, which is not read yet: its packages are not listed"));
	assert_non_null(strstr(f->warned, "rpm: usr/share/rpm/Packages.db (layer 0): an ndb rpm "
					  "database, which is not read yet"));
	assert_non_null(strstr(f->warned, "rpm: usr/lib/sysimage/rpm/rpmdb.sqlite (layer 0): not read"));
	fx_free(f);
}

/* ---- the header parser ---- */

static void test_header_real(void **state)
{
	unsigned char *b, *x;
	size_t len = 0, i;
	sg_rpm_info info;
	sg_error e = { 0 };
	int bad = 0;

	(void)state;
	b = fixture_blob("python3-six", &len);
	assert_int_equal(sg_rpm_info_read(&info, b, len, 0, &e), 0);
	assert_string_equal(info.summary, "Python 2 and 3 compatibility utilities");
	assert_int_equal(info.digest_algo, 8);
	assert_int_equal(info.has_epoch, 0);
	assert_int_equal(info.has_size, 1);
	assert_int_equal(info.size, 595);
	assert_int_equal(info.nfiles, 6); /* the dist-info directory too */
	assert_string_equal(info.files[0].path, "usr/lib/python3.12/site-packages/six-1.16.0.dist-info");
	assert_int_equal(info.files[0].mode & 0170000, 0040000);
	assert_string_equal(info.files[0].digest, "");
	sg_rpm_info_release(&info);
	/* every truncation and every one-byte change of a real header: an error or a package,
	 * never a crash (the sanitizer build watches) */
	for (i = 0; i < len; i++) {
		if (sg_rpm_info_read(&info, b, i, 0, &e) != SG_EINVALID)
			bad++;
		sg_rpm_info_release(&info);
	}
	assert_int_equal(bad, 0);
	assert_non_null(x = malloc(len));
	for (i = 0; i < len; i++) {
		memcpy(x, b, len);
		x[i] ^= 0x80;
		if (sg_rpm_info_read(&info, x, len, 0, &e) == SG_ERROR)
			bad++;
		sg_rpm_info_release(&info);
	}
	assert_int_equal(bad, 0);
	free(x);
	free(b);
}

static void test_header_built(void **state)
{
	unsigned char *b, modes[4] = { 0x81, 0xa4, 0x41, 0xed }, idx[8] = { 0, 0, 0, 1, 0, 0, 0, 0 };
	size_t len;
	sg_rpm_info info;
	sg_error e = { 0 };
	hb h;

	(void)state;
	/* no region, I18N summary, epoch 0, MD5 digests (no FILEDIGESTALGO), one a directory */
	hb_base(&h);
	hb_u32(&h, SG_RPMTAG_EPOCH, 0);
	hb_strs(&h, SG_RPMTAG_SUMMARY, SG_RPM_I18NSTRING, "A tool|Ein Werkzeug");
	hb_add(&h, SG_RPMTAG_FILEMODES, SG_RPM_INT16, modes, 4, 2);
	hb_strs(&h, SG_RPMTAG_FILEDIGESTS, SG_RPM_STRING_ARRAY, "D41D8CD98F00B204E9800998ECF8427E|");
	hb_add(&h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, idx, 8, 2);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "tool|share");
	hb_strs(&h, SG_RPMTAG_DIRNAMES, SG_RPM_STRING_ARRAY, "/usr/|/usr/bin/");
	b = hb_blob(&h, &len);
	assert_int_equal(sg_rpm_info_read(&info, b, len, 0, &e), 0);
	assert_string_equal(info.summary, "A tool");
	assert_int_equal(info.has_epoch, 1);
	assert_int_equal(info.epoch, 0);
	assert_int_equal(info.nfiles, 2);
	assert_string_equal(info.files[0].path, "usr/bin/tool");
	assert_string_equal(info.files[0].digest, "d41d8cd98f00b204e9800998ecf8427e");
	assert_string_equal(info.files[1].path, "usr/share");
	sg_rpm_info_release(&info);
	free(b);

	/* headers from before rpm 4.0: OLDFILENAMES */
	hb_base(&h);
	hb_strs(&h, SG_RPMTAG_OLDFILENAMES, SG_RPM_STRING_ARRAY, "/etc/tool.conf|/|//usr/bin/tool");
	h.region = 1;
	b = hb_blob(&h, &len);
	assert_int_equal(sg_rpm_info_read(&info, b, len, 0, &e), 0);
	assert_int_equal(info.nfiles, 2); /* "/" is no file */
	assert_string_equal(info.files[1].path, "usr/bin/tool");
	sg_rpm_info_release(&info);
	free(b);
}

/* Each malformation gives SG_EINVALID and says what is wrong. */
static void test_header_malformed(void **state)
{
	unsigned char *b, two[8] = { 0 }, big[4];
	size_t len;
	hb h;

	(void)state;
	hb_base(&h);
	b = hb_blob(&h, &len);
	expect_bad(b, 0, SG_EINVALID, "shorter than the 8-byte header intro");
	expect_bad(b, 7, SG_EINVALID, "shorter than the 8-byte header intro");
	expect_bad(b, len - 1, SG_EINVALID, "but 8 + 16 * 3 entries + ");
	put32(b, 0);
	expect_bad(b, len, SG_EINVALID, "0 index entries");
	put32(b, 0x10000);
	expect_bad(b, len, SG_EINVALID, "65536 index entries");
	put32(b, 0xffffffffu); /* il * 16 overflows 32 bits */
	expect_bad(b, len, SG_EINVALID, "index entries");
	put32(b, 3);
	put32(b + 4, 0x10000000);
	expect_bad(b, len, SG_EINVALID, "data bytes (at most");
	free(b);

	/* offset past the store */
	hb_base(&h);
	put32(h.idx + 16 + 8, 9999);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1001 (index entry 1): offset 9999 outside");
	free(b);
	/* a string without its NUL: the last one runs to the end of the store */
	hb_base(&h);
	h.dl--;
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1002 (index entry 2): 1 STRING item(s) at offset");
	free(b);
	/* a STRING with count 2 */
	hb_base(&h);
	put32(h.idx + 12, 2);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "(a STRING has count 1)");
	free(b);
	/* an array with more strings than its data holds */
	hb_base(&h);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "a|b");
	put32(h.idx + 3 * 16 + 12, 3);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1117 (index entry 3): 3 STRING_ARRAY item(s)");
	free(b);
	/* counts: 0, over 0x0fffffff, and INT32 items past the store (count * 4 > dl) */
	hb_base(&h);
	hb_u32(&h, SG_RPMTAG_EPOCH, 1);
	put32(h.idx + 3 * 16 + 12, 0);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1003 (index entry 3): count 0 out of range");
	put32(b + 8 + 3 * 16 + 12, 0x40000001); /* * 4 wraps 32 bits to 4 */
	expect_bad(b, len, SG_EINVALID, "count 1073741825 out of range");
	put32(b + 8 + 3 * 16 + 12, 0x0fffffff);
	expect_bad(b, len, SG_EINVALID, "268435455 INT32 item(s) at offset 16 do not fit");
	free(b);
	/* misaligned INT32, unknown and NULL types, tag below 100, overlapping data */
	hb_base(&h);
	hb_u32(&h, SG_RPMTAG_EPOCH, 1);
	put32(h.idx + 3 * 16 + 8, 17);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "INT32 at offset 17, not 4-aligned");
	free(b);
	hb_base(&h);
	put32(h.idx + 4, 10);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1000 (index entry 0): type 10 is not a data type");
	put32(b + 8 + 4, 0);
	expect_bad(b, len, SG_EINVALID, "type 0 is not a data type");
	put32(b + 8 + 4, SG_RPM_STRING);
	put32(b + 8, 99);
	expect_bad(b, len, SG_EINVALID, "index entry 0: tag 99 below 100");
	put32(b + 8, SG_RPMTAG_NAME);
	put32(b + 8 + 16 + 8, 2); /* VERSION's data inside NAME's */
	expect_bad(b, len, SG_EINVALID, "overlaps the previous entry's");
	free(b);
	/* a region tag whose trailer does not name it, or is out of the store */
	hb_base(&h);
	h.region = 1;
	b = hb_blob(&h, &len);
	put32(b + len - 16, 62);
	expect_bad(b, len, SG_EINVALID, "region tag 63: bad trailer");
	put32(b + 16, 0xfffffff0u);
	expect_bad(b, len, SG_EINVALID, "region tag 63: trailer at");
	put32(b + 12, SG_RPM_INT32);
	expect_bad(b, len, SG_EINVALID, "region tag 63: type 4 count 16, not BIN 16");
	free(b);

	/* wrong types and counts of the tags read */
	memset(&h, 0, sizeof(h));
	hb_u32(&h, SG_RPMTAG_NAME, 7);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1000 (NAME): type INT32");
	free(b);
	memset(&h, 0, sizeof(h));
	hb_str(&h, SG_RPMTAG_VERSION, "1");
	hb_str(&h, SG_RPMTAG_RELEASE, "1");
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "no tag 1000 (NAME)");
	free(b);
	hb_base(&h);
	hb_add(&h, SG_RPMTAG_EPOCH, SG_RPM_INT32, two, 8, 2);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1003 (EPOCH): 2 value(s), wanted 1");
	free(b);
	hb_base(&h);
	hb_str(&h, SG_RPMTAG_LICENSE, "MIT");
	put32(h.idx + 3 * 16 + 4, SG_RPM_BIN);
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1014 (LICENSE): type BIN");
	free(b);

	/* file lists that do not hold together */
	hb_base(&h);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "a|b");
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1117 (BASENAMES) without DIRINDEXES");
	free(b);
	hb_base(&h);
	hb_add(&h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, two, 4, 1);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "a|b");
	hb_strs(&h, SG_RPMTAG_DIRNAMES, SG_RPM_STRING_ARRAY, "/");
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1116 (DIRINDEXES): 1 value(s) for 2 file(s)");
	free(b);
	hb_base(&h);
	put32(big, 1);
	hb_add(&h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, big, 4, 1);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "a");
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1117 (BASENAMES) without DIRNAMES");
	free(b);
	hb_base(&h);
	hb_add(&h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, big, 4, 1);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "a");
	hb_strs(&h, SG_RPMTAG_DIRNAMES, SG_RPM_STRING_ARRAY, "/");
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1116 (DIRINDEXES): file 0 in directory 1 of 1");
	free(b);
	hb_base(&h);
	hb_add(&h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, two, 4, 1);
	hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "a");
	hb_strs(&h, SG_RPMTAG_DIRNAMES, SG_RPM_STRING_ARRAY, "/");
	hb_strs(&h, SG_RPMTAG_FILEDIGESTS, SG_RPM_STRING_ARRAY, "|");
	b = hb_blob(&h, &len);
	expect_bad(b, len, SG_EINVALID, "tag 1035 (FILEDIGESTS): 2 value(s) for 1 file(s)");
	free(b);
}

/* ---- one header as the cataloger takes it ---- */

static const sg_pkg *add_one(fx *f, const char *os_id, const char *version_id, hb *h)
{
	unsigned char *b;
	size_t len;
	sg_error e = { 0 };

	sg_catalog_release(&f->c);
	f->warnings = 0;
	f->warned[0] = '\0';
	if (os_id) {
		f->c.os.found = 1;
		assert_non_null(f->c.os.id = strdup(os_id));
		assert_non_null(f->c.os.version_id = strdup(version_id));
	}
	b = hb_blob(h, &len);
	assert_int_equal(sg_rpm_add_header(&f->c, b, len, "var/lib/rpm/rpmdb.sqlite", 2, fx_warn,
					   f, &e), 0);
	free(b);
	return f->c.npkgs ? &f->c.pkgs[0] : NULL;
}

static void test_add_header(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const sg_pkg *p;
	hb h;

	(void)state;
	assert_non_null(f);
	hb_base(&h);
	hb_str(&h, SG_RPMTAG_ARCH, "aarch64");
	hb_u32(&h, SG_RPMTAG_EPOCH, 2);
	hb_str(&h, SG_RPMTAG_VENDOR, "  Red Hat, Inc.\001 \n(second line)");
	hb_str(&h, SG_RPMTAG_LICENSE, "GPLv2+ and (MIT or BSD) and ASL 2.0");
	hb_str(&h, SG_RPMTAG_SOURCERPM, "tool-1.2-4.el9.src.rpm");
	p = add_one(f, "rhel", "9.3", &h); /* syft's namespace for RHEL */
	assert_string_equal(p->purl, "pkg:rpm/redhat/tool@1.2-4.el9?arch=aarch64&distro=rhel-9.3&"
				     "epoch=2&upstream=tool-1.2-4.el9.src.rpm");
	assert_string_equal(p->version, "2:1.2-4.el9");
	assert_string_equal(p->supplier, "Organization: Red Hat, Inc.");
	assert_string_equal(p->license, "GPL-2.0-or-later AND (MIT OR LicenseRef-BSD) AND Apache-2.0");
	assert_int_equal(p->evidence_layer, 2);
	p = add_one(f, "opensuse-leap", "15.5", &h);
	assert_string_equal(p->purl, "pkg:rpm/opensuse/tool@1.2-4.el9?arch=aarch64&distro=opensuse-leap-15.5&"
				     "epoch=2&upstream=tool-1.2-4.el9.src.rpm");
	p = add_one(f, "Rocky", "9.3", &h);
	assert_string_equal(p->purl, "pkg:rpm/rocky/tool@1.2-4.el9?arch=aarch64&distro=Rocky-9.3&"
				     "epoch=2&upstream=tool-1.2-4.el9.src.rpm");

	/* licences: a valid expression kept; a shape that does not hold, one LicenseRef */
	hb_base(&h);
	hb_str(&h, SG_RPMTAG_LICENSE, "LGPL-2.1-or-later WITH GCC-exception-3.1");
	assert_string_equal(add_one(f, NULL, NULL, &h)->license, "LGPL-2.1-or-later WITH GCC-exception-3.1");
	hb_base(&h);
	hb_str(&h, SG_RPMTAG_LICENSE, "GPLv2+ and and MIT");
	assert_string_equal(add_one(f, NULL, NULL, &h)->license, "LicenseRef-GPLv2--and-and-MIT");
	hb_base(&h);
	hb_str(&h, SG_RPMTAG_LICENSE, "(GPLv2+ or Artistic) and Public Domain)");
	assert_string_equal(add_one(f, NULL, NULL, &h)->license,
			    "LicenseRef--GPLv2--or-Artistic--and-Public-Domain-");
	assert_string_equal(add_one(f, NULL, NULL, &h)->purl, "pkg:rpm/tool@1.2-4.el9");

	/* invalid identities: a warning naming the database, the layer and why */
	hb_nvr(&h, "tool", "1-2", "4.el9"); /* rpm forbids '-' in a version */
	assert_null(add_one(f, NULL, NULL, &h));
	assert_string_equal(f->warned, "rpm: var/lib/rpm/rpmdb.sqlite (layer 2): package 0: invalid "
				       "VERSION; skipped\n");
	hb_base(&h);
	hb_str(&h, SG_RPMTAG_ARCH, "x86 64");
	assert_null(add_one(f, NULL, NULL, &h));
	assert_non_null(strstr(f->warned, "invalid ARCH"));
	/* gpg-pubkey: skipped without a word */
	memset(&h, 0, sizeof(h));
	hb_str(&h, SG_RPMTAG_NAME, "gpg-pubkey");
	hb_str(&h, SG_RPMTAG_VERSION, "ab6e6dfa");
	hb_str(&h, SG_RPMTAG_RELEASE, "6b08d015");
	assert_null(add_one(f, NULL, NULL, &h));
	assert_int_equal(f->warnings, 0);
	/* files: directories, symlinks, ghosts and escaping paths are not listed */
	{
		unsigned char modes[10] = { 0x81, 0xa4, 0x41, 0xed, 0xa1, 0xff, 0x81, 0xa4, 0x81, 0xa4 };
		unsigned char flags[20] = { 0 }, idx[20] = { 0 };

		flags[15] = 64; /* the fourth file: %ghost */
		hb_base(&h);
		hb_add(&h, SG_RPMTAG_FILEMODES, SG_RPM_INT16, modes, 10, 5);
		hb_add(&h, SG_RPMTAG_FILEFLAGS, SG_RPM_INT32, flags, 20, 5);
		hb_add(&h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, idx, 20, 5);
		hb_strs(&h, SG_RPMTAG_BASENAMES, SG_RPM_STRING_ARRAY, "b|d|l|g|../../etc/shadow");
		hb_strs(&h, SG_RPMTAG_DIRNAMES, SG_RPM_STRING_ARRAY, "/usr/");
		p = add_one(f, NULL, NULL, &h);
		assert_string_equal(fx_files(p), "usr/b");
	}
	sg_catalog_release(&f->c);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_rollback_mode),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_bad_databases),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_legacy_formats),
		cmocka_unit_test(test_header_real),
		cmocka_unit_test(test_header_built),
		cmocka_unit_test(test_header_malformed),
		cmocka_unit_test(test_add_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
