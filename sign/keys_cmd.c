/* sigil generate-key-pair | import-key-pair | public-key (docs/formats.md §4). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "keys_cmd.h"
#include "cli.h"
#include "keys.h"
#include "banned.h"

#define PATH_CAP 4096

static const char gen_usage[] =
	"usage: sigil generate-key-pair [--algorithm ecdsa-p256|ed25519]\n"
	"                               [--output-key-prefix PREFIX] [--force]\n"
	"\n"
	"Writes PREFIX.key (cosign's encrypted format, mode 0600) and PREFIX.pub (PKIX PEM).\n"
	"The password comes from COSIGN_PASSWORD, the terminal (asked twice), or stdin.\n"
	"\n"
	"  -a, --algorithm ALG            ecdsa-p256 (default, what cosign makes) or ed25519\n"
	"  -o, --output-key-prefix PREFIX file name prefix (default \"cosign\")\n"
	"  -f, --force                    overwrite existing PREFIX.key / PREFIX.pub\n";

static const char imp_usage[] =
	"usage: sigil import-key-pair --key KEY.pem [--output-key-prefix PREFIX] [--force]\n"
	"\n"
	"Re-encodes a plaintext PEM private key (PKCS#8 \"PRIVATE KEY\" or SEC1 \"EC PRIVATE KEY\";\n"
	"ECDSA P-256 or Ed25519) as PREFIX.key in cosign's encrypted format, plus PREFIX.pub.\n"
	"\n"
	"  -k, --key KEY.pem              the private key to import\n"
	"  -o, --output-key-prefix PREFIX file name prefix (default \"import-cosign\")\n"
	"  -f, --force                    overwrite existing PREFIX.key / PREFIX.pub\n";

static const char pub_usage[] =
	"usage: sigil public-key --key KEY [--outfile FILE]\n"
	"\n"
	"Prints the PKIX PEM public key of a private key file (asks for the password if the\n"
	"file is encrypted).\n"
	"\n"
	"  -k, --key KEY                  private key file\n"
	"      --outfile FILE             write to FILE instead of stdout\n";

/* One line on stderr for a getopt failure; exit status 2. */
static int usage_fail(const char *cmd, const char *msg, const char *arg)
{
	sg_error e = { 0 };

	sg_err(&e, SG_EINVALID, "%s%s%s (see --help)", msg, arg ? " " : "", arg ? arg : "");
	return sg_cli_fail(cmd, &e);
}

static int check_absent(const char *path, sg_error *e)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return sg_err(e, SG_EEXISTS, "%s: already exists (use --force to overwrite)", path);
	if (errno != ENOENT)
		return sg_err(e, SG_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

static int pair_paths(char *keypath, char *pubpath, const char *prefix, sg_error *e)
{
	int a = snprintf(keypath, PATH_CAP, "%s.key", prefix);
	int b = snprintf(pubpath, PATH_CAP, "%s.pub", prefix);

	if (!*prefix || a < 0 || a >= PATH_CAP || b < 0 || b >= PATH_CAP)
		return sg_err(e, SG_EINVALID, "invalid --output-key-prefix");
	return 0;
}

/* Asks for a new password, encrypts k and writes PREFIX.key (0600) and PREFIX.pub (0644).
 * Without force both must be absent, checked before anything is written. */
static int write_pair(const sg_privkey *k, const char *prefix, int force, sg_error *e)
{
	char keypath[PATH_CAP], pubpath[PATH_CAP], shown[PATH_CAP];
	sg_buf priv = SG_BUF_INIT(SG_MAX_KEYFILE), pub = SG_BUF_INIT(SG_MAX_KEYFILE);
	sg_pubkey *pk = NULL;
	char *pw = NULL;
	size_t pwlen = 0;
	int err;

	if ((err = pair_paths(keypath, pubpath, prefix, e)) < 0)
		return err;
	if (!force && ((err = check_absent(keypath, e)) < 0 || (err = check_absent(pubpath, e)) < 0))
		return err;
	if ((err = sg_privkey_public(&pk, k, e)) < 0 || (err = sg_pubkey_pem(&pub, pk, e)) < 0 ||
	    (err = sg_password_get(&pw, &pwlen, 1, NULL, e)) < 0)
		goto done;
	err = sg_privkey_encrypt_pem(&priv, k, pw, pwlen, SG_SCRYPT_N_DEFAULT, e);
	sg_password_free(pw, pwlen);
	if (err < 0 || (err = sg_write_file(keypath, priv.data, priv.len, 0600, !force, e)) < 0)
		goto done;
	fprintf(stderr, "Private key written to %s\n", sg_printable(shown, sizeof(shown), keypath));
	if ((err = sg_write_file(pubpath, pub.data, pub.len, 0644, !force, e)) < 0) {
		if (!force) /* don't leave half a new pair behind */
			unlink(keypath);
		goto done;
	}
	fprintf(stderr, "Public key written to %s\n", sg_printable(shown, sizeof(shown), pubpath));
done:
	sg_pubkey_free(pk);
	sg_buf_release(&priv);
	sg_buf_release(&pub);
	return err;
}

int cmd_generate_key_pair(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "algorithm", required_argument, NULL, 'a' },
		{ "output-key-prefix", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = "generate-key-pair", *prefix = "cosign";
	sg_key_alg alg = SG_KEY_ECDSA_P256;
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	int c, force = 0, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (!strcmp(optarg, "ecdsa-p256"))
				alg = SG_KEY_ECDSA_P256;
			else if (!strcmp(optarg, "ed25519"))
				alg = SG_KEY_ED25519;
			else
				return usage_fail(cmd, "unknown --algorithm", optarg);
			break;
		case 'o': prefix = optarg; break;
		case 'f': force = 1; break;
		case 'h': fputs(gen_usage, stdout); return SG_EXIT_OK;
		default: return sg_cli_bad_option(cmd, argv, c);
		}
	}
	if (optind < argc)
		return usage_fail(cmd, "unexpected argument", argv[optind]);
	if (sg_privkey_generate(&k, alg, &e) < 0 || write_pair(k, prefix, force, &e) < 0)
		rc = sg_cli_fail(cmd, &e);
	sg_privkey_free(k);
	return rc;
}

int cmd_import_key_pair(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "output-key-prefix", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = "import-key-pair", *prefix = "import-cosign", *keypath = NULL;
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	int c, force = 0, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'o': prefix = optarg; break;
		case 'f': force = 1; break;
		case 'h': fputs(imp_usage, stdout); return SG_EXIT_OK;
		default: return sg_cli_bad_option(cmd, argv, c);
		}
	}
	if (optind < argc)
		return usage_fail(cmd, "unexpected argument", argv[optind]);
	if (!keypath)
		return usage_fail(cmd, "--key is required", NULL);
	/* No password source: an already-encrypted key is refused, not re-encrypted. */
	if (sg_privkey_load(&k, keypath, NULL, NULL, &e) == SG_EPASSWORD)
		sg_err(&e, SG_EINVALID, "%s: already an encrypted cosign key (import takes a "
		       "plaintext PEM private key)", keypath);
	if (e.code < 0 || write_pair(k, prefix, force, &e) < 0)
		rc = sg_cli_fail(cmd, &e);
	sg_privkey_free(k);
	return rc;
}

int cmd_public_key(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "outfile", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = "public-key", *keypath = NULL, *outfile = NULL;
	sg_buf pem = SG_BUF_INIT(SG_MAX_KEYFILE);
	sg_privkey *k = NULL;
	sg_pubkey *pk = NULL;
	sg_error e = { 0 };
	int c, rc = SG_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'O': outfile = optarg; break;
		case 'h': fputs(pub_usage, stdout); return SG_EXIT_OK;
		default: return sg_cli_bad_option(cmd, argv, c);
		}
	}
	if (optind < argc)
		return usage_fail(cmd, "unexpected argument", argv[optind]);
	if (!keypath)
		return usage_fail(cmd, "--key is required", NULL);
	if (sg_privkey_load(&k, keypath, sg_password_get, NULL, &e) < 0 ||
	    sg_privkey_public(&pk, k, &e) < 0 || sg_pubkey_pem(&pem, pk, &e) < 0 ||
	    (outfile && sg_write_file(outfile, pem.data, pem.len, 0644, 0, &e) < 0)) {
		rc = sg_cli_fail(cmd, &e);
		goto done;
	}
	if (!outfile && (fwrite(pem.data, 1, pem.len, stdout) != pem.len || fflush(stdout) != 0)) {
		sg_err(&e, SG_EIO, "writing to stdout: %s", strerror(errno));
		rc = sg_cli_fail(cmd, &e);
	}
done:
	sg_privkey_free(k);
	sg_pubkey_free(pk);
	sg_buf_release(&pem);
	return rc;
}
