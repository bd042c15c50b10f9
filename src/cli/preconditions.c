#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ingest/bpf_loader.h"
#include "ingest/procfs.h"

int require_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "blockwatch: must run as root (loading BPF programs needs CAP_BPF and CAP_PERFMON); try: sudo blockwatch ...\n");
		return -EPERM;
	}
	return 0;
}

int require_btf(void)
{
	if (!bw_probe_btf()) {
		fprintf(stderr, "blockwatch: kernel BTF not found at %s; a kernel built with CONFIG_DEBUG_INFO_BTF=y is required (or set BLOCKWATCH_BTF to a BTF file for this kernel)\n",
			bw_btf_path());
		return -ENOENT;
	}
	return 0;
}

int require_pid(int pid)
{
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH)) {
		fprintf(stderr, "blockwatch: pid %d not found\n", pid);
		return -ESRCH;
	}
	/* checked before BPF loads (and before record touches its -o file) */
	if (proc_is_kernel_thread(pid)) {
		fprintf(stderr, "blockwatch: pid %d is a kernel thread, not a program; give the pid "
			"of a process running a Tokio runtime\n", pid);
		return -EINVAL;
	}
	return 0;
}
