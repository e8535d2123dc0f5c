/* arena.h — region allocation for request- and scan-scoped data.
 * Everything allocated from an arena is freed at once by ms_arena_reset or
 * ms_arena_free; nothing from it is freed alone. An arena has a hard cap on
 * the bytes it may hold, so an input cannot make it grow without bound. */
#ifndef MS_BASE_ARENA_H
#define MS_BASE_ARENA_H

#include <stddef.h>

typedef struct ms_arena_block ms_arena_block;
typedef struct ms_arena {
	ms_arena_block *head;
	size_t block_size; /* size of ordinary blocks */
	size_t used;       /* bytes held in blocks */
	size_t cap;        /* most bytes the arena may hold; 0 = no cap */
} ms_arena;

void ms_arena_init(ms_arena *a, size_t block_size, size_t cap);
/* NULL when out of memory or over the cap. Memory is aligned for any type. */
void *ms_arena_alloc(ms_arena *a, size_t n);
void *ms_arena_zalloc(ms_arena *a, size_t n);
/* Copies exactly n bytes of s (a counted string, NULs included) and a NUL. */
char *ms_arena_strndup(ms_arena *a, const char *s, size_t n);
char *ms_arena_strdup(ms_arena *a, const char *s);
char *ms_arena_printf(ms_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every block but the first, which is kept for reuse. */
void ms_arena_reset(ms_arena *a);
void ms_arena_free(ms_arena *a);

#endif
