#ifndef SIGIL_SBOM_DEB822_H
#define SIGIL_SBOM_DEB822_H
/* Debian control-file paragraphs (deb822: dpkg's status, DEP-5 copyright files). Lenient on
 * input we do not understand: bad lines are counted and skipped, never fatal. */
#include <stddef.h>

struct sg_error;

typedef struct sg_d822_field {
	char *key;
	char *value;  /* first line trimmed; continuation lines follow, each after '\n', with
		       * their first blank removed and " ." turned into an empty line */
} sg_d822_field;

typedef struct sg_d822_para {
	sg_d822_field *f;
	size_t n, cap;
	size_t line;  /* line number where the paragraph starts */
	size_t bad;   /* lines that were neither a field nor a continuation */
} sg_d822_para;

/* Reads the next paragraph from [*pos, end), advancing *pos and *lineno. At the end,
 * returns 0 with p->n == 0. p is cleared first. */
int sg_d822_next(sg_d822_para *p, const char **pos, const char *end, size_t *lineno,
		 struct sg_error *e);
/* The value of field key (case-insensitive), borrowed; NULL when absent. */
const char *sg_d822_get(const sg_d822_para *p, const char *key);
void sg_d822_clear(sg_d822_para *p);

#endif
