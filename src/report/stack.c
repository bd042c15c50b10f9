/* The stacks reports draw (report.h: report_stack). A flame graph of a
 * Tokio service is mostly the runtime's scheduler: worker::run, Context::
 * run_task, Harness::poll, Core::poll and the std glue between them, the
 * same on every stack, burying the user's frames. Collapsed, the stack
 * reads thread start, [tokio runtime], the user's async fn, the blocking
 * API. Which frames are the runtime's is decided by runtime_owns_frame (its
 * crate namespace or its crate's source directory), for any version. */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blame/blame.h"
#include "classify/runtime_profile.h"
#include "symbolize/rust_names.h"

/* The runtime whose own code the frame is, NULL for any other frame. */
static const struct runtime_profile *owner_of(const struct bw_frame *f)
{
	for (int i = 0; runtime_profiles[i]; i++)
		if (runtime_owns_frame(runtime_profiles[i], f->function, f->file))
			return runtime_profiles[i];
	return NULL;
}

/* The last frame of the run of p's frames that starts at `from`: frames of
 * p, with library frames (std's closures, FnOnce shims, catch_unwind)
 * between them; a user frame or another runtime's ends it. */
static int run_end(const struct bw_frame *f, int n, int from, const struct runtime_profile *p)
{
	int last = from;

	for (int i = from + 1; i < n; i++) {
		const struct runtime_profile *o = owner_of(&f[i]);

		if (o == p)
			last = i;
		else if (o || blame__is_user_frame(&f[i]))
			break;
	}
	return last;
}

static int reserve(struct report_stack *s, int n)
{
	struct bw_frame *frames;
	char *names;

	if (n <= s->cap)
		return 0;
	frames = realloc(s->frames, n * sizeof(*frames));
	if (frames)
		s->frames = frames;
	names = realloc(s->names, (size_t)n * REPORT_NAME_MAX);
	if (names)
		s->names = names;
	if (!frames || !names)
		return -ENOMEM;
	s->cap = n;
	return 0;
}

int report_stack__build(struct report_stack *s, const struct rec_event *e,
			enum report_runtime_frames mode)
{
	s->n = 0;
	if (reserve(s, e->nframes) < 0)
		return -ENOMEM;
	for (int i = 0; i < e->nframes; i++) {
		const struct bw_frame *f = &e->frames[i];
		const struct runtime_profile *p = mode == REPORT_RUNTIME_COLLAPSED ? owner_of(f) : NULL;
		struct bw_frame *out = &s->frames[s->n];
		char *name = s->names + (size_t)s->n * REPORT_NAME_MAX;

		*out = *f;
		s->n++;
		if (p && p->frames_name) {
			/* keeps the first frame's pc: pprof's location of that pc */
			out->function = p->frames_name;
			out->file = NULL;
			out->line = 0;
			i = run_end(e->frames, e->nframes, i, p);
			continue;
		}
		out->function = frame_display_name(f, name, REPORT_NAME_MAX);
	}
	return 0;
}

void report_stack__release(struct report_stack *s)
{
	free(s->frames);
	free(s->names);
	*s = (struct report_stack){};
}
