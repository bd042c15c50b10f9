#include "classify/runtime_profile.h"

#include <stdio.h>
#include <string.h>

#include "symbolize/source_crate.h"

/*
 * Tokio 1.x. Module paths moved over releases (thread_pool -> scheduler::
 * multi_thread around 1.21; park_internal appeared later), so each role
 * lists every spelling seen; suffix matching keeps them short. Workers are
 * themselves started on blocking-pool threads, so worker frames must win
 * over blocking frames when both are on a stack.
 */
static const char *const tokio_detect_symbols[] = {
	"tokio::runtime::",
	NULL,
};

static const char *const tokio_own_prefixes[] = {
	"tokio::",
	"<tokio::",
	NULL,
};

static const char *const tokio_detect_strings[] = {
	"tokio-runtime-worker",
	NULL,
};

/* Only parks that can sleep are probed. Tokio parks with a zero timeout on
 * every yield (Context::park_timeout / park_yield -> Parker::park_timeout ->
 * Driver::park_timeout, which never sleeps): probing those costs four traps
 * per task yield (measured: 270 ns -> 1.8 us per yield_now). A driver wait
 * with a real timeout is an epoll_wait (epoll_is_park below). Inner levels
 * are the fallback where an outer one was inlined at its call site; nested
 * probes are harmless, only slower. */
#define WORKER_PARK(suffix) \
	{ suffix, BW_PROBE_PARK_ENTER, BW_PROBE_PARK_EXIT, 0, true, "worker park", "multi_thread::park::" }
#define BLOCK_ON_PARK(suffix) \
	{ suffix, BW_PROBE_PARK_ENTER, BW_PROBE_PARK_EXIT, 0, false, "block_on park", "runtime::park::" }

/* Each purpose lists every spelling seen from Tokio 1.8 to 1.49 (read in
 * their sources); a new release that renames one shows up in degraded as
 * that purpose's missing probe, and gains a line here. */
static const struct runtime_probe_rule tokio_probes[] = {
	/* idle multi-thread worker: no task, sleeps until woken (the
	 * multi-thread scheduler's own parker: workers only) */
	WORKER_PARK("multi_thread::park::Parker::park"),
	WORKER_PARK("thread_pool::park::Parker::park"),
	WORKER_PARK("multi_thread::park::Inner::park"),
	WORKER_PARK("multi_thread::park::Inner::park_condvar"),
	WORKER_PARK("multi_thread::park::Inner::park_driver"),
	WORKER_PARK("thread_pool::park::Inner::park"),
	/* current_thread runtime: the block_on thread is the worker */
	{ "current_thread::Context::park", BW_PROBE_PARK_ENTER, BW_PROBE_PARK_EXIT, 0, false,
	  "current_thread park", "current_thread::Context" },
	/* Runtime::block_on's thread waiting for its future */
	BLOCK_ON_PARK("tokio::runtime::park::CachedParkThread::park"),
	BLOCK_ON_PARK("tokio::runtime::park::CachedParkThread::park_timeout"),
	BLOCK_ON_PARK("tokio::runtime::park::Inner::park"),
	BLOCK_ON_PARK("tokio::runtime::park::Inner::park_timeout"),
	/* roles: entered once per thread, so entry probes are cheap. Workers
	 * run inside blocking-pool threads, so the worker probe is attached
	 * first: a thread that reaches Inner::run after its probe exists will
	 * also reach worker::run after that probe exists. */
	{ "multi_thread::worker::run", BW_PROBE_ROLE_WORKER, BW_PROBE_ROLE_RETIRED, 0, false,
	  "worker loop", "multi_thread::worker::" },
	{ "thread_pool::worker::run", BW_PROBE_ROLE_WORKER, BW_PROBE_ROLE_RETIRED, 0, false,
	  "worker loop", "multi_thread::worker::" },
	/* block_in_place: the worker's core goes to a new thread, this one
	 * blocks by design; when its worker loop then returns (the return
	 * probe above) it is a blocking-pool thread again */
	{ "multi_thread::worker::block_in_place", BW_PROBE_OFF_WORKER_ENTER,
	  BW_PROBE_OFF_WORKER_EXIT, 0, false, "block_in_place", NULL /* often inlined */ },
	/* block_in_place itself is generic and inlined; its guard's drop is
	 * not: it runs when the blocking is done */
	{ "<tokio::runtime::scheduler::multi_thread::worker::block_in_place::Reset as core::ops::drop::Drop>::drop",
	  BW_PROBE_BLOCK_IN_PLACE_DONE, 0, 0, false, "block_in_place end", "worker::block_in_place::" },
	{ "tokio::runtime::blocking::pool::Inner::run", BW_PROBE_ROLE_BLOCKING, 0, 0, false,
	  "blocking pool", "blocking::pool::" },
	/* every task poll, one instance per future type; --locks needs them
	 * too: the task a poll runs is the holder of the permits it takes */
	{ "tokio::runtime::task::harness::Harness::poll", BW_PROBE_POLL_ENTER, BW_PROBE_POLL_EXIT,
	  RT_FEATURE_POLLS | RT_FEATURE_LOCKS, false, "task poll", "tokio::runtime::task::" },
	{ "tokio::runtime::task::raw::poll", BW_PROBE_POLL_ENTER, BW_PROBE_POLL_EXIT,
	  RT_FEATURE_POLLS | RT_FEATURE_LOCKS, false, "task poll", "tokio::runtime::task::" },
	/* tokio::sync's Mutex, RwLock and Semaphore (and bounded channels)
	 * take permits from a batch semaphore through one non-generic future
	 * and give them back through one function */
	{ "<tokio::sync::batch_semaphore::Acquire as core::future::future::Future>::poll",
	  BW_PROBE_ACQUIRE_ENTER, BW_PROBE_ACQUIRE_EXIT, RT_FEATURE_LOCKS, false,
	  "async lock acquire", "batch_semaphore::" },
	{ "tokio::sync::batch_semaphore::Semaphore::add_permits_locked", BW_PROBE_RELEASE, 0,
	  RT_FEATURE_LOCKS, false, "async lock release", "batch_semaphore::" },
	{ NULL, 0, 0, 0, false, NULL, NULL },
};

static const struct permit_kind tokio_permit_kinds[] = {
	{ "tokio::sync::mpsc::", "/src/sync/mpsc/", NULL }, /* a channel slot, freed by the receiver */
	{ "tokio::sync::mutex::", "/src/sync/mutex.rs", "tokio::sync::Mutex" },
	{ "tokio::sync::rwlock::", "/src/sync/rwlock", "tokio::sync::RwLock" },
	{ "tokio::sync::semaphore::", "/src/sync/semaphore.rs", "tokio::sync::Semaphore" },
	{ NULL, NULL, NULL },
};

static const char *const tokio_worker_frames[] = {
	"multi_thread::worker::run",
	"thread_pool::worker::run",
	NULL,
};

static const char *const tokio_block_on_frames[] = {
	"current_thread::CurrentThread::block_on",
	"tokio::runtime::runtime::Runtime::block_on",
	"tokio::runtime::park::CachedParkThread::block_on",
	"tokio::runtime::handle::Handle::block_on",
	NULL,
};

static const char *const tokio_blocking_frames[] = {
	"tokio::runtime::blocking::pool::Inner::run",
	NULL,
};

static const char *const tokio_park_frames[] = {
	"park::Inner::park",
	"park::Inner::park_timeout",
	"park::Inner::park_condvar",
	"park::Inner::park_driver",
	"multi_thread::park::Parker::park",
	"multi_thread::park::Parker::park_timeout",
	"thread_pool::park::Parker::park",
	"multi_thread::worker::Context::park_timeout",
	"multi_thread::worker::Context::park_internal",
	"current_thread::Context::park",
	"tokio::runtime::park::CachedParkThread::park",
	"tokio::runtime::driver::Driver::park",
	NULL,
};

static const char *const tokio_off_worker_frames[] = {
	"multi_thread::worker::block_in_place",
	"scheduler::block_in_place::block_in_place",
	NULL,
};

static const struct runtime_profile tokio_profile = {
	.name = "tokio",
	.detect_symbols = tokio_detect_symbols,
	.detect_strings = tokio_detect_strings,
	.probes = tokio_probes,
	.worker_frames = tokio_worker_frames,
	.block_on_frames = tokio_block_on_frames,
	.blocking_frames = tokio_blocking_frames,
	.park_frames = tokio_park_frames,
	.off_worker_frames = tokio_off_worker_frames,
	.own_prefixes = tokio_own_prefixes,
	.crates = (const char *const[]){ "tokio", NULL },
	.frames_name = "[tokio runtime]",
	.epoll_is_park = true,
	.thread_name_hint = "tokio-runtime-w",
	.permit_future_type = "tokio::sync::batch_semaphore::Acquire",
	.permit_future_field = "semaphore",
	/* `if self.queued { self.semaphore.waiters.lock() ... }`: the same in
	 * every Tokio release that has batch_semaphore (1.8 to 1.49 read) */
	.permit_future_locker = "<tokio::sync::batch_semaphore::Acquire as core::ops::drop::Drop>::drop",
	.permit_kinds = tokio_permit_kinds,
	.lock_api_prefix = "tokio::sync::",
	.lock_api_dir = "/src/sync/",
};

/* Detection order: the first profile whose symbols a binary links wins.
 * async-std runs on async-global-executor, itself on async-executor and
 * async-io, so it is looked for before smol (those crates alone). */
const struct runtime_profile *const runtime_profiles[] = {
	&tokio_profile,
	&async_std_profile,
	&smol_profile,
	NULL,
};

const struct runtime_profile *runtime_profile__by_name(const char *name)
{
	for (int i = 0; runtime_profiles[i]; i++)
		if (strcmp(runtime_profiles[i]->name, name) == 0)
			return runtime_profiles[i];
	return NULL;
}

/* Copies name without generic arguments ("a::B<T,S>::f<X>" -> "a::B::f"):
 * v0 demangling prints them, legacy prints placeholders; rules are written
 * without. Truncates quietly at len. */
static void strip_generics(const char *name, char *out, size_t len)
{
	size_t o = 0;
	int depth = 0;

	for (const char *p = name; *p && o + 1 < len; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth > 0)
			depth--;
		else if (!depth)
			out[o++] = *p;
	}
	out[o] = 0;
}

bool symbol_has_suffix(const char *name, const char *suffix)
{
	char plain[1024];
	size_t n, s = strlen(suffix);
	const char *tail;

	/* "<impl Foo for Bar>::f" starts with '<': keep such names as they are */
	if (name[0] == '<')
		snprintf(plain, sizeof(plain), "%s", name);
	else
		strip_generics(name, plain, sizeof(plain));
	n = strlen(plain);
	if (n < s)
		return false;
	tail = plain + n - s;
	if (strcmp(tail, suffix) != 0)
		return false;
	return tail == plain || (tail >= plain + 2 && tail[-1] == ':' && tail[-2] == ':');
}

bool runtime_owns_symbol(const struct runtime_profile *p, const char *name)
{
	for (int i = 0; p && name && p->own_prefixes && p->own_prefixes[i]; i++)
		if (strncmp(name, p->own_prefixes[i], strlen(p->own_prefixes[i])) == 0)
			return true;
	return false;
}

bool runtime_owns_frame(const struct runtime_profile *p, const char *name, const char *file)
{
	struct source_crates it;
	char crate[128];

	if (runtime_owns_symbol(p, name))
		return true;
	if (!p || !p->crates)
		return false;
	/* its crates' sources, any version: ".../tokio-1.49.0/src/...", a git
	 * checkout's ".../tokio/src/...", never a directory merely named so */
	source_crates__init(&it, file);
	while (source_crates__next(&it, crate, sizeof(crate)))
		for (int i = 0; p->crates[i]; i++)
			if (strcmp(crate, p->crates[i]) == 0)
				return true;
	return false;
}

bool symbol_matches_any(const char *name, const char *const *suffixes)
{
	for (int i = 0; suffixes && suffixes[i]; i++)
		if (symbol_has_suffix(name, suffixes[i]))
			return true;
	return false;
}
