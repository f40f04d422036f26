/* memscan: an LD_PRELOAD library for tests/integration/test_secrets.sh. When the process
 * exits (after main returned and atexit handlers ran), it reads every readable mapping of
 * its own address space and looks for byte strings that must not survive there: a private
 * key's scalar or seed, the decrypted PKCS#8 key, the scrypt-derived box key. The patterns
 * come hex-encoded in SIGIL_MEMSCAN (comma-separated NAME=HEX) and are kept XOR-masked here,
 * so the scanner's own copy is never a match. The report goes to SIGIL_MEMSCAN_OUT: one line
 * per pattern, "NAME found N" or "NAME absent", then "scanned BYTES". Only resident pages
 * are read (mincore), so the terabytes an ASan build reserves cost nothing; the scanner is
 * not instrumented, so reading freed (poisoned) memory is allowed, which is the point.
 * Where the secrets are only known once the process has written them (a generated key),
 * SIGIL_MEMSCAN_FROM names a file to take the patterns from instead: the scanner waits at
 * exit (up to 120 s) until the test has written it. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MASK 0xA5
#define MAXPAT 16
#define MAXLEN 256

struct pat {
	char name[32];
	unsigned char x[MAXLEN]; /* the pattern, each byte XOR MASK */
	size_t len;
	unsigned long found;
	char where[160]; /* the mappings it was found in, for the failure message */
};

static const char *region; /* the mapping being scanned: [heap], [stack], anon */

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t parse(const char *spec, struct pat *p)
{
	size_t n = 0;

	while (*spec && n < MAXPAT) {
		const char *eq = strchr(spec, '='), *end;
		size_t i = 0;

		if (!eq)
			break;
		snprintf(p[n].name, sizeof(p[n].name), "%.*s", (int)(eq - spec), spec);
		for (end = eq + 1; unhex(end[0]) >= 0 && unhex(end[1]) >= 0 && i < MAXLEN; end += 2)
			p[n].x[i++] = (unsigned char)((unhex(end[0]) << 4 | unhex(end[1])) ^ MASK);
		p[n].len = i;
		p[n].found = 0;
		if (i >= 8)
			n++;
		spec = *end == ',' ? end + 1 : end;
		if (*spec && *spec != ',' && unhex(*spec) < 0 && !strchr(spec, '='))
			break;
	}
	return n;
}

#define NOSAN __attribute__((no_sanitize("address", "undefined")))

NOSAN static void scan(const unsigned char *m, size_t len, struct pat *p, size_t np)
{
	size_t i, j, k;

	for (k = 0; k < np; k++) {
		unsigned char first = p[k].x[0] ^ MASK;

		if (len < p[k].len)
			continue;
		for (i = 0; i + p[k].len <= len; i++) {
			if (m[i] != first)
				continue;
			for (j = 1; j < p[k].len && (m[i + j] ^ MASK) == p[k].x[j]; j++)
				;
			if (j == p[k].len) {
				size_t w = strlen(p[k].where);

				p[k].found++;
				if (w < sizeof(p[k].where) - 40)
					snprintf(p[k].where + w, sizeof(p[k].where) - w, "%s%s+0x%zx",
						 w ? " " : "", region, i);
			}
		}
	}
}

/* Scans the resident runs of [lo, hi): a run of resident pages is scanned as one piece, so
 * a pattern across a page boundary is still seen. Returns the bytes scanned. */
NOSAN static unsigned long long scan_region(unsigned long lo, unsigned long hi, struct pat *p,
					    size_t np)
{
	static unsigned char vec[65536];
	static const unsigned char none[65536];
	const unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long chunk = page * sizeof(vec), at, run = 0, i, n;
	unsigned long long total = 0;
	int have = 0;

	for (at = lo; at < hi; at += chunk) {
		unsigned long len = hi - at < chunk ? hi - at : chunk;

		n = (len + page - 1) / page;
		if (mincore((void *)at, len, vec) != 0)
			memset(vec, 0, n); /* cannot tell what is safe to read: skip */
		/* most of an ASan build's terabytes of reservations: nothing resident */
		if (!have && memcmp(vec, none, n) == 0)
			continue;
		for (i = 0; i < n; i++) {
			unsigned long pg = at + i * page;

			if (vec[i] & 1) {
				if (!have)
					run = pg, have = 1;
				continue;
			}
			if (have) {
				scan((const unsigned char *)run, pg - run, p, np);
				total += pg - run;
				have = 0;
			}
		}
	}
	if (have) {
		scan((const unsigned char *)run, hi - run, p, np);
		total += hi - run;
	}
	return total;
}

__attribute__((destructor)) static void memscan_at_exit(void)
{
	static struct pat pats[MAXPAT];
	static char from[MAXPAT * (MAXLEN * 2 + 40)];
	const char *spec = getenv("SIGIL_MEMSCAN"), *out = getenv("SIGIL_MEMSCAN_OUT");
	const char *from_path = getenv("SIGIL_MEMSCAN_FROM");
	unsigned long long total = 0;
	char line[512];
	size_t np, k;
	FILE *maps, *rep;
	int tries, asan;

	if (!spec && from_path) {
		for (tries = 0; tries < 1200 && access(from_path, R_OK) != 0; tries++)
			usleep(100 * 1000);
		if ((rep = fopen(from_path, "r"))) {
			from[fread(from, 1, sizeof(from) - 1, rep)] = '\0';
			fclose(rep);
			from[strcspn(from, "\n")] = '\0';
			spec = from;
		}
	}
	if (!spec || !out || !(np = parse(spec, pats)))
		return;
	asan = dlsym(RTLD_DEFAULT, "__asan_init") != NULL;
	if (!(maps = fopen("/proc/self/maps", "r")))
		return;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi, off, inode;
		char perms[8] = "", dev[16] = "", path[256] = "";

		/* private memory only: anonymous mappings, the heap, the stacks; a file mapping
		 * holds the file (and reading past its end would raise SIGBUS) */
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &lo, &hi, perms, &off, dev, &inode,
			   path) < 6 || perms[0] != 'r' || inode != 0)
			continue;
		if (path[0] && strcmp(path, "[heap]") != 0 && strncmp(path, "[stack", 6) != 0 &&
		    strncmp(path, "[anon", 5) != 0)
			continue;
		/* AddressSanitizer's high shadow (x86-64): addressability bytes, never the
		 * program's data, and 14 TiB of mincore() */
		if (asan && lo >= 0x02008fff7000UL && hi <= 0x10007fff8000UL)
			continue;
		region = path[0] ? path : "anon";
		total += scan_region(lo, hi, pats, np);
	}
	fclose(maps);
	if (!(rep = fopen(out, "w")))
		return;
	for (k = 0; k < np; k++)
		fprintf(rep, "%s %s %lu %s\n", pats[k].name, pats[k].found ? "found" : "absent",
			pats[k].found, pats[k].where);
	fprintf(rep, "scanned %llu\n", total);
	fclose(rep);
}
