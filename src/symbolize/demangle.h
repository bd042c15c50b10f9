/* Symbol name demangling for display: Rust (legacy and v0) and C++ through
 * libiberty, with Rust legacy hashes stripped. */
#ifndef BW_DEMANGLE_H
#define BW_DEMANGLE_H

#include <stddef.h>

/* Writes the display form of `name` into buf (always NUL-terminated, also
 * when name is not mangled, then it is copied). Returns strlen(buf). */
size_t bw_demangle(const char *name, char *buf, size_t size);

/* Removes a trailing "::h<16 hex digits>" Rust legacy hash in place. */
void bw_strip_rust_hash(char *name);

#endif
