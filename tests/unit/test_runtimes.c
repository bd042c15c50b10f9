/* Runtime profiles other than Tokio's (classify/profiles_async_io.c) and
 * custom ones (classify/custom_profile.c): each
 * is found by name, owns its crates' frames by name and by source folder,
 * and classifies stacks as they look in real async-std and smol programs
 * (frames copied from `blockwatch trace --stacks` of tests/workloads/runtimes). */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "classify/custom_profile.h"
#include "classify/runtime_profile.h"
#include "classify/thread_role.h"

#define F(name) { .function = (name), .module = "/app/bin" }
#define REG "/usr/share/cargo/registry/"

static struct stack_verdict verdict(const char *runtime, const struct bw_frame *frames, int n)
{
	struct stack_verdict v;

	classify_stack(runtime_profile__by_name(runtime), frames, n, &v);
	return v;
}

TEST(runtime_profiles_by_name)
{
	CHECK(runtime_profile__by_name("async-std") == &async_std_profile);
	CHECK(runtime_profile__by_name("smol") == &smol_profile);
	CHECK(runtime_profile__by_name("glommio") == NULL);
}

TEST(runtime_async_io_crates_owned)
{
	const struct runtime_profile *p = &smol_profile, *s = &async_std_profile;

	CHECK(runtime_owns_frame(p, "async_executor::Executor::run::{{closure}}", NULL));
	CHECK(runtime_owns_frame(p, "<futures_lite::future::Or<F1,F2> as core::future::future::Future>::poll", NULL));
	CHECK(runtime_owns_frame(p, "run", REG "async-task-4.3.0/src/raw.rs"));
	CHECK(runtime_owns_frame(p, "park", REG "parking-2.0.0/src/lib.rs"));
	CHECK(runtime_owns_frame(s, "thread_main_loop", REG "async-global-executor-2.3.1/src/threading.rs"));
	CHECK(runtime_owns_frame(s, "async_std::task::sleep::sleep::{{closure}}", NULL));
	/* parking_lot is not the parking crate; the user's code is nobody's */
	CHECK(!runtime_owns_frame(p, "lock", REG "parking_lot-0.12.1/src/mutex.rs"));
	CHECK(!runtime_owns_frame(p, "bw::client::{{closure}}", "/srv/app/src/main.rs"));
	CHECK(!runtime_owns_frame(p, "async_std::task::sleep::sleep::{{closure}}", NULL));
}

TEST(runtime_smol_worker_from_stack)
{
	const struct bw_frame worker[] = {
		F("std::thread::functions::sleep"),
		F("app::load_profile::{{closure}}"),
		F("async_executor::Executor::spawn::{{closure}}"),
		F("async_task::raw::RawTask<F,T,S>::run"),
		F("async_executor::Executor::run::{{closure}}::{{closure}}"),
		F("<futures_lite::future::Or<F1,F2> as core::future::future::Future>::poll"),
		F("async_executor::Executor::run::{{closure}}"),
		F("async_io::driver::block_on"),
	};
	const struct bw_frame pool[] = {
		F("std::thread::functions::sleep"),
		F("app::offload::{{closure}}"),
		F("blocking::Executor::main_loop"),
	};
	const struct bw_frame parked[] = {
		F("syscall"),
		F("parking::Parker::park"),
		F("async_io::driver::block_on"),
		F("app::main"),
	};
	struct stack_verdict v = verdict("smol", worker, 8);

	CHECK_INT_EQ(v.role, BW_ROLE_WORKER);
	CHECK(!v.in_block_on && !v.parked);
	CHECK_INT_EQ(verdict("smol", pool, 3).role, BW_ROLE_BLOCKING);
	v = verdict("smol", parked, 4);
	CHECK(v.parked && v.in_block_on);
}

TEST(runtime_async_std_roles_from_stack)
{
	const struct bw_frame worker[] = {
		F("app::handler::{{closure}}"),
		F("async_task::raw::RawTask<F,T,S>::run"),
		F("async_executor::Executor::run::{{closure}}"),
		F("async_io::driver::block_on"),
		F("async_global_executor::threading::thread_main_loop"),
	};
	/* task::block_on on main: a LocalExecutor inside block_on, a
	 * runtime thread only while it is there */
	const struct bw_frame main_thread[] = {
		F("app::main::{{closure}}"),
		F("async_executor::LocalExecutor::run::{{closure}}"),
		F("async_io::driver::block_on"),
		F("async_std::task::builder::Builder::blocking"),
		F("app::main"),
	};
	const struct bw_frame reactor[] = {
		F("epoll_wait"),
		F("polling::Poller::wait"),
		F("async_io::reactor::ReactorLock::react"),
		F("async_io::driver::main_loop"),
	};
	struct stack_verdict v = verdict("async-std", worker, 5);

	CHECK_INT_EQ(v.role, BW_ROLE_WORKER);
	CHECK(!v.in_block_on);
	v = verdict("async-std", main_thread, 5);
	CHECK_INT_EQ(v.role, BW_ROLE_WORKER);
	CHECK(v.in_block_on);
	v = verdict("async-std", reactor, 4);
	CHECK_INT_EQ(v.role, BW_ROLE_UNKNOWN); /* the "async-io" thread: no executor */
	CHECK(v.parked);
}

/* --runtime-profile: a good file, then each kind of mistake named with its
 * line; the profile built is what the tracer probes and matches. */
TEST(custom_profile_parse)
{
	static const char good[] = "# in-house\n"
				   "name = in-house\r\n"
				   "worker-threads = ^exec-[0-9]+$\n"
				   "park-symbol = rt::Queue::wait, rt::Timer::park_timeout\n"
				   "  own-code = my_rt  \n"
				   "own-code = app::rt\n"
				   "epoll-is-park = yes\n";
	const struct runtime_profile *p;
	char err[256];

	custom_profile__reset();
	CHECK(custom_profile__get() == NULL);
	CHECK_INT_EQ(custom_profile__parse(good, sizeof(good) - 1, "f", err, sizeof(err)), 0);
	p = custom_profile__get();
	CHECK(p != NULL);
	CHECK_STR_EQ(p->name, "in-house");
	CHECK_STR_EQ(p->probes[0].suffix, "rt::Queue::wait");
	CHECK_STR_EQ(p->probes[1].suffix, "rt::Timer::park_timeout");
	CHECK(p->probes[2].suffix == NULL);
	CHECK_INT_EQ(p->probes[0].action, BW_PROBE_PARK_ENTER);
	CHECK(p->epoll_is_park);
	CHECK(runtime_owns_symbol(p, "<my_rt::X as core::ops::drop::Drop>::drop"));
	CHECK(!runtime_owns_symbol(p, "my_rtx::f"));
	CHECK(runtime_owns_symbol(p, "<app::rt::Queue as app::Runtime>::unblock"));
	CHECK(!runtime_owns_symbol(p, "app::client"));
	CHECK(symbol_matches_any("app::rt::Queue::wait", p->park_frames));
	CHECK(thread_filter__matches("exec-12"));
	CHECK(!thread_filter__matches("helper"));
	thread_filter__set(NULL);
	custom_profile__reset();
}

TEST(custom_profile_errors)
{
	static const char bad_path[] = "park-symbol = a\nown-code = a::\n";
	char err[256];

	custom_profile__reset();
	CHECK_INT_EQ(custom_profile__parse("park-symbol = a\nbogus\n", 22, "f", err, sizeof(err)), -EINVAL);
	CHECK_STR_EQ(err, "f:2: expected key = value");
	custom_profile__reset();
	CHECK_INT_EQ(custom_profile__parse("colour = red\n", 13, "f", err, sizeof(err)), -EINVAL);
	CHECK(strncmp(err, "f:1: unknown key", 16) == 0);
	custom_profile__reset();
	CHECK_INT_EQ(custom_profile__parse("name = x\n", 9, "f", err, sizeof(err)), -EINVAL);
	CHECK_STR_EQ(err, "f: no park-symbol line (the executor's idle wait)");
	custom_profile__reset();
	CHECK_INT_EQ(custom_profile__parse("park-symbol = a b\n", 18, "f", err, sizeof(err)), -EINVAL);
	CHECK_INT_EQ(custom_profile__parse("park-symbol = a\nname = \"x\"\n", 27, "f", err, sizeof(err)), -EINVAL);
	CHECK_INT_EQ(custom_profile__parse(bad_path, strlen(bad_path), "f", err, sizeof(err)), -EINVAL);
	CHECK_STR_EQ(err, "f:2: bad own-code 'a::' (a crate or module path: my_rt, my_app::rt)");
	/* regexes that cost glibc seconds to compile are refused */
	CHECK_INT_EQ(custom_profile__set_worker_threads("a{99}{99}", err, sizeof(err)), -EINVAL);
	CHECK_INT_EQ(custom_profile__set_worker_threads("a+++", err, sizeof(err)), -EINVAL);
	CHECK_INT_EQ(custom_profile__set_worker_threads("^exec-\\++$", err, sizeof(err)), 0);
	thread_filter__set(NULL);
	custom_profile__reset();
	CHECK_INT_EQ(custom_profile__add_park_symbols(" , ", err, sizeof(err)), -EINVAL);
	for (int i = 0; i < CUSTOM_PROFILE_MAX_SYMBOLS; i++)
		CHECK_INT_EQ(custom_profile__add_park_symbols("x", err, sizeof(err)), 0);
	CHECK_INT_EQ(custom_profile__add_park_symbols("x", err, sizeof(err)), -EINVAL);
	CHECK_STR_EQ(err, "too many park symbols (at most 32)");
	custom_profile__reset();
}
