/* What `serve` exports, kept for as long as it runs: cumulative per-callsite
 * histograms labelled by service, worker time by state per service, gauges of
 * the last collection and the tracer's loss counters. Fed by folding tracer
 * snapshots taken since the previous fold (the tracer's callsites are cleared
 * after each), read by taking an immutable view (metric_view.h).
 *
 * Bounded: at most max_callsites histogram series (least recently seen
 * evicted, counted), at most STORE_MAX_SERVICES services (more alive at
 * once share STORE_OVERFLOW_SERVICE), and processes and
 * threads that are gone are dropped at the first fold after a view (a scrape)
 * showed their last numbers. Not thread-safe: serve locks around it. */
#ifndef BW_SERVE_METRIC_STORE_H
#define BW_SERVE_METRIC_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aggregate/snapshot.h"

#define STORE_MAX_SERVICES 1024
/* The service of processes beyond STORE_MAX_SERVICES services all alive. */
#define STORE_OVERFLOW_SERVICE "_other"
/* Label values longer than this (Rust generics grow without end) are cut. */
#define STORE_MAX_LABEL_BYTES 256

enum series_kind {
	SERIES_BLOCKED,    /* blockwatch_blocked_seconds */
	SERIES_LONG_POLL,  /* blockwatch_long_poll_seconds (--polls) */
	SERIES_LOCK_HOLD,  /* blockwatch_async_lock_hold_seconds (--locks) */
	SERIES_KINDS,
};

/* The service label of a process (service_name.h), asked once per process. */
typedef char *(*service_name_fn)(void *ctx, pid_t pid, const char *exe);

struct store_opts {
	int max_callsites;
	bool per_thread;  /* worker time per thread too (pid, tid labels) */
	bool polls, locks; /* the long-poll / lock-hold families are shown */
	uint64_t threshold_ns; /* the lowest bucket shown holds it */
	service_name_fn service_name;
	void *service_ctx;
};

struct metric_store;
struct metric_view;

struct metric_store *store__new(const struct store_opts *o);
void store__free(struct metric_store *s); /* NULL-safe */
/* Adds what the snapshot holds since the last fold: its callsites (taken
 * since the tracer was last cleared), thread time since the last fold, the
 * gauges and loss counters as they are now. 0 or -ENOMEM (partly folded). */
int store__fold(struct metric_store *s, const struct bw_snapshot *snap);
/* An immutable copy for rendering; marks everything gone as shown. */
struct metric_view *store__view(struct metric_store *s);
/* Series evicted so far, and series kept now. */
uint64_t store__evicted(const struct metric_store *s);
int store__nseries(const struct metric_store *s);

#endif
