#include "cli/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *suffix;
	uint64_t ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
	{ "m", 60000000000ULL }, { "min", 60000000000ULL },
};

/* v units in ns; -ERANGE past 2^64 ns (the cast would be undefined, and
 * was 0 on x86: "-t 2e10s" meant "report everything"). */
static int to_ns(double v, uint64_t unit, uint64_t *out_ns)
{
	double ns = v * (double)unit;

	if (!(ns < 18446744073709551616.0))
		return -ERANGE;
	*out_ns = (uint64_t)ns;
	return 0;
}

int parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *out_ns)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || !isfinite(v))
		return -EINVAL;
	if (!*end) {
		if (!default_unit_ns)
			return -EINVAL;
		return to_ns(v, default_unit_ns, out_ns);
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0)
			return to_ns(v, units[i].ns, out_ns);
	return -EINVAL;
}

int parse_pid_list(const char *s, pid_t *out, int max)
{
	int n = 0;

	while (s && *s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v <= 0 || v > 0x7fffffff || (*end && *end != ','))
			return -EINVAL;
		if (n == max)
			return -EINVAL;
		out[n++] = (pid_t)v;
		s = *end ? end + 1 : end;
	}
	return n ? n : -EINVAL;
}

const char *format_duration(uint64_t ns, char *buf, int len)
{
	if (ns >= 10000000000ULL)
		snprintf(buf, len, "%.1fs", ns / 1e9);
	else if (ns >= 1000000000ULL)
		snprintf(buf, len, "%.2fs", ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else if (ns >= 1000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}

int cli_parse_mode(const char *s)
{
	char *end;
	long v;

	if (!s || !*s || strspn(s, "01234567") != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 8);
	/* permission bits only, and the owner must be able to read it back */
	if (errno || *end || v <= 0 || v > 0777 || !(v & 0400))
		return -1;
	return (int)v;
}
