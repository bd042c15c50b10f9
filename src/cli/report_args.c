#include "cli/report_args.h"

#include "cli/argp_oneline.h"

error_t report_args__format(struct argp_state *state, const char *arg, struct report_opts *o)
{
	int format = report_format__parse(arg);

	if (format < 0)
		CLI_FAIL(state, "bad format '%s': use %s", arg, report_format__list());
	o->format = format;
	return 0;
}

error_t report_args__runtime_frames(struct argp_state *state, const char *arg, struct report_opts *o)
{
	int mode = report_runtime_frames__parse(arg);

	if (mode < 0)
		CLI_FAIL(state, "bad --runtime-frames '%s': use collapsed or full", arg);
	o->runtime_frames = mode;
	return 0;
}
