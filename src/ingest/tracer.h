/* The tracing pipeline: targets -> BPF -> ring buffer -> classify ->
 * unwind/symbolize -> blame -> aggregate. Outputs only see snapshots and
 * live events. */
#ifndef BW_TRACER_H
#define BW_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include <sys/types.h>

#include "aggregate/snapshot.h"
#include "symbolize/symbolize.h"

#define BW_MAX_TARGETS 64

/* One blocked interval as live output sees it. */
struct live_event {
	uint64_t ts_ns; /* CLOCK_MONOTONIC */
	pid_t pid, tid;
	const char *comm;
	uint64_t blocked_ns;
	const char *category;
	const char *blocking_api;
	const char *callsite; /* "function (file:line)" */
	const char *syscall;
	bool stuck;           /* still blocked: reported while it lasts */
	bool long_poll;       /* on-CPU: a task poll over the poll threshold */
	/* an async lock held across an .await (blocked_ns: how long it was
	 * held; holder_*: who released it, where) */
	bool lock_hold;
	const char *holder_thread; /* lock waits: who held it, when known */
	const char *holder_where;
	const struct bw_frame *frames;
	int nframes;
};

typedef void (*live_event_fn)(void *ctx, const struct live_event *ev);

struct tracer_opts {
	uint64_t threshold_ns;
	uint64_t stuck_ns;   /* a worker blocked this long and not back is "stuck" */
	pid_t pids[BW_MAX_TARGETS];
	int npids;
	char **command;      /* NULL-terminated argv, or NULL */
	bool verbose;
	uint64_t poll_threshold_ns; /* non-zero: report task polls this long on-CPU */
	uint64_t poll_sample_period_ns;
	/* non-zero: report async lock permits held across an .await this long */
	uint64_t hold_threshold_ns;
	/* --ring-buffer: bytes (a power of two, page multiple); 0: the default */
	uint32_t ringbuf_bytes;
	live_event_fn on_event; /* may be NULL */
	void *event_ctx;
	/* serve: callsites kept per process (bw_snap_callsite.pid) */
	bool callsites_by_process;
	/* system-wide: only processes whose name (comm) matches; NULL: all */
	const regex_t *comm_filter;
};

struct tracer;

/* Validates targets, loads BPF, attaches. NULL with a one-line error. */
struct tracer *tracer__new(const struct tracer_opts *opts, char *err, size_t errlen);
void tracer__free(struct tracer *t); /* NULL-safe: detaches; kills a launched command */
/* Processes events for up to timeout_ms. Returns <0 on fatal error. */
int tracer__poll(struct tracer *t, int timeout_ms);
/* True once every target has exited (never in system-wide mode). */
bool tracer__targets_gone(struct tracer *t);
/* Drains pending events and reads final counters. */
void tracer__finish(struct tracer *t);
/* A consistent, immutable view of everything so far; caller frees. */
struct bw_snapshot *tracer__snapshot(struct tracer *t);
/* top: start a new "recent" interval; clear all aggregates. */
void tracer__roll_recent(struct tracer *t);
void tracer__clear(struct tracer *t);
/* serve: forgets processes that are gone and threads that exited (their
 * last numbers were in the snapshot before), and detaches what was attached
 * for them, so a tracer that runs for months stays the same size. */
void tracer__forget_exited(struct tracer *t);
uint64_t tracer_start_ns(const struct tracer *t);
uint64_t now_monotonic_ns(void);
/* Exit status of a launched command (or 0). */
int tracer__command_status(const struct tracer *t);

#endif
