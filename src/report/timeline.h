/* Per-worker timelines for the Perfetto and HTML reports: exact blocked
 * intervals from the events, and between them the coarse per-state time of
 * the sampled slices laid out in order (running, runnable, short blocking,
 * parked) and scaled to the free time of the slice. Segments of one track
 * never overlap. When a track has more slices than max_slices, neighbours
 * are merged first (coarsening). */
#ifndef BW_TIMELINE_H
#define BW_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "record/recording.h"

struct tl_segment {
	uint64_t t0, t1;                /* monotonic ns */
	enum bw_state state;
	const struct rec_event *event;  /* exact blocked interval, else NULL */
};

struct tl_track {
	pid_t pid, tid;
	const char *comm;
	struct tl_segment *segs; /* sorted by t0 */
	int nsegs, cap;
	uint64_t blocked_exact_ns; /* sum of exact intervals */
};

struct timeline {
	struct tl_track *tracks; /* worker threads, by pid then tid */
	int ntracks;
	uint64_t start_ns, end_ns;
};

int timeline__build(const struct bw_recording *r, int max_slices, struct timeline *out);
void timeline__release(struct timeline *t);
const char *tl_state_name(enum bw_state s);

#endif
