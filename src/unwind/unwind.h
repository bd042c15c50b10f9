/* Unwinding a copied user stack into program counters (DWARF CFI via libdw,
 * frame pointers as a fast path). Contract used by the ingest stage. */
#ifndef BW_UNWIND_H
#define BW_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "blockwatch.h"

/* One stack snapshot: registers in DWARF order plus bytes copied from sp. */
struct bw_stack_sample {
	pid_t pid;
	pid_t tid;
	uint64_t regs[BW_NREGS];
	const uint8_t *stack; /* user memory [regs[BW_REG_SP], +stack_len) */
	size_t stack_len;
};

enum unwind_stop {
	UNWIND_STOP_END = 0,       /* reached the outermost frame (thread start / main) */
	UNWIND_STOP_END_OF_COPY,   /* needed stack memory beyond the copied bytes */
	UNWIND_STOP_NO_CFI,        /* no CFI for a pc and frame pointers did not help */
	UNWIND_STOP_BAD_ADDRESS,   /* pc not in any mapped module */
	UNWIND_STOP_MAX_DEPTH,     /* out[] was full */
	UNWIND_STOP_ERROR,         /* libdw reported another error */
	UNWIND_STOP_NR,
};

const char *unwind_stop__name(enum unwind_stop why);

/* Per-process module map (from /proc/PID/maps, resolved through
 * /proc/PID/root and map_files) shared by unwinding and symbolization.
 * Cached; refreshed when an address falls outside every known module. */
struct bw_process;

struct bw_process *process__new(pid_t pid);
void process__free(struct bw_process *proc); /* NULL-safe */
/* Re-read /proc/PID/maps (after exec/mmap changes). */
int process__refresh(struct bw_process *proc);

/* Unwind: pcs[0] is the sample's ip; pcs[i>0] are return addresses.
 * Returns the number of pcs (>= 1 when ip is valid), or negative errno. */
int process__unwind(struct bw_process *proc, const struct bw_stack_sample *sample,
		    uint64_t *pcs, int max, enum unwind_stop *why);

/* --- additions (issue 4) --- */

/* Offline twin of process__new: modules from a saved maps file; file paths
 * are looked up under `root` (NULL or "/" = as written). Never reads
 * /proc/PID, so stored fixtures replay anywhere the files exist. */
struct bw_process *process__new_from_maps(pid_t pid, const char *maps_path, const char *root);

/* Extra directories (colon-separated) searched for separate debug info, by
 * build-id (DIR/.build-id/xx/yyyy.debug) and by .gnu_debuglink name, after
 * the standard ":.debug:/usr/lib/debug". The default applies to processes
 * created afterwards; the per-process call to modules not yet symbolized. */
void bw_set_default_debug_dirs(const char *dirs);
int process__set_debug_dirs(struct bw_process *proc, const char *dirs);

/* Counters of this process object: unwinds done and why each stopped. */
void process__unwind_stats(const struct bw_process *proc, uint64_t *unwinds,
			   uint64_t stops[UNWIND_STOP_NR]);
/* ELF modules currently known (for diagnostics and tests). */
int process__module_count(const struct bw_process *proc);

/* A process object is used by one thread at a time (libdwfl is not
 * thread-safe per session). Samples whose registers other than sp and ip
 * are all zero (e.g. from /proc/PID/task/TID/syscall) are unwound with only
 * sp and ip defined, which works wherever the CFA is computed from rsp. */

#endif
