#include "report/timeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static bool is_worker(const struct bw_recording *r, const struct bw_snap_thread *th)
{
	if (th->role == BW_ROLE_WORKER)
		return true;
	/* a "stuck" report alone does not make a worker (main before block_on) */
	for (int i = 0; i < r->nevents; i++)
		if (!r->events[i].stuck && r->events[i].tid == th->tid && r->events[i].pid == th->pid)
			return true;
	return false;
}

static int by_start(const void *a, const void *b)
{
	const struct tl_segment *x = a, *y = b;

	return (x->t0 > y->t0) - (x->t0 < y->t0);
}

/* Exact intervals of one thread, sorted, clipped so none overlap. */
static int exact_intervals(const struct bw_recording *r, struct tl_track *t,
			   struct tl_segment **out, int *n)
{
	struct tl_segment *v = NULL;
	int k = 0;
	uint64_t prev_end = 0;

	for (int i = 0; i < r->nevents; i++) {
		const struct rec_event *e = &r->events[i];
		struct tl_segment *p;

		if (e->stuck || e->tid != t->tid || e->pid != t->pid || !e->blocked_ns)
			continue;
		p = realloc(v, (k + 1) * sizeof(*v));
		if (!p) {
			free(v);
			return -ENOMEM;
		}
		v = p;
		v[k++] = (struct tl_segment){ e->ts_ns > e->blocked_ns ? e->ts_ns - e->blocked_ns : 0,
					      e->ts_ns, BW_STATE_BLOCKED, e };
	}
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

/* Lays one slice's coarse time into the gaps between exact intervals. */
static int fill_slice(struct tl_track *t, const struct rec_slice *s, const struct tl_segment *ex,
		      int nex)
{
	static const enum bw_state order[] = { BW_STATE_RUNNING, BW_STATE_RUNNABLE, BW_STATE_BLOCKED,
					       BW_STATE_PARKED };
	uint64_t left[BW_STATE_COUNT], exact = 0, free_ns, total = 0, cursor = s->t0;
	int e = 0, k = 0, rc = 0;
	double scale;

	for (int i = 0; i < nex; i++) {
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
	while (e < nex && ex[e].t1 <= s->t0)
		e++;
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
static struct rec_slice *thread_slices(const struct bw_recording *r, pid_t pid, pid_t tid,
				       int max_slices, int *n)
{
	struct rec_slice *v = NULL;
	int k = 0, group, m = 0;

	for (int i = 0; i < r->nslices; i++) {
		struct rec_slice *p;

		if (r->slices[i].tid != tid || r->slices[i].pid != pid)
			continue;
		p = realloc(v, (k + 1) * sizeof(*v));
		if (!p) {
			free(v);
			return NULL;
		}
		v = p;
		v[k++] = r->slices[i];
	}
	group = max_slices > 0 && k > max_slices ? (k + max_slices - 1) / max_slices : 1;
	for (int i = 0; i < k; i += group) {
		struct rec_slice g = v[i];

		for (int j = i + 1; j < i + group && j < k; j++) {
			g.t1 = v[j].t1;
			for (int st = 0; st < BW_STATE_COUNT; st++)
				g.ns[st] += v[j].ns[st];
		}
		v[m++] = g;
	}
	*n = m;
	return v ? v : calloc(1, sizeof(*v));
}

static int build_track(const struct bw_recording *r, int max_slices, struct tl_track *t)
{
	struct tl_segment *ex = NULL;
	struct rec_slice *sl;
	int nex = 0, nsl = 0, rc;

	rc = exact_intervals(r, t, &ex, &nex);
	if (rc)
		return rc;
	sl = thread_slices(r, t->pid, t->tid, max_slices, &nsl);
	if (!sl) {
		free(ex);
		return -ENOMEM;
	}
	for (int i = 0; i < nex && !rc; i++)
		rc = push(t, ex[i]);
	for (int i = 0; i < nsl && !rc; i++)
		rc = fill_slice(t, &sl[i], ex, nex);
	if (!rc)
		qsort(t->segs, t->nsegs, sizeof(*t->segs), by_start);
	free(ex);
	free(sl);
	return rc;
}

int timeline__build(const struct bw_recording *r, int max_slices, struct timeline *out)
{
	const struct bw_snapshot *s = r->snap;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->start_ns = s->start_ns;
	out->end_ns = s->now_ns;
	out->tracks = calloc(s->nthreads ? s->nthreads : 1, sizeof(*out->tracks));
	if (!out->tracks)
		return -ENOMEM;
	for (int i = 0; i < s->nthreads && !rc; i++) {
		const struct bw_snap_thread *th = &s->threads[i];
		struct tl_track *t;

		if (!is_worker(r, th))
			continue;
		t = &out->tracks[out->ntracks++];
		t->pid = th->pid;
		t->tid = th->tid;
		t->comm = th->comm;
		rc = build_track(r, max_slices, t);
		for (int j = 0; j < t->nsegs; j++) {
			out->start_ns = t->segs[j].t0 < out->start_ns ? t->segs[j].t0 : out->start_ns;
			out->end_ns = t->segs[j].t1 > out->end_ns ? t->segs[j].t1 : out->end_ns;
		}
	}
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
