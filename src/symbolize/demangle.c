/* libiberty's cplus_demangle handles both manglings we meet: with DMGL_AUTO
 * it tries Rust first (legacy "_ZN...17h<hash>E" overlaps Itanium C++) and
 * then C++; it already leaves the legacy hash out unless DMGL_VERBOSE. We
 * still strip "::h<hash>" ourselves because names can come pre-demangled
 * (e.g. from a perf map or another tool) and because we never want two
 * display names for one function. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "demangle.h"

void bw_strip_rust_hash(char *name)
{
	size_t len = strlen(name);
	char *h;

	if (len < 19)
		return;
	h = name + len - 19; /* "::h" + 16 hex */
	if (h[0] != ':' || h[1] != ':' || h[2] != 'h')
		return;
	for (int i = 3; i < 19; i++)
		if (!isxdigit((unsigned char)h[i]))
			return;
	*h = '\0';
}

static bool looks_mangled(const char *name)
{
	return name[0] == '_' && (name[1] == 'Z' || name[1] == 'R' ||
				  (name[1] == '_' && name[2] == 'Z'));
}

size_t bw_demangle(const char *name, char *buf, size_t size)
{
	char *d = NULL;

	if (!size)
		return 0;
	if (looks_mangled(name))
		d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
	snprintf(buf, size, "%s", d ? d : name);
	free(d);
	if (!d) {
		/* LLVM adds ".llvm.<digits>" to promoted local symbols; libiberty
		 * copes when demangling, keep the plain name tidy too. */
		char *llvm = strstr(buf, ".llvm.");

		if (llvm)
			*llvm = '\0';
	}
	bw_strip_rust_hash(buf);
	return strlen(buf);
}
