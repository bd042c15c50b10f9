/* The recording file: write/read round trip, and every kind of damage
 * (each truncation point, flipped bytes, newer versions, not a recording,
 * a full disk) read back without a crash and with a one-line reason. */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "record/bytebuf.h"
#include "record/format.h"
#include "record/reader.h"
#include "record/writer.h"

static struct bw_frame frames[] = {
	{ .pc = 0x7f0000001000, .function = "__clock_nanosleep", .module = "/lib/libc.so.6", .module_offset = 0x1000 },
	{ .pc = 0x7f0000002000, .function = "std::thread::sleep", .file = "/rust/thread.rs", .line = 10, .module = "/app", .module_offset = 0x2000, .build_id = "abcd" },
	{ .pc = 0x55000003000, .function = "app::handler::{{closure}}", .file = "/src/main.rs", .line = 42, .inlined = true, .module = "/app", .module_offset = 0x3000, .build_id = "abcd" },
	{ .pc = 0x55000003000, .function = "app::main", .file = "/src/main.rs", .line = 7, .module = "/app", .module_offset = 0x3000, .build_id = "abcd" },
};

static struct rec_event event(uint64_t ts, uint64_t ns, pid_t tid)
{
	return (struct rec_event){
		.ts_ns = ts, .blocked_ns = ns, .pid = 100, .tid = tid, .syscall_nr = 230,
		.category = "sleep", .callsite = "app::handler::{{closure}} (main.rs:42)",
		.blame = { .api_frame = 1, .callsite_frame = 2, .blocking_api = "std::thread::sleep",
			   .category = BW_CAT_SLEEP },
		.frames = frames, .nframes = 4,
	};
}

static struct bw_snapshot *end_snapshot(void)
{
	struct bw_snapshot *s = calloc(1, sizeof(*s));

	s->start_ns = 1000;
	s->now_ns = 2000000000;
	s->threshold_ns = 1000000;
	s->events_total = 3;
	s->nprocesses = 1;
	s->processes = calloc(1, sizeof(*s->processes));
	s->processes[0] = (struct bw_snap_process){ .pid = 100, .comm = "app", .exe = strdup("/app"),
						    .runtime = strdup("tokio"), .park_detection = strdup("uprobes") };
	s->nthreads = 2;
	s->threads = calloc(2, sizeof(*s->threads));
	s->threads[0] = (struct bw_snap_thread){ .pid = 100, .tid = 101, .comm = "tokio-runtime-w",
						 .role = BW_ROLE_WORKER, .time_ns = { 5, 30000000, 7, 1 } };
	s->threads[1] = (struct bw_snap_thread){ .pid = 100, .tid = 102, .comm = "tokio-runtime-w",
						 .role = BW_ROLE_WORKER, .time_ns = { 1, 2, 3, 4 }, .stuck = true,
						 .stuck_ns = 99, .stuck_where = strdup("x (y.rs:1)") };
	s->nlost = 1;
	s->lost = calloc(1, sizeof(*s->lost));
	s->lost[0] = (struct bw_snap_counter){ strdup("ringbuf_full"), 4 };
	s->ndegraded = 1;
	s->degraded = calloc(1, sizeof(char *));
	s->degraded[0] = strdup("a note");
	return s;
}

static const struct rec_meta meta = {
	.major = 1, .tool_version = "9.9.9", .kernel = "Linux 6.18 x86_64", .hostname = "host",
	.targets = "-- app", .start_unix_ns = 42, .start_mono_ns = 1000, .threshold_ns = 1000000,
};

/* Writes a small recording; returns its bytes (caller frees). */
static uint8_t *sample_recording(size_t *len)
{
	char path[] = "/tmp/bw-test-recXXXXXX", err[256];
	int fd = mkstemp(path);
	struct bw_snapshot *snap = end_snapshot();
	struct rec_slice sl = { .pid = 100, .tid = 101, .t0 = 1000, .t1 = 100001000, .ns = { 1, 2, 3, 4 } };
	struct rec_writer *w;
	struct rec_event e;
	uint8_t *buf;
	FILE *f;

	close(fd);
	w = rec_writer__open(path, &meta, err, sizeof(err));
	CHECK(w != NULL);
	rec_writer__process(w, &snap->processes[0]);
	rec_writer__thread(w, &snap->threads[0], false);
	e = event(20000000, 10000000, 101);
	rec_writer__event(w, &e);
	rec_writer__slice(w, &sl);
	rec_writer__tick(w, ~0ULL); /* force a chunk boundary */
	e = event(40000000, 20000000, 101);
	rec_writer__event(w, &e);
	e = event(50000000, 3000000, 102);
	rec_writer__event(w, &e);
	e.stuck = true; /* a "still blocked" report: kept, never aggregated */
	rec_writer__event(w, &e);
	CHECK_INT_EQ(rec_writer__finish(w, snap), 0);
	CHECK_INT_EQ(rec_writer__close(w, err, sizeof(err)), 0);
	snapshot__free(snap);
	f = fopen(path, "rb");
	buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	unlink(path);
	return buf;
}

TEST(varint_round_trip)
{
	uint64_t vals[] = { 0, 1, 127, 128, 300, 1ULL << 35, ~0ULL };
	struct bytebuf b = {};
	struct bytereader r;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		bytebuf__varint(&b, vals[i]);
	bytebuf__svarint(&b, -1);
	bytebuf__svarint(&b, -123456789);
	r = (struct bytereader){ b.data, b.data + b.len, false };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		CHECK(bytereader__varint(&r) == vals[i]);
	CHECK_INT_EQ(bytereader__svarint(&r), -1);
	CHECK_INT_EQ(bytereader__svarint(&r), -123456789);
	CHECK(!r.overrun);
	CHECK_INT_EQ(bytereader__varint(&r), 0);
	CHECK(r.overrun);
	bytebuf__release(&b);
}

TEST(round_trip)
{
	struct bw_recording *r;
	size_t len;
	uint8_t *data = sample_recording(&len);
	char err[256];
	int rc = recording__read_mem(data, len, "t.bw", &r, err, sizeof(err));

	CHECK_INT_EQ(rc, 0);
	if (!r)
		return;
	CHECK_STR_EQ(r->meta.tool_version, "9.9.9");
	CHECK_STR_EQ(r->meta.kernel, "Linux 6.18 x86_64");
	CHECK_INT_EQ(r->meta.start_unix_ns, 42);
	CHECK(r->has_end);
	CHECK_INT_EQ(r->nevents, 4);
	CHECK_INT_EQ(r->nslices, 1);
	CHECK_INT_EQ(r->events[0].nframes, 4);
	CHECK_STR_EQ(r->events[0].frames[1].build_id, "abcd");
	CHECK(r->events[0].frames[2].inlined);
	CHECK_INT_EQ(r->events[0].frames[2].line, 42);
	CHECK_INT_EQ(r->events[0].syscall_nr, 230);
	/* callsites rebuilt by the same aggregation trace uses; stuck skipped */
	CHECK_INT_EQ(r->snap->ncallsites, 1);
	CHECK_INT_EQ(r->snap->callsites[0].count, 3);
	CHECK_INT_EQ(r->snap->callsites[0].total_ns, 33000000);
	CHECK_INT_EQ(r->snap->callsites[0].max_ns, 20000000);
	CHECK_STR_EQ(r->snap->callsites[0].function, "app::handler::{{closure}}");
	CHECK_INT_EQ(r->snap->callsites[0].line, 42);
	CHECK_STR_EQ(r->snap->callsites[0].syscall, "clock_nanosleep");
	CHECK_INT_EQ(r->snap->nthreads, 2);
	CHECK_INT_EQ(r->snap->threads[0].time_ns[BW_STATE_BLOCKED], 30000000);
	CHECK(r->snap->threads[1].stuck);
	CHECK_STR_EQ(r->snap->threads[1].stuck_where, "x (y.rs:1)");
	CHECK_INT_EQ(r->snap->now_ns, 2000000000);
	CHECK_INT_EQ(r->snap->events_total, 3);
	CHECK_INT_EQ(r->snap->nlost, 1);
	CHECK_INT_EQ(r->snap->lost[0].count, 4);
	CHECK_INT_EQ(r->snap->ndegraded, 1);
	CHECK_STR_EQ(r->snap->processes[0].runtime, "tokio");
	recording__free(r);
	free(data);
}

/* Every prefix of a recording: no crash, and a reason unless complete. */
TEST(every_truncation_point)
{
	size_t len, header_end;
	uint8_t *data = sample_recording(&len);
	char err[256];

	header_end = (uint8_t *)memmem(data, len, "\n\n", 2) - data + 2;
	for (size_t cut = 0; cut < len; cut++) {
		struct bw_recording *r = NULL;
		int rc;

		err[0] = 0;
		rc = recording__read_mem(data, cut, "t.bw", &r, err, sizeof(err));
		if (cut < header_end) {
			CHECK(rc < 0 && err[0] && !r);
		} else {
			CHECK_INT_EQ(rc, 1);
			CHECK(r && r->nproblems > 0 && !r->has_end);
			/* the problem is also in the report's degraded notes */
			CHECK(r && r->snap->ndegraded >= 1);
		}
		recording__free(r);
	}
	free(data);
}

TEST(cut_after_first_chunk_keeps_its_events)
{
	size_t len;
	uint8_t *data = sample_recording(&len);
	uint8_t *second = memmem(memmem(data, len, "BWCK", 4) + 4, len, "BWCK", 4);
	struct bw_recording *r;
	char err[256];

	CHECK(second != NULL);
	CHECK_INT_EQ(recording__read_mem(data, second - data, "t.bw", &r, err, sizeof(err)), 1);
	CHECK_INT_EQ(r->nevents, 1);
	CHECK_INT_EQ(r->snap->ncallsites, 1);
	CHECK_INT_EQ(r->snap->callsites[0].total_ns, 10000000);
	/* without final totals, thread times come from the timeline */
	CHECK_INT_EQ(r->snap->threads[0].time_ns[BW_STATE_PARKED], 3);
	CHECK(strstr(r->problems[0], "incomplete") != NULL);
	recording__free(r);
	free(data);
}

TEST(every_flipped_byte)
{
	size_t len;
	uint8_t *data = sample_recording(&len);
	char err[256];

	for (size_t at = 0; at < len; at++) {
		struct bw_recording *r = NULL;
		int rc;

		data[at] ^= 0x5a;
		rc = recording__read_mem(data, len, "t.bw", &r, err, sizeof(err));
		CHECK(rc < 0 ? r == NULL && err[0] : r != NULL);
		recording__free(r);
		data[at] ^= 0x5a;
	}
	free(data);
}

TEST(corrupted_chunk_is_skipped_and_later_ones_kept)
{
	size_t len;
	uint8_t *data = sample_recording(&len);
	uint8_t *first = memmem(data, len, "BWCK", 4);
	struct bw_recording *r;
	char err[256];

	first[sizeof(struct bw_chunk_header) + 3] ^= 0xff; /* payload of chunk 0 */
	CHECK_INT_EQ(recording__read_mem(data, len, "t.bw", &r, err, sizeof(err)), 1);
	CHECK(strstr(r->problems[0], "corrupted") != NULL);
	CHECK(r->has_end);
	CHECK_INT_EQ(r->snap->callsites[0].count, 2); /* chunk 1's two events */
	recording__free(r);
	/* a damaged chunk header: resynchronise on the next one */
	first[sizeof(struct bw_chunk_header) + 3] ^= 0xff;
	first[9] ^= 0x40; /* raw_len */
	CHECK_INT_EQ(recording__read_mem(data, len, "t.bw", &r, err, sizeof(err)), 1);
	CHECK(r->has_end);
	CHECK_INT_EQ(r->snap->callsites[0].count, 2);
	recording__free(r);
	free(data);
}

TEST(not_a_recording)
{
	const char *text = "root:x:0:0:root:/root:/bin/bash\n";
	struct bw_recording *r;
	char err[256];

	CHECK(recording__read_mem((const uint8_t *)text, strlen(text), "passwd", &r, err, sizeof(err)) < 0);
	CHECK(strstr(err, "passwd is not a blockwatch recording") != NULL);
	CHECK(strchr(err, '\n') == NULL);
	CHECK(recording__read_mem((const uint8_t *)"", 0, "empty", &r, err, sizeof(err)) < 0);
	CHECK(recording__read("/nonexistent/x.bw", &r, err, sizeof(err)) < 0);
	CHECK(strstr(err, "cannot open") != NULL);
}

TEST(newer_major_version_refused)
{
	const char *text = "BLOCKWATCH-RECORDING 2.0\ntool_version=5\n\n";
	struct bw_recording *r;
	char err[256];

	CHECK_INT_EQ(recording__read_mem((const uint8_t *)text, strlen(text), "new.bw", &r, err, sizeof(err)),
		     -EPROTONOSUPPORT);
	CHECK(strstr(err, "newer") != NULL);
}

/* A newer minor version: unknown records and header keys are skipped. */
TEST(newer_minor_version_read)
{
	struct bytebuf raw = {}, file = {};
	uint8_t hdr[24], comp[256];
	uLongf clen = sizeof(comp);
	const char *head = "BLOCKWATCH-RECORDING 1.7\nfuture_key=1\nthreshold_ns=5\n\n";
	struct bw_recording *r;
	char err[256];
	uint32_t v[4];

	bytebuf__varint(&raw, 99); /* unknown record */
	bytebuf__varint(&raw, 3);
	bytebuf__append(&raw, "xyz", 3);
	bytebuf__varint(&raw, BW_REC_END);
	bytebuf__varint(&raw, 5);
	bytebuf__append(&raw, "\x01\x02\x03\x05\x07", 5); /* + an extra trailing field */
	compress2(comp, &clen, raw.data, raw.len, 6);
	v[0] = 0;
	v[1] = raw.len;
	v[2] = clen;
	v[3] = crc32(0, comp, clen);
	memcpy(hdr, "BWCK", 4);
	memcpy(hdr + 4, v, 16); /* x86-64: little-endian like the format */
	v[0] = crc32(0, hdr, 20);
	memcpy(hdr + 20, v, 4);
	bytebuf__append(&file, head, strlen(head));
	bytebuf__append(&file, hdr, 24);
	bytebuf__append(&file, comp, clen);
	CHECK_INT_EQ(recording__read_mem(file.data, file.len, "minor.bw", &r, err, sizeof(err)), 0);
	CHECK(r->has_end);
	CHECK_INT_EQ(r->snap->now_ns, 2);
	CHECK_INT_EQ(r->snap->threshold_ns, 5);
	CHECK(r->snap->ndegraded == 1 && strstr(r->snap->degraded[0], "1.7"));
	recording__free(r);
	bytebuf__release(&raw);
	bytebuf__release(&file);
}

TEST(full_disk_is_reported)
{
	struct rec_writer *w;
	char err[256] = "";

	if (access("/dev/full", W_OK))
		SKIP("no /dev/full");
	w = rec_writer__open("/dev/full", &meta, err, sizeof(err));
	CHECK(w == NULL);
	CHECK(strstr(err, "No space left on device") != NULL);
	CHECK(strstr(err, "disk full") != NULL);
}
