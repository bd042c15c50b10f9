/* A live trace kept in memory so `trace` (and `top`) can write any report
 * format on exit: chains in front of the live-line callback, samples the
 * coarse timeline, then hands the recording to report__write. */
#ifndef BW_REPORT_SESSION_H
#define BW_REPORT_SESSION_H

#include <stdio.h>

#include "ingest/tracer.h"
#include "report/report.h"

struct report_session;

/* next/next_ctx: the callback to chain (live lines), may be NULL. */
struct report_session *report_session__new(const struct tracer_opts *opts, live_event_fn next,
					   void *next_ctx);
void report_session__free(struct report_session *s); /* NULL-safe */
/* A live_event_fn; ctx is the session. */
void report_session__on_event(void *ctx, const struct live_event *ev);
/* Call from the poll loop: samples the timeline every 100 ms. NULL-safe. */
void report_session__tick(struct report_session *s, struct tracer *t);
/* Writes the report from the events so far and the final snapshot. */
int report_session__write(struct report_session *s, const struct bw_snapshot *final,
			  const struct report_opts *o, FILE *out);

#endif
