/* Blame: which blocking API a stack is stuck in, and which line of the
 * user's code called it.
 *
 * Walking from the leaf, the innermost frame that matches a rule fixes the
 * family (category); the blocking API is the outermost frame of that family,
 * or of a family that wraps it (blame_wraps), before the first user frame:
 * the API the user called, not the helper it waits in (Mutex::lock_contended
 * inside Mutex::lock reports Mutex::lock, thread::park inside
 * mpsc::Receiver::recv reports recv). The callsite is the first user frame
 * rootward of the API. User code = not libc/ld.so/vdso, not a library crate (table plus
 * blame__set_extra_library_prefixes), not a shim for a generic parameter.
 * Without a matching frame the syscall table names the API. */
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blame.h"
#include "blame_rules.h"
#include "blockwatch.h"
#include "symbolize/intern.h"
#include "symbolize/source_crate.h"

#define NAME_MAX_LEN 1024

static const char *const category_names[BW_CAT_NR] = {
	[BW_CAT_OTHER] = "other",
	[BW_CAT_SLEEP] = "sleep",
	[BW_CAT_FILE_IO] = "file-io",
	[BW_CAT_NET_IO] = "net-io",
	[BW_CAT_LOCK] = "lock",
	[BW_CAT_DNS] = "dns",
	[BW_CAT_PROCESS_WAIT] = "process-wait",
	[BW_CAT_PAGE_FAULT] = "page-fault",
	[BW_CAT_DROP] = "drop",
	[BW_CAT_CHANNEL] = "channel",
};

const char *bw_category__name(enum bw_category c)
{
	return (unsigned)c < BW_CAT_NR ? category_names[c] : "unknown";
}

/* Compiled rules and a pool for the names blame hands out (normalized API
 * names, drop types). Shared by every caller, so guarded by a mutex. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static regex_t *compiled;
static bool compiled_ok;
static struct bw_intern *pool;
static char **extra_prefixes;
static int nextra;

static void compile_rules(void)
{
	compiled = calloc(blame_nrules, sizeof(*compiled));
	pool = intern__new();
	if (!compiled || !pool)
		return;
	for (int i = 0; i < blame_nrules; i++)
		if (regcomp(&compiled[i], blame_rules[i].regex, REG_EXTENDED | REG_NOSUB) != 0)
			return; /* a bad table entry: caught by the unit tests */
	compiled_ok = true;
}

/* Appends each prefix of csv; called with the lock held. */
static void add_prefixes(const char *csv)
{
	char *copy = csv ? strdup(csv) : NULL, *tok, *save = NULL;

	for (tok = copy ? strtok_r(copy, ", ", &save) : NULL; tok; tok = strtok_r(NULL, ", ", &save)) {
		char **n = realloc(extra_prefixes, (nextra + 1) * sizeof(*n));

		if (!n)
			break;
		extra_prefixes = n;
		extra_prefixes[nextra] = strdup(tok);
		if (extra_prefixes[nextra])
			nextra++;
	}
	free(copy);
}

void blame__set_extra_library_prefixes(const char *csv)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nextra; i++)
		free(extra_prefixes[i]);
	free(extra_prefixes);
	extra_prefixes = NULL;
	nextra = 0;
	add_prefixes(csv);
	pthread_mutex_unlock(&lock);
}

void blame__add_extra_library_prefixes(const char *csv)
{
	pthread_mutex_lock(&lock);
	add_prefixes(csv);
	pthread_mutex_unlock(&lock);
}

/* Skip "->" so "Fn() -> T" inside generics does not close a bracket. */
static const char *match_angle(const char *open)
{
	int depth = 0;

	for (const char *p = open; *p; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && !(p > open && p[-1] == '-') && --depth == 0)
			return p;
	}
	return NULL;
}

/* Drop generic arguments and unwrap "<T>::f" (v0 inherent impls) so one
 * regex covers both manglings. A '<' at the start or right after "<" or
 * " as " opens a qualified path and is kept. */
static void normalize(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const char *p = in;

	while (*p && o + 1 < size) {
		bool generic = *p == '<' && p != in && p[-1] != '<' && p[-1] != ' ' && p[-1] != '&';

		if (generic) {
			const char *close = match_angle(p);

			if (!close)
				break;
			if (o >= 2 && out[o - 1] == ':' && out[o - 2] == ':')
				o -= 2; /* v0 "f::<T>" */
			p = close + 1;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	if (out[0] == '<') {
		const char *close = match_angle(out);

		if (close && !memmem(out, close - out, " as ", 4) && close[1] == ':') {
			memmove(out, out + 1, close - out - 1);
			memmove(out + (close - out - 1), close + 1, strlen(close + 1) + 1);
		}
	}
}

static const struct blame_rule *match_rule(const char *norm)
{
	for (int i = 0; i < blame_nrules; i++)
		if (regexec(&compiled[i], norm, 0, NULL, 0) == 0)
			return &blame_rules[i];
	return NULL;
}

static bool in_list(const char *const *list, const char *s, size_t len, bool prefix)
{
	for (int i = 0; list[i]; i++) {
		size_t l = strlen(list[i]);

		if (prefix ? strncmp(s, list[i], l) == 0
			   : (l == len && strncmp(s, list[i], len) == 0))
			return true;
	}
	return false;
}

static bool library_module(const char *module)
{
	const char *base;

	if (!module)
		return false;
	base = strrchr(module, '/');
	base = base ? base + 1 : module;
	return in_list(blame_library_modules, base, strlen(base), true);
}

/* The path whose crate owns a function: "<T as Trait>::f" belongs to T. */
static const char *owner_path(const char *name)
{
	const char *p = name;

	while (*p == '<' || *p == '&' || *p == '*' || *p == '(' || *p == '[' || *p == ' ') {
		if (strncmp(p, "&mut ", 5) == 0)
			p += 5;
		else if (strncmp(p, "*const ", 7) == 0 || strncmp(p, "*mut ", 5) == 0)
			p += *(p + 1) == 'c' ? 7 : 5;
		else
			p++;
	}
	if (strncmp(p, "dyn ", 4) == 0)
		p += 4;
	return p;
}

static bool crate_is_library(const char *crate, size_t len)
{
	for (int i = 0; i < nextra; i++)
		if (!strstr(extra_prefixes[i], "::") && strlen(extra_prefixes[i]) == len &&
		    strncmp(extra_prefixes[i], crate, len) == 0)
			return true;
	return in_list(blame_library_crates, crate, len, false);
}

/* Line-tables-only DWARF names inlined functions without their path
 * ("lock", "drop_in_place<T>"), so for unqualified names the source file
 * tells whose code it is: rustc's own sources live under /rustc/<hash>/, a
 * crate's under a directory named for it and its version wherever the
 * build found it (.../registry/.../tokio-1.24.2/src/, a vendor directory's
 * tokio-1.49.0/src/), or under a git checkout. Any version: the directory
 * is read, not matched against a list of releases. */
static int library_by_file(const char *file)
{
	struct source_crates it;
	bool named = false;
	char crate[128];

	if (!file)
		return -1;
	if (strncmp(file, "/rustc/", 7) == 0)
		return 1;
	source_crates__init(&it, file);
	while (source_crates__next(&it, crate, sizeof(crate))) {
		named = true;
		if (crate_is_library(crate, strlen(crate)))
			return 1;
	}
	/* a registry file whose crate cannot be read is still nobody's own code */
	return !named && strstr(file, "/registry/");
}

static bool is_library(const struct bw_frame *f, const char *norm)
{
	const char *owner, *sep;
	size_t seglen;

	if (library_module(f->module))
		return true;
	if (!f->function)
		return false; /* unknown code in the program: may be the user's */
	owner = owner_path(norm);
	sep = strstr(owner, "::");
	seglen = sep ? (size_t)(sep - owner) : strlen(owner);
	for (int i = 0; i < nextra; i++) {
		size_t l = strlen(extra_prefixes[i]);

		if (strstr(extra_prefixes[i], "::") ? strncmp(norm, extra_prefixes[i], l) == 0 ||
							      strncmp(owner, extra_prefixes[i], l) == 0
						    : (l == seglen && strncmp(owner, extra_prefixes[i], l) == 0))
			return true;
	}
	if (!sep) {
		/* Unqualified: C code, "<F as Trait>::f" over a generic F, or a
		 * line-tables-only Rust name. */
		if (owner != norm && strstr(norm, " as "))
			return true;
		if (in_list(blame_runtime_symbols, norm, strlen(norm), false) ||
		    strncmp(norm, "__", 2) == 0)
			return true;
		return library_by_file(f->file) == 1;
	}
	/* "<F as core::future::Future>::poll": the self type is a bare generic
	 * parameter, so this is a forwarding shim of some library. */
	if (owner != norm) {
		const char *as = strstr(norm, " as ");

		if (as && as < sep)
			return true;
	}
	return in_list(blame_library_crates, owner, seglen, false);
}

/* Drop glue and Drop impls. Also the line-tables-only short forms
 * ("drop_in_place<T>" unqualified). *type gets T when it can be read. */
static bool is_drop_frame(const char *fn, const char *norm, const char **type)
{
	char buf[NAME_MAX_LEN];
	const char *open, *close, *at;

	*type = NULL;
	if (strcmp(norm, "core::ptr::drop_in_place") == 0 || strcmp(norm, "drop_in_place") == 0) {
		at = strstr(fn, "drop_in_place");
		open = at ? strchr(at, '<') : NULL;
		close = open ? match_angle(open) : NULL;
		if (close) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(close - open - 1), open + 1);
			*type = intern__str(pool, buf);
		}
		return true;
	}
	if (norm[0] == '<' && strstr(norm, " as core::ops::drop::Drop>::drop")) {
		at = strstr(fn, " as core::ops::drop::Drop>");
		if (at) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(at - fn - 1), fn + 1);
			*type = intern__str(pool, buf);
		}
		return true;
	}
	return false;
}

static const struct blame_syscall *syscall_of(int nr)
{
	for (int i = 0; i < blame_nsyscalls; i++)
		if (blame_syscalls[i].nr == nr)
			return &blame_syscalls[i];
	return NULL;
}

/* Does an API of family `outer` name a wait of family `inner` below it? */
static bool names_wait(enum bw_category outer, enum bw_category inner)
{
	if (outer == inner)
		return true;
	for (int i = 0; i < blame_nwraps; i++)
		if (blame_wraps[i].outer == outer && blame_wraps[i].inner == inner)
			return true;
	return false;
}

struct fview {
	char norm[NAME_MAX_LEN];
	const struct blame_rule *rule;
	bool lib;
};

int blame__analyze(const struct bw_frame *frames, int n, int syscall_nr,
		   struct blame_result *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct fview *v = NULL;
	int inner = -1, api = -1, callsite = -1, err = 0;

	if (!out || n < 0 || (n && !frames))
		return -EINVAL;
	*out = (struct blame_result){ .api_frame = -1, .callsite_frame = -1 };
	pthread_once(&once, compile_rules);
	if (!compiled_ok)
		return -ENOMEM;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < n; i++) {
		if (frames[i].function) {
			normalize(frames[i].function, v[i].norm, sizeof(v[i].norm));
			v[i].rule = match_rule(v[i].norm);
		}
		v[i].lib = is_library(&frames[i], v[i].norm);
		if (inner < 0 && v[i].rule)
			inner = i;
	}
	if (inner >= 0) {
		enum bw_category family = v[inner].rule->category;

		api = inner;
		for (int i = inner + 1; i < n && v[i].lib; i++)
			if (v[i].rule && names_wait(v[i].rule->category, family)) {
				api = i;
				family = v[i].rule->category;
			}
		out->api_frame = api;
		out->category = v[api].rule->category;
		out->blocking_api = v[api].rule->api ? v[api].rule->api
						     : intern__str(pool, v[api].norm);
	} else {
		const struct blame_syscall *sc = syscall_of(syscall_nr);

		if (syscall_nr < 0) {
			out->blocking_api = "page fault";
			out->category = BW_CAT_PAGE_FAULT;
		} else if (sc) {
			out->blocking_api = sc->name;
			out->category = sc->category;
		} else {
			out->blocking_api = "syscall";
			out->category = BW_CAT_OTHER;
		}
	}
	for (int i = api + 1; i < n; i++) {
		/* A pc in no module at all is garbage, not the user's code. */
		if (!v[i].lib && (frames[i].function || frames[i].module)) {
			callsite = i;
			break;
		}
	}
	out->callsite_frame = callsite;
	/* Dropping a value called the API: drop glue or a Drop impl between the
	 * user's line and the API, or the callsite is a user Drop impl (drop
	 * glue right behind it). The outermost dropped type is the one the
	 * user's code let go of. Without a user callsite (runtime or std
	 * internals, e.g. thread exit) a drop says nothing useful. */
	if (callsite >= 0) {
		int end = callsite;

		while (end + 1 < n && v[end + 1].lib)
			end++;
		for (int i = end; i > api; i--) {
			const char *t;

			if (i == callsite || !frames[i].function ||
			    !is_drop_frame(frames[i].function, v[i].norm, &t))
				continue;
			out->via_drop = true;
			out->drop_type = t;
			out->category = BW_CAT_DROP;
			break;
		}
		if (!out->via_drop && frames[callsite].function &&
		    is_drop_frame(frames[callsite].function, v[callsite].norm, &out->drop_type)) {
			out->via_drop = true;
			out->category = BW_CAT_DROP;
		}
	}
	out->drop_why = blame__drop_why(out->drop_type);
	pthread_mutex_unlock(&lock);
	free(v);
	return err;
}

bool blame__is_user_frame(const struct bw_frame *f)
{
	char norm[NAME_MAX_LEN] = "";
	bool lib;

	if (f->function)
		normalize(f->function, norm, sizeof(norm));
	pthread_mutex_lock(&lock);
	lib = is_library(f, norm);
	pthread_mutex_unlock(&lock);
	return !lib;
}

int blame__task_frame(const struct bw_frame *frames, int n)
{
	for (int i = n - 1; i >= 0; i--)
		if (frames[i].function && blame__is_user_frame(&frames[i]))
			return i;
	return -1;
}

int blame__first_user_frame(const struct bw_frame *frames, int n)
{
	for (int i = 0; i < n; i++)
		if (frames[i].function && blame__is_user_frame(&frames[i]))
			return i;
	return -1;
}

const char *blame__drop_why(const char *type)
{
	for (int i = 0; type && i < blame_ndrop_rules; i++) {
		const char *pre = blame_drop_rules[i].type_prefix;

		if (strncmp(type, pre, strlen(pre)) == 0)
			return blame_drop_rules[i].why;
	}
	return NULL;
}
