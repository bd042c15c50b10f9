#include "output/json_writer.h"

#include <inttypes.h>

#include "util/escape.h"

void json_init(struct json_writer *w, FILE *out, bool pretty)
{
	w->out = out;
	w->depth = 0;
	w->need_comma[0] = false;
	w->pretty = pretty;
}

static void newline(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

static void write_escaped(FILE *out, const char *s)
{
	fput_json(out, s); /* valid UTF-8 whatever the input */
}

/* Separator and key before any value. */
static void prefix(struct json_writer *w, const char *key)
{
	if (w->depth > 0) {
		if (w->need_comma[w->depth])
			fputc(',', w->out);
		newline(w);
	}
	w->need_comma[w->depth] = true;
	if (key) {
		write_escaped(w->out, key);
		fputs(w->pretty ? ": " : ":", w->out);
	}
}

static void open(struct json_writer *w, const char *key, char c)
{
	prefix(w, key);
	fputc(c, w->out);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_(struct json_writer *w, char c)
{
	bool had = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had)
		newline(w);
	fputc(c, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}

void json_begin_object(struct json_writer *w, const char *key) { open(w, key, '{'); }
void json_end_object(struct json_writer *w) { close_(w, '}'); }
void json_begin_array(struct json_writer *w, const char *key) { open(w, key, '['); }
void json_end_array(struct json_writer *w) { close_(w, ']'); }

void json_string(struct json_writer *w, const char *key, const char *value)
{
	prefix(w, key);
	if (value)
		write_escaped(w->out, value);
	else
		fputs("null", w->out);
}

void json_u64(struct json_writer *w, const char *key, uint64_t value)
{
	prefix(w, key);
	fprintf(w->out, "%" PRIu64, value);
}

void json_i64(struct json_writer *w, const char *key, int64_t value)
{
	prefix(w, key);
	fprintf(w->out, "%" PRId64, value);
}

void json_bool(struct json_writer *w, const char *key, bool value)
{
	prefix(w, key);
	fputs(value ? "true" : "false", w->out);
}

void json_double(struct json_writer *w, const char *key, double value)
{
	prefix(w, key);
	fprintf(w->out, "%.6g", value);
}
