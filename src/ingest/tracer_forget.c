/* A tracer that runs for months (serve) must not keep every process and
 * thread it ever saw: once their last numbers went out in a snapshot, the
 * ones that are gone are dropped with everything held for them (unwinder,
 * probes, interned frames). trace, record and top keep them for their final
 * report and never call this. */
#include "ingest/tracer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The degraded notes about one process: the tracer writes them as
 * "NAME (pid N): ..." or "pid N (NAME) ..." (tracer.c); a daemon that saw
 * thousands of processes come and go must not keep a note for each. */
static void forget_notes_of(struct tracer *t, pid_t pid)
{
	char a[32], b[32];
	int kept = 0;

	snprintf(a, sizeof(a), "(pid %d)", pid);
	snprintf(b, sizeof(b), "pid %d (", pid);
	for (int i = 0; i < t->ndegraded; i++) {
		if (strstr(t->degraded[i], a) || !strncmp(t->degraded[i], b, strlen(b)))
			free(t->degraded[i]);
		else
			t->degraded[kept++] = t->degraded[i];
	}
	t->ndegraded = kept;
}

static void forget_process(struct tracer *t, struct traced_process *p)
{
	forget_notes_of(t, p->pid);
	bw_probe_set__free(t->bpf, p->park_probes);
	bw_bpf__release_process(t->bpf, p->pid);
	process__free(p->unw);
	strmap__free(p->so_without_runtime);
}

static void forget_thread(struct traced_thread *th)
{
	free(th->stuck_where);
	free(th->holder_where);
	free(th->poll_frames);
}

/* Gone for good: not in /proc any more and untraced in the kernel (the
 * refresh decides that). A launched command stays: its exit status and
 * numbers are the session's end. */
static bool process_gone(const struct tracer *t, const struct traced_process *p)
{
	return p->untraced && !(t->launched && p->pid == t->launch.pid);
}

void tracer__forget_exited(struct tracer *t)
{
	int kept = 0;

	for (int i = 0; i < t->nprocs; i++) {
		if (process_gone(t, &t->procs[i]))
			forget_process(t, &t->procs[i]);
		else
			t->procs[kept++] = t->procs[i];
	}
	t->nprocs = kept;

	kept = 0;
	for (int i = 0; i < t->nthreads; i++) {
		struct traced_thread *th = &t->threads[i];

		/* a thread of a forgotten process may have left no exit event */
		if (th->exited || !tracer_find_process(t, th->pid))
			forget_thread(th);
		else
			t->threads[kept++] = *th;
	}
	t->nthreads = kept;

	kept = 0;
	for (int i = 0; i < t->nheld; i++) {
		if (tracer_find_process(t, t->held[i].pid))
			t->held[kept++] = t->held[i];
		else
			free(t->held[i].where);
	}
	t->nheld = kept;
}
