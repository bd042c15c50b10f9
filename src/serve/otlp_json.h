/* A metric view as an OTLP/HTTP JSON ExportMetricsServiceRequest
 * (opentelemetry/proto/collector/metrics/v1): the same numbers as
 * /metrics, cumulative, named so that an OpenTelemetry collector exporting
 * to Prometheus gives the same names (blockwatch.blocked, unit s ->
 * blockwatch_blocked_seconds). */
#ifndef BW_SERVE_OTLP_JSON_H
#define BW_SERVE_OTLP_JSON_H

#include <stdint.h>

#include "record/bytebuf.h"
#include "serve/metric_view.h"

struct otlp_times {
	uint64_t start_unix_ns; /* when serve started: counters count from then */
	uint64_t now_unix_ns;
};

/* Appends the request to out (out->oom on failure). host: host.name. */
void otlp_json__write(struct bytebuf *out, const struct metric_view *v, const struct otlp_times *t,
		      const char *host);

#endif
