#include "aggregate/callsites.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/latency.h"
#include "ingest/syscall_names.h"
#include "symbolize/rust_names.h"
#include "util/array.h"
#include "util/strmap.h"

/* Past this many distinct holders per callsite, new ones are not tracked. */
#define MAX_TRACKED_HOLDERS 32

struct callsite {
	struct bw_snap_callsite info; /* strings and stack owned here */
	struct latency all, recent;
	struct bw_snap_holder holders[MAX_TRACKED_HOLDERS];
	int nholders;
};

struct callsites {
	struct strmap *by_key;
	struct callsite **list;
	int n, cap;
	bool by_process; /* a callsite per process too (serve labels by service) */
};

struct callsites *callsites__new(void)
{
	struct callsites *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->by_key = strmap__new();
	if (!cs->by_key) {
		free(cs);
		return NULL;
	}
	return cs;
}

static void free_frames(struct bw_snap_frame *f, int n)
{
	for (int i = 0; i < n; i++) {
		free(f[i].function);
		free(f[i].symbol);
		free(f[i].file);
		free(f[i].module);
	}
	free(f);
}

static void callsite_free(struct callsite *c)
{
	struct bw_snap_callsite *i = &c->info;

	free(i->function);
	free(i->symbol);
	free(i->file);
	free(i->blocking_api);
	free(i->category);
	free(i->syscall);
	free(i->drop_type);
	free(i->drop_why);
	free_frames(i->stack, i->nstack);
	for (int h = 0; h < c->nholders; h++) {
		free(c->holders[h].thread);
		free(c->holders[h].where);
	}
	latency__release(&c->all);
	latency__release(&c->recent);
	free(c);
}

void callsites__split_by_process(struct callsites *cs)
{
	cs->by_process = true;
}

void callsites__clear(struct callsites *cs)
{
	for (int i = 0; i < cs->n; i++)
		callsite_free(cs->list[i]);
	cs->n = 0;
	strmap__free(cs->by_key);
	cs->by_key = strmap__new();
}

void callsites__free(struct callsites *cs)
{
	if (!cs)
		return;
	callsites__clear(cs);
	strmap__free(cs->by_key);
	free(cs->list);
	free(cs);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* When blame found no user frame (stripped binary), name the callsite by the
 * first frame outside system libraries: module+offset still tells code apart. */
static const struct bw_frame *fallback_frame(const struct bw_frame *f, int n)
{
	for (int i = 0; i < n; i++) {
		const char *m = f[i].module;

		if (!m)
			continue;
		if (strstr(m, "/libc.so") || strstr(m, "/libc-") || strstr(m, "/ld-linux") ||
		    strstr(m, "/libpthread") || strstr(m, "[vdso]"))
			continue;
		return &f[i];
	}
	return n ? &f[0] : NULL;
}

/* The name users read (symbolize/rust_names.h): "f (async fn)". */
static void frame_name(const struct bw_frame *f, char *buf, size_t len)
{
	char tmp[512];

	snprintf(buf, len, "%s", f ? frame_display_name(f, tmp, sizeof(tmp)) : "[unknown]");
}

static const struct bw_frame *callsite_frame(const struct bw_frame *frames, int n,
					     const struct blame_result *b)
{
	if (b && b->callsite_frame >= 0 && b->callsite_frame < n)
		return &frames[b->callsite_frame];
	return fallback_frame(frames, n);
}

char *callsites__describe(const struct bw_frame *frames, int nframes,
			  const struct blame_result *blame)
{
	const struct bw_frame *f = callsite_frame(frames, nframes, blame);
	char name[512], *out = NULL;

	frame_name(f, name, sizeof(name));
	if (f && f->file && f->line > 0) {
		const char *base = strrchr(f->file, '/');

		if (asprintf(&out, "%s (%s:%d)", name, base ? base + 1 : f->file, f->line) < 0)
			return NULL;
		return out;
	}
	return strdup(name);
}

static int copy_stack(struct bw_snap_callsite *info, const struct bw_frame *f, int n)
{
	info->stack = calloc(n ? n : 1, sizeof(*info->stack));
	if (!info->stack)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct bw_snap_frame *s = &info->stack[i];
		char name[512];

		frame_name(&f[i], name, sizeof(name));
		s->function = strdup(name);
		s->symbol = dup_or_null(f[i].function);
		s->file = dup_or_null(f[i].file);
		s->line = f[i].line;
		s->inlined = f[i].inlined;
		s->module = dup_or_null(f[i].module);
		s->module_offset = f[i].module_offset;
	}
	info->nstack = n;
	return 0;
}

static struct callsite *create(struct callsites *cs, const char *key,
			       const struct blocked_interval *iv)
{
	const struct blame_result *b = iv->blame;
	const struct bw_frame *f = callsite_frame(iv->frames, iv->nframes, b);
	struct callsite *c = calloc(1, sizeof(*c));
	char name[512];

	if (!c)
		return NULL;
	frame_name(f, name, sizeof(name));
	c->info.pid = cs->by_process ? iv->pid : 0;
	c->info.function = strdup(name);
	c->info.symbol = dup_or_null(f ? f->function : NULL);
	c->info.file = dup_or_null(f ? f->file : NULL);
	c->info.line = f ? f->line : 0;
	c->info.blocking_api = strdup(b && b->blocking_api ? b->blocking_api : "unknown");
	c->info.category = strdup(iv->category_name ? iv->category_name
						    : bw_category__name(b ? b->category : BW_CAT_OTHER));
	c->info.syscall = strdup(syscall_name(iv->syscall_nr));
	c->info.drop_type = dup_or_null(b ? b->drop_type : NULL);
	c->info.drop_why = dup_or_null(b ? b->drop_why : NULL);
	if (copy_stack(&c->info, iv->frames, iv->nframes) < 0) {
		callsite_free(c);
		return NULL;
	}
	if (array_grow((void **)&cs->list, cs->n, &cs->cap, sizeof(*cs->list))) {
		callsite_free(c);
		return NULL;
	}
	if (strmap__put(cs->by_key, key, c) < 0) {
		callsite_free(c);
		return NULL;
	}
	cs->list[cs->n++] = c;
	return c;
}

static void add_holder(struct callsite *c, const char *thread, const char *where)
{
	struct bw_snap_holder *h;

	for (int i = 0; i < c->nholders; i++) {
		h = &c->holders[i];
		if (strcmp(h->thread, thread) == 0 && strcmp(h->where, where) == 0) {
			h->count++;
			return;
		}
	}
	if (c->nholders == MAX_TRACKED_HOLDERS)
		return;
	h = &c->holders[c->nholders];
	h->thread = strdup(thread);
	h->where = strdup(where);
	if (!h->thread || !h->where) {
		free(h->thread);
		free(h->where);
		return;
	}
	h->count = 1;
	c->nholders++;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct bw_snap_holder *x = a, *y = b;

	return (x->count < y->count) - (x->count > y->count);
}

/* The most frequent holders into the snapshot (copies). */
static void top_holders(const struct callsite *c, struct bw_snap_callsite *o)
{
	struct bw_snap_holder sorted[MAX_TRACKED_HOLDERS];

	memcpy(sorted, c->holders, c->nholders * sizeof(sorted[0]));
	qsort(sorted, c->nholders, sizeof(sorted[0]), by_count_desc);
	o->nholders = 0;
	for (int i = 0; i < c->nholders && i < BW_MAX_HOLDERS; i++) {
		o->holders[i].thread = strdup(sorted[i].thread);
		o->holders[i].where = strdup(sorted[i].where);
		o->holders[i].count = sorted[i].count;
		o->nholders++;
	}
}

int callsites__add(struct callsites *cs, const struct blocked_interval *iv)
{
	const struct blame_result *b = iv->blame;
	const struct bw_frame *f = callsite_frame(iv->frames, iv->nframes, b);
	struct callsite *c;
	char name[512], key[1400];

	frame_name(f, name, sizeof(name));
	snprintf(key, sizeof(key), "%d|%d|%s|%s|%s|%d|%s", cs->by_process ? iv->pid : 0,
		 b ? (int)b->category : 0,
		 b && b->blocking_api ? b->blocking_api : "", name,
		 f && f->file ? f->file : "", f ? f->line : 0, syscall_name(iv->syscall_nr));
	c = strmap__get(cs->by_key, key);
	if (!c)
		c = create(cs, key, iv);
	if (!c)
		return -ENOMEM;
	latency__add(&c->all, iv->blocked_ns);
	latency__add(&c->recent, iv->blocked_ns);
	c->info.last_seen_ns = iv->ts_ns;
	if (iv->holder_thread && iv->holder_where)
		add_holder(c, iv->holder_thread, iv->holder_where);
	return 0;
}

void callsites__roll_recent(struct callsites *cs)
{
	for (int i = 0; i < cs->n; i++)
		latency__reset(&cs->list[i]->recent);
}

static struct bw_snap_frame *dup_frames(const struct bw_snap_frame *f, int n)
{
	struct bw_snap_frame *out = calloc(n ? n : 1, sizeof(*out));

	if (!out)
		return NULL;
	for (int i = 0; i < n; i++) {
		out[i] = f[i];
		out[i].function = dup_or_null(f[i].function);
		out[i].symbol = dup_or_null(f[i].symbol);
		out[i].file = dup_or_null(f[i].file);
		out[i].module = dup_or_null(f[i].module);
	}
	return out;
}

static int by_total_desc(const void *a, const void *b)
{
	const struct bw_snap_callsite *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	return (x->count < y->count) - (x->count > y->count);
}

int callsites__snapshot(const struct callsites *cs, struct bw_snapshot *snap)
{
	return callsites__snapshot_into(cs, &snap->callsites, &snap->ncallsites);
}

int callsites__snapshot_into(const struct callsites *cs, struct bw_snap_callsite **res, int *nres)
{
	struct bw_snap_callsite *out = calloc(cs->n ? cs->n : 1, sizeof(*out));

	if (!out)
		return -ENOMEM;
	for (int i = 0; i < cs->n; i++) {
		const struct callsite *c = cs->list[i];
		struct bw_snap_callsite *o = &out[i];

		*o = c->info;
		o->function = dup_or_null(c->info.function);
		o->symbol = dup_or_null(c->info.symbol);
		o->file = dup_or_null(c->info.file);
		o->blocking_api = dup_or_null(c->info.blocking_api);
		o->category = dup_or_null(c->info.category);
		o->syscall = dup_or_null(c->info.syscall);
		o->drop_type = dup_or_null(c->info.drop_type);
		o->drop_why = dup_or_null(c->info.drop_why);
		o->stack = dup_frames(c->info.stack, c->info.nstack);
		o->count = c->all.count;
		o->total_ns = c->all.total_ns;
		o->max_ns = c->all.max_ns;
		o->p50_ns = latency__quantile(&c->all, 0.50);
		o->p99_ns = latency__quantile(&c->all, 0.99);
		memcpy(o->hist, c->all.hist, sizeof(o->hist));
		o->recent_count = c->recent.count;
		o->recent_total_ns = c->recent.total_ns;
		top_holders(c, o);
	}
	if (cs->n)
		qsort(out, cs->n, sizeof(*out), by_total_desc);
	*res = out;
	*nres = cs->n;
	return 0;
}
