/* System-wide tracing: a process running no recognised runtime is watched,
 * so one that loads a runtime later (a Python or Node extension module, a
 * plugin) is traced from then on. */
#include "ingest/tracer_internal.h"

#include <stdlib.h>
#include <string.h>

#include "ingest/procfs.h"
#include "util/array.h"

/* How often a watched process is looked at: a runtime loaded later is
 * traced within about this long. Programs load their extensions mostly as
 * they start, so a process watched for less than WATCH_YOUNG_NS is looked at
 * every time, an older one every WATCH_OLD_TURNS-th time (2 s). A look is one
 * small /proc read; /proc/PID/maps is read only when the address space grew
 * or shrank. */
#define WATCH_INTERVAL_NS 200000000ULL
#define WATCH_YOUNG_NS 10000000000ULL
#define WATCH_OLD_TURNS 10

static struct watched_process *find_watched(struct tracer *t, pid_t pid)
{
	for (int i = 0; i < t->nwatched; i++)
		if (t->watched[i].pid == pid)
			return &t->watched[i];
	return NULL;
}

void tracer_watch(struct tracer *t, struct traced_process *p)
{
	struct watched_process *w = find_watched(t, p->pid);

	if (w) {
		/* the same pid exec'd another program: its files are new */
		strmap__free(w->no_runtime);
	} else {
		if (array_grow((void **)&t->watched, t->nwatched, &t->cap_watched, sizeof(*w)))
			return;
		w = &t->watched[t->nwatched++];
	}
	w->pid = p->pid;
	w->since_ns = tracer_now_ns();
	w->vm_pages = proc_vm_pages(p->pid);
	w->no_runtime = p->so_without_runtime;
	p->so_without_runtime = NULL;
}

static void unwatch(struct tracer *t, int i)
{
	strmap__free(t->watched[i].no_runtime);
	t->watched[i] = t->watched[--t->nwatched];
}

/* Reads the files the process mapped since the last look; true when one
 * of them holds a runtime. */
static bool loaded_a_runtime(struct tracer *t, struct watched_process *w)
{
	struct traced_process scratch = { .pid = w->pid };
	bool found;

	/* its own executable is known to hold none: only libraries are read */
	if (proc_exe(w->pid, scratch.exe, sizeof(scratch.exe)))
		return false;
	scratch.so_without_runtime = w->no_runtime;
	found = tracer_runtime_mapped(t, &scratch);
	w->no_runtime = scratch.so_without_runtime;
	return found;
}

void tracer_watch_check(struct tracer *t)
{
	uint64_t now = tracer_now_ns();
	struct strmap *no_runtime;

	if (now - t->last_watch_ns < WATCH_INTERVAL_NS)
		return;
	t->last_watch_ns = now;
	t->watch_turn++;
	for (int i = t->nwatched - 1; i >= 0; i--) {
		struct watched_process *w = &t->watched[i];
		pid_t pid = w->pid;
		uint64_t pages;

		if (now - w->since_ns >= WATCH_YOUNG_NS &&
		    (t->watch_turn + (uint64_t)pid) % WATCH_OLD_TURNS != 0)
			continue;
		pages = proc_vm_pages(pid);

		if (!pages) {
			unwatch(t, i); /* gone */
			continue;
		}
		if (pages == w->vm_pages)
			continue;
		w->vm_pages = pages;
		if (!loaded_a_runtime(t, w))
			continue;
		/* from here on it is an ordinary target: probes, threads; the
		 * files already read are not read again */
		no_runtime = w->no_runtime;
		w->no_runtime = NULL;
		unwatch(t, i);
		tracer_add_discovered(t, pid, no_runtime);
	}
}

void tracer_watch_free(struct tracer *t)
{
	for (int i = 0; i < t->nwatched; i++)
		strmap__free(t->watched[i].no_runtime);
	free(t->watched);
	t->watched = NULL;
	t->nwatched = 0;
}
