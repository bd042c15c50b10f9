#include "report/output_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"

int report_output__write(const char *path, enum report_format f, const struct bw_snapshot *s,
			 struct report_session *session)
{
	FILE *out = stdout;
	int rc = 0;

	if (path) {
		out = fopen(path, "w");
		if (!out) {
			fprintf(stderr, "blockwatch: cannot write %s: %s\n", path, strerror(errno));
			return -errno;
		}
	}
	if (session) {
		rc = report_session__write(session, s, f, out);
		if (rc < 0)
			fprintf(stderr, "blockwatch: writing the %s report failed: %s\n",
				report_format__name(f), strerror(-rc));
	} else if (f == REPORT_JSON) {
		summary_json__write(out, s);
	} else {
		summary_text__write(out, s);
	}
	if (fflush(out) || ferror(out))
		rc = rc ? rc : -EIO;
	if (out != stdout && fclose(out) && !rc)
		rc = -EIO;
	if (rc == -EIO)
		fprintf(stderr, "blockwatch: writing %s failed: %s\n", path ? path : "stdout",
			strerror(errno ? errno : EIO));
	return rc;
}
