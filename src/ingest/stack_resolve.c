#include "ingest/stack_resolve.h"

#include <string.h>

int resolve_stack(struct bw_process *proc, const struct bw_stack_sample *sample,
		  struct resolved_stack *out)
{
	uint64_t pcs[BW_MAX_PCS];
	int n;

	out->nframes = 0;
	out->unresolved = 0;
	out->stop = UNWIND_STOP_ERROR;
	n = process__unwind(proc, sample, pcs, BW_MAX_PCS, &out->stop);
	if (n < 0)
		return n;
	out->npcs = n;
	for (int i = 0; i < n && out->nframes < BW_MAX_FRAMES; i++) {
		int got = process__symbolize(proc, pcs[i], i > 0, &out->frames[out->nframes],
					     BW_MAX_FRAMES - out->nframes);

		if (got <= 0) {
			struct bw_frame *f = &out->frames[out->nframes++];

			memset(f, 0, sizeof(*f));
			f->pc = pcs[i];
			out->unresolved++;
			continue;
		}
		for (int j = 0; j < got; j++)
			if (!out->frames[out->nframes + j].function)
				out->unresolved++;
		out->nframes += got;
	}
	return 0;
}
