/* The one hash for in-memory tables keyed by data from a target or a
 * recording: FNV-1a from a per-process random seed, then a 64-bit
 * finaliser, so no crafted set of keys lands in one bucket on purpose. */
#ifndef BW_HASH_H
#define BW_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash_bytes(const void *p, size_t len);
uint64_t hash_u64(uint64_t v);

#endif
