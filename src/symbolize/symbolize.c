/* pc -> inline chain of named frames, cached per (module, offset).
 *
 * Slow path (first time an address is seen): libdwfl finds the module and
 * its DWARF (main file or separate debug file by build-id/debuglink); the
 * CU's scopes give the chain of DW_TAG_inlined_subroutine DIEs around the
 * pc. The innermost frame takes its file:line from the line table; every
 * outer frame takes the DW_AT_call_file/call_line of the inlined DIE just
 * inside it, which is the line in the caller where the inlined call sits.
 * Without DWARF we fall back to .symtab/.dynsym names, then to
 * module+offset only. The cache key is the interned build-id (or path) plus
 * the module-relative address, so a hit is a hash probe and a copy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "util/path.h"
#include "demangle.h"
#include "dwarf_index.h"
#include "intern.h"
#include "rust_names.h"
#include "symbolize.h"
#include "unwind/process_internal.h"

#define MAX_CHAIN 32
#define NAME_BUF 4096

struct cframe {
	const char *function, *file;
	int line;
};

struct centry {
	const char *key; /* interned build-id or module path; NULL = empty slot */
	uint64_t off;    /* looked-up address relative to the load bias */
	int n;
	struct cframe *frames; /* innermost first; last one is the real function */
};

/* A module's function symbols by address, to find the other names of a
 * body the linker folded (identical code folding). Built on first need. */
struct sym_by_addr {
	uint64_t addr; /* module-relative (addr - bias) */
	int index;     /* in the module's symbol table */
};

struct alias_index {
	const char *key; /* interned build-id or module path */
	struct sym_by_addr *syms;
	int n;
};

struct bw_symcache {
	struct centry *slots;
	size_t nslots, count;
	uint64_t hits, misses;
	struct alias_index *aliases; /* one per module seen with a folded body */
	int naliases;
};

struct bw_symcache *symcache__new(void)
{
	struct bw_symcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nslots = 1024;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	return c;
}

void symcache__free(struct bw_symcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		free(c->slots[i].frames);
	free(c->slots);
	for (int i = 0; i < c->naliases; i++)
		free(c->aliases[i].syms);
	free(c->aliases);
	free(c);
}

static size_t slot_of(const struct bw_symcache *c, const char *key, uint64_t off)
{
	uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ULL ^ off * 0xff51afd7ed558ccdULL;

	h ^= h >> 29;
	return h & (c->nslots - 1);
}

static struct centry *cache_find(struct bw_symcache *c, const char *key, uint64_t off)
{
	for (size_t i = slot_of(c, key, off);; i = (i + 1) & (c->nslots - 1)) {
		struct centry *e = &c->slots[i];

		if (!e->key)
			return NULL;
		if (e->key == key && e->off == off)
			return e;
	}
}

static int cache_grow(struct bw_symcache *c)
{
	struct centry *old = c->slots;
	size_t nold = c->nslots;

	c->slots = calloc(nold * 2, sizeof(*c->slots));
	if (!c->slots) {
		c->slots = old;
		return -ENOMEM;
	}
	c->nslots = nold * 2;
	for (size_t i = 0; i < nold; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		j = slot_of(c, old[i].key, old[i].off);
		while (c->slots[j].key)
			j = (j + 1) & (c->nslots - 1);
		c->slots[j] = old[i];
	}
	free(old);
	return 0;
}

static struct centry *cache_insert(struct bw_symcache *c, const char *key, uint64_t off,
				   const struct cframe *frames, int n)
{
	struct centry *e;
	size_t i;

	if ((c->count + 1) * 10 > c->nslots * 7 && cache_grow(c) < 0)
		return NULL;
	i = slot_of(c, key, off);
	while (c->slots[i].key)
		i = (i + 1) & (c->nslots - 1);
	e = &c->slots[i];
	e->frames = malloc(n * sizeof(*frames));
	if (!e->frames)
		return NULL;
	memcpy(e->frames, frames, n * sizeof(*frames));
	e->key = key;
	e->off = off;
	e->n = n;
	c->count++;
	return e;
}

/* Name of a subprogram or inlined DIE: the demangled linkage name (full
 * Rust/C++ path) when there is one, else DW_AT_name (C). Both are looked up
 * through abstract_origin/specification. A Rust body the linkage name calls
 * "{{closure}}" gets DWARF's name for it ("{async_fn#0}"): async fns can
 * then be told from closures (rust_names.h). */
static const char *die_function(struct bw_process *proc, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;
	char buf[NAME_BUF];

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (name) {
		bw_demangle(name, buf, sizeof(buf));
		rust_name_body_kind(buf, sizeof(buf),
				    dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr)));
		return intern__str(proc->strings, buf);
	}
	name = dwarf_diename(die);
	return name ? intern__str(proc->strings, name) : NULL;
}

static const char *join_path(struct bw_process *proc, const char *dir, const char *file)
{
	char buf[NAME_BUF];

	if (!file)
		return NULL;
	return intern__str(proc->strings, path_join_tidy(dir, file, buf, sizeof(buf)));
}

static const char *symtab_function(struct bw_process *proc, Dwfl_Module *dwmod, uint64_t addr)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *name;
	char buf[NAME_BUF];

	name = dwfl_module_addrinfo(dwmod, addr, &off, &sym, NULL, NULL, NULL);
	/* A sizeless symbol far below the pc (stripped binaries keep only a
	 * few dynamic symbols) would name the wrong function. */
	if (!name || (sym.st_size == 0 && off > 0) || (sym.st_size && off >= sym.st_size))
		return NULL;
	bw_demangle(name, buf, sizeof(buf));
	return intern__str(proc->strings, buf);
}

static struct bw_dwarf_index *module_index(struct bw_module *mod)
{
	if (!mod->dwidx_done) {
		Dwarf_Addr bias = 0;
		Dwarf *dw = dwfl_module_getdwarf(mod->dwmod, &bias);

		mod->dwidx_done = true;
		mod->dwbias = bias;
		mod->dwidx = dw ? dwarf_index__new(dw) : NULL;
	}
	return mod->dwidx;
}

static void set_caller_site(struct bw_process *proc, Dwarf_Die *inl, Dwarf_Files *files,
			    const char *comp_dir, struct cframe *caller)
{
	Dwarf_Attribute attr;
	Dwarf_Word cf = 0, cl = 0;

	if (files && dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &cf) == 0)
		caller->file = join_path(proc, comp_dir, dwarf_filesrc(files, cf, NULL, NULL));
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &cl) == 0)
		caller->line = (int)cl;
}

/* Fills chain[] innermost first; the last entry is the physical function.
 * Returns the number of frames (>= 1). */
static int resolve(struct bw_process *proc, struct bw_module *mod, uint64_t addr,
		   struct cframe *chain, int max)
{
	struct bw_dwarf_index *idx = module_index(mod);
	Dwarf_Die cu, fn, inl[MAX_CHAIN];
	Dwarf_Files *files = NULL;
	const char *comp_dir = NULL;
	uint64_t daddr = addr - mod->dwbias;
	int found = idx ? dwarf_index__lookup(idx, daddr, &cu, &fn) : 0;
	int ninl = 0, n;

	memset(chain, 0, max * sizeof(*chain));
	if (found >= 1) {
		Dwarf_Attribute attr;
		Dwarf_Line *line = dwarf_getsrc_die(&cu, daddr);
		size_t nfiles;
		int lineno = 0;

		comp_dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
		if (dwarf_getsrcfiles(&cu, &files, &nfiles) != 0)
			files = NULL;
		if (line && dwarf_lineno(line, &lineno) == 0) {
			chain[0].file = join_path(proc, comp_dir, dwarf_linesrc(line, NULL, NULL));
			chain[0].line = lineno;
		}
	} else {
		/* No CU claims the pc: maybe line tables without DIE ranges. */
		Dwfl_Line *line = dwfl_module_getsrc(mod->dwmod, addr);
		int lineno = 0;
		const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;

		if (file) {
			chain[0].file = join_path(proc, dwfl_line_comp_dir(line), file);
			chain[0].line = lineno;
		}
	}
	if (found == 2)
		ninl = dwarf_index__inline_chain(&fn, daddr, inl, max - 1 < MAX_CHAIN ? max - 1 : MAX_CHAIN);
	/* inl[] is outermost first; frames are innermost first. Each inlined
	 * DIE names the callee frame and its call site is the caller's line. */
	n = ninl + 1;
	for (int i = 0; i < ninl; i++) {
		struct cframe *callee = &chain[ninl - 1 - i], *caller = &chain[ninl - i];

		callee->function = die_function(proc, &inl[i]);
		set_caller_site(proc, &inl[i], files, comp_dir, caller);
	}
	if (found == 2)
		chain[n - 1].function = die_function(proc, &fn);
	if (!chain[n - 1].function)
		chain[n - 1].function = symtab_function(proc, mod->dwmod, addr);
	return n;
}

static void fill_out(struct bw_frame *out, int n, const struct cframe *chain, int nchain,
		     uint64_t pc, const struct bw_module *mod)
{
	for (int i = 0; i < n; i++) {
		/* Keep the innermost frames and always the physical function. */
		const struct cframe *c = i == n - 1 ? &chain[nchain - 1] : &chain[i];

		out[i] = (struct bw_frame){
			.pc = pc,
			.function = c->function,
			.file = c->file,
			.line = c->line,
			.inlined = i != n - 1,
			.module = mod ? mod->name : NULL,
			.module_offset = mod ? pc - mod->bias : pc,
			.build_id = mod ? mod->build_id : NULL,
		};
	}
}

int process__symbolize(struct bw_process *proc, uint64_t pc, bool is_return,
		       struct bw_frame *out, int max)
{
	uint64_t addr = is_return && pc ? pc - 1 : pc;
	struct bw_module *mod;
	struct cframe chain[MAX_CHAIN];
	const struct centry *e;
	const char *key;
	int n;

	if (!proc || !out || max <= 0)
		return -EINVAL;
	mod = process__module_at(proc, addr);
	if (!mod) {
		process__maybe_refresh(proc);
		mod = process__module_at(proc, addr);
	}
	if (!mod) {
		fill_out(out, 1, &(struct cframe){ 0 }, 1, pc, NULL);
		return 1;
	}
	key = process__module_build_id(proc, mod);
	if (!key)
		key = mod->name;
	e = cache_find(proc->symcache, key, addr - mod->bias);
	if (e) {
		proc->symcache->hits++;
	} else {
		proc->symcache->misses++;
		n = resolve(proc, mod, addr, chain, MAX_CHAIN);
		e = cache_insert(proc->symcache, key, addr - mod->bias, chain, n);
		if (!e) {
			n = n < max ? n : max;
			fill_out(out, n, chain, n, pc, mod);
			return n;
		}
	}
	n = e->n < max ? e->n : max;
	fill_out(out, n, e->frames, e->n, pc, mod);
	return n;
}

void process__symbolize_stats(const struct bw_process *proc, uint64_t *hits, uint64_t *misses)
{
	*hits = proc ? proc->symcache->hits : 0;
	*misses = proc ? proc->symcache->misses : 0;
}

/*
 * Identical code folding: rust-lld merges functions whose machine code is
 * the same, so one body answers to several symbols (seen: <TcpStream as
 * Read>::read, UdpSocket::recv and UnixDatagram::recv at one address), and
 * DWARF describes it under one of them, not necessarily the one called.
 * The caller says which: a body reached from inside a trait's method (the
 * caller's inline chain runs through std::io::Read::read_exact) is that
 * trait's implementation, "<X as std::io::Read>::read". Only when exactly
 * one alias implements a trait the caller is in is the name replaced.
 */
static int by_addr(const void *a, const void *b)
{
	const struct sym_by_addr *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static struct alias_index *alias_index(struct bw_process *proc, struct bw_module *mod,
				       const char *key)
{
	struct bw_symcache *c = proc->symcache;
	struct alias_index *ai, *grown;
	int nsyms;

	for (int i = 0; i < c->naliases; i++)
		if (c->aliases[i].key == key)
			return &c->aliases[i];
	grown = realloc(c->aliases, (c->naliases + 1) * sizeof(*c->aliases));
	if (!grown)
		return NULL;
	c->aliases = grown;
	ai = &c->aliases[c->naliases++];
	*ai = (struct alias_index){ .key = key };
	nsyms = dwfl_module_getsymtab(mod->dwmod);
	if (nsyms <= 0 || nsyms > 4 * 1024 * 1024)
		return ai; /* none, or not a table we walk */
	ai->syms = calloc(nsyms, sizeof(*ai->syms));
	for (int i = 0; ai->syms && i < nsyms; i++) {
		GElf_Sym sym;
		GElf_Addr addr;

		if (!dwfl_module_getsym_info(mod->dwmod, i, &sym, &addr, NULL, NULL, NULL) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size)
			continue;
		ai->syms[ai->n++] = (struct sym_by_addr){ addr - mod->bias, i };
	}
	qsort(ai->syms, ai->n, sizeof(*ai->syms), by_addr);
	return ai;
}

/* The trait T of "<X as T>::method", copied into out; false otherwise. */
static bool impl_trait(const char *name, char *out, size_t len)
{
	const char *as = strstr(name, " as "), *end;

	if (name[0] != '<' || !as)
		return false;
	end = strstr(as, ">::");
	if (!end || (size_t)(end - as - 4) + 1 > len)
		return false;
	memcpy(out, as + 4, end - as - 4);
	out[end - as - 4] = 0;
	return true;
}

static bool caller_in_trait(const struct bw_frame *callers, int n, const char *trait)
{
	size_t len = strlen(trait);

	for (int i = 0; i < n; i++)
		if (callers[i].function && strncmp(callers[i].function, trait, len) == 0 &&
		    callers[i].function[len] == ':')
			return true;
	return false;
}

/* frame: a physical (not inlined) frame; callers: the inline chain of the
 * frame that called it, innermost first. */
static void name_folded_body(struct bw_process *proc, struct bw_frame *frame, bool is_return,
			     const struct bw_frame *callers, int ncallers)
{
	uint64_t addr = is_return && frame->pc ? frame->pc - 1 : frame->pc;
	struct bw_module *mod = process__module_at(proc, addr);
	const char *key, *pick = NULL;
	struct alias_index *ai;
	GElf_Off off;
	GElf_Sym sym;
	char trait[512], buf[NAME_BUF];
	int lo = 0, hi, count = 0;
	uint64_t start;

	if (!mod || !mod->dwmod || !dwfl_module_addrinfo(mod->dwmod, addr, &off, &sym, NULL, NULL,
							   NULL))
		return;
	key = process__module_build_id(proc, mod);
	ai = alias_index(proc, mod, key ? key : mod->name);
	if (!ai || !ai->n)
		return;
	start = addr - off - mod->bias;
	hi = ai->n;
	while (lo < hi) { /* first symbol at start */
		int mid = (lo + hi) / 2;

		if (ai->syms[mid].addr < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo + 1 >= ai->n || ai->syms[lo + 1].addr != start)
		return; /* one name: nothing was folded here */
	for (int i = lo; i < ai->n && ai->syms[i].addr == start && count < 64; i++, count++) {
		const char *name = dwfl_module_getsym_info(mod->dwmod, ai->syms[i].index, &sym,
							   &(GElf_Addr){ 0 }, NULL, NULL, NULL);

		if (!name)
			continue;
		bw_demangle(name, buf, sizeof(buf));
		if (!impl_trait(buf, trait, sizeof(trait)) ||
		    !caller_in_trait(callers, ncallers, trait))
			continue;
		if (pick && strcmp(pick, buf) != 0)
			return; /* two implementations of that trait: cannot tell */
		pick = intern__str(proc->strings, buf);
	}
	if (pick)
		frame->function = pick;
}

void process__name_folded_bodies(struct bw_process *proc, struct bw_frame *frames, int n)
{
	bool first_physical = true;

	for (int i = 0; i < n; i++) {
		int j;

		if (frames[i].inlined)
			continue;
		/* the caller's chain: up to and including its physical frame */
		for (j = i + 1; j < n && frames[j].inlined; j++)
			;
		if (i + 1 < n)
			name_folded_body(proc, &frames[i], !first_physical, &frames[i + 1],
					 (j < n ? j + 1 : n) - (i + 1));
		first_physical = false;
	}
}
