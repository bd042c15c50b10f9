/* Escaping of names that come from a target or a recording (thread and
 * process names, exe paths, symbols, file names, notes): the one place that
 * decides what a terminal, an HTML page or a JSON reader may see. */
#ifndef BW_ESCAPE_H
#define BW_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1-4; overlongs, surrogates and
 * code points above U+10FFFF are invalid), or 0 when s does not start one.
 * *cp gets the code point. s must be NUL-terminated. */
int utf8_seq(const char *s, uint32_t *cp);

/* Terminal-safe copy of s into dst (always NUL-terminated): C0 and C1
 * controls, DEL and bytes that are not valid UTF-8 become "\xNN"; a
 * backslash stays as is. Cut with "..." when dst is too small. NULL -> "(none)".
 * Returns dst. */
char *esc_text_into(char *dst, size_t size, const char *s);
/* The same into one of a few per-thread rotating buffers (4 KiB each):
 * lets one printf call escape up to 8 arguments. */
const char *esc_text(const char *s);
/* Writes s terminal-safe. */
void fput_text(FILE *out, const char *s);

/* HTML text or attribute value: & < > " ' as entities, controls and
 * invalid UTF-8 as U+FFFD. NULL writes nothing. */
void fput_html(FILE *out, const char *s);

/* A JSON string with its quotes: valid UTF-8 always (invalid bytes become
 * \ufffd), controls as \u00XX. */
void fput_json(FILE *out, const char *s);

/* A Prometheus/OpenMetrics label value without its quotes, as a new string
 * (NULL without memory): backslash, double quote and newline escaped, other
 * controls and bytes that are not valid UTF-8 as U+FFFD, cut with "..." past
 * max_bytes of input (names from a traced program have no length limit). */
char *esc_prom_label(const char *s, size_t max_bytes);

#endif
