/* Fuzzes the recording reader (every record type, the header, chunk
 * framing, damage recovery) and every report writer over what it read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "record/reader.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct bw_recording *r = NULL;
	char err[512];
	FILE *out;

	if (recording__read_mem(data, len, "fuzz.bw", &r, err, sizeof(err)) < 0)
		return 0;
	out = fopen("/dev/null", "w");
	for (int f = 0; out && f < REPORT_NR; f++)
		for (int m = 0; m < REPORT_RUNTIME_NR; m++)
			report__write(&(struct report_opts){ .format = f, .runtime_frames = m }, r, out);
	if (out)
		fclose(out);
	recording__free(r);
	return 0;
}
