/* Hostile inputs (issue 15): crafted recordings must cost linear time and
 * bounded memory, never crash; names from a target or a recording reach a
 * terminal, an HTML page or a JSON reader only escaped. Each case
 * reproduces one finding of the audit. */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "craft.h"
#include "output/output.h"
#include "record/reader.h"
#include "report/report.h"
#include "report/timeline.h"
#include "symbolize/intern.h"
#include "cli/parse.h"
#include "classify/runtime_detect.h"
#include "record/writer.h"
#include "symbolize/debuginfo.h"
#include "symbolize/debuglink.h"
#include "symbolize/dwarf_index.h"
#include "symbolize/symbolize.h"
#include "util/escape.h"
#include "util/safe_file.h"

#include <sys/stat.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct bw_recording *read_crafted(const struct bytebuf *f, int *rc)
{
	struct bw_recording *r = NULL;
	char err[512];

	*rc = recording__read_mem(f->data, f->len, "crafted.bw", &r, err, sizeof(err));
	return r;
}

static bool has_degraded(const struct bw_recording *r, const char *needle)
{
	for (int i = 0; r && i < r->snap->ndegraded; i++)
		if (strstr(r->snap->degraded[i], needle))
			return true;
	return false;
}

/* #1: "abc\0xyz" compared with strncmp against "abc" read t[7], past "abc". */
TEST(intern_embedded_nul)
{
	struct bw_intern *p = intern__new();
	const char *abc = intern__str(p, "abc");

	intern__str(p, "zzzzzzzzzzzzzzzz"); /* what follows "abc" in the pool */
	CHECK(intern__strn(p, "abc\0xyz", 7) == abc);
	CHECK(intern__strn(p, "abc\0", 4) == abc);
	CHECK_INT_EQ(intern__count(p), 2);
	intern__free(p);
}

TEST(recording_string_with_nul)
{
	struct bytebuf f = {}, raw = {};
	struct bw_recording *r;
	int rc;

	craft_header(&f);
	craft_string(&raw, "abc", 3);
	craft_string(&raw, "abc\0\x01\x02\x03", 7);
	craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 1, 2, 2, 0, 0 });
	craft_varints(&raw, BW_REC_END, 4, (uint64_t[]){ 1, 2, 0, 1 });
	craft_chunk(&f, 0, &raw);
	r = read_crafted(&f, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK(r && r->snap->nthreads == 1 && strcmp(r->snap->threads[0].comm, "abc") == 0);
	recording__free(r);
	bytebuf__release(&f);
	bytebuf__release(&raw);
}

/* #2: every damaged chunk adds a problem; the duplicate scan was O(N^2). */
TEST(many_damaged_chunks_linear)
{
	struct bytebuf f = {};
	struct bw_recording *r;
	double t0;
	int rc;

	craft_header(&f);
	for (int i = 0; i < 80000; i++) {
		uint8_t h[24];

		memcpy(h, BW_CHUNK_MAGIC, 4); /* an empty payload with a wrong CRC */
		craft_le32(h + 4, i);
		craft_le32(h + 8, 0);
		craft_le32(h + 12, 0);
		craft_le32(h + 16, 1);
		craft_le32(h + 20, crc32(0, h, 20));
		bytebuf__append(&f, h, 24);
	}
	t0 = now_s();
	r = read_crafted(&f, &rc);
	CHECK(now_s() - t0 < 2.0);
	CHECK_INT_EQ(rc, 1);
	CHECK(r && r->snap->ndegraded <= BW_REC_MAX_DEGRADED + 2);
	CHECK(has_degraded(r, "more problems"));
	recording__free(r);
	bytebuf__release(&f);
}

/* #2 too: many distinct DEGRADED records. */
TEST(many_degraded_records_bounded)
{
	struct bytebuf f = {}, raw = {};
	struct bw_recording *r;
	double t0;
	int rc;

	craft_header(&f);
	for (int i = 0; i < 60000; i++) {
		char s[32];
		int n = snprintf(s, sizeof(s), "note %d", i);

		craft_string(&raw, s, n);
		craft_varints(&raw, BW_REC_DEGRADED, 1, (uint64_t[]){ i + 1 });
		craft_varints(&raw, BW_REC_LOST, 2, (uint64_t[]){ i + 1, 1 });
	}
	craft_chunk(&f, 0, &raw);
	t0 = now_s();
	r = read_crafted(&f, &rc);
	CHECK(now_s() - t0 < 2.0);
	CHECK(r && r->snap->ndegraded <= BW_REC_MAX_DEGRADED + 2 && r->snap->nlost <= BW_REC_MAX_LOST);
	CHECK(has_degraded(r, "not kept"));
	recording__free(r);
	bytebuf__release(&f);
	bytebuf__release(&raw);
}

/* #3: N THREAD / PROCESS records: linear search and realloc(n + 1) each. */
TEST(many_threads_and_processes_linear)
{
	struct bytebuf f = {}, raw = {};
	struct bw_recording *r;
	double t0;
	int rc;

	craft_header(&f);
	for (int i = 0; i < 120000; i++) {
		craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 1, i, 0, 0, 0 });
		craft_varints(&raw, BW_REC_PROCESS, 6, (uint64_t[]){ i, 0, 0, 0, 0, 0 });
		craft_varints(&raw, BW_REC_SLICE, 8, (uint64_t[]){ 1, i, 0, 1, 1, 1, 1, 1 });
	}
	craft_chunk(&f, 0, &raw);
	t0 = now_s();
	r = read_crafted(&f, &rc); /* no END: totals summed from the timeline */
	CHECK(now_s() - t0 < 2.0);
	CHECK(r && r->snap->nthreads == 120000 && r->snap->nprocesses == 120000);
	CHECK(r && r->snap->threads[7].time_ns[0] == 1);
	recording__free(r);
	bytebuf__release(&f);
	bytebuf__release(&raw);
}

/* #4: each chunk's inflate was capped, the total was not: big strings of
 * one repeated byte compress 1000:1. */
TEST(total_inflate_bounded)
{
	struct bytebuf f = {}, raw = {};
	size_t big = 8 << 20;
	char *s = malloc(big);
	struct bw_recording *r;
	int rc;

	craft_header(&f);
	for (int i = 0; i < 40; i++) {
		memset(s, 'a' + i % 26, big);
		s[0] = i;
		bytebuf__reset(&raw);
		craft_string(&raw, s, big);
		craft_chunk(&f, i, &raw);
	}
	r = read_crafted(&f, &rc);
	CHECK_INT_EQ(rc, 1);
	CHECK(has_degraded(r, "can hold"));
	CHECK(r && r->keep_left < (64ULL << 20));
	recording__free(r);
	free(s);
	bytebuf__release(&f);
	bytebuf__release(&raw);
}

/* #5: /dev/zero was read whole before the magic was checked. */
TEST(dev_zero_refused_at_once)
{
	struct bw_recording *r;
	char err[512];
	double t0 = now_s();
	int rc = recording__read("/dev/zero", &r, err, sizeof(err));

	CHECK(rc < 0 && !r);
	CHECK(strstr(err, "not a blockwatch recording") != NULL);
	CHECK(now_s() - t0 < 1.0);
}

/* #5: a valid header, then endless bytes through a pipe. */
TEST(endless_pipe_stops)
{
	struct bw_recording *r;
	char err[512], path[64];
	int fds[2];
	pid_t pid;
	int rc;

	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		static char zeros[1 << 16];
		const char h[] = BW_REC_MAGIC " 1.2\n\n";

		close(fds[0]);
		if (write(fds[1], h, strlen(h)) < 0)
			_exit(0);
		while (write(fds[1], zeros, sizeof(zeros)) > 0)
			;
		_exit(0);
	}
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	alarm(30);
	rc = recording__read(path, &r, err, sizeof(err));
	alarm(0);
	CHECK(rc < 0 && !r);
	CHECK(strstr(err, "without a single recording chunk") != NULL);
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A snapshot whose every string is hostile. */
static const char evil[] = "\x1b]0;owned\x07\x1b[2J<img src=x onerror=alert(1)>\xff\xc3(\xc2\x9b";

static struct bw_recording *evil_recording(void)
{
	struct bytebuf f = {}, raw = {};
	struct bw_recording *r;
	int rc;

	craft_header(&f);
	craft_string(&raw, evil, strlen(evil));
	craft_varints(&raw, BW_REC_PROCESS, 6, (uint64_t[]){ 7, 1, 1, 1, 1, 0 });
	craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 7, 8, 1, 1, 0 });
	craft_varints(&raw, BW_REC_LOST, 2, (uint64_t[]){ 1, 5 });
	craft_varints(&raw, BW_REC_DEGRADED, 1, (uint64_t[]){ 1 });
	/* an event whose frames and blame strings are all the evil one */
	craft_varints(&raw, BW_REC_EVENT, 23, (uint64_t[]){ 5000, 7, 8, 2000000, 0, 0, 1, 1, 1, 1, 0, 0,
							     1, 0x1000, 1, 1, 3, 0, 1, 0x10, 1, 1, 1 });
	/* END with now < start */
	craft_varints(&raw, BW_REC_END, 4, (uint64_t[]){ 10000, 5, 1, 1000 });
	craft_chunk(&f, 0, &raw);
	r = read_crafted(&f, &rc);
	bytebuf__release(&f);
	bytebuf__release(&raw);
	return r;
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	fn(m, arg);
	fclose(m);
	return buf;
}

static bool has_raw_controls(const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if ((c < 0x20 && c != '\n') || c == 0x7f || c == 0xff)
			return true;
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f)
			return true; /* C1 control (CSI) */
	}
	return false;
}

static void text_fn(FILE *out, const void *r)
{
	summary_text__write(out, ((const struct bw_recording *)r)->snap);
}

static void json_fn(FILE *out, const void *r)
{
	summary_json__write(out, ((const struct bw_recording *)r)->snap);
}

static void html_fn(FILE *out, const void *r)
{
	report_html__write(out, r, &(struct report_opts){ .format = REPORT_HTML });
}

/* #7, #15: text outputs escape every name; now < start is not 584 years. */
TEST(text_summary_escapes_names)
{
	struct bw_recording *r = evil_recording();
	char *s;

	CHECK(r != NULL);
	if (!r)
		return;
	s = capture(text_fn, r);
	CHECK(!has_raw_controls(s));
	CHECK(strstr(s, "\\x1b]0;owned\\x07") != NULL);
	CHECK(strstr(s, "18446744073") == NULL);
	free(s);
	recording__free(r);
}

/* #15: a NULL exe is not printed as "(null)". */
TEST(text_summary_null_exe)
{
	struct bw_snapshot s = {};
	struct bw_snap_process p = { .pid = 3, .comm = "x" };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	s.processes = &p;
	s.nprocesses = 1;
	summary_text__write(m, &s);
	fclose(m);
	CHECK(strstr(buf, "(null)") == NULL);
	free(buf);
}

/* #7: live trace lines too. */
TEST(live_text_escapes_names)
{
	struct bw_frame fr = { .function = evil, .file = evil, .line = 1 };
	struct live_event ev = { .pid = 1, .tid = 2, .category = evil, .blocking_api = evil,
				 .callsite = evil, .syscall = evil, .frames = &fr, .nframes = 1 };
	char *buf = NULL;
	size_t len = 0;
	struct live_opts o = { .stacks = true };

	ev.comm = "\x1b[2Jx";
	o.out = open_memstream(&buf, &len);
	live_text__print(&o, &ev);
	fclose(o.out);
	CHECK(!has_raw_controls(buf));
	free(buf);
}

/* #15: JSON is valid UTF-8 whatever the names hold. */
TEST(json_valid_utf8)
{
	struct bw_recording *r = evil_recording();
	char *s;

	if (!r)
		return;
	s = capture(json_fn, r);
	CHECK(!has_raw_controls(s));
	for (const char *p = s; *p;) {
		uint32_t cp;
		int n = utf8_seq(p, &cp);

		CHECK(n > 0);
		if (n <= 0)
			break;
		p += n;
	}
	CHECK(strstr(s, "\\ufffd") != NULL);
	free(s);
	recording__free(r);
}

/* #6: the LOST reason went into the page unescaped. */
TEST(html_escapes_everything)
{
	struct bw_recording *r = evil_recording();
	char *s;

	if (!r)
		return;
	s = capture(html_fn, r);
	CHECK(strstr(s, "<img") == NULL);
	CHECK(strstr(s, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
	CHECK(!has_raw_controls(s));
	free(s);
	recording__free(r);
}

TEST(escape_helpers)
{
	char b[16];

	CHECK_STR_EQ(esc_text("a\tb\x7f"), "a\\x09b\\x7f");
	CHECK_STR_EQ(esc_text("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9"); /* été kept */
	CHECK_STR_EQ(esc_text("\xc2\x9b" "1m"), "\\xc2\\x9b1m");           /* C1 CSI */
	CHECK_STR_EQ(esc_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");         /* surrogate */
	CHECK_STR_EQ(esc_text("\xc0\xaf"), "\\xc0\\xaf");                 /* overlong */
	CHECK_STR_EQ(esc_text(NULL), "(none)");
	CHECK_STR_EQ(esc_text_into(b, sizeof(b), "0123456789abcdefghij"), "0123456789ab...");
	CHECK_STR_EQ(esc_text_into(b, sizeof(b), "\x1b\x1b\x1b\x1b\x1b"), "\\x1b\\x1b\\x1b...");
}

/* #12: 2e10 s is past 2^64 ns: the cast made it 0, "report everything". */
TEST(duration_overflow_refused)
{
	uint64_t ns = 42;

	CHECK(parse_duration("2e10s", 0, &ns) != 0);
	CHECK(parse_duration("1e300ms", 0, &ns) != 0);
	CHECK(parse_duration("18446744073s", 0, &ns) == 0 && ns > 18446744072000000000ULL);
	CHECK(parse_duration("5ms", 0, &ns) == 0 && ns == 5000000);
}

/* A scratch folder (sticky, world-writable like /tmp) for file tests. */
static char *scratch(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/bw-harden-XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	chmod(dir, 01777);
	return dir;
}

static void cleanup_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return;
}

/* #9, #10: a FIFO where a binary or debug file is expected opened
 * blocking: one unprivileged user could hang the tracer. */
TEST(fifo_never_hangs)
{
	char *dir = scratch(), fifo[128];
	const char *pat[] = { "main" };
	struct runtime_match m;
	char err[512];
	double t0;

	if (!dir)
		SKIP("no /tmp");
	snprintf(fifo, sizeof(fifo), "%s/app (deleted)", dir);
	CHECK(mkfifo(fifo, 0666) == 0);
	alarm(20); /* before the fix: blocked in open() forever */
	t0 = now_s();
	CHECK(elf_find_symbols(fifo, pat, 1, NULL, NULL) < 0);
	runtime_detect(fifo, &m);
	CHECK(debuginfo__open(fifo, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not a regular file") != NULL);
	CHECK(now_s() - t0 < 2.0);
	alarm(0);
	CHECK(open_regular(fifo, 0, 1 << 20) == -EINVAL);
	cleanup_dir(dir);
}

/* #9: debuglink names are file names only. */
TEST(debuglink_names)
{
	CHECK(debuglink__name_ok("app.debug"));
	CHECK(!debuglink__name_ok("../../../etc/shadow"));
	CHECK(!debuglink__name_ok("/etc/shadow"));
	CHECK(!debuglink__name_ok(".."));
	CHECK(!debuglink__name_ok(""));
	CHECK(!debuglink__name_ok(NULL));
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* #8: a symlink planted by another user in a sticky folder made root
 * overwrite its target. */
TEST(output_never_through_planted_link)
{
	char *dir = scratch(), victim[128], link[128], err[512];
	struct out_file o;
	struct rec_writer *w;
	struct rec_meta meta = { .major = 1 };
	FILE *f;

	if (!dir)
		SKIP("no /tmp");
	if (geteuid() != 0) {
		cleanup_dir(dir);
		SKIP("needs root to plant another user's link");
	}
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s/out", dir);
	f = fopen(victim, "w");
	fputs("precious", f);
	fclose(f);
	CHECK(symlink(victim, link) == 0);
	CHECK(lchown(link, 65534, 65534) == 0);
	f = out_file__fopen(&o, link, 0644, err, sizeof(err));
	CHECK(f == NULL);
	CHECK(strstr(err, "symbolic link") != NULL);
	if (f)
		out_file__fclose(&o, f, false, err, sizeof(err));
	w = rec_writer__open(link, &meta, err, sizeof(err));
	CHECK(w == NULL);
	rec_writer__close(w, NULL, 0);
	CHECK_STR_EQ(slurp(victim), "precious");
	cleanup_dir(dir);
}

/* #8: mode from the caller, not the umask; replaced atomically. */
TEST(output_mode_not_from_umask)
{
	char *dir = scratch(), path[128], err[512];
	struct out_file o;
	struct stat st;
	mode_t old = umask(0);
	FILE *f;

	if (!dir) {
		umask(old);
		SKIP("no /tmp");
	}
	snprintf(path, sizeof(path), "%s/report.html", dir);
	f = out_file__fopen(&o, path, 0644, err, sizeof(err));
	CHECK(f != NULL);
	if (f) {
		fputs("x", f);
		CHECK_INT_EQ(out_file__fclose(&o, f, false, err, sizeof(err)), 0);
	}
	umask(old);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK_STR_EQ(slurp(path), "x");
	cleanup_dir(dir);
}

/* #13: record -o EXISTING with a target that cannot be traced lost the file. */
TEST(abandoned_recording_keeps_old_file)
{
	char *dir = scratch(), path[128], err[512];
	struct rec_meta meta = { .major = 1 };
	struct rec_writer *w;
	struct stat st;
	FILE *f;

	if (!dir)
		SKIP("no /tmp");
	snprintf(path, sizeof(path), "%s/rec.bw", dir);
	f = fopen(path, "w");
	fputs("precious", f);
	fclose(f);
	w = rec_writer__open(path, &meta, err, sizeof(err));
	CHECK(w != NULL);
	CHECK_STR_EQ(slurp(path), "precious"); /* untouched while starting */
	rec_writer__abandon(w);
	rec_writer__close(w, err, sizeof(err));
	CHECK_STR_EQ(slurp(path), "precious");
	w = rec_writer__open(path, &meta, err, sizeof(err));
	CHECK(w && rec_writer__publish(w) == 0);
	rec_writer__close(w, err, sizeof(err));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(strncmp(slurp(path), BW_REC_MAGIC, strlen(BW_REC_MAGIC)) == 0);
	cleanup_dir(dir);
}

/* The timeline (HTML, Perfetto) looked at every event and slice once per
 * thread: threads x events. */
TEST(timeline_linear_in_threads)
{
	struct bytebuf f = {}, raw = {};
	struct bw_recording *r;
	double t0;
	int rc;

	craft_header(&f);
	craft_string(&raw, "cat", 3);
	for (int i = 1; i <= 60000; i++) {
		craft_varints(&raw, BW_REC_THREAD, 5, (uint64_t[]){ 1, i, 0, 1, 0 });
		craft_varints(&raw, BW_REC_SLICE, 8, (uint64_t[]){ 1, i, 1000, 100000, 1, 1, 1, 1 });
		craft_varints(&raw, BW_REC_EVENT, 13, (uint64_t[]){ 50000, 1, i, 2000, 0, 0, 1, 1, 0, 1,
								     0, 0, 0 });
	}
	craft_varints(&raw, BW_REC_END, 4, (uint64_t[]){ 1000, 200000, 60000, 1000 });
	craft_chunk(&f, 0, &raw);
	r = read_crafted(&f, &rc);
	CHECK(r && r->nevents == 60000);
	t0 = now_s();
	if (r) {
		struct timeline tl;

		CHECK_INT_EQ(timeline__build(r, 1500, &tl), 0);
		CHECK_INT_EQ(tl.ntracks, 60000);
		timeline__release(&tl);
	}
	CHECK(now_s() - t0 < 2.0); /* 60000 x 120000 before: tens of seconds */
	recording__free(r);
	bytebuf__release(&f);
	bytebuf__release(&raw);
}

/* #7: folded stacks go to a terminal too. */
static void folded_fn(FILE *out, const void *r)
{
	report_folded__write(out, r, &(struct report_opts){ .format = REPORT_FOLDED });
}

TEST(folded_escapes_names)
{
	struct bw_recording *r = evil_recording();
	char *s;

	if (!r)
		return;
	s = capture(folded_fn, r);
	CHECK(s[0] != '\0');
	CHECK(!has_raw_controls(s));
	free(s);
	recording__free(r);
}

/* #11: DIEs nested without limit recursed without limit: a crafted target
 * overflowed the stack. 5000 nested structs, walked on a 256 KiB stack. */
struct lookup_args {
	struct bw_dwarf_index *idx;
	uint64_t addr;
	int rc;
};

static void *lookup_thread(void *p)
{
	struct lookup_args *a = p;
	Dwarf_Die cu, fn;

	a->rc = dwarf_index__lookup(a->idx, a->addr, &cu, &fn);
	return NULL;
}

TEST(deep_dwarf_bounded)
{
	char *dir = scratch(), src[128], so[128], cmd[512], err[512];
	struct lookup_args a = { .rc = -1 };
	unsigned long long addr = 0;
	struct debuginfo *d;
	pthread_attr_t attr;
	pthread_t th;
	FILE *f;

	if (!dir)
		SKIP("no /tmp");
	snprintf(src, sizeof(src), "%s/deep.cc", dir);
	snprintf(so, sizeof(so), "%s/deep.so", dir);
	f = fopen(src, "w");
	for (int i = 0; i < 5000; i++)
		fprintf(f, "struct s%d {", i);
	fputs("int v;", f);
	for (int i = 0; i < 5000; i++)
		fputs("};", f);
	fputs("\ns0", f);
	for (int i = 1; i < 5000; i++)
		fprintf(f, "::s%d", i);
	fputs(" deep_var;\nint deep_fn(int x) { return x + deep_var.v; }\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "g++ -g -O0 -shared -fPIC -o %s %s 2>/dev/null", so, src);
	if (system(cmd)) {
		cleanup_dir(dir);
		SKIP("no g++");
	}
	snprintf(cmd, sizeof(cmd), "nm %s | grep ' T _Z7deep_fni'", so);
	f = popen(cmd, "r");
	if (!f || fscanf(f, "%llx", &addr) != 1)
		addr = 0;
	if (f)
		pclose(f);
	CHECK(addr != 0);
	d = debuginfo__open(so, NULL, err, sizeof(err));
	CHECK(d != NULL);
	if (d && addr) {
		a.idx = dwarf_index__new(debuginfo__dwarf(d));
		a.addr = addr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		CHECK(pthread_create(&th, &attr, lookup_thread, &a) == 0);
		pthread_join(th, NULL);
		CHECK_INT_EQ(a.rc, 2); /* deep_fn itself is at the top level */
		dwarf_index__free(a.idx);
	}
	debuginfo__free(d);
	cleanup_dir(dir);
}
