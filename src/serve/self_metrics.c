#include "serve/self_metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

/* Boot time (btime of /proc/stat), to turn a start time in ticks since boot
 * into seconds since the epoch. */
static uint64_t boot_time_s(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	unsigned long long bt = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

static void read_stat(struct self_metrics *m)
{
	unsigned long long utime, stime, start, vsize;
	long long rss;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/stat", "re");
	char buf[1024], *p;

	if (!f)
		return;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* the command name may hold spaces and parentheses: fields start
	 * after the last ')' */
	if (!p || !(p = strrchr(buf, ')')))
		return;
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   &utime, &stime, &start, &vsize, &rss) != 5 || tick <= 0)
		return;
	m->cpu_ns = (utime + stime) * (1000000000ULL / (unsigned long long)tick);
	m->vm_bytes = vsize;
	m->rss_bytes = rss > 0 ? (uint64_t)rss * (uint64_t)page : 0;
	m->start_time_s = boot_time_s() + start / (unsigned long long)tick;
}

static uint64_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n ? n - 1 : 0; /* not the one opendir holds */
}

void self_metrics__read(struct self_metrics *m)
{
	struct rlimit rl;

	memset(m, 0, sizeof(*m));
	read_stat(m);
	m->open_fds = count_fds();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		m->max_fds = rl.rlim_cur;
}
