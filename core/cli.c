#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "banned.h"

int sg_cli_registry_opt(const char *cmd, sg_opts *o, int opt, const char *arg)
{
	char *end;
	long v;

	switch (opt) {
	case SG_OPT_ALLOW_HTTP:
		o->allow_http = 1;
		return 1;
	case SG_OPT_ALLOW_INSECURE:
		o->allow_insecure = 1;
		return 1;
	case SG_OPT_CACERT:
		o->cacert = arg;
		return 1;
	case SG_OPT_TIMEOUT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v <= 0 || v > 86400) {
			fprintf(stderr, "sigil %s: invalid --timeout \"%s\" (seconds, 1 to 86400)\n",
				cmd, arg);
			return -1;
		}
		o->timeout_s = v;
		return 1;
	}
	return 0;
}

int sg_cli_bad_option(const char *cmd, char **argv, int c)
{
	sg_error e = { 0 };

	if (c == ':')
		sg_err(&e, SG_EINVALID, "option %s needs a value (see --help)", argv[optind - 1]);
	else if (optopt)
		sg_err(&e, SG_EINVALID, "unknown option -%c (see --help)", optopt);
	else
		sg_err(&e, SG_EINVALID, "unknown option %s (see --help)", argv[optind - 1]);
	return sg_cli_fail(cmd, &e);
}

int sg_cli_tlog_upload(const char *cmd, const char *arg)
{
	if (!strcmp(arg, "false"))
		return SG_EXIT_OK;
	fprintf(stderr, "sigil %s: sigil does not upload to a transparency log; only "
			"--tlog-upload=false is accepted\n", cmd);
	return SG_EXIT_USAGE;
}

int sg_cli_exit_code(int code)
{
	return code == SG_EVERIFY ? SG_EXIT_FAIL : SG_EXIT_USAGE;
}

int sg_cli_fail(const char *cmd, const sg_error *e)
{
	char msg[sizeof(e->msg)];

	sg_printable(msg, sizeof(msg), e->msg[0] ? e->msg : "unknown error");
	fprintf(stderr, "sigil %s: %s\n", cmd, msg);
	return sg_cli_exit_code(e->code);
}

int sg_cli_bundle_format(const char *cmd, int new_flag, const char *arg, int *sigstore)
{
	if (new_flag) {
		if (!arg || !strcmp(arg, "true")) {
			*sigstore = 1;
			return SG_EXIT_OK;
		}
		if (!strcmp(arg, "false")) {
			*sigstore = 0;
			return SG_EXIT_OK;
		}
		fprintf(stderr, "sigil %s: --new-bundle-format takes true or false\n", cmd);
		return SG_EXIT_USAGE;
	}
	if (!strcmp(arg, "sigstore") || !strcmp(arg, "legacy")) {
		*sigstore = !strcmp(arg, "sigstore");
		return SG_EXIT_OK;
	}
	fprintf(stderr, "sigil %s: --bundle-format takes legacy or sigstore\n", cmd);
	return SG_EXIT_USAGE;
}
