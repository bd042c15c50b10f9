#include "classify/thread_role.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>

void classify_stack(const struct runtime_profile *p, const struct bw_frame *frames, int n,
		    struct stack_verdict *out)
{
	bool worker = false, blocking = false, block_on = false;

	out->role = BW_ROLE_UNKNOWN;
	out->parked = false;
	out->named = false;
	out->in_block_on = false;
	for (int i = 0; i < n; i++) {
		const char *fn = frames[i].function;

		if (!fn)
			continue;
		out->named = true;
		if (!p)
			continue;
		worker |= symbol_matches_any(fn, p->worker_frames);
		blocking |= symbol_matches_any(fn, p->blocking_frames);
		block_on |= symbol_matches_any(fn, p->block_on_frames);
		out->parked |= symbol_matches_any(fn, p->park_frames);
	}
	/* Tokio starts workers on blocking-pool threads: a worker frame wins. */
	if (worker) {
		out->role = BW_ROLE_WORKER;
	} else if (blocking) {
		out->role = BW_ROLE_BLOCKING;
	} else if (block_on) {
		out->role = BW_ROLE_WORKER;
		out->in_block_on = true;
	}
}

static regex_t filter;
static bool filter_set;

int thread_filter__set(const char *pattern)
{
	if (filter_set) {
		regfree(&filter);
		filter_set = false;
	}
	if (!pattern)
		return 0;
	if (regcomp(&filter, pattern, REG_EXTENDED | REG_NOSUB))
		return -EINVAL;
	filter_set = true;
	return 0;
}

bool thread_filter__active(void)
{
	return filter_set;
}

bool thread_filter__matches(const char *comm)
{
	return filter_set && regexec(&filter, comm, 0, NULL, 0) == 0;
}
