/* CycloneDX 1.6 JSON writer (spdx.h sg_cdx_write): the same catalog as the SPDX document,
 * in CycloneDX's shape, deterministic bytes as for SPDX (same order, ids, no clock).
 *  - metadata.component: the image, type "container", purl pkg:oci/...; its layers and
 *    digest as properties and a SHA-256 hash;
 *  - components: the OS ("operating-system") and every package; a binary's main module or
 *    crate is an "application", everything else a "library"; bom-ref is the SPDX id;
 *    licences as one SPDX expression; supplier from the SPDX supplier; the files a package
 *    was read from in evidence.occurrences (CycloneDX 1.6); layers as properties
 *    "sigil:evidence-layer" / "sigil:introduced-layer" (value "N sha256:...");
 *  - dependencies: every component once; an OS package depends on the language packages
 *    it installed, a binary's main module on its modules (the SPDX CONTAINS/DEPENDENCY_OF).
 * Owned files are not listed (the SPDX document has them); neither syft nor trivy writes
 * them to CycloneDX by default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spdx.h"
#include "gojson.h"
#include "err.h"
#include "banned.h"

struct cdx {
	sg_gojson j;
	const sg_sbom_image *img;
	const sg_catalog *c;
	const char *created;
	char **refs;
};

static void kv(sg_gojson *j, const char *k, const char *v)
{
	sg_gojson_key(j, k);
	sg_sbom_jstr(j, v);
}

static void property(sg_gojson *j, const char *name, const char *value)
{
	sg_gojson_obj_open(j);
	kv(j, "name", name);
	kv(j, "value", value);
	sg_gojson_obj_close(j);
}

static const char *layer_digest(const struct cdx *o, size_t layer)
{
	return layer < o->img->nlayers ? o->img->layers[layer] : "unknown";
}

static void layer_property(struct cdx *o, const char *name, size_t layer)
{
	char v[256];

	snprintf(v, sizeof(v), "%zu %s", layer, layer_digest(o, layer));
	property(&o->j, name, v);
}

static int is_app(const sg_pkg *p)
{
	return p->main && (!strcmp(p->type, "golang") || !strcmp(p->type, "cargo"));
}

/* "Person: Name (email)" / "Organization: Name" as an organizational entity. */
static void supplier(sg_gojson *j, const char *s)
{
	const char *name = s, *open, *close;
	char buf[512];

	if (!strncmp(s, "Person: ", 8))
		name = s + 8;
	else if (!strncmp(s, "Organization: ", 14))
		name = s + 14;
	snprintf(buf, sizeof(buf), "%s", name);
	sg_gojson_key(j, "supplier");
	sg_gojson_obj_open(j);
	if ((open = strrchr(name, '(')) && (close = strchr(open, ')')) && open > name &&
	    (size_t)(open - name) < sizeof(buf)) {
		char email[256];

		buf[open - name - (open[-1] == ' ')] = '\0';
		snprintf(email, sizeof(email), "%.*s", (int)(close - open - 1), open + 1);
		sg_gojson_key(j, "contact");
		sg_gojson_arr_open(j);
		sg_gojson_obj_open(j);
		kv(j, "email", email);
		sg_gojson_obj_close(j);
		sg_gojson_arr_close(j);
	}
	kv(j, "name", buf);
	sg_gojson_obj_close(j);
}

static int write_pkg(struct cdx *o, size_t i)
{
	sg_gojson *j = &o->j;
	const sg_pkg *p = &o->c->pkgs[i];
	size_t k;

	sg_gojson_obj_open(j);
	kv(j, "bom-ref", o->refs[i]);
	kv(j, "type", is_app(p) ? "application" : "library");
	if (p->supplier)
		supplier(j, p->supplier);
	if (p->type && !strcmp(p->type, "maven") && p->purl) {
		/* the Maven groupId is the purl namespace: pkg:maven/<group>/<artifact>@... */
		const char *g = p->purl + 10, *slash = strchr(g, '/');

		if (!strncmp(p->purl, "pkg:maven/", 10) && slash) {
			char group[256];

			snprintf(group, sizeof(group), "%.*s", (int)(slash - g), g);
			kv(j, "group", group);
		}
	}
	kv(j, "name", p->name);
	if (p->version)
		kv(j, "version", p->version);
	if (p->description)
		kv(j, "description", p->description);
	if (p->license) {
		sg_gojson_key(j, "licenses");
		sg_gojson_arr_open(j);
		sg_gojson_obj_open(j);
		kv(j, "expression", p->license);
		sg_gojson_obj_close(j);
		sg_gojson_arr_close(j);
	}
	if (p->purl)
		kv(j, "purl", p->purl);
	sg_gojson_key(j, "properties");
	sg_gojson_arr_open(j);
	layer_property(o, "sigil:evidence-layer", p->evidence_layer);
	layer_property(o, "sigil:introduced-layer", p->introduced_layer);
	if (p->owner && p->owner <= o->c->npkgs)
		property(j, "sigil:installed-by", o->refs[p->owner - 1]);
	property(j, "sigil:package-type", p->type);
	if (p->hidden)
		property(j, "sigil:visible", "false");
	sg_gojson_arr_close(j);
	if (p->nevidence) {
		sg_gojson_key(j, "evidence");
		sg_gojson_obj_open(j);
		sg_gojson_key(j, "occurrences");
		sg_gojson_arr_open(j);
		for (k = 0; k < p->nevidence; k++) {
			char *loc = sg_strprintf("/%s", p->evidence[k]);

			if (!loc)
				return SG_ERROR;
			sg_gojson_obj_open(j);
			kv(j, "location", loc);
			sg_gojson_obj_close(j);
			free(loc);
		}
		sg_gojson_arr_close(j);
		sg_gojson_obj_close(j);
	}
	sg_gojson_obj_close(j);
	return 0;
}

static void write_os(struct cdx *o)
{
	sg_gojson *j = &o->j;
	const sg_os *os = &o->c->os;
	const char *version = os->version_id;

	if (os->debian_version && !strcmp(os->id, "debian"))
		version = os->debian_version;
	sg_gojson_obj_open(j);
	kv(j, "bom-ref", "SPDXRef-OperatingSystem");
	kv(j, "type", "operating-system");
	kv(j, "name", os->id);
	if (version)
		kv(j, "version", version);
	if (os->pretty_name)
		kv(j, "description", os->pretty_name);
	sg_gojson_key(j, "properties");
	sg_gojson_arr_open(j);
	layer_property(o, "sigil:evidence-layer", os->layer);
	sg_gojson_arr_close(j);
	if (os->evidence) {
		char *loc = sg_strprintf("/%s", os->evidence);

		sg_gojson_key(j, "evidence");
		sg_gojson_obj_open(j);
		sg_gojson_key(j, "occurrences");
		sg_gojson_arr_open(j);
		sg_gojson_obj_open(j);
		kv(j, "location", loc ? loc : os->evidence);
		sg_gojson_obj_close(j);
		sg_gojson_arr_close(j);
		sg_gojson_obj_close(j);
		free(loc);
	}
	sg_gojson_obj_close(j);
}

static int write_metadata(struct cdx *o)
{
	sg_gojson *j = &o->j;
	const sg_sbom_image *img = o->img;
	char *purl = sg_oci_purl(img), name[64];
	const char *hex = strchr(img->digest, ':');
	size_t i;

	if (!purl)
		return SG_ERROR;
	sg_gojson_key(j, "metadata");
	sg_gojson_obj_open(j);
	sg_gojson_key(j, "component");
	sg_gojson_obj_open(j);
	kv(j, "bom-ref", "SPDXRef-Image");
	kv(j, "type", "container");
	kv(j, "name", img->repo);
	kv(j, "version", img->digest);
	if (hex && !strncmp(img->digest, "sha256:", 7)) {
		sg_gojson_key(j, "hashes");
		sg_gojson_arr_open(j);
		sg_gojson_obj_open(j);
		kv(j, "alg", "SHA-256");
		kv(j, "content", hex + 1);
		sg_gojson_obj_close(j);
		sg_gojson_arr_close(j);
	}
	kv(j, "purl", purl);
	sg_gojson_key(j, "properties");
	sg_gojson_arr_open(j);
	for (i = 0; i < img->nlayers; i++) {
		snprintf(name, sizeof(name), "sigil:layer:%zu", i);
		property(j, name, img->layers[i]);
	}
	sg_gojson_arr_close(j);
	sg_gojson_obj_close(j);
	kv(j, "timestamp", o->created);
	sg_gojson_key(j, "tools");
	sg_gojson_obj_open(j);
	sg_gojson_key(j, "components");
	sg_gojson_arr_open(j);
	sg_gojson_obj_open(j);
	kv(j, "type", "application");
	kv(j, "name", "sigil");
	kv(j, "version", SIGIL_VERSION);
	sg_gojson_obj_close(j);
	sg_gojson_arr_close(j);
	sg_gojson_obj_close(j);
	sg_gojson_obj_close(j);
	free(purl);
	return 0;
}

/* One entry per component: what it depends on (installed language packages, modules). */
static void write_dependencies(struct cdx *o)
{
	sg_gojson *j = &o->j;
	const sg_catalog *c = o->c;
	size_t i, k;

	sg_gojson_key(j, "dependencies");
	sg_gojson_arr_open(j);
	sg_gojson_obj_open(j);
	kv(j, "ref", "SPDXRef-Image");
	sg_gojson_obj_close(j);
	if (c->os.found) {
		sg_gojson_obj_open(j);
		kv(j, "ref", "SPDXRef-OperatingSystem");
		sg_gojson_obj_close(j);
	}
	for (i = 0; i < c->npkgs; i++) {
		int open = 0;

		sg_gojson_obj_open(j);
		for (k = 0; k < c->npkgs; k++) { /* owned language packages, in catalog order */
			if (c->pkgs[k].owner != i + 1)
				continue;
			if (!open++) {
				sg_gojson_key(j, "dependsOn");
				sg_gojson_arr_open(j);
			}
			sg_sbom_jstr(j, o->refs[k]);
		}
		for (k = 0; k < c->pkgs[i].ndeps; k++) {
			if (c->pkgs[i].deps[k] >= c->npkgs)
				continue;
			if (!open++) {
				sg_gojson_key(j, "dependsOn");
				sg_gojson_arr_open(j);
			}
			sg_sbom_jstr(j, o->refs[c->pkgs[i].deps[k]]);
		}
		if (open)
			sg_gojson_arr_close(j);
		kv(j, "ref", o->refs[i]);
		sg_gojson_obj_close(j);
	}
	sg_gojson_arr_close(j);
}

static int write_doc(struct cdx *o, const char *serial)
{
	sg_gojson *j = &o->j;
	size_t i;
	int err;

	sg_gojson_obj_open(j);
	kv(j, "$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
	kv(j, "bomFormat", "CycloneDX");
	kv(j, "specVersion", "1.6");
	kv(j, "serialNumber", serial);
	sg_gojson_key(j, "version");
	sg_gojson_int(j, 1);
	if ((err = write_metadata(o)) < 0)
		return err;
	sg_gojson_key(j, "components");
	sg_gojson_arr_open(j);
	if (o->c->os.found)
		write_os(o);
	for (i = 0; i < o->c->npkgs; i++)
		if ((err = write_pkg(o, i)) < 0)
			return err;
	sg_gojson_arr_close(j);
	write_dependencies(o);
	sg_gojson_obj_close(j);
	if (!j->err && sg_buf_puts(j->out, "\n") < 0)
		j->err = SG_ETOOBIG;
	return 0;
}

int sg_cdx_write(sg_buf *out, const sg_sbom_image *img, const sg_catalog *c,
		 const char *created, sg_error *e)
{
	struct cdx o;
	char uuid[37], serial[64];
	size_t i;
	int err;

	memset(&o, 0, sizeof(o));
	o.img = img;
	o.c = c;
	o.created = created;
	sg_gojson_init(&o.j, out);
	if (sg_sbom_uuid(uuid, img, img->all_layers ? "\ncyclonedx\nall-layers" : "\ncyclonedx") < 0 ||
	    (c->npkgs && !(o.refs = calloc(c->npkgs, sizeof(*o.refs))))) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	snprintf(serial, sizeof(serial), "urn:uuid:%s", uuid);
	for (i = 0; i < c->npkgs; i++)
		if (!(o.refs[i] = sg_sbom_pkg_ref(&c->pkgs[i]))) {
			err = sg_err(e, SG_ERROR, "out of memory");
			goto done;
		}
	if ((err = write_doc(&o, serial)) < 0) {
		err = sg_err(e, SG_ERROR, "out of memory");
		goto done;
	}
	if (o.j.err) {
		err = sg_err(e, o.j.err == SG_ETOOBIG ? SG_ETOOBIG : SG_ERROR,
			     "the CycloneDX document is over %zu bytes", out->max);
		goto done;
	}
	err = 0;
done:
	if (o.refs)
		sg_strv_free(o.refs, c->npkgs);
	return err;
}
