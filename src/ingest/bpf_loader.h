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
	bool want_exec_events; /* system-wide discovery, or follow_execs */
	bool follow_execs;     /* `-- COMMAND`: trace what its descendants exec */
	uint64_t poll_threshold_ns; /* non-zero: time task polls (--polls) */
	uint64_t hold_threshold_ns; /* non-zero: async lock holds (--locks) */
	uint32_t ringbuf_bytes;     /* power of two; 0: the 16 MiB default */
};

struct bw_bpf;
/* Uprobes attached and detached as a group (a process's park probes). */
struct bw_probe_set;

/* Returns NULL and a one-line reason in err on failure. */
struct bw_bpf *bw_bpf__open(const struct bw_bpf_opts *opts, char *err, size_t errlen);
void bw_bpf__free(struct bw_bpf *b); /* NULL-safe; detaches everything */

/* "tp_btf" or "raw_tp": which tracepoint flavour was loaded. */
const char *bw_bpf__flavour(const struct bw_bpf *b);
/* How a blocked syscall's end is found: "task-work" (no syscall
 * tracepoint) or "sys_exit" (a program on every syscall's exit). */
const char *bw_bpf__syscall_end(const struct bw_bpf *b);
/* Park futex words are learned (tp_btf): park probes may be detached. */
bool bw_bpf__learns_park_words(const struct bw_bpf *b);
int bw_bpf__ringbuf_fd(const struct bw_bpf *b);
int bw_bpf__threads_fd(const struct bw_bpf *b);
int bw_bpf__holds_fd(const struct bw_bpf *b);

int bw_bpf__trace_process(struct bw_bpf *b, pid_t tgid, uint32_t flags);
/* The process is gone: its pid may be reused by one we do not trace. */
int bw_bpf__untrace_process(struct bw_bpf *b, pid_t tgid);
/* Not traced itself (no runtime), but what its children exec is. */
int bw_bpf__follow_only(struct bw_bpf *b, pid_t tgid);
/* BPF (or we) marked the process BW_TGID_FOLLOW: a descendant of the command. */
bool bw_bpf__followed(struct bw_bpf *b, pid_t tgid);
/* Parks told by learned futex words (probes about to be detached), or by
 * probes again (about to be attached: their older depths go stale). */
int bw_bpf__set_park_by_word(struct bw_bpf *b, pid_t tgid, bool by_word);
/* What an already-running thread is doing when we start tracking it. */
struct bw_initial_state {
	enum bw_role role;
	enum bw_state state; /* RUNNING, BLOCKED or PARKED */
	bool park_pending;   /* parked in a call that began before attach */
	uint64_t park_word;  /* the futex word of that park (0: none, or epoll) */
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
/* Time and runs of our programs (kernel.bpf_stats_enabled=1); -ENODATA
 * while the kernel does not count them. */
int bw_bpf__run_time(const struct bw_bpf *b, uint64_t *run_ns, uint64_t *runs);
/* Sums the per-CPU kernel counters. */
int bw_bpf__counters(const struct bw_bpf *b, uint64_t out[BW_CNT_NR]);
/* Attaches the runtime marker program; pid -1 means every process.
 * cookie: BW_COOKIE(action, field) (blockwatch.h). set: NULL for a probe
 * kept until the end, else the set it can be detached with. */
int bw_bpf__attach_uprobe(struct bw_bpf *b, const char *path, uint64_t offset, pid_t pid,
			  uint64_t cookie, bool retprobe, struct bw_probe_set *set);
/* The process is gone for good: detaches the probes kept until the end
 * that were attached for it alone (in the background, like a set). */
void bw_bpf__release_process(struct bw_bpf *b, pid_t pid);
struct bw_probe_set *bw_probe_set__new(void);
void bw_probe_set__free(struct bw_bpf *b, struct bw_probe_set *s); /* NULL-safe; detaches */
/* Detaches every probe of the set, keeping what to attach. The detach
 * completes in the background (bw_bpf__free waits for it). */
void bw_probe_set__detach(struct bw_bpf *b, struct bw_probe_set *s);
/* Attaches them again; returns how many failed. */
int bw_probe_set__attach(struct bw_bpf *b, struct bw_probe_set *s);
bool bw_probe_set__attached(const struct bw_probe_set *s);
int bw_probe_set__size(const struct bw_probe_set *s);
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
