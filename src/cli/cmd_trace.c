/* `blockwatch trace`: live lines for every blocked interval of runtime
 * workers over the threshold, and a summary when the trace ends. */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blame/blame.h"
#include "classify/thread_role.h"
#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/report_args.h"
#include "cli/parse.h"
#include "cli/target_args.h"
#include "ingest/tracer.h"
#include "output/output.h"
#include "report/output_file.h"
#include "report/report.h"
#include "report/session.h"

struct trace_args {
	struct tracer_opts t;
	uint64_t duration_ns;
	bool stacks, quiet;
	struct report_opts report;
	const char *output;
};

static const struct argp_option trace_options[] = {
	{ "duration", 'd', "SECS", 0, "Stop after this long (default: until Ctrl-C or the target exits)", 0 },
	{ "stacks", 's', NULL, 0, "Print the full symbolized stack with each live line", 0 },
	{ "format", 'f', "FMT", 0, "Report format on exit: text (default), json, folded, pprof, perfetto, html", 0 },
	{ "output", 'o', "FILE", 0, "Write the summary or report to FILE instead of stdout", 0 },
	REPORT_ARGS_RUNTIME_FRAMES_OPTION,
	{ "quiet", 'q', NULL, 0, "No live lines, summary only", 0 },
	{},
};

static error_t trace_parse(int key, char *arg, struct argp_state *state)
{
	struct trace_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		return target_args__init(state, &a->t);
	case 'd':
		if (parse_duration(arg, 1000000000ULL, &a->duration_ns) || !a->duration_ns)
			CLI_FAIL(state, "bad duration '%s' (examples: 10, 10s, 500ms)", arg);
		return 0;
	case 's':
		a->stacks = true;
		return 0;
	case 'f':
		return report_args__format(state, arg, &a->report);
	case REPORT_ARGS_RUNTIME_FRAMES:
		return report_args__runtime_frames(state, arg, &a->report);
	case 'o':
		a->output = arg;
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	case ARGP_KEY_ARG:
		CLI_FAIL(state, "unexpected argument '%s' (to start a command: blockwatch trace -- COMMAND ARGS)", arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp trace_argp = {
	trace_options, trace_parse, "[-p PID] [-- COMMAND [ARGS...]]",
	"Trace async-runtime worker threads and report where user code blocks them.\n\n"
	"Targets: -p PID (running processes), -- COMMAND (start and trace it), or none "
	"(system-wide: every process running a recognised runtime).",
	target_args_children, NULL, NULL,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int run(struct trace_args *a)
{
	struct live_opts live = { .out = stdout, .stacks = a->stacks };
	struct report_session *session = NULL;
	struct bw_snapshot *snap;
	struct tracer *t;
	uint64_t end = 0;
	char err[512] = "";
	int rc;

	if (a->report.format != REPORT_TEXT && !a->output)
		live.out = stderr; /* stdout carries the report */
	if (!a->quiet) {
		a->t.on_event = live_text__print;
		a->t.event_ctx = &live;
	}
	/* reports beyond the summary need every event and the timeline */
	if (report_format__needs_events(a->report.format)) {
		session = report_session__new(&a->t, a->t.on_event, a->t.event_ctx);
		if (!session)
			return 1;
		a->t.on_event = report_session__on_event;
		a->t.event_ctx = session;
	}
	t = tracer__new(&a->t, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "blockwatch: %s\n", err[0] ? err : "cannot start tracing");
		report_session__free(session);
		return 1;
	}
	live.start_ns = tracer_start_ns(t);
	target_args__ready();
	if (!a->quiet)
		fprintf(live.out, "Tracing%s... Ctrl-C to stop.\n",
			a->t.command ? " the command" : a->t.npids ? "" : " system-wide");
	if (a->duration_ns)
		end = live.start_ns + a->duration_ns;
	while (!stop) {
		rc = tracer__poll(t, 100);
		if (rc < 0) {
			fprintf(stderr, "blockwatch: reading events failed: %s\n", strerror(-rc));
			break;
		}
		report_session__tick(session, t);
		if (end && tracer_start_ns(t) && now_monotonic_ns() >= end)
			break;
		if (tracer__targets_gone(t))
			break;
	}
	tracer__finish(t);
	snap = tracer__snapshot(t);
	rc = snap ? report_output__write(a->output, &a->report, snap, session) : -ENOMEM;
	snapshot__free(snap);
	report_session__free(session);
	tracer__free(t);
	return rc ? 1 : 0;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args a = {
		.t = { .threshold_ns = BW_DEFAULT_THRESHOLD_NS, .stuck_ns = BW_DEFAULT_STUCK_NS },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int nargs, rc;

	nargs = target_args__split(argc, argv, &a.t);
	if (nargs < 0)
		return 2;
	if (cli_argp_parse(&trace_argp, nargs, argv, &a))
		return 2;
	rc = target_args__check(&a.t);
	if (rc)
		return rc;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run(&a);
}
