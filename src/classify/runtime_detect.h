/* Recognising which async runtime (if any) an executable links, and placing
 * that runtime's uprobes in a process. */
#ifndef BW_RUNTIME_DETECT_H
#define BW_RUNTIME_DETECT_H

#include <stdbool.h>
#include <stdint.h>
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

/* --runtime NAME: only this profile is looked for (NULL: every known one);
 * a custom profile (custom_profile.h) is never in the table, only forced. */
void runtime_detect__force(const struct runtime_profile *p);

enum permit_layout_source {
	PERMIT_LAYOUT_UNUSED,  /* no lock probes: not needed */
	PERMIT_LAYOUT_DWARF,   /* the type's DWARF */
	PERMIT_LAYOUT_CODE,    /* read from the locker function's code */
	PERMIT_LAYOUT_ASSUMED, /* neither: where rustc puts the lone pointer today */
};

/* Purposes (runtime_probe_rule.purpose) of p's rules for `features` that
 * are not among `placed` although elf_path links in code matching their
 * present_if: a release whose names the table lacks. Only such purposes
 * cost a symbol-table scan. Writes up to max names; returns the count. */
int runtime_missing_purposes(const struct runtime_profile *p, const char *elf_path,
			     unsigned features, const char *const *placed, int nplaced,
			     const char **missing, int max);

/* The table's names for a probe purpose, comma-separated, into buf. */
void runtime_purpose_spellings(const struct runtime_profile *p, const char *purpose, char *buf,
			       size_t size);

/* "DWARF", "the code that locks it", "assumed": for -v and degraded notes. */
const char *permit_layout_source_name(enum permit_layout_source s);

struct probe_report {
	int attached;    /* uprobes placed */
	int failed;      /* symbols found but attach failed */
	int first_error; /* the first failed attach's negative errno */
	int park_probes; /* of attached, how many mark park entry */
	int poll_probes; /* of attached, how many time task polls */
	int lock_probes; /* of attached, acquire and release probes */
	/* where the permit future's semaphore field offset came from */
	enum permit_layout_source permit_layout;
	uint64_t permit_field_offset;
	/* purposes (runtime_probe_rule.purpose) whose code is linked in but
	 * none of whose spellings was found */
	const char *missing[8];
	int nmissing;
};

/* Finds the profile's probe symbols in elf_path and attaches them for pid
 * (-1: every process running that file); opt-in probes only for the
 * RT_FEATURE_* bits in features. Park probes join park_set (when not
 * NULL), which the caller may detach and attach again. */
int runtime_attach_probes(struct bw_bpf *b, const struct runtime_profile *p,
			  const char *elf_path, pid_t pid, unsigned features,
			  struct bw_probe_set *park_set, struct probe_report *rep);

#endif
