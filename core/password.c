/* Password acquisition as cosign does it (docs/formats.md §4.2): COSIGN_PASSWORD if set
 * (even empty), else a no-echo prompt when stdin is a terminal, else all of stdin.
 * Passwords live in sodium_malloc'd memory only and are never logged. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>
#include "err.h"
#include "keys.h"
#include "banned.h"

#define PASSWORD_TTY_MAX 4096
#define PASSWORD_STDIN_MAX (64u << 10)

static const char prompt1[] = "Enter password for private key: ";
static const char prompt2[] = "Enter password for private key again: ";

void sg_password_free(char *pw, size_t pwlen)
{
	if (!pw)
		return;
	sodium_memzero(pw, pwlen);
	sodium_free(pw); /* also wipes the rest of the allocation */
}

static int sdup(char **pw, size_t *pwlen, const char *s, size_t n, sg_error *e)
{
	char *p = sodium_malloc(n + 1);

	if (!p)
		return sg_err(e, SG_ERROR, "reading password: out of memory");
	memcpy(p, s, n);
	p[n] = '\0';
	*pw = p;
	*pwlen = n;
	return 0;
}

/* Guarded memory cannot be realloc'd: grow by copy, wiping the old block. */
static int grow(char **buf, size_t *cap, size_t len, size_t max, sg_error *e)
{
	size_t ncap = *cap * 2 > max ? max : *cap * 2;
	char *nb;

	if (*cap >= max)
		return sg_err(e, SG_ETOOBIG, "password longer than %zu bytes", max);
	if (!(nb = sodium_malloc(ncap + 1)))
		return sg_err(e, SG_ERROR, "reading password: out of memory");
	memcpy(nb, *buf, len);
	sg_password_free(*buf, len);
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Reads fd to EOF (or to the end of the line when line != 0; the '\n' and a '\r' before it
 * are dropped, as Go's term.ReadPassword does). */
static int read_secret(char **pw, size_t *pwlen, int fd, size_t max, int line, sg_error *e)
{
	size_t cap = 256, len = 0;
	char *buf = sodium_malloc(cap + 1);
	ssize_t n;
	int err = 0;

	if (!buf)
		return sg_err(e, SG_ERROR, "reading password: out of memory");
	for (;;) {
		if (len == cap && (err = grow(&buf, &cap, len, max, e)) < 0)
			break;
		n = read(fd, buf + len, line ? 1 : cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = sg_err(e, SG_EIO, "reading password: %s", strerror(errno));
			break;
		}
		if (n == 0 || (line && buf[len] == '\n'))
			break;
		len += (size_t)n;
	}
	if (line && len && buf[len - 1] == '\r')
		len--;
	if (err < 0) {
		sg_password_free(buf, cap);
		return err;
	}
	buf[len] = '\0';
	*pw = buf;
	*pwlen = len;
	return 0;
}

static void put(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Prompts on the controlling terminal (stdin/stderr if there is none) with echo off. */
static int prompt_tty(char **pw, size_t *pwlen, const char *prompt, sg_error *e)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int in = fd >= 0 ? fd : STDIN_FILENO, out = fd >= 0 ? fd : STDERR_FILENO;
	struct termios old, quiet;
	int restore = 0, err;

	/* echo goes off before the prompt appears, so nothing typed after it is echoed */
	if (tcgetattr(in, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(in, TCSAFLUSH, &quiet) == 0;
	}
	put(out, prompt);
	err = read_secret(pw, pwlen, in, PASSWORD_TTY_MAX, 1, e);
	if (restore)
		tcsetattr(in, TCSAFLUSH, &old);
	put(out, "\n");
	if (fd >= 0)
		close(fd);
	return err;
}

int sg_password_get(char **pw, size_t *pwlen, int confirm, void *ud, sg_error *e)
{
	const char *env = getenv("COSIGN_PASSWORD");
	char *again = NULL;
	size_t againlen = 0;
	int err, same;

	*pw = NULL;
	*pwlen = 0;
	if (sodium_init() < 0)
		return sg_err(e, SG_ERROR, "libsodium initialisation failed");
	if (env)
		return sdup(pw, pwlen, env, strlen(env), e);
	if (!isatty(STDIN_FILENO))
		return read_secret(pw, pwlen, STDIN_FILENO, PASSWORD_STDIN_MAX, 0, e);
	if ((err = prompt_tty(pw, pwlen, prompt1, e)) < 0 || !confirm)
		return err;
	if ((err = prompt_tty(&again, &againlen, prompt2, e)) < 0) {
		sg_password_free(*pw, *pwlen);
		*pw = NULL;
		*pwlen = 0;
		return err;
	}
	same = againlen == *pwlen && sodium_memcmp(again, *pw, againlen) == 0;
	sg_password_free(again, againlen);
	if (same)
		return 0;
	sg_password_free(*pw, *pwlen);
	*pw = NULL;
	*pwlen = 0;
	return sg_err(e, SG_EPASSWORD, "passwords do not match");
}
