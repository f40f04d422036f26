#ifndef SIGIL_SBOM_RPMHDR_H
#define SIGIL_SBOM_RPMHDR_H
/* RPM header blobs, as the rpmdb keeps one per installed package (rpmdb.sqlite's
 * Packages.blob): the header image without its 8-byte magic, that is a big-endian count of
 * index entries (il) and of data bytes (dl), il entries {tag, type, offset, count} of 16
 * bytes, then the data store. A pure function of the bytes: no sqlite, no files, no state.
 *
 * Checked as strictly as rpm's own hdrblobInit (lib/header.c): the size is exactly
 * 8 + 16 * il + dl; 1 <= il <= 65535, dl < 256 MiB; an optional region tag first (61-63,
 * BIN, count 16, its trailer inside the store and naming itself); every other tag >= 100;
 * known types (CHAR .. I18NSTRING) with the alignment of theirs (INT16 2, INT32 4, INT64 8);
 * counts from 1 to 0x0fffffff; data inside the store, entries in offset order without
 * overlap; strings and every string of an array NUL-terminated inside the store. */
#include <stddef.h>
#include <stdint.h>

struct sg_error;

enum {
	SG_RPM_NULL = 0, SG_RPM_CHAR, SG_RPM_INT8, SG_RPM_INT16, SG_RPM_INT32, SG_RPM_INT64,
	SG_RPM_STRING, SG_RPM_BIN, SG_RPM_STRING_ARRAY, SG_RPM_I18NSTRING,
};

/* The tags read (rpmtag.h). */
enum {
	SG_RPMTAG_NAME = 1000, SG_RPMTAG_VERSION = 1001, SG_RPMTAG_RELEASE = 1002,
	SG_RPMTAG_EPOCH = 1003, SG_RPMTAG_SUMMARY = 1004, SG_RPMTAG_SIZE = 1009,
	SG_RPMTAG_VENDOR = 1011, SG_RPMTAG_LICENSE = 1014, SG_RPMTAG_ARCH = 1022,
	SG_RPMTAG_OLDFILENAMES = 1027, SG_RPMTAG_FILEMODES = 1030, SG_RPMTAG_FILEDIGESTS = 1035,
	SG_RPMTAG_FILEFLAGS = 1037, SG_RPMTAG_SOURCERPM = 1044, SG_RPMTAG_DIRINDEXES = 1116,
	SG_RPMTAG_BASENAMES = 1117, SG_RPMTAG_DIRNAMES = 1118, SG_RPMTAG_LONGSIZE = 5009,
	SG_RPMTAG_FILEDIGESTALGO = 5011, SG_RPMTAG_MODULARITYLABEL = 5096,
};

#define SG_RPMHDR_MAX_TAGS  0xffffu      /* rpm's HEADER_TAGS_MAX */
#define SG_RPMHDR_MAX_DATA  0x0fffffffu  /* rpm's HEADER_DATA_MAX: counts and data bytes */

/* A checked header: borrowed views into the blob given to sg_rpmhdr_parse. */
typedef struct sg_rpmhdr {
	const unsigned char *index;  /* il entries */
	const unsigned char *data;   /* dl bytes */
	uint32_t il, dl;
	uint32_t first;              /* 1 when entry 0 is a region tag (not a data tag) */
} sg_rpmhdr;

/* One entry's data (borrowed): type, count and bytes (len of them, inside the store). */
typedef struct sg_rpmtd {
	uint32_t tag, type, count;
	const unsigned char *p;
	size_t len;
} sg_rpmtd;

/* Checks blob and fills h. SG_EINVALID with the reason ("tag 1117 (index entry 5): ...")
 * when anything is out of place. */
int sg_rpmhdr_parse(sg_rpmhdr *h, const unsigned char *blob, size_t len, struct sg_error *e);

/* The first entry for tag. 1 found, 0 absent. */
int sg_rpmhdr_get(const sg_rpmhdr *h, uint32_t tag, sg_rpmtd *td);

/* ---- one installed package ---- */

#define SG_RPM_FILES_MAX   (1u << 20)   /* files of one package */
#define SG_RPM_PATHS_MAX   (64u << 20)  /* bytes of their paths, all together */

typedef struct sg_rpm_file {
	char *path;        /* without the leading '/': "usr/bin/hello" */
	uint32_t mode;     /* FILEMODES (st_mode); 0 when the header has none */
	uint32_t flags;    /* FILEFLAGS (RPMFILE_CONFIG 1, RPMFILE_GHOST 64, ...); 0 if none */
	char digest[129];  /* FILEDIGESTS, lower-case hex; "" when none or not valid hex of
			    * the length its algorithm has */
} sg_rpm_file;

#define SG_RPMFILE_GHOST 64u

typedef struct sg_rpm_info {
	/* NAME, VERSION, RELEASE are there (the header is refused otherwise); the others are
	 * NULL when absent. All NUL-terminated copies of the header's bytes, unchecked. */
	char *name, *version, *release, *arch, *summary, *license, *vendor, *sourcerpm,
	     *modularitylabel;
	int has_epoch;
	uint32_t epoch;
	int has_size;
	uint64_t size;               /* LONGSIZE, else SIZE: bytes installed */
	uint32_t digest_algo;        /* FILEDIGESTALGO; 1 (MD5) when absent */
	sg_rpm_file *files;          /* in header order */
	size_t nfiles;
} sg_rpm_info;

#define SG_RPM_NO_FILES 1u  /* sg_rpm_info_read: skip the file list (and its checks) */

/* The package of a header blob: parses it (sg_rpmhdr_parse) and reads the tags above.
 * SG_EINVALID when the header is malformed, a required tag is missing, a tag has a type or
 * count it cannot have (NAME as INT32, EPOCH with two values), or the file list does not
 * hold together (as many DIRINDEXES, FILEMODES, FILEFLAGS, FILEDIGESTS as BASENAMES; each
 * index inside DIRNAMES); SG_ETOOBIG when the file list passes SG_RPM_FILES_MAX or
 * SG_RPM_PATHS_MAX. *out is owned (sg_rpm_info_release), zeroed on failure. */
int sg_rpm_info_read(sg_rpm_info *out, const unsigned char *blob, size_t len, unsigned flags,
		     struct sg_error *e);
void sg_rpm_info_release(sg_rpm_info *i);

#endif
