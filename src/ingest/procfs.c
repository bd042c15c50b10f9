#include "ingest/procfs.h"
#include "util/strmap.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

bool proc_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return pid > 0 && access(path, F_OK) == 0;
}

uint64_t proc_vm_pages(pid_t pid)
{
	char path[64];
	unsigned long long pages = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &pages) != 1)
		pages = 0;
	fclose(f);
	return pages;
}

static int list_numeric_dir(const char *dir, pid_t *out, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max)
		if (isdigit((unsigned char)e->d_name[0]))
			out[n++] = (pid_t)atoi(e->d_name);
	closedir(d);
	return n;
}

int proc_list_threads(pid_t pid, pid_t *tids, int max)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	return list_numeric_dir(path, tids, max);
}

int proc_list_pids(pid_t *pids, int max)
{
	return list_numeric_dir("/proc", pids, max);
}

static ssize_t read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

int proc_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	n = read_small_file(path, buf, len);
	if (n < 0) {
		buf[0] = 0;
		return (int)n;
	}
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int proc_exe(pid_t pid, char *buf, size_t len)
{
	char link[64], target[PATH_MAX];
	struct stat st_ns_self, st_ns_target;
	char ns_self[64], ns_target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		buf[0] = 0;
		return -errno;
	}
	target[n] = 0;
	/* A process in another mount namespace names paths in its own tree. */
	snprintf(ns_self, sizeof(ns_self), "/proc/self/ns/mnt");
	snprintf(ns_target, sizeof(ns_target), "/proc/%d/ns/mnt", pid);
	if (stat(ns_self, &st_ns_self) == 0 && stat(ns_target, &st_ns_target) == 0 &&
	    st_ns_self.st_ino != st_ns_target.st_ino)
		snprintf(buf, len, "/proc/%d/root%s", pid, target);
	else
		snprintf(buf, len, "%s", target);
	return 0;
}

bool proc_is_kernel_thread(pid_t pid)
{
	char path[64], buf[1024], *end;
	unsigned long flags;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	/* "pid (comm) S ppid pgrp session tty_nr tpgid flags": after the last ')' */
	end = strrchr(buf, ')');
	if (!end || sscanf(end + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return flags & 0x00200000; /* PF_KTHREAD */
}

/* The state letter of /proc/PID/task/TID/stat, 0 when gone. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *end;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* "tid (comm) S ...": comm may contain spaces and parentheses */
	end = strrchr(buf, ')');
	return end && end[1] == ' ' ? end[2] : 0;
}

bool proc_thread_alive(pid_t pid, pid_t tid)
{
	char st = thread_state(pid, tid);

	return st && st != 'Z' && st != 'X';
}

bool proc_thread_sleeping(pid_t pid, pid_t tid)
{
	char st = thread_state(pid, tid);

	return st && st != 'R';
}

int proc_thread_syscall(pid_t pid, pid_t tid, long *nr, uint64_t *sp, uint64_t *pc)
{
	char path[64], buf[512];
	unsigned long long a[6], s, p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (strncmp(buf, "running", 7) == 0)
		return -EAGAIN;
	if (sscanf(buf, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", nr, &a[0], &a[1], &a[2],
		   &a[3], &a[4], &a[5], &s, &p) == 9) {
		*sp = s;
		*pc = p;
		return 0;
	}
	/* "-1 sp pc": blocked outside a syscall */
	if (sscanf(buf, "%ld %llx %llx", nr, &s, &p) == 3) {
		*sp = s;
		*pc = p;
		return 0;
	}
	return -EINVAL;
}

int proc_exec_mappings(pid_t pid, void (*fn)(const char *path, void *ctx), void *ctx)
{
	char path[64], line[PATH_MAX + 128], full[PATH_MAX + 32];
	struct strmap *seen = strmap__new();
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = seen ? fopen(path, "re") : NULL;
	if (!f) {
		strmap__free(seen);
		return seen ? -errno : -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		char perms[8] = "", *file;

		if (sscanf(line, "%*x-%*x %7s", perms) != 1 || perms[2] != 'x')
			continue;
		file = strchr(line, '/');
		if (!file)
			continue; /* anonymous, [vdso], ... */
		file[strcspn(file, "\n")] = 0;
		if (strmap__get(seen, file) || strmap__put(seen, file, (void *)1))
			continue;
		/* through the process's root: right inside containers too */
		snprintf(full, sizeof(full), "/proc/%d/root%s", pid, file);
		fn(full, ctx);
	}
	fclose(f);
	strmap__free(seen);
	return 0;
}

int proc_find_mapping(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end)
{
	char path[64], line[512];
	unsigned long long s, e;
	int rc = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && addr >= s && addr < e) {
			*start = s;
			*end = e;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

ssize_t proc_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	while (len >= 256) {
		struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

		if (n > 0)
			return n;
		if (errno == ESRCH || errno == EPERM)
			return -errno;
		len /= 2;
	}
	return -EFAULT;
}

int proc_thread_syscall_arg0(pid_t pid, pid_t tid, long *nr, uint64_t *arg0)
{
	char path[64], buf[512];
	unsigned long long a;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (sscanf(buf, "%ld %llx", nr, &a) != 2 || *nr < 0)
		return -EINVAL;
	*arg0 = a;
	return 0;
}
