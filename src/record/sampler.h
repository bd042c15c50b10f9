/* The coarse timeline. The kernel side does not send every context switch
 * (too costly), so per-thread timelines come from sampling snapshots: every
 * tick, each thread's time per state since the previous tick becomes one
 * slice. Exact intervals exist only for blocked time over the threshold
 * (the events). The sampler also reports threads and processes when they
 * first appear or change, so a cut-short recording still names them. */
#ifndef BW_SAMPLER_H
#define BW_SAMPLER_H

#include "aggregate/snapshot.h"
#include "record/recording.h"

/* How often record and trace sample (docs/output-formats.md). */
#define BW_SAMPLE_INTERVAL_NS 100000000ULL

struct sampler_sink {
	int (*slice)(void *ctx, const struct rec_slice *s);
	int (*thread)(void *ctx, const struct bw_snap_thread *t);
	int (*process)(void *ctx, const struct bw_snap_process *p);
	void *ctx;
};

struct sampler;

struct sampler *sampler__new(const struct sampler_sink *sink);
void sampler__free(struct sampler *s); /* NULL-safe */
/* Emits the slices and metadata changes since the previous call. Returns
 * the first negative value a sink returned, else 0. */
int sampler__sample(struct sampler *s, const struct bw_snapshot *snap);

/* Sinks that add to an in-memory recording (ctx: struct bw_recording *). */
extern const struct sampler_sink recording_sink;

#endif
