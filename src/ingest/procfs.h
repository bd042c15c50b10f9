/* Small readers of /proc: threads of a process, names, executable, the
 * registers of a sleeping thread, and its memory. */
#ifndef BW_PROCFS_H
#define BW_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

bool proc_exists(pid_t pid);
/* True for a kernel thread (PF_KTHREAD in /proc/PID/stat): nothing to trace. */
bool proc_is_kernel_thread(pid_t pid);
/* Fills tids (up to max); returns the count or negative errno. */
int proc_list_threads(pid_t pid, pid_t *tids, int max);
/* Thread (or process, when tid == pid) name; "" when gone. */
int proc_comm(pid_t pid, pid_t tid, char *buf, size_t len);
/* Path of the executable as seen from our mount namespace ("/proc/PID/root/..."
 * for a process in another one); "" when unknown. */
int proc_exe(pid_t pid, char *buf, size_t len);
/* Size of the process's address space in pages (/proc/PID/statm): it
 * moves whenever something is mapped. 0 when gone. */
uint64_t proc_vm_pages(pid_t pid);
/* Lists every PID on the system (for system-wide discovery). */
int proc_list_pids(pid_t *pids, int max);

/* True while the thread exists and has not exited (zombies are gone). */
bool proc_thread_alive(pid_t pid, pid_t tid);
/* True when the thread is asleep (state S, D, I, t...), not running or runnable. */
bool proc_thread_sleeping(pid_t pid, pid_t tid);
/* A sleeping thread's syscall number, sp and pc from /proc/PID/task/TID/syscall.
 * Returns 0, -EAGAIN when it is running, or negative errno. */
int proc_thread_syscall(pid_t pid, pid_t tid, long *nr, uint64_t *sp, uint64_t *pc);
/* The syscall a sleeping thread is in and its first argument (a futex's
 * word); -EINVAL when it is in none. */
int proc_thread_syscall_arg0(pid_t pid, pid_t tid, long *nr, uint64_t *arg0);
/* Calls fn for each distinct file mapped executable in the process (path as
 * seen from our mount namespace), the main executable included. */
int proc_exec_mappings(pid_t pid, void (*fn)(const char *path, void *ctx), void *ctx);
/* The mapping [start, end) of the process that contains addr. */
int proc_find_mapping(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end);
/* Reads up to len bytes of the process's memory at addr, shrinking the
 * request when the end is unmapped. Returns bytes read or negative errno. */
ssize_t proc_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif
