// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Feature probe for `blockwatch check`: loads (never attaches) a tp_btf
 * program that calls bpf_task_pt_regs, which only some kernels allow. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(probe_task_pt_regs, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);

	return regs ? 0 : 1;
}
