/* `blockwatch record`: trace like `trace` does, but write every blocked
 * interval, the coarse per-thread timeline and the final summary to a
 * recording file (docs/blockwatch-record.md) for `blockwatch report`. */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/parse.h"
#include "cli/target_args.h"
#include "ingest/tracer.h"
#include "output/output.h"
#include "record/recording.h"
#include "record/sampler.h"
#include "record/writer.h"

struct record_args {
	struct tracer_opts t;
	uint64_t duration_ns;
	const char *output;
	bool live, stacks;
};

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "Write the recording to FILE (required)", 0 },
	{ "duration", 'd', "SECS", 0, "Stop after this long (default: until Ctrl-C or the target exits)", 0 },
	{ "live", 'l', NULL, 0, "Also print a live line per blocked interval (like trace)", 0 },
	{ "stacks", 's', NULL, 0, "With --live: print the full stack with each line", 0 },
	{},
};

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	struct record_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		return target_args__init(state, &a->t);
	case 'o':
		a->output = arg;
		return 0;
	case 'd':
		if (parse_duration(arg, 1000000000ULL, &a->duration_ns) || !a->duration_ns)
			CLI_FAIL(state, "bad duration '%s' (examples: 10, 10s, 500ms)", arg);
		return 0;
	case 'l':
		a->live = true;
		return 0;
	case 's':
		a->stacks = true;
		return 0;
	case ARGP_KEY_ARG:
		CLI_FAIL(state, "unexpected argument '%s' (to start a command: blockwatch record -o FILE -- COMMAND ARGS)", arg);
	case ARGP_KEY_END:
		if (!a->output)
			CLI_FAIL(state, "give the recording file with -o FILE");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp record_argp = {
	record_options, record_parse, "-o FILE [-p PID] [-- COMMAND [ARGS...]]",
	"Record runtime-worker blocking to a file for later reports "
	"(blockwatch report FILE --format text|json|folded|pprof|perfetto|html).\n\n"
	"Targets: -p PID (running processes), -- COMMAND (start and record it), or none "
	"(system-wide). Exit status: 0 recorded, 1 failed (a full disk included; the file "
	"stays readable up to its last complete chunk), 2 bad usage.",
	target_args_children, NULL, NULL,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct record_ctx {
	struct rec_writer *w;
	struct live_opts live;
	bool print;
};

/* The tracer has one event callback: record, then print if asked. */
static void on_event(void *ctx, const struct live_event *ev)
{
	struct record_ctx *c = ctx;
	struct rec_event e;

	rec_event__from_live(ev, &e);
	rec_writer__event(c->w, &e);
	if (c->print)
		live_text__print(&c->live, ev);
}

static char *describe_targets(const struct tracer_opts *t)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	if (t->command) {
		fputs("--", f);
		for (char **a = t->command; *a; a++)
			fprintf(f, " %s", *a);
	} else if (t->npids) {
		fputs("-p ", f);
		for (int i = 0; i < t->npids; i++)
			fprintf(f, "%s%d", i ? "," : "", t->pids[i]);
	} else {
		fputs("system-wide", f);
	}
	fclose(f);
	return s;
}

static void fill_meta(struct rec_meta *m, const struct tracer_opts *t, struct utsname *u,
		      char *kernel, size_t klen, char *targets)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(kernel, klen, "%s %s %s %s", u->sysname, u->release, u->version, u->machine);
	*m = (struct rec_meta){
		.major = 1,
		.tool_version = BW_VERSION,
		.kernel = kernel,
		.hostname = u->nodename,
		.targets = targets,
		.start_unix_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec,
		.start_mono_ns = now_monotonic_ns(),
		.threshold_ns = t->threshold_ns,
	};
}

/* Samples the timeline and closes a chunk every second; false on a write
 * error (already reported by the caller). */
static bool sample(struct tracer *t, struct sampler *smp, struct rec_writer *w)
{
	struct bw_snapshot *snap = tracer__snapshot(t);

	if (snap)
		sampler__sample(smp, snap);
	snapshot__free(snap);
	rec_writer__tick(w, now_monotonic_ns());
	return !rec_writer__error(w);
}

static int run(struct record_args *a, struct rec_writer *w)
{
	struct record_ctx ctx = { .w = w, .live = { .out = stderr, .stacks = a->stacks }, .print = a->live };
	struct sampler_sink sink = rec_writer_sink;
	uint64_t end = 0, next_sample, bytes, chunks, events;
	struct bw_snapshot *snap;
	struct sampler *smp;
	struct tracer *t;
	char err[512] = "";
	int rc = 0;

	sink.ctx = w;
	smp = sampler__new(&sink);
	a->t.on_event = on_event;
	a->t.event_ctx = &ctx;
	t = smp ? tracer__new(&a->t, err, sizeof(err)) : NULL;
	if (!t) {
		fprintf(stderr, "blockwatch: %s\n", err[0] ? err : "cannot start tracing");
		rec_writer__abandon(w); /* an existing file at -o stays as it was */
		sampler__free(smp);
		return 1;
	}
	ctx.live.start_ns = tracer_start_ns(t);
	if (rec_writer__publish(w) < 0) {
		fprintf(stderr, "blockwatch: %s\n", rec_writer__error(w));
		tracer__free(t);
		sampler__free(smp);
		return 1;
	}
	target_args__ready();
	fprintf(stderr, "Recording to %s%s... Ctrl-C to stop.\n", a->output,
		a->t.command ? " (the command)" : a->t.npids ? "" : " (system-wide)");
	if (a->duration_ns)
		end = ctx.live.start_ns + a->duration_ns;
	next_sample = now_monotonic_ns() + BW_SAMPLE_INTERVAL_NS;
	while (!stop && !rec_writer__error(w)) {
		rc = tracer__poll(t, 100);
		if (rc < 0) {
			fprintf(stderr, "blockwatch: reading events failed: %s\n", strerror(-rc));
			break;
		}
		rc = 0;
		if (now_monotonic_ns() >= next_sample) {
			next_sample += BW_SAMPLE_INTERVAL_NS;
			if (!sample(t, smp, w))
				break;
		}
		if ((end && now_monotonic_ns() >= end) || tracer__targets_gone(t))
			break;
	}
	tracer__finish(t);
	snap = tracer__snapshot(t);
	if (snap && !rec_writer__error(w)) {
		sampler__sample(smp, snap);
		rec_writer__finish(w, snap);
	}
	snapshot__free(snap);
	rec_writer__stats(w, &bytes, &chunks, &events);
	if (rec_writer__error(w)) {
		fprintf(stderr, "blockwatch: %s; %s is readable up to its last complete chunk\n",
			rec_writer__error(w), a->output);
		rc = 1;
	} else {
		fprintf(stderr, "Recorded %llu blocked intervals in %llu chunks (%llu bytes) to %s; "
			"see: blockwatch report %s\n", (unsigned long long)events,
			(unsigned long long)chunks, (unsigned long long)bytes, a->output, a->output);
	}
	tracer__free(t);
	sampler__free(smp);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = {
		.t = { .threshold_ns = BW_DEFAULT_THRESHOLD_NS, .stuck_ns = BW_DEFAULT_STUCK_NS },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	char kernel[512], *targets;
	struct rec_writer *w;
	struct rec_meta meta;
	struct utsname u;
	char err[600];
	int nargs, rc;

	nargs = target_args__split(argc, argv, &a.t);
	if (nargs < 0)
		return 2;
	rc = cli_argp_parse(&record_argp, nargs, argv, &a);
	if (rc)
		return rc;
	rc = target_args__check(&a.t);
	if (rc)
		return rc;
	uname(&u);
	targets = describe_targets(&a.t);
	fill_meta(&meta, &a.t, &u, kernel, sizeof(kernel), targets);
	/* the file first: a bad path fails before BPF loads or a command starts */
	w = rec_writer__open(a.output, &meta, err, sizeof(err));
	free(targets);
	if (!w) {
		fprintf(stderr, "blockwatch: %s\n", err);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = run(&a, w);
	if (rec_writer__close(w, err, sizeof(err)) < 0 && !rc) {
		fprintf(stderr, "blockwatch: %s\n", err);
		rc = 1;
	}
	return rc;
}
