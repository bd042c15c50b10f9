/* Blame rules: on the real Tokio snapshot (full, split-debug, stripped)
 * and on hand-written stacks for each family, drops, the syscall
 * fallback, extra library prefixes and thread roles. */
#include "harness.h"
#include "../fixtures/fixture_helpers.h"
#include "classify/runtime_profile.h"
#include "classify/thread_role.h"

#define RUST_SRC "tests/fixtures/rust-sleep/src/main.rs"

static enum bw_role role_of(const struct bw_frame *frames, int n)
{
	struct stack_verdict v;

	classify_stack(runtime_profile__by_name("tokio"), frames, n, &v);
	return v.role;
}

static void check_rust_blame(struct fx_stack *st)
{
	struct blame_result r;
	const struct bw_frame *cs;

	CHECK_INT_EQ(blame__analyze(st->frames, st->nframes, st->snap.syscall_nr, &r), 0);
	CHECK_STR_EQ(r.blocking_api, "std::thread::sleep");
	CHECK_INT_EQ(r.category, BW_CAT_SLEEP);
	CHECK(!r.via_drop);
	CHECK(r.api_frame >= 0 && r.callsite_frame > r.api_frame);
	if (r.callsite_frame < 0)
		return;
	CHECK_STR_EQ(st->frames[r.api_frame].function, "std::thread::functions::sleep");
	cs = &st->frames[r.callsite_frame];
	CHECK_STR_EQ(cs->function, "bw_fixture_sleep::load_config::{async_fn#0}");
	CHECK(fx_ends_with(cs->file, "rust-sleep/src/main.rs"));
	CHECK_INT_EQ(cs->line, fx_marker_line(RUST_SRC, "); // BLAME-HERE"));
	CHECK_INT_EQ(role_of(st->frames, st->nframes), BW_ROLE_WORKER);
}

TEST(blame_rust_snapshot)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	check_rust_blame(&st);
	fx_release(&st);
}

TEST(blame_rust_split_debug_snapshot)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust-split", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust-split)");
	check_rust_blame(&st);
	fx_release(&st);
}

/* No names: the syscall names the API and the callsite is the first frame
 * outside libc, given as module+offset. */
TEST(blame_rust_stripped_snapshot)
{
	struct fx_stack st;
	struct blame_result r;

	if (fx_replay(&st, "snap/rust-stripped", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust-stripped)");
	CHECK_INT_EQ(blame__analyze(st.frames, st.nframes, st.snap.syscall_nr, &r), 0);
	CHECK_INT_EQ(r.category, BW_CAT_SLEEP);
	CHECK_STR_EQ(r.blocking_api, "clock_nanosleep");
	CHECK_INT_EQ(r.api_frame, -1);
	CHECK_INT_EQ(r.callsite_frame, 1);
	CHECK(st.frames[1].function == NULL && st.frames[1].module && st.frames[1].build_id);
	fx_release(&st);
}

#define F(name) { .function = (name), .module = "/app/bin" }
#define LIBC(name) { .function = (name), .module = "/usr/lib/x86_64-linux-gnu/libc.so.6" }

static struct blame_result run(const struct bw_frame *f, int n, int nr)
{
	struct blame_result r;

	CHECK_INT_EQ(blame__analyze(f, n, nr, &r), 0);
	return r;
}

TEST(blame_mutex_outermost_of_family)
{
	const struct bw_frame f[] = {
		LIBC("syscall"),
		F("std::sys::sync::mutex::futex::Mutex::lock_contended"),
		F("std::sync::poison::mutex::Mutex<T>::lock"),
		F("app::cache::get::{{closure}}"),
		F("tokio::runtime::task::core::Core<T,S>::poll"),
	};
	struct blame_result r = run(f, 5, 202);

	CHECK_STR_EQ(r.blocking_api, "std::sync::Mutex::lock");
	CHECK_INT_EQ(r.category, BW_CAT_LOCK);
	CHECK_INT_EQ(r.api_frame, 2);
	CHECK_INT_EQ(r.callsite_frame, 3);
}

/* Channel and condition-variable waits name the API the user called, the
 * outermost of the family, not the park or futex helper they wait in. */
TEST(blame_channel_recv_names_outermost_api)
{
	const struct bw_frame f[] = {
		LIBC("syscall"),
		F("std::sys::pal::unix::futex::futex_wait"),
		F("std::sys::sync::thread_parking::futex::Parker::park"),
		F("std::thread::functions::park"),
		F("std::sync::mpmc::context::Context::wait_until"),
		F("std::sync::mpmc::list::Channel<T>::recv::{{closure}}"),
		F("std::sync::mpmc::context::Context::with::{{closure}}"),
		F("std::sync::mpmc::list::Channel<T>::recv"),
		F("std::sync::mpmc::Receiver<T>::recv"),
		F("std::sync::mpsc::Receiver<T>::recv"),
		F("app::pipeline::drain::{async_fn#0}"),
		F("tokio::runtime::task::core::Core<T,S>::poll"),
	};
	struct blame_result r = run(f, 12, 202);

	CHECK_STR_EQ(r.blocking_api, "std::sync::mpsc::Receiver::recv");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_STR_EQ(bw_category__name(r.category), "channel");
	CHECK_INT_EQ(r.api_frame, 9);
	CHECK_INT_EQ(r.callsite_frame, 10);
}

/* Woken, a Condvar::wait takes its mutex back; a wait there is still the
 * condvar the user called. recv_timeout and send are named as themselves. */
TEST(blame_condvar_names_the_lock_inside)
{
	const struct bw_frame relock[] = {
		LIBC("syscall"),
		F("std::sys::sync::mutex::futex::Mutex::lock_contended"),
		F("std::sys::sync::mutex::futex::Mutex::lock"),
		F("std::sys::sync::condvar::futex::Condvar::wait_optional_timeout"),
		F("std::sync::poison::condvar::Condvar::wait<bool>"),
		F("app::gate::pass::{async_fn#0}"),
	};
	const struct bw_frame timeout[] = {
		F("std::thread::functions::park_timeout"),
		F("std::sync::mpmc::array::Channel<T>::recv"),
		F("std::sync::mpmc::Receiver<T>::recv_timeout"),
		F("std::sync::mpsc::Receiver<T>::recv_timeout"),
		F("app::poll_jobs"),
	};
	/* an unbounded channel's send waits for the queue's waker lock */
	const struct bw_frame send[] = {
		LIBC("syscall"),
		F("std::sys::sync::mutex::futex::Mutex::lock_contended"),
		F("std::sync::mpmc::waker::SyncWaker::notify"),
		F("std::sync::mpmc::list::Channel<T>::send"),
		F("std::sync::mpsc::Sender<T>::send"),
		F("app::dispatch::{async_fn#0}"),
	};
	struct blame_result r = run(relock, 6, 202);

	CHECK_STR_EQ(r.blocking_api, "std::sync::Condvar::wait");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_INT_EQ(r.api_frame, 4);
	CHECK_INT_EQ(r.callsite_frame, 5);
	r = run(timeout, 5, 202);
	CHECK_STR_EQ(r.blocking_api, "std::sync::mpsc::Receiver::recv_timeout");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_INT_EQ(r.callsite_frame, 4);
	r = run(send, 6, 202);
	CHECK_STR_EQ(r.blocking_api, "std::sync::mpsc::Sender::send");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_INT_EQ(r.callsite_frame, 5);
}

/* A lock built on thread::park (or on a condvar) is the lock the user
 * called: the outer API names the wait, whichever of the two families. */
TEST(blame_lock_over_park_is_a_lock)
{
	const struct bw_frame f[] = {
		F("std::thread::functions::park"),
		F("parking_lot_core::parking_lot::park"),
		F("lock_api::mutex::Mutex<R,T>::lock"),
		F("app::state::update"),
	};
	struct blame_result r = run(f, 4, 202);

	CHECK_INT_EQ(r.category, BW_CAT_LOCK);
	CHECK_STR_EQ(r.blocking_api, "lock_api::mutex::Mutex::lock");
}

TEST(blame_join_and_block_on)
{
	const struct bw_frame join[] = {
		LIBC("__futex_abstimed_wait_common"),
		LIBC("__pthread_clockjoin_ex"),
		F("std::sys::pal::unix::thread::Thread::join"),
		F("std::thread::JoinInner<T>::join"),
		F("std::thread::JoinHandle<T>::join"),
		F("app::export::{async_fn#0}"),
	};
	const struct bw_frame futures[] = {
		LIBC("syscall"),
		F("std::thread::functions::park"),
		F("futures_executor::local_pool::run_executor::{{closure}}"),
		F("std::thread::local::LocalKey<T>::try_with"),
		F("futures_executor::local_pool::run_executor"),
		F("futures_executor::local_pool::block_on"),
		F("app::bridge::{async_fn#0}"),
	};
	const struct bw_frame nested[] = {
		LIBC("syscall"),
		F("std::sys::sync::condvar::futex::Condvar::wait"),
		F("tokio::runtime::park::Inner::park"),
		F("tokio::runtime::park::CachedParkThread::block_on"),
		F("tokio::runtime::context::blocking::BlockingRegionGuard::block_on"),
		F("tokio::runtime::runtime::Runtime::block_on"),
		F("app::legacy::call_sync"),
	};
	struct blame_result r = run(join, 6, 202);

	CHECK_STR_EQ(r.blocking_api, "std::thread::JoinHandle::join");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_INT_EQ(r.callsite_frame, 5);
	r = run(join, 2, 202); /* C: glibc's helper named as the API */
	CHECK_STR_EQ(r.blocking_api, "pthread_join");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	r = run(futures, 7, 202);
	CHECK_STR_EQ(r.blocking_api, "futures::executor::block_on");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_INT_EQ(r.api_frame, 5);
	CHECK_INT_EQ(r.callsite_frame, 6);
	r = run(nested, 7, 202);
	CHECK_STR_EQ(r.blocking_api, "tokio::runtime::Runtime::block_on");
	CHECK_INT_EQ(r.category, BW_CAT_CHANNEL);
	CHECK_INT_EQ(r.callsite_frame, 6);
}

TEST(blame_v0_names)
{
	const struct bw_frame f[] = {
		F("<std::sync::poison::mutex::Mutex<i32>>::lock"),
		F("<app::Store>::get"),
	};
	struct blame_result r = run(f, 2, 202);

	CHECK_STR_EQ(r.blocking_api, "std::sync::Mutex::lock");
	CHECK_INT_EQ(r.callsite_frame, 1);
}

TEST(blame_dns_before_connect)
{
	const struct bw_frame f[] = {
		LIBC("__GI_getaddrinfo"),
		F("std::sys::net::connection::socket::lookup_host"),
		F("<(&str,u16) as std::net::socket_addr::ToSocketAddrs>::to_socket_addrs"),
		F("std::net::tcp::TcpStream::connect"),
		F("app::client::fetch::{{closure}}"),
	};
	struct blame_result r = run(f, 5, 45);

	CHECK_INT_EQ(r.category, BW_CAT_DNS);
	CHECK_STR_EQ(r.blocking_api, "std::net::ToSocketAddrs::to_socket_addrs");
	CHECK_INT_EQ(r.api_frame, 2);
	CHECK_INT_EQ(r.callsite_frame, 4);
}

TEST(blame_file_io_and_process)
{
	const struct bw_frame fio[] = {
		LIBC("__libc_write"),
		F("<std::fs::File as std::io::Write>::write"),
		F("std::io::Write::write_all"),
		F("std::fs::write::inner"),
		F("std::fs::write"),
		F("app::save::{{closure}}"),
	};
	const struct bw_frame proc[] = {
		LIBC("wait4"),
		F("std::sys::process::unix::unix::Process::wait"),
		F("std::process::Child::wait"),
		F("std::process::Command::status"),
		F("app::run_tool"),
	};
	struct blame_result r = run(fio, 6, 1);

	CHECK_INT_EQ(r.category, BW_CAT_FILE_IO);
	CHECK_STR_EQ(r.blocking_api, "std::fs::write");
	CHECK_INT_EQ(r.callsite_frame, 5);
	r = run(proc, 5, 61);
	CHECK_INT_EQ(r.category, BW_CAT_PROCESS_WAIT);
	CHECK_STR_EQ(r.blocking_api, "std::process::Command::status");
	CHECK_INT_EQ(r.callsite_frame, 4);
}

TEST(blame_drop_of_runtime)
{
	const struct bw_frame f[] = {
		LIBC("syscall"),
		F("std::sys::sync::condvar::futex::Condvar::wait"),
		F("std::sync::poison::condvar::Condvar::wait"),
		F("tokio::runtime::blocking::shutdown::Receiver::wait"),
		F("<tokio::runtime::runtime::Runtime as core::ops::drop::Drop>::drop"),
		F("core::ptr::drop_in_place<tokio::runtime::runtime::Runtime>"),
		F("app::handler::{{closure}}"),
	};
	struct blame_result r = run(f, 7, 202);

	CHECK(r.via_drop);
	CHECK_INT_EQ(r.category, BW_CAT_DROP);
	CHECK_STR_EQ(r.drop_type, "tokio::runtime::runtime::Runtime");
	CHECK_STR_EQ(r.blocking_api, "std::sync::Condvar::wait");
	CHECK_INT_EQ(r.callsite_frame, 6);
	CHECK_STR_EQ(bw_category__name(r.category), "drop");
}

/* The user's Drop impl made the call: it is the callsite, and the drop
 * glue behind it makes this a drop. */
TEST(blame_user_drop_impl_is_callsite)
{
	const struct bw_frame f[] = {
		F("std::thread::functions::sleep"),
		F("<app::Conn as core::ops::drop::Drop>::drop"),
		F("core::ptr::drop_in_place<app::Conn>"),
		F("app::handle::{{closure}}"),
	};
	struct blame_result r = run(f, 4, 35);

	CHECK_INT_EQ(r.callsite_frame, 1);
	CHECK(r.via_drop);
	CHECK_INT_EQ(r.category, BW_CAT_DROP);
	CHECK_STR_EQ(r.drop_type, "app::Conn");
	CHECK_STR_EQ(r.blocking_api, "std::thread::sleep");
}

/* debug = "line-tables-only": inlined frames carry short names; the file
 * path says which are std's and which crate a registry frame belongs to. */
TEST(blame_line_tables_only_names)
{
	const struct bw_frame lock[] = {
		LIBC("syscall"),
		{ .function = "std::sys::sync::mutex::futex::Mutex::lock_contended", .module = "/app/bin",
		  .file = "/rustc/abc/library/std/src/sys/sync/mutex/futex.rs", .line = 60 },
		{ .function = "lock", .module = "/app/bin", .inlined = true,
		  .file = "/rustc/abc/library/std/src/sys/sync/mutex/futex.rs", .line = 33 },
		{ .function = "lock<u64>", .module = "/app/bin", .inlined = true,
		  .file = "/rustc/abc/library/std/src/sync/poison/mutex.rs", .line = 400 },
		{ .function = "{async_fn#0}", .module = "/app/bin", .inlined = true,
		  .file = "/src/app/src/mutex.rs", .line = 63 },
		{ .function = "poll<F>", .module = "/app/bin", .inlined = true,
		  .file = "/usr/share/cargo/registry/tokio-1.24.2/src/runtime/task/core.rs", .line = 223 },
		{ .function = "call<F>", .module = "/app/bin",
		  .file = "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/my-helper-0.3.1/src/lib.rs", .line = 5 },
	};
	const struct bw_frame drop[] = {
		{ .function = "std::thread::functions::sleep", .module = "/app/bin",
		  .file = "/rustc/abc/library/std/src/thread/functions.rs", .line = 289 },
		{ .function = "drop", .module = "/app/bin", .inlined = true,
		  .file = "/src/app/src/drop.rs", .line = 25 },
		{ .function = "drop_in_place<app::AuditRecord>", .module = "/app/bin", .inlined = true,
		  .file = "/rustc/abc/library/core/src/ptr/mod.rs", .line = 804 },
		{ .function = "{async_fn#0}", .module = "/app/bin", .inlined = true,
		  .file = "/src/app/src/drop.rs", .line = 40 },
	};
	struct blame_result r = run(lock, 7, 202);

	CHECK_STR_EQ(r.blocking_api, "std::sync::Mutex::lock");
	CHECK_INT_EQ(r.callsite_frame, 4);
	CHECK(!blame__is_user_frame(&lock[5]));
	CHECK(blame__is_user_frame(&lock[6])); /* my_helper is not a runtime crate */
	r = run(drop, 4, 230);
	CHECK_INT_EQ(r.callsite_frame, 1);
	CHECK(r.via_drop);
	CHECK_INT_EQ(r.category, BW_CAT_DROP);
	CHECK_STR_EQ(r.drop_type, "app::AuditRecord");
}

/* A crate's source is found by its directory wherever the build took it
 * from: a vendor directory, a git checkout, any release number. */
TEST(blame_runtime_source_by_directory)
{
	static const char *const runtime_files[] = {
		"/work/shared/vendor/tokio-1.49.0/src/loom/std/mutex.rs",
		"/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tokio-1.52.1/src/sync/mutex.rs",
		"/home/u/.cargo/git/checkouts/tokio-5a2e1b/3c0f1d2/tokio/src/runtime/park.rs",
		"/srv/build/vendor/tokio-util-0.7.10/src/sync/cancellation_token.rs",
	};
	static const char *const user_files[] = {
		"/srv/app/src/main.rs",
		"/srv/tokio-demo/src/main.rs", /* a project named after the runtime */
		"/srv/app/vendor/my-helper-0.3.1/src/lib.rs",
		"/srv/tokio/src/main.rs",      /* no version and no git checkout */
		/* a directory named after a release that is no crate's source */
		"/work/tests/workloads/tokio-1.49/bw-workload/../../bw-workload/src/scenarios/sleep.rs",
		"/home/u/tokio-1.0-migration/src/main.rs",
	};
	const struct runtime_profile *tokio = runtime_profile__by_name("tokio");

	for (size_t i = 0; i < sizeof(runtime_files) / sizeof(runtime_files[0]); i++) {
		struct bw_frame f = { .function = "lock<u64>", .module = "/app/bin",
				      .file = runtime_files[i], .line = 22 };

		CHECK(!blame__is_user_frame(&f));
		/* tokio-util is a library, not the runtime */
		CHECK(runtime_owns_frame(tokio, f.function, f.file) == !strstr(f.file, "tokio-util"));
	}
	for (size_t i = 0; i < sizeof(user_files) / sizeof(user_files[0]); i++) {
		struct bw_frame f = { .function = "lock<u64>", .module = "/app/bin",
				      .file = user_files[i], .line = 22 };

		CHECK(blame__is_user_frame(&f));
		CHECK(!runtime_owns_frame(tokio, f.function, f.file));
	}
}

/* The runtime's own files are its crate's source folder, any release, not
 * a project folder whose name merely starts like one. */
TEST(runtime_owns_frame_by_source_folder)
{
	const struct runtime_profile *tokio = runtime_profile__by_name("tokio");

	CHECK(runtime_owns_frame(tokio, "poll<F>", "/work/shared/vendor/tokio-1.49.0/src/runtime/task/core.rs"));
	CHECK(runtime_owns_frame(tokio, "poll<F>", "/usr/share/cargo/registry/tokio-1.24.2/src/runtime/park.rs"));
	CHECK(runtime_owns_frame(tokio, "f", "/r/index.crates.io-1949cf8c6b5b557f/tokio-1.50.0-rc.1/src/lib.rs"));
	CHECK(runtime_owns_frame(tokio, "tokio::runtime::park::Inner::park", NULL));
	CHECK(!runtime_owns_frame(tokio, "client", "/work/tests/tokio-1.49/bw-workload/../../bw-workload/src/sleep.rs"));
	CHECK(!runtime_owns_frame(tokio, "client", "/srv/tokio-1.49/src-gen/x.rs"));
	CHECK(!runtime_owns_frame(tokio, "client", "/srv/tokio-demo/src/main.rs"));
	CHECK(!runtime_owns_frame(tokio, "client", "/srv/app/src/main.rs"));
}

TEST(blame_syscall_fallback)
{
	const struct bw_frame f[] = {
		LIBC("__GI___poll"),
		F("mystery_c_function"),
		F("main"),
	};
	struct blame_result r = run(f, 3, 7);

	CHECK_INT_EQ(r.api_frame, -1);
	CHECK_STR_EQ(r.blocking_api, "poll");
	CHECK_INT_EQ(r.category, BW_CAT_NET_IO);
	CHECK_INT_EQ(r.callsite_frame, 1);
	r = run(f, 3, -1);
	CHECK_INT_EQ(r.category, BW_CAT_PAGE_FAULT);
	r = run(f, 3, 202);
	CHECK_INT_EQ(r.category, BW_CAT_LOCK);
	CHECK_STR_EQ(r.blocking_api, "futex");
	r = run(f, 3, 9999);
	CHECK_INT_EQ(r.category, BW_CAT_OTHER);
	r = run(NULL, 0, 230);
	CHECK_INT_EQ(r.category, BW_CAT_SLEEP);
	CHECK_INT_EQ(r.callsite_frame, -1);
	CHECK(blame__analyze(f, 3, 0, NULL) < 0);
}

TEST(blame_extra_library_prefixes)
{
	const struct bw_frame f[] = {
		F("std::thread::functions::sleep"),
		F("retry_lib::backoff::wait"),
		F("<F as core::future::future::Future>::poll"),
		F("app::worker::{{closure}}"),
	};
	struct blame_result r = run(f, 4, 230);

	CHECK_INT_EQ(r.callsite_frame, 1);
	blame__set_extra_library_prefixes("hyper, retry_lib");
	r = run(f, 4, 230);
	CHECK_INT_EQ(r.callsite_frame, 3); /* generic shim <F as ..> skipped too */
	blame__set_extra_library_prefixes("retry_lib::backoff::");
	r = run(f, 4, 230);
	CHECK_INT_EQ(r.callsite_frame, 3);
	blame__set_extra_library_prefixes(NULL);
	r = run(f, 4, 230);
	CHECK_INT_EQ(r.callsite_frame, 1);
}

TEST(blame_parking_lot_and_cpp_std)
{
	const struct bw_frame pl[] = {
		F("parking_lot_core::parking_lot::park"),
		F("parking_lot::raw_mutex::RawMutex::lock_slow"),
		F("lock_api::mutex::Mutex<R,T>::lock"),
		F("app::state::update"),
	};
	const struct bw_frame cpp[] = {
		LIBC("__futex_abstimed_wait_common"),
		F("std::mutex::lock()"),
		F("Cache::get(int)"),
	};
	struct blame_result r = run(pl, 4, 202);

	CHECK_INT_EQ(r.category, BW_CAT_LOCK);
	CHECK_STR_EQ(r.blocking_api, "lock_api::mutex::Mutex::lock");
	CHECK_INT_EQ(r.callsite_frame, 3);
	r = run(cpp, 3, 202);
	CHECK_INT_EQ(r.callsite_frame, 2);
	CHECK(blame__is_user_frame(&cpp[2]));
	CHECK(!blame__is_user_frame(&cpp[1]));
}

TEST(thread_role_from_stack)
{
	const struct bw_frame blocking[] = {
		F("app::heavy"),
		F("tokio::runtime::blocking::task::BlockingTask<T>::poll"),
		F("tokio::runtime::blocking::pool::Inner::run"),
		F("std::sys::backtrace::__rust_begin_short_backtrace"),
	};
	const struct bw_frame worker[] = {
		F("app::x::{{closure}}"),
		F("tokio::runtime::scheduler::multi_thread::worker::Context::run_task"),
		F("tokio::runtime::scheduler::multi_thread::worker::run"),
		F("tokio::runtime::blocking::pool::Inner::run"),
	};
	const struct bw_frame main_thread[] = {
		F("tokio::runtime::park::CachedParkThread::block_on"),
		F("app::main"),
	};
	const struct bw_frame other[] = { F("app::main") };
	struct stack_verdict v;

	CHECK_INT_EQ(role_of(blocking, 4), BW_ROLE_BLOCKING);
	CHECK_INT_EQ(role_of(worker, 4), BW_ROLE_WORKER);
	classify_stack(runtime_profile__by_name("tokio"), main_thread, 2, &v);
	CHECK_INT_EQ(v.role, BW_ROLE_WORKER);
	CHECK(v.in_block_on);
	CHECK_INT_EQ(role_of(other, 1), BW_ROLE_UNKNOWN);
}

/* Only the loader on the stack: the program is starting, nothing to judge. */
TEST(thread_role_loader_stack)
{
	const struct bw_frame startup[] = {
		{ .function = "__GI___open64_nocancel", .module = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
		{ .function = "_dl_map_object", .module = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
		{ .function = NULL, .module = "/lib/ld-musl-x86_64.so.1" },
	};
	const struct bw_frame dlopen_from_app[] = {
		{ .function = "_dl_map_object", .module = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
		{ .function = "app::load_plugin", .module = "/app/bin" },
	};
	const struct bw_frame lookalike[] = {
		{ .function = "x", .module = "/usr/lib/ldapclient.so.2" },
	};

	CHECK(stack_in_loader(startup, 3));
	CHECK(!stack_in_loader(dlopen_from_app, 2));
	CHECK(!stack_in_loader(lookalike, 1));
	CHECK(!stack_in_loader(startup, 0));
}

TEST(category_names)
{
	CHECK_STR_EQ(bw_category__name(BW_CAT_SLEEP), "sleep");
	CHECK_STR_EQ(bw_category__name(BW_CAT_FILE_IO), "file-io");
	CHECK_STR_EQ(bw_category__name(BW_CAT_PROCESS_WAIT), "process-wait");
	CHECK_STR_EQ(bw_category__name(BW_CAT_CHANNEL), "channel");
	for (int c = 0; c < BW_CAT_NR; c++)
		CHECK(bw_category__name(c) != NULL && strcmp(bw_category__name(c), "unknown") != 0);
	CHECK_STR_EQ(bw_category__name(BW_CAT_NR), "unknown");
}
