/* `blockwatch serve`: the daemon loop. The tracer and the metric store
 * share one thread (poll events, fold a snapshot every interval or when a
 * scrape asks, forget what is gone); the HTTP server has its own and only
 * takes views of the store. */
#ifndef BW_SERVE_SERVE_H
#define BW_SERVE_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "ingest/tracer.h"
#include "serve/metric_store.h"
#include "serve/pprof_dir.h"

struct serve_opts {
	uint64_t interval_ns;  /* fold at least this often */
	const char *log_file;  /* reopened on SIGHUP; NULL: stderr as is */
	struct store_opts store;
	const char *otlp_endpoint; /* push OTLP/HTTP JSON there; NULL: no push */
	uint64_t otlp_interval_ns;
	struct pprof_dir *pprof;   /* --pprof-dir (the caller's), or NULL */
};

/* Set by SIGTERM/SIGINT (stop) and SIGHUP (reopen the log). */
void serve__install_signals(void);
bool serve__stop_requested(void);

struct serve;

/* The store and the shared state, before the tracer starts. */
struct serve *serve__new(const struct serve_opts *o);
void serve__free(struct serve *s); /* NULL-safe */
/* Starts serving HTTP on listen_fd (taken over), and the OTLP push when
 * asked; 0 or -1 with a message. After the capabilities are dropped: the
 * threads it starts inherit what the caller has. */
int serve__listen(struct serve *s, int listen_fd);
/* Runs until a stop signal or, with -p/--, until the targets are gone.
 * Returns the exit code. */
int serve__run(struct serve *s, struct tracer *t);

#endif
