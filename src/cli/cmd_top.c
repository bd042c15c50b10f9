/* Placeholder until `blockwatch top` lands; replaced by its implementation. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "blockwatch: 'top' is not available in this build\n");
	return 1;
}
