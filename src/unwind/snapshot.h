/* Stored stack snapshots: registers + stack bytes + the maps file of one
 * blocked thread, saved as a directory so tests (and bug reports) can
 * replay unwinding offline:
 *   DIR/info   text: pid, tid, syscall, comm, 17 registers in DWARF order
 *   DIR/stack  raw bytes copied from regs[BW_REG_SP]
 *   DIR/maps   copy of /proc/PID/maps at capture time */
#ifndef BW_SNAPSHOT_H
#define BW_SNAPSHOT_H

#include <limits.h>

#include "unwind.h"

struct bw_snapshot {
	struct bw_stack_sample sample; /* sample.stack points at stack_buf */
	int syscall_nr;
	char comm[BW_COMM_LEN + 1];
	char maps_path[PATH_MAX];
	uint8_t *stack_buf;
};

int snapshot__write(const char *dir, const struct bw_stack_sample *sample, int syscall_nr,
		    const char *comm, const char *maps_text, size_t maps_len);
int snapshot__read(const char *dir, struct bw_snapshot *out);
void snapshot__release(struct bw_snapshot *snap); /* NULL-safe */

#endif
