/* Open-addressing hash set of strings. Strings are stored in large chunks
 * (not one malloc each) so thousands of symbol names stay cheap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "util/hash.h"

#define CHUNK_BYTES (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct bw_intern {
	const char **slots; /* NULL = empty */
	size_t nslots, count;
	struct chunk *chunks;
};

struct bw_intern *intern__new(void)
{
	struct bw_intern *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->nslots = 256;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return NULL;
	}
	return p;
}

void intern__free(struct bw_intern *p)
{
	if (!p)
		return;
	while (p->chunks) {
		struct chunk *c = p->chunks;

		p->chunks = c->next;
		free(c);
	}
	free(p->slots);
	free(p);
}

static char *store(struct bw_intern *p, const char *s, size_t len)
{
	struct chunk *c = p->chunks;
	char *out;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = p->chunks;
		p->chunks = c;
	}
	out = c->data + c->used;
	memcpy(out, s, len);
	out[len] = '\0';
	c->used += len + 1;
	return out;
}

static int grow(struct bw_intern *p)
{
	size_t n = p->nslots * 2;
	const char **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < p->nslots; i++) {
		const char *s = p->slots[i];
		size_t j;

		if (!s)
			continue;
		j = hash_bytes(s, strlen(s)) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = s;
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = n;
	return 0;
}

const char *intern__strn(struct bw_intern *p, const char *s, size_t len)
{
	size_t i;

	if (!p || !s)
		return NULL;
	/* Pooled strings are C strings: an embedded NUL ends the string (a
	 * recording may hold one). strncmp below then stops where t ends, so
	 * t[len] is inside t. */
	len = strnlen(s, len);
	if ((p->count + 1) * 4 > p->nslots * 3 && grow(p) < 0)
		return NULL;
	i = hash_bytes(s, len) & (p->nslots - 1);
	while (p->slots[i]) {
		const char *t = p->slots[i];

		if (strncmp(t, s, len) == 0 && t[len] == '\0')
			return t;
		i = (i + 1) & (p->nslots - 1);
	}
	p->slots[i] = store(p, s, len);
	if (p->slots[i])
		p->count++;
	return p->slots[i];
}

const char *intern__str(struct bw_intern *p, const char *s)
{
	return s ? intern__strn(p, s, strlen(s)) : NULL;
}

size_t intern__count(const struct bw_intern *p)
{
	return p ? p->count : 0;
}
