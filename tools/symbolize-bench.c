/* symbolize-bench: cost of the first (cold) symbolization of a binary and
 * of a cached lookup, replaying a stack snapshot.
 *
 *   symbolize-bench SNAPSHOT_DIR [ITERATIONS]
 *
 * Cold: a fresh process object symbolizes the snapshot's stack (loads
 * symtab, aranges, line tables and scopes of the CUs it touches), then
 * every function symbol of the main binary once (one miss each).
 * Cached: the same pcs again, ITERATIONS times. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "symbolize/symbolize.h"
#include "unwind/snapshot.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long iters = argc > 2 ? atol(argv[2]) : 1000000;
	struct bw_frame frames[64];
	struct bw_snapshot snap;
	struct bw_process *proc;
	enum unwind_stop why;
	uint64_t pcs[128];
	double t0, t1, t2, t3;
	int n, nframes = 0;
	volatile int sink = 0;

	if (argc < 2 || snapshot__read(argv[1], &snap) < 0) {
		fprintf(stderr, "usage: symbolize-bench SNAPSHOT_DIR [ITERATIONS]\n");
		return 2;
	}
	t0 = now_s();
	proc = process__new_from_maps(snap.sample.pid, snap.maps_path, NULL);
	if (!proc) {
		fprintf(stderr, "symbolize-bench: cannot load %s\n", snap.maps_path);
		return 1;
	}
	t1 = now_s();
	n = process__unwind(proc, &snap.sample, pcs, 128, &why);
	t2 = now_s();
	for (int i = 0; i < n; i++)
		nframes += process__symbolize(proc, pcs[i], i > 0, frames, 64);
	t3 = now_s();
	printf("process load (maps + ELF headers): %.3f ms\n", (t1 - t0) * 1e3);
	printf("first unwind (%d pcs, stop %s): %.3f ms\n", n, unwind_stop__name(why),
	       (t2 - t1) * 1e3);
	printf("first symbolization of the stack (%d pcs -> %d frames, cold): %.3f ms\n", n,
	       nframes, (t3 - t2) * 1e3);

	t0 = now_s();
	for (long it = 0; it < iters; it++)
		for (int i = 0; i < n; i++)
			sink += process__symbolize(proc, pcs[i], i > 0, frames, 64);
	t1 = now_s();
	printf("cached lookup: %.1f ns per pc (%ld x %d)\n", (t1 - t0) * 1e9 / ((double)iters * n),
	       iters, n);

	t0 = now_s();
	for (int i = 0; i < 200; i++)
		process__unwind(proc, &snap.sample, pcs, 128, &why);
	t1 = now_s();
	printf("unwind (warm): %.1f us per sample\n", (t1 - t0) * 1e6 / 200);

	process__free(proc);
	snapshot__release(&snap);
	return sink < 0;
}
