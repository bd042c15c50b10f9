/* argp with one-line errors: argp normally follows an error with a "Try
 * --help" paragraph; blockwatch promises one clear line per error. */
#ifndef BW_ARGP_ONELINE_H
#define BW_ARGP_ONELINE_H

#include <argp.h>
#include <errno.h>
#include <stdio.h>

extern FILE *cli_err_stream;

/* Parses argv; on a usage error prints its first line to stderr and
 * returns 2 (the caller exits with it). --help/--version exit as usual. */
int cli_argp_parse(const struct argp *argp, int argc, char **argv, void *input);

/* In a parser: report a bad value and stop parsing. */
#define CLI_FAIL(state, ...)                      \
	do {                                      \
		argp_error((state), __VA_ARGS__); \
		return EINVAL;                    \
	} while (0)

/* In a parser's switch: route argp's messages into our capture. */
#define CLI_KEY_INIT_CASE(state)                                   \
	case ARGP_KEY_INIT:                                        \
		if (cli_err_stream)                                \
			(state)->err_stream = cli_err_stream;      \
		return 0

#endif
