/* Fuzzes the custom runtime profile parser (--runtime-profile FILE, read as
 * root: classify/custom_profile.h). Each input starts from a clean profile. */
#include <stdint.h>

#include "classify/custom_profile.h"
#include "classify/thread_role.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct runtime_profile *p;
	char err[256];

	custom_profile__reset();
	thread_filter__set(NULL);
	if (custom_profile__parse((const char *)data, len, "fuzz", err, sizeof(err)) == 0) {
		/* what the tracer reads of a parsed profile */
		p = custom_profile__get();
		for (int i = 0; p && p->probes[i].suffix; i++)
			(void)symbol_has_suffix("a::b::c", p->probes[i].suffix);
		(void)runtime_owns_symbol(p, "x::y");
		(void)thread_filter__matches("exec-1");
	}
	return 0;
}
