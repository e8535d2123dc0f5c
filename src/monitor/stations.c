/* stations.c — loading the station table from a file (编码, 名称, 类型): each
 * row checked (code shape, level against type, the area table, name), bad
 * rows reported with their reason, good rows upserted in one transaction. */
#include "monitor/stations.h"

#include "base/mem.h"
#include "base/text.h"
#include "ingest/reader.h"
#include "model/area.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { COL_CODE, COL_NAME, COL_TYPE, NCOLS };

/* Header names each column answers to (compared after trimming; ASCII case
 * ignored). */
static const char *const col_names[NCOLS][5] = {
    {"编码", "代码", "站点编码", "区划代码", "code"},
    {"名称", "站点名称", "name", NULL, NULL},
    {"类型", "站点类型", "type", NULL, NULL},
};
static const char *const col_title[NCOLS] = {"编码", "名称", "类型"};

/* Codes already seen in the file, for "duplicate of row N": open addressing
 * over (length, digits) packed into one number. */
typedef struct seen_set {
	uint64_t *key; /* 0 = empty slot */
	int64_t *row;
	size_t cap, n;
} seen_set;

static uint64_t code_key(const char *code, size_t len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(code[i] - '0');
	return (uint64_t)len * 1000000000000ull + v + 1;
}

static size_t slot_of(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static ms_err seen_grow(seen_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint64_t *key = ms_calloc(cap, sizeof *key);
	int64_t *row = ms_calloc(cap, sizeof *row);
	if (!key || !row) {
		ms_free(key);
		ms_free(row);
		return MS_ERR_NOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->key[i])
			continue;
		size_t j = slot_of(s->key[i], cap);
		while (key[j])
			j = (j + 1) & (cap - 1);
		key[j] = s->key[i];
		row[j] = s->row[i];
	}
	ms_free(s->key);
	ms_free(s->row);
	s->key = key;
	s->row = row;
	s->cap = cap;
	return MS_ERR_OK;
}

/* Adds a code; *prev receives the row that already had it (0 = new). */
static ms_err seen_add(seen_set *s, uint64_t k, int64_t row, int64_t *prev)
{
	*prev = 0;
	if ((s->n + 1) * 2 > s->cap && seen_grow(s))
		return MS_ERR_NOMEM;
	size_t j = slot_of(k, s->cap);
	while (s->key[j]) {
		if (s->key[j] == k) {
			*prev = s->row[j];
			return MS_ERR_OK;
		}
		j = (j + 1) & (s->cap - 1);
	}
	s->key[j] = k;
	s->row[j] = row;
	s->n++;
	return MS_ERR_OK;
}

static void seen_free(seen_set *s)
{
	ms_free(s->key);
	ms_free(s->row);
}

/* Copies a trimmed field into out (cut at a character boundary when too
 * long) and returns the trimmed length in bytes. */
static size_t field_copy(const ms_field *f, char *out, size_t cap)
{
	const char *p = f->ptr;
	size_t n = ms_text_trim(&p, f->len);
	size_t c = n < cap - 1 ? n : cap - 1;
	while (c > 0 && c < n && ((unsigned char)p[c] & 0xC0) == 0x80)
		c--;
	memcpy(out, p, c);
	out[c] = '\0';
	return n;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* "station", "point", or NULL when the text names neither. */
static const char *type_of(const char *t)
{
	static const char *const station[] = {"站", "社工站", "station"};
	static const char *const point[] = {"点", "服务点", "point"};
	for (size_t i = 0; i < 3; i++) {
		if (i < 2 ? strcmp(t, station[i]) == 0
		          : ms_text_eq_ascii_ci(t, strlen(t), station[i]))
			return "station";
		if (i < 2 ? strcmp(t, point[i]) == 0 : ms_text_eq_ascii_ci(t, strlen(t), point[i]))
			return "point";
	}
	return NULL;
}

/* Whether a code names a current area of its level. A village under a
 * township the table holds no villages for (outside the bundled province)
 * passes when its township is known. */
static bool area_known(const char *code, size_t len)
{
	if (ms_area_valid(code, len))
		return true;
	if (len != 12 || !ms_area_valid(code, 9))
		return false;
	char town[10];
	memcpy(town, code, 9);
	town[9] = '\0';
	const ms_area *first;
	return ms_area_children(town, MS_AREA_VILLAGE, &first) == 0;
}

typedef struct loader {
	void (*on_reject)(void *ctx, const ms_station_reject *r);
	void *ctx;
	ms_station_import_result *res;
} loader;

static void reject(loader *l, int64_t row, int col, const char *code, const char *zh,
                   const char *en, const char *value)
{
	l->res->rejected++;
	if (!l->on_reject)
		return;
	ms_station_reject r = {.row = row,
	                       .column = col >= 0 ? col_title[col] : "",
	                       .code = code,
	                       .reason_zh = zh,
	                       .reason_en = en,
	                       .value = value ? value : ""};
	l->on_reject(l->ctx, &r);
}

/* Finds the three columns in the header; MS_ERR_REFUSED naming a missing one. */
static ms_err map_header(const ms_row *h, int map[NCOLS], ms_error *err)
{
	for (int c = 0; c < NCOLS; c++)
		map[c] = -1;
	for (size_t i = 0; i < h->nfields; i++) {
		const char *p = h->fields[i].ptr;
		size_t n = ms_text_trim(&p, h->fields[i].len);
		for (int c = 0; c < NCOLS; c++)
			for (int k = 0; k < 5 && col_names[c][k]; k++) {
				const char *name = col_names[c][k];
				bool ascii = (unsigned char)name[0] < 0x80;
				bool eq = ascii ? ms_text_eq_ascii_ci(p, n, name)
				                : strlen(name) == n && memcmp(p, name, n) == 0;
				if (eq && map[c] < 0)
					map[c] = (int)i;
			}
	}
	for (int c = 0; c < NCOLS; c++)
		if (map[c] < 0)
			return ms_error_set(
			    err, MS_ERR_REFUSED,
			    "缺少“%s”列，文件未导入 (missing column %s: nothing imported); "
			    "需要的列 columns needed: 编码, 名称, 类型",
			    col_title[c], col_title[c]);
	return MS_ERR_OK;
}

static ms_err load_row(ms_store *s, loader *l, seen_set *seen, const ms_row *row,
                       const int map[NCOLS], ms_error *err)
{
	int64_t rn = (int64_t)row->number;
	if (row->problem != MS_ROW_OK) {
		reject(l, rn, -1, "bad_row", row->problem_msg ? row->problem_msg : "该行无法读取",
		       "the row cannot be read", "");
		return MS_ERR_OK;
	}
	static const ms_field none = {"", 0};
	const ms_field *f[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		f[c] = (size_t)map[c] < row->nfields ? &row->fields[map[c]] : &none;

	char code[64], name[4 * MS_STATION_NAME_MAX + 8], type[64];
	size_t clen = field_copy(f[COL_CODE], code, sizeof code);
	size_t nlen = field_copy(f[COL_NAME], name, sizeof name);
	field_copy(f[COL_TYPE], type, sizeof type);

	if ((clen != 9 && clen != 12) || !digits(code, clen)) {
		reject(l, rn, COL_CODE, "bad_code",
		       "编码应为 9 位乡镇（街道）代码或 12 位村（社区）代码",
		       "the code must be a 9-digit township or 12-digit village code", code);
		return MS_ERR_OK;
	}
	const char *t = type_of(type);
	if (!t) {
		reject(l, rn, COL_TYPE, "bad_type", "类型应为“站”或“点”",
		       "the type must be 站 (station) or 点 (point)", type);
		return MS_ERR_OK;
	}
	bool is_station = strcmp(t, "station") == 0;
	if (is_station != (clen == 9)) {
		reject(l, rn, COL_TYPE, "type_mismatch",
		       is_station ? "社工站的编码应为 9 位乡镇（街道）代码"
		                  : "服务点的编码应为 12 位村（社区）代码",
		       is_station ? "a station takes a 9-digit township code"
		                  : "a point takes a 12-digit village code",
		       code);
		return MS_ERR_OK;
	}
	if (!area_known(code, clen)) {
		reject(l, rn, COL_CODE, "unknown_area",
		       "区划代码表中没有这个乡镇（街道）或村（社区）",
		       "no such township or village in the area code table", code);
		return MS_ERR_OK;
	}
	if (nlen == 0) {
		reject(l, rn, COL_NAME, "missing_name", "缺少名称", "the name is missing", "");
		return MS_ERR_OK;
	}
	if (nlen >= sizeof name || ms_utf8_length(name, strlen(name)) > MS_STATION_NAME_MAX) {
		char zh[96], en[96];
		snprintf(zh, sizeof zh, "名称超过 %d 个字", MS_STATION_NAME_MAX);
		snprintf(en, sizeof en, "the name is longer than %d characters",
		         MS_STATION_NAME_MAX);
		reject(l, rn, COL_NAME, "name_too_long", zh, en, name);
		return MS_ERR_OK;
	}
	int64_t prev = 0;
	if (seen_add(seen, code_key(code, clen), rn, &prev))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (prev) {
		char zh[96], en[96];
		snprintf(zh, sizeof zh, "与第 %lld 行的编码重复", (long long)prev);
		snprintf(en, sizeof en, "duplicate of row %lld", (long long)prev);
		reject(l, rn, COL_CODE, "duplicate", zh, en, code);
		return MS_ERR_OK;
	}
	ms_upsert_result ur;
	ms_err e = ms_store_station_upsert(s, code, name, t, &ur, err);
	if (e)
		return e;
	if (ur == MS_UPSERT_ADDED)
		l->res->added++;
	else if (ur == MS_UPSERT_UPDATED)
		l->res->updated++;
	else
		l->res->unchanged++;
	return MS_ERR_OK;
}

ms_err ms_stations_import(ms_store *s, const char *path,
                          void (*on_reject)(void *ctx, const ms_station_reject *r), void *ctx,
                          ms_station_import_result *res, ms_error *err)
{
	memset(res, 0, sizeof *res);
	ms_err e = ms_area_init(err);
	if (e)
		return e;
	ms_reader *r = ms_reader_open(path, MS_FMT_AUTO, NULL, err);
	if (!r)
		return err && err->code ? err->code : MS_ERR_IO;
	int map[NCOLS];
	if ((e = map_header(ms_reader_header(r), map, err))) {
		ms_reader_close(r);
		return e;
	}
	seen_set seen = {0};
	loader l = {.on_reject = on_reject, .ctx = ctx, .res = res};
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	for (;;) {
		ms_row row;
		e = ms_reader_next(r, &row, err);
		if (e == MS_ERR_NOT_FOUND) {
			e = MS_ERR_OK;
			break;
		}
		if (e)
			break;
		if (++res->rows > MS_STATIONS_MAX_ROWS) {
			e = ms_error_set(err, MS_ERR_TOO_LARGE,
			                 "站点文件超过 %d 行 (more than %d rows)",
			                 MS_STATIONS_MAX_ROWS, MS_STATIONS_MAX_ROWS);
			break;
		}
		if ((e = load_row(s, &l, &seen, &row, map, err)))
			break;
	}
	if (!e)
		e = ms_store_commit(s, err);
	if (e)
		ms_store_rollback(s);
out:
	if (e)
		memset(res, 0, sizeof *res);
	seen_free(&seen);
	ms_reader_close(r);
	return e;
}

ms_err ms_stations_list(ms_store *s, const char *prefix, int (*fn)(void *ctx, const ms_station *st),
                        void *ctx, ms_error *err)
{
	return ms_store_station_list(s, prefix, fn, ctx, err);
}
