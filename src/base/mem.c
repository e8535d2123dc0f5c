/* mem.c — allocation wrappers with failure injection for tests. */
#include "base/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong mem_count;
static atomic_ulong mem_fail_at; /* 0 = never */

static int mem_should_fail(void)
{
	unsigned long at = atomic_load_explicit(&mem_fail_at, memory_order_relaxed);
	unsigned long n = atomic_fetch_add_explicit(&mem_count, 1, memory_order_relaxed) + 1;
	return at != 0 && n >= at;
}

unsigned long ms_mem_fail_after(unsigned long n)
{
	unsigned long made = atomic_exchange(&mem_count, 0);
	atomic_store(&mem_fail_at, n);
	return made;
}

void *ms_malloc(size_t n)
{
	if (mem_should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *ms_calloc(size_t count, size_t size)
{
	if (mem_should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *ms_realloc(void *p, size_t n)
{
	if (mem_should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void ms_free(void *p) { free(p); }

char *ms_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = ms_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *ms_strdup(const char *s) { return ms_strndup(s, strlen(s)); }
