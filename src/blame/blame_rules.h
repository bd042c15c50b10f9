/* Data tables behind blame.c: blocking-API families, library crates and
 * the syscall fallback. Kept apart from the matching logic so adding an
 * API is a one-line table change. */
#ifndef BW_BLAME_RULES_H
#define BW_BLAME_RULES_H

#include "blame.h"

/* A blocking API family member, matched (POSIX ERE) against the frame's
 * function name after generic arguments are removed (see blame.c).
 * api == NULL: display the (normalized) frame name itself. */
struct blame_rule {
	const char *regex;
	const char *api;
	enum bw_category category;
};

struct blame_syscall {
	int nr;
	const char *name;
	enum bw_category category;
};

extern const struct blame_rule blame_rules[];
extern const int blame_nrules;

/* Walking outward from the innermost matching frame, a frame of the same
 * family, or of a family that wraps the current one, becomes the API: the
 * user called the outermost (Condvar::wait, not the Mutex::lock inside). */
struct blame_wrap {
	enum bw_category outer, inner;
};

extern const struct blame_wrap blame_wraps[];
extern const int blame_nwraps;

/* First path segments (crates/namespaces) that are never user code. */
extern const char *const blame_library_crates[];
/* Plain (unqualified) symbol names that belong to libc/the toolchain. */
extern const char *const blame_runtime_symbols[];
/* Module basenames (prefix match) that are never user code. */
extern const char *const blame_library_modules[];

extern const struct blame_syscall blame_syscalls[];
extern const int blame_nsyscalls;

/* Types whose Drop is known to block, and why (prefix of the dropped type). */
struct blame_drop_rule {
	const char *type_prefix;
	const char *why;
};
extern const struct blame_drop_rule blame_drop_rules[];
extern const int blame_ndrop_rules;

#endif
