/* Placeholder until `blockwatch futures` lands; replaced by its implementation. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_futures(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "blockwatch: 'futures' is not available in this build\n");
	return 1;
}
