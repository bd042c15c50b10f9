/* What the user chose on screen: sort, span, filter, selection, panes.
 * Key handlers change only this and return action flags; the loop acts on
 * them (htop's Panel event handlers return HandlerResult the same way). */
#ifndef BW_TOP_UI_H
#define BW_TOP_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "top/view.h"

enum top_action {
	TOP_REDRAW = 1 << 0,  /* the screen must be drawn again */
	TOP_RESELECT = 1 << 1, /* span, sort or filter changed: rebuild rows */
	TOP_QUIT = 1 << 2,
	TOP_CLEAR = 1 << 3,   /* forget all callsites */
	TOP_EXPORT = 1 << 4,  /* write what is on screen to a file */
	TOP_REFRESH = 1 << 5, /* take a snapshot now (e.g. after unpausing) */
};

#define TOP_FILTER_MAX 64

struct top_ui {
	enum top_sort sort;
	enum top_span span;
	int sel;                 /* selected row in view->callsites */
	int scroll;              /* first callsite row shown */
	char sel_key[1024];      /* the selected callsite, kept across refreshes */
	bool detail;             /* detail pane open */
	bool paused;
	bool editing_filter;     /* keys go to the filter text */
	char filter[TOP_FILTER_MAX];
	char message[200];       /* shown instead of the help line for a while */
	uint64_t message_until_ns;
	int table_rows;          /* callsite rows that fit, from the last draw (paging) */
};

/* Applies one key; returns a mask of enum top_action. */
int top_ui__key(struct top_ui *ui, const struct top_view *v, int key);
/* After the rows changed: keep the same callsite selected when it is still
 * listed, and keep the selection on screen. */
void top_ui__follow_selection(struct top_ui *ui, const struct top_view *v);
void top_ui__message(struct top_ui *ui, uint64_t now_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
