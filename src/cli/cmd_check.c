/* `blockwatch check`: prove the BPF chain works on this kernel (load,
 * attach sched_switch, ring buffer to userspace) and list what it supports. */
#include <argp.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "util/escape.h"
#include "cli/argp_oneline.h"
#include "cli/commands.h"
#include "cli/parse.h"
#include "ingest/bpf_loader.h"
#include "ingest/procfs.h"

struct check_args {
	pid_t pid;
	uint64_t duration_ns;
	bool verbose;
};

static const struct argp_option check_options[] = {
	{ "pid", 'p', "PID", 0, "Count context switches of this process", 0 },
	{ "duration", 'd', "DURATION", 0, "How long to count (default 1s)", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's log", 0 },
	{},
};

static error_t check_parse(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;
	pid_t pid;

	switch (key) {
	CLI_KEY_INIT_CASE(state);
	case 'p':
	case ARGP_KEY_ARG:
		if (parse_pid_list(arg, &pid, 1) != 1)
			CLI_FAIL(state, "bad pid '%s'", arg);
		a->pid = pid;
		return 0;
	case 'd':
		if (parse_duration(arg, 1000000000ULL, &a->duration_ns) || !a->duration_ns)
			CLI_FAIL(state, "bad duration '%s' (examples: 1s, 500ms)", arg);
		return 0;
	case 'v':
		a->verbose = true;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp check_argp = {
	check_options, check_parse, "[PID]",
	"Check kernel support and, given a PID, count its context switches through the ring buffer.",
	NULL, NULL, NULL,
};

struct switch_count {
	uint64_t switches, preempted;
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct bw_event_header *h = data;
	struct switch_count *c = ctx;

	if (size >= sizeof(struct bw_switch_event) && h->type == BW_EV_SWITCH) {
		c->switches++;
		c->preempted += ((const struct bw_switch_event *)data)->prev_state_running;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void print_feature(const char *name, bool ok, const char *note)
{
	printf("  %-14s %s%s%s\n", name, ok ? "yes" : "no", note ? "  " : "", note ? note : "");
}

static int count_switches(struct bw_bpf *b, const struct check_args *a)
{
	struct switch_count c = {};
	struct ring_buffer *rb;
	pid_t tids[4096];
	uint64_t counters[BW_CNT_NR] = {}, end;
	char comm[32];
	int n;

	if (bw_bpf__trace_process(b, a->pid, 0))
		return -errno;
	n = proc_list_threads(a->pid, tids, 4096);
	for (int i = 0; i < n; i++) {
		struct bw_initial_state init = { .state = BW_STATE_RUNNING, .syscall_nr = -1 };

		bw_bpf__track_thread(b, tids[i], a->pid, &init);
	}
	rb = ring_buffer__new(bw_bpf__ringbuf_fd(b), on_event, &c, NULL);
	if (!rb)
		return -errno;
	end = now_ns() + a->duration_ns;
	while (now_ns() < end) {
		int rc = ring_buffer__poll(rb, 100);

		if (rc < 0 && rc != -EINTR)
			break;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	bw_bpf__counters(b, counters);
	proc_comm(a->pid, a->pid, comm, sizeof(comm));
	printf("pid %d (%s): %llu context switches in %.1fs (%llu preempted), %llu lost\n", a->pid,
	       comm[0] ? esc_text(comm) : "exited", (unsigned long long)c.switches, a->duration_ns / 1e9,
	       (unsigned long long)c.preempted,
	       (unsigned long long)counters[BW_CNT_RINGBUF_FULL]);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { .duration_ns = 1000000000ULL };
	struct bw_bpf_opts opts = { .threshold_ns = 1000000 };
	struct bw_bpf *b = NULL;
	struct utsname u;
	char err[256];
	int rc;

	if (cli_argp_parse(&check_argp, argc, argv, &a))
		return 2;
	if ((rc = require_root()) || (rc = require_btf()))
		return 1;
	if (a.pid && (rc = require_pid(a.pid)))
		return 1;
	bw_bpf__set_verbose(a.verbose);
	opts.check_tgid = a.pid;
	uname(&u);
	printf("blockwatch %s: kernel %s %s\n", BW_VERSION, u.release, u.machine);
	b = bw_bpf__open(&opts, err, sizeof(err));
	print_feature("BTF", bw_probe_btf(), bw_btf_path());
	print_feature("tp_btf", b && strcmp(bw_bpf__flavour(b), "tp_btf") == 0,
		      getenv("BLOCKWATCH_FORCE_RAW_TP") ? "(not tried: BLOCKWATCH_FORCE_RAW_TP; using raw_tp)"
		      : b && strcmp(bw_bpf__flavour(b), "raw_tp") == 0 ? "(using raw_tp)" : NULL);
	print_feature("ring buffer", bw_probe_ringbuf(), NULL);
	print_feature("uprobes", bw_probe_uprobes(), NULL);
	print_feature("task_pt_regs", bw_probe_task_pt_regs(), NULL);
	print_feature("kprobes", bw_probe_kprobes(), "(not needed)");
	print_feature("task work", b && strcmp(bw_bpf__syscall_end(b), "task-work") == 0,
		      b && strcmp(bw_bpf__syscall_end(b), "task-work") != 0
			      ? "(syscall ends found by a sys_exit program on every syscall)"
			      : "(syscall ends found without a syscall tracepoint)");
	if (!b) {
		fprintf(stderr, "blockwatch: %s\n", err);
		return 1;
	}
	printf("  %-14s loaded and attached (%s); syscall ends by %s\n", "BPF programs",
	       bw_bpf__flavour(b), bw_bpf__syscall_end(b));
	rc = 0;
	if (a.pid) {
		rc = count_switches(b, &a);
		if (rc)
			fprintf(stderr, "blockwatch: counting switches of pid %d failed: %s\n", a.pid,
				strerror(-rc));
	}
	bw_bpf__free(b);
	return rc ? 1 : 0;
}
