/* SPDX 2.3 JSON writer (spdx.h). Written with the Go-style JSON writer, keys in bytewise
 * order by hand, so the bytes depend on nothing but the input. How it differs from syft
 * (sbom.md §3, §7.6): ids and namespace are derived from content, `created` is the caller's,
 * file names are "./"-prefixed, layers are named in annotations and file comments. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "spdx.h"
#include "digest.h"
#include "gojson.h"
#include "err.h"
#include "banned.h"

#define TOOL "Tool: sigil-" SIGIL_VERSION
#define NS_BASE "https://spdx.org/spdxdocs/sigil-"
#define MAX_ID_NAME 48

/* UUIDv5 namespace for sigil's document namespaces (a random v4, fixed forever). */
static const unsigned char ns_uuid[16] = {
	0x3f, 0x99, 0x13, 0x3b, 0xaf, 0x9f, 0x4a, 0xc2,
	0x97, 0x3f, 0x5a, 0x9f, 0x0a, 0xf4, 0x7f, 0xb2,
};

struct felem {
	const char *path;
	char id[MAX_ID_NAME + 48];
	sg_wstat st;
	const char *md5;  /* dpkg's (an old rpm's), for files that were not hashed */
	const char *sha256; /* rpm's, for files that were not hashed */
	int final;        /* the file of the final filesystem, else as an earlier layer had it
			   * (--scope all-layers: a deleted or replaced package's, sg_fseen) */
	int ok;           /* a regular file there, with a checksum */
};

struct out {
	sg_gojson j;
	const sg_sbom_image *img;
	const sg_catalog *c;
	const sg_walker *w;
	const char *created;
	struct felem *files;
	size_t nfiles;
	size_t *fof;      /* per owned file (packages' lists end to end): 1 + its felem, 0: none */
	size_t *first;    /* per package: where its files start in fof */
	char **pkg_ids;
};

/* ---- ids ---- */

/* Appends s with every character outside [A-Za-z0-9.-] turned into '-' (SPDXID syntax). */
static void idsafe(char *out, size_t n, const char *s)
{
	size_t o = strlen(out), i;

	for (i = 0; s[i] && o + 1 < n; i++)
		out[o++] = isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-' ? s[i] : '-';
	out[o] = '\0';
}

static void hex16(char out[17], const char *a, const char *b)
{
	unsigned char md[32];
	char hex[65];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(md, 0, sizeof(md));
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(ctx, a, strlen(a));
		EVP_DigestUpdate(ctx, "\n", 1);
		EVP_DigestUpdate(ctx, b, strlen(b));
		EVP_DigestFinal_ex(ctx, md, NULL);
	}
	EVP_MD_CTX_free(ctx);
	sg_hex(hex, md, 8);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

/* SPDXRef-Package-deb-<name>-<16 hex of purl + evidence path>: stable across runs and tool
 * versions, unique for the same package found in two places. */
char *sg_sbom_pkg_ref(const sg_pkg *p)
{
	char id[160] = "SPDXRef-Package-", h[17], name[MAX_ID_NAME + 1];

	snprintf(name, sizeof(name), "%s", p->name);
	idsafe(id, sizeof(id), p->type);
	idsafe(id, sizeof(id), "-");
	idsafe(id, sizeof(id), name);
	hex16(h, p->purl ? p->purl : p->name, p->nevidence ? p->evidence[0] : "");
	return sg_strprintf("%s-%s", id, h);
}

/* SPDXRef-File-<name>-<16 hex of the path>; a file as an earlier layer had it (not the
 * final filesystem's) hashes its layer too. */
static void file_id(struct felem *f)
{
	const char *base = strrchr(f->path, '/');
	char name[MAX_ID_NAME + 1], h[17], salt[48];

	base = base ? base + 1 : f->path;
	snprintf(name, sizeof(name), "%s", base);
	snprintf(f->id, sizeof(f->id), "SPDXRef-File-");
	idsafe(f->id, sizeof(f->id), name);
	snprintf(salt, sizeof(salt), "file-layer %zu", f->st.layer);
	hex16(h, f->final ? "file" : salt, f->path);
	snprintf(f->id + strlen(f->id), sizeof(f->id) - strlen(f->id), "-%s", h);
}

int sg_sbom_uuid(char uuid[37], const sg_sbom_image *img, const char *salt)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned i, o = 0;
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, ns_uuid, sizeof(ns_uuid)) == 1 &&
	     EVP_DigestUpdate(ctx, img->digest, strlen(img->digest)) == 1 &&
	     EVP_DigestUpdate(ctx, "\n" SIGIL_VERSION "\n", strlen(SIGIL_VERSION) + 2) == 1 &&
	     EVP_DigestUpdate(ctx, img->name, strlen(img->name)) == 1 &&
	     (!salt || EVP_DigestUpdate(ctx, salt, strlen(salt)) == 1) &&
	     EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return SG_ERROR;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			uuid[o++] = '-';
		sg_hex(uuid + o, md + i, 1);
		o += 2;
	}
	uuid[o] = '\0';
	return 0;
}

/* https://spdx.org/spdxdocs/sigil-<repo>-<UUIDv5(image name, digest, tool version)> */
static char *namespace_uri(const sg_sbom_image *img)
{
	char uuid[37], repo[128] = "";

	if (sg_sbom_uuid(uuid, img, img->all_layers ? "\nall-layers" : NULL) < 0)
		return NULL;
	idsafe(repo, sizeof(repo), img->repo);
	return sg_strprintf(NS_BASE "%s-%s", repo, uuid);
}

char *sg_oci_purl(const sg_sbom_image *img)
{
	sg_buf b = SG_BUF_INIT(4096);
	const char *name = strrchr(img->repo, '/');
	char lower[256];
	size_t i;
	int err;

	name = name ? name + 1 : img->repo;
	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	err = sg_buf_puts(&b, "pkg:oci/");
	if (!err)
		err = sg_purl_escape(&b, lower);
	if (!err && !(err = sg_buf_puts(&b, "@")))
		err = sg_purl_escape(&b, img->digest);
	if (!err && img->arch && !(err = sg_buf_puts(&b, "?arch=")))
		err = sg_purl_escape(&b, img->arch);
	if (!err && !img->local &&
	    !(err = sg_buf_puts(&b, img->arch ? "&repository_url=" : "?repository_url=")))
		err = sg_purl_escape(&b, img->repo);
	if (!err && img->tag &&
	    !(err = sg_buf_puts(&b, (img->arch || !img->local) ? "&tag=" : "?tag=")))
		err = sg_purl_escape(&b, img->tag);
	if (err) {
		sg_buf_release(&b);
		return NULL;
	}
	return (char *)sg_buf_detach(&b, NULL);
}

/* ---- small writers ---- */

/* Length of the valid UTF-8 sequence at s, 0 if invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0], cp, i, n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void jput(sg_gojson *j, const void *p, size_t n)
{
	if (!j->err && sg_buf_append(j->out, p, n) < 0)
		j->err = SG_ETOOBIG;
}

/* A JSON string as SBOM readers expect it: unlike Go's Marshal (gojson's job), no escaping
 * of < > & (syft's encoder turns that off too); control characters escaped, invalid UTF-8
 * replaced by U+FFFD, so untrusted package metadata always gives valid JSON. */
void sg_sbom_jstr(sg_gojson *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	char esc[8];
	size_t n;

	sg_gojson_raw(j, "\"", 1);
	while (*p && !j->err) {
		/* the common case: printable ASCII, copied in one go */
		for (run = p; *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\'; p++)
			;
		if (p > run)
			jput(j, run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			jput(j, esc, 2);
			p++;
		} else if (*p < 0x20) {
			if (*p == '\n' || *p == '\t' || *p == '\r') {
				esc[0] = '\\';
				esc[1] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
				jput(j, esc, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				jput(j, esc, 6);
			}
			p++;
		} else if (!(n = utf8_seq(p))) {
			jput(j, "\\ufffd", 6);
			p++;
		} else {
			jput(j, p, n);
			p += n;
		}
	}
	jput(j, "\"", 1);
}

static void kv(sg_gojson *j, const char *k, const char *v)
{
	sg_gojson_key(j, k);
	sg_sbom_jstr(j, v);
}

static void checksum(sg_gojson *j, const char *alg, const char *hex)
{
	sg_gojson_obj_open(j);
	kv(j, "algorithm", alg);
	kv(j, "checksumValue", hex);
	sg_gojson_obj_close(j);
}

static void annotation(struct out *o, const char *comment)
{
	sg_gojson *j = &o->j;

	sg_gojson_obj_open(j);
	kv(j, "annotationDate", o->created);
	kv(j, "annotationType", "OTHER");
	kv(j, "annotator", TOOL);
	kv(j, "comment", comment);
	sg_gojson_obj_close(j);
}

static void purl_ref(sg_gojson *j, const char *purl)
{
	sg_gojson_key(j, "externalRefs");
	sg_gojson_arr_open(j);
	sg_gojson_obj_open(j);
	kv(j, "referenceCategory", "PACKAGE-MANAGER");
	kv(j, "referenceLocator", purl);
	kv(j, "referenceType", "purl");
	sg_gojson_obj_close(j);
	sg_gojson_arr_close(j);
}

static void relationship(sg_gojson *j, const char *from, const char *type, const char *to)
{
	sg_gojson_obj_open(j);
	kv(j, "relatedSpdxElement", to);
	kv(j, "relationshipType", type);
	kv(j, "spdxElementId", from);
	sg_gojson_obj_close(j);
}

static const char *layer_digest(const struct out *o, size_t layer)
{
	return layer < o->img->nlayers ? o->img->layers[layer] : "unknown";
}

/* ---- files ---- */

struct cand {
	struct felem f;
	size_t origin;  /* index in fof */
	size_t uniq;    /* index of its felem */
};

/* By path, the final filesystem's copy first, then earlier copies by layer and content. */
static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int r = strcmp(x->f.path, y->f.path);

	if (r || (r = y->f.final - x->f.final))
		return r;
	if (!x->f.final && ((r = (x->f.st.layer > y->f.st.layer) - (x->f.st.layer < y->f.st.layer)) ||
			    (r = x->f.st.hashed - y->f.st.hashed) ||
			    (r = memcmp(x->f.st.sha256, y->f.st.sha256, sizeof(x->f.st.sha256)))))
		return r;
	return (x->origin > y->origin) - (x->origin < y->origin);
}

static int same_felem(const struct felem *x, const struct felem *y)
{
	return !strcmp(x->path, y->path) && x->final == y->final &&
	       (x->final || (x->st.layer == y->st.layer && x->st.hashed == y->st.hashed &&
			     !memcmp(x->st.sha256, y->st.sha256, sizeof(x->st.sha256))));
}

/* A file as an earlier layer's view had it (sg_fseen): the final filesystem's copy when
 * that is the same (same layer wrote it, same content). 0 when it was not a file there. */
static int seen_cand(struct felem *f, const sg_fseen *s, const sg_walker *w)
{
	sg_error le = { 0 };
	sg_wstat now;

	if (!s->found)
		return 0;
	if (sg_walker_stat(w, f->path, 1, &now, NULL, &le) == 0 && now.type == SG_WT_FILE &&
	    now.layer == s->layer && now.hashed == s->hashed &&
	    (!s->hashed || !memcmp(now.sha256, s->sha256, sizeof(now.sha256)))) {
		f->final = 1;
		return 1;
	}
	f->st.type = SG_WT_FILE;
	f->st.layer = s->layer;
	f->st.hashed = s->hashed;
	memcpy(f->st.sha1, s->sha1, sizeof(f->st.sha1));
	memcpy(f->st.sha256, s->sha256, sizeof(f->st.sha256));
	f->ok = s->hashed || f->md5[0] || f->sha256[0];
	return 1;
}

/* Every owned file once, sorted: looked up in the final filesystem (symlinked directories
 * followed: /lib/x -> usr/lib/x under merged /usr), or as an earlier layer had it. */
static int gather_files(struct out *o, sg_error *e)
{
	const sg_catalog *c = o->c;
	struct cand *cand = NULL;
	size_t i, k, n = 0, nc = 0, u = 0;
	sg_error le = { 0 };

	if (c->npkgs && !(o->first = calloc(c->npkgs, sizeof(*o->first))))
		return sg_err(e, SG_ERROR, "out of memory");
	for (i = 0; i < c->npkgs; i++) {
		o->first[i] = n;
		n += c->pkgs[i].nfiles;
	}
	if (!n)
		return 0;
	if (!(o->fof = calloc(n, sizeof(*o->fof))) || !(cand = calloc(n, sizeof(*cand))) ||
	    !(o->files = calloc(n, sizeof(*o->files)))) {
		free(cand);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	for (i = 0; i < c->npkgs; i++) {
		for (k = 0; k < c->pkgs[i].nfiles; k++) {
			const sg_pfile *pf = &c->pkgs[i].files[k];
			struct cand *x = &cand[nc];

			x->origin = o->first[i] + k;
			x->f.path = pf->path;
			x->f.md5 = pf->md5;
			x->f.sha256 = pf->sha256;
			x->f.final = !pf->seen;
			if (pf->seen && !seen_cand(&x->f, pf->seen, o->w))
				continue; /* not a file in that layer's view */
			nc++;
		}
	}
	if (nc)
		qsort(cand, nc, sizeof(*cand), cmp_cand);
	for (i = 0; i < nc; i++) {
		if (u && same_felem(&o->files[u - 1], &cand[i].f)) {
			if (!o->files[u - 1].md5[0])
				o->files[u - 1].md5 = cand[i].f.md5;
			if (!o->files[u - 1].sha256[0])
				o->files[u - 1].sha256 = cand[i].f.sha256;
		} else {
			o->files[u++] = cand[i].f;
		}
		cand[i].uniq = u - 1;
	}
	o->nfiles = u;
	for (i = 0; i < u; i++) {
		struct felem *f = &o->files[i];

		sg_error_clear(&le);
		if (f->final)
			f->ok = sg_walker_stat(o->w, f->path, 1, &f->st, NULL, &le) == 0 &&
				f->st.type == SG_WT_FILE &&
				(f->st.hashed || f->md5[0] || f->sha256[0]);
		if (f->ok)
			file_id(f);
	}
	for (i = 0; i < nc; i++)
		if (o->files[cand[i].uniq].ok)
			o->fof[cand[i].origin] = cand[i].uniq + 1;
	free(cand);
	return 0;
}

/* The element of package i's file k, NULL when it is not listed. */
static const struct felem *file_of(const struct out *o, size_t i, size_t k)
{
	size_t x = o->fof ? o->fof[o->first[i] + k] : 0;

	return x ? &o->files[x - 1] : NULL;
}

static void write_file(struct out *o, const struct felem *f)
{
	sg_gojson *j = &o->j;
	char hex[65], comment[256], *name;

	sg_gojson_obj_open(j);
	kv(j, "SPDXID", f->id);
	sg_gojson_key(j, "checksums");
	sg_gojson_arr_open(j);
	if (f->st.hashed) {
		sg_hex(hex, f->st.sha1, sizeof(f->st.sha1));
		checksum(j, "SHA1", hex);
		sg_hex(hex, f->st.sha256, sizeof(f->st.sha256));
		checksum(j, "SHA256", hex);
	} else {
		if (f->md5[0])
			checksum(j, "MD5", f->md5);
		if (f->sha256[0])
			checksum(j, "SHA256", f->sha256);
	}
	sg_gojson_arr_close(j);
	snprintf(comment, sizeof(comment), "layer %zu %s%s", f->st.layer, layer_digest(o, f->st.layer),
		 f->st.hashed ? "" : "; not hashed (too large): digest as the package manager recorded it");
	kv(j, "comment", comment);
	kv(j, "copyrightText", "NOASSERTION");
	name = sg_strprintf("./%s", f->path);
	kv(j, "fileName", name ? name : f->path);
	free(name);
	kv(j, "licenseConcluded", "NOASSERTION");
	sg_gojson_obj_close(j);
}

/* ---- packages ---- */

static int cmp_hex(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* SPDX 2.3 §7.9: SHA1 over the sorted SHA1s of the package's files. 0 with code[0] = '\0'
 * when a file has no SHA1 (then filesAnalyzed is false). */
static int verification_code(char code[41], const struct out *o, size_t pi)
{
	const sg_pkg *p = &o->c->pkgs[pi];
	char (*sha)[41] = NULL;
	unsigned char md[20];
	size_t i, n = 0;
	const struct felem *f;
	EVP_MD_CTX *ctx = NULL;
	int err = 0;

	code[0] = '\0';
	if (!p->nfiles || !(sha = calloc(p->nfiles, sizeof(*sha))))
		return p->nfiles ? SG_ERROR : 0;
	for (i = 0; i < p->nfiles; i++) {
		if (!(f = file_of(o, pi, i)))
			continue;
		if (!f->st.hashed)
			goto done;
		sg_hex(sha[n++], f->st.sha1, sizeof(f->st.sha1));
	}
	if (!n)
		goto done;
	qsort(sha, n, sizeof(*sha), cmp_hex);
	if (!(ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1) {
		err = SG_ERROR;
		goto done;
	}
	for (i = 0; i < n; i++)
		EVP_DigestUpdate(ctx, sha[i], 40);
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
		err = SG_ERROR;
		goto done;
	}
	sg_hex(code, md, sizeof(md));
done:
	EVP_MD_CTX_free(ctx);
	free(sha);
	return err;
}

/* syft's phrases (sbom.md §3.2), then the evidence files. */
static int source_info(sg_buf *b, const sg_pkg *p)
{
	static const struct {
		const char *type, *phrase;
	} phrases[] = {
		{ "deb", "acquired package info from DPKG DB: " },
		{ "apk", "acquired package info from APK DB: " },
		{ "rpm", "acquired package info from RPM DB: " },
		{ "python", "acquired package info from installed python package manifest file: " },
		{ "npm", "acquired package info from installed node module manifest file: " },
		{ "golang", "acquired package info from go module information: " },
		{ "cargo", "acquired package info from rust cargo manifest: " },
		{ "maven", "acquired package info from installed java archive: " },
	};
	const char *phrase = "acquired package info from: ";
	size_t i;
	int err;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (!strcmp(phrases[i].type, p->type))
			phrase = phrases[i].phrase;
	err = sg_buf_puts(b, phrase);

	for (i = 0; i < p->nevidence && !err; i++)
		err = sg_buf_printf(b, "%s/%s", i ? ", " : "", p->evidence[i]);
	return err;
}

/* An owned language package says which OS package installed it (the relationship says
 * it too: owner CONTAINS package, and the image does not list it a second time). */
static char *owner_comment(const struct out *o, const sg_pkg *p)
{
	const sg_pkg *w;

	if (!p->owner || p->owner > o->c->npkgs)
		return NULL;
	w = &o->c->pkgs[p->owner - 1];
	return sg_strprintf("installed by %s package %s %s (%s), whose file list includes /%s; "
			    "listed once, inside it", w->type, w->name, w->version,
			    o->pkg_ids[p->owner - 1], p->nevidence ? p->evidence[0] : "?");
}

static int write_pkg(struct out *o, size_t pi, const char *id)
{
	const sg_pkg *p = &o->c->pkgs[pi];
	sg_gojson *j = &o->j;
	sg_buf info = SG_BUF_INIT(1u << 20);
	char code[41], ann[256], *comment = NULL;
	int err;

	if ((err = verification_code(code, o, pi)) < 0 || (err = source_info(&info, p)) < 0)
		goto done;
	if (p->owner && !(comment = owner_comment(o, p))) {
		err = SG_ERROR;
		goto done;
	}
	sg_gojson_obj_open(j);
	kv(j, "SPDXID", id);
	sg_gojson_key(j, "annotations");
	sg_gojson_arr_open(j);
	snprintf(ann, sizeof(ann), "sigil:evidence-layer %zu %s", p->evidence_layer,
		 layer_digest(o, p->evidence_layer));
	annotation(o, ann);
	snprintf(ann, sizeof(ann), "sigil:introduced-layer %zu %s", p->introduced_layer,
		 layer_digest(o, p->introduced_layer));
	annotation(o, ann);
	if (p->hidden) /* --scope all-layers: deleted or replaced by a later layer */
		annotation(o, "sigil:visible false");
	sg_gojson_arr_close(j);
	if (comment)
		kv(j, "comment", comment);
	kv(j, "copyrightText", "NOASSERTION");
	if (p->description)
		kv(j, "description", p->description);
	kv(j, "downloadLocation", "NOASSERTION");
	if (p->purl)
		purl_ref(j, p->purl);
	sg_gojson_key(j, "filesAnalyzed");
	sg_gojson_bool(j, code[0] != '\0');
	kv(j, "licenseConcluded", "NOASSERTION");
	kv(j, "licenseDeclared", p->license ? p->license : "NOASSERTION");
	kv(j, "name", p->name);
	if (code[0]) {
		sg_gojson_key(j, "packageVerificationCode");
		sg_gojson_obj_open(j);
		kv(j, "packageVerificationCodeValue", code);
		sg_gojson_obj_close(j);
	}
	kv(j, "sourceInfo", (const char *)info.data);
	kv(j, "supplier", p->supplier ? p->supplier : "NOASSERTION");
	if (p->version)
		kv(j, "versionInfo", p->version);
	sg_gojson_obj_close(j);
done:
	free(comment);
	sg_buf_release(&info);
	return err;
}

static int write_os(struct out *o)
{
	sg_gojson *j = &o->j;
	const sg_os *os = &o->c->os;
	char *info = sg_strprintf("acquired OS info from: /%s", os->evidence ? os->evidence : "?");
	char ann[256];
	const char *version = os->version_id;

	if (!info)
		return SG_ERROR;
	if (os->debian_version && !strcmp(os->id, "debian"))
		version = os->debian_version;
	sg_gojson_obj_open(j);
	kv(j, "SPDXID", "SPDXRef-OperatingSystem");
	sg_gojson_key(j, "annotations");
	sg_gojson_arr_open(j);
	snprintf(ann, sizeof(ann), "sigil:evidence-layer %zu %s", os->layer,
		 layer_digest(o, os->layer));
	annotation(o, ann);
	sg_gojson_arr_close(j);
	kv(j, "copyrightText", "NOASSERTION");
	if (os->pretty_name)
		kv(j, "description", os->pretty_name);
	kv(j, "downloadLocation", "NOASSERTION");
	sg_gojson_key(j, "filesAnalyzed");
	sg_gojson_bool(j, 0);
	kv(j, "licenseConcluded", "NOASSERTION");
	kv(j, "licenseDeclared", "NOASSERTION");
	kv(j, "name", os->id);
	kv(j, "primaryPackagePurpose", "OPERATING_SYSTEM");
	kv(j, "sourceInfo", info);
	kv(j, "supplier", "NOASSERTION");
	if (version)
		kv(j, "versionInfo", version);
	sg_gojson_obj_close(j);
	free(info);
	return 0;
}

static int write_image(struct out *o)
{
	sg_gojson *j = &o->j;
	const sg_sbom_image *img = o->img;
	char *purl = sg_oci_purl(img), *ann = NULL;
	const char *hex = strchr(img->digest, ':');
	size_t i;
	int err = 0;

	if (!purl)
		return SG_ERROR;
	sg_gojson_obj_open(j);
	kv(j, "SPDXID", "SPDXRef-Image");
	sg_gojson_key(j, "annotations");
	sg_gojson_arr_open(j);
	for (i = 0; i < img->nlayers; i++) {
		free(ann);
		if (!(ann = sg_strprintf("sigil:layer %zu %s", i, img->layers[i]))) {
			err = SG_ERROR;
			break;
		}
		annotation(o, ann);
	}
	free(ann);
	sg_gojson_arr_close(j);
	if (hex && !strncmp(img->digest, "sha256:", 7)) {
		sg_gojson_key(j, "checksums");
		sg_gojson_arr_open(j);
		checksum(j, "SHA256", hex + 1);
		sg_gojson_arr_close(j);
	}
	kv(j, "copyrightText", "NOASSERTION");
	kv(j, "downloadLocation", "NOASSERTION");
	purl_ref(j, purl);
	sg_gojson_key(j, "filesAnalyzed");
	sg_gojson_bool(j, 0);
	kv(j, "licenseConcluded", "NOASSERTION");
	kv(j, "licenseDeclared", "NOASSERTION");
	kv(j, "name", img->repo);
	kv(j, "primaryPackagePurpose", "CONTAINER");
	kv(j, "supplier", "NOASSERTION");
	kv(j, "versionInfo", img->digest);
	sg_gojson_obj_close(j);
	free(purl);
	return err;
}

/* ---- the document ---- */

static void write_relationships(struct out *o)
{
	sg_gojson *j = &o->j;
	const sg_catalog *c = o->c;
	const struct felem *f;
	size_t i, k;

	sg_gojson_key(j, "relationships");
	sg_gojson_arr_open(j);
	relationship(j, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image");
	if (c->os.found)
		relationship(j, "SPDXRef-Image", "CONTAINS", "SPDXRef-OperatingSystem");
	for (i = 0; i < c->npkgs; i++) {
		const size_t w = c->pkgs[i].owner;

		relationship(j, w && w <= c->npkgs ? o->pkg_ids[w - 1] : "SPDXRef-Image", "CONTAINS",
			     o->pkg_ids[i]);
	}
	for (i = 0; i < c->npkgs; i++) {
		for (k = 0; k < c->pkgs[i].nfiles; k++) {
			if ((f = file_of(o, i, k)))
				relationship(j, o->pkg_ids[i], "CONTAINS", f->id);
		}
	}
	/* a module of a binary, an archive inside an archive: syft's DEPENDENCY_OF */
	for (i = 0; i < c->npkgs; i++)
		for (k = 0; k < c->pkgs[i].ndeps; k++)
			if (c->pkgs[i].deps[k] < c->npkgs)
				relationship(j, o->pkg_ids[c->pkgs[i].deps[k]], "DEPENDENCY_OF",
					     o->pkg_ids[i]);
	sg_gojson_arr_close(j);
}

static void write_licrefs(struct out *o)
{
	sg_gojson *j = &o->j;
	size_t i;

	if (!o->c->nrefs)
		return;
	sg_gojson_key(j, "hasExtractedLicensingInfos");
	sg_gojson_arr_open(j);
	for (i = 0; i < o->c->nrefs; i++) {
		const sg_licref *r = &o->c->refs[i];

		sg_gojson_obj_open(j);
		kv(j, "extractedText", r->text ? r->text : "NOASSERTION");
		kv(j, "licenseId", r->id);
		kv(j, "name", r->name ? r->name : r->id);
		sg_gojson_obj_close(j);
	}
	sg_gojson_arr_close(j);
}

static int write_doc(struct out *o, const char *ns)
{
	sg_gojson *j = &o->j;
	size_t i;
	int err = 0;

	sg_gojson_obj_open(j);
	kv(j, "SPDXID", "SPDXRef-DOCUMENT");
	sg_gojson_key(j, "creationInfo");
	sg_gojson_obj_open(j);
	kv(j, "created", o->created);
	sg_gojson_key(j, "creators");
	sg_gojson_arr_open(j);
	sg_sbom_jstr(j, TOOL);
	sg_gojson_arr_close(j);
	sg_gojson_obj_close(j);
	kv(j, "dataLicense", "CC0-1.0");
	kv(j, "documentNamespace", ns);
	sg_gojson_key(j, "files");
	sg_gojson_arr_open(j);
	for (i = 0; i < o->nfiles; i++)
		if (o->files[i].ok)
			write_file(o, &o->files[i]);
	sg_gojson_arr_close(j);
	write_licrefs(o);
	kv(j, "name", o->img->name);
	sg_gojson_key(j, "packages");
	sg_gojson_arr_open(j);
	if ((err = write_image(o)) < 0 || (o->c->os.found && (err = write_os(o)) < 0))
		return err;
	for (i = 0; i < o->c->npkgs; i++)
		if ((err = write_pkg(o, i, o->pkg_ids[i])) < 0)
			return err;
	sg_gojson_arr_close(j);
	write_relationships(o);
	kv(j, "spdxVersion", "SPDX-2.3");
	sg_gojson_obj_close(j);
	if (!j->err && sg_buf_puts(j->out, "\n") < 0)
		j->err = SG_ETOOBIG;
	return 0;
}

int sg_spdx_write(sg_buf *out, const sg_sbom_image *img, const sg_catalog *c, const sg_walker *w,
		  const char *created, sg_error *e)
{
	struct out o;
	char *ns = NULL;
	size_t i;
	int err;

	memset(&o, 0, sizeof(o));
	o.img = img;
	o.c = c;
	o.w = w;
	o.created = created;
	sg_gojson_init(&o.j, out);
	if (!(ns = namespace_uri(img)) ||
	    (c->npkgs && !(o.pkg_ids = calloc(c->npkgs, sizeof(*o.pkg_ids))))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < c->npkgs; i++) {
		if (!(o.pkg_ids[i] = sg_sbom_pkg_ref(&c->pkgs[i]))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	}
	if ((err = gather_files(&o, e)) < 0)
		goto done;
	/* about 650 bytes a file and a few KiB a package: one allocation instead of a dozen
	 * growing copies (a failure here shows up, as it would have, when appending) */
	(void)sg_buf_reserve(out, o.nfiles * 768 + c->npkgs * 4096 + 65536);
	if ((err = write_doc(&o, ns)) < 0) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (o.j.err) {
		err = sg_err(e, o.j.err == SG_ETOOBIG ? SG_ETOOBIG : SG_ERROR,
			     "the SPDX document is over %zu bytes", out->max);
		goto done;
	}
	err = 0;
done:
	if (o.pkg_ids)
		sg_strv_free(o.pkg_ids, c->npkgs);
	free(o.files);
	free(o.fof);
	free(o.first);
	free(ns);
	return err;
}
