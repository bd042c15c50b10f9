#include "record/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ingest/tracer.h"
#include "record/bytebuf.h"
#include "record/format.h"
#include "record/sampler.h"
#include "util/safe_file.h"
#include "util/strmap.h"

struct rec_writer {
	int fd;
	char *path;
	/* Written under a temporary name beside the file until tracing has
	 * started: a failed start (bad pid, no BPF) leaves an existing file as
	 * it was. NULL once published, or for a FIFO or device. */
	char *tmp, *final_path;
	bool abandon; /* close drops the temporary */
	struct bytebuf raw;      /* records of the open chunk */
	struct bytebuf rec;      /* one record body being built */
	struct strmap *strings;  /* string -> chunk-local id */
	uint32_t nstrings, seq;
	uint64_t chunk_started_ns;
	uint64_t bytes, events;
	bool finishing; /* the final chunk is never split */
	int err;
	char errmsg[512];
};

static int fail(struct rec_writer *w, int err, const char *what)
{
	if (w->err)
		return w->err;
	w->err = err;
	snprintf(w->errmsg, sizeof(w->errmsg), "%s %s failed: %s%s", what, w->path, strerror(-err),
		 err == -ENOSPC || err == -EDQUOT ? " (disk full?)" : "");
	return err;
}

static int write_all(struct rec_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = write(w->fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return fail(w, -errno, "writing");
		if (k == 0)
			return fail(w, -EIO, "writing");
		b += k;
		n -= k;
		w->bytes += k;
	}
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Header values are single-line: newlines would end the key=value line. */
static void header_line(struct bytebuf *h, const char *key, const char *val)
{
	bytebuf__append(h, key, strlen(key));
	bytebuf__append(h, "=", 1);
	for (const char *c = val ? val : ""; *c; c++)
		bytebuf__append(h, *c == '\n' || *c == '\r' ? " " : c, 1);
	bytebuf__append(h, "\n", 1);
}

static void header_u64(struct bytebuf *h, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	header_line(h, key, buf);
}

static int write_header(struct rec_writer *w, const struct rec_meta *m)
{
	struct bytebuf h = {};
	char line[64];
	int rc;

	snprintf(line, sizeof(line), "%s %d.%d\n", BW_REC_MAGIC, BW_REC_MAJOR, BW_REC_MINOR);
	bytebuf__append(&h, line, strlen(line));
	header_line(&h, "tool_version", m->tool_version);
	header_line(&h, "kernel", m->kernel);
	header_line(&h, "hostname", m->hostname);
	header_line(&h, "targets", m->targets);
	header_u64(&h, "start_unix_ns", m->start_unix_ns);
	header_u64(&h, "start_mono_ns", m->start_mono_ns);
	header_u64(&h, "threshold_ns", m->threshold_ns);
	header_line(&h, "compression", "zlib");
	snprintf(line, sizeof(line), "header_crc=%08lx\n\n",
		 crc32(0, h.data, h.len));
	bytebuf__append(&h, line, strlen(line));
	rc = h.oom ? fail(w, -ENOMEM, "building the header of") : write_all(w, h.data, h.len);
	bytebuf__release(&h);
	return rc;
}

struct rec_writer *rec_writer__open(const char *path, const struct rec_meta *meta, char *err,
				    size_t errlen)
{
	struct rec_writer *w = calloc(1, sizeof(*w));
	struct out_file of;

	if (!w || !(w->path = strdup(path)) || !(w->strings = strmap__new())) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	/* mode 0600: a recording holds stacks, paths and the hostname; created
	 * exclusively, never through a link (util/safe_file.c) */
	w->fd = -1;
	if (out_file__open(&of, path, 0600, true, err, errlen) < 0)
		goto cleanup;
	w->fd = of.fd;
	w->final_path = of.path; /* a link of ours resolved */
	w->tmp = of.tmp;         /* renamed onto path by rec_writer__publish */
	/* a chunk closes a second after the previous one (or the header) */
	w->chunk_started_ns = now_monotonic_ns();
	if (write_header(w, meta) < 0) {
		snprintf(err, errlen, "%s", w->errmsg);
		goto cleanup;
	}
	return w;
cleanup:
	if (w && w->fd >= 0)
		close(w->fd);
	if (w) {
		if (w->tmp)
			unlink(w->tmp);
		free(w->tmp);
		free(w->final_path);
		strmap__free(w->strings);
		free(w->path);
		free(w);
	}
	return NULL;
}

void rec_writer__abandon(struct rec_writer *w)
{
	if (w)
		w->abandon = true;
}

int rec_writer__publish(struct rec_writer *w)
{
	if (!w->tmp)
		return 0;
	if (rename(w->tmp, w->final_path) < 0)
		return fail(w, -errno, "renaming into place");
	free(w->tmp);
	w->tmp = NULL;
	return 0;
}

static int flush_chunk(struct rec_writer *w)
{
	uint8_t hdr[sizeof(struct bw_chunk_header)];
	uLongf clen;
	uint8_t *comp;
	int rc;

	if (w->err)
		return w->err;
	if (!w->raw.len)
		return 0;
	if (w->raw.oom)
		return fail(w, -ENOMEM, "buffering");
	clen = compressBound(w->raw.len);
	comp = malloc(clen);
	if (!comp)
		return fail(w, -ENOMEM, "compressing");
	if (compress2(comp, &clen, w->raw.data, w->raw.len, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(comp);
		return fail(w, -EIO, "compressing");
	}
	memcpy(hdr, BW_CHUNK_MAGIC, 4);
	put_le32(hdr + 4, w->seq);
	put_le32(hdr + 8, w->raw.len);
	put_le32(hdr + 12, clen);
	put_le32(hdr + 16, crc32(0, comp, clen));
	put_le32(hdr + 20, crc32(0, hdr, 20));
	rc = write_all(w, hdr, sizeof(hdr));
	if (!rc)
		rc = write_all(w, comp, clen);
	free(comp);
	if (rc)
		return rc;
	w->seq++;
	bytebuf__reset(&w->raw);
	/* string ids are chunk-local: each chunk decodes on its own */
	strmap__free(w->strings);
	w->strings = strmap__new();
	w->nstrings = 0;
	w->chunk_started_ns = now_monotonic_ns();
	return w->strings ? 0 : fail(w, -ENOMEM, "buffering");
}

/* The chunk-local id of s, defining it (a STRING record) on first use. */
static uint64_t str_id(struct rec_writer *w, const char *s)
{
	void *v;

	if (!s)
		return 0;
	v = strmap__get(w->strings, s);
	if (v)
		return (uintptr_t)v;
	bytebuf__varint(&w->raw, BW_REC_STRING);
	bytebuf__varint(&w->raw, strlen(s));
	bytebuf__append(&w->raw, s, strlen(s));
	if (strmap__put(w->strings, s, (void *)(uintptr_t)++w->nstrings) < 0)
		w->raw.oom = true;
	return w->nstrings;
}

/* Appends the record built in w->rec; closes the chunk when it is big. */
static int emit(struct rec_writer *w, enum bw_rec_type type)
{
	if (w->err)
		return w->err;
	if (w->rec.oom)
		return fail(w, -ENOMEM, "buffering");
	bytebuf__varint(&w->raw, type);
	bytebuf__varint(&w->raw, w->rec.len);
	bytebuf__append(&w->raw, w->rec.data, w->rec.len);
	bytebuf__reset(&w->rec);
	if (!w->finishing && w->raw.len >= BW_CHUNK_TARGET)
		return flush_chunk(w);
	return 0;
}

/* Strings are defined in w->raw before the record that uses them, so ids
 * are computed first and the body is assembled in w->rec. */
int rec_writer__event(struct rec_writer *w, const struct rec_event *ev)
{
	struct bytebuf *b = &w->rec;
	uint64_t ids[4], holder[2];

	if (w->err)
		return w->err;
	holder[0] = str_id(w, ev->holder_thread);
	holder[1] = str_id(w, ev->holder_where);
	ids[0] = str_id(w, ev->category);
	ids[1] = str_id(w, ev->blame.blocking_api);
	ids[2] = str_id(w, ev->blame.drop_type);
	ids[3] = str_id(w, ev->callsite);
	for (int i = 0; i < ev->nframes; i++) {
		str_id(w, ev->frames[i].function);
		str_id(w, ev->frames[i].file);
		str_id(w, ev->frames[i].module);
		str_id(w, ev->frames[i].build_id);
	}
	bytebuf__varint(b, ev->ts_ns);
	bytebuf__varint(b, ev->pid);
	bytebuf__varint(b, ev->tid);
	bytebuf__varint(b, ev->blocked_ns);
	bytebuf__svarint(b, ev->syscall_nr);
	bytebuf__varint(b, (ev->stuck ? BW_REC_EVENT_STUCK : 0) |
			       (ev->blame.via_drop ? BW_REC_EVENT_VIA_DROP : 0) |
			       (ev->long_poll ? BW_REC_EVENT_LONG_POLL : 0) |
			       (ev->lock_hold ? BW_REC_EVENT_LOCK_HOLD : 0));
	for (int i = 0; i < 4; i++)
		bytebuf__varint(b, ids[i]);
	bytebuf__svarint(b, ev->blame.api_frame);
	bytebuf__svarint(b, ev->blame.callsite_frame);
	bytebuf__varint(b, ev->nframes);
	for (int i = 0; i < ev->nframes; i++) {
		const struct bw_frame *f = &ev->frames[i];

		bytebuf__varint(b, f->pc);
		bytebuf__varint(b, str_id(w, f->function));
		bytebuf__varint(b, str_id(w, f->file));
		bytebuf__varint(b, f->line > 0 ? f->line : 0);
		bytebuf__varint(b, f->inlined ? BW_REC_FRAME_INLINED : 0);
		bytebuf__varint(b, str_id(w, f->module));
		bytebuf__varint(b, f->module_offset);
		bytebuf__varint(b, str_id(w, f->build_id));
	}
	bytebuf__varint(b, holder[0]);
	bytebuf__varint(b, holder[1]);
	w->events += !ev->stuck;
	return emit(w, BW_REC_EVENT);
}

int rec_writer__slice(struct rec_writer *w, const struct rec_slice *s)
{
	struct bytebuf *b = &w->rec;

	bytebuf__varint(b, s->pid);
	bytebuf__varint(b, s->tid);
	bytebuf__varint(b, s->t0);
	bytebuf__varint(b, s->t1 - s->t0);
	for (int st = 0; st < BW_STATE_COUNT; st++)
		bytebuf__varint(b, s->ns[st]);
	return emit(w, BW_REC_SLICE);
}

int rec_writer__thread(struct rec_writer *w, const struct bw_snap_thread *t, bool with_times)
{
	struct bytebuf *b = &w->rec;
	char comm[BW_COMM_LEN + 1] = "";
	uint64_t comm_id, where_id;

	memcpy(comm, t->comm, BW_COMM_LEN);
	comm_id = str_id(w, comm);
	where_id = str_id(w, t->stuck ? t->stuck_where : NULL);
	bytebuf__varint(b, t->pid);
	bytebuf__varint(b, t->tid);
	bytebuf__varint(b, comm_id);
	bytebuf__varint(b, t->role);
	bytebuf__varint(b, (t->exited ? BW_REC_THREAD_EXITED : 0) |
			       (t->stuck ? BW_REC_THREAD_STUCK : 0) |
			       (with_times ? BW_REC_THREAD_TIMES : 0));
	if (with_times)
		for (int st = 0; st < BW_STATE_COUNT; st++)
			bytebuf__varint(b, t->time_ns[st]);
	if (t->stuck) {
		bytebuf__varint(b, t->stuck_ns);
		bytebuf__varint(b, where_id);
	}
	return emit(w, BW_REC_THREAD);
}

int rec_writer__process(struct rec_writer *w, const struct bw_snap_process *p)
{
	struct bytebuf *b = &w->rec;
	char comm[BW_COMM_LEN + 1] = "";
	uint64_t ids[4];

	memcpy(comm, p->comm, BW_COMM_LEN);
	ids[0] = str_id(w, comm);
	ids[1] = str_id(w, p->exe);
	ids[2] = str_id(w, p->runtime);
	ids[3] = str_id(w, p->park_detection);
	bytebuf__varint(b, p->pid);
	for (int i = 0; i < 4; i++)
		bytebuf__varint(b, ids[i]);
	bytebuf__varint(b, p->exited ? BW_REC_PROC_EXITED : 0);
	return emit(w, BW_REC_PROCESS);
}

int rec_writer__tick(struct rec_writer *w, uint64_t now_ns)
{
	if (w->err)
		return w->err;
	if (w->raw.len && now_ns - w->chunk_started_ns >= 1000000000ULL)
		return flush_chunk(w);
	return 0;
}

/* Data is in the page cache once written (a kill -9 loses nothing); the
 * fsync makes a full disk or quota error on delayed allocation visible. */
static int sync_file(struct rec_writer *w)
{
	if (fsync(w->fd) < 0 && errno != EINVAL && errno != EROFS)
		return fail(w, -errno, "syncing");
	return 0;
}

int rec_writer__finish(struct rec_writer *w, const struct bw_snapshot *s)
{
	struct bytebuf *b = &w->rec;

	/* the end goes in a chunk of its own so it is complete or absent */
	if (flush_chunk(w))
		return w->err;
	w->finishing = true;
	for (int i = 0; i < s->nprocesses; i++)
		rec_writer__process(w, &s->processes[i]);
	for (int i = 0; i < s->nthreads; i++)
		rec_writer__thread(w, &s->threads[i], true);
	for (int i = 0; i < s->nlost; i++) {
		uint64_t id = str_id(w, s->lost[i].reason);

		bytebuf__varint(b, id);
		bytebuf__varint(b, s->lost[i].count);
		emit(w, BW_REC_LOST);
	}
	for (int i = 0; i < s->ndegraded; i++) {
		bytebuf__varint(b, str_id(w, s->degraded[i]));
		emit(w, BW_REC_DEGRADED);
	}
	bytebuf__varint(b, s->start_ns);
	bytebuf__varint(b, s->now_ns);
	bytebuf__varint(b, s->events_total);
	bytebuf__varint(b, s->threshold_ns);
	emit(w, BW_REC_END);
	if (flush_chunk(w))
		return w->err;
	return sync_file(w);
}

int rec_writer__close(struct rec_writer *w, char *errmsg, size_t errlen)
{
	int err;

	if (!w)
		return 0;
	flush_chunk(w);
	if (!w->err)
		sync_file(w);
	if (close(w->fd) < 0)
		fail(w, -errno, "closing");
	err = w->err;
	if (err && errmsg)
		snprintf(errmsg, errlen, "%s", w->errmsg);
	if (w->tmp && !w->abandon && rename(w->tmp, w->final_path) < 0 && !err) {
		fail(w, -errno, "renaming into place");
		err = w->err;
		if (errmsg)
			snprintf(errmsg, errlen, "%s", w->errmsg);
	}
	if (w->tmp && (w->abandon || err)) /* the old file stays as it was */
		unlink(w->tmp);
	free(w->tmp);
	free(w->final_path);
	bytebuf__release(&w->raw);
	bytebuf__release(&w->rec);
	strmap__free(w->strings);
	free(w->path);
	free(w);
	return err;
}

const char *rec_writer__error(const struct rec_writer *w)
{
	return w && w->err ? w->errmsg : NULL;
}

void rec_writer__stats(const struct rec_writer *w, uint64_t *bytes, uint64_t *chunks,
		       uint64_t *events)
{
	*bytes = w->bytes;
	*chunks = w->seq;
	*events = w->events;
}

static int slice_sink(void *ctx, const struct rec_slice *s)
{
	return rec_writer__slice(ctx, s);
}

static int thread_sink(void *ctx, const struct bw_snap_thread *t)
{
	return rec_writer__thread(ctx, t, false);
}

static int process_sink(void *ctx, const struct bw_snap_process *p)
{
	return rec_writer__process(ctx, p);
}

const struct sampler_sink rec_writer_sink = {
	.slice = slice_sink,
	.thread = thread_sink,
	.process = process_sink,
};
