/* The OS cataloger (catalog.h): os-release(5), with Debian's point release. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "err.h"
#include "banned.h"

#define MAX_OS_VALUE 256

const char *const sg_os_wants[] = { "etc/os-release", "usr/lib/os-release", "etc/debian_version",
				    NULL };

void sg_os_release(sg_os *os)
{
	free(os->id);
	free(os->id_like);
	free(os->name);
	free(os->version_id);
	free(os->version);
	free(os->version_codename);
	free(os->pretty_name);
	free(os->debian_version);
	free(os->evidence);
	memset(os, 0, sizeof(*os));
}

/* One value of os-release: unquoted, or in "" / '' with shell escapes (\" \\ \$ \`). */
static char *os_value(const char *s, size_t len)
{
	char out[MAX_OS_VALUE + 1];
	size_t o = 0, i = 0;
	char q = 0;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len && (s[0] == '"' || s[0] == '\'')) {
		q = s[0];
		i = 1;
	}
	for (; i < len && o < MAX_OS_VALUE; i++) {
		if (q && s[i] == q)
			break;
		if (q == '"' && s[i] == '\\' && i + 1 < len && strchr("\"\\$`", s[i + 1]))
			i++;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return strdup(out);
}

static int set(char **field, const char *v, size_t len)
{
	free(*field);
	return (*field = os_value(v, len)) ? 0 : SG_ERROR;
}

static int parse_os_release(sg_os *os, const char *text, size_t len)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "ID", offsetof(sg_os, id) },
		{ "ID_LIKE", offsetof(sg_os, id_like) },
		{ "NAME", offsetof(sg_os, name) },
		{ "VERSION_ID", offsetof(sg_os, version_id) },
		{ "VERSION", offsetof(sg_os, version) },
		{ "VERSION_CODENAME", offsetof(sg_os, version_codename) },
		{ "PRETTY_NAME", offsetof(sg_os, pretty_name) },
	};
	const char *p = text, *end = text + len, *nl, *eq;
	size_t i, klen;

	for (; p < end; p = nl < end ? nl + 1 : end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (p == nl || *p == '#' || !(eq = memchr(p, '=', (size_t)(nl - p))))
			continue;
		klen = (size_t)(eq - p);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strlen(keys[i].key) != klen || strncmp(keys[i].key, p, klen) != 0)
				continue;
			if (set((char **)((char *)os + keys[i].off), eq + 1, (size_t)(nl - eq - 1)) < 0)
				return SG_ERROR;
		}
	}
	return 0;
}

/* "12.5" or "12": a point release; "trixie/sid" is not. */
static int release_number(const char *s)
{
	size_t i = 0, dots = 0;

	if (!isdigit((unsigned char)s[0]))
		return 0;
	for (; s[i]; i++) {
		if (s[i] == '.' && isdigit((unsigned char)s[i + 1]) && !dots)
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int debian_version(sg_os *os, const sg_walker *w, size_t *layer)
{
	const unsigned char *data;
	size_t len, n;
	sg_error le = { 0 };

	if (sg_walker_read(w, "etc/debian_version", &data, &len, layer, &le) < 0)
		return 0;
	n = strcspn((const char *)data, "\r\n");
	if (n == 0 || n > 32)
		return 0;
	free(os->debian_version);
	if (!(os->debian_version = strndup((const char *)data, n)))
		return SG_ERROR;
	if (!release_number(os->debian_version)) {
		free(os->debian_version);
		os->debian_version = NULL;
	}
	return 0;
}

int sg_cat_os(sg_os *os, const sg_walker *w, sg_warn_fn warn, void *arg, sg_error *e)
{
	const unsigned char *data;
	sg_error le = { 0 };
	char msg[1200];
	size_t len, layer = 0, i;
	int err;

	memset(os, 0, sizeof(*os));
	for (i = 0; i < 2 && !os->found; i++) {
		sg_os tmp = { 0 };
		sg_wstat st;

		sg_error_clear(&le);
		err = sg_walker_read(w, sg_os_wants[i], &data, &len, &layer, &le);
		if (err == SG_ENOTFOUND)
			continue;
		if (err < 0) {
			snprintf(msg, sizeof(msg), "os-release: %s", le.msg);
			if (warn)
				warn(arg, msg);
			continue;
		}
		if (parse_os_release(&tmp, (const char *)data, len) < 0 ||
		    sg_walker_stat(w, sg_os_wants[i], 1, &st, &tmp.evidence, &le) < 0) {
			sg_os_release(&tmp);
			goto oom;
		}
		if (!tmp.id) { /* no ID: not a release file we can use; try the next */
			sg_os_release(&tmp);
			continue;
		}
		*os = tmp;
		os->layer = layer;
		os->found = 1;
	}
	if (debian_version(os, w, &layer) < 0)
		goto oom;
	if (!os->found && os->debian_version) {
		/* no os-release: /etc/debian_version alone says Debian <major> */
		if (!(os->id = strdup("debian")) ||
		    !(os->version_id = strndup(os->debian_version, strcspn(os->debian_version, "."))) ||
		    !(os->evidence = strdup("etc/debian_version")))
			goto oom;
		os->layer = layer;
		os->found = 1;
	}
	return 0;
oom:
	sg_os_release(os);
	return sg_err(e, SG_ERROR, "out of memory");
}

static int names_debian(const char *list)
{
	const char *p = list;
	size_t n;

	while (p && *p) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 6 && !strncmp(p, "debian", 6))
			return 1;
		p += n;
	}
	return 0;
}

int sg_os_is_debian_like(const sg_os *os)
{
	return os->found && ((os->id && !strcmp(os->id, "debian")) || names_debian(os->id_like));
}

char *sg_os_distro(const sg_os *os)
{
	const char *v = os->version_id;
	size_t n;

	if (!os->found || !os->id || !os->id[0])
		return NULL;
	/* syft >= 1.41 (sbom.md §1.3): Debian's point release when it agrees with VERSION_ID */
	if (!strcmp(os->id, "debian") && os->debian_version) {
		n = strcspn(os->debian_version, ".");
		if (!v || (strlen(v) == n && !strncmp(v, os->debian_version, n)))
			v = os->debian_version;
	}
	if (!v || !v[0])
		return NULL;
	return sg_strprintf("%s-%s", os->id, v);
}
