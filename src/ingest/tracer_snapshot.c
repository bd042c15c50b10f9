/* Building the immutable snapshot that every output reads. */
#include "ingest/tracer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blame/blame.h"
#include "classify/thread_role.h"

static const char *const kernel_counter_names[BW_CNT_NR] = {
	[BW_CNT_RINGBUF_FULL] = "ringbuf_full",
	[BW_CNT_THREADS_FULL] = "threads_map_full",
	[BW_CNT_STACK_READ_FAIL] = "stack_copy_failed",
	[BW_CNT_STACK_TRUNCATED] = NULL, /* informational, not a loss */
	[BW_CNT_SWITCHES] = NULL,
	[BW_CNT_BLOCKED_EVENTS] = NULL,
	[BW_CNT_WAKER_EVENTS] = NULL,
	[BW_CNT_LONG_POLLS] = NULL,
	[BW_CNT_LOCK_HOLDS] = NULL,
	[BW_CNT_HOLDS_FULL] = "lock_holds_map_full",
	[BW_CNT_SWITCH_IN_UNSEEN] = "switch_in_unseen",
	[BW_CNT_RUNS_SKIPPED] = "bpf_runs_skipped",
	[BW_CNT_TASK_WORK_FAILED] = "syscall_end_unqueued",
	[BW_CNT_TASK_WORKS] = NULL,
	[BW_CNT_PARK_WORDS_LEARNED] = NULL,
};

static const char *user_counter_name(int i)
{
	static const char *const names[UC_NR] = {
		[UC_UNWIND_STOP_BASE + UNWIND_STOP_END_OF_COPY] = "unwind_end_of_stack_copy",
		[UC_UNWIND_STOP_BASE + UNWIND_STOP_NO_CFI] = "unwind_no_cfi",
		[UC_UNWIND_STOP_BASE + UNWIND_STOP_BAD_ADDRESS] = "unwind_bad_address",
		[UC_UNWIND_STOP_BASE + UNWIND_STOP_MAX_DEPTH] = "unwind_max_depth",
		[UC_UNWIND_STOP_BASE + UNWIND_STOP_ERROR] = "unwind_error",
		[UC_UNRESOLVED_FRAMES] = "unresolved_frames",
		[UC_EMPTY_STACK] = "events_without_stack",
		[UC_NO_PROCESS_MAP] = "process_map_unreadable",
		[UC_UNKNOWN_PID] = "events_of_unknown_process",
		[UC_UPROBE_ATTACH_FAILED] = "uprobe_attach_failed",
		[UC_PROBE_PURPOSES_MISSING] = "probe_purposes_missing",
		[UC_ROLE_UNKNOWN_EVENTS] = "events_of_undecided_threads",
		[UC_BAD_RECORD] = "bad_ring_buffer_record",
		[UC_WAKER_UNRESOLVED] = "lock_holder_unresolved",
		[UC_POLL_PROBES_MISSING] = "processes_without_poll_probes",
		[UC_LOCK_PROBES_MISSING] = "processes_without_lock_probes",
		[UC_PARK_UNRECOGNISED] = "parks_unrecognised",
	};
	return names[i];
}

static void add_counter(struct bw_snapshot *s, const char *name, uint64_t v)
{
	struct bw_snap_counter *c = realloc(s->lost, (s->nlost + 1) * sizeof(*c));

	if (!c)
		return;
	s->lost = c;
	s->lost[s->nlost].reason = strdup(name);
	s->lost[s->nlost].count = v;
	s->nlost++;
}

/* Time per state including the state the thread is in right now. */
static void live_times(const struct traced_thread *th, uint64_t now, uint64_t out[BW_STATE_COUNT])
{
	memcpy(out, th->last.time_ns, sizeof(th->last.time_ns));
	if (!th->exited && th->last.state < BW_STATE_COUNT && th->last.state_since_ns &&
	    now > th->last.state_since_ns)
		out[th->last.state] += now - th->last.state_since_ns;
}

struct bw_snapshot *tracer__snapshot(struct tracer *t)
{
	struct bw_snapshot *s = calloc(1, sizeof(*s));
	uint64_t now = tracer_now_ns();

	if (!s)
		return NULL;
	if (!t->launched || !t->launch.exited)
		bw_bpf__counters(t->bpf, t->kernel_counters);
	s->bpf_stats = bw_bpf__run_time(t->bpf, &s->bpf_run_ns, &s->bpf_runs) == 0;
	s->start_ns = t->start_ns;
	s->now_ns = now;
	s->threshold_ns = t->opts.threshold_ns;
	s->events_total = t->events_total;
	s->internal_count = t->internal_count;
	s->internal_ns = t->internal_ns;

	s->processes = calloc(t->nprocs ? t->nprocs : 1, sizeof(*s->processes));
	for (int i = 0; s->processes && i < t->nprocs; i++) {
		struct traced_process *p = &t->procs[i];
		struct bw_snap_process *o = &s->processes[s->nprocesses++];

		o->pid = p->pid;
		memcpy(o->comm, p->comm, sizeof(o->comm));
		o->exe = strdup(p->exe);
		o->runtime = p->profile ? strdup(p->profile->name) : NULL;
		o->park_detection = strdup(p->park_detection ? p->park_detection : "none");
		o->exited = p->exited;
	}

	s->threads = calloc(t->nthreads ? t->nthreads : 1, sizeof(*s->threads));
	for (int i = 0; s->threads && i < t->nthreads; i++) {
		struct traced_thread *th = &t->threads[i];
		struct bw_snap_thread *o = &s->threads[s->nthreads++];

		o->pid = th->pid;
		o->tid = th->tid;
		memcpy(o->comm, th->comm, sizeof(o->comm));
		o->role = th->role;
		if (th->last.role == BW_ROLE_WORKER || th->last.role == BW_ROLE_BLOCKING)
			o->role = th->last.role; /* from uprobes: authoritative */
		if ((o->role == BW_ROLE_UNKNOWN || o->role == BW_ROLE_OTHER) && th->ran_block_on)
			o->role = BW_ROLE_WORKER;
		/* --threads/--worker-threads decide, also for a thread that never
		 * blocked (roles are otherwise settled at its slow events) */
		if (thread_filter__active())
			o->role = thread_filter__matches(th->comm) ? BW_ROLE_WORKER : BW_ROLE_OTHER;
		live_times(th, now, o->time_ns);
		for (int st = 0; st < BW_STATE_COUNT; st++)
			o->recent_ns[st] = th->recent[st];
		o->exited = th->exited;
		o->min_sp = th->last.min_sp;
		if (th->stack_end && o->min_sp >= th->stack_start && o->min_sp < th->stack_end) {
			o->stack_used_bytes = th->stack_end - o->min_sp;
			o->stack_size_bytes = th->stack_end - th->stack_start;
		}
		if (!th->exited && th->last.state == BW_STATE_BLOCKED &&
		    th->stuck_since == th->last.state_since_ns && th->stuck_since) {
			o->stuck = true;
			o->stuck_ns = now - th->stuck_since;
			o->stuck_where = th->stuck_where ? strdup(th->stuck_where) : NULL;
		}
	}

	callsites__snapshot(t->callsites, s);
	s->polls_enabled = t->opts.poll_threshold_ns > 0;
	if (s->polls_enabled)
		callsites__snapshot_into(t->long_polls, &s->long_polls, &s->nlong_polls);
	s->locks_enabled = t->opts.hold_threshold_ns > 0;
	s->holds_channel_slots = t->user_counters[UC_CHANNEL_PERMITS];
	s->holds_by_runtime = t->user_counters[UC_RUNTIME_LOCK_HOLDS];
	if (s->locks_enabled)
		callsites__snapshot_into(t->lock_holds, &s->lock_holds, &s->nlock_holds);
	s->locks_held_now = calloc(t->nheld ? t->nheld : 1, sizeof(*s->locks_held_now));
	for (int i = 0; s->locks_held_now && i < t->nheld; i++) {
		const struct held_lock *h = &t->held[i];
		struct bw_snap_held_lock *o;

		if (!h->report)
			continue;
		o = &s->locks_held_now[s->nlocks_held_now++];
		o->pid = h->pid;
		o->tid = h->tid;
		memcpy(o->comm, h->comm, sizeof(o->comm));
		o->kind = strdup(h->kind);
		o->where = strdup(h->where);
		o->held_ns = now > h->start_ns ? now - h->start_ns : 0;
	}

	for (int i = 0; i < BW_CNT_NR; i++)
		if (kernel_counter_names[i])
			add_counter(s, kernel_counter_names[i], t->kernel_counters[i]);
	for (int i = 0; i < UC_NR; i++)
		if (user_counter_name(i))
			add_counter(s, user_counter_name(i), t->user_counters[i]);

	s->degraded = calloc(t->ndegraded ? t->ndegraded : 1, sizeof(char *));
	for (int i = 0; s->degraded && i < t->ndegraded; i++)
		s->degraded[s->ndegraded++] = strdup(t->degraded[i]);
	return s;
}
