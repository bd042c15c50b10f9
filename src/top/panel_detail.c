/* Detail pane: the selected callsite's full symbolized stack (inlined
 * frames marked) and its latency histogram. Side by side when wide,
 * stacked when narrow. */
#include <stdio.h>
#include <string.h>

#include "cli/parse.h"
#include "top/fmt.h"
#include "top/panels.h"

static void frame_line(struct canvas *c, int y, int x, int w, int i, const struct bw_snap_frame *f)
{
	const char *base = f->file ? strrchr(f->file, '/') : NULL;

	base = base ? base + 1 : f->file;
	if (f->function)
		canvas__printf(c, y, x, f->inlined ? TA_DIM : TA_NORMAL, w, "%3d %s%s (%s:%d)", i,
			       f->inlined ? "[inl] " : "", f->function, base ? base : "?", f->line);
	else
		canvas__printf(c, y, x, TA_DIM, w, "%3d %s+0x%llx", i, f->module ? f->module : "[unknown]",
			       (unsigned long long)f->module_offset);
}

static int stack(struct canvas *c, int y, int x, int w, int rows, const struct bw_snap_callsite *cs)
{
	int shown = 0;

	canvas__text(c, y, x, TA_HEADING, "stack (innermost first)", w);
	for (int i = 0; i < cs->nstack && shown < rows - 1; i++, shown++) {
		if (shown == rows - 2 && i < cs->nstack - 1) {
			canvas__printf(c, y + 1 + shown, x, TA_DIM, w, "    ... %d more frames", cs->nstack - i);
			shown++;
			break;
		}
		frame_line(c, y + 1 + shown, x, w, i, &cs->stack[i]);
	}
	if (!cs->nstack && rows > 1)
		canvas__text(c, y + 1, x + 2, TA_DIM, "no stack captured", w);
	return 1 + shown;
}

/* One line per bucket from the lowest to the highest non-empty one; when
 * they do not fit, the top (slowest) buckets win. */
static void histogram(struct canvas *c, int y, int x, int w, int rows, const struct top_callsite *r,
		      bool since_start)
{
	int lo = -1, hi = -1, barw;
	uint64_t peak = 0;

	canvas__printf(c, y, x, TA_HEADING, w, "latency (%s, %llu events)",
		       since_start ? "since start" : "last interval", (unsigned long long)r->count);
	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		if (!r->hist[b])
			continue;
		lo = lo < 0 ? b : lo;
		hi = b;
		peak = r->hist[b] > peak ? r->hist[b] : peak;
	}
	if (lo < 0)
		return;
	if (hi - lo + 1 > rows - 1)
		lo = hi - (rows - 1) + 1;
	barw = w - 28;
	for (int b = lo, line = 1; b <= hi && line < rows; b++, line++) {
		char from[16], to[16], bar[128];
		int n = barw > 0 ? (int)(r->hist[b] * (uint64_t)barw / (peak ? peak : 1)) : 0;

		if (r->hist[b] && !n && barw > 0)
			n = 1;
		n = n < (int)sizeof(bar) - 1 ? n : (int)sizeof(bar) - 1;
		memset(bar, '#', n);
		bar[n] = 0;
		format_duration(b ? 1ULL << b : 0, from, sizeof(from));
		format_duration(hist_bucket_hi(b), to, sizeof(to));
		canvas__printf(c, y + line, x, TA_NORMAL, w, "%7s..%-7s %8llu |", from, to,
			       (unsigned long long)r->hist[b]);
		canvas__text(c, y + line, x + 27, TA_BLOCKED, bar, w - 27);
	}
}

int panel_detail__draw(struct canvas *c, int y, int rows, const struct top_view *v,
		       const struct top_ui *ui)
{
	const struct top_callsite *r;
	const struct bw_snap_callsite *cs;
	char where[256];
	int x;

	if (rows < 2)
		return 0;
	canvas__fill_row(c, y, TA_TITLE);
	if (ui->sel < 0 || ui->sel >= v->ncallsites) {
		canvas__text(c, y, 0, TA_TITLE, " detail: no callsite selected (Enter closes)", -1);
		return 1;
	}
	r = &v->callsites[ui->sel];
	cs = r->cs;
	canvas__printf(c, y, 0, TA_TITLE, -1, " %s %s: %s via %s [%s]%s%s%s%s%s%s%s%s", top_callsite__where(cs, where, sizeof(where)),
		       cs->function ? cs->function : "[unknown]", cs->category ? cs->category : "?",
		       cs->blocking_api ? cs->blocking_api : "?", cs->syscall ? cs->syscall : "?",
		       cs->drop_type ? " drop of " : "", cs->drop_type ? cs->drop_type : "",
		       cs->nholders ? "; " : "", cs->nholders ? snap_callsite__holder_verb(cs) : "",
		       cs->nholders ? " by " : "", cs->nholders ? cs->holders[0].thread : "",
		       cs->nholders ? " in " : "", cs->nholders ? cs->holders[0].where : "");
	if (c->w >= 110) {
		int hw = 46;

		stack(c, y + 1, 0, c->w - hw - 1, rows - 1, cs);
		histogram(c, y + 1, c->w - hw, hw, rows - 1, r, ui->span == TOP_SPAN_ALL);
		return rows;
	}
	/* narrow: the histogram gets at most half, the stack the rest */
	x = rows - 1;
	int lo = -1, hi = -1, hrows, srows;

	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		if (r->hist[b]) {
			lo = lo < 0 ? b : lo;
			hi = b;
		}
	}
	hrows = lo < 0 ? 1 : hi - lo + 2;
	if (hrows > x / 2)
		hrows = x / 2;
	srows = x - hrows;
	stack(c, y + 1, 0, c->w, srows, cs);
	histogram(c, y + 1 + srows, 0, c->w, hrows, r, ui->span == TOP_SPAN_ALL);
	return rows;
}
