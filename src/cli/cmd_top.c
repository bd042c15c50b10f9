/* `blockwatch top`: a live dashboard of runtime workers and blocking
 * callsites. Parses arguments, starts the tracer, hands over to src/top/. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/report_args.h"
#include "cli/parse.h"
#include "cli/target_args.h"
#include "ingest/tracer.h"
#include "report/output_file.h"
#include "top/term.h"
#include "top/top.h"

struct top_args {
	struct tracer_opts t;
	struct top_opts top;
	const char *command_log;
	const char *output; /* report on exit, when given */
	struct report_opts report; /* of --output */
};

enum { OPT_COMMAND_LOG = 2000, OPT_EXPORT_DIR };

static const struct argp_option top_options[] = {
	{ "interval", 'd', "SECS", 0, "Refresh every SECS (default 1; 0.5, 250ms also work)", 0 },
	{ "iterations", 'n', "N", 0, "Exit after N refreshes (for scripts and tests)", 0 },
	{ "export-dir", OPT_EXPORT_DIR, "DIR", 0, "Where the e key writes its report (default .)", 0 },
	{ "command-log", OPT_COMMAND_LOG, "FILE", 0, "Send the -- COMMAND's stdout/stderr to FILE (default /dev/null)", 0 },
	{ "output", 'o', "FILE", 0, "On exit, write a report of the whole session to FILE", 0 },
	{ "format", 'f', "FMT", 0, "Format of --output: text (default), json, folded, pprof, perfetto, html", 0 },
	REPORT_ARGS_RUNTIME_FRAMES_OPTION,
	{},
};

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	struct top_args *a = state->input;
	char *end;
	long n;

	switch (key) {
	case ARGP_KEY_INIT:
		return target_args__init(state, &a->t);
	case 'd':
		if (parse_duration(arg, 1000000000ULL, &a->top.interval_ns) || a->top.interval_ns < 50000000ULL)
			CLI_FAIL(state, "bad interval '%s' (at least 50ms; examples: 1, 0.5, 2s)", arg);
		return 0;
	case 'n':
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || n <= 0 || n > 1000000000)
			CLI_FAIL(state, "bad --iterations '%s' (a positive count)", arg);
		a->top.iterations = (int)n;
		return 0;
	case OPT_EXPORT_DIR:
		a->top.export_dir = arg;
		return 0;
	case OPT_COMMAND_LOG:
		a->command_log = arg;
		return 0;
	case 'o':
		a->output = arg;
		return 0;
	case 'f':
		return report_args__format(state, arg, &a->report);
	case REPORT_ARGS_RUNTIME_FRAMES:
		return report_args__runtime_frames(state, arg, &a->report);
	case ARGP_KEY_END:
		if (a->report.format != REPORT_TEXT && !a->output)
			CLI_FAIL(state, "--format needs --output FILE (the screen is for the dashboard)");
		return 0;
	case ARGP_KEY_ARG:
		CLI_FAIL(state, "unexpected argument '%s' (to start a command: blockwatch top -- COMMAND ARGS)", arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp top_argp = {
	top_options, top_parse, "[-p PID] [-- COMMAND [ARGS...]]",
	"Live dashboard of async-runtime workers and where user code blocks them.\n\n"
	"Targets: -p PID, -- COMMAND (start and trace it), or none (system-wide). "
	"Keys: arrows/jk move, Enter details, s sort, v last-interval/since-start, "
	"/ filter, p pause, c clear, e export, q quit. With --iterations and stdout "
	"not a terminal, prints plain-text frames instead (see docs/blockwatch-top.md).",
	target_args_children, NULL, NULL,
};

/* The launched command inherits our descriptors when the tracer forks it:
 * its output and key reads would fight the dashboard for the terminal, so
 * it gets /dev/null (or --command-log) for stdin, stdout and stderr. */
static struct tracer *start_tracer(struct top_args *a, char *err, size_t errlen)
{
	int saved[3] = { -1, -1, -1 }, in = -1, out = -1;
	struct tracer *t;

	if (!a->t.command)
		return tracer__new(&a->t, err, errlen);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = a->command_log ? open(a->command_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
			     : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0) {
		snprintf(err, errlen, "cannot open %s: %s", a->command_log ? a->command_log : "/dev/null",
			 strerror(errno));
		t = NULL;
		goto cleanup;
	}
	for (int fd = 0; fd < 3; fd++)
		saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	t = tracer__new(&a->t, err, errlen);
	for (int fd = 0; fd < 3; fd++) {
		if (saved[fd] >= 0) {
			dup2(saved[fd], fd);
			close(saved[fd]);
		}
	}
cleanup:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return t;
}

static void tick_session(void *session, struct tracer *t)
{
	report_session__tick(session, t);
}

int cmd_top(int argc, char **argv)
{
	struct top_args a = {
		.t = { .threshold_ns = BW_DEFAULT_THRESHOLD_NS, .stuck_ns = BW_DEFAULT_STUCK_NS },
		.top = { .interval_ns = 1000000000ULL, .export_dir = "." },
	};
	struct report_session *session = NULL;
	struct tracer *t;
	char err[512] = "";
	const char *cols;
	int nargs, rc;

	nargs = target_args__split(argc, argv, &a.t);
	if (nargs < 0)
		return 2;
	if (cli_argp_parse(&top_argp, nargs, argv, &a))
		return 2;
	if (!isatty(STDOUT_FILENO)) {
		if (!a.top.iterations) {
			fprintf(stderr, "blockwatch: top needs a terminal; for text frames give --iterations N\n");
			return 2;
		}
		a.top.plain = true;
		cols = getenv("COLUMNS");
		a.top.plain_width = cols && atoi(cols) >= 40 && atoi(cols) <= 1000 ? atoi(cols) : 120;
	} else if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "blockwatch: top reads keys from a terminal on stdin\n");
		return 2;
	}
	a.top.keep_stderr = a.t.verbose;
	rc = target_args__check(&a.t);
	if (rc)
		return rc;
	/* --output in a format that needs every event: keep them as they come */
	if (a.output && report_format__needs_events(a.report.format)) {
		session = report_session__new(&a.t, NULL, NULL);
		if (!session)
			return 1;
		a.t.on_event = report_session__on_event;
		a.t.event_ctx = session;
		a.top.on_tick = tick_session;
		a.top.tick_ctx = session;
	}
	/* before the tracer: Ctrl-C while BPF loads must still end cleanly */
	term__install_signals();
	t = start_tracer(&a, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "blockwatch: %s\n", err[0] ? err : "cannot start tracing");
		report_session__free(session);
		return 1;
	}
	target_args__ready();
	rc = term_stop_requested ? 0 : top__run(t, &a.top);
	if (a.output) {
		struct bw_snapshot *snap;

		tracer__finish(t);
		snap = tracer__snapshot(t);
		if (!snap || report_output__write(a.output, &a.report, snap, session))
			rc = rc ? rc : 1;
		snapshot__free(snap);
	}
	report_session__free(session);
	tracer__free(t);
	return rc;
}
