/* Screen layout: header, workers, callsite table, detail pane, help line.
 * Erase + draw + one doupdate per frame: ncurses sends only the changed
 * cells, so refreshes do not flicker. */
#include "top/screen.h"

#include <stdio.h>

static void help(struct canvas *c, int y, const struct top_ui *ui, const struct top_status *st)
{
	static const struct {
		const char *key, *what;
	} keys[] = {
		{ "q", "quit" }, { "jk", "move" }, { "Enter", "detail" }, { "s", "sort" },
		{ "v", "span" }, { "/", "filter" }, { "p", "pause" }, { "c", "clear" }, { "e", "export" },
	};
	int x = 0;

	if (ui->message[0] && st->now_ns < ui->message_until_ns) {
		canvas__text(c, y, 0, TA_WARN, ui->message, -1);
		return;
	}
	if (ui->editing_filter) {
		canvas__printf(c, y, 0, TA_NORMAL, -1, "filter: %s_   Enter keep  Esc clear  Backspace edit",
			       ui->filter);
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		x += canvas__text(c, y, x, TA_KEY, keys[i].key, -1);
		x += canvas__printf(c, y, x, TA_NORMAL, -1, ":%s ", keys[i].what);
	}
}

void top_screen__draw(struct canvas *c, const struct top_view *v, struct top_ui *ui,
		      const struct top_status *st)
{
	int y, left, wrows, crows, drows = 0;

	canvas__erase(c);
	if (!v->snap)
		return;
	if (st->interactive && (c->w < 40 || c->h < 10)) {
		/* short lines: they must fit the small terminal they complain about */
		canvas__printf(c, 0, 0, TA_WARN, -1, "too small (%dx%d)", c->w, c->h);
		canvas__printf(c, 1, 0, TA_NORMAL, -1, "need %dx%d", TOP_MIN_W, TOP_MIN_H);
		canvas__text(c, 2, 0, TA_NORMAL, "q quits", -1);
		canvas__present(c, stdout);
		return;
	}
	y = panel_header__draw(c, 0, v, st);
	left = c->h - y - (st->interactive ? 1 : 0);
	if (st->interactive) {
		/* workers get up to a third of the rest, at least one row */
		int cap = (left - 4) / 3;

		wrows = 1 + (v->nworkers ? v->nworkers : 1);
		if (wrows > 1 + (cap > 1 ? cap : 1))
			wrows = 1 + (cap > 1 ? cap : 1);
	} else {
		wrows = 1 + (v->nworkers ? v->nworkers : 1); /* plain frames list everything */
	}
	y += panel_workers__draw(c, y, wrows, v, st);
	left = c->h - y - (st->interactive ? 1 : 0);
	crows = left;
	if (st->interactive && ui->detail) {
		/* the table keeps what it needs up to half; the stack gets the rest */
		int need = 2 + (v->ncallsites ? v->ncallsites : 1);

		crows = need < left / 2 ? need : left / 2;
		if (crows < 3)
			crows = 3;
		drows = left - crows;
	}
	panel_callsites__draw(c, y, crows, v, ui, st);
	if (drows > 1)
		panel_detail__draw(c, y + crows, drows, v, ui);
	if (st->interactive)
		help(c, c->h - 1, ui, st);
	canvas__present(c, stdout);
}
