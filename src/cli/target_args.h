/* What every tracing command (trace, top, record) parses the same way: the
 * targets (-p PID, -- COMMAND, or none for system-wide), the thresholds and
 * the worker-selection overrides. An argp child, so each command lists these
 * options in its own --help without repeating them. */
#ifndef BW_TARGET_ARGS_H
#define BW_TARGET_ARGS_H

#include <argp.h>

#include "ingest/tracer.h"

/* Defaults every command starts from. */
#define BW_DEFAULT_THRESHOLD_NS 1000000ULL   /* 1ms */
#define BW_DEFAULT_STUCK_NS     200000000ULL /* 200ms */
#define BW_DEFAULT_POLL_NS      10000000ULL  /* --polls without a value: 10ms */
#define BW_DEFAULT_HOLD_NS      10000000ULL  /* --locks without a value: 10ms */

/* Add as a child of a command's argp; in ARGP_KEY_INIT the parent sets
 * state->child_inputs[i] to its struct tracer_opts. */
extern const struct argp target_args_argp;

/* A command's argp children: the shared target options, shown under
 * "Targets and thresholds:" in its --help. */
extern const struct argp_child target_args_children[];

/* A command parser's ARGP_KEY_INIT: one-line error capture, and hands the
 * shared options their struct tracer_opts. */
error_t target_args__init(struct argp_state *state, struct tracer_opts *opts);

/* Splits argv at "--": opts->command gets the command, the return value is
 * the argc argp should parse. Returns -1 (message printed) for a bare "--". */
int target_args__split(int argc, char **argv, struct tracer_opts *opts);

/* -p and -- together, root, BTF, the pids exist: 0 when all is fine,
 * otherwise the exit code (a one-line error is printed). */
int target_args__check(const struct tracer_opts *opts);

/* The probes are attached: drops the capabilities tracing no longer needs
 * (util/privileges.h) and tells a --ready-fd reader (once; no-op without
 * --ready-fd). Call right after tracer__new() succeeded. */
void target_args__ready(void);

#endif
