#include "record/sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct seen_thread {
	pid_t pid, tid;
	uint64_t time_ns[BW_STATE_COUNT];
	enum bw_role role;
	char comm[BW_COMM_LEN];
	bool exited;
};

struct sampler {
	struct sampler_sink sink;
	uint64_t last_ns;
	struct seen_thread *threads;
	int nthreads;
	pid_t *pids;
	int npids;
	bool *pid_exited;
};

struct sampler *sampler__new(const struct sampler_sink *sink)
{
	struct sampler *s = calloc(1, sizeof(*s));

	if (s)
		s->sink = *sink;
	return s;
}

void sampler__free(struct sampler *s)
{
	if (!s)
		return;
	free(s->threads);
	free(s->pids);
	free(s->pid_exited);
	free(s);
}

/* Thread counts are small (tens to hundreds): a linear search is fine. */
static struct seen_thread *find_thread(struct sampler *s, pid_t pid, pid_t tid, bool *fresh)
{
	struct seen_thread *t;

	for (int i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid && s->threads[i].pid == pid)
			return &s->threads[i];
	t = realloc(s->threads, (s->nthreads + 1) * sizeof(*t));
	if (!t)
		return NULL;
	s->threads = t;
	t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	*fresh = true;
	return t;
}

static int sample_processes(struct sampler *s, const struct bw_snapshot *snap)
{
	for (int i = 0; i < snap->nprocesses; i++) {
		const struct bw_snap_process *p = &snap->processes[i];
		int j = 0;
		int rc;

		while (j < s->npids && s->pids[j] != p->pid)
			j++;
		if (j < s->npids && s->pid_exited[j] == p->exited)
			continue;
		if (j == s->npids) {
			pid_t *np = realloc(s->pids, (j + 1) * sizeof(*np));
			bool *ne;

			if (!np)
				return -ENOMEM;
			s->pids = np;
			ne = realloc(s->pid_exited, (j + 1) * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			s->pid_exited = ne;
			s->pids[j] = p->pid;
			s->npids++;
		}
		s->pid_exited[j] = p->exited;
		rc = s->sink.process ? s->sink.process(s->sink.ctx, p) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sampler__sample(struct sampler *s, const struct bw_snapshot *snap)
{
	uint64_t t0 = s->last_ns ? s->last_ns : snap->start_ns;
	int rc = sample_processes(s, snap);

	for (int i = 0; rc >= 0 && i < snap->nthreads; i++) {
		const struct bw_snap_thread *th = &snap->threads[i];
		struct rec_slice slice = { .pid = th->pid, .tid = th->tid, .t0 = t0, .t1 = snap->now_ns };
		bool fresh = false, any = false;
		struct seen_thread *seen = find_thread(s, th->pid, th->tid, &fresh);

		if (!seen)
			return -ENOMEM;
		if (fresh || seen->role != th->role || seen->exited != th->exited ||
		    strncmp(seen->comm, th->comm, sizeof(seen->comm))) {
			seen->role = th->role;
			seen->exited = th->exited;
			memcpy(seen->comm, th->comm, sizeof(seen->comm));
			rc = s->sink.thread ? s->sink.thread(s->sink.ctx, th) : 0;
		}
		for (int st = 0; st < BW_STATE_COUNT; st++) {
			/* totals include the running state up to "now", so they can
			 * dip when the kernel settles it: never emit negative time */
			if (th->time_ns[st] > seen->time_ns[st]) {
				slice.ns[st] = th->time_ns[st] - seen->time_ns[st];
				seen->time_ns[st] = th->time_ns[st];
				any = true;
			}
		}
		if (any && rc >= 0 && slice.t1 > slice.t0 && s->sink.slice)
			rc = s->sink.slice(s->sink.ctx, &slice);
	}
	s->last_ns = snap->now_ns;
	return rc < 0 ? rc : 0;
}

static int rec_slice_sink(void *ctx, const struct rec_slice *s)
{
	return recording__add_slice(ctx, s);
}

static int rec_thread_sink(void *ctx, const struct bw_snap_thread *t)
{
	return recording__put_thread(ctx, t, false);
}

static int rec_process_sink(void *ctx, const struct bw_snap_process *p)
{
	return recording__put_process(ctx, p);
}

const struct sampler_sink recording_sink = {
	.slice = rec_slice_sink,
	.thread = rec_thread_sink,
	.process = rec_process_sink,
};
