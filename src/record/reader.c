#include "record/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "record/bytebuf.h"
#include "record/format.h"
#include "symbolize/intern.h"

#define MAX_FRAMES 4096

/* A crafted file of N bytes costs O(N) time and memory: at most this much
 * inflated data and this much kept in memory, then the rest is not read.
 * Real recordings inflate about 5-20x and keep less than 10x their raw
 * size in memory. */
#define INFLATE_BASE (64ULL << 20)
#define INFLATE_PER_BYTE 256
#define KEEP_BASE (64ULL << 20)
#define KEEP_PER_BYTE 128
/* Read at most this much of a file or pipe. */
#define MAX_FILE (1ULL << 30)
/* This much data after the header without a chunk magic in it is not a
 * recording (no chunk can be longer). */
#define MAX_GAP ((size_t)BW_CHUNK_MAX + sizeof(struct bw_chunk_header) + 4)

/* Charges what a record makes the reader keep; -E2BIG past the budget. */
static int keep(struct bw_recording *r, uint64_t bytes)
{
	if (bytes > r->keep_left)
		return -E2BIG;
	r->keep_left -= bytes;
	return 0;
}

struct chunk_ctx {
	struct bw_recording *r;
	const char **strings; /* chunk-local id - 1 -> pooled string */
	uint32_t nstrings, cap;
};

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *str_ref(struct chunk_ctx *c, struct bytereader *br)
{
	uint64_t id = bytereader__varint(br);

	return id && id <= c->nstrings ? c->strings[id - 1] : NULL;
}

static int add_string(struct chunk_ctx *c, const uint8_t *p, size_t n)
{
	const char *s;

	if (keep(c->r, n + 2 * sizeof(char *)) < 0)
		return -E2BIG;
	s = intern__strn(c->r->pool, (const char *)p, n);
	if (!s)
		return -ENOMEM;
	if (c->nstrings == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 256;
		const char **a = realloc(c->strings, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		c->strings = a;
		c->cap = cap;
	}
	c->strings[c->nstrings++] = s;
	return 0;
}

static void copy_comm(char dst[BW_COMM_LEN], const char *s)
{
	memset(dst, 0, BW_COMM_LEN);
	if (s)
		strncpy(dst, s, BW_COMM_LEN - 1);
}

static int decode_event(struct chunk_ctx *c, struct bytereader *b)
{
	struct rec_event ev = {};
	struct bw_frame *frames;
	uint64_t flags, n;
	int rc;

	ev.ts_ns = bytereader__varint(b);
	ev.pid = bytereader__varint(b);
	ev.tid = bytereader__varint(b);
	ev.blocked_ns = bytereader__varint(b);
	ev.syscall_nr = bytereader__svarint(b);
	flags = bytereader__varint(b);
	ev.stuck = flags & BW_REC_EVENT_STUCK;
	ev.blame.via_drop = flags & BW_REC_EVENT_VIA_DROP;
	ev.long_poll = flags & BW_REC_EVENT_LONG_POLL;
	ev.lock_hold = flags & BW_REC_EVENT_LOCK_HOLD;
	ev.category = str_ref(c, b);
	ev.blame.blocking_api = str_ref(c, b);
	ev.blame.drop_type = str_ref(c, b);
	ev.callsite = str_ref(c, b);
	ev.blame.api_frame = bytereader__svarint(b);
	ev.blame.callsite_frame = bytereader__svarint(b);
	n = bytereader__varint(b);
	if (n > MAX_FRAMES || b->overrun)
		return -EINVAL;
	if (keep(c->r, sizeof(ev) + n * sizeof(*frames)) < 0)
		return -E2BIG;
	frames = calloc(n ? n : 1, sizeof(*frames));
	if (!frames)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		struct bw_frame *f = &frames[i];

		f->pc = bytereader__varint(b);
		f->function = str_ref(c, b);
		f->file = str_ref(c, b);
		f->line = bytereader__varint(b);
		f->inlined = bytereader__varint(b) & BW_REC_FRAME_INLINED;
		f->module = str_ref(c, b);
		f->module_offset = bytereader__varint(b);
		f->build_id = str_ref(c, b);
	}
	ev.frames = frames;
	ev.nframes = n;
	if (b->p < b->end) { /* 1.1: who held the lock */
		ev.holder_thread = str_ref(c, b);
		ev.holder_where = str_ref(c, b);
	}
	/* frame indices outside the stack would mislead aggregation */
	if (ev.blame.callsite_frame >= ev.nframes || ev.blame.callsite_frame < -1)
		ev.blame.callsite_frame = -1;
	if (ev.blame.api_frame >= ev.nframes || ev.blame.api_frame < -1)
		ev.blame.api_frame = -1;
	rc = b->overrun ? -EINVAL : recording__add_event(c->r, &ev);
	free(frames);
	return rc;
}

static int decode_thread(struct chunk_ctx *c, struct bytereader *b)
{
	struct bw_snap_thread t = {};
	uint64_t flags;

	t.pid = bytereader__varint(b);
	t.tid = bytereader__varint(b);
	copy_comm(t.comm, str_ref(c, b));
	t.role = bytereader__varint(b);
	flags = bytereader__varint(b);
	t.exited = flags & BW_REC_THREAD_EXITED;
	t.stuck = flags & BW_REC_THREAD_STUCK;
	if (flags & BW_REC_THREAD_TIMES)
		for (int st = 0; st < BW_STATE_COUNT; st++)
			t.time_ns[st] = bytereader__varint(b);
	if (t.stuck) {
		t.stuck_ns = bytereader__varint(b);
		t.stuck_where = (char *)str_ref(c, b); /* copied by put_thread */
	}
	if (b->overrun)
		return -EINVAL;
	if (keep(c->r, sizeof(t) + (t.stuck_where ? strlen(t.stuck_where) : 0)) < 0)
		return -E2BIG;
	return recording__put_thread(c->r, &t, flags & BW_REC_THREAD_TIMES);
}

static int decode_process(struct chunk_ctx *c, struct bytereader *b)
{
	struct bw_snap_process p = {};

	p.pid = bytereader__varint(b);
	copy_comm(p.comm, str_ref(c, b));
	p.exe = (char *)str_ref(c, b); /* the put_* functions copy */
	p.runtime = (char *)str_ref(c, b);
	p.park_detection = (char *)str_ref(c, b);
	p.exited = bytereader__varint(b) & BW_REC_PROC_EXITED;
	if (b->overrun)
		return -EINVAL;
	if (keep(c->r, sizeof(p) + (p.exe ? strlen(p.exe) : 0) + (p.runtime ? strlen(p.runtime) : 0) +
		       (p.park_detection ? strlen(p.park_detection) : 0)) < 0)
		return -E2BIG;
	return recording__put_process(c->r, &p);
}

static int decode_record(struct chunk_ctx *c, uint64_t type, struct bytereader *b)
{
	struct bw_recording *r = c->r;
	struct rec_slice s = {};
	const char *str;
	uint64_t v;

	switch (type) {
	case BW_REC_STRING:
		return add_string(c, b->p, b->end - b->p);
	case BW_REC_PROCESS:
		return decode_process(c, b);
	case BW_REC_THREAD:
		return decode_thread(c, b);
	case BW_REC_EVENT:
		return decode_event(c, b);
	case BW_REC_SLICE:
		s.pid = bytereader__varint(b);
		s.tid = bytereader__varint(b);
		s.t0 = bytereader__varint(b);
		s.t1 = s.t0 + bytereader__varint(b);
		for (int st = 0; st < BW_STATE_COUNT; st++)
			s.ns[st] = bytereader__varint(b);
		if (keep(r, sizeof(s)) < 0)
			return -E2BIG;
		return b->overrun ? -EINVAL : recording__add_slice(r, &s);
	case BW_REC_LOST:
		str = str_ref(c, b);
		v = bytereader__varint(b);
		return b->overrun || !str ? -EINVAL : recording__put_lost(r, str, v);
	case BW_REC_DEGRADED:
		str = str_ref(c, b);
		return str ? recording__add_degraded(r, str) : -EINVAL;
	case BW_REC_END:
		r->snap->start_ns = bytereader__varint(b);
		r->snap->now_ns = bytereader__varint(b);
		r->snap->events_total = bytereader__varint(b);
		r->snap->threshold_ns = bytereader__varint(b);
		if (b->overrun)
			return -EINVAL;
		r->has_end = true;
		return 0;
	default:
		return 0; /* a newer minor version's record: skip it */
	}
}

static int decode_chunk(struct bw_recording *r, const uint8_t *raw, size_t len)
{
	struct chunk_ctx c = { .r = r };
	struct bytereader rd = { raw, raw + len, false };
	int rc = 0;

	while (!rc && !bytereader__done(&rd)) {
		uint64_t type = bytereader__varint(&rd);
		uint64_t n = bytereader__varint(&rd);
		const uint8_t *body = bytereader__bytes(&rd, n);
		struct bytereader b = { body, body + n, false };

		if (rd.overrun || !body) {
			rc = -EINVAL;
			break;
		}
		rc = decode_record(&c, type, &b);
	}
	free(c.strings);
	return rc;
}

/* A chunk header we can trust: magic, its own CRC, sane lengths. */
static bool chunk_header_ok(const uint8_t *p, struct bw_chunk_header *h)
{
	if (memcmp(p, BW_CHUNK_MAGIC, 4) || get_le32(p + 20) != crc32(0, p, 20))
		return false;
	memcpy(h->magic, p, 4);
	h->seq = get_le32(p + 4);
	h->raw_len = get_le32(p + 8);
	h->comp_len = get_le32(p + 12);
	h->data_crc = get_le32(p + 16);
	return h->raw_len <= BW_CHUNK_MAX && h->comp_len <= BW_CHUNK_MAX;
}

/* After damage: the next position holding a valid chunk header, or len. */
static size_t resync(const uint8_t *d, size_t len, size_t from)
{
	struct bw_chunk_header h;

	for (size_t p = from; p + sizeof(h) <= len; p++) {
		p = (const uint8_t *)memmem(d + p, len - p, BW_CHUNK_MAGIC, 4) - d;
		if (p > len || p + sizeof(h) > len)
			break;
		if (chunk_header_ok(d + p, &h))
			return p;
	}
	return len;
}

static int read_chunk(struct bw_recording *r, const uint8_t *d, const struct bw_chunk_header *h,
		      size_t pos)
{
	uLongf raw_len = h->raw_len;
	uint8_t *raw;
	int rc;

	if (crc32(0, d, h->comp_len) != h->data_crc) {
		recording__problem(r, "chunk %u at byte %zu is corrupted (checksum mismatch); skipped",
				   h->seq, pos);
		return 0;
	}
	if (h->raw_len > r->inflate_left)
		return -E2BIG;
	r->inflate_left -= h->raw_len;
	raw = malloc(raw_len ? raw_len : 1);
	if (!raw)
		return -ENOMEM;
	if (uncompress(raw, &raw_len, d, h->comp_len) != Z_OK || raw_len != h->raw_len) {
		recording__problem(r, "chunk %u at byte %zu does not decompress; skipped", h->seq, pos);
		free(raw);
		return 0;
	}
	rc = decode_chunk(r, raw, raw_len);
	free(raw);
	if (rc == -ENOMEM || rc == -E2BIG)
		return rc;
	if (rc)
		recording__problem(r, "chunk %u at byte %zu holds a malformed record; its rest is skipped",
				   h->seq, pos);
	return 0;
}

static void read_chunks(struct bw_recording *r, const uint8_t *d, size_t len, size_t pos)
{
	uint32_t expect = 0;
	struct bw_chunk_header h;
	int rc;

	while (pos < len) {
		size_t next;

		if (len - pos < sizeof(h)) {
			recording__problem(r, "truncated at byte %zu: the last chunk is incomplete "
					   "(recording cut short?)", len);
			return;
		}
		if (!chunk_header_ok(d + pos, &h)) {
			next = resync(d, len, pos + 1);
			recording__problem(r, "corrupted data at bytes %zu-%zu; skipped", pos, next);
			pos = next;
			continue;
		}
		if (h.comp_len > len - pos - sizeof(h)) {
			recording__problem(r, "truncated at byte %zu: chunk %u is incomplete "
					   "(recording cut short?)", len, h.seq);
			return;
		}
		if (h.seq != expect)
			recording__problem(r, "chunks %u to %u are missing", expect, h.seq - 1);
		expect = h.seq + 1;
		rc = read_chunk(r, d + pos + sizeof(h), &h, pos);
		if (rc == -ENOMEM) {
			recording__problem(r, "out of memory reading chunk %u; the rest is not read", h.seq);
			return;
		}
		if (rc == -E2BIG) {
			recording__problem(r, "chunk %u at byte %zu would take the recording past what a "
					   "file of %zu bytes can hold (crafted or damaged); the rest is "
					   "not read", h.seq, pos, len);
			return;
		}
		pos += sizeof(h) + h.comp_len;
	}
	if (!r->has_end && !r->nproblems)
		recording__problem(r, "incomplete: the recording has no final chunk "
				   "(blockwatch record was killed, or the disk filled up?)");
}

static void set_meta_field(struct rec_meta *m, struct bw_recording *r, const char *key,
			   const char *val)
{
	if (!strcmp(key, "tool_version"))
		m->tool_version = recording__str(r, val);
	else if (!strcmp(key, "kernel"))
		m->kernel = recording__str(r, val);
	else if (!strcmp(key, "hostname"))
		m->hostname = recording__str(r, val);
	else if (!strcmp(key, "targets"))
		m->targets = recording__str(r, val);
	else if (!strcmp(key, "start_unix_ns"))
		m->start_unix_ns = strtoull(val, NULL, 10);
	else if (!strcmp(key, "start_mono_ns"))
		m->start_mono_ns = strtoull(val, NULL, 10);
	else if (!strcmp(key, "threshold_ns"))
		m->threshold_ns = strtoull(val, NULL, 10);
	/* unknown keys: written by a newer minor version, ignored */
}

/* Parses the text header; returns the offset of the first chunk, or
 * negative errno with err set. */
static long read_header(struct bw_recording *r, const uint8_t *d, size_t len, const char *name,
			char *err, size_t errlen)
{
	size_t max = len < BW_REC_MAX_HEADER ? len : BW_REC_MAX_HEADER;
	size_t magic_len = strlen(BW_REC_MAGIC), pos;
	struct rec_meta m = {};
	const uint8_t *nl;
	char line[1024];
	int major, minor;

	if (len < magic_len + 1 || memcmp(d, BW_REC_MAGIC " ", magic_len + 1)) {
		snprintf(err, errlen, "%s is not a blockwatch recording (it does not start with \"%s\")",
			 name, BW_REC_MAGIC);
		return -EINVAL;
	}
	nl = memchr(d, '\n', max);
	/* sscanf on a NUL-terminated copy: the file's bytes are not */
	if (nl)
		snprintf(line, sizeof(line), "%.*s", (int)(nl - d < (long)sizeof(line) ? nl - d : 0),
			 (const char *)d);
	if (!nl || nl - d >= (long)sizeof(line) ||
	    sscanf(line + magic_len, "%d.%d", &major, &minor) != 2 || major < 0 || minor < 0) {
		snprintf(err, errlen, "%s: damaged or truncated recording header", name);
		return -EINVAL;
	}
	if (major > BW_REC_MAJOR) {
		snprintf(err, errlen, "%s: recording format %d.%d is newer than this blockwatch "
			 "reads (%d.x); report it with a newer blockwatch", name, major, minor,
			 BW_REC_MAJOR);
		return -EPROTONOSUPPORT;
	}
	m.major = major;
	m.minor = minor;
	for (pos = nl - d + 1;;) {
		const uint8_t *end = pos < max ? memchr(d + pos, '\n', max - pos) : NULL;
		size_t n;
		char *eq;

		if (!end) {
			snprintf(err, errlen, "%s: truncated inside the recording header "
				 "(nothing was recorded)", name);
			return -EINVAL;
		}
		n = end - (d + pos);
		if (n == 0) {
			pos++;
			break;
		}
		snprintf(line, sizeof(line), "%.*s", (int)n, (const char *)d + pos);
		eq = strchr(line, '=');
		if (eq) {
			*eq = 0;
			if (!strcmp(line, "header_crc")) {
				if (strtoul(eq + 1, NULL, 16) != crc32(0, d, pos))
					recording__problem(r, "the recording header is corrupted "
							   "(checksum mismatch): its values may be wrong");
			} else {
				set_meta_field(&m, r, line, eq + 1);
			}
		}
		pos += n + 1;
	}
	recording__set_meta(r, &m);
	if (minor > BW_REC_MINOR) {
		snprintf(line, sizeof(line), "recorded in format %d.%d; data this blockwatch (%d.%d) "
			 "does not know was skipped", major, minor, BW_REC_MAJOR, BW_REC_MINOR);
		recording__add_degraded(r, line);
	}
	return pos;
}

int recording__read_mem(const uint8_t *data, size_t len, const char *name,
			struct bw_recording **out, char *err, size_t errlen)
{
	struct bw_recording *r = recording__new();
	long pos;

	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->inflate_left = INFLATE_BASE + (uint64_t)len * INFLATE_PER_BYTE;
	r->keep_left = KEEP_BASE + (uint64_t)len * KEEP_PER_BYTE;
	pos = read_header(r, data, len, name, err, errlen);
	if (pos < 0) {
		recording__free(r);
		return pos;
	}
	read_chunks(r, data, len, pos);
	if (recording__finish(r) < 0) {
		snprintf(err, errlen, "out of memory");
		recording__free(r);
		return -ENOMEM;
	}
	*out = r;
	return r->nproblems ? 1 : 0;
}

/* read() until n bytes or the end; -errno on error. */
static ssize_t read_full(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += k;
	}
	return got;
}

int recording__read(const char *path, struct bw_recording **out, char *err, size_t errlen)
{
	size_t magic_len = strlen(BW_REC_MAGIC) + 1, len = 0, cap = 1 << 16, last_magic = 0;
	uint8_t *data = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int rc;

	*out = NULL;
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		free(data);
		return rc;
	}
	if (!data) {
		snprintf(err, errlen, "out of memory reading %s", path);
		rc = -ENOMEM;
		goto cleanup;
	}
	/* The magic first: /dev/zero or an endless pipe of anything else is
	 * refused after a few bytes. */
	n = read_full(fd, data, magic_len);
	if (n < 0) {
		rc = n;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		goto cleanup;
	}
	len = n;
	if (len < magic_len || memcmp(data, BW_REC_MAGIC " ", magic_len)) {
		rc = recording__read_mem(data, len, path, out, err, errlen);
		goto cleanup;
	}
	/* read() in a loop rather than fstat+mmap: works on pipes and /dev/fd */
	for (;;) {
		size_t scan_from;

		if (len == cap) {
			uint8_t *p;

			if (cap >= MAX_FILE) {
				snprintf(err, errlen, "%s is larger than %llu MiB, more than blockwatch "
					 "reads of a recording", path, (unsigned long long)(MAX_FILE >> 20));
				rc = -EFBIG;
				goto cleanup;
			}
			p = realloc(data, cap * 2);
			if (!p) {
				snprintf(err, errlen, "out of memory reading %s", path);
				rc = -ENOMEM;
				goto cleanup;
			}
			data = p;
			cap *= 2;
		}
		n = read_full(fd, data + len, cap - len);
		if (n < 0) {
			rc = n;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
			goto cleanup;
		}
		if (n == 0)
			break;
		/* endless data without a single chunk in it is not a recording */
		scan_from = len > 3 ? len - 3 : 0;
		len += n;
		for (const uint8_t *m = data + scan_from;
		     (m = memmem(m, data + len - m, BW_CHUNK_MAGIC, 4)) != NULL; m++)
			last_magic = m - data;
		if (len > BW_REC_MAX_HEADER && len - last_magic > MAX_GAP) {
			snprintf(err, errlen, "%s holds %zu MiB without a single recording chunk; not a "
				 "blockwatch recording (or damaged beyond use)", path, len >> 20);
			rc = -EINVAL;
			goto cleanup;
		}
	}
	rc = recording__read_mem(data, len, path, out, err, errlen);
cleanup:
	free(data);
	close(fd);
	return rc;
}
