#include "classify/thread_role.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Line-tables-only debug info names functions without their path ("run",
 * "block_on"): then the last segment must match and the source file must be
 * the runtime's, in the module the rule names ("multi_thread::worker::run"
 * wants ".../multi_thread/worker.rs"). */
static bool unqualified_match(const struct runtime_profile *p, const char *fn, const char *file,
			      const char *rule)
{
	char dir[256];
	const char *last = strrchr(rule, ':'), *mod_end;
	size_t len;

	if (!last || strcmp(fn, last + 1) != 0 || !runtime_owns_frame(p, NULL, file))
		return false;
	/* the module is the segment before the type or function name */
	mod_end = last - 1;
	while (mod_end > rule && !(mod_end[-1] == ':' && mod_end[0] == ':'))
		mod_end--;
	if (mod_end > rule && mod_end[1] >= 'A' && mod_end[1] <= 'Z') /* Type::fn: skip the type */
		while (mod_end > rule + 1 && !(mod_end[-2] == ':' && mod_end[-1] == ':'))
			mod_end--;
	len = (size_t)(mod_end - rule);
	if (len == 0 || len >= sizeof(dir))
		return true;
	snprintf(dir, sizeof(dir), "%.*s", (int)len, rule);
	for (char *c = dir; *c; c++)
		if (*c == ':')
			*c = '/';
	/* "a//b" from "a::b": collapse to "a/b" */
	for (char *c = strstr(dir, "//"); c; c = strstr(c, "//"))
		memmove(c, c + 1, strlen(c));
	return strstr(file, dir) != NULL;
}

static bool frame_matches(const struct runtime_profile *p, const char *fn, const char *file,
			  const char *const *rules)
{
	char base[256];
	char *lt;

	if (symbol_matches_any(fn, rules))
		return true;
	/* "poll<F, S>" -> "poll": generic arguments carry paths of their own */
	snprintf(base, sizeof(base), "%s", fn);
	lt = strchr(base, '<');
	if (lt && lt != base)
		*lt = 0;
	if (strstr(base, "::"))
		return false;
	for (int i = 0; rules && rules[i]; i++)
		if (unqualified_match(p, base, file, rules[i]))
			return true;
	return false;
}

void classify_stack(const struct runtime_profile *p, const struct bw_frame *frames, int n,
		    struct stack_verdict *out)
{
	bool worker = false, blocking = false, block_on = false;

	out->role = BW_ROLE_UNKNOWN;
	out->parked = false;
	out->named = false;
	out->in_block_on = false;
	out->off_worker = false;
	for (int i = 0; i < n; i++) {
		const char *fn = frames[i].function, *file = frames[i].file;

		if (!fn)
			continue;
		out->named = true;
		if (!p)
			continue;
		worker |= frame_matches(p, fn, file, p->worker_frames);
		blocking |= frame_matches(p, fn, file, p->blocking_frames);
		block_on |= frame_matches(p, fn, file, p->block_on_frames);
		out->parked |= frame_matches(p, fn, file, p->park_frames);
		out->off_worker |= frame_matches(p, fn, file, p->off_worker_frames);
	}
	/* Tokio starts workers on blocking-pool threads: a worker frame wins. */
	if (worker) {
		out->role = BW_ROLE_WORKER;
	} else if (blocking) {
		out->role = BW_ROLE_BLOCKING;
	} else if (block_on) {
		out->role = BW_ROLE_WORKER;
		out->in_block_on = true;
	}
}

/* ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld-musl-x86_64.so.1, ld.so */
static bool is_dynamic_loader(const char *module)
{
	const char *base = module ? strrchr(module, '/') : NULL;

	base = base ? base + 1 : module;
	return base && strncmp(base, "ld", 2) == 0 && (base[2] == '-' || base[2] == '.') &&
	       strstr(base, ".so");
}

bool stack_in_loader(const struct bw_frame *frames, int n)
{
	for (int i = 0; i < n; i++)
		if (!is_dynamic_loader(frames[i].module))
			return false;
	return n > 0;
}

static regex_t filter;
static bool filter_set;

int thread_filter__set(const char *pattern)
{
	if (filter_set) {
		regfree(&filter);
		filter_set = false;
	}
	if (!pattern)
		return 0;
	if (regcomp(&filter, pattern, REG_EXTENDED | REG_NOSUB))
		return -EINVAL;
	filter_set = true;
	return 0;
}

bool thread_filter__active(void)
{
	return filter_set;
}

bool thread_filter__matches(const char *comm)
{
	return filter_set && regexec(&filter, comm, 0, NULL, 0) == 0;
}
