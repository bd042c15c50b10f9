/* Key handling: each key changes the UI state and says what must happen
 * next; nothing here touches the tracer or the screen. */
#include "top/ui.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KEY_ESC 27
#define CTRL(c) ((c) & 0x1f)

void top_ui__message(struct top_ui *ui, uint64_t now_ns, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof(ui->message), fmt, ap);
	va_end(ap);
	ui->message_until_ns = now_ns + 4000000000ULL;
}

static void remember_selection(struct top_ui *ui, const struct top_view *v)
{
	if (ui->sel >= 0 && ui->sel < v->ncallsites)
		top_callsite__key(v->callsites[ui->sel].cs, ui->sel_key, sizeof(ui->sel_key));
	else
		ui->sel_key[0] = 0;
}

void top_ui__follow_selection(struct top_ui *ui, const struct top_view *v)
{
	char key[sizeof(ui->sel_key)];

	for (int i = 0; ui->sel_key[0] && i < v->ncallsites; i++) {
		top_callsite__key(v->callsites[i].cs, key, sizeof(key));
		if (strcmp(key, ui->sel_key) == 0) {
			ui->sel = i;
			break;
		}
	}
	if (ui->sel >= v->ncallsites)
		ui->sel = v->ncallsites - 1;
	if (ui->sel < 0)
		ui->sel = 0;
	remember_selection(ui, v);
	if (ui->sel < ui->scroll)
		ui->scroll = ui->sel;
	if (ui->table_rows > 0 && ui->sel >= ui->scroll + ui->table_rows)
		ui->scroll = ui->sel - ui->table_rows + 1;
	if (ui->scroll < 0)
		ui->scroll = 0;
}

static int select_row(struct top_ui *ui, const struct top_view *v, int to)
{
	ui->sel = to;
	if (ui->sel >= v->ncallsites)
		ui->sel = v->ncallsites - 1;
	if (ui->sel < 0)
		ui->sel = 0;
	remember_selection(ui, v);
	top_ui__follow_selection(ui, v);
	return TOP_REDRAW;
}

/* While typing a filter, the rows narrow with every key (as in htop). */
static int filter_key(struct top_ui *ui, int key)
{
	size_t len = strlen(ui->filter);

	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		ui->editing_filter = false;
		return TOP_REDRAW;
	case KEY_ESC:
		ui->editing_filter = false;
		ui->filter[0] = 0;
		return TOP_RESELECT | TOP_REDRAW;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		if (len)
			ui->filter[len - 1] = 0;
		return TOP_RESELECT | TOP_REDRAW;
	case CTRL('u'):
		ui->filter[0] = 0;
		return TOP_RESELECT | TOP_REDRAW;
	default:
		if (key >= 0x20 && key < 0x7f && len + 1 < sizeof(ui->filter)) {
			ui->filter[len] = (char)key;
			ui->filter[len + 1] = 0;
			return TOP_RESELECT | TOP_REDRAW;
		}
		return 0;
	}
}

int top_ui__key(struct top_ui *ui, const struct top_view *v, int key)
{
	int page = ui->table_rows > 1 ? ui->table_rows - 1 : 1;

	if (key == KEY_RESIZE)
		return TOP_REDRAW;
	if (ui->editing_filter)
		return filter_key(ui, key);
	switch (key) {
	case 'q':
	case 'Q':
		return TOP_QUIT;
	case KEY_UP:
	case 'k':
		return select_row(ui, v, ui->sel - 1);
	case KEY_DOWN:
	case 'j':
		return select_row(ui, v, ui->sel + 1);
	case KEY_PPAGE:
		return select_row(ui, v, ui->sel - page);
	case KEY_NPAGE:
	case ' ':
		return select_row(ui, v, ui->sel + page);
	case KEY_HOME:
	case 'g':
		return select_row(ui, v, 0);
	case KEY_END:
	case 'G':
		return select_row(ui, v, v->ncallsites - 1);
	case '\n':
	case '\r':
	case KEY_ENTER:
		ui->detail = !ui->detail;
		return TOP_REDRAW;
	case KEY_ESC:
		if (ui->detail) {
			ui->detail = false;
			return TOP_REDRAW;
		}
		if (ui->filter[0]) {
			ui->filter[0] = 0;
			return TOP_RESELECT | TOP_REDRAW;
		}
		return 0;
	case 's':
		ui->sort = (ui->sort + 1) % TOP_SORT_NR;
		return TOP_RESELECT | TOP_REDRAW;
	case 'S':
		ui->sort = (ui->sort + TOP_SORT_NR - 1) % TOP_SORT_NR;
		return TOP_RESELECT | TOP_REDRAW;
	case 'v':
	case '\t':
		ui->span = ui->span == TOP_SPAN_ALL ? TOP_SPAN_INTERVAL : TOP_SPAN_ALL;
		return TOP_RESELECT | TOP_REDRAW;
	case '/':
		ui->editing_filter = true;
		return TOP_REDRAW;
	case 'p':
	case 'P':
		ui->paused = !ui->paused;
		/* unpausing shows fresh numbers at once, not after an interval */
		return TOP_REDRAW | (ui->paused ? 0 : TOP_REFRESH);
	case 'c':
	case 'C':
		return TOP_CLEAR | TOP_REDRAW;
	case 'e':
	case 'E':
		return TOP_EXPORT | TOP_REDRAW;
	case CTRL('l'):
		return TOP_REDRAW;
	default:
		return 0;
	}
}
