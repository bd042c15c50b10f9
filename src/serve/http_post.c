#include "serve/http_post.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

int http_url__parse(const char *url, struct http_url *u)
{
	const char *h, *slash, *colon, *end;
	size_t hlen;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7))
		return -EINVAL;
	h = url + 7;
	slash = strchr(h, '/');
	end = slash ? slash : h + strlen(h);
	colon = memchr(h, ':', end - h);
	hlen = (colon ? colon : end) - h;
	if (!hlen || hlen >= sizeof(u->host) || strlen(slash ? slash : "/") >= sizeof(u->path))
		return -EINVAL;
	memcpy(u->host, h, hlen);
	for (size_t i = 0; i < hlen; i++)
		if (u->host[i] <= ' ' || u->host[i] == '@' || u->host[i] == '[')
			return -EINVAL; /* no user info, no IPv6 literals, no spaces */
	if (colon) {
		size_t plen = end - colon - 1;

		if (!plen || plen >= sizeof(u->port) || strspn(colon + 1, "0123456789") < plen)
			return -EINVAL;
		memcpy(u->port, colon + 1, plen);
		if (atoi(u->port) < 1 || atoi(u->port) > 65535)
			return -EINVAL;
	} else {
		strcpy(u->port, "80");
	}
	strcpy(u->path, slash ? slash : "/");
	for (const char *p = u->path; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return -EINVAL; /* would break the request line */
	return 0;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Waits for fd to be ready for events before the deadline. */
static int wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left = ms_left(deadline);
	int rc;

	if (left <= 0)
		return -ETIMEDOUT;
	rc = poll(&p, 1, (int)left);
	return rc > 0 ? 0 : rc == 0 ? -ETIMEDOUT : -errno;
}

static int connect_to(const struct http_url *u, const struct timespec *deadline)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *a;
	int fd = -ETIMEDOUT, rc;

	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)))
		return -EHOSTUNREACH;
	for (a = res; a; a = a->ai_next) {
		int err = 0;
		socklen_t elen = sizeof(err);

		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && !err))
			break;
		close(fd);
		fd = -(err ? err : ECONNREFUSED);
	}
	freeaddrinfo(res);
	return fd;
}

static int send_all(int fd, const char *p, size_t len, const struct timespec *deadline)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline);

			if (rc)
				return rc;
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* The status code of "HTTP/1.x NNN ...", reading at most a small buffer. */
static int read_status(int fd, const struct timespec *deadline)
{
	char buf[256];
	size_t got = 0;
	int status;

	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		ssize_t n;
		int rc = wait_fd(fd, POLLIN, deadline);

		if (rc)
			return rc;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -EPROTO;
	return status;
}

int http_post(const struct http_url *u, const char *content_type, const void *body, size_t len,
	      int timeout_ms, char *err, size_t errlen)
{
	struct timespec deadline;
	char head[1600];
	int fd, rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	deadline.tv_sec += deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;
	fd = connect_to(u, &deadline);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to %s:%s: %s", u->host, u->port, strerror(-fd));
		return fd;
	}
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: blockwatch/" BW_VERSION
		 "\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 u->path, u->host, u->port, content_type, len);
	rc = send_all(fd, head, strlen(head), &deadline);
	if (!rc)
		rc = send_all(fd, body, len, &deadline);
	if (!rc)
		rc = read_status(fd, &deadline);
	close(fd);
	if (rc < 0)
		snprintf(err, errlen, "posting to %s:%s%s: %s", u->host, u->port, u->path, strerror(-rc));
	return rc;
}
