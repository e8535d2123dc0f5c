/* import.c — one file into one batch: header matching, per-type validation
 * and normalisation, identity linkage (one-edit correction against the
 * registry, else the review queue), natural keys, and the row accounting of
 * SPEC §2.5. Rows are staged in short transactions and the batch is
 * published by a single update at the end. */
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
#include <stdio.h>
#include <string.h>
#include <time.h>

#define IMPORT_CHUNK_ROWS 50000
#define IMPORT_CHUNK_SECONDS 0.25
#define VALS_MAX (256 * 1024)
#define SEP '\x1f'

/* A rejection: the column it concerns and the reason. */
typedef struct {
	const char *col;
	const char *code;
	char zh[256];
	char en[256];
} row_verdict;

typedef struct {
	const ms_feed *feed;
	const ms_feed *persons; /* registry of persons, for corrections */
	int64_t feed_id, persons_feed_id, batch_id;
	int map[MS_READER_MAX_FIELDS]; /* file column → feed column, -1 extra */
	size_t nhead;
	const ms_row *header;
	ms_date today;
	bool feed_has_data; /* false: no key can have a current version */
	/* per-row scratch */
	ms_buf canon[MS_FEED_MAX_COLUMNS];
	bool present[MS_FEED_MAX_COLUMNS];
	ms_buf vals, nkey, orig, tmp;
	char idno[MS_ID_STR];
	ms_date day;
	ms_batch_counts c;
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

/* Normalises one value into out; false with a verdict when it is invalid.
 * The value is already trimmed and non-empty. */
static bool normalize_value(import_ctx *x, const ms_feed_column *col, const char *s, size_t n,
                            ms_buf *out, row_verdict *v)
{
	char fold[512];
	const char *f = s;
	size_t fn = n;
	if (col->type != MS_COL_TEXT) {
		if (n >= sizeof fold) {
			verdict(v, col->name, "too_long", "值过长", "value too long");
			return false;
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
			return false;
		}
		if (ms_utf8_length(s, n) > (size_t)max) {
			snprintf(v->zh, sizeof v->zh, "超过 %d 个字符", max);
			snprintf(v->en, sizeof v->en, "longer than %d characters", max);
			v->col = col->name;
			v->code = "too_long";
			return false;
		}
		return ms_buf_append(out, s, n) == MS_ERR_OK;
	}
	case MS_COL_IDNUM: {
		char id[MS_ID_STR];
		ms_id_status st = ms_id_check(f, fn, x->today, id);
		if (st != MS_ID_OK) {
			v->col = col->name;
			v->code = st == MS_ID_BAD_SHAPE ? "id_shape" : "id_invalid";
			snprintf(v->zh, sizeof v->zh, "身份证号无效：%s", ms_id_status_zh(st));
			snprintf(v->en, sizeof v->en, "invalid identity number: %s", ms_id_status_en(st));
			return false;
		}
		return ms_buf_append(out, id, MS_ID_LEN) == MS_ERR_OK;
	}
	case MS_COL_ENUM:
		for (int i = 0; i < col->n_values; i++)
			if (strlen(col->values[i]) == fn && memcmp(col->values[i], f, fn) == 0)
				return ms_buf_puts(out, col->values[i]) == MS_ERR_OK;
		for (int i = 0; i < col->n_syn; i++)
			if (strlen(col->syn_from[i]) == fn && memcmp(col->syn_from[i], f, fn) == 0)
				return ms_buf_puts(out, col->syn_to[i]) == MS_ERR_OK;
		{
			char list[200] = "";
			size_t o = 0;
			for (int i = 0; i < col->n_values && o + 1 < sizeof list; i++) {
				int w = snprintf(list + o, sizeof list - o, "%s%s", i ? "/" : "", col->values[i]);
				if (w < 0 || (size_t)w >= sizeof list - o)
					break;
				o += (size_t)w;
			}
			v->col = col->name;
			v->code = "enum";
			snprintf(v->zh, sizeof v->zh, "不是允许的取值（%s）", list);
			snprintf(v->en, sizeof v->en, "not one of the allowed values (%s)", list);
		}
		return false;
	case MS_COL_DATE: {
		ms_date d;
		if (ms_date_parse(f, fn, &d) != MS_ERR_OK) {
			verdict(v, col->name, "date", "日期无效或格式不对（如 2023-05-01）",
			        "not a valid date (e.g. 2023-05-01)");
			return false;
		}
		ms_date_format(d, tmp);
		return ms_buf_puts(out, tmp) == MS_ERR_OK;
	}
	case MS_COL_MONTH: {
		ms_month m;
		if (ms_month_parse(f, fn, &m) != MS_ERR_OK) {
			verdict(v, col->name, "month", "月份无效（如 2023-05）", "not a valid month (e.g. 2023-05)");
			return false;
		}
		ms_month_format(m, tmp);
		return ms_buf_puts(out, tmp) == MS_ERR_OK;
	}
	case MS_COL_MONEY: {
		ms_money m;
		if (ms_money_parse(f, fn, &m) != MS_ERR_OK) {
			verdict(v, col->name, "money", "金额无效（元，最多两位小数）",
			        "not a valid amount (yuan, at most 2 decimals)");
			return false;
		}
		return put_int(out, m);
	}
	case MS_COL_DECIMAL: {
		int64_t d;
		if (ms_decimal_parse(f, fn, col->scale, &d) != MS_ERR_OK) {
			v->col = col->name;
			v->code = "decimal";
			snprintf(v->zh, sizeof v->zh, "数值无效（非负，最多 %d 位小数）", col->scale);
			snprintf(v->en, sizeof v->en, "not a valid number (non-negative, at most %d decimals)",
			         col->scale);
			return false;
		}
		return put_int(out, d);
	}
	case MS_COL_INTEGER: {
		int64_t d;
		if (ms_int_parse(f, fn, col->min, col->max, &d) != MS_ERR_OK) {
			verdict(v, col->name, "integer", "不是有效的整数或超出范围",
			        "not a whole number in range");
			return false;
		}
		return put_int(out, d);
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
			return false;
		}
		return ms_buf_append(out, f, fn) == MS_ERR_OK;
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
			return false;
		}
		return ms_buf_append(out, d, dn) == MS_ERR_OK;
	}
	}
	return false;
}

/* ---- the row's original text, for the rejects report ---- */

static void original_text(import_ctx *x, const ms_row *row)
{
	ms_buf_clear(&x->orig);
	for (size_t i = 0; i < row->nfields; i++) {
		const ms_field *fl = &row->fields[i];
		bool quote = memchr(fl->ptr, ',', fl->len) || memchr(fl->ptr, '"', fl->len) ||
		             memchr(fl->ptr, '\n', fl->len);
		if (i)
			ms_buf_putc(&x->orig, ',');
		if (!quote) {
			ms_buf_append(&x->orig, fl->ptr, fl->len);
			continue;
		}
		ms_buf_putc(&x->orig, '"');
		for (size_t k = 0; k < fl->len; k++) {
			if (fl->ptr[k] == '"')
				ms_buf_putc(&x->orig, '"');
			ms_buf_putc(&x->orig, fl->ptr[k]);
		}
		ms_buf_putc(&x->orig, '"');
	}
}

/* ---- identity linkage ---- */

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

typedef enum { LINK_OK, LINK_CORRECTED, LINK_REVIEW, LINK_REJECT } link_outcome;

/* Decides what to do with the subject identity of a row. On LINK_OK and
 * LINK_CORRECTED x->idno holds the number; on LINK_REVIEW `cands` lists the
 * candidates found and `reason` why. */
static ms_err link_subject(import_ctx *x, ms_store *s, const char *raw, size_t rawn,
                           link_outcome *out, row_verdict *v, char *cands, size_t cands_cap,
                           ms_error *err)
{
	const ms_feed_column *col = &x->feed->cols[x->feed->person_col];
	char fold[128];
	if (rawn >= sizeof fold) {
		verdict(v, col->name, "id_shape", "身份证号格式不对（应为 18 位或 15 位）",
		        "not shaped like an identity number (18 or 15 characters)");
		*out = LINK_REJECT;
		return MS_ERR_OK;
	}
	memcpy(fold, raw, rawn);
	size_t fn = ms_text_fold_fullwidth(fold, rawn);
	char id[MS_ID_STR];
	ms_id_status st = ms_id_normalize(fold, fn, id);
	if (st != MS_ID_OK) {
		verdict(v, col->name, "id_shape", "身份证号格式不对（应为 17 位数字加 1 位数字或 X，或 15 位数字）",
		        "not shaped like an identity number (17 digits and a digit or X, or 15 digits)");
		*out = LINK_REJECT;
		return MS_ERR_OK;
	}
	st = ms_id_validate(id, x->today);
	if (st == MS_ID_OK) {
		memcpy(x->idno, id, MS_ID_STR);
		*out = LINK_OK;
		return MS_ERR_OK;
	}
	v->col = col->name;
	v->code = "id_invalid";
	snprintf(v->zh, sizeof v->zh, "身份证号无效：%s", ms_id_status_zh(st));
	snprintf(v->en, sizeof v->en, "invalid identity number: %s", ms_id_status_en(st));
	if (x->feed->invalid_id == MS_INVALID_ID_REJECT) {
		*out = LINK_REJECT;
		return MS_ERR_OK;
	}
	/* one edit away, same name, exactly one registry person */
	char corr[64][MS_ID_STR];
	size_t total = ms_id_corrections(id, x->today, corr, 64);
	size_t nc = total < 64 ? total : 64;
	const char *name = NULL;
	size_t name_len = 0;
	if (x->feed->name_col >= 0 && x->present[x->feed->name_col]) {
		name = x->canon[x->feed->name_col].p;
		name_len = x->canon[x->feed->name_col].len;
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
		memcpy(x->idno, found, MS_ID_STR);
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
	memcpy(x->idno, id, MS_ID_STR);
	*out = LINK_REVIEW;
	return MS_ERR_OK;
}

/* ---- rows ---- */

static ms_err store_reject(import_ctx *x, ms_store *s, const ms_row *row, const row_verdict *v,
                           ms_error *err)
{
	original_text(x, row);
	ms_reject_in r = {x->batch_id, (int64_t)row->number, v->col ? v->col : "", v->code,
	                  v->zh,       v->en,                 ms_buf_str(&x->orig)};
	x->c.rejected++;
	return ms_store_reject_insert(s, &r, err);
}

static ms_err extra_json(import_ctx *x, const ms_row *row, char **out)
{
	*out = NULL;
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
		memcpy(key, h->ptr, kn);
		key[kn] = '\0';
		if (!kn)
			snprintf(key, sizeof key, "第%zu列", i + 1);
		json_object_set_new(o, key, json_stringn(row->fields[i].ptr, row->fields[i].len));
	}
	if (o) {
		*out = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!*out)
			return MS_ERR_NOMEM;
	}
	return MS_ERR_OK;
}

static ms_err import_row(import_ctx *x, ms_store *s, const ms_row *row, ms_error *err)
{
	const ms_feed *f = x->feed;
	row_verdict v = {0};
	x->c.rows++;
	if (row->problem != MS_ROW_OK) {
		verdict(&v, "", "unreadable", row->problem_msg ? row->problem_msg : "行无法读取",
		        row->problem_msg ? row->problem_msg : "row cannot be read");
		return store_reject(x, s, row, &v, err);
	}
	for (int i = 0; i < f->n_cols; i++) {
		ms_buf_clear(&x->canon[i]);
		x->present[i] = false;
	}
	/* 1. types, in file order; the subject identity waits for linkage */
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
		if (!normalize_value(x, &f->cols[ci], p, n, &x->canon[ci], &v))
			bad = true;
	}
	if (!bad && row->nfields > x->nhead) {
		for (size_t i = x->nhead; i < row->nfields; i++)
			if (row->fields[i].len) {
				verdict(&v, "", "extra_fields", "该行字段数多于表头", "more fields than the header");
				bad = true;
				break;
			}
	}
	/* 2. required values */
	for (int i = 0; i < f->n_cols && !bad; i++) {
		if (f->cols[i].required && !x->present[i]) {
			v.col = f->cols[i].name;
			v.code = "missing";
			snprintf(v.zh, sizeof v.zh, "缺少必填值“%s”", f->cols[i].name);
			snprintf(v.en, sizeof v.en, "required value %s is missing", f->cols[i].name);
			bad = true;
		}
	}
	/* 3. date ranges: the end never before the start */
	for (int r = 0; r < f->n_ranges && !bad; r++) {
		int a = f->range_start[r], b = f->range_end[r];
		if (x->present[a] && x->present[b] && strcmp(ms_buf_str(&x->canon[b]), ms_buf_str(&x->canon[a])) < 0) {
			v.col = f->cols[b].name;
			v.code = "range";
			snprintf(v.zh, sizeof v.zh, "“%s”早于“%s”", f->cols[b].name, f->cols[a].name);
			snprintf(v.en, sizeof v.en, "%s is before %s", f->cols[b].name, f->cols[a].name);
			bad = true;
		}
	}
	if (bad)
		return store_reject(x, s, row, &v, err);
	/* 4. the subject: valid, corrected, or for review */
	link_outcome lo = LINK_OK;
	char cands[64 * 20];
	cands[0] = '\0';
	x->idno[0] = '\0';
	if (f->person_col >= 0 && subject_raw) {
		ms_err rc = link_subject(x, s, subject_raw, subject_len, &lo, &v, cands, sizeof cands, err);
		if (rc)
			return rc;
		if (lo == LINK_REJECT)
			return store_reject(x, s, row, &v, err);
		ms_buf_clear(&x->canon[f->person_col]);
		if (ms_buf_append(&x->canon[f->person_col], x->idno, MS_ID_LEN))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	/* 5. canonical values and the natural key */
	ms_buf_clear(&x->vals);
	ms_buf_clear(&x->nkey);
	for (int i = 0; i < f->n_cols; i++) {
		if ((i && ms_buf_putc(&x->vals, SEP)) || ms_buf_append(&x->vals, x->canon[i].p ? x->canon[i].p : "", x->canon[i].len))
			return ms_error_set(err, MS_ERR_TOO_LARGE, "行 %llu 过长 (row too long)",
			                    (unsigned long long)row->number);
	}
	for (int k = 0; k < f->n_key; k++) {
		int i = f->key[k];
		if ((k && ms_buf_putc(&x->nkey, SEP)) || ms_buf_append(&x->nkey, x->canon[i].p, x->canon[i].len))
			return ms_error_set(err, MS_ERR_TOO_LARGE, "行 %llu 过长 (row too long)",
			                    (unsigned long long)row->number);
	}
	ms_date day = MS_DATE_NONE;
	if (f->date_col >= 0 && x->present[f->date_col])
		ms_date_parse(x->canon[f->date_col].p, x->canon[f->date_col].len, &day);
	const char *area = f->area_col >= 0 && x->present[f->area_col] ? x->canon[f->area_col].p : NULL;
	char *extra = NULL;
	if (extra_json(x, row, &extra))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_err rc = MS_ERR_OK;
	if (lo == LINK_REVIEW) {
		/* review rows are kept aside with everything needed to link them */
		char name[256] = "";
		if (f->name_col >= 0 && x->present[f->name_col])
			snprintf(name, sizeof name, "%s", x->canon[f->name_col].p);
		char raw[64];
		size_t rn = subject_len < sizeof raw - 1 ? subject_len : sizeof raw - 1;
		memcpy(raw, subject_raw, rn);
		raw[rn] = '\0';
		ms_review r = {.batch_id = x->batch_id, .row = (int64_t)row->number, .feed_id = x->feed_id,
		               .idno_raw = raw, .name = name, .reason = v.zh, .candidates = cands,
		               .nkey = ms_buf_str(&x->nkey), .area = area, .vals = ms_buf_str(&x->vals),
		               .extra = extra, .day = day};
		rc = ms_store_review_insert(s, &r, err);
		x->c.review++;
		free(extra);
		return rc;
	}
	/* 6. against what the store knows of the key */
	ms_key_probe kp;
	memset(&kp, 0, sizeof kp);
	if (x->feed_has_data) {
		rc = ms_store_key_probe(s, x->feed_id, ms_buf_str(&x->nkey), x->batch_id, &kp, err);
		if (rc)
			goto out;
	}
	if (kp.dup_row > 0) {
		v.col = "";
		v.code = "duplicate";
		snprintf(v.zh, sizeof v.zh, "与第 %lld 行的关键字段重复", (long long)kp.dup_row);
		snprintf(v.en, sizeof v.en, "duplicate of row %lld", (long long)kp.dup_row);
		rc = store_reject(x, s, row, &v, err);
		goto out;
	}
	if (kp.has_current && strcmp(kp.cur_vals, ms_buf_str(&x->vals)) == 0) {
		int64_t dup;
		rc = ms_store_unchanged_mark(s, ms_buf_str(&x->nkey), (int64_t)row->number, &dup, err);
		if (rc)
			goto out;
		if (dup) {
			v.col = "";
			v.code = "duplicate";
			snprintf(v.zh, sizeof v.zh, "与第 %lld 行的关键字段重复", (long long)dup);
			snprintf(v.en, sizeof v.en, "duplicate of row %lld", (long long)dup);
			rc = store_reject(x, s, row, &v, err);
			goto out;
		}
		x->c.unchanged++;
		goto out;
	}
	ms_record_in rec = {x->feed_id,          x->batch_id, (int64_t)row->number,
	                    ms_buf_str(&x->nkey), x->idno[0] ? x->idno : NULL,
	                    area,                day,         ms_buf_str(&x->vals),
	                    extra};
	rc = ms_store_record_insert(s, &rec, err);
	if (rc == MS_ERR_EXISTS) {
		/* without a probe, the unique key finds the repeat */
		int64_t dup;
		rc = ms_store_key_row(s, x->feed_id, ms_buf_str(&x->nkey), x->batch_id, &dup, err);
		if (rc)
			goto out;
		v.col = "";
		v.code = "duplicate";
		snprintf(v.zh, sizeof v.zh, "与第 %lld 行的关键字段重复", (long long)dup);
		snprintf(v.en, sizeof v.en, "duplicate of row %lld", (long long)dup);
		rc = store_reject(x, s, row, &v, err);
		goto out;
	}
	if (rc)
		goto out;
	if (kp.has_current)
		x->c.updated++;
	else
		x->c.accepted++;
	if (lo == LINK_CORRECTED) {
		char raw[64];
		size_t rn = subject_len < sizeof raw - 1 ? subject_len : sizeof raw - 1;
		memcpy(raw, subject_raw, rn);
		raw[rn] = '\0';
		x->c.corrected++;
		rc = ms_store_correction_insert(s, x->batch_id, (int64_t)row->number, raw, x->idno, err);
	}
out:
	free(extra);
	return rc;
}

/* ---- the file ---- */

/* SHA-256 of the file's bytes through OpenSSL, which uses the processor's
 * SHA instructions where it has them. */
static ms_err file_sha256(const ms_import_opts *o, char out[65], ms_error *err)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hn = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	ms_err rc = MS_ERR_OK;
	if (o->data) {
		EVP_DigestUpdate(md, o->data, o->len);
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
			while ((n = fread(buf, 1, 1 << 20, fp)) > 0)
				EVP_DigestUpdate(md, buf, n);
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
static ms_err map_header(import_ctx *x, const ms_row *h, ms_error *err)
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

static void ctx_free(import_ctx *x)
{
	for (int i = 0; i < MS_FEED_MAX_COLUMNS; i++)
		ms_buf_free(&x->canon[i]);
	ms_buf_free(&x->vals);
	ms_buf_free(&x->nkey);
	ms_buf_free(&x->orig);
	ms_buf_free(&x->tmp);
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
	ms_err rc = file_sha256(o, res->sha256, err);
	if (rc)
		return rc;
	import_ctx x;
	memset(&x, 0, sizeof x);
	x.feed = f;
	x.persons = ms_import_person_feed(feeds);
	x.today = o->today;
	for (int i = 0; i < MS_FEED_MAX_COLUMNS; i++)
		ms_buf_init(&x.canon[i], 64 * 1024);
	ms_buf_init(&x.vals, VALS_MAX);
	ms_buf_init(&x.nkey, VALS_MAX);
	ms_buf_init(&x.orig, VALS_MAX);
	ms_buf_init(&x.tmp, VALS_MAX);
	ms_reader *r = NULL;
	bool locked = false, in_tx = false;

	if ((rc = ms_store_import_lock(s, err)))
		goto done;
	locked = true;
	if ((rc = ms_store_cleanup_staging(s, &res->cleaned, err)))
		goto done;
	if ((rc = ms_store_begin_write(s, err)))
		goto done;
	in_tx = true;
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
	x.header = ms_reader_header(r);
	if ((rc = map_header(&x, x.header, err)))
		goto done;
	if ((rc = ms_store_batch_create(s, x.feed_id, res->sha256, fname, res->format, res->encoding,
	                                o->actor, &x.batch_id, err)))
		goto done;
	res->batch_id = x.batch_id;
	ms_store_unchanged_reset(s);
	if ((rc = ms_store_feed_has_data(s, x.feed_id, &x.feed_has_data, err)))
		goto done;

	int chunk = o->chunk_rows > 0 ? o->chunk_rows : IMPORT_CHUNK_ROWS;
	int in_chunk = 0;
	double chunk_start = now_mono();
	ms_row row;
	for (;;) {
		rc = ms_reader_next(r, &row, err);
		if (rc == MS_ERR_NOT_FOUND) {
			rc = MS_ERR_OK;
			break;
		}
		if (rc) {
			/* a file that breaks off half-way is refused whole */
			if (rc != MS_ERR_NOMEM) {
				rc = MS_ERR_REFUSED;
				if (err)
					err->code = rc;
			}
			goto done;
		}
		if ((rc = import_row(&x, s, &row, err)))
			goto done;
		if (++in_chunk >= chunk || ((in_chunk & 1023) == 0 && now_mono() - chunk_start > IMPORT_CHUNK_SECONDS)) {
			/* let other writers in between chunks */
			if ((rc = ms_store_commit(s, err)))
				goto done;
			in_tx = false;
			uint64_t done_b, total_b;
			ms_reader_progress(r, &done_b, &total_b);
			ms_progress_report(o->progress, "导入 import", done_b, total_b);
			if ((rc = ms_store_begin_write(s, err)))
				goto done;
			in_tx = true;
			in_chunk = 0;
			chunk_start = now_mono();
		}
	}
	res->counts = x.c;
	if ((rc = ms_store_batch_publish(s, x.batch_id, &x.c, err)))
		goto done;
	if ((rc = ms_store_commit(s, err)))
		goto done;
	in_tx = false;
	{
		uint64_t done_b, total_b;
		ms_reader_progress(r, &done_b, &total_b);
		ms_progress_report(o->progress, "导入 import", total_b, total_b);
	}
	if (o->rejects_path)
		rc = write_rejects_file(s, x.batch_id, o->rejects_path, err);
done:
	if (in_tx) {
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
	ctx_free(&x);
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
