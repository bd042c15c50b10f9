/* Blame: from a symbolized stack, pick the blocking API and the user
 * callsite that called it. Rules are data (blame_rules.c), not code. */
#ifndef BW_BLAME_H
#define BW_BLAME_H

#include "../symbolize/symbolize.h"

enum bw_category {
	BW_CAT_OTHER = 0,
	BW_CAT_SLEEP,
	BW_CAT_FILE_IO,
	BW_CAT_NET_IO,
	BW_CAT_LOCK,
	BW_CAT_DNS,
	BW_CAT_PROCESS_WAIT,
	BW_CAT_PAGE_FAULT,
	BW_CAT_DROP,
	BW_CAT_CHANNEL, /* waiting for another thread: a message, a signal, its end */
	BW_CAT_NR,
};

const char *bw_category__name(enum bw_category c);

struct blame_result {
	int api_frame;            /* index into frames of the blocking API, -1 if none */
	int callsite_frame;       /* index of the user's callsite frame, -1 if none */
	const char *blocking_api; /* e.g. "std::thread::sleep"; from the rule table */
	enum bw_category category;
	bool via_drop;            /* a Drop/drop_in_place frame between callsite and API */
	const char *drop_type;    /* the type being dropped, when known (interned/static) */
	const char *drop_why;     /* why that type's drop blocks, for well-known types */
};

/* Library crates whose frames are never the callsite (beyond the built-in
 * std/core/alloc/runtime list). Comma-separated prefixes, may be NULL. */
void blame__set_extra_library_prefixes(const char *csv);
/* The same, added to those already set (a custom runtime's own code). */
void blame__add_extra_library_prefixes(const char *csv);

/* frames: innermost first. syscall_nr: the syscall the thread blocked in,
 * -1 if none (used when no frame names a known API). */
int blame__analyze(const struct bw_frame *frames, int n, int syscall_nr,
		   struct blame_result *out);

/* --- additions (issue 4) --- */

/* true when the frame is the user's own code by blame's rules. */
bool blame__is_user_frame(const struct bw_frame *frame);
/* Why dropping a value of this type blocks, for well-known types; NULL else. */
const char *blame__drop_why(const char *type);
/* The rootmost named user frame (the task's own async fn, for a stack taken
 * inside a poll), -1 if none: where a long poll is attributed. */
int blame__task_frame(const struct bw_frame *frames, int n);
/* The innermost named user frame, -1 if none: where an async lock was
 * acquired or released. */
int blame__first_user_frame(const struct bw_frame *frames, int n);

#endif
