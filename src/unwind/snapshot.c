/* Reading and writing stack snapshot directories (format in snapshot.h).
 * Plain text for the small parts so a snapshot can be inspected by eye. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snapshot.h"

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (len && fwrite(data, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

int snapshot__write(const char *dir, const struct bw_stack_sample *s, int syscall_nr,
		    const char *comm, const char *maps_text, size_t maps_len)
{
	char info[1024];
	int len, err;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	len = snprintf(info, sizeof(info), "pid %d\ntid %d\nsyscall %d\ncomm %s\nregs",
		       s->pid, s->tid, syscall_nr, comm ? comm : "");
	for (int i = 0; i < BW_NREGS; i++)
		len += snprintf(info + len, sizeof(info) - len, " %llx",
				(unsigned long long)s->regs[i]);
	len += snprintf(info + len, sizeof(info) - len, "\n");
	err = write_file(dir, "info", info, len);
	if (!err)
		err = write_file(dir, "stack", s->stack, s->stack_len);
	if (!err)
		err = write_file(dir, "maps", maps_text, maps_len);
	return err;
}

static int read_info(const char *path, struct bw_snapshot *out)
{
	char line[1024];
	int nregs = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "pid %d", &out->sample.pid) == 1 ||
		    sscanf(line, "tid %d", &out->sample.tid) == 1 ||
		    sscanf(line, "syscall %d", &out->syscall_nr) == 1)
			continue;
		if (strncmp(line, "comm ", 5) == 0) {
			snprintf(out->comm, sizeof(out->comm), "%.16s", line + 5);
			continue;
		}
		if (strncmp(line, "regs", 4) != 0)
			continue;
		p = line + 4;
		for (nregs = 0; nregs < BW_NREGS; nregs++) {
			char *end;

			out->sample.regs[nregs] = strtoull(p, &end, 16);
			if (end == p)
				break;
			p = end;
		}
	}
	fclose(f);
	return nregs == BW_NREGS ? 0 : -EINVAL;
}

int snapshot__read(const char *dir, struct bw_snapshot *out)
{
	char path[PATH_MAX];
	struct stat st;
	FILE *f;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/info", dir);
	err = read_info(path, out);
	if (err)
		return err;
	snprintf(out->maps_path, sizeof(out->maps_path), "%s/maps", dir);
	snprintf(path, sizeof(path), "%s/stack", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || !(out->stack_buf = malloc(st.st_size ? st.st_size : 1))) {
		fclose(f);
		return -ENOMEM;
	}
	out->sample.stack_len = fread(out->stack_buf, 1, st.st_size, f);
	out->sample.stack = out->stack_buf;
	fclose(f);
	return 0;
}

void snapshot__release(struct bw_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->stack_buf);
	snap->stack_buf = NULL;
	snap->sample.stack = NULL;
}
