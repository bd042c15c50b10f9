#include "util/safe_file.h"
#include "classify/runtime_detect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/bpf_loader.h"
#include "record/format.h"
#include "symbolize/code_layout.h"
#include "symbolize/dwarf_layout.h"
#include "symbolize/symbolize.h"

static void count_match(const char *name, uint64_t off, void *ctx)
{
	(void)name;
	(void)off;
	(*(int *)ctx)++;
}

static bool file_contains(const char *path, const char *const *needles)
{
	bool found = false;
	struct stat st;
	void *map;
	int fd;

	fd = open_regular(path, 0, BW_MAX_INPUT_FILE); /* no FIFO, no device */
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			for (int i = 0; needles[i] && !found; i++)
				found = memmem(map, st.st_size, needles[i], strlen(needles[i])) != NULL;
			munmap(map, st.st_size);
		}
	}
	close(fd);
	return found;
}

/* blockwatch itself carries the runtimes' detection strings. */
static bool is_ourselves(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static const struct runtime_profile *forced;

void runtime_detect__force(const struct runtime_profile *p)
{
	forced = p;
}

int runtime_detect(const char *elf_path, struct runtime_match *out)
{
	const struct runtime_profile *const only[] = { forced, NULL };
	const struct runtime_profile *const *profiles = forced ? only : runtime_profiles;

	out->profile = NULL;
	out->by_symbols = false;
	if (is_ourselves(elf_path))
		return 0;
	for (int i = 0; profiles[i]; i++) {
		const struct runtime_profile *p = profiles[i];
		int n = 0, np = 0;

		while (p->detect_symbols[np])
			np++;
		if (elf_find_symbols(elf_path, p->detect_symbols, np, count_match, &n) > 0 && n > 0) {
			out->profile = p;
			out->by_symbols = true;
			return 0;
		}
	}
	/* another blockwatch (another build or version) carries them too;
	 * its recording magic gives it away */
	if (file_contains(elf_path, (const char *const[]){ BW_REC_MAGIC, NULL }))
		return 0;
	for (int i = 0; profiles[i]; i++) {
		if (file_contains(elf_path, profiles[i]->detect_strings)) {
			out->profile = profiles[i];
			return 0;
		}
	}
	return 0;
}

struct probe_site {
	uint64_t offset;
	const struct runtime_probe_rule *rule;
	bool exit_attached;
};

struct probe_search {
	const struct runtime_profile *profile;
	unsigned features;
	int overflow; /* sites beyond the array: counted as failed attaches */
	struct probe_site sites[4096]; /* poll probes: one per future type */
	int n;
};

static void collect_site(const char *name, uint64_t off, void *ctx)
{
	struct probe_search *s = ctx;

	for (const struct runtime_probe_rule *r = s->profile->probes; r->suffix; r++) {
		if ((r->features && !(r->features & s->features)) || !symbol_has_suffix(name, r->suffix))
			continue;
		/* one probe per (address, action): aliases share an address */
		for (int i = 0; i < s->n; i++)
			if (s->sites[i].offset == off && s->sites[i].rule->action == r->action)
				return;
		if (s->n < (int)(sizeof(s->sites) / sizeof(s->sites[0])))
			s->sites[s->n++] = (struct probe_site){ .offset = off, .rule = r };
		else
			s->overflow++;
		return;
	}
}

/* Probes are attached in table order, which matters (see runtime_profile.c). */
static int by_rule_order(const void *a, const void *b)
{
	const struct probe_site *x = a, *y = b;

	return (x->rule > y->rule) - (x->rule < y->rule);
}

const char *permit_layout_source_name(enum permit_layout_source s)
{
	switch (s) {
	case PERMIT_LAYOUT_DWARF:
		return "DWARF";
	case PERMIT_LAYOUT_CODE:
		return "the code that locks it";
	case PERMIT_LAYOUT_ASSUMED:
		return "assumed";
	default:
		return "not needed";
	}
}

struct locker_search {
	const char *name;
	uint64_t offset;
	int found;
};

static void collect_locker(const char *name, uint64_t off, void *ctx)
{
	struct locker_search *l = ctx;

	if (symbol_has_suffix(name, l->name) && !l->found++)
		l->offset = off;
}

/* The permit future's semaphore field from the locker function's code
 * (line-tables-only builds describe no types). */
static int permit_field_from_code(const struct runtime_profile *p, const char *elf_path,
				  uint64_t *off)
{
	struct locker_search l = { .name = p->permit_future_locker };
	const char *pattern = p->permit_future_locker;

	if (!pattern || elf_find_symbols(elf_path, &pattern, 1, collect_locker, &l) < 0 ||
	    !l.found)
		return -ENOENT;
	return code_field_locked_through_file(elf_path, l.offset, off);
}

/* Where the permit future holds its semaphore pointer: from DWARF, else
 * from code, else where rustc puts the lone pointer field today (and the
 * report says so). Looked up only when the file has the future's probe
 * sites. */
static uint64_t permit_field_offset(const struct runtime_profile *p, const char *elf_path,
				    const struct probe_search *s, struct probe_report *rep)
{
	uint64_t off = 0;

	for (int i = 0; i < s->n; i++) {
		if (s->sites[i].rule->action != BW_PROBE_ACQUIRE_ENTER)
			continue;
		if (dwarf_field_offset(elf_path, p->permit_future_type, p->permit_future_field,
				       &off) == 0)
			rep->permit_layout = PERMIT_LAYOUT_DWARF;
		else if (permit_field_from_code(p, elf_path, &off) == 0)
			rep->permit_layout = PERMIT_LAYOUT_CODE;
		else {
			rep->permit_layout = PERMIT_LAYOUT_ASSUMED;
			off = 0;
		}
		rep->permit_field_offset = off;
		break;
	}
	return off;
}

/* The cookie of a probe: its action, and for the permit future's probes
 * where in that future the semaphore pointer is. */
static uint64_t probe_cookie(const struct runtime_probe_rule *r, enum bw_probe_action action,
			     uint64_t permit_field)
{
	bool acquire = action == BW_PROBE_ACQUIRE_ENTER || action == BW_PROBE_ACQUIRE_EXIT;
	uint64_t worker = r->worker_park && action == BW_PROBE_PARK_ENTER ? BW_COOKIE_WORKER : 0;

	return BW_COOKIE(action, acquire ? permit_field : 0) | worker;
}

/* Park probes go to their own set: they trap on every park, so they are
 * detached once the parks' futex words are learned. */
static struct bw_probe_set *set_for(const struct runtime_probe_rule *r,
				    struct bw_probe_set *park_set)
{
	return r->action == BW_PROBE_PARK_ENTER ? park_set : NULL;
}

static bool in_names(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return true;
	return false;
}

int runtime_missing_purposes(const struct runtime_profile *p, const char *elf_path,
			     unsigned features, const char *const *placed, int nplaced,
			     const char **missing, int max)
{
	int n = 0;

	for (const struct runtime_probe_rule *r = p->probes; r->suffix && n < max; r++) {
		int present = 0;

		if (!r->purpose || !r->present_if || (r->features && !(r->features & features)) ||
		    in_names(placed, nplaced, r->purpose) || in_names(missing, n, r->purpose))
			continue;
		if (elf_find_symbols(elf_path, &r->present_if, 1, count_match, &present) > 0 &&
		    present > 0)
			missing[n++] = r->purpose;
	}
	return n;
}

static void find_missing_purposes(const struct runtime_profile *p, const char *elf_path,
				  unsigned features, const struct probe_search *s,
				  struct probe_report *rep)
{
	const char **placed = calloc(s->n ? s->n : 1, sizeof(*placed));

	if (!placed)
		return;
	for (int i = 0; i < s->n; i++)
		placed[i] = s->sites[i].rule->purpose;
	rep->nmissing = runtime_missing_purposes(p, elf_path, features, placed, s->n, rep->missing,
						 sizeof(rep->missing) / sizeof(rep->missing[0]));
	free(placed);
}

/* Every spelling the table has for a purpose, "a, b, c", for messages. */
void runtime_purpose_spellings(const struct runtime_profile *p, const char *purpose, char *buf,
			       size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (const struct runtime_probe_rule *r = p->probes; r->suffix && o < size; r++)
		if (r->purpose && strcmp(r->purpose, purpose) == 0)
			o += snprintf(buf + o, size - o, "%s%s", o ? ", " : "", r->suffix);
}

int runtime_attach_probes(struct bw_bpf *b, const struct runtime_profile *p,
			  const char *elf_path, pid_t pid, unsigned features,
			  struct bw_probe_set *park_set, struct probe_report *rep)
{
	struct probe_search *s = calloc(1, sizeof(*s));
	const char *patterns[64];
	uint64_t permit_field;
	int np = 0, rc;

	if (!s)
		return -ENOMEM;
	memset(rep, 0, sizeof(*rep));
	s->profile = p;
	s->features = features;
	/* Search by each rule's last path segment ("::park"): a substring that
	 * survives generic arguments in the middle of a name; collect_site then
	 * applies the exact suffix rule. */
	for (const struct runtime_probe_rule *r = p->probes; r->suffix && np < 64; r++) {
		const char *last = strrchr(r->suffix, ':');

		patterns[np++] = last && last > r->suffix ? last - 1 : r->suffix;
	}
	rc = elf_find_symbols(elf_path, patterns, np, collect_site, s);
	qsort(s->sites, s->n, sizeof(s->sites[0]), by_rule_order);
	permit_field = permit_field_offset(p, elf_path, s, rep);
	/* Return probes first: in a running process a thread may enter the
	 * function between the two attaches, and an entry seen without its
	 * return would leave it "inside" (parked) forever; a return without
	 * its entry is ignored. */
	for (int i = 0; rc >= 0 && i < s->n; i++) {
		int err;

		if (!s->sites[i].rule->exit_action)
			continue;
		err = bw_bpf__attach_uprobe(b, elf_path, s->sites[i].offset, pid,
					    probe_cookie(s->sites[i].rule,
							 s->sites[i].rule->exit_action, permit_field),
					    true, set_for(s->sites[i].rule, park_set));
		s->sites[i].exit_attached = !err;
		if (err && !rep->first_error)
			rep->first_error = err;
	}
	for (int i = 0; rc >= 0 && i < s->n; i++) {
		const struct runtime_probe_rule *r = s->sites[i].rule;
		int err = r->exit_action && !s->sites[i].exit_attached
				  ? -EAGAIN
				  : bw_bpf__attach_uprobe(b, elf_path, s->sites[i].offset, pid,
							  probe_cookie(r, r->action, permit_field),
							  false, set_for(r, park_set));

		if (err) {
			if (!rep->first_error)
				rep->first_error = err;
			rep->failed++;
			continue;
		}
		rep->attached++;
		if (r->action == BW_PROBE_PARK_ENTER)
			rep->park_probes++;
		if (r->action == BW_PROBE_POLL_ENTER)
			rep->poll_probes++;
		if (r->action == BW_PROBE_ACQUIRE_ENTER || r->action == BW_PROBE_RELEASE)
			rep->lock_probes++;
	}
	rep->failed += s->overflow;
	find_missing_purposes(p, elf_path, features, s, rep);
	free(s);
	return rc < 0 ? rc : 0;
}
