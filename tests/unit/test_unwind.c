/* Unwinding stored stack snapshots of the fixtures (tests/fixtures):
 * the C program (-O2 -fomit-frame-pointer) and the Tokio release program,
 * plus its stripped and split-debug copies. BW_TEST_VERBOSE=1 prints the
 * frames. */
#include "harness.h"
#include "../fixtures/fixture_helpers.h"

TEST(unwind_c_snapshot_reaches_main)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/c", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/c)");
	CHECK(st.proc != NULL);
	CHECK_INT_EQ(st.why, UNWIND_STOP_END);
	CHECK(fx_find(&st, "do_sleep") >= 0);
	CHECK(fx_find(&st, "work") >= 0);
	CHECK(fx_find(&st, "main") >= 0);
	CHECK(fx_find(&st, "do_sleep") < fx_find(&st, "work"));
	fx_release(&st);
}

TEST(unwind_rust_snapshot_reaches_thread_start)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	CHECK_INT_EQ(st.why, UNWIND_STOP_END);
	CHECK(fx_find(&st, "std::thread::functions::sleep") >= 0);
	CHECK(fx_find(&st, "bw_fixture_sleep::load_config") >= 0);
	CHECK(fx_find(&st, "tokio::runtime::scheduler::multi_thread::worker") >= 0);
	fx_release(&st);
}
