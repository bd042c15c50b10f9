/* Collecting async state machines from DWARF: the structure types rustc names
 * {async_fn_env#N}, {async_block_env#N}, {async_closure_env#N}, ... under the
 * namespace of the fn or block they belong to. */
#ifndef BW_FUTURES_SCAN_H
#define BW_FUTURES_SCAN_H

#include <stdint.h>

#include <elfutils/libdw.h>

/* One state machine type. Strings are owned by the list. */
struct future_type {
	char *name;	  /* "my_crate::handlers::upload", "my_crate::main::{async_block#0}" */
	const char *kind; /* "async fn", "async block", "async closure", ... (static) */
	uint64_t size;	  /* DW_AT_byte_size: what the future occupies wherever it lives */
	char *file;	  /* source file, NULL when DWARF does not say */
	unsigned line;	  /* 0 when unknown */
	unsigned copies;  /* compile units describing this same type (after dedupe) */
	unsigned flags;	  /* FUTURE_F_* (set by ranking) */
};

struct future_list {
	struct future_type *v;
	size_t n, cap;
	uint64_t units;	    /* compile units read */
	uint64_t type_dies; /* type DIEs seen; 0 means the DWARF has no types */
	/* Tokio's version from the paths of its compile units ("1.24.2"); "" when
	 * no Tokio unit was seen, "?" when Tokio was seen without a version. */
	char tokio_version[32];
};

/* Fills list (zeroed by the caller) with every state machine type, one entry
 * per compile unit that describes it. Returns 0 or -ENOMEM. */
int futures_scan(Dwarf *dw, struct future_list *list);
void future_list__free(struct future_list *list); /* frees contents, NULL-safe */

/* "{async_fn_env#0}" -> "async fn"; NULL for other names. */
const char *future_kind(const char *type_name);
/* Tokio's version in a path like ".../tokio-1.24.2/src/lib.rs": writes "1.24.2"
 * and returns 1; returns 0 when the path has no tokio-X.Y component. */
int tokio_version_in_path(const char *path, char *out, size_t len);

#endif
