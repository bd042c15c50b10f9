/* Shared target/threshold options of the tracing commands (see target_args.h). */
#include "cli/target_args.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blame/blame.h"
#include "classify/thread_role.h"
#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/parse.h"
#include "cli/runtime_args.h"
#include "futures/bytes.h"
#include "util/privileges.h"
#include "util/safe_file.h"

enum {
	OPT_THREADS = 1000,
	OPT_STUCK,
	OPT_LIBRARIES,
	OPT_POLLS,
	OPT_SAMPLE,
	OPT_LOCKS,
	OPT_READY_FD,
	OPT_MODE,
	OPT_RING_BUFFER,
};

static bool verbose; /* -v: also say which capabilities were kept */

/* --ready-fd: written once probes are attached, then closed (-1: not asked). */
static int ready_fd = -1;

static const struct argp_option options[] = {
	{ "pid", 'p', "PID[,PID...]", 0, "Trace these processes (all their threads, also new ones)", 0 },
	{ "threshold", 't', "DURATION", 0, "Report blocked intervals at least this long (default 1ms)", 0 },
	{ "stuck", OPT_STUCK, "DURATION", 0, "Flag a worker blocked this long and not back yet (default 200ms)", 0 },
	{ "threads", OPT_THREADS, "REGEX", 0, "Threads whose name matches are the workers (overrides detection)", 0 },
	{ "library-crates", OPT_LIBRARIES, "PREFIX[,...]", 0, "Crate prefixes that are never the callsite (e.g. mylib::,sqlx::)", 0 },
	{ "polls", OPT_POLLS, "DURATION", OPTION_ARG_OPTIONAL, "Also report task polls running on-CPU at least this long (default 10ms); costs a uprobe per poll", 0 },
	{ "locks", OPT_LOCKS, "DURATION", OPTION_ARG_OPTIONAL, "Also report tokio::sync Mutex/RwLock/Semaphore permits held across an .await at least this long (default 10ms); costs uprobes per poll and lock operation", 0 },
	{ "poll-sample", OPT_SAMPLE, "DURATION", 0, "On-CPU sampling period inside long polls (default 1ms)", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose: libbpf log and degraded-mode notes", 0 },
	{ "ready-fd", OPT_READY_FD, "FD", 0, "Write \"ready\" and a newline to this open file descriptor once the probes are attached, then close it (for scripts and tests)", 0 },
	{ "mode", OPT_MODE, "OCTAL", 0, "Mode of the files written (default 0644 for reports, 0600 for recordings)", 0 },
	{ "ring-buffer", OPT_RING_BUFFER, "SIZE", 0, "Kernel-to-tracer buffer (power of two, 64KiB-1GiB; default 4MiB, 16MiB system-wide); events that find it full are counted as ringbuf_full", 0 },
	{},
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct tracer_opts *o = state->input;
	int n;

	switch (key) {
	case 'p':
		n = parse_pid_list(arg, o->pids + o->npids, BW_MAX_TARGETS - o->npids);
		if (n < 0)
			CLI_FAIL(state, "bad pid list '%s' (example: -p 123,456)", arg);
		o->npids += n;
		return 0;
	case 't':
		if (parse_duration(arg, 0, &o->threshold_ns) || !o->threshold_ns)
			CLI_FAIL(state, "bad threshold '%s' (more than 0; examples: 1ms, 250us, 2s)", arg);
		return 0;
	case OPT_STUCK:
		if (parse_duration(arg, 0, &o->stuck_ns) || !o->stuck_ns)
			CLI_FAIL(state, "bad --stuck '%s' (examples: 200ms, 1s)", arg);
		return 0;
	case OPT_THREADS:
		if (thread_filter__set(arg))
			CLI_FAIL(state, "bad --threads regex '%s'", arg);
		return 0;
	case OPT_LIBRARIES:
		blame__set_extra_library_prefixes(arg);
		return 0;
	case OPT_POLLS:
		o->poll_threshold_ns = BW_DEFAULT_POLL_NS;
		if (arg && (parse_duration(arg, 0, &o->poll_threshold_ns) || !o->poll_threshold_ns))
			CLI_FAIL(state, "bad --polls threshold '%s' (examples: 10ms, 50ms)", arg);
		return 0;
	case OPT_LOCKS:
		o->hold_threshold_ns = BW_DEFAULT_HOLD_NS;
		if (arg && (parse_duration(arg, 0, &o->hold_threshold_ns) || !o->hold_threshold_ns))
			CLI_FAIL(state, "bad --locks threshold '%s' (examples: 10ms, 100ms)", arg);
		return 0;
	case OPT_SAMPLE:
		if (parse_duration(arg, 0, &o->poll_sample_period_ns) ||
		    o->poll_sample_period_ns < 100000)
			CLI_FAIL(state, "bad --poll-sample '%s' (at least 100us; example: 1ms)", arg);
		return 0;
	case 'v':
		o->verbose = true;
		verbose = true;
		return 0;
	case OPT_RING_BUFFER: {
		uint64_t bytes;

		/* the kernel wants a power-of-two multiple of the page size */
		if (parse_bytes(arg, &bytes) || bytes < (64u << 10) || bytes > (1u << 30) ||
		    (bytes & (bytes - 1)))
			CLI_FAIL(state, "bad --ring-buffer '%s' (a power of two from 64KiB to 1GiB; example: 16MiB)",
				 arg);
		o->ringbuf_bytes = (uint32_t)bytes;
		return 0;
	}
	case OPT_MODE: {
		int mode = cli_parse_mode(arg);

		if (mode < 0)
			CLI_FAIL(state, "bad --mode '%s' (octal permission bits the owner can read, example: 0640)",
				 arg);
		out_file__set_mode(mode);
		return 0;
	}
	case OPT_READY_FD: {
		char *end;
		long fd = strtol(arg, &end, 10);

		/* close-on-exec: a launched command must not hold it open */
		if (*arg == '\0' || *end || fd < 0 || fd > 65535 || fcntl((int)fd, F_SETFD, FD_CLOEXEC))
			CLI_FAIL(state, "bad --ready-fd '%s' (an open file descriptor, example: 3)", arg);
		ready_fd = (int)fd;
		return 0;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp target_args_argp = { options, parse, NULL, NULL, NULL, NULL, NULL };

const struct argp_child target_args_children[] = {
	{ &target_args_argp, 0, "Targets and thresholds:", 0 },
	{ &runtime_args_argp, 0, "Runtime (when detection is not enough):", 0 },
	{},
};

error_t target_args__init(struct argp_state *state, struct tracer_opts *opts)
{
	if (cli_err_stream)
		state->err_stream = cli_err_stream;
	state->child_inputs[0] = opts;
	return 0;
}

int target_args__split(int argc, char **argv, struct tracer_opts *opts)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "blockwatch: nothing to run after '--'\n");
				return -1;
			}
			opts->command = &argv[i + 1];
			return i;
		}
	}
	return argc;
}

void target_args__ready(void)
{
	static const char line[] = "ready\n";
	uint64_t caps;
	int rc;

	/* the BPF side is in place: root keeps only what tracing still uses */
	rc = privileges__keep_for_tracing();
	if (rc < 0)
		fprintf(stderr, "blockwatch: could not drop capabilities (%s); tracing goes on with all of root's\n",
			strerror(-rc));
	else if (verbose && privileges__effective(&caps) == 0)
		fprintf(stderr, "blockwatch: capabilities kept: %#llx\n", (unsigned long long)caps);

	if (ready_fd < 0)
		return;
	/* a reader that went away is no reason to stop tracing */
	if (write(ready_fd, line, sizeof(line) - 1) < 0 && errno != EPIPE)
		fprintf(stderr, "blockwatch: --ready-fd %d: %s\n", ready_fd, strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

int target_args__check(const struct tracer_opts *opts)
{
	if (opts->command && opts->npids) {
		fprintf(stderr, "blockwatch: give either -p PID or -- COMMAND, not both\n");
		return 2;
	}
	if (require_root() || require_btf())
		return 1;
	for (int i = 0; i < opts->npids; i++)
		if (require_pid(opts->pids[i]))
			return 1;
	return 0;
}
