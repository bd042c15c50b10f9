/*
 * Park probes come and go. A park uprobe traps twice per park, and a busy
 * server parks tens of thousands of times a second, mostly without ever
 * sleeping. What a parked thread sleeps on is stable: its parker's futex
 * word (and the driver's epoll fd, which BW_TGID_EPOLL_IS_PARK covers). So
 * the probes stay only until the kernel side has learned the word of every
 * thread that parks; then the process switches to telling parks by word
 * (BW_TGID_PARK_BY_WORD) and the probes are detached. They come back when a
 * worker appears whose word is unknown (block_in_place hands a worker's
 * core to a new thread) or a slow wait inside a park went unrecognised.
 */
#include "ingest/tracer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/thread_role.h"
#include "ingest/syscall_names.h"

/* Long enough for every idle worker to park at least once; a worker busy
 * the whole time (or one that only ever waited in the I/O driver, and whose
 * word could not be derived) parks rarely on its parker, so after LEARN_MAX
 * the probes go anyway and an unrecognised park later brings them back. */
#define LEARN_MIN_NS 500000000ULL
#define LEARN_MAX_NS 5000000000ULL
/* Relearning is rate-limited: a thread whose parks never match must not
 * make the probes flap. */
#define RELEARN_GAP_NS 5000000000ULL

/* BLOCKWATCH_KEEP_PARK_PROBES=1 keeps them attached the whole time (to
 * measure what detaching saves, or to rule it out when bisecting). */
static bool keep_park_probes(void)
{
	const char *v = getenv("BLOCKWATCH_KEEP_PARK_PROBES");

	return v && *v && strcmp(v, "0") != 0;
}

struct bw_probe_set *tracer_park_set(struct tracer *t, struct traced_process *p)
{
	if (!bw_bpf__learns_park_words(t->bpf) || keep_park_probes())
		return NULL;
	if (!p->park_probes)
		p->park_probes = bw_probe_set__new();
	return p->park_probes;
}

/* A thread that will park and whose parker's futex word is not known yet:
 * a worker or block_on thread, or any thread seen parking. One that has
 * waited only in the I/O driver (epoll, parked by BW_TGID_EPOLL_IS_PARK)
 * will wait on its parker as soon as another worker holds the driver. */
static bool word_missing(const struct traced_thread *th)
{
	bool parks = th->role == BW_ROLE_WORKER || th->ran_block_on ||
		     th->last.role == BW_ROLE_WORKER || th->last.park_sleeps;

	return parks && !th->last.park_word[0];
}

/* new_since: only threads first seen after then count (0: all). After a
 * detach, a worker that was there all along and never slept in a park
 * (busy) is no reason to learn again; a new one is. */
static bool any_word_missing(const struct tracer *t, const struct traced_process *p,
			     uint64_t new_since)
{
	for (int i = 0; i < t->nthreads; i++) {
		const struct traced_thread *th = &t->threads[i];

		if (th->exited || th->pid != p->pid || !word_missing(th))
			continue;
		if (new_since && th->seen_ns <= new_since)
			continue;
		return true;
	}
	return false;
}

static bool any_word_learned(const struct tracer *t, const struct traced_process *p)
{
	for (int i = 0; i < t->nthreads; i++)
		if (!t->threads[i].exited && t->threads[i].pid == p->pid &&
		    t->threads[i].last.park_word[0])
			return true;
	return false;
}

static void detach(struct tracer *t, struct traced_process *p, uint64_t now)
{
	/* words first: a park the probes no longer see must still match */
	if (bw_bpf__set_park_by_word(t->bpf, p->pid, true))
		return;
	bw_probe_set__detach(t->bpf, p->park_probes);
	p->park_phase_ns = now;
	if (t->opts.verbose)
		fprintf(stderr, "blockwatch: pid %d: park words learned, park probes detached\n",
			p->pid);
}

static void attach(struct tracer *t, struct traced_process *p, uint64_t now)
{
	t->user_counters[UC_UPROBE_ATTACH_FAILED] += bw_probe_set__attach(t->bpf, p->park_probes);
	bw_bpf__set_park_by_word(t->bpf, p->pid, false);
	p->park_phase_ns = now;
	if (t->opts.verbose)
		fprintf(stderr, "blockwatch: pid %d: park probes attached again (%s)\n", p->pid,
			p->park_relearn ? "a park went unrecognised" : "a new worker");
	p->park_relearn = false;
}

bool tracer_park_missed(struct tracer *t, struct traced_process *p, long syscall_nr,
			const struct stack_verdict *v)
{
	if (!v->parked || !syscall_is_park_wait(syscall_nr) || !p->park_probes ||
	    bw_probe_set__attached(p->park_probes))
		return false;
	t->user_counters[UC_PARK_UNRECOGNISED]++;
	p->park_relearn = true;
	return true;
}

void tracer_parks_check(struct tracer *t)
{
	uint64_t now = tracer_now_ns();

	for (int i = 0; i < t->nprocs; i++) {
		struct traced_process *p = &t->procs[i];
		uint64_t age;

		if (p->exited || !bw_probe_set__size(p->park_probes))
			continue;
		if (!p->park_phase_ns)
			p->park_phase_ns = now; /* attached when the process was added */
		age = now - p->park_phase_ns;
		if (bw_probe_set__attached(p->park_probes)) {
			if (age < LEARN_MIN_NS)
				continue;
			if (!any_word_missing(t, p, 0) ||
			    (age >= LEARN_MAX_NS && any_word_learned(t, p)))
				detach(t, p, now);
		} else if (age >= RELEARN_GAP_NS &&
			   (p->park_relearn || any_word_missing(t, p, p->park_phase_ns))) {
			attach(t, p, now);
		}
	}
}
