/* Ring-buffer events: a blocked interval is resolved, its thread's role is
 * decided, and worker blocking is blamed and aggregated by callsite. */
#include "ingest/procfs.h"
#include "ingest/tracer_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blame/blame.h"
#include "classify/thread_role.h"
#include "ingest/stack_resolve.h"
#include "ingest/syscall_names.h"

/* Decides whether a blocked thread is a runtime worker. Sources, strongest
 * first: --threads, the kernel's uprobe verdict, an earlier stack verdict,
 * this stack, and for nameless (stripped) stacks the thread-name hint.
 * A thread inside block_on is a runtime thread only while it is there (main
 * runs block_on, then maybe drops the runtime): that verdict is per event. */
static enum bw_role decide_role(struct tracer *t, struct traced_process *p,
				struct traced_thread *th, enum bw_role kernel_role,
				const struct resolved_stack *rs)
{
	struct stack_verdict v = {};

	if (thread_filter__active()) {
		/* names are final by the time a thread blocks: keep the verdict */
		th->role = thread_filter__matches(th->comm) ? BW_ROLE_WORKER : BW_ROLE_OTHER;
		return th->role;
	}
	if (kernel_role == BW_ROLE_WORKER || kernel_role == BW_ROLE_BLOCKING)
		return kernel_role;
	/* the program is still being loaded: main has not even started */
	if (rs && stack_in_loader(rs->frames, rs->nframes))
		return BW_ROLE_OTHER;
	if (!p->profile)
		return BW_ROLE_OTHER; /* no runtime (yet): nothing to judge by, nothing kept */
	/* This event's own stack before an earlier guess: a thread seen in
	 * the blocking pool's loop (probes placed late, a dlopen'ed runtime)
	 * may have become a worker since, the worker loop running inside. */
	if (rs)
		classify_stack(p->profile, rs->frames, rs->nframes, &v);
	if (v.role == BW_ROLE_UNKNOWN && (th->role == BW_ROLE_WORKER || th->role == BW_ROLE_BLOCKING))
		return th->role;
	if (v.role != BW_ROLE_UNKNOWN) {
		if (v.in_block_on) {
			th->ran_block_on = true;
			return BW_ROLE_WORKER;
		}
		th->role = v.role;
		return v.role;
	}
	/* The name alone only where nothing better exists (no symbols): the
	 * blocking pool's threads carry the workers' name too, so with
	 * symbols an undecided thread stays undecided until a stack, a park
	 * or a probe tells. */
	if (tracer_name_says_worker(p, th->comm) && (!v.named || !p->by_symbols)) {
		tracer_note_degraded(t, "%s (pid %d): worker threads recognised by thread name only",
				     p->comm, p->pid);
		th->role = BW_ROLE_WORKER;
		return BW_ROLE_WORKER;
	}
	/* A full, named stack without runtime frames: a thread of its own
	 * (a std::thread; main before or after block_on). Remember that,
	 * except for main, which may still enter a block_on. */
	if (v.named && rs && rs->stop == UNWIND_STOP_END) {
		if (th->tid != th->pid)
			th->role = BW_ROLE_OTHER;
		return BW_ROLE_OTHER;
	}
	return BW_ROLE_UNKNOWN;
}

static void count_unwind(struct tracer *t, const struct resolved_stack *rs)
{
	if (rs->stop != UNWIND_STOP_END && rs->stop < UNWIND_STOP_NR)
		t->user_counters[UC_UNWIND_STOP_BASE + rs->stop]++;
	t->user_counters[UC_UNRESOLVED_FRAMES] += rs->unresolved;
}

void tracer_publish(struct tracer *t, struct callsites *into, const struct blocked_interval *iv,
		    const char *comm)
{
	const struct blame_result *br = iv->blame;
	struct live_event ev;
	char *where;

	callsites__add(into, iv);
	if (!t->opts.on_event)
		return;
	where = callsites__describe(iv->frames, iv->nframes, br);
	ev = (struct live_event){
		.ts_ns = iv->ts_ns,
		.pid = iv->pid,
		.tid = iv->tid,
		.comm = comm,
		.blocked_ns = iv->blocked_ns,
		.category = iv->category_name ? iv->category_name : bw_category__name(br->category),
		.blocking_api = br->blocking_api ? br->blocking_api : "unknown",
		.callsite = where ? where : "[unknown]",
		.syscall = syscall_name(iv->syscall_nr),
		.long_poll = into == t->long_polls,
		.lock_hold = into == t->lock_holds,
		.holder_thread = iv->holder_thread,
		.holder_where = iv->holder_where,
		.frames = iv->frames,
		.nframes = iv->nframes,
	};
	t->opts.on_event(t->opts.event_ctx, &ev);
	free(where);
}

static void publish(struct tracer *t, const struct bw_blocked_event *e, struct traced_thread *th,
		    const struct resolved_stack *rs, const struct blame_result *br)
{
	struct blocked_interval iv = {
		.pid = e->hdr.pid,
		.tid = e->hdr.tid,
		.ts_ns = e->hdr.ts_ns,
		.blocked_ns = e->blocked_ns,
		.syscall_nr = e->syscall_nr,
		.frames = rs->frames,
		.nframes = rs->nframes,
		.blame = br,
	};

	/* the waker event for this very wait, if one came just before */
	if (th->holder_where && th->holder_ts <= e->hdr.ts_ns &&
	    th->holder_ts + e->blocked_ns + 1000000000ULL >= e->hdr.ts_ns) {
		iv.holder_thread = th->holder_thread;
		iv.holder_where = th->holder_where;
	}
	tracer_publish(t, t->callsites, &iv, th->comm);
	free(th->holder_where);
	th->holder_where = NULL;
}

static struct resolved_stack scratch; /* large; one event is handled at a time */

static uint8_t patched_stack[BW_STACK_BYTES];

/* Puts back the return addresses that active uretprobes (ours on park and
 * poll functions) replaced with their trampoline, so the walk continues
 * past them. Returns the stack bytes to unwind. */
static const uint8_t *restore_return_addresses(const struct bw_blocked_event *e)
{
	uint64_t sp = e->regs[BW_REG_SP];
	bool copied = false;

	for (int i = 0; i < BW_MAX_URET_FIXUPS && e->uret_slot[i]; i++) {
		uint64_t slot = e->uret_slot[i];

		if (slot < sp || slot - sp + 8 > e->stack_len)
			continue;
		if (!copied) {
			memcpy(patched_stack, e->stack, e->stack_len);
			copied = true;
		}
		memcpy(patched_stack + (slot - sp), &e->uret_orig[i], 8);
	}
	return copied ? patched_stack : e->stack;
}

/* Unwinds and symbolizes the stack copy an event carries. 0 on success
 * (rs filled, unwinding counted); negative when there is nothing to use. */
static int resolve_event_stack(struct tracer *t, struct traced_process *p,
			       const struct bw_blocked_event *e, size_t size,
			       struct resolved_stack *rs)
{
	struct bw_process *unw = tracer_unwinder(t, p);
	struct bw_stack_sample s = {
		.pid = e->hdr.pid,
		.tid = e->hdr.tid,
		.stack = e->stack,
		.stack_len = e->stack_len,
	};

	rs->nframes = 0;
	rs->stop = UNWIND_STOP_END;
	rs->unresolved = 0;
	if (!unw || !e->stack_len || size < sizeof(*e) - BW_STACK_BYTES + e->stack_len)
		return -ENODATA;
	memcpy(s.regs, e->regs, sizeof(s.regs));
	s.stack = restore_return_addresses(e);
	if (resolve_stack(unw, &s, rs)) {
		rs->nframes = 0;
		return -EINVAL;
	}
	count_unwind(t, rs);
	return rs->nframes ? 0 : -ENODATA;
}

/* The runtime called the blocking API itself, on the user's behalf (its
 * internal locks while spawning, say): a runtime frame sits between the
 * API and the user's callsite. */
static bool runtime_called_api(const struct traced_process *p, const struct resolved_stack *rs,
			       const struct blame_result *br)
{
	/* no known API on the stack: the syscall itself is the API, made by
	 * whatever code sits between it and the callsite */
	int from = br->api_frame >= 0 ? br->api_frame + 1 : 0;

	if (br->callsite_frame <= from - 1 || br->callsite_frame < 0)
		return false;
	for (int i = from; i < br->callsite_frame && i < rs->nframes; i++)
		if (runtime_owns_frame(p->profile, rs->frames[i].function, rs->frames[i].file))
			return true;
	return false;
}

/* Outside a syscall there is no stack copy, only the faulting pc: its
 * inline chain is the whole (partial) stack. */
static void resolve_fault_pc(struct tracer *t, struct traced_process *p,
			     const struct bw_blocked_event *e, struct resolved_stack *rs)
{
	struct bw_process *unw = tracer_unwinder(t, p);
	int n;

	if (!unw || !e->regs[BW_REG_IP])
		return;
	n = process__symbolize(unw, e->regs[BW_REG_IP], false, rs->frames, BW_MAX_FRAMES);
	if (n <= 0)
		return;
	rs->nframes = n;
	rs->npcs = 1;
	rs->stop = UNWIND_STOP_END_OF_COPY;
	for (int i = 0; i < n; i++)
		rs->unresolved += !rs->frames[i].function;
}

static void handle_blocked(struct tracer *t, const struct bw_blocked_event *e, size_t size)
{
	struct traced_process *p = tracer_find_process(t, e->hdr.pid);
	struct resolved_stack *rs = &scratch;
	struct traced_thread *th;
	struct stack_verdict v = {};
	struct blame_result br;
	enum bw_role role;

	if (!p) {
		t->user_counters[UC_UNKNOWN_PID]++;
		return;
	}
	th = tracer_thread(t, e->hdr.pid, e->hdr.tid);
	if (!th)
		return;
	/* a launched program's libraries are mapped by now */
	tracer_scan_shared_objects(t, p);
	memcpy(th->comm, e->comm, sizeof(th->comm));
	th->comm[sizeof(th->comm) - 1] = 0;
	t->events_total++;
	if (resolve_event_stack(t, p, e, size, rs) == -ENODATA && !rs->nframes) {
		if (e->kind == BW_BLOCK_SYSCALL)
			t->user_counters[UC_EMPTY_STACK]++;
		else
			resolve_fault_pc(t, p, e, rs);
	}
	role = decide_role(t, p, th, e->role, rs->nframes ? rs : NULL);
	if (role == BW_ROLE_UNKNOWN) {
		/* not known to be a worker (yet): never a worker stall, but
		 * counted (attached mid-flight, the stack cut short) */
		t->user_counters[UC_ROLE_UNKNOWN_EVENTS]++;
		return;
	}
	if (role == BW_ROLE_BLOCKING || role == BW_ROLE_OTHER) {
		t->user_counters[role == BW_ROLE_BLOCKING ? UC_BLOCKING_POOL_EVENTS
							  : UC_OTHER_THREAD_EVENTS]++;
		th->blocking_pool_events += role == BW_ROLE_BLOCKING;
		/* a settled verdict: the kernel stops sending its slow events */
		if (th->role == role)
			bw_bpf__set_role(t->bpf, e->hdr.tid, role);
		return;
	}
	if (p->profile && rs->nframes)
		classify_stack(p->profile, rs->frames, rs->nframes, &v);
	if (v.off_worker) {
		/* block_in_place: the worker handed its core on and blocks by
		 * design, like the blocking pool */
		t->user_counters[UC_BLOCKING_POOL_EVENTS]++;
		return;
	}
	if (e->kind == BW_BLOCK_SYSCALL && tracer_park_missed(t, p, e->syscall_nr, &v))
		return;
	blame__analyze(rs->frames, rs->nframes, e->syscall_nr, &br);
	/* A complete, fully named stack without a single user frame: the
	 * runtime or a library blocked on its own (shutdown, allocator
	 * returning memory). Likewise a fault whose named code is not the
	 * user's. No user line to blame: counted apart. */
	if ((br.callsite_frame < 0 && rs->nframes && !rs->unresolved &&
	     (rs->stop == UNWIND_STOP_END || e->kind == BW_BLOCK_NO_SYSCALL)) ||
	    runtime_called_api(p, rs, &br)) {
		t->internal_count++;
		t->internal_ns += e->blocked_ns;
		if (t->opts.verbose) {
			fprintf(stderr, "blockwatch: runtime-internal blocking, tid %d, %llu ns in %s:\n",
				e->hdr.tid, (unsigned long long)e->blocked_ns, syscall_name(e->syscall_nr));
			for (int i = 0; i < rs->nframes; i++)
				fprintf(stderr, "    %s%s %s:%d\n", rs->frames[i].inlined ? "(inl) " : "",
					rs->frames[i].function ? rs->frames[i].function : "??",
					rs->frames[i].file ? rs->frames[i].file : "?", rs->frames[i].line);
		}
		return;
	}
	publish(t, e, th, rs, &br);
}

/* A thread woke a traced one out of a slow futex wait: remember where it
 * was (for a mutex: releasing the lock the sleeper waited for). */
static void handle_waker(struct tracer *t, const struct bw_blocked_event *e, size_t size)
{
	struct traced_process *p = tracer_find_process(t, e->hdr.pid);
	struct resolved_stack *rs = &scratch;
	struct traced_thread *sleeper;
	struct blame_result br;

	if (!p || !(sleeper = tracer_thread(t, e->hdr.pid, (pid_t)e->other_tid)))
		return;
	if (resolve_event_stack(t, p, e, size, rs)) {
		t->user_counters[UC_WAKER_UNRESOLVED]++;
		return;
	}
	blame__analyze(rs->frames, rs->nframes, e->syscall_nr, &br);
	free(sleeper->holder_where);
	sleeper->holder_where = callsites__describe(rs->frames, rs->nframes, &br);
	memcpy(sleeper->holder_thread, e->comm, sizeof(sleeper->holder_thread));
	sleeper->holder_thread[sizeof(sleeper->holder_thread) - 1] = 0;
	sleeper->holder_ts = e->hdr.ts_ns;
}

/* An on-CPU sample inside a poll that is already long: keep the first one
 * of each poll, its user frames name the hot code. */
static void handle_poll_sample(struct tracer *t, const struct bw_blocked_event *e, size_t size)
{
	struct traced_process *p = tracer_find_process(t, e->hdr.pid);
	struct resolved_stack *rs = &scratch;
	uint64_t poll_start = e->hdr.ts_ns - e->blocked_ns;
	struct traced_thread *th;

	if (!p || !(th = tracer_thread(t, e->hdr.pid, e->hdr.tid)) ||
	    th->poll_sample_start == poll_start || resolve_event_stack(t, p, e, size, rs))
		return;
	free(th->poll_frames);
	th->poll_frames = malloc(rs->nframes * sizeof(*rs->frames));
	if (!th->poll_frames)
		return;
	memcpy(th->poll_frames, rs->frames, rs->nframes * sizeof(*rs->frames));
	th->npoll_frames = rs->nframes;
	th->poll_sample_start = poll_start;
}

/* How many frames, from the leaf, belong to the task: those above the
 * runtime's poll function. Rootward of it is whatever runs the executor,
 * which may be the user's own code (a smol program's thread closure), not
 * the task. All of them when no poll function is on the stack. */
static int task_frames(const struct runtime_profile *p, const struct bw_frame *frames, int n)
{
	for (int i = 1; p && i < n; i++)
		for (const struct runtime_probe_rule *r = p->probes; r->suffix; r++)
			if (r->action == BW_PROBE_POLL_ENTER && frames[i].function &&
			    symbol_has_suffix(frames[i].function, r->suffix))
				return i;
	return n;
}

/* A task poll ran on-CPU longer than the poll threshold: attribute it to
 * the user code its sample caught running, else to the poll function. */
static void handle_long_poll(struct tracer *t, const struct bw_long_poll_event *e)
{
	struct traced_process *p = tracer_find_process(t, e->hdr.pid);
	struct blame_result br = { .api_frame = -1, .callsite_frame = -1,
				   .blocking_api = "on-CPU poll" };
	struct resolved_stack *rs = &scratch;
	const struct bw_frame *frames;
	struct traced_thread *th;
	struct bw_process *unw;
	int nframes = 0;

	if (!p || !(th = tracer_thread(t, e->hdr.pid, e->hdr.tid)))
		return;
	if (th->role == BW_ROLE_BLOCKING || th->role == BW_ROLE_OTHER)
		return; /* spawn_blocking closures may compute as long as they like */
	if (th->poll_frames && th->poll_sample_start == e->hdr.ts_ns - e->wall_ns) {
		frames = th->poll_frames;
		nframes = th->npoll_frames;
	} else {
		frames = rs->frames;
		unw = tracer_unwinder(t, p);
		if (unw)
			nframes = process__symbolize(unw, e->poll_fn, false, rs->frames, BW_MAX_FRAMES);
		if (nframes < 0)
			nframes = 0;
	}
	/* The task's own code: the rootmost user frame (the async fn the
	 * runtime polls), at the line it was executing; samples anywhere in a
	 * hot loop below it then agree on one callsite. */
	br.callsite_frame = blame__task_frame(frames, task_frames(p->profile, frames, nframes));
	struct blocked_interval iv = {
		.pid = e->hdr.pid,
		.tid = e->hdr.tid,
		.ts_ns = e->hdr.ts_ns,
		.blocked_ns = e->cpu_ns,
		.syscall_nr = -1,
		.frames = frames,
		.nframes = nframes,
		.blame = &br,
		.category_name = "long-poll",
	};
	tracer_publish(t, t->long_polls, &iv, th->comm);
	free(th->poll_frames);
	th->poll_frames = NULL;
}

static void handle_exit(struct tracer *t, const struct bw_thread_exit_event *e)
{
	struct traced_thread *th;

	if (!tracer_find_process(t, e->hdr.pid))
		return;
	th = tracer_thread(t, e->hdr.pid, e->hdr.tid);
	if (!th)
		return;
	th->last = e->thread;
	if (!th->comm[0])
		memcpy(th->comm, e->comm, sizeof(th->comm) - 1);
	if (th->role == BW_ROLE_UNKNOWN)
		th->role = e->thread.role;
	th->exited = true;
	if (e->hdr.tid == e->hdr.pid) {
		struct traced_process *p = tracer_find_process(t, e->hdr.pid);

		if (p)
			p->exited = true;
	}
}

static void handle_exec(struct tracer *t, const struct bw_exec_event *e)
{
	struct traced_process *p = tracer_find_process(t, e->hdr.pid);
	struct traced_thread *th;

	/* a traced process (a launched command) execs: another program now */
	if (p) {
		th = tracer_find_thread(t, e->hdr.tid);
		if (th)
			memcpy(th->comm, e->comm, sizeof(th->comm));
		tracer_process_execed(t, p, (const char *)e->comm);
		return;
	}
	if (t->opts.npids)
		return;
	/* `-- COMMAND`: a program its descendants exec (a wrapper script, a
	 * supervisor) is traced too; system-wide: any new program may link a
	 * runtime */
	if (t->opts.command && !bw_bpf__followed(t->bpf, e->hdr.pid))
		return;
	tracer_add_discovered(t, e->hdr.pid, NULL);
}

int tracer_handle_event(void *ctx, void *data, size_t size)
{
	const struct bw_event_header *h = data;
	struct tracer *t = ctx;

	if (size < sizeof(*h)) {
		t->user_counters[UC_BAD_RECORD]++;
		return 0;
	}
	switch (h->type) {
	case BW_EV_BLOCKED:
		if (size >= sizeof(struct bw_blocked_event) - BW_STACK_BYTES)
			handle_blocked(t, data, size);
		break;
	case BW_EV_WAKER:
		if (size >= sizeof(struct bw_blocked_event) - BW_STACK_BYTES)
			handle_waker(t, data, size);
		break;
	case BW_EV_POLL_SAMPLE:
		if (size >= sizeof(struct bw_blocked_event) - BW_STACK_BYTES)
			handle_poll_sample(t, data, size);
		break;
	case BW_EV_LOCK_HOLD:
		if (size >= sizeof(struct bw_hold_event))
			tracer_handle_lock_hold(t, data);
		break;
	case BW_EV_LONG_POLL:
		if (size >= sizeof(struct bw_long_poll_event))
			handle_long_poll(t, data);
		break;
	case BW_EV_THREAD_EXIT:
		if (size >= sizeof(struct bw_thread_exit_event))
			handle_exit(t, data);
		break;
	case BW_EV_EXEC:
		if (size >= sizeof(struct bw_exec_event))
			handle_exec(t, data);
		break;
	default:
		break;
	}
	return 0;
}
