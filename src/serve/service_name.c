#include "serve/service_name.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An environment block is read up to this much: the variable is usually
 * set by the unit file, near the front. */
#define ENVIRON_MAX (256 * 1024)

int service_namer__parse(struct service_namer *n, const char *spec)
{
	memset(n, 0, sizeof(*n));
	if (strcmp(spec, "exe") == 0)
		return 0;
	if (strcmp(spec, "cgroup") == 0) {
		n->source = SERVICE_FROM_CGROUP;
		return 0;
	}
	if (strncmp(spec, "env:", 4) == 0 && spec[4] && strlen(spec + 4) < sizeof(n->env) &&
	    !strchr(spec + 4, '=')) {
		n->source = SERVICE_FROM_ENV;
		strcpy(n->env, spec + 4);
		return 0;
	}
	return -EINVAL;
}

static void copy_name(char *out, const char *s, size_t len)
{
	if (len >= SERVICE_NAME_MAX)
		len = SERVICE_NAME_MAX - 1;
	memcpy(out, s, len);
	out[len] = 0;
}

int service_name__from_environ(const char *env, size_t len, const char *name, char *out)
{
	size_t nlen = strlen(name);

	for (size_t at = 0; at < len;) {
		const char *e = env + at;
		const char *end = memchr(e, '\0', len - at);
		size_t elen = end ? (size_t)(end - e) : len - at;

		if (elen > nlen && memcmp(e, name, nlen) == 0 && e[nlen] == '=' && elen > nlen + 1) {
			copy_name(out, e + nlen + 1, elen - nlen - 1);
			return 0;
		}
		at += elen + 1;
	}
	return -ENOENT;
}

int service_name__from_cgroup(const char *cg, char *out)
{
	/* cgroup v2: "0::/system.slice/api.service"; the unit is the last part */
	const char *line = strstr(cg, "0::/");
	const char *end, *last;
	size_t len;

	if (!line || (line != cg && line[-1] != '\n'))
		return -ENOENT;
	line += 3;
	end = strchr(line, '\n');
	if (!end)
		end = line + strlen(line);
	last = end;
	while (last > line && last[-1] != '/')
		last--;
	len = end - last;
	if (len > 8 && memcmp(end - 8, ".service", 8) == 0)
		len -= 8;
	if (!len)
		return -ENOENT; /* the root cgroup: no unit */
	copy_name(out, last, len);
	return 0;
}

/* Up to max bytes of a /proc file (they report size 0: read until EOF). */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t max)
{
	char path[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	while (got < max && (n = read(fd, buf + got, max - got)) > 0)
		got += n;
	close(fd);
	return (ssize_t)got;
}

static void exe_name(const char *exe, char *out)
{
	const char *base = exe ? strrchr(exe, '/') : NULL;
	const char *s = base ? base + 1 : exe ? exe : "";
	size_t len = strlen(s);

	if (len > 10 && strcmp(s + len - 10, " (deleted)") == 0)
		len -= 10; /* the binary was replaced (an upgrade): same service */
	copy_name(out, *s ? s : "unknown", *s ? len : 7);
}

char *service_namer__name(void *namer, pid_t pid, const char *exe)
{
	const struct service_namer *n = namer;
	char name[SERVICE_NAME_MAX] = "";
	char *buf = NULL;
	ssize_t len;
	int rc = -ENOENT;

	if (n && n->source != SERVICE_FROM_EXE) {
		size_t max = n->source == SERVICE_FROM_ENV ? ENVIRON_MAX : 4096;

		buf = malloc(max + 1);
		len = buf ? read_proc(pid, n->source == SERVICE_FROM_ENV ? "environ" : "cgroup", buf, max)
			  : -ENOMEM;
		if (len >= 0) {
			buf[len] = 0;
			rc = n->source == SERVICE_FROM_ENV
				     ? service_name__from_environ(buf, (size_t)len, n->env, name)
				     : service_name__from_cgroup(buf, name);
		}
		free(buf);
	}
	if (rc)
		exe_name(exe, name);
	return strdup(name);
}
