/* --log-file: serve's diagnostics (its stderr) go to a file, reopened on
 * SIGHUP after a log rotation. Opened as root in a folder others may write
 * to: never through a symbolic link, never a file someone else owns or
 * that has another hard link; appended to, mode 0640. */
#ifndef BW_SERVE_LOG_FILE_H
#define BW_SERVE_LOG_FILE_H

#include <stddef.h>

/* Opens (or reopens) path and makes it stderr. 0 or negative errno with a
 * one-line reason in err; stderr is unchanged on failure. */
int log_file__redirect_stderr(const char *path, char *err, size_t errlen);
/* One line on stderr: "TIME blockwatch serve: MESSAGE" (names from traced
 * programs are the caller's to escape). */
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
