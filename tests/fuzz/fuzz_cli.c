/* Fuzzes the command-line value parsers: durations, byte sizes, pid lists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli/parse.h"
#include "futures/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);
	uint64_t v;
	pid_t pids[16];
	char buf[32];

	if (!s)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	if (parse_duration(s, 0, &v) == 0)
		format_duration(v, buf, sizeof(buf));
	if (parse_duration(s, 1000000000ULL, &v) == 0)
		format_duration(v, buf, sizeof(buf));
	if (parse_bytes(s, &v) == 0)
		format_bytes(v, buf, sizeof(buf));
	parse_pid_list(s, pids, 16);
	free(s);
	return 0;
}
