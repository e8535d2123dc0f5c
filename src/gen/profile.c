/* profile.c — reads gen-profile.ini: the names, shares, volumes and policy
 * numbers the generator is built from, so none of them is a constant in C.
 * A small INI reader (sections, key = value, ; and # comments) is all it needs. */
#include "gen/internal.h"

#include "base/mem.h"
#include "base/text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The shape of every file in canonical column order. */
#define REQ(...) ((uint16_t)(__VA_ARGS__))
const gen_file_desc ms_gen_file_desc[F_COUNT] = {
    [F_HOUSEHOLDS] = {"households", true, 3, {CK_TEXT, CK_AREA, CK_TEXT}, REQ(0x3), -1, -1, -1, -1},
    [F_PERSONS] = {"persons",
                   true,
                   8,
                   {CK_ID, CK_NAME, CK_TEXT, CK_ENUM, CK_AREA, CK_ID, CK_ID, CK_PHONE},
                   REQ(0x1F),
                   -1,
                   -1,
                   3,
                   1},
    [F_CATEGORIES] =
        {"categories", true, 4, {CK_ID, CK_ENUM, CK_DATE, CK_DATE}, REQ(0x7), 2, 3, 1, -1},
    [F_BENEFITS] =
        {"benefits", true, 5, {CK_ID, CK_ENUM, CK_DATE, CK_DATE, CK_MONEY}, REQ(0x17), 2, 3, 1, -1},
    [F_GONGAN] = {"gongan", false, 4, {CK_ID, CK_NAME, CK_ENUM, CK_DATE}, REQ(0xF), -1, -1, 2, 1},
    [F_SIFA] =
        {"sifa", false, 5, {CK_ID, CK_NAME, CK_ENUM, CK_DATE, CK_DATE}, REQ(0xF), 3, 4, 2, 1},
    [F_YIBAO] = {"yibao",
                 false,
                 8,
                 {CK_ID, CK_NAME, CK_TEXT, CK_DATE, CK_MONEY, CK_MONEY, CK_MONEY, CK_TEXT},
                 REQ(0x7F),
                 -1,
                 -1,
                 -1,
                 1},
    [F_SHIYE] =
        {"renshe_shiye", false, 4, {CK_ID, CK_NAME, CK_DATE, CK_DATE}, REQ(0x7), 2, 3, -1, 1},
    [F_YANGLAO] = {"renshe_yanglao",
                   false,
                   5,
                   {CK_ID, CK_NAME, CK_DATE, CK_DATE, CK_MONEY},
                   REQ(0x17),
                   2,
                   3,
                   -1,
                   1},
    [F_JIAOFEI] =
        {"renshe_jiaofei", false, 4, {CK_ID, CK_NAME, CK_MONTH, CK_MONEY}, REQ(0xF), -1, -1, -1, 1},
    [F_JIAOYU] =
        {"jiaoyu", false, 5, {CK_ID, CK_NAME, CK_TEXT, CK_ENUM, CK_DATE}, REQ(0x1B), -1, -1, 3, 1},
    [F_CANLIAN] = {"canlian",
                   false,
                   7,
                   {CK_ID, CK_NAME, CK_TEXT, CK_ENUM, CK_ENUM, CK_DATE, CK_DATE},
                   REQ(0x7B),
                   5,
                   6,
                   4,
                   1},
    [F_BUDONGCHAN] = {"budongchan",
                      false,
                      6,
                      {CK_ID, CK_NAME, CK_ENUM, CK_DEC, CK_DATE, CK_DATE},
                      REQ(0x1F),
                      4,
                      5,
                      2,
                      1},
    [F_JIAOGUAN] = {"jiaoguan",
                    false,
                    6,
                    {CK_ID, CK_NAME, CK_TEXT, CK_TEXT, CK_DATE, CK_DATE},
                    REQ(0x1F),
                    4,
                    5,
                    -1,
                    1},
    [F_SHICHANG] = {"shichang",
                    false,
                    7,
                    {CK_ID, CK_NAME, CK_TEXT, CK_ENUM, CK_INT, CK_DATE, CK_DATE},
                    REQ(0x3F),
                    5,
                    6,
                    3,
                    1},
    [F_NONGYE] =
        {"nongye", false, 5, {CK_ID, CK_NAME, CK_TEXT, CK_DATE, CK_DATE}, REQ(0xF), 3, 4, -1, 1},
    [F_YINGJI] =
        {"yingji", false, 5, {CK_ID, CK_NAME, CK_TEXT, CK_DATE, CK_ENUM}, REQ(0x1F), -1, -1, 4, 1},
};

/* ---- INI text ---- */

typedef struct ini_entry {
	const char *section, *key, *value;
	int line;
} ini_entry;

typedef struct ini {
	ini_entry *e;
	size_t n, cap;
	const char *path;
	ms_error *err;
	ms_err rc;
} ini;

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static ms_err ini_add(ini *in, const char *section, const char *key, const char *value, int line)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 256;
		ini_entry *e = ms_realloc(in->e, cap * sizeof *e);
		if (!e)
			return ms_error_set(in->err, MS_ERR_NOMEM, "内存不足 (out of memory)");
		in->e = e;
		in->cap = cap;
	}
	in->e[in->n++] = (ini_entry){section, key, value, line};
	return MS_ERR_OK;
}

/* Parses text in place (the entries point into it). */
static ms_err ini_parse(ini *in, char *text)
{
	const char *section = "";
	int line = 0;
	char *p = text;
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	while (*p) {
		line++;
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *s = trim(p);
		p = nl ? nl + 1 : p + strlen(p);
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close)
				return ms_error_set(in->err, MS_ERR_INVALID,
				                    "%s:%d: 节名缺少 ] (section without ])",
				                    in->path, line);
			*close = '\0';
			section = trim(s + 1);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			return ms_error_set(in->err, MS_ERR_INVALID,
			                    "%s:%d: 缺少 = (expected key = value)", in->path, line);
		*eq = '\0';
		ms_err rc = ini_add(in, section, trim(s), trim(eq + 1), line);
		if (rc)
			return rc;
	}
	return MS_ERR_OK;
}

static const ini_entry *ini_find(const ini *in, const char *section, const char *key)
{
	for (size_t i = in->n; i-- > 0;)
		if (strcmp(in->e[i].section, section) == 0 && strcmp(in->e[i].key, key) == 0)
			return &in->e[i];
	return NULL;
}

/* The sticky failure of a profile load: the first message wins. */
static void bad(ini *in, const char *section, const char *key, const char *what)
{
	if (in->rc)
		return;
	in->rc =
	    ms_error_set(in->err, MS_ERR_PACK, "%s: [%s] %s: %s", in->path, section, key, what);
}

static const char *get_str(ini *in, const char *section, const char *key, const char *dflt)
{
	const ini_entry *e = ini_find(in, section, key);
	if (e)
		return e->value;
	if (!dflt)
		bad(in, section, key, "缺少此项 (missing)");
	return dflt;
}

static double get_num(ini *in, const char *section, const char *key, double dflt, bool required)
{
	const ini_entry *e = ini_find(in, section, key);
	if (!e) {
		if (required)
			bad(in, section, key, "缺少此项 (missing)");
		return dflt;
	}
	errno = 0;
	char *end;
	double v = strtod(e->value, &end);
	if (errno || end == e->value || *trim(end) != '\0' || !isfinite(v) || v < 0) {
		bad(in, section, key, "应为非负数 (expected a non-negative number)");
		return dflt;
	}
	return v;
}

static int get_int(ini *in, const char *section, const char *key)
{
	double v = get_num(in, section, key, 0, true);
	if (v != floor(v) || v > 100000) {
		bad(in, section, key, "应为整数 (expected a whole number)");
		return 0;
	}
	return (int)v;
}

static bool get_bool(ini *in, const char *section, const char *key, bool dflt)
{
	const ini_entry *e = ini_find(in, section, key);
	if (!e)
		return dflt;
	const char *v = e->value;
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		return true;
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		return false;
	bad(in, section, key, "应为 true 或 false (expected true or false)");
	return dflt;
}

/* Splits a comma list into l; pieces are trimmed, empty ones kept. The
 * value's text is copied into the arena first. */
static void get_list(ini *in, ms_arena *a, const char *section, const char *key, gen_list *l,
                     int min)
{
	l->n = 0;
	const ini_entry *e = ini_find(in, section, key);
	if (!e) {
		if (min > 0)
			bad(in, section, key, "缺少此项 (missing)");
		return;
	}
	char *s = ms_arena_strdup(a, e->value);
	if (!s) {
		bad(in, section, key, "内存不足 (out of memory)");
		return;
	}
	for (;;) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		if (l->n == GEN_LIST_MAX) {
			bad(in, section, key, "列表过长 (list too long)");
			return;
		}
		l->v[l->n++] = trim(s);
		if (!comma)
			break;
		s = comma + 1;
	}
	if (l->n == 1 && l->v[0][0] == '\0')
		l->n = 0;
	if (l->n < min)
		bad(in, section, key, "列表项太少 (too few items)");
}

static ms_money parse_money(ini *in, const char *section, const char *key, const char *s,
                            size_t len)
{
	ms_money v = 0;
	if (ms_money_parse(s, len, &v) || v < 0)
		bad(in, section, key, "金额无效 (bad amount)");
	return v;
}

/* "YYYY-MM-DD amount, YYYY-MM-DD amount" */
static void parse_dated(ini *in, const char *section, const char *key, const char *value,
                        gen_dated *d)
{
	d->n = 0;
	const char *p = value;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *sp = memchr(p, ' ', len);
		while (sp && sp == p) { /* leading blanks */
			p++;
			len--;
			sp = memchr(p, ' ', len);
		}
		if (!sp || d->n == GEN_DATED_MAX) {
			bad(in, section, key,
			    "应为 \"日期 金额\" (expected \"YYYY-MM-DD amount\")");
			return;
		}
		ms_date from;
		if (ms_date_parse(p, (size_t)(sp - p), &from)) {
			bad(in, section, key, "日期无效 (bad date)");
			return;
		}
		if (d->n && from <= d->from[d->n - 1]) {
			bad(in, section, key, "日期须递增 (dates must increase)");
			return;
		}
		d->from[d->n] = from;
		d->fen[d->n] = parse_money(in, section, key, sp, len - (size_t)(sp - p));
		d->n++;
		if (!end)
			break;
		p = end + 1;
	}
	if (d->n == 0)
		bad(in, section, key, "没有取值 (no value)");
}

/* Reads "name" and every "name@PREFIX" of a section into a by-area table. */
static void get_by_area(ini *in, const char *section, const char *name, bool dated, gen_by_area *a)
{
	a->n = 0;
	size_t nlen = strlen(name);
	bool base = false;
	for (size_t i = 0; i < in->n; i++) {
		const ini_entry *e = &in->e[i];
		if (strcmp(e->section, section) || strncmp(e->key, name, nlen))
			continue;
		const char *rest = e->key + nlen;
		if (*rest != '\0' && *rest != '@')
			continue;
		const char *prefix = *rest == '@' ? rest + 1 : "";
		size_t plen = strlen(prefix);
		bool digits = plen <= 12;
		for (size_t k = 0; k < plen; k++)
			digits = digits && prefix[k] >= '0' && prefix[k] <= '9';
		if (!digits || (*rest == '@' && plen == 0) || a->n == GEN_AREA_MAX) {
			bad(in, section, e->key, "区划前缀无效 (bad area prefix)");
			return;
		}
		base = base || plen == 0;
		memcpy(a->prefix[a->n], prefix, plen + 1);
		if (dated) {
			parse_dated(in, section, e->key, e->value, &a->v[a->n]);
		} else {
			a->v[a->n].n = 1;
			a->v[a->n].from[0] = INT32_MIN + 1;
			a->v[a->n].fen[0] =
			    parse_money(in, section, e->key, e->value, strlen(e->value));
		}
		a->n++;
	}
	if (!base)
		bad(in, section, name, "缺少全省取值 (missing the province value)");
}

bool ms_gen_param(const gen_by_area *a, const char *area, ms_date d, ms_money *out)
{
	int best = -1;
	size_t best_len = 0;
	for (int i = 0; i < a->n; i++) {
		size_t len = strlen(a->prefix[i]);
		if (strncmp(area, a->prefix[i], len) == 0 && (best < 0 || len > best_len)) {
			best = i;
			best_len = len;
		}
	}
	if (best < 0)
		return false;
	const gen_dated *v = &a->v[best];
	for (int i = v->n; i-- > 0;)
		if (v->from[i] <= d) {
			*out = v->fen[i];
			return true;
		}
	return false;
}

static void get_amount_range(ini *in, const char *key, ms_money *lo, ms_money *hi)
{
	const char *v = get_str(in, "benefits", key, NULL);
	if (!v)
		return;
	const char *dash = strchr(v, '-');
	if (!dash) {
		bad(in, "benefits", key, "应为 \"最低-最高\" (expected \"min-max\")");
		return;
	}
	*lo = parse_money(in, "benefits", key, v, (size_t)(dash - v));
	*hi = parse_money(in, "benefits", key, dash + 1, strlen(dash + 1));
	if (*hi < *lo)
		bad(in, "benefits", key, "最高低于最低 (max below min)");
}

static const char *const cat_keys[CAT_COUNT] = {
    "dibao",  "tekun",        "bianyuan",      "zhichu",  "linshi",  "guer",
    "shishi", "kunnan_canji", "zhongdu_canji", "fanpin",  "tuopin",  "zhigong",
    "jiuye",  "dabing",       "xuesheng",      "zhufang", "shouzai", "kunjing"};
static const char *const ben_keys[BEN_COUNT] = {"dibao", "tekun",  "kunnan_canji", "zhongdu_canji",
                                                "guer",  "shishi", "linshi"};
static const char *const type_keys[HT_COUNT] = {"type.dibao",  "type.tekun", "type.bianyuan",
                                                "type.zhichu", "type.other", "type.former"};
static const char *const comp_keys[COMP_COUNT] = {
    "comp.single_elderly", "comp.elderly_couple", "comp.single_adult", "comp.couple_kids",
    "comp.single_parent",  "comp.three_gen",      "comp.skip_gen"};
static const char *const dirty_keys[DK_COUNT] = {
    "missing",  "bad_date",  "bad_amount", "inverted", "bad_shape",
    "bad_enum", "duplicate", "corrected",  "review",   "invalid_id"};

static void load_file_spec(ini *in, gen_profile *p, gen_file_id id)
{
	const gen_file_desc *d = &ms_gen_file_desc[id];
	gen_file_spec *f = &p->files[id];
	char section[48];
	snprintf(section, sizeof section, "%s.%s", d->registry ? "file" : "feed", d->feed);
	gen_list cols, hdr;
	get_list(in, &p->arena, section, "columns", &cols, d->ncol);
	if (!in->rc && cols.n != d->ncol)
		bad(in, section, "columns", "列数与文件定义不符 (wrong number of columns)");
	get_list(in, &p->arena, section, "header", &hdr, 0);
	if (!in->rc && hdr.n && hdr.n != d->ncol)
		bad(in, section, "header", "列数与 columns 不符 (must match columns)");
	if (in->rc)
		return;
	for (int i = 0; i < d->ncol; i++) {
		f->col[i] = cols.v[i];
		f->header[i] = hdr.n ? hdr.v[i] : cols.v[i];
	}
	const char *fmt = get_str(in, section, "format", "csv");
	if (!strcmp(fmt, "csv"))
		f->format = FMT_CSV;
	else if (!strcmp(fmt, "tsv"))
		f->format = FMT_TSV;
	else if (!strcmp(fmt, "jsonl"))
		f->format = FMT_JSONL;
	else if (!strcmp(fmt, "xlsx"))
		f->format = FMT_XLSX;
	else
		bad(in, section, "format", "应为 csv, tsv, jsonl 或 xlsx");
	static const char *const ext[] = {"csv", "tsv", "jsonl", "xlsx"};
	const char *file = get_str(in, section, "file", "");
	if (!*file)
		file = ms_arena_printf(&p->arena, "%s.%s", d->feed, ext[f->format]);
	if (!file || strchr(file, '/'))
		bad(in, section, "file", "文件名无效 (bad file name)");
	f->file = file;
	const char *enc = get_str(in, section, "encoding", "utf-8");
	if (!strcmp(enc, "utf-8"))
		f->encoding = ENC_UTF8;
	else if (!strcmp(enc, "gb18030") || !strcmp(enc, "gbk"))
		f->encoding = ENC_GB18030;
	else
		bad(in, section, "encoding", "应为 utf-8 或 gb18030");
	if (f->encoding != ENC_UTF8 && f->format != FMT_CSV && f->format != FMT_TSV)
		bad(in, section, "encoding",
		    "只有 CSV/TSV 可用 GB18030 (only CSV/TSV may be GB18030)");
	f->shuffle = get_bool(in, section, "shuffle", false);
	const char *extra = get_str(in, section, "extra_column", "");
	f->extra_column = *extra ? extra : NULL;
	get_list(in, &p->arena, section, "extra_values", &f->extra_values, 0);
	if (f->extra_column && f->extra_values.n == 0)
		bad(in, section, "extra_values", "缺少此项 (missing)");
	const char *bv = get_str(in, section, "bad_value", "");
	f->bad_value = *bv ? bv : NULL;
	f->sheet = get_str(in, section, "sheet", "Sheet1");
}

ms_err ms_gen_profile_load(gen_profile *p, const char *path, ms_error *err)
{
	memset(p, 0, sizeof *p);
	ms_arena_init(&p->arena, 64 * 1024, 16 * 1024 * 1024);
	p->path = path;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ms_error_set(err, MS_ERR_IO, "无法读取 %s (cannot read the profile): %s",
		                    path, strerror(errno));
	char *text = NULL;
	size_t len = 0, cap = 0;
	ms_err rc = MS_ERR_OK;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			if (cap > 4 * 1024 * 1024) {
				rc = ms_error_set(err, MS_ERR_TOO_LARGE, "%s: 文件过大 (too large)",
				                  path);
				break;
			}
			char *t = ms_realloc(text, cap);
			if (!t) {
				rc = ms_error_set(err, MS_ERR_NOMEM, "内存不足 (out of memory)");
				break;
			}
			text = t;
		}
		size_t got = fread(text + len, 1, cap - len - 1, fp);
		len += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	if (rc) {
		ms_free(text);
		return rc;
	}
	text[len] = '\0';
	if (!ms_utf8_valid(text, len)) {
		ms_free(text);
		return ms_error_set(err, MS_ERR_PACK, "%s: 不是 UTF-8 文本 (not UTF-8)", path);
	}
	/* keep the text in the arena: the entries and the profile point into it */
	char *kept = ms_arena_strndup(&p->arena, text, len);
	ms_free(text);
	if (!kept)
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 (out of memory)");
	ini in = {.path = path, .err = err};
	rc = ini_parse(&in, kept);
	if (rc) {
		ms_free(in.e);
		return rc;
	}

	/* policy */
	get_by_area(&in, "policy", "medical_oop_threshold", false, &p->oop_threshold);
	get_by_area(&in, "policy", "dibao_std", true, &p->dibao_std);
	p->oop_window_days = get_int(&in, "policy", "medical_window_days");
	p->income_months = get_int(&in, "policy", "income_months");
	p->confinement_min_days = get_int(&in, "policy", "confinement_min_days");
	p->care_mental_grade34 = get_bool(&in, "policy", "care_mental_grade34", true);
	get_list(&in, &p->arena, "policy", "exempt_vehicle_types", &p->exempt_vehicles, 1);
	p->max_homes = get_int(&in, "policy", "max_homes");
	p->disaster_window_days = get_int(&in, "policy", "disaster_window_days");
	p->elderly_age = get_int(&in, "policy", "elderly_age");
	p->minor_age = get_int(&in, "policy", "minor_age");
	p->school_age_min = get_int(&in, "policy", "school_age_min");
	p->school_age_max = get_int(&in, "policy", "school_age_max");
	if (!in.rc && (p->income_months < 1 || p->income_months > 12))
		bad(&in, "policy", "income_months", "应在 1–12 (1 to 12)");
	if (!in.rc && (p->elderly_age < 61 || p->elderly_age > 110))
		bad(&in, "policy", "elderly_age", "应在 61–110 (61 to 110)");
	if (!in.rc &&
	    (p->minor_age < 17 || p->school_age_min < 3 ||
	     p->school_age_max < p->school_age_min + 2 || p->school_age_max > p->minor_age - 2))
		bad(&in, "policy", "minor_age", "年龄参数不合理 (ages out of range)");
	if (!in.rc && (p->oop_window_days < 30 || p->confinement_min_days < 2 ||
	               p->disaster_window_days < 2 || p->disaster_window_days > 365))
		bad(&in, "policy", "medical_window_days", "天数不合理 (day counts out of range)");
	if (!in.rc && (p->max_homes < 1 || p->max_homes > 5))
		bad(&in, "policy", "max_homes", "应在 1–5 (1 to 5)");

	/* names */
	for (int i = 0; i < CAT_COUNT; i++)
		p->cat[i] = get_str(&in, "categories", cat_keys[i], NULL);
	for (int i = 0; i < BEN_COUNT; i++) {
		p->ben[i] = get_str(&in, "benefits", ben_keys[i], NULL);
		char key[48];
		snprintf(key, sizeof key, "%s.amount", ben_keys[i]);
		get_amount_range(&in, key, &p->ben_min[i], &p->ben_max[i]);
	}
	get_list(&in, &p->arena, "file.persons", "relations", &p->relations, 7);
	get_list(&in, &p->arena, "feed.gongan", "events", &p->events, 4);
	get_list(&in, &p->arena, "feed.sifa", "types", &p->sifa_types, 3);
	get_list(&in, &p->arena, "feed.yibao", "hospital_suffix", &p->hospital_suffix, 1);
	get_list(&in, &p->arena, "feed.jiaoyu", "statuses", &p->school_status, 4);
	get_list(&in, &p->arena, "feed.jiaoyu", "school_suffix", &p->school_suffix, 1);
	get_list(&in, &p->arena, "feed.canlian", "kinds", &p->dis_kind, 7);
	get_list(&in, &p->arena, "feed.canlian", "grades_chinese", &p->dis_grade_cn, 4);
	get_list(&in, &p->arena, "feed.budongchan", "types", &p->prop_types, 2);
	get_list(&in, &p->arena, "feed.jiaoguan", "vehicle_types", &p->vehicle_types, 1);
	p->plate_prefix = get_str(&in, "feed.jiaoguan", "plate_prefix", NULL);
	get_list(&in, &p->arena, "feed.jiaoguan", "plate_letters", &p->plate_letters, 1);
	get_list(&in, &p->arena, "feed.shichang", "roles", &p->roles, 3);
	get_list(&in, &p->arena, "feed.shichang", "business_suffix", &p->biz_suffix, 1);
	get_list(&in, &p->arena, "feed.nongye", "types", &p->monitor_types, 1);
	get_list(&in, &p->arena, "feed.yingji", "disasters", &p->disasters, 1);
	get_list(&in, &p->arena, "feed.yingji", "damage", &p->damage, 4);
	p->stations_file = get_str(&in, "stations", "file", "stations.csv");
	gen_list sh;
	get_list(&in, &p->arena, "stations", "columns", &sh, 3);
	for (int i = 0; i < 3 && i < sh.n; i++)
		p->stations_header[i] = sh.v[i];
	p->station_suffix = get_str(&in, "stations", "station_suffix", NULL);
	p->point_suffix = get_str(&in, "stations", "point_suffix", NULL);
	p->station_type = get_str(&in, "stations", "station_type", NULL);
	p->point_type = get_str(&in, "stations", "point_type", NULL);

	/* shares */
	double sum = 0;
	for (int i = 0; i < HT_COUNT; i++)
		sum += p->hh_type_w[i] = get_num(&in, "households", type_keys[i], 0, true);
	if (!in.rc && sum <= 0)
		bad(&in, "households", "type.*", "权重之和须大于 0 (weights must not all be 0)");
	sum = 0;
	for (int i = 0; i < COMP_COUNT; i++)
		sum += p->comp_w[i] = get_num(&in, "households", comp_keys[i], 0, true);
	if (!in.rc && sum <= 0)
		bad(&in, "households", "comp.*", "权重之和须大于 0 (weights must not all be 0)");
	p->orphan_share = get_num(&in, "households", "orphan_share", 0.05, false);
	p->defacto_share = get_num(&in, "households", "defacto_share", 0.05, false);
	p->disabled_per_1000 = get_num(&in, "households", "disabled_per_1000", 0, true);
	p->severe_share = get_num(&in, "households", "severe_share", 0.3, false);
	p->expired_share = get_num(&in, "households", "expired_share", 0.05, false);
	p->deaths_per_1000 = get_num(&in, "households", "deaths_per_1000", 0, true);
	p->phone_share = get_num(&in, "households", "phone_share", 0.7, false);
	p->history_share = get_num(&in, "households", "history_share", 0.1, false);
	p->linshi_share = get_num(&in, "households", "linshi_share", 0.05, false);
	p->extra_cat_share = get_num(&in, "households", "extra_category_share", 0.2, false);
	p->legacy_county_share = get_num(&in, "households", "legacy_county_share", 0.02, false);
	if (!in.rc && (p->severe_share > 1 || p->expired_share > 1 ||
	               p->orphan_share + p->defacto_share > 1 || p->phone_share > 1 ||
	               p->disabled_per_1000 > 500 || p->deaths_per_1000 > 200))
		bad(&in, "households", "*_share", "比例应在 0–1 (shares are 0 to 1)");
	for (int f = F_FIRST_FEED; f < F_COUNT; f++)
		if (f != F_CANLIAN)
			p->vol[f] = get_num(&in, "volumes", ms_gen_file_desc[f].feed, 0, true);
	p->feed_only_share = get_num(&in, "volumes", "feed_only_share", 0.1, false);
	if (!in.rc && p->feed_only_share > 0.9)
		bad(&in, "volumes", "feed_only_share", "应在 0–0.9 (0 to 0.9)");

	/* plants */
	p->plant_min = get_int(&in, "plants", "min");
	double hits = get_num(&in, "plants", "hits", 25, true);
	double near = get_num(&in, "plants", "near", 25, true);
	for (int r = 0; r < MS_GEN_RULES; r++) {
		char key[24];
		snprintf(key, sizeof key, "hits.R%02d", r + 1);
		p->hits_per_100k[r] = get_num(&in, "plants", key, hits, false);
		snprintf(key, sizeof key, "near.R%02d", r + 1);
		p->near_per_100k[r] = get_num(&in, "plants", key, near, false);
		if (!in.rc && (p->hits_per_100k[r] > 1000 || p->near_per_100k[r] > 1000))
			bad(&in, "plants", key, "每十万人至多 1000 (at most 1000 per 100,000)");
	}
	if (!in.rc && (p->plant_min < 1 || p->plant_min > 50))
		bad(&in, "plants", "min", "应在 1–50 (1 to 50)");

	/* dirty rows and formats */
	for (int k = 0; k < DK_COUNT; k++) {
		p->dirty[k] = get_num(&in, "dirty", dirty_keys[k], 0, true);
		if (!in.rc && p->dirty[k] > 500)
			bad(&in, "dirty", dirty_keys[k], "每万行至多 500 (at most 500 per 10,000)");
	}
	p->date_slash = get_num(&in, "formats", "date_slash", 0, false) / 1000;
	p->date_compact = get_num(&in, "formats", "date_compact", 0, false) / 1000;
	p->date_cn = get_num(&in, "formats", "date_chinese", 0, false) / 1000;
	p->money_thousands = get_num(&in, "formats", "money_thousands", 0, false) / 1000;
	p->id_lower_x = get_num(&in, "formats", "id_lower_x", 0, false) / 1000;
	p->id_legacy15 = get_num(&in, "formats", "id_legacy15", 0, false) / 1000;
	p->grade_cn = get_num(&in, "formats", "grade_chinese", 0, false) / 1000;
	if (!in.rc && p->date_slash + p->date_compact + p->date_cn > 1)
		bad(&in, "formats", "date_*", "合计不得超过 1000 (must not exceed 1000 together)");

	for (int f = 0; f < F_COUNT && !in.rc; f++)
		load_file_spec(&in, p, (gen_file_id)f);
	for (int f = 0; f < F_COUNT && !in.rc; f++)
		for (int h = f + 1; h < F_COUNT; h++)
			if (!strcmp(p->files[f].file, p->files[h].file))
				bad(&in, "feed", p->files[h].file,
				    "文件名重复 (file name used twice)");
	ms_free(in.e);
	return in.rc;
}

void ms_gen_profile_free(gen_profile *p)
{
	ms_arena_free(&p->arena);
}
