/* jw.c — the small JSON writer (jw.h). */
#include "http/jw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(jw *w, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->p = malloc(cap);
	w->cap = w->p ? cap : 0;
	w->oom = !w->p;
	w->first = true;
}

void jw_free(jw *w)
{
	free(w->p);
	w->p = NULL;
}

static bool room(jw *w, size_t n)
{
	if (w->oom)
		return false;
	if (w->n + n + 1 <= w->cap)
		return true;
	size_t cap = w->cap * 2;
	while (cap < w->n + n + 1)
		cap *= 2;
	char *p = realloc(w->p, cap);
	if (!p) {
		w->oom = true;
		return false;
	}
	w->p = p;
	w->cap = cap;
	return true;
}

void jw_raw(jw *w, const char *s, size_t n)
{
	if (!room(w, n))
		return;
	memcpy(w->p + w->n, s, n);
	w->n += n;
	w->p[w->n] = 0;
}

void jw_open(jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->first = true;
}

void jw_close(jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->first = false;
}

static void quoted(jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(s);
	if (!room(w, len * 6 + 2))
		return;
	char *o = w->p + w->n;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	w->n = (size_t)(o - w->p);
	w->p[w->n] = 0;
}

void jw_key(jw *w, const char *key)
{
	if (!w->first)
		jw_raw(w, ",", 1);
	w->first = false;
	if (key) {
		quoted(w, key);
		jw_raw(w, ":", 1);
	}
}

void jw_str(jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (v)
		quoted(w, v);
	else
		jw_raw(w, "null", 4);
}

void jw_int(jw *w, const char *key, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lld", (long long)v);
	jw_key(w, key);
	jw_raw(w, b, (size_t)n);
}

void jw_bool(jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w, const char *key)
{
	jw_key(w, key);
	jw_raw(w, "null", 4);
}
