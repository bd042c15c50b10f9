/* Loading and attaching the BPF side: skeleton lifecycle (open -> rodata ->
 * tp_btf or raw_tp -> load -> attach), map helpers and uprobe attachment. */
#ifndef BW_BPF_LOADER_H
#define BW_BPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "blockwatch.h"

struct bw_bpf_opts {
	uint64_t threshold_ns;
	pid_t check_tgid; /* non-zero: emit BW_EV_SWITCH for this process */
	uint32_t max_threads;
	bool want_exec_events; /* system-wide discovery */
	uint64_t poll_threshold_ns; /* non-zero: time task polls (--polls) */
	uint64_t hold_threshold_ns; /* non-zero: async lock holds (--locks) */
	uint32_t ringbuf_bytes;     /* power of two; 0: the 16 MiB default */
};

struct bw_bpf;

/* Returns NULL and a one-line reason in err on failure. */
struct bw_bpf *bw_bpf__open(const struct bw_bpf_opts *opts, char *err, size_t errlen);
void bw_bpf__free(struct bw_bpf *b); /* NULL-safe; detaches everything */

/* "tp_btf" or "raw_tp": which tracepoint flavour was loaded. */
const char *bw_bpf__flavour(const struct bw_bpf *b);
int bw_bpf__ringbuf_fd(const struct bw_bpf *b);
int bw_bpf__threads_fd(const struct bw_bpf *b);
int bw_bpf__holds_fd(const struct bw_bpf *b);

int bw_bpf__trace_process(struct bw_bpf *b, pid_t tgid, uint32_t flags);
/* What an already-running thread is doing when we start tracking it. */
struct bw_initial_state {
	enum bw_role role;
	enum bw_state state; /* RUNNING, BLOCKED or PARKED */
	bool park_pending;   /* parked in a call that began before attach */
	int syscall_nr;      /* the syscall it sleeps in (from /proc), -1 if none */
	uint64_t observed_ns; /* CLOCK_MONOTONIC when /proc was read */
};

/* Adds one thread (returns 1), or refines one already tracked (returns 0);
 * keeps its counters. */
int bw_bpf__track_thread(struct bw_bpf *b, pid_t tid, pid_t tgid,
			 const struct bw_initial_state *init);
/* Refines a tracked thread only (-ENOENT when it is not, e.g. it exited):
 * the role when the kernel has none, and a sleep observed to be a park. */
int bw_bpf__refine_thread(struct bw_bpf *b, pid_t tid, const struct bw_initial_state *init);
/* Forgets a thread that exited before it was added. */
int bw_bpf__untrack_thread(struct bw_bpf *b, pid_t tid);
/* A role decided in userspace (from a stack); uprobe roles take precedence. */
int bw_bpf__set_role(struct bw_bpf *b, pid_t tid, enum bw_role role);
/* Sums the per-CPU kernel counters. */
int bw_bpf__counters(const struct bw_bpf *b, uint64_t out[BW_CNT_NR]);
/* Attaches the runtime marker program; pid -1 means every process. */
/* cookie: BW_COOKIE(action, field) (blockwatch.h). */
int bw_bpf__attach_uprobe(struct bw_bpf *b, const char *path, uint64_t offset, pid_t pid,
			  uint64_t cookie, bool retprobe);
/* CPU-clock sampling on every CPU for long-poll stacks (--polls). */
int bw_bpf__attach_poll_sampler(struct bw_bpf *b, uint64_t period_ns);

/* Kernel feature probes for `check`; each returns true when supported. */
/* Kernel BTF used for CO-RE: $BLOCKWATCH_BTF or /sys/kernel/btf/vmlinux. */
const char *bw_btf_path(void);
bool bw_probe_btf(void);
bool bw_probe_ringbuf(void);
bool bw_probe_uprobes(void);
bool bw_probe_task_pt_regs(void);
bool bw_probe_kprobes(void);

void bw_bpf__set_verbose(bool verbose);

#endif
