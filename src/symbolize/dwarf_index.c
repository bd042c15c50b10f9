/* See dwarf_index.h for why this exists. Ranges starting at 0 are skipped:
 * the linker resolves code it garbage-collected to 0 ("tombstones") and no
 * function of an executable or shared object lives at address 0. */
#include <dwarf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_index.h"

struct range {
	uint64_t lo, hi;
	Dwarf_Off off; /* DIE offset: CU DIE or subprogram DIE */
};

struct range_vec {
	struct range *v;
	size_t n, cap;
};

struct cu_fns {
	Dwarf_Off cu_off;
	bool built;
	struct range_vec fns;
};

struct bw_dwarf_index {
	Dwarf *dw;
	struct range_vec cus;   /* sorted by lo */
	struct cu_fns *cu_tab;  /* one per CU, in CU order */
	size_t ncu;
};

static int push(struct range_vec *rv, uint64_t lo, uint64_t hi, Dwarf_Off off)
{
	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 64;
		struct range *v = realloc(rv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rv->v = v;
		rv->cap = cap;
	}
	rv->v[rv->n++] = (struct range){ lo, hi, off };
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void add_die_ranges(struct range_vec *rv, Dwarf_Die *die, Dwarf_Off off)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t it = 0;

	while ((it = dwarf_ranges(die, it, &base, &lo, &hi)) > 0)
		if (lo != 0 && hi > lo)
			push(rv, lo, hi, off);
}

struct bw_dwarf_index *dwarf_index__new(Dwarf *dw)
{
	struct bw_dwarf_index *idx = calloc(1, sizeof(*idx));
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;

	if (!idx)
		return NULL;
	idx->dw = dw;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu)) {
			if (idx->ncu == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct cu_fns *t = realloc(idx->cu_tab, ncap * sizeof(*t));

				if (!t)
					break;
				idx->cu_tab = t;
				cap = ncap;
			}
			idx->cu_tab[idx->ncu] = (struct cu_fns){ .cu_off = off + hsize };
			/* For CU ranges, range.off is the index into cu_tab. */
			add_die_ranges(&idx->cus, &cu, idx->ncu);
			idx->ncu++;
		}
		off = next;
	}
	if (idx->cus.n)
		qsort(idx->cus.v, idx->cus.n, sizeof(struct range), cmp_range);
	return idx;
}

void dwarf_index__free(struct bw_dwarf_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->ncu; i++)
		free(idx->cu_tab[i].fns.v);
	free(idx->cu_tab);
	free(idx->cus.v);
	free(idx);
}

/* Concrete functions of a CU: subprograms with addresses, found at any
 * depth of namespaces/types but not inside other functions (skipping
 * function bodies keeps the walk to a small part of the CU). */
#define MAX_DIE_DEPTH 128 /* Rust nests a few levels; a crafted file, any */

static void collect_fns(Dwarf_Die *parent, struct range_vec *out, int depth)
{
	Dwarf_Off prev = 0;
	Dwarf_Die child;

	if (depth >= MAX_DIE_DEPTH || dwarf_child(parent, &child) != 0)
		return;
	do {
		/* siblings only move forward: a crafted DW_AT_sibling cannot loop */
		if (dwarf_dieoffset(&child) <= prev)
			break;
		prev = dwarf_dieoffset(&child);
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			add_die_ranges(out, &child, dwarf_dieoffset(&child));
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
		case DW_TAG_enumeration_type:
		case DW_TAG_variant_part:
		case DW_TAG_variant:
			collect_fns(&child, out, depth + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static const struct range *find(const struct range_vec *rv, uint64_t addr, size_t *pos)
{
	size_t lo = 0, hi = rv->n;

	/* last range with lo <= addr */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (rv->v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges can nest or overlap (CUs); look back a little. */
	for (size_t i = lo, k = 0; i > 0 && k < 64; i--, k++) {
		const struct range *r = &rv->v[i - 1];

		if (addr < r->hi) {
			if (pos)
				*pos = i - 1;
			return r;
		}
	}
	return NULL;
}

static const struct range *find_fn(struct bw_dwarf_index *idx, struct cu_fns *cf, uint64_t addr)
{
	if (!cf->built) {
		Dwarf_Die cu;

		cf->built = true;
		if (dwarf_offdie(idx->dw, cf->cu_off, &cu)) {
			collect_fns(&cu, &cf->fns, 0);
			if (cf->fns.n)
				qsort(cf->fns.v, cf->fns.n, sizeof(struct range), cmp_range);
		}
	}
	return find(&cf->fns, addr, NULL);
}

int dwarf_index__lookup(struct bw_dwarf_index *idx, uint64_t addr, Dwarf_Die *cu, Dwarf_Die *fn)
{
	const struct range *r, *first = NULL;
	size_t pos;

	if (!idx)
		return 0;
	r = find(&idx->cus, addr, &pos);
	if (!r)
		return 0;
	/* Several CUs may claim the address (overlapping or bogus ranges):
	 * prefer one that has a function there. */
	for (size_t i = pos + 1; i > 0; i--) {
		const struct range *c = &idx->cus.v[i - 1];
		struct cu_fns *cf;
		const struct range *f;

		if (addr >= c->hi)
			continue;
		if (!first)
			first = c;
		cf = &idx->cu_tab[c->off];
		f = find_fn(idx, cf, addr);
		if (f && dwarf_offdie(idx->dw, cf->cu_off, cu) && dwarf_offdie(idx->dw, f->off, fn))
			return 2;
		if (pos + 1 - i >= 16)
			break;
	}
	return dwarf_offdie(idx->dw, idx->cu_tab[first->off].cu_off, cu) ? 1 : 0;
}

static bool has_scopes(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_try_block || tag == DW_TAG_catch_block || tag == DW_TAG_with_stmt;
}

int dwarf_index__inline_chain(Dwarf_Die *fn, uint64_t addr, Dwarf_Die *chain, int max)
{
	Dwarf_Die scope = *fn, child;
	int n = 0;

	for (;;) {
		Dwarf_Off prev = dwarf_dieoffset(&scope);
		bool found = false;

		if (dwarf_child(&scope, &child) != 0)
			break;
		do {
			if (dwarf_dieoffset(&child) <= prev) /* crafted sibling loop */
				break;
			prev = dwarf_dieoffset(&child);
			if (has_scopes(dwarf_tag(&child)) && dwarf_haspc(&child, addr) == 1) {
				found = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
		if (dwarf_tag(&child) == DW_TAG_inlined_subroutine && n < max)
			chain[n++] = child;
		scope = child;
	}
	return n;
}
