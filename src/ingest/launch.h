/* Starting `-- COMMAND` so it is traced from its first instruction: the
 * child waits on a pipe until the tracer has attached, then execs. */
#ifndef BW_LAUNCH_H
#define BW_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct launch {
	pid_t pid;
	int gate_fd;  /* write end: closing it lets the child exec */
	int error_fd; /* read end: receives errno if exec fails */
	char path[4096];
	bool exited;
	int status;
};

/* Resolves argv[0] through PATH and forks the held child. One-line error in err. */
int launch__start(struct launch *l, char *const argv[], char *err, size_t errlen);
/* Lets the child exec; returns -errno of a failed exec (one-line error in err). */
int launch__release(struct launch *l, char *err, size_t errlen);
/* True once the child runs its own program (exec done). */
bool launch__execed(const struct launch *l);
/* Non-blocking: true once the child has exited (status in l->status). */
bool launch__exited(struct launch *l);
void launch__kill(struct launch *l);

#endif
