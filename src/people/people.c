/* people.c — persons and households as the API and the command line show
 * them (people.h). Registry feeds are found by role and their columns by
 * the feed definitions (the name, household, area and person columns; the
 * phone by its type; the relation as the persons feed's enumeration), so a
 * province's own pack works unchanged. Every read goes through the scoped
 * store functions of store/store_people.h. */
#include "people/people_impl.h"

#include "base/buf.h"
#include "base/date.h"
#include "base/mem.h"
#include "base/money.h"
#include "base/text.h"
#include "ingest/import.h"
#include "model/area.h"
#include "model/idnum.h"
#include "model/ref.h"
#include "station/records.h"
#include "store/store_people.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS_MAX 1000   /* rows of one feed on a person's page */
#define MEMBERS_MAX 200 /* members listed for one household */
#define VALUE_MAX 4096  /* one value as text */
#define HOUSEHOLD_ID_MAX 255
#define REF_KEY "ref_key"

/* ---- shared helpers (people_impl.h) ---- */

void people_field(const char *vals, int col, char *out, size_t cap)
{
	if (!cap)
		return;
	out[0] = '\0';
	if (col < 0 || !vals)
		return;
	size_t n = 0;
	const char *v = ms_vals_field(vals, col, &n);
	if (!v)
		return;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--; /* never cut a character in two */
	}
	memcpy(out, v, n);
	out[n] = '\0';
}

int people_col_of_type(const ms_feed *f, ms_col_type t)
{
	for (int i = 0; f && i < f->n_cols; i++)
		if (f->cols[i].type == t)
			return i;
	return -1;
}

int people_relation_col(const ms_feed *f)
{
	for (int i = 0; f && i < f->n_cols; i++) {
		if (f->cols[i].type != MS_COL_ENUM)
			continue;
		bool in_key = false;
		for (int k = 0; k < f->n_key; k++)
			in_key |= f->key[k] == i;
		if (!in_key)
			return i;
	}
	return -1;
}

void people_value_text(const ms_feed_column *c, const char *v, size_t n, bool full, char *out,
                       size_t cap)
{
	if (!cap)
		return;
	char tmp[64];
	size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
	memcpy(tmp, v, k);
	tmp[k] = '\0';
	if (k && (c->type == MS_COL_MONEY || (c->type == MS_COL_DECIMAL && c->scale > 0))) {
		char *end;
		long long x = strtoll(tmp, &end, 10);
		if (!*end && k == n) {
			if (c->type == MS_COL_MONEY) {
				char m[MS_MONEY_STR];
				ms_money_format(x, 0, m);
				snprintf(out, cap, "%s", m);
				return;
			}
			long long div = 1;
			for (int i = 0; i < c->scale && i < 18; i++)
				div *= 10;
			unsigned long long ax =
			    x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
			snprintf(out, cap, "%s%llu.%0*llu", x < 0 ? "-" : "",
			         ax / (unsigned long long)div, c->scale,
			         ax % (unsigned long long)div);
			return;
		}
	}
	if (!full && k && c->type == MS_COL_IDNUM && n == MS_ID_LEN) {
		char m[MS_ID_STR];
		ms_id_mask(tmp, m);
		snprintf(out, cap, "%s", m);
		return;
	}
	if (!full && k && c->type == MS_COL_PHONE && k == n) {
		ms_mask_phone(tmp, out, cap);
		return;
	}
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, v, n);
	out[n] = '\0';
}

/* ---- the reference key ---- */

ms_err ms_people_ref_key(ms_store *s, uint8_t key[32], ms_error *err)
{
	if (sodium_init() < 0)
		return ms_error_set(err, MS_ERR_INTERNAL,
		                    "libsodium 初始化失败 (libsodium failed to start)");
	char hex[2 * MS_REF_KEY_BYTES + 1];
	ms_err e = ms_store_people_meta_get(s, REF_KEY, hex, sizeof hex, err);
	if (e == MS_ERR_NOT_FOUND) {
		/* first use: a random key; when two processes race, the first
		 * written wins and both read it back */
		uint8_t k[MS_REF_KEY_BYTES];
		randombytes_buf(k, sizeof k);
		sodium_bin2hex(hex, sizeof hex, k, sizeof k);
		sodium_memzero(k, sizeof k);
		e = ms_store_people_meta_add(s, REF_KEY, hex, err);
		if (!e)
			e = ms_store_people_meta_get(s, REF_KEY, hex, sizeof hex, err);
		if (e == MS_ERR_NOT_FOUND)
			e = ms_error_set(err, MS_ERR_DB,
			                 "无法保存引用密钥 (the reference key was not kept)");
	}
	if (e)
		return e;
	size_t len = 0;
	if (strlen(hex) != 2 * MS_REF_KEY_BYTES ||
	    sodium_hex2bin(key, MS_REF_KEY_BYTES, hex, strlen(hex), NULL, &len, NULL) != 0 ||
	    len != MS_REF_KEY_BYTES)
		return ms_error_set(
		    err, MS_ERR_DB,
		    "数据库中的引用密钥已损坏 (the reference key in the database is "
		    "damaged)");
	return MS_ERR_OK;
}

/* ---- the context of a call ---- */

typedef struct pctx {
	ms_store *s;
	const ms_pack *pack;
	const ms_scope *sc;
	const ms_feed *pf, *hf; /* persons and households feeds (hf may be NULL) */
	int64_t pfid, hfid;     /* 0 when never imported */
	uint8_t key[MS_REF_KEY_BYTES];
	ms_error *err;
} pctx;

static ms_err ctx_open(pctx *c, ms_store *s, const ms_pack *pack, const ms_scope *sc, ms_error *err)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->pack = pack;
	c->sc = sc;
	c->err = err;
	c->pf = pack ? ms_feed_set_role(&pack->feeds, MS_FEED_PERSONS) : NULL;
	c->hf = pack ? ms_feed_set_role(&pack->feeds, MS_FEED_HOUSEHOLDS) : NULL;
	if (!c->pf || c->pf->person_col < 0)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有人员登记表 (the pack has no persons registry feed)");
	ms_err e = ms_store_people_feed(s, c->pf->name, &c->pfid, err);
	if (e && e != MS_ERR_NOT_FOUND)
		return e;
	if (c->hf) {
		e = ms_store_people_feed(s, c->hf->name, &c->hfid, err);
		if (e && e != MS_ERR_NOT_FOUND)
			return e;
	}
	return ms_people_ref_key(s, c->key, err);
}


static void ctx_close(pctx *c)
{
	sodium_memzero(c->key, sizeof c->key);
}

static ms_err person_not_found(ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "登记中没有该人员，或不在您的范围内 (no such person in the registry "
	                    "within your scope)");
}

static ms_err household_not_found(ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "登记中没有该家庭，或不在您的范围内 (no such household in the registry "
	                    "within your scope)");
}

/* An identity number or a person's reference → the number. */
static bool person_key(const pctx *c, const char *id, char out[MS_ID_STR])
{
	out[0] = '\0';
	size_t n = id ? strnlen(id, MS_REF_MAX) : 0;
	if (n == 0 || n >= MS_REF_MAX)
		return false;
	if (ms_id_normalize(id, n, out) == MS_ID_OK)
		return true;
	char dec[MS_REF_MAX];
	if (!ms_ref_decode(c->key, MS_REF_PERSON, id, dec, sizeof dec))
		return false;
	return ms_id_normalize(dec, strlen(dec), out) == MS_ID_OK;
}

/* A 户编号 or a household's reference → the 户编号. */
static bool household_key(const pctx *c, const char *id, char *out, size_t cap)
{
	out[0] = '\0';
	size_t n = id ? strnlen(id, HOUSEHOLD_ID_MAX + 1) : 0;
	if (n == 0 || n > HOUSEHOLD_ID_MAX || n >= cap)
		return false;
	if (ms_ref_decode(c->key, MS_REF_HOUSEHOLD, id, out, cap))
		return true;
	if (!ms_utf8_valid(id, n))
		return false;
	memcpy(out, id, n + 1);
	return true;
}

static json_t *str_or_null(const char *v)
{
	return v && *v ? json_string(v) : json_null();
}

static json_t *ref_json(const pctx *c, ms_ref_kind kind, const char *id)
{
	char ref[MS_REF_MAX];
	if (!id || !*id || !ms_ref_encode(c->key, kind, id, ref))
		return json_null();
	return json_string(ref);
}

static json_t *area_name_json(const char *area)
{
	if (!area || !*area)
		return json_null();
	char name[512];
	size_t need = ms_area_full_name(area, strlen(area), name, sizeof name);
	if (need == 0 || need >= sizeof name)
		return json_null();
	return json_string(name);
}

/* {column: value} of a record. Masked, the subject's identity number is
 * also hidden inside other text (a disability certificate number is the
 * identity number and two digits). */
static json_t *values_json(const ms_feed *f, const char *vals, bool full, const char *subject)
{
	json_t *o = json_object();
	char *buf = ms_malloc(VALUE_MAX);
	if (!o || !buf) {
		ms_free(buf);
		json_decref(o);
		return NULL;
	}
	for (int i = 0; i < f->n_cols; i++) {
		size_t n = 0;
		const char *v = ms_vals_field(vals, i, &n);
		people_value_text(&f->cols[i], v ? v : "", v ? n : 0, full, buf, VALUE_MAX);
		for (char *p = buf; !full && subject && *subject && (p = strstr(p, subject));
		     p += MS_ID_LEN)
			memset(p + 6, '*', 8);
		json_t *j = json_string(buf);
		json_object_set_new(o, f->cols[i].name, j ? j : json_string(""));
	}
	ms_free(buf);
	return o;
}

/* Whether a feed holds facts about persons found by the prefix of their
 * natural key: the key starts with the person column. */
static bool person_keyed(const ms_feed *f)
{
	return f->role == MS_FEED_FACTS && f->person_col >= 0 && f->n_key > 0 &&
	       f->key[0] == f->person_col;
}

/* [lo, hi) of the keys starting with an identity number. Every key that
 * starts with the 18 characters belongs to that person. */
static void prefix_range(const char *idno, char lo[MS_ID_STR], char hi[MS_ID_STR])
{
	memcpy(lo, idno, MS_ID_STR);
	memcpy(hi, idno, MS_ID_STR);
	hi[MS_ID_LEN - 1]++;
}

typedef struct rows_ctx {
	const ms_feed *f;
	const char *subject;
	json_t *rows;
	bool full, cite; /* cite: {"batch","row","values"}; else the values */
} rows_ctx;

static int on_row(void *ctx, const ms_people_rec *r)
{
	rows_ctx *x = ctx;
	json_t *v = values_json(x->f, r->vals, x->full, x->subject);
	if (!v)
		return 1;
	if (x->cite)
		v = json_pack("{s:I, s:I, s:o}", "batch", (json_int_t)r->batch_id, "row",
		              (json_int_t)r->row, "values", v);
	if (v)
		json_array_append_new(x->rows, v);
	return 0;
}

/* The current rows of a feed about a person, inside the scope. */
static ms_err feed_rows(pctx *c, const ms_feed *f, const char *idno, bool full, bool cite,
                        json_t **out)
{
	*out = json_array();
	if (!*out)
		return ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	int64_t fid;
	ms_err e = ms_store_people_feed(c->s, f->name, &fid, c->err);
	if (e == MS_ERR_NOT_FOUND)
		return MS_ERR_OK;
	if (e)
		return e;
	char lo[MS_ID_STR], hi[MS_ID_STR];
	prefix_range(idno, lo, hi);
	rows_ctx x = {f, idno, *out, full, cite};
	return ms_store_people_records(c->s, c->sc, c->pfid, idno, fid, lo, hi, ROWS_MAX, on_row,
	                               &x, c->err);
}

static int on_alert(void *ctx, const ms_people_alert *a)
{
	json_t *j = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?}", "id", (json_int_t)a->id, "rule",
	                      a->rule, "state", a->state, "created", a->created, "due", a->due);
	if (j)
		json_array_append_new(ctx, j);
	return 0;
}

static ms_err alerts_json(pctx *c, bool household, const char *subject, json_t **out)
{
	*out = json_array();
	if (!*out)
		return ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	return ms_store_people_alerts(c->s, c->sc, household, subject, on_alert, *out, c->err);
}

/* The current persons record of a person inside the scope. */
static ms_err load_person(pctx *c, const char *id, char idno[MS_ID_STR], ms_people_rec *rec)
{
	if (!c->pfid || !person_key(c, id, idno))
		return person_not_found(c->err);
	ms_err e = ms_store_people_person(c->s, c->sc, c->pfid, idno, rec, c->err);
	if (e == MS_ERR_NOT_FOUND)
		return person_not_found(c->err);
	return e;
}

static ms_err load_household(pctx *c, const char *id, char *hh, size_t cap, ms_people_rec *rec)
{
	if (!c->hf || !c->hfid || !household_key(c, id, hh, cap))
		return household_not_found(c->err);
	ms_err e = ms_store_people_household(c->s, c->sc, c->hfid, hh, rec, c->err);
	if (e == MS_ERR_NOT_FOUND)
		return household_not_found(c->err);
	return e;
}

/* ---- a person ---- */

static ms_err person_json(pctx *c, const char *idno, const ms_people_rec *rec, bool full,
                          json_t **out)
{
	const ms_feed *f = c->pf;
	char name[256], hh[HOUSEHOLD_ID_MAX + 1], rel[128], phone[64], area[32];
	people_field(rec->vals, f->name_col, name, sizeof name);
	people_field(rec->vals, f->household_col, hh, sizeof hh);
	people_field(rec->vals, people_relation_col(f), rel, sizeof rel);
	people_field(rec->vals, people_col_of_type(f, MS_COL_PHONE), phone, sizeof phone);
	if (rec->area)
		snprintf(area, sizeof area, "%s", rec->area);
	else
		people_field(rec->vals, f->area_col, area, sizeof area);
	char shown_id[MS_ID_STR], shown_phone[64], birth[MS_DATE_STR] = "";
	if (full)
		memcpy(shown_id, idno, MS_ID_STR);
	else
		ms_id_mask(idno, shown_id);
	if (full)
		memcpy(shown_phone, phone, sizeof phone);
	else
		ms_mask_phone(phone, shown_phone, sizeof shown_phone);
	ms_date b = ms_id_birth(idno);
	if (b != MS_DATE_NONE)
		ms_date_format(b, birth);
	json_t *o = json_object();
	if (!o)
		return ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	json_object_set_new(o, "idno", json_string(shown_id));
	json_object_set_new(o, "ref", ref_json(c, MS_REF_PERSON, idno));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "sex", json_string(ms_id_sex(idno) == 1 ? "male" : "female"));
	json_object_set_new(o, "birth", str_or_null(birth));
	json_object_set_new(o, "area", str_or_null(area));
	json_object_set_new(o, "area_name", area_name_json(area));
	json_object_set_new(o, "household", str_or_null(hh));
	json_object_set_new(o, "household_ref", ref_json(c, MS_REF_HOUSEHOLD, hh));
	json_object_set_new(o, "relation", str_or_null(rel));
	json_object_set_new(o, "phone", str_or_null(shown_phone));
	json_t *v = values_json(f, rec->vals, full, idno);
	if (!v) {
		json_decref(o);
		return ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	}
	json_object_set_new(o, "values", v);
	/* the registry's own files of facts (in the bundled pack: the
	 * category and benefit files), each under its feed's name */
	ms_err e = MS_ERR_OK;
	for (int i = 0; !e && i < c->pack->feeds.n; i++) {
		const ms_feed *rf = c->pack->feeds.feeds[i];
		if (!rf->registry || !person_keyed(rf))
			continue;
		json_t *rows;
		e = feed_rows(c, rf, idno, full, false, &rows);
		json_object_set_new(o, rf->name, rows);
	}
	json_t *al = NULL;
	if (!e)
		e = alerts_json(c, false, idno, &al);
	json_object_set_new(o, "alerts", al ? al : json_array());
	if (e) {
		json_decref(o);
		return e;
	}
	*out = o;
	return MS_ERR_OK;
}

ms_err ms_people_person(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *id,
                        bool full, json_t **out, ms_error *err)
{
	*out = NULL;
	pctx c;
	ms_err e = ctx_open(&c, s, pack, sc, err);
	if (!e) {
		char idno[MS_ID_STR];
		ms_people_rec rec;
		e = load_person(&c, id, idno, &rec);
		if (!e)
			e = person_json(&c, idno, &rec, full, out);
	}
	ctx_close(&c);
	return e;
}

ms_err ms_people_facts(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *id,
                       json_t **out, ms_error *err)
{
	*out = NULL;
	pctx c;
	ms_err e = ctx_open(&c, s, pack, sc, err);
	json_t *o = NULL, *feeds = NULL;
	char idno[MS_ID_STR];
	if (!e) {
		ms_people_rec rec;
		e = load_person(&c, id, idno, &rec);
	}
	if (!e) {
		char masked[MS_ID_STR];
		ms_id_mask(idno, masked);
		feeds = json_array();
		o = json_pack("{s:s, s:o}", "idno", masked, "feeds", feeds);
		if (!o)
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	/* the department feeds, in the pack's order; those without a row for
	 * the person are left out */
	for (int i = 0; !e && i < pack->feeds.n; i++) {
		const ms_feed *f = pack->feeds.feeds[i];
		if (f->registry || !person_keyed(f))
			continue;
		json_t *rows;
		e = feed_rows(&c, f, idno, false, true, &rows);
		if (!e && json_array_size(rows))
			json_array_append_new(
			    feeds, json_pack("{s:s, s:s, s:s, s:O}", "feed", f->name, "title",
			                     f->title ? f->title : f->name, "department",
			                     f->department ? f->department : "", "rows", rows));
		json_decref(rows);
	}
	ctx_close(&c);
	if (e) {
		json_decref(o);
		return e;
	}
	*out = o;
	return MS_ERR_OK;
}

/* ---- a household ---- */

typedef struct member {
	char idno[MS_ID_STR];
	int rank;
	json_t *j;
} member;

typedef struct members_ctx {
	member *m;
	size_t n, cap;
	bool nomem;
} members_ctx;

static int on_member(void *ctx, const char *idno)
{
	members_ctx *x = ctx;
	if (x->n >= MEMBERS_MAX)
		return 1;
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 8;
		member *p = ms_realloc(x->m, nc * sizeof *p);
		if (!p) {
			x->nomem = true;
			return 1;
		}
		x->m = p;
		x->cap = nc;
	}
	member *m = &x->m[x->n++];
	memset(m, 0, sizeof *m);
	snprintf(m->idno, sizeof m->idno, "%s", idno);
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const member *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->idno, y->idno);
}

/* The members inside the scope, head first (the relation column's values
 * in the pack's order), masked. */
static ms_err members_json(pctx *c, const char *hh, json_t **out)
{
	*out = NULL;
	members_ctx x = {0};
	ms_err e = ms_store_people_members(c->s, c->sc, hh, on_member, &x, c->err);
	if (!e && x.nomem)
		e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	const ms_feed *f = c->pf;
	int rc = people_relation_col(f);
	size_t kept = 0;
	for (size_t i = 0; !e && i < x.n; i++) {
		ms_people_rec rec;
		e = ms_store_people_person(c->s, c->sc, c->pfid, x.m[i].idno, &rec, c->err);
		if (e == MS_ERR_NOT_FOUND) {
			e = MS_ERR_OK; /* outside the scope, or left the registry */
			continue;
		}
		if (e)
			break;
		char name[256], rel[128], masked[MS_ID_STR];
		people_field(rec.vals, f->name_col, name, sizeof name);
		people_field(rec.vals, rc, rel, sizeof rel);
		/* a member whose record moved to another household since the
		 * index was written is not listed */
		char now_hh[HOUSEHOLD_ID_MAX + 1];
		people_field(rec.vals, f->household_col, now_hh, sizeof now_hh);
		if (strcmp(now_hh, hh) != 0)
			continue;
		ms_id_mask(x.m[i].idno, masked);
		member *m = &x.m[kept++];
		if (m != &x.m[i])
			memcpy(m->idno, x.m[i].idno, sizeof m->idno);
		m->rank = rc >= 0 ? f->cols[rc].n_values : 0;
		for (int v = 0; rc >= 0 && v < f->cols[rc].n_values; v++)
			if (strcmp(f->cols[rc].values[v], rel) == 0)
				m->rank = v;
		m->j = json_pack("{s:s, s:o, s:s, s:o}", "idno", masked, "ref",
		                 ref_json(c, MS_REF_PERSON, m->idno), "name", name, "relation",
		                 str_or_null(rel));
		if (!m->j)
			e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	}
	json_t *arr = e ? NULL : json_array();
	if (!e && !arr)
		e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	if (!e)
		qsort(x.m, kept, sizeof *x.m, member_cmp);
	for (size_t i = 0; i < kept; i++) {
		if (arr)
			json_array_append_new(arr, x.m[i].j);
		else
			json_decref(x.m[i].j);
	}
	ms_free(x.m);
	*out = arr;
	return e;
}

ms_err ms_people_household(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *id,
                           bool full, json_t **out, ms_error *err)
{
	*out = NULL;
	pctx c;
	ms_err e = ctx_open(&c, s, pack, sc, err);
	char hh[HOUSEHOLD_ID_MAX + 1];
	ms_people_rec rec;
	json_t *o = NULL;
	if (!e) {
		e = load_household(&c, id, hh, sizeof hh, &rec);
	}
	if (!e) {
		char area[32];
		if (rec.area)
			snprintf(area, sizeof area, "%s", rec.area);
		else
			people_field(rec.vals, c.hf->area_col, area, sizeof area);
		bool file = rec.service_file;
		json_t *v = values_json(c.hf, rec.vals, full, NULL);
		o = json_object();
		if (!o || !v) {
			json_decref(v);
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		} else {
			json_object_set_new(o, "id", json_string(hh));
			json_object_set_new(o, "ref", ref_json(&c, MS_REF_HOUSEHOLD, hh));
			json_object_set_new(o, "area", str_or_null(area));
			json_object_set_new(o, "area_name", area_name_json(area));
			json_object_set_new(o, "values", v);
			json_t *m = NULL, *al = NULL;
			e = members_json(&c, hh, &m);
			json_object_set_new(o, "members", m ? m : json_array());
			if (!e)
				e = alerts_json(&c, true, hh, &al);
			json_object_set_new(o, "alerts", al ? al : json_array());
			json_object_set_new(o, "service_file", json_boolean(file));
		}
	}
	ctx_close(&c);
	if (e) {
		json_decref(o);
		return e;
	}
	*out = o;
	return MS_ERR_OK;
}

ms_err ms_people_resolve(ms_store *s, const ms_pack *pack, const ms_scope *sc, bool household,
                         const char *id, char *out, size_t cap, ms_error *err)
{
	if (cap)
		out[0] = '\0';
	pctx c;
	ms_err e = ctx_open(&c, s, pack, sc, err);
	ms_people_rec rec;
	char key[HOUSEHOLD_ID_MAX + 1];
	if (!e && household) {
		if (!c.hfid || !household_key(&c, id, key, sizeof key))
			e = household_not_found(err);
		else if ((e = ms_store_people_household(s, sc, c.hfid, key, &rec, err)) ==
		         MS_ERR_NOT_FOUND)
			e = household_not_found(err);
	} else if (!e) {
		if (!c.pfid || !person_key(&c, id, key))
			e = person_not_found(err);
		else if ((e = ms_store_people_person(s, sc, c.pfid, key, &rec, err)) ==
		         MS_ERR_NOT_FOUND)
			e = person_not_found(err);
	}
	ctx_close(&c);
	if (e)
		return e;
	if (strlen(key) >= cap)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "编号过长 (the id is too long)");
	memcpy(out, key, strlen(key) + 1);
	return MS_ERR_OK;
}

/* ---- search ---- */

typedef struct search_ctx {
	pctx *c;
	json_t *items;
	size_t limit;
	const char *match;
	char (*seen)[MS_ID_STR];
	size_t nseen;
	bool nomem;
} search_ctx;

static int on_hit(void *ctx, const ms_people_hit *h)
{
	search_ctx *x = ctx;
	if (json_array_size(x->items) >= x->limit)
		return 1;
	for (size_t i = 0; i < x->nseen; i++)
		if (strcmp(x->seen[i], h->idno) == 0)
			return 0; /* found by an earlier kind */
	snprintf(x->seen[x->nseen++], MS_ID_STR, "%s", h->idno);
	char masked[MS_ID_STR];
	ms_id_mask(h->idno, masked);
	json_t *j = json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:s}", "type", "person", "ref",
	                      ref_json(x->c, MS_REF_PERSON, h->idno), "idno", masked, "name",
	                      h->name ? h->name : "", "area", str_or_null(h->area), "area_name",
	                      area_name_json(h->area), "household_ref",
	                      ref_json(x->c, MS_REF_HOUSEHOLD, h->household), "match", x->match);
	if (!j) {
		x->nomem = true;
		return 1;
	}
	json_array_append_new(x->items, j);
	return json_array_size(x->items) >= x->limit;
}

static ms_err search_kind(search_ctx *x, ms_psearch_kind kind, const char *lo, const char *match)
{
	size_t have = json_array_size(x->items);
	if (have >= x->limit || !*lo)
		return MS_ERR_OK;
	size_t n = strlen(lo);
	char *hi = ms_malloc(n + 1);
	if (!hi)
		return ms_error_set(x->c->err, MS_ERR_NOMEM, NULL);
	/* the keys starting with lo are [lo, lo with its last byte raised);
	 * text never holds 0xFF */
	memcpy(hi, lo, n + 1);
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	x->match = match;
	ms_err e = ms_store_people_search(x->c->s, x->c->sc, kind, lo, hi, (int)(x->limit - have),
	                                  on_hit, x, x->c->err);
	ms_free(hi);
	if (!e && x->nomem)
		e = ms_error_set(x->c->err, MS_ERR_NOMEM, NULL);
	return e;
}

static void reverse(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = in[n - 1 - i];
	out[n] = '\0';
}

/* A household found by its 户编号, first in the results. */
static ms_err search_household(search_ctx *x, const char *q)
{
	pctx *c = x->c;
	if (!c->hf || !c->hfid || strlen(q) > MS_REF_ID_MAX || strchr(q, ' '))
		return MS_ERR_OK;
	ms_people_rec rec;
	ms_err e = ms_store_people_household(c->s, c->sc, c->hfid, q, &rec, c->err);
	if (e == MS_ERR_NOT_FOUND)
		return MS_ERR_OK;
	if (e)
		return e;
	char area[32];
	if (rec.area)
		snprintf(area, sizeof area, "%s", rec.area);
	else
		people_field(rec.vals, c->hf->area_col, area, sizeof area);
	json_t *j = json_pack("{s:s, s:o, s:s, s:o, s:o, s:s}", "type", "household", "ref",
	                      ref_json(c, MS_REF_HOUSEHOLD, q), "id", q, "area", str_or_null(area),
	                      "area_name", area_name_json(area), "match", "household");
	if (!j)
		return ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	json_array_append_new(x->items, j);
	return MS_ERR_OK;
}

/* The query, trimmed, full-width folded and in NFC, into out. */
static ms_err normalize_query(const char *q, ms_buf *out, ms_error *err)
{
	size_t n = q ? strnlen(q, MS_SEARCH_QUERY_MAX + 1) : 0;
	if (n > MS_SEARCH_QUERY_MAX)
		return ms_error_set(
		    err, MS_ERR_TOO_LARGE,
		    "查询过长：最多 %d 字节 (the query is too long: at most %d bytes)",
		    MS_SEARCH_QUERY_MAX, MS_SEARCH_QUERY_MAX);
	if (!ms_utf8_valid(q ? q : "", n))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "查询不是有效的 UTF-8 文本 (the query is not valid UTF-8 text)");
	char tmp[MS_SEARCH_QUERY_MAX + 1];
	memcpy(tmp, q ? q : "", n);
	tmp[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)tmp[i] < 0x20 || tmp[i] == 0x7f)
			tmp[i] = ' ';
	n = ms_text_fold_fullwidth(tmp, n);
	const char *p = tmp;
	n = ms_text_trim(&p, n);
	if (n == 0)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "请输入要查找的姓名、拼音、身份证号或电话 (give a name, its pinyin, an "
		    "identity number or a phone number to search for)");
	return ms_text_nfc(p, n, out) ? ms_error_set(err, MS_ERR_NOMEM, NULL) : MS_ERR_OK;
}

static ms_err search_run(search_ctx *x, const char *q)
{
	ms_err e = search_household(x, q);
	if (e)
		return e;
	/* what the query looks like: letters (pinyin), digits (an identity
	 * number, its end, a phone), or anything else (a name) */
	bool ascii = true, letters = true, digits = true;
	char compact[MS_SEARCH_QUERY_MAX + 1];
	size_t cn = 0;
	for (const char *p = q; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 0x80) {
			ascii = false;
			break;
		}
		if (ch == ' ' || ch == '-' || ch == '\'')
			continue; /* "zhang wei", "138-1234-5678", "xi'an" */
		if (cn >= MS_SEARCH_QUERY_MAX)
			break;
		bool letter = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
		bool digit = ch >= '0' && ch <= '9';
		bool check = (ch | 0x20) == 'x' && p[1] == '\0'; /* the check character */
		letters &= letter;
		digits &= digit || check;
		compact[cn++] = letter ? (char)(ch | 0x20) : (char)ch;
	}
	compact[cn] = '\0';
	if (!ascii)
		return search_kind(x, MS_PSEARCH_NAME, q, "name");
	if (cn == 0)
		return MS_ERR_OK;
	if (letters) {
		if ((e = search_kind(x, MS_PSEARCH_PINYIN, compact, "pinyin")))
			return e;
		return search_kind(x, MS_PSEARCH_INITIALS, compact, "initials");
	}
	if (!digits)
		return MS_ERR_OK;
	if (compact[cn - 1] == 'x')
		compact[cn - 1] = 'X';
	char rev[MS_SEARCH_QUERY_MAX + 1];
	char id[MS_ID_STR];
	if ((cn == MS_ID_LEN || cn == 15) && ms_id_normalize(compact, cn, id) == MS_ID_OK) {
		reverse(id, rev, sizeof rev);
		if ((e = search_kind(x, MS_PSEARCH_IDNO, rev, "idno")))
			return e;
	}
	/* the last 4–17 characters of a number; fewer would match too many */
	if (cn >= 4 && cn < MS_ID_LEN) {
		reverse(compact, rev, sizeof rev);
		if ((e = search_kind(x, MS_PSEARCH_IDNO, rev, "idno")))
			return e;
	}
	if (cn >= 4 && cn <= 15 && compact[cn - 1] != 'X') {
		reverse(compact, rev, sizeof rev);
		if ((e = search_kind(x, MS_PSEARCH_PHONE, rev, "phone")))
			return e;
	}
	return MS_ERR_OK;
}

ms_err ms_people_search(ms_store *s, const ms_pack *pack, const ms_scope *sc, const char *q,
                        int limit, json_t **out, ms_error *err)
{
	*out = NULL;
	ms_buf nq;
	ms_buf_init(&nq, MS_SEARCH_QUERY_MAX * 4);
	ms_err e = normalize_query(q, &nq, err);
	if (e) {
		ms_buf_free(&nq);
		return e;
	}
	if (limit <= 0)
		limit = 20;
	if (limit > MS_SEARCH_LIMIT_MAX)
		limit = MS_SEARCH_LIMIT_MAX;
	pctx c;
	e = ctx_open(&c, s, pack, sc, err);
	json_t *items = NULL;
	char(*seen)[MS_ID_STR] = NULL;
	if (!e) {
		items = json_array();
		seen = ms_calloc((size_t)limit, sizeof *seen);
		if (!items || !seen)
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	if (!e) {
		search_ctx x = {.c = &c, .items = items, .limit = (size_t)limit, .seen = seen};
		e = search_run(&x, ms_buf_str(&nq));
	}
	ctx_close(&c);
	ms_free(seen);
	ms_buf_free(&nq);
	json_t *o = NULL;
	if (!e && !(o = json_pack("{s:o}", "items", items)))
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (e) {
		if (!o)
			json_decref(items);
		return e;
	}
	*out = o;
	return MS_ERR_OK;
}
