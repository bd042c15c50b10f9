/* Output of `blockwatch futures`. The header states the thresholds and where
 * they come from, so a reader knows what a flag means for this binary. */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "util/escape.h"
#include "futures/bytes.h"
#include "futures/report.h"
#include "output/json_writer.h"

static size_t shown(const struct futures_report *r)
{
	return r->top && r->top < r->list->n ? r->top : r->list->n;
}

static bool has_version(const char *tokio)
{
	return tokio[0] && strcmp(tokio, "?") != 0;
}

static double stack_percent(const struct futures_report *r, const struct future_type *f)
{
	return r->policy->stack_size ? 100.0 * f->size / r->policy->stack_size : 0;
}

static const char *flags_text(unsigned flags)
{
	switch (flags & (FUTURE_F_BIG | FUTURE_F_STACK)) {
	case FUTURE_F_BIG | FUTURE_F_STACK:
		return "BIG,STACK";
	case FUTURE_F_BIG:
		return "BIG";
	case FUTURE_F_STACK:
		return "STACK";
	default:
		return "-";
	}
}

/* Files under the current directory print relative to it ("src/main.rs"
 * when run from the project), others (dependencies) in full. */
static const char *display_path(const char *file, const char *cwd)
{
	size_t n = strlen(cwd);

	if (n > 1 && strncmp(file, cwd, n) == 0 && file[n] == '/')
		return file + n + 1;
	return file;
}

void futures_print_text(FILE *out, const struct futures_report *r)
{
	char cwd[PATH_MAX];
	const struct futures_policy *p = r->policy;
	struct futures_counts c = futures_count(r->list);
	const char *tokio = r->list->tokio_version;
	char b1[32], b2[32];
	int width = 6;
	size_t n = shown(r);

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	fprintf(out, "blockwatch futures: %s\n", esc_text(r->binary));
	if (strcmp(r->debug_file, r->binary) != 0)
		fprintf(out, "  debug info  %s\n", esc_text(r->debug_file));
	fprintf(out, "  tokio       %s%s%s\n", has_version(tokio) ? esc_text(tokio) : "",
		has_version(tokio) ? ": " : "", p->tokio_note);
	fprintf(out, "  BIG         larger than %s (%s)\n",
		format_bytes(p->box_threshold, b1, sizeof(b1)),
		p->threshold_given ? "--threshold"
				   : "default: Tokio's release-build boxing size; --threshold");
	fprintf(out, "  STACK       at least %u%% of a %s worker stack = %s "
		"(--stack-percent, --stack-size)\n",
		p->stack_percent, format_bytes(p->stack_size, b1, sizeof(b1)),
		format_bytes(p->stack_size * p->stack_percent / 100, b2, sizeof(b2)));
	for (size_t i = 0; i < n; i++) {
		int len = strlen(esc_text(r->list->v[i].name));

		width = len > width ? len : width;
	}
	if (n)
		fprintf(out, "\n%10s %10s %6s  %-9s  %-13s  %-*s  %s\n", "BYTES", "SIZE", "STACK",
			"FLAGS", "KIND", width, "FUTURE", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		const struct future_type *f = &r->list->v[i];

		fprintf(out, "%10llu %10s %5.1f%%  %-9s  %-13s  %-*s  ", (unsigned long long)f->size,
			format_bytes(f->size, b1, sizeof(b1)), stack_percent(r, f),
			flags_text(f->flags), esc_text(f->kind), width, esc_text(f->name));
		if (f->file)
			fprintf(out, "%s:%u\n", esc_text(display_path(f->file, cwd)), f->line);
		else
			fprintf(out, "?\n");
	}
	fprintf(out, "\n%zu async state machines (%zu descriptions in %llu compile units, "
		"read in %.0f ms); %zu BIG, %zu STACK; %zu shown%s\n",
		r->list->n, r->descriptions, (unsigned long long)r->list->units, r->scan_ms, c.big,
		c.stack, n, n < r->list->n ? " (--top N, 0 for all)" : "");
}

void futures_print_json(FILE *out, const struct futures_report *r)
{
	const struct futures_policy *p = r->policy;
	struct futures_counts c = futures_count(r->list);
	const char *tokio = r->list->tokio_version;
	struct json_writer w;
	size_t n = shown(r);

	json_init(&w, out, true);
	json_begin_object(&w, NULL);
	json_string(&w, "binary", r->binary);
	json_string(&w, "debug_file", r->debug_file);
	json_string(&w, "tokio_version", has_version(tokio) ? tokio : NULL);
	json_string(&w, "tokio_note", p->tokio_note);
	json_u64(&w, "box_threshold", p->box_threshold);
	json_u64(&w, "stack_size", p->stack_size);
	json_u64(&w, "stack_percent", p->stack_percent);
	json_u64(&w, "compile_units", r->list->units);
	json_u64(&w, "descriptions", r->descriptions);
	json_u64(&w, "total", r->list->n);
	json_u64(&w, "big", c.big);
	json_u64(&w, "stack", c.stack);
	json_double(&w, "scan_ms", r->scan_ms);
	json_begin_array(&w, "futures");
	for (size_t i = 0; i < n; i++) {
		const struct future_type *f = &r->list->v[i];

		json_begin_object(&w, NULL);
		json_string(&w, "name", f->name);
		json_string(&w, "kind", f->kind);
		json_u64(&w, "size", f->size);
		json_double(&w, "stack_percent", stack_percent(r, f));
		json_bool(&w, "big", f->flags & FUTURE_F_BIG);
		json_bool(&w, "stack", f->flags & FUTURE_F_STACK);
		json_string(&w, "file", f->file);
		json_u64(&w, "line", f->line);
		json_u64(&w, "copies", f->copies);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w); /* ends the line too */
}

void futures_print_error(FILE *out, bool json, const char *msg)
{
	struct json_writer w;

	if (!json) {
		fprintf(stderr, "blockwatch: %s\n", msg);
		return;
	}
	json_init(&w, out, false);
	json_begin_object(&w, NULL);
	json_string(&w, "error", msg);
	json_end_object(&w); /* ends the line too */
}
