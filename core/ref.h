#ifndef SIGIL_REF_H
#define SIGIL_REF_H

struct sg_error;

typedef enum { SG_REF_REGISTRY = 1, SG_REF_OCI = 2 } sg_ref_kind;

/* A parsed image reference.
 *   registry:  [host[:port]/]path[:tag][@digest]   Docker Hub defaults as go-containerregistry
 *              spells them: registry "index.docker.io", "library/" for single-component names,
 *              tag "latest" when neither tag nor digest is given.
 *   OCI layout: oci:PATH[:TAG|@DIGEST]  (no daemon, no network)
 */
typedef struct sg_ref {
	sg_ref_kind kind;
	char *registry;    /* "index.docker.io", "127.0.0.1:5000"; NULL for oci */
	char *repository;  /* "library/ubuntu"; for oci: the identity used in payloads */
	char *tag;         /* NULL when absent */
	char *digest;      /* NULL when absent */
	char *path;        /* oci layout directory; NULL for registry */
} sg_ref;

/* Parses s into a new reference (free with sg_ref_free). SG_EINVALID with a message naming s. */
int sg_ref_parse(sg_ref **out, const char *s, struct sg_error *e);
void sg_ref_free(sg_ref *r);
/* "registry/repository", what cosign writes as docker-reference. Owned string. */
char *sg_ref_repo_name(const sg_ref *r);
/* Canonical full name: "registry/repo:tag", "registry/repo@digest", "oci:path:tag"... Owned. */
char *sg_ref_string(const sg_ref *r);
/* The tag or digest to ask the store for: digest if present, else tag. Borrowed. */
const char *sg_ref_target(const sg_ref *r);
/* 1 if tag is a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}). */
int sg_tag_valid(const char *tag);

#endif
