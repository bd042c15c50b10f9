/* Sorting, merging duplicates and flagging. Each compile unit that uses a
 * state machine describes it again, so one async fn shows up once per unit;
 * copies agree on name, size and source and are merged into one row. A
 * generic async fn has one state machine per instantiation and may keep
 * several rows of different sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "futures/rank.h"

void futures_policy_explain(struct futures_policy *p, const char *v)
{
	unsigned major = 0, minor = 0;

	/* Tokio >= 1.41 (tokio#6826) boxes futures over 16 KiB in release
	 * builds (2 KiB in debug builds) in spawn, block_on and friends.
	 * Earlier 1.x boxed only in debug builds, only in spawn, over 2 KiB. */
	if (!v || !v[0])
		p->tokio_note = "not found in DWARF; Tokio >= 1.41 boxes futures over 16 KiB "
				"when spawning (release builds)";
	else if (sscanf(v, "%u.%u", &major, &minor) != 2)
		p->tokio_note = "version unknown (no tokio-X.Y in DWARF paths); Tokio >= 1.41 "
				"boxes futures over 16 KiB when spawning, older versions never do "
				"in release builds";
	else if (major == 1 && minor < 41)
		p->tokio_note = "this Tokio never boxes futures in release builds (only debug builds, "
				"over 2 KiB, in spawn); 16 KiB is what Tokio >= 1.41 boxes above";
	else
		p->tokio_note = "this Tokio boxes futures over 16 KiB (2 KiB in debug builds) in "
				"spawn and block_on, after they were built on the caller's stack";
}

static int by_size_then_name(const void *a, const void *b)
{
	const struct future_type *x = a, *y = b;
	int c;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->file ? x->file : "", y->file ? y->file : "");
}

static bool same_type(const struct future_type *x, const struct future_type *y)
{
	return x->size == y->size && strcmp(x->name, y->name) == 0 && x->line == y->line &&
	       strcmp(x->file ? x->file : "", y->file ? y->file : "") == 0;
}

size_t futures_rank(struct future_list *l, const struct futures_policy *p)
{
	size_t out = 0;

	qsort(l->v, l->n, sizeof(*l->v), by_size_then_name);
	for (size_t i = 0; i < l->n; i++) {
		if (out && same_type(&l->v[out - 1], &l->v[i])) {
			l->v[out - 1].copies++;
			free(l->v[i].name);
			free(l->v[i].file);
			continue;
		}
		l->v[out++] = l->v[i];
	}
	l->n = out;
	for (size_t i = 0; i < l->n; i++) {
		struct future_type *f = &l->v[i];

		f->flags = 0;
		if (f->size > p->box_threshold)
			f->flags |= FUTURE_F_BIG;
		/* size/stack >= percent/100, without overflow or rounding */
		if (p->stack_size && (double)f->size * 100 >= (double)p->stack_size * p->stack_percent)
			f->flags |= FUTURE_F_STACK;
	}
	return l->n;
}

struct futures_counts futures_count(const struct future_list *l)
{
	struct futures_counts c = {};

	for (size_t i = 0; i < l->n; i++) {
		c.big += !!(l->v[i].flags & FUTURE_F_BIG);
		c.stack += !!(l->v[i].flags & FUTURE_F_STACK);
	}
	return c;
}
