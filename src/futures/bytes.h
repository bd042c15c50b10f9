/* Byte sizes on the command line ("16KiB", "2M", "65536") and in output ("64.0 KiB"). */
#ifndef BW_FUTURES_BYTES_H
#define BW_FUTURES_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A number with an optional binary unit: B, K/KB/KiB, M/MB/MiB, G/GB/GiB
 * (case-insensitive; K means 1024, as in stack sizes). Returns 0 or -EINVAL. */
int parse_bytes(const char *s, uint64_t *out);

/* "24 B", "64.0 KiB", "2.0 MiB" into buf; returns buf. */
const char *format_bytes(uint64_t n, char *buf, size_t len);

#endif
