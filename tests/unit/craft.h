/* Crafting recordings byte by byte, as an attacker would: a header, then
 * chunks holding any records (valid or not). Shared by the hardening unit
 * tests and the fuzz seed generator. */
#ifndef BW_TEST_CRAFT_H
#define BW_TEST_CRAFT_H

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "record/bytebuf.h"
#include "record/format.h"

static inline void craft_header(struct bytebuf *f)
{
	static const char h[] = BW_REC_MAGIC " 1.2\ntool_version=crafted\n\n";

	bytebuf__append(f, h, strlen(h));
}

static inline void craft_le32(uint8_t *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

/* A chunk whose headers and CRCs are right; raw_len may lie when
 * claim_raw is not 0. */
static inline void craft_chunk_claim(struct bytebuf *f, uint32_t seq, const struct bytebuf *raw,
				     uint32_t claim_raw)
{
	uLongf clen = compressBound(raw->len);
	uint8_t *comp = malloc(clen), h[24];

	compress2(comp, &clen, raw->data ? raw->data : (const uint8_t *)"", raw->len, 9);
	memcpy(h, BW_CHUNK_MAGIC, 4);
	craft_le32(h + 4, seq);
	craft_le32(h + 8, claim_raw ? claim_raw : raw->len);
	craft_le32(h + 12, clen);
	craft_le32(h + 16, crc32(0, comp, clen));
	craft_le32(h + 20, crc32(0, h, 20));
	bytebuf__append(f, h, 24);
	bytebuf__append(f, comp, clen);
	free(comp);
}

static inline void craft_chunk(struct bytebuf *f, uint32_t seq, const struct bytebuf *raw)
{
	craft_chunk_claim(f, seq, raw, 0);
}

/* One record: type, body length, body. */
static inline void craft_record(struct bytebuf *raw, uint64_t type, const void *body, size_t n)
{
	bytebuf__varint(raw, type);
	bytebuf__varint(raw, n);
	bytebuf__append(raw, body, n);
}

static inline void craft_string(struct bytebuf *raw, const char *s, size_t n)
{
	craft_record(raw, BW_REC_STRING, s, n);
}

/* A record body from varints (strings are 1-based chunk string ids). */
static inline void craft_varints(struct bytebuf *raw, uint64_t type, int n, const uint64_t *v)
{
	struct bytebuf b = {};

	for (int i = 0; i < n; i++)
		bytebuf__varint(&b, v[i]);
	craft_record(raw, type, b.data, b.len);
	bytebuf__release(&b);
}

#endif
