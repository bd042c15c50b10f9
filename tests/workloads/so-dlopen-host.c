/* Host program that loads bw-service-lib with dlopen once it has run for a
 * while, the way Python loads an extension module: the runtime appears in
 * the process long after it started (and after blockwatch first looked).
 * Prints the same ground truth as so-host. */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned int (*run)(void), (*line)(void), calls;
	void *lib;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/libbw_service_lib.so\n", argv[0]);
		return 2;
	}
	usleep(400000); /* longer than blockwatch's refresh: it has scanned us by now */
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	*(void **)&run = dlsym(lib, "bw_service_run");
	*(void **)&line = dlsym(lib, "bw_service_blocking_line");
	if (!run || !line) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	calls = run();
	printf("{\"file\": \"bw-service-lib/src/lib.rs\", \"line\": %u, \"count\": %u}\n", line(), calls);
	return 0;
}
