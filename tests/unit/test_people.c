/* test_people.c — persons, households and search (people/people.h) against
 * a temporary database filled by real imports of registry and department
 * files: every kind of scope on persons and households (inside → found,
 * outside → not found), a worker's reach through an assigned alert, a
 * household's alert, a member's alert and a service file; masking in lists
 * and full values on detail pages; references round trip, and forged,
 * tampered or wrong-kind references refused; search by name, pinyin,
 * initials, identity-number suffix, phone suffix and 户编号, inside a
 * scope; the index refreshed incrementally after a second import and fully
 * after a revocation. The expectations come from SPEC §1, §6 and §7. */
#include "testutil.h"

#include "auth/auth.h"
#include "ingest/import.h"
#include "model/idnum.h"
#include "model/ref.h"
#include "people/people.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PACK "policy/guangdong"
#define TODAY "2026-11-20"
#define HH1 "440106001005000001" /* 张伟's household, 天河区 township 001 */
#define HH2 "440106002003000001" /* 王芳's, township 002 */
#define HH3 "440305001003000001" /* 陈强's, 深圳 南山区 */
#define HH4 "440106001005000002" /* 曾辉's, same village as HH1, a service file */

enum { P_ZHANG, P_LI, P_CHILD, P_WANG, P_CHEN, P_ZENG, NPEOPLE };

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
	t_conn db;
	ms_pack *pack;
	char id[NPEOPLE][MS_ID_STR];
	int64_t persons_batch;
} fixture;

static ms_pack *shared_pack;

/* A valid number from 17 digits; with want_x, the sequence is moved on
 * until the check character is X. */
static void make_id(const char *first17, bool want_x, char out[MS_ID_STR])
{
	char d[18];
	memcpy(d, first17, 17);
	d[17] = '\0';
	for (int seq = 0; seq < 1000; seq++) {
		if (want_x)
			snprintf(d + 14, 4, "%03d", seq);
		char c = ms_id_check_char(d);
		if (!want_x || c == 'X') {
			memcpy(out, d, 17);
			out[17] = c;
			out[18] = '\0';
			return;
		}
	}
	fail_msg("no number with check X");
}

static void exec(fixture *f, const char *sql)
{
	t_conn_exec(&f->db, sql);
}

static void add_user(fixture *f, const char *name, ms_role role, const char *scope,
                     const char *station)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user_new u = {.name = name, .role = role, .scope = scope, .station = station,
	                 .password = "password1"};
	if (ms_auth_user_add(f->s, strcmp(name, "root") == 0 ? NULL : "root", &u, &err))
		fail_msg("adding %s: %s", name, ms_error_text(&err));
}

/* CSV text with @N replaced by person N's identity number. */
/* Whether import() brings the search index up to date afterwards (the
 * refresh test counts what each refresh writes, so it does that itself). */
static bool import_refreshes = true;

static int64_t import(fixture *f, const char *feed, const char *name, const char *tpl)
{
	char data[4096];
	size_t n = 0;
	for (const char *p = tpl; *p && n + 20 < sizeof data;) {
		if (*p == '@') {
			int k = p[1] - '0';
			assert_true(k >= 0 && k < NPEOPLE);
			memcpy(data + n, f->id[k], MS_ID_LEN);
			n += MS_ID_LEN;
			p += 2;
		} else {
			data[n++] = *p++;
		}
	}
	data[n] = '\0';
	ms_import_opts o;
	memset(&o, 0, sizeof o);
	o.feed = feed;
	o.data = data;
	o.len = n;
	o.name = name;
	o.actor = "test";
	o.today = T_DATE(TODAY);
	ms_import_result res;
	ms_error err;
	ms_error_clear(&err);
	if (ms_import_run(f->s, &f->pack->feeds, &o, &res, &err))
		fail_msg("import %s: %s", name, ms_error_text(&err));
	if (res.counts.rejected || res.counts.review)
		fail_msg("import %s: %lld rejected, %lld for review", name,
		         (long long)res.counts.rejected, (long long)res.counts.review);
	/* as the server and the import jobs do: the index follows the registry */
	if (import_refreshes && ms_people_index_refresh(f->s, f->pack, NULL, NULL, &err))
		fail_msg("refresh after %s: %s", name, ms_error_text(&err));
	return res.batch_id;
}

static int64_t add_alert(fixture *f, const char *stype, const char *subject, const char *area,
                         const char *inbox, const char *assignee)
{
	ms_error err;
	ms_error_clear(&err);
	int64_t scan = 0;
	if (ms_store_scan_insert(f->s, "2026-11-01", "test", "2026-11-01T09:00:00+08:00", "", false,
	                         &scan, &err))
		fail_msg("scan: %s", ms_error_text(&err));
	char rule[16];
	static int seq;
	snprintf(rule, sizeof rule, "T%02d", ++seq);
	ms_alert_in a = {.rule = rule,
	                 .kind = "risk",
	                 .subject_type = stype,
	                 .subject = subject,
	                 .area = area,
	                 .inbox = inbox,
	                 .created = "2026-11-01T09:00:00+08:00",
	                 .due = "2026-11-30",
	                 .scan_id = scan,
	                 .pack_version = "test"};
	int64_t id = 0;
	if (ms_store_alert_insert(f->s, &a, &id, &err))
		fail_msg("adding an alert: %s", ms_error_text(&err));
	if (assignee) {
		char sql[256];
		snprintf(sql, sizeof sql,
		         "UPDATE alert SET state = 'assigned', assignee = '%s' WHERE id = %lld",
		         assignee, (long long)id);
		exec(f, sql);
	}
	return id;
}

static int setup(void **state)
{
	setenv("MINSHENG_PWHASH", "min", 1);
	setenv("MINSHENG_TODAY", TODAY, 1);
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-people-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (!t_db_fresh(f->path, f->url, sizeof f->url))
		return -1;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(f->url, MS_STORE_CREATE, &f->s, &err))
		return -1;
	if (t_conn_open(&f->db, f->url))
		return -1;
	if (!shared_pack && ms_pack_load(PACK, &shared_pack, &err)) {
		fprintf(stderr, "pack: %s\n", ms_error_text(&err));
		return -1;
	}
	f->pack = shared_pack;
	make_id("44010619800101001", false, f->id[P_ZHANG]);
	make_id("44010619820202002", false, f->id[P_LI]);
	make_id("44010620100303003", false, f->id[P_CHILD]);
	make_id("44010619700404000", true, f->id[P_WANG]); /* ends in X */
	make_id("44030519750505005", false, f->id[P_CHEN]);
	make_id("44010619900606006", false, f->id[P_ZENG]);
	ms_upsert_result ur;
	const char *stations[] = {"440106001", "440106002", "440305001"};
	for (int i = 0; i < 3; i++)
		if (ms_store_station_upsert(f->s, stations[i], "社工站", "station", &ur, &err))
			return -1;
	add_user(f, "root", MS_ROLE_ADMIN, "44", NULL);
	add_user(f, "officer_city", MS_ROLE_OFFICER, "4401", NULL);
	add_user(f, "officer_sz", MS_ROLE_OFFICER, "4403", NULL);
	add_user(f, "head_in", MS_ROLE_STATION_HEAD, "440106001", "440106001");
	add_user(f, "head_next", MS_ROLE_STATION_HEAD, "440106002", "440106002");
	add_user(f, "worker_in", MS_ROLE_WORKER, "440106001", "440106001");
	add_user(f, "worker_next", MS_ROLE_WORKER, "440106002", "440106002");
	add_user(f, "worker_far", MS_ROLE_WORKER, "440305001", "440305001");
	add_user(f, "uploader", MS_ROLE_UPLOADER, "44", NULL);
	import(f, "households", "h.csv",
	       "户编号,区划代码,详细地址\n" HH1 ",440106001005,一巷1号\n" HH2
	       ",440106002003,二巷2号\n" HH3 ",440305001003,三巷3号\n" HH4 ",440106001005,一巷9号\n");
	f->persons_batch =
	        import(f, "persons", "p.csv",
	               "身份证号,姓名,户编号,与户主关系,居住地区划,联系电话\n"
	               "@1,李娜," HH1 ",配偶,440106001005,13900002222\n"
	               "@0,张伟," HH1 ",户主,440106001005,13800001111\n"
	               "@2,张小明," HH1 ",子女,440106001005,\n"
	               "@3,王芳," HH2 ",户主,440106002003,13600003333\n"
	               "@4,陈强," HH3 ",户主,440305001003,13500004444\n"
	               "@5,曾辉," HH4 ",户主,440106001005,13712345678\n");
	import(f, "categories", "c.csv",
	       "身份证号,姓名,类别,开始日期\n@0,张伟,低保对象,2023-01-01\n@4,陈强,特困人员,2022-05-01\n");
	import(f, "benefits", "b.csv",
	       "身份证号,姓名,待遇项目,开始日期,月金额\n@0,张伟,低保金,2023-01-01,686.5\n");
	import(f, "gongan", "g.csv", "身份证号,姓名,事件类型,事件日期\n@0,张伟,迁入,2024-03-01\n");
	/* 张伟: an alert assigned to worker_in; 王芳's household: one assigned
	 * to worker_next; 陈强: one nobody has; 曾辉's household: a file at
	 * worker_in's station */
	add_alert(f, "person", f->id[P_ZHANG], "440106001005", "440106001", "worker_in");
	add_alert(f, "household", HH2, "440106002003", "440106002", "worker_next");
	add_alert(f, "person", f->id[P_CHEN], "440305001003", "440305001", NULL);
	ms_sfile_row sf = {.household = HH4,
	                   .area = "440106001005",
	                   .station = "440106001",
	                   .opened = "2026-10-01",
	                   .opened_by = "worker_in",
	                   .created = "2026-10-01T09:00:00+08:00"};
	if (ms_store_sfile_insert(f->s, &sf, &err))
		fail_msg("service file: %s", ms_error_text(&err));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	t_conn_close(&f->db);
	ms_store_close(f->s);
	t_db_drop(f->url);
	char p[160];
	const char *sfx[] = {"", "-wal", "-shm", ".import-lock"};
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	unsetenv("MINSHENG_TODAY");
	return 0;
}

/* The scope of a user, kept alive with it. */
typedef struct as_user {
	ms_user u;
	ms_scope sc;
} as_user;

static const ms_scope *scope_of(fixture *f, const char *name, as_user *a)
{
	static const ms_scope all = {.kind = MS_SCOPE_ALL};
	if (!name)
		return &all;
	ms_error err;
	ms_error_clear(&err);
	if (ms_auth_user_get(f->s, name, &a->u, &err))
		fail_msg("user %s: %s", name, ms_error_text(&err));
	ms_auth_scope(&a->u, &a->sc);
	return &a->sc;
}

static ms_err person_as(fixture *f, const char *user, const char *id, bool full, json_t **out)
{
	as_user a;
	ms_error err;
	ms_error_clear(&err);
	*out = NULL;
	ms_err e = ms_people_person(f->s, f->pack, scope_of(f, user, &a), id, full, out, &err);
	if (e && e != MS_ERR_NOT_FOUND)
		fail_msg("person %s as %s: %s", id, user ? user : "operator", ms_error_text(&err));
	return e;
}

static ms_err household_as(fixture *f, const char *user, const char *id, json_t **out)
{
	as_user a;
	ms_error err;
	ms_error_clear(&err);
	*out = NULL;
	ms_err e = ms_people_household(f->s, f->pack, scope_of(f, user, &a), id, true, out, &err);
	if (e && e != MS_ERR_NOT_FOUND)
		fail_msg("household %s as %s: %s", id, user ? user : "operator", ms_error_text(&err));
	return e;
}

/* Every kind of scope on persons, from SPEC §1. */
static void test_person_scopes(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *user;
		int person;
		bool found;
	} table[] = {
	    {NULL, P_ZHANG, true},           {NULL, P_CHEN, true},
	    {"root", P_CHEN, true},          {"officer_city", P_ZHANG, true},
	    {"officer_city", P_CHEN, false}, {"officer_sz", P_CHEN, true},
	    {"officer_sz", P_ZHANG, false},  {"head_in", P_ZHANG, true},
	    {"head_in", P_ZENG, true},       {"head_in", P_WANG, false},
	    {"head_next", P_WANG, true},     {"head_next", P_ZHANG, false},
	    /* worker_in: 张伟 by the alert assigned; his wife and child as
	     * members of his household; 曾辉 by the service file */
	    {"worker_in", P_ZHANG, true},    {"worker_in", P_LI, true},
	    {"worker_in", P_CHILD, true},    {"worker_in", P_ZENG, true},
	    {"worker_in", P_WANG, false},    {"worker_in", P_CHEN, false},
	    /* worker_next: 王芳 as the member of a household with its alert */
	    {"worker_next", P_WANG, true},   {"worker_next", P_ZHANG, false},
	    {"worker_next", P_ZENG, false},  {"worker_far", P_CHEN, false},
	    {"uploader", P_ZHANG, false},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		json_t *j;
		ms_err e = person_as(f, table[i].user, f->id[table[i].person], true, &j);
		if ((e == MS_ERR_OK) != table[i].found)
			fail_msg("person %d as %s: %s, wanted %s", table[i].person,
			         table[i].user ? table[i].user : "operator", ms_err_name(e),
			         table[i].found ? "found" : "not found");
		if (j)
			assert_string_equal(json_string_value(json_object_get(j, "idno")),
			                    f->id[table[i].person]);
		json_decref(j);
	}
	/* a number nobody has, and garbage */
	json_t *j;
	char other[MS_ID_STR];
	make_id("44010619991231099", false, other);
	assert_int_equal(person_as(f, NULL, other, true, &j), MS_ERR_NOT_FOUND);
	assert_int_equal(person_as(f, NULL, "not a number", true, &j), MS_ERR_NOT_FOUND);
	assert_int_equal(person_as(f, NULL, "", true, &j), MS_ERR_NOT_FOUND);
}

static void test_household_scopes(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *user;
		const char *hh;
		bool found;
	} table[] = {
	    {NULL, HH1, true},           {"root", HH3, true},          {"officer_city", HH1, true},
	    {"officer_city", HH3, false}, {"officer_sz", HH3, true},    {"head_in", HH1, true},
	    {"head_in", HH2, false},     {"head_next", HH2, true},     {"worker_in", HH1, true},
	    {"worker_in", HH4, true},    {"worker_in", HH2, false},    {"worker_in", HH3, false},
	    {"worker_next", HH2, true},  {"worker_next", HH1, false},  {"worker_next", HH4, false},
	    {"worker_far", HH3, false},  {"uploader", HH1, false},     {NULL, "no-such-household", false},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		json_t *j;
		ms_err e = household_as(f, table[i].user, table[i].hh, &j);
		if ((e == MS_ERR_OK) != table[i].found)
			fail_msg("household %s as %s: %s, wanted %s", table[i].hh,
			         table[i].user ? table[i].user : "operator", ms_err_name(e),
			         table[i].found ? "found" : "not found");
		json_decref(j);
	}
}

/* Full values on a detail page, masked ones in lists (SPEC §7). */
static void test_masking(void **state)
{
	fixture *f = *state;
	json_t *p;
	assert_int_equal(person_as(f, "officer_city", f->id[P_ZHANG], true, &p), MS_ERR_OK);
	assert_string_equal(json_string_value(json_object_get(p, "phone")), "13800001111");
	json_t *v = json_object_get(p, "values");
	assert_string_equal(json_string_value(json_object_get(v, "联系电话")), "13800001111");
	assert_string_equal(json_string_value(json_object_get(p, "name")), "张伟");
	assert_string_equal(json_string_value(json_object_get(p, "sex")), "male");
	assert_string_equal(json_string_value(json_object_get(p, "birth")), "1980-01-01");
	assert_string_equal(json_string_value(json_object_get(p, "household")), HH1);
	assert_string_equal(json_string_value(json_object_get(p, "relation")), "户主");
	assert_non_null(strstr(json_string_value(json_object_get(p, "area_name")), "天河区"));
	/* the registry files of facts, by feed name; money in yuan */
	json_t *b = json_array_get(json_object_get(p, "benefits"), 0);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "月金额")), "686.50");
	assert_string_equal(json_string_value(json_object_get(b, "身份证号")), f->id[P_ZHANG]);
	assert_int_equal(json_array_size(json_object_get(p, "categories")), 1);
	/* the alert assigned to worker_in is in the city's scope */
	assert_int_equal(json_array_size(json_object_get(p, "alerts")), 1);
	json_decref(p);

	/* not full: masked everywhere */
	assert_int_equal(person_as(f, "officer_city", f->id[P_ZHANG], false, &p), MS_ERR_OK);
	char masked[MS_ID_STR];
	ms_id_mask(f->id[P_ZHANG], masked);
	assert_string_equal(json_string_value(json_object_get(p, "idno")), masked);
	assert_string_equal(json_string_value(json_object_get(p, "phone")), "138****1111");
	v = json_object_get(p, "values");
	assert_string_equal(json_string_value(json_object_get(v, "身份证号")), masked);
	assert_string_equal(json_string_value(json_object_get(v, "联系电话")), "138****1111");
	b = json_array_get(json_object_get(p, "benefits"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "身份证号")), masked);
	json_decref(p);

	/* a household's members: masked, head first */
	json_t *h;
	assert_int_equal(household_as(f, "head_in", HH1, &h), MS_ERR_OK);
	json_t *m = json_object_get(h, "members");
	assert_int_equal(json_array_size(m), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "relation")),
	                    "户主");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "idno")), masked);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "relation")),
	                    "配偶");
	assert_false(json_is_true(json_object_get(h, "service_file")));
	assert_int_equal(json_array_size(json_object_get(h, "alerts")), 0);
	json_decref(h);
	assert_int_equal(household_as(f, "worker_in", HH4, &h), MS_ERR_OK);
	assert_true(json_is_true(json_object_get(h, "service_file")));
	json_decref(h);
	/* the household's alert, seen by its worker but not by another station */
	assert_int_equal(household_as(f, "worker_next", HH2, &h), MS_ERR_OK);
	assert_int_equal(json_array_size(json_object_get(h, "alerts")), 1);
	json_decref(h);

	/* a worker sees the alerts assigned to it only */
	assert_int_equal(person_as(f, "worker_in", f->id[P_ZHANG], true, &p), MS_ERR_OK);
	assert_int_equal(json_array_size(json_object_get(p, "alerts")), 1);
	json_decref(p);
	assert_int_equal(person_as(f, "officer_sz", f->id[P_CHEN], true, &p), MS_ERR_OK);
	assert_int_equal(json_array_size(json_object_get(p, "alerts")), 1);
	json_decref(p);
}

static void test_facts(void **state)
{
	fixture *f = *state;
	as_user a;
	ms_error err;
	ms_error_clear(&err);
	json_t *j = NULL;
	assert_int_equal(ms_people_facts(f->s, f->pack, scope_of(f, "head_in", &a), f->id[P_ZHANG],
	                                 &j, &err),
	                 MS_ERR_OK);
	json_t *feeds = json_object_get(j, "feeds");
	assert_int_equal(json_array_size(feeds), 1);
	json_t *fd = json_array_get(feeds, 0);
	assert_string_equal(json_string_value(json_object_get(fd, "feed")), "gongan");
	assert_string_equal(json_string_value(json_object_get(fd, "department")), "公安");
	json_t *row = json_array_get(json_object_get(fd, "rows"), 0);
	assert_true(json_integer_value(json_object_get(row, "batch")) > 0);
	assert_int_equal(json_integer_value(json_object_get(row, "row")), 2);
	json_t *v = json_object_get(row, "values");
	assert_string_equal(json_string_value(json_object_get(v, "事件类型")), "迁入");
	char masked[MS_ID_STR];
	ms_id_mask(f->id[P_ZHANG], masked);
	assert_string_equal(json_string_value(json_object_get(j, "idno")), masked);
	json_decref(j);
	/* the identity number hidden inside a certificate number as well */
	import(f, "canlian", "d.csv",
	       "身份证号,姓名,残疾人证号,残疾类别,残疾等级,发证日期,有效期至\n"
	       "@0,张伟,@051,智力,1,2024-07-07,2034-07-07\n");
	assert_int_equal(ms_people_facts(f->s, f->pack, scope_of(f, "head_in", &a), f->id[P_ZHANG],
	                                 &j, &err),
	                 MS_ERR_OK);
	feeds = json_object_get(j, "feeds");
	assert_int_equal(json_array_size(feeds), 2);
	fd = json_array_get(feeds, 0);
	assert_string_equal(json_string_value(json_object_get(fd, "feed")), "canlian");
	v = json_object_get(json_array_get(json_object_get(fd, "rows"), 0), "values");
	char cert[32];
	snprintf(cert, sizeof cert, "%s51", masked);
	assert_string_equal(json_string_value(json_object_get(v, "残疾人证号")), cert);
	json_decref(j);
	/* no facts for 李娜; none at all outside the scope */
	assert_int_equal(ms_people_facts(f->s, f->pack, scope_of(f, NULL, &a), f->id[P_LI], &j, &err),
	                 MS_ERR_OK);
	assert_int_equal(json_array_size(json_object_get(j, "feeds")), 0);
	json_decref(j);
	assert_int_equal(ms_people_facts(f->s, f->pack, scope_of(f, "officer_sz", &a),
	                                 f->id[P_ZHANG], &j, &err),
	                 MS_ERR_NOT_FOUND);
}

/* References: round trip through the API's functions, and refused when
 * forged, tampered with, of the other kind or made with another key. */
static void test_refs(void **state)
{
	fixture *f = *state;
	uint8_t key[MS_REF_KEY_BYTES], again[MS_REF_KEY_BYTES];
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_people_ref_key(f->s, key, &err), MS_ERR_OK);
	assert_int_equal(ms_people_ref_key(f->s, again, &err), MS_ERR_OK);
	assert_memory_equal(key, again, sizeof key); /* kept in meta */

	char ref[MS_REF_MAX], ref2[MS_REF_MAX], back[64];
	assert_true(ms_ref_encode(key, MS_REF_PERSON, f->id[P_ZHANG], ref));
	assert_true(ms_ref_encode(key, MS_REF_PERSON, f->id[P_ZHANG], ref2));
	assert_string_equal(ref, ref2); /* the same subject, the same reference */
	assert_null(strstr(ref, f->id[P_ZHANG]));
	assert_null(strchr(ref, '=')); /* URL-safe, no padding */
	assert_null(strchr(ref, '+'));
	assert_null(strchr(ref, '/'));
	assert_true(ms_ref_decode(key, MS_REF_PERSON, ref, back, sizeof back));
	assert_string_equal(back, f->id[P_ZHANG]);
	assert_false(ms_ref_decode(key, MS_REF_HOUSEHOLD, ref, back, sizeof back));
	assert_false(ms_ref_decode(key, MS_REF_PERSON, ref, back, 10)); /* too small */
	uint8_t other[MS_REF_KEY_BYTES];
	memcpy(other, key, sizeof other);
	other[0] ^= 1;
	assert_false(ms_ref_decode(other, MS_REF_PERSON, ref, back, sizeof back));
	/* every single-character change is refused */
	size_t n = strlen(ref);
	for (size_t i = 0; i < n; i++) {
		char t[MS_REF_MAX];
		memcpy(t, ref, n + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		assert_false(ms_ref_decode(key, MS_REF_PERSON, t, back, sizeof back));
	}
	assert_false(ms_ref_decode(key, MS_REF_PERSON, "", back, sizeof back));
	assert_false(ms_ref_decode(key, MS_REF_PERSON, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	                           back, sizeof back));
	char trunc[MS_REF_MAX];
	memcpy(trunc, ref, n - 2);
	trunc[n - 2] = '\0';
	assert_false(ms_ref_decode(key, MS_REF_PERSON, trunc, back, sizeof back));
	/* the longest key that fits, and one byte more */
	char longest[MS_REF_ID_MAX + 2];
	memset(longest, '7', sizeof longest);
	longest[MS_REF_ID_MAX] = '\0';
	assert_true(ms_ref_encode(key, MS_REF_HOUSEHOLD, longest, ref2));
	assert_true(strlen(ref2) < MS_REF_MAX);
	assert_true(ms_ref_decode(key, MS_REF_HOUSEHOLD, ref2, back, sizeof back));
	assert_string_equal(back, longest);
	longest[MS_REF_ID_MAX] = '7';
	longest[MS_REF_ID_MAX + 1] = '\0';
	assert_false(ms_ref_encode(key, MS_REF_HOUSEHOLD, longest, ref2));

	/* the pages open by reference, and a list's references open them */
	json_t *p, *h;
	assert_int_equal(person_as(f, "head_in", ref, true, &p), MS_ERR_OK);
	assert_string_equal(json_string_value(json_object_get(p, "idno")), f->id[P_ZHANG]);
	assert_string_equal(json_string_value(json_object_get(p, "ref")), ref);
	const char *href = json_string_value(json_object_get(p, "household_ref"));
	assert_non_null(href);
	assert_int_equal(household_as(f, "head_in", href, &h), MS_ERR_OK);
	assert_string_equal(json_string_value(json_object_get(h, "id")), HH1);
	const char *mref = json_string_value(
	        json_object_get(json_array_get(json_object_get(h, "members"), 1), "ref"));
	json_t *m;
	assert_int_equal(person_as(f, "head_in", mref, true, &m), MS_ERR_OK);
	assert_string_equal(json_string_value(json_object_get(m, "idno")), f->id[P_LI]);
	json_decref(m);
	/* a person's reference is no household's, and the reverse */
	assert_int_equal(household_as(f, NULL, ref, &m), MS_ERR_NOT_FOUND);
	assert_int_equal(person_as(f, NULL, href, true, &m), MS_ERR_NOT_FOUND);
	/* a valid reference outside the scope is as absent as any */
	assert_int_equal(person_as(f, "officer_sz", ref, true, &m), MS_ERR_NOT_FOUND);
	char tampered[MS_REF_MAX];
	snprintf(tampered, sizeof tampered, "%s", ref);
	tampered[10] = tampered[10] == 'x' ? 'y' : 'x';
	assert_int_equal(person_as(f, NULL, tampered, true, &m), MS_ERR_NOT_FOUND);

	/* resolve: the key of a reference in scope */
	as_user a;
	char out[64];
	assert_int_equal(ms_people_resolve(f->s, f->pack, scope_of(f, "worker_in", &a), false, ref, out,
	                                   sizeof out, &err),
	                 MS_ERR_OK);
	assert_string_equal(out, f->id[P_ZHANG]);
	assert_int_equal(ms_people_resolve(f->s, f->pack, scope_of(f, "worker_in", &a), true, href, out,
	                                   sizeof out, &err),
	                 MS_ERR_OK);
	assert_string_equal(out, HH1);
	assert_int_equal(ms_people_resolve(f->s, f->pack, scope_of(f, "worker_in", &a), true, HH4, out,
	                                   sizeof out, &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_people_resolve(f->s, f->pack, scope_of(f, "worker_next", &a), false, ref, out,
	                                   sizeof out, &err),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(ms_people_resolve(f->s, f->pack, scope_of(f, NULL, &a), false, tampered, out,
	                                   sizeof out, &err),
	                 MS_ERR_NOT_FOUND);
	json_decref(h);
	json_decref(p);
}

/* The search's items as "match:idno" (persons) or "household:id", in order. */
static void search_as(fixture *f, const char *user, const char *q, int limit, char *out,
                      size_t cap)
{
	as_user a;
	ms_error err;
	ms_error_clear(&err);
	json_t *j = NULL;
	if (ms_people_search(f->s, f->pack, scope_of(f, user, &a), q, limit, &j, &err))
		fail_msg("search %s: %s", q, ms_error_text(&err));
	size_t i, n = 0;
	json_t *it;
	out[0] = '\0';
	json_array_foreach(json_object_get(j, "items"), i, it)
	{
		const char *type = json_string_value(json_object_get(it, "type"));
		const char *who = strcmp(type, "household") == 0
		                          ? json_string_value(json_object_get(it, "id"))
		                          : json_string_value(json_object_get(it, "idno"));
		/* a list never shows a full number */
		if (strcmp(type, "person") == 0)
			assert_non_null(strstr(who, "********"));
		n += (size_t)snprintf(out + n, cap - n, "%s%s:%s", n ? " " : "",
		                      json_string_value(json_object_get(it, "match")), who);
	}
	json_decref(j);
}

static const char *masked_of(fixture *f, int k)
{
	static char m[NPEOPLE][MS_ID_STR];
	ms_id_mask(f->id[k], m[k]);
	return m[k];
}

static void test_search(void **state)
{
	fixture *f = *state;
	char got[1024], want[1024];
	/* a name and its beginning; exact first */
	search_as(f, NULL, "张伟", 20, got, sizeof got);
	snprintf(want, sizeof want, "name:%s", masked_of(f, P_ZHANG));
	assert_string_equal(got, want);
	search_as(f, NULL, " 张 ", 20, got, sizeof got);
	snprintf(want, sizeof want, "name:%s name:%s", masked_of(f, P_ZHANG),
	         masked_of(f, P_CHILD));
	assert_string_equal(got, want);
	search_as(f, NULL, "张", 1, got, sizeof got);
	snprintf(want, sizeof want, "name:%s", masked_of(f, P_ZHANG));
	assert_string_equal(got, want);
	/* pinyin in full (any case, spaces ignored), and initials */
	search_as(f, NULL, "ZhangWei", 20, got, sizeof got);
	snprintf(want, sizeof want, "pinyin:%s", masked_of(f, P_ZHANG));
	assert_string_equal(got, want);
	search_as(f, NULL, "zhang wei", 20, got, sizeof got);
	assert_string_equal(got, want);
	search_as(f, NULL, "zxm", 20, got, sizeof got);
	snprintf(want, sizeof want, "initials:%s", masked_of(f, P_CHILD));
	assert_string_equal(got, want);
	/* 曾 read as a surname: zeng, not ceng */
	search_as(f, NULL, "zenghui", 20, got, sizeof got);
	snprintf(want, sizeof want, "pinyin:%s", masked_of(f, P_ZENG));
	assert_string_equal(got, want);
	search_as(f, NULL, "ceng", 20, got, sizeof got);
	assert_string_equal(got, "");
	/* identity numbers: in full, by the last 4–17 characters, x folded */
	search_as(f, NULL, f->id[P_CHEN], 20, got, sizeof got);
	snprintf(want, sizeof want, "idno:%s", masked_of(f, P_CHEN));
	assert_string_equal(got, want);
	char tail[32];
	snprintf(tail, sizeof tail, "%s", f->id[P_WANG] + 12);
	tail[strlen(tail) - 1] = 'x';
	search_as(f, NULL, tail, 20, got, sizeof got);
	snprintf(want, sizeof want, "idno:%s", masked_of(f, P_WANG));
	assert_string_equal(got, want);
	search_as(f, NULL, f->id[P_LI] + 1, 20, got, sizeof got); /* 17 characters */
	snprintf(want, sizeof want, "idno:%s", masked_of(f, P_LI));
	assert_string_equal(got, want);
	search_as(f, NULL, "999", 20, got, sizeof got); /* too short to mean anything */
	assert_string_equal(got, "");
	/* phones: in full, by the last digits */
	search_as(f, NULL, "13712345678", 20, got, sizeof got);
	snprintf(want, sizeof want, "phone:%s", masked_of(f, P_ZENG));
	assert_string_equal(got, want);
	search_as(f, NULL, "4444", 20, got, sizeof got);
	snprintf(want, sizeof want, "phone:%s", masked_of(f, P_CHEN));
	assert_string_equal(got, want);
	search_as(f, NULL, "138-0000-1111", 20, got, sizeof got);
	snprintf(want, sizeof want, "phone:%s", masked_of(f, P_ZHANG));
	assert_string_equal(got, want);
	/* a 户编号 */
	search_as(f, NULL, HH3, 20, got, sizeof got);
	assert_string_equal(got, "household:" HH3);
	/* inside the scope only */
	search_as(f, "officer_sz", "张", 20, got, sizeof got);
	assert_string_equal(got, "");
	search_as(f, "officer_sz", "chen", 20, got, sizeof got);
	snprintf(want, sizeof want, "pinyin:%s", masked_of(f, P_CHEN));
	assert_string_equal(got, want);
	search_as(f, "officer_city", HH3, 20, got, sizeof got);
	assert_string_equal(got, "");
	search_as(f, "head_next", "zw", 20, got, sizeof got);
	assert_string_equal(got, "");
	search_as(f, "worker_in", "zh", 20, got, sizeof got); /* 曾辉: zeng hui, zh */
	snprintf(want, sizeof want, "pinyin:%s pinyin:%s initials:%s", masked_of(f, P_ZHANG),
	         masked_of(f, P_CHILD), masked_of(f, P_ZENG));
	assert_string_equal(got, want);
	search_as(f, "worker_in", "曾", 20, got, sizeof got); /* by the service file */
	snprintf(want, sizeof want, "name:%s", masked_of(f, P_ZENG));
	assert_string_equal(got, want);
	search_as(f, "worker_in", "王", 20, got, sizeof got);
	assert_string_equal(got, "");
	search_as(f, "worker_next", "wangfang", 20, got, sizeof got);
	snprintf(want, sizeof want, "pinyin:%s", masked_of(f, P_WANG));
	assert_string_equal(got, want);
	search_as(f, "uploader", "张", 20, got, sizeof got);
	assert_string_equal(got, "");

	/* limits */
	as_user a;
	ms_error err;
	ms_error_clear(&err);
	json_t *j = NULL;
	char big[MS_SEARCH_QUERY_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(ms_people_search(f->s, f->pack, scope_of(f, NULL, &a), big, 10, &j, &err),
	                 MS_ERR_TOO_LARGE);
	assert_int_equal(ms_people_search(f->s, f->pack, scope_of(f, NULL, &a), "  ", 10, &j, &err),
	                 MS_ERR_INVALID);
	assert_int_equal(
	        ms_people_search(f->s, f->pack, scope_of(f, NULL, &a), "\xff\xfe", 10, &j, &err),
	        MS_ERR_INVALID);
	big[MS_SEARCH_QUERY_MAX] = '\0';
	assert_int_equal(ms_people_search(f->s, f->pack, scope_of(f, NULL, &a), big, 10, &j, &err),
	                 MS_ERR_OK);
	json_decref(j);
}

static long long q_int(fixture *f, const char *sql)
{
	return t_conn_int(&f->db, sql);
}

/* The index follows imports incrementally and revocations fully. */
static void test_refresh(void **state)
{
	fixture *f = *state;
	ms_error err;
	ms_error_clear(&err);
	int64_t n = -1;
	/* start from a database whose index was never built */
	import_refreshes = false;
	exec(f, "DELETE FROM person_index; DELETE FROM meta WHERE key LIKE 'people_index%'");
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, NPEOPLE); /* the first build */
	assert_int_equal(q_int(f, "SELECT count(*) FROM person_index"), NPEOPLE);
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 0); /* up to date: nothing to do */

	/* a second file: 李娜 renamed, a newcomer in 陈强's household */
	char newcomer[MS_ID_STR];
	make_id("44030520150707007", false, newcomer);
	char csv[512];
	snprintf(csv, sizeof csv,
	         "身份证号,姓名,户编号,与户主关系,居住地区划,联系电话\n"
	         "@1,李丽娜," HH1 ",配偶,440106001005,13900002222\n"
	         "%s,陈小宝," HH3 ",子女,440305001003,\n"
	         "@0,张伟," HH1 ",户主,440106001005,13800001111\n",
	         newcomer);
	int64_t batch = import(f, "persons", "p2.csv", csv);
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 2); /* the two records the file changed, not the whole registry */
	assert_int_equal(q_int(f, "SELECT count(*) FROM person_index"), NPEOPLE + 1);
	char got[512], want[512];
	search_as(f, NULL, "李丽", 20, got, sizeof got);
	snprintf(want, sizeof want, "name:%s", masked_of(f, P_LI));
	assert_string_equal(got, want);
	search_as(f, NULL, "李娜", 20, got, sizeof got);
	assert_string_equal(got, "");
	/* the newcomer: found, and a member of 陈强's household for a worker
	 * of its station once an alert there is assigned */
	char nm[MS_ID_STR];
	ms_id_mask(newcomer, nm);
	search_as(f, NULL, "chenxiaobao", 20, got, sizeof got);
	snprintf(want, sizeof want, "pinyin:%s", nm);
	assert_string_equal(got, want);
	json_t *h;
	assert_int_equal(household_as(f, "worker_far", HH3, &h), MS_ERR_NOT_FOUND);
	add_alert(f, "household", HH3, "440305001003", "440305001", "worker_far");
	assert_int_equal(household_as(f, "worker_far", HH3, &h), MS_ERR_OK);
	assert_int_equal(json_array_size(json_object_get(h, "members")), 2);
	json_decref(h);
	json_t *p;
	assert_int_equal(person_as(f, "worker_far", newcomer, true, &p), MS_ERR_OK);
	json_decref(p);

	/* a third file is found once the index is refreshed (searches never
	 * refresh: the server does it in the background) */
	char third[MS_ID_STR];
	make_id("44010619660808008", false, third);
	snprintf(csv, sizeof csv,
	         "身份证号,姓名,户编号,与户主关系,居住地区划\n%s,欧阳修," HH2
	         ",父母,440106002003\n",
	         third);
	import(f, "persons", "p3.csv", csv);
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 1);
	ms_id_mask(third, nm);
	search_as(f, NULL, "ouyang", 20, got, sizeof got);
	snprintf(want, sizeof want, "pinyin:%s", nm);
	assert_string_equal(got, want);

	/* revoking the second file: a full rebuild, the old name back, the
	 * newcomer gone */
	assert_int_equal(ms_import_revoke(f->s, batch, "root", "test", &err), MS_ERR_OK);
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, NPEOPLE + 1); /* every current person read again */
	assert_int_equal(q_int(f, "SELECT count(*) FROM person_index"), NPEOPLE + 1);
	search_as(f, NULL, "李娜", 20, got, sizeof got);
	snprintf(want, sizeof want, "name:%s", masked_of(f, P_LI));
	assert_string_equal(got, want);
	search_as(f, NULL, "chenxiaobao", 20, got, sizeof got);
	assert_string_equal(got, "");
	assert_int_equal(person_as(f, NULL, newcomer, true, &p), MS_ERR_NOT_FOUND);
	assert_int_equal(household_as(f, NULL, HH3, &h), MS_ERR_OK);
	assert_int_equal(json_array_size(json_object_get(h, "members")), 1);
	json_decref(h);
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 0);
	/* a lost mark means a first build again, from an empty table */
	exec(f, "DELETE FROM meta WHERE key = 'people_index'");
	assert_int_equal(ms_people_index_refresh(f->s, f->pack, NULL, &n, &err), MS_ERR_OK);
	assert_int_equal(n, NPEOPLE + 1);
	assert_int_equal(q_int(f, t_url_is_pg(f->url)
	                              ? "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = "
	                                "i.indrelid WHERE c.relname = 'person_index' AND "
	                                "pg_table_is_visible(c.oid) AND NOT i.indisprimary"
	                              : "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
	                                "tbl_name = 'person_index'"),
	                 6); /* its six indexes, created again */
	import_refreshes = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_person_scopes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_household_scopes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_masking, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	ms_pack_free(shared_pack);
	return rc;
}
