/* Growing a heap array by doubling: the one helper for the "n == cap, realloc"
 * pattern. */
#ifndef BW_ARRAY_H
#define BW_ARRAY_H

#include <stddef.h>

/* Makes room for element n (n < *cap afterwards), doubling from 16.
 * Returns 0 or -ENOMEM (the array is left as it was). */
int array_grow(void **arr, int n, int *cap, size_t elem_size);

#endif
