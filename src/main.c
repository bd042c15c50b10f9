/* blockwatch: find where async runtimes get blocked. Dispatches to the
 * subcommand; each parses its own options. */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

const char *argp_program_version = "blockwatch " BW_VERSION;
const char *argp_program_bug_address = "https://github.com/blockwatch/blockwatch/issues";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "trace", cmd_trace, "trace runtime worker threads live and summarise blocking" },
	{ "top", cmd_top, "live top-style dashboard of workers and blocking callsites" },
	{ "serve", cmd_serve, "daemon exporting blocking as Prometheus metrics (/metrics)" },
	{ "record", cmd_record, "record a trace session to a file for later reports" },
	{ "report", cmd_report, "turn a recording into text, json, folded, pprof, perfetto or html" },
	{ "futures", cmd_futures, "list the largest async state machines in a binary (DWARF)" },
	{ "check", cmd_check, "check kernel support; count a PID's context switches" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: blockwatch COMMAND [OPTIONS...]\n"
		     "Find where async runtimes (Tokio) get blocked: off-CPU time of runtime\n"
		     "worker threads, attributed to the user code that called a blocking API.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'blockwatch COMMAND --help' shows a command's options.\n"
		     "  -?, --help     show this help\n  -V, --version  show the version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-?") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			char prog[64];

			/* argp prints "blockwatch trace: ..." in its messages */
			snprintf(prog, sizeof(prog), "blockwatch %s", commands[i].name);
			argv[1] = prog;
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "blockwatch: unknown command '%s'; try 'blockwatch --help'\n", argv[1]);
	return 2;
}
