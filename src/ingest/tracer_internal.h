/* Shared state of the tracer's translation units (tracer*.c) only. */
#ifndef BW_TRACER_INTERNAL_H
#define BW_TRACER_INTERNAL_H

#include <limits.h>

#include <bpf/libbpf.h>

#include "aggregate/callsites.h"
#include "classify/runtime_detect.h"
#include "ingest/bpf_loader.h"
#include "ingest/launch.h"
#include "ingest/tracer.h"
#include "unwind/unwind.h"
#include "util/strmap.h"

struct traced_process {
	pid_t pid;
	char comm[BW_COMM_LEN];
	char exe[PATH_MAX];
	bool exe_checked;            /* exe looked at for a runtime (an exec clears it) */
	char runtime_path[PATH_MAX]; /* the ELF file the runtime lives in (exe or a .so) */
	bool so_scanned;             /* shared objects looked at for a runtime */
	/* files already found to hold no runtime: a process without one is
	 * rescanned as it maps more (a runtime in a dlopen'd library) */
	struct strmap *so_without_runtime;
	uint64_t so_scan_ns; /* last scan: rescans are rate-limited */
	bool probed;                 /* runtime_path has its probes */
	const struct runtime_profile *profile; /* NULL: no runtime recognised */
	bool by_symbols;
	const char *park_detection; /* "uprobes", "syscall-heuristic", "none" */
	/* Park probes (tracer_parks.c): attached while the parks' futex words
	 * are learned, detached after (no trap per park); NULL where words
	 * cannot be learned (raw_tp), the probes then stay. */
	struct bw_probe_set *park_probes;
	uint64_t park_phase_ns;  /* when the probes were last attached or detached */
	bool park_relearn;       /* a park went unrecognised: learn again */
	struct bw_process *unw;     /* created lazily: after exec for launched commands */
	bool exited;
	bool untraced; /* gone, and its pid no longer traced in the kernel */
};

struct traced_thread {
	pid_t pid, tid;
	char comm[BW_COMM_LEN];
	enum bw_role role;      /* userspace verdict; BW_ROLE_UNKNOWN until known */
	bool ran_block_on;      /* seen blocking inside a block_on (shown as worker) */
	struct bw_thread last;  /* last counters read from the map (or exit event) */
	uint64_t roll_base[BW_STATE_COUNT]; /* totals at the last roll, for "recent" */
	uint64_t recent[BW_STATE_COUNT];
	bool exited;
	uint64_t blocking_pool_events;
	/* stuck episode: the state_since_ns it began at, and where */
	uint64_t stuck_since;
	char *stuck_where;
	/* who woke it out of its current slow futex wait (a waker event
	 * arrives just before the wait's own blocked event) */
	char holder_thread[BW_COMM_LEN];
	char *holder_where;
	uint64_t holder_ts;
	/* --polls: the first on-CPU sample of the current long poll */
	struct bw_frame *poll_frames; /* strings interned by the process */
	int npoll_frames;
	uint64_t poll_sample_start; /* start of the poll it belongs to */
	/* the thread's stack mapping, found once from its deepest sp */
	uint64_t stack_start, stack_end;
	uint64_t seen_ns; /* first listed: names settle soon after */
};

/* An async lock held across an .await right now (--locks), longer than the
 * stuck threshold: report is false for holds that are no user's lock. */
struct held_lock {
	uint64_t semaphore, task, start_ns;
	pid_t pid, tid;
	char comm[BW_COMM_LEN];
	bool report;
	const char *kind;
	char *where; /* the acquiring user frame, "function (file:line)" */
};

/* System-wide: a process without a runtime, looked at again when its
 * address space changes (a runtime in a library it loads later). */
struct watched_process {
	pid_t pid;
	uint64_t since_ns;        /* watched since (young ones are looked at often) */
	uint64_t vm_pages;        /* at the last look */
	struct strmap *no_runtime; /* files already found to hold none */
};

/* Userspace loss / degradation counters, shown with the kernel's. */
enum user_counter {
	UC_UNWIND_STOP_BASE = 0, /* + enum unwind_stop (END is not a loss) */
	UC_UNRESOLVED_FRAMES = UNWIND_STOP_NR,
	UC_EMPTY_STACK,
	UC_NO_PROCESS_MAP,
	UC_UNKNOWN_PID,
	UC_UPROBE_ATTACH_FAILED,
	UC_ROLE_UNKNOWN_EVENTS, /* blocked events of threads whose role was not known yet */
	UC_PROBE_PURPOSES_MISSING, /* a runtime part linked in, none of its probe names found */
	UC_BLOCKING_POOL_EVENTS,
	UC_OTHER_THREAD_EVENTS,
	UC_BAD_RECORD,
	UC_WAKER_UNRESOLVED,
	UC_POLL_PROBES_MISSING,
	UC_LOCK_PROBES_MISSING,
	UC_CHANNEL_PERMITS, /* --locks: a channel's slot, not a lock: not reported */
	UC_RUNTIME_LOCK_HOLDS, /* --locks: held by the runtime's own code */
	/* a slow wait inside a runtime park that no learned word matched:
	 * not reported; the park probes are attached again to learn it */
	UC_PARK_UNRECOGNISED,
	UC_NR,
};

struct tracer {
	struct tracer_opts opts;
	struct bw_bpf *bpf;
	struct ring_buffer *rb;
	struct callsites *callsites;
	struct callsites *long_polls;
	struct callsites *lock_holds; /* --locks */
	struct held_lock *held;       /* --locks: held across an .await right now */
	int nheld, cap_held;
	struct launch launch;
	bool launched;
	struct traced_process *procs;
	int nprocs, cap_procs;
	struct traced_thread *threads;
	int nthreads, cap_threads;
	struct watched_process *watched;
	int nwatched, cap_watched;
	uint64_t last_watch_ns, watch_turn;
	uint64_t start_ns, last_refresh_ns;
	uint64_t refreshes; /* thread-list refreshes so far */
	uint64_t first_track_ns; /* when the first thread's accounting began */
	uint64_t events_total;
	/* blocking with no user frame on a complete stack (runtime-internal) */
	uint64_t internal_count, internal_ns;
	uint64_t user_counters[UC_NR];
	uint64_t kernel_counters[BW_CNT_NR];
	char **degraded;
	int ndegraded;
};

uint64_t tracer_now_ns(void);
/* tracer_parks.c: attach/detach the park probes as their words are learned */
void tracer_parks_check(struct tracer *t);
struct stack_verdict;
/* A slow wait in a park syscall whose stack (v) is inside the runtime's
 * park while the park probes are detached: a park no learned word matched.
 * Counts it (parks_unrecognised), asks for the probes again, returns true:
 * it is neither blocking nor stuck. */
bool tracer_park_missed(struct tracer *t, struct traced_process *p, long syscall_nr,
			const struct stack_verdict *v);
struct bw_probe_set *tracer_park_set(struct tracer *t, struct traced_process *p);
/* tracer_locks.c */
void tracer_handle_lock_hold(struct tracer *t, const struct bw_hold_event *e);
void tracer_check_held_locks(struct tracer *t);
/* The opt-in probe features (RT_FEATURE_*) the options ask for. */
unsigned tracer_probe_features(const struct tracer *t);
struct traced_process *tracer_find_process(struct tracer *t, pid_t pid);
/* The live (not exited) thread tid, or NULL. */
struct traced_thread *tracer_find_thread(struct tracer *t, pid_t tid);
/* The same, added when it is not known yet (NULL only without memory). */
struct traced_thread *tracer_thread(struct tracer *t, pid_t pid, pid_t tid);
void tracer_note_degraded(struct tracer *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct bw_process *tracer_unwinder(struct tracer *t, struct traced_process *p);

/* Looks through the process's mapped files not seen before (so_without_runtime)
 * for a runtime, without placing probes; true when one is found. */
bool tracer_runtime_mapped(struct tracer *t, struct traced_process *p);
/* tracer_watch.c: system-wide, processes without a runtime yet. Takes over
 * p's list of files already looked at. */
void tracer_watch(struct tracer *t, struct traced_process *p);
void tracer_watch_check(struct tracer *t);
void tracer_watch_free(struct tracer *t);
/* Looks for runtimes in the process's shared objects (once). */
void tracer_scan_shared_objects(struct tracer *t, struct traced_process *p);
/* The process exec'd another program (named comm): forget what was known
 * of the old one that no longer holds. */
void tracer_process_execed(struct tracer *t, struct traced_process *p, const char *comm);
/* System-wide discovery of a process that just exec'd. */
/* no_runtime: its files already found to hold none (taken over), or NULL. */
void tracer_add_discovered(struct tracer *t, pid_t pid, struct strmap *no_runtime);

/* tracer_events.c */
int tracer_handle_event(void *ctx, void *data, size_t size);
/* A finished interval: added to `into` (callsites, long polls or lock
 * holds, which also says its kind) and, when live, passed to the output. */
void tracer_publish(struct tracer *t, struct callsites *into, const struct blocked_interval *iv,
		    const char *comm);
/* tracer_threads.c */
void tracer_refresh_threads(struct tracer *t);
void tracer_check_stuck(struct tracer *t);
/* Role and current state of a thread that existed before attach. */
void tracer_classify_existing(struct tracer *t, struct traced_process *p, pid_t tid,
			      struct bw_initial_state *out);
/* Worker by thread name, for processes without symbols (degraded). */
bool tracer_name_says_worker(const struct traced_process *p, const char *comm);

#endif
