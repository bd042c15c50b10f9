/* switch-storm: make threads context-switch as fast as they can, for the
 * blockwatch benchmark's loss test (tools/bench/run.sh, docs/PERFORMANCE.md).
 *
 *   switch-storm [-p PAIRS] [-d SECONDS] [-w SPIN_NS] [-m futex|pipe|syscall] [-c] [-s]
 *
 * PAIRS pairs of threads (default 2) hand a token back and forth: each side
 * wakes its peer and sleeps until the token comes back, so every hand-off is
 * one voluntary context switch of a sleeping thread (futex or pipe read).
 * -w busy-spins SPIN_NS after each hand-off, to dial the rate down. -c pins
 * pair i to CPU i % ncpu (both threads of a pair on one CPU: the fastest
 * switching there is, no cross-CPU wake-up IPI).
 *
 * -m syscall measures the other hot path instead: one thread per pair
 * (pinned like pairs with -c) calls getppid() in a loop, no switching; the
 * line then says ns_per_syscall (per thread: wall time / its calls).
 *
 * Prints one line when done (switches: the storm threads' own context
 * switches, voluntary + involuntary, from getrusage(RUSAGE_THREAD)):
 *   switch-storm pairs=2 seconds=5.00 handoffs=.. handoffs_per_s=.. switches=.. switches_per_s=..
 * Before the storm, once its threads (named storm-0, storm-1, ...) exist and
 * sleep, it prints "ready pid PID" (flushed). With -s it then waits for
 * SIGUSR1 before starting, so a tracer can attach to the threads first. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct pair {
	_Atomic int turn;      /* futex word: whose turn it is (0 or 1) */
	int pipes[2][2];       /* pipes[side] : written by the other side */
	unsigned long handoffs[2];
	long csw[2];            /* voluntary + involuntary switches of each side */
	int cpu;
	pthread_t th[2];
} __attribute__((aligned(64)));

static struct pair *pairs_base;

struct side {
	struct pair *p;
	int me;
};

static _Atomic int stop;
static int use_syscall;
static _Atomic int started; /* futex word: 1 once the storm may begin */
static int use_pipe;
static long spin_ns;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void spin(void)
{
	unsigned long long end;

	if (spin_ns <= 0)
		return;
	end = now_ns() + spin_ns;
	while (now_ns() < end)
		;
}

static long futex(_Atomic int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void *run_side(void *arg)
{
	struct side *s = arg;
	struct pair *p = s->p;
	int me = s->me, other = !me;
	char tok = 'x';
	char name[16];

	snprintf(name, sizeof(name), "storm-%d", (int)(p - pairs_base) * 2 + me);
	pthread_setname_np(pthread_self(), name);
	while (!atomic_load(&started))
		futex(&started, FUTEX_WAIT_PRIVATE, 0);
	if (p->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(p->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (use_syscall && me == 0 && !atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 64; i++)
			syscall(SYS_getppid);
		p->handoffs[me] += 64;
	}
	if (use_syscall)
		return NULL; /* side 1 of a pair is idle in this mode */
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (use_pipe) {
			if (me == 1 || p->handoffs[0] > 0 || p->handoffs[1] > 0) {
				if (read(p->pipes[me][0], &tok, 1) != 1)
					break;
			}
			if (atomic_load_explicit(&stop, memory_order_relaxed))
				tok = 's';
			if (write(p->pipes[other][1], &tok, 1) != 1 || tok == 's')
				break;
		} else {
			/* wait for my turn, sleeping in FUTEX_WAIT */
			while (atomic_load(&p->turn) != me) {
				if (atomic_load_explicit(&stop, memory_order_relaxed))
					goto out;
				futex(&p->turn, FUTEX_WAIT_PRIVATE, other);
			}
			atomic_store(&p->turn, other);
			futex(&p->turn, FUTEX_WAKE_PRIVATE, 1);
		}
		p->handoffs[me]++;
		spin();
	}
out:
	{
		struct rusage ru;

		if (!getrusage(RUSAGE_THREAD, &ru))
			p->csw[me] = ru.ru_nvcsw + ru.ru_nivcsw;
	}
	/* release the peer whichever way it sleeps */
	atomic_store(&p->turn, other);
	futex(&p->turn, FUTEX_WAKE_PRIVATE, 1);
	if (use_pipe)
		(void)!write(p->pipes[other][1], "s", 1);
	return NULL;
}


int main(int argc, char **argv)
{
	int npairs = 2, pin = 0, wait_sig = 0, opt, sig;
	sigset_t usr1;
	double seconds = 5;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long t0, t1;
	unsigned long total = 0, switches = 0;
	struct pair *pairs;
	struct side *sides;

	while ((opt = getopt(argc, argv, "p:d:w:m:cs")) != -1) {
		switch (opt) {
		case 'p': npairs = atoi(optarg); break;
		case 'd': seconds = atof(optarg); break;
		case 'w': spin_ns = atol(optarg); break;
		case 'm':
			use_pipe = !strcmp(optarg, "pipe");
			use_syscall = !strcmp(optarg, "syscall");
			break;
		case 'c': pin = 1; break;
		case 's': wait_sig = 1; break;
		default:
			fprintf(stderr, "usage: switch-storm [-p PAIRS] [-d SECONDS] [-w SPIN_NS] "
				"[-m futex|pipe] [-c] [-s]\n");
			return 2;
		}
	}
	if (npairs < 1 || seconds <= 0) {
		fprintf(stderr, "switch-storm: -p must be >= 1 and -d > 0\n");
		return 2;
	}
	pairs = aligned_alloc(64, sizeof(*pairs) * npairs);
	sides = calloc(2 * npairs, sizeof(*sides));
	if (!pairs || !sides)
		return 1;
	memset(pairs, 0, sizeof(*pairs) * npairs);
	pairs_base = pairs;
	/* SIGUSR1 stays blocked in every thread; main takes it with sigwait */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	for (int i = 0; i < npairs; i++) {
		struct pair *p = &pairs[i];

		p->cpu = pin ? (int)(i % ncpu) : -1;
		if (use_pipe && (pipe(p->pipes[0]) || pipe(p->pipes[1]))) {
			perror("switch-storm: pipe");
			return 1;
		}
		for (int s = 0; s < 2; s++) {
			sides[2 * i + s] = (struct side){ p, s };
			if (pthread_create(&p->th[s], NULL, run_side, &sides[2 * i + s])) {
				fprintf(stderr, "switch-storm: cannot create thread\n");
				return 1;
			}
		}
	}
	/* All threads exist (named storm-N) and sleep until the storm starts, so a
	 * tracer attached now sees them from the start. */
	printf("ready pid %d\n", getpid());
	fflush(stdout);
	if (wait_sig)
		sigwait(&usr1, &sig);
	t0 = now_ns();
	atomic_store(&started, 1);
	futex(&started, FUTEX_WAKE_PRIVATE, 2 * npairs);
	{
		struct timespec ts = { (time_t)seconds,
				       (long)((seconds - (time_t)seconds) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < npairs; i++) {
		atomic_store(&pairs[i].turn, 0);
		futex(&pairs[i].turn, FUTEX_WAKE_PRIVATE, 2);
		pthread_join(pairs[i].th[0], NULL);
		pthread_join(pairs[i].th[1], NULL);
		total += pairs[i].handoffs[0] + pairs[i].handoffs[1];
		switches += pairs[i].csw[0] + pairs[i].csw[1];
	}
	t1 = now_ns();
	if (use_syscall) {
		printf("switch-storm syscall threads=%d seconds=%.2f syscalls=%lu syscalls_per_s=%.0f "
		       "ns_per_syscall=%.1f\n", npairs, (t1 - t0) / 1e9, total,
		       total / ((t1 - t0) / 1e9), (t1 - t0) * (double)npairs / total);
		return 0;
	}
	printf("switch-storm pairs=%d seconds=%.2f handoffs=%lu handoffs_per_s=%.0f "
	       "switches=%lu switches_per_s=%.0f\n", npairs, (t1 - t0) / 1e9, total,
	       total / ((t1 - t0) / 1e9), switches, switches / ((t1 - t0) / 1e9));
	return 0;
}
