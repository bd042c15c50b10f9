/* Fuzzes what blockwatch reads from a target's binary: the ELF symbol
 * search, runtime detection, the debug-file lookup (debuglink, build-id),
 * the DWARF function index with inline chains, and the futures scan. The
 * input is written to a file first (these readers take paths). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize/code_layout.h"
#include "classify/runtime_detect.h"
#include "futures/scan.h"
#include "symbolize/debuginfo.h"
#include "symbolize/dwarf_index.h"
#include "symbolize/symbolize.h"

static void on_symbol(const char *name, uint64_t off, void *ctx)
{
	(void)name;
	(void)off;
	(*(int *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char path[64];
	const char *pat[] = { "tokio::", "main", "std::thread::sleep" };
	struct runtime_match m;
	struct debuginfo *d;
	char err[512];
	int fd, n = 0;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/bw-fuzz-elf-%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return 0;
	}
	close(fd);
	elf_find_symbols(path, pat, 3, on_symbol, &n);
	{
		uint64_t field;

		code_field_locked_through(data, len, &field); /* machine code is input too */
	}
	runtime_detect(path, &m);
	d = debuginfo__open(path, NULL, err, sizeof(err));
	if (d) {
		struct bw_dwarf_index *idx = dwarf_index__new(debuginfo__dwarf(d));
		struct future_list list = {};

		for (uint64_t a = 0; idx && a < 0x10000; a += 0x401) {
			Dwarf_Die cu, fn, chain[16];

			if (dwarf_index__lookup(idx, a, &cu, &fn) == 1)
				dwarf_index__inline_chain(&fn, a, chain, 16);
		}
		dwarf_index__free(idx);
		futures_scan(debuginfo__dwarf(d), &list);
		future_list__free(&list);
		debuginfo__free(d);
	}
	return 0;
}
