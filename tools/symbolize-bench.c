/* symbolize-bench: cost of the first (cold) symbolization of a binary and
 * of a cached lookup.
 *
 *   symbolize-bench SNAPSHOT_DIR [ITERATIONS]   replay a stack snapshot
 *   symbolize-bench --elf BINARY [N]            N function addresses of BINARY
 *
 * Cold: a fresh process object symbolizes (loading symtab, the CU index,
 * line tables and DIEs of the CUs it touches). Cached: the same pcs again. */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "symbolize/symbolize.h"
#include "unwind/snapshot.h"

#define BASE 0x555555554000ULL

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cached_loop(struct bw_process *proc, const uint64_t *pcs, int n, long iters)
{
	struct bw_frame frames[64];
	volatile int sink = 0;
	double t0 = now_s(), t1;

	for (long it = 0; it < iters; it++)
		for (int i = 0; i < n; i++)
			sink += process__symbolize(proc, pcs[i], i > 0, frames, 64);
	t1 = now_s();
	printf("cached lookup: %.1f ns per pc (%ld x %d)\n", (t1 - t0) * 1e9 / ((double)iters * n),
	       iters, n);
}

static int bench_snapshot(const char *dir, long iters)
{
	struct bw_frame frames[64];
	struct bw_snapshot snap;
	struct bw_process *proc;
	enum unwind_stop why;
	uint64_t pcs[128];
	double t0, t1, t2, t3;
	int n, nframes = 0;

	if (snapshot__read(dir, &snap) < 0)
		return 2;
	t0 = now_s();
	proc = process__new_from_maps(snap.sample.pid, snap.maps_path, NULL);
	if (!proc)
		return 1;
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
	cached_loop(proc, pcs, n, iters);
	t0 = now_s();
	for (int i = 0; i < 1000; i++)
		process__unwind(proc, &snap.sample, pcs, 128, &why);
	t1 = now_s();
	printf("unwind (warm): %.1f us per sample\n", (t1 - t0) * 1e6 / 1000);
	process__free(proc);
	snapshot__release(&snap);
	return 0;
}

/* A maps file that places the PT_LOAD segments of bin at BASE, as the
 * loader would, so the binary can be symbolized without running it. */
static int write_maps(Elf *elf, const char *bin, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t phnum;

	if (!f || elf_getphdrnum(elf, &phnum) != 0)
		return -1;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t s, e;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		s = BASE + (ph.p_vaddr & ~0xfffULL);
		e = BASE + ((ph.p_vaddr + ph.p_memsz + 0xfff) & ~0xfffULL);
		fprintf(f, "%llx-%llx %c%c%cp %08llx 00:00 1 %s\n", (unsigned long long)s,
			(unsigned long long)e, 'r', ph.p_flags & PF_W ? 'w' : '-',
			ph.p_flags & PF_X ? 'x' : '-', (unsigned long long)(ph.p_offset & ~0xfffULL),
			bin);
	}
	fclose(f);
	return 0;
}

static int bench_elf(const char *bin, int want)
{
	char maps[] = "/tmp/symbench-maps-XXXXXX";
	struct bw_frame frames[64];
	struct bw_process *proc;
	Elf_Scn *scn = NULL;
	uint64_t *pcs = calloc(want, sizeof(*pcs));
	int fd = open(bin, O_RDONLY), n = 0, total = 0, nframes = 0, tmp;
	double t0, t1, t2;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	tmp = mkstemp(maps);
	if (!elf || !pcs || tmp < 0 || write_maps(elf, bin, maps) < 0)
		return 1;
	close(tmp);
	/* every k-th function symbol, spread over the whole binary */
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;

			if (gelf_getsym(d, i, &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
			    sym.st_value && sym.st_size > 4)
				total++;
		}
		for (size_t i = 0, k = 0; i < sh.sh_size / sh.sh_entsize && n < want; i++) {
			GElf_Sym sym;

			if (!gelf_getsym(d, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_value || sym.st_size <= 4)
				continue;
			if (k++ % (total / want + 1) == 0)
				pcs[n++] = BASE + sym.st_value + sym.st_size / 2;
		}
	}
	t0 = now_s();
	proc = process__new_from_maps(1, maps, NULL);
	t1 = now_s();
	if (!proc || !n)
		return 1;
	nframes += process__symbolize(proc, pcs[0], false, frames, 64);
	t2 = now_s();
	for (int i = 1; i < n; i++)
		nframes += process__symbolize(proc, pcs[i], false, frames, 64);
	printf("%s: %d function symbols, %d sampled, %d modules\n", bin, total, n,
	       process__module_count(proc));
	printf("process load: %.3f ms\n", (t1 - t0) * 1e3);
	printf("first symbolization (cold binary): %.3f ms\n", (t2 - t1) * 1e3);
	printf("next %d misses: %.3f ms total, %.1f us each (%d frames)\n", n - 1,
	       (now_s() - t2) * 1e3, (now_s() - t2) * 1e6 / (n > 1 ? n - 1 : 1), nframes);
	cached_loop(proc, pcs, n, 20000);
	process__free(proc);
	if (!getenv("KEEP"))
		unlink(maps);
	elf_end(elf);
	close(fd);
	free(pcs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--elf") == 0) {
		char *abs = realpath(argv[2], NULL); /* maps paths are absolute */

		return abs ? bench_elf(abs, argc > 3 ? atoi(argv[3]) : 1000) : 1;
	}
	if (argc >= 2 && argv[1][0] != '-')
		return bench_snapshot(argv[1], argc > 2 ? atol(argv[2]) : 1000000);
	fprintf(stderr, "usage: symbolize-bench SNAPSHOT_DIR [ITERATIONS] | --elf BINARY [N]\n");
	return 2;
}
