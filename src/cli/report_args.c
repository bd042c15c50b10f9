#include "cli/report_args.h"

#include "cli/argp_oneline.h"
#include "report/report.h"

error_t report_args__format(struct argp_state *state, const char *arg, int *format)
{
	*format = report_format__parse(arg);
	if (*format < 0)
		CLI_FAIL(state, "bad format '%s': use %s", arg, report_format__list());
	return 0;
}
