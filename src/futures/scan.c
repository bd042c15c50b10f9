/* Walking DWARF for async state machines. rustc emits each state machine as
 * a structure type named {async_fn_env#0} (or {async_block_env#N}, ...)
 * inside the namespaces of its path, so the walk only descends into
 * namespaces: types, subprograms and their bodies are skipped whole, which
 * keeps the walk to one pass over the DIEs without attribute decoding. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "util/path.h"
#include "futures/scan.h"
#include "symbolize/rust_names.h"

#define MAX_DEPTH 64

struct walker {
	struct future_list *list;
	const char *path[MAX_DEPTH]; /* enclosing namespace names */
	Dwarf_Die *ns[MAX_DEPTH];    /* and their DIEs */
	int depth;
	int err;
};

const char *future_kind(const char *name)
{
	const char *close = name ? strchr(name, '}') : NULL;

	/* a state machine's type, not the body that polls it */
	if (!close || !memmem(name, close - name, "_env#", 5))
		return NULL;
	return rust_async_kind(name, close - name + 1);
}

int tokio_version_in_path(const char *path, char *out, size_t len)
{
	for (const char *p = path ? strstr(path, "tokio-") : NULL; p; p = strstr(p + 1, "tokio-")) {
		const char *v = p + 6, *end = v;

		/* a path component of its own: "/tokio-1.24.2/" */
		if ((p != path && p[-1] != '/') || *v < '0' || *v > '9')
			continue;
		while (*end && *end != '/')
			end++;
		if (*end != '/' || (size_t)(end - v) >= len)
			continue;
		memcpy(out, v, end - v);
		out[end - v] = '\0';
		return 1;
	}
	return 0;
}

static void note_tokio(struct future_list *list, const char *path)
{
	if (!path || (list->tokio_version[0] && strcmp(list->tokio_version, "?") != 0))
		return;
	if (tokio_version_in_path(path, list->tokio_version, sizeof(list->tokio_version)))
		return;
	/* A CU of the tokio crate whose path carries no version (vendored). */
	if (strstr(path, "/@/tokio.") && !list->tokio_version[0])
		strcpy(list->tokio_version, "?");
}

static int decl_of(Dwarf_Die *die, const char **file, unsigned *line)
{
	int l;

	if (dwarf_decl_line(die, &l) != 0 || l <= 0)
		return -1;
	*file = dwarf_decl_file(die);
	*line = l;
	return 0;
}

/* The variant for state 0 ("Unresumed") is declared at the fn or block
 * itself: rustc puts the decl_line of the async fn signature there. */
static int decl_of_unresumed(Dwarf_Die *type, const char **file, unsigned *line)
{
	Dwarf_Die part, variant, member;
	Dwarf_Attribute attr;
	Dwarf_Word discr;

	if (dwarf_child(type, &part) != 0)
		return -1;
	do {
		if (dwarf_tag(&part) != DW_TAG_variant_part || dwarf_child(&part, &variant) != 0)
			continue;
		do {
			if (dwarf_tag(&variant) != DW_TAG_variant ||
			    !dwarf_attr(&variant, DW_AT_discr_value, &attr) ||
			    dwarf_formudata(&attr, &discr) != 0 || discr != 0)
				continue;
			if (dwarf_child(&variant, &member) == 0 && decl_of(&member, file, line) == 0)
				return 0;
		} while (dwarf_siblingof(&variant, &variant) == 0);
	} while (dwarf_siblingof(&part, &part) == 0);
	return -1;
}

/* Older layouts: the async fn's own subprogram, a sibling of the namespace
 * that holds the state machine and named like it. */
static int decl_of_fn(struct walker *w, const char **file, unsigned *line)
{
	Dwarf_Die child;
	const char *fn;

	if (w->depth < 2 || dwarf_child(w->ns[w->depth - 2], &child) != 0)
		return -1;
	fn = w->path[w->depth - 1];
	do {
		const char *name = dwarf_diename(&child);

		if (dwarf_tag(&child) == DW_TAG_subprogram && name && strcmp(name, fn) == 0 &&
		    decl_of(&child, file, line) == 0)
			return 0;
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

/* An async fn's state machine sits in the fn's namespace: its name is the
 * fn's path. A block's or closure's sits beside other blocks of the same fn,
 * so its own "{async_block#N}" (the type name without "_env") is appended. */
static char *future_name(struct walker *w, const char *type_name, bool is_fn)
{
	size_t len = strlen(type_name) + 1;
	const char *env = strstr(type_name, "_env#");
	char *s, *p;

	for (int i = 0; i < w->depth; i++)
		len += strlen(w->path[i]) + 2;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*s = '\0';
	for (int i = 0; i < w->depth; i++)
		p += sprintf(p, "%s%s", i ? "::" : "", w->path[i]);
	if (is_fn && w->depth)
		return s;
	p += sprintf(p, "%s%.*s%s", w->depth ? "::" : "", (int)(env - type_name), type_name,
		     env + 4);
	return s;
}

/* DWARF 4 line tables may give paths relative to the unit's comp_dir; make
 * them absolute so files of different crates ("src/lib.rs") stay apart. */
static char *absolute_file(Dwarf_Die *die, const char *file)
{
	Dwarf_Die cu;
	Dwarf_Attribute attr;
	const char *dir = NULL;
	char buf[4096];

	if (file[0] != '/' && dwarf_diecu(die, &cu, NULL, NULL))
		dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
	return strdup(path_join_tidy(dir, file, buf, sizeof(buf)));
}

static void maybe_record(struct walker *w, Dwarf_Die *die)
{
	struct future_list *l = w->list;
	const char *name = dwarf_diename(die), *kind = future_kind(name), *file = NULL;
	struct future_type *f;
	unsigned line = 0;
	int size;

	if (!kind || dwarf_hasattr(die, DW_AT_declaration) || (size = dwarf_bytesize(die)) < 0)
		return;
	if (decl_of(die, &file, &line) && decl_of_unresumed(die, &file, &line) &&
	    (strcmp(kind, "async fn") != 0 || decl_of_fn(w, &file, &line))) {
		file = NULL;
		line = 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct future_type *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n];
	*f = (struct future_type){ .kind = kind, .size = size, .line = line, .copies = 1 };
	f->name = future_name(w, name, strcmp(kind, "async fn") == 0);
	f->file = file ? absolute_file(die, file) : NULL;
	if (!f->name || (file && !f->file)) {
		free(f->name);
		free(f->file);
		goto nomem;
	}
	l->n++;
	return;
nomem:
	w->err = -ENOMEM;
}

static void walk(struct walker *w, Dwarf_Die *parent)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_namespace:
			if (w->depth == MAX_DEPTH)
				break;
			w->path[w->depth] = dwarf_diename(&child);
			if (!w->path[w->depth])
				w->path[w->depth] = "{anon}";
			w->ns[w->depth++] = &child;
			walk(w, &child);
			w->depth--;
			break;
		case DW_TAG_structure_type:
			w->list->type_dies++;
			maybe_record(w, &child);
			break;
		case DW_TAG_base_type:
		case DW_TAG_pointer_type:
		case DW_TAG_union_type:
		case DW_TAG_enumeration_type:
		case DW_TAG_array_type:
		case DW_TAG_subroutine_type:
		case DW_TAG_typedef:
			w->list->type_dies++;
			break;
		}
	} while (!w->err && dwarf_siblingof(&child, &child) == 0);
}

static const char *cu_string(Dwarf_Die *cu, int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr(cu, name, &attr));
}

/* With LTO one unit holds every crate and its name is the main crate's:
 * Tokio's version is then only in the line tables' file names. */
static void tokio_from_line_tables(Dwarf *dw, struct future_list *list)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;

	while (!list->tokio_version[0] &&
	       dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
		Dwarf_Files *files;
		size_t n;

		if (dwarf_getsrcfiles(&cudie, &files, &n) != 0)
			continue;
		for (size_t i = 0; i < n && !list->tokio_version[0]; i++)
			note_tokio(list, dwarf_filesrc(files, i, NULL, NULL));
	}
}

int futures_scan(Dwarf *dw, struct future_list *list)
{
	struct walker w = { .list = list };
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;

	while (!w.err && dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
		list->units++;
		note_tokio(list, dwarf_diename(&cudie));
		note_tokio(list, cu_string(&cudie, DW_AT_comp_dir));
		walk(&w, &cudie);
	}
	if (!w.err && !list->tokio_version[0])
		tokio_from_line_tables(dw, list);
	return w.err;
}

void future_list__free(struct future_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].file);
	}
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}
