/* idset.c — every identity number gen has handed out or reserved, as a set of
 * 17-digit numbers packed into 64 bits (8 bytes a slot, open addressing), so
 * numbers are unique across the province and corrections stay unambiguous. */
#include "gen/internal.h"

#include "base/mem.h"

#include <string.h>

static uint64_t pack17(const char *id17)
{
	uint64_t v = 0;
	for (int i = 0; i < 17; i++)
		v = v * 10 + (uint64_t)(id17[i] - '0');
	return v + 1; /* 0 marks an empty slot */
}

static size_t slot_of(uint64_t v, size_t cap)
{
	v ^= v >> 33;
	v *= 0xFF51AFD7ED558CCDULL;
	v ^= v >> 33;
	return (size_t)v & (cap - 1);
}

ms_err ms_gen_idset_init(gen_idset *s, size_t expect)
{
	size_t cap = 1024;
	while (cap < expect + expect / 2 + 16)
		cap *= 2;
	s->slot = ms_calloc(cap, sizeof *s->slot);
	s->cap = s->slot ? cap : 0;
	s->n = 0;
	return s->slot ? MS_ERR_OK : MS_ERR_NOMEM;
}

void ms_gen_idset_free(gen_idset *s)
{
	ms_free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}

static bool grow(gen_idset *s)
{
	size_t cap = s->cap * 2;
	uint64_t *slot = ms_calloc(cap, sizeof *slot);
	if (!slot)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t v = s->slot[i];
		if (!v)
			continue;
		size_t j = slot_of(v, cap);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = v;
	}
	ms_free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return true;
}

bool ms_gen_idset_add(gen_idset *s, const char *id17, bool *oom)
{
	if ((s->n + 1) * 10 > s->cap * 7 && !grow(s)) {
		*oom = true;
		return false;
	}
	uint64_t v = pack17(id17);
	size_t j = slot_of(v, s->cap);
	while (s->slot[j]) {
		if (s->slot[j] == v)
			return false;
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = v;
	s->n++;
	return true;
}

bool ms_gen_idset_has(const gen_idset *s, const char *id17)
{
	uint64_t v = pack17(id17);
	size_t j = slot_of(v, s->cap);
	while (s->slot[j]) {
		if (s->slot[j] == v)
			return true;
		j = (j + 1) & (s->cap - 1);
	}
	return false;
}
