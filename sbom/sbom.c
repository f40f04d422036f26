/* sigil sbom: writes an SPDX 2.3 or CycloneDX 1.6 JSON SBOM of a container image (issue 3),
 * and with --attest signs it and attaches it to the image as an in-toto attestation, through
 * attest's own code (attest.h sg_attest_one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "sbom.h"
#include "input.h"
#include "progress.h"
#include "attest.h"
#include "intoto.h"
#include "keys.h"
#include "cli.h"
#include "ref.h"
#include "store.h"
#include "manifest.h"
#include "banned.h"

static const char usage[] =
	"usage: sigil sbom [--format spdx-json|cyclonedx-json] [--output FILE]\n"
	"                  [--scope squashed|all-layers] [--platform OS/ARCH[/VARIANT]] [--quiet]\n"
	"                  [--attest --key KEY [--bundle-format legacy|sigstore]] IMAGE\n"
	"\n"
	"Writes an SPDX 2.3 (or CycloneDX 1.6) JSON SBOM of IMAGE to stdout or FILE. IMAGE is a\n"
	"registry reference, oci:PATH[:TAG], docker-archive:FILE[:NAME:TAG] (what docker save\n"
	"writes) or dir:ROOTFS (an unpacked root filesystem). The layers are streamed, never\n"
	"unpacked to disk or held in memory; whiteouts are applied so the packages listed are\n"
	"exactly those of the final filesystem (or, with --scope all-layers, of every layer).\n"
	"The same image gives the same bytes: set SOURCE_DATE_EPOCH to fix the creation time\n"
	"too.\n"
	"Exit status: 0 written, 2 usage or operational error.\n"
	"\n"
	"  -f, --format FORMAT            spdx-json (SPDX 2.3, the default) or cyclonedx-json\n"
	"                                 (CycloneDX 1.6)\n"
	"  -o, --output FILE              write to FILE (atomically) instead of stdout\n"
	"      --scope SCOPE              squashed (the default): the packages of the final\n"
	"                                 filesystem; all-layers: also those a later layer\n"
	"                                 deleted or replaced (each with its layers, its files\n"
	"                                 as its layer had them, and \"sigil:visible false\")\n"
	"      --attest                   also sign the SBOM with --key and attach it to IMAGE\n"
	"                                 as an in-toto attestation (predicate type\n"
	"                                 https://spdx.dev/Document, or https://cyclonedx.org/bom),\n"
	"                                 as `sigil attest --type spdxjson|cyclonedx` would;\n"
	"                                 registry and oci: images only\n"
	"  -k, --key KEY                  the private key for --attest (password from\n"
	"                                 COSIGN_PASSWORD or the terminal)\n"
	"      --bundle-format legacy|sigstore\n"
	"                                 --attest: the .att tag (default) or a sigstore bundle\n"
	"                                 attached as an OCI 1.1 referrer\n"
	"      --platform OS/ARCH[/VAR]   the image to pick from a multi-arch index\n"
	"                                 (default: linux/<this machine's architecture>)\n"
	"  -q, --quiet                    no warnings and no progress on stderr (progress is\n"
	"                                 shown only when stderr is a terminal)\n"
	SG_REGISTRY_HELP;

/* --attest: the SBOM as the predicate of a signed statement about the image, stored beside
 * it by attest's code path. The document is parsed back as `sigil attest` parses a file. */
static int attest_sbom(sg_ctx *ctx, const sg_sbom_input *in, const sg_buf *doc, int format,
		       const sg_privkey *key, int bundle, sg_error *e)
{
	const char *type = format == SG_SBOM_CYCLONEDX_JSON ? "cyclonedx" : "spdxjson";
	sg_attest_args a;
	json_t *pred = NULL;
	int err;

	if ((err = sg_attest_args_init(&a, key, bundle, e)) < 0 ||
	    (err = sg_predicate_load(&pred, type, doc->data, doc->len, "the SBOM", time(NULL),
				     e)) < 0)
		goto done;
	a.predicate_type = sg_predicate_type_uri(type);
	a.predicate = pred;
	a.report = NULL; /* stdout may hold the SBOM */
	err = sg_attest_one(ctx, in->ref, &a, e);
done:
	json_decref(pred);
	return err;
}

/* arg: the progress line (may be NULL), cleared before the warning. */
static void warn_stderr(void *arg, const char *msg)
{
	char clean[1200], line[1300];

	snprintf(line, sizeof(line), "sigil sbom: warning: %s",
		 sg_printable(clean, sizeof(clean), msg));
	sg_progress_print(arg, stderr, line);
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
		{ "scope", required_argument, NULL, 'S' },
		{ "platform", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "attest", no_argument, NULL, 'A' },
		{ "key", required_argument, NULL, 'k' },
		{ "bundle-format", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		SG_REGISTRY_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	sg_buf doc = SG_BUF_INIT(SG_SBOM_MAX_DOC);
	sg_sbom_opts so = { 0 };
	sg_opts opts = { 0 };
	sg_error e = { 0 };
	sg_ctx *ctx = NULL;
	sg_sbom_input in = { 0 };
	sg_platform plat;
	sg_privkey *key = NULL;
	sg_progress *prog = NULL;
	const char *output = NULL, *keypath = NULL;
	char created[32];
	int c, r, quiet = 0, attest = 0, bundle = 0, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:k:qh", longopts, NULL)) != -1) {
		if ((r = sg_cli_registry_opt("sbom", &opts, c, optarg)) < 0) {
			rc = SG_EXIT_USAGE;
			goto done;
		}
		if (r)
			continue;
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "spdx-json")) {
				so.format = SG_SBOM_SPDX_JSON;
			} else if (!strcmp(optarg, "cyclonedx-json")) {
				so.format = SG_SBOM_CYCLONEDX_JSON;
			} else {
				fprintf(stderr, "sigil sbom: --format must be spdx-json or cyclonedx-json\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			break;
		case 'S':
			if (strcmp(optarg, "squashed") && strcmp(optarg, "all-layers")) {
				fprintf(stderr, "sigil sbom: --scope must be squashed or all-layers\n");
				rc = SG_EXIT_USAGE;
				goto done;
			}
			so.all_layers = !strcmp(optarg, "all-layers");
			break;
		case 'A': attest = 1; break;
		case 'k': keypath = optarg; break;
		case 'B':
			if ((rc = sg_cli_bundle_format("sbom", 0, optarg, &bundle)) != SG_EXIT_OK)
				goto done;
			break;
		case 'o': output = optarg; break;
		case 'P':
			if (sg_platform_parse(&plat, optarg, &e) < 0) {
				rc = sg_cli_fail("sbom", &e);
				goto done;
			}
			so.platform = &plat;
			break;
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
	if (attest != !!keypath || (bundle && !attest)) {
		fprintf(stderr, "sigil sbom: %s\n", attest ? "--attest needs --key"
				: keypath ? "--key is for --attest" : "--bundle-format is for --attest");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	if (!quiet && isatty(STDERR_FILENO) && (prog = sg_progress_new(stderr))) {
		so.progress = sg_progress_update;
		so.progress_arg = prog;
	}
	so.warn = quiet ? NULL : warn_stderr;
	so.warn_arg = prog;
	so.created = created;
	if (created_time(created, &e) < 0 ||
	    sg_sbom_input_parse(&in, argv[optind], &e) < 0) {
		rc = sg_cli_fail("sbom", &e);
		goto done;
	}
	if (attest && in.kind != SG_INPUT_REF) {
		fprintf(stderr, "sigil sbom: --attest needs a registry or oci: image, not %s\n",
			in.kind == SG_INPUT_DIR ? "a dir:" : "a docker-archive:");
		rc = SG_EXIT_USAGE;
		goto done;
	}
	/* the key first: a wrong password costs no walk */
	if ((attest && sg_privkey_load(&key, keypath, sg_password_get, (void *)keypath, &e) < 0) ||
	    sg_ctx_new(&ctx, &opts, &e) < 0) {
		rc = sg_cli_fail("sbom", &e);
		goto done;
	}
	r = sg_sbom_generate_input(&doc, ctx, &in, &so, &e);
	sg_progress_clear(prog); /* before the result or the error */
	if (r < 0 || emit(&doc, output, &e) < 0 ||
	    (attest && attest_sbom(ctx, &in, &doc, so.format, key, bundle, &e) < 0)) {
		rc = sg_cli_fail("sbom", &e);
		goto done;
	}
done:
	sg_progress_free(prog);
	sg_privkey_free(key);
	sg_buf_release(&doc);
	sg_sbom_input_release(&in);
	sg_ctx_free(ctx);
	return rc;
}
