#include "serve/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve/exposition.h"
#include "serve/self_metrics.h"

/* Each /metrics response is streamed in blocks of this size. */
#define BLOCK_BYTES (64 * 1024)

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_handlers h;
};

int http_parse_listen(const char *spec, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[64];
	const char *colon, *h = spec;
	size_t hlen;
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = spec + 1;
		hlen = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -EINVAL;
		hlen = colon - spec;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535)
		return -EINVAL;
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (spec[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (hlen && inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		if (!hlen)
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		*len = sizeof(*s4);
	}
	return 0;
}

int http_listen(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, one = 1, rc;

	if (http_parse_listen(spec, &sa, &len)) {
		snprintf(err, errlen, "bad --listen '%s' (examples: 127.0.0.1:9464, [::1]:9464, :9464)", spec);
		return -EINVAL;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 64)) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s%s", spec, strerror(errno),
			 errno == EADDRINUSE ? " (another exporter there? choose one with --listen)" : "");
		close(fd);
		return rc;
	}
	return fd;
}

/* One /metrics response: the view it renders and where it is. */
struct metrics_body {
	struct metric_view *view;
	struct self_metrics self;
	struct expo_cursor *cursor;
};

static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct metrics_body *b = cls;
	long n = exposition__read(b->cursor, buf, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void free_body(void *cls)
{
	struct metrics_body *b = cls;

	exposition__free(b->cursor);
	metric_view__free(b->view);
	free(b);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	enum expo_format f = exposition__negotiate(accept);
	struct metrics_body *b = calloc(1, sizeof(*b));
	struct MHD_Response *r = NULL;
	enum MHD_Result rc;

	if (!b)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	b->view = s->h.take_view(s->h.ctx);
	self_metrics__read(&b->self);
	b->cursor = b->view ? exposition__start(b->view, &b->self, f) : NULL;
	if (b->cursor)
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK_BYTES, read_body, b,
						      free_body);
	if (!r) {
		free_body(b);
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics yet\n");
	}
	MHD_add_response_header(r, "Content-Type", exposition__content_type(f));
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* Per-connection request state across the handler's calls. */
enum { REQ_STARTED = 1, REQ_HAD_BODY = 2 };

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	struct http_server *s = cls;
	uintptr_t state = (uintptr_t)*req;

	/* first call: headers only; answer once the request is complete */
	if (!state) {
		*req = (void *)(uintptr_t)REQ_STARTED;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body on GET: discarded, then refused */
		*req = (void *)(state | REQ_HAD_BODY);
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (state & REQ_HAD_BODY)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "no request body expected\n");
	if (!strcmp(url, "/metrics"))
		return reply_metrics(s, c);
	if (!strcmp(url, "/healthz"))
		return s->h.healthy(s->h.ctx) ? reply_text(c, MHD_HTTP_OK, "ok\n")
					      : reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: only /metrics and /healthz\n");
}

struct http_server *http_server__start(int listen_fd, const struct http_handlers *h, char *err,
				       size_t errlen)
{
	struct http_server *s = calloc(1, sizeof(*s));
	sigset_t all, old;

	if (!s) {
		close(listen_fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->h = *h;
	/* stop and reopen signals are the main loop's: the server's thread
	 * inherits a mask that blocks them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	s->mhd = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, s,
				  MHD_OPTION_LISTEN_SOCKET, listen_fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_REQUEST_MEMORY,
				  MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->mhd) {
		snprintf(err, errlen, "cannot start the HTTP server");
		close(listen_fd);
		free(s);
		return NULL;
	}
	return s;
}

void http_server__stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd); /* also closes the listening socket */
	free(s);
}
