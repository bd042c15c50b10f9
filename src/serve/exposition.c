/* Exposition rendering (see exposition.h). The output is a list of items —
 * a family's HELP/TYPE lines, then one series' lines each — rendered one at a
 * time into a staging buffer that the reader drains, so memory is bounded by
 * the largest series, not the scrape. */
#include "serve/exposition.h"

#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record/bytebuf.h"

/* ---- content negotiation ---- */

/* The q of one media range ("type/sub;version=1.0.0;q=0.5"): 1 unless given. */
static double range_quality(const char *params, const char *end)
{
	const char *q = params;

	while (q && q < end) {
		while (q < end && (*q == ';' || *q == ' ' || *q == '\t'))
			q++;
		if (end - q > 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
			double v = strtod(q + 2, NULL);

			return v < 0 ? 0 : v > 1 ? 1 : v;
		}
		q = memchr(q, ';', end - q);
	}
	return 1;
}

static bool range_is(const char *s, size_t len, const char *type)
{
	return len == strlen(type) && strncasecmp(s, type, len) == 0;
}

enum expo_format exposition__negotiate(const char *accept)
{
	double om = 0, text = 0;
	const char *s = accept;

	while (s && *s) {
		const char *end = strchr(s, ','), *semi;
		size_t len;
		double q;

		if (!end)
			end = s + strlen(s);
		while (s < end && isspace((unsigned char)*s))
			s++;
		semi = memchr(s, ';', end - s);
		len = (semi ? semi : end) - s;
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		q = range_quality(semi, end);
		if (range_is(s, len, "application/openmetrics-text"))
			om = q > om ? q : om;
		else if (range_is(s, len, "text/plain") || range_is(s, len, "text/*") ||
			 range_is(s, len, "*/*"))
			text = q > text ? q : text;
		s = *end ? end + 1 : end;
	}
	return om > 0 && om >= text ? EXPO_OPENMETRICS : EXPO_TEXT;
}

const char *exposition__content_type(enum expo_format f)
{
	return f == EXPO_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				     : "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- the staging buffer: one item at a time, drained by the reader ---- */

struct stage {
	struct bytebuf b;
	size_t pos; /* how much the reader took */
};

static void put(struct stage *s, const char *p, size_t n)
{
	bytebuf__append(&s->b, p, n);
}

static void puts_(struct stage *s, const char *p)
{
	put(s, p, strlen(p));
}

static void put_u64(struct stage *s, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(s, tmp + i, sizeof(tmp) - i);
}

/* Nanoseconds as exact decimal seconds ("0.001048576", "3", "12.5") into
 * out (at least 32 bytes); returns the length. */
static int fmt_seconds(char *out, uint64_t ns)
{
	int n = sprintf(out, "%llu", (unsigned long long)(ns / 1000000000ULL));
	uint64_t frac = ns % 1000000000ULL;
	int digits = 9;

	if (!frac)
		return n;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	return n + sprintf(out + n, ".%0*llu", digits, (unsigned long long)frac);
}

static void put_seconds(struct stage *s, uint64_t ns)
{
	char tmp[32];

	put(s, tmp, fmt_seconds(tmp, ns));
}

/* ---- families ---- */

struct expo_cursor {
	const struct metric_view *v;
	const struct self_metrics *self;
	enum expo_format f;
	int section, item; /* item -1: the family's header */
	struct stage st;
	char le[VIEW_MAX_BUCKETS][40]; /* le="..." of each shown bucket */
};

/* name{labels[,extra]} value\n; labels and extra may be empty. */
static void sample_start(struct stage *s, const char *name, const char *suffix, const char *labels,
			 const char *extra)
{
	puts_(s, name);
	puts_(s, suffix);
	if ((labels && *labels) || (extra && *extra)) {
		put(s, "{", 1);
		if (labels && *labels)
			puts_(s, labels);
		if (labels && *labels && extra && *extra)
			put(s, ",", 1);
		if (extra && *extra)
			puts_(s, extra);
		put(s, "}", 1);
	}
	put(s, " ", 1);
}

enum family_type { F_COUNTER, F_GAUGE, F_HISTOGRAM, F_INFO };

/* HELP and TYPE. name is the family name; counters' samples add _total, and
 * text format 0.0.4 names the counter family with it too. */
static void header(struct expo_cursor *c, const char *name, enum family_type type, const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "info" };
	bool om = c->f == EXPO_OPENMETRICS;
	const char *suffix = !om && type == F_COUNTER ? "_total" : !om && type == F_INFO ? "_info" : "";
	const char *tname = !om && type == F_INFO ? "gauge" : types[type];

	puts_(&c->st, "# HELP ");
	puts_(&c->st, name);
	puts_(&c->st, suffix);
	put(&c->st, " ", 1);
	puts_(&c->st, help);
	puts_(&c->st, "\n# TYPE ");
	puts_(&c->st, name);
	puts_(&c->st, suffix);
	put(&c->st, " ", 1);
	puts_(&c->st, tname);
	put(&c->st, "\n", 1);
}

static void histogram_series(struct expo_cursor *c, const char *name, const struct view_histogram *h)
{
	struct stage *s = &c->st;

	for (int j = 0; j < c->v->nbuckets; j++) {
		sample_start(s, name, "_bucket", h->labels, c->le[j]);
		put_u64(s, h->cumulative[j]);
		put(s, "\n", 1);
	}
	sample_start(s, name, "_bucket", h->labels, "le=\"+Inf\"");
	put_u64(s, h->count);
	put(s, "\n", 1);
	sample_start(s, name, "_sum", h->labels, NULL);
	put_seconds(s, h->sum_ns);
	put(s, "\n", 1);
	sample_start(s, name, "_count", h->labels, NULL);
	put_u64(s, h->count);
	put(s, "\n", 1);
}

static const char *const state_labels[BW_STATE_COUNT] = {
	[BW_STATE_RUNNING] = "state=\"running\"",
	[BW_STATE_BLOCKED] = "state=\"blocked\"",
	[BW_STATE_PARKED] = "state=\"parked\"",
	[BW_STATE_RUNNABLE] = "state=\"runnable\"",
};

static void state_series(struct expo_cursor *c, const char *name, const char *labels,
			 const uint64_t state_ns[BW_STATE_COUNT])
{
	for (int st = 0; st < BW_STATE_COUNT; st++) {
		if (!state_labels[st])
			continue;
		sample_start(&c->st, name, "_total", labels, state_labels[st]);
		put_seconds(&c->st, state_ns[st]);
		put(&c->st, "\n", 1);
	}
}

static void gauge_line(struct expo_cursor *c, const char *name, const char *suffix,
		       const char *labels, uint64_t v, bool seconds)
{
	sample_start(&c->st, name, suffix, labels, NULL);
	if (seconds)
		put_seconds(&c->st, v);
	else
		put_u64(&c->st, v);
	put(&c->st, "\n", 1);
}

/*
 * A section is one metric family: render(c, -1) writes its header, render(c,
 * i) its i-th series; count says how many series it has now (-1: the section
 * is left out).
 */
struct section {
	int (*count)(const struct expo_cursor *c);
	void (*render)(struct expo_cursor *c, int item);
};

#define HIST_SECTION(fn, kind, shown, name, help)                                      \
	static int fn##_count(const struct expo_cursor *c)                             \
	{                                                                              \
		return (shown) ? c->v->nhist[kind] : -1;                               \
	}                                                                              \
	static void fn##_render(struct expo_cursor *c, int i)                          \
	{                                                                              \
		if (i < 0)                                                             \
			header(c, name, F_HISTOGRAM, help);                            \
		else                                                                   \
			histogram_series(c, name, &c->v->hist[kind][i]);               \
	}

HIST_SECTION(blocked, SERIES_BLOCKED, true, "blockwatch_blocked_seconds",
	     "Time runtime worker threads were blocked, per user callsite and blocking API.")
HIST_SECTION(long_poll, SERIES_LONG_POLL, c->v->polls, "blockwatch_long_poll_seconds",
	     "On-CPU time of task polls over the --polls threshold, per task code.")
HIST_SECTION(lock_hold, SERIES_LOCK_HOLD, c->v->locks, "blockwatch_async_lock_hold_seconds",
	     "Time async lock permits were held across an .await, per acquiring callsite.")

static int services_count(const struct expo_cursor *c)
{
	return c->v->nservices;
}

static void worker_seconds_render(struct expo_cursor *c, int i)
{
	if (i < 0)
		header(c, "blockwatch_worker_seconds", F_COUNTER,
		       "Time runtime worker threads spent per state (running, blocked, parked, runnable).");
	else
		state_series(c, "blockwatch_worker_seconds", c->v->services[i].labels,
			     c->v->services[i].state_ns);
}

static int threads_count(const struct expo_cursor *c)
{
	return c->v->per_thread ? c->v->nthreads : -1;
}

static void thread_seconds_render(struct expo_cursor *c, int i)
{
	if (i < 0)
		header(c, "blockwatch_worker_thread_seconds", F_COUNTER,
		       "Time per state of each runtime worker thread (--per-thread).");
	else
		state_series(c, "blockwatch_worker_thread_seconds", c->v->threads[i].labels,
			     c->v->threads[i].state_ns);
}

#define SERVICE_GAUGE(fn, name, help, field, seconds)                                      \
	static void fn##_render(struct expo_cursor *c, int i)                              \
	{                                                                                  \
		if (i < 0)                                                                 \
			header(c, name, F_GAUGE, help);                                    \
		else                                                                       \
			gauge_line(c, name, "", c->v->services[i].labels,                  \
				   c->v->services[i].field, seconds);                      \
	}

SERVICE_GAUGE(workers, "blockwatch_workers", "Runtime worker threads alive at the last collection.",
	      workers, false)
SERVICE_GAUGE(stuck, "blockwatch_stuck_workers",
	      "Worker threads blocked longer than --stuck and not back yet.", stuck_workers, false)
SERVICE_GAUGE(stuck_seconds, "blockwatch_stuck_seconds",
	      "How long the longest-stuck worker has been blocked (0: none stuck).", stuck_max_ns, true)
SERVICE_GAUGE(processes, "blockwatch_processes", "Traced processes alive at the last collection.",
	      processes, false)

static int lost_count(const struct expo_cursor *c)
{
	return c->v->nlost;
}

static void lost_render(struct expo_cursor *c, int i)
{
	if (i < 0)
		header(c, "blockwatch_lost_events", F_COUNTER,
		       "Events lost or degraded, by reason (ring buffer full, unwinding stops, ...).");
	else
		gauge_line(c, "blockwatch_lost_events", "_total", c->v->lost[i].labels,
			   c->v->lost[i].value, false);
}

static int one(const struct expo_cursor *c)
{
	return 1;
}

#define SINGLE(fn, name, type, help, suffix, labels, value, seconds)     \
	static void fn##_render(struct expo_cursor *c, int i)            \
	{                                                                \
		if (i < 0)                                               \
			header(c, name, type, help);                     \
		else                                                     \
			gauge_line(c, name, suffix, labels, value, seconds); \
	}

SINGLE(evicted, "blockwatch_callsites_evicted", F_COUNTER,
       "Callsite series dropped to stay under --max-callsites (least recently seen first).",
       "_total", NULL, c->v->evicted, false)
SINGLE(series, "blockwatch_callsites", F_GAUGE, "Callsite series kept now.", "", NULL,
       (uint64_t)c->v->nseries, false)
SINGLE(internal, "blockwatch_runtime_internal_blocked_seconds", F_COUNTER,
       "Blocking on workers with no user frame to blame (the runtime or a library on its own).",
       "_total", NULL, c->v->internal_ns, true)
SINGLE(events, "blockwatch_blocked_events", F_COUNTER,
       "Blocked-interval events the tracer handled.", "_total", NULL, c->v->events_total, false)
SINGLE(build, "blockwatch_build", F_INFO, "blockwatch version.", "_info",
       "version=\"" BW_VERSION "\"", 1, false)

static int bpf_count(const struct expo_cursor *c)
{
	return c->v->bpf_stats ? 1 : -1;
}

SINGLE(bpf_run, "blockwatch_bpf_run_seconds", F_COUNTER,
       "Time blockwatch's BPF programs ran (kernel.bpf_stats_enabled=1 only).", "_total", NULL,
       c->v->bpf_run_ns, true)
SINGLE(bpf_runs, "blockwatch_bpf_runs", F_COUNTER,
       "Runs of blockwatch's BPF programs (kernel.bpf_stats_enabled=1 only).", "_total", NULL,
       c->v->bpf_runs, false)

static int self_count(const struct expo_cursor *c)
{
	return c->self ? 1 : -1;
}

SINGLE(cpu, "process_cpu_seconds", F_COUNTER, "Total user and system CPU time spent in seconds.",
       "_total", NULL, c->self->cpu_ns, true)
SINGLE(rss, "process_resident_memory_bytes", F_GAUGE, "Resident memory size in bytes.", "", NULL,
       c->self->rss_bytes, false)
SINGLE(vm, "process_virtual_memory_bytes", F_GAUGE, "Virtual memory size in bytes.", "", NULL,
       c->self->vm_bytes, false)
SINGLE(fds, "process_open_fds", F_GAUGE, "Number of open file descriptors.", "", NULL,
       c->self->open_fds, false)
SINGLE(max_fds, "process_max_fds", F_GAUGE, "Maximum number of open file descriptors.", "", NULL,
       c->self->max_fds, false)
SINGLE(start, "process_start_time_seconds", F_GAUGE,
       "Start time of the process since unix epoch in seconds.", "", NULL,
       c->self->start_time_s * 1000000000ULL, true)

static const struct section sections[] = {
	{ blocked_count, blocked_render },
	{ long_poll_count, long_poll_render },
	{ lock_hold_count, lock_hold_render },
	{ services_count, worker_seconds_render },
	{ threads_count, thread_seconds_render },
	{ services_count, workers_render },
	{ services_count, stuck_render },
	{ services_count, stuck_seconds_render },
	{ services_count, processes_render },
	{ lost_count, lost_render },
	{ one, evicted_render },
	{ one, series_render },
	{ one, internal_render },
	{ one, events_render },
	{ one, build_render },
	{ bpf_count, bpf_run_render },
	{ bpf_count, bpf_runs_render },
	{ self_count, cpu_render },
	{ self_count, rss_render },
	{ self_count, vm_render },
	{ self_count, fds_render },
	{ self_count, max_fds_render },
	{ self_count, start_render },
};
#define NSECTIONS ((int)(sizeof(sections) / sizeof(sections[0])))

struct expo_cursor *exposition__start(const struct metric_view *v, const struct self_metrics *self,
				      enum expo_format f)
{
	struct expo_cursor *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->v = v;
	c->self = self;
	c->f = f;
	c->item = -1;
	/* bucket i holds [2^i, 2^(i+1)) ns: its upper bound */
	for (int j = 0; j < v->nbuckets && j < VIEW_MAX_BUCKETS; j++) {
		char secs[32];

		fmt_seconds(secs, 2ULL << (v->first_bucket + j));
		snprintf(c->le[j], sizeof(c->le[j]), "le=\"%s\"", secs);
	}
	return c;
}

/* Renders the next item into the empty stage; false at the end. */
static bool next_item(struct expo_cursor *c)
{
	while (c->section < NSECTIONS) {
		const struct section *s = &sections[c->section];
		int n = s->count(c);

		if (n >= 0 && c->item < n) {
			s->render(c, c->item++);
			return true;
		}
		c->section++;
		c->item = -1;
	}
	if (c->section == NSECTIONS) {
		c->section++;
		if (c->f == EXPO_OPENMETRICS) {
			puts_(&c->st, "# EOF\n");
			return true;
		}
	}
	return false;
}

long exposition__read(struct expo_cursor *c, char *buf, size_t max)
{
	size_t out = 0;

	while (out < max) {
		size_t n;

		if (c->st.pos == c->st.b.len) {
			c->st.pos = 0;
			bytebuf__reset(&c->st.b);
			if (!next_item(c))
				break;
			if (c->st.b.oom)
				return -1;
		}
		n = c->st.b.len - c->st.pos;
		if (n > max - out)
			n = max - out;
		memcpy(buf + out, c->st.b.data + c->st.pos, n);
		c->st.pos += n;
		out += n;
	}
	return (long)out;
}

void exposition__free(struct expo_cursor *c)
{
	if (!c)
		return;
	bytebuf__release(&c->st.b);
	free(c);
}
