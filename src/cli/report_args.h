/* The report options shared by trace, top and report: the format (-f FMT)
 * and how stacks are drawn (--runtime-frames MODE). */
#ifndef BW_REPORT_ARGS_H
#define BW_REPORT_ARGS_H

#include <argp.h>

#include "report/report.h"

/* argp key of --runtime-frames, apart from every command's own keys */
#define REPORT_ARGS_RUNTIME_FRAMES 0x5246

/* The option entry, the same in each command's option table. */
#define REPORT_ARGS_RUNTIME_FRAMES_OPTION                                                     \
	{ "runtime-frames", REPORT_ARGS_RUNTIME_FRAMES, "MODE", 0,                             \
	  "Stacks in folded, pprof, perfetto and html: collapsed (default: the runtime's own " \
	  "frames as one [tokio runtime] frame) or full", 0 }

/* Parses FMT into o->format. 0, or EINVAL after argp_error. */
error_t report_args__format(struct argp_state *state, const char *arg, struct report_opts *o);
/* Parses MODE into o->runtime_frames. 0, or EINVAL after argp_error. */
error_t report_args__runtime_frames(struct argp_state *state, const char *arg, struct report_opts *o);

#endif
