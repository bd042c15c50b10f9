/* A runtime profile given at run time, for an in-house executor blockwatch
 * has no table for: its park functions (--park-symbol, or a profile file)
 * and, optionally, its own crates. Worker threads are chosen by name
 * (--worker-threads, the same filter as --threads).
 *
 * Profile file (--runtime-profile FILE; docs/blockwatch-trace.md), at most
 * CUSTOM_PROFILE_MAX_BYTES, one "key = value" a line, '#' comments:
 *     name = my-executor              runtime name in reports (default custom)
 *     worker-threads = ^exec-[0-9]+$  extended regex over thread names
 *     park-symbol = my_app::rt::Queue::wait_for_work   (repeat, or a,b)
 *     own-code = my_rt                frames my_rt::... are the runtime's (a
 *                                     crate or module path: my_app::rt)
 *     epoll-is-park = yes             its threads idle in epoll_wait too */
#ifndef BW_CUSTOM_PROFILE_H
#define BW_CUSTOM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/runtime_profile.h"

#define CUSTOM_PROFILE_MAX_BYTES 65536
#define CUSTOM_PROFILE_MAX_SYMBOLS 32
#define CUSTOM_PROFILE_MAX_CRATES 32 /* own-code lines */
#define CUSTOM_PROFILE_MAX_NAME 256 /* a symbol or crate name, with its NUL */
#define CUSTOM_REGEX_MAX 64         /* --worker-threads, with its NUL */

/* Each returns 0, or -EINVAL with a one-line reason in err. */
int custom_profile__add_park_symbols(const char *list, char *err, size_t errlen);
int custom_profile__add_own_code(const char *list, char *err, size_t errlen);
int custom_profile__set_worker_threads(const char *regex, char *err, size_t errlen);
/* The text of a profile file (not NUL-terminated); origin names it in errors. */
int custom_profile__parse(const char *text, size_t len, const char *origin, char *err,
			  size_t errlen);
int custom_profile__load(const char *path, char *err, size_t errlen);

/* The profile built so far, NULL while it has no park symbol. */
const struct runtime_profile *custom_profile__get(void);
/* Forgets everything (tests, fuzzing). */
void custom_profile__reset(void);

#endif
