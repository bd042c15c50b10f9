/* Where a field lives inside a Rust type, from the binary's DWARF: rustc
 * reorders struct fields, so their offsets are only known per build. The
 * type is found by walking namespaces from each unit's top level, which
 * reads a few DIEs per unit instead of the whole tree. */
#include "symbolize/dwarf_layout.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include "symbolize/debuginfo.h"

/* The first child of parent with this tag and name. */
static bool find_child(Dwarf_Die *parent, int tag, const char *name, size_t len, Dwarf_Die *out)
{
	Dwarf_Die child;
	const char *n;

	if (dwarf_child(parent, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != tag)
			continue;
		n = dwarf_diename(&child);
		if (n && strlen(n) == len && strncmp(n, name, len) == 0) {
			*out = child;
			return true;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* "a::b::T": namespaces a and b, then the structure T. */
static bool find_type(Dwarf_Die *cu, const char *path, Dwarf_Die *out)
{
	Dwarf_Die scope = *cu;

	for (;;) {
		const char *sep = strstr(path, "::");

		if (!sep)
			return find_child(&scope, DW_TAG_structure_type, path, strlen(path), out);
		if (!find_child(&scope, DW_TAG_namespace, path, (size_t)(sep - path), &scope))
			return false;
		path = sep + 2;
	}
}

static int member_offset(Dwarf_Die *type, const char *field, uint64_t *out)
{
	Dwarf_Die member;
	Dwarf_Attribute attr;
	Dwarf_Word off;

	if (dwarf_hasattr(type, DW_AT_declaration))
		return -ENOENT;
	if (!find_child(type, DW_TAG_member, field, strlen(field), &member))
		return -ENOENT;
	if (!dwarf_attr(&member, DW_AT_data_member_location, &attr) ||
	    dwarf_formudata(&attr, &off) != 0)
		return -EINVAL;
	*out = off;
	return 0;
}

int dwarf_field_offset(const char *elf_path, const char *type_path, const char *field,
		       uint64_t *out)
{
	char err[256];
	struct debuginfo *d = debuginfo__open(elf_path, NULL, err, sizeof(err));
	Dwarf *dw = d ? debuginfo__dwarf(d) : NULL;
	Dwarf_Off off = 0, next;
	size_t hsize;
	int rc = -ENOENT;

	if (!dw) {
		debuginfo__free(d);
		return -ENODATA;
	}
	while (rc == -ENOENT && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, type;

		if (dwarf_offdie(dw, off + hsize, &cu) && find_type(&cu, type_path, &type))
			rc = member_offset(&type, field, out);
		off = next;
	}
	debuginfo__free(d);
	return rc;
}
