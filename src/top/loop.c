/* The dashboard loop (see top.h): collecting (tracer -> snapshot -> view)
 * and showing (panels) meet only here. */
#include "top/top.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "top/export.h"
#include "top/screen.h"
#include "top/term.h"
#include "top/ui.h"
#include "top/view.h"

#define POLL_MS 50 /* key latency; the tracer drains its ring buffer meanwhile */
#define PLAIN_ROWS 400

struct top_loop {
	struct tracer *t;
	const struct top_opts *o;
	struct canvas c;
	struct top_view v;
	struct top_ui ui;
	struct top_status st;
	int saved_stderr;
};

static int take_snapshot(struct top_loop *l)
{
	struct bw_snapshot *snap = tracer__snapshot(l->t);

	if (!snap)
		return -ENOMEM;
	/* the snapshot holds the interval that just ended; roll to start the next */
	tracer__roll_recent(l->t);
	return top_view__update(&l->v, snap);
}

static void draw(struct top_loop *l)
{
	l->st.now_ns = now_monotonic_ns();
	l->st.paused = l->ui.paused;
	top_screen__draw(&l->c, &l->v, &l->ui, &l->st);
}

/* Diagnostics written to stderr would scribble over the screen. */
static void quiet_stderr(struct top_loop *l)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	l->saved_stderr = -1;
	if (null < 0)
		return;
	l->saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	dup2(null, STDERR_FILENO);
	close(null);
}

static void restore_stderr(struct top_loop *l)
{
	if (l->saved_stderr >= 0) {
		dup2(l->saved_stderr, STDERR_FILENO);
		close(l->saved_stderr);
		l->saved_stderr = -1;
	}
}

static int start(struct top_loop *l)
{
	char err[256];

	l->saved_stderr = -1;
	if (l->o->plain)
		return canvas__init_plain(&l->c, PLAIN_ROWS, l->o->plain_width);
	if (term__start(&l->c, err, sizeof(err))) {
		fprintf(stderr, "blockwatch: %s\n", err);
		return -ENOTTY;
	}
	if (!l->o->keep_stderr)
		quiet_stderr(l);
	return 0;
}

static void stop(struct top_loop *l)
{
	if (l->o->plain) {
		canvas__release_plain(&l->c);
		return;
	}
	term__stop();
	restore_stderr(l);
}

static int handle_actions(struct top_loop *l, int act)
{
	char path[512];

	if (act & TOP_CLEAR) {
		tracer__clear(l->t);
		top_view__forget_callsites(&l->v);
		top_ui__message(&l->ui, now_monotonic_ns(), "cleared: callsite numbers start again from now");
	}
	if (act & (TOP_CLEAR | TOP_REFRESH)) {
		int rc = take_snapshot(l);

		if (rc)
			return rc;
		act |= TOP_RESELECT;
	}
	if (act & TOP_RESELECT) {
		top_view__select(&l->v, l->ui.span, l->ui.sort, l->ui.filter);
		top_ui__follow_selection(&l->ui, &l->v);
	}
	if (act & TOP_EXPORT) {
		if (top_export(&l->v, l->o->export_dir, path, sizeof(path)) == 0)
			top_ui__message(&l->ui, now_monotonic_ns(), "exported %d callsites to %s",
					l->v.ncallsites, path);
		else
			top_ui__message(&l->ui, now_monotonic_ns(), "%s", path);
	}
	return 0;
}

static int run_loop(struct top_loop *l)
{
	uint64_t next = now_monotonic_ns() + l->o->interval_ns;
	int frames = 0, rc;

	rc = handle_actions(l, TOP_REFRESH);
	if (rc)
		return rc;
	if (!l->o->plain)
		draw(l); /* something on screen at once, before the first interval */
	while (!term_stop_requested) {
		int act = 0, k;
		uint64_t now;

		rc = tracer__poll(l->t, POLL_MS);
		if (rc < 0)
			return rc;
		if (l->o->on_tick)
			l->o->on_tick(l->o->tick_ctx, l->t);
		while (!l->o->plain && (k = term__key(&l->c)) != ERR)
			act |= top_ui__key(&l->ui, &l->v, k);
		if (act & TOP_QUIT)
			return 0;
		now = now_monotonic_ns();
		if (now >= next) {
			next = now + l->o->interval_ns;
			frames++;
			l->st.targets_gone = tracer__targets_gone(l->t);
			l->st.command_status = tracer__command_status(l->t);
			act |= TOP_REDRAW | (l->ui.paused ? 0 : TOP_REFRESH);
		}
		rc = handle_actions(l, act);
		if (rc)
			return rc;
		if (act & TOP_REDRAW)
			draw(l);
		if (l->o->iterations && frames >= l->o->iterations)
			return 0;
		/* a script reading frames wants an end once there is nothing left */
		if (l->o->plain && l->st.targets_gone)
			return 0;
	}
	return 0;
}

int top__run(struct tracer *t, const struct top_opts *o)
{
	struct top_loop l = { .t = t, .o = o };
	int rc;

	l.st.interval_ns = o->interval_ns;
	l.st.interactive = !o->plain;
	l.ui.sort = TOP_SORT_TOTAL;
	l.ui.span = TOP_SPAN_ALL;
	rc = start(&l);
	if (rc)
		return 1;
	rc = run_loop(&l);
	stop(&l);
	top_view__release(&l.v);
	if (rc < 0) {
		fprintf(stderr, "blockwatch: top stopped: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
