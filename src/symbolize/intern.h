/* String interning: one copy of each distinct string, stable pointers that
 * live until the pool is freed. Frames hand out these pointers so callers
 * never free names and equal strings compare equal by pointer. */
#ifndef BW_INTERN_H
#define BW_INTERN_H

#include <stddef.h>

struct bw_intern;

struct bw_intern *intern__new(void);
void intern__free(struct bw_intern *pool); /* NULL-safe */
/* Returns the pooled copy of s[0..len), or NULL on allocation failure. */
const char *intern__strn(struct bw_intern *pool, const char *s, size_t len);
const char *intern__str(struct bw_intern *pool, const char *s); /* NULL -> NULL */
size_t intern__count(const struct bw_intern *pool);

#endif
