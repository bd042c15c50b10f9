#include "aggregate/snapshot.h"

#include <stdlib.h>
#include <string.h>

const char *snap_callsite__holder_verb(const struct bw_snap_callsite *c)
{
	if (c->category && strcmp(c->category, "channel") == 0)
		return "woken";
	if (c->category && strcmp(c->category, "async-lock-held") == 0)
		return "released";
	return "held";
}

static void callsite_array_free(struct bw_snap_callsite *cs, int n)
{
	for (int i = 0; i < n; i++) {
		struct bw_snap_callsite *c = &cs[i];

		free(c->function);
		free(c->symbol);
		free(c->file);
		free(c->blocking_api);
		free(c->category);
		free(c->syscall);
		free(c->drop_type);
		free(c->drop_why);
		for (int j = 0; j < c->nholders; j++) {
			free(c->holders[j].thread);
			free(c->holders[j].where);
		}
		for (int j = 0; j < c->nstack; j++) {
			free(c->stack[j].function);
			free(c->stack[j].symbol);
			free(c->stack[j].file);
			free(c->stack[j].module);
		}
		free(c->stack);
	}
	free(cs);
}

void snapshot__free(struct bw_snapshot *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nprocesses; i++) {
		free(s->processes[i].exe);
		free(s->processes[i].runtime);
		free(s->processes[i].park_detection);
	}
	free(s->processes);
	for (int i = 0; i < s->nthreads; i++)
		free(s->threads[i].stuck_where);
	free(s->threads);
	callsite_array_free(s->callsites, s->ncallsites);
	callsite_array_free(s->long_polls, s->nlong_polls);
	callsite_array_free(s->lock_holds, s->nlock_holds);
	for (int i = 0; i < s->nlocks_held_now; i++) {
		free(s->locks_held_now[i].kind);
		free(s->locks_held_now[i].where);
	}
	free(s->locks_held_now);
	for (int i = 0; i < s->nlost; i++)
		free(s->lost[i].reason);
	free(s->lost);
	for (int i = 0; i < s->ndegraded; i++)
		free(s->degraded[i]);
	free(s->degraded);
	free(s);
}
