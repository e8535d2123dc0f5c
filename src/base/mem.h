/* mem.h — every heap allocation in minsheng goes through these wrappers, so a
 * test can make the N-th one fail and check that each failure is a clean
 * error. They behave like the libc functions they wrap. */
#ifndef MS_BASE_MEM_H
#define MS_BASE_MEM_H

#include <stddef.h>

void *ms_malloc(size_t n);
void *ms_calloc(size_t count, size_t size);
void *ms_realloc(void *p, size_t n);
void ms_free(void *p);
/* Copies of strings; the caller frees with ms_free. */
char *ms_strdup(const char *s);
char *ms_strndup(const char *s, size_t n);

/* Testing: fail the n-th allocation from now (1 = the next one) and every one
 * after it; 0 turns failure injection off. Returns how many allocations have
 * been made since the last call. */
unsigned long ms_mem_fail_after(unsigned long n);

#endif
