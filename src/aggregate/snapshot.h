/* The one data model every output reads: an immutable snapshot of what the
 * tracer has aggregated so far. Outputs (live lines, summary, JSON, top,
 * reports) never reach back into BPF maps or the symbolizer. */
#ifndef BW_SNAPSHOT_H
#define BW_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "blockwatch.h"

#define BW_HIST_BUCKETS 40 /* log2 buckets of nanoseconds: bucket i holds [2^i, 2^(i+1)) */

struct bw_snap_frame {
	char *function; /* the name users read ("f (async fn)"), NULL when unknown */
	char *symbol;   /* the symbolized name it comes from ("f::{async_fn#0}") */
	char *file;
	int line;
	bool inlined;
	char *module;
	uint64_t module_offset;
};

/* Who held what the callsite waited for (the thread that woke it). */
struct bw_snap_holder {
	char *thread; /* thread name */
	char *where;  /* its user frame when it woke us: "function (file:line)" */
	uint64_t count;
};

#define BW_MAX_HOLDERS 4

struct bw_snap_callsite {
	pid_t pid;      /* its process when split by process (serve), else 0 */
	char *function; /* the user's callsite frame, the name users read
			 * ("f (async fn)", "[unknown]" when none) */
	char *symbol;   /* its symbolized name ("f::{async_fn#0}"), NULL when unknown */
	char *file;
	int line;
	char *blocking_api;
	char *category;
	char *syscall;   /* name of the syscall blocked in, "none" outside syscalls */
	char *drop_type; /* for category drop, when known */
	char *drop_why;  /* why that type's drop blocks (well-known types) */
	uint64_t count, total_ns, p50_ns, p99_ns, max_ns;
	uint64_t last_seen_ns; /* monotonic ns of the last event */
	uint64_t hist[BW_HIST_BUCKETS];
	struct bw_snap_frame *stack;
	int nstack;
	/* recent: the same numbers for the last interval only */
	uint64_t recent_count, recent_total_ns;
	/* lock waits: the most frequent holders, most frequent first */
	struct bw_snap_holder holders[BW_MAX_HOLDERS];
	int nholders;
};

struct bw_snap_thread {
	pid_t pid, tid;
	char comm[BW_COMM_LEN];
	enum bw_role role;
	uint64_t time_ns[BW_STATE_COUNT];   /* since start */
	uint64_t recent_ns[BW_STATE_COUNT]; /* last interval */
	bool exited;
	/* stuck right now: blocked for stuck_ns and not back yet */
	bool stuck;
	uint64_t stuck_ns;
	char *stuck_where; /* callsite text, NULL when not known */
	uint64_t min_sp;
	/* deepest user stack seen (at slow events) against the stack mapping */
	uint64_t stack_used_bytes, stack_size_bytes;
};

struct bw_snap_held_lock {
	pid_t pid, tid;
	char comm[BW_COMM_LEN];
	char *kind;  /* "tokio::sync::Mutex", ... */
	char *where; /* the acquiring user frame */
	uint64_t held_ns;
};

struct bw_snap_process {
	pid_t pid;
	char comm[BW_COMM_LEN];
	char *exe;
	char *runtime;        /* "tokio" or NULL */
	char *park_detection; /* "uprobes", "syscall-heuristic", "none" */
	bool exited;
};

struct bw_snap_counter {
	char *reason;
	uint64_t count;
};

struct bw_snapshot {
	uint64_t start_ns, now_ns; /* CLOCK_MONOTONIC */
	uint64_t threshold_ns;
	uint64_t events_total;
	struct bw_snap_process *processes;
	int nprocesses;
	struct bw_snap_thread *threads;
	int nthreads;
	struct bw_snap_callsite *callsites; /* sorted by total_ns, descending */
	int ncallsites;
	/* task polls over the poll threshold (on-CPU), same shape; --polls only */
	struct bw_snap_callsite *long_polls;
	int nlong_polls;
	bool polls_enabled;
	/* async lock permits held across an .await (--locks), same shape:
	 * blocking_api names the lock, holders say where it was released */
	struct bw_snap_callsite *lock_holds;
	int nlock_holds;
	bool locks_enabled;
	/* permits held across an .await that were no user's lock: a bounded
	 * channel's slots, and locks the runtime took itself (tokio::fs) */
	uint64_t holds_channel_slots, holds_by_runtime;
	/* ... and those held across an .await right now, over the stuck threshold */
	struct bw_snap_held_lock *locks_held_now;
	int nlocks_held_now;
	/* worker blocking inside the runtime/libraries with no user frame */
	uint64_t internal_count, internal_ns;
	struct bw_snap_counter *lost; /* every loss or degradation, by reason */
	int nlost;
	char **degraded; /* human-readable notes about degraded modes */
	int ndegraded;
	/* our BPF programs' run time, when the kernel counts it (bpf_stats) */
	bool bpf_stats;
	uint64_t bpf_run_ns, bpf_runs;
};

void snapshot__free(struct bw_snapshot *snap); /* NULL-safe */

/* What a callsite's holders did, for "<verb> by THREAD in WHERE": "held"
 * (a lock someone held), "woken" (a channel wait: the thread that sent or
 * signalled), "released" (an async lock hold: where it was given back). */
const char *snap_callsite__holder_verb(const struct bw_snap_callsite *c);

#endif
