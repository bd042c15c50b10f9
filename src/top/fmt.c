/* Formatting helpers for the dashboard's fixed-width columns. */
#include "top/fmt.h"

#include <stdio.h>
#include <string.h>

#include "cli/parse.h"

const char *fmt_dur(uint64_t ns, bool dash_zero, char *buf, int len)
{
	if (!ns && dash_zero) {
		snprintf(buf, len, "-");
		return buf;
	}
	return format_duration(ns, buf, len);
}

const char *fmt_count(uint64_t n, char *buf, int len)
{
	if (n < 100000)
		snprintf(buf, len, "%llu", (unsigned long long)n);
	else if (n < 10000000)
		snprintf(buf, len, "%.1fk", n / 1e3);
	else
		snprintf(buf, len, "%.1fM", n / 1e6);
	return buf;
}

const char *fmt_uptime(uint64_t ns, char *buf, int len)
{
	uint64_t s = ns / 1000000000ULL;

	if (s >= 86400)
		snprintf(buf, len, "%llud%02llu:%02llu:%02llu", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	return buf;
}

uint64_t hist_bucket_hi(int b)
{
	return b >= 63 ? UINT64_MAX : (2ULL << b) - 1;
}

uint64_t hist_quantile(const uint64_t hist[BW_HIST_BUCKETS], double q)
{
	uint64_t total = 0, seen = 0, want;

	for (int b = 0; b < BW_HIST_BUCKETS; b++)
		total += hist[b];
	if (!total)
		return 0;
	want = (uint64_t)(q * (double)total + 0.999999);
	if (!want)
		want = 1;
	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want)
			return hist_bucket_hi(b);
	}
	return hist_bucket_hi(BW_HIST_BUCKETS - 1);
}

void fmt_sparkline(const uint64_t hist[BW_HIST_BUCKETS], int width, bool utf8, char *buf, int len)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ramp[] = " .:-=+*#@";
	uint64_t peak = 0;
	int lo = -1, hi = -1, pos = 0;

	buf[0] = 0;
	for (int b = 0; b < BW_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if (lo < 0)
			lo = b;
		hi = b;
		if (hist[b] > peak)
			peak = hist[b];
	}
	if (lo < 0 || width <= 0)
		return;
	/* A fixed window of `width` buckets ending at the highest one, so rows
	 * line up when their ranges overlap and the slow tail is never cut. */
	lo = hi - width + 1;
	for (int i = 0; i < width; i++) {
		int b = lo + i;
		uint64_t v = b >= 0 ? hist[b] : 0;
		/* any non-empty bucket gets at least the lowest glyph */
		int level = v ? 1 + (int)((v * 7 + peak - 1) / peak) : 0;
		char ascii[2];
		const char *g = ascii;
		int n;

		if (level > 8)
			level = 8;
		ascii[0] = ramp[level];
		ascii[1] = 0;
		if (utf8)
			g = blocks[level];
		n = (int)strlen(g);

		if (pos + n >= len)
			break;
		memcpy(buf + pos, g, n);
		pos += n;
	}
	buf[pos] = 0;
}
