/* The end-of-trace text summary: callsites by total blocked time, a
 * histogram per callsite, per-thread time split, and every loss counted. */
#include <string.h>

#include "aggregate/latency.h"
#include "cli/parse.h"
#include "output/output.h"
#include "util/escape.h"

static void histogram(FILE *out, const struct bw_snap_callsite *c)
{
	uint64_t max;
	int lo, hi;
	char a[32], b[32];

	latency__hist_span(c->hist, &lo, &hi, &max);
	for (int i = lo; i <= hi; i++) {
		int bar = max ? (int)(c->hist[i] * 30 / max) : 0;

		fprintf(out, "        %9s .. %-9s %6llu |%.*s\n", format_duration(1ULL << i, a, sizeof(a)),
			format_duration((2ULL << i) - 1, b, sizeof(b)),
			(unsigned long long)c->hist[i], bar, "******************************");
	}
}

static void callsite_list(FILE *out, const struct bw_snap_callsite *list, int n)
{
	char total[32], p50[32], p99[32], max[32];

	for (int i = 0; i < n; i++) {
		const struct bw_snap_callsite *c = &list[i];
		const char *base = c->file ? strrchr(c->file, '/') : NULL;

		fprintf(out, "\n  #%d %s", i + 1, esc_text(c->function));
		if (c->file)
			fprintf(out, " (%s:%d)", esc_text(base ? base + 1 : c->file), c->line);
		fprintf(out, "\n     %s via %s [syscall %s]%s%s\n", esc_text(c->category),
			esc_text(c->blocking_api), esc_text(c->syscall), c->drop_type ? " dropping " : "",
			c->drop_type ? esc_text(c->drop_type) : "");
		fprintf(out, "     count %llu  total %s  p50 %s  p99 %s  max %s\n",
			(unsigned long long)c->count, format_duration(c->total_ns, total, sizeof(total)),
			format_duration(c->p50_ns, p50, sizeof(p50)),
			format_duration(c->p99_ns, p99, sizeof(p99)),
			format_duration(c->max_ns, max, sizeof(max)));
		if (c->drop_why)
			fprintf(out, "     (%s)\n", esc_text(c->drop_why));
		const char *holder_verb = snap_callsite__holder_verb(c);

		for (int h = 0; h < c->nholders; h++)
			fprintf(out, "     %*s by %s in %s (%llu times)\n", (int)strlen(holder_verb),
				h ? "" : holder_verb,
				esc_text(c->holders[h].thread), esc_text(c->holders[h].where),
				(unsigned long long)c->holders[h].count);
		histogram(out, c);
	}
}

static void callsites(FILE *out, const struct bw_snapshot *s)
{
	char thr[32];

	fprintf(out, "\nBlocking on runtime worker threads, by total blocked time (threshold %s):\n",
		format_duration(s->threshold_ns, thr, sizeof(thr)));
	if (!s->ncallsites)
		fprintf(out, "  none: no worker blocked longer than the threshold\n");
	callsite_list(out, s->callsites, s->ncallsites);
	if (s->internal_count)
		fprintf(out, "\n  plus %llu blocked intervals (%s) inside the runtime or libraries with no user frame on the stack\n",
			(unsigned long long)s->internal_count,
			format_duration(s->internal_ns, thr, sizeof(thr)));
	if (!s->polls_enabled)
		return;
	fprintf(out, "\nLong polls (on-CPU) on runtime worker threads, by total poll time:\n");
	if (!s->nlong_polls)
		fprintf(out, "  none: no task poll ran longer than the poll threshold\n");
	callsite_list(out, s->long_polls, s->nlong_polls);
}

static void lock_holds(FILE *out, const struct bw_snapshot *s)
{
	if (!s->locks_enabled)
		return;
	fprintf(out, "\nAsync locks held across an .await, by where they were acquired:\n");
	if (!s->nlock_holds)
		fprintf(out, "  none: no tokio::sync lock was held across an .await longer than the threshold\n");
	callsite_list(out, s->lock_holds, s->nlock_holds);
	if (s->holds_channel_slots || s->holds_by_runtime)
		fprintf(out, "\n  plus %llu bounded-channel slots and %llu locks the runtime took itself, held as long (not user locks)\n",
			(unsigned long long)s->holds_channel_slots,
			(unsigned long long)s->holds_by_runtime);
	for (int i = 0; i < s->nlocks_held_now; i++) {
		char held[32];

		fprintf(out, "\n  HELD NOW: %s acquired in %s, held across an .await for %s (%s %d)\n",
			esc_text(s->locks_held_now[i].kind), esc_text(s->locks_held_now[i].where),
			format_duration(s->locks_held_now[i].held_ns, held, sizeof(held)),
			esc_text(s->locks_held_now[i].comm), s->locks_held_now[i].tid);
	}
}

static void threads(FILE *out, const struct bw_snapshot *s)
{
	fprintf(out, "\nThreads (time share while traced):\n");
	fprintf(out, "  %7s %7s %-16s %-8s %8s %8s %8s %8s\n", "PID", "TID", "COMM", "ROLE",
		"RUNNING", "BLOCKED", "PARKED", "RUNNABLE");
	for (int i = 0; i < s->nthreads; i++) {
		const struct bw_snap_thread *t = &s->threads[i];
		uint64_t sum = 0;
		double pct[BW_STATE_COUNT];

		for (int st = 0; st < BW_STATE_COUNT; st++)
			sum += t->time_ns[st];
		for (int st = 0; st < BW_STATE_COUNT; st++)
			pct[st] = sum ? 100.0 * t->time_ns[st] / sum : 0;
		fprintf(out, "  %7d %7d %-16s %-8s %7.1f%% %7.1f%% %7.1f%% %7.1f%%%s\n", t->pid, t->tid,
			esc_text(t->comm), bw_role__name(t->role), pct[BW_STATE_RUNNING], pct[BW_STATE_BLOCKED],
			pct[BW_STATE_PARKED], pct[BW_STATE_RUNNABLE], t->stuck ? "  STUCK" : "");
	}
}

/* Workers whose deepest observed stack use is close to their stack size. */
static void stack_warnings(FILE *out, const struct bw_snapshot *s)
{
	for (int i = 0; i < s->nthreads; i++) {
		const struct bw_snap_thread *t = &s->threads[i];

		if (t->role != BW_ROLE_WORKER || !t->stack_size_bytes ||
		    t->stack_used_bytes * 4 < t->stack_size_bytes * 3)
			continue;
		fprintf(out, "  WARNING: worker %d (%s) used %llu KiB of its %llu KiB stack; large futures may overflow it\n",
			t->tid, esc_text(t->comm), (unsigned long long)t->stack_used_bytes / 1024,
			(unsigned long long)t->stack_size_bytes / 1024);
	}
}

void summary_text__write(FILE *out, const struct bw_snapshot *s)
{
	char d[32];
	bool any_loss = false;

	fprintf(out, "\nblockwatch %s: traced %s, %llu slow events\n", BW_VERSION,
		format_duration(s->now_ns > s->start_ns ? s->now_ns - s->start_ns : 0, d, sizeof(d)),
		(unsigned long long)s->events_total);
	for (int i = 0; i < s->nprocesses; i++) {
		const struct bw_snap_process *p = &s->processes[i];

		fprintf(out, "  process %d %s (%s) runtime %s, park detection: %s%s\n", p->pid,
			esc_text(p->comm), p->exe ? esc_text(p->exe) : "exe unknown",
			p->runtime ? esc_text(p->runtime) : "none",
			p->park_detection ? esc_text(p->park_detection) : "none",
			p->exited ? ", exited" : "");
	}
	for (int i = 0; i < s->ndegraded; i++)
		fprintf(out, "  DEGRADED: %s\n", esc_text(s->degraded[i]));
	callsites(out, s);
	lock_holds(out, s);
	threads(out, s);
	stack_warnings(out, s);
	fprintf(out, "\nLost or unresolved:");
	for (int i = 0; i < s->nlost; i++) {
		if (!s->lost[i].count)
			continue;
		fprintf(out, "%s %s %llu", any_loss ? "," : "", esc_text(s->lost[i].reason),
			(unsigned long long)s->lost[i].count);
		any_loss = true;
	}
	fprintf(out, "%s\n", any_loss ? "" : " nothing");
}
