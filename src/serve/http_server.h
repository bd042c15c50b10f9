/* The HTTP side of serve: GET/HEAD /metrics and /healthz, nothing else.
 * libmicrohttpd on a thread of its own (the tracer never waits on a
 * client), at most HTTP_MAX_CONNECTIONS at once, a request's headers capped
 * by HTTP_REQUEST_MEMORY, idle connections closed after HTTP_TIMEOUT_S. */
#ifndef BW_SERVE_HTTP_SERVER_H
#define BW_SERVE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "serve/metric_view.h"

#define HTTP_MAX_CONNECTIONS 8
#define HTTP_REQUEST_MEMORY (16 * 1024)
#define HTTP_TIMEOUT_S 10

struct http_handlers {
	/* A view for one /metrics response (freed by the server); NULL: 503. */
	struct metric_view *(*take_view)(void *ctx);
	/* /healthz: 200 once tracing, 503 before. */
	bool (*healthy)(void *ctx);
	void *ctx;
};

/* "127.0.0.1:9464", "[::1]:9464", ":9464" (every IPv4 address); numeric
 * hosts or "localhost". 0 or -EINVAL. */
int http_parse_listen(const char *spec, struct sockaddr_storage *sa, socklen_t *len);
/* A listening socket (close-on-exec), or negative errno with a one-line
 * reason in err. Bound before tracing starts: a port in use fails fast. */
int http_listen(const char *spec, char *err, size_t errlen);

struct http_server;

/* Serves on listen_fd (taken over). NULL with err set. */
struct http_server *http_server__start(int listen_fd, const struct http_handlers *h, char *err,
				       size_t errlen);
void http_server__stop(struct http_server *s); /* NULL-safe; closes connections */

#endif
