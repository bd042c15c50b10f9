/* Async lock permits held across an .await (--locks): the kernel reports a
 * hold that outlived the poll that took it, with a little stack from where
 * the permits were taken and from where they went back. Here the two are
 * symbolized, the lock is named, and holds are aggregated by the user code
 * that acquired them. */
#include "ingest/tracer_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "blame/blame.h"
#include "ingest/stack_resolve.h"
#include "util/array.h"

/* Two stacks per event: one buffer each (large; one event at a time). */
static struct resolved_stack acquired_at, released_at;

static int resolve_snippet(struct tracer *t, struct traced_process *p,
			   const struct bw_stack_snippet *sn, pid_t pid, struct resolved_stack *rs)
{
	struct bw_process *unw = tracer_unwinder(t, p);
	struct bw_stack_sample s = {
		.pid = pid,
		.tid = (pid_t)sn->tid,
		.stack = sn->stack,
		.stack_len = sn->len <= BW_SNIPPET_BYTES ? sn->len : 0,
	};

	rs->nframes = 0;
	rs->unresolved = 0;
	if (!unw || !sn->ip)
		return -1;
	s.regs[BW_REG_IP] = sn->ip;
	s.regs[BW_REG_SP] = sn->sp;
	s.regs[BW_REG_BP] = sn->bp;
	if (resolve_stack(unw, &s, rs)) {
		rs->nframes = 0;
		return -1;
	}
	/* A snippet ends early by design, and often at a return address an
	 * active uretprobe replaced (no module there): the frames after it are
	 * guesses. Only names missing before that point are a loss. */
	rs->unresolved = 0;
	for (int i = 0; i < rs->nframes; i++) {
		if (!rs->frames[i].module) {
			rs->nframes = i;
			break;
		}
		rs->unresolved += !rs->frames[i].function;
	}
	t->user_counters[UC_UNRESOLVED_FRAMES] += rs->unresolved;
	return 0;
}

/* A frame of the runtime's code in one of its modules: by the qualified
 * name, or (line-tables-only names) by the source file's path. */
static bool frame_in_module(const struct runtime_profile *prof, const struct bw_frame *f,
			    const char *name_prefix, const char *file_part)
{
	if (f->function && strstr(f->function, name_prefix))
		return true;
	return f->file && file_part && strstr(f->file, file_part) &&
	       runtime_owns_frame(prof, NULL, f->file);
}

/* The lock the permits belong to, named by the first frame of the
 * runtime's sync module on either stack. Returns false for permits that
 * are no lock (a channel's slot). */
static bool permit_kind(const struct runtime_profile *prof, const struct resolved_stack *a,
			const struct resolved_stack *b, const char **kind)
{
	const struct resolved_stack *stacks[2] = { a, b };

	*kind = "async semaphore permit";
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < stacks[s]->nframes; i++)
			for (const struct permit_kind *k = prof ? prof->permit_kinds : NULL;
			     k && k->frame_prefix; k++)
				if (frame_in_module(prof, &stacks[s]->frames[i], k->frame_prefix,
						    k->file_part)) {
					if (!k->kind)
						return false;
					*kind = k->kind;
					return true;
				}
	return true;
}

/* The runtime's own code took the lock (on the user's behalf): a runtime
 * frame that is not the lock API sits below the user's frame. */
static bool taken_by_runtime(const struct runtime_profile *prof, const struct resolved_stack *rs,
			     int user_frame)
{
	const char *api = prof ? prof->lock_api_prefix : NULL;

	for (int i = 0; api && i < user_frame; i++) {
		const struct bw_frame *f = &rs->frames[i];

		if (runtime_owns_frame(prof, f->function, f->file) &&
		    !frame_in_module(prof, f, api, prof->lock_api_dir))
			return true;
	}
	return false;
}

/* What a hold is: the user's lock, or one not to report. */
enum hold_verdict { HOLD_USER_LOCK, HOLD_CHANNEL, HOLD_BY_RUNTIME };

/* Judges a hold from its acquire and release stacks (rel may be empty).
 * A user lock is named by site (the stack with a user frame: where it was
 * taken, else where it went back), user (that frame, -1 if none) and kind. */
static enum hold_verdict judge_hold(const struct runtime_profile *prof,
				    const struct resolved_stack *acq,
				    const struct resolved_stack *rel,
				    const struct resolved_stack **site, int *user, const char **kind)
{
	if (!permit_kind(prof, acq, rel, kind))
		return HOLD_CHANNEL;
	*site = acq;
	*user = blame__first_user_frame(acq->frames, acq->nframes);
	if (*user < 0 && rel->nframes) {
		*site = rel;
		*user = blame__first_user_frame(rel->frames, rel->nframes);
	}
	return taken_by_runtime(prof, *site, *user) ? HOLD_BY_RUNTIME : HOLD_USER_LOCK;
}

void tracer_handle_lock_hold(struct tracer *t, const struct bw_hold_event *e)
{
	struct traced_process *p = tracer_find_process(t, e->hdr.pid);
	struct blame_result br = { .api_frame = -1, .callsite_frame = -1 };
	struct traced_thread *th;
	const struct resolved_stack *site;
	char *released = NULL;
	const char *kind;

	if (!p || !(th = tracer_thread(t, e->hdr.pid, e->hdr.tid)))
		return;
	if (th->role == BW_ROLE_BLOCKING)
		return; /* blocking_lock() in spawn_blocking: no .await there */
	resolve_snippet(t, p, &e->acquire, e->hdr.pid, &acquired_at);
	resolve_snippet(t, p, &e->release, e->hdr.pid, &released_at);
	switch (judge_hold(p->profile, &acquired_at, &released_at, &site, &br.callsite_frame, &kind)) {
	case HOLD_CHANNEL:
		t->user_counters[UC_CHANNEL_PERMITS]++;
		return;
	case HOLD_BY_RUNTIME:
		t->user_counters[UC_RUNTIME_LOCK_HOLDS]++;
		return;
	case HOLD_USER_LOCK:
		break;
	}
	br.blocking_api = kind;
	br.category = BW_CAT_OTHER;
	if (site != &released_at && released_at.nframes) {
		struct blame_result rb = {
			.api_frame = -1,
			.callsite_frame = blame__first_user_frame(released_at.frames, released_at.nframes),
		};

		released = callsites__describe(released_at.frames, released_at.nframes, &rb);
	}
	struct blocked_interval iv = {
		.pid = e->hdr.pid,
		.tid = e->hdr.tid,
		.ts_ns = e->hdr.ts_ns,
		.blocked_ns = e->hold_ns,
		.syscall_nr = -1,
		.frames = site->frames,
		.nframes = site->nframes,
		.blame = &br,
		.category_name = "async-lock-held",
		.holder_thread = released ? th->comm : NULL,
		.holder_where = released,
	};
	tracer_publish(t, t->lock_holds, &iv, th->comm);
	free(released);
}

/* First sighting of a long hold: is it a lock the user holds, and where
 * was it taken? Fills h->report and h->where. */
static void judge_held(struct tracer *t, struct traced_thread *th, const struct bw_hold *v,
		       struct held_lock *h)
{
	struct traced_process *p = tracer_find_process(t, th->pid);
	struct blame_result br = { .api_frame = -1, .callsite_frame = -1 };
	static const struct resolved_stack not_released;
	const struct resolved_stack *site;

	h->report = false;
	if (!p || th->role == BW_ROLE_BLOCKING)
		return;
	resolve_snippet(t, p, &v->acquire, th->pid, &acquired_at);
	if (judge_hold(p->profile, &acquired_at, &not_released, &site, &br.callsite_frame,
		       &h->kind) != HOLD_USER_LOCK ||
	    br.callsite_frame < 0)
		return;
	h->where = callsites__describe(acquired_at.frames, acquired_at.nframes, &br);
	h->report = h->where != NULL;
}

/* Holds taken in a poll the task has since left (it awaited), older than
 * the stuck threshold and not released yet: shown while they last. */
void tracer_check_held_locks(struct tracer *t)
{
	int fd = bw_bpf__holds_fd(t->bpf);
	struct bw_hold_key key, next, *prev = NULL;
	struct held_lock *fresh = NULL;
	int nfresh = 0, cap = 0;
	uint64_t now = tracer_now_ns();
	static struct bw_hold val; /* 1 KiB: not on the stack */

	if (!t->opts.hold_threshold_ns || fd < 0)
		return;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct traced_thread *th;
		struct held_lock *h = NULL;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val) || now < val.start_ns ||
		    now - val.start_ns < t->opts.stuck_ns)
			continue;
		th = tracer_find_thread(t, (pid_t)val.acquire.tid);
		/* still inside the poll that took it: blocking, not awaiting */
		if (!th || th->last.poll_seq == val.poll_seq)
			continue;
		if (array_grow((void **)&fresh, nfresh, &cap, sizeof(*fresh)))
			break;
		for (int i = 0; i < t->nheld; i++)
			if (t->held[i].semaphore == key.semaphore && t->held[i].task == key.task &&
			    t->held[i].start_ns == val.start_ns) {
				h = &t->held[i];
				break;
			}
		if (h) { /* known: keep its verdict, take over its string */
			fresh[nfresh] = *h;
			h->where = NULL;
		} else {
			fresh[nfresh] = (struct held_lock){ .semaphore = key.semaphore, .task = key.task,
							    .start_ns = val.start_ns, .pid = th->pid,
							    .tid = th->tid };
			memcpy(fresh[nfresh].comm, th->comm, sizeof(th->comm));
			judge_held(t, th, &val, &fresh[nfresh]);
			if (fresh[nfresh].report && t->opts.on_event) {
				struct live_event ev = {
					.ts_ns = now,
					.pid = th->pid,
					.tid = th->tid,
					.comm = th->comm,
					.blocked_ns = now - val.start_ns,
					.category = "async-lock-held",
					.blocking_api = fresh[nfresh].kind,
					.callsite = fresh[nfresh].where,
					.syscall = "none",
					.stuck = true,
					.lock_hold = true,
					.frames = acquired_at.frames,
					.nframes = acquired_at.nframes,
				};
				t->opts.on_event(t->opts.event_ctx, &ev);
			}
		}
		nfresh++;
	}
	for (int i = 0; i < t->nheld; i++)
		free(t->held[i].where);
	free(t->held);
	t->held = fresh;
	t->nheld = nfresh;
	t->cap_held = cap;
}
