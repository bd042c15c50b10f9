/* Finding the DWARF of a binary: in the binary itself, or in a separate debug
 * file found through its build-id (DIR/.build-id/xx/rest.debug) or its
 * .gnu_debuglink (next to the binary, in .debug/, or under DIR). */
#ifndef BW_SYMBOLIZE_DEBUGINFO_H
#define BW_SYMBOLIZE_DEBUGINFO_H

#include <stddef.h>

#include <elfutils/libdw.h>

struct debuginfo;

/* debug_dir: extra root searched before /usr/lib/debug (NULL: none). On
 * failure returns NULL and writes a one-line message (without the
 * "blockwatch: " prefix) that says what to do into err. */
struct debuginfo *debuginfo__open(const char *path, const char *debug_dir, char *err,
				  size_t errlen);
void debuginfo__free(struct debuginfo *d); /* NULL-safe */

Dwarf *debuginfo__dwarf(const struct debuginfo *d);
/* The file the DWARF was read from (the binary itself or its debug file). */
const char *debuginfo__file(const struct debuginfo *d);
/* Where separate debug info would be looked for, e.g. "build-id 1a2b..., debuglink
 * app.debug", for messages. */
const char *debuginfo__lookup_hint(const struct debuginfo *d);

#endif
