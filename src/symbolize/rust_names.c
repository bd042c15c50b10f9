#include "symbolize/rust_names.h"

#include <stdio.h>
#include <string.h>

const char *rust_async_kind(const char *segment, size_t len)
{
	static const struct {
		const char *label, *kind;
	} kinds[] = {
		{ "async_fn", "async fn" },
		{ "async_block", "async block" },
		{ "async_closure", "async closure" },
		{ "async_gen_fn", "async gen fn" },
		{ "async_gen_block", "async gen block" },
		{ "async_gen_closure", "async gen closure" },
	};
	const char *hash, *label = segment + 1;
	size_t n;

	if (len < 9 || strncmp(segment, "{async_", 7) != 0 || segment[len - 1] != '}')
		return NULL;
	hash = memchr(segment, '#', len);
	if (!hash)
		return NULL;
	n = hash - label;
	if (n > 4 && strncmp(hash - 4, "_env", 4) == 0)
		n -= 4; /* the state machine's type: {async_fn_env#0} */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].label) == n && strncmp(label, kinds[i].label, n) == 0)
			return kinds[i].kind;
	return "async"; /* a coroutine kind newer than this table */
}

/* Walks back from name[end] over one bracketed group that ends there
 * ('>' of generic arguments, '}' of a segment). Returns the index of its
 * opening bracket, or -1. A '>' after '-' is an arrow ("Fn() -> T"). */
static long open_of(const char *name, size_t end, char open, char close)
{
	int depth = 0;

	for (size_t i = end; i > 0; i--) {
		char c = name[i - 1];

		if (c == close && !(close == '>' && i >= 2 && name[i - 2] == '-'))
			depth++;
		else if (c == open && --depth == 0)
			return (long)(i - 1);
	}
	return -1;
}

/* The "{...}" segment that ends name, generic arguments after it ("<T>",
 * v0's "::<T>") skipped: its offset and length; false when name does not
 * end in one. */
static bool last_brace_segment(const char *name, size_t *start, size_t *len)
{
	size_t end = strlen(name);
	long open;

	if (end && name[end - 1] == '>') {
		open = open_of(name, end, '<', '>');
		if (open < 0)
			return false;
		end = open;
		if (end >= 2 && name[end - 1] == ':' && name[end - 2] == ':')
			end -= 2;
	}
	if (!end || name[end - 1] != '}')
		return false;
	open = open_of(name, end, '{', '}');
	if (open < 0 || (open > 0 && (open < 2 || name[open - 1] != ':' || name[open - 2] != ':')))
		return false;
	*start = open;
	*len = end - open;
	return true;
}

static bool closure_like(const char *seg, size_t len)
{
	return (len == 11 && strncmp(seg, "{{closure}}", 11) == 0) ||
	       (len > 10 && strncmp(seg, "{closure#", 9) == 0) || rust_async_kind(seg, len);
}

void rust_name_body_kind(char *name, size_t size, const char *die_name)
{
	const char *close = die_name && die_name[0] == '{' ? strchr(die_name, '}') : NULL;
	size_t start, len, dlen;

	if (!close || !memchr(die_name, '#', close - die_name))
		return;
	dlen = close - die_name + 1;
	/* only async bodies: a closure's "{{closure}}" already says what it is */
	if (!rust_async_kind(die_name, dlen) || !last_brace_segment(name, &start, &len) ||
	    !closure_like(name + start, len) || start + dlen >= size)
		return;
	/* generic arguments after the segment go: DWARF's own carry none */
	memcpy(name + start, die_name, dlen);
	name[start + dlen] = '\0';
}

const char *rust_display_name(const char *name, char *buf, size_t size)
{
	const char *kind;
	size_t start, len;

	if (!name || !last_brace_segment(name, &start, &len))
		return name;
	kind = rust_async_kind(name + start, len);
	if (!kind)
		return name;
	if (start == 0)
		snprintf(buf, size, "%s", kind);
	else
		snprintf(buf, size, "%.*s (%s)", (int)(start - 2), name, kind);
	return buf;
}

const char *frame_display_name(const struct bw_frame *f, char *buf, size_t size)
{
	const char *base;

	if (f->function)
		return rust_display_name(f->function, buf, size);
	if (f->module) {
		base = strrchr(f->module, '/');
		snprintf(buf, size, "%s+0x%llx", base ? base + 1 : f->module,
			 (unsigned long long)f->module_offset);
	} else {
		snprintf(buf, size, "0x%llx", (unsigned long long)f->pc);
	}
	return buf;
}
