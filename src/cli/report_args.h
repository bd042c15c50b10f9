/* The report-format option shared by trace, top and report (-f FMT). */
#ifndef BW_REPORT_ARGS_H
#define BW_REPORT_ARGS_H

#include <argp.h>

/* Parses FMT into *format (enum report_format). 0, or EINVAL after argp_error. */
error_t report_args__format(struct argp_state *state, const char *arg, int *format);

#endif
