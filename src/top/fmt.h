/* Compact number formatting for fixed-width dashboard columns. */
#ifndef BW_TOP_FMT_H
#define BW_TOP_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate/snapshot.h"

/* "12.3ms"-style, "-" for 0 when dash_zero. */
const char *fmt_dur(uint64_t ns, bool dash_zero, char *buf, int len);
/* "987", "12.3k", "4.5M": fits 6 columns. */
const char *fmt_count(uint64_t n, char *buf, int len);
/* "01:02:03" or "2d03:04:05": elapsed time of the trace. */
const char *fmt_uptime(uint64_t ns, char *buf, int len);
/* Histogram as a sparkline of `width` glyphs over the buckets around the
 * data; UTF-8 block characters when utf8, an ASCII ramp otherwise. */
void fmt_sparkline(const uint64_t hist[BW_HIST_BUCKETS], int width, bool utf8, char *buf, int len);
/* Bucket b's upper bound in ns (bucket b holds [2^b, 2^(b+1))). */
uint64_t hist_bucket_hi(int b);
/* q in [0,1]: the upper bound of the bucket holding that quantile (0 when empty). */
uint64_t hist_quantile(const uint64_t hist[BW_HIST_BUCKETS], double q);

#endif
