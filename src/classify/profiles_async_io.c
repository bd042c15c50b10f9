/*
 * Runtimes built on async-io: async-std (1.12; its executor is
 * async-global-executor on async-executor) and smol (1.3; executor threads
 * the program starts itself, each running async_executor::Executor::run
 * inside async_io::block_on). Read in Debian's crate sources
 * (/usr/share/cargo/registry); docs/design.md "Other runtimes" has the
 * evidence, file:line:
 * - an idle executor thread waits in parking::Parker::park (a std Condvar,
 *   parking-2.0.0/src/lib.rs:265-310), called from async_io::block_on
 *   (async-io-1.11.0/src/driver.rs:215,222); the thread holding the reactor
 *   waits in epoll_wait (ReactorLock::react -> polling::Poller::wait,
 *   driver.rs:192); parking::Inner::park is inlined into Parker::park and
 *   Parker::park_timeout, which are not (non-generic, another crate);
 * - the "async-io" thread (driver.rs:30) and the blocking pool's
 *   "blocking-N" threads (blocking-1.3.0/src/lib.rs:186-249, a Condvar
 *   wait_timeout) are not executor threads.
 */
#include "classify/runtime_profile.h"

#include <stddef.h>

/* The crates both runtimes are made of: their frames are the runtime's,
 * never the user's callsite, by name or by source folder. */
#define ASYNC_IO_OWN_PREFIXES                                                                  \
	"async_executor::", "<async_executor::", "async_io::", "<async_io::", "async_task::",    \
		"<async_task::", "blocking::", "<blocking::", "parking::", "<parking::", "polling::", \
		"<polling::", "futures_lite::", "<futures_lite::", "event_listener::",                \
		"<event_listener::", "async_lock::", "<async_lock::", "async_channel::",             \
		"<async_channel::", "concurrent_queue::", "<concurrent_queue::"
#define ASYNC_IO_CRATES                                                                       \
	"async_executor", "async_io", "async_task", "blocking", "parking", "polling",             \
		"futures_lite", "event_listener", "async_lock", "async_channel", "concurrent_queue"

/* parking::Parker: only its sleeping entry points. park_timeout(0) (every
 * block_on loop turn) returns at once; the probes come off once each
 * thread's Condvar word is learned (tracer_parks.c). Not a worker-only
 * park: the "async-io" thread parks there too. */
#define PARKER_PARK(suffix) \
	{ suffix, BW_PROBE_PARK_ENTER, BW_PROBE_PARK_EXIT, 0, false, "executor park", "parking::Parker::" }
#define ASYNC_IO_PARKS                                  \
	PARKER_PARK("parking::Parker::park"),           \
	PARKER_PARK("parking::Parker::park_timeout"),   \
	PARKER_PARK("parking::Parker::park_deadline")
/* blocking::unblock (async-std's spawn_blocking, smol::unblock): the pool
 * thread's loop, entered once per thread */
#define BLOCKING_POOL_ROLE \
	{ "blocking::Executor::main_loop", BW_PROBE_ROLE_BLOCKING, 0, 0, false, "blocking pool", "blocking::Executor::" }
/* --polls: async-task runs each task's poll in RawTask::run, one instance
 * per future type (async-task-4.3.0/src/raw.rs:457,511); its argument is
 * the task. Not --locks: async-lock's locks are not probed. */
#define TASK_POLL \
	{ "async_task::raw::RawTask::run", BW_PROBE_POLL_ENTER, BW_PROBE_POLL_EXIT, RT_FEATURE_POLLS, false, "task poll", "async_task::raw::RawTask" }
#define PROBES_END { NULL, 0, 0, 0, false, NULL, NULL }

static const char *const async_io_park_frames[] = {
	"parking::Parker::park",
	"parking::Parker::park_timeout",
	"parking::Parker::park_deadline",
	"parking::Inner::park",
	"async_io::reactor::ReactorLock::react",
	"polling::Poller::wait",
	NULL,
};

static const char *const async_io_blocking_frames[] = {
	"blocking::Executor::main_loop",
	NULL,
};

/* A thread polling a future in place: a runtime thread only while inside. */
static const char *const async_io_block_on_frames[] = {
	"async_io::driver::block_on",
	"futures_lite::future::block_on",
	NULL,
};

/* async-std: async-global-executor starts the executor threads
 * ("async-std/runtime", renamed by ASYNC_STD_THREAD_NAME) in
 * thread_main_loop (async-global-executor-2.3.1/src/threading.rs:43-45,78),
 * which runs GLOBAL_EXECUTOR.run inside async_io::block_on. task::block_on
 * runs its future on the calling thread in a LocalExecutor: that thread is
 * a worker only while inside (a block_on frame, not a worker loop). */
static const struct runtime_probe_rule async_std_probes[] = {
	ASYNC_IO_PARKS,
	{ "async_global_executor::threading::thread_main_loop", BW_PROBE_ROLE_WORKER, 0, 0, false,
	  "worker loop", "async_global_executor::threading::" },
	BLOCKING_POOL_ROLE,
	TASK_POLL,
	PROBES_END,
};

static const char *const async_std_worker_frames[] = {
	"async_global_executor::threading::thread_main_loop",
	NULL,
};

static const char *const async_std_block_on_frames[] = {
	"async_io::driver::block_on",
	"futures_lite::future::block_on",
	"async_executor::LocalExecutor::run",
	"async_executor::LocalExecutor::run::{{closure}}",
	"async_std::task::builder::Builder::blocking",
	"async_global_executor::executor::block_on",
	NULL,
};

const struct runtime_profile async_std_profile = {
	.name = "async-std",
	.detect_symbols = (const char *const[]){ "async_global_executor::", NULL },
	.detect_strings = (const char *const[]){ NULL }, /* stripped: not recognised */
	.probes = async_std_probes,
	.worker_frames = async_std_worker_frames,
	.block_on_frames = async_std_block_on_frames,
	.blocking_frames = async_io_blocking_frames,
	.park_frames = async_io_park_frames,
	.own_prefixes = (const char *const[]){ "async_std::", "<async_std::", "async_global_executor::",
					       "<async_global_executor::", ASYNC_IO_OWN_PREFIXES, NULL },
	.crates = (const char *const[]){ "async_std", "async_global_executor", ASYNC_IO_CRATES,
					 NULL },
	.frames_name = "[async-std runtime]",
	.epoll_is_park = true, /* the reactor's wait (ReactorLock::react) */
	.thread_name_hint = "async-std/runti", /* "async-std/runtime", cut to 15 */
};

/* smol: the executor threads are the program's own, so no thread entry
 * point marks them; every thread that runs an executor creates its Runner
 * (Executor::run, LocalExecutor::run through it: async-executor-1.5.0/src/
 * lib.rs:222-223,435), a non-generic function: entered once per run.
 * Known limit: a thread stays a worker after its run returns. */
static const struct runtime_probe_rule smol_probes[] = {
	ASYNC_IO_PARKS,
	{ "async_executor::Runner::new", BW_PROBE_ROLE_WORKER, 0, 0, false, "executor run",
	  "async_executor::Runner" },
	BLOCKING_POOL_ROLE,
	TASK_POLL,
	PROBES_END,
};

static const char *const smol_worker_frames[] = {
	"async_executor::Executor::run",
	"async_executor::Executor::run::{{closure}}",
	"async_executor::LocalExecutor::run",
	"async_executor::LocalExecutor::run::{{closure}}",
	NULL,
};

const struct runtime_profile smol_profile = {
	.name = "smol",
	.detect_symbols = (const char *const[]){ "async_executor::", "async_io::driver::", NULL },
	.detect_strings = (const char *const[]){ NULL },
	.probes = smol_probes,
	.worker_frames = smol_worker_frames,
	.block_on_frames = async_io_block_on_frames,
	.blocking_frames = async_io_blocking_frames,
	.park_frames = async_io_park_frames,
	.own_prefixes = (const char *const[]){ "smol::", "<smol::", ASYNC_IO_OWN_PREFIXES, NULL },
	.crates = (const char *const[]){ "smol", ASYNC_IO_CRATES, NULL },
	.frames_name = "[smol runtime]",
	.epoll_is_park = true,
	.thread_name_hint = NULL, /* the program names its threads */
};
