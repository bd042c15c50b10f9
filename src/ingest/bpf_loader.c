#include "ingest/bpf_loader.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "blockwatch.skel.h"
#include "probe.skel.h"
#include "util/array.h"
#include "util/privileges.h"

struct bw_bpf {
	struct blockwatch_bpf *skel;
	const char *flavour;
	bool task_work; /* syscall ends found by BPF task work, not sys_exit */
	/* traced_tgids, mapped: BPF sets bits too (follow_exec), so every
	 * change is an atomic operation on the shared words */
	uint64_t *tgid_bits;
	struct bpf_link **links; /* uprobes and perf-event samplers */
	pid_t *link_pids;        /* the process each link is for (-1: all) */
	int nlinks, cap, cap_pids;
	/* background detaches of probe sets (joined at free) */
	pthread_t *detachers;
	int ndetachers, cap_detachers;
};

/* One uprobe of a set that comes and goes (struct bw_probe_set). */
struct set_probe {
	char *path;
	uint64_t offset, cookie;
	pid_t pid;
	bool retprobe;
	struct bpf_link *link; /* NULL while detached */
};

struct bw_probe_set {
	struct set_probe *probes;
	int n, cap;
	bool attached;
};

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* Without -v, failures are summarised by our own one-line errors. */
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void bw_bpf__set_verbose(bool v)
{
	verbose = v;
	libbpf_set_print(print_libbpf);
}

/* One body per program, two entry points: pick the flavour to load.
 * task_work (tp_btf only): no program on syscalls at all. */
static void select_flavour(struct blockwatch_bpf *s, bool btf, bool task_work)
{
	struct bpf_program *btf_progs[] = {
		s->progs.switch_btf, s->progs.waking_btf, s->progs.fork_btf, s->progs.exit_btf,
		s->progs.exec_btf, s->progs.sys_enter_btf, s->progs.sys_exit_btf,
	};
	struct bpf_program *raw_progs[] = {
		s->progs.switch_raw, s->progs.waking_raw, s->progs.fork_raw, s->progs.exit_raw,
		s->progs.exec_raw, s->progs.sys_enter_raw, s->progs.sys_exit_raw,
	};

	for (size_t i = 0; i < sizeof(btf_progs) / sizeof(btf_progs[0]); i++) {
		bpf_program__set_autoload(btf_progs[i], btf);
		bpf_program__set_autoload(raw_progs[i], !btf);
	}
	/* tp_btf reads the syscall from saved registers at sched_switch */
	if (btf)
		bpf_program__set_autoload(s->progs.sys_enter_btf, false);
	if (btf && task_work)
		bpf_program__set_autoload(s->progs.sys_exit_btf, false);
	s->rodata->use_task_work = btf && task_work;
}

static struct blockwatch_bpf *open_and_load(const struct bw_bpf_opts *o, bool btf,
					    bool task_work, int *err)
{
	const char *custom = getenv("BLOCKWATCH_BTF");
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = custom && *custom ? custom : NULL);
	struct blockwatch_bpf *s = blockwatch_bpf__open_opts(&oo);

	if (!s) {
		*err = -errno;
		return NULL;
	}
	s->rodata->threshold_ns = o->threshold_ns;
	s->rodata->check_tgid = o->check_tgid;
	s->rodata->follow_execs = o->follow_execs;
	s->rodata->poll_threshold_ns = o->poll_threshold_ns;
	if (o->ringbuf_bytes)
		bpf_map__set_max_entries(s->maps.events, o->ringbuf_bytes);
	s->rodata->hold_threshold_ns = o->hold_threshold_ns;
	if (!o->hold_threshold_ns)
		bpf_map__set_max_entries(s->maps.holds, 1);
	if (o->max_threads) {
		bpf_map__set_max_entries(s->maps.threads, o->max_threads);
		bpf_map__set_max_entries(s->maps.user_roles, o->max_threads);
		bpf_map__set_max_entries(s->maps.tw_slots, o->max_threads);
	}
	select_flavour(s, btf, task_work);
	/* the sampler needs tp_btf-era helpers; it is loaded only when used */
	bpf_program__set_autoload(s->progs.poll_sampler, btf && o->poll_threshold_ns);
	if (!o->want_exec_events) {
		bpf_program__set_autoload(s->progs.exec_btf, false);
		bpf_program__set_autoload(s->progs.exec_raw, false);
	}
	*err = blockwatch_bpf__load(s);
	if (*err) {
		blockwatch_bpf__destroy(s);
		return NULL;
	}
	return s;
}

struct bw_bpf *bw_bpf__open(const struct bw_bpf_opts *opts, char *err, size_t errlen)
{
	struct bw_bpf *b = calloc(1, sizeof(*b));
	int rc;

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Best first: tp_btf with task work (no syscall tracepoint), tp_btf
	 * with sys_exit, raw_tp. BLOCKWATCH_FORCE_RAW_TP=1 and
	 * BLOCKWATCH_NO_TASK_WORK=1 exercise the fallbacks on kernels that
	 * would take the better one (tests, bisecting a problem). */
	if (!getenv("BLOCKWATCH_FORCE_RAW_TP")) {
		if (!getenv("BLOCKWATCH_NO_TASK_WORK")) {
			b->flavour = "tp_btf";
			b->task_work = true;
			b->skel = open_and_load(opts, true, true, &rc);
		}
		if (!b->skel) {
			b->flavour = "tp_btf";
			b->task_work = false;
			b->skel = open_and_load(opts, true, false, &rc);
		}
	}
	if (!b->skel) {
		b->flavour = "raw_tp";
		b->task_work = false;
		b->skel = open_and_load(opts, false, false, &rc);
	}
	if (!b->skel) {
		snprintf(err, errlen, "cannot load BPF programs: %s (run with -v for the verifier log)",
			 strerror(-rc));
		free(b);
		return NULL;
	}
	b->tgid_bits = mmap(NULL, (size_t)BW_TGID_BITMAP_WORDS * sizeof(uint64_t),
			    PROT_READ | PROT_WRITE, MAP_SHARED,
			    bpf_map__fd(b->skel->maps.traced_tgids), 0);
	if (b->tgid_bits == MAP_FAILED) {
		b->tgid_bits = NULL;
		snprintf(err, errlen, "cannot map the traced-process bitmap: %s", strerror(errno));
		bw_bpf__free(b);
		return NULL;
	}
	rc = blockwatch_bpf__attach(b->skel);
	if (rc) {
		snprintf(err, errlen, "cannot attach to scheduler/syscall tracepoints: %s",
			 strerror(-rc));
		bw_bpf__free(b);
		return NULL;
	}
	return b;
}

#define DETACH_THREADS 16

struct detach_slice {
	struct bpf_link **links;
	int from, to;
};

static void *detach_slice(void *arg)
{
	struct detach_slice *s = arg;

	for (int i = s->from; i < s->to; i++)
		bpf_link__destroy(s->links[i]);
	return NULL;
}

/* Each uprobe detach waits for an RCU grace period (~0.1-0.2 s here), so
 * dozens of them one after another make Ctrl-C feel hung: detach in
 * parallel; the waits overlap. */
static void detach_all(struct bpf_link **links, int n)
{
	struct detach_slice slices[DETACH_THREADS];
	pthread_t threads[DETACH_THREADS];
	int nthreads = n < DETACH_THREADS ? n : DETACH_THREADS;
	bool started[DETACH_THREADS] = {};

	for (int i = 0; i < nthreads; i++) {
		slices[i] = (struct detach_slice){ links, n * i / nthreads, n * (i + 1) / nthreads };
		started[i] = pthread_create(&threads[i], NULL, detach_slice, &slices[i]) == 0;
		if (!started[i])
			detach_slice(&slices[i]);
	}
	for (int i = 0; i < nthreads; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
}

void bw_bpf__free(struct bw_bpf *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->ndetachers; i++)
		pthread_join(b->detachers[i], NULL);
	free(b->detachers);
	detach_all(b->links, b->nlinks);
	free(b->links);
	free(b->link_pids);
	if (b->tgid_bits)
		munmap(b->tgid_bits, (size_t)BW_TGID_BITMAP_WORDS * sizeof(uint64_t));
	blockwatch_bpf__destroy(b->skel);
	free(b);
}

const char *bw_bpf__flavour(const struct bw_bpf *b)
{
	return b->flavour;
}

const char *bw_bpf__syscall_end(const struct bw_bpf *b)
{
	return b->task_work ? "task-work" : "sys_exit";
}

bool bw_bpf__learns_park_words(const struct bw_bpf *b)
{
	/* the futex word is read from the saved registers: tp_btf only */
	return strcmp(b->flavour, "tp_btf") == 0;
}

int bw_bpf__ringbuf_fd(const struct bw_bpf *b)
{
	return bpf_map__fd(b->skel->maps.events);
}

int bw_bpf__threads_fd(const struct bw_bpf *b)
{
	return bpf_map__fd(b->skel->maps.threads);
}

int bw_bpf__holds_fd(const struct bw_bpf *b)
{
	return bpf_map__fd(b->skel->maps.holds);
}

static int set_tgid_bit(struct bw_bpf *b, pid_t tgid, bool on)
{
	uint64_t bit = 1ULL << ((uint32_t)tgid % 64);
	uint64_t *word;

	if (tgid <= 0 || tgid >= BW_PID_MAX_LIMIT || !b->tgid_bits)
		return -EINVAL;
	word = &b->tgid_bits[(uint32_t)tgid / 64];
	if (on)
		__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST);
	return 0;
}

int bw_bpf__trace_process(struct bw_bpf *b, pid_t tgid, uint32_t flags)
{
	int fd = bpf_map__fd(b->skel->maps.tgids);
	struct bw_tgid val = {};
	__u32 key = tgid;

	/* keep the park-probe generation of a process already traced, and
	 * whether it is followed */
	bpf_map_lookup_elem(fd, &key, &val);
	val.flags = flags | BW_TGID_TRACED | (val.flags & BW_TGID_FOLLOW);
	if (bpf_map_update_elem(fd, &key, &val, BPF_ANY))
		return -errno;
	return set_tgid_bit(b, tgid, true);
}

int bw_bpf__untrace_process(struct bw_bpf *b, pid_t tgid)
{
	__u32 key = tgid;

	bpf_map_delete_elem(bpf_map__fd(b->skel->maps.tgids), &key);
	return set_tgid_bit(b, tgid, false);
}

int bw_bpf__follow_only(struct bw_bpf *b, pid_t tgid)
{
	struct bw_tgid val = { .flags = BW_TGID_FOLLOW };
	__u32 key = tgid;

	set_tgid_bit(b, tgid, false);
	return bpf_map_update_elem(bpf_map__fd(b->skel->maps.tgids), &key, &val, BPF_ANY) ? -errno
											: 0;
}

bool bw_bpf__followed(struct bw_bpf *b, pid_t tgid)
{
	struct bw_tgid val;
	__u32 key = tgid;

	return !bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.tgids), &key, &val) &&
	       (val.flags & BW_TGID_FOLLOW);
}

int bw_bpf__set_park_by_word(struct bw_bpf *b, pid_t tgid, bool by_word)
{
	int fd = bpf_map__fd(b->skel->maps.tgids);
	struct bw_tgid val;
	__u32 key = tgid;

	if (bpf_map_lookup_elem(fd, &key, &val))
		return -errno;
	if (by_word) {
		val.flags |= BW_TGID_PARK_BY_WORD;
	} else {
		val.flags &= ~BW_TGID_PARK_BY_WORD;
		val.park_gen++; /* park depths counted before are stale */
	}
	return bpf_map_update_elem(fd, &key, &val, BPF_EXIST) ? -errno : 0;
}

/* The clock bpf_ktime_get_ns reads. */
static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int bw_bpf__refine_thread(struct bw_bpf *b, pid_t tid, const struct bw_initial_state *init)
{
	int fd = bw_bpf__threads_fd(b);
	struct bw_thread th;
	__u32 key = tid;
	__u64 now;

	if (bpf_map_lookup_elem(fd, &key, &th))
		return -ENOENT;
	/* A stack verdict goes beside the entry, never into it: a role the
	 * uprobes wrote since (the thread left the blocking pool's idle loop
	 * for worker::run) must not be overwritten with an older guess. */
	if (init->role != BW_ROLE_UNKNOWN && th.role == BW_ROLE_UNKNOWN)
		bw_bpf__set_role(b, tid, init->role);
	/* Parked, as seen at observed_ns, holds only while the thread is
	 * still in that same sleep: no switch or wakeup since. */
	if (!init->park_pending || th.park_pending || th.state != BW_STATE_BLOCKED ||
	    th.state_since_ns > init->observed_ns)
		return 0;
	now = monotonic_ns();
	if (now > th.state_since_ns)
		th.time_ns[BW_STATE_BLOCKED] += now - th.state_since_ns;
	th.park_pending = 1;
	if (!th.park_word[0])
		th.park_word[0] = init->park_word;
	th.syscall_blocked_ns = 0;
	/* a work queued meanwhile still runs; a stale 1 would stop the
	 * thread's syscall ends from ever being queued again */
	th.tw_pending = 0;
	th.state = BW_STATE_PARKED;
	th.state_since_ns = now;
	/* racy against the BPF side's updates of the same entry, so written
	 * only when a sleep really turns out to be a park */
	return bpf_map_update_elem(fd, &key, &th, BPF_EXIST) ? -errno : 0;
}

int bw_bpf__track_thread(struct bw_bpf *b, pid_t tid, pid_t tgid,
			 const struct bw_initial_state *init)
{
	int fd = bw_bpf__threads_fd(b);
	struct bw_thread th = {};
	__u32 key = tid;

	/* already tracked: the fork probe raced us */
	if (bw_bpf__refine_thread(b, tid, init) != -ENOENT)
		return 0;
	th.tgid = tgid;
	th.role = init->role;
	/* asleep in a syscall since before attach: its exit is still to come,
	 * and the sleep is not a fault */
	th.syscall_nr = init->state == BW_STATE_RUNNING ? -1 : init->syscall_nr;
	/* A thread asleep since before attach is accounted from now on. */
	th.state = init->state;
	th.park_pending = init->park_pending;
	th.park_word[0] = init->park_word;
	th.state_since_ns = monotonic_ns();
	if (bpf_map_update_elem(fd, &key, &th, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;
	return 1;
}

int bw_bpf__untrack_thread(struct bw_bpf *b, pid_t tid)
{
	__u32 key = tid;

	bpf_map_delete_elem(bpf_map__fd(b->skel->maps.user_roles), &key);
	bpf_map_delete_elem(bpf_map__fd(b->skel->maps.tw_slots), &key);
	return bpf_map_delete_elem(bw_bpf__threads_fd(b), &key) ? -errno : 0;
}

int bw_bpf__set_role(struct bw_bpf *b, pid_t tid, enum bw_role role)
{
	__u32 key = tid, val = role;

	return bpf_map_update_elem(bpf_map__fd(b->skel->maps.user_roles), &key, &val, BPF_ANY)
		       ? -errno
		       : 0;
}

/* Runs the kernel skipped because the program was already active on that
 * CPU (an interrupt inside it, say); only the kernel knows them. */
static uint64_t runs_skipped(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

int bw_bpf__run_time(const struct bw_bpf *b, uint64_t *run_ns, uint64_t *runs)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	struct bpf_program *prog;
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	if (on != 1)
		return -ENODATA;
	*run_ns = *runs = 0;
	bpf_object__for_each_program(prog, b->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
			*run_ns += info.run_time_ns;
			*runs += info.run_cnt;
		}
	}
	return 0;
}

int bw_bpf__counters(const struct bw_bpf *b, uint64_t out[BW_CNT_NR])
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(b->skel->maps.counters);
	__u64 *vals;

	if (ncpu <= 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < BW_CNT_NR; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	out[BW_CNT_RUNS_SKIPPED] = runs_skipped(b->skel->obj);
	return 0;
}

static int keep_link(struct bw_bpf *b, struct bpf_link *link, pid_t pid)
{
	if (array_grow((void **)&b->links, b->nlinks, &b->cap, sizeof(*b->links)) ||
	    array_grow((void **)&b->link_pids, b->nlinks, &b->cap_pids, sizeof(*b->link_pids)))
		return -ENOMEM;
	b->link_pids[b->nlinks] = pid;
	b->links[b->nlinks++] = link;
	return 0;
}

static struct bpf_link *attach_marker(struct bw_bpf *b, const char *path, uint64_t offset,
				      pid_t pid, uint64_t cookie, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = cookie, .retprobe = retprobe);
	struct bpf_link *link;
	bool raised;
	int err;

	/* a uprobe perf event needs CAP_SYS_ADMIN: effective only for this call
	 * once the tracer has dropped what it does not use */
	raised = privileges__admin_raise();
	link = bpf_program__attach_uprobe_opts(b->skel->progs.runtime_marker, pid, path, offset,
					       &opts);
	err = errno;
	if (raised)
		privileges__admin_lower();
	errno = err;
	return link;
}

int bw_bpf__attach_uprobe(struct bw_bpf *b, const char *path, uint64_t offset, pid_t pid,
			  uint64_t cookie, bool retprobe, struct bw_probe_set *set)
{
	struct bpf_link *link = attach_marker(b, path, offset, pid, cookie, retprobe);
	struct set_probe *sp;

	if (!link)
		return -errno;
	if (!set) {
		if (keep_link(b, link, pid)) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		return 0;
	}
	if (array_grow((void **)&set->probes, set->n, &set->cap, sizeof(*set->probes)) ||
	    !(path = strdup(path))) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	sp = &set->probes[set->n++];
	*sp = (struct set_probe){ (char *)path, offset, cookie, pid, retprobe, link };
	set->attached = true;
	return 0;
}

struct bw_probe_set *bw_probe_set__new(void)
{
	return calloc(1, sizeof(struct bw_probe_set));
}

struct detach_job {
	struct bpf_link **links;
	int n;
};

static void *detach_job(void *arg)
{
	struct detach_job *j = arg;

	detach_all(j->links, j->n);
	free(j->links);
	free(j);
	return NULL;
}

/* Joins the detach threads that are done: a long system-wide trace starts
 * one per process it learns, and an unjoined thread keeps its stack. */
static void reap_detachers(struct bw_bpf *b)
{
	int kept = 0;

	for (int i = 0; i < b->ndetachers; i++)
		if (pthread_tryjoin_np(b->detachers[i], NULL) != 0)
			b->detachers[kept++] = b->detachers[i];
	b->ndetachers = kept;
}

/* Each detach waits out an RCU grace period (~0.1-0.2 s here): done on a
 * thread of its own, the event loop goes on reading events meanwhile (a
 * system-wide trace detaches a set for every process it learns). Takes j
 * (its first n links); j or its array may be NULL (no memory: the links
 * were destroyed already). */
static void start_detach(struct bw_bpf *b, struct detach_job *j, int n)
{
	if (!j || !j->links || !n) {
		if (j)
			free(j->links);
		free(j);
		return;
	}
	j->n = n;
	reap_detachers(b);
	if (array_grow((void **)&b->detachers, b->ndetachers, &b->cap_detachers,
		       sizeof(*b->detachers)) ||
	    pthread_create(&b->detachers[b->ndetachers], NULL, detach_job, j)) {
		detach_job(j); /* no thread: detach here, slower but complete */
		return;
	}
	b->ndetachers++;
}

void bw_probe_set__detach(struct bw_bpf *b, struct bw_probe_set *s)
{
	struct detach_job *j;
	int n = 0;

	if (!s || !s->attached)
		return;
	j = calloc(1, sizeof(*j));
	if (j)
		j->links = calloc(s->n ? s->n : 1, sizeof(*j->links));
	for (int i = 0; i < s->n; i++) {
		if (j && j->links && s->probes[i].link)
			j->links[n++] = s->probes[i].link;
		else if (s->probes[i].link)
			bpf_link__destroy(s->probes[i].link);
		s->probes[i].link = NULL;
	}
	s->attached = false;
	start_detach(b, j, n);
}

void bw_bpf__release_process(struct bw_bpf *b, pid_t pid)
{
	struct detach_job *j = calloc(1, sizeof(*j));
	int n = 0, kept = 0;

	if (j)
		j->links = calloc(b->nlinks ? b->nlinks : 1, sizeof(*j->links));
	for (int i = 0; i < b->nlinks; i++) {
		if (b->link_pids[i] != pid) {
			b->link_pids[kept] = b->link_pids[i];
			b->links[kept++] = b->links[i];
		} else if (j && j->links) {
			j->links[n++] = b->links[i];
		} else {
			bpf_link__destroy(b->links[i]);
		}
	}
	b->nlinks = kept;
	start_detach(b, j, n);
}

int bw_probe_set__attach(struct bw_bpf *b, struct bw_probe_set *s)
{
	int failed = 0;

	if (!s || s->attached)
		return 0;
	/* in the order first attached: return probes before entries */
	for (int i = 0; i < s->n; i++) {
		struct set_probe *sp = &s->probes[i];

		sp->link = attach_marker(b, sp->path, sp->offset, sp->pid, sp->cookie, sp->retprobe);
		failed += !sp->link;
	}
	s->attached = true;
	return failed;
}

bool bw_probe_set__attached(const struct bw_probe_set *s)
{
	return s && s->attached;
}

int bw_probe_set__size(const struct bw_probe_set *s)
{
	return s ? s->n : 0;
}

void bw_probe_set__free(struct bw_bpf *b, struct bw_probe_set *s)
{
	if (!s)
		return;
	bw_probe_set__detach(b, s);
	for (int i = 0; i < s->n; i++)
		free(s->probes[i].path);
	free(s->probes);
	free(s);
}

int bw_bpf__attach_poll_sampler(struct bw_bpf *b, uint64_t period_ns)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.sample_period = period_ns,
	};
	int ncpu = libbpf_num_possible_cpus();

	if (!bpf_program__fd(b->skel->progs.poll_sampler) || ncpu <= 0)
		return -EOPNOTSUPP;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		struct bpf_link *link;

		if (fd < 0) {
			if (errno == ENODEV)
				continue; /* possible but offline CPU */
			return -errno;
		}
		link = bpf_program__attach_perf_event(b->skel->progs.poll_sampler, fd);
		if (!link) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (keep_link(b, link, -1)) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
	}
	return 0;
}

const char *bw_btf_path(void)
{
	const char *custom = getenv("BLOCKWATCH_BTF");

	return custom && *custom ? custom : "/sys/kernel/btf/vmlinux";
}

bool bw_probe_btf(void)
{
	return access(bw_btf_path(), R_OK) == 0;
}

bool bw_probe_ringbuf(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
}

bool bw_probe_uprobes(void)
{
	return access("/sys/bus/event_source/devices/uprobe/type", R_OK) == 0;
}

bool bw_probe_kprobes(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;
}

bool bw_probe_task_pt_regs(void)
{
	struct probe_bpf *p = probe_bpf__open_and_load();

	probe_bpf__destroy(p);
	return p != NULL;
}
