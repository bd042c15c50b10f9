#include "ingest/stack_resolve.h"

#include <string.h>

/*
 * The walk died at once: the leaf pc may sit in a hole of its library's
 * unwind tables (glibc's clone3 wrapper around the syscall has one). Such
 * code is a frameless leaf, so try the return address at sp and walk on
 * from the caller; keep whichever walk went further.
 */
static int unwind_as_frameless_leaf(struct bw_process *proc, const struct bw_stack_sample *sample,
				    uint64_t *pcs, int n, enum unwind_stop *stop)
{
	struct bw_stack_sample caller = *sample;
	uint64_t more[BW_MAX_PCS];
	enum unwind_stop why;
	int m;

	if (sample->stack_len < 16)
		return n;
	memcpy(&caller.regs[BW_REG_IP], sample->stack, 8);
	caller.regs[BW_REG_SP] += 8;
	caller.stack += 8;
	caller.stack_len -= 8;
	m = process__unwind(proc, &caller, more, BW_MAX_PCS - 1, &why);
	if (m + 1 <= n || m < 2)
		return n;
	/* more[0] is a return address now: resolve_stack looks it up at pc-1 */
	memcpy(pcs + 1, more, m * sizeof(*more));
	*stop = why;
	return m + 1;
}

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
	if (n <= 2 && out->stop != UNWIND_STOP_END)
		n = unwind_as_frameless_leaf(proc, sample, pcs, n, &out->stop);
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
	process__name_folded_bodies(proc, out->frames, out->nframes);
	return 0;
}
