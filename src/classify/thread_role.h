/* Classifying a thread from a symbolized stack: worker, blocking-pool or
 * unknown, and whether it sits inside a runtime park function. */
#ifndef BW_THREAD_ROLE_H
#define BW_THREAD_ROLE_H

#include <stdbool.h>

#include "blockwatch.h"
#include "classify/runtime_profile.h"
#include "symbolize/symbolize.h"

struct stack_verdict {
	enum bw_role role; /* BW_ROLE_UNKNOWN when no runtime frame was seen */
	bool parked;       /* a park frame is on the stack */
	bool named;        /* at least one frame had a function name */
	/* worker only because it is inside a block_on: that thread (usually
	 * main) is a runtime thread only while it stays there */
	bool in_block_on;
	/* inside block_in_place (off_worker_frames): the worker handed its
	 * core on and blocks by design, not a stall */
	bool off_worker;
};

void classify_stack(const struct runtime_profile *p, const struct bw_frame *frames, int n,
		    struct stack_verdict *out);

/* True for a stack made only of the dynamic loader's frames: a program
 * starting up (mapping its libraries), before any runtime can exist. */
bool stack_in_loader(const struct bw_frame *frames, int n);

/* Parses --threads REGEX; NULL pattern clears it. Returns 0 or -EINVAL. */
int thread_filter__set(const char *regex);
bool thread_filter__active(void);
bool thread_filter__matches(const char *comm);

#endif
