/* The `service` label of a traced process (--service-label): the
 * executable's name by default, or the value of one of its environment
 * variables, or its systemd unit (cgroup); the executable's name when the
 * chosen source says nothing. Read once per process. */
#ifndef BW_SERVE_SERVICE_NAME_H
#define BW_SERVE_SERVICE_NAME_H

#include <sys/types.h>

#define SERVICE_NAME_MAX 128

enum service_source {
	SERVICE_FROM_EXE,
	SERVICE_FROM_ENV,    /* env:NAME */
	SERVICE_FROM_CGROUP, /* cgroup: the last part of its cgroup v2 path */
};

struct service_namer {
	enum service_source source;
	char env[64]; /* the variable, for SERVICE_FROM_ENV */
};

/* "exe", "env:NAME" or "cgroup"; -EINVAL otherwise. */
int service_namer__parse(struct service_namer *n, const char *spec);
/* The name (caller frees; NULL without memory). Matches service_name_fn. */
char *service_namer__name(void *namer, pid_t pid, const char *exe);

/* The parsers, apart for tests: the value of NAME in an environ block
 * (NUL-separated, len bytes), and the unit of a /proc/PID/cgroup text.
 * Both write at most SERVICE_NAME_MAX bytes to out and return 0 when found. */
int service_name__from_environ(const char *environ, size_t len, const char *name, char *out);
int service_name__from_cgroup(const char *cgroup, char *out);

#endif
