/* Ranking state machines and deciding which deserve a flag: larger than the
 * size at which Tokio boxes a future when spawning it, or a large fraction
 * of a worker thread's stack. */
#ifndef BW_FUTURES_RANK_H
#define BW_FUTURES_RANK_H

#include <stdbool.h>
#include <stdint.h>

#include "futures/scan.h"

#define FUTURE_F_BIG   1u /* size > box_threshold */
#define FUTURE_F_STACK 2u /* size >= stack_percent % of stack_size */

/* Tokio's task-boxing thresholds (tokio/src/runtime/mod.rs, BOX_FUTURE_THRESHOLD). */
#define TOKIO_BOX_RELEASE	 16384u
#define TOKIO_BOX_DEBUG		 2048u
#define TOKIO_WORKER_STACK	 (2u << 20) /* Tokio leaves it to std: 2 MiB */
#define FUTURES_STACK_PERCENT	 10u

struct futures_policy {
	uint64_t box_threshold;
	bool threshold_given; /* --threshold: the note then says so */
	uint64_t stack_size;
	unsigned stack_percent;
	/* What the binary's Tokio does with large futures (static text). */
	const char *tokio_note;
};

/* Fills tokio_note for the Tokio version found in DWARF ("" = none, "?" = unknown). */
void futures_policy_explain(struct futures_policy *p, const char *tokio_version);

/* Sorts largest first (then by name), merges the copies of one type that
 * several compile units describe, and sets flags. Returns the new count. */
size_t futures_rank(struct future_list *list, const struct futures_policy *p);

struct futures_counts {
	size_t big, stack;
};
struct futures_counts futures_count(const struct future_list *list);

#endif
