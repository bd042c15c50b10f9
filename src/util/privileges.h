/* What root keeps once the BPF side is in place (docs/security.md). */
#ifndef BW_PRIVILEGES_H
#define BW_PRIVILEGES_H

#include <stdbool.h>
#include <stdint.h>

/* trace, record, top after attaching: CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE,
 * CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE and CAP_KILL only (effective,
 * permitted and bounding sets), CAP_SYS_ADMIN permitted but not effective,
 * no_new_privs. 0 or negative errno. */
int privileges__keep_for_tracing(void);
/* Makes a permitted but not effective CAP_SYS_ADMIN effective; true when
 * it did (after privileges__keep_for_tracing), and only then is
 * privileges__admin_lower owed. Before the drop nothing changes. */
bool privileges__admin_raise(void);
void privileges__admin_lower(void);
/* report and futures: file access only (CAP_DAC_READ_SEARCH,
 * CAP_DAC_OVERRIDE), no_new_privs. */
int privileges__keep_for_files(void);
/* The effective set as the kernel sees it (/proc/self/status CapEff). */
int privileges__effective(uint64_t *caps);

#endif
