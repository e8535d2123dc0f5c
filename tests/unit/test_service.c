/* test_service.c — station records and household service files (SPEC §5)
 * against a temporary database: who may add and list each station record
 * and each file record, by role and scope, from a table written from the
 * specification; person-times and the other figures summed by period; the
 * timeline of a household (its alerts, its members' alerts, its file) in
 * date order. Registry rows are stored through the store as an import
 * would. */
#include "testutil.h"

#include "auth/auth.h"
#include "rules/pack.h"
#include "station/records.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "work/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PACK "policy/guangdong"
#define HH "440106001005000001"
#define HH_FAR "440305001003000001"
#define MEMBER "440106199001011234"
#define OTHER "440106199202021234" /* same village, another household */

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
	ms_pack *pack;
	ms_work_env env;
} fixture;

static ms_pack *shared_pack;

static void add_user(fixture *f, const char *name, ms_role role, const char *scope,
                     const char *station)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user_new u = {.name = name,
	                 .role = role,
	                 .scope = scope,
	                 .station = station,
	                 .password = "password1"};
	if (ms_auth_user_add(f->s, strcmp(name, "root") == 0 ? NULL : "root", &u, &err))
		fail_msg("adding %s: %s", name, ms_error_text(&err));
}

/* Current registry rows of a role's feed: key, household, area. */
static void add_registry(fixture *f, ms_feed_role role, const char *const (*rows)[3], size_t n)
{
	ms_error err;
	ms_error_clear(&err);
	const ms_feed *fd = ms_feed_set_role(&f->pack->feeds, role);
	assert_non_null(fd);
	int64_t feed, batch;
	assert_int_equal(ms_store_feed_id(f->s, fd->name, &feed, &err), MS_ERR_OK);
	assert_int_equal(ms_store_batch_create(f->s, feed, role == MS_FEED_PERSONS ? "p" : "h",
	                                       "r.csv", "csv", "utf-8", "", &batch, &err),
	                 MS_ERR_OK);
	for (size_t i = 0; i < n; i++) {
		char vals[512] = "";
		size_t len = 0;
		for (int c = 0; c < fd->n_cols; c++) {
			const char *v = c == fd->household_col ? rows[i][1]
			                : c == fd->area_col    ? rows[i][2]
			                : c == fd->person_col  ? rows[i][0]
			                                       : "x";
			len += (size_t)snprintf(vals + len, sizeof vals - len, "%s%s",
			                        c ? "\x1f" : "", v);
		}
		ms_record_in r = {.feed_id = feed,
		                  .batch_id = batch,
		                  .row = (int64_t)i + 2,
		                  .nkey = rows[i][0],
		                  .idno = role == MS_FEED_PERSONS ? rows[i][0] : NULL,
		                  .area = rows[i][2],
		                  .day = MS_DATE_NONE,
		                  .vals = vals};
		assert_int_equal(ms_store_record_insert(f->s, &r, &err), MS_ERR_OK);
	}
	ms_batch_counts bc = {.rows = (int64_t)n, .accepted = (int64_t)n};
	assert_int_equal(ms_store_batch_publish(f->s, batch, &bc, &err), MS_ERR_OK);
}

static int64_t add_alert(fixture *f, const char *rule, const char *stype, const char *subject,
                         const char *area, const char *created)
{
	ms_error err;
	ms_error_clear(&err);
	int64_t scan = 0;
	if (ms_store_scan_insert(f->s, "2026-10-01", "test", created, "", false, &scan, &err))
		fail_msg("scan: %s", ms_error_text(&err));
	ms_alert_in a = {.rule = rule,
	                 .kind = "risk",
	                 .subject_type = stype,
	                 .subject = subject,
	                 .area = area,
	                 .inbox = "440106001",
	                 .created = created,
	                 .due = "2026-12-31",
	                 .scan_id = scan,
	                 .pack_version = "test"};
	int64_t id = 0;
	if (ms_store_alert_insert(f->s, &a, &id, &err) ||
	    ms_store_alert_event_add(f->s, id, created, "", "", "new", "", &err))
		fail_msg("adding an alert: %s", ms_error_text(&err));
	return id;
}

static int setup(void **state)
{
	setenv("MINSHENG_PWHASH", "min", 1);
	setenv("MINSHENG_TODAY", "2026-11-20", 1);
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-svc-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (!t_db_fresh(f->path, f->url, sizeof f->url))
		return -1;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(f->url, MS_STORE_CREATE, &f->s, &err))
		return -1;
	if (!shared_pack && ms_pack_load(PACK, &shared_pack, &err)) {
		fprintf(stderr, "pack: %s\n", ms_error_text(&err));
		return -1;
	}
	f->pack = shared_pack;
	f->env.pack = shared_pack;
	ms_upsert_result ur;
	const char *stations[] = {"440106001", "440106002", "440305001"};
	for (int i = 0; i < 3; i++)
		if (ms_store_station_upsert(f->s, stations[i], "社工站", "station", &ur, &err))
			return -1;
	if (ms_store_station_upsert(f->s, "440106001005", "服务点", "point", &ur, &err))
		return -1;
	add_user(f, "root", MS_ROLE_ADMIN, "44", NULL);
	add_user(f, "officer_city", MS_ROLE_OFFICER, "4401", NULL);
	add_user(f, "officer_sz", MS_ROLE_OFFICER, "4403", NULL);
	add_user(f, "head_in", MS_ROLE_STATION_HEAD, "440106001", "440106001");
	add_user(f, "head_next", MS_ROLE_STATION_HEAD, "440106002", "440106002");
	add_user(f, "worker_in", MS_ROLE_WORKER, "440106001", "440106001");
	add_user(f, "worker_next", MS_ROLE_WORKER, "440106002", "440106002");
	add_user(f, "uploader", MS_ROLE_UPLOADER, "44", NULL);
	add_user(f, "evaluator", MS_ROLE_EVALUATOR, "44", NULL);
	add_user(f, "auditor", MS_ROLE_AUDITOR, "44", NULL);
	static const char *const households[][3] = {
	    {HH, HH, "440106001005"},
	    {"440106001005000002", "440106001005000002", "440106001005"},
	    {HH_FAR, HH_FAR, "440305001003"}};
	add_registry(f, MS_FEED_HOUSEHOLDS, households, 3);
	static const char *const persons[][3] = {{MEMBER, HH, "440106001005"},
	                                         {OTHER, "440106001005000002", "440106001005"}};
	add_registry(f, MS_FEED_PERSONS, persons, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ms_store_close(f->s);
	t_db_drop(f->url);
	char p[160];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	unsetenv("MINSHENG_TODAY");
	return 0;
}

static int count_cb(void *ctx, const ms_srec *r)
{
	(*(int *)ctx)++;
	return 0;
}

/* Who may add and list station records of 440106001 (records.h rule 2). */
static void test_station_record_roles(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *user;
		ms_err add, list;
	} table[] = {
	    {"root", MS_ERR_OK, MS_ERR_OK},
	    {"officer_city", MS_ERR_OK, MS_ERR_OK},
	    {"officer_sz", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"head_in", MS_ERR_OK, MS_ERR_OK},
	    {"head_next", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"worker_in", MS_ERR_FORBIDDEN, MS_ERR_OK},
	    {"worker_next", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"uploader", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"evaluator", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"auditor", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"nobody", MS_ERR_UNAUTHORIZED, MS_ERR_UNAUTHORIZED},
	};
	int added = 0;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		for (int k = 0; k < MS_SREC__COUNT; k++) {
			ms_error err;
			ms_error_clear(&err);
			ms_srec r = {.station = "440106001",
			             .name = "某",
			             .qualification = "无",
			             .registration = "REG-1",
			             .donor = "某基金会",
			             .amount_fen = 100,
			             .day = "2026-11-01",
			             .summary = "调解"};
			int64_t id = 0;
			ms_err e = ms_station_record_add(f->s, table[i].user, (ms_srec_kind)k, &r,
			                                 &id, &err);
			if (e != table[i].add)
				fail_msg("%s adding %s: %d, wanted %d (%s)", table[i].user,
				         ms_srec_kind_name((ms_srec_kind)k), e, table[i].add,
				         ms_error_text(&err));
			added += e == MS_ERR_OK;
			int n = 0;
			e = ms_station_record_list(f->s, table[i].user, (ms_srec_kind)k,
			                           "440106001", count_cb, &n, &err);
			if (e != table[i].list)
				fail_msg("%s listing %s: %d, wanted %d", table[i].user,
				         ms_srec_kind_name((ms_srec_kind)k), e, table[i].list);
		}
	}
	assert_int_equal(added, 3 * MS_SREC__COUNT);
	/* a village point and an unknown code are not stations */
	ms_error err;
	ms_error_clear(&err);
	ms_srec r = {.station = "440106009", .name = "某", .qualification = "none"};
	assert_int_equal(ms_station_record_add(f->s, "root", MS_SREC_STAFF, &r, NULL, &err),
	                 MS_ERR_NOT_FOUND);
	r.station = "440106001005";
	assert_int_equal(ms_station_record_add(f->s, "root", MS_SREC_STAFF, &r, NULL, &err),
	                 MS_ERR_INVALID);
	/* qualification labels and codes both accepted; anything else refused */
	assert_string_equal(ms_qualification_parse("高级社会工作师"), "senior");
	assert_string_equal(ms_qualification_parse("assistant"), "assistant");
	assert_null(ms_qualification_parse("社工"));
	char m[32];
	ms_mask_phone("13812345678", m, sizeof m);
	assert_string_equal(m, "138****5678");
	ms_mask_phone("12345", m, sizeof m);
	assert_string_equal(m, "***45");
}

static ms_err add(fixture *f, const char *user, const char *hh, const char *type, const char *day,
                  const char *kind, int64_t persons, int64_t *id)
{
	ms_error err;
	ms_error_clear(&err);
	ms_service_in in = {
	    .household = hh, .type = type, .day = day, .kind = kind, .persons = persons};
	return ms_service_add(f->s, &f->env, user, &in, id, NULL, &err);
}

static int entry_cb(void *ctx, const ms_sentry_row *r)
{
	(*(int *)ctx)++;
	return 0;
}

/* Who may write and read a household's file (service.h rule 2). */
static void test_file_roles(void **state)
{
	fixture *f = *state;
	int64_t id;
	/* no file yet: only a visit opens one */
	assert_int_equal(add(f, "worker_in", HH, "service", "2026-11-01", "助餐", 2, &id),
	                 MS_ERR_CONFLICT);
	static const struct {
		const char *user;
		ms_err write, read;
	} table[] = {
	    {"root", MS_ERR_FORBIDDEN, MS_ERR_OK},
	    {"officer_city", MS_ERR_FORBIDDEN, MS_ERR_OK},
	    {"officer_sz", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"head_next", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"worker_next", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"uploader", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"evaluator", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"auditor", MS_ERR_NOT_FOUND, MS_ERR_NOT_FOUND},
	    {"worker_in", MS_ERR_OK, MS_ERR_OK},
	    {"head_in", MS_ERR_OK, MS_ERR_OK},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		ms_err e = add(f, table[i].user, HH, "visit", "2026-11-01", "入户", 0, &id);
		if (e != table[i].write)
			fail_msg("%s visiting: %d, wanted %d", table[i].user, e, table[i].write);
		ms_error err;
		ms_error_clear(&err);
		ms_sfile_row file;
		int n = 0;
		e = ms_service_file(f->s, &f->env, table[i].user, HH, &file, entry_cb, &n, &err);
		bool before_file = strcmp(table[i].user, "worker_in") != 0 &&
		                   strcmp(table[i].user, "head_in") != 0 &&
		                   table[i].read == MS_ERR_OK;
		/* readers in reach before the first visit see "no file yet" */
		if (e != (before_file ? MS_ERR_NOT_FOUND : table[i].read))
			fail_msg("%s reading: %d", table[i].user, e);
	}
	assert_int_equal(add(f, "worker_in", HH_FAR, "visit", "2026-11-01", "入户", 0, &id),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(add(f, "worker_in", "NO-SUCH", "visit", "2026-11-01", "入户", 0, &id),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(add(f, "worker_in", HH, "visit", "2026-11-01", "上门", 0, &id),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "worker_in", HH, "visit", "2026-11-21", "入户", 0, &id),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "worker_in", HH, "service", "2026-11-01", "助餐", 0, &id),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, NULL, HH, "visit", "2026-11-01", "入户", 0, &id), MS_ERR_USAGE);

	/* results: once, by the station's people, of the right type */
	int64_t ref, app;
	assert_int_equal(add(f, "worker_in", HH, "referral", "2026-11-02", "医保局", 0, &ref),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "worker_in", HH, "application", "2026-11-02", "临时救助", 0, &app),
	                 MS_ERR_OK);
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_service_result(f->s, &f->env, "worker_in", "application", ref,
	                                   "2026-11-03", "granted", NULL, &err),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(ms_service_result(f->s, &f->env, "worker_next", "application", app,
	                                   "2026-11-03", "granted", NULL, &err),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(ms_service_result(f->s, &f->env, "officer_city", "application", app,
	                                   "2026-11-03", "granted", NULL, &err),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(ms_service_result(f->s, &f->env, "worker_in", "application", app,
	                                   "2026-11-03", "pending", NULL, &err),
	                 MS_ERR_INVALID);
	assert_int_equal(ms_service_result(f->s, &f->env, "worker_in", "application", app,
	                                   "2026-11-01", "granted", NULL, &err),
	                 MS_ERR_INVALID);
	assert_int_equal(ms_service_result(f->s, &f->env, "head_in", "application", app,
	                                   "2026-11-03", "granted", NULL, &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_service_result(f->s, &f->env, "head_in", "application", app,
	                                   "2026-11-04", "refused", NULL, &err),
	                 MS_ERR_CONFLICT);
	assert_int_equal(ms_service_result(f->s, &f->env, "worker_in", "referral", ref,
	                                   "2026-11-03", "已受理", NULL, &err),
	                 MS_ERR_OK);
}

/* Person-times and the other figures, by period and area. */
static void test_person_times(void **state)
{
	fixture *f = *state;
	int64_t id;
	assert_int_equal(add(f, "worker_in", HH, "visit", "2026-09-30", "电话", 0, &id), MS_ERR_OK);
	static const struct {
		const char *day;
		int64_t persons;
	} services[] = {{"2026-09-30", 4},
	                {"2026-10-01", 3},
	                {"2026-10-15", 2},
	                {"2026-10-31", 5},
	                {"2026-11-01", 7}};
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
		assert_int_equal(add(f, "head_in", HH, "service", services[i].day, "助餐",
		                     services[i].persons, &id),
		                 MS_ERR_OK);
	ms_service_figures fg;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_service_stats(f->s, "officer_city", "4401", T_DATE("2026-10-01"),
	                                  T_DATE("2026-10-31"), &fg, &err),
	                 MS_ERR_OK);
	assert_int_equal(fg.person_times, 3 + 2 + 5);
	assert_int_equal(fg.files, 1);
	assert_int_equal(fg.visits, 0);
	assert_int_equal(ms_service_stats(f->s, NULL, "44", T_DATE("2026-09-01"),
	                                  T_DATE("2026-11-30"), &fg, &err),
	                 MS_ERR_OK);
	assert_int_equal(fg.person_times, 4 + 3 + 2 + 5 + 7);
	assert_int_equal(fg.visits, 1);
	/* before the file was opened, and in another city: nothing */
	assert_int_equal(ms_service_stats(f->s, NULL, "44", T_DATE("2026-09-01"),
	                                  T_DATE("2026-09-29"), &fg, &err),
	                 MS_ERR_OK);
	assert_int_equal(fg.files + fg.person_times, 0);
	assert_int_equal(ms_service_stats(f->s, NULL, "4403", T_DATE("2026-09-01"),
	                                  T_DATE("2026-11-30"), &fg, &err),
	                 MS_ERR_OK);
	assert_int_equal(fg.files + fg.person_times, 0);
	/* money in fen, by date; volunteers by station */
	ms_srec r = {
	    .station = "440106001", .donor = "某基金会", .amount_fen = 123456, .day = "2026-10-05"};
	assert_int_equal(ms_station_record_add(f->s, "head_in", MS_SREC_RESOURCE, &r, NULL, &err),
	                 MS_ERR_OK);
	r.amount_fen = 1;
	r.day = "2026-11-05";
	assert_int_equal(ms_station_record_add(f->s, "head_in", MS_SREC_RESOURCE, &r, NULL, &err),
	                 MS_ERR_OK);
	ms_srec v = {.station = "440106002", .name = "志愿者", .hours_tenths = 15};
	assert_int_equal(
	    ms_station_record_add(f->s, "head_next", MS_SREC_VOLUNTEER, &v, NULL, &err), MS_ERR_OK);
	assert_int_equal(ms_service_stats(f->s, "head_in", "440106001", T_DATE("2026-10-01"),
	                                  T_DATE("2026-10-31"), &fg, &err),
	                 MS_ERR_OK);
	assert_int_equal(fg.resources_fen, 123456);
	assert_int_equal(fg.volunteers, 0);
	assert_int_equal(ms_service_stats(f->s, NULL, "440106", T_DATE("2026-10-01"),
	                                  T_DATE("2026-11-30"), &fg, &err),
	                 MS_ERR_OK);
	assert_int_equal(fg.resources_fen, 123457);
	assert_int_equal(fg.volunteers, 1);
	/* who may ask */
	assert_int_equal(ms_service_stats(f->s, "officer_sz", "4401", T_DATE("2026-10-01"),
	                                  T_DATE("2026-10-31"), &fg, &err),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(ms_service_stats(f->s, "worker_in", "440106001", T_DATE("2026-10-01"),
	                                  T_DATE("2026-10-31"), &fg, &err),
	                 MS_ERR_NOT_FOUND);
}

typedef struct tl_out {
	char line[32][96];
	int n;
} tl_out;

static int tl_cb(void *ctx, const ms_timeline_item *it)
{
	tl_out *o = ctx;
	if (o->n < 32)
		snprintf(o->line[o->n++], 96, "%s %s %s", it->day, it->source,
		         it->alert_id ? (it->subject ? it->subject : "")
		                      : (it->kind ? it->kind : ""));
	return 0;
}

/* The household's alerts, its members' alerts and its file, by date; a
 * neighbour's alert stays out. */
static void test_timeline_order(void **state)
{
	fixture *f = *state;
	add_alert(f, "RB", "household", HH, "440106001005", "2026-10-20T09:00:00+08:00");
	add_alert(f, "RA", "person", MEMBER, "440106001005", "2026-10-05T10:00:00+08:00");
	add_alert(f, "RA", "person", OTHER, "440106001005", "2026-10-06T10:00:00+08:00");
	int64_t id;
	assert_int_equal(add(f, "worker_in", HH, "visit", "2026-10-10", "入户", 0, &id), MS_ERR_OK);
	assert_int_equal(add(f, "worker_in", HH, "service", "2026-10-25", "助餐", 2, &id),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "worker_in", HH, "application", "2026-10-01", "临时救助", 0, &id),
	                 MS_ERR_OK);
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_service_result(f->s, &f->env, "worker_in", "application", id,
	                                   "2026-11-02", "granted", NULL, &err),
	                 MS_ERR_OK);
	tl_out o = {0};
	assert_int_equal(ms_service_timeline(f->s, &f->env, "worker_in", HH, NULL, tl_cb, &o, &err),
	                 MS_ERR_OK);
	static const char *const want[] = {
	    "2026-10-01 application 临时救助", "2026-10-05 alert " MEMBER,
	    "2026-10-10 visit home",           "2026-10-20 alert " HH,
	    "2026-10-25 service 助餐",         "2026-11-02 application_result 临时救助",
	};
	assert_int_equal(o.n, 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(o.line[i], want[i]);
	/* a person: its own alerts, its household's alerts and file */
	tl_out p = {0};
	assert_int_equal(
	    ms_service_timeline(f->s, &f->env, "officer_city", NULL, MEMBER, tl_cb, &p, &err),
	    MS_ERR_OK);
	assert_int_equal(p.n, 6);
	tl_out q = {0};
	assert_int_equal(
	    ms_service_timeline(f->s, &f->env, "worker_in", NULL, OTHER, tl_cb, &q, &err),
	    MS_ERR_OK);
	assert_int_equal(q.n, 1);
	assert_string_equal(q.line[0], "2026-10-06 alert " OTHER);
	/* out of reach */
	assert_int_equal(
	    ms_service_timeline(f->s, &f->env, "worker_next", HH, NULL, tl_cb, &o, &err),
	    MS_ERR_NOT_FOUND);
	assert_int_equal(
	    ms_service_timeline(f->s, &f->env, "officer_sz", NULL, MEMBER, tl_cb, &o, &err),
	    MS_ERR_NOT_FOUND);
	assert_int_equal(ms_service_timeline(f->s, &f->env, "root", HH, MEMBER, tl_cb, &o, &err),
	                 MS_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_station_record_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_person_times, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeline_order, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	ms_pack_free(shared_pack);
	return rc;
}
