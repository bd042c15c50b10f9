#include "ingest/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int resolve_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		if (!realpath(name, buf))
			return -errno;
		snprintf(out, len, "%s", buf);
		return access(out, X_OK) ? -errno : 0;
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, name);
		if (access(buf, X_OK) == 0 && realpath(buf, out))
			return 0;
		p += n + (p[n] == ':');
	}
	return -ENOENT;
}

int launch__start(struct launch *l, char *const argv[], char *err, size_t errlen)
{
	int gate[2], errpipe[2];

	memset(l, 0, sizeof(*l));
	if (resolve_path(argv[0], l->path, sizeof(l->path))) {
		snprintf(err, errlen, "cannot run '%s': command not found", argv[0]);
		return -ENOENT;
	}
	if (pipe2(gate, O_CLOEXEC) || pipe2(errpipe, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	l->pid = fork();
	if (l->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (l->pid == 0) {
		char c;
		int e;

		close(gate[1]);
		close(errpipe[0]);
		/* our handlers (Ctrl-C: detach and report) are not the child's:
		 * a SIGTERM while it waits at the gate must end it */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* the traced program should not outlive an interrupted tracer */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (read(gate[0], &c, 1) != 0)
			_exit(127);
		execv(l->path, argv);
		e = errno;
		if (write(errpipe[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(errpipe[1]);
	l->gate_fd = gate[1];
	l->error_fd = errpipe[0];
	return 0;
}

int launch__release(struct launch *l, char *err, size_t errlen)
{
	int e = 0;
	ssize_t n;

	close(l->gate_fd);
	l->gate_fd = -1;
	/* EOF (exec succeeded, pipe closed on exec) or the child's errno */
	n = read(l->error_fd, &e, sizeof(e));
	close(l->error_fd);
	l->error_fd = -1;
	if (n == sizeof(e)) {
		snprintf(err, errlen, "cannot run '%s': %s", l->path, strerror(e));
		waitpid(l->pid, NULL, 0);
		l->exited = true;
		return -e;
	}
	return 0;
}

bool launch__execed(const struct launch *l)
{
	struct stat child, self;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", l->pid);
	return stat(path, &child) == 0 && stat("/proc/self/exe", &self) == 0 &&
	       (child.st_dev != self.st_dev || child.st_ino != self.st_ino);
}

bool launch__exited(struct launch *l)
{
	if (!l->exited && l->pid > 0 && waitpid(l->pid, &l->status, WNOHANG) == l->pid)
		l->exited = true;
	return l->exited;
}

void launch__kill(struct launch *l)
{
	if (l->pid <= 0 || launch__exited(l))
		return;
	kill(l->pid, SIGTERM);
	/* a program that ignores SIGTERM must not keep us waiting */
	for (int i = 0; i < 200 && !launch__exited(l); i++)
		usleep(10000);
	if (!l->exited) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, &l->status, 0);
		l->exited = true;
	}
}
