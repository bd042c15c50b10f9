/* Fuzzes the /proc/PID/maps parser (the unwinder's view of a process). */
#include <stdint.h>
#include <stdio.h>

#include "unwind/process_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct bw_mapping *maps = NULL;
	FILE *f = fmemopen((void *)data, len, "r");
	int n = 0;

	if (!f || !len) {
		if (f)
			fclose(f);
		return 0;
	}
	if (maps__parse(f, &maps, &n) == 0)
		maps__free(maps, n);
	fclose(f);
	return 0;
}
