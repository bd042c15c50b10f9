#include "symbolize/debuglink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <elfutils/libdwelf.h>

#include "util/safe_file.h"

#define DEFAULT_PATH ":.debug:/usr/lib/debug"

bool debuglink__name_ok(const char *name)
{
	size_t n = name ? strnlen(name, NAME_MAX + 1) : 0;

	return n > 0 && n <= NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

void debuglink__attach(Dwfl_Module *mod, char **search_path)
{
	void **slot = NULL;

	if (mod && dwfl_module_info(mod, &slot, NULL, NULL, NULL, NULL, NULL, NULL) && slot)
		*slot = search_path;
}

/* 1 when the candidate's build-id equals want, 0 when it differs, -1 when
 * the candidate has none (or is not ELF). */
static int same_build_id(int fd, const unsigned char *want, int nwant)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *id = NULL;
	ssize_t n;
	int rc = -1;

	if (!elf)
		return -1;
	n = elf_kind(elf) == ELF_K_ELF ? dwelf_elf_gnu_build_id(elf, &id) : -1;
	if (n > 0)
		rc = n == nwant && memcmp(id, want, n) == 0;
	elf_end(elf);
	return rc;
}

static bool crc_matches(int fd, GElf_Word want)
{
	static __thread unsigned char buf[1 << 16];
	uLong crc = crc32(0, NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		crc = crc32(crc, buf, n);
		off += n;
	}
	return n == 0 && (GElf_Word)crc == want;
}

/* Opens path as the debug file of mod, or returns -1. */
static int try_candidate(const char *path, int flags, Dwfl_Module *mod, const struct stat *self,
			 bool by_build_id, GElf_Word crc, char **found)
{
	const unsigned char *id = NULL;
	GElf_Addr vaddr;
	struct stat st;
	int nid, fd = open_regular(path, flags, BW_MAX_INPUT_FILE), same;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && self && st.st_dev == self->st_dev && st.st_ino == self->st_ino)
		goto reject; /* the binary itself */
	nid = dwfl_module_build_id(mod, &id, &vaddr);
	same = nid > 0 ? same_build_id(fd, id, nid) : -1;
	if (same == 0)
		goto reject;
	if (same < 0 && (by_build_id || !crc_matches(fd, crc)))
		goto reject;
	*found = strdup(path);
	return fd;
reject:
	close(fd);
	return -1;
}

int debuglink__find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		    char **debuginfo_file_name)
{
	char **pp = userdata ? *userdata : NULL;
	const char *search = pp && *pp ? *pp : DEFAULT_PATH;
	char *copy = strdup(search), *dir = NULL, *tok, *save = NULL, path[PATH_MAX];
	const unsigned char *id = NULL;
	struct stat self_st, *self = NULL;
	GElf_Addr vaddr;
	int nid = dwfl_module_build_id(mod, &id, &vaddr), fd = -1;
	bool link_ok = debuglink__name_ok(debuglink_file);

	if (!copy)
		return -1;
	if (file_name) {
		char *slash;

		dir = strchr(file_name, '/') ? strdup(file_name) : strdup("./x");
		slash = dir ? strrchr(dir, '/') : NULL;
		if (slash)
			slash[slash == dir] = '\0'; /* "/app" -> "/", "bin/app" -> "bin" */
		if (stat(file_name, &self_st) == 0)
			self = &self_st;
	}
	for (tok = strtok_r(copy, ":", &save); tok && fd < 0; tok = strtok_r(NULL, ":", &save)) {
		if (tok[0] == '-' || tok[0] == '+')
			tok++; /* libdwfl's CRC switches: we always check */
		if (tok[0] != '/')
			continue;
		/* build-id first: DIR/.build-id/xx/rest.debug */
		if (nid > 1) {
			int off = snprintf(path, sizeof(path), "%s/.build-id/%02x/", tok, id[0]);

			for (int i = 1; i < nid && off < (int)sizeof(path) - 3; i++)
				off += snprintf(path + off, sizeof(path) - off, "%02x", id[i]);
			if (off < (int)sizeof(path) - 7) {
				strcat(path, ".debug");
				fd = try_candidate(path, 0, mod, self, true, 0, debuginfo_file_name);
			}
		}
	}
	free(copy);
	copy = link_ok ? strdup(search) : NULL;
	save = copy;
	/* strsep, not strtok: an empty entry means the binary's own folder */
	while (save && fd < 0) {
		tok = strsep(&save, ":");
		if (tok[0] == '-' || tok[0] == '+')
			tok++;
		if (tok[0] == '/') { /* a root: mirrored path, then directly */
			if (dir && dir[0] == '/' && snprintf(path, sizeof(path), "%s%s/%s", tok, dir, debuglink_file) <
					   (int)sizeof(path))
				fd = try_candidate(path, 0, mod, self, false, debuglink_crc,
						   debuginfo_file_name);
			if (fd < 0 && snprintf(path, sizeof(path), "%s/%s", tok, debuglink_file) <
					      (int)sizeof(path))
				fd = try_candidate(path, 0, mod, self, false, debuglink_crc,
						   debuginfo_file_name);
			continue;
		}
		if (!dir || strstr(tok, "..")) /* beside the binary, or in its .debug/ */
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s/%s", dir, tok[0] ? "/" : "", tok,
			     debuglink_file) < (int)sizeof(path))
			fd = try_candidate(path, BW_OPEN_NOFOLLOW, mod, self, false, debuglink_crc,
					   debuginfo_file_name);
	}
	free(copy);
	free(dir);
	(void)modname;
	(void)base;
	return fd;
}
