#ifndef SIGIL_STORE_H
#define SIGIL_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "digest.h"

struct sg_error;
struct sg_ref;

/* Where images live: an OCI image layout directory or a registry repository, behind one
 * interface. `ref` arguments are a tag or a digest. Implementations fill raw bytes; the
 * sg_store_* wrappers below do the digest checks, so no implementation can forget them. */
typedef struct sg_store sg_store;
/* Receives a blob's bytes in order, in chunks of any size (data is borrowed for the call).
 * Returning <0 (with e set) stops the transfer, and the store returns that error. */
typedef int (*sg_blob_sink_fn)(void *arg, const void *data, size_t len, struct sg_error *e);
typedef struct sg_store_ops {
	/* Fills body with the exact bytes, *media_type (malloc'd, may be NULL) with the
	 * Content-Type; server_digest (may be "") with what the store claims the digest is. */
	int (*get_manifest)(sg_store *s, const char *ref, sg_buf *body, char **media_type,
			    char server_digest[SG_DIGEST_MAX], struct sg_error *e);
	int (*put_manifest)(sg_store *s, const char *ref, const void *data, size_t len,
			    const char *media_type, struct sg_error *e);
	/* 1 present, 0 absent, <0 error */
	int (*has_blob)(sg_store *s, const char *digest, struct sg_error *e);
	int (*get_blob)(sg_store *s, const char *digest, sg_buf *out, struct sg_error *e);
	int (*put_blob)(sg_store *s, const char *digest, const void *data, size_t len,
			struct sg_error *e);
	void (*free)(sg_store *s);
	/* Optional: holds (on = 1) or releases (on = 0) an exclusive lock that serialises
	 * read-modify-write of tags between processes sharing the store. NULL where the store
	 * has none (a registry: see sg_sigimage_add for what is done there instead). */
	int (*lock)(sg_store *s, int on, struct sg_error *e);
	/* Optional: the distribution-spec referrers API. Fills index with the OCI image index
	 * listing the referrers of digest (every page), filtered by artifact_type when not NULL
	 * and the server can (*filtered 1 then). SG_EUNSUPPORTED when the store does not serve
	 * the API: the caller then reads the referrers tag schema's fallback tag. */
	int (*referrers)(sg_store *s, const char *digest, const char *artifact_type,
			 sg_buf *index, int *filtered, struct sg_error *e);
	/* Optional: hands the blob's bytes to fn as they are read, without keeping them; no
	 * digest check (the wrapper does it). NULL: the wrapper reads the blob whole. */
	int (*get_blob_stream)(sg_store *s, const char *digest, sg_blob_sink_fn fn, void *arg,
			       struct sg_error *e);
	/* Optional: see sg_store_twin. */
	int (*twin)(sg_store *s, sg_store **out, struct sg_error *e);
} sg_store_ops;

struct sg_store {
	const sg_store_ops *ops;
	char *name; /* "registry/repo" or "oci:path", for messages */
};

/* Fetches a manifest by tag or digest. The digest of the bytes received is written to
 * digest; a requested digest must match (SG_EDIGEST), and so must a digest the server
 * claims. body->max caps the size. */
int sg_store_get_manifest(sg_store *s, const char *ref, sg_buf *body, char **media_type,
			  char digest[SG_DIGEST_MAX], struct sg_error *e);
int sg_store_put_manifest(sg_store *s, const char *ref, const void *data, size_t len,
			  const char *media_type, struct sg_error *e);
int sg_store_has_blob(sg_store *s, const char *digest, struct sg_error *e);
/* Fetches a blob and checks its digest. */
int sg_store_get_blob(sg_store *s, const char *digest, sg_buf *out, struct sg_error *e);
/* Streams a blob to fn in chunks, hashing as it goes, never holding it whole (stores
 * without streaming are read whole, capped by size, and handed over in one call). size is
 * what the blob's descriptor says, -1 if unknown: a byte more stops the transfer, a byte
 * less fails at the end (SG_EINVALID). The digest can only be checked after the last byte:
 * SG_EDIGEST then means fn was given bytes that are not the blob, and the caller must
 * throw away whatever it built from them. */
int sg_store_get_blob_stream(sg_store *s, const char *digest, int64_t size, sg_blob_sink_fn fn,
			     void *arg, struct sg_error *e);
/* Uploads a blob; one over SG_SMALL_BLOB bytes only if not already present. */
#define SG_SMALL_BLOB (64u << 10)
int sg_store_put_blob(sg_store *s, const char *digest, const void *data, size_t len,
		      struct sg_error *e);
void sg_store_free(sg_store *s);
/* The store's referrers API (see sg_store_ops.referrers); SG_EUNSUPPORTED without one. */
int sg_store_referrers(sg_store *s, const char *digest, const char *artifact_type, sg_buf *index,
		       int *filtered, struct sg_error *e);
/* 1 if the store can lock (then locked/unlocked), 0 if it cannot, <0 on error. */
int sg_store_lock(sg_store *s, int on, struct sg_error *e);
/* A second handle on s's repository that one other thread may use while s is in use, so that
 * two requests can be in flight at once; owned by s (valid until the next call or
 * sg_store_free(s)). It has its own connection, kept open between calls, and starts each call
 * with s's current authorisation. SG_EUNSUPPORTED where there is none: stores without one,
 * and registries unless sg_opts.twins (a second connection pays off only where connections
 * stay open, as in the admission server; a one-shot CLI run would pay its handshake). */
int sg_store_twin(sg_store *s, sg_store **out, struct sg_error *e);

/* Process-wide options and shared state for one command run (no globals in the core). */
typedef struct sg_opts {
	int allow_http;          /* --allow-http-registry */
	int allow_insecure;      /* --allow-insecure-registry: skip TLS verification */
	long timeout_s;          /* overall per-request timeout, 0 = default */
	const char *cacert;      /* --registry-cacert: PEM bundle to trust instead of the system's */
	const char *docker_config_dir; /* NULL: $DOCKER_CONFIG, else ~/.docker */
	int twins;               /* registry stores offer sg_store_twin */
} sg_opts;

typedef struct sg_ctx sg_ctx;
int sg_ctx_new(sg_ctx **out, const sg_opts *opts, struct sg_error *e);
void sg_ctx_free(sg_ctx *ctx);
const sg_opts *sg_ctx_opts(const sg_ctx *ctx);
/* A CURLSH* sharing connections and DNS between the ctx's registry stores. */
void *sg_ctx_curl_share(sg_ctx *ctx);
/* Opens (or returns the already-open) store for a reference's repository or layout.
 * Borrowed: it lives until sg_ctx_free, so connections are reused across images. */
int sg_ctx_store(sg_store **out, sg_ctx *ctx, const struct sg_ref *ref, struct sg_error *e);

/* Constructors used by sg_ctx_store. */
int sg_layout_open(sg_store **out, const char *path, int create, struct sg_error *e);
int sg_registry_open(sg_store **out, sg_ctx *ctx, const char *registry, const char *repository,
		     struct sg_error *e);

/* Resolves ref (in store s) to the digest of an image manifest or index. A tag is fetched;
 * a digest reference is fetched too when fetch_digest, else taken as given (verifiers need
 * only the digest: the signature names it). Fetched bytes must parse as a manifest or index,
 * so a registry's error page is never signed as an image. */
int sg_resolve(char digest[SG_DIGEST_MAX], sg_store *s, const struct sg_ref *ref, int fetch_digest,
	       struct sg_error *e);

/* An image manifest or index as fetched: its digest, bytes and parsed form. */
struct sg_manifest;
typedef struct sg_image {
	char digest[SG_DIGEST_MAX];
	const char *media_type;   /* borrowed from m */
	sg_buf body;
	struct sg_manifest *m;
} sg_image;
/* Fetches target (tag or digest) and checks that it is a manifest or index. */
int sg_image_fetch(sg_image *out, sg_store *s, const char *target, struct sg_error *e);
void sg_image_release(sg_image *img);
/* sg_resolve (without fetching a digest reference) when p is NULL; else the digest of the
 * child of an index for platform p (a single manifest is taken as it is). */
struct sg_platform;
int sg_resolve_platform(char digest[SG_DIGEST_MAX], sg_store *s, const struct sg_ref *ref,
			const struct sg_platform *p, struct sg_error *e);
#endif
