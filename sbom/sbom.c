/* sigil sbom: writes an SPDX 2.3 JSON SBOM of a container image (issue 3). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sbom.h"
#include "cli.h"
#include "ref.h"
#include "store.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil sbom [--format spdx-json] [--output FILE] [--platform OS/ARCH[/VARIANT]]\n"
	"                  [--quiet] IMAGE\n"
	"\n"
	"Writes an SPDX 2.3 JSON SBOM of IMAGE (a registry reference or oci:PATH[:TAG]) to\n"
	"stdout or FILE. The layers are streamed, never unpacked to disk; whiteouts are applied so\n"
	"the packages listed are exactly those of the final filesystem. The same image gives the\n"
	"same bytes: set SOURCE_DATE_EPOCH to fix the creation time too.\n"
	"Exit status: 0 written, 2 usage or operational error.\n"
	"\n"
	"  -f, --format spdx-json         output format (only SPDX 2.3 JSON so far)\n"
	"  -o, --output FILE              write to FILE (atomically) instead of stdout\n"
	"      --platform OS/ARCH[/VAR]   the image to pick from a multi-arch index\n"
	"                                 (default: linux/<this machine's architecture>)\n"
	"  -q, --quiet                    no warnings on stderr\n"
	SG_REGISTRY_HELP;

static void warn_stderr(void *arg, const char *msg)
{
	char line[1200];

	(void)arg;
	fprintf(stderr, "sigil sbom: warning: %s\n", sg_printable(line, sizeof(line), msg));
}

/* RFC 3339 UTC from SOURCE_DATE_EPOCH (reproducible-builds.org) or the clock. */
static int created_time(char out[32], sg_error *e)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct tm tm;
	time_t t;

	if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno || *end || v < 0 || v > 253402300799LL || sde[0] == '+' || sde[0] == ' ')
			return sg_err(e, SG_EINVALID, "SOURCE_DATE_EPOCH \"%.32s\" is not a number of "
				      "seconds since 1970 (up to year 9999)", sde);
		t = (time_t)v;
	} else {
		t = time(NULL);
	}
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return sg_err(e, SG_ERROR, "cannot format the time");
	return 0;
}

/* "os/arch[/variant]" split in place into o. */
static int parse_platform(sg_sbom_opts *o, char *s, sg_error *e)
{
	char *arch = strchr(s, '/'), *variant;

	if (!arch || arch == s || !arch[1])
		return sg_err(e, SG_EINVALID, "--platform \"%.64s\" is not OS/ARCH[/VARIANT]", s);
	*arch++ = '\0';
	if ((variant = strchr(arch, '/'))) {
		*variant++ = '\0';
		if (!*variant || strchr(variant, '/'))
			return sg_err(e, SG_EINVALID, "--platform: bad variant");
	}
	o->os = s;
	o->arch = arch;
	o->variant = variant;
	o->platform_set = 1;
	return 0;
}

static int emit(const sg_buf *doc, const char *output, sg_error *e)
{
	if (output && strcmp(output, "-") != 0)
		return sg_write_file(output, doc->data, doc->len, 0644, 0, e);
	if (fwrite(doc->data, 1, doc->len, stdout) != doc->len || fflush(stdout) != 0)
		return sg_err(e, SG_EIO, "writing to stdout: %s", strerror(errno));
	return 0;
}

int cmd_sbom(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "platform", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	sg_buf doc = SG_BUF_INIT(SG_SBOM_MAX_DOC);
	sg_sbom_opts so = { 0 };
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_ctx *ctx = NULL;
	sg_ref *ref = NULL;
	const char *output = NULL;
	char created[32], *platform = NULL;
	int c, r, quiet = 0, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:qh", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("sbom", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'f':
			if (strcmp(optarg, "spdx-json") != 0) {
				fprintf(stderr, "sigil sbom: --format must be spdx-json (CycloneDX is "
						"not there yet)\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'o': output = optarg; break;
		case 'P': platform = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(usage, stdout); goto done;
		default:
			rc = sg_cli_bad_option("sbom", argv, c);
			goto done;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "sigil sbom: %s\n", optind >= argc ? "no image given (see --help)"
								   : "one image at a time (see --help)");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	so.warn = quiet ? NULL : warn_stderr;
	so.created = created;
	if ((platform && parse_platform(&so, platform, &e) < 0) || created_time(created, &e) < 0 ||
	    sg_ref_parse(&ref, argv[optind], &e) < 0 || sg_ctx_new(&ctx, &opts, &e) < 0 ||
	    sg_sbom_generate(&doc, ctx, ref, &so, &e) < 0 || emit(&doc, output, &e) < 0) {
		rc = sg_cli_fail("sbom", &e);
		goto done;
	}
done:
	sg_buf_release(&doc);
	sg_ref_free(ref);
	sg_ctx_free(ctx);
	return rc;
}
