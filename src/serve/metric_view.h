/* An immutable copy of the metric store, taken under serve's lock and then
 * rendered without it (a slow scraper never holds up the tracer). One
 * allocation for the arrays and one for all label text: a scrape of 5000
 * callsites allocates about 2 MiB whatever the connection does. */
#ifndef BW_SERVE_METRIC_VIEW_H
#define BW_SERVE_METRIC_VIEW_H

#include <stdint.h>

#include "aggregate/snapshot.h"
#include "serve/metric_store.h"

/* Buckets shown: bucket i of the log2 histogram holds [2^i, 2^(i+1)) ns and
 * is shown as le = 2^(i+1) ns in seconds, from the bucket that holds the
 * threshold up to VIEW_LAST_BUCKET (~68.7 s); longer ones are only in +Inf. */
#define VIEW_LAST_BUCKET 35
#define VIEW_MAX_BUCKETS (VIEW_LAST_BUCKET + 1)

struct view_histogram {
	const char *labels;   /* escaped: service="...",function="...",... */
	uint64_t count, sum_ns;
	uint64_t cumulative[VIEW_MAX_BUCKETS]; /* per shown bucket, cumulative */
};

struct view_service {
	const char *labels; /* service="..." */
	uint64_t state_ns[BW_STATE_COUNT];
	uint32_t workers, stuck_workers, processes;
	uint64_t stuck_max_ns;
};

struct view_thread {
	const char *labels; /* service="...",pid="...",tid="..." */
	uint64_t state_ns[BW_STATE_COUNT];
};

struct view_counter {
	const char *labels; /* reason="..." */
	uint64_t value;
};

struct metric_view {
	int first_bucket, nbuckets; /* shown buckets: first_bucket .. +nbuckets-1 */
	bool polls, locks;
	struct view_histogram *hist[SERIES_KINDS];
	int nhist[SERIES_KINDS];
	struct view_service *services;
	int nservices;
	struct view_thread *threads; /* --per-thread */
	int nthreads;
	bool per_thread;
	struct view_counter *lost;
	int nlost;
	uint64_t evicted, internal_count, internal_ns, events_total;
	bool bpf_stats; /* kernel.bpf_stats_enabled: run time below is counted */
	uint64_t bpf_run_ns, bpf_runs;
	int nseries;
	/* the two allocations behind everything above */
	void *arrays;
	char *text;
};

void metric_view__free(struct metric_view *v); /* NULL-safe */

#endif
