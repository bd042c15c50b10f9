/* --otlp-endpoint: pushes the store's metrics as OTLP/HTTP JSON every
 * interval, from a thread of its own (a slow collector never holds up the
 * tracer or the scrapes), and once more when stopped. Failures are logged
 * when they start and when pushes work again, not at every attempt. */
#ifndef BW_SERVE_OTLP_PUSH_H
#define BW_SERVE_OTLP_PUSH_H

#include <stdint.h>

#include "serve/http_post.h"
#include "serve/metric_view.h"

struct otlp_push;

struct otlp_push *otlp_push__start(const struct http_url *url, uint64_t interval_ns,
				   struct metric_view *(*take_view)(void *ctx), void *ctx);
void otlp_push__stop(struct otlp_push *p); /* NULL-safe: a last push, then joins */

#endif
