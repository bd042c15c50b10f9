/* Field offsets read from machine code, for binaries without type DWARF.
 *
 * A line-tables-only build (debug = "line-tables-only", what many projects
 * ship) names functions and lines but describes no struct. Where a field's
 * offset is needed and a small, stable function is known to load that field
 * and immediately use it, the load in the function's first instructions
 * tells the offset. x86-64 only; other architectures return -ENOTSUP. */
#ifndef BW_CODE_LAYOUT_H
#define BW_CODE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* In code (the first bytes of a function whose first argument, rdi, points
 * to a struct): the offset of the pointer field that is loaded from the
 * struct (directly or through a register copy of rdi) and then used as the
 * base address of a `lock cmpxchg` (a mutex or atomic inside the pointee).
 * Returns 0 with *out set, -ENOENT when no such pair is found, -EINVAL for
 * bad arguments. Reads only code[0..len). */
int code_field_locked_through(const uint8_t *code, size_t len, uint64_t *out);

/* The same, for the function at file_offset of elf_path: reads at most its
 * first 160 bytes. */
int code_field_locked_through_file(const char *elf_path, uint64_t file_offset, uint64_t *out);

#endif
