/* Building the dashboard's rows from consecutive snapshots (see view.h). */
#include "top/view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top/fmt.h"
#include "util/strmap.h"

const char *top_sort__name(enum top_sort s)
{
	static const char *const names[TOP_SORT_NR] = { "total", "count", "p99", "max", "recent" };

	return (unsigned)s < TOP_SORT_NR ? names[s] : "?";
}

const char *top_callsite__where(const struct bw_snap_callsite *c, char *buf, int len)
{
	const char *base = c->file ? strrchr(c->file, '/') : NULL;

	base = base ? base + 1 : c->file;
	if (base && c->line > 0)
		snprintf(buf, len, "%s:%d", base, c->line);
	else
		snprintf(buf, len, "%s", base ? base : "?");
	return buf;
}

void top_callsite__key(const struct bw_snap_callsite *c, char *buf, int len)
{
	snprintf(buf, len, "%s|%s|%d|%s|%s|%s", c->function ? c->function : "", c->file ? c->file : "",
		 c->line, c->blocking_api ? c->blocking_api : "", c->category ? c->category : "",
		 c->syscall ? c->syscall : "");
}

/* Which counters mean "events we never saw" vs "frames we could not name";
 * everything else (unwind stops, empty stacks...) is counted as other. */
static void sum_counters(struct top_view *v)
{
	static const char *const lost_reasons[] = { "ringbuf_full", "threads_map_full",
						    "bad_ring_buffer_record", "events_of_unknown_process",
						    "bpf_runs_skipped" };
	const struct bw_snapshot *s = v->snap;

	v->lost = v->unresolved = v->other_issues = 0;
	for (int i = 0; i < s->nlost; i++) {
		const struct bw_snap_counter *c = &s->lost[i];
		bool lost = false;

		for (size_t k = 0; k < sizeof(lost_reasons) / sizeof(lost_reasons[0]); k++)
			lost |= c->reason && strcmp(c->reason, lost_reasons[k]) == 0;
		if (lost)
			v->lost += c->count;
		else if (c->reason && strcmp(c->reason, "unresolved_frames") == 0)
			v->unresolved += c->count;
		else
			v->other_issues += c->count;
	}
}

static const struct bw_snap_thread *prev_thread(const struct bw_snapshot *prev, pid_t tid)
{
	for (int i = 0; prev && i < prev->nthreads; i++)
		if (prev->threads[i].tid == tid && !prev->threads[i].exited)
			return &prev->threads[i];
	return NULL;
}

/* Stuck workers first (longest first), then by pid and tid: the rows that
 * need attention must survive when only a few fit. */
static int worker_cmp(const void *a, const void *b)
{
	const struct bw_snap_thread *x = ((const struct top_worker *)a)->th;
	const struct bw_snap_thread *y = ((const struct top_worker *)b)->th;

	if (x->stuck != y->stuck)
		return x->stuck ? -1 : 1;
	if (x->stuck && x->stuck_ns != y->stuck_ns)
		return x->stuck_ns > y->stuck_ns ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int build_workers(struct top_view *v)
{
	const struct bw_snapshot *s = v->snap;
	struct top_worker *w = calloc(s->nthreads ? s->nthreads : 1, sizeof(*w));
	int n = 0;

	if (!w)
		return -ENOMEM;
	for (int i = 0; i < s->nthreads; i++) {
		const struct bw_snap_thread *th = &s->threads[i];
		const struct bw_snap_thread *old;

		if (th->exited || th->role != BW_ROLE_WORKER)
			continue;
		old = prev_thread(v->prev, th->tid);
		w[n].th = th;
		for (int st = 0; st < BW_STATE_COUNT; st++) {
			uint64_t base = old ? old->time_ns[st] : 0;

			/* times include the state in progress, estimated from a
			 * map read up to 200ms old, so they can step back a little */
			w[n].interval_ns[st] = th->time_ns[st] > base ? th->time_ns[st] - base : 0;
		}
		n++;
	}
	qsort(w, n, sizeof(*w), worker_cmp);
	free(v->workers);
	v->workers = w;
	v->nworkers = v->nworkers_total = n;
	return 0;
}

int top_view__update(struct top_view *v, struct bw_snapshot *snap)
{
	snapshot__free(v->prev);
	v->prev = v->snap;
	v->snap = snap;
	/* the pair (pre-clear, post-clear) has no usable callsite baseline */
	v->forget_prev_callsites = v->clear_pending;
	v->clear_pending = false;
	if (v->prev && snap->now_ns > v->prev->now_ns) {
		v->interval_ns = snap->now_ns - v->prev->now_ns;
		v->events_per_s = (double)(snap->events_total - v->prev->events_total) * 1e9 /
				  (double)v->interval_ns;
	} else {
		v->interval_ns = snap->now_ns - snap->start_ns;
		v->events_per_s = v->interval_ns ? (double)snap->events_total * 1e9 / (double)v->interval_ns : 0;
	}
	sum_counters(v);
	return build_workers(v);
}

void top_view__forget_callsites(struct top_view *v)
{
	v->clear_pending = true;
}

static bool matches(const struct bw_snap_callsite *c, const char *filter)
{
	char where[256];
	const char *fields[] = { c->function, c->blocking_api, c->category, c->syscall, c->file };

	if (!filter || !filter[0])
		return true;
	if (strcasestr(top_callsite__where(c, where, sizeof(where)), filter))
		return true;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] && strcasestr(fields[i], filter))
			return true;
	return false;
}

static uint64_t sort_value(const struct top_callsite *c, enum top_sort sort)
{
	switch (sort) {
	case TOP_SORT_COUNT: return c->count;
	case TOP_SORT_P99: return c->p99_ns;
	case TOP_SORT_MAX: return c->max_ns;
	case TOP_SORT_RECENT: return c->recent_total_ns;
	default: return c->total_ns;
	}
}

static int callsite_cmp(const void *a, const void *b, void *ctx)
{
	const struct top_callsite *x = a, *y = b;
	enum top_sort sort = *(const enum top_sort *)ctx;
	uint64_t vx = sort_value(x, sort), vy = sort_value(y, sort);

	if (vx != vy)
		return vx > vy ? -1 : 1;
	/* ties by total, then by position in the snapshot: a stable screen */
	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->cs < y->cs ? -1 : x->cs > y->cs;
}

static void fill_interval(struct top_callsite *r, const struct bw_snap_callsite *c,
			  const struct bw_snap_callsite *old)
{
	uint64_t top = 0;

	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		uint64_t base = old ? old->hist[b] : 0;

		r->hist[b] = c->hist[b] > base ? c->hist[b] - base : 0;
		if (r->hist[b])
			top = hist_bucket_hi(b);
	}
	r->count = c->recent_count;
	r->total_ns = c->recent_total_ns;
	r->p50_ns = hist_quantile(r->hist, 0.50);
	r->p99_ns = hist_quantile(r->hist, 0.99);
	r->max_ns = top < c->max_ns ? top : c->max_ns;
	if (r->p50_ns > r->max_ns)
		r->p50_ns = r->max_ns;
	if (r->p99_ns > r->max_ns)
		r->p99_ns = r->max_ns;
}

int top_view__select(struct top_view *v, enum top_span span, enum top_sort sort, const char *filter)
{
	const struct bw_snapshot *s = v->snap, *p = v->forget_prev_callsites ? NULL : v->prev;
	/* blocking callsites, long polls (--polls) and async lock holds
	 * (--locks) share the table; their category column tells them apart */
	const struct bw_snap_callsite *lists[3] = { s->callsites, s->long_polls, s->lock_holds };
	const int counts[3] = { s->ncallsites, s->nlong_polls, s->nlock_holds };
	struct strmap *old = strmap__new();
	struct top_callsite *rows;
	char key[2048];
	int n = 0;

	if (!old)
		return -ENOMEM;
	rows = calloc(counts[0] + counts[1] + counts[2] + 1, sizeof(*rows));
	if (!rows) {
		strmap__free(old);
		return -ENOMEM;
	}
	for (int l = 0; p && l < 3; l++) {
		const struct bw_snap_callsite *prev_lists[3] = { p->callsites, p->long_polls,
								 p->lock_holds };
		const int prev_counts[3] = { p->ncallsites, p->nlong_polls, p->nlock_holds };

		for (int i = 0; i < prev_counts[l]; i++) {
			top_callsite__key(&prev_lists[l][i], key, sizeof(key));
			strmap__put(old, key, (void *)&prev_lists[l][i]);
		}
	}
	for (int l = 0; l < 3; l++) {
		for (int i = 0; i < counts[l]; i++) {
			const struct bw_snap_callsite *c = &lists[l][i];
			struct top_callsite *r = &rows[n];

			if (!matches(c, filter))
				continue;
			r->cs = c;
			r->recent_total_ns = c->recent_total_ns;
			if (span == TOP_SPAN_INTERVAL) {
				top_callsite__key(c, key, sizeof(key));
				fill_interval(r, c, strmap__get(old, key));
				if (!r->count)
					continue; /* quiet in the last interval: not part of this view */
			} else {
				r->count = c->count;
				r->total_ns = c->total_ns;
				r->p50_ns = c->p50_ns;
				r->p99_ns = c->p99_ns;
				r->max_ns = c->max_ns;
				memcpy(r->hist, c->hist, sizeof(r->hist));
			}
			n++;
		}
	}
	strmap__free(old);
	qsort_r(rows, n, sizeof(*rows), callsite_cmp, &sort);
	free(v->callsites);
	v->callsites = rows;
	v->ncallsites = n;
	v->ncallsites_total = counts[0] + counts[1] + counts[2];
	return 0;
}

void top_view__release(struct top_view *v)
{
	snapshot__free(v->snap);
	snapshot__free(v->prev);
	free(v->workers);
	free(v->callsites);
	memset(v, 0, sizeof(*v));
}
