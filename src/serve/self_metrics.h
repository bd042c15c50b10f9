/* The exporter's own health as the standard process_* metrics, from
 * /proc/self (what client libraries call the process collector). */
#ifndef BW_SERVE_SELF_METRICS_H
#define BW_SERVE_SELF_METRICS_H

#include <stdint.h>

struct self_metrics {
	uint64_t cpu_ns;           /* user + system */
	uint64_t rss_bytes, vm_bytes;
	uint64_t open_fds, max_fds;
	uint64_t start_time_s;     /* since the epoch */
};

/* Fields that cannot be read stay 0. */
void self_metrics__read(struct self_metrics *m);

#endif
