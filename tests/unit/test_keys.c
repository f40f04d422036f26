/* Key files, signing and verification: known answers and forgeries side by side.
 * scrypt at N=65536 costs ~64 MiB and ~0.2 s, so only a handful of decryptions run here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <sodium.h>
#include "buf.h"
#include "err.h"
#include "keys.h"

/* ---- helpers ---- */

struct pass_ud {
	const char *pw;
	int calls;
};

static int test_pass(char **pw, size_t *pwlen, int confirm, void *ud, sg_error *e)
{
	struct pass_ud *p = ud;
	size_t n = strlen(p->pw);

	(void)confirm;
	(void)e;
	p->calls++;
	*pw = sodium_malloc(n + 1);
	memcpy(*pw, p->pw, n + 1);
	*pwlen = n;
	return 0;
}

static void data_path(char *out, size_t n, const char *env, const char *dflt, const char *rel)
{
	const char *base = getenv(env);

	snprintf(out, n, "%s/%s", base ? base : dflt, rel);
}

static void read_data(sg_buf *b, const char *env, const char *dflt, const char *rel)
{
	char path[4096];
	sg_error e = { 0 };

	data_path(path, sizeof(path), env, dflt, rel);
	sg_buf_init(b, SG_MAX_KEYFILE);
	if (sg_read_file(b, path, &e) < 0)
		fail_msg("%s", e.msg);
}

#define KEYDATA(b, rel) read_data(b, "SIGIL_TEST_DATA", "tests/data", "keys/" rel)

/* PEM of data under type, 64-column lines: for building forged inputs. */
static void pem_wrap(sg_buf *out, const char *type, const void *data, size_t len)
{
	sg_buf b64 = SG_BUF_INIT(1 << 20);
	size_t i, n;

	sg_buf_init(out, 1 << 20);
	assert_int_equal(sg_b64_encode(&b64, data, len), 0);
	sg_buf_printf(out, "-----BEGIN %s-----\n", type);
	for (i = 0; i < b64.len; i += n) {
		n = b64.len - i < 64 ? b64.len - i : 64;
		sg_buf_append(out, b64.data + i, n);
		sg_buf_append(out, "\n", 1);
	}
	sg_buf_printf(out, "-----END %s-----\n", type);
	sg_buf_release(&b64);
}

/* The DER inside a PEM text (first block, no headers). */
static unsigned char *pem_der(const char *pem, size_t *len)
{
	const char *p = strchr(pem, '\n') + 1, *end = strstr(p, "-----END");
	unsigned char *der = NULL;
	char b64[8192];
	size_t n = 0;

	for (; p < end && n + 1 < sizeof(b64); p++)
		if (*p != '\n')
			b64[n++] = *p;
	assert_int_equal(sg_b64_decode(&der, len, b64, n, NULL), 0);
	der = realloc(der, *len + 1);
	der[*len] = 0;
	return der;
}

static char *pub_pem(const sg_privkey *k)
{
	sg_buf out = SG_BUF_INIT(SG_MAX_KEYFILE);
	sg_pubkey *pub = NULL;
	sg_error e = { 0 };

	assert_int_equal(sg_privkey_public(&pub, k, &e), 0);
	assert_int_equal(sg_pubkey_pem(&out, pub, &e), 0);
	sg_pubkey_free(pub);
	return (char *)sg_buf_detach(&out, NULL);
}

/* Loads a private key from PEM text; returns the error code, the key in *out on success. */
static int load_pem(sg_privkey **out, const char *pem, const char *pw, sg_error *e, int *calls)
{
	struct pass_ud ud = { pw, 0 };
	int rc = sg_privkey_from_pem(out, pem, strlen(pem), "x.key", test_pass, &ud, e);

	if (calls)
		*calls = ud.calls;
	return rc;
}

/* ---- cosign's own vectors ---- */

static void test_cosign_hello_vector(void **state)
{
	sg_buf pub;
	struct pass_ud ud = { "hello", 0 };
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	char path[4096], *pem;

	(void)state;
	read_data(&pub, "SIGIL_SHARED", "../shared", "vectors/cosign-test-key-hello.pub");
	data_path(path, sizeof(path), "SIGIL_SHARED", "../shared",
		  "vectors/cosign-test-key-hello.key");
	assert_int_equal(sg_privkey_load(&k, path, test_pass, &ud, &e), 0);
	assert_int_equal(ud.calls, 1);
	assert_int_equal(sg_privkey_alg(k), SG_KEY_ECDSA_P256);
	pem = pub_pem(k);
	assert_string_equal(pem, (char *)pub.data);
	free(pem);
	sg_privkey_free(k);

	/* wrong password: SG_EPASSWORD, message names the file */
	ud.pw = "hello!";
	assert_int_equal(sg_privkey_load(&k, path, test_pass, &ud, &e), SG_EPASSWORD);
	assert_null(k);
	assert_non_null(strstr(e.msg, "cosign-test-key-hello.key: decryption failed"));
	sg_buf_release(&pub);
}

static void test_cosign_labeled_key(void **state)
{
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	sg_buf b;

	(void)state;
	KEYDATA(&b, "pemcosignkey.key"); /* ENCRYPTED COSIGN PRIVATE KEY, no final newline */
	assert_int_equal(load_pem(&k, (char *)b.data, "hello", &e, NULL), 0);
	assert_int_equal(sg_privkey_alg(k), SG_KEY_ECDSA_P256);
	sg_privkey_free(k);
	sg_buf_release(&b);
}

static void test_cosign_sec1_inside_rejected(void **state)
{
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	sg_buf b;

	(void)state;
	KEYDATA(&b, "pemcosigneckey.key"); /* decrypts fine, but to SEC1: cosign refuses it */
	assert_int_equal(load_pem(&k, (char *)b.data, "hello", &e, NULL), SG_EINVALID);
	assert_null(k);
	assert_non_null(strstr(e.msg, "x.key: "));
	assert_non_null(strstr(e.msg, "SEC1"));
	sg_buf_release(&b);
}

/* ---- formats.md §4.6(b): encryption direction, byte for byte ---- */

static void test_constructed_vector(void **state)
{
	/* SEC1 ECPrivateKey without the public key: OpenSSL derives it on load. */
	static const unsigned char sec1_head[] = { 0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20 };
	static const unsigned char sec1_tail[] = { 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
						   0xce, 0x3d, 0x03, 0x01, 0x07 };
	unsigned char sec1[sizeof(sec1_head) + 32 + sizeof(sec1_tail)];
	unsigned char salt[32], nonce_full[32];
	sg_buf want_key, want_pub, plain, out = SG_BUF_INIT(SG_MAX_KEYFILE);
	sg_privkey *k = NULL, *k2 = NULL;
	sg_error e = { 0 };
	char *pem;

	(void)state;
	KEYDATA(&want_key, "constructed-example.key");
	KEYDATA(&want_pub, "constructed-example.pub");
	memcpy(sec1, sec1_head, sizeof(sec1_head));
	/* d = SHA-256("cosign-c-example-key"), already below the P-256 order */
	crypto_hash_sha256(sec1 + sizeof(sec1_head), (const unsigned char *)"cosign-c-example-key", 20);
	memcpy(sec1 + sizeof(sec1_head) + 32, sec1_tail, sizeof(sec1_tail));
	crypto_hash_sha256(salt, (const unsigned char *)"salt", 4);
	crypto_hash_sha256(nonce_full, (const unsigned char *)"nonce", 5);
	pem_wrap(&plain, "EC PRIVATE KEY", sec1, sizeof(sec1));
	assert_int_equal(load_pem(&k, (char *)plain.data, "", &e, NULL), 0);

	assert_int_equal(sg_privkey_encrypt_pem_with(&out, k, "example", 7, 65536, salt, nonce_full,
						     SG_PEM_SIGSTORE_ENC, &e), 0);
	assert_string_equal((char *)out.data, (char *)want_key.data);
	pem = pub_pem(k);
	assert_string_equal(pem, (char *)want_pub.data);
	free(pem);

	/* and back */
	assert_int_equal(load_pem(&k2, (char *)want_key.data, "example", &e, NULL), 0);
	pem = pub_pem(k2);
	assert_string_equal(pem, (char *)want_pub.data);
	free(pem);

	sodium_memzero(sec1, sizeof(sec1));
	sodium_memzero(plain.data, plain.len);
	sg_privkey_free(k);
	sg_privkey_free(k2);
	sg_buf_release(&plain);
	sg_buf_release(&out);
	sg_buf_release(&want_key);
	sg_buf_release(&want_pub);
}

/* ---- plaintext PEM inputs (import) ---- */

static void expect_plain(const char *file, int want, sg_key_alg alg, const char *msg_part)
{
	char rel[256];
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	sg_buf b;

	snprintf(rel, sizeof(rel), "keys/%s", file);
	read_data(&b, "SIGIL_TEST_DATA", "tests/data", rel);
	assert_int_equal(load_pem(&k, (char *)b.data, "unused", &e, NULL), want);
	if (want == 0)
		assert_int_equal(sg_privkey_alg(k), alg);
	else
		assert_null(k);
	if (msg_part && !strstr(e.msg, msg_part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", file, e.msg, msg_part);
	sg_privkey_free(k);
	sg_buf_release(&b);
}

static void test_plaintext_inputs(void **state)
{
	(void)state;
	expect_plain("ed25519key.pem", 0, SG_KEY_ED25519, NULL);
	expect_plain("validecp256.pem", 0, SG_KEY_ECDSA_P256, NULL);
	expect_plain("validecpkcs8.pem", 0, SG_KEY_ECDSA_P256, NULL);
	expect_plain("validecp384.pem", SG_EUNSUPPORTED, 0, "x.key: unsupported ECDSA curve P-384");
	expect_plain("invalidecunsupported.pem", SG_EUNSUPPORTED, 0, "secp256k1");
	expect_plain("validrsapkcs8.pem", SG_EUNSUPPORTED, 0, "x.key: unsupported key type RSA");
}

static void test_ed25519_public_known_answer(void **state)
{
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	sg_buf b, pub;
	char *pem;

	(void)state;
	KEYDATA(&b, "ed25519key.pem");
	KEYDATA(&pub, "ed25519key.pub"); /* openssl pkey -pubout */
	assert_int_equal(load_pem(&k, (char *)b.data, "", &e, NULL), 0);
	pem = pub_pem(k);
	assert_string_equal(pem, (char *)pub.data);
	free(pem);
	sg_privkey_free(k);
	sg_buf_release(&b);
	sg_buf_release(&pub);
}

/* ---- malformed encrypted files: rejected before any password is asked ---- */

static const char json_ok_head[] = "{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},"
	"\"salt\":\"7OuFwelmfY5uHwchiDRsmtjspgfef1F2Ne8aCN5KaZY=\"},"
	"\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"P4y88hBovSkOLmstlUAhbpt2t+lS5LPH\"},";
static const char json_ok_ct[] = "\"ciphertext\":\"2puC7rfWI9hwnreCk8iFCFUpBTkK4I6R/lPErpCzJWPjIYyxxe"
	"H/P6UnvpRGuXekSMorLthKjghCRe7/645GAkhVmKD/vxAtKa/lMZlCRCqezBFPWuw3ixTmglaobudURmElncF8iYo0"
	"S1YzcVN1QpcbvsGMqIXG5engmxjyt+Aqyre1tCF4WMmSPehIc6PjwhuClGiZIQdoLg==\"}";

static int load_json(const char *json, const char *type, const char *pw, sg_error *e, int *calls)
{
	sg_privkey *k = NULL;
	sg_buf pem;
	int rc;

	pem_wrap(&pem, type, json, strlen(json));
	rc = load_pem(&k, (char *)pem.data, pw, e, calls);
	if (rc == 0)
		assert_non_null(k);
	else
		assert_null(k);
	sg_privkey_free(k);
	sg_buf_release(&pem);
	return rc;
}

static void expect_json_reject(const char *json, int want, const char *msg_part)
{
	sg_error e = { 0 };
	int calls = -1;

	assert_int_equal(load_json(json, SG_PEM_SIGSTORE_ENC, "hello", &e, &calls), want);
	assert_int_equal(calls, 0);
	if (msg_part && !strstr(e.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	assert_non_null(at);
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

static void test_malformed_encrypted(void **state)
{
	char good[1024], *bad;
	sg_error e = { 0 };
	int calls = 0;

	(void)state;
	snprintf(good, sizeof(good), "%s%s", json_ok_head, json_ok_ct);
	/* the untouched JSON (cosign's pemsigstorekey) loads: the forgeries below differ only in
	 * what they name */
	assert_int_equal(load_json(good, SG_PEM_COSIGN_ENC, "hello", &e, &calls), 0);
	assert_int_equal(calls, 1);

	bad = replace(good, "\"N\":32768", "\"N\":1024");
	expect_json_reject(bad, SG_EUNSUPPORTED, "x.key: unsupported scrypt parameters N=1024 r=8 p=1");
	free(bad);
	bad = replace(good, "\"N\":32768", "\"N\":16384");
	expect_json_reject(bad, SG_EUNSUPPORTED, "N=16384");
	free(bad);
	bad = replace(good, "\"N\":32768", "\"N\":4294967296");
	expect_json_reject(bad, SG_EUNSUPPORTED, "unsupported scrypt parameters");
	free(bad);
	bad = replace(good, "\"r\":8", "\"r\":16");
	expect_json_reject(bad, SG_EUNSUPPORTED, "r=16");
	free(bad);
	bad = replace(good, "\"p\":1", "\"p\":2");
	expect_json_reject(bad, SG_EUNSUPPORTED, "p=2");
	free(bad);
	bad = replace(good, "\"N\":32768", "\"N\":\"32768\"");
	expect_json_reject(bad, SG_EINVALID, "x.key: invalid encrypted key");
	free(bad);
	bad = replace(good, "\"scrypt\"", "\"argon2\"");
	expect_json_reject(bad, SG_EUNSUPPORTED, "unsupported kdf");
	free(bad);
	bad = replace(good, "nacl/secretbox", "aes-gcm");
	expect_json_reject(bad, SG_EUNSUPPORTED, "unsupported cipher");
	free(bad);
	bad = replace(good, "P4y88hBovSkOLmstlUAhbpt2t+lS5LPH", "P4y88hBovSkOLmstlUAhbpt2t+lS");
	expect_json_reject(bad, SG_EINVALID, "nonce");
	free(bad);
	bad = replace(good, "P4y88hBovSkOLmstlUAhbpt2t+lS5LPH", "P4y88hBovSkOLmstlUAhbpt2t+lS5LP!");
	expect_json_reject(bad, SG_EINVALID, "invalid base64 in nonce");
	free(bad);
	bad = replace(good, "\"ciphertext\":\"2puC", "\"ciphertext\":\"2p uC");
	expect_json_reject(bad, SG_EINVALID, "invalid base64 in ciphertext");
	free(bad);
	/* duplicate keys: the first "kdf" would be the one a lax parser might ignore */
	bad = replace(good, "{\"kdf\"", "{\"kdf\":{},\"kdf\"");
	expect_json_reject(bad, SG_EINVALID, "duplicate");
	free(bad);
	bad = replace(good, "\"ciphertext\":", "\"ciphertext\":\"AAAA\",\"ciphertext\":");
	expect_json_reject(bad, SG_EINVALID, "duplicate");
	free(bad);
	bad = replace(good, "\"cipher\":{", "\"cipher\":");
	expect_json_reject(bad, SG_EINVALID, "invalid encrypted key JSON");
	free(bad);
	expect_json_reject("{\"kdf\":", SG_EINVALID, "invalid encrypted key JSON");
	bad = replace(good, "==\"}", "==\"} x");
	expect_json_reject(bad, SG_EINVALID, "invalid encrypted key JSON");
	free(bad);
	bad = replace(good, "\"ciphertext\":\"", "\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"x\":\"");
	expect_json_reject(bad, SG_EINVALID, "ciphertext too short");
	free(bad);

	/* tampered ciphertext, right password: the MAC catches it */
	bad = replace(good, "2puC7rfW", "2puC7rfX");
	calls = 0;
	assert_int_equal(load_json(bad, SG_PEM_SIGSTORE_ENC, "hello", &e, &calls), SG_EPASSWORD);
	assert_int_equal(calls, 1);
	free(bad);
}

static void expect_pem_reject(const char *pem, int want, const char *msg_part)
{
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	int calls = -1;

	assert_int_equal(load_pem(&k, pem, "hello", &e, &calls), want);
	assert_null(k);
	assert_int_equal(calls, 0);
	if (msg_part && !strstr(e.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
}

static void test_malformed_pem(void **state)
{
	char *bad, *tmp, *text;
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	sg_buf b;
	size_t n;

	(void)state;
	KEYDATA(&b, "pemcosignkey.key");
	text = (char *)b.data;

	/* truncated: END line missing, or body cut short */
	n = (size_t)(strstr(text, "-----END") - text);
	bad = strndup(text, n);
	expect_pem_reject(bad, SG_EINVALID, "x.key: truncated PEM block");
	free(bad);
	bad = replace(text, "RlhlNDZzck9TUE9SNHN6bytabWErUGovSFE9PSJ9\n", "");
	expect_pem_reject(bad, SG_EINVALID, "x.key: invalid encrypted key JSON");
	free(bad);
	bad = strndup(text, 200);
	expect_pem_reject(bad, SG_EINVALID, "truncated PEM block");
	free(bad);
	/* bad base64 */
	bad = replace(text, "OCwicCI6", "OCw!cCI6");
	expect_pem_reject(bad, SG_EINVALID, "x.key: invalid base64");
	free(bad);
	bad = replace(text, "RlhlNDZzck9TUE9SNHN6bytabWErUGovSFE9PSJ9", "RlhlNDZzck9TUE9SNHN6bytabWErUGovSFE9PSJ");
	expect_pem_reject(bad, SG_EINVALID, "invalid base64");
	free(bad);
	/* END does not match BEGIN */
	bad = replace(text, "-----END ENCRYPTED COSIGN", "-----END ENCRYPTED SIGSTORE");
	expect_pem_reject(bad, SG_EINVALID, "does not match");
	free(bad);
	/* unknown / other PEM types */
	tmp = replace(text, "ENCRYPTED COSIGN PRIVATE KEY-----\neyJ", "ENCRYPTED FOO PRIVATE KEY-----\neyJ");
	bad = replace(tmp, "END ENCRYPTED COSIGN", "END ENCRYPTED FOO");
	free(tmp);
	expect_pem_reject(bad, SG_EUNSUPPORTED, "x.key: unsupported pem type: ENCRYPTED FOO PRIVATE KEY");
	free(bad);
	expect_pem_reject("-----BEGIN PGP PRIVATE KEY BLOCK-----\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n",
			  SG_EUNSUPPORTED, "unsupported pem type: PGP PRIVATE KEY BLOCK");
	expect_pem_reject("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
			  SG_EUNSUPPORTED, "RSA");
	/* legacy OpenSSL-encrypted PEM headers */
	expect_pem_reject("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n"
			  "-----END EC PRIVATE KEY-----\n", SG_EUNSUPPORTED, "headers");
	/* no PEM at all, empty, garbage DER */
	expect_pem_reject("hello", SG_EINVALID, "x.key: no PEM block found");
	expect_pem_reject("", SG_EINVALID, "no PEM block");
	expect_pem_reject("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", SG_EINVALID, NULL);
	expect_pem_reject("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", SG_EINVALID,
			  "x.key: invalid PKCS#8");
	/* encrypted key without a password source */
	assert_int_equal(sg_privkey_from_pem(&k, text, b.len, "x.key", NULL, NULL, &e), SG_EPASSWORD);
	assert_null(k);
	sg_buf_release(&b);
}

/* ---- generate / encrypt / load ---- */

static void roundtrip(sg_key_alg alg)
{
	sg_buf out = SG_BUF_INIT(SG_MAX_KEYFILE);
	sg_privkey *k = NULL, *k2 = NULL;
	sg_pubkey *pub = NULL;
	unsigned char *sig = NULL;
	size_t siglen, i, start;
	sg_error e = { 0 };
	char *p1, *p2, *s;

	assert_int_equal(sg_privkey_generate(&k, alg, &e), 0);
	assert_int_equal(sg_privkey_alg(k), alg);
	/* N=32768 keeps the test fast; the commands use 65536 */
	assert_int_equal(sg_privkey_encrypt_pem(&out, k, "pw", 2, 32768, &e), 0);
	s = (char *)out.data;
	assert_true(!strncmp(s, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n", 47));
	assert_true(out.len > 45 && !strcmp(s + out.len - 45, "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
	for (i = 47, start = 47; i < out.len; i++)
		if (s[i] == '\n') {
			assert_true(i - start <= 64);
			start = i + 1;
		}
	assert_int_equal(load_pem(&k2, s, "pw", &e, NULL), 0);
	assert_int_equal(sg_privkey_alg(k2), alg);
	p1 = pub_pem(k);
	p2 = pub_pem(k2);
	assert_string_equal(p1, p2);
	/* a signature by the reloaded key verifies with the original's public key */
	assert_int_equal(sg_pubkey_from_pem(&pub, p1, strlen(p1), "pub", &e), 0);
	assert_int_equal(sg_sign(&sig, &siglen, k2, "payload", 7, &e), 0);
	assert_int_equal(sg_verify(pub, "payload", 7, sig, siglen), SG_OK);
	/* unsupported N is refused when writing too */
	sg_buf_reset(&out);
	assert_int_equal(sg_privkey_encrypt_pem(&out, k, "pw", 2, 1024, &e), SG_EUNSUPPORTED);
	free(sig);
	free(p1);
	free(p2);
	sg_pubkey_free(pub);
	sg_privkey_free(k);
	sg_privkey_free(k2);
	sg_buf_release(&out);
}

static void test_generate_roundtrip(void **state)
{
	(void)state;
	roundtrip(SG_KEY_ECDSA_P256);
	roundtrip(SG_KEY_ED25519);
}

static void test_key_file_mode(void **state)
{
	char dir[] = "/tmp/sigil-test-keys.XXXXXX", path[4096];
	sg_error e = { 0 };
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cosign.key", dir);
	assert_int_equal(sg_write_file(path, "secret", 6, 0600, 1, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* excl: refuses to overwrite, and the message names the file */
	assert_int_equal(sg_write_file(path, "other", 5, 0600, 1, &e), SG_EEXISTS);
	assert_non_null(strstr(e.msg, "cosign.key"));
	umask(old);
	unlink(path);
	rmdir(dir);
}

/* An existing FIFO or device (-o /dev/null) is written in place, not replaced by a file. */
static void test_write_special(void **state)
{
	char dir[] = "/tmp/sigil-test-keys.XXXXXX", path[4096], got[16] = "";
	sg_error e = { 0 };
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDWR | O_NONBLOCK); /* a reader, so opening for writing does not block */
	assert_true(fd >= 0);
	assert_int_equal(sg_write_file(path, "doc\n", 4, 0644, 0, &e), 0);
	assert_int_equal(read(fd, got, sizeof(got) - 1), 4);
	assert_string_equal(got, "doc\n");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	close(fd);
	unlink(path);
	rmdir(dir);
}

/* ---- signatures ---- */

struct pair {
	sg_privkey *k;
	sg_pubkey *pub;
};

static struct pair make_pair(sg_key_alg alg)
{
	struct pair p = { NULL, NULL };
	sg_error e = { 0 };

	assert_int_equal(sg_privkey_generate(&p.k, alg, &e), 0);
	assert_int_equal(sg_privkey_public(&p.pub, p.k, &e), 0);
	assert_int_equal(sg_pubkey_alg(p.pub), alg);
	return p;
}

static void free_pair(struct pair *p)
{
	sg_privkey_free(p->k);
	sg_pubkey_free(p->pub);
}

static void common_forgeries(sg_key_alg alg)
{
	static const char msg[] = "{\"critical\":{}}";
	struct pair a = make_pair(alg), b = make_pair(alg);
	unsigned char *sig = NULL, *sig0 = NULL;
	size_t siglen, sig0len, i;
	char m2[sizeof(msg)];
	sg_error e = { 0 };

	assert_int_equal(sg_sign(&sig, &siglen, a.k, msg, strlen(msg), &e), 0);
	assert_int_equal(sg_verify(a.pub, msg, strlen(msg), sig, siglen), SG_OK);
	/* another key's public key */
	assert_int_equal(sg_verify(b.pub, msg, strlen(msg), sig, siglen), SG_EVERIFY);
	/* every single-bit flip in the message, a few in the signature */
	for (i = 0; i < strlen(msg) * 8; i++) {
		memcpy(m2, msg, sizeof(msg));
		m2[i / 8] ^= (char)(1 << (i % 8));
		assert_int_equal(sg_verify(a.pub, m2, strlen(msg), sig, siglen), SG_EVERIFY);
	}
	for (i = 0; i < siglen; i += 7) {
		sig[i] ^= 0x01;
		assert_int_equal(sg_verify(a.pub, msg, strlen(msg), sig, siglen), SG_EVERIFY);
		sig[i] ^= 0x01;
	}
	/* truncated signature, one message byte fewer, empty signature */
	assert_int_equal(sg_verify(a.pub, msg, strlen(msg), sig, siglen - 1), SG_EVERIFY);
	assert_int_equal(sg_verify(a.pub, msg, strlen(msg) - 1, sig, siglen), SG_EVERIFY);
	assert_int_equal(sg_verify(a.pub, msg, strlen(msg), sig, 0), SG_EVERIFY);
	/* empty message signs and verifies */
	assert_int_equal(sg_sign(&sig0, &sig0len, a.k, "", 0, &e), 0);
	assert_int_equal(sg_verify(a.pub, "", 0, sig0, sig0len), SG_OK);
	assert_int_equal(sg_verify(a.pub, "", 0, sig, siglen), SG_EVERIFY);
	free(sig);
	free(sig0);
	free_pair(&a);
	free_pair(&b);
}

static void test_sign_verify_forgeries(void **state)
{
	(void)state;
	common_forgeries(SG_KEY_ECDSA_P256);
	common_forgeries(SG_KEY_ED25519);
}

static void test_ecdsa_encodings(void **state)
{
	static const char msg[] = "payload";
	struct pair a = make_pair(SG_KEY_ECDSA_P256);
	unsigned char *sig = NULL, raw[64], junk[300];
	const unsigned char *p;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	size_t siglen;
	sg_error e = { 0 };

	(void)state;
	assert_int_equal(sg_sign(&sig, &siglen, a.k, msg, 7, &e), 0);
	assert_int_equal(sig[0], 0x30); /* DER, what cosign writes */
	assert_true(siglen >= 8 && siglen <= 72);
	p = sig;
	assert_non_null(es = d2i_ECDSA_SIG(NULL, &p, (long)siglen));
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, raw, 32);
	BN_bn2binpad(s, raw + 32, 32);
	ECDSA_SIG_free(es);

	/* raw r||s (IEEE P1363) is accepted, as sigstore's verifier does */
	assert_int_equal(sg_verify(a.pub, msg, 7, raw, 64), SG_OK);
	raw[63] ^= 1;
	assert_int_equal(sg_verify(a.pub, msg, 7, raw, 64), SG_EVERIFY);
	raw[63] ^= 1;
	assert_int_equal(sg_verify(a.pub, msg, 7, raw, 63), SG_EVERIFY);
	/* s and r swapped */
	memcpy(junk, raw + 32, 32);
	memcpy(junk + 32, raw, 32);
	assert_int_equal(sg_verify(a.pub, msg, 7, junk, 64), SG_EVERIFY);

	/* DER with a trailing byte: rejected (Go's VerifyASN1 is strict) */
	memcpy(junk, sig, siglen);
	junk[siglen] = 0x00;
	assert_int_equal(sg_verify(a.pub, msg, 7, junk, siglen + 1), SG_EVERIFY);
	/* non-canonical DER: the same SEQUENCE with a long-form length */
	junk[0] = 0x30;
	junk[1] = 0x81;
	junk[2] = sig[1];
	memcpy(junk + 3, sig + 2, siglen - 2);
	assert_int_equal(sg_verify(a.pub, msg, 7, junk, siglen + 1), SG_EVERIFY);
	/* the original still verifies */
	assert_int_equal(sg_verify(a.pub, msg, 7, sig, siglen), SG_OK);
	free(sig);
	free_pair(&a);
}

static void test_ed25519_modes(void **state)
{
	static const unsigned char prefix[] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
						0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
	unsigned char der[48], pk[32], sk[64], ph[64], pure[64], *sig = NULL;
	crypto_sign_ed25519ph_state st;
	sg_pubkey *pub = NULL;
	sg_privkey *k = NULL;
	sg_error e = { 0 };
	size_t siglen;
	sg_buf pem;

	(void)state;
	memcpy(der, prefix, 16);
	crypto_hash_sha256(der + 16, (const unsigned char *)"ed25519 test seed", 17);
	crypto_sign_seed_keypair(pk, sk, der + 16);
	pem_wrap(&pem, "PRIVATE KEY", der, sizeof(der));
	assert_int_equal(load_pem(&k, (char *)pem.data, "", &e, NULL), 0);
	assert_int_equal(sg_privkey_public(&pub, k, &e), 0);

	/* pure Ed25519 is deterministic: sigil's signature equals libsodium's */
	crypto_sign_detached(pure, NULL, (const unsigned char *)"msg", 3, sk);
	assert_int_equal(sg_sign(&sig, &siglen, k, "msg", 3, &e), 0);
	assert_int_equal(siglen, 64);
	assert_memory_equal(sig, pure, 64);

	/* Ed25519ph (cosign >= 2.6 signers) verifies too, but only over its message */
	crypto_sign_ed25519ph_init(&st);
	crypto_sign_ed25519ph_update(&st, (const unsigned char *)"msg", 3);
	crypto_sign_ed25519ph_final_create(&st, ph, NULL, sk);
	assert_memory_not_equal(ph, pure, 64);
	assert_int_equal(sg_verify(pub, "msg", 3, ph, 64), SG_OK);
	assert_int_equal(sg_verify(pub, "msG", 3, ph, 64), SG_EVERIFY);
	ph[10] ^= 4;
	assert_int_equal(sg_verify(pub, "msg", 3, ph, 64), SG_EVERIFY);

	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(der, sizeof(der));
	sodium_memzero(pem.data, pem.len);
	free(sig);
	sg_buf_release(&pem);
	sg_pubkey_free(pub);
	sg_privkey_free(k);
}

/* ---- public keys ---- */

static void test_public_keys(void **state)
{
	sg_buf hello, p384, ed, out = SG_BUF_INIT(SG_MAX_KEYFILE);
	static const char privpem[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	unsigned char *der;
	size_t derlen;
	sg_pubkey *pub = NULL;
	sg_error e = { 0 };
	sg_buf bad;

	(void)state;
	read_data(&hello, "SIGIL_SHARED", "../shared", "vectors/cosign-test-key-hello.pub");
	KEYDATA(&p384, "p384.pub");
	KEYDATA(&ed, "ed25519key.pub");

	assert_int_equal(sg_pubkey_from_pem(&pub, (char *)hello.data, hello.len, "c.pub", &e), 0);
	assert_int_equal(sg_pubkey_alg(pub), SG_KEY_ECDSA_P256);
	assert_int_equal(sg_pubkey_pem(&out, pub, &e), 0);
	assert_string_equal((char *)out.data, (char *)hello.data);
	sg_pubkey_free(pub);

	sg_buf_reset(&out);
	assert_int_equal(sg_pubkey_from_pem(&pub, (char *)ed.data, ed.len, "e.pub", &e), 0);
	assert_int_equal(sg_pubkey_alg(pub), SG_KEY_ED25519);
	assert_int_equal(sg_pubkey_pem(&out, pub, &e), 0);
	assert_string_equal((char *)out.data, (char *)ed.data);
	sg_pubkey_free(pub);

	assert_int_equal(sg_pubkey_from_pem(&pub, (char *)p384.data, p384.len, "p.pub", &e),
			 SG_EUNSUPPORTED);
	assert_null(pub);
	assert_non_null(strstr(e.msg, "p.pub: unsupported ECDSA curve P-384"));

	/* a private key is not a public key */
	assert_int_equal(sg_pubkey_from_pem(&pub, privpem, strlen(privpem), "k", &e),
			 SG_EUNSUPPORTED);
	assert_null(pub);
	/* SPKI with a trailing byte, or one byte short */
	der = pem_der((char *)hello.data, &derlen);
	pem_wrap(&bad, "PUBLIC KEY", der, derlen + 1);
	assert_int_equal(sg_pubkey_from_pem(&pub, (char *)bad.data, bad.len, "t.pub", &e),
			 SG_EINVALID);
	assert_null(pub);
	sg_buf_release(&bad);
	pem_wrap(&bad, "PUBLIC KEY", der, derlen - 1);
	assert_int_equal(sg_pubkey_from_pem(&pub, (char *)bad.data, bad.len, "t.pub", &e),
			 SG_EINVALID);
	assert_null(pub);
	sg_buf_release(&bad);
	free(der);
	sg_buf_release(&out);
	sg_buf_release(&hello);
	sg_buf_release(&p384);
	sg_buf_release(&ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cosign_hello_vector),
		cmocka_unit_test(test_cosign_labeled_key),
		cmocka_unit_test(test_cosign_sec1_inside_rejected),
		cmocka_unit_test(test_constructed_vector),
		cmocka_unit_test(test_plaintext_inputs),
		cmocka_unit_test(test_ed25519_public_known_answer),
		cmocka_unit_test(test_malformed_encrypted),
		cmocka_unit_test(test_malformed_pem),
		cmocka_unit_test(test_generate_roundtrip),
		cmocka_unit_test(test_key_file_mode),
		cmocka_unit_test(test_write_special),
		cmocka_unit_test(test_sign_verify_forgeries),
		cmocka_unit_test(test_ecdsa_encodings),
		cmocka_unit_test(test_ed25519_modes),
		cmocka_unit_test(test_public_keys),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
