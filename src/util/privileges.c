/*
 * Dropping what root does not need. blockwatch reads data other users
 * control (recordings, target ELF/DWARF, /proc of their processes), so once
 * the BPF side is loaded it keeps only the capabilities that its remaining
 * work uses, in the effective, permitted and bounding sets, and sets
 * no_new_privs so that nothing it could be tricked into running gets more.
 * Capabilities past the ones these headers know are dropped from the
 * bounding set by number, up to the kernel's last (cap_last_cap).
 */
#include "util/privileges.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define CAP(c) (1ULL << (c))

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

/* keep: effective and permitted; standby: permitted only, raised into the
 * effective set just for the calls that need it (privileges__admin_raise). */
static int keep_only(uint64_t keep, uint64_t standby)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uint64_t eff, prm;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	eff = ((uint64_t)d[1].effective << 32 | d[0].effective) & keep;
	prm = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & (keep | standby);
	keep |= standby; /* the bounding set holds both */
	/* the bounding set first: dropping from it needs CAP_SETPCAP, which
	 * the capset below gives up */
	for (int c = 0, n = last_cap(); c <= n; c++)
		if (!(keep & CAP(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL &&
		    errno != EPERM)
			return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int privileges__keep_for_tracing(void)
{
	/* CAP_BPF, CAP_PERFMON: probes attached later (runtimes found in new
	 * processes, park probes attached again); CAP_SYS_PTRACE: /proc and
	 * the stacks of other users' processes; CAP_DAC_READ_SEARCH: their
	 * executables and debug files; CAP_DAC_OVERRIDE: the report, written
	 * at the end where the user asked (sudo in a home folder); CAP_KILL:
	 * stopping a launched command that changed its user; CAP_SYS_ADMIN
	 * only permitted, for attaching uprobes (privileges__admin_raise). */
	return keep_only(CAP(CAP_BPF) | CAP(CAP_PERFMON) | CAP(CAP_SYS_PTRACE) |
			     CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_KILL),
			 CAP(CAP_SYS_ADMIN));
}

int privileges__keep_for_files(void)
{
	/* reading a recording or an ELF file and writing a report need file
	 * access only */
	return keep_only(CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_DAC_OVERRIDE), 0);
}

/* Seen here (kernel 6.18): a uprobe perf event asks for CAP_SYS_ADMIN, not
 * only CAP_PERFMON. After the drop it stays in the permitted set only,
 * effective just around those calls. */
static int set_admin(bool on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1u << (CAP_SYS_ADMIN % 32);
	int w = CAP_SYS_ADMIN / 32;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (!(d[w].permitted & bit) || !!(d[w].effective & bit) == on)
		return 0; /* not ours to raise, or already so: nothing changed */
	d[w].effective = on ? d[w].effective | bit : d[w].effective & ~bit;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 1;
}

bool privileges__admin_raise(void)
{
	return set_admin(true) == 1;
}

void privileges__admin_lower(void)
{
	set_admin(false);
}

int privileges__effective(uint64_t *caps)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %lx", (unsigned long *)caps) == 1) {
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}
