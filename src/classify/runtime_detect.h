/* Recognising which async runtime (if any) an executable links, and placing
 * that runtime's uprobes in a process. */
#ifndef BW_RUNTIME_DETECT_H
#define BW_RUNTIME_DETECT_H

#include <stdbool.h>
#include <sys/types.h>

#include "classify/runtime_profile.h"

struct bw_bpf;
struct bw_probe_set;

struct runtime_match {
	const struct runtime_profile *profile; /* NULL: no known runtime */
	bool by_symbols;                       /* false: found by strings only (stripped) */
};

/* Looks at the ELF file's symbols, then (stripped) its read-only strings. */
int runtime_detect(const char *elf_path, struct runtime_match *out);

struct probe_report {
	int attached;    /* uprobes placed */
	int failed;      /* symbols found but attach failed */
	int park_probes; /* of attached, how many mark park entry */
	int poll_probes; /* of attached, how many time task polls */
	int lock_probes; /* of attached, acquire and release probes */
	/* no DWARF described the permit future: its semaphore field was
	 * assumed to be where current rustc puts it */
	bool permit_layout_assumed;
};

/* Finds the profile's probe symbols in elf_path and attaches them for pid
 * (-1: every process running that file); opt-in probes only for the
 * RT_FEATURE_* bits in features. Park probes join park_set (when not
 * NULL), which the caller may detach and attach again. */
int runtime_attach_probes(struct bw_bpf *b, const struct runtime_profile *p,
			  const char *elf_path, pid_t pid, unsigned features,
			  struct bw_probe_set *park_set, struct probe_report *rep);

#endif
