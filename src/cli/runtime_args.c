/* --runtime, --worker-threads, --park-symbol, --runtime-profile (runtime_args.h). */
#include "cli/runtime_args.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "blame/blame.h"
#include "classify/custom_profile.h"
#include "classify/runtime_detect.h"
#include "cli/argp_oneline.h"

enum {
	OPT_RUNTIME = 1100,
	OPT_WORKER_THREADS,
	OPT_PARK_SYMBOL,
	OPT_RUNTIME_PROFILE,
	OPT_OWN_CODE,
};

static const struct argp_option options[] = {
	{ "runtime", OPT_RUNTIME, "NAME", 0, "The runtime the targets run: tokio, async-std, smol (detection skips the others), or custom (with --park-symbol or --runtime-profile)", 0 },
	{ "worker-threads", OPT_WORKER_THREADS, "REGEX", 0, "Threads whose name matches are the workers (as --threads; for --runtime custom)", 0 },
	{ "park-symbol", OPT_PARK_SYMBOL, "SYM[,SYM...]", 0, "Functions in which a custom runtime's idle threads wait for work (time inside is parked); a name or its last ::segments", 0 },
	{ "own-code", OPT_OWN_CODE, "PATH[,PATH...]", 0, "A custom runtime's own crates or modules (my_rt, my_app::rt): never a callsite, their blocking is runtime-internal", 0 },
	{ "runtime-profile", OPT_RUNTIME_PROFILE, "FILE", 0, "A custom runtime's profile file: name, worker-threads, park-symbol, own-code, epoll-is-park lines (docs/blockwatch-trace.md)", 0 },
	{},
};

static const char *runtime_name; /* --runtime, NULL when not given */
static bool own_code_given;

/* Only the custom runtime is looked for, and its own code ("my_rt::", the
 * even entries of own_prefixes) is never a callsite: blocking it does for
 * itself is runtime-internal, as for the runtimes blockwatch knows. Added
 * after every option: --library-crates replaces its list when parsed. */
static void use_custom(const struct runtime_profile *custom)
{
	for (int i = 0; custom->own_prefixes[i]; i += 2)
		blame__add_extra_library_prefixes(custom->own_prefixes[i]);
	runtime_detect__force(custom);
}

/* After every option: which profile detection may find. */
static error_t finish(struct argp_state *state)
{
	const struct runtime_profile *custom = custom_profile__get(), *known;

	if (own_code_given && !custom)
		CLI_FAIL(state, "--own-code describes a custom runtime: give its --park-symbol too");
	if (!runtime_name) {
		if (custom)
			use_custom(custom); /* a profile given alone means --runtime custom */
		return 0;
	}
	if (strcmp(runtime_name, "custom") == 0) {
		if (!custom)
			CLI_FAIL(state, "--runtime custom needs --park-symbol SYM or --runtime-profile FILE");
		use_custom(custom);
		return 0;
	}
	if (custom)
		CLI_FAIL(state, "--park-symbol and --runtime-profile describe a custom runtime: use --runtime custom, not %s",
			 runtime_name);
	known = runtime_profile__by_name(runtime_name);
	if (!known)
		CLI_FAIL(state, "unknown --runtime '%.64s' (tokio, async-std, smol or custom)", runtime_name);
	runtime_detect__force(known);
	return 0;
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	char err[256];

	switch (key) {
	case OPT_RUNTIME:
		runtime_name = arg;
		return 0;
	case OPT_WORKER_THREADS:
		if (custom_profile__set_worker_threads(arg, err, sizeof(err)))
			CLI_FAIL(state, "--worker-threads: %s", err);
		return 0;
	case OPT_PARK_SYMBOL:
		if (custom_profile__add_park_symbols(arg, err, sizeof(err)))
			CLI_FAIL(state, "--park-symbol: %s", err);
		return 0;
	case OPT_OWN_CODE:
		if (custom_profile__add_own_code(arg, err, sizeof(err)))
			CLI_FAIL(state, "--own-code: %s", err);
		own_code_given = true;
		return 0;
	case OPT_RUNTIME_PROFILE:
		if (custom_profile__load(arg, err, sizeof(err)))
			CLI_FAIL(state, "--runtime-profile %s", err);
		return 0;
	case ARGP_KEY_END:
		return finish(state);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp runtime_args_argp = { options, parse, NULL, NULL, NULL, NULL, NULL };
