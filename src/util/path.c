#include "util/path.h"

#include <stdio.h>
#include <string.h>

/* Drops the last component of out[0..*len) if it is a plain name (not
 * "..", not the root); returns whether it did. */
static int drop_last(char *out, size_t *len, size_t floor)
{
	size_t n = *len, start;

	if (n <= floor)
		return 0;
	start = n;
	while (start > floor && out[start - 1] != '/')
		start--;
	if (n - start == 2 && out[start] == '.' && out[start + 1] == '.')
		return 0;
	*len = start > floor ? start - 1 : start; /* the slash before it goes too */
	return 1;
}

char *path_join_tidy(const char *dir, const char *file, char *out, size_t size)
{
	char joined[4096];
	size_t len = 0, floor;
	const char *p;

	if (!size)
		return out;
	if (!file)
		file = "";
	if (file[0] == '/' || !dir || !*dir)
		snprintf(joined, sizeof(joined), "%s", file);
	else
		snprintf(joined, sizeof(joined), "%s/%s", dir, file);
	p = joined;
	floor = joined[0] == '/';
	if (floor && size > 1)
		out[len++] = '/';
	while (*p) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		/* "/.." is "/"; "name/.." is nothing */
		if (n == 2 && p[0] == '.' && p[1] == '.' &&
		    ((floor && len == floor) || drop_last(out, &len, floor))) {
			p += n;
			continue;
		}
		if (len > floor && len + 1 < size)
			out[len++] = '/';
		for (size_t i = 0; i < n && len + 1 < size; i++)
			out[len++] = p[i];
		p += n;
	}
	if (!len && size > 1)
		out[len++] = '.';
	out[len] = '\0';
	return out;
}
