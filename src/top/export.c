/* Export of what is on screen. Uses the JSON summary writer (the report
 * writers replace it when they exist): a shallow copy of the snapshot whose
 * callsite list is the rows shown, so filter and sort carry over. */
#include "top/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output/output.h"
#include "util/safe_file.h"

int top_export(const struct top_view *v, const char *dir, char *path, int pathlen)
{
	struct bw_snapshot shown;
	struct bw_snap_callsite *rows;
	char stamp[32];
	time_t now = time(NULL);
	FILE *f = NULL;
	int fd = -1, rc = 0;

	if (!v->snap) {
		snprintf(path, pathlen, "nothing to export yet");
		return -EAGAIN;
	}
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	/* an unpredictable name, created exclusively (no one can plant a link
	 * at it beforehand), mode 0644 whatever the umask */
	snprintf(path, pathlen, "%s/blockwatch-top-%s-XXXXXX.json", dir ? dir : ".", stamp);
	rows = calloc(v->ncallsites ? v->ncallsites : 1, sizeof(*rows));
	if (!rows) {
		snprintf(path, pathlen, "export: out of memory");
		return -ENOMEM;
	}
	/* the copies borrow the snapshot's strings and stacks: nothing to free but rows */
	for (int i = 0; i < v->ncallsites; i++)
		rows[i] = *v->callsites[i].cs;
	shown = *v->snap;
	shown.callsites = rows;
	shown.ncallsites = v->ncallsites;
	fd = mkostemps(path, 5, O_CLOEXEC);
	if (fd < 0 || fchmod(fd, out_file__mode(0644)) < 0 || !(f = fdopen(fd, "w"))) {
		rc = -errno;
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		snprintf(path, pathlen, "export: cannot write %s/: %s", dir ? dir : ".", strerror(-rc));
		goto cleanup;
	}
	summary_json__write(f, &shown);
	if (fclose(f)) {
		rc = -errno;
		snprintf(path, pathlen, "export: writing failed: %s", strerror(errno));
	}
cleanup:
	free(rows);
	return rc;
}
