/* test_allocfail.c — allocation failures over the parsers, the import of a
 * small file and a scan (docs/reliability.md). Every operation is first run
 * once to count its allocations (ms_mem_fail_after returns the count); then
 * it is run again with the N-th allocation failing (and every one after it),
 * for every N up to ALLOCFAIL_EVERY and a sample of N beyond, up to the
 * last. Each failure must be a clean error: MS_ERR_NOMEM (or a code the
 * operation lists) with the error context set, the output pointer NULL, and
 * nothing leaked (the sanitizer build of `make test` runs this file with
 * LeakSanitizer, so a leak fails it). For the import and the scan, the
 * database left behind by each failure is checked too: a rerun without
 * failures must give exactly the counts of an uninterrupted run.
 *
 * ALLOCFAIL_VERBOSE=1 prints the figures (allocations, N covered) of each
 * operation. */
#include "testutil.h"

#include "base/mem.h"
#include "ingest/import.h"
#include "ingest/reader.h"
#include "model/area.h"
#include "model/idnum.h"
#include "monitor/scan.h"
#include "rules/pack.h"
#include "rules/parse.h"
#include "store/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PACK "policy/guangdong"
#define FIXTURES "tests/fixtures/"
#define ALLOCFAIL_EVERY 2000ul /* every N up to this one */
#define ALLOCFAIL_SAMPLE 150ul /* then about this many N, spread to the last */
#define TODAY "2026-11-29"

typedef ms_err (*op_fn)(void *ctx, ms_error *err);

typedef struct sweep_stats {
	unsigned long total;   /* allocations of a run without failures */
	unsigned long covered; /* runs with a failure */
	unsigned long every;   /* every N up to this one */
} sweep_stats;

static int verbose(void)
{
	const char *v = getenv("ALLOCFAIL_VERBOSE");
	return v && *v && *v != '0';
}

/* ok_codes: codes besides MS_ERR_NOMEM that a failure may give (0-ended). */
static void sweep(const char *what, op_fn fn, void *ctx, const ms_err *ok_codes,
                  void (*after_fail)(void *ctx), sweep_stats *st)
{
	ms_error err;
	ms_error_clear(&err);
	ms_mem_fail_after(0);
	ms_err rc = fn(ctx, &err);
	unsigned long total = ms_mem_fail_after(0);
	if (rc)
		fail_msg("%s without failures: %s", what, ms_error_text(&err));
	assert_true(total > 0);
	unsigned long every = total < ALLOCFAIL_EVERY ? total : ALLOCFAIL_EVERY;
	unsigned long step = total > every ? (total - every) / ALLOCFAIL_SAMPLE + 1 : 1;
	unsigned long covered = 0;
	for (unsigned long n = 1; n <= total;) {
		ms_error_clear(&err);
		ms_mem_fail_after(n);
		rc = fn(ctx, &err);
		ms_mem_fail_after(0);
		covered++;
		if (rc == MS_ERR_OK) {
			/* a failure the operation absorbs (a cache not written), or a
			 * run that needed fewer allocations (threads) */
		} else {
			bool ok = rc == MS_ERR_NOMEM;
			for (const ms_err *c = ok_codes; c && *c && !ok; c++)
				ok = rc == *c;
			if (!ok)
				fail_msg("%s: allocation %lu of %lu failing gave %s: %s", what, n, total,
				         ms_err_name(rc), ms_error_text(&err));
			if (err.code != rc)
				fail_msg("%s: allocation %lu failing returned %s but the error says %s", what, n,
				         ms_err_name(rc), ms_err_name(err.code));
			if (after_fail)
				after_fail(ctx);
		}
		if (n < every)
			n++;
		else if (n + step <= total || n == total)
			n += step;
		else
			n = total;
	}
	/* nothing a failure did stays behind: a run without failures succeeds */
	ms_error_clear(&err);
	rc = fn(ctx, &err);
	if (rc)
		fail_msg("%s: fails after the failures with none injected: %s", what, ms_error_text(&err));
	if (st) {
		st->total = total;
		st->covered = covered;
		st->every = every;
	}
	if (verbose())
		printf("allocfail: %-28s %6lu allocations, %5lu runs with a failure (every N up to %lu, "
		       "then every %lu)\n", what, total, covered, every, step);
}

/* ---- readers ---- */

typedef struct reader_ctx {
	const char *data;
	size_t len;
	const char *name;
	ms_reader_format fmt;
	size_t rows;
} reader_ctx;

static ms_err op_reader(void *p, ms_error *err)
{
	reader_ctx *c = p;
	ms_reader *r = ms_reader_open_mem(c->data, c->len, c->name, c->fmt, NULL, err);
	if (!r)
		return err->code ? err->code : MS_ERR_INTERNAL;
	ms_row row;
	ms_err rc;
	size_t n = 0;
	while ((rc = ms_reader_next(r, &row, err)) == MS_ERR_OK)
		n++;
	ms_reader_close(r);
	if (rc == MS_ERR_NOT_FOUND) {
		c->rows = n;
		return MS_ERR_OK;
	}
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot read %s", path);
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (!k)
			break;
		n += k;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void test_readers(void **state)
{
	(void)state;
	static const char *const files[] = {FIXTURES "canlian_sample.csv",
	                                    FIXTURES "canlian_sample_gbk.csv",
	                                    FIXTURES "canlian_sample.xlsx"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		reader_ctx c = {0};
		char *data = slurp(files[i], &c.len);
		c.data = data;
		c.name = files[i];
		c.fmt = MS_FMT_AUTO;
		sweep(files[i] + sizeof FIXTURES - 1, op_reader, &c, NULL, NULL, NULL);
		assert_int_equal(c.rows, 11);
		free(data);
	}
	/* JSON Lines, with problems of rows (nested values, unknown keys) and
	 * UTF-16 text */
	static const char jsonl[] =
	    "{\"身份证号\":\"440106195203141013\",\"金额\":12.50,\"n\":null,\"b\":true}\n"
	    "{\"身份证号\":\"440305196807222120\",\"金额\":1e3,\"x\":1}\n"
	    "{\"身份证号\":{\"a\":1},\"金额\":[1,2]}\n"
	    "not json\n"
	    "{\"身份证号\":\"\\u4e2d\\u6587\",\"金额\":\"1,061.96\"}\n";
	reader_ctx j = {jsonl, sizeof jsonl - 1, "x.jsonl", MS_FMT_AUTO, 0};
	sweep("jsonl", op_reader, &j, NULL, NULL, NULL);
	assert_int_equal(j.rows, 5);
	static const char utf16[] = "\xff\xfe"
	                            "a\0\t\0b\0\r\0\n\0"
	                            "1\0\t\0\x2d\x4e\r\0\n\0";
	reader_ctx u = {utf16, sizeof utf16 - 1, "x.txt", MS_FMT_AUTO, 0};
	sweep("utf16 text", op_reader, &u, NULL, NULL, NULL);
	assert_int_equal(u.rows, 1);
}

/* ---- the policy pack: ini files, feeds, parameters, rule files parsed and
 * checked ---- */

static ms_err op_pack(void *p, ms_error *err)
{
	(void)p;
	ms_pack *pack = NULL;
	ms_err rc = ms_pack_load(PACK, &pack, err);
	if (rc) {
		assert_null(pack);
		return rc;
	}
	assert_int_equal(pack->nrules, 18);
	ms_pack_free(pack);
	return MS_ERR_OK;
}

static void test_pack(void **state)
{
	(void)state;
	sweep_stats st;
	sweep("policy pack load", op_pack, NULL, NULL, NULL, &st);
	assert_true(st.total > 100);
}

/* The rule files alone, parsed into an arena (what `rules check` does per
 * file before the pack's checker runs). */
typedef struct parse_ctx {
	char *src;
	size_t len;
	int lets, rules;
} parse_ctx;

static ms_err count_let(void *ctx, const ms_let *l, ms_error *err)
{
	(void)l, (void)err;
	((parse_ctx *)ctx)->lets++;
	return MS_ERR_OK;
}

static ms_err count_rule(void *ctx, const ms_rule *r, ms_error *err)
{
	(void)r, (void)err;
	((parse_ctx *)ctx)->rules++;
	return MS_ERR_OK;
}

static ms_err op_parse(void *p, ms_error *err)
{
	parse_ctx *c = p;
	c->lets = c->rules = 0;
	ms_arena a;
	ms_arena_init(&a, 4096, 64u << 20);
	ms_parse_sink sink = {count_let, count_rule, c};
	ms_err rc = ms_rules_parse(c->src, c->len, "rules", &a, &sink, err);
	ms_arena_free(&a);
	return rc;
}

static void test_rules_parse(void **state)
{
	(void)state;
	size_t l1, l2;
	char *a = slurp(PACK "/rules/common.rule", &l1);
	char *b = slurp(PACK "/rules/guangdong.rule", &l2);
	parse_ctx c = {malloc(l1 + l2), l1 + l2, 0, 0};
	assert_non_null(c.src);
	memcpy(c.src, a, l1);
	memcpy(c.src + l1, b, l2);
	sweep("rule files parse", op_parse, &c, NULL, NULL, NULL);
	assert_int_equal(c.rules, 18);
	free(a);
	free(b);
	free(c.src);
}

/* ---- the import of a small file, and a scan ---- */

/* These stay on SQLite files, also under `make unit-pg` (MS_TEST_PG_DIR):
 * each failing run starts from a byte copy of a template database file. */

typedef struct db_ctx {
	char dir[64];
	char tmpl[128];  /* a database with the registry imported */
	char work[128];  /* the copy each run works on */
	ms_pack *pack;
	ms_import_opts io;
	ms_import_result ref;      /* the uninterrupted import */
	int64_t ref_alerts, ref_new; /* the uninterrupted scan */
	int64_t alerts;
	bool scan;
} db_ctx;

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *b = slurp(from, &len);
	FILE *f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	free(b);
}

static void fresh_copy(db_ctx *c)
{
	char p[160];
	static const char *const side[] = {"-wal", "-shm", ".snapshot", ".import-lock"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", c->work, side[i]);
		unlink(p);
	}
	copy_file(c->tmpl, c->work);
}

static char *csv_people(void)
{
	/* synthetic identity numbers with valid check characters */
	static char buf[4096];
	char id[6][MS_ID_STR];
	static const char *const s17[] = {"44010619520314101", "44010619580722212", "44010620120109333",
	                                  "44010619831130044", "44010619401225258", "44010620150229017"};
	for (int i = 0; i < 6; i++) {
		memcpy(id[i], s17[i], 17);
		id[i][17] = ms_id_check_char(s17[i]);
		id[i][18] = 0;
	}
	snprintf(buf, sizeof buf,
	         "身份证号,姓名,户编号,与户主关系,居住地区划,父亲身份证号,母亲身份证号,联系电话\n"
	         "%s,陈国华,H1,户主,440106001001,,,13800000001\n"
	         "%s,李秀英,H1,配偶,440106001001,,,\n"
	         "%s,陈小明,H1,子,440106001001,%s,%s,\n"
	         "%s,王建平,H2,户主,440106001002,,,\n"
	         "%s,张淑珍,H2,母亲,440106001002,,,\n"
	         "%s,王小红,H2,女,440106001002,%s,,\n",
	         id[0], id[1], id[2], id[0], id[1], id[3], id[4], id[5], id[3]);
	return buf;
}

static void write_text(const char *dir, const char *name, const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void import_file(ms_store *s, db_ctx *c, const char *feed, const char *path)
{
	ms_import_opts o = {.feed = feed, .path = path, .actor = "test", .today = T_DATE(TODAY)};
	ms_import_result res;
	ms_error err;
	ms_error_clear(&err);
	if (ms_import_run(s, &c->pack->feeds, &o, &res, &err))
		fail_msg("import %s: %s", path, ms_error_text(&err));
}

static int db_setup(void **state)
{
	db_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	/* a memory file system when there is one: thousands of small databases
	 * are written, and their fsyncs are not what is tested */
	snprintf(c->dir, sizeof c->dir, "%s/ms-allocfail-XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->tmpl, sizeof c->tmpl, "%s/tmpl.db", c->dir);
	snprintf(c->work, sizeof c->work, "%s/work.db", c->dir);
	ms_error err;
	ms_error_clear(&err);
	ms_store *s = NULL;
	if (ms_area_init(&err) || ms_pack_load(PACK, &c->pack, &err) ||
	    ms_store_open(c->tmpl, MS_STORE_CREATE, &s, &err)) {
		fprintf(stderr, "setup: %s\n", ms_error_text(&err));
		return -1;
	}
	char path[160];
	write_text(c->dir, "households.csv",
	           "户编号,区划代码,详细地址\nH1,440106001001,测试村1号\nH2,440106001002,测试村2号\n",
	           path, sizeof path);
	import_file(s, c, "households", path);
	write_text(c->dir, "persons.csv", csv_people(), path, sizeof path);
	import_file(s, c, "persons", path);
	/* the head of H1 died; he and his wife still hold 低保 (R01); the son is
	 * severely disabled (R02) */
	char text[2048];
	const char *people = csv_people();
	char id0[MS_ID_STR], id1[MS_ID_STR];
	/* the identity numbers of the first two persons, from the CSV above */
	const char *l1 = strchr(people, '\n') + 1;
	memcpy(id0, l1, 18), id0[18] = 0;
	const char *l2 = strchr(l1, '\n') + 1;
	memcpy(id1, l2, 18), id1[18] = 0;
	snprintf(text, sizeof text, "身份证号,姓名,事件类型,事件日期\n%s,陈国华,死亡,2026-10-01\n", id0);
	write_text(c->dir, "gongan.csv", text, path, sizeof path);
	import_file(s, c, "gongan", path);
	snprintf(text, sizeof text,
	         "身份证号,类别,开始日期,结束日期\n%s,低保对象,2024-01-01,\n%s,低保对象,2024-01-01,\n", id0,
	         id1);
	write_text(c->dir, "categories.csv", text, path, sizeof path);
	import_file(s, c, "categories", path);
	ms_store_close(s);

	/* the file the sweeps import: the canlian fixture (11 rows), with a
	 * rejected row, a repeated key, a registry person's number with two
	 * digits swapped (a correction) and an invalid number no registry
	 * person is near (the review queue) */
	size_t len;
	char *fx = slurp(FIXTURES "canlian_sample.csv", &len);
	char *body = malloc(len + 1024);
	assert_non_null(body);
	memcpy(body, fx, len);
	char swapped[MS_ID_STR], lone[MS_ID_STR];
	memcpy(swapped, id1, MS_ID_STR);
	swapped[14] = id1[15], swapped[15] = id1[14];
	if (ms_id_validate(swapped, T_DATE(TODAY)) == MS_ID_OK) /* the swap must break it */
		swapped[17] = swapped[17] == '0' ? '1' : '0';
	memcpy(lone, "44010619770707707", 17);
	lone[17] = ms_id_check_char(lone) == '0' ? '1' : '0';
	lone[18] = 0;
	snprintf(body + len, 1024, "%s\n%s\n%s,李秀英,44010600000000000001,视力,2,2019-01-01,2029-01-01\n"
	         "%s,某某,44010600000000000002,视力,2,2019-01-01,2029-01-01\n",
	         "bad-number,某,44010619520314101399,肢体,1,2015-06-01,2025-05-31",
	         "440106195203141013,陈国华,44010619520314101341,肢体,1,2015-06-01,2025-05-31",
	         swapped, lone);
	free(fx);
	write_text(c->dir, "canlian.csv", body, path, sizeof path);
	free(body);
	c->io.feed = "canlian";
	c->io.path = strdup(path);
	c->io.actor = "test";
	c->io.today = T_DATE(TODAY);
	c->io.chunk_rows = 4; /* several staging transactions */
	*state = c;
	return 0;
}

static int db_teardown(void **state)
{
	db_ctx *c = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", c->dir);
	ms_pack_free(c->pack);
	free((char *)(uintptr_t)c->io.path);
	free(c);
	return 0;
}

static ms_err op_import(void *p, ms_error *err)
{
	db_ctx *c = p;
	fresh_copy(c);
	ms_store *s = NULL;
	ms_err rc = ms_store_open(c->work, 0, &s, err);
	if (rc)
		return rc;
	ms_import_result res;
	memset(&res, 0, sizeof res);
	rc = ms_import_run(s, &c->pack->feeds, &c->io, &res, err);
	ms_store_close(s);
	if (!rc && c->ref.counts.rows == 0)
		c->ref = res;
	else if (!rc)
		assert_memory_equal(&res.counts, &c->ref.counts, sizeof res.counts);
	return rc;
}

/* After a failure: the database is sound and an import without failures
 * gives the counts of the uninterrupted one (or, if the failure came after
 * the publication, finds the batch already imported with those counts). */
static void import_after_fail(void *p)
{
	db_ctx *c = p;
	ms_store *s = NULL;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(c->work, 0, &s, &err))
		fail_msg("reopen after a failure: %s", ms_error_text(&err));
	ms_import_result res;
	if (ms_import_run(s, &c->pack->feeds, &c->io, &res, &err))
		fail_msg("rerun after a failure: %s", ms_error_text(&err));
	if (res.already) {
		ms_batch b;
		if (ms_store_batch_get(s, res.batch_id, &b, &err))
			fail_msg("batch: %s", ms_error_text(&err));
		assert_memory_equal(&b.counts, &c->ref.counts, sizeof b.counts);
	} else {
		assert_memory_equal(&res.counts, &c->ref.counts, sizeof res.counts);
	}
	ms_store_close(s);
}

static void test_import(void **state)
{
	db_ctx *c = *state;
	memset(&c->ref, 0, sizeof c->ref);
	sweep_stats st;
	sweep("import (canlian, 15 rows)", op_import, c, NULL, import_after_fail, &st);
	if (verbose())
		printf("allocfail: import counts rows %lld accepted %lld rejected %lld review %lld\n",
		       (long long)c->ref.counts.rows, (long long)c->ref.counts.accepted,
		       (long long)c->ref.counts.rejected, (long long)c->ref.counts.review);
	assert_int_equal(c->ref.counts.rows, 15);
	assert_true(c->ref.counts.review + c->ref.counts.corrected >= 1);
	assert_true(st.total > 20);
}

static int64_t count_alerts(const char *db)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM alert", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(h);
	return n;
}

static ms_err op_scan(void *p, ms_error *err)
{
	db_ctx *c = p;
	fresh_copy(c);
	ms_store *s = NULL;
	ms_err rc = ms_store_open(c->work, 0, &s, err);
	if (rc)
		return rc;
	ms_scan_opts o = {.as_of = T_DATE(TODAY), .actor = "test"};
	ms_scan_result *res = calloc(1, sizeof *res);
	assert_non_null(res);
	rc = ms_scan_run(s, c->pack, &o, res, err);
	ms_store_close(s);
	if (!rc)
		c->ref_new = res->summary.new_total;
	free(res);
	return rc;
}

/* After a failed scan: either nothing was written or everything was (a scan
 * is one transaction), and a scan without failures reaches the same alerts
 * as the uninterrupted one. */
static void scan_after_fail(void *p)
{
	db_ctx *c = p;
	int64_t n = count_alerts(c->work);
	if (n != 0 && n != c->ref_alerts)
		fail_msg("a failed scan left %lld alerts (0 or %lld expected)", (long long)n,
		         (long long)c->ref_alerts);
	ms_store *s = NULL;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(c->work, 0, &s, &err))
		fail_msg("reopen after a failure: %s", ms_error_text(&err));
	ms_scan_opts o = {.as_of = T_DATE(TODAY), .actor = "test"};
	ms_scan_result *res = calloc(1, sizeof *res);
	assert_non_null(res);
	if (ms_scan_run(s, c->pack, &o, res, &err))
		fail_msg("rescan after a failure: %s", ms_error_text(&err));
	free(res);
	ms_store_close(s);
	assert_int_equal(count_alerts(c->work), c->ref_alerts);
}

static void test_scan(void **state)
{
	db_ctx *c = *state;
	/* the reference: the template with the canlian file, scanned once */
	fresh_copy(c);
	ms_store *s = NULL;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(c->work, 0, &s, &err))
		fail_msg("%s", ms_error_text(&err));
	ms_import_result ir;
	if (ms_import_run(s, &c->pack->feeds, &c->io, &ir, &err))
		fail_msg("%s", ms_error_text(&err));
	ms_store_close(s);
	/* the template now holds the canlian batch too */
	copy_file(c->work, c->tmpl);
	assert_int_equal(op_scan(c, &err), MS_ERR_OK);
	c->ref_alerts = count_alerts(c->work);
	assert_true(c->ref_alerts >= 2); /* R01 for the dead head, R02 and more */
	sweep("scan (6 persons, 18 rules)", op_scan, c, NULL, scan_after_fail, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_rules_parse),
		cmocka_unit_test(test_pack),
		cmocka_unit_test_setup_teardown(test_import, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_scan, db_setup, db_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
