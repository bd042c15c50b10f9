/* Placeholder until `blockwatch record` lands; replaced by its implementation. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "blockwatch: 'record' is not available in this build\n");
	return 1;
}
