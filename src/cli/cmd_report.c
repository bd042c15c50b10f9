/* Placeholder until `blockwatch report` lands; replaced by its implementation. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "blockwatch: 'report' is not available in this build\n");
	return 1;
}
