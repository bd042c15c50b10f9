/* The JSON summary (schema in docs/output-formats.md; keep it stable). */
#include "output/output.h"
#include "output/json_writer.h"

const char *bw_role__name(enum bw_role r)
{
	switch (r) {
	case BW_ROLE_WORKER: return "worker";
	case BW_ROLE_BLOCKING: return "blocking";
	default: return "other";
	}
}

static void write_frame(struct json_writer *w, const struct bw_snap_frame *f)
{
	json_begin_object(w, NULL);
	json_string(w, "function", f->function);
	json_string(w, "symbol", f->symbol);
	json_string(w, "file", f->file);
	json_i64(w, "line", f->line);
	json_bool(w, "inlined", f->inlined);
	json_string(w, "module", f->module);
	json_u64(w, "module_offset", f->module_offset);
	json_end_object(w);
}

/* holders_key: "held_by" (who held what a wait waited for) or, for async
 * lock holds, "released_at" (who gave the lock back, where). */
static void write_callsite(struct json_writer *w, const struct bw_snap_callsite *c,
			   const char *holders_key)
{
	json_begin_object(w, NULL);
	json_string(w, "function", c->function);
	json_string(w, "symbol", c->symbol);
	json_string(w, "file", c->file);
	json_i64(w, "line", c->line);
	json_string(w, "blocking_api", c->blocking_api);
	json_string(w, "category", c->category);
	json_string(w, "syscall", c->syscall);
	json_string(w, "drop_type", c->drop_type);
	json_string(w, "drop_why", c->drop_why);
	json_u64(w, "count", c->count);
	json_u64(w, "total_ns", c->total_ns);
	json_u64(w, "p50_ns", c->p50_ns);
	json_u64(w, "p99_ns", c->p99_ns);
	json_u64(w, "max_ns", c->max_ns);
	json_begin_array(w, holders_key);
	for (int i = 0; i < c->nholders; i++) {
		json_begin_object(w, NULL);
		json_string(w, "thread", c->holders[i].thread);
		json_string(w, "where", c->holders[i].where);
		json_u64(w, "count", c->holders[i].count);
		json_end_object(w);
	}
	json_end_array(w);
	json_begin_array(w, "histogram");
	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		if (!c->hist[b])
			continue;
		json_begin_object(w, NULL);
		json_u64(w, "le_ns", (2ULL << b) - 1);
		json_u64(w, "count", c->hist[b]);
		json_end_object(w);
	}
	json_end_array(w);
	json_begin_array(w, "stack");
	for (int i = 0; i < c->nstack; i++)
		write_frame(w, &c->stack[i]);
	json_end_array(w);
	json_end_object(w);
}

void summary_json__write(FILE *out, const struct bw_snapshot *s)
{
	struct json_writer w;

	json_init(&w, out, true);
	json_begin_object(&w, NULL);
	json_u64(&w, "version", BW_JSON_SCHEMA_VERSION);
	json_string(&w, "tool_version", BW_VERSION);
	json_u64(&w, "duration_ns", s->now_ns - s->start_ns);
	json_u64(&w, "threshold_ns", s->threshold_ns);
	json_u64(&w, "events", s->events_total);
	json_begin_array(&w, "degraded");
	for (int i = 0; i < s->ndegraded; i++)
		json_string(&w, NULL, s->degraded[i]);
	json_end_array(&w);
	json_begin_array(&w, "processes");
	for (int i = 0; i < s->nprocesses; i++) {
		const struct bw_snap_process *p = &s->processes[i];

		json_begin_object(&w, NULL);
		json_i64(&w, "pid", p->pid);
		json_string(&w, "comm", p->comm);
		json_string(&w, "exe", p->exe);
		json_string(&w, "runtime", p->runtime);
		json_string(&w, "park_detection", p->park_detection);
		json_bool(&w, "exited", p->exited);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_begin_array(&w, "threads");
	for (int i = 0; i < s->nthreads; i++) {
		const struct bw_snap_thread *t = &s->threads[i];

		json_begin_object(&w, NULL);
		json_i64(&w, "pid", t->pid);
		json_i64(&w, "tid", t->tid);
		json_string(&w, "comm", t->comm);
		json_string(&w, "role", bw_role__name(t->role));
		json_u64(&w, "running_ns", t->time_ns[BW_STATE_RUNNING]);
		json_u64(&w, "blocked_ns", t->time_ns[BW_STATE_BLOCKED]);
		json_u64(&w, "parked_ns", t->time_ns[BW_STATE_PARKED]);
		json_u64(&w, "runnable_ns", t->time_ns[BW_STATE_RUNNABLE]);
		json_bool(&w, "exited", t->exited);
		json_u64(&w, "stack_high_water_bytes", t->stack_used_bytes);
		json_u64(&w, "stack_size_bytes", t->stack_size_bytes);
		json_bool(&w, "stuck", t->stuck);
		if (t->stuck) {
			json_u64(&w, "stuck_ns", t->stuck_ns);
			json_string(&w, "stuck_where", t->stuck_where);
		}
		json_end_object(&w);
	}
	json_end_array(&w);
	json_begin_array(&w, "callsites");
	for (int i = 0; i < s->ncallsites; i++)
		write_callsite(&w, &s->callsites[i], "held_by");
	json_end_array(&w);
	json_begin_object(&w, "runtime_internal");
	json_u64(&w, "count", s->internal_count);
	json_u64(&w, "total_ns", s->internal_ns);
	json_end_object(&w);
	json_bool(&w, "polls_enabled", s->polls_enabled);
	json_begin_array(&w, "long_polls");
	for (int i = 0; i < s->nlong_polls; i++)
		write_callsite(&w, &s->long_polls[i], "held_by");
	json_end_array(&w);
	json_bool(&w, "locks_enabled", s->locks_enabled);
	json_begin_array(&w, "lock_holds");
	for (int i = 0; i < s->nlock_holds; i++)
		write_callsite(&w, &s->lock_holds[i], "released_at");
	json_end_array(&w);
	json_begin_object(&w, "lock_holds_not_reported");
	json_u64(&w, "channel_slots", s->holds_channel_slots);
	json_u64(&w, "runtime_locks", s->holds_by_runtime);
	json_end_object(&w);
	json_begin_array(&w, "locks_held_now");
	for (int i = 0; i < s->nlocks_held_now; i++) {
		const struct bw_snap_held_lock *h = &s->locks_held_now[i];

		json_begin_object(&w, NULL);
		json_i64(&w, "pid", h->pid);
		json_i64(&w, "tid", h->tid);
		json_string(&w, "comm", h->comm);
		json_string(&w, "lock", h->kind);
		json_string(&w, "where", h->where);
		json_u64(&w, "held_ns", h->held_ns);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_begin_object(&w, "lost");
	for (int i = 0; i < s->nlost; i++)
		json_u64(&w, s->lost[i].reason, s->lost[i].count);
	json_end_object(&w);
	json_end_object(&w);
}
