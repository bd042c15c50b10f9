/* Parser for the /proc/PID/maps format (also used for saved copies). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process_internal.h"

static int parse_line(char *line, struct bw_mapping *m)
{
	unsigned long long start, end, offset, inode;
	char perms[8];
	int path_at = 0;
	size_t len;

	memset(m, 0, sizeof(*m));
	m->module = -1;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &offset,
		   &m->dev_major, &m->dev_minor, &inode, &path_at) < 7)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->offset = offset;
	m->inode = inode;
	snprintf(m->perms, sizeof(m->perms), "%.4s", perms);

	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
		line[--len] = '\0';
	if (path_at <= 0 || (size_t)path_at >= len)
		return 0; /* anonymous */
	/* The kernel appends " (deleted)" when the file was unlinked or
	 * replaced after mapping; the bytes live on through map_files. */
	if (len - path_at > 10 && strcmp(line + len - 10, " (deleted)") == 0) {
		m->deleted = true;
		line[len - 10] = '\0';
	}
	m->path = strdup(line + path_at);
	return m->path ? 0 : -ENOMEM;
}

int maps__parse(FILE *f, struct bw_mapping **out, int *n)
{
	struct bw_mapping *maps = NULL;
	int count = 0, cap = 0, err = 0;
	char *line = NULL;
	size_t linecap = 0;

	while (getline(&line, &linecap, f) > 0) {
		if (count == cap) {
			int ncap = cap ? cap * 2 : 64;
			struct bw_mapping *nm = realloc(maps, ncap * sizeof(*maps));

			if (!nm) {
				err = -ENOMEM;
				goto cleanup;
			}
			maps = nm;
			cap = ncap;
		}
		if (parse_line(line, &maps[count]) == 0)
			count++;
	}
cleanup:
	free(line);
	if (err) {
		maps__free(maps, count);
		return err;
	}
	*out = maps;
	*n = count;
	return 0;
}

void maps__free(struct bw_mapping *maps, int n)
{
	for (int i = 0; i < n; i++)
		free(maps[i].path);
	free(maps);
}
