#include "serve/otlp_push.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve/log_file.h"
#include "serve/otlp_json.h"

#define POST_TIMEOUT_MS 5000

struct otlp_push {
	struct http_url url;
	uint64_t interval_ns, start_unix_ns;
	struct metric_view *(*take_view)(void *ctx);
	void *ctx;
	char host[256];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, failing;
};

static uint64_t unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void push_once(struct otlp_push *p)
{
	struct metric_view *v = p->take_view(p->ctx);
	struct otlp_times t = { p->start_unix_ns, unix_ns() };
	struct bytebuf body = { 0 };
	char err[512] = "";
	int status = -ENOMEM;

	if (v) {
		otlp_json__write(&body, v, &t, p->host);
		if (!body.oom)
			status = http_post(&p->url, "application/json", body.data, body.len,
					   POST_TIMEOUT_MS, err, sizeof(err));
	}
	metric_view__free(v);
	bytebuf__release(&body);
	if (status >= 200 && status < 300) {
		if (p->failing)
			serve_log("OTLP push to %s:%s%s works again", p->url.host, p->url.port, p->url.path);
		p->failing = false;
		return;
	}
	if (!p->failing) {
		if (status > 0)
			serve_log("OTLP push to %s:%s%s: HTTP status %d", p->url.host, p->url.port,
				  p->url.path, status);
		else
			serve_log("OTLP push: %s", err[0] ? err : strerror(-status));
	}
	p->failing = true;
}

static void *run(void *arg)
{
	struct otlp_push *p = arg;
	struct timespec until;
	bool stop = false;

	while (!stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += p->interval_ns / 1000000000ULL;
		until.tv_nsec += p->interval_ns % 1000000000ULL;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&p->lock);
		while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &until) == 0)
			;
		stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		push_once(p); /* also when stopping: the last numbers */
	}
	return NULL;
}

struct otlp_push *otlp_push__start(const struct http_url *url, uint64_t interval_ns,
				   struct metric_view *(*take_view)(void *ctx), void *ctx)
{
	struct otlp_push *p = calloc(1, sizeof(*p));
	sigset_t all, old;
	int rc;

	if (!p)
		return NULL;
	p->url = *url;
	p->interval_ns = interval_ns;
	p->start_unix_ns = unix_ns();
	p->take_view = take_view;
	p->ctx = ctx;
	if (gethostname(p->host, sizeof(p->host) - 1))
		strcpy(p->host, "unknown");
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	/* signals are the main loop's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&p->thread, NULL, run, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

void otlp_push__stop(struct otlp_push *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
