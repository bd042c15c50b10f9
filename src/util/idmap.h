/* An integer-keyed hash map (open addressing, grows by doubling): key ->
 * index into a caller's array. Lookups and inserts are O(1) whatever the
 * keys, so records keyed by pid/tid cost linear time in total. */
#ifndef BW_IDMAP_H
#define BW_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap__new(void);
void idmap__free(struct idmap *m); /* NULL-safe */
/* The value stored for key, or -1. */
long idmap__get(const struct idmap *m, uint64_t key);
/* Inserts or replaces; value >= 0. Returns 0 or -ENOMEM. */
int idmap__put(struct idmap *m, uint64_t key, long value);
size_t idmap__size(const struct idmap *m);

#endif
