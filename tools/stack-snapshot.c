/* stack-snapshot: run a command, wait until one of its threads sleeps in a
 * chosen syscall, and save that thread's registers, 16 KiB of its stack and
 * the process maps as a snapshot directory (src/unwind/snapshot.h).
 *
 *   stack-snapshot [-s NR[,NR...]] [-t SECONDS] OUTDIR -- CMD [ARGS...]
 *
 * The child is our own, so ptrace needs no privileges (Yama allows tracing
 * descendants). The thread is stopped with PTRACE_SEIZE + PTRACE_INTERRUPT
 * while we copy, so registers and stack bytes belong to the same moment.
 * This is what the BPF side captures at syscall exit, taken from outside. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unwind/snapshot.h"

static bool wanted(long nr, const long *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == nr)
			return true;
	return false;
}

/* First thread of pid whose /proc syscall line starts with a wanted nr. */
static pid_t find_thread(pid_t pid, const long *set, int n, long *nr_out)
{
	char path[512], line[512];
	struct dirent *de;
	pid_t found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while (!found && (de = readdir(d))) {
		FILE *f;
		long nr;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", pid, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "%ld", &nr) == 1 &&
		    wanted(nr, set, n)) {
			found = atoi(de->d_name);
			*nr_out = nr;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static char *read_all(const char *path, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	FILE *f = fopen(path, "re");
	size_t got;

	if (!buf || !f) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

/* End of the mapping holding sp, so the copy never crosses into a gap. */
static uint64_t mapping_end(const char *maps, uint64_t addr)
{
	const char *p = maps;

	while (p && *p) {
		unsigned long long s, e;

		if (sscanf(p, "%llx-%llx", &s, &e) == 2 && addr >= s && addr < e)
			return e;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return addr;
}

static void to_dwarf(const struct user_regs_struct *r, uint64_t *d)
{
	const unsigned long long v[BW_NREGS] = {
		r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi, r->rbp, r->rsp, r->r8,
		r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip,
	};

	for (int i = 0; i < BW_NREGS; i++)
		d[i] = v[i];
}

static int usage(void)
{
	fprintf(stderr, "usage: stack-snapshot [-s NR[,NR...]] [-t SECONDS] OUTDIR -- CMD [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	long set[16] = { 35, 230 }; /* nanosleep, clock_nanosleep */
	int nset = 2, timeout = 30, opt, status, rc = 1;
	struct user_regs_struct regs;
	struct bw_stack_sample s = { 0 };
	uint8_t stack[BW_STACK_BYTES];
	char path[128], comm[32] = "";
	char *maps = NULL;
	size_t maps_len = 0;
	struct timespec t0, t;
	pid_t child, tid = 0;
	long nr = -1;
	const char *out;

	while ((opt = getopt(argc, argv, "s:t:")) != -1) {
		if (opt == 's') {
			char *p = optarg;

			for (nset = 0; nset < 16 && *p; nset++) {
				set[nset] = strtol(p, &p, 10);
				if (*p == ',')
					p++;
			}
		} else if (opt == 't') {
			timeout = atoi(optarg);
		} else {
			return usage();
		}
	}
	if (optind + 1 >= argc)
		return usage();
	out = argv[optind++];
	if (strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return usage();

	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "stack-snapshot: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "stack-snapshot: %s exited before sleeping\n", argv[optind]);
			return 1;
		}
		tid = find_thread(child, set, nset, &nr);
		if (tid > 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > timeout) {
			fprintf(stderr, "stack-snapshot: no thread entered the syscall in %d s\n", timeout);
			goto cleanup;
		}
		usleep(10000);
	}
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0 || ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 ||
	    waitpid(tid, &status, __WALL) != tid) {
		fprintf(stderr, "stack-snapshot: cannot stop thread %d: %s\n", tid, strerror(errno));
		goto cleanup;
	}
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0) {
		fprintf(stderr, "stack-snapshot: PTRACE_GETREGS: %s\n", strerror(errno));
		goto cleanup;
	}
	to_dwarf(&regs, s.regs);
	s.pid = child;
	s.tid = tid;
	snprintf(path, sizeof(path), "/proc/%d/maps", child);
	maps = read_all(path, &maps_len);
	if (!maps)
		goto cleanup;
	{
		uint64_t sp = s.regs[BW_REG_SP], end = mapping_end(maps, sp);
		size_t want = end - sp < sizeof(stack) ? end - sp : sizeof(stack);
		struct iovec local = { stack, want }, remote = { (void *)sp, want };
		ssize_t got = process_vm_readv(child, &local, 1, &remote, 1, 0);

		if (got <= 0) {
			fprintf(stderr, "stack-snapshot: reading the stack: %s\n", strerror(errno));
			goto cleanup;
		}
		s.stack = stack;
		s.stack_len = got;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", child, tid);
	{
		FILE *f = fopen(path, "re");

		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	if (snapshot__write(out, &s, (int)nr, comm, maps, maps_len) < 0) {
		fprintf(stderr, "stack-snapshot: cannot write %s\n", out);
		goto cleanup;
	}
	printf("stack-snapshot: pid %d tid %d syscall %ld sp %#llx stack %zu bytes -> %s\n", child,
	       tid, nr, (unsigned long long)s.regs[BW_REG_SP], s.stack_len, out);
	rc = 0;
cleanup:
	free(maps);
	kill(child, SIGKILL);
	/* -1: the traced thread must be reaped too before the leader goes. */
	while (waitpid(-1, &status, __WALL) > 0 || errno == EINTR)
		;
	return rc;
}
