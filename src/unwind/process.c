/* Per-process module map: /proc/PID/maps (or a saved copy) -> ELF modules
 * reported to one libdwfl session that lives as long as the process object.
 * Refreshing re-reports the modules that did not change so libdwfl keeps
 * their already loaded ELF, CFI and DWARF; only new mappings cost work. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "process_internal.h"
#include "symbolize/debuglink.h"
#include "symbolize/intern.h"
#include "util/safe_file.h"

#define DEFAULT_DEBUGINFO_PATH ":.debug:/usr/lib/debug"

static char *default_debug_dirs;

void bw_set_default_debug_dirs(const char *dirs)
{
	free(default_debug_dirs);
	default_debug_dirs = dirs && *dirs ? strdup(dirs) : NULL;
}

/* libdwfl's search string: the standard places, then the user's dirs.
 * Build-id lookups use only absolute dirs (DIR/.build-id/xx/yyyy.debug),
 * so relative ones are made absolute here. */
static char *make_debuginfo_path(const char *extra)
{
	size_t cap = strlen(DEFAULT_DEBUGINFO_PATH) + 1, len;
	char *s, *copy, *tok, *save = NULL;

	copy = extra ? strdup(extra) : NULL;
	for (tok = copy ? strtok_r(copy, ":", &save) : NULL; tok; tok = strtok_r(NULL, ":", &save))
		cap += strlen(tok) + PATH_MAX + 1;
	free(copy);
	s = malloc(cap);
	if (!s)
		return NULL;
	len = snprintf(s, cap, "%s", DEFAULT_DEBUGINFO_PATH);
	copy = extra ? strdup(extra) : NULL;
	save = NULL;
	for (tok = copy ? strtok_r(copy, ":", &save) : NULL; tok; tok = strtok_r(NULL, ":", &save)) {
		char abs[PATH_MAX];
		const char *dir = tok[0] == '/' || !realpath(tok, abs) ? tok : abs;

		len += snprintf(s + len, cap - len, ":%s", dir);
	}
	free(copy);
	return s;
}

int process__set_debug_dirs(struct bw_process *proc, const char *dirs)
{
	char *s = make_debuginfo_path(dirs);

	if (!s)
		return -ENOMEM;
	free(proc->debuginfo_path);
	proc->debuginfo_path = s; /* libdwfl reads it through callbacks.debuginfo_path */
	return 0;
}

/* Modules come from dwfl_report_elf, so find_elf is never needed for them;
 * libdwfl still wants a callback in the table. */
static int find_elf_none(Dwfl_Module *mod, void **userdata, const char *modname,
			 Dwarf_Addr base, char **file_name, Elf **elfp)
{
	*elfp = NULL;
	*file_name = NULL;
	return -1;
}

static bool is_file_mapping(const struct bw_mapping *m)
{
	return m->path && m->path[0] == '/' && m->inode != 0;
}

/* The file to open for a mapping. A live process may run in another mount
 * namespace (/proc/PID/root) and its file may have been deleted or replaced
 * since it was mapped (/proc/PID/map_files keeps the mapped inode). */
static char *resolve_file(const struct bw_process *proc, const struct bw_mapping *m)
{
	char buf[PATH_MAX + 64];
	struct stat st;
	bool path_ok;

	snprintf(buf, sizeof(buf), "%s%s", proc->root ? proc->root : "", m->path);
	path_ok = !m->deleted && stat(buf, &st) == 0;
	if (!proc->live)
		return path_ok ? strdup(buf) : NULL;
	if (path_ok && st.st_ino == m->inode)
		return strdup(buf);
	snprintf(buf, sizeof(buf), "/proc/%d/map_files/%llx-%llx", proc->pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	if (access(buf, R_OK) == 0)
		return strdup(buf);
	if (path_ok) { /* replaced, and map_files not readable: best effort */
		snprintf(buf, sizeof(buf), "%s%s", proc->root ? proc->root : "", m->path);
		return strdup(buf);
	}
	return NULL;
}

/* Load bias from the mapping with the lowest file offset: the PT_LOAD that
 * holds that offset says which vaddr landed at m->start. */
static int compute_bias(int fd, const struct bw_mapping *m, uint64_t *bias)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr ehdr;
	size_t phnum;
	int err = -ENOEXEC;

	if (!elf || !gelf_getehdr(elf, &ehdr) || elf_getphdrnum(elf, &phnum) != 0)
		goto cleanup;
	if (ehdr.e_type == ET_EXEC) {
		*bias = 0;
		err = 0;
		goto cleanup;
	}
	if (ehdr.e_type != ET_DYN)
		goto cleanup;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t page_off;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		page_off = ph.p_offset & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);
		if (m->offset < page_off || m->offset >= ph.p_offset + ph.p_filesz)
			continue;
		*bias = m->start - (ph.p_vaddr + (m->offset - ph.p_offset));
		err = 0;
		goto cleanup;
	}
cleanup:
	elf_end(elf);
	return err;
}

static void module_clear(struct bw_module *mod)
{
	free(mod->file);
	mod->file = NULL;
	dwarf_index__free(mod->dwidx);
	mod->dwidx = NULL;
}

/* Build the module list for `maps` and report it to libdwfl. `old` lets
 * unchanged modules keep their libdwfl state. */
static int report_modules(struct bw_process *proc, struct bw_mapping *maps, int nmaps,
			  struct bw_module **out, int *nout,
			  struct bw_module *old, int nold)
{
	struct bw_module *mods = calloc(nmaps ? nmaps : 1, sizeof(*mods));
	int n = 0;

	if (!mods)
		return -ENOMEM;
	dwfl_report_begin(proc->dwfl);
	for (int i = 0; i < nmaps; i++) {
		struct bw_mapping *m = &maps[i];
		struct bw_module *mod, *prev = n ? &mods[n - 1] : NULL;
		struct bw_module *kept = NULL;
		int fd;

		if (!is_file_mapping(m))
			continue;
		/* Consecutive mappings of one file form one module; a new
		 * offset-0 mapping of the same file is a second load. */
		if (prev && strcmp(prev->name, m->path) == 0 && prev->inode == m->inode &&
		    m->offset != 0) {
			m->module = n - 1;
			if (m->end > prev->end && !prev->dwmod)
				prev->end = m->end;
			continue;
		}
		mod = &mods[n];
		mod->name = intern__str(proc->strings, m->path);
		mod->inode = m->inode;
		mod->start = m->start;
		mod->end = m->end;
		mod->cfi = -1;
		mod->file = resolve_file(proc, m);
		m->module = n++;
		if (!mod->file)
			continue;
		/* a target's file: regular, capped, never blocking (a FIFO named
		 * like a deleted binary cannot hang us) */
		fd = open_regular(mod->file, 0, BW_MAX_INPUT_FILE);
		if (fd < 0)
			continue;
		if (compute_bias(fd, m, &mod->bias) < 0) {
			close(fd);
			continue;
		}
		for (int j = 0; j < nold; j++)
			if (old[j].dwmod && old[j].name == mod->name &&
			    old[j].inode == mod->inode && old[j].bias == mod->bias)
				kept = &old[j];
		if (kept) {
			close(fd);
			/* Same name and span: libdwfl moves the existing module
			 * (with its loaded ELF/DWARF) into the new report. */
			mod->dwmod = dwfl_report_module(proc->dwfl, mod->name, kept->start, kept->end);
			debuglink__attach(mod->dwmod, &proc->debuginfo_path);
			if (mod->dwmod) {
				mod->start = kept->start;
				mod->end = kept->end;
				mod->build_id = kept->build_id;
				mod->build_id_done = kept->build_id_done;
				mod->cfi = kept->cfi;
				mod->dwidx = kept->dwidx; /* ownership moves */
				mod->dwbias = kept->dwbias;
				mod->dwidx_done = mod->dwidx != NULL;
				kept->dwidx = NULL;
			}
			continue;
		}
		mod->dwmod = dwfl_report_elf(proc->dwfl, mod->name, mod->file, fd, mod->bias, true);
		if (!mod->dwmod) {
			close(fd); /* only consumed on success */
			continue;
		}
		debuglink__attach(mod->dwmod, &proc->debuginfo_path);
		dwfl_module_info(mod->dwmod, NULL, &mod->start, &mod->end, NULL, NULL, NULL, NULL);
	}
	if (dwfl_report_end(proc->dwfl, NULL, NULL) != 0) {
		for (int i = 0; i < n; i++)
			module_clear(&mods[i]);
		free(mods);
		return -EIO;
	}
	*out = mods;
	*nout = n;
	return 0;
}

static int load_maps(struct bw_process *proc)
{
	struct bw_mapping *maps = NULL;
	struct bw_module *mods = NULL;
	int nmaps = 0, nmods = 0, err;
	FILE *f = fopen(proc->maps_path, "re");

	if (!f)
		return -errno;
	err = maps__parse(f, &maps, &nmaps);
	fclose(f);
	if (err)
		return err;
	err = report_modules(proc, maps, nmaps, &mods, &nmods, proc->modules, proc->nmodules);
	if (err) {
		maps__free(maps, nmaps);
		return err;
	}
	for (int i = 0; i < proc->nmodules; i++)
		module_clear(&proc->modules[i]);
	free(proc->modules);
	maps__free(proc->maps, proc->nmaps);
	proc->maps = maps;
	proc->nmaps = nmaps;
	proc->modules = mods;
	proc->nmodules = nmods;
	proc->refreshes++;
	return 0;
}

int process__refresh(struct bw_process *proc)
{
	return proc ? load_maps(proc) : -EINVAL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool process__maybe_refresh(struct bw_process *proc)
{
	uint64_t now;

	if (!proc->live)
		return false;
	now = now_ns();
	if (now - proc->last_auto_refresh_ns < 100000000ULL)
		return false;
	proc->last_auto_refresh_ns = now;
	return process__refresh(proc) == 0;
}

static struct bw_process *process_alloc(pid_t pid, bool live, const char *maps_path,
					const char *root)
{
	struct bw_process *proc = calloc(1, sizeof(*proc));

	if (!proc)
		return NULL;
	proc->pid = pid;
	proc->live = live;
	proc->maps_path = strdup(maps_path);
	proc->root = root ? strdup(root) : NULL;
	proc->debuginfo_path = make_debuginfo_path(default_debug_dirs);
	proc->strings = intern__new();
	proc->symcache = symcache__new();
	if (!proc->maps_path || (root && !proc->root) || !proc->debuginfo_path ||
	    !proc->strings || !proc->symcache)
		goto fail;
	proc->callbacks.find_elf = find_elf_none;
	proc->callbacks.find_debuginfo = debuglink__find;
	proc->callbacks.debuginfo_path = &proc->debuginfo_path;
	proc->dwfl = dwfl_begin(&proc->callbacks);
	if (!proc->dwfl)
		goto fail;
	if (load_maps(proc) < 0)
		goto fail;
	return proc;
fail:
	process__free(proc);
	return NULL;
}

struct bw_process *process__new(pid_t pid)
{
	char maps[64], root[64];

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	return process_alloc(pid, true, maps, root);
}

struct bw_process *process__new_from_maps(pid_t pid, const char *maps_path, const char *root)
{
	if (!maps_path)
		return NULL;
	return process_alloc(pid, false, maps_path, root && *root && strcmp(root, "/") ? root : NULL);
}

void process__free(struct bw_process *proc)
{
	if (!proc)
		return;
	if (proc->dwfl)
		dwfl_end(proc->dwfl);
	for (int i = 0; i < proc->nmodules; i++)
		module_clear(&proc->modules[i]);
	free(proc->modules);
	maps__free(proc->maps, proc->nmaps);
	symcache__free(proc->symcache);
	intern__free(proc->strings);
	free(proc->debuginfo_path);
	free(proc->root);
	free(proc->maps_path);
	free(proc);
}

struct bw_module *process__module_at(struct bw_process *proc, uint64_t addr)
{
	int lo = 0, hi = proc->nmodules - 1;

	/* Modules are in address order because maps is. */
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct bw_module *m = &proc->modules[mid];

		if (addr < m->start)
			hi = mid - 1;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m->dwmod ? m : NULL;
	}
	return NULL;
}

const struct bw_mapping *process__mapping_at(const struct bw_process *proc, uint64_t addr)
{
	int lo = 0, hi = proc->nmaps - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct bw_mapping *m = &proc->maps[mid];

		if (addr < m->start)
			hi = mid - 1;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

const char *process__module_build_id(struct bw_process *proc, struct bw_module *mod)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len;

	if (mod->build_id_done)
		return mod->build_id;
	mod->build_id_done = true;
	len = dwfl_module_build_id(mod->dwmod, &bits, &vaddr);
	if (len > 0) {
		char hex[2 * 64 + 1];

		if (len > 64)
			len = 64;
		for (int i = 0; i < len; i++)
			sprintf(hex + 2 * i, "%02x", bits[i]);
		mod->build_id = intern__str(proc->strings, hex);
	}
	return mod->build_id;
}

int process__module_count(const struct bw_process *proc)
{
	int n = 0;

	for (int i = 0; proc && i < proc->nmodules; i++)
		n += proc->modules[i].dwmod != NULL;
	return n;
}
