/* Header: trace uptime, rates, loss counters, targets, async locks held
 * across an .await right now (--locks), degraded notes. */
#include <stdio.h>
#include <string.h>

#include "top/fmt.h"
#include "top/panels.h"

int panel_header__rows(const struct top_view *v)
{
	return 2 + (v->snap && v->snap->nlocks_held_now > 0) + (v->snap && v->snap->ndegraded > 0);
}

/* A counter that must catch the eye when it is not zero. */
static int counter(struct canvas *c, int y, int x, const char *label, uint64_t n)
{
	x += canvas__printf(c, y, x, TA_TITLE, -1, "  %s ", label);
	return x + canvas__printf(c, y, x, n ? TA_ALERT : TA_TITLE, -1, "%llu", (unsigned long long)n);
}

static void title_row(struct canvas *c, int y, const struct top_view *v, const struct top_status *st)
{
	const struct bw_snapshot *s = v->snap;
	char up[32];
	int x = 0;

	canvas__fill_row(c, y, TA_TITLE);
	/* fits 80 columns with PAUSED; the interval is in the workers title */
	x += canvas__printf(c, y, x, TA_TITLE, -1, " blockwatch top  up %s  events/s %.0f",
			    fmt_uptime(st->now_ns - s->start_ns, up, sizeof(up)), v->events_per_s);
	x = counter(c, y, x, "lost", v->lost);
	x = counter(c, y, x, "unresolved", v->unresolved);
	if (st->paused)
		x += canvas__text(c, y, x + 2, TA_WARN, "PAUSED", -1) + 2;
	if (st->targets_gone)
		x += canvas__printf(c, y, x + 2, TA_WARN, -1, "TARGET EXITED (status %d)",
				    st->command_status) + 2;
	if (v->other_issues) /* unwind stops and the like: worth knowing, not alarming */
		canvas__printf(c, y, x, TA_TITLE, -1, "  unwind/other %llu",
			       (unsigned long long)v->other_issues);
}

static void targets_row(struct canvas *c, int y, const struct top_view *v)
{
	const struct bw_snapshot *s = v->snap;
	int x = canvas__text(c, y, 0, TA_HEADING, s->nprocesses ? "targets:" : "system-wide:", -1);

	if (!s->nprocesses) {
		canvas__text(c, y, x + 1, TA_DIM, "no process running a recognised runtime yet", -1);
		return;
	}
	for (int i = 0; i < s->nprocesses; i++) {
		const struct bw_snap_process *p = &s->processes[i];
		char item[128];

		snprintf(item, sizeof(item), " %d %s %s%s%s%s", p->pid, p->comm,
			 p->runtime ? p->runtime : "no-runtime",
			 p->park_detection && strcmp(p->park_detection, "uprobes") ? " (" : "",
			 p->park_detection && strcmp(p->park_detection, "uprobes") ? p->park_detection : "",
			 p->park_detection && strcmp(p->park_detection, "uprobes") ? ")" : "");
		/* keep room to say how many did not fit */
		if (x + (int)strlen(item) + 12 > c->w && i + 1 < s->nprocesses) {
			canvas__printf(c, y, x, TA_DIM, -1, " +%d more", s->nprocesses - i);
			return;
		}
		x += canvas__text(c, y, x, p->exited ? TA_DIM : TA_NORMAL, item, -1);
		if (p->exited)
			x += canvas__text(c, y, x, TA_DIM, " (exited)", -1);
		if (i + 1 < s->nprocesses)
			x += canvas__text(c, y, x, TA_NORMAL, ",", -1);
	}
}

/* The longest-held lock; how many more there are. */
static void held_row(struct canvas *c, int y, const struct bw_snapshot *s)
{
	const struct bw_snap_held_lock *h = &s->locks_held_now[0];
	char held[32], more[32] = "";
	int x;

	for (int i = 1; i < s->nlocks_held_now; i++)
		if (s->locks_held_now[i].held_ns > h->held_ns)
			h = &s->locks_held_now[i];
	if (s->nlocks_held_now > 1)
		snprintf(more, sizeof(more), " (+%d more)", s->nlocks_held_now - 1);
	x = canvas__printf(c, y, 0, TA_ALERT, -1, "HELD across .await %s: %s ",
			   fmt_dur(h->held_ns, false, held, sizeof(held)), h->kind);
	x += canvas__text(c, y, x, TA_NORMAL, h->where, c->w - x - (int)strlen(more));
	canvas__text(c, y, x, TA_DIM, more, -1);
}

int panel_header__draw(struct canvas *c, int y, const struct top_view *v, const struct top_status *st)
{
	const struct bw_snapshot *s = v->snap;
	int rows = 2, x;

	title_row(c, y, v, st);
	targets_row(c, y + 1, v);
	if (s->nlocks_held_now)
		held_row(c, y + rows++, s);
	if (!s->ndegraded)
		return rows;
	y += rows - 2;
	x = canvas__text(c, y + 2, 0, TA_WARN, "degraded: ", -1);
	if (s->ndegraded > 1) {
		char more[32];
		int n = snprintf(more, sizeof(more), " (+%d more)", s->ndegraded - 1);

		canvas__text(c, y + 2, x, TA_WARN, s->degraded[0], c->w - x - n);
		canvas__text(c, y + 2, c->w - n, TA_DIM, more, -1);
	} else {
		canvas__text(c, y + 2, x, TA_WARN, s->degraded[0], -1);
	}
	return rows + 1;
}
