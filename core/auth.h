#ifndef SIGIL_AUTH_H
#define SIGIL_AUTH_H
#include <stddef.h>

struct sg_error;

/* One parsed WWW-Authenticate challenge (RFC 7235 / RFC 6750 syntax). */
typedef struct sg_challenge {
	char *scheme;   /* "Bearer" or "Basic" (as sent) */
	char *realm;
	char *service;  /* NULL if absent */
	char *scope;    /* NULL if absent */
} sg_challenge;

/* Parses the first challenge of a WWW-Authenticate header value. SG_EINVALID if malformed. */
int sg_challenge_parse(sg_challenge *out, const char *header, struct sg_error *e);
void sg_challenge_release(sg_challenge *c);

/* Registry credentials. password / identity_token live in sodium memory. */
typedef struct sg_cred {
	char *username;
	char *password;        /* sodium_malloc'd or NULL */
	char *identity_token;  /* sodium_malloc'd or NULL (Username "<token>" from helpers) */
} sg_cred;
void sg_cred_release(sg_cred *c);
/* A copy of n bytes of s, NUL-terminated, in sodium memory (NULL when out of memory);
 * sg_secret_free wipes and frees one (NULL is a no-op). */
char *sg_secret_dup(const char *s, size_t n);
void sg_secret_free(char *s);

/* Looks up credentials for registry (and repository, most specific key first) in
 * <config_dir>/config.json (config_dir NULL: $DOCKER_CONFIG, else $HOME/.docker):
 * credHelpers[registry], then auths (base64 "auth", or username/password, identitytoken),
 * then credsStore. Docker Hub is looked up as "https://index.docker.io/v1/".
 * SG_ENOTFOUND when there is nothing for this registry (anonymous). */
int sg_cred_lookup(sg_cred *out, const char *config_dir, const char *registry,
		   const char *repository, struct sg_error *e);

/* Asks credential helper `helper` (a valid name, checked before) for server's credentials,
 * filling out as helpers do (password or identity_token in sodium memory). SG_ENOTFOUND when
 * it has none. */
typedef int (*sg_cred_helper_fn)(sg_cred *out, const char *helper, const char *server,
				 void *ud, struct sg_error *e);
/* sg_cred_lookup on config.json bytes already read; name (the file) is used in messages.
 * Helpers are asked through fn (NULL: run docker-credential-<helper>). data is borrowed and
 * not wiped (the caller's). */
int sg_cred_lookup_json(sg_cred *out, const void *data, size_t len, const char *name,
			const char *registry, const char *repository, sg_cred_helper_fn fn,
			void *ud, struct sg_error *e);

#endif
