#ifndef SIGIL_CLI_H
#define SIGIL_CLI_H
/* Shared pieces of the command front ends (not used by the core proper). */
#include <getopt.h>
#include <stdio.h>
#include "err.h"
#include "store.h"

/* Exit codes (minisign's split). */
#define SG_EXIT_OK 0
#define SG_EXIT_FAIL 1   /* verification failed / not trusted */
#define SG_EXIT_USAGE 2  /* usage or operational error */

/* Long options every registry-touching command accepts; ids start at 0x1000. */
enum {
	SG_OPT_ALLOW_HTTP = 0x1000,
	SG_OPT_ALLOW_INSECURE,
	SG_OPT_TIMEOUT,
	SG_OPT_CACERT,
	SG_OPT_REGISTRY_LAST
};
#define SG_REGISTRY_LONGOPTS \
	{ "allow-http-registry", no_argument, NULL, SG_OPT_ALLOW_HTTP }, \
	{ "allow-insecure-registry", no_argument, NULL, SG_OPT_ALLOW_INSECURE }, \
	{ "timeout", required_argument, NULL, SG_OPT_TIMEOUT }, \
	{ "registry-cacert", required_argument, NULL, SG_OPT_CACERT }
#define SG_REGISTRY_HELP \
	"      --allow-http-registry      allow plain HTTP to registries other than localhost\n" \
	"      --allow-insecure-registry  skip TLS certificate verification\n" \
	"      --timeout SECONDS          time-out for each registry request (default 60)\n" \
	"      --registry-cacert FILE     trust the CA certificates in FILE (PEM) for registries\n"

/* Handles one of the SG_OPT_* registry options. 1 if handled, 0 if not ours, -1 on a bad
 * value (after saying so on stderr as "sigil <cmd>: ..."). */
int sg_cli_registry_opt(const char *cmd, sg_opts *o, int opt, const char *arg);
/* Prints "sigil <cmd>: <message>" from an error to stderr (one line, control chars stripped)
 * and returns the exit code that fits the error class. */
int sg_cli_fail(const char *cmd, const sg_error *e);
/* After getopt_long (run with opterr = 0 and an optstring starting with ':') returned c = '?'
 * or ':': one line naming the bad option or the missing value. Returns SG_EXIT_USAGE. */
int sg_cli_bad_option(const char *cmd, char **argv, int c);
/* --tlog-upload VALUE, accepted for cosign compatibility: only "false" (sigil never uploads).
 * SG_EXIT_OK, or SG_EXIT_USAGE after saying why. */
int sg_cli_tlog_upload(const char *cmd, const char *arg);
/* --bundle-format legacy|sigstore (new = 0) or --new-bundle-format[=true|false] (new = 1;
 * arg NULL means true). Sets *sigstore. SG_EXIT_OK, or SG_EXIT_USAGE after saying why. */
int sg_cli_bundle_format(const char *cmd, int new_flag, const char *arg, int *sigstore);
/* Exit code for an error class: SG_EVERIFY -> 1, everything else -> 2. */
int sg_cli_exit_code(int code);

#endif
