/* Writing the end-of-run report of a live command (trace, top) to stdout or
 * a file, in any format: the summary writers for text and json, the report
 * session (every event, timelines) for the others. */
#ifndef BW_REPORT_OUTPUT_FILE_H
#define BW_REPORT_OUTPUT_FILE_H

#include "aggregate/snapshot.h"
#include "report/report.h"
#include "report/session.h"

/* path NULL: stdout. session may be NULL for text and json. Prints a
 * one-line error itself; returns 0 or negative errno. */
int report_output__write(const char *path, const struct report_opts *o, const struct bw_snapshot *s,
			 struct report_session *session);

#endif
