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

/* How reports draw stacks (--runtime-frames). */
enum report_runtime_frames {
	REPORT_RUNTIME_COLLAPSED, /* each run of the runtime's own frames is one frame */
	REPORT_RUNTIME_FULL,      /* every frame */
	REPORT_RUNTIME_NR,
};

/* What to write and how. */
struct report_opts {
	enum report_format format;
	enum report_runtime_frames runtime_frames;
};

/* -1 when unknown. */
int report_format__parse(const char *name);
const char *report_format__name(enum report_format f);
/* "text|json|folded|pprof|perfetto|html", for help and error messages. */
const char *report_format__list(void);
/* Formats that need the events and timeline, not only the summary. */
bool report_format__needs_events(enum report_format f);

/* "collapsed" or "full" -> enum report_runtime_frames; -1 when unknown. */
int report_runtime_frames__parse(const char *name);

/* Writes the report; returns 0 or negative errno (output errors included). */
int report__write(const struct report_opts *o, const struct bw_recording *r, FILE *out);

int report_folded__write(FILE *out, const struct bw_recording *r, const struct report_opts *o);
int report_pprof__write(FILE *out, const struct bw_recording *r, const struct report_opts *o);
int report_perfetto__write(FILE *out, const struct bw_recording *r, const struct report_opts *o);
int report_html__write(FILE *out, const struct bw_recording *r, const struct report_opts *o);

/* The stack of one event as reports draw it: innermost first, names as
 * users read them (frame_display_name), and with REPORT_RUNTIME_COLLAPSED
 * each run of the runtime's own frames (runtime_owns_frame; library glue
 * between them included, never a user frame) as one frame named for the
 * runtime ("[tokio runtime]"). Built into a buffer reused across events. */
struct report_stack {
	struct bw_frame *frames; /* function holds the display name */
	int n, cap;
	char *names; /* storage of the display names, cap x REPORT_NAME_MAX */
};

#define REPORT_NAME_MAX 256

/* 0, or -ENOMEM (s is then empty). */
int report_stack__build(struct report_stack *s, const struct rec_event *e,
			enum report_runtime_frames mode);
void report_stack__release(struct report_stack *s);

#endif
