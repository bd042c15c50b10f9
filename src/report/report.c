#include "report/report.h"

#include <errno.h>
#include <string.h>

#include "output/output.h"

static const char *const names[REPORT_NR] = {
	[REPORT_TEXT] = "text",         [REPORT_JSON] = "json",
	[REPORT_FOLDED] = "folded",     [REPORT_PPROF] = "pprof",
	[REPORT_PERFETTO] = "perfetto", [REPORT_HTML] = "html",
};

int report_format__parse(const char *name)
{
	for (int i = 0; i < REPORT_NR; i++)
		if (name && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *report_format__name(enum report_format f)
{
	return (unsigned)f < REPORT_NR ? names[f] : "unknown";
}

const char *report_format__list(void)
{
	return "text|json|folded|pprof|perfetto|html";
}

bool report_format__needs_events(enum report_format f)
{
	return f != REPORT_TEXT && f != REPORT_JSON;
}

int report_runtime_frames__parse(const char *name)
{
	static const char *const modes[REPORT_RUNTIME_NR] = {
		[REPORT_RUNTIME_COLLAPSED] = "collapsed",
		[REPORT_RUNTIME_FULL] = "full",
	};

	for (int i = 0; i < REPORT_RUNTIME_NR; i++)
		if (name && strcmp(name, modes[i]) == 0)
			return i;
	return -1;
}

int report__write(const struct report_opts *o, const struct bw_recording *r, FILE *out)
{
	int rc = 0;

	switch (o->format) {
	case REPORT_TEXT:
		/* the same summary trace prints, from the rebuilt snapshot */
		summary_text__write(out, r->snap);
		break;
	case REPORT_JSON:
		summary_json__write(out, r->snap);
		break;
	case REPORT_FOLDED:
		rc = report_folded__write(out, r, o);
		break;
	case REPORT_PPROF:
		rc = report_pprof__write(out, r, o);
		break;
	case REPORT_PERFETTO:
		rc = report_perfetto__write(out, r, o);
		break;
	case REPORT_HTML:
		rc = report_html__write(out, r, o);
		break;
	default:
		return -EINVAL;
	}
	if (!rc && (fflush(out) || ferror(out)))
		rc = -(errno ? errno : EIO);
	return rc;
}
