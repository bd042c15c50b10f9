/* The daemon loop (see serve.h). */
#include "serve/serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/http_server.h"
#include "serve/log_file.h"
#include "serve/metric_view.h"
#include "serve/otlp_push.h"
#include "util/escape.h"

#define POLL_MS 100
/* How long a scrape waits for the collection it asked for; an older view
 * is served after that (the tracer thread is busy, say with a burst). */
#define SCRAPE_WAIT_MS 500

static volatile sig_atomic_t stop_requested, reopen_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reopen_requested = 1;
}

void serve__install_signals(void)
{
	struct sigaction stop = { .sa_handler = on_stop }, hup = { .sa_handler = on_hup };

	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool serve__stop_requested(void)
{
	return stop_requested;
}

struct serve {
	struct serve_opts o;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t folded;
	struct metric_store *store;
	uint64_t folds;
	bool want_fold, tracing;
	struct http_server *http;
	struct otlp_push *push;
	/* degraded notes already logged (the last snapshot's) */
	char **noted;
	int nnoted;
};

struct serve *serve__new(const struct serve_opts *o)
{
	struct serve *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->folded, NULL);
	s->store = store__new(&o->store);
	if (!s->store) {
		serve__free(s);
		return NULL;
	}
	return s;
}

static void forget_notes(struct serve *s)
{
	for (int i = 0; i < s->nnoted; i++)
		free(s->noted[i]);
	free(s->noted);
	s->noted = NULL;
	s->nnoted = 0;
}

void serve__free(struct serve *s)
{
	if (!s)
		return;
	/* before the store their views come from; the push's last one holds
	 * the final collection */
	otlp_push__stop(s->push);
	http_server__stop(s->http);
	store__free(s->store);
	forget_notes(s);
	pthread_cond_destroy(&s->folded);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- the HTTP thread's side ---- */

static struct metric_view *take_view(void *ctx)
{
	struct serve *s = ctx;
	struct metric_view *v;
	struct timespec until;
	uint64_t asked_at;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += SCRAPE_WAIT_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&s->lock);
	/* what is scraped is what the tracer knows now, not up to an interval ago */
	asked_at = s->folds;
	s->want_fold = s->tracing;
	while (s->tracing && s->folds == asked_at &&
	       pthread_cond_timedwait(&s->folded, &s->lock, &until) == 0)
		;
	v = store__view(s->store);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static bool healthy(void *ctx)
{
	struct serve *s = ctx;
	bool up;

	pthread_mutex_lock(&s->lock);
	up = s->tracing;
	pthread_mutex_unlock(&s->lock);
	return up;
}

int serve__listen(struct serve *s, int listen_fd)
{
	struct http_handlers h = { take_view, healthy, s };
	char err[256];

	struct http_url url;

	s->http = http_server__start(listen_fd, &h, err, sizeof(err));
	if (!s->http) {
		serve_log("%s", err);
		return -1;
	}
	if (!s->o.otlp_endpoint)
		return 0;
	if (http_url__parse(s->o.otlp_endpoint, &url) ||
	    !(s->push = otlp_push__start(&url, s->o.otlp_interval_ns, take_view, s))) {
		serve_log("cannot start pushing to %s", esc_text(s->o.otlp_endpoint));
		return -1;
	}
	return 0;
}

/* ---- the tracer thread's side ---- */

static bool noted_before(const struct serve *s, const char *note)
{
	for (int i = 0; i < s->nnoted; i++)
		if (strcmp(s->noted[i], note) == 0)
			return true;
	return false;
}

/* Degraded modes are logged once, when they first appear in a snapshot. */
static void log_new_notes(struct serve *s, const struct bw_snapshot *snap)
{
	char **now = calloc(snap->ndegraded ? snap->ndegraded : 1, sizeof(*now));
	int n = 0;

	for (int i = 0; i < snap->ndegraded; i++) {
		if (!noted_before(s, snap->degraded[i]))
			serve_log("degraded: %s", esc_text(snap->degraded[i]));
		if (now && (now[n] = strdup(snap->degraded[i])))
			n++;
	}
	forget_notes(s);
	s->noted = now;
	s->nnoted = n;
}

static int fold(struct serve *s, struct tracer *t)
{
	struct bw_snapshot *snap = tracer__snapshot(t);
	uint64_t evicted_before;
	int rc;

	if (!snap)
		return -ENOMEM;
	/* the next snapshot holds only what comes after this one */
	tracer__clear(t);
	tracer__forget_exited(t);
	pthread_mutex_lock(&s->lock);
	evicted_before = store__evicted(s->store);
	rc = store__fold(s->store, snap);
	s->folds++;
	s->want_fold = false;
	if (store__evicted(s->store) != evicted_before && !evicted_before)
		serve_log("more than %d callsites: the least recently seen are evicted from now on (blockwatch_callsites_evicted_total)",
			  s->o.store.max_callsites);
	pthread_cond_broadcast(&s->folded);
	pthread_mutex_unlock(&s->lock);
	log_new_notes(s, snap);
	pprof_dir__tick(s->o.pprof, snap);
	snapshot__free(snap);
	return rc;
}

static void set_tracing(struct serve *s, bool on)
{
	pthread_mutex_lock(&s->lock);
	s->tracing = on;
	pthread_cond_broadcast(&s->folded);
	pthread_mutex_unlock(&s->lock);
}

static void reopen_log(struct serve *s)
{
	char err[512];

	reopen_requested = 0;
	if (!s->o.log_file)
		return;
	if (log_file__redirect_stderr(s->o.log_file, err, sizeof(err)))
		serve_log("%s; still writing to the old one", err); /* goes to the old file */
	else
		serve_log("log reopened");
}

static bool fold_wanted(struct serve *s)
{
	bool want;

	pthread_mutex_lock(&s->lock);
	want = s->want_fold;
	pthread_mutex_unlock(&s->lock);
	return want;
}

int serve__run(struct serve *s, struct tracer *t)
{
	uint64_t next = now_monotonic_ns() + s->o.interval_ns;
	int rc = 0;

	set_tracing(s, true);
	while (!stop_requested) {
		rc = tracer__poll(t, POLL_MS);
		if (rc < 0) {
			serve_log("reading events failed: %s", strerror(-rc));
			break;
		}
		if (reopen_requested)
			reopen_log(s);
		if (fold_wanted(s) || now_monotonic_ns() >= next) {
			next = now_monotonic_ns() + s->o.interval_ns;
			rc = fold(s, t);
			if (rc) {
				serve_log("collecting failed: %s", strerror(-rc));
				break;
			}
		}
		if (tracer__targets_gone(t)) {
			serve_log("every target is gone; stopping");
			break;
		}
	}
	/* what is still in the ring buffer goes into the last numbers (a last
	 * scrape or OTLP push) */
	if (!rc) {
		tracer__finish(t);
		rc = fold(s, t);
	}
	set_tracing(s, false);
	return rc ? 1 : 0;
}
