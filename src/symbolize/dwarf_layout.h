/* Field offsets of Rust types from DWARF (rustc reorders fields per build). */
#ifndef BW_DWARF_LAYOUT_H
#define BW_DWARF_LAYOUT_H

#include <stdint.h>

/* Byte offset of `field` in the structure named by type_path ("a::b::T"),
 * from the binary's DWARF or its separate debug file. Returns 0, -ENODATA
 * when there is no DWARF, -ENOENT when the type or field is not described. */
int dwarf_field_offset(const char *elf_path, const char *type_path, const char *field,
		       uint64_t *out);

#endif
