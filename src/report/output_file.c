#include "report/output_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"
#include "util/safe_file.h"

int report_output__write(const char *path, const struct report_opts *o, const struct bw_snapshot *s,
			 struct report_session *session)
{
	FILE *out = stdout;
	struct out_file of;
	char err[PATH_MAX + 128];
	int rc = 0;

	if (path) {
		out = out_file__fopen(&of, path, 0644, err, sizeof(err));
		if (!out) {
			fprintf(stderr, "blockwatch: %s\n", err);
			return -EPERM;
		}
	}
	if (session) {
		rc = report_session__write(session, s, o, out);
		if (rc < 0)
			fprintf(stderr, "blockwatch: writing the %s report failed: %s\n",
				report_format__name(o->format), strerror(-rc));
	} else if (o->format == REPORT_JSON) {
		summary_json__write(out, s);
	} else {
		summary_text__write(out, s);
	}
	if (out != stdout) {
		int failed = rc;

		rc = out_file__fclose(&of, out, failed != 0, err, sizeof(err));
		if (rc && !failed)
			fprintf(stderr, "blockwatch: %s\n", err);
		return failed ? failed : rc;
	}
	if (fflush(out) || ferror(out)) {
		rc = rc ? rc : -EIO;
		fprintf(stderr, "blockwatch: writing stdout failed: %s\n", strerror(errno ? errno : EIO));
	}
	return rc;
}
