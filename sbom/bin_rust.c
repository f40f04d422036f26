/* The cargo-auditable dependency list of a Rust ELF executable (binpkg.h): section .dep-v0
 * (.rust-deps-v0 from rust-audit 0.1), a zlib stream of JSON
 *   {"packages":[{"name","version","source","kind":"build"|"runtime" (default runtime),
 *                 "dependencies":[index...],"root":true}, ...]}
 * (format facts from microsoft/go-rustaudit and cargo-auditable's auditable-serde). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <jansson.h>
#include "binpkg_int.h"
#include "catalog.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define WHAT "Rust audit data"
#define NAME_MAX_LEN 1024

static int find_section(const sg_elf *f, const unsigned char **p, size_t *n, sg_error *e)
{
	sg_elf_shdr sh;
	int err;

	err = sg_elf_section(f, ".dep-v0", &sh, e);
	if (err == SG_ENOTFOUND)
		err = sg_elf_section(f, ".rust-deps-v0", &sh, e);
	if (err == SG_ENOTFOUND)
		return sg_err(e, SG_ENOTFOUND, WHAT ": no .dep-v0 section (not built with cargo auditable)");
	if (err < 0 || (err = sg_elf_section_data(f, &sh, p, n, e)) < 0) {
		sg_err_prefix(e, WHAT);
		return err;
	}
	if (*n > SG_BINPKG_RUST_ZMAX)
		return sg_err(e, SG_ETOOBIG, WHAT ": section of %zu bytes (cap %u)", *n,
			      SG_BINPKG_RUST_ZMAX);
	return 0;
}

/* Inflates the zlib stream, refusing more than SG_BINPKG_RUST_MAX bytes out. */
static int inflate_all(sg_buf *out, const unsigned char *in, size_t n, sg_error *e)
{
	z_stream z;
	unsigned char chunk[16384];
	int zr = Z_OK, err = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return sg_err(e, SG_ERROR, WHAT ": zlib init failed");
	z.next_in = (unsigned char *)(uintptr_t)in; /* zlib's API is not const */
	z.avail_in = (uInt)n;                         /* n <= SG_BINPKG_RUST_ZMAX */
	while (zr != Z_STREAM_END && !err) {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			err = sg_err(e, SG_EINVALID, WHAT ": %s",
				     zr == Z_BUF_ERROR ? "truncated zlib stream"
						       : z.msg ? z.msg : "bad zlib stream");
			break;
		}
		if ((err = sg_buf_append(out, chunk, sizeof(chunk) - z.avail_out)) < 0)
			err = err == SG_ETOOBIG ?
				sg_err(e, err, WHAT ": decompresses to more than %u MiB",
				       SG_BINPKG_RUST_MAX >> 20) : sg_err(e, err, "out of memory");
	}
	inflateEnd(&z);
	return err;
}

static int dup_field(char **dst, json_t *o, const char *key, int required, size_t i, sg_error *e)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (!v && !required)
		return 0;
	if (!json_is_string(v) || !*(s = json_string_value(v)) || strlen(s) > NAME_MAX_LEN)
		return sg_err(e, SG_EINVALID, WHAT ": package %zu: %s is %s", i, key,
			      v ? "not a usable string" : "missing");
	if (!(*dst = sg_binpkg_strndup(s, strlen(s))))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

/* Build-time dependencies (build scripts, proc macros) are not in the binary. */
static int is_build(json_t *o, size_t i, sg_error *e)
{
	json_t *k = json_object_get(o, "kind");

	if (!k)
		return 0;
	if (json_is_string(k) && !strcmp(json_string_value(k), "build"))
		return 1;
	if (json_is_string(k) && !strcmp(json_string_value(k), "runtime"))
		return 0;
	return sg_err(e, SG_EINVALID, WHAT ": package %zu: unknown kind", i);
}

static int set_purl(sg_binpkg *p, sg_error *e)
{
	sg_buf b = SG_BUF_INIT(8192);
	size_t n;
	int err;

	if ((err = sg_buf_puts(&b, "pkg:cargo/")) < 0 || (err = sg_purl_escape(&b, p->name)) < 0 ||
	    (err = sg_buf_puts(&b, "@")) < 0 || (err = sg_purl_escape(&b, p->version)) < 0) {
		sg_buf_release(&b);
		return sg_err(e, SG_ERROR, "out of memory");
	}
	p->purl = (char *)sg_buf_detach(&b, &n);
	return 0;
}

static int one_package(sg_binpkgs *out, json_t *o, size_t i, sg_error *e)
{
	sg_binpkg *p;
	json_t *root = json_object_get(o, "root");
	int err;

	if (!json_is_object(o))
		return sg_err(e, SG_EINVALID, WHAT ": package %zu is not an object", i);
	if (root && !json_is_boolean(root))
		return sg_err(e, SG_EINVALID, WHAT ": package %zu: root is not a boolean", i);
	if ((err = sg_binpkgs_add(out, &p, "cargo", e)) < 0)
		return err;
	p->main = json_is_true(root);
	if ((err = dup_field(&p->name, o, "name", 1, i, e)) < 0 ||
	    (err = dup_field(&p->version, o, "version", 1, i, e)) < 0 ||
	    (err = dup_field(&p->source, o, "source", 0, i, e)) < 0)
		return err;
	return set_purl(p, e);
}

/* Dependency edges, with indices of the JSON array mapped to kept packages (map[i] is
 * SG_BINPKG_NONE for a dropped build dependency). */
static int edges(sg_binpkgs *out, json_t *pkgs, const size_t *map, sg_error *e)
{
	size_t i, j, n = json_array_size(pkgs);

	for (i = 0; i < n; i++) {
		json_t *deps = json_object_get(json_array_get(pkgs, i), "dependencies"), *d;
		sg_binpkg *p;

		if (map[i] == SG_BINPKG_NONE || !deps)
			continue;
		if (!json_is_array(deps))
			return sg_err(e, SG_EINVALID, WHAT ": package %zu: dependencies not a list", i);
		p = &out->pkgs[map[i]];
		if (json_array_size(deps) && !(p->deps = malloc(json_array_size(deps) * sizeof(size_t))))
			return sg_err(e, SG_ERROR, "out of memory");
		json_array_foreach(deps, j, d) {
			json_int_t k = json_is_integer(d) ? json_integer_value(d) : -1;

			if (k < 0 || (uint64_t)k >= n || (size_t)k == i)
				return sg_err(e, SG_EINVALID, WHAT ": package %zu: bad dependency index",
					      i);
			if (map[k] != SG_BINPKG_NONE)
				p->deps[p->ndeps++] = map[k];
		}
	}
	return 0;
}

static int parse_json(sg_binpkgs *out, const sg_buf *text, sg_error *e)
{
	json_error_t je;
	json_t *root = NULL, *pkgs, *o;
	size_t *map = NULL, i, n;
	int err = 0;

	if (!(root = json_loadb((const char *)text->data, text->len, JSON_REJECT_DUPLICATES, &je))) {
		err = sg_err(e, SG_EINVALID, WHAT ": JSON line %d: %s", je.line, je.text);
		goto done;
	}
	if (!json_is_array(pkgs = json_object_get(root, "packages"))) {
		err = sg_err(e, SG_EINVALID, WHAT ": no \"packages\" list");
		goto done;
	}
	n = json_array_size(pkgs);
	if (n > SG_BINPKG_MAX_PKGS) {
		err = sg_err(e, SG_ETOOBIG, WHAT ": %zu packages (cap %u)", n, SG_BINPKG_MAX_PKGS);
		goto done;
	}
	if (n && !(map = malloc(n * sizeof(*map)))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach(pkgs, i, o) {
		if ((err = is_build(o, i, e)) < 0)
			goto done;
		map[i] = err ? SG_BINPKG_NONE : out->n;
		if (!err && (err = one_package(out, o, i, e)) < 0)
			goto done;
		err = 0;
	}
	if ((err = edges(out, pkgs, map, e)) < 0)
		goto done;
	if (!out->n)
		err = sg_err(e, SG_ENOTFOUND, WHAT ": no runtime packages");
done:
	free(map);
	json_decref(root);
	return err;
}

int sg_binpkg_rust(sg_binpkgs *out, const unsigned char *data, size_t len, sg_error *e)
{
	sg_elf f;
	sg_buf text = SG_BUF_INIT(SG_BINPKG_RUST_MAX);
	const unsigned char *z;
	size_t n;
	int err;

	if ((err = sg_elf_open(&f, data, len, WHAT, e)) < 0 ||
	    (err = find_section(&f, &z, &n, e)) < 0 || (err = inflate_all(&text, z, n, e)) < 0 ||
	    (err = parse_json(out, &text, e)) < 0)
		goto done;
done:
	sg_buf_release(&text);
	if (err < 0)
		sg_binpkgs_release(out);
	return err;
}
