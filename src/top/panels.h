/* The dashboard's panels. Each draws one region of the canvas from the
 * view (and the UI state), and returns the rows it used. */
#ifndef BW_TOP_PANELS_H
#define BW_TOP_PANELS_H

#include <stdbool.h>
#include <stdint.h>

#include "top/canvas.h"
#include "top/ui.h"
#include "top/view.h"

/* Loop facts the header shows that are not in the snapshot. */
struct top_status {
	uint64_t now_ns;
	uint64_t interval_ns; /* the configured refresh interval */
	bool paused;
	bool targets_gone;
	int command_status;
	bool interactive;     /* a terminal: selection, help line */
};

int panel_header__rows(const struct top_view *v);
int panel_header__draw(struct canvas *c, int y, const struct top_view *v, const struct top_status *st);
/* rows includes the title row. */
int panel_workers__draw(struct canvas *c, int y, int rows, const struct top_view *v,
			const struct top_status *st);
/* rows includes the title and column-heading rows; sets ui->table_rows. */
int panel_callsites__draw(struct canvas *c, int y, int rows, const struct top_view *v,
			  struct top_ui *ui, const struct top_status *st);
int panel_detail__draw(struct canvas *c, int y, int rows, const struct top_view *v,
		       const struct top_ui *ui);
void panel_help__draw(struct canvas *c, int y, const struct top_ui *ui, const struct top_status *st);

#endif
