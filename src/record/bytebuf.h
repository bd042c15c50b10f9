/* Growable byte buffers and bounded readers with LEB128 varints: the
 * encoding shared by the recording's records and the pprof protobuf. */
#ifndef BW_BYTEBUF_H
#define BW_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytebuf {
	uint8_t *data;
	size_t len, cap;
	bool oom; /* sticky: set by any failed append, checked once at the end */
};

void bytebuf__release(struct bytebuf *b); /* frees data; struct reusable */
void bytebuf__reset(struct bytebuf *b);   /* len = 0, keeps the memory */
void bytebuf__append(struct bytebuf *b, const void *p, size_t n);
void bytebuf__varint(struct bytebuf *b, uint64_t v);
/* Signed values as zigzag varints (small negatives stay short). */
void bytebuf__svarint(struct bytebuf *b, int64_t v);

/* A bounded reader: reading past the end returns zeros and sets `overrun`,
 * so decoders never branch on every field yet never read out of bounds. */
struct bytereader {
	const uint8_t *p, *end;
	bool overrun;
};

uint64_t bytereader__varint(struct bytereader *r);
int64_t bytereader__svarint(struct bytereader *r);
/* Points *out at n bytes inside the buffer; NULL (and overrun) when short. */
const uint8_t *bytereader__bytes(struct bytereader *r, size_t n);
static inline bool bytereader__done(const struct bytereader *r)
{
	return r->p >= r->end;
}

#endif
