/* Latency statistics of one series: count, total, max, a log2 histogram,
 * and exact percentiles from the kept samples (slow events are few). */
#ifndef BW_LATENCY_H
#define BW_LATENCY_H

#include <stdint.h>

#include "aggregate/snapshot.h"

/* Past this many samples, percentiles come from the histogram instead. */
#define BW_LATENCY_MAX_SAMPLES 200000

struct latency {
	uint64_t count, total_ns, max_ns;
	uint64_t hist[BW_HIST_BUCKETS];
	uint64_t *samples;
	uint32_t nsamples, cap;
};

void latency__add(struct latency *l, uint64_t ns);
/* q in [0, 1]; 0 when empty. */
uint64_t latency__quantile(const struct latency *l, double q);
void latency__reset(struct latency *l);
void latency__release(struct latency *l); /* frees samples; struct stays usable */
int latency__bucket(uint64_t ns);
/* The non-empty span of a log2 histogram: first and last used bucket (hi < lo
 * when empty) and the largest bucket count. */
void latency__hist_span(const uint64_t hist[BW_HIST_BUCKETS], int *lo, int *hi, uint64_t *max);

#endif
