/* A runtime profile built from the command line or a profile file
 * (custom_profile.h). Everything it holds is bounded and copied into fixed
 * storage: the file is hostile input read as root. */
#include "classify/custom_profile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "classify/thread_role.h"
#include "util/safe_file.h"

static char names[CUSTOM_PROFILE_MAX_SYMBOLS][CUSTOM_PROFILE_MAX_NAME];
static char crates[CUSTOM_PROFILE_MAX_CRATES][2][CUSTOM_PROFILE_MAX_NAME + 1];
static char runtime_name[32] = "custom";
static int nsymbols, ncrates;
/* NULL-terminated views of the above, as struct runtime_profile wants them */
static const char *symbol_list[CUSTOM_PROFILE_MAX_SYMBOLS + 1];
static const char *prefix_list[2 * CUSTOM_PROFILE_MAX_CRATES + 1];
static struct runtime_probe_rule probes[CUSTOM_PROFILE_MAX_SYMBOLS + 1];
static struct runtime_profile profile;

void custom_profile__reset(void)
{
	nsymbols = ncrates = 0;
	memset(symbol_list, 0, sizeof(symbol_list));
	memset(prefix_list, 0, sizeof(prefix_list));
	memset(probes, 0, sizeof(probes));
	snprintf(runtime_name, sizeof(runtime_name), "custom");
	profile = (struct runtime_profile){
		.name = runtime_name,
		.detect_symbols = symbol_list, /* linking a park function is the runtime */
		.detect_strings = symbol_list + CUSTOM_PROFILE_MAX_SYMBOLS, /* always empty */
		.probes = probes,
		.park_frames = symbol_list,
		.own_prefixes = prefix_list,
	};
}

/* Rust paths, C names and generic-free suffixes: no spaces, no quotes, no
 * control bytes; anything else is refused, not escaped. */
static bool valid_symbol(const char *s, size_t len)
{
	if (!len || len >= CUSTOM_PROFILE_MAX_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == ':' || c == '$' || c == '.'))
			return false;
	}
	return true;
}

static int add_symbol(const char *s, size_t len, char *err, size_t errlen)
{
	if (!valid_symbol(s, len)) {
		snprintf(err, errlen, "bad park symbol '%.*s' (letters, digits, _ : . $; under %d bytes)",
			 (int)(len > 64 ? 64 : len), s, CUSTOM_PROFILE_MAX_NAME);
		return -EINVAL;
	}
	if (nsymbols == CUSTOM_PROFILE_MAX_SYMBOLS) {
		snprintf(err, errlen, "too many park symbols (at most %d)", CUSTOM_PROFILE_MAX_SYMBOLS);
		return -EINVAL;
	}
	if (!profile.name)
		custom_profile__reset();
	memcpy(names[nsymbols], s, len);
	names[nsymbols][len] = '\0';
	symbol_list[nsymbols] = names[nsymbols];
	/* a park: entry and return probes, detached once the words are learned */
	probes[nsymbols] = (struct runtime_probe_rule){
		.suffix = names[nsymbols],
		.action = BW_PROBE_PARK_ENTER,
		.exit_action = BW_PROBE_PARK_EXIT,
		.purpose = "park",
	};
	nsymbols++;
	return 0;
}

typedef int (*add_one_fn)(const char *s, size_t len, char *err, size_t errlen);

/* "a,b,c": each non-empty element (surrounding blanks trimmed). */
static int add_list(const char *list, size_t len, add_one_fn add, char *err, size_t errlen)
{
	const char *end = list + len;

	while (list < end) {
		const char *comma = memchr(list, ',', (size_t)(end - list)), *e = comma ? comma : end;
		const char *a = list, *b = e;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a && add(a, (size_t)(b - a), err, errlen))
			return -EINVAL;
		list = comma ? comma + 1 : end;
	}
	return 0;
}

int custom_profile__add_park_symbols(const char *list, char *err, size_t errlen)
{
	size_t len = strnlen(list, CUSTOM_PROFILE_MAX_SYMBOLS * CUSTOM_PROFILE_MAX_NAME);

	if (add_list(list, len, add_symbol, err, errlen))
		return -EINVAL;
	if (!nsymbols) {
		snprintf(err, errlen, "no park symbol given (example: --park-symbol my_rt::Queue::wait)");
		return -EINVAL;
	}
	return 0;
}

/* A regex over 15-byte thread names needs neither length nor counted or
 * stacked repetition, which is what makes glibc's regcomp take seconds
 * ("a{99}{99}", "a++++..." found by fuzzing): refused. */
static bool regex_is_tame(const char *re)
{
	size_t len = strnlen(re, CUSTOM_REGEX_MAX);
	bool after_repeat = false;

	if (!len || len >= CUSTOM_REGEX_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool repeat = re[i] == '*' || re[i] == '+' || re[i] == '?';

		if (re[i] == '{' || (repeat && after_repeat))
			return false;
		if (re[i] == '\\' && i + 1 < len)
			i++; /* an escaped character is a literal */
		after_repeat = repeat;
	}
	return true;
}

int custom_profile__set_worker_threads(const char *regex, char *err, size_t errlen)
{
	if (!regex_is_tame(regex) || thread_filter__set(regex)) {
		snprintf(err, errlen,
			 "bad worker-threads regex (an extended regex under %d bytes, without {n} or stacked *+?)",
			 CUSTOM_REGEX_MAX);
		return -EINVAL;
	}
	return 0;
}

/* "my_rt" or "my_app::rt": a crate or module path, no leading or trailing
 * "::" (it is added), no '.' or '$'. */
static bool valid_path(const char *s, size_t len)
{
	return valid_symbol(s, len) && len < CUSTOM_PROFILE_MAX_NAME - 3 && !memchr(s, '.', len) &&
	       !memchr(s, '$', len) && s[0] != ':' && s[len - 1] != ':';
}

static int add_crate(const char *s, size_t len, char *err, size_t errlen)
{
	if (!valid_path(s, len)) {
		snprintf(err, errlen, "bad own-code '%.*s' (a crate or module path: my_rt, my_app::rt)",
			 (int)(len > 64 ? 64 : len), s);
		return -EINVAL;
	}
	if (ncrates == CUSTOM_PROFILE_MAX_CRATES) {
		snprintf(err, errlen, "too many own-code lines (at most %d)", CUSTOM_PROFILE_MAX_CRATES);
		return -EINVAL;
	}
	if (!profile.name)
		custom_profile__reset();
	/* "my_rt::f" and "<my_rt::T as Trait>::f": entry 0 is also a blame
	 * library prefix (runtime_args.c), so never a callsite */
	snprintf(crates[ncrates][0], sizeof(crates[ncrates][0]), "%.*s::", (int)len, s);
	snprintf(crates[ncrates][1], sizeof(crates[ncrates][1]), "<%.*s::", (int)len, s);
	prefix_list[2 * ncrates] = crates[ncrates][0];
	prefix_list[2 * ncrates + 1] = crates[ncrates][1];
	ncrates++;
	return 0;
}

int custom_profile__add_own_code(const char *list, char *err, size_t errlen)
{
	return add_list(list, strnlen(list, CUSTOM_PROFILE_MAX_CRATES * CUSTOM_PROFILE_MAX_NAME), add_crate,
			err, errlen);
}

static int set_name(const char *s, size_t len, char *err, size_t errlen)
{
	bool ok = len > 0 && len < sizeof(runtime_name);

	for (size_t i = 0; ok && i < len; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.';
	if (!ok) {
		snprintf(err, errlen, "bad name (1-%zu letters, digits, - _ .)", sizeof(runtime_name) - 1);
		return -EINVAL;
	}
	if (!profile.name)
		custom_profile__reset();
	memcpy(runtime_name, s, len);
	runtime_name[len] = '\0';
	return 0;
}

static int set_key(const char *key, size_t klen, const char *val, size_t vlen, char *err,
		   size_t errlen)
{
	char regex[CUSTOM_REGEX_MAX];

#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY_IS("name"))
		return set_name(val, vlen, err, errlen);
	if (KEY_IS("park-symbol"))
		return add_list(val, vlen, add_symbol, err, errlen);
	if (KEY_IS("own-code"))
		return add_list(val, vlen, add_crate, err, errlen);
	if (KEY_IS("worker-threads")) {
		if (vlen >= sizeof(regex) || memchr(val, '\0', vlen)) {
			snprintf(err, errlen, "bad worker-threads regex (under %zu bytes)", sizeof(regex));
			return -EINVAL;
		}
		memcpy(regex, val, vlen);
		regex[vlen] = '\0';
		return custom_profile__set_worker_threads(regex, err, errlen);
	}
	if (KEY_IS("epoll-is-park")) {
		if (!profile.name)
			custom_profile__reset();
		if ((vlen == 3 && !memcmp(val, "yes", 3)) || (vlen == 2 && !memcmp(val, "no", 2))) {
			profile.epoll_is_park = vlen == 3;
			return 0;
		}
		snprintf(err, errlen, "epoll-is-park wants yes or no");
		return -EINVAL;
	}
#undef KEY_IS
	snprintf(err, errlen, "unknown key (name, worker-threads, park-symbol, own-code, epoll-is-park)");
	return -EINVAL;
}

static const char *trim(const char *a, const char **end)
{
	while (a < *end && (*a == ' ' || *a == '\t' || *a == '\r'))
		a++;
	while (*end > a && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
		(*end)--;
	return a;
}

int custom_profile__parse(const char *text, size_t len, const char *origin, char *err,
			  size_t errlen)
{
	const char *end = text + len;
	char why[160];
	int lineno = 0;

	if (len > CUSTOM_PROFILE_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %d bytes", origin, CUSTOM_PROFILE_MAX_BYTES);
		return -EINVAL;
	}
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text)), *le = nl ? nl : end;
		const char *eq, *k, *ke, *v, *ve = le;

		lineno++;
		k = trim(text, &ve);
		text = nl ? nl + 1 : end;
		if (k == ve || *k == '#')
			continue;
		eq = memchr(k, '=', (size_t)(ve - k));
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", origin, lineno);
			return -EINVAL;
		}
		ke = eq;
		k = trim(k, &ke);
		v = trim(eq + 1, &ve);
		if (set_key(k, (size_t)(ke - k), v, (size_t)(ve - v), why, sizeof(why))) {
			snprintf(err, errlen, "%s:%d: %s", origin, lineno, why);
			return -EINVAL;
		}
	}
	if (!nsymbols) {
		snprintf(err, errlen, "%s: no park-symbol line (the executor's idle wait)", origin);
		return -EINVAL;
	}
	return 0;
}

int custom_profile__load(const char *path, char *err, size_t errlen)
{
	static char buf[CUSTOM_PROFILE_MAX_BYTES + 1];
	size_t len = 0;
	ssize_t n = 0;
	int fd = open_regular(path, 0, CUSTOM_PROFILE_MAX_BYTES);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 fd == -EFBIG	 ? "larger than 64 KiB" :
			 fd == -EINVAL ? "not a regular file" :
					 strerror(-fd));
		return fd;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	return custom_profile__parse(buf, len, path, err, errlen);
}

const struct runtime_profile *custom_profile__get(void)
{
	return nsymbols ? &profile : NULL;
}
