// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * blockwatch kernel side: per-thread off-CPU accounting for traced threads.
 *
 * Common path (every context switch of a traced thread): one hash lookup,
 * one timestamp, one state update. Threads that are not traced cost one
 * failed hash lookup. Only a blocked interval over the threshold pays for a
 * ring-buffer record with registers and a copy of the user stack, and it
 * pays when the syscall returns (the user stack is then current and intact).
 *
 * Where the kernel has BPF task work (6.18+), nothing runs on syscalls at
 * all: a blocked sleep inside a syscall queues a task work on its thread,
 * which runs on that thread's way back to user space, i.e. at the end of
 * the syscall (use_task_work). Elsewhere a sys_exit program does it.
 *
 * Parked vs blocked: while the runtime's park probes are attached, a sleep
 * inside a park is parked and its futex word is learned per thread; once
 * learned, userspace detaches the park probes (no trap per park) and a wait
 * on a learned word is parked (BW_TGID_PARK_BY_WORD).
 *
 * Each program body is written once; tp_btf and raw_tp entry points are
 * thin wrappers, and userspace autoloads whichever the kernel supports.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "blockwatch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u64 threshold_ns = 1000000;
const volatile __u64 poll_threshold_ns; /* 0: long-poll detection off */
const volatile __u64 hold_threshold_ns; /* 0: async lock holds off */
const volatile __u32 check_tgid;   /* `check` mode: emit every switch of this tgid */
const volatile bool follow_execs;  /* `-- COMMAND`: trace what its descendants exec */
const volatile __u32 syscall_futex = 202;
const volatile __u32 syscall_epoll_wait = 232;
const volatile __u32 syscall_epoll_pwait = 281;
const volatile __u32 syscall_epoll_pwait2 = 441;
const volatile __u32 syscall_execve = 59;
const volatile __u32 syscall_execveat = 322;
/* the end of a blocked syscall is found by task work, not by sys_exit */
const volatile bool use_task_work;

/* BPF task work (kernel 6.18+); weak, so the object still loads where it
 * is missing and the sys_exit programs are used instead. */
extern int bpf_task_work_schedule_resume_impl(struct task_struct *task,
					      struct bpf_task_work *tw, void *map__map,
					      bpf_task_work_callback_t callback,
					      void *aux__prog) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, struct bw_tgid);
} tgids SEC(".maps");

/* Per process: where a parker's futex word sits relative to the first
 * argument of the park function it sleeps in (learned from one thread,
 * applied to threads that park only in the I/O driver). BPF-only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);   /* tgid */
	__type(value, __s64); /* word - park_self */
} park_offsets SEC(".maps");

/* One task-work slot per thread that has had a blocked syscall (a slot
 * holds one pending work; kept apart from `threads`, which userspace
 * rewrites, so a rewrite never cancels a pending work). */
struct tw_slot {
	struct bpf_task_work tw;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct tw_slot);
} tw_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct bw_thread);
} threads SEC(".maps");

/* One bit per traced process (by tgid): the first check on every context
 * switch and wakeup of every task on the machine. An array lookup is
 * inlined by the verifier (a few ns); a failed hash lookup cost ~150 ns
 * here (kvm-clock VM, cold caches), paid twice per switch by every process. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* userspace sets bits atomically too */
	__uint(max_entries, BW_TGID_BITMAP_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} traced_tgids SEC(".maps");

/* Roles userspace decided from stacks (tid -> enum bw_role). Kept apart from
 * `threads` so userspace never writes back a stale copy of hot counters;
 * read only on the slow path. Roles from uprobes (in `threads`) win. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} user_roles SEC(".maps");

/* Permits of async locks held right now (--locks; userspace sizes it to
 * one entry otherwise). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bw_hold_key);
	__type(value, struct bw_hold);
} holds SEC(".maps");

/* Room to build a `holds` value: too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_hold);
} hold_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Every record starts with the same header. */
static __always_inline void set_header(struct bw_event_header *h, __u32 type, __u32 size,
				       __u64 ts_ns, __u32 pid, __u32 tid)
{
	h->type = type;
	h->size = size;
	h->ts_ns = ts_ns;
	h->pid = pid;
	h->tid = tid;
}

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

/* Kernels before 5.14 call the field `state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* btf: a trusted task pointer (tp_btf), read directly; raw_tp goes
 * through bpf_probe_read_kernel, a helper call per field. Constant per
 * entry point, so each flavour carries only its own reads. */
static __always_inline long task_state(struct task_struct *t, const bool btf)
{
	if (bpf_core_field_exists(t->__state))
		return btf ? t->__state : BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

static __always_inline __u32 task_tid(struct task_struct *t, const bool btf)
{
	return btf ? t->pid : BPF_CORE_READ(t, pid);
}

static __always_inline __u32 task_tgid(struct task_struct *t, const bool btf)
{
	return btf ? t->tgid : BPF_CORE_READ(t, tgid);
}

static __always_inline bool tgid_traced(__u32 tgid)
{
	__u32 word = tgid / 64;
	__u64 *bits = bpf_map_lookup_elem(&traced_tgids, &word);

	return bits && (*bits >> (tgid % 64)) & 1;
}

/* Userspace changes the bitmap too (mmap'd): atomically, both sides. */
static __always_inline void set_tgid_traced(__u32 tgid, bool on)
{
	__u32 word = tgid / 64;
	__u64 *bits = bpf_map_lookup_elem(&traced_tgids, &word);

	if (!bits)
		return;
	if (on)
		__sync_fetch_and_or(bits, 1ULL << (tgid % 64));
	else
		__sync_fetch_and_and(bits, ~(1ULL << (tgid % 64)));
}

/* The entry of a task of a traced process, or NULL (the cheap early exit
 * every other task on the machine takes). */
static __always_inline struct bw_thread *traced_thread(struct task_struct *t, __u32 tid,
						       const bool btf)
{
	if (!tgid_traced(task_tgid(t, btf)))
		return NULL;
	return bpf_map_lookup_elem(&threads, &tid);
}

static __always_inline void account(struct bw_thread *th, __u64 now)
{
	__u64 delta = now - th->state_since_ns;
	__u32 st = th->state;

	if (now < th->state_since_ns)
		delta = 0;
	if (st < BW_STATE_COUNT)
		th->time_ns[st] += delta;
	if (st == BW_STATE_BLOCKED)
		th->syscall_blocked_ns += delta;
	th->state_since_ns = now;
}

/* The thread is on-CPU (this program runs in its context) but its entry
 * says otherwise: its switch-in was never seen. Some kernels do not trace
 * switches away from certain tasks (seen: a VM's init agent), and a
 * skipped run loses one too. Close the off-CPU interval here, so a sleep
 * that ended unseen is still measured, not lost. */
static __always_inline void resync_on_cpu(struct bw_thread *th)
{
	account(th, bpf_ktime_get_ns());
	th->state = BW_STATE_RUNNING;
	th->cpu = bpf_get_smp_processor_id();
	count(BW_CNT_SWITCH_IN_UNSEEN);
}

/* The syscalls a runtime parks in: futex (condvar) and epoll (I/O driver). */
static __always_inline bool is_park_syscall(__s32 nr)
{
	return nr == syscall_futex || nr == syscall_epoll_wait ||
	       nr == syscall_epoll_pwait || nr == syscall_epoll_pwait2;
}

static __always_inline bool is_epoll_wait(__s32 nr)
{
	return nr == syscall_epoll_wait || nr == syscall_epoll_pwait || nr == syscall_epoll_pwait2;
}

static __always_inline bool parks_by_syscall(__u32 flags, __s32 nr)
{
	if ((flags & BW_TGID_PARK_BY_SYSCALL) && is_park_syscall(nr))
		return true;
	return (flags & BW_TGID_EPOLL_IS_PARK) && is_epoll_wait(nr);
}

static __always_inline __u32 tgid_flags(__u32 tgid)
{
	struct bw_tgid *tg = bpf_map_lookup_elem(&tgids, &tgid);

	return tg ? tg->flags : 0;
}

static __always_inline bool is_park_word(struct bw_thread *th, __u64 word)
{
	return word && (word == th->park_word[0] || word == th->park_word[1]);
}

/* The two most recent words win: a parker's condvar and its own lock. */
static __always_inline void learn_park_word(struct bw_thread *th, __u64 word)
{
	if (!word || is_park_word(th, word))
		return;
	th->park_word[1] = th->park_word[0];
	th->park_word[0] = word;
	count(BW_CNT_PARK_WORDS_LEARNED);
}

/* A futex sleep inside a probed park: its word, and where it sits from the
 * park function's argument (the same for every parker of the process). */
static __always_inline void learn_from_futex_park(struct bw_thread *th, __u64 word)
{
	__s64 off = (__s64)(word - th->park_self);

	learn_park_word(th, word);
	if (th->park_self && off > -4096 && off < 4096)
		bpf_map_update_elem(&park_offsets, &th->tgid, &off, BPF_ANY);
}

/* A thread that has parked only in the I/O driver (epoll) so far: derive
 * the word its parker will wait on from another thread's offset. */
static __always_inline void derive_park_word(struct bw_thread *th)
{
	__s64 *off;

	if (th->park_word[0] || !th->park_self)
		return;
	off = bpf_map_lookup_elem(&park_offsets, &th->tgid);
	if (off)
		learn_park_word(th, th->park_self + *off);
}

/* Inside a park whose entry probe counted under the current generation
 * (a depth left from before the probes were last detached is stale). */
static __always_inline bool in_probed_park(struct bw_thread *th, struct bw_tgid *tg)
{
	return th->park_depth > 0 && tg && th->park_gen == tg->park_gen &&
	       !(tg->flags & BW_TGID_PARK_BY_WORD);
}

/* nr: the syscall the thread sleeps in (-1: none); word: its futex word
 * or epoll fd (0 otherwise). Threads in no park and no park syscall, and
 * waits on a learned word or fd, never look up their process. */
static __always_inline __u32 off_cpu_state(struct bw_thread *th, bool preempt, long prev_state,
					   __s32 nr, __u64 word)
{
	struct bw_tgid *tg;

	if (preempt || prev_state == 0 /* TASK_RUNNING: yield or preemption */)
		return BW_STATE_RUNNABLE;
	if (!th->park_depth && !is_park_syscall(nr)) {
		/* a park that began before attach ends at its first other sleep */
		th->park_pending = 0;
		return BW_STATE_BLOCKED;
	}
	if ((nr == syscall_futex && is_park_word(th, word)) ||
	    (is_epoll_wait(nr) && th->park_epfd && (__u32)word == th->park_epfd - 1))
		return BW_STATE_PARKED;
	tg = bpf_map_lookup_elem(&tgids, &th->tgid);
	if (in_probed_park(th, tg)) {
		if (nr == syscall_futex) {
			learn_from_futex_park(th, word);
		} else {
			if (is_epoll_wait(nr))
				th->park_epfd = (__u32)word + 1; /* an int fd */
			derive_park_word(th);
		}
		th->park_sleeps++;
		return BW_STATE_PARKED;
	}
	if (!tg)
		return BW_STATE_BLOCKED;
	if (th->park_pending && !(tg->flags & BW_TGID_PARK_BY_WORD) && is_park_syscall(nr))
		return BW_STATE_PARKED;
	return parks_by_syscall(tg->flags, nr) ? BW_STATE_PARKED : BW_STATE_BLOCKED;
}

static __always_inline void emit_switch(__u32 tid, __u32 tgid, __u64 now, bool runnable)
{
	struct bw_switch_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(BW_CNT_RINGBUF_FULL);
		return;
	}
	set_header(&e->hdr, BW_EV_SWITCH, sizeof(*e), now, tgid, tid);
	e->cpu = bpf_get_smp_processor_id();
	e->prev_state_running = runnable;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void fill_regs(__u64 *out, struct pt_regs *regs);

/* A blocked interval outside any syscall (page fault, ...) ends here; there
 * is no syscall exit to copy a stack at, and the thread's memory is not the
 * current one, so send the registers it faulted with (tp_btf: the faulting
 * pc names the code) and no stack. */
static __always_inline void emit_blocked_no_syscall(__u32 tid, struct bw_thread *th,
						    __u64 now, __u64 blocked,
						    struct pt_regs *user_regs)
{
	struct bw_blocked_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e) - BW_STACK_BYTES, 0);
	if (!e) {
		count(BW_CNT_RINGBUF_FULL);
		return;
	}
	set_header(&e->hdr, BW_EV_BLOCKED, sizeof(*e) - BW_STACK_BYTES, now, th->tgid, tid);
	e->blocked_ns = blocked;
	e->wall_ns = blocked;
	e->syscall_nr = -1;
	e->kind = BW_BLOCK_NO_SYSCALL;
	e->role = th->role;
	e->stack_len = 0;
	e->other_tid = th->waker_tid;
	if (user_regs)
		fill_regs(e->regs, user_regs);
	else
		__builtin_memset(e->regs, 0, sizeof(e->regs));
	__builtin_memset(e->uret_slot, 0, sizeof(e->uret_slot));
	__builtin_memset(e->uret_orig, 0, sizeof(e->uret_orig));
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	count(BW_CNT_BLOCKED_EVENTS);
}

/* x86-64 entry code sets ax to -ENOSYS before dispatching a syscall; an
 * exception leaves the user's ax there (and puts its error code, not -1,
 * in orig_ax), so both together say "inside syscall orig_ax". */
#define BW_ENOSYS 38

/* tp_btf: the syscall a thread is in is read from its saved registers the
 * first time it sleeps there, so no program has to run on every syscall
 * entry of every task (raw_tp keeps a sys_enter program instead). The
 * syscall's wall time then starts at that first sleep. */
static __always_inline bool in_syscall(struct pt_regs *regs)
{
	return (long)regs->orig_ax >= 0 && regs->ax == (unsigned long)-BW_ENOSYS;
}

static __always_inline void note_syscall(struct bw_thread *th, struct pt_regs *regs, __u64 now)
{
	if (!in_syscall(regs)) {
		th->syscall_nr = -1; /* an interrupt or a fault, not a syscall */
		return;
	}
	th->syscall_nr = regs->orig_ax;
	th->syscall_user_bp = regs->bp;
	th->syscall_enter_ns = now;
	th->syscall_blocked_ns = 0;
}

/* Whether the syscall of an earlier sleep is still the current one: with
 * task work it ends when its work runs; with sys_exit, at sys_exit. Only
 * blocked sleeps queue a work, so after a parked one the next sleep always
 * reads its syscall afresh. */
static __always_inline bool syscall_open(struct bw_thread *th)
{
	return use_task_work ? th->tw_pending : th->syscall_nr >= 0;
}

static __always_inline bool reportable_role(struct bw_thread *th, __u32 tid);
static int syscall_end_work(struct bpf_map *map, __u32 *key, struct tw_slot *slot);

/* A blocked sleep inside a syscall: have the syscall's end run
 * syscall_end_work in this thread's context (once per syscall). */
static __always_inline void queue_syscall_end(struct task_struct *task, struct bw_thread *th,
					      __u32 tid)
{
	struct tw_slot fresh = {}, *slot;

	if (!reportable_role(th, tid))
		return; /* its blocking is never reported: nothing to capture */
	slot = bpf_map_lookup_elem(&tw_slots, &tid);
	if (!slot) {
		bpf_map_update_elem(&tw_slots, &tid, &fresh, BPF_NOEXIST);
		slot = bpf_map_lookup_elem(&tw_slots, &tid);
		if (!slot) {
			count(BW_CNT_TASK_WORK_FAILED);
			return;
		}
	}
	if (bpf_task_work_schedule_resume_impl(task, &slot->tw, &tw_slots,
					       (bpf_task_work_callback_t)syscall_end_work, NULL)) {
		count(BW_CNT_TASK_WORK_FAILED);
		return;
	}
	th->tw_pending = 1;
}

/* btf: a tp_btf entry (task pointers are trusted, pt_regs readable); a
 * constant per entry point, so the raw_tp copy carries no such call. */
static __always_inline int handle_switch(bool preempt, struct task_struct *prev,
					 struct task_struct *next, const bool btf)
{
	__u32 prev_tid = task_tid(prev, btf);
	__u32 next_tid = task_tid(next, btf);
	struct bw_thread *th;
	__u64 now = 0;

	th = traced_thread(prev, prev_tid, btf);
	if (th) {
		long prev_state = task_state(prev, btf);
		__u64 word = 0;

		now = bpf_ktime_get_ns();
		if (th->state != BW_STATE_RUNNING)
			count(BW_CNT_SWITCH_IN_UNSEEN);
		account(th, now);
		if (btf && !preempt && prev_state != 0) {
			struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);

			if (!syscall_open(th))
				note_syscall(th, regs, now);
			/* a futex's word, an epoll wait's fd */
			if (is_park_syscall(th->syscall_nr))
				word = regs->di;
		}
		th->state = off_cpu_state(th, preempt, prev_state, th->syscall_nr, word);
		if (btf && use_task_work && th->state == BW_STATE_BLOCKED && th->syscall_nr >= 0 &&
		    !th->tw_pending)
			queue_syscall_end(prev, th, prev_tid);
		th->switches++;
		count(BW_CNT_SWITCHES);
		if (check_tgid && th->tgid == check_tgid)
			emit_switch(prev_tid, th->tgid, now, th->state == BW_STATE_RUNNABLE);
	}

	th = traced_thread(next, next_tid, btf);
	if (th) {
		__u32 was = th->state;
		__u64 start = th->state_since_ns;

		if (!now)
			now = bpf_ktime_get_ns();
		account(th, now);
		th->state = BW_STATE_RUNNING;
		th->cpu = bpf_get_smp_processor_id();
		if (was == BW_STATE_BLOCKED && th->syscall_nr < 0 &&
		    now - start >= threshold_ns) {
			struct pt_regs *regs = btf ? (struct pt_regs *)bpf_task_pt_regs(next) : NULL;

			/* the syscall may have gone unseen (an entry written back by
			 * userspace in between): its exit reports it, not a fault */
			if (regs && in_syscall(regs)) {
				th->syscall_nr = regs->orig_ax;
			} else {
				emit_blocked_no_syscall(next_tid, th, now, now - start, regs);
				/* reported here: not part of the next syscall */
				th->syscall_blocked_ns = 0;
			}
		} else if (was == BW_STATE_BLOCKED && th->syscall_nr < 0) {
			th->syscall_blocked_ns = 0; /* a short fault: nobody's syscall */
		}
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, next, true);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, next, false);
}

static __always_inline __u32 copy_stack(__u8 *dst, __u64 sp);
static __always_inline void fill_uret_fixups(struct bw_blocked_event *e);

/* The waker of a slow futex wait is, for a mutex, the thread releasing it:
 * its user stack names the critical section that held the lock. Captured
 * only when the sleeper has already been blocked over the threshold. */
static __always_inline void emit_waker(struct bw_thread *sleeper, __u32 sleeper_tid,
				       struct pt_regs *waker_regs, __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 waker_tid = (__u32)id;
	struct bw_thread *waker;
	struct bw_blocked_event *e;

	if ((id >> 32) != sleeper->tgid)
		return; /* woken by another process */
	/* a FUTEX_WAKE from the waker's own syscall, not an interrupt that
	 * happened to land on some thread of the process */
	waker = bpf_map_lookup_elem(&threads, &waker_tid);
	if (!waker || waker_regs->orig_ax != syscall_futex ||
	    waker_regs->ax != (unsigned long)-BW_ENOSYS)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(BW_CNT_RINGBUF_FULL);
		return;
	}
	set_header(&e->hdr, BW_EV_WAKER, sizeof(*e), now, id >> 32, (__u32)id);
	e->blocked_ns = now - sleeper->state_since_ns;
	e->wall_ns = 0;
	e->syscall_nr = sleeper->syscall_nr;
	e->kind = BW_BLOCK_SYSCALL;
	e->role = 0;
	e->other_tid = sleeper_tid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fill_regs(e->regs, waker_regs);
	fill_uret_fixups(e);
	e->stack_len = copy_stack(e->stack, e->regs[BW_REG_SP]);
	bpf_ringbuf_submit(e, 0);
	count(BW_CNT_WAKER_EVENTS);
}

/* A sleeping thread is woken: its blocked (or parked) time ends here and
 * run-queue waiting starts, so wakeup latency is not counted as blocking.
 * btf: the waker's user registers can be read (tp_btf), for emit_waker. */
static __always_inline int handle_wakeup(struct task_struct *p, const bool btf)
{
	__u32 tid = task_tid(p, btf);
	struct bw_thread *th = traced_thread(p, tid, btf);
	__u64 now;

	if (!th || th->state == BW_STATE_RUNNING || th->state == BW_STATE_RUNNABLE)
		return 0;
	now = bpf_ktime_get_ns();
	if (btf && th->state == BW_STATE_BLOCKED && th->syscall_nr == syscall_futex &&
	    now - th->state_since_ns >= threshold_ns)
		emit_waker(th, tid,
			   (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()), now);
	account(th, now);
	th->state = BW_STATE_RUNNABLE;
	th->waker_tid = (__u32)bpf_get_current_pid_tgid();
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(waking_btf, struct task_struct *p)
{
	return handle_wakeup(p, true);
}

SEC("raw_tp/sched_waking")
int BPF_PROG(waking_raw, struct task_struct *p)
{
	return handle_wakeup(p, false);
}

/* A thread's entry from now on, in `state` (outside any syscall). */
static __always_inline void track_thread(__u32 tid, __u32 tgid, __u32 state, __u64 flags)
{
	struct bw_thread th = {};

	th.tgid = tgid;
	th.syscall_nr = -1;
	th.state = state;
	th.state_since_ns = bpf_ktime_get_ns();
	if (state == BW_STATE_RUNNING)
		th.cpu = bpf_get_smp_processor_id();
	if (bpf_map_update_elem(&threads, &tid, &th, flags) == -7 /* -E2BIG */)
		count(BW_CNT_THREADS_FULL);
}

/* New threads of traced processes are traced from their first switch. */
static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(child, tgid);

	if (tgid_traced(tgid))
		track_thread(BPF_CORE_READ(child, pid), tgid, BW_STATE_RUNNABLE, BPF_NOEXIST);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

/* The last thread of a process is gone: its tgid stops being traced now,
 * in the kernel, so a process that is given the same pid later (a long
 * system-wide trace or `serve` sees pids wrap) inherits nothing. */
static __always_inline void forget_dead_process(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, signal, live.counter) != 0 || !bpf_map_lookup_elem(&tgids, &tgid))
		return;
	bpf_map_delete_elem(&tgids, &tgid);
	set_tgid_traced(tgid, false);
}

static __always_inline int handle_exit(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	struct bw_thread *th = bpf_map_lookup_elem(&threads, &tid);
	struct bw_thread_exit_event *e;

	forget_dead_process(p);
	if (!th)
		return 0;
	account(th, bpf_ktime_get_ns());
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		set_header(&e->hdr, BW_EV_THREAD_EXIT, sizeof(*e), th->state_since_ns, th->tgid,
			   tid);
		__builtin_memcpy(&e->thread, th, sizeof(*th));
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, 0);
	} else {
		count(BW_CNT_RINGBUF_FULL);
	}
	bpf_map_delete_elem(&threads, &tid);
	bpf_map_delete_elem(&user_roles, &tid);
	bpf_map_delete_elem(&tw_slots, &tid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *p)
{
	return handle_exit(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *p)
{
	return handle_exit(p);
}

/* A program exec'd by a followed process (`-- COMMAND`'s children, their
 * children, ...) is traced from this instant: its entry, its bitmap bit and
 * its exec'ing thread now, before userspace even reads the exec event. */
static __always_inline void follow_exec(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), ptgid = BPF_CORE_READ(p, real_parent, tgid);
	struct bw_tgid *parent = bpf_map_lookup_elem(&tgids, &ptgid);
	/* until userspace has looked at it (probes, park words), its futex and
	 * epoll waits count as parks: a runtime's idle threads would otherwise
	 * send a stack for every park in the meantime */
	struct bw_tgid child = { .flags = BW_TGID_TRACED | BW_TGID_FOLLOW | BW_TGID_PARK_BY_SYSCALL |
					  BW_TGID_EPOLL_IS_PARK };

	if (!parent || !(parent->flags & BW_TGID_FOLLOW) || bpf_map_lookup_elem(&tgids, &tgid))
		return;
	if (bpf_map_update_elem(&tgids, &tgid, &child, BPF_NOEXIST))
		return;
	/* the exec'ing thread runs now; after exec it is the only one */
	track_thread(BPF_CORE_READ(p, pid), tgid, BW_STATE_RUNNING, BPF_ANY);
	set_tgid_traced(tgid, true);
}

/* System-wide mode discovers runtimes in processes that exec later;
 * `-- COMMAND` follows what its descendants exec. */
static __always_inline int handle_exec(struct task_struct *p)
{
	struct bw_exec_event *e;

	if (follow_execs)
		follow_exec(p);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(BW_CNT_RINGBUF_FULL);
		return 0;
	}
	set_header(&e->hdr, BW_EV_EXEC, sizeof(*e), bpf_ktime_get_ns(), BPF_CORE_READ(p, tgid),
		   BPF_CORE_READ(p, pid));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p)
{
	return handle_exec(p);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_raw, struct task_struct *p)
{
	return handle_exec(p);
}

static __always_inline int handle_sys_enter(struct pt_regs *regs, long id)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bw_thread *th;

	th = bpf_map_lookup_elem(&threads, &tid);
	if (!th)
		return 0;
	th->syscall_nr = id;
	th->syscall_user_bp = BPF_CORE_READ(regs, bp);
	th->syscall_blocked_ns = 0;
	th->syscall_enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return handle_sys_enter(regs, id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return handle_sys_enter(regs, id);
}

static __always_inline void fill_regs(__u64 *out, struct pt_regs *regs)
{
	out[0] = BPF_CORE_READ(regs, ax);
	out[1] = BPF_CORE_READ(regs, dx);
	out[2] = BPF_CORE_READ(regs, cx);
	out[3] = BPF_CORE_READ(regs, bx);
	out[4] = BPF_CORE_READ(regs, si);
	out[5] = BPF_CORE_READ(regs, di);
	out[6] = BPF_CORE_READ(regs, bp);
	out[7] = BPF_CORE_READ(regs, sp);
	out[8] = BPF_CORE_READ(regs, r8);
	out[9] = BPF_CORE_READ(regs, r9);
	out[10] = BPF_CORE_READ(regs, r10);
	out[11] = BPF_CORE_READ(regs, r11);
	out[12] = BPF_CORE_READ(regs, r12);
	out[13] = BPF_CORE_READ(regs, r13);
	out[14] = BPF_CORE_READ(regs, r14);
	out[15] = BPF_CORE_READ(regs, r15);
	out[16] = BPF_CORE_READ(regs, ip);
}

/* Copy as much of the user stack as is mapped. The stack may end (at a
 * page boundary) less than BW_STACK_BYTES above sp, as a main thread's does
 * by a varying amount: then copy up to the highest page boundary that is
 * still readable, so no frame that exists is cut off (halving the size lost
 * up to half the frames, and with them block_on's). */
#define BW_PAGE 4096ULL
static __always_inline __u32 copy_stack(__u8 *dst, __u64 sp)
{
	if (!bpf_probe_read_user(dst, BW_STACK_BYTES, (void *)sp))
		return BW_STACK_BYTES;
	count(BW_CNT_STACK_TRUNCATED);
	for (int pages = BW_STACK_BYTES / BW_PAGE; pages > 0; pages--) {
		__u64 len = ((sp + pages * BW_PAGE) & ~(BW_PAGE - 1)) - sp;

		if (len == 0 || len > BW_STACK_BYTES)
			continue;
		if (!bpf_probe_read_user(dst, len, (void *)sp))
			return len;
	}
	count(BW_CNT_STACK_READ_FAIL);
	return 0;
}

/* Slow path only: a blocking-pool or foreign thread's blocking is not sent. */
static __always_inline bool reportable_role(struct bw_thread *th, __u32 tid)
{
	__u32 role = th->role, *user;

	if (th->off_worker_depth)
		return false; /* inside block_in_place */
	if (role == BW_ROLE_UNKNOWN) {
		user = bpf_map_lookup_elem(&user_roles, &tid);
		role = user ? *user : BW_ROLE_UNKNOWN;
	}
	return role != BW_ROLE_BLOCKING && role != BW_ROLE_OTHER;
}

/* The current task's pending uretprobe returns: where on the stack each
 * trampoline address sits and what it replaced (kernels with uprobes). */
static __always_inline void fill_uret_fixups(struct bw_blocked_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct return_instance *ri = NULL;

	__builtin_memset(e->uret_slot, 0, sizeof(e->uret_slot));
	__builtin_memset(e->uret_orig, 0, sizeof(e->uret_orig));
	if (!bpf_core_field_exists(task->utask) ||
	    !bpf_core_field_exists(struct return_instance, orig_ret_vaddr))
		return;
	ri = BPF_CORE_READ(task, utask, return_instances);
	for (int i = 0; i < BW_MAX_URET_FIXUPS && ri; i++) {
		e->uret_slot[i] = BPF_CORE_READ(ri, stack);
		e->uret_orig[i] = BPF_CORE_READ(ri, orig_ret_vaddr);
		ri = BPF_CORE_READ(ri, next);
	}
}

/* A syscall returns (sys_exit, or its task work): report its blocked time
 * if it was over the threshold, with the user registers and stack. */
static __always_inline void finish_syscall(struct bw_thread *th, __u32 tid, __u32 tgid,
					   struct pt_regs *regs)
{
	struct bw_blocked_event *e;
	__u64 blocked, now;
	__s32 nr;

	if (th->state != BW_STATE_RUNNING)
		resync_on_cpu(th);
	nr = th->syscall_nr;
	blocked = th->syscall_blocked_ns;
	th->syscall_nr = -1;
	th->syscall_blocked_ns = 0;
	th->tw_pending = 0;
	/* A park that began before attach has no uretprobe; it may loop over
	 * several futex/epoll waits, so it ends at the first other syscall
	 * (or at the next park entry, which the uprobes then track). */
	if (th->park_pending && !is_park_syscall(nr))
		th->park_pending = 0;
	if (th->park_pending)
		return;
	/* after exec the user stack belongs to the new image */
	if (nr == syscall_execve || nr == syscall_execveat)
		return;
	/* nr < 0: this syscall never slept (tp_btf notes a syscall at its first
	 * sleep); any blocked time is a fault's, already reported */
	if (nr < 0 || blocked < threshold_ns || !reportable_role(th, tid))
		return;
	/* the syscall heuristic's parks are never blocking, however the
	 * time inside them was split (slow path: one more lookup) */
	if (parks_by_syscall(tgid_flags(th->tgid), nr))
		return;

	now = bpf_ktime_get_ns();
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(BW_CNT_RINGBUF_FULL);
		return;
	}
	set_header(&e->hdr, BW_EV_BLOCKED, sizeof(*e), now, tgid, tid);
	e->blocked_ns = blocked;
	e->wall_ns = now - th->syscall_enter_ns;
	e->syscall_nr = nr;
	e->kind = BW_BLOCK_SYSCALL;
	e->role = th->role;
	e->other_tid = th->waker_tid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fill_regs(e->regs, regs);
	fill_uret_fixups(e);
	if (e->regs[BW_REG_SP] < th->min_sp || !th->min_sp)
		th->min_sp = e->regs[BW_REG_SP];
	e->stack_len = copy_stack(e->stack, e->regs[BW_REG_SP]);
	bpf_ringbuf_submit(e, 0);
	count(BW_CNT_BLOCKED_EVENTS);
}

static __always_inline int handle_sys_exit(struct pt_regs *regs)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct bw_thread *th;

	th = bpf_map_lookup_elem(&threads, &tid);
	if (th)
		finish_syscall(th, tid, id >> 32, regs);
	return 0;
}

/* Task work queued at a blocked sleep: runs in the thread's own context on
 * its way back to user space, i.e. when the syscall has returned. */
static int syscall_end_work(struct bpf_map *map, __u32 *key, struct tw_slot *slot)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct bw_thread *th;

	count(BW_CNT_TASK_WORKS);
	if (tid != *key)
		return 0; /* cannot happen: a work runs in its own task */
	th = bpf_map_lookup_elem(&threads, &tid);
	if (th)
		finish_syscall(th, tid, id >> 32,
			       (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return handle_sys_exit(regs);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return handle_sys_exit(regs);
}

static __always_inline __u64 running_at(struct bw_thread *th, __u64 now)
{
	__u64 ns = th->time_ns[BW_STATE_RUNNING];

	if (th->state == BW_STATE_RUNNING && now > th->state_since_ns)
		ns += now - th->state_since_ns;
	return ns;
}

/* Task polls (--polls): the innermost poll is timed, since Tokio runs each
 * worker inside a never-ending poll of its own blocking-pool task.
 * --locks: the task is named by the pointer the poll function receives. */
static __always_inline void poll_enter(struct bw_thread *th, __u64 fn, __u64 task)
{
	__u64 now;

	th->poll_task = task;
	th->poll_seq++;
	if (!poll_threshold_ns || th->role == BW_ROLE_BLOCKING)
		return;
	now = bpf_ktime_get_ns();
	th->poll_start_ns = now;
	th->poll_running_base_ns = running_at(th, now);
	th->poll_fn = fn;
	th->poll_samples = 0;
}

static __always_inline void poll_exit(struct bw_thread *th, __u32 tid)
{
	struct bw_long_poll_event *e;
	__u64 now, cpu;

	th->poll_task = 0; /* back in the scheduler, between tasks */
	if (!th->poll_start_ns)
		return;
	now = bpf_ktime_get_ns();
	cpu = running_at(th, now) - th->poll_running_base_ns;
	if (cpu >= poll_threshold_ns) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			set_header(&e->hdr, BW_EV_LONG_POLL, sizeof(*e), now, th->tgid, tid);
			e->cpu_ns = cpu;
			e->wall_ns = now - th->poll_start_ns;
			e->poll_fn = th->poll_fn;
			e->role = th->role;
			e->samples = th->poll_samples;
			bpf_ringbuf_submit(e, 0);
			count(BW_CNT_LONG_POLLS);
		} else {
			count(BW_CNT_RINGBUF_FULL);
		}
	}
	th->poll_start_ns = 0;
}

static __always_inline void fill_snippet(struct bw_stack_snippet *sn, struct pt_regs *ctx, __u32 tid)
{
	sn->ip = PT_REGS_IP(ctx);
	sn->sp = PT_REGS_SP(ctx);
	sn->bp = PT_REGS_FP(ctx);
	sn->tid = tid;
	sn->len = bpf_probe_read_user(sn->stack, BW_SNIPPET_BYTES, (void *)sn->sp)
			  ? 0
			  : BW_SNIPPET_BYTES;
}

/* The acquire future returned Ready(Ok(())), i.e. 0 in the low byte of
 * Poll<Result<(), AcquireError>>: the task now holds the permits. */
static __always_inline void permit_acquired(struct bw_thread *th, struct pt_regs *ctx, __u32 tid,
					    __u64 field)
{
	struct bw_hold_key key = { .task = th->poll_task };
	__u64 future = th->acquire_future;
	struct bw_hold *h;
	__u32 zero = 0;

	th->acquire_future = 0;
	if (!future || (PT_REGS_RC(ctx) & 0xff) != 0)
		return;
	if (bpf_probe_read_user(&key.semaphore, sizeof(key.semaphore), (void *)(future + field)))
		return;
	h = bpf_map_lookup_elem(&hold_scratch, &zero);
	if (!h)
		return;
	h->start_ns = bpf_ktime_get_ns();
	h->poll_seq = th->poll_seq;
	fill_snippet(&h->acquire, ctx, tid);
	if (bpf_map_update_elem(&holds, &key, h, BPF_ANY))
		count(BW_CNT_HOLDS_FULL);
}

/* Permits go back: if this task took them in an earlier poll (it awaited
 * while holding them) and long enough ago, report where and how long. */
static __always_inline void permit_released(struct bw_thread *th, struct pt_regs *ctx, __u32 tid)
{
	struct bw_hold_key key = { .semaphore = PT_REGS_PARM1(ctx), .task = th->poll_task };
	struct bw_hold_event *e;
	struct bw_hold *h;
	__u64 now, held;

	h = bpf_map_lookup_elem(&holds, &key);
	if (!h)
		return;
	now = bpf_ktime_get_ns();
	held = now - h->start_ns;
	if ((h->acquire.tid != tid || h->poll_seq != th->poll_seq) && held >= hold_threshold_ns) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			set_header(&e->hdr, BW_EV_LOCK_HOLD, sizeof(*e), now, th->tgid, tid);
			e->hold_ns = held;
			e->role = th->role;
			e->pad = 0;
			bpf_probe_read_kernel(&e->acquire, sizeof(e->acquire), &h->acquire);
			fill_snippet(&e->release, ctx, tid);
			bpf_get_current_comm(e->comm, sizeof(e->comm));
			bpf_ringbuf_submit(e, 0);
			count(BW_CNT_LOCK_HOLDS);
		} else {
			count(BW_CNT_RINGBUF_FULL);
		}
	}
	bpf_map_delete_elem(&holds, &key);
}

/* Uprobes on runtime internals; the cookie says what the probe means. */
SEC("uprobe")
int runtime_marker(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bw_thread *th = bpf_map_lookup_elem(&threads, &tid);
	__u64 cookie = bpf_get_attach_cookie(ctx);

	if (!th)
		return 0;
	switch (BW_COOKIE_ACTION(cookie)) {
	case BW_PROBE_PARK_ENTER: {
		struct bw_tgid *tg = bpf_map_lookup_elem(&tgids, &th->tgid);

		/* a depth counted before the probes were last detached is stale */
		if (tg && th->park_gen != tg->park_gen) {
			th->park_gen = tg->park_gen;
			th->park_depth = 0;
		}
		/* no role from parking in general (block_on's thread parks
		 * too), but some parks are a worker's own */
		if (cookie & BW_COOKIE_WORKER) {
			if (th->role == BW_ROLE_UNKNOWN)
				th->role = BW_ROLE_WORKER;
			/* parking as a worker: it holds a core (again) */
			th->block_in_place_done = 0;
		}
		th->park_depth++;
		th->park_self = PT_REGS_PARM1(ctx);
		th->park_pending = 0;
		th->poll_seq++; /* block_on's future returned Pending */
		break;
	}
	case BW_PROBE_PARK_EXIT:
		if (th->park_depth > 0)
			th->park_depth--;
		break;
	case BW_PROBE_ROLE_WORKER:
		th->role = BW_ROLE_WORKER;
		th->block_in_place_done = 0;
		break;
	case BW_PROBE_ROLE_BLOCKING:
		th->role = BW_ROLE_BLOCKING;
		break;
	case BW_PROBE_BLOCK_IN_PLACE_DONE:
		th->block_in_place_done = 1;
		break;
	case BW_PROBE_ROLE_RETIRED:
		if (th->block_in_place_done)
			th->role = BW_ROLE_BLOCKING;
		break;
	case BW_PROBE_OFF_WORKER_ENTER:
		th->off_worker_depth++;
		break;
	case BW_PROBE_OFF_WORKER_EXIT:
		if (th->off_worker_depth > 0)
			th->off_worker_depth--;
		break;
	case BW_PROBE_POLL_ENTER:
		poll_enter(th, PT_REGS_IP(ctx), PT_REGS_PARM1(ctx));
		break;
	case BW_PROBE_POLL_EXIT:
		poll_exit(th, tid);
		break;
	case BW_PROBE_ACQUIRE_ENTER:
		th->acquire_future = PT_REGS_PARM1(ctx);
		break;
	case BW_PROBE_ACQUIRE_EXIT:
		permit_acquired(th, ctx, tid, BW_COOKIE_FIELD(cookie));
		break;
	case BW_PROBE_RELEASE:
		permit_released(th, ctx, tid);
		break;
	}
	return 0;
}

/* CPU-clock samples (--polls only): the user stack of a worker whose
 * current poll is already over the threshold names the hot code. Other
 * threads cost one failed lookup per sample. */
SEC("perf_event")
int poll_sampler(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct bw_thread *th = bpf_map_lookup_elem(&threads, &tid);
	struct bw_blocked_event *e;
	struct pt_regs *regs;
	__u64 now;

	if (!th || !th->poll_start_ns || th->poll_samples >= BW_MAX_POLL_SAMPLES)
		return 0;
	now = bpf_ktime_get_ns();
	if (now - th->poll_start_ns < poll_threshold_ns)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(BW_CNT_RINGBUF_FULL);
		return 0;
	}
	th->poll_samples++;
	set_header(&e->hdr, BW_EV_POLL_SAMPLE, sizeof(*e), now, id >> 32, tid);
	e->blocked_ns = now - th->poll_start_ns;
	e->wall_ns = 0;
	e->syscall_nr = -1;
	e->kind = 0;
	e->role = th->role;
	e->other_tid = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fill_regs(e->regs, regs);
	fill_uret_fixups(e);
	e->stack_len = copy_stack(e->stack, e->regs[BW_REG_SP]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
