/* A minimal HTTP/1.1 POST for the OTLP push: plain http:// only (a local
 * collector; no TLS), connect and I/O bounded by a timeout, only the status
 * line of the answer read. */
#ifndef BW_SERVE_HTTP_POST_H
#define BW_SERVE_HTTP_POST_H

#include <stddef.h>

struct http_url {
	char host[256];
	char port[8];
	char path[1024];
};

/* "http://HOST[:PORT][/PATH]" (PORT default 80, PATH default "/"); 0 or -EINVAL. */
int http_url__parse(const char *url, struct http_url *u);
/* POSTs body; returns the HTTP status or negative errno (err: one line). */
int http_post(const struct http_url *u, const char *content_type, const void *body, size_t len,
	      int timeout_ms, char *err, size_t errlen);

#endif
