#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "deb822.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

void sg_d822_clear(sg_d822_para *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->f[i].key);
		free(p->f[i].value);
	}
	free(p->f);
	memset(p, 0, sizeof(*p));
}

const char *sg_d822_get(const sg_d822_para *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcasecmp(p->f[i].key, key))
			return p->f[i].value;
	return NULL;
}

static int blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static int add_field(sg_d822_para *p, const char *line, size_t len, size_t colon)
{
	sg_d822_field *grown;
	size_t vs = colon + 1, ve = len;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;

		if (!(grown = realloc(p->f, cap * sizeof(*grown))))
			return SG_ERROR;
		p->f = grown;
		p->cap = cap;
	}
	while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
		vs++;
	while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t' || line[ve - 1] == '\r'))
		ve--;
	p->f[p->n].key = strndup(line, colon);
	p->f[p->n].value = strndup(line + vs, ve - vs);
	if (!p->f[p->n].key || !p->f[p->n].value) {
		free(p->f[p->n].key);
		free(p->f[p->n].value);
		return SG_ERROR;
	}
	p->n++;
	return 0;
}

static int continue_field(sg_d822_field *f, const char *line, size_t len)
{
	size_t old = strlen(f->value), add;
	char *v;

	line++; /* the blank that marks a continuation */
	len--;
	while (len && line[len - 1] == '\r')
		len--;
	if (len == 1 && line[0] == '.')
		len = 0;
	add = len + 1;
	if (!(v = realloc(f->value, old + add + 1)))
		return SG_ERROR;
	v[old] = '\n';
	memcpy(v + old + 1, line, len);
	v[old + add] = '\0';
	f->value = v;
	return 0;
}

/* A field name: printable, no blanks, not starting with '#' or '-' (deb822). */
static size_t field_colon(const char *line, size_t len)
{
	size_t i;

	if (!len || line[0] == '#' || line[0] == '-')
		return 0;
	for (i = 0; i < len && line[i] != ':'; i++)
		if ((unsigned char)line[i] <= ' ' || (unsigned char)line[i] >= 0x7f)
			return 0;
	return i < len && i > 0 ? i : 0;
}

int sg_d822_next(sg_d822_para *p, const char **pos, const char *end, size_t *lineno,
		 sg_error *e)
{
	const char *s = *pos, *nl;
	size_t len, colon;

	sg_d822_clear(p);
	for (; s < end; s = nl < end ? nl + 1 : end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		len = (size_t)(nl - s);
		(*lineno)++;
		if (blank(s, len)) {
			if (p->n || p->bad) {
				*pos = nl < end ? nl + 1 : end;
				return 0;
			}
			continue;
		}
		if (!p->n && !p->bad)
			p->line = *lineno;
		if (s[0] == '#')
			continue;
		if (s[0] == ' ' || s[0] == '\t') {
			if (!p->n)
				p->bad++;
			else if (continue_field(&p->f[p->n - 1], s, len) < 0)
				return sg_err(e, SG_ERROR, "out of memory");
			continue;
		}
		if (!(colon = field_colon(s, len)) || memchr(s, '\0', len)) {
			p->bad++;
			continue;
		}
		if (add_field(p, s, len, colon) < 0)
			return sg_err(e, SG_ERROR, "out of memory");
	}
	*pos = end;
	return 0;
}
