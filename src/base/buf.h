/* buf.h — a growable byte buffer with a hard cap set at init.
 * The contents are always NUL-terminated (the NUL is not counted in len).
 * Appends past the cap fail with MS_ERR_TOO_LARGE and leave the buffer as it
 * was; allocation failure gives MS_ERR_NOMEM. The buffer owns p: free with
 * ms_buf_free, or take it with ms_buf_detach. */
#ifndef MS_BASE_BUF_H
#define MS_BASE_BUF_H

#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>

typedef struct ms_buf {
	char *p;
	size_t len;
	size_t cap; /* allocated bytes */
	size_t max; /* most bytes of content allowed */
} ms_buf;

void ms_buf_init(ms_buf *b, size_t max);
ms_err ms_buf_reserve(ms_buf *b, size_t extra);
ms_err ms_buf_append(ms_buf *b, const void *data, size_t n);
ms_err ms_buf_puts(ms_buf *b, const char *s);
ms_err ms_buf_putc(ms_buf *b, char c);
/* The arguments must not point into b itself (growing may move it); ms_buf_append
 * may be given a part of b. */
ms_err ms_buf_printf(ms_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ms_err ms_buf_vprintf(ms_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void ms_buf_clear(ms_buf *b);
/* Empty string when nothing was appended (never NULL). */
const char *ms_buf_str(const ms_buf *b);
/* Hands the storage over to the caller (free with ms_free); the buffer is empty after. */
char *ms_buf_detach(ms_buf *b);
void ms_buf_free(ms_buf *b);

#endif
