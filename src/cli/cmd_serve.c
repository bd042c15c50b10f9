/* `blockwatch serve`: a daemon exporting what the tracer finds as
 * Prometheus metrics. Parses arguments, binds the port, starts the tracer,
 * hands over to src/serve/. */
#include <argp.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/parse.h"
#include "cli/target_args.h"
#include "ingest/tracer.h"
#include "serve/http_post.h"
#include "serve/http_server.h"
#include "serve/log_file.h"
#include "serve/pprof_dir.h"
#include "serve/serve.h"
#include "serve/service_name.h"

#define DEFAULT_LISTEN "127.0.0.1:9464"
#define DEFAULT_MAX_CALLSITES 5000

struct serve_args {
	struct tracer_opts t;
	struct serve_opts s;
	struct service_namer namer;
	const char *listen;
	const char *pprof_dir;
	uint64_t pprof_interval_ns;
	int pprof_keep;
	regex_t comm;
	bool has_comm;
};

enum { OPT_LISTEN = 3000, OPT_MAX_CALLSITES, OPT_SERVICE_LABEL, OPT_PER_THREAD, OPT_LOG_FILE,
       OPT_COMM, OPT_INTERVAL, OPT_OTLP_ENDPOINT, OPT_OTLP_INTERVAL, OPT_PPROF_DIR,
       OPT_PPROF_INTERVAL, OPT_PPROF_KEEP };

static const struct argp_option serve_options[] = {
	{ "listen", OPT_LISTEN, "ADDR", 0, "Serve /metrics and /healthz on ADDR (default " DEFAULT_LISTEN ")", 0 },
	{ "comm", OPT_COMM, "REGEX", 0, "System-wide: only processes whose name matches (extended regex)", 0 },
	{ "max-callsites", OPT_MAX_CALLSITES, "N", 0, "Keep at most N callsite series; the least recently seen are evicted (default 5000)", 0 },
	{ "service-label", OPT_SERVICE_LABEL, "SOURCE", 0, "The service label: exe (default: the executable's name), env:VAR, or cgroup (the systemd unit)", 0 },
	{ "per-thread", OPT_PER_THREAD, NULL, 0, "Also export worker time per thread (pid and tid labels: more series)", 0 },
	{ "log-file", OPT_LOG_FILE, "FILE", 0, "Write diagnostics to FILE (appended; reopened on SIGHUP)", 0 },
	{ "interval", OPT_INTERVAL, "DURATION", 0, "Collect from the tracer at least this often (default 1s; scrapes also collect)", 0 },
	{ "otlp-endpoint", OPT_OTLP_ENDPOINT, "URL", 0, "Also push the metrics as OTLP/HTTP JSON to URL (http:// only, e.g. http://127.0.0.1:4318/v1/metrics)", 0 },
	{ "otlp-interval", OPT_OTLP_INTERVAL, "DURATION", 0, "How often to push (default 60s)", 0 },
	{ "pprof-dir", OPT_PPROF_DIR, "DIR", 0, "Also write each --pprof-interval's blocking as a pprof profile into DIR", 0 },
	{ "pprof-interval", OPT_PPROF_INTERVAL, "DURATION", 0, "One profile per this long (default 5m)", 0 },
	{ "pprof-keep", OPT_PPROF_KEEP, "N", 0, "Keep the newest N profiles (default 12)", 0 },
	{},
};

static error_t serve_parse(int key, char *arg, struct argp_state *state)
{
	struct serve_args *a = state->input;
	char *end;
	long n;

	switch (key) {
	case ARGP_KEY_INIT:
		return target_args__init(state, &a->t);
	case OPT_LISTEN: {
		struct sockaddr_storage sa;
		socklen_t len;

		if (http_parse_listen(arg, &sa, &len))
			CLI_FAIL(state, "bad --listen '%s' (examples: 127.0.0.1:9464, [::1]:9464, :9464)", arg);
		a->listen = arg;
		return 0;
	}
	case OPT_COMM:
		if (a->has_comm)
			regfree(&a->comm);
		a->has_comm = false;
		if (regcomp(&a->comm, arg, REG_EXTENDED | REG_NOSUB))
			CLI_FAIL(state, "bad --comm regex '%s'", arg);
		a->has_comm = true;
		return 0;
	case OPT_MAX_CALLSITES:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || n < 1 || n > 10000000)
			CLI_FAIL(state, "bad --max-callsites '%s' (a count from 1 up)", arg);
		a->s.store.max_callsites = (int)n;
		return 0;
	case OPT_SERVICE_LABEL:
		if (service_namer__parse(&a->namer, arg))
			CLI_FAIL(state, "bad --service-label '%s' (exe, env:VARIABLE or cgroup)", arg);
		return 0;
	case OPT_PER_THREAD:
		a->s.store.per_thread = true;
		return 0;
	case OPT_LOG_FILE:
		a->s.log_file = arg;
		return 0;
	case OPT_INTERVAL:
		if (parse_duration(arg, 1000000000ULL, &a->s.interval_ns) || a->s.interval_ns < 100000000ULL)
			CLI_FAIL(state, "bad --interval '%s' (at least 100ms; examples: 1s, 500ms)", arg);
		return 0;
	case OPT_OTLP_ENDPOINT: {
		struct http_url url;

		if (http_url__parse(arg, &url))
			CLI_FAIL(state, "bad --otlp-endpoint '%s' (http://HOST[:PORT]/PATH; no TLS: a local collector)", arg);
		a->s.otlp_endpoint = arg;
		return 0;
	}
	case OPT_OTLP_INTERVAL:
		if (parse_duration(arg, 1000000000ULL, &a->s.otlp_interval_ns) ||
		    a->s.otlp_interval_ns < 1000000000ULL)
			CLI_FAIL(state, "bad --otlp-interval '%s' (at least 1s; examples: 10s, 1m)", arg);
		return 0;
	case OPT_PPROF_DIR:
		a->pprof_dir = arg;
		return 0;
	case OPT_PPROF_INTERVAL:
		if (parse_duration(arg, 1000000000ULL, &a->pprof_interval_ns) ||
		    a->pprof_interval_ns < 1000000000ULL)
			CLI_FAIL(state, "bad --pprof-interval '%s' (at least 1s; examples: 5m, 60s)", arg);
		return 0;
	case OPT_PPROF_KEEP:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || n < 1 || n > 100000)
			CLI_FAIL(state, "bad --pprof-keep '%s' (a count from 1 up)", arg);
		a->pprof_keep = (int)n;
		return 0;
	case ARGP_KEY_ARG:
		CLI_FAIL(state, "unexpected argument '%s' (to start a command: blockwatch serve -- COMMAND ARGS)", arg);
	case ARGP_KEY_END:
		if (a->has_comm && (a->t.npids || a->t.command))
			CLI_FAIL(state, "--comm picks processes system-wide; not with -p or -- COMMAND");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp serve_argp = {
	serve_options, serve_parse, "[-p PID] [--comm REGEX] [-- COMMAND [ARGS...]]",
	"Run as a daemon and export where async runtimes get blocked as Prometheus metrics "
	"(/metrics; text format 0.0.4, or OpenMetrics when asked).\n\n"
	"Targets: none (system-wide, the default: every process running a recognised runtime, "
	"followed as they start, exec and exit), --comm REGEX (system-wide, only matching names), "
	"-p PID, or -- COMMAND. Stops on SIGTERM or SIGINT; SIGHUP reopens --log-file. "
	"See docs/blockwatch-serve.md.",
	target_args_children, NULL, NULL,
};

/* Everything that can fail before BPF is loaded: the log, the port. */
static int prepare(struct serve_args *a, int *listen_fd)
{
	char err[512];

	if (a->s.log_file && log_file__redirect_stderr(a->s.log_file, err, sizeof(err))) {
		fprintf(stderr, "blockwatch: %s\n", err);
		return 1;
	}
	/* its events come from the tracer: there before it */
	if (a->pprof_dir) {
		a->s.pprof = pprof_dir__new(a->pprof_dir, a->pprof_interval_ns, a->pprof_keep, &a->t, err,
					    sizeof(err));
		if (!a->s.pprof) {
			fprintf(stderr, "blockwatch: %s\n", err);
			return 1;
		}
		a->t.on_event = pprof_dir__on_event;
		a->t.event_ctx = a->s.pprof;
	}
	*listen_fd = http_listen(a->listen, err, sizeof(err));
	if (*listen_fd < 0) {
		fprintf(stderr, "blockwatch: %s\n", err);
		pprof_dir__free(a->s.pprof, NULL);
		return 1;
	}
	return 0;
}

static int run(struct serve_args *a, int listen_fd)
{
	struct serve *s = serve__new(&a->s);
	struct tracer *t = NULL;
	char err[512] = "";
	int rc = 1;

	if (!s) {
		close(listen_fd);
		fprintf(stderr, "blockwatch: out of memory\n");
		return 1;
	}
	t = tracer__new(&a->t, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "blockwatch: %s\n", err[0] ? err : "cannot start tracing");
		close(listen_fd);
		goto cleanup;
	}
	/* capabilities are per thread: dropped before the HTTP thread starts */
	target_args__ready();
	if (serve__listen(s, listen_fd))
		goto cleanup;
	serve_log("serving http://%s/metrics, tracing %s", a->listen,
		  a->t.command ? "the command" : a->t.npids ? "the given processes" :
		  a->has_comm ? "system-wide (--comm)" : "system-wide");
	rc = serve__stop_requested() ? 0 : serve__run(s, t);
	if (!rc && a->t.command)
		rc = tracer__command_status(t);
	if (a->s.pprof) { /* the last, partial window */
		struct bw_snapshot *last = tracer__snapshot(t);

		pprof_dir__free(a->s.pprof, last);
		snapshot__free(last);
		a->s.pprof = NULL;
	}
	serve_log("stopped");
cleanup:
	serve__free(s);
	pprof_dir__free(a->s.pprof, NULL); /* not started */
	tracer__free(t);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_args a = {
		.t = { .threshold_ns = BW_DEFAULT_THRESHOLD_NS, .stuck_ns = BW_DEFAULT_STUCK_NS,
		       .callsites_by_process = true },
		.s = { .interval_ns = 1000000000ULL, .otlp_interval_ns = 60000000000ULL,
		       .store = { .max_callsites = DEFAULT_MAX_CALLSITES } },
		.listen = DEFAULT_LISTEN,
		.pprof_interval_ns = 300000000000ULL,
		.pprof_keep = 12,
	};
	int nargs, rc, listen_fd = -1;

	nargs = target_args__split(argc, argv, &a.t);
	if (nargs < 0)
		return 2;
	if (cli_argp_parse(&serve_argp, nargs, argv, &a))
		return 2;
	rc = target_args__check(&a.t);
	if (rc)
		return rc;
	if (a.has_comm)
		a.t.comm_filter = &a.comm;
	a.s.store.threshold_ns = a.t.threshold_ns;
	a.s.store.polls = a.t.poll_threshold_ns > 0;
	a.s.store.locks = a.t.hold_threshold_ns > 0;
	a.s.store.service_name = service_namer__name;
	a.s.store.service_ctx = &a.namer;
	rc = prepare(&a, &listen_fd);
	if (!rc) {
		/* before the tracer: a stop while BPF loads still ends cleanly */
		serve__install_signals();
		rc = run(&a, listen_fd);
	}
	if (a.has_comm)
		regfree(&a.comm);
	return rc;
}
