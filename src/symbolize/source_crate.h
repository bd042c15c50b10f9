/* Which crate's sources a DWARF file path lies in, read from the path the
 * way cargo lays sources out, for any version: ".../<crate>-<version>/src/..."
 * (the registry, `cargo vendor`, an unpacked release: ".../tokio-1.49.0/src/")
 * or, inside a git checkout (".../git/checkouts/..."), ".../<crate>/src/...".
 * Blame (is a frame library code?) and the runtime profiles (is it the
 * runtime's?) both decide by this one reading. */
#ifndef BW_SOURCE_CRATE_H
#define BW_SOURCE_CRATE_H

#include <stdbool.h>
#include <stddef.h>

struct source_crates {
	const char *file, *at;
	bool git;
};

void source_crates__init(struct source_crates *it, const char *file);
/* The next crate directory on the path, outermost first, its name written
 * with '-' read as '_' ("tokio-util" dir, "tokio_util" crate). False when
 * there is none left. A directory that is no crate's ("tests/tokio-1.49/x/"
 * holds no src/ of its own) is skipped. */
bool source_crates__next(struct source_crates *it, char *crate, size_t size);

#endif
