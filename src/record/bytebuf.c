#include "record/bytebuf.h"

#include <stdlib.h>
#include <string.h>

void bytebuf__release(struct bytebuf *b)
{
	free(b->data);
	*b = (struct bytebuf){};
}

void bytebuf__reset(struct bytebuf *b)
{
	b->len = 0;
}

void bytebuf__append(struct bytebuf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void bytebuf__varint(struct bytebuf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	bytebuf__append(b, tmp, n);
}

void bytebuf__svarint(struct bytebuf *b, int64_t v)
{
	bytebuf__varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

uint64_t bytereader__varint(struct bytereader *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t c;

		if (r->p >= r->end) {
			r->overrun = true;
			return 0;
		}
		c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->overrun = true; /* more than 10 bytes: not a varint */
	return 0;
}

int64_t bytereader__svarint(struct bytereader *r)
{
	uint64_t v = bytereader__varint(r);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

const uint8_t *bytereader__bytes(struct bytereader *r, size_t n)
{
	const uint8_t *p = r->p;

	if ((size_t)(r->end - r->p) < n) {
		r->overrun = true;
		r->p = r->end;
		return NULL;
	}
	r->p += n;
	return p;
}
