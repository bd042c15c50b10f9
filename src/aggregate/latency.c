#include "aggregate/latency.h"

#include <stdlib.h>
#include <string.h>

int latency__bucket(uint64_t ns)
{
	int b = ns ? 63 - __builtin_clzll(ns) : 0;

	return b < BW_HIST_BUCKETS ? b : BW_HIST_BUCKETS - 1;
}

void latency__add(struct latency *l, uint64_t ns)
{
	l->count++;
	l->total_ns += ns;
	if (ns > l->max_ns)
		l->max_ns = ns;
	l->hist[latency__bucket(ns)]++;
	if (l->nsamples == l->cap && l->cap < BW_LATENCY_MAX_SAMPLES) {
		uint32_t cap = l->cap ? l->cap * 2 : 16;
		uint64_t *s = realloc(l->samples, cap * sizeof(*s));

		if (s) {
			l->samples = s;
			l->cap = cap;
		}
	}
	if (l->nsamples < l->cap)
		l->samples[l->nsamples++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t quantile_from_hist(const struct latency *l, double q)
{
	uint64_t want = (uint64_t)(q * (double)l->count), seen = 0;

	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		seen += l->hist[b];
		if (seen > want) {
			uint64_t upper = (2ULL << b) - 1;

			return upper < l->max_ns ? upper : l->max_ns;
		}
	}
	return l->max_ns;
}

uint64_t latency__quantile(const struct latency *l, double q)
{
	uint64_t *sorted;
	uint64_t v;
	size_t idx;

	if (!l->count)
		return 0;
	if (l->nsamples < l->count || !l->nsamples)
		return quantile_from_hist(l, q);
	sorted = malloc(l->nsamples * sizeof(*sorted));
	if (!sorted)
		return quantile_from_hist(l, q);
	memcpy(sorted, l->samples, l->nsamples * sizeof(*sorted));
	qsort(sorted, l->nsamples, sizeof(*sorted), cmp_u64);
	/* nearest-rank: the smallest value with at least q of the samples at or below it */
	idx = (size_t)(q * (double)l->nsamples + 0.999999);
	idx = idx ? idx - 1 : 0;
	if (idx >= l->nsamples)
		idx = l->nsamples - 1;
	v = sorted[idx];
	free(sorted);
	return v;
}

void latency__reset(struct latency *l)
{
	uint64_t *s = l->samples;
	uint32_t cap = l->cap;

	memset(l, 0, sizeof(*l));
	l->samples = s;
	l->cap = cap;
}

void latency__release(struct latency *l)
{
	free(l->samples);
	memset(l, 0, sizeof(*l));
}

void latency__hist_span(const uint64_t hist[BW_HIST_BUCKETS], int *lo, int *hi, uint64_t *max)
{
	*lo = BW_HIST_BUCKETS;
	*hi = -1;
	*max = 0;
	for (int i = 0; i < BW_HIST_BUCKETS; i++) {
		if (!hist[i])
			continue;
		*lo = i < *lo ? i : *lo;
		*hi = i;
		*max = hist[i] > *max ? hist[i] : *max;
	}
}
