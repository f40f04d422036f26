/* sigil: the command table (git.c's shape). Each command parses its own options, calls the
 * core, prints, and returns its exit status. */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include "cli.h"
#include "sign/sign.h"
#include "sign/keys_cmd.h"
#include "verify/verify.h"
#include "attest/attest.h"
#include "sbom/sbom.h"
#include "admission/admission.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "generate-key-pair", cmd_generate_key_pair, "write a cosign-format encrypted key pair" },
	{ "import-key-pair", cmd_import_key_pair, "re-encode a PEM private key as a cosign key" },
	{ "public-key", cmd_public_key, "print the public key of a private key file" },
	{ "sign", cmd_sign, "sign images (cosign .sig format)" },
	{ "copy", cmd_copy, "copy images with their signatures and attestations" },
	{ "verify", cmd_verify, "verify images' signatures against a public key" },
	{ "attest", cmd_attest, "attach signed in-toto attestations to images (cosign .att format)" },
	{ "verify-attestation", cmd_verify_attestation, "verify images' attestations against a public key" },
	{ "policy", cmd_policy, "check a verification policy (verify --policy applies one)" },
	{ "provenance", cmd_provenance, "print a SLSA provenance predicate describing the CI job" },
	{ "tree", cmd_tree, "list the signatures, attestations, SBOMs and referrers attached to an image" },
	{ "triangulate", cmd_triangulate, "print where an image's signatures, attestations or SBOM are stored" },
	{ "download", cmd_download, "print an image's signatures, attestations or SBOM (unverified)" },
	{ "sbom", cmd_sbom, "write an SPDX SBOM of an image's packages" },
	{ "admission", cmd_admission, "serve a Kubernetes admission webhook that applies a policy" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "list the commands" },
};

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sigil %s\n", SIGIL_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("usage: sigil <command> [options] [args]\n\n"
	       "sigil signs container images and verifies them, in the formats cosign reads.\n\n"
	       "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-20s %s\n", commands[i].name, commands[i].summary);
	printf("\nRun 'sigil <command> --help' for a command's options.\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *name;
	size_t i;
	int rc;

	if (argc < 2) {
		cmd_help(0, NULL);
		return SG_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	else if (!strcmp(name, "--version"))
		name = "version";
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (sodium_init() < 0) {
			fprintf(stderr, "sigil: libsodium failed to initialise\n");
			return SG_EXIT_USAGE;
		}
		/* OpenSSL's own private-key numbers go to its secure heap (locked, wiped on free). */
		CRYPTO_secure_malloc_init(1 << 16, 32);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = commands[i].fn(argc - 1, argv + 1);
		curl_global_cleanup();
		CRYPTO_secure_malloc_done();
		fflush(stdout);
		return rc;
	}
	fprintf(stderr, "sigil: '%s' is not a sigil command; see 'sigil help'\n", name);
	return SG_EXIT_USAGE;
}
