/* Runtime profiles: how to recognise an async runtime in a binary, which of
 * its functions mean "parked" or mark a thread's role, and how its threads
 * are usually named. Adding a runtime means adding a table entry. */
#ifndef BW_RUNTIME_PROFILE_H
#define BW_RUNTIME_PROFILE_H

#include <stdbool.h>

#include "blockwatch.h"

struct runtime_probe_rule {
	/* Demangled, hash-stripped name must END with this, at a `::` boundary. */
	const char *suffix;
	enum bw_probe_action action;
	enum bw_probe_action exit_action; /* uretprobe action, 0 for none */
	/* 0: always; else only when one of these opt-in features is on
	 * (they fire on every task poll or lock operation) */
	unsigned features;
	/* a park only the runtime's worker threads make: parking there
	 * names the thread a worker (attach to a busy server, whose workers
	 * started long before the role probes existed) */
	bool worker_park;
	/* What the probe is for ("worker loop"): rules with the same purpose
	 * are spellings of one function across releases. When none of them
	 * is found although code matching present_if (a name substring) is
	 * linked in, the purpose is named in degraded: a release whose names
	 * the table does not know yet. */
	const char *purpose;
	const char *present_if;
};

#define RT_FEATURE_POLLS 1u /* --polls: time task polls */
#define RT_FEATURE_LOCKS 2u /* --locks: async lock permits held across .await */

struct runtime_profile {
	const char *name;
	/* Any symbol whose name contains one of these means the runtime is linked in. */
	const char *const *detect_symbols;
	/* For stripped binaries: byte strings found in read-only data. */
	const char *const *detect_strings;
	const struct runtime_probe_rule *probes;
	/* Frame-name suffixes that classify a thread from its stack. */
	const char *const *worker_frames;
	const char *const *block_on_frames; /* a thread polling a future in place */
	const char *const *blocking_frames;
	const char *const *park_frames;
	/* a worker blocking by design, its core handed on (block_in_place;
	 * usually inlined, so found on the stack, not probed) */
	const char *const *off_worker_frames;
	/* Name prefixes of the runtime's own code: a blocking API it calls on
	 * the user's behalf (its internal locks) is not the user's mistake. */
	const char *const *own_prefixes;
	/* its crates (names, '_' for '-'), whose source directories
	 * ("tokio-1.24.2/src/...", read by symbolize/source_crate.h) hold its
	 * own frames; NULL-terminated: a runtime may span several crates */
	const char *const *crates;
	/* The one frame reports draw for each run of its own frames
	 * (--runtime-frames=collapsed): "[tokio runtime]" */
	const char *frames_name;
	/* Blocking epoll waits on its threads are its I/O driver idling. */
	bool epoll_is_park;
	/* Default thread-name prefix: a hint only (users rename threads). */
	const char *thread_name_hint;
	/* --locks: the future whose poll takes an async lock's permits, and
	 * its field that points at the semaphore (the key its release names) */
	const char *permit_future_type;
	const char *permit_future_field;
	/* Without type DWARF: a function that takes the future as its first
	 * argument and locks the semaphore right away (the field it loads and
	 * locks through is the semaphore pointer; symbolize/code_layout.h) */
	const char *permit_future_locker;
	/* Frame-name prefixes naming what a permit belongs to (the first
	 * match on the acquire or release stack); kind NULL: not a lock
	 * (a bounded channel's slot), never reported. */
	const struct permit_kind *permit_kinds;
	/* Name prefix of the lock API itself: a runtime frame outside it
	 * between the acquire and the user's code means the runtime took the
	 * lock on the user's behalf (tokio::fs::File's inner Mutex). */
	const char *lock_api_prefix;
	const char *lock_api_dir; /* its sources, inside one of its crates' */
};

struct permit_kind {
	const char *frame_prefix;
	/* the same for unqualified (line-tables-only) names: a part of the
	 * path of a source file in the runtime's crate */
	const char *file_part;
	const char *kind; /* "tokio::sync::Mutex", ... */
};

/* Runtimes built on async-io (profiles_async_io.c). */
extern const struct runtime_profile async_std_profile;
extern const struct runtime_profile smol_profile;

/* NULL-terminated table of every known runtime, in detection order. */
extern const struct runtime_profile *const runtime_profiles[];

const struct runtime_profile *runtime_profile__by_name(const char *name);
/* True when `name` ends with `suffix` at a "::" boundary (or equals it). */
bool symbol_has_suffix(const char *name, const char *suffix);
/* True when name starts with one of the profile's own prefixes. */
bool runtime_owns_symbol(const struct runtime_profile *p, const char *name);
/* The same, by name or, for unqualified (line-tables-only) names, by the
 * frame's source file lying in the runtime's crate directory. */
bool runtime_owns_frame(const struct runtime_profile *p, const char *name, const char *file);
/* True when any of the NULL-terminated suffixes matches. */
bool symbol_matches_any(const char *name, const char *const *suffixes);

#endif
