/* Chrome trace-event JSON (opens in ui.perfetto.dev and chrome://tracing):
 * one process per traced program, one track (tid) per worker thread with
 * complete ("X") events for running, runnable, parked and blocked time;
 * exact blocked intervals are named by their callsite and carry the API,
 * category and stack in args. Times are integer microseconds since the
 * start of the recording: rounding both ends down keeps intervals that did
 * not overlap in nanoseconds from overlapping in microseconds. */
#include "report/report.h"

#include <errno.h>

#include "output/json_writer.h"
#include "report/timeline.h"

/* Slices per track before neighbours are merged (Perfetto copes with many). */
#define PERFETTO_MAX_SLICES 200000

static uint64_t us(const struct timeline *tl, uint64_t ns)
{
	return ns > tl->start_ns ? (ns - tl->start_ns) / 1000 : 0;
}

static void metadata(struct json_writer *w, const char *name, pid_t pid, pid_t tid,
		     const char *key, const char *sval, int64_t ival)
{
	json_begin_object(w, NULL);
	json_string(w, "name", name);
	json_string(w, "ph", "M");
	json_i64(w, "pid", pid);
	json_i64(w, "tid", tid);
	json_begin_object(w, "args");
	if (sval)
		json_string(w, key, sval);
	else
		json_i64(w, key, ival);
	json_end_object(w);
	json_end_object(w);
}

/* The writer and the stack buffer every event's args reuse. */
struct perfetto {
	struct json_writer w;
	struct report_stack stack;
	enum report_runtime_frames mode;
	bool oom;
};

static void event_args(struct perfetto *p, const struct rec_event *e)
{
	struct json_writer *w = &p->w;

	json_begin_object(w, "args");
	json_string(w, "callsite", e->callsite);
	json_string(w, "blocking_api", e->blame.blocking_api);
	json_string(w, "category", e->category);
	json_u64(w, "blocked_ns", e->blocked_ns);
	json_begin_array(w, "stack");
	p->oom |= report_stack__build(&p->stack, e, p->mode) < 0;
	for (int i = 0; i < p->stack.n; i++)
		json_string(w, NULL, p->stack.frames[i].function);
	json_end_array(w);
	json_end_object(w);
}

static void segment(struct perfetto *p, const struct timeline *tl, const struct tl_track *t,
		    const struct tl_segment *s)
{
	struct json_writer *w = &p->w;
	uint64_t t0 = us(tl, s->t0), t1 = us(tl, s->t1);

	if (t1 <= t0)
		return; /* shorter than the format's microsecond */
	json_begin_object(w, NULL);
	json_string(w, "name", s->event ? (s->event->callsite ? s->event->callsite : "blocked")
					 : tl_state_name(s->state));
	json_string(w, "cat", tl_state_name(s->state));
	json_string(w, "ph", "X");
	json_u64(w, "ts", t0);
	json_u64(w, "dur", t1 - t0);
	json_i64(w, "pid", t->pid);
	json_i64(w, "tid", t->tid);
	if (s->event)
		event_args(p, s->event);
	json_end_object(w);
}

static void stuck_markers(struct perfetto *p, const struct bw_recording *r,
			  const struct timeline *tl)
{
	struct json_writer *w = &p->w;

	for (int i = 0; i < r->nevents; i++) {
		const struct rec_event *e = &r->events[i];
		bool on_track = false;

		for (int t = 0; t < tl->ntracks && !on_track; t++)
			on_track = tl->tracks[t].tid == e->tid && tl->tracks[t].pid == e->pid;
		if (!e->stuck || !on_track)
			continue; /* one track per worker: no extra track for a marker */
		json_begin_object(w, NULL);
		json_string(w, "name", "STUCK");
		json_string(w, "ph", "i");
		json_string(w, "s", "t");
		json_u64(w, "ts", us(tl, e->ts_ns));
		json_i64(w, "pid", e->pid);
		json_i64(w, "tid", e->tid);
		event_args(p, e);
		json_end_object(w);
	}
}

int report_perfetto__write(FILE *out, const struct bw_recording *r, const struct report_opts *o)
{
	const struct bw_snapshot *s = r->snap;
	struct perfetto p = { .mode = o->runtime_frames };
	struct json_writer *w = &p.w;
	struct timeline tl;
	int rc = timeline__build(r, PERFETTO_MAX_SLICES, &tl);

	if (rc)
		return rc;
	json_init(w, out, false);
	json_begin_object(w, NULL);
	json_string(w, "displayTimeUnit", "ms");
	json_begin_array(w, "traceEvents");
	for (int i = 0; i < s->nprocesses; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s (pid %d)", s->processes[i].comm, s->processes[i].pid);
		metadata(w, "process_name", s->processes[i].pid, 0, "name", name, 0);
	}
	for (int i = 0; i < tl.ntracks; i++) {
		const struct tl_track *t = &tl.tracks[i];
		char name[64];

		snprintf(name, sizeof(name), "%s %d", t->comm, t->tid);
		metadata(w, "thread_name", t->pid, t->tid, "name", name, 0);
		metadata(w, "thread_sort_index", t->pid, t->tid, "sort_index", NULL, i);
		for (int j = 0; j < t->nsegs; j++)
			segment(&p, &tl, t, &t->segs[j]);
	}
	stuck_markers(&p, r, &tl);
	json_end_array(w);
	json_begin_object(w, "metadata");
	json_string(w, "tool", "blockwatch");
	json_string(w, "tool_version", r->meta.tool_version ? r->meta.tool_version : BW_VERSION);
	json_string(w, "kernel", r->meta.kernel);
	json_u64(w, "start_unix_ns", r->meta.start_unix_ns);
	json_u64(w, "threshold_ns", s->threshold_ns);
	json_string(w, "timeline", "exact blocked intervals over the threshold; other states "
				    "sampled every 100 ms and placed approximately within each sample");
	json_end_object(w);
	json_end_object(w);
	timeline__release(&tl);
	report_stack__release(&p.stack);
	return p.oom ? -ENOMEM : 0;
}
