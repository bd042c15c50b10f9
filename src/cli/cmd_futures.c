/* `blockwatch futures BINARY`: list the largest async state machines of a
 * Rust binary from its DWARF, flagging those Tokio would box when spawning
 * and those that take a large part of a worker's stack. Reads files only:
 * no root, no BPF. */
#include <argp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "futures/bytes.h"
#include "symbolize/debuginfo.h"
#include "futures/rank.h"
#include "futures/report.h"
#include "futures/scan.h"
#include "util/privileges.h"

enum { OPT_STACK_SIZE = 256, OPT_STACK_PERCENT, OPT_DEBUG_DIR };

struct futures_args {
	const char *binary;
	const char *debug_dir;
	struct futures_policy policy;
	size_t top;
	bool json;
};

static const struct argp_option futures_options[] = {
	{ "threshold", 't', "BYTES", 0, "Flag futures larger than this as BIG (default 16KiB, Tokio's boxing size)", 0 },
	{ "stack-size", OPT_STACK_SIZE, "BYTES", 0, "Worker thread stack size (default 2MiB, Tokio's)", 0 },
	{ "stack-percent", OPT_STACK_PERCENT, "N", 0, "Flag futures of at least N% of the stack as STACK (default 10)", 0 },
	{ "top", 'n', "N", 0, "Show the N largest (default 20; 0 shows all)", 0 },
	{ "format", 'f', "FORMAT", 0, "text (default) or json", 0 },
	{ "debug-dir", OPT_DEBUG_DIR, "DIR", 0, "Also look for separate debug files under DIR (DIR/.build-id/xx/rest.debug)", 0 },
	{},
};

static error_t futures_parse(int key, char *arg, struct argp_state *state)
{
	struct futures_args *a = state->input;
	char *end;
	unsigned long v;

	switch (key) {
	CLI_KEY_INIT_CASE(state);
	case 't':
		if (parse_bytes(arg, &a->policy.box_threshold))
			CLI_FAIL(state, "bad threshold '%s' (examples: 16384, 16KiB, 1M)", arg);
		a->policy.threshold_given = true;
		return 0;
	case OPT_STACK_SIZE:
		if (parse_bytes(arg, &a->policy.stack_size) || !a->policy.stack_size)
			CLI_FAIL(state, "bad stack size '%s' (examples: 2MiB, 8M)", arg);
		return 0;
	case OPT_STACK_PERCENT:
		v = strtoul(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 100)
			CLI_FAIL(state, "bad stack percent '%s' (1 to 100)", arg);
		a->policy.stack_percent = v;
		return 0;
	case 'n':
		v = strtoul(arg, &end, 10);
		if (*end || end == arg)
			CLI_FAIL(state, "bad count '%s' for --top", arg);
		a->top = v;
		return 0;
	case 'f':
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			CLI_FAIL(state, "bad format '%s' (text or json)", arg);
		a->json = strcmp(arg, "json") == 0;
		return 0;
	case OPT_DEBUG_DIR:
		a->debug_dir = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (a->binary)
			CLI_FAIL(state, "give one binary, not '%s' too", arg);
		a->binary = arg;
		return 0;
	case ARGP_KEY_END:
		if (!a->binary)
			CLI_FAIL(state, "give the path of a binary, e.g. blockwatch futures target/release/app");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp futures_argp = {
	futures_options, futures_parse, "BINARY",
	"List the largest async state machines (futures) of a Rust binary from its DWARF, "
	"flagging those larger than Tokio's boxing size (BIG) and those taking a large part "
	"of a worker stack (STACK). Needs full debug info (debug = true).",
	NULL, NULL, NULL,
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run(struct futures_args *a)
{
	struct future_list list = {};
	struct debuginfo *d;
	struct futures_report r = { .binary = a->binary, .policy = &a->policy, .top = a->top };
	char err[1024];
	double start = now_ms();
	int rc = 1;

	d = debuginfo__open(a->binary, a->debug_dir, err, sizeof(err));
	if (!d) {
		futures_print_error(stdout, a->json, err);
		return 1;
	}
	if (futures_scan(debuginfo__dwarf(d), &list)) {
		snprintf(err, sizeof(err), "out of memory reading the DWARF of %s", a->binary);
		futures_print_error(stdout, a->json, err);
		goto cleanup;
	}
	if (!list.type_dies) {
		snprintf(err, sizeof(err),
			 "%s has line tables but no types (built with debug = \"line-tables-only\" or "
			 "\"limited\"?); set debug = true (or debug = 2) in [profile.release] and rebuild",
			 debuginfo__file(d));
		futures_print_error(stdout, a->json, err);
		goto cleanup;
	}
	r.descriptions = list.n;
	futures_policy_explain(&a->policy, list.tokio_version);
	futures_rank(&list, &a->policy);
	r.list = &list;
	r.debug_file = debuginfo__file(d);
	r.scan_ms = now_ms() - start;
	if (a->json)
		futures_print_json(stdout, &r);
	else
		futures_print_text(stdout, &r);
	if (!list.n && !a->json)
		fprintf(stderr, "blockwatch: no async state machines ({async_fn_env#N} types) in %s: "
			"not async Rust, or its crates were built with debug = \"line-tables-only\"\n",
			debuginfo__file(d));
	rc = 0;
cleanup:
	future_list__free(&list);
	debuginfo__free(d);
	return rc;
}

int cmd_futures(int argc, char **argv)
{
	struct futures_args a = {
		.policy = { .box_threshold = TOKIO_BOX_RELEASE,
			    .stack_size = TOKIO_WORKER_STACK,
			    .stack_percent = FUTURES_STACK_PERCENT },
		.top = 20,
	};
	int rc;

	if (cli_argp_parse(&futures_argp, argc, argv, &a))
		return 2;
	/* the target's ELF and DWARF are its owner's data: file access only */
	rc = privileges__keep_for_files();
	if (rc < 0)
		fprintf(stderr, "blockwatch: could not drop capabilities (%s)\n", strerror(-rc));
	return run(&a);
}
