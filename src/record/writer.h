/* Writing a recording as events arrive: a text header, then zlib chunks
 * with length and CRC, each closed every BW_CHUNK_TARGET bytes or second.
 * A recording cut short stays readable up to its last complete chunk.
 * Every write error (a full disk above all) is sticky and reported once. */
#ifndef BW_RECORD_WRITER_H
#define BW_RECORD_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate/snapshot.h"
#include "record/recording.h"

struct rec_writer;

/* Creates a temporary beside path (mode 0600, O_EXCL; never through
 * another user's symbolic link) and writes the header. NULL with a
 * one-line message in err. */
struct rec_writer *rec_writer__open(const char *path, const struct rec_meta *meta, char *err,
				    size_t errlen);
/* Renames the temporary onto path (call once tracing has started; close
 * does it too); until then an existing file is untouched. */
int rec_writer__publish(struct rec_writer *w);
/* Tracing could not start: close drops the temporary, the file at path
 * (if any) stays as it was. */
void rec_writer__abandon(struct rec_writer *w);
int rec_writer__event(struct rec_writer *w, const struct rec_event *ev);
int rec_writer__slice(struct rec_writer *w, const struct rec_slice *s);
int rec_writer__thread(struct rec_writer *w, const struct bw_snap_thread *t, bool with_times);
int rec_writer__process(struct rec_writer *w, const struct bw_snap_process *p);
/* Closes the current chunk if it is a second old (call it periodically). */
int rec_writer__tick(struct rec_writer *w, uint64_t now_ns);
/* The final chunk: processes, threads with totals, lost counters, notes,
 * then END; flushed and fsync'ed. */
int rec_writer__finish(struct rec_writer *w, const struct bw_snapshot *snap);
/* Closes the file (without END if finish was not called). Returns the
 * sticky error, if any, with its message copied to err. NULL-safe. */
int rec_writer__close(struct rec_writer *w, char *err, size_t errlen);
/* The first error as one line ("writing rec.bw failed: No space left on
 * device (disk full?)"), or NULL. */
const char *rec_writer__error(const struct rec_writer *w);
/* Bytes written and chunks closed so far (for the final message). */
void rec_writer__stats(const struct rec_writer *w, uint64_t *bytes, uint64_t *chunks,
		       uint64_t *events);

/* sampler sinks writing to a recording file (ctx: struct rec_writer *) */
struct sampler_sink;
extern const struct sampler_sink rec_writer_sink;

#endif
