/* jw.h — a small JSON writer for the hottest answers (alert pages): text
 * appended to a growing buffer, strings escaped, no tree built. jansson
 * builds a hash table per object, which costs more than the query behind a
 * page of 50 alerts. */
#ifndef MS_HTTP_JW_H
#define MS_HTTP_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jw {
	char *p;
	size_t n, cap;
	bool oom;
	bool first; /* no comma before the next member or element */
} jw;

void jw_init(jw *w, size_t cap);
void jw_free(jw *w);
/* Raw text (punctuation); the caller writes valid JSON. */
void jw_raw(jw *w, const char *s, size_t n);
void jw_open(jw *w, char c);  /* '{' or '[' */
void jw_close(jw *w, char c); /* '}' or ']' */
/* A member name (in an object) or nothing (in an array), with the comma. */
void jw_key(jw *w, const char *key);
void jw_str(jw *w, const char *key, const char *v); /* NULL writes null */
void jw_int(jw *w, const char *key, int64_t v);
void jw_bool(jw *w, const char *key, bool v);
void jw_null(jw *w, const char *key);

#endif
