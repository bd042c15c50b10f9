/* Turning program counters into named frames: ELF symbols, DWARF lines,
 * inline chains, Rust/C++ demangling. Contract used by the ingest stage. */
#ifndef BW_SYMBOLIZE_H
#define BW_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

struct bw_process;

/* One logical frame. Strings are interned and live as long as the process
 * object that produced them; never free them. NULL when unknown. */
struct bw_frame {
	uint64_t pc;
	const char *function; /* demangled, hash stripped; NULL if no symbol */
	const char *file;     /* source path as recorded in DWARF */
	int line;             /* 0 if unknown */
	bool inlined;         /* true for frames expanded from an inline chain */
	const char *module;   /* path of the ELF object */
	uint64_t module_offset; /* pc relative to the module's load bias */
	const char *build_id; /* hex, NULL if none */
};

/* Resolve one pc into its inline chain, innermost first. is_return: pc is a
 * return address (look up pc-1). Returns frames written (>= 1; an unknown
 * pc gives one frame with function == NULL and module/offset filled when
 * known), or negative errno. */
int process__symbolize(struct bw_process *proc, uint64_t pc, bool is_return,
		       struct bw_frame *out, int max);

/* Address of a symbol whose demangled name contains `pattern` in the given
 * ELF file; used to place uprobes. Calls cb for every match with the file
 * offset suitable for uprobe attach. Returns matches or negative errno. */
typedef void (*symbol_match_cb)(const char *name, uint64_t file_offset, void *ctx);
int elf_find_symbols(const char *elf_path, const char *const *patterns, int npatterns,
		     symbol_match_cb cb, void *ctx);

/* --- additions (issue 4) --- */

/* Bodies the linker folded (one address, several function symbols) are
 * renamed after the alias the caller's frames show was called: a trait's
 * implementation when the caller is inside that trait's method. frames: a
 * resolved stack, innermost first. */
void process__name_folded_bodies(struct bw_process *proc, struct bw_frame *frames, int n);

/* Symbol cache counters of one process object. */
void process__symbolize_stats(const struct bw_process *proc, uint64_t *hits, uint64_t *misses);

#endif
