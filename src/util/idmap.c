#include "util/idmap.h"

#include <errno.h>
#include <stdlib.h>

#include "util/hash.h"

struct slot {
	uint64_t key;
	long value; /* -1: empty */
};

struct idmap {
	struct slot *slots;
	size_t nslots, count;
};

static struct slot *alloc_slots(size_t n)
{
	struct slot *s = malloc(n * sizeof(*s));

	for (size_t i = 0; s && i < n; i++)
		s[i].value = -1;
	return s;
}

struct idmap *idmap__new(void)
{
	struct idmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->nslots = 64;
	m->slots = alloc_slots(m->nslots);
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void idmap__free(struct idmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

static struct slot *find(const struct idmap *m, uint64_t key)
{
	size_t i = hash_u64(key) & (m->nslots - 1);

	while (m->slots[i].value >= 0 && m->slots[i].key != key)
		i = (i + 1) & (m->nslots - 1);
	return &m->slots[i];
}

long idmap__get(const struct idmap *m, uint64_t key)
{
	return m ? find(m, key)->value : -1;
}

static int grow(struct idmap *m)
{
	struct idmap n = { .nslots = m->nslots * 2 };

	n.slots = alloc_slots(n.nslots);
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].value >= 0)
			*find(&n, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = n.slots;
	m->nslots = n.nslots;
	return 0;
}

int idmap__put(struct idmap *m, uint64_t key, long value)
{
	struct slot *s;

	if ((m->count + 1) * 2 > m->nslots && grow(m) < 0)
		return -ENOMEM;
	s = find(m, key);
	if (s->value < 0)
		m->count++;
	s->key = key;
	s->value = value;
	return 0;
}

size_t idmap__size(const struct idmap *m)
{
	return m ? m->count : 0;
}
