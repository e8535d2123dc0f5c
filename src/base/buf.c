/* buf.c — growable buffer: doubling growth, bounded by max. */
#include "base/buf.h"

#include "base/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void ms_buf_init(ms_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

ms_err ms_buf_reserve(ms_buf *b, size_t extra)
{
	/* the terminating NUL must fit in a size_t as well */
	if (extra > b->max || b->len > b->max - extra || b->len + extra == SIZE_MAX)
		return MS_ERR_TOO_LARGE;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return MS_ERR_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	char *p = ms_realloc(b->p, cap);
	if (!p)
		return MS_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return MS_ERR_OK;
}

ms_err ms_buf_append(ms_buf *b, const void *data, size_t n)
{
	/* Appending part of the buffer to itself: growing may move the storage,
	 * so remember where the source sits and find it again afterwards. */
	uintptr_t at = (uintptr_t)data, base = (uintptr_t)b->p;
	int inside = b->p && at >= base && at <= base + b->len;
	size_t off = inside ? (size_t)(at - base) : 0;
	ms_err rc = ms_buf_reserve(b, n);
	if (rc)
		return rc;
	if (inside)
		data = b->p + off;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return MS_ERR_OK;
}

ms_err ms_buf_puts(ms_buf *b, const char *s) { return ms_buf_append(b, s, strlen(s)); }

ms_err ms_buf_putc(ms_buf *b, char c) { return ms_buf_append(b, &c, 1); }

ms_err ms_buf_vprintf(ms_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return MS_ERR_INVALID;
	ms_err rc = ms_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return MS_ERR_OK;
}

ms_err ms_buf_printf(ms_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ms_err rc = ms_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void ms_buf_clear(ms_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

const char *ms_buf_str(const ms_buf *b) { return b->p ? b->p : ""; }

char *ms_buf_detach(ms_buf *b)
{
	char *p = b->p;
	if (!p)
		p = ms_strdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void ms_buf_free(ms_buf *b)
{
	ms_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
