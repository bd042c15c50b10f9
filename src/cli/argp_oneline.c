#include "cli/argp_oneline.h"

#include <stdlib.h>
#include <string.h>

FILE *cli_err_stream;

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage") || !strcmp(argv[i], "-V") ||
		    !strcmp(argv[i], "--version"))
			return 1;
	}
	return 0;
}

int cli_argp_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (wants_help(argc, argv))
		return argp_parse(argp, argc, argv, 0, NULL, input) ? 2 : 0;
	cli_err_stream = open_memstream(&buf, &len);
	rc = argp_parse(argp, argc, argv, ARGP_NO_EXIT, NULL, input);
	if (cli_err_stream)
		fclose(cli_err_stream);
	cli_err_stream = NULL;
	if (rc) {
		/* getopt has already printed unknown-option errors itself; then argp
		 * adds only its "Try --help" paragraph, which we drop */
		if (buf && strncmp(buf, "Try `", 5) == 0)
			;
		else if (buf && *buf)
			fprintf(stderr, "%.*s\n", (int)strcspn(buf, "\n"), buf);
		else
			fprintf(stderr, "blockwatch: bad arguments (%s); see --help\n", strerror(rc));
		free(buf);
		return 2;
	}
	free(buf);
	return 0;
}
