/* RPM header blobs (rpmhdr.h): the structure checked as rpm's hdrblobInit checks it, then
 * the tags of one installed package read with their types and counts checked. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rpmhdr.h"
#include "err.h"
#include "banned.h"

#define REGION_FIRST 61  /* HEADERIMAGE; HEADERSIGNATURES 62, HEADERIMMUTABLE 63 */
#define REGION_LAST  63
#define I18NTABLE    100 /* the lowest tag a data entry may have */
#define ENTRY        16

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static const char *type_name(uint32_t type)
{
	static const char *const names[] = { "NULL", "CHAR", "INT8", "INT16", "INT32", "INT64",
					     "STRING", "BIN", "STRING_ARRAY", "I18NSTRING" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* Bytes of count items of type at p, which has room bytes to the end of the store; 0 when
 * they do not fit (strings: not all NUL-terminated inside the store). */
static size_t data_len(uint32_t type, uint32_t count, const unsigned char *p, size_t room)
{
	static const unsigned size[] = { 0, 1, 1, 2, 4, 8, 0, 1, 0, 0 };
	const unsigned char *s = p, *nul;
	uint64_t n;

	if (type == SG_RPM_STRING || type == SG_RPM_STRING_ARRAY || type == SG_RPM_I18NSTRING) {
		if (type == SG_RPM_STRING && count != 1)
			return 0;
		for (; count; count--) {
			if (!(nul = memchr(s, '\0', room - (size_t)(s - p))))
				return 0;
			s = nul + 1;
		}
		return (size_t)(s - p);
	}
	n = (uint64_t)size[type] * count;
	return n <= room ? (size_t)n : 0;
}

/* The region tag of entry 0 (rpm's hdrblobVerifyRegion): BIN, count 16, a 16-byte trailer
 * in the store that names the same tag and a region of whole entries inside the header. */
static int region(const sg_rpmhdr *h, sg_error *e)
{
	const unsigned char *x = h->index, *t;
	uint32_t tag = be32(x), off = be32(x + 8), rl;

	if (be32(x + 4) != SG_RPM_BIN || be32(x + 12) != ENTRY)
		return sg_err(e, SG_EINVALID, "region tag %u: type %u count %u, not BIN 16", tag,
			      be32(x + 4), be32(x + 12));
	if (off > h->dl || h->dl - off < ENTRY)
		return sg_err(e, SG_EINVALID, "region tag %u: trailer at %u, outside the %u-byte "
			      "store", tag, off, h->dl);
	t = h->data + off;
	rl = 0u - be32(t + 8); /* the trailer's offset is minus the region's index size */
	if (be32(t) != tag || be32(t + 4) != SG_RPM_BIN || be32(t + 12) != ENTRY ||
	    rl % ENTRY || rl / ENTRY > h->il)
		return sg_err(e, SG_EINVALID, "region tag %u: bad trailer", tag);
	return 0;
}

static int entry_check(const sg_rpmhdr *h, uint32_t i, uint32_t *end, sg_error *e)
{
	const unsigned char *x = h->index + (size_t)i * ENTRY;
	uint32_t tag = be32(x), type = be32(x + 4), off = be32(x + 8), count = be32(x + 12);
	static const unsigned align[] = { 1, 1, 1, 2, 4, 8, 1, 1, 1, 1 };
	size_t len;

	if (tag < I18NTABLE)
		return sg_err(e, SG_EINVALID, "index entry %u: tag %u below %u", i, tag, I18NTABLE);
	if (type == SG_RPM_NULL || type > SG_RPM_I18NSTRING)
		return sg_err(e, SG_EINVALID, "tag %u (index entry %u): type %u is not a data type",
			      tag, i, type);
	if (!count || count > SG_RPMHDR_MAX_DATA)
		return sg_err(e, SG_EINVALID, "tag %u (index entry %u): count %u out of range", tag, i,
			      count);
	if (off >= h->dl)
		return sg_err(e, SG_EINVALID, "tag %u (index entry %u): offset %u outside the "
			      "%u-byte store", tag, i, off, h->dl);
	if (off % align[type])
		return sg_err(e, SG_EINVALID, "tag %u (index entry %u): %s at offset %u, not "
			      "%u-aligned", tag, i, type_name(type), off, align[type]);
	if (off < *end)
		return sg_err(e, SG_EINVALID, "tag %u (index entry %u): data at %u overlaps the "
			      "previous entry's (to %u)", tag, i, off, *end);
	if (!(len = data_len(type, count, h->data + off, h->dl - off)))
		return sg_err(e, SG_EINVALID, "tag %u (index entry %u): %u %s item(s) at offset %u "
			      "do not fit in the %u-byte store%s", tag, i, count, type_name(type), off,
			      h->dl, type == SG_RPM_STRING && count != 1 ? " (a STRING has count 1)"
			      : type >= SG_RPM_STRING && type != SG_RPM_BIN ? " (or lack their NUL)"
			      : "");
	*end = off + (uint32_t)len;
	return 0;
}

int sg_rpmhdr_parse(sg_rpmhdr *h, const unsigned char *blob, size_t len, sg_error *e)
{
	uint64_t want;
	uint32_t i, end = 0, tag;
	int err;

	memset(h, 0, sizeof(*h));
	if (len < 8)
		return sg_err(e, SG_EINVALID, "%zu bytes, shorter than the 8-byte header intro", len);
	h->il = be32(blob);
	h->dl = be32(blob + 4);
	if (!h->il || h->il > SG_RPMHDR_MAX_TAGS)
		return sg_err(e, SG_EINVALID, "%u index entries (1 to %u)", h->il, SG_RPMHDR_MAX_TAGS);
	if (h->dl > SG_RPMHDR_MAX_DATA)
		return sg_err(e, SG_EINVALID, "%u data bytes (at most %u)", h->dl, SG_RPMHDR_MAX_DATA);
	want = 8 + (uint64_t)h->il * ENTRY + h->dl;
	if (want != len)
		return sg_err(e, SG_EINVALID, "%zu bytes, but 8 + 16 * %u entries + %u data bytes = "
			      "%llu", len, h->il, h->dl, (unsigned long long)want);
	h->index = blob + 8;
	h->data = h->index + (size_t)h->il * ENTRY;
	tag = be32(h->index);
	if (tag >= REGION_FIRST && tag <= REGION_LAST) {
		if ((err = region(h, e)) < 0)
			return err;
		h->first = 1;
	}
	for (i = h->first; i < h->il; i++)
		if ((err = entry_check(h, i, &end, e)) < 0)
			return err;
	return 0;
}

int sg_rpmhdr_get(const sg_rpmhdr *h, uint32_t tag, sg_rpmtd *td)
{
	const unsigned char *x;
	uint32_t i, off;

	for (i = h->first; i < h->il; i++) {
		x = h->index + (size_t)i * ENTRY;
		if (be32(x) != tag)
			continue;
		td->tag = tag;
		td->type = be32(x + 4);
		off = be32(x + 8);
		td->count = be32(x + 12);
		td->p = h->data + off;
		td->len = data_len(td->type, td->count, td->p, h->dl - off); /* checked: > 0 */
		return 1;
	}
	return 0;
}

/* ---- the package ---- */

static const char *tag_name(uint32_t tag)
{
	switch (tag) {
	case SG_RPMTAG_NAME: return "NAME";
	case SG_RPMTAG_VERSION: return "VERSION";
	case SG_RPMTAG_RELEASE: return "RELEASE";
	case SG_RPMTAG_EPOCH: return "EPOCH";
	case SG_RPMTAG_SUMMARY: return "SUMMARY";
	case SG_RPMTAG_SIZE: return "SIZE";
	case SG_RPMTAG_VENDOR: return "VENDOR";
	case SG_RPMTAG_LICENSE: return "LICENSE";
	case SG_RPMTAG_ARCH: return "ARCH";
	case SG_RPMTAG_OLDFILENAMES: return "OLDFILENAMES";
	case SG_RPMTAG_FILEMODES: return "FILEMODES";
	case SG_RPMTAG_FILEDIGESTS: return "FILEDIGESTS";
	case SG_RPMTAG_FILEFLAGS: return "FILEFLAGS";
	case SG_RPMTAG_SOURCERPM: return "SOURCERPM";
	case SG_RPMTAG_DIRINDEXES: return "DIRINDEXES";
	case SG_RPMTAG_BASENAMES: return "BASENAMES";
	case SG_RPMTAG_DIRNAMES: return "DIRNAMES";
	case SG_RPMTAG_LONGSIZE: return "LONGSIZE";
	case SG_RPMTAG_FILEDIGESTALGO: return "FILEDIGESTALGO";
	case SG_RPMTAG_MODULARITYLABEL: return "MODULARITYLABEL";
	}
	return "?";
}

/* tag with one of the types in mask (bit per type) and, when count is not 0, that count.
 * 1 found, 0 absent, SG_EINVALID otherwise. */
static int get_typed(const sg_rpmhdr *h, uint32_t tag, unsigned mask, uint32_t count,
		     sg_rpmtd *td, sg_error *e)
{
	if (!sg_rpmhdr_get(h, tag, td))
		return 0;
	if (!(mask & (1u << td->type)))
		return sg_err(e, SG_EINVALID, "tag %u (%s): type %s", tag, tag_name(tag),
			      type_name(td->type));
	if (count && td->count != count)
		return sg_err(e, SG_EINVALID, "tag %u (%s): %u value(s), wanted %u", tag,
			      tag_name(tag), td->count, count);
	return 1;
}

#define STRINGS (1u << SG_RPM_STRING | 1u << SG_RPM_I18NSTRING)

/* A string tag (STRING, or the first of an I18NSTRING: the C locale's), copied. */
static int get_string(char **out, const sg_rpmhdr *h, uint32_t tag, int required, sg_error *e)
{
	sg_rpmtd td;
	int r;

	*out = NULL;
	if ((r = get_typed(h, tag, STRINGS, 0, &td, e)) < 0)
		return r;
	if (!r)
		return required ? sg_err(e, SG_EINVALID, "no tag %u (%s)", tag, tag_name(tag)) : 0;
	if (!(*out = strdup((const char *)td.p)))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

static int get_u32(uint32_t *out, int *has, const sg_rpmhdr *h, uint32_t tag, sg_error *e)
{
	sg_rpmtd td;
	int r;

	if ((r = get_typed(h, tag, 1u << SG_RPM_INT32, 1, &td, e)) <= 0)
		return r;
	*out = be32(td.p);
	*has = 1;
	return 0;
}

/* Pointers to the count strings of an array entry (checked NUL-terminated). Owned. */
static const char **strings(const sg_rpmtd *td)
{
	const char **v = calloc(td->count, sizeof(*v)), *s = (const char *)td->p;
	uint32_t i;

	if (!v)
		return NULL;
	for (i = 0; i < td->count; i++) {
		v[i] = s;
		s += strlen(s) + 1;
	}
	return v;
}

/* An array tag of n items of type (optional: 0 when absent). */
static int get_array(sg_rpmtd *td, const sg_rpmhdr *h, uint32_t tag, uint32_t type, uint32_t n,
		     sg_error *e)
{
	int r = get_typed(h, tag, 1u << type, 0, td, e);

	if (r > 0 && td->count != n)
		return sg_err(e, SG_EINVALID, "tag %u (%s): %u value(s) for %u file(s)", tag,
			      tag_name(tag), td->count, n);
	return r;
}

static size_t digest_hex_len(uint32_t algo)
{
	switch (algo) {
	case 1: return 32;  /* MD5 */
	case 2: return 40;  /* SHA1 */
	case 8: return 64;  /* SHA256 */
	case 9: return 96;  /* SHA384 */
	case 10: return 128; /* SHA512 */
	case 11: return 56; /* SHA224 */
	}
	return 0;
}

static void set_digest(sg_rpm_file *f, const char *hex, size_t want)
{
	size_t i;

	if (!want || strlen(hex) != want)
		return;
	for (i = 0; i < want; i++) {
		if (!isxdigit((unsigned char)hex[i])) {
			f->digest[0] = '\0';
			return;
		}
		f->digest[i] = (char)tolower((unsigned char)hex[i]);
	}
	f->digest[want] = '\0';
}

struct flist {
	const char **base, **dir, **old, **digests;
	sg_rpmtd idx, modes, flags;
	int has_modes, has_flags;
	uint32_t n, ndirs;
};

/* The pieces of the file list, their counts agreeing. */
static int flist_load(struct flist *l, const sg_rpmhdr *h, sg_error *e)
{
	sg_rpmtd base, dirs, old, dig;
	int r, has_dig;

	if ((r = get_typed(h, SG_RPMTAG_BASENAMES, 1u << SG_RPM_STRING_ARRAY, 0, &base, e)) < 0)
		return r;
	if (!r) { /* headers from before rpm 4.0 list whole paths */
		if ((r = get_typed(h, SG_RPMTAG_OLDFILENAMES, 1u << SG_RPM_STRING_ARRAY, 0, &old,
				   e)) <= 0)
			return r;
		l->n = old.count;
		if (!(l->old = strings(&old)))
			return sg_err(e, SG_ERROR, "out of memory");
	} else {
		l->n = base.count;
		if ((r = get_array(&l->idx, h, SG_RPMTAG_DIRINDEXES, SG_RPM_INT32, l->n, e)) < 0)
			return r;
		if (!r || (r = get_typed(h, SG_RPMTAG_DIRNAMES, 1u << SG_RPM_STRING_ARRAY, 0, &dirs,
					 e)) <= 0)
			return r < 0 ? r : sg_err(e, SG_EINVALID, "tag %u (BASENAMES) without %s",
						  SG_RPMTAG_BASENAMES, l->idx.p ? "DIRNAMES" : "DIRINDEXES");
		l->ndirs = dirs.count;
		if (!(l->base = strings(&base)) || !(l->dir = strings(&dirs)))
			return sg_err(e, SG_ERROR, "out of memory");
	}
	if (l->n > SG_RPM_FILES_MAX)
		return sg_err(e, SG_ETOOBIG, "%u files (at most %u)", l->n, SG_RPM_FILES_MAX);
	if ((r = get_array(&l->modes, h, SG_RPMTAG_FILEMODES, SG_RPM_INT16, l->n, e)) < 0)
		return r;
	l->has_modes = r;
	if ((r = get_array(&l->flags, h, SG_RPMTAG_FILEFLAGS, SG_RPM_INT32, l->n, e)) < 0)
		return r;
	l->has_flags = r;
	if ((has_dig = get_array(&dig, h, SG_RPMTAG_FILEDIGESTS, SG_RPM_STRING_ARRAY, l->n, e)) < 0)
		return has_dig;
	if (has_dig && !(l->digests = strings(&dig)))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

static void flist_release(struct flist *l)
{
	free(l->base);
	free(l->dir);
	free(l->old);
	free(l->digests);
}

/* One path without its leading '/'s; NULL (and *oom unset) for an empty one. */
static char *file_path(const struct flist *l, uint32_t i, size_t *total, sg_error *e, int *err)
{
	const char *d = "", *b;
	uint32_t k;
	size_t dl, bl;
	char *s;

	if (l->old) {
		b = l->old[i];
	} else {
		if ((k = be32(l->idx.p + (size_t)i * 4)) >= l->ndirs) {
			*err = sg_err(e, SG_EINVALID, "tag %u (DIRINDEXES): file %u in directory %u of %u",
				      SG_RPMTAG_DIRINDEXES, i, k, l->ndirs);
			return NULL;
		}
		d = l->dir[k];
		b = l->base[i];
	}
	while (*d == '/')
		d++;
	if (!*d)
		while (*b == '/')
			b++;
	dl = strlen(d);
	bl = strlen(b);
	if (!dl && !bl)
		return NULL;
	*total += dl + bl + 1;
	if (*total > SG_RPM_PATHS_MAX) {
		*err = sg_err(e, SG_ETOOBIG, "file paths over %u bytes", SG_RPM_PATHS_MAX);
		return NULL;
	}
	if (!(s = malloc(dl + bl + 1))) {
		*err = sg_err(e, SG_ERROR, "out of memory");
		return NULL;
	}
	memcpy(s, d, dl);
	memcpy(s + dl, b, bl + 1);
	return s;
}

static int files(sg_rpm_info *info, const sg_rpmhdr *h, sg_error *e)
{
	struct flist l;
	size_t total = 0, want = digest_hex_len(info->digest_algo);
	sg_rpm_file *f;
	uint32_t i;
	int err;
	char *path;

	memset(&l, 0, sizeof(l));
	if ((err = flist_load(&l, h, e)) < 0 || !l.n)
		goto done;
	if (!(info->files = calloc(l.n, sizeof(*info->files)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < l.n; i++) {
		err = 0;
		if (!(path = file_path(&l, i, &total, e, &err))) {
			if (err < 0)
				goto done;
			continue;
		}
		f = &info->files[info->nfiles++];
		f->path = path;
		f->mode = l.has_modes ? be16(l.modes.p + (size_t)i * 2) : 0;
		f->flags = l.has_flags ? be32(l.flags.p + (size_t)i * 4) : 0;
		if (l.digests)
			set_digest(f, l.digests[i], want);
	}
	err = 0;
done:
	flist_release(&l);
	return err;
}

int sg_rpm_info_read(sg_rpm_info *out, const unsigned char *blob, size_t len, unsigned flags,
		     sg_error *e)
{
	sg_rpmhdr h;
	sg_rpmtd td;
	uint32_t size32 = 0;
	int err, has32 = 0, r;

	memset(out, 0, sizeof(*out));
	out->digest_algo = 1;
	if ((err = sg_rpmhdr_parse(&h, blob, len, e)) < 0 ||
	    (err = get_string(&out->name, &h, SG_RPMTAG_NAME, 1, e)) < 0 ||
	    (err = get_string(&out->version, &h, SG_RPMTAG_VERSION, 1, e)) < 0 ||
	    (err = get_string(&out->release, &h, SG_RPMTAG_RELEASE, 1, e)) < 0 ||
	    (err = get_string(&out->arch, &h, SG_RPMTAG_ARCH, 0, e)) < 0 ||
	    (err = get_string(&out->summary, &h, SG_RPMTAG_SUMMARY, 0, e)) < 0 ||
	    (err = get_string(&out->license, &h, SG_RPMTAG_LICENSE, 0, e)) < 0 ||
	    (err = get_string(&out->vendor, &h, SG_RPMTAG_VENDOR, 0, e)) < 0 ||
	    (err = get_string(&out->sourcerpm, &h, SG_RPMTAG_SOURCERPM, 0, e)) < 0 ||
	    (err = get_string(&out->modularitylabel, &h, SG_RPMTAG_MODULARITYLABEL, 0, e)) < 0 ||
	    (err = get_u32(&out->epoch, &out->has_epoch, &h, SG_RPMTAG_EPOCH, e)) < 0 ||
	    (err = get_u32(&size32, &has32, &h, SG_RPMTAG_SIZE, e)) < 0 ||
	    (err = get_u32(&out->digest_algo, &r, &h, SG_RPMTAG_FILEDIGESTALGO, e)) < 0)
		goto fail;
	if ((r = get_typed(&h, SG_RPMTAG_LONGSIZE, 1u << SG_RPM_INT64, 1, &td, e)) < 0) {
		err = r;
		goto fail;
	}
	out->has_size = r || has32;
	out->size = r ? be64(td.p) : size32;
	if (!(flags & SG_RPM_NO_FILES) && (err = files(out, &h, e)) < 0)
		goto fail;
	return 0;
fail:
	sg_rpm_info_release(out);
	return err;
}

void sg_rpm_info_release(sg_rpm_info *i)
{
	size_t k;

	free(i->name);
	free(i->version);
	free(i->release);
	free(i->arch);
	free(i->summary);
	free(i->license);
	free(i->vendor);
	free(i->sourcerpm);
	free(i->modularitylabel);
	for (k = 0; k < i->nfiles; k++)
		free(i->files[k].path);
	free(i->files);
	memset(i, 0, sizeof(*i));
}
