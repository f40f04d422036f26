/* --scope all-layers (catalog.h): the packages of every layer's view, each once.
 *
 * generate.c runs the catalogers after each layer that wrote evidence (a package database,
 * METADATA, package.json, a binary), on the walker's tree as it stands then: the squashed
 * filesystem up to that layer, as syft's all-layers resolver sees each layer's squash. The
 * packages not seen in an earlier view are kept here with their files as that view had
 * them (sg_fseen), so a package a later layer deleted still lists its files. Memory: one
 * record per distinct package, never a layer's content; layers are still read once.
 *
 * Identity (sbom.md §1.1: syft merges packages whose ID ignores the layer; §7.8): type,
 * purl (name and version when there is none) and evidence path. The first view that has a
 * package is the lowest layer that does, so later views only lower nothing; the final
 * view's record wins over an earlier one (its second pass read what symlinks hide), with
 * the lowest layers of both. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "err.h"
#include "banned.h"

struct slot {
	char *key;
	size_t pkg;     /* index in the catalog the set is for */
	size_t view;    /* the sg_layers_add call that added it */
};

struct set {
	struct slot *tab; /* open addressing, power-of-two size */
	size_t cap, n;
};

struct sg_layers {
	sg_catalog acc;   /* packages (not sorted) and LicenseRefs of the views so far */
	struct set keys;  /* key -> index in acc */
	size_t views;
};

/* "type\npurl\nevidence", or with name@version for a package without a purl. Owned. */
static char *pkg_key(const sg_pkg *p)
{
	const char *ev = p->nevidence ? p->evidence[0] : "";

	if (p->purl)
		return sg_strprintf("%s\n%s\n%s", p->type, p->purl, ev);
	return sg_strprintf("%s\n%s@%s\n%s", p->type, p->name, p->version ? p->version : "", ev);
}

static struct slot *set_slot(const struct set *s, const char *key)
{
	size_t i = (size_t)sg_fnv1a(key, strlen(key)) & (s->cap - 1);

	while (s->tab[i].key && strcmp(s->tab[i].key, key))
		i = (i + 1) & (s->cap - 1);
	return &s->tab[i];
}

static void set_release(struct set *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->tab[i].key);
	free(s->tab);
	memset(s, 0, sizeof(*s));
}

/* Room for one more key. */
static int set_reserve(struct set *s)
{
	struct set bigger = { NULL, s->cap ? s->cap * 2 : 256, 0 };
	size_t i;

	if ((s->n + 1) * 2 <= s->cap)
		return 0;
	if (!(bigger.tab = calloc(bigger.cap, sizeof(*bigger.tab))))
		return SG_ERROR;
	for (i = 0; i < s->cap; i++)
		if (s->tab[i].key)
			*set_slot(&bigger, s->tab[i].key) = s->tab[i];
	free(s->tab);
	s->tab = bigger.tab;
	s->cap = bigger.cap;
	return 0;
}

/* The slot for p's key; a new one (key owned by the set) when absent. */
static int set_find(struct slot **out, struct set *s, const sg_pkg *p)
{
	char *key = pkg_key(p);
	struct slot *sl;

	*out = NULL;
	if (!key || set_reserve(s) < 0) {
		free(key);
		return SG_ERROR;
	}
	sl = set_slot(s, key);
	if (sl->key)
		free(key);
	else {
		sl->key = key;
		sl->pkg = SIZE_MAX;
		s->n++;
	}
	*out = sl;
	return 0;
}

int sg_layers_new(sg_layers **out, sg_error *e)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return sg_err(e, SG_ERROR, "out of memory");
	return 0;
}

void sg_layers_free(sg_layers *l)
{
	if (!l)
		return;
	sg_catalog_release(&l->acc);
	set_release(&l->keys);
	free(l);
}

/* Each file of p as w shows it now. */
static int seen_files(sg_pkg *p, const sg_walker *w)
{
	sg_error le = { 0 };
	sg_wstat st;
	sg_fseen *f;
	size_t i;
	int r;

	for (i = 0; i < p->nfiles; i++) {
		if (!(f = calloc(1, sizeof(*f))))
			return SG_ERROR;
		p->files[i].seen = f;
		sg_error_clear(&le);
		if ((r = sg_walker_stat(w, p->files[i].path, 1, &st, NULL, &le)) == SG_ERROR)
			return SG_ERROR;
		f->found = r == 0 && st.type == SG_WT_FILE;
		if (!f->found)
			continue;
		f->hashed = st.hashed;
		f->layer = st.layer;
		memcpy(f->sha1, st.sha1, sizeof(f->sha1));
		memcpy(f->sha256, st.sha256, sizeof(f->sha256));
	}
	return 0;
}

/* Adds the LicenseRefs of from that to lacks (by id), taking them. */
static int take_refs(sg_catalog *to, sg_catalog *from)
{
	sg_licref *grown;
	size_t i, k;

	for (i = 0; i < from->nrefs; i++) {
		for (k = 0; k < to->nrefs && strcmp(to->refs[k].id, from->refs[i].id); k++)
			;
		if (k < to->nrefs)
			continue;
		if (!(grown = realloc(to->refs, (to->nrefs + 1) * sizeof(*grown))))
			return SG_ERROR;
		to->refs = grown;
		to->refs[to->nrefs++] = from->refs[i];
		memset(&from->refs[i], 0, sizeof(from->refs[i]));
	}
	return 0;
}

/* Indices of moved packages' deps and owner, from c's numbering to the new one (map). */
static void renumber(sg_pkg *p, const size_t *map)
{
	size_t k;

	if (p->owner)
		p->owner = map[p->owner - 1] + 1;
	for (k = 0; k < p->ndeps; k++)
		p->deps[k] = map[p->deps[k]];
}

/* Moves c->pkgs[i] to the end of to. */
static int move_pkg(sg_catalog *to, sg_catalog *c, size_t i)
{
	sg_pkg *grown = realloc(to->pkgs, (to->npkgs + 1) * sizeof(*grown));

	if (!grown)
		return SG_ERROR;
	to->pkgs = grown;
	to->pkgs[to->npkgs++] = c->pkgs[i];
	memset(&c->pkgs[i], 0, sizeof(c->pkgs[i]));
	return 0;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

int sg_layers_add(sg_layers *l, sg_catalog *c, const sg_walker *w, sg_error *e)
{
	size_t *map = NULL, first = l->acc.npkgs, i;
	struct slot *sl;
	sg_pkg *old;
	int err = SG_ERROR;

	l->views++;
	if (c->npkgs && !(map = calloc(c->npkgs, sizeof(*map))))
		goto done;
	for (i = 0; i < c->npkgs; i++) {
		if (set_find(&sl, &l->keys, &c->pkgs[i]) < 0)
			goto done;
		if (sl->pkg != SIZE_MAX && sl->view != l->views) { /* seen in an earlier view */
			old = &l->acc.pkgs[sl->pkg];
			old->evidence_layer = min_size(old->evidence_layer, c->pkgs[i].evidence_layer);
			old->introduced_layer = min_size(old->introduced_layer,
							 c->pkgs[i].introduced_layer);
			map[i] = sl->pkg;
			continue;
		}
		if (sl->pkg == SIZE_MAX) { /* twins within one view (no purl) all stay */
			sl->pkg = l->acc.npkgs;
			sl->view = l->views;
		}
		map[i] = l->acc.npkgs;
		if (seen_files(&c->pkgs[i], w) < 0 || move_pkg(&l->acc, c, i) < 0)
			goto done;
	}
	for (i = first; i < l->acc.npkgs; i++)
		renumber(&l->acc.pkgs[i], map);
	if (take_refs(&l->acc, c) < 0)
		goto done;
	err = 0;
done:
	free(map);
	return err < 0 ? sg_err(e, SG_ERROR, "out of memory") : 0;
}

int sg_layers_merge(sg_layers *l, sg_catalog *c, sg_error *e)
{
	struct set final = { NULL, 0, 0 };
	size_t *map = NULL, first = c->npkgs, i;
	struct slot *sl;
	sg_pkg *a;
	int err = SG_ERROR;

	if (l->acc.npkgs && !(map = calloc(l->acc.npkgs, sizeof(*map))))
		goto done;
	for (i = 0; i < c->npkgs; i++) {
		if (set_find(&sl, &final, &c->pkgs[i]) < 0)
			goto done;
		if (sl->pkg == SIZE_MAX)
			sl->pkg = i;
	}
	for (i = 0; i < l->acc.npkgs; i++) {
		a = &l->acc.pkgs[i];
		if (set_find(&sl, &final, a) < 0)
			goto done;
		if (sl->pkg != SIZE_MAX && sl->pkg < first) { /* in the final filesystem */
			sg_pkg *f = &c->pkgs[sl->pkg];

			f->evidence_layer = min_size(f->evidence_layer, a->evidence_layer);
			f->introduced_layer = min_size(f->introduced_layer, a->introduced_layer);
			map[i] = sl->pkg;
			continue;
		}
		map[i] = c->npkgs;
		a->hidden = 1;
		if (move_pkg(c, &l->acc, i) < 0)
			goto done;
	}
	for (i = first; i < c->npkgs; i++)
		renumber(&c->pkgs[i], map);
	if (take_refs(c, &l->acc) < 0)
		goto done;
	err = 0;
done:
	set_release(&final);
	free(map);
	if (err < 0)
		return sg_err(e, SG_ERROR, "out of memory");
	return sg_catalog_sort(c, e);
}
