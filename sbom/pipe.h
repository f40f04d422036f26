#ifndef SIGIL_SBOM_PIPE_H
#define SIGIL_SBOM_PIPE_H
/* A bounded pipe from a push-style producer (a store streaming a blob through a sink, a
 * directory packed as a tar) to a pull-style reader (libarchive in the walker). The
 * producer runs on its own thread and blocks when the pipe is full, so memory stays at
 * SG_PIPE_SLOTS * SG_PIPE_SLOT bytes whatever the stream's size. With SG_PIPE_GUNZIP a
 * gzip stream is inflated on the producer's thread too (ISA-L when built with it), so
 * the reader gets a plain tar and the two threads share the work. */
#include <stddef.h>
#include "store.h"
#include "digest.h"

struct sg_error;

#define SG_PIPE_SLOT  (256u << 10)
#define SG_PIPE_SLOTS 8

#define SG_PIPE_GUNZIP   1u  /* a stream starting 1f 8b is inflated (member after member) */
#define SG_PIPE_HASH_OUT 2u  /* SHA-256 of the bytes handed to the reader (sg_pipe_close) */

/* Writes the stream to sink, on the pipe's thread. sink fails once the reader is gone. */
typedef int (*sg_pipe_produce_fn)(void *arg, sg_blob_sink_fn sink, void *sink_arg,
				  struct sg_error *e);

typedef struct sg_pipe sg_pipe;

/* Starts the producer fn(arg) on a new thread. */
int sg_pipe_start(sg_pipe **out, sg_pipe_produce_fn fn, void *arg, unsigned flags,
		  struct sg_error *e);

/* The next bytes (borrowed until the next call): their count; 0 at the end, once the
 * producer returned success; its error (<0, e set) if it failed. */
long sg_pipe_read(sg_pipe *p, const void **data, struct sg_error *e);

/* Ends the pipe and frees it (NULL: no-op), given the reader's result err (0, or <0 with
 * e set). When the reader succeeded or found the bytes malformed (SG_EINVALID), the rest
 * of the stream is read and dropped so the producer can finish its checks (a blob's
 * digest): its failure then replaces the reader's, and *producer_failed (may be NULL) is
 * set. Other reader errors stop the producer at once. out_digest (may be NULL) gets
 * "sha256:<hex>" of all the bytes the producer gave (SG_PIPE_HASH_OUT) when both
 * succeeded. Returns the result to report. */
int sg_pipe_close(sg_pipe *p, int err, char out_digest[SG_DIGEST_MAX], int *producer_failed,
		  struct sg_error *e);

/* 1 if gzip streams are inflated with ISA-L, 0 if they pass through to libarchive. */
int sg_pipe_fast_gunzip(void);

#endif
