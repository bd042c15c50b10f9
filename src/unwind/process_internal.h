/* The per-process state shared by the unwinder and the symbolizer. Only
 * src/unwind and src/symbolize include this; everyone else sees the opaque
 * struct bw_process from unwind.h. */
#ifndef BW_PROCESS_INTERNAL_H
#define BW_PROCESS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <elfutils/libdwfl.h>

#include "unwind.h"

struct bw_intern;
struct bw_symcache;
struct bw_dwarf_index;

/* One line of /proc/PID/maps. */
struct bw_mapping {
	uint64_t start, end, offset, inode;
	unsigned int dev_major, dev_minor;
	char perms[5];
	bool deleted;  /* "(deleted)" suffix */
	char *path;    /* NULL for anonymous mappings; "[stack]" etc kept */
	int module;    /* index into bw_process.modules, -1 if none */
};

/* One ELF object mapped into the process (all its mappings together). */
struct bw_module {
	const char *name;      /* path as in maps (interned) */
	char *file;            /* path we open: via root, map_files, ... */
	uint64_t start, end;   /* span reported to libdwfl */
	uint64_t bias;         /* load bias: runtime address - ELF vaddr */
	uint64_t inode;
	Dwfl_Module *dwmod;    /* NULL when the file could not be read as ELF */
	const char *build_id;  /* hex, interned; NULL if none */
	bool build_id_done;
	int cfi;               /* -1 unknown, 0 none, 1 present */
	/* DWARF lookup index (src/symbolize/dwarf_index.h), built on the
	 * first symbolization; moves with the module across refreshes. */
	struct bw_dwarf_index *dwidx;
	uint64_t dwbias;
	bool dwidx_done;
};

struct bw_process {
	pid_t pid;
	bool live;           /* reads /proc/PID; false when built from a saved maps file */
	char *maps_path;     /* file re-read by process__refresh */
	char *root;          /* prefix for file paths (container root or replay root) */
	char *debuginfo_path; /* libdwfl debuginfo search path */

	Dwfl_Callbacks callbacks; /* must outlive dwfl */
	Dwfl *dwfl;
	bool attached;       /* dwfl_attach_state done */

	struct bw_mapping *maps;
	int nmaps;
	struct bw_module *modules;
	int nmodules;

	struct bw_intern *strings;
	struct bw_symcache *symcache;

	/* Unwind of the current sample: read by the libdwfl callbacks. */
	const struct bw_stack_sample *cur;
	bool cur_oob;        /* a memory read fell outside copy and files */
	bool cur_partial;    /* only sp and ip are valid */

	uint64_t refreshes;
	uint64_t last_auto_refresh_ns; /* rate limit for refresh on unknown pcs */
	uint64_t stops[UNWIND_STOP_NR];
	uint64_t unwinds;
};

/* maps.c */
int maps__parse(FILE *f, struct bw_mapping **out, int *n);
void maps__free(struct bw_mapping *maps, int n);

/* process.c */
struct bw_module *process__module_at(struct bw_process *proc, uint64_t addr);
/* Refresh at most every 100 ms when a pc hits no module (new mmap/dlopen). */
bool process__maybe_refresh(struct bw_process *proc);
const struct bw_mapping *process__mapping_at(const struct bw_process *proc, uint64_t addr);
const char *process__module_build_id(struct bw_process *proc, struct bw_module *mod);

/* symbolize/dwarf_index.c */
void dwarf_index__free(struct bw_dwarf_index *idx);

/* symbolize.c: per-process symbol cache lifecycle */
struct bw_symcache *symcache__new(void);
void symcache__free(struct bw_symcache *cache);

#endif
