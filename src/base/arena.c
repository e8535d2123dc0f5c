/* arena.c — a list of blocks, bump allocation inside the newest one. */
#include "base/arena.h"

#include "base/mem.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct ms_arena_block {
	ms_arena_block *next;
	size_t size, pos;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN (alignof(max_align_t))

void ms_arena_init(ms_arena *a, size_t block_size, size_t cap)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
	a->used = 0;
	a->cap = cap;
}

void *ms_arena_alloc(ms_arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	/* room for the rounding and for the block header in front of it */
	if (n > SIZE_MAX - ARENA_ALIGN - sizeof(ms_arena_block))
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	ms_arena_block *b = a->head;
	if (!b || b->size - b->pos < n) {
		size_t size = n > a->block_size ? n : a->block_size;
		if (a->cap && (a->used + size > a->cap || a->used + size < a->used))
			return NULL;
		b = ms_malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->pos = 0;
		a->used += size;
		/* An oversize block goes behind the current one, so the current
		 * block's free space stays usable. */
		if (a->head && size > a->block_size) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->pos;
	b->pos += n;
	return p;
}

void *ms_arena_zalloc(ms_arena *a, size_t n)
{
	void *p = ms_arena_alloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

char *ms_arena_strndup(ms_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *d = ms_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *ms_arena_strdup(ms_arena *a, const char *s) { return ms_arena_strndup(a, s, strlen(s)); }

char *ms_arena_printf(ms_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *d = ms_arena_alloc(a, (size_t)n + 1);
	if (!d)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}

void ms_arena_reset(ms_arena *a)
{
	ms_arena_block *b = a->head;
	if (!b)
		return;
	/* keep the last block of ordinary size, free the rest */
	ms_arena_block *keep = NULL, *next;
	for (; b; b = next) {
		next = b->next;
		if (!keep && b->size == a->block_size) {
			keep = b;
			continue;
		}
		ms_free(b);
	}
	a->head = keep;
	a->used = 0;
	if (keep) {
		keep->next = NULL;
		keep->pos = 0;
		a->used = keep->size;
	}
}

void ms_arena_free(ms_arena *a)
{
	ms_arena_block *b = a->head, *next;
	for (; b; b = next) {
		next = b->next;
		ms_free(b);
	}
	a->head = NULL;
	a->used = 0;
}
