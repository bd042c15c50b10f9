/* Finding functions by (demangled) name in one ELF file, reporting file
 * offsets for uprobe attach: the kernel wants the offset in the file, which
 * is vaddr - p_vaddr + p_offset of the PT_LOAD that holds the symbol. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/safe_file.h"
#include "demangle.h"
#include "symbolize.h"

static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum) != 0)
		return -ENOEXEC;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static bool matches(const char *name, const char *const *patterns, int npatterns)
{
	for (int i = 0; i < npatterns; i++)
		if (patterns[i] && strstr(name, patterns[i]))
			return true;
	return false;
}

static bool seen_before(const uint64_t *seen, int nseen, uint64_t off)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i] == off)
			return true;
	return false;
}

int elf_find_symbols(const char *elf_path, const char *const *patterns, int npatterns,
		     symbol_match_cb cb, void *ctx)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	uint64_t *seen = NULL;
	int nseen = 0, cap = 0, err = 0;
	char name_buf[4096];
	int fd;

	if (!elf_path || !patterns || npatterns <= 0)
		return -EINVAL;
	elf_version(EV_CURRENT);
	fd = open_regular(elf_path, 0, BW_MAX_INPUT_FILE); /* no FIFO, no device */
	if (fd < 0)
		return fd;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t count;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		count = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym sym;
			const char *raw;
			uint64_t off;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
				continue;
			raw = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!raw || !*raw)
				continue;
			bw_demangle(raw, name_buf, sizeof(name_buf));
			if (!matches(name_buf, patterns, npatterns) ||
			    vaddr_to_offset(elf, sym.st_value, &off) < 0)
				continue;
			/* .symtab repeats .dynsym entries: report each once. */
			if (seen_before(seen, nseen, off))
				continue;
			if (nseen == cap) {
				int ncap = cap ? cap * 2 : 16;
				uint64_t *ns = realloc(seen, ncap * sizeof(*seen));

				if (!ns) {
					err = -ENOMEM;
					goto cleanup;
				}
				seen = ns;
				cap = ncap;
			}
			seen[nseen++] = off;
			if (cb)
				cb(name_buf, off, ctx);
		}
	}
cleanup:
	free(seen);
	elf_end(elf);
	close(fd);
	return err ? err : nseen;
}
