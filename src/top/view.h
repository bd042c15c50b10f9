/* The dashboard's model: the current snapshot plus what changed since the
 * previous one (per-worker state times and per-callsite histograms over the
 * last interval), sorted and filtered for display. The collecting side of
 * htop's split: panels only read a top_view, never the tracer. */
#ifndef BW_TOP_VIEW_H
#define BW_TOP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate/snapshot.h"

enum top_sort { TOP_SORT_TOTAL, TOP_SORT_COUNT, TOP_SORT_P99, TOP_SORT_MAX, TOP_SORT_RECENT, TOP_SORT_NR };
enum top_span { TOP_SPAN_ALL, TOP_SPAN_INTERVAL }; /* since start / last interval */

const char *top_sort__name(enum top_sort s);

struct top_worker {
	const struct bw_snap_thread *th;
	uint64_t interval_ns[BW_STATE_COUNT]; /* last interval, incl. the state in progress */
};

struct top_callsite {
	const struct bw_snap_callsite *cs;
	/* numbers of the chosen span; over the last interval p50/p99/max are
	 * histogram-bucket upper bounds (the tracer keeps exact ones only since start) */
	uint64_t count, total_ns, p50_ns, p99_ns, max_ns;
	uint64_t recent_total_ns;
	uint64_t hist[BW_HIST_BUCKETS];
};

struct top_view {
	struct bw_snapshot *snap, *prev; /* owned */
	bool clear_pending, forget_prev_callsites; /* after a clear: no callsite baseline */
	uint64_t interval_ns;            /* between prev and snap */
	double events_per_s;
	uint64_t lost, unresolved, other_issues;
	int nworkers_total;              /* live workers, before any cap */
	struct top_worker *workers;
	int nworkers;
	struct top_callsite *callsites;  /* filtered, sorted */
	int ncallsites, ncallsites_total;
};

/* Takes ownership of snap; the old current snapshot becomes the baseline. */
int top_view__update(struct top_view *v, struct bw_snapshot *snap);
/* Re-derives rows from the snapshot: span, sort and filter changed. */
int top_view__select(struct top_view *v, enum top_span span, enum top_sort sort, const char *filter);
/* Call after tracer__clear, before the next update: callsite numbers restart from zero. */
void top_view__forget_callsites(struct top_view *v);
void top_view__release(struct top_view *v);

/* "main.rs:16" from a callsite (basename of the file); buf is returned. */
const char *top_callsite__where(const struct bw_snap_callsite *c, char *buf, int len);
/* The identity used to keep the selection across refreshes. */
void top_callsite__key(const struct bw_snap_callsite *c, char *buf, int len);

#endif
