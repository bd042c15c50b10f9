/* Symbolization against compiler-side ground truth: binutils' addr2line
 * -i -f -C on the same addresses, and the MARK-* / BLAME-HERE lines in the
 * fixture sources. Also the degraded modes (stripped, split debug info),
 * the cache, demangling and elf_find_symbols. */
#include <errno.h>

#include "harness.h"
#include "../fixtures/fixture_helpers.h"
#include "classify/runtime_detect.h"
#include "classify/runtime_profile.h"
#include "symbolize/code_layout.h"
#include "symbolize/demangle.h"
#include "util/path.h"

#include "symbolize/rust_names.h"

#define C_SRC "tests/fixtures/c/inline_sleep.c"
#define RUST_SRC "tests/fixtures/rust-sleep/src/main.rs"

static const char *base(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p ? p : "";
}

/* addr2line reads the legacy linkage name, which calls an async fn's body
 * "{{closure}}"; we name it from DWARF ("{async_fn#0}"). Otherwise equal. */
static bool same_name(const char *ours, const char *a2l)
{
	const char *seg = ours ? strrchr(ours, '{') : NULL;
	size_t keep;

	if (!ours || strcmp(ours, a2l) == 0)
		return ours != NULL;
	/* the async segment starts at the last '{' (it has no nested braces) */
	if (!seg || strncmp(seg, "{async_", 7) != 0)
		return false;
	keep = seg - ours;
	return strncmp(ours, a2l, keep) == 0 && strcmp(a2l + keep, "{{closure}}") == 0;
}

/* Every frame of the fixture binary must equal addr2line's inline chain:
 * same count, names (but for async bodies, see same_name), file basenames
 * and lines. */
static void check_against_addr2line(struct fx_stack *st, const char *bin)
{
	int checked = 0;

	for (int i = 0; i < st->nframes;) {
		struct fx_a2l a2l[64];
		int p = st->phys[i], n = 0, na;

		while (i + n < st->nframes && st->phys[i + n] == p)
			n++;
		if (!fx_ends_with(st->frames[i].module, bin)) {
			i += n;
			continue;
		}
		na = fx_addr2line(st->frames[i].module, st->frames[i].module_offset - (p > 0), a2l, 64);
		if (na < 0) {
			bw_skip_reason = "addr2line not available";
			return;
		}
		CHECK_INT_EQ(n, na);
		for (int j = 0; j < n && j < na; j++) {
			const struct bw_frame *f = &st->frames[i + j];

			if (!same_name(f->function, a2l[j].function))
				CHECK_STR_EQ(f->function, a2l[j].function);
			if (strcmp(a2l[j].file, "??") != 0)
				CHECK_STR_EQ(base(f->file), base(a2l[j].file));
			else
				CHECK(f->file == NULL);
			if (a2l[j].line) /* addr2line prints "?" for line 0 */
				CHECK_INT_EQ(f->line, a2l[j].line);
			CHECK(f->inlined == (j < n - 1));
		}
		checked++;
		i += n;
	}
	CHECK(checked >= 3);
}

TEST(c_frames_match_addr2line)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/c", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/c)");
	check_against_addr2line(&st, "fixtures/c/inline_sleep");
	fx_release(&st);
}

TEST(c_inline_chain_lines_match_markers)
{
	struct fx_stack st;
	int i;

	if (fx_replay(&st, "snap/c", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/c)");
	i = fx_find(&st, "do_sleep");
	CHECK(i >= 0);
	if (i < 0)
		return;
	/* do_sleep | middle (inlined) | outer (inlined) | work | main */
	CHECK_INT_EQ(st.frames[i].line, fx_marker_line(C_SRC, "MARK-SLEEP"));
	CHECK_STR_EQ(st.frames[i + 1].function, "middle");
	CHECK(st.frames[i + 1].inlined);
	CHECK_INT_EQ(st.frames[i + 1].line, fx_marker_line(C_SRC, "MARK-MIDDLE"));
	CHECK_STR_EQ(st.frames[i + 2].function, "outer");
	CHECK_INT_EQ(st.frames[i + 2].line, fx_marker_line(C_SRC, "MARK-OUTER"));
	CHECK_STR_EQ(st.frames[i + 3].function, "work");
	CHECK(!st.frames[i + 3].inlined);
	CHECK_INT_EQ(st.frames[i + 3].line, fx_marker_line(C_SRC, "MARK-WORK"));
	CHECK_STR_EQ(st.frames[i + 4].function, "main");
	CHECK_INT_EQ(st.frames[i + 4].line, fx_marker_line(C_SRC, "MARK-MAIN"));
	CHECK(fx_ends_with(st.frames[i].file, "tests/fixtures/c/inline_sleep.c"));
	CHECK(st.frames[i].build_id != NULL && strlen(st.frames[i].build_id) == 40);
	fx_release(&st);
}

TEST(rust_frames_match_addr2line)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	check_against_addr2line(&st, "fixtures/rust/bw-fixture-sleep");
	fx_release(&st);
}

/* The async fn body is inlined into tokio's poll: its frame must carry the
 * exact line of the std::thread::sleep call. */
static void check_rust_callsite(struct fx_stack *st)
{
	int i = fx_find(st, "bw_fixture_sleep::load_config::{async_fn#0}");

	CHECK(i >= 0);
	if (i < 0)
		return;
	CHECK(st->frames[i].inlined);
	CHECK(fx_ends_with(st->frames[i].file, "rust-sleep/src/main.rs"));
	CHECK_INT_EQ(st->frames[i].line, fx_marker_line(RUST_SRC, "); // BLAME-HERE"));
	CHECK(fx_find(st, "std::thread::functions::sleep") == i - 1);
}

TEST(rust_async_fn_line_is_the_marked_line)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	check_rust_callsite(&st);
	fx_release(&st);
}

TEST(stripped_binary_gives_module_offset_and_build_id)
{
	struct fx_stack st;
	const char *bin = "fixtures/rust/stripped/bw-fixture-sleep";
	int in_bin = 0;

	if (fx_replay(&st, "snap/rust-stripped", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust-stripped)");
	for (int i = 0; i < st.nframes; i++) {
		const struct bw_frame *f = &st.frames[i];

		if (!fx_ends_with(f->module, bin))
			continue;
		in_bin++;
		CHECK(f->function == NULL);
		CHECK(f->file == NULL);
		CHECK(!f->inlined);
		CHECK(f->build_id && strlen(f->build_id) == 40);
		CHECK(f->module_offset > 0 && f->module_offset < 0x10000000);
	}
	CHECK(in_bin >= 10);
	CHECK(fx_find(&st, "clock_nanosleep") == 0); /* libc still named */
	fx_release(&st);
}

TEST(split_debug_via_debuglink)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust-split", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust-split)");
	check_rust_callsite(&st);
	fx_release(&st);
}

TEST(split_debug_via_build_id_dir)
{
	struct fx_stack st;

	if (fx_replay(&st, "snap/rust-buildid", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust-buildid)");
	CHECK(fx_find(&st, "load_config") < 0); /* not found without the dir */
	fx_release(&st);
	fx_replay(&st, "snap/rust-buildid", fx_path("debug"), false);
	check_rust_callsite(&st);
	fx_release(&st);

	bw_set_default_debug_dirs(fx_path("debug"));
	fx_replay(&st, "snap/rust-buildid", NULL, false);
	check_rust_callsite(&st);
	fx_release(&st);
	bw_set_default_debug_dirs(NULL);
}

TEST(cache_returns_same_frames)
{
	struct fx_stack st;
	struct bw_frame a[32], b[32];
	uint64_t hits0, misses0, hits1, misses1;
	int na, nb;

	if (fx_replay(&st, "snap/rust", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/rust)");
	process__symbolize_stats(st.proc, &hits0, &misses0);
	na = process__symbolize(st.proc, st.pcs[2], true, a, 32);
	nb = process__symbolize(st.proc, st.pcs[2], true, b, 32);
	process__symbolize_stats(st.proc, &hits1, &misses1);
	CHECK_INT_EQ(na, nb);
	CHECK_INT_EQ(misses1, misses0);
	CHECK_INT_EQ(hits1, hits0 + 2);
	for (int i = 0; i < na && i < nb; i++) {
		CHECK(a[i].function == b[i].function);
		CHECK(a[i].file == b[i].file);
		CHECK_INT_EQ(a[i].line, b[i].line);
	}
	/* max smaller than the chain: innermost frames + the real function */
	nb = process__symbolize(st.proc, st.pcs[2], true, b, 2);
	CHECK_INT_EQ(nb, 2);
	CHECK(b[0].function == a[0].function);
	CHECK(b[1].function == a[na - 1].function && !b[1].inlined);
	fx_release(&st);
}

TEST(unknown_pc_gives_one_empty_frame)
{
	struct fx_stack st;
	struct bw_frame f[4];

	if (fx_replay(&st, "snap/c", NULL, false) < 0)
		SKIP("no snapshot (build/fixtures/snap/c)");
	CHECK_INT_EQ(process__symbolize(st.proc, 0x1234, false, f, 4), 1);
	CHECK(f[0].function == NULL && f[0].module == NULL && f[0].pc == 0x1234);
	CHECK(process__symbolize(NULL, 1, false, f, 4) < 0);
	fx_release(&st);
}

TEST(demangle_rust_and_cpp)
{
	char buf[512];

	bw_demangle("_ZN16bw_fixture_sleep11load_config28_$u7b$$u7b$closure$u7d$$u7d$17h079b7b15c7949797E",
		    buf, sizeof(buf));
	CHECK_STR_EQ(buf, "bw_fixture_sleep::load_config::{{closure}}");
	bw_demangle("_RNvNtNtCsjrHSEGnQ3l9_3std6thread9functions5sleep", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "std::thread::functions::sleep");
	bw_demangle("_RINvNtCs1234_4core3ptr13drop_in_placeNtCs5678_5hello3FooEB4_", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "core::ptr::drop_in_place::<hello::Foo>");
	bw_demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17hd5079801ae5dd530E.llvm.7193873499678655255",
		    buf, sizeof(buf));
	CHECK_STR_EQ(buf, "std::rt::lang_start::{{closure}}");
	bw_demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "std::vector<int, std::allocator<int> >::push_back(int const&)");
	bw_demangle("main", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "main");
	bw_demangle("foo::bar::h0123456789abcdef", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "foo::bar");
	bw_demangle("foo::bar::hxyz", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "foo::bar::hxyz");
}

struct found {
	int n;
	uint64_t off;
	char name[256];
};

static void on_symbol(const char *name, uint64_t off, void *ctx)
{
	struct found *f = ctx;

	if (f->n++ == 0) {
		f->off = off;
		snprintf(f->name, sizeof(f->name), "%s", name);
	}
}

TEST(elf_find_symbols_gives_file_offsets)
{
	const char *rust = fx_path("rust/bw-fixture-sleep");
	const char *pats[] = { "tokio::runtime::blocking::pool::Inner::run" };
	const char *work[] = { "work" };
	struct found f = { 0 };
	char cmd[1200], line[256];
	unsigned long long nm_addr = 0;
	FILE *p;
	int n;

	if (!fx_exists(fx_path("c/inline_sleep")))
		SKIP("no fixture build/fixtures/c/inline_sleep");
	n = elf_find_symbols(fx_path("c/inline_sleep"), work, 1, on_symbol, &f);
	CHECK(n >= 1);
	CHECK_STR_EQ(f.name, "work");
	/* ground truth: nm's vaddr; the text segment of these PIEs has
	 * p_vaddr == p_offset, so the file offset equals the address */
	snprintf(cmd, sizeof(cmd), "nm '%s' | awk '$3 == \"work\" {print $1}'", fx_path("c/inline_sleep"));
	p = popen(cmd, "r");
	if (p && fgets(line, sizeof(line), p))
		nm_addr = strtoull(line, NULL, 16);
	if (p)
		pclose(p);
	CHECK(nm_addr != 0 && f.off == nm_addr);

	CHECK(elf_find_symbols("/nonexistent", work, 1, on_symbol, &f) < 0);
	if (!fx_exists(rust))
		SKIP("no Rust fixture");
	memset(&f, 0, sizeof(f));
	n = elf_find_symbols(rust, pats, 1, on_symbol, &f);
	CHECK(n >= 1);
	CHECK_STR_EQ(f.name, "tokio::runtime::blocking::pool::Inner::run");
	CHECK(f.off > 0);
}

/* A field offset read from machine code (line-tables-only builds): the
 * pointer loaded from the first argument and locked through. Byte sequences
 * as rustc emits them for Tokio's <Acquire as Drop>::drop, and near misses. */
TEST(code_field_locked_through)
{
	/* cmp byte [rdi+0x38],1; jne; mov rdx,[rdi]; mov ecx,1; xor eax,eax;
	 * lock cmpxchg [rdx],ecx (Tokio 1.24 and 1.49, rustc 1.95) */
	static const uint8_t direct[] = { 0x41, 0x57, 0x80, 0x7f, 0x38, 0x01, 0x0f, 0x85, 0xa6, 0x00,
					  0x00, 0x00, 0x48, 0x8b, 0x17, 0xb9, 0x01, 0x00, 0x00, 0x00,
					  0x31, 0xc0, 0xf0, 0x0f, 0xb1, 0x0a, 0x75, 0x10 };
	/* mov rbx,rdi; mov rax,[rbx+0x28]; lock cmpxchg [rax],ecx */
	static const uint8_t copied[] = { 0x48, 0x89, 0xfb, 0x48, 0x8b, 0x43, 0x28,
					  0xf0, 0x0f, 0xb1, 0x08 };
	/* mov r14,[rdi+0x40]; lock cmpxchg [r14+4],ecx (REX.R load, REX.B lock) */
	static const uint8_t high_regs[] = { 0x4c, 0x8b, 0x77, 0x40, 0xf0, 0x41, 0x0f, 0xb1, 0x4e, 0x04 };
	/* the same with a 32-bit displacement: mov r14,[rdi+0x108] */
	static const uint8_t disp32[] = { 0x4c, 0x8b, 0xb7, 0x08, 0x01, 0x00, 0x00,
					  0xf0, 0x41, 0x0f, 0xb1, 0x0e };
	/* loaded, but the lock is on another register */
	static const uint8_t other_reg[] = { 0x48, 0x8b, 0x17, 0xf0, 0x0f, 0xb1, 0x0b };
	/* a byte offset (not a pointer field) */
	static const uint8_t odd[] = { 0x48, 0x8b, 0x57, 0x03, 0xf0, 0x0f, 0xb1, 0x0a };
	/* the register was copied over from a non-self register before the lock */
	static const uint8_t clobbered[] = { 0x48, 0x8b, 0x17, 0x48, 0x89, 0xf2, 0xf0, 0x0f, 0xb1, 0x0a };
	uint64_t off = 99;

	CHECK_INT_EQ(code_field_locked_through(direct, sizeof(direct), &off), 0);
	CHECK_INT_EQ(off, 0);
	CHECK_INT_EQ(code_field_locked_through(copied, sizeof(copied), &off), 0);
	CHECK_INT_EQ(off, 0x28);
	CHECK_INT_EQ(code_field_locked_through(high_regs, sizeof(high_regs), &off), 0);
	CHECK_INT_EQ(off, 0x40);
	CHECK_INT_EQ(code_field_locked_through(disp32, sizeof(disp32), &off), 0);
	CHECK_INT_EQ(off, 0x108);
	CHECK_INT_EQ(code_field_locked_through(other_reg, sizeof(other_reg), &off), -ENOENT);
	CHECK_INT_EQ(code_field_locked_through(odd, sizeof(odd), &off), -ENOENT);
	CHECK_INT_EQ(code_field_locked_through(clobbered, sizeof(clobbered), &off), -ENOENT);
	/* every truncation before the lock's last byte (offset 25): not found,
	 * and no read past the end (the sanitizer build checks) */
	for (size_t n = 0; n < 26; n++)
		CHECK(code_field_locked_through(direct, n, &off) == -ENOENT);
	CHECK_INT_EQ(code_field_locked_through(NULL, 4, &off), -EINVAL);
}

/* A probe purpose none of whose spellings is in the binary, although the
 * code it belongs to is linked in, is named (a release the table lacks);
 * one whose code is absent, or that was placed, is not. */
TEST(runtime_missing_purposes_named)
{
	static const struct runtime_probe_rule rules[] = {
		{ "tokio::runtime::renamed_in_a_future_release::run", BW_PROBE_ROLE_WORKER, 0, 0, false,
		  "worker loop", "tokio::runtime::" },
		{ "tokio::runtime::blocking::pool::Inner::run", BW_PROBE_ROLE_BLOCKING, 0, 0, false,
		  "blocking pool", "blocking::pool::" },
		{ "no::such::runtime::park", BW_PROBE_PARK_ENTER, 0, 0, false, "worker park",
		  "no::such::runtime::" },
		{ "tokio::sync::batch_semaphore::Not::there", BW_PROBE_RELEASE, 0, RT_FEATURE_LOCKS,
		  false, "async lock release", "tokio::" },
		{ NULL, 0, 0, 0, false, NULL, NULL },
	};
	const struct runtime_profile prof = { .name = "test", .probes = rules };
	const char *rust = fx_path("rust/bw-fixture-sleep");
	const char *placed[] = { "blocking pool" };
	const char *missing[8];
	int n;

	if (!fx_exists(rust))
		SKIP("no Rust fixture");
	n = runtime_missing_purposes(&prof, rust, 0, placed, 1, missing, 8);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(n ? missing[0] : "", "worker loop");
	/* with --locks, the lock release purpose counts too */
	n = runtime_missing_purposes(&prof, rust, RT_FEATURE_LOCKS, placed, 1, missing, 8);
	CHECK_INT_EQ(n, 2);
	/* nothing placed: the blocking pool's probe is missing as well */
	n = runtime_missing_purposes(&prof, rust, 0, NULL, 0, missing, 8);
	CHECK_INT_EQ(n, 2);
}

/* DWARF joins comp_dir and a relative file ("../src/main.rs" from a
 * manifest in a subfolder): shown without the detour. */
TEST(source_paths_tidied)
{
	char out[256], small[8];

	CHECK_STR_EQ(path_join_tidy("/w/app/tokio-1.49/bw", "../../bw/src/main.rs", out, sizeof(out)),
		     "/w/app/bw/src/main.rs");
	CHECK_STR_EQ(path_join_tidy("/w/app", "/abs/./x//y.rs", out, sizeof(out)), "/abs/x/y.rs");
	CHECK_STR_EQ(path_join_tidy(NULL, "src/../lib.rs", out, sizeof(out)), "lib.rs");
	CHECK_STR_EQ(path_join_tidy("", "../../up.rs", out, sizeof(out)), "../../up.rs");
	CHECK_STR_EQ(path_join_tidy("/", "../etc/x", out, sizeof(out)), "/etc/x");
	CHECK_STR_EQ(path_join_tidy("a", "..", out, sizeof(out)), ".");
	CHECK_STR_EQ(path_join_tidy("/w", "/rustc/abc/library/std/src/lib.rs", out, sizeof(out)),
		     "/rustc/abc/library/std/src/lib.rs");
	/* truncation keeps a terminated prefix */
	CHECK_STR_EQ(path_join_tidy("/abcdef", "ghij.rs", small, sizeof(small)), "/abcdef");
}

/* Async bodies get DWARF's name for them; users read "f (async fn)". */
TEST(rust_async_body_names)
{
	static const struct {
		const char *name, *die, *want;
	} kinds[] = {
		{ "app::cache::refresh::{{closure}}", "{async_fn#0}<u64>", "app::cache::refresh::{async_fn#0}" },
		{ "app::cache::refresh::{closure#0}", "{async_block#1}", "app::cache::refresh::{async_block#1}" },
		{ "app::cache::refresh::{closure#0}::<u64>", "{async_fn#0}", "app::cache::refresh::{async_fn#0}" },
		{ "app::f::{{closure}}", "{closure#0}", "app::f::{{closure}}" }, /* a closure stays one */
		{ "app::f", "{async_fn#0}", "app::f" },                        /* not a body's name */
		{ "app::f::{{closure}}", "f", "app::f::{{closure}}" },
		{ "app::f::{{closure}}", "{async_fn#0", "app::f::{{closure}}" },
		{ "app::f::{{closure}}", NULL, "app::f::{{closure}}" },
	};
	static const struct {
		const char *name, *want;
	} shown[] = {
		{ "app::cache::refresh::{async_fn#0}", "app::cache::refresh (async fn)" },
		{ "<app::Db as app::Store>::get::{async_fn#0}", "<app::Db as app::Store>::get (async fn)" },
		{ "app::serve::{async_block#2}", "app::serve (async block)" },
		{ "app::serve::{async_closure#0}<F>", "app::serve (async closure)" },
		{ "app::get::{async_fn#0}::<u64>", "app::get (async fn)" },
		{ "{async_fn#0}<u64>", "async fn" }, /* line-tables-only: no path */
		{ "app::f::{{closure}}", "app::f::{{closure}}" },
		{ "app::f::{closure#1}", "app::f::{closure#1}" },
		{ "app::{async_fn#0}::inner", "app::{async_fn#0}::inner" },
		{ "std::thread::sleep", "std::thread::sleep" },
		{ "x}", "x}" },
		{ "a::b{async_fn#0}", "a::b{async_fn#0}" },
		{ "a::{async_fn#0", "a::{async_fn#0" },
		{ "a::f::{async_fn#0}<Fn() -> T>", "a::f (async fn)" },
	};
	struct bw_frame unknown = { .module = "/srv/bin/app", .module_offset = 0x10, .pc = 0x5010 };
	char name[128], buf[128];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(name, sizeof(name), "%s", kinds[i].name);
		rust_name_body_kind(name, sizeof(name), kinds[i].die);
		CHECK_STR_EQ(name, kinds[i].want);
	}
	snprintf(name, 16, "a::{{closure}}");
	rust_name_body_kind(name, 16, "{async_block#12}"); /* no room: left alone */
	CHECK_STR_EQ(name, "a::{{closure}}");
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		CHECK_STR_EQ(rust_display_name(shown[i].name, buf, sizeof(buf)), shown[i].want);
	CHECK(rust_display_name(NULL, buf, sizeof(buf)) == NULL);
	CHECK_STR_EQ(frame_display_name(&unknown, buf, sizeof(buf)), "app+0x10");
	unknown.module = NULL;
	CHECK_STR_EQ(frame_display_name(&unknown, buf, sizeof(buf)), "0x5010");
	CHECK_STR_EQ(rust_async_kind("{async_gen_fn_env#0}", 20), "async gen fn");
	CHECK(rust_async_kind("{closure#0}", 11) == NULL);
}
