/* Per-thread state from the kernel map: time accounting, roles of threads
 * that existed before attach, and workers stuck right now. */
#include "ingest/tracer_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "blame/blame.h"
#include "classify/thread_role.h"
#include "ingest/procfs.h"
#include "ingest/stack_resolve.h"
#include "ingest/syscall_names.h"

static struct resolved_stack scratch;
static uint8_t stack_copy[BW_STACK_BYTES];

/* The current stack of a sleeping thread, from /proc (sp and pc only: enough
 * for CFI unwinding of code that addresses its frames from rsp). */
static int current_stack(struct tracer *t, struct traced_process *p, pid_t tid, long *nr,
			 struct resolved_stack *rs)
{
	struct bw_process *unw = tracer_unwinder(t, p);
	struct bw_stack_sample s = { .pid = p->pid, .tid = tid, .stack = stack_copy };
	struct traced_thread *th;
	uint64_t sp, pc;
	ssize_t n;
	int rc;

	if (!unw)
		return -ENOENT;
	rc = proc_thread_syscall(p->pid, tid, nr, &sp, &pc);
	if (rc)
		return rc;
	n = proc_read_memory(p->pid, sp, stack_copy, sizeof(stack_copy));
	if (n < 0)
		return (int)n;
	s.regs[BW_REG_SP] = sp;
	s.regs[BW_REG_IP] = pc;
	/* rbp as the thread entered its syscall, when the kernel side saw it */
	th = tracer_find_thread(t, tid);
	if (th)
		s.regs[BW_REG_BP] = th->last.syscall_user_bp;
	s.stack_len = n;
	return resolve_stack(unw, &s, rs);
}

bool tracer_name_says_worker(const struct traced_process *p, const char *comm)
{
	const char *hint = p->profile ? p->profile->thread_name_hint : NULL;

	return hint && strncmp(comm, hint, strlen(hint)) == 0;
}

/*
 * A thread that is asleep at attach: parked if its stack is inside a park
 * function; blocked if its stack is known and is not; when the stack says
 * nothing, a futex/epoll wait is taken as parked (the cautious reading: it
 * can hide blocking, never invent it).
 */
void tracer_classify_existing(struct tracer *t, struct traced_process *p, pid_t tid,
			      struct bw_initial_state *out)
{
	struct stack_verdict v = {};
	char comm[BW_COMM_LEN] = "";
	long nr = -1;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->state = BW_STATE_RUNNING;
	out->syscall_nr = -1;
	out->observed_ns = tracer_now_ns();
	proc_comm(p->pid, tid, comm, sizeof(comm));
	if (!proc_thread_sleeping(p->pid, tid))
		goto role_only;
	rc = p->profile ? current_stack(t, p, tid, &nr, &scratch) : -ENOENT;
	if (rc == 0)
		classify_stack(p->profile, scratch.frames, scratch.nframes, &v);
	out->role = v.in_block_on ? BW_ROLE_UNKNOWN : v.role;
	if (v.parked) {
		long park_nr;
		uint64_t word;

		out->state = BW_STATE_PARKED;
		out->park_pending = true;
		/* its stack says park: the futex it waits on is its parker's word
		 * (a thread parked since before attach may not park again while
		 * the park probes are there to learn it) */
		if (proc_thread_syscall_arg0(p->pid, tid, &park_nr, &word) == 0 &&
		    park_nr == syscall_number("futex"))
			out->park_word = word;
	} else if (v.named && v.role != BW_ROLE_UNKNOWN) {
		out->state = BW_STATE_BLOCKED;
	} else if (rc == 0 || proc_thread_syscall(p->pid, tid, &nr, &(uint64_t){ 0 },
						  &(uint64_t){ 0 }) == 0) {
		out->state = syscall_is_park_wait(nr) ? BW_STATE_PARKED : BW_STATE_BLOCKED;
		out->park_pending = out->state == BW_STATE_PARKED;
	}
	if (out->state != BW_STATE_RUNNING && nr < 0)
		proc_thread_syscall(p->pid, tid, &nr, &(uint64_t){ 0 }, &(uint64_t){ 0 });
	out->syscall_nr = (int)nr;
role_only:
	if (thread_filter__active())
		out->role = thread_filter__matches(comm) ? BW_ROLE_WORKER : BW_ROLE_OTHER;
	else if (out->role == BW_ROLE_UNKNOWN && !p->by_symbols && tracer_name_says_worker(p, comm))
		out->role = BW_ROLE_WORKER;
}

/* Names change at exec and when a runtime names its threads, both soon
 * after a thread appears; every blocked event brings the name too. So a
 * young thread's name is re-read at each refresh, the others' in turn
 * (each about every 5 s), not all of them five times a second. */
#define NAME_SETTLES_NS 2000000000ULL
#define NAME_REREAD_TURNS 25

static bool name_may_change(const struct tracer *t, const struct traced_thread *th, uint64_t now)
{
	return now - th->seen_ns < NAME_SETTLES_NS ||
	       (t->refreshes + (uint64_t)th->tid) % NAME_REREAD_TURNS == 0;
}

void tracer_refresh_threads(struct tracer *t)
{
	int fd = bw_bpf__threads_fd(t->bpf);
	__u32 key, next, *prev = NULL;
	struct bw_thread val;
	uint64_t now = tracer_now_ns();

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;
		struct traced_thread *th = tracer_thread(t, val.tgid, key);

		if (!th)
			continue;
		th->last = val;
		/* the stack mapping does not move: look it up once */
		if (val.min_sp && !th->stack_end)
			proc_find_mapping(val.tgid, val.min_sp, &th->stack_start, &th->stack_end);
		/* roles from uprobes on runtime entry points are authoritative */
		if (val.role == BW_ROLE_WORKER || val.role == BW_ROLE_BLOCKING)
			th->role = val.role;
		if (th->role == BW_ROLE_UNKNOWN) {
			struct traced_process *p = tracer_find_process(t, val.tgid);

			/* stripped: the thread name is all there is */
			if (p && !p->by_symbols && tracer_name_says_worker(p, th->comm))
				th->role = BW_ROLE_WORKER;
		}
		char comm[BW_COMM_LEN];

		if (name_may_change(t, th, now) && proc_comm(val.tgid, key, comm, sizeof(comm)) == 0 &&
		    comm[0])
			memcpy(th->comm, comm, sizeof(comm));
	}
	t->refreshes++;
	for (int i = 0; i < t->nprocs; i++) {
		struct traced_process *p = &t->procs[i];

		/* gone (not merely its leader thread): its pid may come back as
		 * a process nobody asked to trace */
		if (!p->untraced && !proc_exists(p->pid)) {
			p->exited = true;
			p->untraced = true;
			bw_bpf__untrace_process(t->bpf, p->pid);
		}
		tracer_scan_shared_objects(t, p);
	}
}

static void report_stuck(struct tracer *t, struct traced_process *p, struct traced_thread *th,
			 uint64_t blocked_ns)
{
	struct resolved_stack *rs = &scratch;
	struct blame_result br = { .api_frame = -1, .callsite_frame = -1 };
	long nr = th->last.syscall_nr;
	struct live_event ev;

	free(th->stuck_where);
	th->stuck_where = NULL;
	rs->nframes = 0;
	if (current_stack(t, p, th->tid, &nr, rs) == 0) {
		struct stack_verdict v;

		classify_stack(p->profile, rs->frames, rs->nframes, &v);
		if (v.off_worker) /* block_in_place: blocking by design */
			return;
		if (tracer_park_missed(t, p, nr, &v))
			return;
		if (v.role == BW_ROLE_BLOCKING || (v.parked && v.role != BW_ROLE_UNKNOWN)) {
			th->role = v.role;
			return; /* spawn_blocking work or an idle worker: not stuck */
		}
		blame__analyze(rs->frames, rs->nframes, (int)nr, &br);
		th->stuck_where = callsites__describe(rs->frames, rs->nframes, &br);
	}
	if (!t->opts.on_event)
		return;
	ev = (struct live_event){
		.ts_ns = tracer_now_ns(),
		.pid = th->pid,
		.tid = th->tid,
		.comm = th->comm,
		.blocked_ns = blocked_ns,
		.category = bw_category__name(br.category),
		.blocking_api = br.blocking_api ? br.blocking_api : "unknown",
		.callsite = th->stuck_where ? th->stuck_where : "[unknown]",
		.syscall = syscall_name((int)nr),
		.stuck = true,
		.frames = rs->frames,
		.nframes = rs->nframes,
	};
	t->opts.on_event(t->opts.event_ctx, &ev);
}

void tracer_check_stuck(struct tracer *t)
{
	uint64_t now = tracer_now_ns();

	for (int i = 0; i < t->nthreads; i++) {
		struct traced_thread *th = &t->threads[i];
		struct traced_process *p;
		uint64_t since = th->last.state_since_ns;

		if (th->exited || th->last.state != BW_STATE_BLOCKED || now < since ||
		    now - since < t->opts.stuck_ns || th->last.off_worker_depth ||
		    th->role == BW_ROLE_BLOCKING ||
		    th->role == BW_ROLE_OTHER)
			continue;
		if (th->stuck_since == since)
			continue; /* this episode is already reported */
		p = tracer_find_process(t, th->pid);
		if (!p)
			continue;
		th->stuck_since = since;
		report_stuck(t, p, th, now - since);
	}
}
