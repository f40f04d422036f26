/* Java archives (binpkg.h): a zip read from memory with libarchive's seekable zip reader
 * (the central directory gives every entry, so skipping one costs nothing and a deflate
 * bomb is only ever inflated as far as a cap). Per archive, as syft's java cataloger does
 * (sbom.md §1.2; syft archive_parser.go, parse_java_manifest.go, archive_filename.go):
 *  - its own package when it has META-INF/MANIFEST.MF: name and version from its single
 *    pom.properties when that artifactId starts with the name in the file name, else name
 *    from the file name, else the manifest (Name, Bundle-Name, Short-Name, Extension-Name,
 *    Implementation-Title); version from the file name, else Implementation-Version,
 *    Specification-Version, Plugin-Version (main section first, then named sections);
 *  - one package per META-INF/maven/.../pom.properties with artifactId and version;
 *  - the archives inside it (any entry named like a Java archive), recursively.
 * Differences from syft: pom.properties count without a manifest (a lone one is then the
 * archive's own package); a manifest continuation line loses only its one leading space
 * (JAR spec), not all white space. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <archive.h>
#include <archive_entry.h>
#include "binpkg_int.h"
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define WHAT "Java archive"
#define MANIFEST "META-INF/MANIFEST.MF"
#define MAVEN_DIR "META-INF/maven/"
#define POM_PROPS "/pom.properties"
#define MAX_POMS 10000
#define PATH_CAP 8192
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct jctx {
	sg_binpkgs *out;
	size_t budget;   /* bytes that may still be decompressed */
	size_t entries;  /* zip entries that may still be looked at */
	int opened;      /* the outermost archive opened as a zip */
} jctx;

typedef struct pom {
	char *group, *artifact, *version;
} pom;

typedef struct jar {
	char *manifest;  /* NUL-terminated, NULL when absent */
	pom *poms;
	size_t npoms;
} jar;

static void jar_release(jar *j)
{
	size_t i;

	free(j->manifest);
	for (i = 0; i < j->npoms; i++) {
		free(j->poms[i].group);
		free(j->poms[i].artifact);
		free(j->poms[i].version);
	}
	free(j->poms);
	memset(j, 0, sizeof(*j));
}

/* ---- reading the zip ---- */

static int zip_open(struct archive **out, const unsigned char *data, size_t len, sg_error *e)
{
	struct archive *a = archive_read_new();

	if (!a)
		return sg_err(e, SG_ERROR, "out of memory");
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		sg_err(e, SG_EINVALID, "not a zip archive (%s)",
		       archive_error_string(a) ? archive_error_string(a) : "no central directory");
		archive_read_free(a);
		return SG_EINVALID;
	}
	*out = a;
	return 0;
}

/* The next regular file's name (borrowed), NULL at the end. */
static int zip_next(jctx *c, struct archive *a, const char **name, sg_error *e)
{
	struct archive_entry *ent;
	int r;

	for (;;) {
		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF) {
			*name = NULL;
			return 0;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return sg_err(e, SG_EINVALID, "%s",
				      archive_error_string(a) ? archive_error_string(a) : "bad zip entry");
		if (!c->entries)
			return sg_err(e, SG_ETOOBIG, "more than %u zip entries", SG_BINPKG_JAVA_ENTRIES);
		c->entries--;
		if (archive_entry_filetype(ent) == AE_IFREG && (*name = archive_entry_pathname(ent)))
			return 0;
	}
}

/* The current entry's content, at most max bytes, counted against the budget. */
static int zip_read(jctx *c, struct archive *a, sg_buf *b, size_t max, sg_error *e)
{
	unsigned char chunk[65536];
	la_ssize_t r;
	int err;

	sg_buf_init(b, max < c->budget ? max : c->budget);
	while ((r = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if ((err = sg_buf_append(b, chunk, (size_t)r)) < 0) {
			sg_buf_release(b);
			if (err != SG_ETOOBIG)
				return sg_err(e, err, "out of memory");
			return sg_err(e, err, "decompresses past %s cap (%zu bytes)",
				      max < c->budget ? "its" : "the total", b->max);
		}
	}
	if (r < 0) {
		sg_err(e, SG_EINVALID, "%s",
		       archive_error_string(a) ? archive_error_string(a) : "unreadable");
		sg_buf_release(b);
		return SG_EINVALID;
	}
	c->budget -= b->len;
	if (!b->data && (err = sg_buf_append(b, "", 0)) < 0)
		return sg_err(e, err, "out of memory");
	return 0;
}

/* ---- text formats ---- */

static char *trimdup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return sg_binpkg_strndup(s, n);
}

/* pom.properties (java.util.Properties, the parts Maven writes): "key=value", "key: value"
 * or "key value"; '#' and '!' start comments. */
static int parse_pom(pom *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len;

	memset(p, 0, sizeof(*p));
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s)), *k, *sep;
		size_t n = eol ? (size_t)(eol - s) : (size_t)(end - s), klen;
		char **dst = NULL;

		while (n && (*s == ' ' || *s == '\t' || *s == '\f')) {
			s++;
			n--;
		}
		k = s;
		for (sep = s; sep < s + n && !strchr("=: \t\f\r", *sep); sep++)
			;
		klen = (size_t)(sep - k);
		if (n && *s != '#' && *s != '!' && sep < s + n) {
			if (klen == 7 && !memcmp(k, "groupId", 7))
				dst = &p->group;
			else if (klen == 10 && !memcmp(k, "artifactId", 10))
				dst = &p->artifact;
			else if (klen == 7 && !memcmp(k, "version", 7))
				dst = &p->version;
		}
		if (dst && !*dst) {
			const char *v = sep, *vend = s + n;

			while (v < vend && strchr(" \t\f\r", *v))
				v++;
			if (v < vend && (*v == '=' || *v == ':'))
				v++;
			if (!(*dst = trimdup(v, (size_t)(vend - v))))
				return SG_ERROR;
			if (!**dst) {
				free(*dst);
				*dst = NULL;
			}
		}
		s = eol ? eol + 1 : end;
	}
	return 0;
}

/* The value of key in the manifest: the main section's, or with any_section the first
 * named section's that has it. Continuation lines (one leading space) are joined. Owned;
 * NULL when absent (or out of memory). */
static char *manifest_get(const char *m, const char *key, int any_section)
{
	size_t klen = strlen(key), section = 0;
	const char *s = m;

	while (*s) {
		size_t n = strcspn(s, "\r\n");
		const char *next = s + n;

		next += (*next == '\r' && next[1] == '\n') ? 2 : (*next ? 1 : 0);
		if (!n) {
			section++;
		} else if ((section == 0 || any_section) && n > klen && s[klen] == ':' &&
			   !strncasecmp(s, key, klen)) {
			sg_buf b = SG_BUF_INIT(SG_BINPKG_JAVA_TEXT);
			char *v;
			int err = sg_buf_append(&b, s + klen + 1, n - klen - 1);

			for (s = next; !err && *s == ' '; s = next) {
				n = strcspn(s, "\r\n");
				next = s + n;
				next += (*next == '\r' && next[1] == '\n') ? 2 : (*next ? 1 : 0);
				err = sg_buf_append(&b, s + 1, n - 1);
			}
			if (err < 0 || !b.data) {
				sg_buf_release(&b);
				return NULL;
			}
			v = trimdup((const char *)b.data, b.len);
			sg_buf_release(&b);
			if (v && !*v) {
				free(v);
				return NULL;
			}
			return v;
		}
		s = next;
	}
	return NULL;
}

/* ---- names from file names (syft's archive_filename.go, without regexps) ---- */

static int name_token(const char *s, size_t n)
{
	size_t i;

	if (!n || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

/* Whether s (to its end) reads as a version: a digit first; "build" and a digit; or "r" /
 * "rc" and digits only. */
static int version_text(const char *s)
{
	size_t i;

	if (isdigit((unsigned char)s[0]))
		return 1;
	if (!strncasecmp(s, "build", 5) && isdigit((unsigned char)s[5]))
		return 1;
	i = (s[0] == 'r' || s[0] == 'R') ? 1 : 0;
	if (!i)
		return 0;
	if (s[1] == 'c' || s[1] == 'C')
		i = 2;
	if (!isdigit((unsigned char)s[i]))
		return 0;
	while (isdigit((unsigned char)s[i]))
		i++;
	return s[i] == '\0';
}

/* "commons-lang3-3.12.0.jar" -> "commons-lang3", "3.12.0". Both owned, "" when unknown. */
static int name_from_file(const char *path, char **name, char **version)
{
	const char *base = path ? path : "", *dot, *tok, *dash, *p;
	char *stem;
	size_t i;

	for (p = base; *p; p++) /* the last component, of the innermost archive */
		if (*p == '/' || *p == ':')
			base = p + 1;
	dot = strrchr(base, '.');
	*name = *version = NULL;
	if (!(stem = sg_binpkg_strndup(base, dot ? (size_t)(dot - base) : strlen(base))))
		return SG_ERROR;
	/* the name is dash-separated words starting with a letter, up to the first word that
	 * starts a version */
	for (tok = stem;; tok = dash + 1) {
		dash = strchr(tok, '-');
		if (tok != stem && version_text(tok)) {
			*name = sg_binpkg_strndup(stem, (size_t)(tok - 1 - stem));
			*version = sg_binpkg_strndup(tok, strlen(tok));
			break;
		}
		if (!name_token(tok, dash ? (size_t)(dash - tok) : strlen(tok))) {
			*name = sg_binpkg_strndup("", 0);
			*version = sg_binpkg_strndup("", 0);
			break;
		}
		if (!dash) {
			*name = sg_binpkg_strndup(stem, strlen(stem));
			*version = NULL;
			break;
		}
	}
	free(stem);
	if (*name && !*version) { /* "name_1.2" or "name.1.2" */
		for (i = 0; (*name)[i]; i++)
			if (strchr("._-", (*name)[i]) && version_text(*name + i + 1))
				break;
		*version = sg_binpkg_strndup(*name + i + ((*name)[i] ? 1 : 0), strlen(*name + i) -
					     ((*name)[i] ? 1 : 0));
		(*name)[i] = '\0';
	}
	if (!*name || !*version) {
		free(*name);
		free(*version);
		*name = *version = NULL;
		return SG_ERROR;
	}
	return 0;
}

/* ---- packages ---- */

static int set_purl(sg_binpkg *p, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(PATH_CAP);
	size_t n;
	int err;

	if ((err = sg_buf_puts(&b, "pkg:maven/")) < 0 || (err = sg_purl_escape(&b, p->group)) < 0 ||
	    (err = sg_buf_puts(&b, "/")) < 0 || (err = sg_purl_escape(&b, p->name)) < 0 ||
	    (p->version && ((err = sg_buf_puts(&b, "@")) < 0 ||
			    (err = sg_purl_escape(&b, p->version)) < 0))) {
		sg_buf_release(&b);
		return sg_err(e, err, WHAT ": purl of %.200s: %s", p->name,
			      err == SG_ETOOBIG ? "too long" : "out of memory");
	}
	p->purl = (char *)sg_buf_detach(&b, &n);
	return 0;
}

/* A reverse-domain name ("org.apache.commons"), after OSGi directives (";...") are cut. */
static char *group_like(const char *v)
{
	size_t n = v ? strcspn(v, ";") : 0, i;

	if (!n || !memchr(v, '.', n) || v[0] == '.' || v[n - 1] == '.')
		return NULL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._-", v[i]))
			return NULL;
	return sg_binpkg_strndup(v, n);
}

/* The groupId of an archive without a matching pom.properties: Implementation-Vendor-Id
 * (Maven's archiver writes the groupId there), else Bundle-SymbolicName, else, as syft
 * does, the name itself. */
static char *manifest_group(const char *m, const char *name)
{
	static const char *const keys[] = { "Implementation-Vendor-Id", "Bundle-SymbolicName" };
	char *v, *g;
	size_t i;

	for (i = 0; m && i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = manifest_get(m, keys[i], 0);
		g = group_like(v);
		free(v);
		if (g)
			return g;
	}
	return sg_binpkg_strndup(name, strlen(name));
}

/* Bundle-License, when it names one SPDX licence or a well-known licence URL. */
static char *manifest_license(const char *m)
{
	static const struct {
		const char *url, *id;
	} urls[] = {
		{ "apache.org/licenses/LICENSE-2.0", "Apache-2.0" },
		{ "opensource.org/licenses/MIT", "MIT" },
		{ "opensource.org/licenses/mit-license", "MIT" },
		{ "eclipse.org/legal/epl-2.0", "EPL-2.0" },
		{ "eclipse.org/legal/epl-v10", "EPL-1.0" },
	};
	char *v = manifest_get(m, "Bundle-License", 0), *r = NULL;
	const char *id;
	size_t i;

	if (!v || strchr(v, ','))
		goto done;
	v[strcspn(v, ";")] = '\0';
	if (v[0] == '"') {
		memmove(v, v + 1, strlen(v));
		v[strcspn(v, "\"")] = '\0';
	}
	if ((id = sg_spdx_license(v)) && !strchr(id, ' ')) {
		r = sg_binpkg_strndup(id, strlen(id));
		goto done;
	}
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		if (strstr(v, urls[i].url))
			r = sg_binpkg_strndup(urls[i].id, strlen(urls[i].id));
done:
	free(v);
	return r;
}

static char *first_of(const char *m, const char *const *keys, size_t n, int any_section)
{
	char *v = NULL;
	size_t i;

	for (i = 0; m && !v && i < n; i++)
		v = manifest_get(m, keys[i], 0);
	for (i = 0; m && !v && any_section && i < n; i++)
		v = manifest_get(m, keys[i], 1);
	return v;
}

/* The archive's own package; *own stays SG_BINPKG_NONE when there is none. */
static int own_package(jctx *c, const jar *j, const char *vpath, size_t parent, int outer,
		       size_t *own, sg_error *e)
{
	static const char *const name_keys[] = { "Name", "Bundle-Name", "Short-Name",
						 "Extension-Name", "Implementation-Title" };
	static const char *const version_keys[] = { "Implementation-Version",
						    "Specification-Version", "Plugin-Version" };
	char *fname = NULL, *fversion = NULL;
	const pom *match = NULL;
	sg_binpkg *p;
	int err;

	*own = SG_BINPKG_NONE;
	if (!j->manifest && j->npoms != 1)
		return 0;
	if ((err = name_from_file(vpath, &fname, &fversion)) < 0)
		return sg_err(e, err, "out of memory");
	if (j->npoms == 1 && (!j->manifest || (*fname && !strncmp(j->poms[0].artifact, fname,
								     strlen(fname)))))
		match = &j->poms[0];
	if ((err = sg_binpkgs_add(c->out, &p, "maven", e)) < 0)
		goto done;
	p->main = outer;
	p->parent = parent;
	if (match) {
		p->name = sg_binpkg_strndup(match->artifact, strlen(match->artifact));
		p->version = sg_binpkg_strndup(match->version, strlen(match->version));
		p->group = match->group ? sg_binpkg_strndup(match->group, strlen(match->group))
					: manifest_group(j->manifest, match->artifact);
	} else {
		p->name = *fname ? fname : first_of(j->manifest, name_keys, NKEYS(name_keys), 0);
		p->version = *fversion ? fversion
				       : first_of(j->manifest, version_keys, NKEYS(version_keys), 1);
		if (p->name == fname)
			fname = NULL;
		if (p->version == fversion)
			fversion = NULL;
		if (!p->name) { /* nothing names it: no package (syft drops nameless ones) */
			sg_binpkg_clear(p);
			c->out->n--;
			goto done;
		}
		p->group = manifest_group(j->manifest, p->name);
	}
	if (!p->name || !p->group ||
	    (*vpath && !(p->location = sg_binpkg_strndup(vpath, strlen(vpath))))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (j->manifest)
		p->license = manifest_license(j->manifest);
	if ((err = set_purl(p, e)) < 0)
		goto done;
	*own = c->out->n - 1;
done:
	free(fname);
	free(fversion);
	return err;
}

static int adopt_group(sg_binpkg *own, const pom *q, sg_error *e)
{
	char *g;

	if (!q->group || !strcmp(own->group, q->group))
		return 0;
	if (!(g = sg_binpkg_strndup(q->group, strlen(q->group))))
		return sg_err(e, SG_ERROR, "out of memory");
	free(own->group);
	free(own->purl);
	own->group = g;
	own->purl = NULL;
	return set_purl(own, e);
}

static int pom_packages(jctx *c, const jar *j, const char *vpath, size_t own, size_t parent,
			sg_error *e)
{
	size_t i;
	int err;

	for (i = 0; i < j->npoms; i++) {
		const pom *q = &j->poms[i];
		sg_binpkg *p;

		if (own != SG_BINPKG_NONE && !strcmp(c->out->pkgs[own].name, q->artifact) &&
		    !strcmp(c->out->pkgs[own].version ? c->out->pkgs[own].version : "", q->version)) {
			if ((err = adopt_group(&c->out->pkgs[own], q, e)) < 0)
				return err;
			continue; /* the archive's own package: its groupId is the authority */
		}
		if ((err = sg_binpkgs_add(c->out, &p, "maven", e)) < 0)
			return err;
		p->parent = own != SG_BINPKG_NONE ? own : parent;
		if (!(p->name = sg_binpkg_strndup(q->artifact, strlen(q->artifact))) ||
		    !(p->version = sg_binpkg_strndup(q->version, strlen(q->version))) ||
		    !(p->group = sg_binpkg_strndup(q->group ? q->group : q->artifact,
						   strlen(q->group ? q->group : q->artifact))) ||
		    (*vpath && !(p->location = sg_binpkg_strndup(vpath, strlen(vpath)))))
			return sg_err(e, SG_ERROR, "out of memory");
		if ((err = set_purl(p, e)) < 0)
			return err;
	}
	return 0;
}

/* ---- one archive ---- */

static int is_pom_path(const char *name)
{
	size_t n = strlen(name), m = strlen(POM_PROPS);

	return !strncmp(name, MAVEN_DIR, strlen(MAVEN_DIR)) && n > m &&
	       !strcmp(name + n - m, POM_PROPS);
}

static int add_pom(jar *j, const sg_buf *b)
{
	pom p;
	void *arr = j->poms;
	int err = 0;

	if (memchr(b->data, '\0', b->len))
		return 0; /* not text */
	if (parse_pom(&p, (const char *)b->data, b->len) < 0)
		return SG_ERROR;
	/* syft too skips a pom.properties without artifactId or version */
	if (!p.artifact || !p.version || j->npoms >= MAX_POMS ||
	    (err = sg_binpkg_grow(&arr, j->npoms, sizeof(pom))) < 0) {
		free(p.group);
		free(p.artifact);
		free(p.version);
		return err;
	}
	j->poms = arr;
	j->poms[j->npoms++] = p;
	return 0;
}

/* First pass: the manifest and every pom.properties. */
static int read_meta(jctx *c, const unsigned char *data, size_t len, jar *j, sg_error *e)
{
	struct archive *a = NULL;
	const char *name;
	sg_buf b;
	int err;

	if ((err = zip_open(&a, data, len, e)) < 0)
		return err;
	c->opened = 1;
	while ((err = zip_next(c, a, &name, e)) == 0 && name) {
		int man = !j->manifest && !strcmp(name, MANIFEST);

		if (!man && !is_pom_path(name))
			continue;
		if ((err = zip_read(c, a, &b, SG_BINPKG_JAVA_TEXT, e)) < 0) {
			sg_err_prefix(e, "%.300s", name);
			break;
		}
		if (man && !memchr(b.data, '\0', b.len))
			j->manifest = (char *)sg_buf_detach(&b, NULL);
		else if (!man && (err = add_pom(j, &b)) < 0)
			err = sg_err(e, err, "out of memory");
		sg_buf_release(&b);
		if (err < 0)
			break;
	}
	archive_read_free(a);
	return err;
}

static int archive_pkgs(jctx *c, const unsigned char *data, size_t len, const char *vpath,
			size_t parent, int depth, sg_error *e);

static void skip(jctx *c, size_t n0, const char *what, const sg_error *why)
{
	while (c->out->n > n0)
		sg_binpkg_clear(&c->out->pkgs[--c->out->n]);
	c->out->skipped++;
	if (!c->out->warning)
		c->out->warning = sg_strprintf("%.2000s: skipped: %s", what, why->msg);
}

/* Second pass: the archives inside. */
static int nested(jctx *c, const unsigned char *data, size_t len, const char *vpath,
		  size_t parent, int depth, sg_error *e)
{
	struct archive *a = NULL;
	const char *name;
	int err;

	if ((err = zip_open(&a, data, len, e)) < 0)
		return err;
	while ((err = zip_next(c, a, &name, e)) == 0 && name) {
		sg_error why = { 0, "" };
		size_t n0 = c->out->n;
		char *sub;
		sg_buf b;

		if (!sg_binpkg_java_name(name))
			continue;
		if (!(sub = sg_strprintf("%s%s%s", vpath, *vpath ? ":" : "", name)) ||
		    strlen(sub) > PATH_CAP) {
			free(sub);
			err = sg_err(e, SG_ETOOBIG, "nested archive path too long");
			break;
		}
		if (depth + 1 >= SG_BINPKG_JAVA_DEPTH) {
			sg_err(&why, SG_ETOOBIG, "nested more than %d deep", SG_BINPKG_JAVA_DEPTH);
			skip(c, n0, sub, &why);
		} else if (zip_read(c, a, &b, SG_BINPKG_JAVA_NESTED, &why) < 0) {
			skip(c, n0, sub, &why);
		} else {
			if (archive_pkgs(c, b.data, b.len, sub, parent, depth + 1, &why) < 0 &&
			    why.code != SG_ENOTFOUND)
				skip(c, n0, sub, &why);
			sg_buf_release(&b);
		}
		free(sub);
	}
	archive_read_free(a);
	return err;
}

static int archive_pkgs(jctx *c, const unsigned char *data, size_t len, const char *vpath,
			size_t parent, int depth, sg_error *e)
{
	jar j = { NULL, NULL, 0 };
	size_t own, n0 = c->out->n;
	int err;

	if ((err = read_meta(c, data, len, &j, e)) < 0 ||
	    (err = own_package(c, &j, vpath, parent, depth == 0, &own, e)) < 0 ||
	    (err = pom_packages(c, &j, vpath, own, parent, e)) < 0 ||
	    (err = nested(c, data, len, vpath, own != SG_BINPKG_NONE ? own : parent, depth, e)) < 0)
		goto done;
	if (c->out->n == n0)
		err = sg_err(e, SG_ENOTFOUND, "no Java package information");
done:
	jar_release(&j);
	return err;
}

int sg_binpkg_java(sg_binpkgs *out, const unsigned char *data, size_t len, const char *path,
		   sg_error *e)
{
	jctx c = { out, SG_BINPKG_JAVA_TOTAL, SG_BINPKG_JAVA_ENTRIES, 0 };
	int err;

	if ((err = archive_pkgs(&c, data, len, path ? path : "", SG_BINPKG_NONE, 0, e)) < 0) {
		/* a file named like a jar that is no zip at all is not this kind of file */
		if (err == SG_EINVALID && !c.opened && sg_binpkg_kind(data, len) != SG_BIN_ZIP)
			err = sg_err(e, SG_ENOTFOUND, "not a zip archive (or an empty one)");
		sg_binpkgs_release(out);
		if (path && *path)
			sg_err_prefix(e, WHAT " %.1000s", path);
		else
			sg_err_prefix(e, WHAT);
	}
	return err;
}
