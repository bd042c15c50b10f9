/* Writes the crafted recordings of tests/fuzz: seeds for the fuzzer
 * (corpus/recording) and the regression inputs of issue 15's table
 * (regressions/recording), replayed by `make test`. Deterministic: run
 * `make fuzz-seeds` after changing it and commit the files.
 * Usage: gen_seeds CORPUS_DIR REGRESSIONS_DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/craft.h"
#include "record/writer.h"

static void save(const char *dir, const char *name, const struct bytebuf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static const char evil[] = "\x1b]0;owned\x07\x1b[2J<img src=x onerror=alert(1)>\xff\xc3(\xc2\x9b";

/* A valid recording through the writer: every record type. */
static void valid(const char *dir)
{
	static struct bw_frame frames[] = {
		{ .pc = 0x1000, .function = "__clock_nanosleep", .module = "/lib/libc.so.6", .module_offset = 0x1000 },
		{ .pc = 0x2000, .function = "std::thread::sleep", .file = "/rust/thread.rs", .line = 10, .module = "/app", .module_offset = 0x2000, .build_id = "abcd" },
		{ .pc = 0x3000, .function = "app::handler::{{closure}}", .file = "/src/main.rs", .line = 42, .inlined = true, .module = "/app", .module_offset = 0x3000, .build_id = "abcd" },
	};
	struct rec_meta meta = { .major = 1, .tool_version = "seed", .kernel = "Linux", .hostname = "h",
				 .targets = "-- app", .start_unix_ns = 1, .start_mono_ns = 1000,
				 .threshold_ns = 1000000 };
	struct bw_snap_process p = { .pid = 100, .comm = "app", .exe = "/app", .runtime = "tokio",
				     .park_detection = "uprobes" };
	struct bw_snap_thread t = { .pid = 100, .tid = 101, .comm = "tokio-runtime-w",
				    .role = 1, .time_ns = { 5, 30000000, 7, 1 }, .stuck = true,
				    .stuck_ns = 9, .stuck_where = "x (y.rs:1)" };
	struct bw_snap_counter lost = { "ringbuf_full", 4 };
	char *note = "a note";
	struct bw_snapshot snap = { .start_ns = 1000, .now_ns = 2000000000, .threshold_ns = 1000000,
				    .events_total = 2, .processes = &p, .nprocesses = 1,
				    .threads = &t, .nthreads = 1, .lost = &lost, .nlost = 1,
				    .degraded = &note, .ndegraded = 1 };
	struct rec_event e = { .ts_ns = 2000000, .blocked_ns = 1500000, .pid = 100, .tid = 101,
			       .syscall_nr = 230, .category = "sleep", .callsite = "app::handler",
			       .blame = { .api_frame = 1, .callsite_frame = 2, .blocking_api = "std::thread::sleep" },
			       .frames = frames, .nframes = 3, .holder_thread = "w", .holder_where = "z" };
	struct rec_slice sl = { .pid = 100, .tid = 101, .t0 = 1000, .t1 = 100001000, .ns = { 1, 2, 3, 4 } };
	char path[4096], err[512];
	struct rec_writer *w;

	snprintf(path, sizeof(path), "%s/valid.bw", dir);
	w = rec_writer__open(path, &meta, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	rec_writer__process(w, &p);
	rec_writer__thread(w, &t, false);
	rec_writer__event(w, &e);
	rec_writer__slice(w, &sl);
	rec_writer__tick(w, ~0ULL);
	e.long_poll = true;
	rec_writer__event(w, &e);
	e.long_poll = false;
	e.lock_hold = true;
	rec_writer__event(w, &e);
	rec_writer__finish(w, &snap);
	if (rec_writer__close(w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

static void evil_names(struct bytebuf *f)
{
	struct bytebuf raw = {};

	craft_header(f);
	craft_string(&raw, evil, strlen(evil));
	craft_varints(&raw, BW_REC_PROCESS, 6, (uint64_t[]){ 7, 1, 1, 1, 1, 0 });
	craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 7, 8, 1, 1, 0 });
	craft_varints(&raw, BW_REC_LOST, 2, (uint64_t[]){ 1, 5 });
	craft_varints(&raw, BW_REC_DEGRADED, 1, (uint64_t[]){ 1 });
	craft_varints(&raw, BW_REC_EVENT, 23, (uint64_t[]){ 5000, 7, 8, 2000000, 0, 0, 1, 1, 1, 1, 0, 0,
							     1, 0x1000, 1, 1, 3, 0, 1, 0x10, 1, 1, 1 });
	craft_varints(&raw, BW_REC_END, 4, (uint64_t[]){ 10000, 5, 1, 1000 });
	craft_chunk(f, 0, &raw);
	bytebuf__release(&raw);
}

int main(int argc, char **argv)
{
	struct bytebuf f = {}, raw = {};
	const char *corpus = argc > 2 ? argv[1] : ".", *reg = argc > 2 ? argv[2] : ".";
	char *big;

	valid(corpus);

	/* #1: a string with an embedded NUL whose prefix is already pooled */
	craft_header(&f);
	craft_string(&raw, "abc", 3);
	craft_string(&raw, "zzzzzzzzzzzzzzzz", 16);
	craft_string(&raw, "abc\0\x01\x02\x03zzzzzzzzzzzzzzzzzzzzzzzz", 31);
	craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 1, 2, 3, 0, 0 });
	craft_varints(&raw, BW_REC_END, 4, (uint64_t[]){ 1, 2, 0, 1 });
	craft_chunk(&f, 0, &raw);
	save(corpus, "01-string-with-nul.bw", &f);
	save(reg, "01-string-with-nul.bw", &f);

	/* #2: many damaged chunks (each a problem) */
	bytebuf__reset(&f);
	craft_header(&f);
	for (int i = 0; i < 20000; i++) {
		uint8_t h[24];

		memcpy(h, BW_CHUNK_MAGIC, 4);
		craft_le32(h + 4, i);
		craft_le32(h + 8, 0);
		craft_le32(h + 12, 0);
		craft_le32(h + 16, 1);
		craft_le32(h + 20, crc32(0, h, 20));
		bytebuf__append(&f, h, 24);
	}
	save(reg, "02-damaged-chunks.bw", &f);

	/* #2, #3: many distinct notes, lost reasons, threads and processes */
	bytebuf__reset(&f);
	bytebuf__reset(&raw);
	craft_header(&f);
	for (int i = 0; i < 20000; i++) {
		char s[32];
		int n = snprintf(s, sizeof(s), "n%d", i);

		craft_string(&raw, s, n);
		craft_varints(&raw, BW_REC_DEGRADED, 1, (uint64_t[]){ i + 1 });
		craft_varints(&raw, BW_REC_LOST, 2, (uint64_t[]){ i + 1, 1 });
		craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 1, i, i + 1, 0, 0 });
		craft_varints(&raw, BW_REC_PROCESS, 6, (uint64_t[]){ i, i + 1, i + 1, 0, 0, 0 });
		craft_varints(&raw, BW_REC_SLICE, 8, (uint64_t[]){ 1, i, 0, 1, 1, 1, 1, 1 });
	}
	craft_chunk(&f, 0, &raw);
	save(reg, "03-many-records.bw", &f);

	/* #4: chunks of one repeated byte inflating 1000:1 */
	bytebuf__reset(&f);
	craft_header(&f);
	big = malloc(60 << 20);
	for (int i = 0; i < 3; i++) {
		bytebuf__reset(&raw);
		memset(big, 'a' + i, 60 << 20);
		craft_string(&raw, big, 60 << 20);
		craft_chunk(&f, i, &raw);
	}
	free(big);
	save(reg, "04-inflate-bomb.bw", &f);

	/* #5: not a recording at all */
	bytebuf__reset(&f);
	bytebuf__append(&f, (const char[4096]){ 0 }, 4096);
	save(reg, "05-zeros.bw", &f);
	bytebuf__reset(&f);
	bytebuf__append(&f, BW_REC_MAGIC " \n\n\n\n", strlen(BW_REC_MAGIC) + 5);
	save(corpus, "05-header-whitespace.bw", &f);

	/* #6, #7, #15: hostile names everywhere, now < start */
	bytebuf__reset(&f);
	evil_names(&f);
	save(corpus, "06-evil-names.bw", &f);
	save(reg, "06-evil-names.bw", &f);

	bytebuf__release(&f);
	bytebuf__release(&raw);
	return 0;
}
