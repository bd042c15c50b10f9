/* Collapsed stacks ("outer;...;inner VALUE"), weighted by blocked time in
 * nanoseconds: the input of flamegraph.pl, inferno and speedscope. One line
 * per distinct stack; values sum to the total recorded blocked time. */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record/bytebuf.h"
#include "util/escape.h"
#include "util/strmap.h"

struct folded_line {
	char *stack;
	uint64_t ns;
};

/* ';' separates frames and a trailing space separates the value, so both
 * are replaced inside names (Rust names contain spaces: "<T as Trait>"). */
static void append_name(struct bytebuf *b, const char *name)
{
	/* often read on a terminal: controls and invalid UTF-8 as \xNN */
	for (const char *c = esc_text(name); *c; c++)
		bytebuf__append(b, *c == ';' ? ":" : *c == '\n' ? " " : c, 1);
}

static int build_stack(const struct rec_event *e, struct report_stack *st,
		       enum report_runtime_frames mode, struct bytebuf *b)
{
	bytebuf__reset(b);
	if (report_stack__build(st, e, mode) < 0)
		return -ENOMEM;
	for (int i = st->n - 1; i >= 0; i--) {
		append_name(b, st->frames[i].function);
		if (i)
			bytebuf__append(b, ";", 1);
	}
	if (!st->n)
		append_name(b, e->callsite ? e->callsite : "[unknown]");
	bytebuf__append(b, "", 1);
	return b->oom ? -ENOMEM : 0;
}

static int by_value_desc(const void *a, const void *b)
{
	const struct folded_line *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return strcmp(x->stack, y->stack);
}

int report_folded__write(FILE *out, const struct bw_recording *r, const struct report_opts *o)
{
	struct report_stack st = {};
	struct strmap *index = strmap__new(); /* stack -> line number + 1 */
	struct folded_line *lines = calloc(r->nevents ? r->nevents : 1, sizeof(*lines));
	struct bytebuf b = {};
	int n = 0, rc = 0;

	if (!index || !lines) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < r->nevents; i++) {
		const struct rec_event *e = &r->events[i];
		uintptr_t at;

		if (e->stuck)
			continue; /* the finished interval is recorded separately */
		rc = build_stack(e, &st, o->runtime_frames, &b);
		if (rc)
			goto cleanup;
		at = (uintptr_t)strmap__get(index, (char *)b.data);
		if (!at) {
			lines[n].stack = strdup((char *)b.data);
			at = ++n;
			if (!lines[n - 1].stack || strmap__put(index, lines[n - 1].stack, (void *)at)) {
				rc = -ENOMEM;
				goto cleanup;
			}
		}
		lines[at - 1].ns += e->blocked_ns;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), by_value_desc);
	for (int i = 0; i < n; i++)
		fprintf(out, "%s %llu\n", lines[i].stack, (unsigned long long)lines[i].ns);
cleanup:
	for (int i = 0; lines && i < n; i++)
		free(lines[i].stack);
	free(lines);
	strmap__free(index);
	bytebuf__release(&b);
	report_stack__release(&st);
	return rc;
}
