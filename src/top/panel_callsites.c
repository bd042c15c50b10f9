/* Callsites: the table of blocking callsites, sorted and filtered, with the
 * selected row highlighted and a histogram sparkline on wide screens. */
#include <stdio.h>
#include <string.h>

#include "cli/parse.h"
#include "top/fmt.h"
#include "top/panels.h"

struct columns {
	int cat, api, hist; /* widths; the callsite takes the rest */
};

/* Fixed numeric columns take 39; on narrow screens category and API shrink
 * and the sparkline goes, so file:line keeps room at 80 columns. */
static struct columns columns_for(int w)
{
	struct columns k = { 7, 14, 0 };

	if (w >= 100)
		k = (struct columns){ 10, 16, 0 };
	if (w >= 120)
		k = (struct columns){ 10, 20, 12 };
	return k;
}

static void title(struct canvas *c, int y, const struct top_view *v, const struct top_ui *ui)
{
	int x = canvas__printf(c, y, 0, TA_HEADING, -1, "CALLSITES %s  sort: %s",
			       ui->span == TOP_SPAN_ALL ? "since start" : "last interval",
			       top_sort__name(ui->sort));

	if (ui->filter[0] || ui->editing_filter)
		x += canvas__printf(c, y, x, TA_WARN, -1, "  filter: %s%s", ui->filter,
				    ui->editing_filter ? "_" : "");
	canvas__printf(c, y, x, TA_DIM, -1, "  %d of %d", v->ncallsites, v->ncallsites_total);
}

static void headings(struct canvas *c, int y, const struct columns *k)
{
	int x = canvas__printf(c, y, 0, TA_HEADING, -1, "%6s %8s %7s %7s %7s %-*s %-*s ", "COUNT",
			       "TOTAL", "P50", "P99", "MAX", k->cat, "CATEGORY", k->api, "API");
	int cw = c->w - x - (k->hist ? k->hist + 1 : 0);

	canvas__printf(c, y, x, TA_HEADING, cw, "%-*s", cw > 0 ? cw : 0, "CALLSITE");
	if (k->hist)
		canvas__text(c, y, c->w - k->hist, TA_HEADING, "HISTOGRAM", -1);
}

/* A path that does not fit loses leading segments, not its end:
 * std::thread::sleep -> thread::sleep -> sleep. */
static const char *tail_fit(const char *name, int width)
{
	const char *p;

	while ((int)strlen(name) > width && (p = strstr(name, "::")))
		name = p + 2;
	return name;
}

static void row(struct canvas *c, int y, const struct top_callsite *r, const struct columns *k,
		bool selected)
{
	const struct bw_snap_callsite *cs = r->cs;
	enum top_attr a = selected ? TA_SELECTED : TA_NORMAL;
	char n[16], tot[16], p50[16], p99[16], max[16], where[256], spark[128];
	int x, cw;

	if (selected)
		canvas__fill_row(c, y, TA_SELECTED);
	x = canvas__printf(c, y, 0, a, -1, "%6s %8s %7s %7s %7s %-*.*s %-*.*s ",
			   fmt_count(r->count, n, sizeof(n)), fmt_dur(r->total_ns, true, tot, sizeof(tot)),
			   fmt_dur(r->p50_ns, true, p50, sizeof(p50)), fmt_dur(r->p99_ns, true, p99, sizeof(p99)),
			   fmt_dur(r->max_ns, true, max, sizeof(max)), k->cat, k->cat,
			   cs->category ? cs->category : "?", k->api, k->api,
			   tail_fit(cs->blocking_api ? cs->blocking_api : "?", k->api));
	cw = c->w - x - (k->hist ? k->hist + 1 : 0);
	/* file:line first: it is what the user opens in an editor */
	canvas__printf(c, y, x, a, cw, "%s %s", top_callsite__where(cs, where, sizeof(where)),
		       cs->function ? cs->function : "[unknown]");
	if (k->hist) {
		fmt_sparkline(r->hist, k->hist, c->utf8, spark, sizeof(spark));
		canvas__text(c, y, c->w - k->hist, selected ? TA_SELECTED : TA_HEADING, spark, k->hist);
	}
}

int panel_callsites__draw(struct canvas *c, int y, int rows, const struct top_view *v,
			  struct top_ui *ui, const struct top_status *st)
{
	struct columns k = columns_for(c->w);
	int body = rows - 2, shown = 0;

	if (rows < 1)
		return 0;
	title(c, y, v, ui);
	if (rows < 2)
		return 1;
	headings(c, y + 1, &k);
	ui->table_rows = body;
	top_ui__follow_selection(ui, v); /* the window may have shrunk */
	if (!v->ncallsites && body > 0) {
		char t[32];

		if (v->ncallsites_total && (ui->filter[0]))
			canvas__printf(c, y + 2, 2, TA_DIM, -1, "no callsite matches '%s' (Esc clears the filter)",
				       ui->filter);
		else if (v->ncallsites_total)
			canvas__text(c, y + 2, 2, TA_DIM, "no blocking in the last interval (v: since start)", -1);
		else
			canvas__printf(c, y + 2, 2, TA_DIM, -1, "no blocked interval over %s yet",
				       format_duration(v->snap->threshold_ns, t, sizeof(t)));
		return 3;
	}
	for (int i = ui->scroll; i < v->ncallsites && shown < body; i++, shown++)
		row(c, y + 2 + shown, &v->callsites[i], &k, st->interactive && i == ui->sel);
	return 2 + shown;
}
