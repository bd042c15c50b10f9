/* `blockwatch report FILE`: turn a recording into text, json, folded,
 * pprof, perfetto or html (docs/blockwatch-report.md). A damaged recording
 * is reported as far as it is readable, with one line saying what is
 * missing and exit status 3. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/escape.h"
#include "util/privileges.h"
#include "util/safe_file.h"
#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/parse.h"
#include "cli/report_args.h"
#include "record/reader.h"
#include "report/report.h"

/* Exit statuses (documented in docs/blockwatch-report.md). */
enum { EXIT_REPORTED = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_DAMAGED = 3 };

struct report_args {
	const char *input, *output;
	struct report_opts report;
	bool verbose;
};

enum { OPT_MODE = 1000 };

static const struct argp_option report_options[] = {
	{ "format", 'f', "FMT", 0, "text (default), json, folded, pprof, perfetto or html", 0 },
	{ "output", 'o', "OUT", 0, "Write the report to OUT instead of stdout", 0 },
	REPORT_ARGS_RUNTIME_FRAMES_OPTION,
	{ "mode", OPT_MODE, "OCTAL", 0, "Mode of the report file (default 0644)", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose: say which capabilities were kept", 0 },
	{},
};

static error_t report_parse(int key, char *arg, struct argp_state *state)
{
	struct report_args *a = state->input;

	switch (key) {
	CLI_KEY_INIT_CASE(state);
	case 'f':
		return report_args__format(state, arg, &a->report);
	case REPORT_ARGS_RUNTIME_FRAMES:
		return report_args__runtime_frames(state, arg, &a->report);
	case 'o':
		a->output = arg;
		return 0;
	case 'v':
		a->verbose = true;
		return 0;
	case OPT_MODE: {
		int mode = cli_parse_mode(arg);

		if (mode < 0) {
			argp_error(state, "bad --mode '%s' (octal permission bits the owner can read, example: 0640)",
				   arg);
			return EINVAL;
		}
		out_file__set_mode(mode);
		return 0;
	}
	case ARGP_KEY_ARG:
		if (a->input)
			CLI_FAIL(state, "unexpected argument '%s': give one recording file", arg);
		a->input = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->input)
			CLI_FAIL(state, "give the recording file (blockwatch report FILE [--format FMT])");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp report_argp = {
	report_options, report_parse, "FILE",
	"Write a report from a recording made by 'blockwatch record'.\n\n"
	"Exit status: 0 reported, 3 the recording is damaged or cut short (what is "
	"readable was reported; stderr says what is missing), 1 nothing could be "
	"reported (not a recording, a newer format, an output error), 2 bad usage.",
	NULL, NULL, NULL,
};

/* One line, however many problems: the first says the most. */
static void warn_damage(const char *path, const struct bw_recording *r)
{
	int more = r->nproblems - 1 + r->problems_more;

	fprintf(stderr, "blockwatch: %s: %s", esc_text(path), r->problems[0]);
	if (more > 0)
		fprintf(stderr, " (and %d more problem%s)", more, more > 1 ? "s" : "");
	fprintf(stderr, "; reported what was readable\n");
}

static int write_report(const struct report_args *a, const struct bw_recording *r)
{
	FILE *out = stdout;
	struct out_file of;
	char err[PATH_MAX + 128];
	int rc;

	if (a->output) {
		/* never through a planted link, replaced atomically, mode 0644 */
		out = out_file__fopen(&of, a->output, 0644, err, sizeof(err));
		if (!out) {
			fprintf(stderr, "blockwatch: %s\n", err);
			return -EPERM;
		}
	} else if (a->report.format == REPORT_PPROF && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "blockwatch: pprof output is gzip data; give -o FILE\n");
		return -EINVAL;
	}
	rc = report__write(&a->report, r, out);
	if (out != stdout) {
		int crc = out_file__fclose(&of, out, rc != 0, err, sizeof(err));

		rc = rc ? rc : crc;
	}
	if (rc)
		fprintf(stderr, "blockwatch: writing the %s report to %s failed: %s\n",
			report_format__name(a->report.format), a->output ? a->output : "stdout", strerror(-rc));
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { .report = { .format = REPORT_TEXT } };
	struct bw_recording *r;
	char err[600];
	uint64_t caps;
	int rc;

	rc = cli_argp_parse(&report_argp, argc, argv, &a);
	if (rc)
		return rc;
	/* a recording is other people's data: read it with file access only */
	rc = privileges__keep_for_files();
	if (rc < 0)
		fprintf(stderr, "blockwatch: could not drop capabilities (%s)\n", strerror(-rc));
	else if (a.verbose && privileges__effective(&caps) == 0)
		fprintf(stderr, "blockwatch: capabilities kept: %#llx\n", (unsigned long long)caps);
	signal(SIGPIPE, SIG_IGN);
	rc = recording__read(a.input, &r, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "blockwatch: %s\n", err);
		return EXIT_FAILED;
	}
	if (rc > 0)
		warn_damage(a.input, r);
	if (write_report(&a, r) < 0) {
		recording__free(r);
		return EXIT_FAILED;
	}
	recording__free(r);
	return rc > 0 ? EXIT_DAMAGED : EXIT_REPORTED;
}
