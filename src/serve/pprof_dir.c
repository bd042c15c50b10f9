#include "serve/pprof_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "report/session.h"
#include "serve/log_file.h"
#include "util/escape.h"
#include "util/safe_file.h"

#define PREFIX "blocked-"
#define SUFFIX ".pb.gz"

struct pprof_dir {
	char *dir;
	uint64_t interval_ns, window_end_ns;
	int keep;
	struct tracer_opts opts; /* for each window's session */
	struct report_session *session;
	uint64_t events; /* in this window */
	bool failing;
};

struct pprof_dir *pprof_dir__new(const char *dir, uint64_t interval_ns, int keep,
				 const struct tracer_opts *opts, char *err, size_t errlen)
{
	struct pprof_dir *d;
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "--pprof-dir %s: %s (an existing folder, not a symbolic link)", dir,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	d = calloc(1, sizeof(*d));
	if (!d || !(d->dir = strdup(dir)) || !(d->session = report_session__new(opts, NULL, NULL))) {
		snprintf(err, errlen, "out of memory");
		pprof_dir__free(d, NULL);
		return NULL;
	}
	d->interval_ns = interval_ns;
	d->keep = keep;
	d->opts = *opts;
	d->window_end_ns = now_monotonic_ns() + interval_ns;
	return d;
}

void pprof_dir__on_event(void *ctx, const struct live_event *ev)
{
	struct pprof_dir *d = ctx;

	if (ev->stuck)
		return; /* still going: its whole interval comes when it ends */
	d->events++;
	report_session__on_event(d->session, ev);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes our oldest files beyond keep (names sort by time). */
static void rotate(struct pprof_dir *d)
{
	DIR *dir = opendir(d->dir);
	struct dirent *e;
	char **names = NULL;
	int n = 0, cap = 0;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		char **grown;

		if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) || len < strlen(SUFFIX) ||
		    strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				break;
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (int i = 0; i < n; i++) {
		if (i < n - d->keep)
			unlinkat(dirfd(dir), names[i], 0); /* a name in this folder: no link followed */
		free(names[i]);
	}
	free(names);
	closedir(dir);
}

static void write_window(struct pprof_dir *d, const struct bw_snapshot *snap)
{
	char path[PATH_MAX], when[32], err[PATH_MAX + 128];
	struct timespec now;
	struct out_file of;
	struct tm tm;
	FILE *out;
	int rc;

	/* milliseconds: the last, partial window may end in the same second */
	clock_gettime(CLOCK_REALTIME, &now);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", gmtime_r(&now.tv_sec, &tm));
	snprintf(path, sizeof(path), "%s/" PREFIX "%s.%03ldZ" SUFFIX, d->dir, when,
		 now.tv_nsec / 1000000);
	out = out_file__fopen(&of, path, out_file__mode(0644), err, sizeof(err));
	/* the runtime's own frames collapsed, as every report writes them by default */
	rc = out ? report_session__write(d->session, snap,
					 &(struct report_opts){ .format = REPORT_PPROF,
								.runtime_frames = REPORT_RUNTIME_COLLAPSED },
					 out)
		 : -EPERM;
	if (out && out_file__fclose(&of, out, rc != 0, err, sizeof(err)) && !rc)
		rc = -EIO;
	if (rc && !d->failing)
		serve_log("--pprof-dir: %s", out ? strerror(-rc) : esc_text(err));
	d->failing = rc != 0;
	if (!rc)
		rotate(d);
}

void pprof_dir__tick(struct pprof_dir *d, const struct bw_snapshot *snap)
{
	struct report_session *next;

	if (!d || now_monotonic_ns() < d->window_end_ns)
		return;
	d->window_end_ns = now_monotonic_ns() + d->interval_ns;
	next = report_session__new(&d->opts, NULL, NULL);
	if (!next)
		return; /* no memory: this window goes on */
	write_window(d, snap);
	report_session__free(d->session);
	d->session = next;
	d->events = 0;
}

void pprof_dir__free(struct pprof_dir *d, const struct bw_snapshot *last)
{
	if (!d)
		return;
	if (last && d->events && d->session)
		write_window(d, last);
	report_session__free(d->session);
	free(d->dir);
	free(d);
}
