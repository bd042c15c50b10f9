/* Unwinding a copied user stack with libdwfl's DWARF CFI unwinder.
 *
 * libdwfl pulls registers and memory through Dwfl_Thread_Callbacks; we
 * attach once per process (dwfl_attach_state may be called once per Dwfl)
 * and point the callbacks at the sample being unwound through proc->cur.
 * Memory comes from the stack copy, or for read-only file mappings from the
 * ELF file image; anything else is reported as the end of the copy.
 * When a pc has no CFI, libdwfl's x86-64 backend falls back to frame
 * pointers by itself (ebl unwind), which is our frame-pointer path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>

#include <elfutils/libdwfl.h>

#include "process_internal.h"

static const char *const stop_names[UNWIND_STOP_NR] = {
	[UNWIND_STOP_END] = "end",
	[UNWIND_STOP_END_OF_COPY] = "end-of-copy",
	[UNWIND_STOP_NO_CFI] = "no-cfi",
	[UNWIND_STOP_BAD_ADDRESS] = "bad-address",
	[UNWIND_STOP_MAX_DEPTH] = "max-depth",
	[UNWIND_STOP_ERROR] = "error",
};

const char *unwind_stop__name(enum unwind_stop why)
{
	return (unsigned)why < UNWIND_STOP_NR ? stop_names[why] : "unknown";
}

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct bw_process *proc = arg;

	if (*thread_argp || !proc->cur)
		return 0;
	*thread_argp = proc;
	return proc->cur->tid;
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg; /* any tid: the sample is the thread */
	return true;
}

/* Read-only file-backed memory (.text, .rodata, .eh_frame) equals the file
 * contents, so CFI expressions that look there still work offline. */
static bool read_from_file(struct bw_process *proc, uint64_t addr, Dwarf_Word *out)
{
	const struct bw_mapping *m = process__mapping_at(proc, addr);
	struct bw_module *mod;
	GElf_Addr bias;
	Elf *elf;
	char *raw;
	size_t size;
	uint64_t off;

	if (!m || m->module < 0 || m->perms[1] == 'w' || addr + 8 > m->end)
		return false;
	mod = &proc->modules[m->module];
	if (!mod->dwmod || !(elf = dwfl_module_getelf(mod->dwmod, &bias)))
		return false;
	raw = elf_rawfile(elf, &size);
	off = addr - m->start + m->offset;
	if (!raw || off + 8 > size)
		return false;
	memcpy(out, raw + off, 8);
	return true;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct bw_process *proc = arg;
	const struct bw_stack_sample *s = proc->cur;
	uint64_t sp = s->regs[BW_REG_SP];

	if (addr >= sp && addr - sp + 8 <= s->stack_len) {
		memcpy(result, s->stack + (addr - sp), 8);
		return true;
	}
	if (read_from_file(proc, addr, result))
		return true;
	/* A read just past the copied bytes means the copy was too short.
	 * libdwfl does not fail on it: it marks registers undefined and ends
	 * the walk as if it were complete, so remember it for the verdict. */
	if (addr >= sp + s->stack_len && addr - sp < s->stack_len + (8u << 20))
		proc->cur_oob = true;
	return false;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct bw_process *proc = arg;
	const struct bw_stack_sample *s = proc->cur;
	Dwarf_Word regs[BW_REG_IP];

	if (proc->cur_partial) {
		/* Unknown registers stay undefined rather than 0, so a rule
		 * that needs them fails cleanly instead of inventing frames. */
		regs[0] = s->regs[BW_REG_SP];
		if (!dwfl_thread_state_registers(thread, BW_REG_SP, 1, regs))
			return false;
		/* rbp, when known, carries walks through frame-pointer code */
		regs[0] = s->regs[BW_REG_BP];
		if (regs[0] && !dwfl_thread_state_registers(thread, BW_REG_BP, 1, regs))
			return false;
	} else {
		for (int i = 0; i < BW_REG_IP; i++)
			regs[i] = s->regs[i];
		if (!dwfl_thread_state_registers(thread, 0, BW_REG_IP, regs))
			return false;
	}
	dwfl_thread_state_register_pc(thread, s->regs[BW_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

struct walk {
	struct bw_process *proc;
	uint64_t *pcs;
	int max, n;
	enum unwind_stop aborted; /* why frame_cb stopped the walk */
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation)) {
		w->aborted = UNWIND_STOP_ERROR;
		return DWARF_CB_ABORT;
	}
	if (w->n >= w->max) {
		w->aborted = UNWIND_STOP_MAX_DEPTH;
		return DWARF_CB_ABORT;
	}
	/* pc 0 marks the outermost frame on some stacks (e.g. clone'd
	 * threads without CFI for the start routine). */
	if (pc == 0 && w->n > 0) {
		w->aborted = UNWIND_STOP_END; /* checked again by the caller */
		return DWARF_CB_ABORT;
	}
	w->pcs[w->n++] = pc;
	return DWARF_CB_OK;
}

/* sp and ip, and maybe rbp: what /proc and the syscall-entry probe give
 * for a thread that is asleep right now. */
static bool regs_partial(const struct bw_stack_sample *s)
{
	for (int i = 0; i < BW_NREGS; i++)
		if (i != BW_REG_SP && i != BW_REG_IP && i != BW_REG_BP && s->regs[i])
			return false;
	return true;
}

static bool module_has_cfi(struct bw_module *mod)
{
	Dwarf_Addr bias;

	if (mod->cfi < 0)
		mod->cfi = dwfl_module_eh_cfi(mod->dwmod, &bias) ||
			   dwfl_module_dwarf_cfi(mod->dwmod, &bias);
	return mod->cfi > 0;
}

/* True when the CFI for pc says the return address is undefined: the
 * toolchain's explicit "outermost frame" mark (_start, thread start). */
static bool cfi_marks_outermost(struct bw_module *mod, uint64_t pc)
{
	Dwarf_CFI *cfis[2];
	Dwarf_Addr bias[2] = { 0, 0 };

	cfis[0] = dwfl_module_eh_cfi(mod->dwmod, &bias[0]);
	cfis[1] = dwfl_module_dwarf_cfi(mod->dwmod, &bias[1]);
	for (int i = 0; i < 2; i++) {
		Dwarf_Frame *frame = NULL;
		Dwarf_Op ops_mem[3], *ops = NULL;
		size_t nops = 1;
		bool undefined;
		int ra;

		if (!cfis[i] || dwarf_cfi_addrframe(cfis[i], pc - bias[i], &frame) != 0)
			continue;
		ra = dwarf_frame_info(frame, NULL, NULL, NULL);
		undefined = ra >= 0 && dwarf_frame_register(frame, ra, ops_mem, &ops, &nops) == 0 &&
			    nops == 0 && ops == ops_mem;
		free(frame);
		return undefined;
	}
	return false;
}

/* Why the walk ended. ended: libdwfl (or pc 0) said "outermost frame",
 * which it also says when memory or a module was missing, so check those
 * first. */
static enum unwind_stop classify_stop(struct bw_process *proc, const struct walk *w, bool ended)
{
	uint64_t last = w->pcs[w->n - 1];
	struct bw_module *mod = process__module_at(proc, w->n > 1 ? last - 1 : last);

	if (!mod)
		return UNWIND_STOP_BAD_ADDRESS;
	if (proc->cur_oob)
		return UNWIND_STOP_END_OF_COPY;
	/* With all registers a walk that ends did reach the end as far as
	 * CFI can tell; with only sp/ip it may just have lacked rbp. */
	if (ended && (!proc->cur_partial || cfi_marks_outermost(mod, w->n > 1 ? last - 1 : last)))
		return UNWIND_STOP_END;
	if (ended && proc->cur_partial)
		return UNWIND_STOP_ERROR;
	if (!module_has_cfi(mod))
		return UNWIND_STOP_NO_CFI;
	return UNWIND_STOP_ERROR;
}

static int unwind_once(struct bw_process *proc, const struct bw_stack_sample *sample,
		       uint64_t *pcs, int max, enum unwind_stop *why)
{
	struct walk w = { .proc = proc, .pcs = pcs, .max = max };
	enum unwind_stop stop = UNWIND_STOP_ERROR;
	uint64_t ip;
	int rc;

	if (!proc || !sample || !pcs || max <= 0)
		return -EINVAL;
	ip = sample->regs[BW_REG_IP];
	if (!ip) {
		stop = UNWIND_STOP_BAD_ADDRESS;
		goto cleanup;
	}
	if (!process__module_at(proc, ip))
		process__maybe_refresh(proc);
	if (!proc->attached) {
		/* Needs at least one module to learn the architecture. */
		if (!dwfl_attach_state(proc->dwfl, NULL, proc->pid, &thread_callbacks, proc)) {
			pcs[0] = ip;
			w.n = 1;
			stop = process__module_at(proc, ip) ? UNWIND_STOP_ERROR
							    : UNWIND_STOP_BAD_ADDRESS;
			goto cleanup;
		}
		proc->attached = true;
	}
	proc->cur = sample;
	proc->cur_oob = false;
	proc->cur_partial = regs_partial(sample);
	rc = dwfl_getthread_frames(proc->dwfl, sample->tid ? sample->tid : proc->pid,
				   frame_cb, &w);
	proc->cur = NULL;
	if (w.n == 0) { /* not even the initial frame: still report ip */
		pcs[0] = ip;
		w.n = 1;
	}
	/* libdwfl ends the walk "normally" when it cannot read a return
	 * address or has no module for a pc, so check both before calling it
	 * the outermost frame. */
	if (rc == DWARF_CB_ABORT && w.aborted != UNWIND_STOP_END)
		stop = w.aborted;
	else
		stop = classify_stop(proc, &w, rc == 0 || rc == DWARF_CB_ABORT);
cleanup:
	proc->unwinds++;
	proc->stops[stop]++;
	if (why)
		*why = stop;
	return w.n;
}

int process__unwind(struct bw_process *proc, const struct bw_stack_sample *sample,
		    uint64_t *pcs, int max, enum unwind_stop *why)
{
	enum unwind_stop stop;
	int n = unwind_once(proc, sample, pcs, max, &stop);

	/* A return address in no known module: a library mapped since the
	 * maps were read (dlopen; read while the loader was still mapping
	 * it). Read them again (at most every 100 ms) and walk once more. */
	if (n > 0 && stop == UNWIND_STOP_BAD_ADDRESS && process__maybe_refresh(proc)) {
		proc->unwinds--; /* one sample, one unwind in the stats */
		proc->stops[stop]--;
		n = unwind_once(proc, sample, pcs, max, &stop);
	}
	if (why)
		*why = stop;
	return n;
}

void process__unwind_stats(const struct bw_process *proc, uint64_t *unwinds,
			   uint64_t stops[UNWIND_STOP_NR])
{
	if (unwinds)
		*unwinds = proc ? proc->unwinds : 0;
	for (int i = 0; stops && i < UNWIND_STOP_NR; i++)
		stops[i] = proc ? proc->stops[i] : 0;
}
