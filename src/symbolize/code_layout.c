#include "symbolize/code_layout.h"

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "util/safe_file.h"

/*
 * Not a disassembler: a scan for two instruction shapes, which is all the
 * question needs and keeps the bytes of a hostile binary away from a large
 * decoder.
 *   load:    [REX.W(.R)] 8B /r, mod 00/01/10, r/m = a register holding self
 *            (mov r64, [self + disp0/8/32])
 *   copy:    [REX.W] 89 /r or 8B /r with mod 11 (mov r64, r64), from a self
 *            register: the copy holds self too
 *   locked:  F0 [REX] 0F B0/B1 /r, mod 00/01/10, r/m = a register loaded by
 *            a load (lock cmpxchg [field + disp], r)
 * A byte pattern may also occur inside another instruction; requiring a load
 * from self followed, within the scanned window, by a locked instruction on
 * exactly the loaded register, and a field offset that is pointer-aligned
 * and small, keeps such accidents out in practice. The caller names the
 * function, so the window is a handful of instructions.
 */

enum { REG_RDI = 7, REG_RSP = 4, REG_RBP = 5, NREGS = 16 };
#define MAX_FIELD_OFFSET 4096

/* mod and r/m of a memory operand that is a plain base register (no SIB,
 * no RIP-relative): its displacement size, or -1. */
static int mem_disp_size(uint8_t modrm, int base_low3)
{
	int mod = modrm >> 6;

	if (mod == 3 || base_low3 == REG_RSP)
		return -1; /* register operand, or a SIB byte follows */
	if (mod == 0)
		return base_low3 == REG_RBP ? -1 : 0; /* RIP-relative */
	return mod == 1 ? 1 : 4;
}

static int64_t read_disp(const uint8_t *p, int size)
{
	if (size == 1)
		return (int8_t)p[0];
	if (size == 4)
		return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				 (uint32_t)p[3] << 24);
	return 0;
}

int code_field_locked_through(const uint8_t *code, size_t len, uint64_t *out)
{
	bool self[NREGS] = { [REG_RDI] = true };
	int64_t loaded[NREGS];

	if (!code || !out)
		return -EINVAL;
	for (int r = 0; r < NREGS; r++)
		loaded[r] = -1;
	for (size_t i = 0; i + 3 < len; i++) {
		const uint8_t *p = code + i;

		/* REX.W mov r64, r/m64 (8B) or mov r/m64, r64 (89) */
		if ((p[0] & 0xfa) == 0x48 && (p[1] == 0x8b || p[1] == 0x89)) {
			int reg = (p[2] >> 3 & 7) | (p[0] & 4 ? 8 : 0);
			int rm = (p[2] & 7) | (p[0] & 1 ? 8 : 0);
			int dsize = mem_disp_size(p[2], p[2] & 7);

			if (p[2] >> 6 == 3) { /* register to register */
				int from = p[1] == 0x8b ? rm : reg, to = p[1] == 0x8b ? reg : rm;

				self[to] = self[from];
				loaded[to] = loaded[from];
				continue;
			}
			if (p[1] == 0x8b && dsize >= 0 && self[rm] && i + 3 + dsize <= len) {
				int64_t disp = read_disp(p + 3, dsize);

				if (disp >= 0 && disp < MAX_FIELD_OFFSET && disp % 8 == 0) {
					loaded[reg] = disp;
					self[reg] = false;
				}
			}
			continue;
		}
		/* lock [REX] cmpxchg r/m, r */
		if (p[0] == 0xf0) {
			const uint8_t *q = p + 1;
			int rex_b = 0;

			if ((q[0] & 0xf0) == 0x40) {
				rex_b = q[0] & 1 ? 8 : 0;
				q++;
			}
			if (q + 2 >= code + len || q[0] != 0x0f || (q[1] != 0xb0 && q[1] != 0xb1))
				continue;
			if (mem_disp_size(q[2], q[2] & 7) < 0)
				continue;
			int base = (q[2] & 7) | rex_b;

			if (loaded[base] >= 0) {
				*out = (uint64_t)loaded[base];
				return 0;
			}
		}
	}
	return -ENOENT;
}

int code_field_locked_through_file(const char *elf_path, uint64_t file_offset, uint64_t *out)
{
#if defined(__x86_64__)
	uint8_t code[160];
	ssize_t n;
	int fd, rc;

	fd = open_regular(elf_path, 0, BW_MAX_INPUT_FILE);
	if (fd < 0)
		return fd;
	n = pread(fd, code, sizeof(code), (off_t)file_offset);
	rc = n < 0 ? -errno : n == 0 ? -ENOENT : code_field_locked_through(code, (size_t)n, out);
	close(fd);
	return rc;
#else
	(void)elf_path;
	(void)file_offset;
	(void)out;
	return -ENOTSUP;
#endif
}
