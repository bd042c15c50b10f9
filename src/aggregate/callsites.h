/* Per-callsite aggregation of blocked intervals. A callsite is the user's
 * frame that called a blocking API, plus that API and its category. */
#ifndef BW_CALLSITES_H
#define BW_CALLSITES_H

#include <stdint.h>

#include "aggregate/snapshot.h"
#include "blame/blame.h"
#include "symbolize/symbolize.h"

struct callsites;

/* One blocked interval, symbolized and blamed, as the ingest stage hands it over. */
struct blocked_interval {
	pid_t pid, tid;
	uint64_t ts_ns;
	uint64_t blocked_ns;
	int syscall_nr;
	const struct bw_frame *frames; /* innermost first; may be empty */
	int nframes;
	const struct blame_result *blame;
	/* shown instead of the blame category when set (e.g. "long-poll") */
	const char *category_name;
	/* the thread that woke it out of a lock wait, when known */
	const char *holder_thread;
	const char *holder_where;
};

struct callsites *callsites__new(void);
void callsites__free(struct callsites *cs); /* NULL-safe */
/* From now on the same callsite in two processes is two callsites, each
 * with its pid in the snapshot (serve labels them by service). */
void callsites__split_by_process(struct callsites *cs);
int callsites__add(struct callsites *cs, const struct blocked_interval *iv);
/* Starts a new "recent" interval (top's last-interval view). */
void callsites__roll_recent(struct callsites *cs);
void callsites__clear(struct callsites *cs);
/* Fills snap->callsites (sorted by total_ns, descending). */
int callsites__snapshot(const struct callsites *cs, struct bw_snapshot *snap);
/* The same into any array (e.g. snap->long_polls). */
int callsites__snapshot_into(const struct callsites *cs, struct bw_snap_callsite **out, int *n);
/* The display text for a callsite ("function (file:line)"), caller frees. */
char *callsites__describe(const struct bw_frame *frames, int nframes,
			  const struct blame_result *blame);

#endif
