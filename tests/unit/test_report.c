/* Report writers from an in-memory recording: folded totals, the pprof
 * protobuf (gunzipped and walked), non-overlapping timelines, HTML that no
 * recorded string can break out of, and the text/json summaries. */
#include "harness.h"

#include <stdlib.h>
#include <zlib.h>

#include "record/bytebuf.h"
#include "record/recording.h"
#include "report/report.h"
#include "report/timeline.h"

static struct bw_frame frames_a[] = {
	{ .pc = 0x1000, .function = "__clock_nanosleep", .module = "/lib/libc.so.6", .module_offset = 0x100 },
	{ .pc = 0x2000, .function = "std::thread::sleep", .module = "/app", .module_offset = 0x2000 },
	{ .pc = 0x3000, .function = "app::slow;</script><b>", .file = "/src/main.rs", .line = 42, .inlined = true, .module = "/app", .module_offset = 0x3000 },
	{ .pc = 0x3000, .function = "app::main", .file = "/src/main.rs", .line = 7, .module = "/app", .module_offset = 0x3000 },
};
static struct bw_frame frames_b[] = {
	{ .pc = 0x1000, .function = NULL, .module = "/lib/libc.so.6", .module_offset = 0x100 },
	{ .pc = 0x4000, .function = "app::other", .file = "/src/db.rs", .line = 9, .module = "/app", .module_offset = 0x4000 },
};

static void add(struct bw_recording *r, uint64_t ts, uint64_t ns, pid_t tid, struct bw_frame *f, int n,
		int callsite_frame, bool stuck)
{
	struct rec_event e = {
		.ts_ns = ts, .blocked_ns = ns, .pid = 10, .tid = tid, .syscall_nr = -1, .stuck = stuck,
		.category = "sleep", .callsite = callsite_frame == 2 ? "app::slow (main.rs:42)" : "app::other (db.rs:9)",
		.blame = { .api_frame = 1, .callsite_frame = callsite_frame, .blocking_api = "std::thread::sleep" },
		.frames = f, .nframes = n,
	};

	CHECK_INT_EQ(recording__add_event(r, &e), 0);
}

static struct bw_recording *sample(void)
{
	struct bw_recording *r = recording__new();
	struct rec_meta m = { .major = 1, .tool_version = "t", .start_mono_ns = 1000000000, .threshold_ns = 1000000 };
	struct bw_snap_process p = { .pid = 10, .comm = "app", .exe = "/app", .park_detection = "uprobes" };
	struct bw_snap_thread w1 = { .pid = 10, .tid = 11, .comm = "tokio-runtime-w", .role = BW_ROLE_WORKER };
	struct bw_snap_thread w2 = { .pid = 10, .tid = 12, .comm = "tokio-runtime-w", .role = BW_ROLE_WORKER };
	struct bw_snap_thread other = { .pid = 10, .tid = 10, .comm = "app", .role = BW_ROLE_OTHER };
	uint64_t t = 1000000000;

	recording__set_meta(r, &m);
	recording__put_process(r, &p);
	recording__put_thread(r, &w1, false);
	recording__put_thread(r, &w2, false);
	recording__put_thread(r, &other, false);
	/* overlapping intervals on tid 11 (clipped by the timeline) */
	add(r, t + 50000000, 20000000, 11, frames_a, 4, 2, false);
	add(r, t + 60000000, 15000000, 11, frames_a, 4, 2, false);
	add(r, t + 150000000, 5000000, 12, frames_b, 2, 1, false);
	add(r, t + 180000000, 7000000, 12, frames_b, 2, 1, false);
	add(r, t + 190000000, 9000000, 10, frames_b, 2, 1, true); /* stuck report: not counted */
	for (int i = 0; i < 3; i++) {
		struct rec_slice s = { .pid = 10, .tid = 11, .t0 = t + i * 100000000ULL,
				       .t1 = t + (i + 1) * 100000000ULL,
				       .ns = { 20000000, 35000000, 50000000, 1000000 } };

		recording__add_slice(r, &s);
		s.tid = 12;
		s.ns[BW_STATE_BLOCKED] = 12000000;
		recording__add_slice(r, &s);
	}
	CHECK_INT_EQ(recording__finish(r), 0);
	return r;
}

static char *render_opts(const struct report_opts *o, struct bw_recording *r, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	CHECK_INT_EQ(report__write(o, r, m), 0);
	fclose(m);
	return buf;
}

static char *render(enum report_format f, struct bw_recording *r, size_t *len)
{
	return render_opts(&(struct report_opts){ .format = f }, r, len);
}

TEST(formats_parse)
{
	CHECK_INT_EQ(report_format__parse("pprof"), REPORT_PPROF);
	CHECK_INT_EQ(report_format__parse("html"), REPORT_HTML);
	CHECK_INT_EQ(report_format__parse("svg"), -1);
	CHECK(!report_format__needs_events(REPORT_JSON));
	CHECK(report_format__needs_events(REPORT_FOLDED));
}

TEST(folded_sums_to_blocked_time)
{
	struct bw_recording *r = sample();
	size_t len;
	char *out = render(REPORT_FOLDED, r, &len), *save = NULL;
	uint64_t sum = 0;
	int lines = 0;

	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(l, ' ');

		CHECK(sp != NULL);
		sum += strtoull(sp + 1, NULL, 10);
		lines++;
		/* a ';' inside a name must not split it */
		if (strstr(l, "app::slow"))
			CHECK(strstr(l, "app::main;app::slow:</script><b>;std::thread::sleep;__clock_nanosleep") != NULL);
		if (strstr(l, "app::other"))
			CHECK(strstr(l, "app::other;libc.so.6+0x100 ") != NULL);
	}
	CHECK_INT_EQ(lines, 2);
	CHECK_INT_EQ(sum, 20000000 + 15000000 + 5000000 + 7000000);
	CHECK_INT_EQ(r->snap->ncallsites, 2);
	CHECK_INT_EQ(r->snap->callsites[0].total_ns + r->snap->callsites[1].total_ns, sum);
	free(out);
	recording__free(r);
}

/* Walks protobuf fields: returns the value sums of Profile.sample. */
static void walk_samples(const uint8_t *p, size_t n, uint64_t *count, uint64_t *ns, int *nsamples,
			 int *nstrings)
{
	struct bytereader r = { p, p + n, false };

	while (!bytereader__done(&r) && !r.overrun) {
		uint64_t key = bytereader__varint(&r), len;
		const uint8_t *body;

		if ((key & 7) == 0) {
			bytereader__varint(&r);
			continue;
		}
		CHECK_INT_EQ(key & 7, 2);
		len = bytereader__varint(&r);
		body = bytereader__bytes(&r, len);
		if ((key >> 3) == 6)
			(*nstrings)++;
		if ((key >> 3) == 2 && body) {
			struct bytereader s = { body, body + len, false };

			(*nsamples)++;
			while (!bytereader__done(&s) && !s.overrun) {
				uint64_t k = bytereader__varint(&s), l = bytereader__varint(&s);
				const uint8_t *b = bytereader__bytes(&s, l);

				if ((k >> 3) == 2 && b) { /* packed values: count, ns */
					struct bytereader v = { b, b + l, false };

					*count += bytereader__varint(&v);
					*ns += bytereader__varint(&v);
				}
			}
		}
	}
	CHECK(!r.overrun);
}

TEST(pprof_is_gzip_protobuf_with_matching_totals)
{
	struct bw_recording *r = sample();
	size_t len;
	char *out = render(REPORT_PPROF, r, &len);
	uint8_t *raw = malloc(1 << 20);
	z_stream z = { .next_in = (uint8_t *)out, .avail_in = len, .next_out = raw, .avail_out = 1 << 20 };
	uint64_t count = 0, ns = 0;
	int nsamples = 0, nstrings = 0;

	CHECK((uint8_t)out[0] == 0x1f && (uint8_t)out[1] == 0x8b); /* gzip magic */
	CHECK_INT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
	CHECK_INT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
	walk_samples(raw, z.total_out, &count, &ns, &nsamples, &nstrings);
	inflateEnd(&z);
	CHECK_INT_EQ(nsamples, 2);
	CHECK_INT_EQ(count, 4);
	CHECK_INT_EQ(ns, 47000000);
	CHECK(nstrings > 5);
	CHECK(memmem(raw, 1 << 20, "/src/main.rs", 12) != NULL);
	free(raw);
	free(out);
	recording__free(r);
}

TEST(timeline_tracks_do_not_overlap)
{
	struct bw_recording *r = sample();
	struct timeline tl;

	CHECK_INT_EQ(timeline__build(r, 0, &tl), 0);
	CHECK_INT_EQ(tl.ntracks, 2); /* the two workers; not the stuck main thread */
	for (int i = 0; i < tl.ntracks; i++) {
		const struct tl_track *t = &tl.tracks[i];
		int exact = 0;

		for (int j = 0; j < t->nsegs; j++) {
			CHECK(t->segs[j].t1 > t->segs[j].t0);
			if (j)
				CHECK(t->segs[j].t0 >= t->segs[j - 1].t1);
			exact += t->segs[j].event != NULL;
		}
		CHECK_INT_EQ(exact, 2);
		CHECK(t->nsegs > exact); /* running/parked filled in around them */
	}
	/* tid 11: 20ms + 15ms overlapping by 5ms: clipped to 30ms exact */
	CHECK_INT_EQ(tl.tracks[0].blocked_exact_ns, 30000000);
	timeline__release(&tl);
	/* coarsening: 3 slices merged into 1 per track, still no overlap */
	CHECK_INT_EQ(timeline__build(r, 1, &tl), 0);
	for (int j = 1; j < tl.tracks[1].nsegs; j++)
		CHECK(tl.tracks[1].segs[j].t0 >= tl.tracks[1].segs[j - 1].t1);
	timeline__release(&tl);
	recording__free(r);
}

TEST(perfetto_json_tracks)
{
	struct bw_recording *r = sample();
	size_t len;
	char *out = render(REPORT_PERFETTO, r, &len);

	CHECK(strncmp(out, "{\"displayTimeUnit\"", 18) == 0);
	CHECK(strstr(out, "\"thread_name\"") != NULL);
	CHECK(strstr(out, "\"name\":\"app::slow (main.rs:42)\"") != NULL);
	CHECK(strstr(out, "\"tid\":10,") == NULL); /* no track for a non-worker */
	free(out);
	recording__free(r);
}

TEST(html_is_self_contained_and_escaped)
{
	struct bw_recording *r = sample();
	size_t len;
	char *out = render(REPORT_HTML, r, &len);
	char *data = strstr(out, "id=\"bw-data\">");

	CHECK(strstr(out, "<!DOCTYPE html>") == out);
	CHECK(strstr(out, "app::slow (main.rs:42)") != NULL);
	/* nothing fetched: no src/href/url()/@import (the SVG namespace URI is
	 * a name, never loaded) */
	CHECK(strstr(out, "src=") == NULL && strstr(out, "href=") == NULL);
	CHECK(strstr(out, "url(") == NULL && strstr(out, "@import") == NULL && strstr(out, "https:") == NULL);
	CHECK(data != NULL);
	/* the hostile function name stays inside its JSON string */
	CHECK(data && strstr(data, "</script>") < strstr(data, "<script>"));
	CHECK(data && strstr(data, "\\u003c/script>\\u003cb>") != NULL);
	free(out);
	recording__free(r);
}

TEST(text_and_json_summaries)
{
	struct bw_recording *r = sample();
	size_t len;
	char *text = render(REPORT_TEXT, r, &len), *json;

	CHECK(strstr(text, "count 2  total 35.0ms") != NULL);
	json = render(REPORT_JSON, r, &len);
	CHECK(strstr(json, "\"total_ns\": 35000000") != NULL);
	free(text);
	free(json);
	recording__free(r);
}

/* A worker's stack: the user's async fn inlined into tokio's poll, std glue
 * between tokio's scheduler frames, a tokio frame known only by its source
 * directory (line-tables-only), thread start below. */
static struct bw_frame frames_tokio[] = {
	{ .pc = 0x1000, .function = "__clock_nanosleep", .module = "/lib/libc.so.6", .module_offset = 0x100 },
	{ .pc = 0x2000, .function = "std::thread::functions::sleep", .module = "/app", .module_offset = 0x2000 },
	{ .pc = 0x3000, .function = "app::load::{async_fn#0}", .file = "/src/main.rs", .line = 5, .inlined = true, .module = "/app", .module_offset = 0x3000 },
	{ .pc = 0x3000, .function = "tokio::runtime::task::core::Core<T,S>::poll", .module = "/app", .module_offset = 0x3000 },
	{ .pc = 0x4000, .function = "std::panicking::try::do_call", .module = "/app", .module_offset = 0x4000 },
	{ .pc = 0x5000, .function = "tokio::runtime::task::harness::Harness<T,S>::poll", .module = "/app", .module_offset = 0x5000 },
	{ .pc = 0x6000, .function = "run_task", .file = "/vendor/tokio-1.49.0/src/runtime/scheduler/multi_thread/worker.rs", .line = 600, .module = "/app", .module_offset = 0x6000 },
	{ .pc = 0x7000, .function = "std::sys::backtrace::__rust_begin_short_backtrace", .module = "/app", .module_offset = 0x7000 },
	{ .pc = 0x8000, .function = "start_thread", .module = "/lib/libc.so.6", .module_offset = 0x800 },
};

static struct bw_recording *tokio_sample(void)
{
	struct bw_recording *r = recording__new();
	struct rec_meta m = { .major = 1, .tool_version = "t", .start_mono_ns = 1000000000, .threshold_ns = 1000000 };
	struct bw_snap_thread w = { .pid = 10, .tid = 11, .comm = "tokio-runtime-w", .role = BW_ROLE_WORKER };
	struct rec_event e = {
		.ts_ns = 1050000000, .blocked_ns = 10000000, .pid = 10, .tid = 11, .syscall_nr = 230,
		.category = "sleep", .callsite = "app::load (async fn) (main.rs:5)",
		.blame = { .api_frame = 1, .callsite_frame = 2, .blocking_api = "std::thread::sleep" },
		.frames = frames_tokio, .nframes = 9,
	};

	recording__set_meta(r, &m);
	recording__put_thread(r, &w, false);
	CHECK_INT_EQ(recording__add_event(r, &e), 0);
	CHECK_INT_EQ(recording__finish(r), 0);
	return r;
}

static char *inflated(const char *gz, size_t len, size_t *out_len)
{
	uint8_t *raw = calloc(1, 1 << 20);
	z_stream z = { .next_in = (uint8_t *)gz, .avail_in = len, .next_out = raw, .avail_out = (1 << 20) - 1 };

	CHECK_INT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
	CHECK_INT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = z.total_out;
	inflateEnd(&z);
	return (char *)raw;
}

/* --runtime-frames: collapsed by default in every format that draws
 * stacks, every frame with full; async fns named as users read them. */
TEST(runtime_frames_collapse_in_stack_formats)
{
	struct bw_recording *r = tokio_sample();
	struct report_opts full = { .format = REPORT_FOLDED, .runtime_frames = REPORT_RUNTIME_FULL };
	size_t len, plen;
	char *out = render(REPORT_FOLDED, r, &len), *pb;

	CHECK_STR_EQ(out, "start_thread;std::sys::backtrace::__rust_begin_short_backtrace;[tokio runtime];"
			  "app::load (async fn);std::thread::functions::sleep;__clock_nanosleep 10000000\n");
	free(out);
	out = render_opts(&full, r, &len);
	CHECK(strstr(out, ";run_task;tokio::runtime::task::harness::Harness<T,S>::poll;std::panicking::try::do_call;"
			  "tokio::runtime::task::core::Core<T,S>::poll;app::load (async fn);") != NULL);
	CHECK(strstr(out, "[tokio runtime]") == NULL);
	free(out);
	for (int f = REPORT_PPROF; f <= REPORT_HTML; f++) {
		full.format = f;
		out = render(f, r, &len);
		pb = f == REPORT_PPROF ? inflated(out, len, &plen) : out;
		CHECK(memmem(pb, f == REPORT_PPROF ? plen : len, "[tokio runtime]", 15) != NULL);
		CHECK(memmem(pb, f == REPORT_PPROF ? plen : len, "Harness", 7) == NULL);
		CHECK(memmem(pb, f == REPORT_PPROF ? plen : len, "app::load (async fn)", 20) != NULL);
		if (pb != out)
			free(pb);
		free(out);
		out = render_opts(&full, r, &len);
		pb = f == REPORT_PPROF ? inflated(out, len, &plen) : out;
		CHECK(memmem(pb, f == REPORT_PPROF ? plen : len, "[tokio runtime]", 15) == NULL);
		CHECK(memmem(pb, f == REPORT_PPROF ? plen : len, "Harness", 7) != NULL);
		if (pb != out)
			free(pb);
		free(out);
	}
	recording__free(r);
}

/* A user frame between two runs of runtime frames keeps them apart. */
TEST(runtime_frames_runs_split_by_user_code)
{
	struct bw_frame f[] = {
		{ .pc = 0x1000, .function = "tokio::runtime::park::CachedParkThread::block_on", .module = "/app" },
		{ .pc = 0x2000, .function = "app::sync_bridge", .file = "/src/bridge.rs", .line = 3, .module = "/app" },
		{ .pc = 0x3000, .function = "tokio::runtime::task::harness::Harness<T,S>::poll", .module = "/app" },
		{ .pc = 0x4000, .function = "tokio::runtime::scheduler::multi_thread::worker::run", .module = "/app" },
		{ .pc = 0x5000, .function = NULL, .module = "/app", .module_offset = 0x5000 },
	};
	struct rec_event e = { .frames = f, .nframes = 5 };
	struct report_stack st = {};

	CHECK_INT_EQ(report_stack__build(&st, &e, REPORT_RUNTIME_COLLAPSED), 0);
	CHECK_INT_EQ(st.n, 4);
	CHECK_STR_EQ(st.frames[0].function, "[tokio runtime]");
	CHECK_STR_EQ(st.frames[1].function, "app::sync_bridge");
	CHECK_STR_EQ(st.frames[2].function, "[tokio runtime]");
	CHECK_INT_EQ(st.frames[2].pc, 0x3000);
	CHECK_STR_EQ(st.frames[3].function, "app+0x5000");
	CHECK_INT_EQ(report_stack__build(&st, &e, REPORT_RUNTIME_FULL), 0);
	CHECK_INT_EQ(st.n, 5);
	report_stack__release(&st);
	CHECK_INT_EQ(report_runtime_frames__parse("full"), REPORT_RUNTIME_FULL);
	CHECK_INT_EQ(report_runtime_frames__parse("collapsed"), REPORT_RUNTIME_COLLAPSED);
	CHECK_INT_EQ(report_runtime_frames__parse("none"), -1);
}

/* The summaries name the callsite as users read it and keep the symbol. */
TEST(summaries_show_async_fn_names)
{
	struct bw_recording *r = tokio_sample();
	size_t len;
	char *text = render(REPORT_TEXT, r, &len), *json = render(REPORT_JSON, r, &len);

	CHECK(strstr(text, "#1 app::load (async fn) (main.rs:5)") != NULL);
	CHECK(strstr(json, "\"function\": \"app::load (async fn)\"") != NULL);
	CHECK(strstr(json, "\"symbol\": \"app::load::{async_fn#0}\"") != NULL);
	free(text);
	free(json);
	recording__free(r);
}
