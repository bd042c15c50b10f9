/* The metric store (see metric_store.h). Callsite series are found by a key
 * of all their label values; processes and threads by pid/tid. Entries are
 * removed by compacting their array and rebuilding its index, at most once
 * per fold. */
#include "serve/metric_store.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/latency.h"
#include "serve/metric_view.h"
#include "util/array.h"
#include "util/escape.h"
#include "util/idmap.h"
#include "util/strmap.h"

/* Gone entries nobody scraped are dropped after this many folds anyway. */
#define GONE_UNSHOWN_FOLDS 300

struct hist_series {
	enum series_kind kind;
	char *key, *labels;
	uint64_t count, sum_ns, last_seen_ns;
	uint64_t hist[BW_HIST_BUCKETS];
};

struct service {
	char *name, *labels;
	int refs; /* processes that name it */
	uint64_t state_ns[BW_STATE_COUNT];
	uint32_t workers, stuck_workers, processes;
	uint64_t stuck_max_ns, last_seen_fold;
};

/* Something that goes away (a process, a thread): dropped once a view
 * showed it gone, or after GONE_UNSHOWN_FOLDS. */
struct lifetime {
	uint64_t seen_fold, gone_fold;
	bool gone, shown;
};

struct proc_entry {
	pid_t pid;
	struct service *svc;
	struct lifetime life;
};

struct thread_entry {
	pid_t pid, tid;
	bool was_worker;
	uint64_t last_ns[BW_STATE_COUNT];  /* the snapshot's totals at the last fold */
	uint64_t total_ns[BW_STATE_COUNT]; /* as a worker (--per-thread) */
	char *labels;                      /* --per-thread */
	struct lifetime life;
};

struct lost_counter {
	char *labels;
	uint64_t value;
};

struct metric_store {
	struct store_opts o;
	uint64_t folds;
	struct hist_series **series;
	int nseries, cap_series;
	struct strmap *series_by_key;
	uint64_t evicted;
	struct service **services;
	int nservices, cap_services;
	struct proc_entry *procs;
	int nprocs, cap_procs;
	struct idmap *proc_by_pid;
	struct thread_entry *threads;
	int nthreads, cap_threads;
	struct idmap *thread_by_tid;
	struct lost_counter *lost;
	int nlost;
	uint64_t internal_count, internal_ns, events_total;
	bool bpf_stats;
	uint64_t bpf_run_ns, bpf_runs;
};

struct metric_store *store__new(const struct store_opts *o)
{
	struct metric_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	s->series_by_key = strmap__new();
	s->proc_by_pid = idmap__new();
	s->thread_by_tid = idmap__new();
	if (!s->series_by_key || !s->proc_by_pid || !s->thread_by_tid) {
		store__free(s);
		return NULL;
	}
	return s;
}

static void series_free(struct hist_series *h)
{
	free(h->key);
	free(h->labels);
	free(h);
}

static void lost_free(struct metric_store *s)
{
	for (int i = 0; i < s->nlost; i++)
		free(s->lost[i].labels);
	free(s->lost);
	s->lost = NULL;
	s->nlost = 0;
}

void store__free(struct metric_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nseries; i++)
		series_free(s->series[i]);
	free(s->series);
	strmap__free(s->series_by_key);
	for (int i = 0; i < s->nservices; i++) {
		free(s->services[i]->name);
		free(s->services[i]->labels);
		free(s->services[i]);
	}
	free(s->services);
	free(s->procs);
	idmap__free(s->proc_by_pid);
	for (int i = 0; i < s->nthreads; i++)
		free(s->threads[i].labels);
	free(s->threads);
	idmap__free(s->thread_by_tid);
	lost_free(s);
	free(s);
}

/* "name=\"escaped value\"" appended to buf at *o (buf large enough). */
static int append_label(char **buf, size_t *len, const char *name, const char *value)
{
	char *v = esc_prom_label(value, STORE_MAX_LABEL_BYTES), *grown;
	size_t need;

	if (!v)
		return -ENOMEM;
	need = *len + strlen(name) + strlen(v) + 5;
	grown = realloc(*buf, need);
	if (!grown) {
		free(v);
		return -ENOMEM;
	}
	*buf = grown;
	*len += sprintf(*buf + *len, "%s%s=\"%s\"", *len ? "," : "", name, v);
	free(v);
	return 0;
}

/* ---- services ---- */

static struct service *service_new(struct metric_store *s, const char *name)
{
	struct service *svc;
	size_t len = 0;

	if (array_grow((void **)&s->services, s->nservices, &s->cap_services, sizeof(svc)))
		return NULL;
	svc = calloc(1, sizeof(*svc));
	if (!svc || !(svc->name = strdup(name)) || append_label(&svc->labels, &len, "service", name)) {
		if (svc)
			free(svc->name);
		free(svc);
		return NULL;
	}
	s->services[s->nservices++] = svc;
	return svc;
}

static struct service *service_find(struct metric_store *s, const char *name)
{
	for (int i = 0; i < s->nservices; i++)
		if (strcmp(s->services[i]->name, name) == 0)
			return s->services[i];
	return NULL;
}

static struct service *service_get(struct metric_store *s, const char *name)
{
	struct service *svc = service_find(s, name);

	if (svc)
		return svc;
	if (s->nservices >= STORE_MAX_SERVICES) {
		/* the least recently seen one nobody names any more makes room */
		int victim = -1;

		for (int i = 0; i < s->nservices; i++)
			if (!s->services[i]->refs &&
			    (victim < 0 ||
			     s->services[i]->last_seen_fold < s->services[victim]->last_seen_fold))
				victim = i;
		/* all of them alive: the newcomer goes under one more, shared
		 * name (the cap plus one) */
		if (victim < 0) {
			svc = service_find(s, STORE_OVERFLOW_SERVICE);
			return svc ? svc : service_new(s, STORE_OVERFLOW_SERVICE);
		}
		free(s->services[victim]->name);
		free(s->services[victim]->labels);
		free(s->services[victim]);
		s->services[victim] = s->services[--s->nservices];
		s->evicted++;
	}
	return service_new(s, name);
}

/* ---- processes and threads: found by id, dropped once shown gone ---- */

static bool life_over(const struct metric_store *s, const struct lifetime *l)
{
	return l->gone && (l->shown || s->folds - l->gone_fold > GONE_UNSHOWN_FOLDS);
}

static void life_mark_gone(struct metric_store *s, struct lifetime *l)
{
	if (!l->gone) {
		l->gone = true;
		l->gone_fold = s->folds;
	}
}

/* Rebuilds the index of n entries (elem bytes each) by their pid_t at key_off. */
static int reindex(struct idmap **m, const void *entries, int n, size_t elem, size_t key_off)
{
	idmap__free(*m);
	*m = idmap__new();
	for (int i = 0; *m && i < n; i++) {
		pid_t key;

		memcpy(&key, (const char *)entries + (size_t)i * elem + key_off, sizeof(key));
		if (idmap__put(*m, (uint64_t)key, i))
			return -ENOMEM;
	}
	return *m ? 0 : -ENOMEM;
}

static int drop_gone_procs(struct metric_store *s)
{
	int kept = 0;
	bool dropped = false;

	for (int i = 0; i < s->nprocs; i++) {
		if (life_over(s, &s->procs[i].life)) {
			if (s->procs[i].svc)
				s->procs[i].svc->refs--;
			dropped = true;
			continue;
		}
		s->procs[kept++] = s->procs[i];
	}
	s->nprocs = kept;
	return dropped ? reindex(&s->proc_by_pid, s->procs, s->nprocs, sizeof(*s->procs),
				 offsetof(struct proc_entry, pid))
		       : 0;
}

static int drop_gone_threads(struct metric_store *s)
{
	int kept = 0;
	bool dropped = false;

	for (int i = 0; i < s->nthreads; i++) {
		if (life_over(s, &s->threads[i].life)) {
			free(s->threads[i].labels);
			dropped = true;
			continue;
		}
		s->threads[kept++] = s->threads[i];
	}
	s->nthreads = kept;
	return dropped ? reindex(&s->thread_by_tid, s->threads, s->nthreads, sizeof(*s->threads),
				 offsetof(struct thread_entry, tid))
		       : 0;
}

static struct proc_entry *proc_find(struct metric_store *s, pid_t pid)
{
	long i = idmap__get(s->proc_by_pid, (uint64_t)pid);

	return i >= 0 ? &s->procs[i] : NULL;
}

/* The process as this snapshot lists it; its service asked for once (and
 * again when its pid comes back as another process). */
static int fold_process(struct metric_store *s, const struct bw_snap_process *sp)
{
	struct proc_entry *p = proc_find(s, sp->pid);
	char *name;

	if (p && p->life.gone && !sp->exited) {
		/* the pid is another process now */
		if (p->svc)
			p->svc->refs--;
		p->svc = NULL;
		p->life = (struct lifetime){ 0 };
	}
	if (!p) {
		if (array_grow((void **)&s->procs, s->nprocs, &s->cap_procs, sizeof(*s->procs)) ||
		    idmap__put(s->proc_by_pid, (uint64_t)sp->pid, s->nprocs))
			return -ENOMEM;
		p = &s->procs[s->nprocs++];
		*p = (struct proc_entry){ .pid = sp->pid };
	}
	if (!p->svc) {
		name = s->o.service_name ? s->o.service_name(s->o.service_ctx, sp->pid, sp->exe) : NULL;
		p->svc = service_get(s, name ? name : "unknown");
		free(name);
		if (!p->svc)
			return -ENOMEM;
		p->svc->refs++;
	}
	p->life.seen_fold = s->folds;
	if (sp->exited)
		life_mark_gone(s, &p->life);
	if (!p->life.gone)
		p->svc->processes++;
	p->svc->last_seen_fold = s->folds;
	return 0;
}

static struct service *service_of(struct metric_store *s, pid_t pid)
{
	struct proc_entry *p = proc_find(s, pid);

	return p ? p->svc : NULL;
}

static int thread_labels(struct thread_entry *te, const struct service *svc)
{
	size_t len = 0;
	char num[24];

	if (append_label(&te->labels, &len, "service", svc->name))
		return -ENOMEM;
	snprintf(num, sizeof(num), "%d", te->pid);
	if (append_label(&te->labels, &len, "pid", num))
		return -ENOMEM;
	snprintf(num, sizeof(num), "%d", te->tid);
	return append_label(&te->labels, &len, "tid", num);
}

static struct thread_entry *thread_entry(struct metric_store *s, const struct bw_snap_thread *th,
					 struct service *svc)
{
	long i = idmap__get(s->thread_by_tid, (uint64_t)th->tid);
	struct thread_entry *te = i >= 0 ? &s->threads[i] : NULL;

	if (te && te->pid == th->pid)
		return te;
	if (te) { /* the tid is another thread now: start over */
		free(te->labels);
	} else {
		if (array_grow((void **)&s->threads, s->nthreads, &s->cap_threads, sizeof(*te)) ||
		    idmap__put(s->thread_by_tid, (uint64_t)th->tid, s->nthreads))
			return NULL;
		te = &s->threads[s->nthreads++];
	}
	*te = (struct thread_entry){ .pid = th->pid, .tid = th->tid };
	if (s->o.per_thread && thread_labels(te, svc))
		return NULL;
	return te;
}

/* Time since the last fold goes to the service (and thread) as worker time
 * when the thread is a worker now. */
static int fold_thread(struct metric_store *s, const struct bw_snap_thread *th)
{
	struct service *svc = service_of(s, th->pid);
	struct thread_entry *te;
	bool worker = th->role == BW_ROLE_WORKER;

	if (!svc)
		return 0; /* its process is not in the snapshot: nothing to label it by */
	te = thread_entry(s, th, svc);
	if (!te)
		return -ENOMEM;
	for (int st = 0; st < BW_STATE_COUNT; st++) {
		uint64_t now = th->time_ns[st];
		uint64_t delta = now >= te->last_ns[st] ? now - te->last_ns[st] : now;

		te->last_ns[st] = now;
		if (worker) {
			svc->state_ns[st] += delta;
			te->total_ns[st] += delta;
		}
	}
	te->was_worker |= worker;
	te->life.seen_fold = s->folds;
	if (th->exited)
		life_mark_gone(s, &te->life);
	if (worker && !th->exited) {
		svc->workers++;
		if (th->stuck) {
			svc->stuck_workers++;
			if (th->stuck_ns > svc->stuck_max_ns)
				svc->stuck_max_ns = th->stuck_ns;
		}
	}
	return 0;
}

/* ---- callsite histograms ---- */

static char *series_key(enum series_kind kind, const char *service, const struct bw_snap_callsite *c)
{
	char *key;

	if (asprintf(&key, "%d\x1f%s\x1f%s\x1f%s\x1f%d\x1f%s\x1f%s", kind, service,
		     c->function ? c->function : "", c->file ? c->file : "", c->line,
		     c->category ? c->category : "", c->blocking_api ? c->blocking_api : "") < 0)
		return NULL;
	return key;
}

static struct hist_series *series_new(struct metric_store *s, enum series_kind kind, char *key,
				      const char *service, const struct bw_snap_callsite *c)
{
	struct hist_series *h = calloc(1, sizeof(*h));
	size_t len = 0;
	char line[24];

	if (!h) {
		free(key);
		return NULL;
	}
	h->kind = kind;
	h->key = key;
	snprintf(line, sizeof(line), "%d", c->line);
	if (append_label(&h->labels, &len, "service", service) ||
	    append_label(&h->labels, &len, "function", c->function ? c->function : "[unknown]") ||
	    append_label(&h->labels, &len, "file", c->file ? c->file : "") ||
	    append_label(&h->labels, &len, "line", line) ||
	    append_label(&h->labels, &len, "category", c->category ? c->category : "other") ||
	    append_label(&h->labels, &len, "api", c->blocking_api ? c->blocking_api : "unknown") ||
	    array_grow((void **)&s->series, s->nseries, &s->cap_series, sizeof(h)) ||
	    strmap__put(s->series_by_key, key, h) < 0) {
		series_free(h);
		return NULL;
	}
	s->series[s->nseries++] = h;
	return h;
}

static int fold_callsites(struct metric_store *s, enum series_kind kind,
			  const struct bw_snap_callsite *cs, int n, uint64_t now_ns)
{
	for (int i = 0; i < n; i++) {
		const struct bw_snap_callsite *c = &cs[i];
		struct service *svc = service_of(s, c->pid);
		const char *service = svc ? svc->name : "unknown";
		char *key = series_key(kind, service, c);
		struct hist_series *h;

		if (!key)
			return -ENOMEM;
		h = strmap__get(s->series_by_key, key);
		if (h)
			free(key);
		else if (!(h = series_new(s, kind, key, service, c)))
			return -ENOMEM;
		h->count += c->count;
		h->sum_ns += c->total_ns;
		for (int b = 0; b < BW_HIST_BUCKETS; b++)
			h->hist[b] += c->hist[b];
		h->last_seen_ns = now_ns;
	}
	return 0;
}

static int by_last_seen(const void *a, const void *b)
{
	const struct hist_series *x = *(struct hist_series *const *)a;
	const struct hist_series *y = *(struct hist_series *const *)b;

	return (x->last_seen_ns > y->last_seen_ns) - (x->last_seen_ns < y->last_seen_ns);
}

/* Over the cap: the least recently seen series go, and are counted. */
static int evict_series(struct metric_store *s)
{
	int over = s->nseries - s->o.max_callsites;

	if (over <= 0)
		return 0;
	qsort(s->series, s->nseries, sizeof(*s->series), by_last_seen);
	for (int i = 0; i < over; i++)
		series_free(s->series[i]);
	memmove(s->series, s->series + over, (s->nseries - over) * sizeof(*s->series));
	s->nseries -= over;
	s->evicted += over;
	strmap__free(s->series_by_key);
	s->series_by_key = strmap__new();
	if (!s->series_by_key)
		return -ENOMEM;
	for (int i = 0; i < s->nseries; i++)
		if (strmap__put(s->series_by_key, s->series[i]->key, s->series[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* ---- folding a snapshot ---- */

static int fold_lost(struct metric_store *s, const struct bw_snapshot *snap)
{
	lost_free(s);
	s->lost = calloc(snap->nlost ? snap->nlost : 1, sizeof(*s->lost));
	if (!s->lost)
		return -ENOMEM;
	for (int i = 0; i < snap->nlost; i++) {
		size_t len = 0;

		if (append_label(&s->lost[s->nlost].labels, &len, "reason", snap->lost[i].reason))
			return -ENOMEM;
		s->lost[s->nlost++].value = snap->lost[i].count;
	}
	return 0;
}

int store__fold(struct metric_store *s, const struct bw_snapshot *snap)
{
	int rc;

	s->folds++;
	if ((rc = drop_gone_procs(s)) || (rc = drop_gone_threads(s)))
		return rc;
	for (int i = 0; i < s->nservices; i++) {
		struct service *svc = s->services[i];

		svc->workers = svc->stuck_workers = svc->processes = 0;
		svc->stuck_max_ns = 0;
	}
	for (int i = 0; i < snap->nprocesses; i++)
		if ((rc = fold_process(s, &snap->processes[i])))
			return rc;
	/* a process the tracer forgot without showing it exited */
	for (int i = 0; i < s->nprocs; i++)
		if (s->procs[i].life.seen_fold != s->folds)
			life_mark_gone(s, &s->procs[i].life);
	for (int i = 0; i < snap->nthreads; i++)
		if ((rc = fold_thread(s, &snap->threads[i])))
			return rc;
	for (int i = 0; i < s->nthreads; i++)
		if (s->threads[i].life.seen_fold != s->folds)
			life_mark_gone(s, &s->threads[i].life);
	if ((rc = fold_callsites(s, SERIES_BLOCKED, snap->callsites, snap->ncallsites, snap->now_ns)) ||
	    (rc = fold_callsites(s, SERIES_LONG_POLL, snap->long_polls, snap->nlong_polls, snap->now_ns)) ||
	    (rc = fold_callsites(s, SERIES_LOCK_HOLD, snap->lock_holds, snap->nlock_holds, snap->now_ns)))
		return rc;
	s->internal_count += snap->internal_count;
	s->internal_ns += snap->internal_ns;
	s->events_total = snap->events_total;
	s->bpf_stats = snap->bpf_stats;
	s->bpf_run_ns = snap->bpf_run_ns;
	s->bpf_runs = snap->bpf_runs;
	if ((rc = fold_lost(s, snap)))
		return rc;
	return evict_series(s);
}

uint64_t store__evicted(const struct metric_store *s)
{
	return s->evicted;
}

int store__nseries(const struct metric_store *s)
{
	return s->nseries;
}

/* ---- the view: two allocations, filled under the caller's lock ---- */

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

static char *put_text(char **text, const char *s)
{
	char *at = *text;
	size_t n = strlen(s) + 1;

	memcpy(at, s, n);
	*text += n;
	return at;
}

static size_t text_size(const struct metric_store *s)
{
	size_t n = 0;

	for (int i = 0; i < s->nseries; i++)
		n += strlen(s->series[i]->labels) + 1;
	for (int i = 0; i < s->nservices; i++)
		n += strlen(s->services[i]->labels) + 1;
	for (int i = 0; i < s->nthreads; i++)
		n += s->threads[i].was_worker && s->threads[i].labels ? strlen(s->threads[i].labels) + 1 : 0;
	for (int i = 0; i < s->nlost; i++)
		n += strlen(s->lost[i].labels) + 1;
	return n ? n : 1;
}

static void view_histogram(const struct metric_view *v, const struct hist_series *h,
			   struct view_histogram *o, char **text)
{
	uint64_t below = 0;

	o->labels = put_text(text, h->labels);
	o->count = h->count;
	o->sum_ns = h->sum_ns;
	for (int b = 0; b < v->first_bucket; b++)
		below += h->hist[b];
	for (int j = 0; j < v->nbuckets; j++) {
		below += h->hist[v->first_bucket + j];
		o->cumulative[j] = below;
	}
}

struct metric_view *store__view(struct metric_store *s)
{
	struct metric_view *v = calloc(1, sizeof(*v));
	size_t hist_bytes = ALIGN8(s->nseries * sizeof(struct view_histogram));
	size_t svc_bytes = ALIGN8(s->nservices * sizeof(struct view_service));
	size_t thr_bytes = s->o.per_thread ? ALIGN8(s->nthreads * sizeof(struct view_thread)) : 0;
	size_t lost_bytes = ALIGN8(s->nlost * sizeof(struct view_counter));
	char *arrays, *text;
	int at[SERIES_KINDS] = { 0 };

	if (!v)
		return NULL;
	v->arrays = malloc(hist_bytes + svc_bytes + thr_bytes + lost_bytes + 8);
	v->text = malloc(text_size(s));
	if (!v->arrays || !v->text) {
		metric_view__free(v);
		return NULL;
	}
	arrays = v->arrays;
	text = v->text;
	v->first_bucket = latency__bucket(s->o.threshold_ns);
	if (v->first_bucket > VIEW_LAST_BUCKET)
		v->first_bucket = VIEW_LAST_BUCKET;
	v->nbuckets = VIEW_LAST_BUCKET - v->first_bucket + 1;
	v->polls = s->o.polls;
	v->locks = s->o.locks;
	v->per_thread = s->o.per_thread;

	/* histograms, grouped by kind (a family's lines stay together) */
	for (int i = 0; i < s->nseries; i++)
		v->nhist[s->series[i]->kind]++;
	for (int k = 0; k < SERIES_KINDS; k++) {
		v->hist[k] = (struct view_histogram *)arrays;
		arrays += v->nhist[k] * sizeof(struct view_histogram);
	}
	arrays = (char *)v->arrays + hist_bytes;
	for (int i = 0; i < s->nseries; i++) {
		const struct hist_series *h = s->series[i];

		view_histogram(v, h, &v->hist[h->kind][at[h->kind]++], &text);
	}

	v->services = (struct view_service *)arrays;
	arrays += svc_bytes;
	for (int i = 0; i < s->nservices; i++) {
		const struct service *svc = s->services[i];
		struct view_service *o = &v->services[v->nservices++];

		o->labels = put_text(&text, svc->labels);
		memcpy(o->state_ns, svc->state_ns, sizeof(o->state_ns));
		o->workers = svc->workers;
		o->stuck_workers = svc->stuck_workers;
		o->processes = svc->processes;
		o->stuck_max_ns = svc->stuck_max_ns;
	}

	v->threads = (struct view_thread *)arrays;
	arrays += thr_bytes;
	for (int i = 0; s->o.per_thread && i < s->nthreads; i++) {
		struct view_thread *o;

		if (!s->threads[i].was_worker)
			continue;
		o = &v->threads[v->nthreads++];

		o->labels = put_text(&text, s->threads[i].labels);
		memcpy(o->state_ns, s->threads[i].total_ns, sizeof(o->state_ns));
	}

	v->lost = (struct view_counter *)arrays;
	for (int i = 0; i < s->nlost; i++) {
		v->lost[i].labels = put_text(&text, s->lost[i].labels);
		v->lost[i].value = s->lost[i].value;
	}
	v->nlost = s->nlost;
	v->evicted = s->evicted;
	v->internal_count = s->internal_count;
	v->internal_ns = s->internal_ns;
	v->events_total = s->events_total;
	v->bpf_stats = s->bpf_stats;
	v->bpf_run_ns = s->bpf_run_ns;
	v->bpf_runs = s->bpf_runs;
	v->nseries = s->nseries;

	/* what was gone is shown now: dropped at the next fold */
	for (int i = 0; i < s->nprocs; i++)
		s->procs[i].life.shown |= s->procs[i].life.gone;
	for (int i = 0; i < s->nthreads; i++)
		s->threads[i].life.shown |= s->threads[i].life.gone;
	return v;
}

void metric_view__free(struct metric_view *v)
{
	if (!v)
		return;
	free(v->arrays);
	free(v->text);
	free(v);
}
