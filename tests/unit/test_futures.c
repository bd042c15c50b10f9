/* Unit tests of `blockwatch futures` without DWARF: names of state machine
 * types, Tokio versions in paths, byte sizes, and ranking (merge, sort, flags). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "futures/bytes.h"
#include "futures/rank.h"
#include "futures/scan.h"

TEST(kind_from_type_name)
{
	CHECK_STR_EQ(future_kind("{async_fn_env#0}"), "async fn");
	CHECK_STR_EQ(future_kind("{async_block_env#3}"), "async block");
	CHECK_STR_EQ(future_kind("{async_closure_env#0}"), "async closure");
	CHECK_STR_EQ(future_kind("{async_gen_block_env#0}"), "async gen block");
	CHECK_STR_EQ(future_kind("{async_future_env#0}"), "async");
	CHECK(future_kind("{closure_env#0}") == NULL);
	CHECK(future_kind("{async_fn#0}") == NULL); /* the namespace, not the type */
	CHECK(future_kind("&mut a::{async_fn_env#0}") == NULL);
	CHECK(future_kind(NULL) == NULL);
}

TEST(tokio_version_from_paths)
{
	char v[32];

	CHECK(tokio_version_in_path("/usr/share/cargo/registry/tokio-1.24.2/src/lib.rs/@/tokio.x-cgu.0", v, sizeof(v)));
	CHECK_STR_EQ(v, "1.24.2");
	CHECK(tokio_version_in_path("/h/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.41.0/src/task/spawn.rs", v, sizeof(v)));
	CHECK_STR_EQ(v, "1.41.0");
	CHECK(!tokio_version_in_path("/r/tokio-macros-1.7.0/src/lib.rs", v, sizeof(v)));
	CHECK(!tokio_version_in_path("/r/tokio-util-0.7.4/src/lib.rs", v, sizeof(v)));
	CHECK(!tokio_version_in_path("/r/my-tokio-1.2/src/lib.rs", v, sizeof(v)));
	CHECK(!tokio_version_in_path("/vendor/tokio/src/lib.rs", v, sizeof(v)));
	CHECK(!tokio_version_in_path(NULL, v, sizeof(v)));
}

TEST(byte_sizes)
{
	uint64_t n = 0;
	char buf[32];

	CHECK(parse_bytes("65536", &n) == 0 && n == 65536);
	CHECK(parse_bytes("16KiB", &n) == 0 && n == 16384);
	CHECK(parse_bytes("16k", &n) == 0 && n == 16384);
	CHECK(parse_bytes("2M", &n) == 0 && n == 2u << 20);
	CHECK(parse_bytes("8 MiB", &n) == 0 && n == 8u << 20);
	CHECK(parse_bytes("1GB", &n) == 0 && n == 1u << 30);
	CHECK(parse_bytes("", &n) < 0);
	CHECK(parse_bytes("-1", &n) < 0);
	CHECK(parse_bytes("12 parsecs", &n) < 0);
	CHECK(parse_bytes("99999999999999999999", &n) < 0);
	CHECK(parse_bytes("99999999999G", &n) < 0);
	CHECK_STR_EQ(format_bytes(24, buf, sizeof(buf)), "24 B");
	CHECK_STR_EQ(format_bytes(65541, buf, sizeof(buf)), "64.0 KiB");
	CHECK_STR_EQ(format_bytes(2u << 20, buf, sizeof(buf)), "2.0 MiB");
}

static void add(struct future_list *l, const char *name, uint64_t size, const char *file, unsigned line)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct future_type){ .name = strdup(name), .kind = "async fn", .size = size,
					     .file = file ? strdup(file) : NULL, .line = line, .copies = 1 };
}

TEST(rank_merges_sorts_and_flags)
{
	struct futures_policy p = { .box_threshold = 16384, .stack_size = 2u << 20, .stack_percent = 10 };
	struct future_list l = {};

	add(&l, "app::small", 24, "/a/src/main.rs", 18);
	add(&l, "app::upload", 65541, "/a/src/main.rs", 9);
	add(&l, "app::small", 24, "/a/src/main.rs", 18); /* same type from another unit */
	add(&l, "app::edge", 16384, "/a/src/main.rs", 30); /* Tokio boxes only above */
	add(&l, "app::huge", 300000, NULL, 0);
	add(&l, "app::generic", 100, "/a/src/g.rs", 5);
	add(&l, "app::generic", 200, "/a/src/g.rs", 5); /* another instantiation */
	CHECK_INT_EQ(futures_rank(&l, &p), 6);
	CHECK_STR_EQ(l.v[0].name, "app::huge");
	CHECK_INT_EQ(l.v[0].flags, FUTURE_F_BIG | FUTURE_F_STACK);
	CHECK_STR_EQ(l.v[1].name, "app::upload");
	CHECK_INT_EQ(l.v[1].flags, FUTURE_F_BIG);
	CHECK_STR_EQ(l.v[2].name, "app::edge");
	CHECK_INT_EQ(l.v[2].flags, 0);
	CHECK_STR_EQ(l.v[5].name, "app::small");
	CHECK_INT_EQ(l.v[5].copies, 2);
	CHECK_INT_EQ(futures_count(&l).big, 2);
	CHECK_INT_EQ(futures_count(&l).stack, 1);
	future_list__free(&l);
	CHECK(l.n == 0 && l.v == NULL);
	future_list__free(NULL);
}

TEST(stack_flag_at_exact_percent)
{
	struct futures_policy p = { .box_threshold = 1u << 30, .stack_size = 1000, .stack_percent = 10 };
	struct future_list l = {};

	add(&l, "a", 100, NULL, 0);
	add(&l, "b", 99, NULL, 0);
	futures_rank(&l, &p);
	CHECK_INT_EQ(l.v[0].flags, FUTURE_F_STACK);
	CHECK_INT_EQ(l.v[1].flags, 0);
	future_list__free(&l);
}

TEST(policy_names_tokio_behaviour)
{
	struct futures_policy p = {};

	futures_policy_explain(&p, "1.24.2");
	CHECK(strstr(p.tokio_note, "never boxes") != NULL);
	futures_policy_explain(&p, "1.41.0");
	CHECK(strstr(p.tokio_note, "boxes futures over 16 KiB") != NULL);
	futures_policy_explain(&p, "1.47.1");
	CHECK(strstr(p.tokio_note, "boxes futures over 16 KiB") != NULL);
	futures_policy_explain(&p, "?");
	CHECK(strstr(p.tokio_note, "unknown") != NULL);
	futures_policy_explain(&p, "");
	CHECK(strstr(p.tokio_note, "not found") != NULL);
}
