/* From a stack sample to symbolized frames: unwind, then expand every pc
 * into its inline chain. Counts what could not be resolved. */
#ifndef BW_STACK_RESOLVE_H
#define BW_STACK_RESOLVE_H

#include "symbolize/symbolize.h"
#include "unwind/unwind.h"

#define BW_MAX_PCS 128
#define BW_MAX_FRAMES 512

struct resolved_stack {
	struct bw_frame frames[BW_MAX_FRAMES]; /* innermost first */
	int nframes;
	int npcs;
	enum unwind_stop stop;
	int unresolved; /* frames without a function name */
};

int resolve_stack(struct bw_process *proc, const struct bw_stack_sample *sample,
		  struct resolved_stack *out);

#endif
