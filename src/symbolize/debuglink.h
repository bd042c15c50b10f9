/* Finding a module's separate debug file without trusting the target: the
 * one libdwfl find_debuginfo callback of blockwatch (symbolize/debuginfo.c,
 * unwind/process.c). Compared with dwfl_standard_find_debuginfo:
 *   - a .gnu_debuglink name is a file name only: one with '/', "." or ".."
 *     is ignored (it named ../../../etc/shadow);
 *   - it is looked for only in the standard places: beside the binary, in
 *     its .debug/ folder, and under each absolute debug folder (mirrored
 *     path or directly), and build-ids only under absolute debug folders;
 *   - files are opened with open_regular (O_NONBLOCK, regular files only,
 *     size cap; O_NOFOLLOW beside the binary, where its owner writes), so a
 *     FIFO cannot hang the tracer;
 *   - a debuglink candidate must match the binary's build-id or, without
 *     one, the debuglink CRC.
 * The search path has libdwfl's syntax (":.debug:/usr/lib/debug:DIR..."); it
 * is read from the module's user data slot, set with debuglink__attach. */
#ifndef BW_SYMBOLIZE_DEBUGLINK_H
#define BW_SYMBOLIZE_DEBUGLINK_H

#include <stdbool.h>

#include <elfutils/libdwfl.h>

int debuglink__find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		    char **debuginfo_file_name);
/* Makes debuglink__find use *search_path (owned by the caller, may be
 * replaced later) for mod. */
void debuglink__attach(Dwfl_Module *mod, char **search_path);
/* A .gnu_debuglink value usable as a file name (no '/', not "." or ".."). */
bool debuglink__name_ok(const char *name);

#endif
