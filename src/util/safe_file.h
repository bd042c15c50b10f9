/* Files as root, in folders other users may write to.
 *
 * Output (-o, record, top's export): never written through a symbolic link
 * someone else planted, never through a hard link, never into a file that
 * someone else created for us; mode set explicitly, not from the umask.
 * Input named by a target (debug files, executables, build-id paths): only
 * regular files below a size cap, opened without blocking (a FIFO cannot
 * hang the tracer). */
#ifndef BW_SAFE_FILE_H
#define BW_SAFE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Debug files of big Rust programs reach a few GiB; nothing we read is larger. */
#define BW_MAX_INPUT_FILE (8ULL << 30)

enum {
	BW_OPEN_NOFOLLOW = 1, /* refuse a symbolic link as the last component */
};

/* Opens a regular file for reading: O_RDONLY|O_NONBLOCK|O_CLOEXEC (and
 * O_NOFOLLOW with BW_OPEN_NOFOLLOW), then fstat: a FIFO, device, socket or
 * folder gives -EINVAL (-EISDIR for a folder), a file above max_size
 * -EFBIG. Returns the fd or negative errno. */
int open_regular(const char *path, int flags, uint64_t max_size);

/* An output file being written. */
struct out_file {
	int fd;
	char *path; /* final name */
	char *tmp;  /* temporary beside it, renamed onto path by commit; NULL when writing in place */
};

/* Opens path for writing with mode (0600 recordings, 0644 reports):
 * - a symbolic link is refused unless it belongs to root or to us;
 * - a FIFO, terminal or other device (/dev/stdout, /dev/null) is written as is;
 * - otherwise replace=true writes a temporary created O_EXCL in the same
 *   folder, renamed into place by out_file__commit (a crash leaves the old
 *   file); replace=false (a recording, readable while written) creates the
 *   file O_EXCL|O_NOFOLLOW, or truncates an existing one only if it is ours,
 *   a regular file and has no other hard link.
 * Returns 0 or negative errno with a one-line message in err. */
int out_file__open(struct out_file *o, const char *path, mode_t mode, bool replace, char *err,
		   size_t errlen);
/* --mode: every output file gets this mode (0 restores each file's own
 * default, 0644 reports, 0600 recordings). */
void out_file__set_mode(mode_t mode);
/* The mode a file whose default is default_mode gets. */
mode_t out_file__mode(mode_t default_mode);

/* Frees the names; the caller closed o->fd (replace=false). NULL-safe. */
void out_file__release(struct out_file *o);

/* out_file__open(replace=true) as a FILE for report writers; finish with
 * out_file__fclose, not fclose. NULL with err set. */
FILE *out_file__fopen(struct out_file *o, const char *path, mode_t mode, char *err, size_t errlen);
/* Flushes, fsyncs and closes; renames the temporary into place, or removes
 * it when failed (or when writing failed). Returns 0 or negative errno
 * with err set. */
int out_file__fclose(struct out_file *o, FILE *f, bool failed, char *err, size_t errlen);

#endif
