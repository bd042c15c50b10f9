/* The Prometheus text exposition (format 0.0.4) and OpenMetrics 1.0 of a
 * metric view, produced piece by piece into the caller's buffer: a scrape of
 * thousands of callsites streams tens of MiB without holding them. */
#ifndef BW_SERVE_EXPOSITION_H
#define BW_SERVE_EXPOSITION_H

#include <stddef.h>
#include <stdint.h>

#include "serve/metric_view.h"
#include "serve/self_metrics.h"

enum expo_format {
	EXPO_TEXT,        /* text/plain; version=0.0.4 */
	EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/* The format an Accept header asks for: OpenMetrics when it is accepted
 * with at least the quality of text/plain; NULL or garbage: text. */
enum expo_format exposition__negotiate(const char *accept);
const char *exposition__content_type(enum expo_format f);

struct expo_cursor;

/* Starts rendering v (and self, may be NULL); both must outlive the cursor.
 * NULL without memory. */
struct expo_cursor *exposition__start(const struct metric_view *v, const struct self_metrics *self,
				      enum expo_format f);
/* Copies up to max bytes of what comes next into buf; 0 at the end, -1
 * without memory. */
long exposition__read(struct expo_cursor *c, char *buf, size_t max);
void exposition__free(struct expo_cursor *c); /* NULL-safe */

#endif
