/* One self-contained HTML page: summary, per-callsite table with log2
 * histograms (inline SVG drawn here), and a flame graph of blocked time and
 * the worker timeline drawn by the inline script from a JSON data block.
 * No external resources: it opens offline, attached to a ticket. */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregate/latency.h"
#include "cli/parse.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "report/html_assets.h"
#include "report/timeline.h"
#include "util/escape.h"
#include "util/strmap.h"

/* Timeline slices per track before merging: keeps big recordings light. */
#define HTML_MAX_SLICES 1500

static void esc(FILE *out, const char *s)
{
	fput_html(out, s);
}

static void header(FILE *out, const struct bw_recording *r)
{
	const struct bw_snapshot *s = r->snap;
	char d[32], th[32], when[64] = "unknown";
	time_t secs = r->meta.start_unix_ns / 1000000000ULL;
	struct tm tm;

	if (r->meta.start_unix_ns && gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<header><h1>blockwatch report</h1>\n<p class=\"meta\">", out);
	fprintf(out, "recorded %s for %s, threshold %s, %llu slow events", when,
		format_duration(s->now_ns > s->start_ns ? s->now_ns - s->start_ns : 0, d, sizeof(d)),
		format_duration(s->threshold_ns, th, sizeof(th)), (unsigned long long)s->events_total);
	fputs("</p>\n<p class=\"meta\">blockwatch ", out);
	esc(out, r->meta.tool_version ? r->meta.tool_version : BW_VERSION);
	if (r->meta.kernel) {
		fputs(" &middot; kernel ", out);
		esc(out, r->meta.kernel);
	}
	if (r->meta.hostname) {
		fputs(" &middot; host ", out);
		esc(out, r->meta.hostname);
	}
	if (r->meta.targets) {
		fputs(" &middot; targets ", out);
		esc(out, r->meta.targets);
	}
	fputs("</p>\n", out);
	for (int i = 0; i < s->nprocesses; i++) {
		const struct bw_snap_process *p = &s->processes[i];

		fprintf(out, "<p class=\"meta\">process %d ", p->pid);
		esc(out, p->comm);
		fputs(" (", out);
		esc(out, p->exe);
		fputs(") runtime ", out);
		esc(out, p->runtime ? p->runtime : "none");
		fputs(", park detection ", out);
		esc(out, p->park_detection);
		fputs("</p>\n", out);
	}
	for (int i = 0; i < s->ndegraded; i++) {
		fputs("<p class=\"warn\">", out);
		esc(out, s->degraded[i]);
		fputs("</p>\n", out);
	}
	for (int i = 0; i < s->nlost; i++) {
		if (!s->lost[i].count)
			continue;
		fputs("<p class=\"warn\">lost or unresolved: ", out);
		esc(out, s->lost[i].reason);
		fprintf(out, " %llu</p>\n", (unsigned long long)s->lost[i].count);
	}
	fputs("</header>\n", out);
}

static void histogram_svg(FILE *out, const struct bw_snap_callsite *c)
{
	int lo, hi, x = 0;
	uint64_t max;
	char a[32], b[32];

	latency__hist_span(c->hist, &lo, &hi, &max);
	if (!max)
		max = 1;
	if (hi < 0)
		return;
	fprintf(out, "<svg width=\"%d\" height=\"34\" role=\"img\">", (hi - lo + 1) * 10 + 2);
	for (int i = lo; i <= hi; i++, x += 10) {
		int h = (int)(c->hist[i] * 30 / max) + (c->hist[i] ? 1 : 0);

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"%d\" fill=\"#e53935\">"
			"<title>%s .. %s: %llu</title></rect>", x + 1, 32 - h, h,
			format_duration(1ULL << i, a, sizeof(a)), format_duration((2ULL << i) - 1, b, sizeof(b)),
			(unsigned long long)c->hist[i]);
	}
	fputs("</svg>", out);
}

/* One table of callsites (blocking, long polls or async lock holds). id:
 * the table's element id; none: the sentence shown when the list is empty. */
static void callsite_table(FILE *out, const char *title, const char *id, const char *none,
			   const struct bw_snap_callsite *list, int n)
{
	char t[5][32];

	fprintf(out, "<section><h2>%s</h2>\n", title);
	if (!n) {
		fprintf(out, "<p>%s</p></section>\n", none);
		return;
	}
	fprintf(out, "<table id=\"%s\"><tr><th>#</th><th>callsite</th><th>blocking API</th><th>count</th>"
		"<th>total</th><th>p50</th><th>p99</th><th>max</th><th>histogram (log2)</th></tr>\n", id);
	for (int i = 0; i < n; i++) {
		const struct bw_snap_callsite *c = &list[i];
		const char *base = c->file ? strrchr(c->file, '/') : NULL;

		fprintf(out, "<tr><td class=\"n\">%d</td><td class=\"cs\">", i + 1);
		esc(out, c->function);
		if (c->file) {
			fprintf(out, " (");
			esc(out, base ? base + 1 : c->file);
			fprintf(out, ":%d)", c->line);
		}
		fputs("</td><td>", out);
		esc(out, c->blocking_api);
		fputs("<div class=\"sub\">", out);
		esc(out, c->category);
		fputs(", syscall ", out);
		esc(out, c->syscall);
		if (c->drop_type) {
			fputs(", dropping ", out);
			esc(out, c->drop_type);
		}
		for (int h = 0; h < c->nholders; h++) {
			if (h)
				fputs("; ", out);
			else
				fprintf(out, ", %s by ", snap_callsite__holder_verb(c));
			esc(out, c->holders[h].thread);
			fputs(" in ", out);
			esc(out, c->holders[h].where);
		}
		fprintf(out, "</div></td><td class=\"n\">%llu</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			"<td class=\"n\">%s</td><td class=\"n\">%s</td><td>", (unsigned long long)c->count,
			format_duration(c->total_ns, t[0], 32), format_duration(c->p50_ns, t[1], 32),
			format_duration(c->p99_ns, t[2], 32), format_duration(c->max_ns, t[3], 32));
		histogram_svg(out, c);
		fputs("</td></tr>\n", out);
	}
	fputs("</table></section>\n", out);
}

static void callsites(FILE *out, const struct bw_snapshot *s)
{
	callsite_table(out, "Blocking callsites, by total blocked time", "callsites",
		       "None: no worker blocked longer than the threshold.", s->callsites,
		       s->ncallsites);
	if (s->polls_enabled)
		callsite_table(out, "Long polls (on-CPU), by total poll time", "long-polls",
			       "None: no task poll ran longer than the poll threshold.", s->long_polls,
			       s->nlong_polls);
	if (s->locks_enabled)
		callsite_table(out, "Async locks held across an .await, by total hold time",
			       "lock-holds",
			       "None: no tokio::sync lock was held across an .await longer than the threshold.",
			       s->lock_holds, s->nlock_holds);
}

static void threads(FILE *out, const struct bw_snapshot *s)
{
	fputs("<section><h2>Threads (time share while traced)</h2>\n<table id=\"threads\"><tr><th>pid</th>"
	      "<th>tid</th><th>name</th><th>role</th><th>running</th><th>blocked</th><th>parked</th>"
	      "<th>runnable</th></tr>\n", out);
	for (int i = 0; i < s->nthreads; i++) {
		const struct bw_snap_thread *t = &s->threads[i];
		uint64_t sum = 0;

		for (int st = 0; st < BW_STATE_COUNT; st++)
			sum += t->time_ns[st];
		fprintf(out, "<tr><td class=\"n\">%d</td><td class=\"n\">%d</td><td>", t->pid, t->tid);
		esc(out, t->comm);
		fprintf(out, "</td><td>%s%s</td>", bw_role__name(t->role), t->stuck ? " <b>STUCK</b>" : "");
		for (int st = 0; st < BW_STATE_COUNT; st++)
			fprintf(out, "<td class=\"n\">%.1f%%</td>", sum ? 100.0 * t->time_ns[st] / sum : 0.0);
		fputs("</tr>\n", out);
	}
	fputs("</table></section>\n", out);
}

/* Interned index of a name in a JSON string array being collected. */
struct names {
	struct strmap *ids;
	char **v; /* owned copies */
	int n;
};

static int name_id(struct names *n, const char *s)
{
	uintptr_t id = (uintptr_t)strmap__get(n->ids, s);
	char **v;

	if (id)
		return id - 1;
	v = realloc(n->v, (n->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	n->v = v;
	v[n->n] = strdup(s);
	if (!v[n->n] || strmap__put(n->ids, s, (void *)(uintptr_t)(n->n + 1)) < 0) {
		free(v[n->n]);
		return -1;
	}
	return n->n++;
}

static void names_release(struct names *n)
{
	for (int i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	strmap__free(n->ids);
}

static void write_names(struct json_writer *w, const char *key, const struct names *n)
{
	json_begin_array(w, key);
	for (int i = 0; i < n->n; i++)
		json_string(w, NULL, n->v[i]);
	json_end_array(w);
}

/* Stacks root first, one entry per event (the script merges them). */
static int stacks_json(struct json_writer *w, const struct bw_recording *r, struct names *frames,
		       enum report_runtime_frames mode)
{
	struct report_stack st = {};
	int rc = 0;

	json_begin_array(w, "stacks");
	for (int i = 0; i < r->nevents; i++) {
		const struct rec_event *e = &r->events[i];

		if (e->stuck)
			continue;
		if (report_stack__build(&st, e, mode) < 0) {
			rc = -ENOMEM;
			break;
		}
		json_begin_array(w, NULL);
		json_u64(w, NULL, e->blocked_ns);
		json_begin_array(w, NULL);
		for (int f = st.n - 1; f >= 0; f--)
			json_i64(w, NULL, name_id(frames, st.frames[f].function));
		if (!st.n)
			json_i64(w, NULL, name_id(frames, e->callsite ? e->callsite : "[unknown]"));
		json_end_array(w);
		json_end_array(w);
	}
	json_end_array(w);
	report_stack__release(&st);
	return rc;
}

static void tracks_json(struct json_writer *w, const struct timeline *tl, struct names *labels)
{
	json_begin_array(w, "tracks");
	for (int i = 0; i < tl->ntracks; i++) {
		const struct tl_track *t = &tl->tracks[i];
		char name[64];

		snprintf(name, sizeof(name), "%s %d", t->comm, t->tid);
		json_begin_object(w, NULL);
		json_string(w, "name", name);
		json_begin_array(w, "segs");
		for (int j = 0; j < t->nsegs; j++) {
			const struct tl_segment *s = &t->segs[j];

			json_begin_array(w, NULL);
			json_u64(w, NULL, s->t0 - tl->start_ns);
			json_u64(w, NULL, s->t1 - s->t0);
			json_u64(w, NULL, s->state);
			json_i64(w, NULL, s->event && s->event->callsite ? name_id(labels, s->event->callsite) : -1);
			json_end_array(w);
		}
		json_end_array(w);
		json_end_object(w);
	}
	json_end_array(w);
}

/* The data block is JSON inside <script>: "<" is escaped so no string can
 * close the element. */
static int data_block(FILE *out, const struct bw_recording *r, enum report_runtime_frames mode)
{
	struct names frames = { .ids = strmap__new() }, labels = { .ids = strmap__new() };
	struct json_writer w;
	struct timeline tl;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	rc = timeline__build(r, HTML_MAX_SLICES, &tl);
	if (rc)
		goto cleanup;
	mem = open_memstream(&buf, &len);
	if (!mem || !frames.ids || !labels.ids) {
		rc = -ENOMEM;
		if (mem)
			fclose(mem);
		timeline__release(&tl);
		goto cleanup;
	}
	json_init(&w, mem, false);
	json_begin_object(&w, NULL);
	json_u64(&w, "end_ns", tl.end_ns - tl.start_ns);
	json_begin_array(&w, "states");
	for (int st = 0; st < BW_STATE_COUNT; st++)
		json_string(&w, NULL, tl_state_name(st));
	json_end_array(&w);
	rc = stacks_json(&w, r, &frames, mode);
	tracks_json(&w, &tl, &labels);
	write_names(&w, "frames", &frames);
	write_names(&w, "labels", &labels);
	json_end_object(&w);
	fclose(mem);
	timeline__release(&tl);
	if (rc)
		goto cleanup;
	fputs("<script type=\"application/json\" id=\"bw-data\">", out);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '<')
			fputs("\\u003c", out);
		else
			fputc(buf[i], out);
	}
	fputs("</script>\n", out);
cleanup:
	free(buf);
	names_release(&frames);
	names_release(&labels);
	return rc;
}

int report_html__write(FILE *out, const struct bw_recording *r, const struct report_opts *o)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>blockwatch report</title>\n<style>\n", out);
	fputs(html_report_css, out);
	fputs("</style></head>\n<body>\n", out);
	header(out, r);
	callsites(out, r->snap);
	fputs("<section><h2>Flame graph of blocked time</h2>\n<p class=\"hint\">Width is blocked time; "
	      "the root is at the bottom. Click a frame to zoom, click a grey frame below it to zoom "
	      "out.</p>\n<div id=\"flamegraph\"></div></section>\n", out);
	fputs("<section><h2>Worker timeline</h2>\n<p class=\"hint\">Blocked intervals over the threshold "
	      "are exact; running, runnable, parked and short blocked time are sampled every 100 ms and "
	      "placed approximately within each sample.</p>\n<div class=\"legend\"><span><i style=\"background:"
	      "#4caf50\"></i>running</span><span><i style=\"background:#ffca28\"></i>runnable</span><span>"
	      "<i style=\"background:#e53935\"></i>blocked</span><span><i style=\"background:#cfd8dc\"></i>"
	      "parked</span></div>\n<div id=\"timeline\"></div></section>\n", out);
	threads(out, r->snap);
	if (data_block(out, r, o->runtime_frames) < 0)
		return -ENOMEM;
	fputs("<script>\n", out);
	fputs(html_report_js, out);
	fputs("</script>\n</body></html>\n", out);
	return 0;
}
