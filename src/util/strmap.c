#include "util/strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

struct entry {
	struct entry *next;
	uint64_t hash;
	void *value;
	char key[];
};

struct strmap {
	struct entry **buckets;
	size_t nbuckets, size;
};

static uint64_t hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

struct strmap *strmap__new(void)
{
	struct strmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return NULL;
	}
	return m;
}

void strmap__free(struct strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct entry *e = m->buckets[i];

		while (e) {
			struct entry *next = e->next;

			free(e);
			e = next;
		}
	}
	free(m->buckets);
	free(m);
}

void *strmap__get(const struct strmap *m, const char *key)
{
	uint64_t h = hash_str(key);

	for (struct entry *e = m->buckets[h % m->nbuckets]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e->value;
	return NULL;
}

static void grow(struct strmap *m)
{
	size_t n = m->nbuckets * 2;
	struct entry **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* keep working with longer chains */
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct entry *e = m->buckets[i];

		while (e) {
			struct entry *next = e->next;

			e->next = b[e->hash % n];
			b[e->hash % n] = e;
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

int strmap__put(struct strmap *m, const char *key, void *value)
{
	uint64_t h = hash_str(key);
	size_t len = strlen(key);
	struct entry *e;

	for (e = m->buckets[h % m->nbuckets]; e; e = e->next) {
		if (e->hash == h && strcmp(e->key, key) == 0) {
			e->value = value;
			return 0;
		}
	}
	if (m->size + 1 > m->nbuckets)
		grow(m);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	e->hash = h;
	e->value = value;
	memcpy(e->key, key, len + 1);
	e->next = m->buckets[h % m->nbuckets];
	m->buckets[h % m->nbuckets] = e;
	m->size++;
	return 0;
}

size_t strmap__size(const struct strmap *m)
{
	return m->size;
}

void strmap__foreach(const struct strmap *m, void (*fn)(const char *key, void *value, void *ctx),
		     void *ctx)
{
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->buckets[i]; e; e = e->next)
			fn(e->key, e->value, ctx);
}
