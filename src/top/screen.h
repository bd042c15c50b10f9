/* One frame of the dashboard: lays the panels out for the canvas size. */
#ifndef BW_TOP_SCREEN_H
#define BW_TOP_SCREEN_H

#include "top/canvas.h"
#include "top/panels.h"

/* Smallest screen the layout is designed for; smaller ones get a notice. */
#define TOP_MIN_W 80
#define TOP_MIN_H 24

void top_screen__draw(struct canvas *c, const struct top_view *v, struct top_ui *ui,
		      const struct top_status *st);

#endif
