/* Unwinding stored stack snapshots of the fixtures (tests/fixtures): the C
 * program (-O2 -fomit-frame-pointer), the Tokio release program and its
 * stripped copy, plus a live child process. BW_TEST_VERBOSE=1 prints the
 * frames. */
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>

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
	CHECK(fx_find(&st, "work") > fx_find(&st, "do_sleep"));
	CHECK(fx_find(&st, "main") > fx_find(&st, "work"));
	CHECK(fx_find(&st, "_start") > fx_find(&st, "main"));
	fx_release(&st);
}

TEST(unwind_rust_snapshot_reaches_thread_start)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	CHECK_INT_EQ(st.why, UNWIND_STOP_END);
	CHECK(fx_find(&st, "std::thread::functions::sleep") >= 0);
	CHECK(fx_find(&st, "bw_fixture_sleep::load_config") > fx_find(&st, "std::thread::functions::sleep"));
	CHECK(fx_find(&st, "tokio::runtime::scheduler::multi_thread::worker::run") >
	      fx_find(&st, "bw_fixture_sleep::load_config"));
	CHECK(fx_find(&st, "start_thread") > fx_find(&st, "worker::run"));
	fx_release(&st);
}

/* /proc/PID/task/TID/syscall gives only sp and pc. Code whose CFA comes
 * from rsp (the C fixture, libc) unwinds all the way; Rust's std is built
 * with frame pointers (CFA from rbp), so there the walk stops early, but
 * every frame it does produce must match the full-register walk. */
TEST(unwind_with_only_sp_and_ip)
{
	struct fx_stack full, part;

	if (fx_replay(&full, "snap/c", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/c)");
	fx_replay(&part, "snap/c", NULL, true);
	CHECK_INT_EQ(part.why, UNWIND_STOP_END);
	CHECK_INT_EQ(part.npcs, full.npcs);
	CHECK(fx_find(&part, "main") >= 0);
	fx_release(&full);
	fx_release(&part);

	if (fx_replay(&full, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	fx_replay(&part, "snap/rust", NULL, true);
	CHECK(part.npcs >= 2);
	CHECK(fx_find(&part, "std::thread::functions::sleep") >= 0);
	for (int i = 0; i < part.npcs && i < full.npcs; i++)
		CHECK(part.pcs[i] == full.pcs[i]);
	CHECK(part.why != UNWIND_STOP_END || part.npcs == full.npcs);
	fx_release(&full);
	fx_release(&part);
}

/* Without symbols the unwind still runs on .eh_frame: same frames. */
TEST(unwind_stripped_matches_full)
{
	struct fx_stack full, strip;

	if (fx_replay(&full, "snap/rust", NULL, false) < 0 ||
	    fx_replay(&strip, "snap/rust-stripped", NULL, false) < 0)
		SKIP("no snapshots (build/fixtures/snap/rust*)");
	CHECK_INT_EQ(strip.why, UNWIND_STOP_END);
	CHECK_INT_EQ(strip.npcs, full.npcs);
	for (int i = 0; i < strip.npcs && i < full.npcs; i++) {
		struct bw_frame a, b;

		process__symbolize(full.proc, full.pcs[i], i > 0, &a, 1);
		process__symbolize(strip.proc, strip.pcs[i], i > 0, &b, 1);
		CHECK(a.module_offset == b.module_offset);
	}
	fx_release(&full);
	fx_release(&strip);
}

TEST(unwind_truncated_copy_stops_at_end_of_copy)
{
	struct fx_stack st;
	uint64_t pcs[64], stops[UNWIND_STOP_NR], unwinds;
	enum unwind_stop why;
	int n;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	st.snap.sample.stack_len = 64;
	n = process__unwind(st.proc, &st.snap.sample, pcs, 64, &why);
	CHECK(n >= 1 && n < st.npcs);
	CHECK_INT_EQ(why, UNWIND_STOP_END_OF_COPY);
	CHECK_STR_EQ(unwind_stop__name(why), "end-of-copy");
	process__unwind_stats(st.proc, &unwinds, stops);
	CHECK_INT_EQ(unwinds, 2);
	CHECK_INT_EQ(stops[UNWIND_STOP_END_OF_COPY], 1);
	CHECK_INT_EQ(stops[UNWIND_STOP_END], 1);
	fx_release(&st);
}

TEST(unwind_max_depth_and_bad_address)
{
	struct fx_stack st;
	uint64_t pcs[64];
	enum unwind_stop why;
	int n;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	n = process__unwind(st.proc, &st.snap.sample, pcs, 3, &why);
	CHECK_INT_EQ(n, 3);
	CHECK_INT_EQ(why, UNWIND_STOP_MAX_DEPTH);
	/* A wild pc with nothing to fall back on (libdwfl would otherwise
	 * follow rbp, which std's frame pointers make work). */
	st.snap.sample.regs[BW_REG_IP] = 0x10;
	st.snap.sample.regs[BW_REG_BP] = 0;
	st.snap.sample.stack_len = 0;
	n = process__unwind(st.proc, &st.snap.sample, pcs, 64, &why);
	CHECK(n >= 1 && pcs[0] == 0x10);
	CHECK_INT_EQ(why, UNWIND_STOP_BAD_ADDRESS);
	fx_release(&st);
}

TEST(process_refresh_keeps_state)
{
	struct fx_stack st;
	struct bw_frame a[16], b[16];
	int before, na, nb;

	if (fx_replay(&st, "snap/c", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/c)");
	before = process__module_count(st.proc);
	CHECK(before >= 2);
	na = process__symbolize(st.proc, st.pcs[3], true, a, 16);
	CHECK_INT_EQ(process__refresh(st.proc), 0);
	CHECK_INT_EQ(process__module_count(st.proc), before);
	nb = process__symbolize(st.proc, st.pcs[3], true, b, 16);
	CHECK_INT_EQ(na, nb);
	CHECK(a[0].function == b[0].function); /* same interned string: cached */
	fx_release(&st);
}

static int wait_in_nanosleep(pid_t pid, uint64_t *sp, uint64_t *ip)
{
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		long nr = -1;
		unsigned long long a[6], s = 0, p = 0;

		if (f) {
			if (fgets(line, sizeof(line), f) &&
			    sscanf(line, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", &nr, &a[0],
				   &a[1], &a[2], &a[3], &a[4], &a[5], &s, &p) == 9 &&
			    (nr == 35 || nr == 230)) {
				fclose(f);
				*sp = s;
				*ip = p;
				return 0;
			}
			fclose(f);
		}
		usleep(10000);
	}
	return -1;
}

/* A live child: maps from /proc/PID, registers from /proc/PID/syscall
 * (sp + pc only), stack from process_vm_readv. */
TEST(unwind_live_child_process)
{
	const char *bin = fx_path("c/inline_sleep");
	uint8_t stack[BW_STACK_BYTES];
	struct bw_stack_sample s = { 0 };
	struct bw_process *proc;
	struct bw_frame f[8];
	uint64_t pcs[64];
	enum unwind_stop why;
	bool saw_main = false;
	pid_t pid;
	int n;

	if (!fx_exists(bin))
		SKIP("no fixture build/fixtures/c/inline_sleep");
	pid = fork();
	if (pid == 0) {
		execl(bin, bin, "30", (char *)NULL);
		_exit(127);
	}
	if (wait_in_nanosleep(pid, &s.regs[BW_REG_SP], &s.regs[BW_REG_IP]) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		SKIP("child did not reach nanosleep (or /proc/PID/syscall unreadable)");
	}
	{
		struct iovec l = { stack, 4096 }, r = { (void *)(uintptr_t)s.regs[BW_REG_SP], 4096 };
		ssize_t got = process_vm_readv(pid, &l, 1, &r, 1, 0);

		s.stack = stack;
		s.stack_len = got > 0 ? (size_t)got : 0;
	}
	s.pid = s.tid = pid;
	proc = process__new(pid);
	CHECK(proc != NULL);
	if (proc && s.stack_len) {
		n = process__unwind(proc, &s, pcs, 64, &why);
		for (int i = 0; i < n; i++)
			if (process__symbolize(proc, pcs[i], i > 0, f, 8) > 0 && f[0].function &&
			    strcmp(f[0].function, "main") == 0)
				saw_main = true;
		CHECK(saw_main);
		CHECK_INT_EQ(why, UNWIND_STOP_END);
	}
	process__free(proc);
	process__free(NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
