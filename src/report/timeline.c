#include "report/timeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/idmap.h"

const char *tl_state_name(enum bw_state s)
{
	switch (s) {
	case BW_STATE_RUNNING: return "running";
	case BW_STATE_BLOCKED: return "blocked";
	case BW_STATE_PARKED: return "parked";
	case BW_STATE_RUNNABLE: return "runnable";
	default: return "unknown";
	}
}

static int push(struct tl_track *t, struct tl_segment s)
{
	if (s.t1 <= s.t0)
		return 0;
	if (t->nsegs == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		struct tl_segment *p = realloc(t->segs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->segs = p;
		t->cap = cap;
	}
	t->segs[t->nsegs++] = s;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct tl_segment *x = a, *y = b;

	return (x->t0 > y->t0) - (x->t0 < y->t0);
}

/* Per thread: indices of its events and slices (counting sort by track),
 * so a timeline costs O(events + slices), whatever the number of threads. */
struct by_thread {
	int *ev_start, *ev; /* thread i: ev[ev_start[i] .. ev_start[i + 1]) */
	int *sl_start, *sl;
	bool *worker;
};

static uint64_t key_of(pid_t pid, pid_t tid)
{
	return (uint64_t)(uint32_t)pid << 32 | (uint32_t)tid;
}

static void by_thread__free(struct by_thread *b)
{
	free(b->ev_start);
	free(b->ev);
	free(b->sl_start);
	free(b->sl);
	free(b->worker);
}

/* Groups n items (their thread index from idx_of) into start/items arrays. */
static int group(int nthreads, int n, const int *thread_of, int **start, int **items)
{
	int *pos;

	*start = calloc(nthreads + 1, sizeof(int));
	*items = malloc((n ? n : 1) * sizeof(int));
	pos = calloc(nthreads + 1, sizeof(int));
	if (!*start || !*items || !pos) {
		free(pos);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		if (thread_of[i] >= 0)
			(*start)[thread_of[i] + 1]++;
	for (int t = 0; t < nthreads; t++)
		(*start)[t + 1] += (*start)[t];
	for (int i = 0; i < n; i++)
		if (thread_of[i] >= 0)
			(*items)[(*start)[thread_of[i]] + pos[thread_of[i]]++] = i;
	free(pos);
	return 0;
}

static int by_thread__build(const struct bw_recording *r, struct by_thread *b)
{
	const struct bw_snapshot *s = r->snap;
	int n = r->nevents > r->nslices ? r->nevents : r->nslices;
	int *thread_of = malloc((n ? n : 1) * sizeof(int));
	struct idmap *ids = idmap__new();
	int rc = -ENOMEM;

	memset(b, 0, sizeof(*b));
	b->worker = calloc(s->nthreads ? s->nthreads : 1, sizeof(bool));
	if (!thread_of || !ids || !b->worker)
		goto cleanup;
	for (int i = 0; i < s->nthreads; i++) {
		if (idmap__put(ids, key_of(s->threads[i].pid, s->threads[i].tid), i) < 0)
			goto cleanup;
		b->worker[i] = s->threads[i].role == BW_ROLE_WORKER;
	}
	for (int i = 0; i < r->nevents; i++) {
		const struct rec_event *e = &r->events[i];

		thread_of[i] = idmap__get(ids, key_of(e->pid, e->tid));
		/* a "stuck" report alone does not make a worker (main before block_on) */
		if (thread_of[i] >= 0 && !e->stuck)
			b->worker[thread_of[i]] = true;
	}
	if (group(s->nthreads, r->nevents, thread_of, &b->ev_start, &b->ev))
		goto cleanup;
	for (int i = 0; i < r->nslices; i++)
		thread_of[i] = idmap__get(ids, key_of(r->slices[i].pid, r->slices[i].tid));
	if (group(s->nthreads, r->nslices, thread_of, &b->sl_start, &b->sl))
		goto cleanup;
	rc = 0;
cleanup:
	free(thread_of);
	idmap__free(ids);
	if (rc)
		by_thread__free(b);
	return rc;
}

/* Exact intervals of one thread, sorted, clipped so none overlap. */
static int exact_intervals(const struct bw_recording *r, const struct by_thread *b, int th,
			   struct tl_track *t, struct tl_segment **out, int *n)
{
	int first = b->ev_start[th], count = b->ev_start[th + 1] - first;
	struct tl_segment *v = malloc((count ? count : 1) * sizeof(*v));
	uint64_t prev_end = 0;
	int k = 0;

	if (!v)
		return -ENOMEM;
	for (int i = 0; i < count; i++) {
		const struct rec_event *e = &r->events[b->ev[first + i]];

		if (e->stuck || !e->blocked_ns)
			continue;
		v[k++] = (struct tl_segment){ e->ts_ns > e->blocked_ns ? e->ts_ns - e->blocked_ns : 0,
					      e->ts_ns, BW_STATE_BLOCKED, e };
	}
	if (k)
		qsort(v, k, sizeof(*v), by_start);
	for (int i = 0; i < k; i++) {
		if (v[i].t0 < prev_end)
			v[i].t0 = prev_end;
		if (v[i].t1 < v[i].t0)
			v[i].t1 = v[i].t0;
		prev_end = v[i].t1 > prev_end ? v[i].t1 : prev_end;
		t->blocked_exact_ns += v[i].t1 - v[i].t0;
	}
	*out = v;
	*n = k;
	return 0;
}

/* The first exact interval ending after t (they are sorted and disjoint). */
static int first_after(const struct tl_segment *ex, int nex, uint64_t t)
{
	int lo = 0, hi = nex;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (ex[mid].t1 <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Lays one slice's coarse time into the gaps between exact intervals. */
static int fill_slice(struct tl_track *t, const struct rec_slice *s, const struct tl_segment *ex,
		      int nex)
{
	static const enum bw_state order[] = { BW_STATE_RUNNING, BW_STATE_RUNNABLE, BW_STATE_BLOCKED,
					       BW_STATE_PARKED };
	uint64_t left[BW_STATE_COUNT], exact = 0, free_ns, total = 0, cursor = s->t0;
	int e = first_after(ex, nex, s->t0), k = 0, rc = 0;
	double scale;

	for (int i = e; i < nex && ex[i].t0 < s->t1; i++) {
		uint64_t a = ex[i].t0 > s->t0 ? ex[i].t0 : s->t0;
		uint64_t b = ex[i].t1 < s->t1 ? ex[i].t1 : s->t1;

		exact += b > a ? b - a : 0;
	}
	memcpy(left, s->ns, sizeof(left));
	/* blocked time the events already show exactly is not laid out twice */
	left[BW_STATE_BLOCKED] = left[BW_STATE_BLOCKED] > exact ? left[BW_STATE_BLOCKED] - exact : 0;
	free_ns = s->t1 - s->t0 > exact ? s->t1 - s->t0 - exact : 0;
	for (int st = 0; st < BW_STATE_COUNT; st++)
		total += left[st];
	if (!total || !free_ns)
		return 0;
	scale = total > free_ns ? (double)free_ns / total : 1.0;
	for (int st = 0; st < BW_STATE_COUNT; st++)
		left[st] = (uint64_t)(left[st] * scale);
	while (!rc && cursor < s->t1 && k < 4) {
		uint64_t gap_end = s->t1, take;

		if (e < nex && ex[e].t0 <= cursor) { /* inside an exact interval: skip it */
			cursor = ex[e].t1 > cursor ? ex[e].t1 : cursor;
			e++;
			continue;
		}
		if (e < nex && ex[e].t0 < gap_end)
			gap_end = ex[e].t0;
		if (!left[order[k]]) {
			k++;
			continue;
		}
		take = gap_end - cursor < left[order[k]] ? gap_end - cursor : left[order[k]];
		rc = push(t, (struct tl_segment){ cursor, cursor + take, order[k], NULL });
		cursor += take;
		left[order[k]] -= take;
	}
	return rc;
}

/* Merges runs of `group` consecutive slices (sum of times, joint span). */
static struct rec_slice *thread_slices(const struct bw_recording *r, const struct by_thread *b,
				       int th, int max_slices, int *n)
{
	int first = b->sl_start[th], k = b->sl_start[th + 1] - first, grp, m = 0;
	struct rec_slice *v = malloc((k ? k : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (int i = 0; i < k; i++)
		v[i] = r->slices[b->sl[first + i]];
	grp = max_slices > 0 && k > max_slices ? (k + max_slices - 1) / max_slices : 1;
	for (int i = 0; i < k; i += grp) {
		struct rec_slice g = v[i];

		for (int j = i + 1; j < i + grp && j < k; j++) {
			g.t1 = v[j].t1;
			for (int st = 0; st < BW_STATE_COUNT; st++)
				g.ns[st] += v[j].ns[st];
		}
		v[m++] = g;
	}
	*n = m;
	return v;
}

static int build_track(const struct bw_recording *r, const struct by_thread *b, int th,
		       int max_slices, struct tl_track *t)
{
	struct tl_segment *ex = NULL;
	struct rec_slice *sl;
	int nex = 0, nsl = 0, rc;

	rc = exact_intervals(r, b, th, t, &ex, &nex);
	if (rc)
		return rc;
	sl = thread_slices(r, b, th, max_slices, &nsl);
	if (!sl) {
		free(ex);
		return -ENOMEM;
	}
	for (int i = 0; i < nex && !rc; i++)
		rc = push(t, ex[i]);
	for (int i = 0; i < nsl && !rc; i++)
		rc = fill_slice(t, &sl[i], ex, nex);
	if (!rc && t->nsegs)
		qsort(t->segs, t->nsegs, sizeof(*t->segs), by_start);
	free(ex);
	free(sl);
	return rc;
}

int timeline__build(const struct bw_recording *r, int max_slices, struct timeline *out)
{
	const struct bw_snapshot *s = r->snap;
	struct by_thread b;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (by_thread__build(r, &b))
		return -ENOMEM;
	out->start_ns = s->start_ns;
	out->end_ns = s->now_ns;
	out->tracks = calloc(s->nthreads ? s->nthreads : 1, sizeof(*out->tracks));
	if (!out->tracks) {
		by_thread__free(&b);
		return -ENOMEM;
	}
	for (int i = 0; i < s->nthreads && !rc; i++) {
		const struct bw_snap_thread *th = &s->threads[i];
		struct tl_track *t;

		if (!b.worker[i])
			continue;
		t = &out->tracks[out->ntracks++];
		t->pid = th->pid;
		t->tid = th->tid;
		t->comm = th->comm;
		rc = build_track(r, &b, i, max_slices, t);
		for (int j = 0; j < t->nsegs; j++) {
			out->start_ns = t->segs[j].t0 < out->start_ns ? t->segs[j].t0 : out->start_ns;
			out->end_ns = t->segs[j].t1 > out->end_ns ? t->segs[j].t1 : out->end_ns;
		}
	}
	by_thread__free(&b);
	if (rc)
		timeline__release(out);
	return rc;
}

void timeline__release(struct timeline *t)
{
	for (int i = 0; i < t->ntracks; i++)
		free(t->tracks[i].segs);
	free(t->tracks);
	memset(t, 0, sizeof(*t));
}
