/* x86-64 syscall numbers to names, generated at build time from the
 * kernel UAPI header so the table never drifts. */
#ifndef BW_SYSCALL_NAMES_H
#define BW_SYSCALL_NAMES_H

#include <stdbool.h>

/* "none" for -1 (not in a syscall), "syscall_N" when unknown. */
const char *syscall_name(int nr);
/* -1 when unknown. */
int syscall_number(const char *name);
/* futex or an epoll wait: the syscalls a runtime parks in. */
bool syscall_is_park_wait(long nr);

#endif
