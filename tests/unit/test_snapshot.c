/* test_snapshot.c — the columnar snapshot (SPEC §2, §3.3) built from a small
 * database filled through the real import with the pack's feed definitions:
 * a household of three with parents known and unknown, a registry person
 * whose household is not in the households feed, feed-only persons whose
 * area comes from the newest feed row that has one or from the county of
 * their number, updated records, revoked batches; every field checked, and
 * the feeds checked row by row against the store's own current records. */
#include "testutil.h"

#include "base/mem.h"
#include "model/feed.h"
#include "ingest/import.h"
#include "model/area.h"
#include "model/idnum.h"
#include "monitor/scan.h"
#include "monitor/snapshot.h"
#include "rules/pack.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define FEEDS "policy/guangdong/feeds"

/* The people of the test. FF is only ever a father's number; Z appears only
 * in a batch that is revoked. */
enum { F, M, C, R2, X, Y, FF, Z, NPEOPLE };
static const char *const id_parts[NPEOPLE][3] = {
    [F] = {"440106", "19800101", "123"},  [M] = {"440106", "19820202", "124"},
    [C] = {"440106", "20150303", "135"},  [R2] = {"440304", "19700707", "246"},
    [X] = {"440305", "19900909", "357"},  [Y] = {"440303", "19600606", "468"},
    [FF] = {"440106", "19500101", "111"}, [Z] = {"440106", "19990101", "579"},
};

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
	ms_feed_set feeds;
	char id[NPEOPLE][MS_ID_STR];
	int64_t batch[16];
	int nbatch;
	int64_t revoked[2];
} fixture;

/* A valid number: address code, birth date, sequence, check character. */
static void make_id(int who, char out[MS_ID_STR])
{
	snprintf(out, MS_ID_STR, "%s%s%s", id_parts[who][0], id_parts[who][1], id_parts[who][2]);
	out[17] = ms_id_check_char(out);
	out[18] = '\0';
}

/* Replaces each "@F", "@M", … in a template by that person's number. */
static void fill(const fixture *f, const char *tpl, char *out, size_t cap)
{
	static const char names[NPEOPLE][3] = {"F", "M", "C", "R2", "X", "Y", "FF", "Z"};
	size_t n = 0;
	while (*tpl && n + 20 < cap) {
		if (*tpl == '@') {
			int who = -1;
			size_t best = 0;
			for (int k = 0; k < NPEOPLE; k++) {
				size_t l = strlen(names[k]);
				if (strncmp(tpl + 1, names[k], l) == 0 && l > best) {
					best = l;
					who = k;
				}
			}
			assert_true(who >= 0);
			memcpy(out + n, f->id[who], 18);
			n += 18;
			tpl += 1 + best;
		} else {
			out[n++] = *tpl++;
		}
	}
	out[n] = '\0';
}

/* Imports CSV text into a feed; returns the batch id. */
static int64_t import_review(fixture *f, const char *feed, const char *name, const char *tpl,
                             int64_t want_review)
{
	char data[4096];
	fill(f, tpl, data, sizeof data);
	ms_import_opts o;
	memset(&o, 0, sizeof o);
	o.feed = feed;
	o.data = data;
	o.len = strlen(data);
	o.name = name;
	o.actor = "test";
	o.today = T_DATE("2026-06-30");
	ms_import_result res;
	ms_error err;
	ms_error_clear(&err);
	ms_err rc = ms_import_run(f->s, &f->feeds, &o, &res, &err);
	if (rc)
		fail_msg("import %s: %s", name, ms_error_text(&err));
	if (res.counts.rejected || res.counts.review != want_review)
		fail_msg("import %s: %lld rejected, %lld for review", name, (long long)res.counts.rejected,
		         (long long)res.counts.review);
	return res.batch_id;
}

static int64_t import(fixture *f, const char *feed, const char *name, const char *tpl)
{
	return import_review(f, feed, name, tpl, 0);
}

static int setup_on(void **state, bool sqlite)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-snapshot-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (sqlite)
		snprintf(f->url, sizeof f->url, "%s", f->path);
	else if (!t_db_fresh(f->path, f->url, sizeof f->url))
		return -1;
	ms_error err;
	ms_error_clear(&err);
	if (ms_area_init(&err) || ms_feed_set_load(&f->feeds, FEEDS, &err) ||
	    ms_store_open(f->url, MS_STORE_CREATE, &f->s, &err)) {
		fprintf(stderr, "setup: %s\n", ms_error_text(&err));
		return -1;
	}
	for (int k = 0; k < NPEOPLE; k++)
		make_id(k, f->id[k]);
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_on(state, false); }

/* The scan's snapshot file lives beside a database file: the test of it
 * keeps SQLite, also under `make unit-pg`. */
static int setup_sqlite(void **state) { return setup_on(state, true); }

static int teardown(void **state)
{
	fixture *f = *state;
	ms_store_close(f->s);
	t_db_drop(f->url);
	ms_feed_set_free(&f->feeds);
	char p[160];
	const char *sfx[] = {"", "-wal", "-shm", ".import-lock", ".snapshot", ".snap"};
	for (int i = 0; i < 6; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The province of the test, imported batch by batch. */
static void fill_store(fixture *f)
{
	int64_t *b = f->batch;
	int n = 0;
	b[n++] = import(f, "households", "households.csv",
	                "户编号,区划代码,详细地址\n"
	                "H0001,440106001001,天河路1号\n");
	b[n++] = import(f, "persons", "persons.csv",
	                "身份证号,姓名,户编号,与户主关系,居住地区划,父亲身份证号,母亲身份证号\n"
	                "@F,张三,H0001,户主,440106001002,@FF,\n"
	                "@M,李四,H0001,配偶,440106001002,,\n"
	                "@C,张小,H0001,子女,440106001003,@F,@M\n"
	                "@R2,王五,H0002,户主,440304001019,,\n");
	/* F's name corrected: the second version supersedes the first */
	b[n++] = import(f, "persons", "persons-2.csv",
	                "身份证号,姓名,户编号,与户主关系,居住地区划,父亲身份证号,母亲身份证号\n"
	                "@F,张三丰,H0001,户主,440106001002,@FF,\n");
	b[n++] = import(f, "categories", "categories.csv",
	                "身份证号,类别,开始日期,结束日期\n"
	                "@C,低保对象,2023-01-01,\n"
	                "@F,低保对象,2023-01-01,\n");
	/* C's status ends: an update of the same key; M gets a new one */
	b[n++] = import(f, "categories", "categories-2.csv",
	                "身份证号,类别,开始日期,结束日期\n"
	                "@C,低保对象,2023-01-01,2024-06-30\n"
	                "@M,特困人员,2024-01-01,\n");
	b[n++] = import(f, "yibao", "yibao-1.csv",
	                "身份证号,姓名,结算单号,结算日期,医疗总费用,统筹支付,个人自付,医疗机构,居住地区划\n"
	                "@X,徐六,JS001,2024-05-01,1000.50,600.00,400.50,第一医院,440305001001\n"
	                "@C,张小,JS002,2024-04-01,200,100,100,,\n");
	/* an older settlement in a later batch: its area does not count; a
	 * settlement of the same day without an area gives the newest name */
	b[n++] = import(f, "yibao", "yibao-2.csv",
	                "身份证号,姓名,结算单号,结算日期,医疗总费用,统筹支付,个人自付,医疗机构,居住地区划\n"
	                "@X,徐陆,JS003,2024-03-01,300,200,100,,440303001001\n"
	                "@X,徐陆,JS004,2024-05-01,10,5,5,,\n");
	b[n++] = import(f, "gongan", "gongan-1.csv",
	                "身份证号,姓名,事件类型,事件日期\n"
	                "@Y,赵七,迁入,2020-01-01\n");
	b[n++] = import(f, "benefits", "benefits-1.csv",
	                "身份证号,待遇项目,开始日期,结束日期,月金额\n"
	                "@C,低保金,2023-01-01,,500.00\n");
	f->nbatch = n;
	/* two batches published, then revoked: their records must not count */
	f->revoked[0] = import(f, "gongan", "gongan-2.csv",
	                       "身份证号,姓名,事件类型,事件日期\n"
	                       "@Z,钱八,迁入,2021-01-01\n"
	                       "@Y,赵七,死亡,2025-01-01\n");
	f->revoked[1] = import(f, "benefits", "benefits-2.csv",
	                       "身份证号,待遇项目,开始日期,结束日期,月金额\n"
	                       "@C,低保金,2023-01-01,,600.00\n");
	ms_error err;
	ms_error_clear(&err);
	for (int i = 0; i < 2; i++)
		if (ms_import_revoke(f->s, f->revoked[i], "test", "wrong file", &err))
			fail_msg("revoke: %s", ms_error_text(&err));
}

static ms_snapshot *build(fixture *f)
{
	ms_snapshot *snap = NULL;
	ms_error err;
	ms_error_clear(&err);
	ms_err rc = ms_snapshot_build(f->s, &f->feeds, NULL, &snap, &err);
	if (rc)
		fail_msg("build: %s", ms_error_text(&err));
	assert_non_null(snap);
	return snap;
}

static int32_t who(const ms_snapshot *snap, const fixture *f, int k)
{
	return ms_snapshot_person(snap, f->id[k]);
}

static const char *area_of(const ms_snapshot *snap, int32_t p)
{
	assert_true(p >= 0 && (uint32_t)p < snap->npersons);
	assert_true(snap->area[p] < snap->areas.n);
	return snap->areas.str[snap->area[p]];
}

static const char *name_of(const ms_snapshot *snap, int32_t p)
{
	assert_true(snap->name[p] >= 0 && (uint32_t)snap->name[p] < snap->names.n);
	return snap->names.str[snap->name[p]];
}

static int col_of(const ms_snap_feed *sf, const char *name)
{
	for (int c = 0; c < sf->def->n_cols; c++)
		if (strcmp(sf->def->cols[c].name, name) == 0)
			return c;
	fail_msg("no column %s in %s", name, sf->def->name);
	return -1;
}

static const char *text(const ms_snap_feed *sf, const char *col, uint32_t r)
{
	const ms_snap_col *c = &sf->cols[col_of(sf, col)];
	assert_non_null(c->i32);
	assert_true(c->i32[r] >= 0 && (uint32_t)c->i32[r] < c->dict.n);
	return c->dict.str[c->i32[r]];
}

static void test_persons(void **state)
{
	fixture *f = *state;
	fill_store(f);
	ms_snapshot *snap = build(f);

	/* registry ∪ feeds, sorted by number; FF (only a father's number) and
	 * Z (only in a revoked batch) are no subjects */
	assert_int_equal(snap->npersons, 6);
	for (uint32_t p = 1; p < snap->npersons; p++)
		assert_true(strcmp(snap->idno[p - 1], snap->idno[p]) < 0);
	int32_t pf = who(snap, f, F), pm = who(snap, f, M), pc = who(snap, f, C), pr = who(snap, f, R2),
	        px = who(snap, f, X), py = who(snap, f, Y);
	assert_true(pf >= 0 && pm >= 0 && pc >= 0 && pr >= 0 && px >= 0 && py >= 0);
	assert_int_equal(who(snap, f, FF), -1);
	assert_int_equal(who(snap, f, Z), -1);
	assert_int_equal(ms_snapshot_person(snap, "not a number"), -1);
	assert_string_equal(snap->idno[pc], f->id[C]);

	/* from the number */
	assert_int_equal(snap->birth[pf], T_DATE("1980-01-01"));
	assert_int_equal(snap->birth[pc], T_DATE("2015-03-03"));
	assert_int_equal(snap->sex[pf], 1);
	assert_int_equal(snap->sex[pm], 2);
	assert_int_equal(snap->sex[pr], 2);
	assert_int_equal(snap->sex[px], 1);

	/* the registry */
	assert_true(snap->in_registry[pf] && snap->in_registry[pm] && snap->in_registry[pc] &&
	            snap->in_registry[pr]);
	assert_false(snap->in_registry[px] || snap->in_registry[py]);

	/* names: the registry's newest version, else the newest feed row's */
	assert_string_equal(name_of(snap, pf), "张三丰");
	assert_string_equal(name_of(snap, pm), "李四");
	assert_string_equal(name_of(snap, pc), "张小");
	assert_string_equal(name_of(snap, pr), "王五");
	assert_string_equal(name_of(snap, px), "徐陆");
	assert_string_equal(name_of(snap, py), "赵七");
	assert_string_equal(snap->names.str[0], "");

	/* areas: the household's, not the person's own 居住地区划; a registry
	 * person whose household is not in the households feed: its own; a
	 * feed-only person: the newest row that gives one, by date before batch;
	 * else the county of the number */
	assert_string_equal(area_of(snap, pf), "440106001001");
	assert_string_equal(area_of(snap, pm), "440106001001");
	assert_string_equal(area_of(snap, pc), "440106001001");
	assert_string_equal(area_of(snap, pr), "440304001019");
	assert_string_equal(area_of(snap, px), "440305001001");
	assert_string_equal(area_of(snap, py), "440303");
	assert_string_equal(snap->areas.str[0], "");

	/* parents */
	assert_true(snap->has_father[pc] && snap->has_mother[pc]);
	assert_int_equal(snap->father[pc], pf);
	assert_int_equal(snap->mother[pc], pm);
	assert_true(snap->has_father[pf]); /* given, but no subject */
	assert_int_equal(snap->father[pf], -1);
	assert_false(snap->has_mother[pf]);
	assert_int_equal(snap->mother[pf], -1);
	assert_false(snap->has_father[pm] || snap->has_mother[pm]);
	assert_int_equal(snap->father[pm], -1);
	assert_false(snap->has_father[px] || snap->has_mother[px]);
	assert_int_equal(snap->father[px], -1);
	assert_int_equal(snap->mother[py], -1);

	/* households */
	assert_int_equal(snap->nhouseholds, 1);
	assert_string_equal(snap->hhid[0], "H0001");
	assert_int_equal(ms_snapshot_household(snap, "H0001"), 0);
	assert_int_equal(ms_snapshot_household(snap, "H0002"), -1);
	assert_string_equal(snap->areas.str[snap->hh_area[0]], "440106001001");
	assert_int_equal(snap->household[pf], 0);
	assert_int_equal(snap->household[pm], 0);
	assert_int_equal(snap->household[pc], 0);
	assert_int_equal(snap->household[pr], -1);
	assert_int_equal(snap->household[px], -1);
	assert_int_equal(snap->member_start[0], 0);
	assert_int_equal(snap->member_start[1], 3);
	int32_t want[3] = {pf, pm, pc};
	for (int i = 0; i < 3; i++) /* ascending person index */
		for (int j = i + 1; j < 3; j++)
			if (want[j] < want[i]) {
				int32_t t = want[i];
				want[i] = want[j];
				want[j] = t;
			}
	for (int i = 0; i < 3; i++)
		assert_int_equal(snap->member[i], want[i]);

	/* the idnum dictionary: person index + 1 */
	assert_int_equal(snap->idnos.n, snap->npersons + 1);
	assert_string_equal(snap->idnos.str[pc + 1], f->id[C]);

	/* what it reflects */
	assert_int_equal(snap->nbatches, f->nbatch);
	for (int i = 0; i < f->nbatch; i++)
		assert_int_equal(snap->batches[i], f->batch[i]);
	assert_int_equal(snap->records_read, 16);
	ms_snapshot_free(snap);
}

static void test_feeds(void **state)
{
	fixture *f = *state;
	fill_store(f);
	ms_snapshot *snap = build(f);
	int32_t pf = who(snap, f, F), pm = who(snap, f, M), pc = who(snap, f, C), px = who(snap, f, X),
	        py = who(snap, f, Y);

	/* every feed of facts, none of the registry's persons and households */
	int nfacts = 0;
	for (int k = 0; k < f->feeds.n; k++)
		nfacts += f->feeds.feeds[k]->role == MS_FEED_FACTS;
	assert_int_equal(snap->nfeeds, nfacts);
	assert_null(ms_snapshot_feed(snap, "persons"));
	assert_null(ms_snapshot_feed(snap, "households"));
	assert_null(ms_snapshot_feed(snap, "nope"));

	/* categories: F's from batch 1; C's superseded by batch 2; M's new */
	const ms_snap_feed *cat = ms_snapshot_feed(snap, "categories");
	assert_non_null(cat);
	assert_int_equal(cat->nrows, 3);
	assert_int_equal(cat->start[0], 0);
	assert_int_equal(cat->start[snap->npersons], 3);
	for (uint32_t p = 0; p < snap->npersons; p++) {
		uint32_t want = (int32_t)p == pf || (int32_t)p == pm || (int32_t)p == pc;
		assert_int_equal(cat->start[p + 1] - cat->start[p], want);
		for (uint32_t r = cat->start[p]; r < cat->start[p + 1]; r++)
			assert_int_equal(cat->owner[r], (int32_t)p);
	}
	uint32_t rc_ = cat->start[pc], rf_ = cat->start[pf], rm_ = cat->start[pm];
	int c_start = col_of(cat, "开始日期"), c_end = col_of(cat, "结束日期");
	int c_id = col_of(cat, "身份证号");
	assert_string_equal(text(cat, "类别", rc_), "低保对象");
	assert_string_equal(text(cat, "类别", rm_), "特困人员");
	assert_int_equal(cat->cols[c_start].type, MS_COL_DATE);
	assert_int_equal(cat->cols[c_start].i32[rc_], T_DATE("2023-01-01"));
	assert_int_equal(cat->cols[c_end].i32[rc_], T_DATE("2024-06-30"));
	assert_int_equal(cat->cols[c_end].empty[rc_], 0);
	assert_int_equal(cat->cols[c_end].empty[rf_], 1);
	assert_int_equal(cat->cols[c_end].i32[rf_], MS_DATE_NONE);
	assert_int_equal(cat->batch_id[rc_], f->batch[4]);
	assert_int_equal(cat->row_no[rc_], 2); /* the file's first data row */
	assert_int_equal(cat->batch_id[rf_], f->batch[3]);
	assert_int_equal(cat->row_no[rf_], 3);
	assert_int_equal(cat->batch_id[rm_], f->batch[4]);
	/* the subject's column: the shared dictionary, person index + 1 */
	assert_int_equal(cat->cols[c_id].i32[rc_], pc + 1);
	assert_string_equal(text(cat, "身份证号", rm_), f->id[M]);
	assert_null(cat->cols[c_id].empty);
	assert_null(cat->cols[col_of(cat, "类别")].empty);
	assert_non_null(cat->cols[c_start].empty);

	/* benefits: the revoked update leaves the first version */
	const ms_snap_feed *ben = ms_snapshot_feed(snap, "benefits");
	assert_int_equal(ben->nrows, 1);
	uint32_t rb = ben->start[pc];
	assert_int_equal(ben->start[pc + 1], rb + 1);
	int c_amount = col_of(ben, "月金额");
	assert_int_equal(ben->cols[c_amount].type, MS_COL_MONEY);
	assert_int_equal(ben->cols[c_amount].i64[rb], 50000);
	assert_int_equal(ben->cols[c_amount].empty[rb], 0);
	assert_int_equal(ben->batch_id[rb], f->batch[8]);

	/* yibao: X's three rows in import order, C's one */
	const ms_snap_feed *yb = ms_snapshot_feed(snap, "yibao");
	assert_int_equal(yb->nrows, 4);
	assert_int_equal(yb->start[px + 1] - yb->start[px], 3);
	assert_int_equal(yb->start[pc + 1] - yb->start[pc], 1);
	uint32_t rx = yb->start[px];
	assert_string_equal(text(yb, "结算单号", rx), "JS001");
	assert_string_equal(text(yb, "结算单号", rx + 1), "JS003");
	assert_string_equal(text(yb, "结算单号", rx + 2), "JS004");
	assert_int_equal(yb->batch_id[rx], f->batch[5]);
	assert_int_equal(yb->batch_id[rx + 1], f->batch[6]);
	assert_true(yb->row_no[rx + 1] < yb->row_no[rx + 2]);
	int c_oop = col_of(yb, "个人自付"), c_total = col_of(yb, "医疗总费用");
	assert_int_equal(yb->cols[c_oop].i64[rx], 40050);
	assert_int_equal(yb->cols[c_total].i64[rx], 100050);
	assert_int_equal(yb->cols[c_total].i64[yb->start[pc]], 20000);
	assert_string_equal(text(yb, "医疗机构", rx), "第一医院");
	assert_int_equal(yb->cols[col_of(yb, "医疗机构")].i32[yb->start[pc]], 0); /* empty */
	assert_string_equal(text(yb, "居住地区划", rx + 1), "440303001001");
	assert_string_equal(text(yb, "居住地区划", rx + 2), "");

	/* gongan: the revoked batch's rows are absent */
	const ms_snap_feed *ga = ms_snapshot_feed(snap, "gongan");
	assert_int_equal(ga->nrows, 1);
	assert_int_equal(ga->owner[0], py);
	assert_string_equal(text(ga, "事件类型", 0), "迁入");
	assert_int_equal(ms_snap_dict_find(&ga->cols[col_of(ga, "事件类型")].dict, "迁入"),
	                 ga->cols[col_of(ga, "事件类型")].i32[0]);
	assert_int_equal(ms_snap_dict_find(&ga->cols[col_of(ga, "事件类型")].dict, "死亡"), -1);
	assert_int_equal(ms_snap_dict_find(&ga->cols[col_of(ga, "事件类型")].dict, ""), 0);

	/* a feed without data: empty, with its start array */
	const ms_snap_feed *sifa = ms_snapshot_feed(snap, "sifa");
	assert_non_null(sifa);
	assert_int_equal(sifa->nrows, 0);
	for (uint32_t p = 0; p <= snap->npersons; p++)
		assert_int_equal(sifa->start[p], 0);
	ms_snapshot_free(snap);
}

/* Each feed against the store's own list of current records: the same
 * records, and each value decoded back to its canonical text. */
typedef struct cross {
	const ms_snapshot *snap;
	const ms_snap_feed *sf;
	int seen;
} cross;

static void canonical(const ms_snap_col *c, uint32_t r, char *out, size_t cap)
{
	switch (c->type) {
	case MS_COL_DATE: {
		char d[MS_DATE_STR];
		ms_date_format(c->empty[r] ? MS_DATE_NONE : c->i32[r], d);
		snprintf(out, cap, "%s", d);
		break;
	}
	case MS_COL_MONTH:
		if (c->empty[r])
			out[0] = '\0';
		else
			ms_month_format(c->i32[r], out);
		break;
	case MS_COL_MONEY:
	case MS_COL_DECIMAL:
	case MS_COL_INTEGER:
		if (c->empty[r])
			out[0] = '\0';
		else
			snprintf(out, cap, "%lld", (long long)c->i64[r]);
		break;
	default:
		snprintf(out, cap, "%s", c->dict.str[c->i32[r]]);
	}
}

static int cross_one(void *ctx, const ms_record *rec)
{
	cross *x = ctx;
	const ms_snap_feed *sf = x->sf;
	int32_t p = ms_snapshot_person(x->snap, rec->idno);
	assert_true(p >= 0);
	uint32_t r = sf->start[p];
	while (r < sf->start[p + 1] && sf->record_id[r] != rec->id)
		r++;
	assert_true(r < sf->start[p + 1]);
	assert_int_equal(sf->batch_id[r], rec->batch_id);
	assert_int_equal(sf->row_no[r], rec->row);
	char want[1024], got[1024];
	snprintf(want, sizeof want, "%s", rec->vals);
	got[0] = '\0';
	size_t n = 0;
	for (int c = 0; c < sf->def->n_cols; c++) {
		char v[256];
		canonical(&sf->cols[c], r, v, sizeof v);
		n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", c ? "\x1f" : "", v);
	}
	assert_string_equal(got, want);
	x->seen++;
	return 0;
}

static void test_against_store(void **state)
{
	fixture *f = *state;
	fill_store(f);
	ms_snapshot *snap = build(f);
	ms_error err;
	ms_error_clear(&err);
	for (int i = 0; i < snap->nfeeds; i++) {
		const ms_snap_feed *sf = &snap->feeds[i];
		int64_t feed_id;
		assert_int_equal(ms_store_feed_id(f->s, sf->def->name, &feed_id, &err), MS_ERR_OK);
		cross x = {snap, sf, 0};
		assert_int_equal(ms_store_current_records(f->s, feed_id, cross_one, &x, &err), MS_ERR_OK);
		assert_int_equal(x.seen, (int)sf->nrows);
		/* rows grouped by owner, then in import order */
		for (uint32_t r = 1; r < sf->nrows; r++) {
			assert_true(sf->owner[r - 1] <= sf->owner[r]);
			if (sf->owner[r - 1] == sf->owner[r])
				assert_true(sf->batch_id[r - 1] < sf->batch_id[r] ||
				            (sf->batch_id[r - 1] == sf->batch_id[r] &&
				             sf->row_no[r - 1] < sf->row_no[r]));
		}
	}
	ms_snapshot_free(snap);
}

/* Two builds of the same records are the same, down to dictionary ids,
 * however the two readers happened to share the table. */
static void test_deterministic(void **state)
{
	fixture *f = *state;
	fill_store(f);
	ms_snapshot *a = build(f);
	for (int round = 0; round < 5; round++) {
		ms_snapshot *b = build(f);
		assert_int_equal(a->npersons, b->npersons);
		assert_memory_equal(a->area, b->area, a->npersons * sizeof *a->area);
		assert_memory_equal(a->name, b->name, a->npersons * sizeof *a->name);
		for (int i = 0; i < a->nfeeds; i++) {
			const ms_snap_feed *fa = &a->feeds[i], *fb = &b->feeds[i];
			assert_int_equal(fa->nrows, fb->nrows);
			for (int c = 0; c < fa->def->n_cols; c++) {
				const ms_snap_col *ca = &fa->cols[c], *cb = &fb->cols[c];
				assert_int_equal(ca->dict.n, cb->dict.n);
				if (ca->i32 && fa->nrows)
					assert_memory_equal(ca->i32, cb->i32, fa->nrows * sizeof *ca->i32);
				for (uint32_t id = 0; id < ca->dict.n; id++)
					assert_string_equal(ca->dict.str[id], cb->dict.str[id]);
			}
		}
		ms_snapshot_free(b);
	}
	ms_snapshot_free(a);
}

/* A feed defined here, not in the pack: a second identity column (its
 * numbers name persons, or nobody), months, decimals, whole numbers. */
static const char guardians_ini[] = "[feed]\n"
                                    "name = guardians\n"
                                    "title = 监护登记\n"
                                    "department = 测试\n"
                                    "kind = department\n"
                                    "key = 身份证号+监护人身份证号\n"
                                    "person = 身份证号\n"
                                    "date = 登记日期\n"
                                    "[column.身份证号]\n"
                                    "type = idnum\n"
                                    "required = yes\n"
                                    "[column.监护人身份证号]\n"
                                    "type = idnum\n"
                                    "required = yes\n"
                                    "[column.登记日期]\n"
                                    "type = date\n"
                                    "required = yes\n"
                                    "[column.人数]\n"
                                    "type = integer\n"
                                    "min = -5\n"
                                    "max = 10\n"
                                    "[column.面积]\n"
                                    "type = decimal\n"
                                    "scale = 2\n"
                                    "[column.月份]\n"
                                    "type = month\n";

static void test_other_columns(void **state)
{
	fixture *f = *state;
	ms_feed *g = NULL;
	ms_error err;
	ms_error_clear(&err);
	if (ms_feed_parse(guardians_ini, "guardians.ini", &g, &err))
		fail_msg("feed: %s", ms_error_text(&err));
	f->feeds.feeds[f->feeds.n++] = g;
	fill_store(f);
	import(f, "guardians", "guardians.csv",
	       "身份证号,监护人身份证号,登记日期,人数,面积,月份\n"
	       "@C,@F,2024-01-01,-2,12.5,2024-05\n"
	       "@M,@FF,2024-02-01,,,\n"
	       "@X,@FF,2024-03-01,0,0,2023-12\n");
	ms_snapshot *snap = build(f);
	const ms_snap_feed *gf = ms_snapshot_feed(snap, "guardians");
	assert_non_null(gf);
	assert_int_equal(gf->nrows, 3);
	int32_t pf = who(snap, f, F), pm = who(snap, f, M), pc = who(snap, f, C), px = who(snap, f, X);
	uint32_t rc_ = gf->start[pc], rm_ = gf->start[pm], rx = gf->start[px];
	int cg = col_of(gf, "监护人身份证号"), cn = col_of(gf, "人数"), ca = col_of(gf, "面积"),
	    cm = col_of(gf, "月份");
	/* a guardian who is a subject: its index + 1; one who is not: one id
	 * past the persons, the same for both rows that name it */
	assert_int_equal(gf->cols[cg].i32[rc_], pf + 1);
	assert_int_equal(gf->cols[cg].i32[rm_], (int32_t)snap->npersons + 1);
	assert_int_equal(gf->cols[cg].i32[rx], (int32_t)snap->npersons + 1);
	assert_int_equal(snap->idnos.n, snap->npersons + 2);
	assert_string_equal(text(gf, "监护人身份证号", rm_), f->id[FF]);
	assert_string_equal(text(gf, "监护人身份证号", rc_), f->id[F]);
	assert_int_equal(ms_snapshot_person(snap, f->id[FF]), -1); /* still no subject */
	/* numbers and their blanks */
	assert_int_equal(gf->cols[cn].i64[rc_], -2);
	assert_int_equal(gf->cols[cn].empty[rc_], 0);
	assert_int_equal(gf->cols[cn].empty[rm_], 1);
	assert_int_equal(gf->cols[cn].i64[rx], 0);
	assert_int_equal(gf->cols[cn].empty[rx], 0);
	assert_int_equal(gf->cols[ca].i64[rc_], 1250);
	assert_int_equal(gf->cols[ca].empty[rm_], 1);
	assert_int_equal(gf->cols[cm].i32[rc_], 2024 * 12 + 4);
	assert_int_equal(gf->cols[cm].i32[rx], 2023 * 12 + 11);
	assert_int_equal(gf->cols[cm].empty[rm_], 1);
	ms_snapshot_free(snap);
}

static int first_review(void *ctx, const ms_review *r)
{
	*(int64_t *)ctx = r->id;
	return 1;
}

/* A row linked from the review queue is stored after later batches' rows,
 * yet takes its place in import order: (batch, row). */
static void test_review_linked(void **state)
{
	fixture *f = *state;
	fill_store(f);
	char bad[MS_ID_STR];
	memcpy(bad, f->id[C], MS_ID_STR);
	bad[17] = bad[17] == '0' ? '1' : '0'; /* a wrong check character */
	char tpl[512];
	/* another name: no correction, so the row waits for review */
	snprintf(tpl, sizeof tpl,
	         "身份证号,姓名,结算单号,结算日期,医疗总费用,统筹支付,个人自付,医疗机构,居住地区划\n"
	         "%s,某某,JS010,2024-06-01,10,5,5,,\n"
	         "@C,张小,JS011,2024-06-02,10,5,5,,\n",
	         bad);
	int64_t a = import_review(f, "yibao", "yibao-3.csv", tpl, 1);
	int64_t b = import(f, "yibao", "yibao-4.csv",
	                   "身份证号,姓名,结算单号,结算日期,医疗总费用,统筹支付,个人自付,医疗机构,居住地区划\n"
	                   "@C,张小,JS012,2024-06-03,10,5,5,,\n");
	ms_error err;
	ms_error_clear(&err);
	int64_t rid = 0;
	assert_int_equal(ms_store_review_list(f->s, "open", a, 10, first_review, &rid, &err), MS_ERR_OK);
	assert_true(rid > 0);
	/* a scan keeps its snapshot beside the database... (a database file:
	 * on PostgreSQL every scan builds it, there is no file to go stale) */
	const char *kept = t_url_is_pg(f->url) ? "built" : "loaded";
	ms_pack *pack = NULL;
	if (ms_pack_load("policy/guangdong", &pack, &err))
		fail_msg("pack: %s", ms_error_text(&err));
	ms_scan_opts o = {.as_of = T_DATE("2026-06-30"), .dry_run = true};
	ms_scan_result res;
	assert_int_equal(ms_scan_run(f->s, pack, &o, &res, &err), MS_ERR_OK);
	assert_int_equal(ms_scan_run(f->s, pack, &o, &res, &err), MS_ERR_OK);
	assert_string_equal(res.snapshot_source, kept);
	if (ms_import_review_decide(f->s, &f->feeds, rid, f->id[C], "test", "", T_DATE("2026-06-30"),
	                            &err))
		fail_msg("link: %s", ms_error_text(&err));
	/* ...which the linked row, stored in a batch published before, makes
	 * stale though the published batches are the same */
	assert_int_equal(ms_scan_run(f->s, pack, &o, &res, &err), MS_ERR_OK);
	assert_string_equal(res.snapshot_source, "built");
	ms_pack_free(pack);
	ms_snapshot *snap = build(f);
	const ms_snap_feed *yb = ms_snapshot_feed(snap, "yibao");
	int32_t pc = who(snap, f, C);
	uint32_t r = yb->start[pc];
	assert_int_equal(yb->start[pc + 1] - r, 4);
	static const char *const want[] = {"JS002", "JS010", "JS011", "JS012"};
	for (int i = 0; i < 4; i++)
		assert_string_equal(text(yb, "结算单号", r + (uint32_t)i), want[i]);
	assert_int_equal(yb->batch_id[r + 1], a);
	assert_int_equal(yb->row_no[r + 1], 2);
	assert_int_equal(yb->batch_id[r + 3], b);
	assert_true(yb->record_id[r + 1] > yb->record_id[r + 3]); /* stored last */
	assert_string_equal(text(yb, "身份证号", r + 1), f->id[C]);
	ms_snapshot_free(snap);
}

static void test_empty_store(void **state)
{
	fixture *f = *state;
	ms_snapshot *snap = build(f);
	assert_int_equal(snap->npersons, 0);
	assert_int_equal(snap->nhouseholds, 0);
	assert_int_equal(snap->nbatches, 0);
	assert_int_equal(snap->member_start[0], 0);
	assert_true(snap->nfeeds > 0);
	for (int i = 0; i < snap->nfeeds; i++) {
		assert_int_equal(snap->feeds[i].nrows, 0);
		assert_int_equal(snap->feeds[i].start[0], 0);
	}
	assert_int_equal(ms_snapshot_person(snap, f->id[F]), -1);
	assert_int_equal(ms_snapshot_household(snap, "H0001"), -1);
	ms_snapshot_free(snap);
}

/* Every allocation failing in turn: a clean error, nothing leaked (the
 * sanitizer build checks the leaks). */
static void test_out_of_memory(void **state)
{
	fixture *f = *state;
	fill_store(f);
	ms_snapshot *snap = NULL;
	ms_err rc = MS_ERR_NOMEM;
	unsigned long n;
	for (n = 1; n < 5000 && rc != MS_ERR_OK; n++) {
		ms_error err;
		ms_error_clear(&err);
		ms_mem_fail_after(n);
		rc = ms_snapshot_build(f->s, &f->feeds, NULL, &snap, &err);
		ms_mem_fail_after(0);
		if (rc) {
			if (rc != MS_ERR_NOMEM && rc != MS_ERR_DB)
				fail_msg("allocation %lu failing gave %s: %s", n, ms_err_name(rc),
				         ms_error_text(&err));
			assert_null(snap);
		}
	}
	assert_int_equal(rc, MS_ERR_OK);
	assert_true(n > 100);
	assert_int_equal(snap->npersons, 6);
	ms_snapshot_free(snap);
}

/* ---- the snapshot file ---- */

static void snap_path(const fixture *f, const char *sfx, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s", f->path, sfx);
}

static void dict_equal(const ms_snap_dict *a, const ms_snap_dict *b)
{
	assert_int_equal(a->n, b->n);
	for (uint32_t i = 0; i < a->n; i++)
		assert_string_equal(a->str[i], b->str[i]);
}

#define ARR_EQUAL(a, b, n)                                                      \
	do {                                                                        \
		assert_true(((a) == NULL) == ((b) == NULL));                            \
		if ((a) && (n))                                                         \
			assert_memory_equal((a), (b), (size_t)(n) * sizeof *(a));           \
	} while (0)

/* Every field of two snapshots, compared value by value. */
static void snapshots_equal(const ms_snapshot *a, const ms_snapshot *b)
{
	assert_int_equal(a->nbatches, b->nbatches);
	ARR_EQUAL(a->batches, b->batches, a->nbatches);
	assert_int_equal(a->npersons, b->npersons);
	uint32_t np = a->npersons, nh = a->nhouseholds;
	ARR_EQUAL(a->idno, b->idno, np);
	ARR_EQUAL(a->birth, b->birth, np);
	ARR_EQUAL(a->sex, b->sex, np);
	ARR_EQUAL(a->in_registry, b->in_registry, np);
	ARR_EQUAL(a->household, b->household, np);
	ARR_EQUAL(a->father, b->father, np);
	ARR_EQUAL(a->mother, b->mother, np);
	ARR_EQUAL(a->has_father, b->has_father, np);
	ARR_EQUAL(a->has_mother, b->has_mother, np);
	ARR_EQUAL(a->area, b->area, np);
	ARR_EQUAL(a->name, b->name, np);
	dict_equal(&a->names, &b->names);
	assert_int_equal(a->nhouseholds, b->nhouseholds);
	for (uint32_t h = 0; h < nh; h++)
		assert_string_equal(a->hhid[h], b->hhid[h]);
	ARR_EQUAL(a->hh_area, b->hh_area, nh);
	ARR_EQUAL(a->member_start, b->member_start, nh + 1);
	ARR_EQUAL(a->member, b->member, a->member_start[nh]);
	dict_equal(&a->areas, &b->areas);
	dict_equal(&a->idnos, &b->idnos);
	assert_int_equal(a->records_read, b->records_read);
	assert_int_equal(a->max_record_id, b->max_record_id);
	assert_int_equal(a->source[0], b->source[0]);
	assert_int_equal(a->source[1], b->source[1]);
	assert_int_equal(a->nfeeds, b->nfeeds);
	for (int i = 0; i < a->nfeeds; i++) {
		const ms_snap_feed *fa = &a->feeds[i], *fb = &b->feeds[i];
		assert_ptr_equal(fa->def, fb->def);
		assert_int_equal(fa->nrows, fb->nrows);
		uint32_t n = fa->nrows;
		ARR_EQUAL(fa->owner, fb->owner, n);
		ARR_EQUAL(fa->start, fb->start, np + 1);
		ARR_EQUAL(fa->record_id, fb->record_id, n);
		ARR_EQUAL(fa->batch_id, fb->batch_id, n);
		ARR_EQUAL(fa->row_no, fb->row_no, n);
		for (int c = 0; c < fa->def->n_cols; c++) {
			const ms_snap_col *ca = &fa->cols[c], *cb = &fb->cols[c];
			assert_ptr_equal(ca->def, cb->def);
			assert_int_equal(ca->type, cb->type);
			ARR_EQUAL(ca->i32, cb->i32, n);
			ARR_EQUAL(ca->i64, cb->i64, n);
			ARR_EQUAL(ca->empty, cb->empty, n);
			assert_true((ca->dict.str == a->idnos.str) == (cb->dict.str == b->idnos.str));
			assert_true((ca->dict.str == NULL) == (cb->dict.str == NULL));
			if (ca->dict.str)
				dict_equal(&ca->dict, &cb->dict);
		}
	}
}

static void save(fixture *f, const ms_snapshot *snap, const char *path)
{
	ms_error err;
	ms_error_clear(&err);
	if (ms_snapshot_save(snap, &f->feeds, path, &err))
		fail_msg("save: %s", ms_error_text(&err));
}

static ms_err load(fixture *f, const char *path, ms_snapshot **out)
{
	ms_error err;
	ms_error_clear(&err);
	ms_err rc = ms_snapshot_load(path, &f->feeds, out, &err);
	if (rc)
		assert_null(*out);
	return rc;
}

static void test_file_round_trip(void **state)
{
	fixture *f = *state;
	fill_store(f);
	char path[160];
	snap_path(f, ".snap", path, sizeof path);
	ms_snapshot *a = build(f);
	a->source[0] = 7;
	a->source[1] = 9;
	save(f, a, path);
	ms_snapshot *b = NULL;
	assert_int_equal(load(f, path, &b), MS_ERR_OK);
	assert_non_null(b->map);
	snapshots_equal(a, b);
	assert_int_equal(b->source[0], 7);
	assert_int_equal(b->source[1], 9);
	/* the lookups work on the loaded one */
	for (int k = 0; k < NPEOPLE; k++)
		assert_int_equal(ms_snapshot_person(b, f->id[k]), ms_snapshot_person(a, f->id[k]));
	assert_int_equal(ms_snapshot_household(b, "H0001"), ms_snapshot_household(a, "H0001"));
	ms_snapshot_free(b);
	/* an empty store's snapshot too */
	ms_snapshot_free(a);
	unlink(path);
}

static void test_file_empty(void **state)
{
	fixture *f = *state;
	char path[160];
	snap_path(f, ".snap", path, sizeof path);
	ms_snapshot *a = build(f);
	save(f, a, path);
	ms_snapshot *b = NULL;
	assert_int_equal(load(f, path, &b), MS_ERR_OK);
	snapshots_equal(a, b);
	ms_snapshot_free(b);
	ms_snapshot_free(a);
	unlink(path);
}

static long file_size(const char *path)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fclose(fp);
	return n;
}

static void poke(const char *path, long at, unsigned char x)
{
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	fseek(fp, at, SEEK_SET);
	int c = fgetc(fp);
	fseek(fp, at, SEEK_SET);
	fputc(c ^ x, fp);
	fclose(fp);
}

static void test_file_damaged(void **state)
{
	fixture *f = *state;
	fill_store(f);
	char path[160];
	snap_path(f, ".snap", path, sizeof path);
	ms_snapshot *a = build(f), *b = NULL;
	assert_int_equal(load(f, path, &b), MS_ERR_NOT_FOUND);
	save(f, a, path);
	long n = file_size(path);
	assert_true(n > 64);
	/* one bit flipped anywhere: in the header, in an array, in a string */
	long at[] = {0, 8, 16, 24, 40, 64, 100, n / 3, n / 2, n - 2, n - 1};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		poke(path, at[i], 0x10);
		assert_int_equal(load(f, path, &b), MS_ERR_INVALID);
		poke(path, at[i], 0x10);
		assert_int_equal(load(f, path, &b), MS_ERR_OK);
		ms_snapshot_free(b);
		b = NULL;
	}
	/* cut short, or grown */
	assert_int_equal(truncate(path, n - 8), 0);
	assert_int_equal(load(f, path, &b), MS_ERR_INVALID);
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(load(f, path, &b), MS_ERR_INVALID);
	save(f, a, path);
	assert_int_equal(truncate(path, n + 8), 0);
	assert_int_equal(load(f, path, &b), MS_ERR_INVALID);
	/* written for other feed definitions */
	save(f, a, path);
	ms_feed_set other = f->feeds;
	other.n--;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_snapshot_load(path, &other, &b, &err), MS_ERR_INVALID);
	assert_null(b);
	ms_snapshot_free(a);
	unlink(path);
}

/* A scan uses the file beside the database while no batch is published,
 * rebuilds it when one is, and when the file is damaged. */
static void test_scan_uses_file(void **state)
{
	fixture *f = *state;
	fill_store(f);
	ms_pack *pack = NULL;
	ms_error err;
	ms_error_clear(&err);
	if (ms_pack_load("policy/guangdong", &pack, &err))
		fail_msg("pack: %s", ms_error_text(&err));
	ms_scan_opts o = {.as_of = ms_date_from_ymd(2025, 6, 30), .dry_run = true};
	ms_scan_result r1, r2, r3, r4;
	char path[160];
	snap_path(f, ".snapshot", path, sizeof path);
	assert_int_equal(ms_scan_run(f->s, pack, &o, &r1, &err), MS_ERR_OK);
	assert_string_equal(r1.snapshot_source, "built");
	assert_true(file_size(path) > 64);
	assert_int_equal(ms_scan_run(f->s, pack, &o, &r2, &err), MS_ERR_OK);
	assert_string_equal(r2.snapshot_source, "loaded");
	assert_int_equal(r1.persons, r2.persons);
	assert_memory_equal(r1.hits, r2.hits, sizeof r1.hits);
	/* a new batch: the file is stale */
	import(f, "gongan", "gongan-3.csv",
	       "身份证号,姓名,事件类型,事件日期\n"
	       "@R2,王五,迁入,2022-01-01\n");
	assert_int_equal(ms_scan_run(f->s, pack, &o, &r3, &err), MS_ERR_OK);
	assert_string_equal(r3.snapshot_source, "built");
	ms_snapshot *b = NULL;
	assert_int_equal(ms_snapshot_load(path, &pack->feeds, &b, &err), MS_ERR_OK);
	assert_int_equal(b->nbatches, (uint32_t)f->nbatch + 1);
	int64_t max_id = 0;
	assert_int_equal(ms_store_record_max_id(f->s, &max_id, &err), MS_ERR_OK);
	assert_int_equal(b->max_record_id, max_id);
	ms_snapshot_free(b);
	assert_int_equal(ms_scan_run(f->s, pack, &o, &r4, &err), MS_ERR_OK);
	assert_string_equal(r4.snapshot_source, "loaded");
	/* damaged: rebuilt (with a warning), then used again */
	poke(path, file_size(path) / 2, 0x01);
	assert_int_equal(ms_scan_run(f->s, pack, &o, &r4, &err), MS_ERR_OK);
	assert_string_equal(r4.snapshot_source, "built");
	assert_int_equal(ms_scan_run(f->s, pack, &o, &r4, &err), MS_ERR_OK);
	assert_string_equal(r4.snapshot_source, "loaded");
	assert_memory_equal(r3.hits, r4.hits, sizeof r3.hits);
	ms_pack_free(pack);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_persons, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_feeds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_against_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_columns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_review_linked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_uses_file, setup_sqlite, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
