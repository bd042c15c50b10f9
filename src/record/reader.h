/* Reading a recording back. Damage is expected (kill -9, full disk, bad
 * copies): everything readable is kept and each problem is described in
 * one line; only a file that is not a recording at all, or one of a newer
 * major format, is refused. */
#ifndef BW_RECORD_READER_H
#define BW_RECORD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "record/recording.h"

/* Returns 0 for a complete recording, 1 for a damaged or cut-short one
 * (*out holds what was readable; out->problems says what is missing), or
 * negative errno with a one-line message in err and *out NULL. The
 * snapshot is finished (recording__finish) either way. */
int recording__read(const char *path, struct bw_recording **out, char *err, size_t errlen);
/* The same from memory; name is used in messages. */
int recording__read_mem(const uint8_t *data, size_t len, const char *name,
			struct bw_recording **out, char *err, size_t errlen);

#endif
