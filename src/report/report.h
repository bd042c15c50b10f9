/* Report writers: one file per format, all reading a bw_recording (its
 * events, coarse timeline and summary snapshot). `report` writes them from
 * a recording file; `trace --format` from a session recorded in memory. */
#ifndef BW_REPORT_H
#define BW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "record/recording.h"

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_FOLDED,
	REPORT_PPROF,
	REPORT_PERFETTO,
	REPORT_HTML,
	REPORT_NR,
};

/* -1 when unknown. */
int report_format__parse(const char *name);
const char *report_format__name(enum report_format f);
/* "text|json|folded|pprof|perfetto|html", for help and error messages. */
const char *report_format__list(void);
/* Formats that need the events and timeline, not only the summary. */
bool report_format__needs_events(enum report_format f);

/* Writes the report; returns 0 or negative errno (output errors included). */
int report__write(enum report_format f, const struct bw_recording *r, FILE *out);

int report_folded__write(FILE *out, const struct bw_recording *r);
int report_pprof__write(FILE *out, const struct bw_recording *r);
int report_perfetto__write(FILE *out, const struct bw_recording *r);
int report_html__write(FILE *out, const struct bw_recording *r);

/* The display name of a frame: function, else module+0xoffset, else pc. */
const char *report_frame_name(const struct bw_frame *f, char *buf, size_t len);

#endif
