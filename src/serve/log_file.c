#include "serve/log_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

int log_file__redirect_stderr(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	struct stat st;
	int rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open log file %s: %s%s", path, strerror(errno),
			 errno == ELOOP ? " (a symbolic link: give the real path)" : "");
		return rc;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
		snprintf(err, errlen, "log file %s is not a regular file of ours with one link; not writing to it",
			 path);
		close(fd);
		return -EPERM;
	}
	fflush(stderr);
	rc = dup2(fd, STDERR_FILENO) < 0 ? -errno : 0;
	if (rc)
		snprintf(err, errlen, "cannot use log file %s: %s", path, strerror(-rc));
	close(fd);
	return rc;
}

void serve_log(const char *fmt, ...)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(stderr, "%s blockwatch serve: ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
