/* Parsing command-line values: durations with units and PID lists. */
#ifndef BW_PARSE_H
#define BW_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* "1ms", "250us", "2s", "1.5s", "100ns", "1m". default_unit_ns applies to a
 * bare number (0: a bare number is an error). Returns 0 or -EINVAL. */
int parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *out_ns);
/* "12,34": up to max PIDs. Returns the count or -EINVAL. */
int parse_pid_list(const char *s, pid_t *out, int max);
/* --mode: octal permission bits the owner can read (0400..0777), or -1. */
int cli_parse_mode(const char *s);
/* Formats ns as "12.3ms"-style text into buf. */
const char *format_duration(uint64_t ns, char *buf, int len);

#endif
