/* Names rustc gives to closures and coroutines, and the names users read.
 *
 * rustc names the body of an async fn, an async block or a closure after
 * the item it is written in plus a disambiguated segment: "{async_fn#0}",
 * "{async_block#1}", "{closure#0}" (DWARF names and v0 mangling), and the
 * state machine's type "{async_fn_env#0}". Legacy mangling, still the
 * default, calls every one of them "{{closure}}", so the symbol alone
 * cannot tell an async fn from a closure; the DWARF name can. */
#ifndef BW_RUST_NAMES_H
#define BW_RUST_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "symbolize.h"

/* "{async_fn#0}" or "{async_fn_env#0}" (len bytes) -> "async fn", and so
 * on for every async kind; "async" for a kind newer than the table; NULL
 * when the segment is not an async body or state machine. */
const char *rust_async_kind(const char *segment, size_t len);

/* name: a demangled function name ending in a closure-like segment
 * ("::{{closure}}" legacy, "::{closure#N}" v0). die_name: the DWARF name of
 * the same function ("{async_fn#0}<T>"). When that names an async body,
 * puts it (without generic arguments) in place of the last segment, so
 * "f::{{closure}}" becomes "f::{async_fn#0}". Leaves name alone otherwise. */
void rust_name_body_kind(char *name, size_t size, const char *die_name);

/* The name users read: "a::refresh_cache::{async_fn#0}" -> "a::refresh_cache
 * (async fn)", a bare "{async_fn#0}" (line-tables-only DWARF names inlined
 * bodies without their path) -> "async fn". Other names are returned as
 * they are; else the result is written to buf. */
const char *rust_display_name(const char *name, char *buf, size_t size);

/* The display name of a frame: its function's display name, else
 * module+0xoffset, else the pc. Returns buf or a string of the frame. */
const char *frame_display_name(const struct bw_frame *f, char *buf, size_t size);

#endif
