/* Live trace lines: one per blocked interval over the threshold, as it
 * happens, and one when a worker is stuck right now. */
#include <string.h>

#include "cli/parse.h"
#include "output/output.h"
#include "symbolize/rust_names.h"
#include "util/escape.h"

void live_text__print(void *ctx, const struct live_event *ev)
{
	const struct live_opts *o = ctx;
	uint64_t rel = ev->ts_ns > o->start_ns ? ev->ts_ns - o->start_ns : 0;
	char dur[32];

	fprintf(o->out, "%8.3f %-15s %6d/%-6d %9s %s%-12s %s <- %s [%s]\n", rel / 1e9, esc_text(ev->comm),
		ev->pid, ev->tid, format_duration(ev->blocked_ns, dur, sizeof(dur)),
		ev->stuck ? (ev->lock_hold ? "HELD-NOW " : "STUCK ") : "", esc_text(ev->category),
		esc_text(ev->blocking_api), esc_text(ev->callsite), esc_text(ev->syscall));
	if (o->stacks) {
		for (int i = 0; i < ev->nframes; i++) {
			const struct bw_frame *f = &ev->frames[i];
			char name[512];

			fprintf(o->out, "           %s%s", f->inlined ? "(inlined) " : "",
				f->function ? esc_text(rust_display_name(f->function, name, sizeof(name))) : "??");
			if (f->file)
				fprintf(o->out, " at %s:%d", esc_text(f->file), f->line);
			else if (f->module)
				fprintf(o->out, " in %s+0x%llx", esc_text(f->module),
					(unsigned long long)f->module_offset);
			fputc('\n', o->out);
		}
	}
	fflush(o->out);
}
