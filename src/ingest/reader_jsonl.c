/* reader_jsonl.c — JSON Lines: one object per line, parsed with jansson.
 * Streaming decides the columns: the keys of the first object, in their order.
 * A later object's keys map onto those columns by name; a key the first
 * object did not have cannot become a new column, so it makes that row a
 * problem ("unknown field"). Strings are taken as they are, numbers as text
 * of the same value (integers exactly; other numbers in the shortest form that
 * reads back to the same double, so 12.50 gives "12.5"), true/false as
 * "true"/"false", null or an absent key as empty, objects and arrays as a
 * problem of the row. */
#include "ingest/reader_impl.h"

#include "base/mem.h"
#include "base/text.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_TEXT 32 /* room for one number's text, per column */

struct ms_rd_jsonl {
	json_t *cur;     /* the object the current row's strings point into */
	json_t *pending; /* the first object: returned by the first ms_reader_next */
	char *nums;      /* numbers' text, NUM_TEXT bytes per column */
};

static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;
/* Set when an allocation of jansson's failed on this thread: jansson does
 * not always say so (a failure while setting up its lexer returns NULL with
 * an empty error), and no memory must not read as "not valid JSON". */
static __thread bool json_oom;
static void *json_alloc(size_t n)
{
	void *p = ms_malloc(n);
	if (!p)
		json_oom = true;
	return p;
}
static void alloc_setup(void)
{
	json_set_alloc_funcs(json_alloc, ms_free);
}

/* The next line, without its line end; *too_long when it was longer than the
 * limit and has been skipped. MS_ERR_NOT_FOUND at the end of the file. */
static ms_err next_line(ms_reader *r, const char **s, size_t *n, bool *too_long, ms_error *err)
{
	*too_long = false;
	for (;;) {
		const char *b = r->win + r->wpos;
		size_t avail = r->wlen - r->wpos;
		const char *nl = memchr(b, '\n', avail);
		if (nl) {
			*s = b;
			*n = (size_t)(nl - b);
			r->wpos += *n + 1;
			break;
		}
		if (r->win_eof) {
			if (!avail)
				return MS_ERR_NOT_FOUND;
			*s = b;
			*n = avail;
			r->wpos = r->wlen;
			break;
		}
		if (avail > r->lim.row_bytes) {
			r->wpos = r->wlen;
			while (!r->win_eof) {
				ms_err rc = ms_rd_fill(r, err);
				if (rc)
					return rc;
				nl = memchr(r->win + r->wpos, '\n', r->wlen - r->wpos);
				if (nl) {
					r->wpos = (size_t)(nl - r->win) + 1;
					break;
				}
				r->wpos = r->wlen;
			}
			r->rowno++;
			*too_long = true;
			return MS_ERR_OK;
		}
		ms_err rc = ms_rd_fill(r, err);
		if (rc)
			return rc;
	}
	r->rowno++;
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	if (*n > r->lim.row_bytes)
		*too_long = true;
	return MS_ERR_OK;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Parses a line; NULL with the row's problem set (or *fatal for no memory). */
static json_t *parse_line(ms_reader *r, const char *s, size_t n, ms_err *fatal)
{
	json_error_t jerr;
	*fatal = MS_ERR_OK;
	json_oom = false;
	json_t *v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		if (json_oom || json_error_code(&jerr) == json_error_out_of_memory) {
			*fatal = MS_ERR_NOMEM;
			return NULL;
		}
		ms_rd_problem(
		    r, MS_ROW_BAD_JSON,
		    "不是有效的 JSON：第 %d 个字符处 %s (not valid JSON at character %d: %s)",
		    jerr.position, jerr.text, jerr.position, jerr.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		ms_rd_problem(r, MS_ROW_BAD_JSON,
		              "这一行不是 JSON 对象 (the line is not a JSON object)");
		return NULL;
	}
	return v;
}

static void real_text(double x, char out[NUM_TEXT])
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, NUM_TEXT, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			return;
	}
}

/* The column a key names: the same position as in the first object when it
 * matches there (the usual case), else a search; -1 when none. */
static long find_column(ms_reader *r, const char *key, size_t klen, size_t hint)
{
	if (ms_rd_utf8_check(key, klen) == 1) {
		ms_buf_clear(&r->tmp);
		if (ms_text_nfc(key, klen, &r->tmp) == MS_ERR_OK) {
			key = ms_buf_str(&r->tmp);
			klen = r->tmp.len;
		}
	}
	const ms_row *h = &r->header;
	if (hint < h->nfields && h->fields[hint].len == klen &&
	    memcmp(h->fields[hint].ptr, key, klen) == 0)
		return (long)hint;
	for (size_t i = 0; i < h->nfields; i++)
		if (h->fields[i].len == klen && memcmp(h->fields[i].ptr, key, klen) == 0)
			return (long)i;
	return -1;
}

static void map_object(ms_reader *r, json_t *obj)
{
	size_t w = r->header.nfields;
	for (size_t i = 0; i < w; i++) {
		r->fields[i].ptr = "";
		r->fields[i].len = 0;
	}
	r->nfields = w;
	size_t idx = 0;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		size_t klen = strlen(key);
		long col = find_column(r, key, klen, idx++);
		if (col < 0) {
			int k = ms_rd_clip(key, klen, 100);
			ms_rd_problem(r, MS_ROW_UNKNOWN_FIELD,
			              "未知字段「%.*s」：第一行没有这个键 "
			              "(unknown field \"%.*s\": the first line has no such key)",
			              k, key, k, key);
			continue;
		}
		ms_field *f = &r->fields[col];
		char *num = r->jsonl->nums + (size_t)col * NUM_TEXT;
		switch (json_typeof(v)) {
		case JSON_STRING:
			f->ptr = json_string_value(v);
			f->len = json_string_length(v);
			break;
		case JSON_INTEGER:
			snprintf(num, NUM_TEXT, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			f->ptr = num;
			f->len = strlen(num);
			break;
		case JSON_REAL:
			real_text(json_real_value(v), num);
			f->ptr = num;
			f->len = strlen(num);
			break;
		case JSON_TRUE:
			f->ptr = "true";
			f->len = 4;
			break;
		case JSON_FALSE:
			f->ptr = "false";
			f->len = 5;
			break;
		case JSON_NULL:
			break;
		case JSON_OBJECT:
		case JSON_ARRAY: {
			int k = ms_rd_clip(key, klen, 100);
			ms_rd_problem(r, MS_ROW_NESTED_VALUE,
			              "字段「%.*s」的值是对象或数组 (field \"%.*s\" holds an "
			              "object or array)",
			              k, key, k, key);
			break;
		}
		}
	}
}

ms_err ms_rd_jsonl_next(ms_reader *r, ms_error *err)
{
	ms_rd_jsonl *j = r->jsonl;
	json_decref(j->cur);
	j->cur = NULL;
	if (j->pending) {
		j->cur = j->pending;
		j->pending = NULL;
		map_object(r, j->cur);
		return MS_ERR_OK;
	}
	const char *s;
	size_t n;
	bool too_long;
	ms_err rc = next_line(r, &s, &n, &too_long, err);
	if (rc)
		return rc;
	if (too_long) {
		ms_rd_problem(r, MS_ROW_TOO_LONG,
		              "行过长，超过 %zu 字节 (line longer than %zu bytes)",
		              r->lim.row_bytes, r->lim.row_bytes);
		return MS_ERR_OK;
	}
	if (blank(s, n))
		return MS_ERR_OK;
	j->cur = parse_line(r, s, n, &rc);
	if (rc)
		return ms_error_set(err, rc, NULL);
	if (j->cur)
		map_object(r, j->cur);
	return MS_ERR_OK;
}

ms_err ms_rd_jsonl_open(ms_reader *r, ms_error *err)
{
	pthread_once(&alloc_once, alloc_setup);
	ms_rd_jsonl *j = ms_calloc(1, sizeof *j);
	if (!j)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	r->jsonl = j;
	j->nums = ms_malloc(r->lim.max_fields * NUM_TEXT);
	if (!j->nums)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	json_t *obj = NULL;
	while (!obj) {
		const char *s;
		size_t n;
		bool too_long;
		ms_err rc = next_line(r, &s, &n, &too_long, err);
		if (rc == MS_ERR_NOT_FOUND)
			return ms_error_set(
			    err, MS_ERR_INVALID,
			    "%s: 文件是空的，没有 JSON 对象 (empty file: no JSON object)", r->name);
		if (rc)
			return rc;
		if (too_long)
			return ms_error_set(
			    err, MS_ERR_TOO_LARGE,
			    "%s: 第 %llu 行过长，超过 %zu 字节 (line %llu longer than %zu bytes)",
			    r->name, (unsigned long long)r->rowno, r->lim.row_bytes,
			    (unsigned long long)r->rowno, r->lim.row_bytes);
		if (blank(s, n))
			continue;
		obj = parse_line(r, s, n, &rc);
		if (rc)
			return ms_error_set(err, rc, NULL);
		if (!obj)
			return ms_error_set(err, MS_ERR_INVALID, "%s: 第 %llu 行：%s (line %llu)",
			                    r->name, (unsigned long long)r->rowno, r->problem_msg,
			                    (unsigned long long)r->rowno);
		if (json_object_size(obj) == 0) {
			json_decref(obj);
			obj = NULL;
		}
	}
	j->pending = obj;
	size_t nkeys = json_object_size(obj);
	if (nkeys > r->lim.max_fields)
		return ms_error_set(
		    err, MS_ERR_TOO_LARGE,
		    "%s: 第 %llu 行的键过多，超过 %zu 个 (line %llu: more than %zu keys)", r->name,
		    (unsigned long long)r->rowno, r->lim.max_fields, (unsigned long long)r->rowno,
		    r->lim.max_fields);
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		(void)v;
		r->fields[i].ptr = key;
		r->fields[i].len = strlen(key);
		i++;
	}
	r->nfields = i;
	r->problem = MS_ROW_OK;
	ms_err rc = ms_rd_finish_row(r, err);
	if (rc)
		return rc;
	if (r->problem)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "%s: 第 %llu 行的键无法读取 (line %llu: keys): %s", r->name,
		                    (unsigned long long)r->rowno, (unsigned long long)r->rowno,
		                    r->problem_msg);
	return ms_rd_keep_header(r, err);
}

void ms_rd_jsonl_free(ms_reader *r)
{
	ms_rd_jsonl *j = r->jsonl;
	if (!j)
		return;
	json_decref(j->cur);
	json_decref(j->pending);
	ms_free(j->nums);
	ms_free(j);
	r->jsonl = NULL;
}
