/* import.c — one file into one batch: header matching, per-type validation
 * and normalisation, identity linkage (one-edit correction against the
 * registry, else the review queue), natural keys, and the row accounting of
 * SPEC §2.5. Rows are staged in short transactions and the batch is
 * published by a single update at the end.
 *
 * A large file goes through two stages on two threads. Stage 1 (its own
 * thread) reads the rows and does everything that needs no database: the
 * per-column verdicts and canonical values, the shape and validity of the
 * subject identity, the natural key, the row's date and area, the extra
 * columns and the original text. Stage 2 (the calling thread, which owns the
 * store) takes the prepared rows in file order and does everything else:
 * linkage of invalid numbers against the registry, the key probe, the
 * inserts, the chunked commits. Batches of prepared rows pass through a small
 * ring, so memory stays flat whatever the file size. A small file is prepared
 * and stored batch by batch on the calling thread alone. */
#include "ingest/import.h"

#include "base/buf.h"
#include "base/mem.h"
#include "base/money.h"
#include "base/text.h"
#include "ingest/reader.h"
#include "model/area.h"
#include "model/idnum.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define IMPORT_CHUNK_ROWS 50000
#define IMPORT_CHUNK_SECONDS 0.25
#define VALS_MAX (256 * 1024)
#define SEP '\x1f'

/* The ring between the stages: batches of prepared rows handed over at
 * once, so that the threads meet once per batch, not once per row. */
#define PIPE_BATCH_ROWS 256              /* rows of one batch */
#define PIPE_BATCHES 8                   /* batches in the ring: 2,048 rows in flight */
#define PIPE_BATCH_BYTES (512u * 1024)   /* a batch is handed over once its text passes this */
#define PIPE_TEXT_MAX (64u * 1024 * 1024) /* hard cap of one batch's text */
#define PIPE_TEXT_KEEP (4u * 1024 * 1024) /* a batch text grown past this is freed before reuse */
#define PIPE_THREAD_BYTES (256u * 1024)   /* smaller files stay on the calling thread */
#define NO_TEXT SIZE_MAX                  /* an absent string of a prepared row */

/* A rejection: the column it concerns and the reason. */
typedef struct {
	const char *col;
	const char *code;
	char zh[256];
	char en[256];
} row_verdict;

typedef enum { LINK_OK, LINK_CORRECTED, LINK_REVIEW, LINK_REJECT } link_outcome;

/* Stage 1: the header's mapping and the per-row scratch. Only the thread
 * that reads touches it while rows flow. */
typedef struct {
	const ms_feed *feed;
	int map[MS_READER_MAX_FIELDS]; /* file column → feed column, -1 extra */
	size_t nhead;
	const ms_row *header;
	ms_date today;
	ms_buf canon[MS_FEED_MAX_COLUMNS];
	bool present[MS_FEED_MAX_COLUMNS];
} prep_ctx;

typedef enum {
	PREP_REJECT, /* rejected for what stage 1 found: v says why */
	PREP_ROW,    /* valid so far: stage 2 links, probes and stores it */
} prep_kind;

/* One row as stage 1 leaves it. Its strings live in the batch's text,
 * NUL-terminated, found by offset (the text may move while it grows). */
typedef struct {
	prep_kind kind;
	bool need_link;          /* a well-shaped identity number that fails validation */
	ms_id_status id_status;  /* need_link: why it fails */
	uint64_t number;         /* the row number an officer sees */
	uint64_t prog_done, prog_total; /* the reader's progress after this row */
	row_verdict v;
	char idno[MS_ID_STR];    /* the subject's number ("" none); need_link: the invalid one */
	int32_t day;
	int n_key_id;            /* how many times the identity number is in nkey */
	size_t vals_id;          /* offset of the identity number in vals (NO_TEXT none) */
	size_t nkey_id[MS_FEED_MAX_KEY]; /* its offsets in nkey */
	size_t orig;             /* the original text, for the rejects report */
	size_t vals, nkey;       /* canonical values and natural key */
	size_t raw;              /* need_link: the identity number as written (at most 63 bytes) */
	size_t name;             /* need_link: the canonical name, when given */
	size_t area;             /* the row's area code, when given */
	size_t extra;            /* JSON object of extra columns, when any */
} prep_row;

typedef struct {
	prep_row rows[PIPE_BATCH_ROWS];
	int n;
	ms_buf text;
	bool last;    /* stage 1 stops after this batch */
	ms_err rc;    /* last: MS_ERR_OK at the end of the file, else why it stopped */
	ms_error err; /* last: the message of rc */
} prep_batch;

/* The ring, with the reading thread. */
typedef struct {
	prep_ctx *x;
	ms_reader *r;
	prep_batch *b;
	unsigned nb;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	unsigned produced, consumed; /* batches handed over, and given back */
	bool stop;                   /* stage 2 failed: stage 1 ends */
	bool threaded;
	pthread_t thread;
} pipeline;

/* Stage 2: what needs the store. Only the calling thread touches it. */
typedef struct {
	const ms_feed *feed;
	const ms_feed *persons; /* registry of persons, for corrections */
	int64_t feed_id, persons_feed_id, batch_id;
	ms_date today;
	bool feed_has_data; /* false: no key can have a current version */
	ms_batch_counts c;
	/* chunked commits */
	const ms_import_opts *o;
	int chunk, in_chunk;
	double chunk_start;
	bool in_tx;
} import_ctx;

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *ms_vals_field(const char *vals, int i, size_t *len)
{
	const char *p = vals;
	for (int k = 0; k < i; k++) {
		p = strchr(p, SEP);
		if (!p)
			return NULL;
		p++;
	}
	const char *e = strchr(p, SEP);
	*len = e ? (size_t)(e - p) : strlen(p);
	return p;
}

const ms_feed *ms_import_person_feed(const ms_feed_set *feeds)
{
	return ms_feed_set_role(feeds, MS_FEED_PERSONS);
}

static void verdict(row_verdict *v, const char *col, const char *code, const char *zh,
                    const char *en)
{
	v->col = col;
	v->code = code;
	snprintf(v->zh, sizeof v->zh, "%s", zh);
	snprintf(v->en, sizeof v->en, "%s", en);
}

/* ---- per-type normalisation ---- */

/* Appends a whole number in decimal (snprintf is slow on the hot path). */
static bool put_int(ms_buf *out, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[sizeof tmp - 1 - n++] = '-';
	return ms_buf_append(out, tmp + sizeof tmp - n, (size_t)n) == MS_ERR_OK;
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return true;
		if (c == 0x7f)
			return true;
	}
	return false;
}

/* Normalises one value into out: 1 when valid, 0 with a verdict when it is
 * invalid, -1 when out of memory (which is no fault of the row: the import
 * stops with MS_ERR_NOMEM rather than reject a sound row). The value is
 * already trimmed and non-empty. */
static int normalize_value(prep_ctx *x, const ms_feed_column *col, const char *s, size_t n,
                            ms_buf *out, row_verdict *v)
{
	char fold[512];
	const char *f = s;
	size_t fn = n;
	if (col->type != MS_COL_TEXT) {
		if (n >= sizeof fold) {
			verdict(v, col->name, "too_long", "值过长", "value too long");
			return 0;
		}
		memcpy(fold, s, n);
		fn = ms_text_fold_fullwidth(fold, n);
		f = fold;
	}
	char tmp[64];
	switch (col->type) {
	case MS_COL_TEXT: {
		int max = col->max_len ? col->max_len : 200;
		if (has_control(s, n)) {
			verdict(v, col->name, "control", "含有控制字符", "contains control characters");
			return 0;
		}
		if (ms_utf8_length(s, n) > (size_t)max) {
			snprintf(v->zh, sizeof v->zh, "超过 %d 个字符", max);
			snprintf(v->en, sizeof v->en, "longer than %d characters", max);
			v->col = col->name;
			v->code = "too_long";
			return 0;
		}
		return ms_buf_append(out, s, n) == MS_ERR_OK ? 1 : -1;
	}
	case MS_COL_IDNUM: {
		char id[MS_ID_STR];
		ms_id_status st = ms_id_check(f, fn, x->today, id);
		if (st != MS_ID_OK) {
			v->col = col->name;
			v->code = st == MS_ID_BAD_SHAPE ? "id_shape" : "id_invalid";
			snprintf(v->zh, sizeof v->zh, "身份证号无效：%s", ms_id_status_zh(st));
			snprintf(v->en, sizeof v->en, "invalid identity number: %s", ms_id_status_en(st));
			return 0;
		}
		return ms_buf_append(out, id, MS_ID_LEN) == MS_ERR_OK ? 1 : -1;
	}
	case MS_COL_ENUM:
		for (int i = 0; i < col->n_values; i++)
			if (strlen(col->values[i]) == fn && memcmp(col->values[i], f, fn) == 0)
				return ms_buf_puts(out, col->values[i]) == MS_ERR_OK ? 1 : -1;
		for (int i = 0; i < col->n_syn; i++)
			if (strlen(col->syn_from[i]) == fn && memcmp(col->syn_from[i], f, fn) == 0)
				return ms_buf_puts(out, col->syn_to[i]) == MS_ERR_OK ? 1 : -1;
		{
			char list[200] = "";
			size_t o = 0;
			for (int i = 0; i < col->n_values && o + 1 < sizeof list; i++) {
				int w = snprintf(list + o, sizeof list - o, "%s%s", i ? "/" : "", col->values[i]);
				if (w < 0 || (size_t)w + 4 >= sizeof list - o) {
					/* never half a character: cut at the value, then … */
					snprintf(list + o, sizeof list - o, "%s", "…");
					break;
				}
				o += (size_t)w;
			}
			v->col = col->name;
			v->code = "enum";
			snprintf(v->zh, sizeof v->zh, "不是允许的取值（%s）", list);
			snprintf(v->en, sizeof v->en, "not one of the allowed values (%s)", list);
		}
		return 0;
	case MS_COL_DATE: {
		ms_date d;
		if (ms_date_parse(f, fn, &d) != MS_ERR_OK) {
			verdict(v, col->name, "date", "日期无效或格式不对（如 2023-05-01）",
			        "not a valid date (e.g. 2023-05-01)");
			return 0;
		}
		ms_date_format(d, tmp);
		return ms_buf_puts(out, tmp) == MS_ERR_OK ? 1 : -1;
	}
	case MS_COL_MONTH: {
		ms_month m;
		if (ms_month_parse(f, fn, &m) != MS_ERR_OK) {
			verdict(v, col->name, "month", "月份无效（如 2023-05）", "not a valid month (e.g. 2023-05)");
			return 0;
		}
		ms_month_format(m, tmp);
		return ms_buf_puts(out, tmp) == MS_ERR_OK ? 1 : -1;
	}
	case MS_COL_MONEY: {
		ms_money m;
		if (ms_money_parse(f, fn, &m) != MS_ERR_OK) {
			verdict(v, col->name, "money", "金额无效（元，最多两位小数）",
			        "not a valid amount (yuan, at most 2 decimals)");
			return 0;
		}
		return put_int(out, m) ? 1 : -1;
	}
	case MS_COL_DECIMAL: {
		int64_t d;
		if (ms_decimal_parse(f, fn, col->scale, &d) != MS_ERR_OK) {
			v->col = col->name;
			v->code = "decimal";
			snprintf(v->zh, sizeof v->zh, "数值无效（非负，最多 %d 位小数）", col->scale);
			snprintf(v->en, sizeof v->en, "not a valid number (non-negative, at most %d decimals)",
			         col->scale);
			return 0;
		}
		return put_int(out, d) ? 1 : -1;
	}
	case MS_COL_INTEGER: {
		int64_t d;
		if (ms_int_parse(f, fn, col->min, col->max, &d) != MS_ERR_OK) {
			verdict(v, col->name, "integer", "不是有效的整数或超出范围",
			        "not a whole number in range");
			return 0;
		}
		return put_int(out, d) ? 1 : -1;
	}
	case MS_COL_AREA: {
		bool digits = fn == 6 || fn == 9 || fn == 12;
		for (size_t i = 0; i < fn && digits; i++)
			digits = f[i] >= '0' && f[i] <= '9';
		char county[7];
		if (digits) {
			memcpy(county, f, 6);
			county[6] = '\0';
		}
		if (!digits || !ms_area_find(county, 6)) {
			verdict(v, col->name, "area", "区划代码无效（应为已知区县开头的 6、9 或 12 位数字）",
			        "not a valid area code (6, 9 or 12 digits of a known county)");
			return 0;
		}
		return ms_buf_append(out, f, fn) == MS_ERR_OK ? 1 : -1;
	}
	case MS_COL_PHONE: {
		char d[32];
		size_t dn = 0;
		bool ok = true;
		for (size_t i = 0; i < fn && ok; i++) {
			char c = f[i];
			if (c >= '0' && c <= '9') {
				if (dn >= 20)
					ok = false;
				else
					d[dn++] = c;
			} else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0))) {
				ok = false;
			}
		}
		if (!ok || dn < 7 || dn > 15) {
			verdict(v, col->name, "phone", "电话号码无效", "not a valid phone number");
			return 0;
		}
		return ms_buf_append(out, d, dn) == MS_ERR_OK ? 1 : -1;
	}
	}
	verdict(v, col->name, "type", "列类型未知", "unknown column type");
	return 0;
}

/* ---- stage 1: the row's text, kept in its batch ---- */

/* Appends n bytes and a NUL to the batch text; *off receives where. */
static ms_err text_add(ms_buf *t, const void *p, size_t n, size_t *off)
{
	ms_err rc = ms_buf_reserve(t, n + 1);
	if (rc)
		return rc;
	*off = t->len;
	if (n)
		memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len++] = '\0';
	t->p[t->len] = '\0';
	return MS_ERR_OK;
}

/* One piece of the original text: skipped, as a full buffer of VALS_MAX
 * bytes would skip it, when the text would pass that size. */
static void orig_put(ms_buf *t, size_t start, const void *p, size_t n)
{
	if (t->len - start + n > VALS_MAX)
		return;
	ms_buf_append(t, p, n);
}

/* Whether a field needs quotes in the original text. */
static bool needs_quotes(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n')
			return true;
	return false;
}

/* The row's original fields as one CSV line, for the rejects report. */
static ms_err original_text(ms_buf *t, const ms_row *row, size_t *off)
{
	size_t start = t->len;
	/* the longest it can be: every field quoted, every byte a quote */
	size_t most = row->nfields;
	for (size_t i = 0; i < row->nfields && most <= VALS_MAX; i++)
		most += 2 * row->fields[i].len + 2;
	if (most <= VALS_MAX) {
		/* fits whatever the content: written in place */
		if (ms_buf_reserve(t, most + 1))
			return MS_ERR_NOMEM;
		char *o = t->p + t->len;
		for (size_t i = 0; i < row->nfields; i++) {
			const ms_field *fl = &row->fields[i];
			if (i)
				*o++ = ',';
			if (!needs_quotes(fl->ptr, fl->len)) {
				if (fl->len)
					memcpy(o, fl->ptr, fl->len);
				o += fl->len;
				continue;
			}
			*o++ = '"';
			for (size_t k = 0; k < fl->len; k++) {
				if (fl->ptr[k] == '"')
					*o++ = '"';
				*o++ = fl->ptr[k];
			}
			*o++ = '"';
		}
		t->len = (size_t)(o - t->p);
	} else {
		for (size_t i = 0; i < row->nfields; i++) {
			const ms_field *fl = &row->fields[i];
			if (i)
				orig_put(t, start, ",", 1);
			if (!needs_quotes(fl->ptr, fl->len)) {
				orig_put(t, start, fl->ptr, fl->len);
				continue;
			}
			orig_put(t, start, "\"", 1);
			for (size_t k = 0; k < fl->len; k++) {
				if (fl->ptr[k] == '"')
					orig_put(t, start, "\"", 1);
				orig_put(t, start, &fl->ptr[k], 1);
			}
			orig_put(t, start, "\"", 1);
		}
	}
	/* the NUL that ends it, kept as part of the text */
	ms_err rc = ms_buf_reserve(t, 1);
	if (rc)
		return rc;
	*off = start;
	t->p[t->len++] = '\0';
	t->p[t->len] = '\0';
	return MS_ERR_OK;
}

/* The extra columns (not in the feed, not empty) as a JSON object in the
 * batch text; *off stays NO_TEXT when there are none. */
static ms_err extra_json(const prep_ctx *x, const ms_row *row, ms_buf *t, size_t *off)
{
	*off = NO_TEXT;
	json_t *o = NULL;
	for (size_t i = 0; i < row->nfields && i < x->nhead; i++) {
		if (x->map[i] >= 0 || row->fields[i].len == 0)
			continue;
		const ms_field *h = &x->header->fields[i];
		if (!o)
			o = json_object();
		if (!o)
			return MS_ERR_NOMEM;
		char key[256];
		size_t kn = h->len < sizeof key - 1 ? h->len : sizeof key - 1;
		/* cut a long name at a character's start: the key stays UTF-8 */
		while (kn < h->len && kn && ((unsigned char)h->ptr[kn] & 0xC0) == 0x80)
			kn--;
		memcpy(key, h->ptr, kn);
		key[kn] = '\0';
		if (!kn)
			snprintf(key, sizeof key, "第%zu列", i + 1);
		if (json_object_set_new(o, key, json_stringn(row->fields[i].ptr, row->fields[i].len))) {
			/* no memory (the key and value are valid UTF-8): not a column dropped unseen */
			json_decref(o);
			return MS_ERR_NOMEM;
		}
	}
	if (!o)
		return MS_ERR_OK;
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return MS_ERR_NOMEM;
	json_malloc_t jm;
	json_free_t jf;
	json_get_alloc_funcs(&jm, &jf);
	ms_err rc = text_add(t, s, strlen(s), off);
	jf(s);
	return rc;
}

/* ---- stage 1: the subject identity without the registry ---- */

/* The shape and validity of the subject's number. LINK_REJECT with a
 * verdict when it is not shaped like one (or invalid where the feed rejects
 * invalid numbers); LINK_OK when valid; LINK_REVIEW when well-shaped but
 * invalid, with the verdict so far and *why: stage 2 then looks for a
 * correction. id receives the normalised number. */
static link_outcome check_subject(const prep_ctx *x, const char *raw, size_t rawn,
                                  row_verdict *v, char id[MS_ID_STR], ms_id_status *why)
{
	const ms_feed_column *col = &x->feed->cols[x->feed->person_col];
	char fold[128];
	if (rawn >= sizeof fold) {
		verdict(v, col->name, "id_shape", "身份证号格式不对（应为 18 位或 15 位）",
		        "not shaped like an identity number (18 or 15 characters)");
		return LINK_REJECT;
	}
	memcpy(fold, raw, rawn);
	size_t fn = ms_text_fold_fullwidth(fold, rawn);
	ms_id_status st = ms_id_normalize(fold, fn, id);
	if (st != MS_ID_OK) {
		verdict(v, col->name, "id_shape", "身份证号格式不对（应为 17 位数字加 1 位数字或 X，或 15 位数字）",
		        "not shaped like an identity number (17 digits and a digit or X, or 15 digits)");
		return LINK_REJECT;
	}
	st = ms_id_validate(id, x->today);
	if (st == MS_ID_OK)
		return LINK_OK;
	v->col = col->name;
	v->code = "id_invalid";
	snprintf(v->zh, sizeof v->zh, "身份证号无效：%s", ms_id_status_zh(st));
	snprintf(v->en, sizeof v->en, "invalid identity number: %s", ms_id_status_en(st));
	*why = st;
	return x->feed->invalid_id == MS_INVALID_ID_REJECT ? LINK_REJECT : LINK_REVIEW;
}

/* ---- stage 1: one row ---- */

/* Prepares one row into pr. Returns an error only when the import must
 * stop (a row too long for its values, memory); a row's own faults are
 * verdicts (PREP_REJECT). */
static ms_err prep_row_fill(prep_ctx *x, prep_batch *b, prep_row *pr, const ms_row *row,
                            ms_error *err)
{
	const ms_feed *f = x->feed;
	ms_buf *t = &b->text;
	row_verdict *v = &pr->v;
	pr->number = row->number;
	pr->need_link = false;
	pr->idno[0] = '\0';
	pr->day = MS_DATE_NONE;
	pr->n_key_id = 0;
	pr->vals_id = pr->vals = pr->nkey = pr->raw = pr->name = pr->area = pr->extra = NO_TEXT;
	v->col = NULL;
	v->code = NULL;
	v->zh[0] = v->en[0] = '\0';
	if (original_text(t, row, &pr->orig))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	pr->kind = PREP_REJECT;
	if (row->problem != MS_ROW_OK) {
		verdict(v, "", "unreadable", row->problem_msg ? row->problem_msg : "行无法读取",
		        row->problem_msg ? row->problem_msg : "row cannot be read");
		return MS_ERR_OK;
	}
	for (int i = 0; i < f->n_cols; i++) {
		ms_buf_clear(&x->canon[i]);
		x->present[i] = false;
	}
	/* 1. types, in file order; the subject identity waits for its own check */
	bool bad = false;
	const char *subject_raw = NULL;
	size_t subject_len = 0;
	for (size_t i = 0; i < row->nfields && i < x->nhead && !bad; i++) {
		int ci = x->map[i];
		if (ci < 0)
			continue;
		const char *p = row->fields[i].ptr;
		size_t n = ms_text_trim(&p, row->fields[i].len);
		if (n == 0)
			continue;
		x->present[ci] = true;
		if (ci == f->person_col) {
			subject_raw = p;
			subject_len = n;
			continue;
		}
		int nv = normalize_value(x, &f->cols[ci], p, n, &x->canon[ci], v);
		if (nv < 0)
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		if (nv == 0)
			bad = true;
	}
	if (!bad && row->nfields > x->nhead) {
		for (size_t i = x->nhead; i < row->nfields; i++)
			if (row->fields[i].len) {
				verdict(v, "", "extra_fields", "该行字段数多于表头", "more fields than the header");
				bad = true;
				break;
			}
	}
	/* 2. required values */
	for (int i = 0; i < f->n_cols && !bad; i++) {
		if (f->cols[i].required && !x->present[i]) {
			v->col = f->cols[i].name;
			v->code = "missing";
			snprintf(v->zh, sizeof v->zh, "缺少必填值“%s”", f->cols[i].name);
			snprintf(v->en, sizeof v->en, "required value %s is missing", f->cols[i].name);
			bad = true;
		}
	}
	/* 3. date ranges: the end never before the start */
	for (int r = 0; r < f->n_ranges && !bad; r++) {
		int a = f->range_start[r], e = f->range_end[r];
		if (x->present[a] && x->present[e] &&
		    strcmp(ms_buf_str(&x->canon[e]), ms_buf_str(&x->canon[a])) < 0) {
			v->col = f->cols[e].name;
			v->code = "range";
			snprintf(v->zh, sizeof v->zh, "“%s”早于“%s”", f->cols[e].name, f->cols[a].name);
			snprintf(v->en, sizeof v->en, "%s is before %s", f->cols[e].name, f->cols[a].name);
			bad = true;
		}
	}
	if (bad)
		return MS_ERR_OK;
	/* 4. the subject: valid, or well-shaped for linkage in stage 2 */
	if (f->person_col >= 0 && subject_raw) {
		char id[MS_ID_STR];
		link_outcome lo = check_subject(x, subject_raw, subject_len, v, id, &pr->id_status);
		if (lo == LINK_REJECT)
			return MS_ERR_OK;
		pr->need_link = lo == LINK_REVIEW;
		memcpy(pr->idno, id, MS_ID_STR);
		ms_buf_clear(&x->canon[f->person_col]);
		if (ms_buf_append(&x->canon[f->person_col], id, MS_ID_LEN))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		/* as written, for the review queue and the corrections table */
		size_t rn = subject_len < 63 ? subject_len : 63;
		if (pr->need_link && text_add(t, subject_raw, rn, &pr->raw))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	/* 5. canonical values and the natural key */
	size_t total = 0;
	for (int i = 0; i < f->n_cols; i++)
		total += (i ? 1 : 0) + x->canon[i].len;
	if (total > VALS_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "行 %llu 过长 (row too long)",
		                    (unsigned long long)row->number);
	if (ms_buf_reserve(t, total + 1))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	pr->vals = t->len;
	for (int i = 0; i < f->n_cols; i++) {
		if (i)
			t->p[t->len++] = SEP;
		if (i == f->person_col && x->canon[i].len == MS_ID_LEN)
			pr->vals_id = t->len;
		if (x->canon[i].len)
			memcpy(t->p + t->len, x->canon[i].p, x->canon[i].len);
		t->len += x->canon[i].len;
	}
	t->p[t->len++] = '\0';
	t->p[t->len] = '\0';
	total = 0;
	for (int k = 0; k < f->n_key; k++)
		total += (k ? 1 : 0) + x->canon[f->key[k]].len;
	if (total > VALS_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "行 %llu 过长 (row too long)",
		                    (unsigned long long)row->number);
	if (ms_buf_reserve(t, total + 1))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	pr->nkey = t->len;
	for (int k = 0; k < f->n_key; k++) {
		int i = f->key[k];
		if (k)
			t->p[t->len++] = SEP;
		if (i == f->person_col && x->canon[i].len == MS_ID_LEN)
			pr->nkey_id[pr->n_key_id++] = t->len - pr->nkey;
		if (x->canon[i].len)
			memcpy(t->p + t->len, x->canon[i].p, x->canon[i].len);
		t->len += x->canon[i].len;
	}
	t->p[t->len++] = '\0';
	t->p[t->len] = '\0';
	if (pr->vals_id != NO_TEXT)
		pr->vals_id -= pr->vals;
	if (f->date_col >= 0 && x->present[f->date_col]) {
		ms_date day = MS_DATE_NONE;
		ms_date_parse(x->canon[f->date_col].p, x->canon[f->date_col].len, &day);
		pr->day = day;
	}
	if (f->area_col >= 0 && x->present[f->area_col]) {
		const char *a = ms_buf_str(&x->canon[f->area_col]);
		if (text_add(t, a, strlen(a), &pr->area))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	if (pr->need_link && f->name_col >= 0 && x->present[f->name_col]) {
		const ms_buf *nb = &x->canon[f->name_col];
		if (text_add(t, nb->p ? nb->p : "", nb->len, &pr->name))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	if (extra_json(x, row, t, &pr->extra))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	pr->kind = PREP_ROW;
	return MS_ERR_OK;
}

/* Fills a batch from the reader: until it is full, its text passes
 * PIPE_BATCH_BYTES, the file ends or the file cannot be read further.
 * Returns true when it is the last. */
static bool prep_batch_fill(prep_ctx *x, ms_reader *r, prep_batch *b)
{
	b->n = 0;
	b->last = false;
	b->rc = MS_ERR_OK;
	ms_error_clear(&b->err);
	if (b->text.cap > PIPE_TEXT_KEEP) {
		/* a batch of very long rows: give the memory back */
		ms_buf_free(&b->text);
		ms_buf_init(&b->text, PIPE_TEXT_MAX);
	}
	ms_buf_clear(&b->text);
	while (b->n < PIPE_BATCH_ROWS && b->text.len < PIPE_BATCH_BYTES) {
		ms_row row;
		ms_err rc = ms_reader_next(r, &row, &b->err);
		if (rc == MS_ERR_NOT_FOUND) {
			ms_error_clear(&b->err);
			b->last = true;
			return true;
		}
		if (rc) {
			/* a file that breaks off half-way is refused whole */
			if (rc != MS_ERR_NOMEM) {
				rc = MS_ERR_REFUSED;
				b->err.code = rc;
			}
			b->rc = rc;
			b->last = true;
			return true;
		}
		prep_row *pr = &b->rows[b->n];
		rc = prep_row_fill(x, b, pr, &row, &b->err);
		if (rc) {
			b->rc = rc;
			b->last = true;
			return true;
		}
		ms_reader_progress(r, &pr->prog_done, &pr->prog_total);
		b->n++;
	}
	return false;
}

/* The reading thread: fills batches while the ring has room. */
static void *prep_thread(void *arg)
{
	pipeline *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->produced - p->consumed >= p->nb)
			pthread_cond_wait(&p->emptied, &p->mu);
		bool stop = p->stop;
		prep_batch *b = &p->b[p->produced % p->nb];
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		bool last = prep_batch_fill(p->x, p->r, b);
		pthread_mutex_lock(&p->mu);
		p->produced++;
		pthread_cond_signal(&p->filled);
		pthread_mutex_unlock(&p->mu);
		if (last)
			break;
	}
	return NULL;
}

/* The next batch in file order, filled by the thread or here. */
static prep_batch *pipe_take(pipeline *p)
{
	if (!p->threaded) {
		prep_batch_fill(p->x, p->r, &p->b[0]);
		return &p->b[0];
	}
	pthread_mutex_lock(&p->mu);
	while (p->produced == p->consumed)
		pthread_cond_wait(&p->filled, &p->mu);
	prep_batch *b = &p->b[p->consumed % p->nb];
	pthread_mutex_unlock(&p->mu);
	return b;
}

/* Gives a stored batch back to the ring. */
static void pipe_give_back(pipeline *p)
{
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	p->consumed++;
	pthread_cond_signal(&p->emptied);
	pthread_mutex_unlock(&p->mu);
}

/* Sets up the ring; the thread starts when `threaded` (and falls back to
 * the calling thread when it cannot be started). */
static ms_err pipe_start(pipeline *p, prep_ctx *x, ms_reader *r, bool threaded)
{
	memset(p, 0, sizeof *p);
	p->x = x;
	p->r = r;
	p->nb = threaded ? PIPE_BATCHES : 1;
	p->b = ms_calloc(p->nb, sizeof *p->b);
	if (!p->b)
		return MS_ERR_NOMEM;
	for (unsigned i = 0; i < p->nb; i++)
		ms_buf_init(&p->b[i].text, PIPE_TEXT_MAX);
	if (!threaded)
		return MS_ERR_OK;
	if (pthread_mutex_init(&p->mu, NULL) == 0) {
		if (pthread_cond_init(&p->filled, NULL) == 0) {
			if (pthread_cond_init(&p->emptied, NULL) == 0) {
				if (pthread_create(&p->thread, NULL, prep_thread, p) == 0) {
					p->threaded = true;
					return MS_ERR_OK;
				}
				pthread_cond_destroy(&p->emptied);
			}
			pthread_cond_destroy(&p->filled);
		}
		pthread_mutex_destroy(&p->mu);
	}
	return MS_ERR_OK;
}

/* Stops the reading thread (when it still runs), waits for it and frees
 * the ring. */
static void pipe_end(pipeline *p)
{
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->emptied);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->emptied);
		pthread_cond_destroy(&p->filled);
		pthread_mutex_destroy(&p->mu);
		p->threaded = false;
	}
	if (p->b) {
		for (unsigned i = 0; i < p->nb; i++)
			ms_buf_free(&p->b[i].text);
		ms_free(p->b);
		p->b = NULL;
	}
}

/* ---- stage 2: identity linkage ---- */

/* Whether the registry person idno has this name. */
static ms_err person_has_name(import_ctx *x, ms_store *s, const char *idno, const char *name,
                              size_t name_len, bool *match, ms_error *err)
{
	*match = false;
	if (!x->persons || x->persons->name_col < 0)
		return MS_ERR_OK;
	char vals[4096];
	ms_err rc = ms_store_current_vals(s, x->persons_feed_id, idno, vals, sizeof vals, err);
	if (rc == MS_ERR_NOT_FOUND)
		return MS_ERR_OK;
	if (rc)
		return rc;
	size_t n;
	const char *pn = ms_vals_field(vals, x->persons->name_col, &n);
	*match = pn && n == name_len && memcmp(pn, name, n) == 0;
	return MS_ERR_OK;
}

/* Links a well-shaped number that fails validation: LINK_CORRECTED when one
 * edit makes it valid and names exactly one registry person with the same
 * name (pr->idno then holds that number), else LINK_REVIEW with the reason
 * in pr->v and the candidates found in `cands`. */
static ms_err link_invalid(import_ctx *x, ms_store *s, prep_row *pr, const char *text,
                           link_outcome *out, char *cands, size_t cands_cap, ms_error *err)
{
	row_verdict *v = &pr->v;
	ms_id_status st = pr->id_status;
	/* one edit away, same name, exactly one registry person */
	char corr[64][MS_ID_STR];
	size_t total = ms_id_corrections(pr->idno, x->today, corr, 64);
	size_t nc = total < 64 ? total : 64;
	const char *name = NULL;
	size_t name_len = 0;
	if (pr->name != NO_TEXT) {
		name = text + pr->name;
		name_len = strlen(name);
	}
	int matches = 0;
	char found[MS_ID_STR] = "";
	size_t co = 0;
	cands[0] = '\0';
	for (size_t i = 0; i < nc && name; i++) {
		bool m;
		ms_err rc = person_has_name(x, s, corr[i], name, name_len, &m, err);
		if (rc)
			return rc;
		if (!m)
			continue;
		matches++;
		memcpy(found, corr[i], MS_ID_STR);
		int w = snprintf(cands + co, cands_cap - co, "%s%s", co ? "," : "", corr[i]);
		if (w > 0 && (size_t)w < cands_cap - co)
			co += (size_t)w;
	}
	if (matches == 1) {
		memcpy(pr->idno, found, MS_ID_STR);
		*out = LINK_CORRECTED;
		return MS_ERR_OK;
	}
	if (matches > 1) {
		snprintf(v->zh, sizeof v->zh, "身份证号无效：%s；有 %d 个同名候选人，需人工核对",
		         ms_id_status_zh(st), matches);
		snprintf(v->en, sizeof v->en, "invalid identity number: %s; %d same-name candidates",
		         ms_id_status_en(st), matches);
	} else {
		snprintf(v->zh, sizeof v->zh, "身份证号无效：%s；登记库中无可纠正的同名人员",
		         ms_id_status_zh(st));
		snprintf(v->en, sizeof v->en,
		         "invalid identity number: %s; no same-name registry person one edit away",
		         ms_id_status_en(st));
	}
	*out = LINK_REVIEW;
	return MS_ERR_OK;
}

/* ---- stage 2: one row against the store ---- */

static ms_err store_reject(import_ctx *x, ms_store *s, const prep_row *pr, const char *text,
                           ms_error *err)
{
	const row_verdict *v = &pr->v;
	ms_reject_in r = {x->batch_id, (int64_t)pr->number, v->col ? v->col : "", v->code,
	                  v->zh,       v->en,                text + pr->orig};
	x->c.rejected++;
	return ms_store_reject_insert(s, &r, err);
}

static ms_err reject_duplicate(import_ctx *x, ms_store *s, prep_row *pr, const char *text,
                               int64_t dup, ms_error *err)
{
	row_verdict *v = &pr->v;
	v->col = "";
	v->code = "duplicate";
	snprintf(v->zh, sizeof v->zh, "与第 %lld 行的关键字段重复", (long long)dup);
	snprintf(v->en, sizeof v->en, "duplicate of row %lld", (long long)dup);
	return store_reject(x, s, pr, text, err);
}

static ms_err store_row(import_ctx *x, ms_store *s, prep_batch *b, prep_row *pr, ms_error *err)
{
	char *text = b->text.p;
	x->c.rows++;
	if (pr->kind == PREP_REJECT)
		return store_reject(x, s, pr, text, err);
	/* 4. the subject: valid, corrected, or for review */
	link_outcome lo = LINK_OK;
	char cands[64 * 20];
	cands[0] = '\0';
	ms_err rc;
	if (pr->need_link) {
		if ((rc = link_invalid(x, s, pr, text, &lo, cands, sizeof cands, err)))
			return rc;
		if (lo == LINK_CORRECTED) {
			/* the corrected number in place of the invalid one */
			if (pr->vals_id != NO_TEXT)
				memcpy(text + pr->vals + pr->vals_id, pr->idno, MS_ID_LEN);
			for (int k = 0; k < pr->n_key_id; k++)
				memcpy(text + pr->nkey + pr->nkey_id[k], pr->idno, MS_ID_LEN);
		}
	}
	const char *vals = text + pr->vals, *nkey = text + pr->nkey;
	const char *area = pr->area != NO_TEXT ? text + pr->area : NULL;
	const char *extra = pr->extra != NO_TEXT ? text + pr->extra : NULL;
	const char *raw = pr->raw != NO_TEXT ? text + pr->raw : "";
	if (lo == LINK_REVIEW) {
		/* review rows are kept aside with everything needed to link them */
		char name[256] = "";
		if (pr->name != NO_TEXT)
			snprintf(name, sizeof name, "%s", text + pr->name);
		ms_review r = {.batch_id = x->batch_id, .row = (int64_t)pr->number, .feed_id = x->feed_id,
		               .idno_raw = raw, .name = name, .reason = pr->v.zh, .candidates = cands,
		               .nkey = nkey, .area = area, .vals = vals, .extra = extra, .day = pr->day};
		rc = ms_store_review_insert(s, &r, err);
		x->c.review++;
		return rc;
	}
	/* 6. against what the store knows of the key */
	ms_key_probe kp;
	memset(&kp, 0, sizeof kp);
	if (x->feed_has_data && (rc = ms_store_key_probe(s, x->feed_id, nkey, x->batch_id, &kp, err)))
		return rc;
	if (kp.dup_row > 0)
		return reject_duplicate(x, s, pr, text, kp.dup_row, err);
	if (kp.has_current && strcmp(kp.cur_vals, vals) == 0) {
		int64_t dup;
		if ((rc = ms_store_unchanged_mark(s, nkey, (int64_t)pr->number, &dup, err)))
			return rc;
		if (dup)
			return reject_duplicate(x, s, pr, text, dup, err);
		x->c.unchanged++;
		return MS_ERR_OK;
	}
	ms_record_in rec = {x->feed_id, x->batch_id, (int64_t)pr->number,
	                    nkey,       pr->idno[0] ? pr->idno : NULL,
	                    area,       pr->day,     vals,
	                    extra};
	rc = ms_store_record_insert(s, &rec, err);
	if (rc == MS_ERR_EXISTS) {
		/* without a probe, the unique key finds the repeat */
		int64_t dup;
		if ((rc = ms_store_key_row(s, x->feed_id, nkey, x->batch_id, &dup, err)))
			return rc;
		return reject_duplicate(x, s, pr, text, dup, err);
	}
	if (rc)
		return rc;
	if (kp.has_current)
		x->c.updated++;
	else
		x->c.accepted++;
	if (lo == LINK_CORRECTED) {
		x->c.corrected++;
		rc = ms_store_correction_insert(s, x->batch_id, (int64_t)pr->number, raw, pr->idno, err);
	}
	return rc;
}

/* Stores the rows of a batch in order, committing every chunk so that other
 * writers get in between. */
static ms_err store_batch(import_ctx *x, ms_store *s, prep_batch *b, ms_error *err)
{
	const ms_import_opts *o = x->o;
	for (int i = 0; i < b->n; i++) {
		prep_row *pr = &b->rows[i];
		ms_err rc = store_row(x, s, b, pr, err);
		if (rc)
			return rc;
		if (++x->in_chunk >= x->chunk ||
		    ((x->in_chunk & 1023) == 0 && now_mono() - x->chunk_start > IMPORT_CHUNK_SECONDS)) {
			/* let other writers in between chunks */
			if ((rc = ms_store_commit(s, err)))
				return rc;
			x->in_tx = false;
			ms_progress_report(o->progress, "导入 import", pr->prog_done, pr->prog_total);
			if ((rc = ms_store_begin_write(s, err)))
				return rc;
			x->in_tx = true;
			x->in_chunk = 0;
			x->chunk_start = now_mono();
		}
	}
	return MS_ERR_OK;
}

/* ---- the file ---- */

/* SHA-256 of the file's bytes through OpenSSL, which uses the processor's
 * SHA instructions where it has them; *size receives the number of bytes. */
static ms_err file_sha256(const ms_import_opts *o, char out[65], uint64_t *size, ms_error *err)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hn = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	ms_err rc = MS_ERR_OK;
	*size = 0;
	if (o->data) {
		EVP_DigestUpdate(md, o->data, o->len);
		*size = o->len;
	} else {
		FILE *fp = fopen(o->path, "rb");
		unsigned char *buf = fp ? ms_malloc(1 << 20) : NULL;
		if (!fp) {
			rc = ms_error_set(err, MS_ERR_REFUSED, "无法打开文件 %s (cannot open file): %s", o->path,
			                  strerror(errno));
		} else if (!buf) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		} else {
			size_t n;
			while ((n = fread(buf, 1, 1 << 20, fp)) > 0) {
				EVP_DigestUpdate(md, buf, n);
				*size += n;
			}
			if (ferror(fp))
				rc = ms_error_set(err, MS_ERR_REFUSED, "读取文件 %s 失败 (cannot read file)", o->path);
		}
		if (fp)
			fclose(fp);
		ms_free(buf);
	}
	if (!rc && EVP_DigestFinal_ex(md, h, &hn) != 1)
		rc = ms_error_set(err, MS_ERR_INTERNAL, "SHA-256 failed");
	EVP_MD_CTX_free(md);
	if (rc)
		return rc;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < hn && i < 32; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
	return MS_ERR_OK;
}

/* Matches the header to the feed's columns; refuses the file when a
 * required column is missing or two headers name the same column. */
static ms_err map_header(prep_ctx *x, const ms_row *h, ms_error *err)
{
	const ms_feed *f = x->feed;
	int seen[MS_FEED_MAX_COLUMNS];
	for (int i = 0; i < f->n_cols; i++)
		seen[i] = -1;
	x->nhead = h->nfields < MS_READER_MAX_FIELDS ? h->nfields : MS_READER_MAX_FIELDS;
	for (size_t i = 0; i < x->nhead; i++) {
		int ci = ms_feed_find_column(f, h->fields[i].ptr, h->fields[i].len);
		x->map[i] = ci;
		if (ci < 0)
			continue;
		if (seen[ci] >= 0)
			return ms_error_set(err, MS_ERR_REFUSED,
			                    "第 %d 列和第 %zu 列都对应“%s”，无法判断用哪一列 "
			                    "(columns %d and %zu both match %s)",
			                    seen[ci] + 1, i + 1, f->cols[ci].name, seen[ci] + 1, i + 1,
			                    f->cols[ci].name);
		seen[ci] = (int)i;
	}
	for (int i = 0; i < f->n_cols; i++) {
		if (f->cols[i].required && seen[i] < 0) {
			char aliases[400] = "";
			size_t o = 0;
			for (int k = 0; k < f->cols[i].n_aliases; k++) {
				int w = snprintf(aliases + o, sizeof aliases - o, "%s%s", k ? "、" : "（也可写作 ",
				                 f->cols[i].aliases[k]);
				if (w < 0 || (size_t)w >= sizeof aliases - o)
					break;
				o += (size_t)w;
			}
			if (o && o + 4 < sizeof aliases)
				snprintf(aliases + o, sizeof aliases - o, "）");
			return ms_error_set(err, MS_ERR_REFUSED,
			                    "缺少必需的列“%s”%s，整个文件未导入 (required column %s is "
			                    "missing; the file was not imported)",
			                    f->cols[i].name, aliases, f->cols[i].name);
		}
	}
	return MS_ERR_OK;
}

static ms_err write_rejects_file(ms_store *s, int64_t batch_id, const char *path, ms_error *err);

static void prep_free(prep_ctx *x)
{
	for (int i = 0; i < MS_FEED_MAX_COLUMNS; i++)
		ms_buf_free(&x->canon[i]);
}


/* Adopts stage 1's error as the import's (the first failure recorded wins). */
static ms_err adopt_error(ms_error *err, const prep_batch *b)
{
	if (err && err->code == MS_ERR_OK)
		*err = b->err;
	else if (err)
		err->code = b->rc;
	return b->rc;
}

ms_err ms_import_run(ms_store *s, const ms_feed_set *feeds, const ms_import_opts *o,
                     ms_import_result *res, ms_error *err)
{
	memset(res, 0, sizeof *res);
	const ms_feed *f = ms_feed_set_find(feeds, o->feed ? o->feed : "");
	if (!f) {
		char names[1024] = "";
		size_t w = 0;
		for (int i = 0; i < feeds->n; i++) {
			int k = snprintf(names + w, sizeof names - w, "%s%s", i ? ", " : "", feeds->feeds[i]->name);
			if (k < 0 || (size_t)k >= sizeof names - w)
				break;
			w += (size_t)k;
		}
		return ms_error_set(err, MS_ERR_USAGE, "未知的数据源“%s”(unknown feed); 可用 available: %s",
		                    o->feed ? o->feed : "", names);
	}
	const char *fname = o->name ? o->name : (o->path ? o->path : "upload");
	uint64_t size = 0;
	ms_err rc = file_sha256(o, res->sha256, &size, err);
	if (rc)
		return rc;
	prep_ctx px;
	memset(&px, 0, sizeof px);
	px.feed = f;
	px.today = o->today;
	for (int i = 0; i < MS_FEED_MAX_COLUMNS; i++)
		ms_buf_init(&px.canon[i], 64 * 1024);
	import_ctx x;
	memset(&x, 0, sizeof x);
	x.feed = f;
	x.persons = ms_import_person_feed(feeds);
	x.today = o->today;
	x.o = o;
	pipeline pipe;
	memset(&pipe, 0, sizeof pipe);
	ms_reader *r = NULL;
	bool locked = false;

	if ((rc = ms_store_import_lock(s, err)))
		goto done;
	locked = true;
	if ((rc = ms_store_cleanup_staging(s, &res->cleaned, err)))
		goto done;
	if ((rc = ms_store_begin_write(s, err)))
		goto done;
	x.in_tx = true;
	if ((rc = ms_store_feed_id(s, f->name, &x.feed_id, err)))
		goto done;
	if (x.persons && (rc = ms_store_feed_id(s, x.persons->name, &x.persons_feed_id, err)))
		goto done;
	ms_batch b;
	rc = ms_store_batch_find(s, x.feed_id, res->sha256, &b, err);
	if (rc == MS_ERR_OK) {
		res->batch_id = b.id;
		res->counts = b.counts;
		snprintf(res->format, sizeof res->format, "%s", b.format ? b.format : "");
		snprintf(res->encoding, sizeof res->encoding, "%s", b.encoding ? b.encoding : "");
		if (b.state == MS_BATCH_REVOKED) {
			rc = ms_error_set(err, MS_ERR_REFUSED,
			                  "这个文件（批次 %lld）已于 %s 被撤销，不能再次导入 (this file, batch %lld, "
			                  "was revoked; it cannot be imported again)",
			                  (long long)b.id, b.revoked ? b.revoked : "", (long long)b.id);
			goto done;
		}
		res->already = true;
		rc = MS_ERR_OK;
		goto done;
	}
	if (rc != MS_ERR_NOT_FOUND)
		goto done;
	ms_error_clear(err);

	if (o->data)
		r = ms_reader_open_mem(o->data, o->len, fname, MS_FMT_AUTO, NULL, err);
	else
		r = ms_reader_open(o->path, MS_FMT_AUTO, NULL, err);
	if (!r) {
		rc = err && err->code == MS_ERR_NOMEM ? MS_ERR_NOMEM : MS_ERR_REFUSED;
		if (err)
			err->code = rc;
		goto done;
	}
	snprintf(res->format, sizeof res->format, "%s", ms_reader_format_name(ms_reader_format_of(r)));
	snprintf(res->encoding, sizeof res->encoding, "%s", ms_reader_encoding(r));
	px.header = ms_reader_header(r);
	if ((rc = map_header(&px, px.header, err)))
		goto done;
	if ((rc = ms_store_batch_create(s, x.feed_id, res->sha256, fname, res->format, res->encoding,
	                                o->actor, &x.batch_id, err)))
		goto done;
	res->batch_id = x.batch_id;
	ms_store_unchanged_reset(s);
	if ((rc = ms_store_feed_has_data(s, x.feed_id, &x.feed_has_data, err)))
		goto done;

	x.chunk = o->chunk_rows > 0 ? o->chunk_rows : IMPORT_CHUNK_ROWS;
	x.in_chunk = 0;
	x.chunk_start = now_mono();
	/* from here on the reader belongs to stage 1 until pipe_end */
	if (pipe_start(&pipe, &px, r, size >= PIPE_THREAD_BYTES))
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
	while (!rc) {
		prep_batch *pb = pipe_take(&pipe);
		rc = store_batch(&x, s, pb, err);
		bool last = pb->last;
		if (!rc && last && pb->rc)
			rc = adopt_error(err, pb);
		pipe_give_back(&pipe);
		if (last)
			break;
	}
	pipe_end(&pipe);
	if (rc)
		goto done;
	res->counts = x.c;
	if ((rc = ms_store_batch_publish(s, x.batch_id, &x.c, err)))
		goto done;
	if ((rc = ms_store_commit(s, err)))
		goto done;
	x.in_tx = false;
	{
		uint64_t done_b, total_b;
		ms_reader_progress(r, &done_b, &total_b);
		ms_progress_report(o->progress, "导入 import", total_b, total_b);
	}
	if (o->rejects_path)
		rc = write_rejects_file(s, x.batch_id, o->rejects_path, err);
done:
	pipe_end(&pipe);
	if (x.in_tx) {
		if (rc)
			ms_store_rollback(s);
		else if (ms_store_commit(s, err))
			rc = err ? err->code : MS_ERR_DB;
	}
	ms_store_unchanged_reset(s);
	if (rc && x.batch_id) {
		/* what was staged is removed now (or by the next import) */
		int64_t removed;
		ms_error ignore;
		ms_error_clear(&ignore);
		ms_store_cleanup_staging(s, &removed, &ignore);
	}
	if (locked)
		ms_store_import_unlock(s);
	if (r)
		ms_reader_close(r);
	prep_free(&px);
	return rc;
}

/* ---- rejects report ---- */

typedef struct {
	FILE *fp;
} rejects_writer;

static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static int reject_line(void *ctx, const ms_reject_in *r)
{
	rejects_writer *w = ctx;
	fprintf(w->fp, "%lld,", (long long)r->row);
	csv_field(w->fp, r->col);
	fputc(',', w->fp);
	csv_field(w->fp, r->code);
	fputc(',', w->fp);
	csv_field(w->fp, r->reason_zh);
	fputc(',', w->fp);
	csv_field(w->fp, r->reason_en);
	fputc(',', w->fp);
	csv_field(w->fp, r->original);
	fputc('\n', w->fp);
	return 0;
}

static ms_err write_rejects_file(ms_store *s, int64_t batch_id, const char *path, ms_error *err)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return ms_error_set(err, MS_ERR_IO, "无法写入拒收清单 %s (cannot write rejects file): %s",
		                    path, strerror(errno));
	/* a BOM so that Excel opens the Chinese text as UTF-8 */
	fputs("\xEF\xBB\xBF行号 row,列 column,代码 code,原因,reason,原始内容 original\n", fp);
	rejects_writer w = {fp};
	ms_err rc = ms_store_reject_list(s, batch_id, 0, reject_line, &w, err);
	if (fclose(fp) != 0 && !rc)
		rc = ms_error_set(err, MS_ERR_IO, "写入拒收清单 %s 失败 (writing the rejects file failed)", path);
	return rc;
}

/* ---- revocation and review ---- */

ms_err ms_import_revoke(ms_store *s, int64_t batch_id, const char *actor, const char *reason,
                        ms_error *err)
{
	/* no import may be comparing against the batch while it is withdrawn */
	ms_err rc = ms_store_import_lock(s, err);
	if (rc)
		return rc;
	rc = ms_store_begin_write(s, err);
	if (!rc) {
		rc = ms_store_batch_revoke(s, batch_id, actor, reason, err);
		if (rc)
			ms_store_rollback(s);
		else
			rc = ms_store_commit(s, err);
	}
	ms_store_import_unlock(s);
	return rc;
}

ms_err ms_import_review_decide(ms_store *s, const ms_feed_set *feeds, int64_t review_id,
                               const char *idno, const char *actor, const char *note,
                               ms_date today, ms_error *err)
{
	if (!idno)
		return ms_store_review_decide(s, review_id, NULL, NULL, actor, note, err);
	char id[MS_ID_STR];
	ms_id_status st = ms_id_check(idno, strlen(idno), today, id);
	if (st != MS_ID_OK)
		return ms_error_set(err, MS_ERR_INVALID, "身份证号 %s 无效：%s (invalid: %s)", idno,
		                    ms_id_status_zh(st), ms_id_status_en(st));
	const ms_feed *persons = ms_import_person_feed(feeds);
	if (persons) {
		int64_t pid;
		ms_err rc = ms_store_feed_id(s, persons->name, &pid, err);
		if (rc)
			return rc;
		char vals[4096];
		rc = ms_store_current_vals(s, pid, id, vals, sizeof vals, err);
		if (rc == MS_ERR_NOT_FOUND)
			return ms_error_set(err, MS_ERR_NOT_FOUND,
			                    "登记库中没有身份证号为 %s 的人员 (no registry person with that number)",
			                    id);
		if (rc)
			return rc;
	}
	/* the stored values carry the linked number in the identity column */
	ms_review rv;
	ms_err rc = ms_store_review_get(s, review_id, &rv, err);
	if (rc)
		return rc;
	const ms_feed *f = NULL;
	for (int i = 0; i < feeds->n; i++)
		if (!strcmp(feeds->feeds[i]->name, rv.feed))
			f = feeds->feeds[i];
	ms_buf vals;
	ms_buf_init(&vals, VALS_MAX);
	for (int i = 0; rv.vals; i++) {
		size_t n;
		const char *v = ms_vals_field(rv.vals, i, &n);
		if (!v)
			break;
		if (i)
			ms_buf_putc(&vals, SEP);
		if (f && i == f->person_col)
			ms_buf_append(&vals, id, MS_ID_LEN);
		else
			ms_buf_append(&vals, v, n);
	}
	char *copy = ms_buf_detach(&vals);
	if (!copy)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	rc = ms_store_review_decide(s, review_id, id, copy, actor, note, err);
	ms_free(copy);
	return rc;
}
