/* Where panels draw: an ncurses window on a terminal, or a plain character
 * grid printed as a text frame (--iterations without a terminal). Panels
 * name what a piece of text is (an attr role); the terminal decides how
 * that looks (colour, bold, reverse), so the screen reads without colour. */
#ifndef BW_TOP_CANVAS_H
#define BW_TOP_CANVAS_H

#include <stdbool.h>
#include <stdio.h>

enum top_attr {
	TA_NORMAL,
	TA_TITLE,    /* the top bar */
	TA_HEADING,  /* section and column headings */
	TA_ALERT,    /* non-zero loss counters, STUCK */
	TA_WARN,     /* degraded notes, paused */
	TA_DIM,
	TA_SELECTED, /* the selected callsite row */
	TA_KEY,      /* key names in the help line */
	TA_RUNNING,
	TA_BLOCKED,
	TA_PARKED,
	TA_RUNNABLE,
	TA_NR
};

struct canvas {
	void *win;          /* WINDOW *, or NULL for the plain grid */
	char *grid;         /* plain: h rows of w bytes */
	int h, w;
	bool utf8;          /* may draw UTF-8 block glyphs */
	int attrs[TA_NR];   /* ncurses attributes per role */
};

/* A plain grid of h x w (ASCII only). */
int canvas__init_plain(struct canvas *c, int h, int w);
void canvas__release_plain(struct canvas *c);
void canvas__erase(struct canvas *c);
/* Text at (y, x) clipped to maxw columns (maxw < 0: to the right edge) and
 * to the canvas. Counts UTF-8 sequences as one column. Returns columns used. */
int canvas__text(struct canvas *c, int y, int x, enum top_attr a, const char *s, int maxw);
int canvas__printf(struct canvas *c, int y, int x, enum top_attr a, int maxw, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Paints the whole row in attr a (title bars, the selected row). */
void canvas__fill_row(struct canvas *c, int y, enum top_attr a);
/* Shows the frame: doupdate on a terminal, or prints the grid's used rows. */
void canvas__present(struct canvas *c, FILE *plain_out);

#endif
