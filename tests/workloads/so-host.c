/* Host program for bw-service-lib: an executable without any runtime of its
 * own that runs a Tokio service from a shared object, then prints the ground
 * truth as JSON (the .so's file, the blocking line and the call count). */
#include <stdio.h>

unsigned int bw_service_run(void);
unsigned int bw_service_blocking_line(void);

int main(void)
{
	unsigned int calls = bw_service_run();

	printf("{\"file\": \"bw-service-lib/src/lib.rs\", \"line\": %u, \"count\": %u}\n",
	       bw_service_blocking_line(), calls);
	return 0;
}
