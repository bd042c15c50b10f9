/* OTLP JSON of a metric view (see otlp_json.h). The view's label text is
 * already escaped for the Prometheus exposition (\\, \", \n; controls and
 * bad UTF-8 replaced), which is also a valid JSON string body, so values are
 * copied as they are. 64-bit integers are JSON strings (the OTLP JSON
 * mapping of fixed64/int64). */
#include "serve/otlp_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"

#define CUMULATIVE 2 /* AggregationTemporality */

static void put(struct bytebuf *b, const char *s)
{
	bytebuf__append(b, s, strlen(s));
}

static void put_u64(struct bytebuf *b, uint64_t v, bool quoted)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), quoted ? "\"%llu\"" : "%llu", (unsigned long long)v);
	put(b, tmp);
}

static void put_seconds(struct bytebuf *b, uint64_t ns)
{
	char tmp[40];

	snprintf(tmp, sizeof(tmp), "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
		 (unsigned long long)(ns % 1000000000ULL));
	put(b, tmp);
}

/* `k="v",k2="v2"` (escaped) as OTLP attributes, plus one extra pair. */
static void put_attributes(struct bytebuf *b, const char *labels, const char *key, const char *val)
{
	const char *p = labels ? labels : "";
	bool first = true;

	put(b, "\"attributes\":[");
	while (*p) {
		const char *eq = strchr(p, '='), *v, *end;

		if (!eq || eq[1] != '"')
			break;
		v = eq + 2;
		for (end = v; *end && *end != '"'; end++)
			if (*end == '\\' && end[1])
				end++;
		put(b, first ? "{\"key\":\"" : ",{\"key\":\"");
		bytebuf__append(b, p, eq - p);
		put(b, "\",\"value\":{\"stringValue\":\"");
		bytebuf__append(b, v, end - v);
		put(b, "\"}}");
		first = false;
		p = *end ? end + 1 : end;
		if (*p == ',')
			p++;
	}
	if (key) {
		put(b, first ? "{\"key\":\"" : ",{\"key\":\"");
		put(b, key);
		put(b, "\",\"value\":{\"stringValue\":\"");
		put(b, val);
		put(b, "\"}}");
	}
	put(b, "]");
}

static void put_times(struct bytebuf *b, const struct otlp_times *t, bool with_start)
{
	if (with_start) {
		put(b, ",\"startTimeUnixNano\":");
		put_u64(b, t->start_unix_ns, true);
	}
	put(b, ",\"timeUnixNano\":");
	put_u64(b, t->now_unix_ns, true);
}

static void metric_start(struct bytebuf *b, bool *first, const char *name, const char *unit,
			 const char *desc)
{
	put(b, *first ? "{\"name\":\"" : ",{\"name\":\"");
	*first = false;
	put(b, name);
	put(b, "\",\"unit\":\"");
	put(b, unit);
	put(b, "\",\"description\":\"");
	put(b, desc);
	put(b, "\",");
}

static void histogram(struct bytebuf *b, bool *first, const struct metric_view *v,
		      enum series_kind kind, const char *name, const char *desc,
		      const struct otlp_times *t)
{
	metric_start(b, first, name, "s", desc);
	put(b, "\"histogram\":{\"aggregationTemporality\":2,\"dataPoints\":[");
	for (int i = 0; i < v->nhist[kind]; i++) {
		const struct view_histogram *h = &v->hist[kind][i];
		uint64_t prev = 0;

		put(b, i ? ",{" : "{");
		put_attributes(b, h->labels, NULL, NULL);
		put_times(b, t, true);
		put(b, ",\"count\":");
		put_u64(b, h->count, true);
		put(b, ",\"sum\":");
		put_seconds(b, h->sum_ns);
		/* per bucket, not cumulative; one more than the bounds */
		put(b, ",\"bucketCounts\":[");
		for (int j = 0; j < v->nbuckets; j++) {
			put_u64(b, h->cumulative[j] - prev, true);
			put(b, ",");
			prev = h->cumulative[j];
		}
		put_u64(b, h->count - prev, true);
		put(b, "],\"explicitBounds\":[");
		for (int j = 0; j < v->nbuckets; j++) {
			if (j)
				put(b, ",");
			put_seconds(b, 2ULL << (v->first_bucket + j));
		}
		put(b, "]}");
	}
	put(b, "]}}");
}

static void worker_seconds(struct bytebuf *b, bool *first, const struct metric_view *v,
			   const struct otlp_times *t)
{
	static const char *const states[BW_STATE_COUNT] = {
		[BW_STATE_RUNNING] = "running", [BW_STATE_BLOCKED] = "blocked",
		[BW_STATE_PARKED] = "parked", [BW_STATE_RUNNABLE] = "runnable",
	};
	bool any = false;

	metric_start(b, first, "blockwatch.worker", "s",
		     "Time runtime worker threads spent per state.");
	put(b, "\"sum\":{\"aggregationTemporality\":2,\"isMonotonic\":true,\"dataPoints\":[");
	for (int i = 0; i < v->nservices; i++) {
		for (int st = 0; st < BW_STATE_COUNT; st++) {
			if (!states[st])
				continue;
			put(b, any ? ",{" : "{");
			any = true;
			put_attributes(b, v->services[i].labels, "state", states[st]);
			put_times(b, t, true);
			put(b, ",\"asDouble\":");
			put_seconds(b, v->services[i].state_ns[st]);
			put(b, "}");
		}
	}
	put(b, "]}}");
}

/* A gauge (or a cumulative int sum) per service, read by fn. */
static void per_service(struct bytebuf *b, bool *first, const struct metric_view *v,
			const struct otlp_times *t, const char *name, const char *unit,
			const char *desc, uint64_t (*fn)(const struct view_service *), bool seconds)
{
	metric_start(b, first, name, unit, desc);
	put(b, "\"gauge\":{\"dataPoints\":[");
	for (int i = 0; i < v->nservices; i++) {
		put(b, i ? ",{" : "{");
		put_attributes(b, v->services[i].labels, NULL, NULL);
		put_times(b, t, false);
		if (seconds) {
			put(b, ",\"asDouble\":");
			put_seconds(b, fn(&v->services[i]));
		} else {
			put(b, ",\"asInt\":");
			put_u64(b, fn(&v->services[i]), true);
		}
		put(b, "}");
	}
	put(b, "]}}");
}

static uint64_t workers(const struct view_service *s) { return s->workers; }
static uint64_t stuck_workers(const struct view_service *s) { return s->stuck_workers; }
static uint64_t stuck_ns(const struct view_service *s) { return s->stuck_max_ns; }
static uint64_t processes(const struct view_service *s) { return s->processes; }

static void int_sum(struct bytebuf *b, bool *first, const struct otlp_times *t, const char *name,
		    const char *unit, const char *desc, const struct view_counter *c, int n,
		    uint64_t single)
{
	metric_start(b, first, name, unit, desc);
	put(b, "\"sum\":{\"aggregationTemporality\":2,\"isMonotonic\":true,\"dataPoints\":[");
	for (int i = 0; i < (c ? n : 1); i++) {
		put(b, i ? ",{" : "{");
		put_attributes(b, c ? c[i].labels : NULL, NULL, NULL);
		put_times(b, t, true);
		put(b, ",\"asInt\":");
		put_u64(b, c ? c[i].value : single, true);
		put(b, "}");
	}
	put(b, "]}}");
}

void otlp_json__write(struct bytebuf *b, const struct metric_view *v, const struct otlp_times *t,
		      const char *host)
{
	char *h = esc_prom_label(host, 255); /* also a valid JSON string body */
	bool first = true;

	put(b, "{\"resourceMetrics\":[{\"resource\":{\"attributes\":["
	       "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"blockwatch\"}},"
	       "{\"key\":\"service.version\",\"value\":{\"stringValue\":\"" BW_VERSION "\"}},"
	       "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"");
	put(b, h ? h : "");
	free(h);
	put(b, "\"}}]},\"scopeMetrics\":[{\"scope\":{\"name\":\"blockwatch\",\"version\":\"" BW_VERSION
	       "\"},\"metrics\":[");
	histogram(b, &first, v, SERIES_BLOCKED, "blockwatch.blocked",
		  "Time runtime worker threads were blocked, per user callsite and blocking API.", t);
	if (v->polls)
		histogram(b, &first, v, SERIES_LONG_POLL, "blockwatch.long_poll",
			  "On-CPU time of task polls over the --polls threshold.", t);
	if (v->locks)
		histogram(b, &first, v, SERIES_LOCK_HOLD, "blockwatch.async_lock_hold",
			  "Time async lock permits were held across an .await.", t);
	worker_seconds(b, &first, v, t);
	per_service(b, &first, v, t, "blockwatch.workers", "{thread}",
		    "Runtime worker threads alive.", workers, false);
	per_service(b, &first, v, t, "blockwatch.stuck_workers", "{thread}",
		    "Workers blocked longer than --stuck and not back yet.", stuck_workers, false);
	per_service(b, &first, v, t, "blockwatch.stuck", "s",
		    "How long the longest-stuck worker has been blocked.", stuck_ns, true);
	per_service(b, &first, v, t, "blockwatch.processes", "{process}",
		    "Traced processes alive.", processes, false);
	int_sum(b, &first, t, "blockwatch.lost_events", "{event}",
		"Events lost or degraded, by reason.", v->lost, v->nlost, 0);
	int_sum(b, &first, t, "blockwatch.callsites.evicted", "{series}",
		"Callsite series dropped under --max-callsites.", NULL, 0, v->evicted);
	put(b, "]}]}]}");
}
