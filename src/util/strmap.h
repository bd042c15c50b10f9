/* A small string-keyed hash map (chained, grows by doubling). Keys are
 * copied; values are opaque pointers owned by the caller. */
#ifndef BW_STRMAP_H
#define BW_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap__new(void);
void strmap__free(struct strmap *m); /* NULL-safe; does not free values */
void *strmap__get(const struct strmap *m, const char *key);
int strmap__put(struct strmap *m, const char *key, void *value);
size_t strmap__size(const struct strmap *m);
/* Visits every entry in unspecified order. */
void strmap__foreach(const struct strmap *m, void (*fn)(const char *key, void *value, void *ctx),
		     void *ctx);

#endif
