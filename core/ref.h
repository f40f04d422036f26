#ifndef SIGIL_REF_H
#define SIGIL_REF_H

struct sg_error;

typedef enum { SG_REF_REGISTRY = 1, SG_REF_OCI = 2 } sg_ref_kind;

/* A parsed image reference.
 *   registry:  [host[:port]/]path[:tag][@digest]   Docker Hub defaults as go-containerregistry
 *              spells them: registry "index.docker.io", "library/" for single-component names,
 *              tag "latest" when neither tag nor digest is given.
 *              The first path component is the registry iff it contains '.' or ':' or is
 *              "localhost"; "docker.io" becomes "index.docker.io". Repository components
 *              are [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*, at most 255 characters in all;
 *              digests must be sha256:<64 lowercase hex>; name:tag@digest keeps both.
 *              Non-ASCII, spaces and control characters are refused (look-alike names).
 *   OCI layout: oci:PATH[:TAG][@DIGEST]  (no daemon, no network)
 *              Only "@sha256:"/"@sha512:" starts a digest, so PATH may contain '@'. PATH
 *              ends at the last ':' that is followed by a valid tag with no '/' after it
 *              ("oci:/a/b:v1" is /a/b tagged v1; "oci:c:/x" and "oci:a:b!" are paths).
 *              repository is "localhost/<name>", <name> being PATH's last component
 *              lower-cased, other characters turned into '-', invalid separator runs
 *              collapsed to '-', leading/trailing separators dropped, at most 128
 *              characters, "layout" if nothing is left ("oci:./My Dir" -> localhost/my-dir).
 *              It depends only on the text of PATH, and is what payloads carry as
 *              docker-reference. A string starting "oci:" is always a layout reference.
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
/* A new reference to digest in r's repository or layout (no tag): an index's child. */
int sg_ref_at_digest(sg_ref **out, const sg_ref *r, const char *digest, struct sg_error *e);
/* 1 if tag is a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}). */
int sg_tag_valid(const char *tag);

#endif
