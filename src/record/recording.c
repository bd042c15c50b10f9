/* The in-memory recording: pooled strings, growable arrays, and the
 * rebuild of the summary snapshot from recorded events. */
#include "record/recording.h"
#include "util/array.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/callsites.h"
#include "ingest/syscall_names.h"
#include "symbolize/intern.h"
#include "util/idmap.h"
#include "util/strmap.h"

struct bw_recording *recording__new(void)
{
	struct bw_recording *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pool = intern__new();
	r->snap = calloc(1, sizeof(*r->snap));
	if (!r->pool || !r->snap) {
		recording__free(r);
		return NULL;
	}
	r->meta.major = -1; /* unknown until a header sets it */
	return r;
}

void recording__free(struct bw_recording *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nevents; i++)
		free(r->events[i].frames);
	for (int i = 0; i < r->npolls; i++)
		free(r->polls[i].frames);
	free(r->polls);
	for (int i = 0; i < r->nholds; i++)
		free(r->holds[i].frames);
	free(r->holds);
	free(r->events);
	free(r->slices);
	snapshot__free(r->snap);
	for (int i = 0; i < r->nproblems; i++)
		free(r->problems[i]);
	free(r->problems);
	idmap__free(r->thread_ids);
	idmap__free(r->process_ids);
	strmap__free(r->degraded_set);
	strmap__free(r->lost_ids);
	intern__free(r->pool);
	free(r);
}

const char *recording__str(struct bw_recording *r, const char *s)
{
	return s ? intern__str(r->pool, s) : NULL;
}

int recording__set_meta(struct bw_recording *r, const struct rec_meta *m)
{
	r->meta = *m;
	r->meta.tool_version = recording__str(r, m->tool_version);
	r->meta.kernel = recording__str(r, m->kernel);
	r->meta.hostname = recording__str(r, m->hostname);
	r->meta.targets = recording__str(r, m->targets);
	if (!r->snap->threshold_ns)
		r->snap->threshold_ns = m->threshold_ns;
	if (!r->snap->start_ns)
		r->snap->start_ns = m->start_mono_ns;
	return 0;
}

/* Grows *arr (of elements `size`) to hold one more; returns 0 or -ENOMEM. */
int recording__add_event(struct bw_recording *r, const struct rec_event *ev)
{
	struct rec_event **list = ev->long_poll ? &r->polls : ev->lock_hold ? &r->holds : &r->events;
	int *n = ev->long_poll ? &r->npolls : ev->lock_hold ? &r->nholds : &r->nevents;
	int *cap = ev->long_poll ? &r->polls_cap : ev->lock_hold ? &r->holds_cap : &r->events_cap;
	struct rec_event *e;

	if (array_grow((void **)list, *n, cap, sizeof(*e)))
		return -ENOMEM;
	e = &(*list)[*n];
	*e = *ev;
	e->holder_thread = recording__str(r, ev->holder_thread);
	e->holder_where = recording__str(r, ev->holder_where);
	e->category = recording__str(r, ev->category);
	e->callsite = recording__str(r, ev->callsite);
	e->blame.blocking_api = recording__str(r, ev->blame.blocking_api);
	e->blame.drop_type = recording__str(r, ev->blame.drop_type);
	e->frames = calloc(ev->nframes ? ev->nframes : 1, sizeof(*e->frames));
	if (!e->frames)
		return -ENOMEM;
	for (int i = 0; i < ev->nframes; i++) {
		struct bw_frame *f = &e->frames[i];

		*f = ev->frames[i];
		f->function = recording__str(r, f->function);
		f->file = recording__str(r, f->file);
		f->module = recording__str(r, f->module);
		f->build_id = recording__str(r, f->build_id);
	}
	(*n)++;
	return 0;
}

int recording__add_slice(struct bw_recording *r, const struct rec_slice *s)
{
	if (array_grow((void **)&r->slices, r->nslices, &r->slices_cap, sizeof(*s)))
		return -ENOMEM;
	r->slices[r->nslices++] = *s;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Builds the index of an array that did not have one yet (a snapshot
 * handed over whole); later inserts keep it up to date. */
static struct idmap *index_of(struct idmap **m, int n, uint64_t (*key)(const void *, int),
			      const void *arr)
{
	if (*m)
		return *m;
	*m = idmap__new();
	for (int i = 0; *m && i < n; i++)
		if (idmap__put(*m, key(arr, i), i) < 0) {
			idmap__free(*m);
			*m = NULL;
		}
	return *m;
}

static uint64_t process_key(const void *arr, int i)
{
	return (uint32_t)((const struct bw_snap_process *)arr)[i].pid;
}

static uint64_t thread_key(const void *arr, int i)
{
	const struct bw_snap_thread *t = &((const struct bw_snap_thread *)arr)[i];

	return (uint64_t)(uint32_t)t->pid << 32 | (uint32_t)t->tid;
}

int recording__put_process(struct bw_recording *r, const struct bw_snap_process *p)
{
	struct bw_snapshot *s = r->snap;
	struct idmap *ids = index_of(&r->process_ids, s->nprocesses, process_key, s->processes);
	struct bw_snap_process *o = NULL;
	long i;

	if (!ids)
		return -ENOMEM;
	i = idmap__get(ids, (uint32_t)p->pid);
	if (i >= 0) {
		o = &s->processes[i];
		free(o->exe);
		free(o->runtime);
		free(o->park_detection);
	} else {
		if (r->processes_cap < s->nprocesses)
			r->processes_cap = s->nprocesses;
		if (array_grow((void **)&s->processes, s->nprocesses, &r->processes_cap, sizeof(*o)) ||
		    idmap__put(ids, (uint32_t)p->pid, s->nprocesses) < 0)
			return -ENOMEM;
		o = &s->processes[s->nprocesses++];
	}
	*o = *p;
	o->exe = dup_or_null(p->exe);
	o->runtime = dup_or_null(p->runtime);
	o->park_detection = strdup(p->park_detection ? p->park_detection : "none");
	return 0;
}

int recording__put_thread(struct bw_recording *r, const struct bw_snap_thread *t, bool has_times)
{
	struct bw_snapshot *s = r->snap;
	struct idmap *ids = index_of(&r->thread_ids, s->nthreads, thread_key, s->threads);
	uint64_t key = (uint64_t)(uint32_t)t->pid << 32 | (uint32_t)t->tid;
	struct bw_snap_thread *o = NULL;
	uint64_t times[BW_STATE_COUNT] = {};
	long i;

	if (!ids)
		return -ENOMEM;
	i = idmap__get(ids, key);
	if (i >= 0) {
		o = &s->threads[i];
		memcpy(times, o->time_ns, sizeof(times));
	} else {
		if (r->threads_cap < s->nthreads)
			r->threads_cap = s->nthreads;
		if (array_grow((void **)&s->threads, s->nthreads, &r->threads_cap, sizeof(*o)) ||
		    idmap__put(ids, key, s->nthreads) < 0)
			return -ENOMEM;
		o = &s->threads[s->nthreads++];
		o->stuck_where = NULL;
	}
	free(o->stuck_where);
	*o = *t;
	o->stuck_where = dup_or_null(t->stuck_where);
	/* metadata-only records keep the totals learnt so far */
	if (!has_times)
		memcpy(o->time_ns, times, sizeof(times));
	return 0;
}

/* A set of strings kept in a snapshot array (notes, lost reasons), with
 * its index built on first use. */
static struct strmap *string_index(struct strmap **m, char *const *strs, size_t stride, int n)
{
	if (*m)
		return *m;
	*m = strmap__new();
	for (int i = 0; *m && i < n; i++) {
		const char *k = *(char *const *)((const char *)strs + i * stride);

		if (strmap__put(*m, k, (void *)(uintptr_t)(i + 1)) < 0) {
			strmap__free(*m);
			*m = NULL;
		}
	}
	return *m;
}

int recording__put_lost(struct bw_recording *r, const char *reason, uint64_t count)
{
	struct bw_snapshot *s = r->snap;
	struct strmap *ids = string_index(&r->lost_ids, s->lost ? &s->lost[0].reason : NULL,
					   sizeof(*s->lost), s->nlost);
	struct bw_snap_counter *c;
	uintptr_t i;

	if (!ids)
		return -ENOMEM;
	i = (uintptr_t)strmap__get(ids, reason);
	if (i) {
		s->lost[i - 1].count = count;
		return 0;
	}
	if (s->nlost >= BW_REC_MAX_LOST) {
		r->distinct_dropped++;
		return 0;
	}
	if (r->lost_cap < s->nlost)
		r->lost_cap = s->nlost;
	if (array_grow((void **)&s->lost, s->nlost, &r->lost_cap, sizeof(*c)))
		return -ENOMEM;
	c = &s->lost[s->nlost];
	c->reason = strdup(reason);
	c->count = count;
	if (!c->reason || strmap__put(ids, reason, (void *)(uintptr_t)(s->nlost + 1)) < 0) {
		free(c->reason);
		return -ENOMEM;
	}
	s->nlost++;
	return 0;
}

static int add_degraded(struct bw_recording *r, const char *text, bool force);

int recording__add_degraded(struct bw_recording *r, const char *text)
{
	return add_degraded(r, text, false);
}

/* force: the reader's own notes, kept past the cap on the file's. */
static int add_degraded(struct bw_recording *r, const char *text, bool force)
{
	struct bw_snapshot *s = r->snap;
	struct strmap *ids = string_index(&r->degraded_set, s->degraded, sizeof(char *), s->ndegraded);
	char *d;

	if (!ids)
		return -ENOMEM;
	if (strmap__get(ids, text))
		return 0;
	if (s->ndegraded >= BW_REC_MAX_DEGRADED && !force) {
		r->distinct_dropped++;
		return 0;
	}
	if (r->degraded_cap < s->ndegraded)
		r->degraded_cap = s->ndegraded;
	if (array_grow((void **)&s->degraded, s->ndegraded, &r->degraded_cap, sizeof(char *)))
		return -ENOMEM;
	d = strdup(text);
	if (!d || strmap__put(ids, text, (void *)(uintptr_t)(s->ndegraded + 1)) < 0) {
		free(d);
		return -ENOMEM;
	}
	s->degraded[s->ndegraded++] = d;
	return 0;
}

void recording__problem(struct bw_recording *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nproblems >= BW_REC_MAX_PROBLEMS) {
		r->problems_more++;
		return;
	}
	if (array_grow((void **)&r->problems, r->nproblems, &r->problems_cap, sizeof(char *)))
		return;
	va_start(ap, fmt);
	if (vasprintf(&r->problems[r->nproblems], fmt, ap) >= 0)
		r->nproblems++;
	va_end(ap);
}

void recording__adopt_snapshot(struct bw_recording *r, struct bw_snapshot *snap)
{
	snapshot__free(r->snap);
	r->snap = snap;
	/* the indexes and capacities described the old arrays */
	idmap__free(r->thread_ids);
	idmap__free(r->process_ids);
	strmap__free(r->degraded_set);
	strmap__free(r->lost_ids);
	r->thread_ids = r->process_ids = NULL;
	r->degraded_set = r->lost_ids = NULL;
	r->threads_cap = snap->nthreads;
	r->processes_cap = snap->nprocesses;
	r->degraded_cap = snap->ndegraded;
	r->lost_cap = snap->nlost;
	r->has_end = true;
	r->snap_complete = true;
}

static enum bw_category category_of(const char *name)
{
	for (int c = 0; c < BW_CAT_NR; c++)
		if (name && strcmp(bw_category__name(c), name) == 0)
			return c;
	return BW_CAT_OTHER;
}

static int syscall_nr_of(const char *name)
{
	int nr;

	if (!name || strcmp(name, "none") == 0)
		return -1;
	if (sscanf(name, "syscall_%d", &nr) == 1)
		return nr;
	return syscall_number(name);
}

void rec_event__from_live(const struct live_event *ev, struct rec_event *out)
{
	*out = (struct rec_event){
		.ts_ns = ev->ts_ns,
		.blocked_ns = ev->blocked_ns,
		.pid = ev->pid,
		.tid = ev->tid,
		.syscall_nr = syscall_nr_of(ev->syscall),
		.stuck = ev->stuck,
		.category = ev->category,
		.callsite = ev->callsite,
		.frames = (struct bw_frame *)ev->frames,
		.nframes = ev->nframes,
		.long_poll = ev->long_poll,
		.lock_hold = ev->lock_hold,
		.holder_thread = ev->holder_thread,
		.holder_where = ev->holder_where,
	};
	/* The live event names the API and category; the frame indices that
	 * callsite aggregation needs come from the same deterministic rules. */
	blame__analyze(ev->frames, ev->nframes, out->syscall_nr, &out->blame);
	if (ev->long_poll) { /* attributed like the tracer does (tracer_events.c) */
		out->blame.api_frame = -1;
		out->blame.callsite_frame = blame__task_frame(ev->frames, ev->nframes);
	}
	if (ev->lock_hold) { /* the acquire site, as tracer_locks.c names it */
		out->blame.api_frame = -1;
		out->blame.callsite_frame = blame__first_user_frame(ev->frames, ev->nframes);
	}
	out->blame.blocking_api = ev->blocking_api;
	out->blame.category = category_of(ev->category);
}

void recording__on_live_event(void *ctx, const struct live_event *ev)
{
	struct rec_event e;

	rec_event__from_live(ev, &e);
	recording__add_event(ctx, &e);
}

static void add_events(const struct rec_event *events, int n, struct callsites *cs)
{
	for (int i = 0; i < n; i++) {
		const struct rec_event *e = &events[i];
		struct blame_result b = e->blame;
		struct blocked_interval iv = {
			.pid = e->pid,
			.tid = e->tid,
			.ts_ns = e->ts_ns,
			.blocked_ns = e->blocked_ns,
			.syscall_nr = e->syscall_nr,
			.frames = e->frames,
			.nframes = e->nframes,
			.blame = &b,
			.category_name = e->long_poll || e->lock_hold ? e->category : NULL,
			.holder_thread = e->holder_thread,
			.holder_where = e->holder_where,
		};

		b.category = category_of(e->category);
		b.drop_why = blame__drop_why(b.drop_type);
		if (!e->stuck)
			callsites__add(cs, &iv);
	}
}

/* A cut-short recording has no final totals: sum its timeline instead. */
static void fill_from_timeline(struct bw_recording *r)
{
	struct bw_snapshot *s = r->snap;
	uint64_t last = s->start_ns;

	for (int i = 0; i < r->nslices; i++)
		last = r->slices[i].t1 > last ? r->slices[i].t1 : last;
	for (int i = 0; i < r->nevents; i++)
		last = r->events[i].ts_ns > last ? r->events[i].ts_ns : last;
	if (!r->has_end) {
		s->now_ns = last;
		s->events_total = 0;
		for (int i = 0; i < r->nevents; i++)
			s->events_total += !r->events[i].stuck;
	}
	/* the END chunk carries every thread's final totals */
	if (r->has_end)
		return;
	for (int t = 0; t < s->nthreads; t++)
		memset(s->threads[t].time_ns, 0, sizeof(s->threads[t].time_ns));
	if (!index_of(&r->thread_ids, s->nthreads, thread_key, s->threads))
		return;
	for (int i = 0; i < r->nslices; i++) {
		const struct rec_slice *sl = &r->slices[i];
		long t = idmap__get(r->thread_ids, (uint64_t)(uint32_t)sl->pid << 32 | (uint32_t)sl->tid);

		for (int st = 0; t >= 0 && st < BW_STATE_COUNT; st++)
			s->threads[t].time_ns[st] += sl->ns[st];
	}
}

/* Aggregates one list of recorded events into a snapshot list. */
static int snapshot_events(const struct rec_event *events, int n, struct bw_snap_callsite **out,
			   int *nout)
{
	struct callsites *cs = callsites__new();
	int err;

	if (!cs)
		return -ENOMEM;
	add_events(events, n, cs);
	err = callsites__snapshot_into(cs, out, nout);
	callsites__free(cs);
	return err;
}

int recording__finish(struct bw_recording *r)
{
	struct bw_snapshot *s = r->snap;
	int err;

	for (int i = 0; i < r->nproblems; i++)
		add_degraded(r, r->problems[i], true);
	if (r->problems_more) {
		char line[96];

		snprintf(line, sizeof(line), "and %d more problems reading the recording", r->problems_more);
		add_degraded(r, line, true);
	}
	if (r->distinct_dropped) {
		char line[128];

		snprintf(line, sizeof(line), "%llu further notes or lost-event reasons not kept "
			 "(at most %d of each)", (unsigned long long)r->distinct_dropped,
			 BW_REC_MAX_DEGRADED);
		add_degraded(r, line, true);
	}
	if (r->snap_complete)
		return 0;
	fill_from_timeline(r);
	err = snapshot_events(r->events, r->nevents, &s->callsites, &s->ncallsites);
	if (!err && r->npolls) {
		s->polls_enabled = true;
		err = snapshot_events(r->polls, r->npolls, &s->long_polls, &s->nlong_polls);
	}
	if (!err && r->nholds) {
		s->locks_enabled = true;
		err = snapshot_events(r->holds, r->nholds, &s->lock_holds, &s->nlock_holds);
	}
	r->snap_complete = err == 0;
	return err;
}
