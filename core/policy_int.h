#ifndef SIGIL_POLICY_INT_H
#define SIGIL_POLICY_INT_H
/* Internals of policy.c, shared with its unit tests only: not part of the core's interface. */
#include <stddef.h>
struct json_t;

/* Globs (docs/policy.md): '*' any run of characters but '/', '**' any run, '?' one character
 * but '/', anything else literal. NULL if g is a valid glob, else why not (a static string). */
const char *sg_glob_problem(const char *g);
/* 1 if all of s matches g, else 0. g must be valid (sg_glob_problem). Time is
 * O(strlen(g) * len), so callers cap len. */
int sg_glob_match(const char *g, const char *s, size_t len);
/* An image glob as the names it is matched against are spelled: "registry/repository",
 * normalised as ref.h does (Docker Hub's defaults, registry in lower case). *out is malloc'd;
 * SG_EINVALID with *why set (static string) on a bad pattern, SG_ERROR out of memory. */
int sg_image_glob_normalise(char **out, const char *g, const char **why);
/* What image globs match for ref s ("registry/repository", registry lower-cased); malloc'd,
 * NULL on a bad reference or out of memory. */
char *sg_image_match_name(const char *s);
/* NULL if p is an RFC 6901 JSON pointer into a statement view (docs/policy.md: it starts
 * /_type, /subject, /predicateType or /predicate), else why not. */
const char *sg_pointer_problem(const char *p);
/* The value p points at in root (borrowed), NULL if there is none. */
struct json_t *sg_pointer_get(struct json_t *root, const char *p);
#endif
