/* Address -> (CU, function DIE, inline chain) index over one module's
 * DWARF, built lazily. We do not rely on .debug_aranges nor on
 * dwarf_getscopes: rustc emits aranges for only some CUs (libdw then picks
 * a wrong CU) and dwarf_getscopes misses functions in some Rust CUs.
 * Instead: CU ranges from each CU DIE (cheap: CU DIEs only), and per CU, on
 * first use, the ranges of its concrete subprograms. */
#ifndef BW_DWARF_INDEX_H
#define BW_DWARF_INDEX_H

#include <stdint.h>

#include <elfutils/libdw.h>

struct bw_dwarf_index;

struct bw_dwarf_index *dwarf_index__new(Dwarf *dw);
void dwarf_index__free(struct bw_dwarf_index *idx); /* NULL-safe */

/* addr is a DWARF address (module address minus the DWARF bias). Fills
 * cu (always, when a CU covers addr) and fn (when a function does).
 * Returns 2 when fn was found, 1 for the CU only, 0 for nothing. */
int dwarf_index__lookup(struct bw_dwarf_index *idx, uint64_t addr, Dwarf_Die *cu, Dwarf_Die *fn);

/* The chain of DW_TAG_inlined_subroutine DIEs inside fn that contain addr,
 * outermost first. Returns how many were written to chain[0..max). */
int dwarf_index__inline_chain(Dwarf_Die *fn, uint64_t addr, Dwarf_Die *chain, int max);

#endif
