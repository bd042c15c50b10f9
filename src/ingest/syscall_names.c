#include "ingest/syscall_names.h"

#include <stdio.h>
#include <string.h>

#include "syscall_table.h" /* generated: { "read", 0 }, ... */

struct syscall_entry {
	const char *name;
	int nr;
};

static const struct syscall_entry table[] = { BW_SYSCALL_TABLE };

const char *syscall_name(int nr)
{
	static __thread char buf[32];

	if (nr < 0)
		return "none";
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].nr == nr)
			return table[i].name;
	snprintf(buf, sizeof(buf), "syscall_%d", nr);
	return buf;
}

int syscall_number(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].nr;
	return -1;
}

bool syscall_is_park_wait(long nr)
{
	static int futex = -2, epoll[3];

	if (futex == -2) {
		futex = syscall_number("futex");
		epoll[0] = syscall_number("epoll_wait");
		epoll[1] = syscall_number("epoll_pwait");
		epoll[2] = syscall_number("epoll_pwait2");
	}
	return nr == futex || nr == epoll[0] || nr == epoll[1] || nr == epoll[2];
}
