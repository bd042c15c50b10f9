/* A recording in memory: header metadata, every blocked interval with its
 * stack, the coarse per-thread timeline and the end-of-session snapshot.
 * The reader fills one from a file; `trace --format pprof...` fills one
 * live. Report writers read only this (and its snapshot). */
#ifndef BW_RECORDING_H
#define BW_RECORDING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aggregate/snapshot.h"
#include "blame/blame.h"
#include "ingest/tracer.h"
#include "symbolize/symbolize.h"

struct rec_meta {
	int major, minor;      /* format version of the file */
	const char *tool_version, *kernel, *hostname, *targets;
	uint64_t start_unix_ns; /* wall clock when recording began */
	uint64_t start_mono_ns; /* CLOCK_MONOTONIC at the same moment */
	uint64_t threshold_ns;
};

/* One blocked interval over the threshold. ts_ns is its end (monotonic). */
struct rec_event {
	uint64_t ts_ns, blocked_ns;
	pid_t pid, tid;
	int syscall_nr;
	bool stuck; /* a "still blocked" report, not a finished interval */
	const char *category, *callsite;
	struct blame_result blame; /* blocking_api and drop_type strings pooled */
	struct bw_frame *frames;   /* innermost first; strings pooled */
	int nframes;
	bool long_poll;            /* on-CPU long poll (kept in `polls`, not `events`) */
	bool lock_hold;            /* async lock held across .await (kept in `holds`) */
	const char *holder_thread, *holder_where; /* lock waits, when known */
};

/* Coarse timeline: time a thread spent per state in [t0, t1). */
struct rec_slice {
	pid_t pid, tid;
	uint64_t t0, t1;
	uint64_t ns[BW_STATE_COUNT];
};

struct bw_intern;
struct idmap;
struct strmap;

struct bw_recording {
	struct rec_meta meta;
	struct bw_intern *pool; /* every string above and in events */
	struct rec_event *events;
	int nevents, events_cap;
	struct rec_event *polls; /* long polls (--polls) */
	int npolls, polls_cap;
	struct rec_event *holds; /* async lock holds (--locks) */
	int nholds, holds_cap;
	struct rec_slice *slices;
	int nslices, slices_cap;
	/* Processes, threads, lost counters and notes as recorded; callsites
	 * are rebuilt from the events by recording__finish. */
	struct bw_snapshot *snap;
	bool has_end;       /* the END record was read: the session finished */
	bool snap_complete; /* snap already has callsites (live trace) */
	char **problems;    /* damage found while reading, one line each */
	int nproblems, problems_cap;
	int problems_more;  /* problems past BW_REC_MAX_PROBLEMS, only counted */
	/* Lookups that keep reading linear in the file size: (pid, tid) ->
	 * thread index, pid -> process index, notes and lost reasons seen. */
	struct idmap *thread_ids, *process_ids;
	struct strmap *degraded_set, *lost_ids;
	int threads_cap, processes_cap, degraded_cap, lost_cap;
	uint64_t distinct_dropped; /* notes / lost reasons past the caps */
	/* Reading: what the rest of the file may still inflate to and make us
	 * keep in memory (both proportional to the file size). */
	uint64_t inflate_left, keep_left;
};

/* Bounds on what a recording can make the reader keep: beyond these the
 * rest is counted and said, not stored. */
#define BW_REC_MAX_PROBLEMS 64
#define BW_REC_MAX_DEGRADED 256
#define BW_REC_MAX_LOST 256

struct bw_recording *recording__new(void);
void recording__free(struct bw_recording *r); /* NULL-safe */
const char *recording__str(struct bw_recording *r, const char *s); /* pooled copy */
int recording__set_meta(struct bw_recording *r, const struct rec_meta *m);

/* Copies the event (strings and frames pooled). */
int recording__add_event(struct bw_recording *r, const struct rec_event *ev);
int recording__add_slice(struct bw_recording *r, const struct rec_slice *s);
/* Insert or replace by pid / tid (later records carry newer data). */
int recording__put_process(struct bw_recording *r, const struct bw_snap_process *p);
int recording__put_thread(struct bw_recording *r, const struct bw_snap_thread *t, bool has_times);
int recording__put_lost(struct bw_recording *r, const char *reason, uint64_t count);
int recording__add_degraded(struct bw_recording *r, const char *text);
void recording__problem(struct bw_recording *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The live path: take the tracer's final snapshot as is (callsites too). */
void recording__adopt_snapshot(struct bw_recording *r, struct bw_snapshot *snap);
/* Rebuilds callsites from the events through the same aggregation trace
 * uses, fills in what a cut-short recording lacks (end time, per-thread
 * totals from the timeline) and lists damage as degraded notes. */
int recording__finish(struct bw_recording *r);

/* A live event as a rec_event: borrows its strings and frames, and
 * recomputes the blame indices (callsite/API frame) from the stack. */
void rec_event__from_live(const struct live_event *ev, struct rec_event *out);

/* Live-path sinks: a live_event_fn that adds to the recording. */
void recording__on_live_event(void *ctx, const struct live_event *ev);

#endif
