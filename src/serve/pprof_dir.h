/* --pprof-dir: serve writes the blocked time of each window (--pprof-interval)
 * as a pprof profile (gzip'ed profile.proto, the same writer as `report -f
 * pprof`) into a folder, as blocked-YYYYMMDDTHHMMSS.mmmZ.pb.gz, keeping the
 * newest --pprof-keep: what a Parca or Pyroscope agent, or a cron upload,
 * picks up. Files are written as reports are (src/util/safe_file.h: a
 * temporary renamed into place, no symbolic link followed); old ones are
 * removed by name inside the folder only. Runs on the tracer's thread. */
#ifndef BW_SERVE_PPROF_DIR_H
#define BW_SERVE_PPROF_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate/snapshot.h"
#include "ingest/tracer.h"

struct pprof_dir;

/* NULL with a one-line reason in err (not a folder, no memory). */
struct pprof_dir *pprof_dir__new(const char *dir, uint64_t interval_ns, int keep,
				 const struct tracer_opts *opts, char *err, size_t errlen);
/* A live_event_fn (ctx: the pprof_dir): the window's events. */
void pprof_dir__on_event(void *ctx, const struct live_event *ev);
/* At each collection: once the window is over, writes it and starts the
 * next (snap: that collection's snapshot). */
void pprof_dir__tick(struct pprof_dir *d, const struct bw_snapshot *snap);
/* Writes the last, partial window when it has events, then frees. NULL-safe. */
void pprof_dir__free(struct pprof_dir *d, const struct bw_snapshot *last);

#endif
