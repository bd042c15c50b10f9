/* `blockwatch top`: the dashboard loop. The tracer and the screen share one
 * thread: poll the tracer briefly, read keys without blocking, take a
 * snapshot every interval and redraw. */
#ifndef BW_TOP_H
#define BW_TOP_H

#include <stdbool.h>
#include <stdint.h>

#include "ingest/tracer.h"

struct top_opts {
	uint64_t interval_ns;
	int iterations;         /* refreshes before exiting; 0: until q */
	const char *export_dir; /* where `e` writes */
	bool plain;             /* text frames on stdout instead of a screen */
	int plain_width;
	bool keep_stderr;       /* -v: let diagnostics through to the terminal */
	/* called on every loop turn (a report session sampling timelines) */
	void (*on_tick)(void *ctx, struct tracer *t);
	void *tick_ctx;
};

/* Runs until q, a stop signal, N iterations or (plain) the targets exit.
 * Returns the exit code; the terminal is restored on every path. */
int top__run(struct tracer *t, const struct top_opts *o);

#endif
