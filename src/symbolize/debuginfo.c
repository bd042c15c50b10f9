/* Opening a binary's DWARF through libdwfl, whose standard debuginfo search
 * already implements both conventions for separate debug files (build-id and
 * .gnu_debuglink, checking that the build-ids match). We only check the cases
 * libdwfl reports vaguely (missing file, not ELF, no DWARF anywhere) first, so
 * each gets a one-line message that says what to do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

#include "symbolize/debuginfo.h"
#include "symbolize/debuglink.h"
#include "util/escape.h"
#include "util/safe_file.h"

struct debuginfo {
	Dwfl_Callbacks callbacks; /* libdwfl keeps a pointer: must outlive dwfl */
	char *search_path;
	Dwfl *dwfl;
	Dwarf *dw; /* owned by dwfl */
	const char *file;
	char hint[256];
};

/* "\177ELF"? Distinguishes "not a binary" from libdwfl's generic errors.
 * Returns the open fd (a regular file below the size cap, opened without
 * blocking) or negative errno with err set. */
static int open_elf_file(const char *path, char *err, size_t errlen)
{
	unsigned char magic[4] = {};
	int fd = open_regular(path, 0, BW_MAX_INPUT_FILE);

	if (fd == -EISDIR) {
		snprintf(err, errlen, "%s is a directory; give the path of a compiled binary", path);
		return fd;
	}
	if (fd == -EINVAL || fd == -EFBIG) {
		snprintf(err, errlen, "%s is %s; give the path of a compiled binary", path,
			 fd == -EINVAL ? "not a regular file" : "larger than any binary blockwatch reads");
		return fd;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-fd));
		return fd;
	}
	if (pread(fd, magic, sizeof(magic), 0) != sizeof(magic) || memcmp(magic, "\177ELF", 4)) {
		close(fd);
		snprintf(err, errlen, "%s is not an ELF file; give the path of a compiled binary",
			 path);
		return -ENOEXEC;
	}
	return fd;
}

/* "build-id 1a2b..., .gnu_debuglink app.debug" for the no-DWARF message. */
static void describe_lookup(Dwfl_Module *mod, char *buf, size_t len)
{
	const unsigned char *id;
	GElf_Addr vaddr, bias;
	const char *link = NULL;
	GElf_Word crc;
	Elf *elf;
	int n, off = 0;

	n = dwfl_module_build_id(mod, &id, &vaddr);
	if (n > 0) {
		off += snprintf(buf + off, len - off, "build-id ");
		for (int i = 0; i < n && off + 3 < (int)len; i++)
			off += snprintf(buf + off, len - off, "%02x", id[i]);
	} else {
		off += snprintf(buf + off, len - off, "no build-id");
	}
	elf = dwfl_module_getelf(mod, &bias);
	if (elf)
		link = dwelf_elf_gnu_debuglink(elf, &crc);
	/* the name is the target's: shown escaped, it may hold anything */
	snprintf(buf + off, len - off, ", %s%s%s", link ? ".gnu_debuglink " : "no .gnu_debuglink",
		 link ? esc_text(link) : "",
		 link && !debuglink__name_ok(link) ? " (ignored: not a plain file name)" : "");
}

struct debuginfo *debuginfo__open(const char *path, const char *debug_dir, char *err,
				  size_t errlen)
{
	struct debuginfo *d = NULL;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	const char *debugfile = NULL, *mainfile = NULL;
	int fd = open_elf_file(path, err, errlen);

	if (fd < 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		goto nomem;
	}
	/* libdwfl's path syntax: "" is the binary's own directory, relative
	 * entries are below it, absolute ones are roots holding .build-id/ and
	 * mirrored paths. debuglink__find reads it, never following a
	 * debuglink outside these places, and checks build-id or CRC. */
	if (asprintf(&d->search_path, ":.debug%s%s:/usr/lib/debug", debug_dir ? ":" : "",
		     debug_dir ? debug_dir : "") < 0) {
		d->search_path = NULL;
		close(fd);
		goto nomem;
	}
	d->callbacks = (Dwfl_Callbacks){
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = debuglink__find,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &d->search_path,
	};
	d->dwfl = dwfl_begin(&d->callbacks);
	if (!d->dwfl) {
		close(fd);
		goto dwfl_error;
	}
	dwfl_report_begin(d->dwfl);
	mod = dwfl_report_offline(d->dwfl, path, path, fd); /* takes fd on success */
	dwfl_report_end(d->dwfl, NULL, NULL);
	if (!mod) {
		close(fd);
		goto dwfl_error;
	}
	debuglink__attach(mod, &d->search_path);
	describe_lookup(mod, d->hint, sizeof(d->hint));
	d->dw = dwfl_module_getdwarf(mod, &bias);
	if (!d->dw) {
		snprintf(err, errlen,
			 "%s has no DWARF debug info and no separate debug file was found (%s); "
			 "pass --debug-dir DIR, install its debug file under /usr/lib/debug, "
			 "or rebuild with debug = true in [profile.release]",
			 path, d->hint);
		goto fail;
	}
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	d->file = debugfile ? debugfile : mainfile ? mainfile : path;
	return d;

nomem:
	snprintf(err, errlen, "out of memory reading %s", path);
	goto fail;
dwfl_error:
	snprintf(err, errlen, "%s: cannot read ELF: %s", path, dwfl_errmsg(-1));
fail:
	debuginfo__free(d);
	return NULL;
}

void debuginfo__free(struct debuginfo *d)
{
	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->search_path);
	free(d);
}

Dwarf *debuginfo__dwarf(const struct debuginfo *d)
{
	return d->dw;
}

const char *debuginfo__file(const struct debuginfo *d)
{
	return d->file;
}

const char *debuginfo__lookup_hint(const struct debuginfo *d)
{
	return d->hint;
}
