/* test_alerts.c — what a scan does with its hits (SPEC §3.2, §4): new alerts,
 * routing to station / county / province inbox, deadlines across a holiday,
 * the same scan twice, appended and re-sent evidence, clearing, closure and
 * reopening by a new fact, dry runs, and input the store must refuse. Hits
 * are built by hand against a temporary database. */
#include "testutil.h"

#include "base/calendar.h"
#include "monitor/alerts.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CALENDAR "policy/guangdong/calendar.tsv"
#define NOW "2025-09-30T10:00:00+08:00" /* a Tuesday before the National Day break */

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
	t_conn db; /* a second connection, to look at the rows (SQLite or PostgreSQL) */
	ms_calendar cal;
} fixture;

static int deadline_days(void *ctx, const char *kind)
{
	(void)ctx;
	if (strcmp(kind, "emergency") == 0)
		return 3;
	if (strcmp(kind, "no_deadline") == 0)
		return -1;
	return 10;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-alerts-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (!t_db_fresh(f->path, f->url, sizeof f->url))
		return -1;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(f->url, MS_STORE_CREATE, &f->s, &err)) {
		fprintf(stderr, "open: %s\n", ms_error_text(&err));
		return -1;
	}
	ms_calendar_init(&f->cal);
	if (ms_calendar_load(&f->cal, CALENDAR, &err)) {
		fprintf(stderr, "calendar: %s\n", ms_error_text(&err));
		return -1;
	}
	if (t_conn_open(&f->db, f->url))
		return -1;
	ms_upsert_result ur;
	if (ms_store_station_upsert(f->s, "440106001", "五山街道社工站", "station", &ur, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	t_conn_close(&f->db);
	ms_store_close(f->s);
	t_db_drop(f->url);
	ms_calendar_free(&f->cal);
	char p[160];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* One integer from a query over the second connection. */
static long long q_int(fixture *f, const char *sql)
{
	return t_conn_int(&f->db, sql);
}

/* One text from a query; "" when no row. */
static const char *q_text(fixture *f, const char *sql)
{
	return t_conn_text(&f->db, sql);
}

static void exec(fixture *f, const char *sql)
{
	t_conn_exec(&f->db, sql);
}

static const char *const RULES[] = {"RA", "RB", "RH"};

static ms_scan_input input(fixture *f, const ms_hit *hits, size_t n)
{
	ms_scan_input in = {.as_of = T_DATE("2025-09-30"),
	                    .pack_version =
	                        "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2",
	                    .province = "44",
	                    .rules = RULES,
	                    .nrules = 3,
	                    .hits = hits,
	                    .nhits = n,
	                    .calendar = &f->cal,
	                    .deadline_days = deadline_days,
	                    .actor = "",
	                    .now = NOW};
	return in;
}

static ms_scan_summary run_ok(fixture *f, const ms_scan_input *in)
{
	ms_scan_summary sum;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_alerts_apply(f->s, in, &sum, &err);
	if (e)
		fail_msg("ms_alerts_apply: %s", ms_error_text(&err));
	return sum;
}

static ms_hit hit(const char *rule, const char *kind, const char *subject, const char *area,
                  const ms_evidence *ev, size_t nev)
{
	ms_hit h = {.rule = rule,
	            .kind = kind,
	            .subject_type = MS_SUBJECT_PERSON,
	            .subject = subject,
	            .area = area,
	            .evidence = ev,
	            .nevidence = nev,
	            .explanation_json = "{\"rule\":\"RA\"}"};
	return h;
}

/* A fact of a feed: key and values, from a batch row. */
static ms_evidence fact(const char *feed, const char *nkey, const char *vals, int64_t batch,
                        int64_t row, const char *person)
{
	ms_evidence e = {.feed = feed,
	                 .record_id = batch * 1000 + row,
	                 .batch_id = batch,
	                 .row = row,
	                 .nkey = nkey,
	                 .vals = vals,
	                 .person = person};
	return e;
}

#define P1 "440106195001010015"
#define P2 "440106195203150024"
#define P3 "110105194912310021"
#define P4 "810000199001010013"

/* New alerts and their routing: station where the township has one, the
 * county otherwise, the province inbox outside the province or for a
 * residence permit; households too. */
static void test_new_and_routing(void **state)
{
	fixture *f = *state;
	ms_evidence e1 = fact("feed_a", "K1",
	                      "100\x1f"
	                      "2025-01-01",
	                      1, 2, P1);
	ms_evidence e2 = fact("feed_a", "K2", "200", 1, 3, P2);
	ms_evidence e3 = fact("feed_a", "K3", "300", 1, 4, P3);
	ms_evidence e4 = fact("feed_a", "K4", "400", 1, 5, P4);
	ms_hit hits[5] = {
	    hit("RA", "risk", P1, "440106001001", &e1, 1), /* township with a station */
	    hit("RA", "risk", P2, "440106002003", &e2, 1), /* township without one */
	    hit("RA", "risk", P3, "110105001001", &e3, 1), /* outside the province */
	    hit("RA", "risk", P4, "440106001002", &e4, 1), /* residence permit */
	    hit("RH", "asset_review", "H0001", "440106", NULL, 0),
	};
	hits[3].residence_permit = true;
	hits[4].subject_type = MS_SUBJECT_HOUSEHOLD;
	ms_scan_input in = input(f, hits, 5);
	ms_scan_summary sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 5);
	assert_int_equal(sum.appended_total, 0);
	assert_int_equal(sum.cleared_total, 0);
	assert_true(sum.scan_id > 0);
	assert_int_equal(sum.nrules, 3);
	assert_string_equal(sum.rules[0].rule, "RA");
	assert_int_equal(sum.rules[0].new_alerts, 4);
	assert_int_equal(sum.rules[1].new_alerts, 0);
	assert_int_equal(sum.rules[2].new_alerts, 1);

	assert_string_equal(q_text(f, "SELECT inbox FROM alert WHERE subject = '" P1 "'"),
	                    "440106001");
	assert_string_equal(q_text(f, "SELECT inbox FROM alert WHERE subject = '" P2 "'"),
	                    "440106");
	assert_string_equal(q_text(f, "SELECT inbox FROM alert WHERE subject = '" P3 "'"), "44");
	assert_string_equal(q_text(f, "SELECT inbox FROM alert WHERE subject = '" P4 "'"), "44");
	assert_string_equal(q_text(f, "SELECT inbox FROM alert WHERE subject = 'H0001'"), "440106");
	assert_string_equal(q_text(f, "SELECT subject_type FROM alert WHERE subject = 'H0001'"),
	                    "household");
	/* the area is kept as raised; the alert starts new, not cleared, version 1 */
	assert_string_equal(q_text(f, "SELECT area FROM alert WHERE subject = '" P3 "'"),
	                    "110105001001");
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert WHERE state = 'new' AND cleared = 0 "
	                          "AND version = 1 AND created = '" NOW "'"),
	                 5);
	/* a 'raised' event each, the evidence, the explanation, the scan and the pack */
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_event WHERE from_state = '' AND "
	                          "to_state = 'new'"),
	                 5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_evidence"), 4);
	assert_string_equal(q_text(f,
	                           "SELECT fact_key FROM alert_evidence WHERE feed = 'feed_a' AND "
	                           "row = 3"),
	                    "feed_a\x1eK2\x1e"
	                    "27badc983df1780b60c2b3fa9d3a19a00e46aac798451f0febdca52920faaddf");
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_explanation"), 5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM scan WHERE finished IS NOT NULL AND counts "
	                          "LIKE '%\"new\":{\"RA\":4,\"RB\":0,\"RH\":1}%'"),
	                 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM pack_version"), 1);

	/* the same scan again raises nothing, appends nothing, clears nothing */
	sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 0);
	assert_int_equal(sum.appended_total, 0);
	assert_int_equal(sum.cleared_total, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_explanation"), 5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM scan"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM pack_version"), 1);
}

/* Deadlines in working days from creation, across the 2025 National Day
 * break (1–8 October off, Saturday 11 October worked). */
static void test_due_dates(void **state)
{
	fixture *f = *state;
	ms_hit hits[2] = {
	    hit("RA", "emergency", P1, "440106001001", NULL, 0),
	    hit("RB", "risk", P1, "440106001001", NULL, 0),
	};
	ms_scan_input in = input(f, hits, 2);
	ms_scan_summary sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 2);
	/* 3 working days after Tue 30 Sep: Thu 9, Fri 10, Sat 11 October */
	assert_string_equal(q_text(f, "SELECT due FROM alert WHERE rule = 'RA'"), "2025-10-11");
	/* 10: 9, 10, 11, 13–17, 20, 21 October */
	assert_string_equal(q_text(f, "SELECT due FROM alert WHERE rule = 'RB'"), "2025-10-21");

	/* a kind without a deadline stops the scan, naming it; nothing is written */
	ms_hit bad = hit("RH", "no_deadline", P2, "440106001001", NULL, 0);
	ms_scan_input in2 = input(f, &bad, 1);
	ms_scan_summary s2;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_alerts_apply(f->s, &in2, &s2, &err), MS_ERR_PACK);
	assert_non_null(strstr(ms_error_text(&err), "no_deadline"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM scan"), 1);
}

/* Evidence appended while open; a re-sent identical row is not new. */
static void test_append(void **state)
{
	fixture *f = *state;
	ms_evidence ev[3] = {
	    fact("feed_a", "K1", "100", 1, 2, P1), fact("feed_b", "K9", "x\x1fy", 1, 7, P1),
	    fact("feed_a", "K1", "150", 3, 2, P1), /* same key, other values: a new fact */
	};
	ms_hit h = hit("RA", "risk", P1, "440106001001", ev, 1);
	ms_scan_input in = input(f, &h, 1);
	assert_int_equal(run_ok(f, &in).new_total, 1);

	h.nevidence = 2; /* a second fact arrives */
	ms_scan_summary sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 0);
	assert_int_equal(sum.appended_total, 1);
	assert_int_equal(sum.rules[0].appended, 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_evidence"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_explanation"), 2);

	/* the same two rows sent again in a later batch: same identity, not new */
	ms_evidence resent[2] = {fact("feed_a", "K1", "100", 5, 9, P1),
	                         fact("feed_b", "K9", "x\x1fy", 6, 3, P1)};
	h.evidence = resent;
	sum = run_ok(f, &in);
	assert_int_equal(sum.appended_total, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_evidence"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_explanation"), 2);

	/* a key whose values changed is a new fact */
	h.evidence = ev;
	h.nevidence = 3;
	sum = run_ok(f, &in);
	assert_int_equal(sum.appended_total, 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_evidence"), 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 1);
}

/* An open alert whose subject a later scan does not hit is cleared, once;
 * hit again, it is un-cleared without counting as new. */
static void test_cleared(void **state)
{
	fixture *f = *state;
	ms_evidence e1 = fact("feed_a", "K1", "1", 1, 2, P1);
	ms_evidence e2 = fact("feed_a", "K2", "2", 1, 3, P2);
	ms_hit both[2] = {hit("RA", "risk", P1, "440106001001", &e1, 1),
	                  hit("RA", "risk", P2, "440106001001", &e2, 1)};
	ms_scan_input in = input(f, both, 2);
	assert_int_equal(run_ok(f, &in).new_total, 2);

	ms_scan_input only1 = input(f, both, 1);
	ms_scan_summary sum = run_ok(f, &only1);
	assert_int_equal(sum.cleared_total, 1);
	assert_int_equal(sum.rules[0].cleared, 1);
	assert_int_equal(q_int(f, "SELECT cleared FROM alert WHERE subject = '" P2 "'"), 1);
	assert_string_equal(q_text(f, "SELECT state FROM alert WHERE subject = '" P2 "'"), "new");

	sum = run_ok(f, &only1); /* already cleared: not counted again */
	assert_int_equal(sum.cleared_total, 0);
	assert_int_equal(sum.new_total, 0);

	/* a scan that does not evaluate RA leaves its alerts alone */
	static const char *const other[] = {"RB"};
	ms_scan_input none = input(f, NULL, 0);
	none.rules = other;
	none.nrules = 1;
	sum = run_ok(f, &none);
	assert_int_equal(sum.cleared_total, 0);
	assert_int_equal(q_int(f, "SELECT cleared FROM alert WHERE subject = '" P1 "'"), 0);

	/* hit again: un-cleared; nothing new, nothing appended */
	sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 0);
	assert_int_equal(sum.appended_total, 0);
	assert_int_equal(sum.cleared_total, 0);
	assert_int_equal(q_int(f, "SELECT sum(cleared) FROM alert"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 2);
}

/* After closure: the same evidence raises nothing; a fact the closed alerts
 * did not have raises a new alert; a fact any closed alert had never does. */
static void test_closed(void **state)
{
	fixture *f = *state;
	ms_evidence a = fact("feed_a", "K1", "1", 1, 2, P1);
	ms_evidence b = fact("feed_a", "K2", "2", 2, 2, P1);
	ms_hit h = hit("RA", "risk", P1, "440106001001", &a, 1);
	ms_scan_input in = input(f, &h, 1);
	assert_int_equal(run_ok(f, &in).new_total, 1);
	exec(f, "UPDATE alert SET state = 'closed', closed = '2025-10-09T10:00:00+08:00'");

	ms_scan_summary sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 0);
	assert_int_equal(sum.appended_total, 0);
	assert_int_equal(sum.cleared_total, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 1);

	/* the fact re-sent in a later batch is still the same fact */
	ms_evidence a2 = fact("feed_a", "K1", "1", 4, 8, P1);
	h.evidence = &a2;
	assert_int_equal(run_ok(f, &in).new_total, 0);

	/* a new fact: a new alert, carrying all of the hit's facts */
	ms_evidence ab[2] = {a, b};
	h.evidence = ab;
	h.nevidence = 2;
	sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 1);
	assert_int_equal(sum.appended_total, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert WHERE state = 'new'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_evidence WHERE alert_id = (SELECT "
	                          "max(id) FROM alert)"),
	                 2);

	/* close that one too; c alone raises a third alert; closed as well, a
	 * hit on a alone raises nothing, although the latest closed alert (c)
	 * did not have it: every closed alert of the key counts */
	exec(f, "UPDATE alert SET state = 'closed'");
	ms_evidence c = fact("feed_b", "K7", "7", 5, 2, P1);
	h.evidence = &c;
	h.nevidence = 1;
	assert_int_equal(run_ok(f, &in).new_total, 1);
	exec(f, "UPDATE alert SET state = 'closed'");
	h.evidence = &a;
	assert_int_equal(run_ok(f, &in).new_total, 0);
	h.evidence = &b;
	assert_int_equal(run_ok(f, &in).new_total, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 3);

	/* a closed alert is never cleared */
	ms_scan_input none = input(f, NULL, 0);
	assert_int_equal(run_ok(f, &none).cleared_total, 0);
	assert_int_equal(q_int(f, "SELECT sum(cleared) FROM alert"), 0);
}

/* A dry run counts like a real one and writes nothing. */
static void test_dry_run(void **state)
{
	fixture *f = *state;
	ms_evidence e1 = fact("feed_a", "K1", "1", 1, 2, P1);
	ms_hit hits[2] = {hit("RA", "risk", P1, "440106001001", &e1, 1),
	                  hit("RB", "risk", P2, "440106002001", NULL, 0)};
	ms_scan_input in = input(f, hits, 2);
	in.dry_run = true;
	ms_scan_summary sum = run_ok(f, &in);
	assert_int_equal(sum.new_total, 2);
	assert_int_equal(sum.scan_id, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_evidence"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_event"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM scan"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM pack_version"), 0);

	/* a dry run over existing alerts counts what it would clear */
	in.dry_run = false;
	run_ok(f, &in);
	ms_scan_input none = input(f, NULL, 0);
	none.dry_run = true;
	sum = run_ok(f, &none);
	assert_int_equal(sum.cleared_total, 2);
	assert_int_equal(q_int(f, "SELECT sum(cleared) FROM alert"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM scan"), 1);
}

/* Input the scan must refuse, writing nothing. */
static void test_refused(void **state)
{
	fixture *f = *state;
	ms_scan_summary sum;
	ms_error err;

	ms_hit stray = hit("RZ", "risk", P1, "440106001001", NULL, 0); /* rule not evaluated */
	ms_scan_input in = input(f, &stray, 1);
	ms_error_clear(&err);
	assert_int_equal(ms_alerts_apply(f->s, &in, &sum, &err), MS_ERR_INVALID);
	assert_non_null(strstr(ms_error_text(&err), "RZ"));

	ms_hit twice[2] = {hit("RA", "risk", P1, "440106001001", NULL, 0),
	                   hit("RA", "risk", P1, "440106001001", NULL, 0)};
	in = input(f, twice, 2);
	ms_error_clear(&err);
	assert_int_equal(ms_alerts_apply(f->s, &in, &sum, &err), MS_ERR_INVALID);

	in = input(f, twice, 1);
	in.province = "";
	ms_error_clear(&err);
	assert_int_equal(ms_alerts_apply(f->s, &in, &sum, &err), MS_ERR_INVALID);

	in = input(f, twice, 1);
	in.now = "yesterday";
	ms_error_clear(&err);
	assert_int_equal(ms_alerts_apply(f->s, &in, &sum, &err), MS_ERR_INVALID);

	assert_int_equal(q_int(f, "SELECT count(*) FROM alert"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM scan"), 0);

	/* the store refuses a second open alert of a key outright */
	ms_alert_in al = {.rule = "RA",
	                  .kind = "risk",
	                  .subject_type = "person",
	                  .subject = P1,
	                  .area = "440106001001",
	                  .inbox = "440106001",
	                  .created = NOW,
	                  .due = "2025-10-21",
	                  .scan_id = 1,
	                  .pack_version = "x"};
	exec(f, "INSERT INTO scan(id, as_of, pack_version, started) VALUES (1, '2025-09-30', 'x', "
	        "'" NOW "')");
	int64_t id;
	ms_error_clear(&err);
	assert_int_equal(ms_store_alert_insert(f->s, &al, &id, &err), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_store_alert_insert(f->s, &al, &id, &err), MS_ERR_EXISTS);
}

/* Reading back: list filters, one alert, its explanations in scan order. */
static int count_alert(void *ctx, const ms_alert *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int collect_expl(void *ctx, const ms_alert_explanation *x)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%s;", x->raised ? "R:" : "A:", x->json);
	return 0;
}

static void test_read_back(void **state)
{
	fixture *f = *state;
	ms_evidence e1 = fact("feed_a", "K1", "1", 1, 2, P1);
	ms_evidence e2 = fact("feed_a", "K2", "2", 1, 3, P1);
	ms_hit hits[2] = {hit("RA", "risk", P1, "440106001001", &e1, 1),
	                  hit("RB", "emergency", P2, "440305001001", NULL, 0)};
	ms_scan_input in = input(f, hits, 2);
	run_ok(f, &in);
	ms_evidence both[2] = {e1, e2};
	hits[0].evidence = both;
	hits[0].nevidence = 2;
	hits[0].explanation_json = "{\"rule\":\"RA\",\"n\":2}";
	run_ok(f, &in);

	ms_error err;
	ms_error_clear(&err);
	int n = 0;
	ms_alert_filter all = {0};
	assert_int_equal(ms_store_alert_list(f->s, &all, count_alert, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 2);
	ms_alert_filter by_area = {.area = "4401"};
	n = 0;
	ms_store_alert_list(f->s, &by_area, count_alert, &n, &err);
	assert_int_equal(n, 1);
	ms_alert_filter by_rule = {.rule = "RB", .state = "new"};
	n = 0;
	ms_store_alert_list(f->s, &by_rule, count_alert, &n, &err);
	assert_int_equal(n, 1);
	ms_alert_filter closed = {.state = "closed"};
	n = 0;
	ms_store_alert_list(f->s, &closed, count_alert, &n, &err);
	assert_int_equal(n, 0);
	ms_alert_filter page = {.after_id = 1, .limit = 5};
	n = 0;
	ms_store_alert_list(f->s, &page, count_alert, &n, &err);
	assert_int_equal(n, 1);

	ms_alert a;
	assert_int_equal(ms_store_alert_get(f->s, 1, &a, &err), MS_ERR_OK);
	assert_string_equal(a.rule, "RA");
	assert_string_equal(a.subject, P1);
	assert_string_equal(a.inbox, "440106001");
	assert_false(a.cleared);
	assert_null(a.assignee);
	assert_int_equal(ms_store_alert_get(f->s, 99, &a, &err), MS_ERR_NOT_FOUND);

	char buf[256] = "";
	assert_int_equal(ms_store_alert_explanations(f->s, 1, collect_expl, buf, &err), MS_ERR_OK);
	assert_string_equal(buf, "R:{\"rule\":\"RA\"};A:{\"rule\":\"RA\",\"n\":2};");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_new_and_routing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_due_dates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cleared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
