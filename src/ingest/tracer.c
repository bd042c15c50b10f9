/* Tracer lifecycle: validate targets, load BPF, recognise runtimes, attach
 * their probes, register threads, then run the event loop. */
#include "ingest/tracer_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "classify/thread_role.h"
#include "ingest/procfs.h"
#include "util/array.h"

#define REFRESH_INTERVAL_NS 200000000ULL

uint64_t tracer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void tracer_note_degraded(struct tracer *t, const char *fmt, ...)
{
	char *msg, **d;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	for (int i = 0; i < t->ndegraded; i++) {
		if (strcmp(t->degraded[i], msg) == 0) {
			free(msg);
			return;
		}
	}
	d = realloc(t->degraded, (t->ndegraded + 1) * sizeof(*d));
	if (!d) {
		free(msg);
		return;
	}
	t->degraded = d;
	t->degraded[t->ndegraded++] = msg;
	if (t->opts.verbose)
		fprintf(stderr, "blockwatch: degraded: %s\n", msg);
}

struct traced_process *tracer_find_process(struct tracer *t, pid_t pid)
{
	for (int i = 0; i < t->nprocs; i++)
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	return NULL;
}

struct traced_thread *tracer_find_thread(struct tracer *t, pid_t tid)
{
	for (int i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid && !t->threads[i].exited)
			return &t->threads[i];
	return NULL;
}

struct traced_thread *tracer_thread(struct tracer *t, pid_t pid, pid_t tid)
{
	struct traced_thread *th = tracer_find_thread(t, tid);

	if (th)
		return th;
	if (array_grow((void **)&t->threads, t->nthreads, &t->cap_threads, sizeof(*th)))
		return NULL;
	th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof(*th));
	th->pid = pid;
	th->tid = tid;
	th->seen_ns = tracer_now_ns();
	proc_comm(pid, tid, th->comm, sizeof(th->comm));
	return th;
}

struct bw_process *tracer_unwinder(struct tracer *t, struct traced_process *p)
{
	if (!p->unw && !p->exited) {
		p->unw = process__new(p->pid);
		if (!p->unw)
			t->user_counters[UC_NO_PROCESS_MAP]++;
	}
	return p->unw;
}

unsigned tracer_probe_features(const struct tracer *t)
{
	return (t->opts.poll_threshold_ns ? RT_FEATURE_POLLS : 0) |
	       (t->opts.hold_threshold_ns ? RT_FEATURE_LOCKS : 0);
}

/* Opt-in features whose probes found nothing to attach to are said so. */
static void note_missing_probes(struct tracer *t, const struct traced_process *p,
				const struct probe_report *rep)
{
	if (t->opts.poll_threshold_ns && !rep->poll_probes) {
		t->user_counters[UC_POLL_PROBES_MISSING]++;
		tracer_note_degraded(t, "%s (pid %d): no task poll symbols; long polls are not measured",
				     p->comm, p->pid);
	}
	if (t->opts.hold_threshold_ns && (rep->lock_probes < 2 || !rep->poll_probes)) {
		t->user_counters[UC_LOCK_PROBES_MISSING]++;
		tracer_note_degraded(t, "%s (pid %d): no async lock or task poll symbols; locks held across .await are not measured",
				     p->comm, p->pid);
	}
	if (rep->failed)
		tracer_note_degraded(t, "%s (pid %d): %d %s probe(s) could not be placed: %s",
				     p->comm, p->pid, rep->failed, p->profile->name,
				     strerror(-rep->first_error));
	for (int i = 0; i < rep->nmissing; i++) {
		char names[512];

		runtime_purpose_spellings(p->profile, rep->missing[i], names, sizeof(names));
		t->user_counters[UC_PROBE_PURPOSES_MISSING]++;
		tracer_note_degraded(t, "%s (pid %d): %s code is linked in but no %s probe symbol was found "
				     "(looked for %s): a %s release blockwatch's table does not know?",
				     p->comm, p->pid, p->profile->name, rep->missing[i], names,
				     p->profile->name);
	}
	if (t->opts.hold_threshold_ns && rep->permit_layout == PERMIT_LAYOUT_ASSUMED)
		tracer_note_degraded(t, "%s (pid %d): no DWARF for %s and its code did not show the layout; "
				     "the semaphore field is assumed at offset 0 (holds may be missed)",
				     p->comm, p->pid, p->profile->permit_future_type);
	else if (t->opts.hold_threshold_ns && rep->permit_layout != PERMIT_LAYOUT_UNUSED &&
		 t->opts.verbose)
		fprintf(stderr, "blockwatch: %s (pid %d): %s's semaphore field at offset %llu, from %s\n",
			p->comm, p->pid, p->profile->permit_future_type,
			(unsigned long long)rep->permit_field_offset,
			permit_layout_source_name(rep->permit_layout));
}

struct so_scan {
	struct tracer *t;
	struct traced_process *p;
	bool attach; /* place probes now (late scans); else add_process does */
};

/* A runtime linked into a shared object (a cdylib loaded by another
 * program): recognised by symbols, probed in that file. */
static void scan_shared_object(const char *path, void *ctx)
{
	struct so_scan *sc = ctx;
	struct runtime_match m;
	struct probe_report rep = {};
	const char *base = strrchr(path, '/');

	/* the C library and the loader never carry a runtime: skip the scan */
	if (base && (!strncmp(base, "/libc.so", 8) || !strncmp(base, "/ld-linux", 9) ||
		     !strncmp(base, "/libm.so", 8) || !strncmp(base, "/libgcc_s", 9)))
		return;
	if (sc->p->exe_checked && strcmp(path + strlen(path) - strlen(sc->p->exe), sc->p->exe) == 0)
		return; /* the executable itself: done already */
	if (sc->p->so_without_runtime && strmap__get(sc->p->so_without_runtime, path))
		return;
	if (runtime_detect(path, &m) || !m.profile || !m.by_symbols) {
		if (!sc->p->so_without_runtime)
			sc->p->so_without_runtime = strmap__new();
		if (sc->p->so_without_runtime)
			strmap__put(sc->p->so_without_runtime, path, (void *)1);
		return;
	}
	if (!sc->p->profile) {
		sc->p->profile = m.profile;
		sc->p->by_symbols = true;
		snprintf(sc->p->runtime_path, sizeof(sc->p->runtime_path), "%s", path);
	}
	if (!sc->attach || (sc->p->probed && strcmp(path, sc->p->runtime_path) == 0))
		return;
	runtime_attach_probes(sc->t->bpf, m.profile, path, sc->p->pid,
			      tracer_probe_features(sc->t), tracer_park_set(sc->t, sc->p), &rep);
	note_missing_probes(sc->t, sc->p, &rep);
	sc->t->user_counters[UC_UPROBE_ATTACH_FAILED] += rep.failed;
	if (rep.park_probes) {
		sc->p->park_detection = "uprobes";
		bw_bpf__trace_process(sc->t->bpf, sc->p->pid,
				      m.profile->epoll_is_park ? BW_TGID_EPOLL_IS_PARK : 0);
	}
}

bool tracer_runtime_mapped(struct tracer *t, struct traced_process *p)
{
	struct so_scan sc = { t, p, false };

	proc_exec_mappings(p->pid, scan_shared_object, &sc);
	return p->profile != NULL;
}

/* Threads already inside a park call when its probes arrived: mark them,
 * as at attach (their park has no return probe). */
static void reclassify_threads(struct tracer *t, struct traced_process *p)
{
	pid_t tids[4096];
	int n = proc_list_threads(p->pid, tids, 4096);

	for (int i = 0; i < n; i++) {
		struct bw_initial_state init;

		tracer_classify_existing(t, p, tids[i], &init);
		/* traced since exec: a thread not in the map has exited */
		bw_bpf__refine_thread(t->bpf, tids[i], &init);
	}
}

static void forget_degraded(struct tracer *t, const char *msg)
{
	for (int i = 0; i < t->ndegraded; i++)
		if (strcmp(t->degraded[i], msg) == 0) {
			free(t->degraded[i]);
			t->degraded[i] = t->degraded[--t->ndegraded];
			return;
		}
}

static void no_runtime_note(const struct traced_process *p, char *buf, size_t len)
{
	snprintf(buf, len,
		 "pid %d (%s) is not running a recognised async runtime; use --threads REGEX to choose its worker threads",
		 p->pid, p->comm);
}

void tracer_process_execed(struct tracer *t, struct traced_process *p, const char *comm)
{
	char note[512];

	/* another program: its own name, maps and unwind state */
	process__free(p->unw);
	p->unw = NULL;
	if (!p->profile) {
		/* what the old program was said not to run may not hold now,
		 * and the new one is looked at next */
		no_runtime_note(p, note, sizeof(note));
		forget_degraded(t, note);
		proc_exe(p->pid, p->exe, sizeof(p->exe));
		p->exe_checked = false;
		p->so_scanned = false;
		p->so_scan_ns = 0;
	}
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
}

/* After a process's libraries are mapped (for a launched command: after
 * exec, at its first blocked event or refresh), and again at each refresh
 * while it has no runtime: one may come with a library it loads later
 * (dlopen; a Python extension). Only files not looked at before are read. */
void tracer_scan_shared_objects(struct tracer *t, struct traced_process *p)
{
	struct so_scan sc = { t, p, true };
	bool had_runtime = p->probed || p->profile;
	uint64_t now;
	char note[512];

	/* called at every blocked event: the common case returns here */
	if (p->exited || (p->so_scanned && p->profile))
		return;
	now = tracer_now_ns();
	/* a program without a runtime may block often: /proc/PID/maps is
	 * read at most every 10 ms for it */
	if (p->so_scanned && now - p->so_scan_ns < 10000000ULL)
		return;
	if (t->launched && p->pid == t->launch.pid && !launch__execed(&t->launch))
		return;
	p->so_scan_ns = now;
	proc_exec_mappings(p->pid, scan_shared_object, &sc);
	no_runtime_note(p, note, sizeof(note));
	if (!had_runtime && p->profile) {
		reclassify_threads(t, p); /* probes came late: catch up on parks */
		forget_degraded(t, note); /* it loaded one after all */
	}
	if (!p->so_scanned && !p->profile && !thread_filter__active())
		tracer_note_degraded(t, "%s", note);
	p->so_scanned = true;
}

/* Registers a process: recognise its runtime, place probes, list threads.
 * exe_override: the path a held (not yet exec'd) child will run.
 * no_runtime: files already found to hold no runtime (taken over), or NULL. */
static int add_process(struct tracer *t, pid_t pid, const char *exe_override, bool explicit,
		       struct strmap *no_runtime, char *err, size_t errlen)
{
	struct traced_process *p;
	struct runtime_match match;
	struct probe_report rep = {};
	uint32_t flags = 0;
	struct bw_initial_state *inits;
	pid_t tids[4096];
	int n, rc;

	if (tracer_find_process(t, pid)) {
		strmap__free(no_runtime);
		return 0;
	}
	/* --comm: not one of ours (an exec may still make it one); asked
	 * before anything else is read, as every exec on the machine comes here */
	if (!explicit && t->opts.comm_filter) {
		char comm[BW_COMM_LEN] = "";

		proc_comm(pid, pid, comm, sizeof(comm));
		if (regexec(t->opts.comm_filter, comm, 0, NULL, 0)) {
			strmap__free(no_runtime);
			return -ENOENT;
		}
	}
	if (array_grow((void **)&t->procs, t->nprocs, &t->cap_procs, sizeof(*t->procs))) {
		strmap__free(no_runtime);
		return -ENOMEM;
	}
	p = &t->procs[t->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->so_without_runtime = no_runtime;
	if (exe_override)
		snprintf(p->exe, sizeof(p->exe), "%s", exe_override);
	else if ((rc = proc_exe(pid, p->exe, sizeof(p->exe)))) {
		if (explicit && rc == -ENOENT)
			snprintf(err, errlen, "pid %d not found", pid);
		else if (explicit)
			snprintf(err, errlen, "cannot inspect pid %d: %s", pid, strerror(-rc));
		strmap__free(p->so_without_runtime);
		return rc;
	}
	if (exe_override) {
		const char *base = strrchr(exe_override, '/');

		snprintf(p->comm, sizeof(p->comm), "%s", base ? base + 1 : exe_override);
	} else {
		proc_comm(pid, pid, p->comm, sizeof(p->comm));
	}
	runtime_detect(p->exe, &match);
	p->exe_checked = true;
	p->profile = match.profile;
	p->by_symbols = match.by_symbols;
	snprintf(p->runtime_path, sizeof(p->runtime_path), "%s", p->exe);
	if (!p->profile && !exe_override) {
		/* the runtime may live in a shared object */
		p->so_scanned = true;
		tracer_runtime_mapped(t, p);
	}
	/* a launched command may load its runtime from a shared object: the
	 * late scan after exec decides (tracer_scan_shared_objects) */
	if (!p->profile && !thread_filter__active() && !exe_override) {
		if (explicit)
			no_runtime_note(p, err, errlen);
		else /* system-wide: it may load one later */
			tracer_watch(t, p);
		/* a descendant of `-- COMMAND` BPF traced from its exec: not a
		 * runtime, but what it execs in turn is followed */
		if (t->opts.command)
			bw_bpf__follow_only(t->bpf, pid);
		strmap__free(p->so_without_runtime);
		return -ENOENT;
	}
	p->park_detection = "none";
	if (p->profile) {
		p->probed = true;
		runtime_attach_probes(t->bpf, p->profile, p->runtime_path, pid,
				      tracer_probe_features(t), tracer_park_set(t, p), &rep);
		note_missing_probes(t, p, &rep);
		t->user_counters[UC_UPROBE_ATTACH_FAILED] += rep.failed;
		if (rep.park_probes > 0) {
			p->park_detection = "uprobes";
		} else {
			p->park_detection = "syscall-heuristic";
			flags |= BW_TGID_PARK_BY_SYSCALL;
			tracer_note_degraded(t,
					     "%s (pid %d): no %s park symbols (stripped?); futex/epoll waits are treated as parked, so lock contention may be missed",
					     p->comm, pid, p->profile->name);
		}
		if (!p->by_symbols)
			tracer_note_degraded(t,
					     "%s (pid %d): no symbol table; frames are shown as module+offset and threads are classified by name",
					     p->comm, pid);
	}
	if (p->profile && p->profile->epoll_is_park)
		flags |= BW_TGID_EPOLL_IS_PARK;
	/* a launched command with no runtime yet (a shell that execs one):
	 * until one is found, its futex and epoll waits are no reports */
	if (!p->profile)
		flags |= BW_TGID_PARK_BY_SYSCALL | BW_TGID_EPOLL_IS_PARK;
	if (t->opts.command) /* what it execs is followed too */
		flags |= BW_TGID_FOLLOW;
	/* from here on the kernel side accounts new threads of it (forks
	 * while its existing threads are being classified): the trace's
	 * span starts no later than that */
	if (!t->first_track_ns)
		t->first_track_ns = tracer_now_ns();
	if (bw_bpf__trace_process(t->bpf, pid, flags)) {
		snprintf(err, errlen, "cannot trace pid %d: %s", pid, strerror(errno));
		return -errno;
	}
	t->nprocs++;
	if (exe_override) {
		/* held child: one thread, nothing to classify before exec */
		struct bw_initial_state init = { .state = BW_STATE_RUNNING, .syscall_nr = -1 };

		tracer_thread(t, pid, pid);
		if (!t->first_track_ns)
			t->first_track_ns = tracer_now_ns();
		rc = bw_bpf__track_thread(t->bpf, pid, pid, &init);
		if (rc < 0)
			snprintf(err, errlen, "cannot trace pid %d: %s", pid, strerror(-rc));
		return rc < 0 ? rc : 0;
	}
	n = proc_list_threads(pid, tids, 4096);
	inits = calloc(n > 0 ? n : 1, sizeof(*inits));
	if (!inits)
		return -ENOMEM;
	/* classify first (reading stacks is slow), then start accounting for
	 * all threads at nearly the same moment */
	for (int i = 0; i < n; i++)
		tracer_classify_existing(t, p, tids[i], &inits[i]);
	if (!t->first_track_ns)
		t->first_track_ns = tracer_now_ns();
	for (int i = 0; i < n; i++) {
		struct traced_thread *th = tracer_thread(t, pid, tids[i]);

		if (th)
			th->role = inits[i].role;
		/* listed, then gone before it was added: no exit event will
		 * ever remove it */
		if (bw_bpf__track_thread(t->bpf, tids[i], pid, &inits[i]) == 1 &&
		    !proc_thread_alive(pid, tids[i]))
			bw_bpf__untrack_thread(t->bpf, tids[i]);
	}
	free(inits);
	return 0;
}

void tracer_add_discovered(struct tracer *t, pid_t pid, struct strmap *no_runtime)
{
	char ignored[256]; /* not asked for: nothing to tell the user */

	add_process(t, pid, NULL, false, no_runtime, ignored, sizeof(ignored));
}

static int start_targets(struct tracer *t, char *err, size_t errlen)
{
	int rc;

	for (int i = 0; i < t->opts.npids; i++) {
		rc = add_process(t, t->opts.pids[i], NULL, true, NULL, err, errlen);
		if (rc)
			return rc;
	}
	if (t->opts.command) {
		rc = launch__start(&t->launch, t->opts.command, err, errlen);
		if (rc)
			return rc;
		t->launched = true;
		rc = add_process(t, t->launch.pid, t->launch.path, true, NULL, err, errlen);
		if (rc == -ENOENT) {
			/* not a runtime we know: still run it, report nothing */
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", err);
			tracer_note_degraded(t, "%s", msg);
			err[0] = 0;
			rc = 0;
		}
		if (rc)
			return rc;
		return launch__release(&t->launch, err, errlen);
	}
	if (!t->opts.npids) {
		pid_t pids[32768];
		int n = proc_list_pids(pids, 32768);

		for (int i = 0; i < n; i++)
			if (pids[i] != getpid())
				tracer_add_discovered(t, pids[i], NULL);
	}
	return 0;
}

struct tracer *tracer__new(const struct tracer_opts *opts, char *err, size_t errlen)
{
	struct bw_bpf_opts bo = {
		.threshold_ns = opts->threshold_ns,
		.poll_threshold_ns = opts->poll_threshold_ns,
		.hold_threshold_ns = opts->hold_threshold_ns,
	};
	struct tracer *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->opts = *opts;
	/* system-wide: new programs; `-- COMMAND`: what the command's children exec */
	bo.want_exec_events = !opts->npids;
	bo.follow_execs = opts->command != NULL;
	/* a few processes: 4 MiB holds ~250 stack-carrying events between two
	 * reads (userspace wakes on data); system-wide gets room for bursts */
	bo.ringbuf_bytes = opts->ringbuf_bytes			 ? opts->ringbuf_bytes
			   : !opts->npids && !opts->command ? 16u << 20
							    : 4u << 20;
	bw_bpf__set_verbose(opts->verbose);
	t->bpf = bw_bpf__open(&bo, err, errlen);
	if (t->bpf && strcmp(bw_bpf__syscall_end(t->bpf), "task-work") != 0)
		tracer_note_degraded(t, "no BPF task work in this kernel: a program runs at the exit of every syscall on the machine (more overhead)");
	t->callsites = callsites__new();
	t->long_polls = callsites__new();
	t->lock_holds = callsites__new();
	if (!t->bpf || !t->callsites || !t->long_polls || !t->lock_holds)
		goto fail;
	if (opts->callsites_by_process) {
		callsites__split_by_process(t->callsites);
		callsites__split_by_process(t->long_polls);
		callsites__split_by_process(t->lock_holds);
	}
	if (opts->poll_threshold_ns) {
		int rc = bw_bpf__attach_poll_sampler(t->bpf, opts->poll_sample_period_ns
								     ? opts->poll_sample_period_ns
								     : 1000000);

		if (rc)
			tracer_note_degraded(t, "on-CPU sampling unavailable (%s): long polls are named by their poll function only",
					     strerror(-rc));
	}
	t->rb = ring_buffer__new(bw_bpf__ringbuf_fd(t->bpf), tracer_handle_event, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "cannot open the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (start_targets(t, err, errlen))
		goto fail;
	/* the trace's time starts when thread accounting does (after the
	 * stacks of threads that already existed were read) */
	t->start_ns = t->first_track_ns ? t->first_track_ns : tracer_now_ns();
	return t;
fail:
	tracer__free(t);
	return NULL;
}

void tracer__free(struct tracer *t)
{
	if (!t)
		return;
	if (t->launched)
		launch__kill(&t->launch);
	ring_buffer__free(t->rb);
	for (int i = 0; i < t->nprocs; i++)
		bw_probe_set__free(t->bpf, t->procs[i].park_probes);
	bw_bpf__free(t->bpf);
	callsites__free(t->callsites);
	callsites__free(t->long_polls);
	callsites__free(t->lock_holds);
	for (int i = 0; i < t->nheld; i++)
		free(t->held[i].where);
	free(t->held);
	for (int i = 0; i < t->nprocs; i++) {
		process__free(t->procs[i].unw);
		strmap__free(t->procs[i].so_without_runtime);
	}
	free(t->procs);
	for (int i = 0; i < t->nthreads; i++) {
		free(t->threads[i].stuck_where);
		free(t->threads[i].holder_where);
		free(t->threads[i].poll_frames);
	}
	free(t->threads);
	tracer_watch_free(t);
	for (int i = 0; i < t->ndegraded; i++)
		free(t->degraded[i]);
	free(t->degraded);
	free(t);
}

int tracer__poll(struct tracer *t, int timeout_ms)
{
	int rc = ring_buffer__poll(t->rb, timeout_ms);
	uint64_t now = tracer_now_ns();

	if (rc < 0 && rc != -EINTR)
		return rc;
	if (now - t->last_refresh_ns >= REFRESH_INTERVAL_NS) {
		t->last_refresh_ns = now;
		tracer_refresh_threads(t);
		tracer_check_stuck(t);
		tracer_check_held_locks(t);
		tracer_watch_check(t);
		tracer_parks_check(t);
	}
	return 0;
}

bool tracer__targets_gone(struct tracer *t)
{
	bool any_target = t->opts.npids || t->launched;

	if (!any_target)
		return false;
	if (t->launched && !launch__exited(&t->launch))
		return false;
	for (int i = 0; i < t->nprocs; i++) {
		struct traced_process *p = &t->procs[i];

		if (!p->exited && !(t->launched && p->pid == t->launch.pid) && proc_exists(p->pid))
			return false;
	}
	return true;
}

void tracer__finish(struct tracer *t)
{
	ring_buffer__consume(t->rb);
	tracer_refresh_threads(t);
	/* the last refresh's list may name locks released since */
	tracer_check_held_locks(t);
	bw_bpf__counters(t->bpf, t->kernel_counters);
}

uint64_t tracer_start_ns(const struct tracer *t)
{
	return t->start_ns;
}

uint64_t now_monotonic_ns(void)
{
	return tracer_now_ns();
}

int tracer__command_status(const struct tracer *t)
{
	if (!t->launched || !t->launch.exited)
		return 0;
	if (WIFEXITED(t->launch.status))
		return WEXITSTATUS(t->launch.status);
	return 128 + WTERMSIG(t->launch.status);
}

void tracer__roll_recent(struct tracer *t)
{
	callsites__roll_recent(t->callsites);
	callsites__roll_recent(t->long_polls);
	callsites__roll_recent(t->lock_holds);
	for (int i = 0; i < t->nthreads; i++) {
		struct traced_thread *th = &t->threads[i];

		for (int s = 0; s < BW_STATE_COUNT; s++) {
			th->recent[s] = th->last.time_ns[s] - th->roll_base[s];
			th->roll_base[s] = th->last.time_ns[s];
		}
	}
}

void tracer__clear(struct tracer *t)
{
	callsites__clear(t->callsites);
	callsites__clear(t->long_polls);
	callsites__clear(t->lock_holds);
}
