/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one header shared by the BPF programs and userspace: event records,
 * map values, limits and counters. Fixed-width types only, explicit padding,
 * and a size assertion on every struct so both sides agree on the layout.
 */
#ifndef BLOCKWATCH_H
#define BLOCKWATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define BW_COMM_LEN 16

/* x86-64 DWARF register numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
#define BW_NREGS 17
#define BW_REG_BP 6
#define BW_REG_SP 7
#define BW_REG_IP 16

/* Return-address fixups carried per event for active uretprobes. */
#define BW_MAX_URET_FIXUPS 8

/* Largest user-stack copy taken for one slow event. */
#define BW_STACK_BYTES 16384

/* Thread roles, set by uprobes on runtime entry points or by userspace. */
enum bw_role {
	BW_ROLE_UNKNOWN = 0,
	BW_ROLE_WORKER = 1,
	BW_ROLE_BLOCKING = 2,
	BW_ROLE_OTHER = 3,
};

/* What a traced thread is doing right now. */
enum bw_state {
	BW_STATE_RUNNING = 0,
	BW_STATE_BLOCKED = 1,  /* voluntary sleep in user code */
	BW_STATE_PARKED = 2,   /* runtime idle: inside a park function */
	BW_STATE_RUNNABLE = 3, /* preempted, waiting for a CPU */
	BW_STATE_COUNT = 4,
};

/* Actions a runtime uprobe performs; passed as the BPF cookie. */
enum bw_probe_action {
	BW_PROBE_PARK_ENTER = 1,
	BW_PROBE_PARK_EXIT = 2,
	BW_PROBE_ROLE_WORKER = 3,
	BW_PROBE_ROLE_BLOCKING = 4,
	BW_PROBE_POLL_ENTER = 5, /* a task's poll begins (--polls, --locks) */
	BW_PROBE_POLL_EXIT = 6,
	/* an async semaphore's acquire future is polled (--locks); its return
	 * says whether the permits were taken */
	BW_PROBE_ACQUIRE_ENTER = 7,
	BW_PROBE_ACQUIRE_EXIT = 8,
	BW_PROBE_RELEASE = 9, /* permits go back to an async semaphore */
	/* a worker hands its core to another thread and blocks on purpose
	 * (block_in_place): not a stall of the runtime until it returns */
	BW_PROBE_OFF_WORKER_ENTER = 10,
	BW_PROBE_OFF_WORKER_EXIT = 11,
	/* the worker loop returned: after a block_in_place (its core went to
	 * another thread) the thread is back in the blocking pool; otherwise
	 * the runtime is shutting down and it stays a worker to the end */
	BW_PROBE_ROLE_RETIRED = 12,
	BW_PROBE_BLOCK_IN_PLACE_DONE = 13, /* block_in_place tries to take its core back */
};

/* A probe's cookie: the action in the low byte; for ACQUIRE_* probes the
 * byte offset of the semaphore pointer inside the acquire future above it;
 * BW_COOKIE_WORKER on a park entry only runtime workers make (a thread
 * already running when we attached gets its role at its first park). */
#define BW_COOKIE_ACTION(c) ((c) & 0xff)
#define BW_COOKIE_WORKER (1u << 8)
#define BW_COOKIE_FIELD(c) ((c) >> 16)
#define BW_COOKIE(action, field) ((__u64)(action) | ((__u64)(field) << 16))

/* Park words learned per thread (see bw_thread.park_word). */
#define BW_PARK_WORDS 2

/* Per-thread state kept in the `threads` map, read by userspace. */
struct bw_thread {
	__u64 state_since_ns;      /* when the current state began */
	__u64 time_ns[BW_STATE_COUNT];
	__u64 syscall_blocked_ns;  /* blocked time inside the current syscall */
	__u64 syscall_enter_ns;
	__u64 min_sp;              /* deepest user stack pointer seen */
	__u32 tgid;
	__u32 state;               /* enum bw_state */
	__u32 role;                /* enum bw_role */
	__s32 syscall_nr;          /* -1 when not in a syscall */
	__u32 park_depth;          /* >0 while inside a runtime park function */
	__u32 switches;
	/* Set by userspace for a thread found parked at attach time: its
	 * current park call has no uretprobe, so the park ends at the next
	 * syscall exit instead. */
	__u32 park_pending;
	__u32 waker_tid;           /* who woke it from its last sleep */
	__u32 cpu;                 /* last CPU it ran on */
	__u32 poll_samples;        /* on-CPU samples taken in the current long poll */
	/* the task poll in progress (--polls): start, running time at start,
	 * and the poll function's address, which names the future type */
	__u64 poll_start_ns;
	__u64 poll_running_base_ns;
	__u64 poll_fn;
	/* user rbp at the last syscall entry: with sp and pc from /proc it
	 * lets userspace unwind a thread that is stuck right now through
	 * functions that address their frame from rbp */
	__u64 syscall_user_bp;
	/* --locks: the task being polled (0 between polls), a counter that
	 * moves at every poll and park (a permit released under another value
	 * was held across an .await), and the acquire future being polled */
	__u64 poll_task;
	__u64 acquire_future;
	__u32 poll_seq;
	/* a syscall-end task work is queued (task-work stack capture): the
	 * syscall whose blocked time accumulates has not returned yet */
	__u32 tw_pending;
	/* Futex words this thread was seen sleeping on inside a probed runtime
	 * park (its parker's condvar, the parker's own lock): once learned,
	 * a wait on one of them is parked without any probe (BW_TGID_PARK_BY_WORD). */
	__u64 park_word[BW_PARK_WORDS];
	/* the first argument of the innermost park function entered (its
	 * parker): a thread that parked only in the I/O driver (epoll) gets
	 * its word from it, at the offset another thread's word showed */
	__u64 park_self;
	__u32 park_gen;    /* the tgid's park-probe generation park_depth counts in */
	__u32 park_sleeps; /* sleeps seen inside a probed park */
	/* 1 + the epoll fd this thread was seen waiting on inside a park (the
	 * I/O driver's), 0 if none: such a wait is parked without looking up
	 * the process's flags */
	__u32 park_epfd;
	/* >0 inside block_in_place (where it is not inlined): blocking there
	 * is the documented way to block without stalling the runtime */
	__u16 off_worker_depth;
	__u16 block_in_place_done; /* its worker loop may return to the pool */
};
_Static_assert(sizeof(struct bw_thread) == 200, "bw_thread layout");

/* Per-process flags in the `tgids` map. */
enum bw_tgid_flags {
	BW_TGID_TRACED = 1,
	/* No park uprobes could be attached (stripped binary): treat futex
	 * and epoll waits as parked. Documented in docs/design.md. */
	BW_TGID_PARK_BY_SYSCALL = 2,
	/* The runtime's I/O driver is the only blocking epoll_wait caller on
	 * its threads: such waits are parked even when no park probe saw them
	 * start (a worker that was inside the driver when we attached). */
	BW_TGID_EPOLL_IS_PARK = 4,
	/* The park probes are detached (steady state): a futex wait on one of
	 * the thread's learned park words is parked; park_depth is ignored. */
	BW_TGID_PARK_BY_WORD = 8,
	/* `-- COMMAND`: a program this process's children exec is traced from
	 * its exec on (BPF sets the child's entry and bitmap bit at once, so
	 * no event is lost while userspace looks at it). With TRACED clear:
	 * a wrapper with no runtime, followed only. */
	BW_TGID_FOLLOW = 16,
};

/* The traced_tgids bitmap covers every possible pid (PID_MAX_LIMIT on
 * 64-bit: 4M): 512 KiB. */
#define BW_PID_MAX_LIMIT (4 * 1024 * 1024)
#define BW_TGID_BITMAP_WORDS (BW_PID_MAX_LIMIT / 64)

/* Value of the `tgids` map. */
struct bw_tgid {
	__u32 flags;    /* enum bw_tgid_flags */
	/* bumped by userspace each time the park probes are attached again:
	 * a park_depth counted under an older generation is stale (its
	 * return probe was gone) */
	__u32 park_gen;
};
_Static_assert(sizeof(struct bw_tgid) == 8, "tgid layout");

enum bw_event_type {
	BW_EV_BLOCKED = 1,     /* a blocked interval over the threshold */
	BW_EV_THREAD_EXIT = 2, /* final counters of a thread */
	BW_EV_EXEC = 3,        /* a process exec'd (system-wide discovery) */
	BW_EV_SWITCH = 4,      /* `check` mode: one context switch */
	/* The stack of a thread that woke a traced thread out of a slow futex
	 * wait: usually the lock holder releasing the lock (struct bw_blocked_event). */
	BW_EV_WAKER = 5,
	BW_EV_LONG_POLL = 6,   /* a task poll ran on-CPU over the poll threshold */
	/* An on-CPU stack of a worker inside a poll that is already over the
	 * poll threshold (struct bw_blocked_event; blocked_ns = poll age). */
	BW_EV_POLL_SAMPLE = 7,
	/* an async lock's permits were held across an .await for longer than
	 * the threshold (struct bw_hold_event) */
	BW_EV_LOCK_HOLD = 8,
};

/* Why a blocked interval happened outside any syscall. */
enum bw_block_kind {
	BW_BLOCK_SYSCALL = 0,
	BW_BLOCK_NO_SYSCALL = 1, /* page fault or other kernel-side sleep */
};

struct bw_event_header {
	__u32 type;
	__u32 size; /* bytes of the whole record */
	__u64 ts_ns;
	__u32 pid;  /* tgid */
	__u32 tid;
};
_Static_assert(sizeof(struct bw_event_header) == 24, "header layout");

struct bw_blocked_event {
	struct bw_event_header hdr;
	__u64 blocked_ns;  /* off-CPU blocked time within the interval */
	__u64 wall_ns;     /* syscall entry to exit */
	__s32 syscall_nr;
	__u32 kind;        /* enum bw_block_kind */
	__u32 role;
	__u32 stack_len;   /* valid bytes in stack[] */
	/* BW_EV_BLOCKED: the thread that woke this one (0 if unknown);
	 * BW_EV_WAKER: the thread this one woke. */
	__u64 other_tid;
	__u64 regs[BW_NREGS];
	/* Active uretprobes replace return addresses on the stack with their
	 * trampoline; the kernel keeps the originals. Slot addresses and
	 * original values, innermost first, 0 when unused. */
	__u64 uret_slot[BW_MAX_URET_FIXUPS];
	__u64 uret_orig[BW_MAX_URET_FIXUPS];
	__u8 comm[BW_COMM_LEN];
	__u8 stack[BW_STACK_BYTES]; /* copy of user memory from regs[BW_REG_SP] */
};
_Static_assert(sizeof(struct bw_blocked_event) ==
		       24 + 40 + 8 * BW_NREGS + 16 * BW_MAX_URET_FIXUPS + 16 + BW_STACK_BYTES,
	       "blocked event layout");

struct bw_thread_exit_event {
	struct bw_event_header hdr;
	struct bw_thread thread;
	__u8 comm[BW_COMM_LEN];
};
_Static_assert(sizeof(struct bw_thread_exit_event) == 24 + 200 + 16, "exit event layout");

struct bw_long_poll_event {
	struct bw_event_header hdr;
	__u64 cpu_ns;  /* on-CPU time of the poll */
	__u64 wall_ns; /* entry to return */
	__u64 poll_fn; /* address of the poll function (one per future type) */
	__u32 role;
	__u32 samples; /* BW_EV_POLL_SAMPLE records sent during this poll */
};
_Static_assert(sizeof(struct bw_long_poll_event) == 56, "long poll event layout");

/* On-CPU samples per long poll: enough to name the hot code, bounded cost. */
#define BW_MAX_POLL_SAMPLES 4

/* A little of a thread's user stack with the registers CFI unwinding from
 * a function's own frame needs: enough to reach the async fn around an
 * acquire or a release without copying a whole stack per lock operation. */
#define BW_SNIPPET_BYTES 1024
struct bw_stack_snippet {
	__u64 ip, sp, bp;
	__u32 tid;
	__u32 len; /* valid bytes in stack[] */
	__u8 stack[BW_SNIPPET_BYTES];
};
_Static_assert(sizeof(struct bw_stack_snippet) == 32 + BW_SNIPPET_BYTES, "snippet layout");

/* A permit held by one task: key and value of the `holds` map. */
struct bw_hold_key {
	__u64 semaphore;
	__u64 task;
};

struct bw_hold {
	__u64 start_ns;
	__u32 poll_seq;
	__u32 pad;
	struct bw_stack_snippet acquire;
};

struct bw_hold_event {
	struct bw_event_header hdr;
	__u64 hold_ns;
	__u32 role;
	__u32 pad;
	struct bw_stack_snippet acquire, release;
	__u8 comm[BW_COMM_LEN];
};
_Static_assert(sizeof(struct bw_hold_event) == 24 + 16 + 2 * (32 + BW_SNIPPET_BYTES) + 16,
	       "hold event layout");

struct bw_exec_event {
	struct bw_event_header hdr;
	__u8 comm[BW_COMM_LEN];
};
_Static_assert(sizeof(struct bw_exec_event) == 40, "exec event layout");

struct bw_switch_event {
	struct bw_event_header hdr;
	__u32 cpu;
	__u32 prev_state_running; /* 1 if prev was preempted */
};
_Static_assert(sizeof(struct bw_switch_event) == 32, "switch event layout");

/* Kernel-side counters, one slot per reason, in a per-CPU array. */
enum bw_counter {
	BW_CNT_RINGBUF_FULL = 0,   /* event dropped: ring buffer full */
	BW_CNT_THREADS_FULL,       /* thread not tracked: threads map full */
	BW_CNT_STACK_READ_FAIL,    /* user stack could not be copied */
	BW_CNT_STACK_TRUNCATED,    /* copy shorter than BW_STACK_BYTES */
	BW_CNT_SWITCHES,           /* context switches of traced threads */
	BW_CNT_BLOCKED_EVENTS,     /* blocked events emitted */
	BW_CNT_WAKER_EVENTS,       /* waker stacks emitted */
	BW_CNT_LONG_POLLS,         /* long polls emitted */
	BW_CNT_LOCK_HOLDS,         /* async lock holds emitted */
	BW_CNT_HOLDS_FULL,         /* permit not tracked: holds map full */
	/* A traced thread ran although no switch-in was seen (a kernel that
	 * does not trace some switches, a skipped run): its time off-CPU up
	 * to then was counted in the state it left in. */
	BW_CNT_SWITCH_IN_UNSEEN,
	/* The kernel skipped one of our programs (it was already running on
	 * that CPU): a state change may be missing. Summed by userspace from
	 * each program's recursion_misses; this map slot stays unused. */
	BW_CNT_RUNS_SKIPPED,
	/* A blocked syscall's end could not be scheduled as task work: its
	 * blocked time is reported with the next one's, or not at all. */
	BW_CNT_TASK_WORK_FAILED,
	BW_CNT_TASK_WORKS,         /* syscall-end task works run */
	BW_CNT_PARK_WORDS_LEARNED, /* park words learned from probed parks */
	BW_CNT_NR,
};

#endif /* BLOCKWATCH_H */
