/* Writers of the snapshot: text summary, JSON summary, live lines. */
#ifndef BW_OUTPUT_H
#define BW_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "aggregate/snapshot.h"
#include "ingest/tracer.h"

#define BW_JSON_SCHEMA_VERSION 1

const char *bw_role__name(enum bw_role r);
void summary_text__write(FILE *out, const struct bw_snapshot *s);
void summary_json__write(FILE *out, const struct bw_snapshot *s);

struct live_opts {
	FILE *out;
	bool stacks;
	uint64_t start_ns;
};
/* A live_event_fn: one line per blocked interval (plus the stack with --stacks). */
void live_text__print(void *ctx, const struct live_event *ev);

#endif
