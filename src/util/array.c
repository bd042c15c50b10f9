#include "util/array.h"

#include <errno.h>
#include <stdlib.h>

int array_grow(void **arr, int n, int *cap, size_t elem_size)
{
	void *p;
	int c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*arr, (size_t)c * elem_size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}
