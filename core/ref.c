/* Image references, parsed the way go-containerregistry's pkg/name does (weak validation),
 * with the component grammar of the distribution spec so that odd names ("a//b", "A",
 * trailing ':') are refused instead of being passed on to a registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ref.h"
#include "digest.h"
#include "err.h"
#include "banned.h"

#define DEFAULT_REGISTRY "index.docker.io"
#define REF_MAX_INPUT    4096 /* longer than any valid reference; keeps messages sane */
#define REPO_MAX         255
#define OCI_NAME_MAX     128  /* cap on the basename part of an oci identity */

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_word(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_sep(char c)
{
	return c == '.' || c == '_' || c == '-';
}

/* A separator run between two alphanumerics: ".", "_", "__" or any number of "-". */
static int sep_run_valid(const char *p, size_t n)
{
	size_t i;

	if (n == 1)
		return 1;
	if (n == 2 && p[0] == '_' && p[1] == '_')
		return 1;
	for (i = 0; i < n; i++)
		if (p[i] != '-')
			return 0;
	return 1;
}

/* [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* */
static int component_valid(const char *p, size_t n)
{
	size_t i = 0, j;

	if (n == 0 || !is_lower_alnum(p[0]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(p[i])) {
			i++;
			continue;
		}
		for (j = i; j < n && is_sep(p[j]); j++)
			;
		if (j == i || j == n || !is_lower_alnum(p[j]) || !sep_run_valid(p + i, j - i))
			return 0;
		i = j;
	}
	return 1;
}

static int repository_valid(const char *repo)
{
	const char *p = repo, *slash;

	if (strlen(repo) > REPO_MAX)
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		if (!component_valid(p, slash ? (size_t)(slash - p) : strlen(p)))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

/* Why repository_valid refused repo, for the message. */
static const char *repo_problem(const char *repo)
{
	const char *p;

	if (repo[0] == '/' || strstr(repo, "//") || repo[strlen(repo) - 1] == '/')
		return "empty repository path component";
	for (p = repo; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return "repository must be lowercase";
	return "repository components must be [a-z0-9] runs joined by '.', '_', '__' or '-'";
}

int sg_tag_valid(const char *tag)
{
	size_t i;

	if (!tag || !is_word(tag[0]))
		return 0;
	for (i = 1; tag[i]; i++)
		if (i >= 128 || !(is_word(tag[i]) || tag[i] == '.' || tag[i] == '-'))
			return 0;
	return 1;
}

static int is_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

/* host[:port] where host is a DNS name, an IPv4 address or a bracketed IPv6 address. */
static int registry_valid(const char *r)
{
	const char *colon, *p = r, *end;
	size_t label = 0;

	if (r[0] == '[') {
		end = strchr(r, ']');
		if (!end || end == r + 1)
			return 0;
		for (p = r + 1; p < end; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return 0;
		if (end[1] == '\0')
			return 1;
		return end[1] == ':' && strlen(end + 2) <= 5 && is_digits(end + 2, strlen(end + 2));
	}
	colon = strchr(r, ':');
	end = colon ? colon : r + strlen(r);
	if (colon && !(strlen(colon + 1) <= 5 && is_digits(colon + 1, strlen(colon + 1))))
		return 0;
	if (p == end)
		return 0;
	for (; p < end; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_') {
			label++;
		} else {
			return 0;
		}
	}
	return label > 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *dup_s(const char *s)
{
	return dup_n(s, strlen(s));
}

void sg_ref_free(sg_ref *r)
{
	if (!r)
		return;
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	free(r->path);
	free(r);
}

static int bad(sg_error *e, const char *s, const char *why)
{
	char shown[200];

	return sg_err(e, SG_EINVALID, "invalid image reference \"%s\": %s",
		      sg_printable(shown, sizeof(shown), s), why);
}

static int oom(sg_error *e)
{
	return sg_err(e, SG_ERROR, "out of memory");
}

/* The last '@' of s[0..n) if it introduces a digest, else NULL. In registry names every '@'
 * does; in oci paths only "@sha256:" / "@sha512:" do, so a directory may contain '@'. */
static const char *find_digest(const char *s, size_t n, int any_at)
{
	const char *at = NULL, *p;

	for (p = s; p < s + n; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return NULL;
	if (any_at || !strncmp(at + 1, "sha256:", 7) || !strncmp(at + 1, "sha512:", 7))
		return at;
	return NULL;
}

/* The tag separator: the last ':' that has no '/' after it, or NULL. */
static const char *find_tag(const char *s, size_t n)
{
	const char *colon = NULL, *p;

	for (p = s; p < s + n; p++) {
		if (*p == ':')
			colon = p;
		else if (*p == '/')
			colon = NULL;
	}
	return colon;
}

/* Splits s[0..*namelen) into name, tag and digest (both optional; "latest" when neither),
 * shortening *namelen to the name. orig is the whole input, for messages. */
static int split_tail(sg_ref *r, const char *orig, const char *s, size_t *namelen, int oci,
		      sg_error *e)
{
	const char *at, *colon;
	size_t n = *namelen;

	if ((at = find_digest(s, n, !oci))) {
		if (strncmp(at + 1, "sha256:", 7) || !sg_digest_valid(at + 1))
			return bad(e, orig, "digest must be sha256: and 64 lowercase hex digits");
		if (!(r->digest = dup_s(at + 1)))
			return oom(e);
		n = (size_t)(at - s);
	}
	colon = find_tag(s, n);
	if (colon && colon + 1 == s + n)
		return bad(e, orig, "empty tag after ':'");
	if (colon) {
		char *tag = dup_n(colon + 1, (size_t)(s + n - colon - 1));

		if (!tag)
			return oom(e);
		if (sg_tag_valid(tag)) {
			r->tag = tag;
			n = (size_t)(colon - s);
		} else {
			free(tag);
			/* An oci path may contain ':'; a registry name may not have a bad tag. */
			if (!oci)
				return bad(e, orig, "tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
		}
	}
	if (!r->tag && !r->digest && !(r->tag = dup_s("latest")))
		return oom(e);
	*namelen = n;
	return 0;
}

static int parse_registry_ref(sg_ref *r, const char *s, sg_error *e)
{
	const char *p, *name = s, *slash;
	size_t n = strlen(s), first;
	char *repo = NULL;
	int err;

	for (p = s; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			return bad(e, s, "contains non-ASCII characters");
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return bad(e, s, "contains spaces or control characters");
	}
	if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8))
		return bad(e, s, "must not contain a URL scheme");
	if ((err = split_tail(r, s, s, &n, 0, e)) < 0)
		return err;
	if (n == 0)
		return bad(e, s, "empty repository name");
	/* The first component is a registry iff it has '.' or ':' or is "localhost". */
	slash = memchr(name, '/', n);
	first = slash ? (size_t)(slash - name) : 0;
	if (slash && (memchr(name, '.', first) || memchr(name, ':', first) ||
		      (first == 9 && !strncmp(name, "localhost", 9)))) {
		if (!(r->registry = dup_n(name, first)))
			return oom(e);
		if (!registry_valid(r->registry))
			return bad(e, s, "invalid registry host[:port]");
		name += first + 1;
		n -= first + 1;
	}
	if (!r->registry || !strcmp(r->registry, "docker.io")) {
		free(r->registry);
		if (!(r->registry = dup_s(DEFAULT_REGISTRY)))
			return oom(e);
	}
	if (!strcmp(r->registry, DEFAULT_REGISTRY) && !memchr(name, '/', n)) {
		if (!(repo = malloc(n + 9)))
			return oom(e);
		memcpy(repo, "library/", 8);
		memcpy(repo + 8, name, n);
		repo[n + 8] = '\0';
	} else if (!(repo = dup_n(name, n))) {
		return oom(e);
	}
	r->repository = repo;
	if (n == 0)
		return bad(e, s, "empty repository name");
	if (strlen(repo) > REPO_MAX)
		return bad(e, s, "repository longer than 255 characters");
	if (!repository_valid(repo))
		return bad(e, s, repo_problem(repo));
	return 0;
}

/* "localhost/<basename of path>" made into a valid repository name: lower-cased, other
 * characters replaced by '-', invalid separator runs collapsed to '-', leading and
 * trailing separators dropped; "layout" if nothing is left. */
static char *oci_identity(const char *path)
{
	const char *end = path + strlen(path), *base;
	char name[OCI_NAME_MAX + 1], *out;
	size_t n = 0, run = 0;
	const char *p;

	while (end > path && end[-1] == '/')
		end--;
	for (base = end; base > path && base[-1] != '/'; base--)
		;
	for (p = base; p < end && n < OCI_NAME_MAX; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!is_lower_alnum(c) && !is_sep(c))
			c = '-';
		if (is_sep(c)) {
			if (n == 0)
				continue; /* leading separators */
			name[n++] = c;
			run++;
			continue;
		}
		if (run && !sep_run_valid(name + n - run, run)) {
			n -= run;
			name[n++] = '-';
		}
		run = 0;
		name[n++] = c;
	}
	n -= run; /* trailing separators */
	name[n] = '\0';
	if (!(out = malloc(n + sizeof("localhost/layout"))))
		return NULL;
	snprintf(out, n + sizeof("localhost/layout"), "localhost/%s", n ? name : "layout");
	return out;
}

static int parse_oci_ref(sg_ref *r, const char *s, sg_error *e)
{
	const char *rest = s + 4, *p;
	size_t n = strlen(rest);
	int err;

	for (p = rest; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(e, s, "contains control characters");
	if ((err = split_tail(r, s, rest, &n, 1, e)) < 0)
		return err;
	if (n == 0)
		return bad(e, s, "oci: needs a layout directory path");
	/* "@sha256"/"@sha512" in a path would read as a digest once a tag is printed after it. */
	for (p = rest; p < rest + n; p++)
		if (*p == '@' && (!strncmp(p + 1, "sha256", 6) || !strncmp(p + 1, "sha512", 6)))
			return bad(e, s, "oci: path contains an '@sha256'/'@sha512' that is not a digest");
	if (!(r->path = dup_n(rest, n)) || !(r->repository = oci_identity(r->path)))
		return oom(e);
	return 0;
}

int sg_ref_parse(sg_ref **out, const char *s, sg_error *e)
{
	sg_ref *r = NULL;
	int err;

	*out = NULL;
	if (!s || !*s)
		return sg_err(e, SG_EINVALID, "invalid image reference: empty");
	if (strlen(s) > REF_MAX_INPUT)
		return bad(e, s, "too long");
	if (!(r = calloc(1, sizeof(*r))))
		return oom(e);
	if (!strncmp(s, "oci:", 4)) {
		r->kind = SG_REF_OCI;
		err = parse_oci_ref(r, s, e);
	} else {
		r->kind = SG_REF_REGISTRY;
		err = parse_registry_ref(r, s, e);
	}
	if (err < 0)
		goto done;
	*out = r;
	r = NULL;
done:
	sg_ref_free(r);
	return err;
}

char *sg_ref_repo_name(const sg_ref *r)
{
	size_t n;
	char *out;

	if (r->kind == SG_REF_OCI || !r->registry)
		return dup_s(r->repository);
	n = strlen(r->registry) + strlen(r->repository) + 2;
	if ((out = malloc(n)))
		snprintf(out, n, "%s/%s", r->registry, r->repository);
	return out;
}

char *sg_ref_string(const sg_ref *r)
{
	const char *tag = r->tag ? r->tag : "", *dg = r->digest ? r->digest : "";
	size_t n;
	char *out;

	if (r->kind == SG_REF_OCI)
		n = strlen(r->path) + strlen(tag) + strlen(dg) + 8;
	else
		n = strlen(r->registry) + strlen(r->repository) + strlen(tag) + strlen(dg) + 8;
	if (!(out = malloc(n)))
		return NULL;
	if (r->kind == SG_REF_OCI)
		snprintf(out, n, "oci:%s%s%s%s%s", r->path, r->tag ? ":" : "", tag,
			 r->digest ? "@" : "", dg);
	else
		snprintf(out, n, "%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "",
			 tag, r->digest ? "@" : "", dg);
	return out;
}

const char *sg_ref_target(const sg_ref *r)
{
	return r->digest ? r->digest : r->tag;
}

int sg_ref_at_digest(sg_ref **out, const sg_ref *r, const char *digest, sg_error *e)
{
	sg_ref *c;

	*out = NULL;
	if (!sg_digest_valid(digest))
		return sg_err(e, SG_EINVALID, "invalid digest");
	if (!(c = calloc(1, sizeof(*c))))
		return oom(e);
	c->kind = r->kind;
	if ((r->registry && !(c->registry = strdup(r->registry))) ||
	    (r->repository && !(c->repository = strdup(r->repository))) ||
	    (r->path && !(c->path = strdup(r->path))) || !(c->digest = strdup(digest))) {
		sg_ref_free(c);
		return oom(e);
	}
	*out = c;
	return 0;
}
