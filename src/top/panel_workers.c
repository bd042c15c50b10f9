/* Workers: one row per runtime worker thread with a stacked bar of its
 * last interval (running / blocked / parked / runnable), and STUCK with
 * how long and where when it is blocked right now. */
#include <stdio.h>
#include <string.h>

#include "cli/parse.h"
#include "top/panels.h"

/* Glyphs keep the bar readable without colour. */
static const struct {
	char glyph;
	enum top_attr attr;
	const char *name;
} states[BW_STATE_COUNT] = {
	[BW_STATE_RUNNING] = { '=', TA_RUNNING, "running" },
	[BW_STATE_BLOCKED] = { '#', TA_BLOCKED, "blocked" },
	[BW_STATE_PARKED] = { '-', TA_PARKED, "parked" },
	[BW_STATE_RUNNABLE] = { '~', TA_RUNNABLE, "runnable" },
};

static void title(struct canvas *c, int y, const struct top_view *v, int shown, const struct top_status *st)
{
	char iv[32];
	int x;

	x = canvas__printf(c, y, 0, TA_HEADING, -1, "WORKERS %d", v->nworkers_total);
	if (shown < v->nworkers_total)
		x += canvas__printf(c, y, x, TA_DIM, -1, " (%d shown)", shown);
	x += canvas__printf(c, y, x, TA_HEADING, -1, "  last %s  ",
			    format_duration(v->interval_ns ? v->interval_ns : st->interval_ns, iv, sizeof(iv)));
	for (int s = 0; s < BW_STATE_COUNT; s++) {
		x += canvas__printf(c, y, x, states[s].attr, -1, "%c%c%c", states[s].glyph,
				    states[s].glyph, states[s].glyph);
		x += canvas__printf(c, y, x, TA_NORMAL, -1, " %s  ", states[s].name);
	}
}

/* Largest-remainder split of `width` cells so the bar always fills exactly. */
static void bar_cells(const uint64_t ns[BW_STATE_COUNT], int width, int cells[BW_STATE_COUNT])
{
	uint64_t total = 0, rem[BW_STATE_COUNT];
	int used = 0;

	for (int s = 0; s < BW_STATE_COUNT; s++)
		total += ns[s];
	for (int s = 0; s < BW_STATE_COUNT; s++) {
		cells[s] = total ? (int)(ns[s] * width / total) : 0;
		rem[s] = total ? ns[s] * width % total : 0;
		used += cells[s];
	}
	while (total && used < width) {
		int best = 0;

		for (int s = 1; s < BW_STATE_COUNT; s++)
			if (rem[s] > rem[best])
				best = s;
		if (!rem[best])
			break;
		cells[best]++;
		rem[best] = 0; /* each state gets at most one extra cell */
		used++;
	}
}

/* "API <- callsite (file:line)" squeezed into width: the API and the
 * callsite's end (file:line) matter most, the middle goes first. */
static void stuck_where(struct canvas *c, int y, int x, const char *where)
{
	int room = c->w - x, len = (int)strlen(where);
	const char *arrow = strstr(where, " <- "), *tail, *sep, *paren;
	int head;

	if (len <= room || room < 16) {
		canvas__text(c, y, x, TA_BLOCKED, where, -1);
		return;
	}
	head = arrow ? (int)(arrow - where) + 4 : 0;
	if (head + 2 + 12 > room) /* not even the API and a tail fit: keep the tail */
		head = 0;
	tail = where + len - (room - head - 2);
	/* start the tail at a path boundary: "..functions::sleep", not "..:thread" */
	sep = strstr(tail, "::");
	paren = strchr(tail, '(');
	if (sep && sep - tail < 16 && (!paren || sep < paren))
		tail = sep + 2;
	canvas__printf(c, y, x, TA_BLOCKED, -1, "%.*s..%s", head, where, tail);
}

static void row(struct canvas *c, int y, const struct top_worker *w, int barw)
{
	const struct bw_snap_thread *th = w->th;
	uint64_t total = 0;
	int cells[BW_STATE_COUNT], x;

	for (int s = 0; s < BW_STATE_COUNT; s++)
		total += w->interval_ns[s];
	x = canvas__printf(c, y, 0, TA_NORMAL, -1, "%7d %-15.15s ", th->tid, th->comm);
	if (th->stuck) {
		/* its bar would be all blocked: the row says where instead */
		char d[32];

		x += canvas__printf(c, y, x, TA_ALERT, -1, "STUCK %s", format_duration(th->stuck_ns, d, sizeof(d)));
		x += canvas__text(c, y, x, TA_BLOCKED, " in ", -1);
		stuck_where(c, y, x, th->stuck_where ? th->stuck_where : "[unknown]");
		return;
	}
	x += canvas__text(c, y, x, TA_NORMAL, "[", -1);
	bar_cells(w->interval_ns, barw, cells);
	for (int s = 0; s < BW_STATE_COUNT; s++) {
		char seg[256];
		int n = cells[s] < (int)sizeof(seg) - 1 ? cells[s] : (int)sizeof(seg) - 1;

		for (int i = 0; i < n; i++)
			seg[i] = states[s].glyph;
		seg[n] = 0;
		x += canvas__text(c, y, x, states[s].attr, seg, -1);
	}
	if (!total)
		x += canvas__printf(c, y, x, TA_DIM, -1, "%*s", barw, "");
	x += canvas__text(c, y, x, TA_NORMAL, "]", -1);
	canvas__printf(c, y, x, TA_NORMAL, -1, " blk %3.0f%%",
		       total ? 100.0 * w->interval_ns[BW_STATE_BLOCKED] / total : 0.0);
}

int panel_workers__draw(struct canvas *c, int y, int rows, const struct top_view *v,
			const struct top_status *st)
{
	int shown = v->nworkers < rows - 1 ? v->nworkers : rows - 1;
	int barw = c->w >= 120 ? 40 : c->w >= 100 ? 30 : c->w - 38 > 20 ? 20 : c->w - 38;

	if (rows < 1)
		return 0;
	if (shown < 0)
		shown = 0;
	title(c, y, v, shown, st);
	if (!v->nworkers && rows > 1) {
		canvas__text(c, y + 1, 2, TA_DIM, "no runtime worker threads seen yet", -1);
		return 2;
	}
	for (int i = 0; i < shown; i++)
		row(c, y + 1 + i, &v->workers[i], barw);
	return 1 + shown;
}
