/* test_work.c — the alert lifecycle (SPEC §4) against a temporary database:
 * every transition by every role, legal and illegal, in and out of scope,
 * from a table written from the specification (not from src/work); notes,
 * outcomes and decisions; a household's alerts verified together; two
 * handles editing one alert; attachments; deadlines across holidays and
 * 调休 working weekends; inboxes; and the figures of an area. Rows are set
 * up with plain SQL on a second connection. */
#include "testutil.h"

#include "auth/auth.h"
#include "base/calendar.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "work/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PACK "policy/guangdong"

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
	t_conn db;
	ms_pack *pack;
	int64_t in_id, out_id; /* the alert in scope, and one in another city */
} fixture;

static ms_pack *shared_pack;

static void exec(fixture *f, const char *sql)
{
	t_conn_exec(&f->db, sql);
}

static long long q_int(fixture *f, const char *sql)
{
	return t_conn_int(&f->db, sql);
}

static const char *q_text(fixture *f, const char *sql)
{
	return t_conn_text(&f->db, sql);
}

static void add_user(fixture *f, const char *name, ms_role role, const char *scope,
                     const char *station)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user_new u = {.name = name, .role = role, .scope = scope, .station = station,
	                 .password = "password1"};
	if (ms_auth_user_add(f->s, role == MS_ROLE_ADMIN && strcmp(name, "root") == 0 ? NULL : "root",
	                     &u, &err))
		fail_msg("adding %s: %s", name, ms_error_text(&err));
}

static int64_t add_alert(fixture *f, const char *rule, const char *kind, const char *stype,
                         const char *subject, const char *area, const char *inbox,
                         const char *created, const char *due)
{
	ms_error err;
	ms_error_clear(&err);
	int64_t scan = q_int(f, "SELECT max(id) FROM scan");
	ms_alert_in a = {.rule = rule,
	                 .kind = kind,
	                 .subject_type = stype,
	                 .subject = subject,
	                 .area = area,
	                 .inbox = inbox,
	                 .created = created,
	                 .due = due,
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
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-work-XXXXXX");
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
	ms_upsert_result ur;
	const char *stations[] = {"440106001", "440106002", "440305001"};
	for (int i = 0; i < 3; i++)
		if (ms_store_station_upsert(f->s, stations[i], "社工站", "station", &ur, &err))
			return -1;
	int64_t scan;
	if (ms_store_scan_insert(f->s, "2025-09-30", "test", "2025-09-30T09:00:00+08:00", "", false,
	                         &scan, &err))
		return -1;
	add_user(f, "root", MS_ROLE_ADMIN, "44", NULL);
	add_user(f, "admin_city", MS_ROLE_ADMIN, "4401", NULL);
	add_user(f, "officer_city", MS_ROLE_OFFICER, "4401", NULL);
	add_user(f, "officer_sz", MS_ROLE_OFFICER, "4403", NULL);
	add_user(f, "head_in", MS_ROLE_STATION_HEAD, "440106001", "440106001");
	add_user(f, "head_next", MS_ROLE_STATION_HEAD, "440106002", "440106002");
	add_user(f, "worker_in", MS_ROLE_WORKER, "440106001", "440106001");
	add_user(f, "worker_next", MS_ROLE_WORKER, "440106002", "440106002");
	add_user(f, "worker_far", MS_ROLE_WORKER, "440305001", "440305001");
	add_user(f, "uploader", MS_ROLE_UPLOADER, "44", NULL);
	add_user(f, "evaluator", MS_ROLE_EVALUATOR, "44", NULL);
	add_user(f, "auditor", MS_ROLE_AUDITOR, "44", NULL);
	f->in_id = add_alert(f, "RA", "risk", "person", "440106199001011234", "440106001005",
	                     "440106001", "2025-09-30T09:00:00+08:00", "2025-10-21");
	f->out_id = add_alert(f, "RA", "risk", "person", "440305199001011234", "440305001003",
	                      "440305001", "2025-09-30T09:00:00+08:00", "2025-10-21");
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
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ms_pack_free(shared_pack);
	shared_pack = NULL;
	return 0;
}

/* ---- the transition table ---- */

/* SPEC §4: the only legal moves. */
static const char *const LEGAL[] = {"new>assigned",      "assigned>verifying",
                                    "returned>verifying", "verifying>verified",
                                    "verified>returned",  "verified>closed"};

/* For each actor, against the alert in Guangzhou 440106001 (IN, assigned to
 * worker_in once past new) and the alert in Shenzhen 440305001 (OUT,
 * assigned to worker_far once past new): the states in which it sees the
 * alert ("*" = all, "" = none, else those listed), and the moves it may
 * take (SPEC §1 scopes, §4 who may). */
typedef struct actor_case {
	const char *actor;
	const char *sees_in, *sees_out;
	const char *may_in, *may_out;
} actor_case;

#define PAST_NEW "assigned verifying verified returned closed"
#define FIELD "assigned>verifying returned>verifying verifying>verified"
#define REVIEW "verified>returned verified>closed"

static const actor_case ACTORS[] = {
    {"root", "*", "*", "new>assigned " REVIEW, "new>assigned " REVIEW},
    {"admin_city", "*", "", "new>assigned " REVIEW, ""},
    {"officer_city", "*", "", "new>assigned " REVIEW, ""},
    {"officer_sz", "", "*", "", "new>assigned " REVIEW},
    {"head_in", "*", "", "new>assigned " FIELD, ""},
    {"head_next", "", "", "", ""},
    {"worker_in", PAST_NEW, "", FIELD, ""},
    {"worker_next", "", "", "", ""},
    {"worker_far", "", PAST_NEW, "", FIELD},
    {"uploader", "", "", "", ""},
    {"evaluator", "", "", "", ""},
    {"auditor", "", "", "", ""},
};

static const char *const STATES[] = {"new", "assigned", "verifying", "verified", "returned",
                                     "closed"};
static const char *const TARGETS[] = {"assigned", "verifying", "verified", "returned", "closed"};

/* Whether a space-separated list holds a word ("*" holds everything). */
static bool listed(const char *list, const char *word)
{
	if (strcmp(list, "*") == 0)
		return true;
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static void put_state(fixture *f, int64_t id, const char *state, const char *assignee)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "UPDATE alert SET state = '%s', version = 1, assignee = %s%s%s WHERE id = %lld",
	         state, strcmp(state, "new") ? "'" : "", strcmp(state, "new") ? assignee : "NULL",
	         strcmp(state, "new") ? "'" : "", (long long)id);
	exec(f, sql);
}

static ms_transition request_for(const char *to, const char *assignee)
{
	ms_transition t = {.to = to};
	if (strcmp(to, "assigned") == 0)
		t.assignee = assignee;
	if (strcmp(to, "verified") == 0) {
		t.outcome = "no_action";
		t.note = "入户核实，情况属实";
	}
	if (strcmp(to, "returned") == 0)
		t.note = "材料不全";
	if (strcmp(to, "closed") == 0)
		t.decision = "无需调整待遇";
	return t;
}

static void test_every_transition_by_every_role(void **state)
{
	fixture *f = *state;
	ms_work_env env = {.pack = f->pack, .now = "2025-10-09T10:00:00+08:00"};
	int checked = 0, ok = 0;
	for (size_t a = 0; a < sizeof ACTORS / sizeof ACTORS[0]; a++)
		for (int side = 0; side < 2; side++)
			for (size_t s = 0; s < 6; s++)
				for (size_t t = 0; t < 5; t++) {
					const actor_case *c = &ACTORS[a];
					int64_t id = side ? f->out_id : f->in_id;
					const char *worker = side ? "worker_far" : "worker_in";
					put_state(f, id, STATES[s], worker);
					char move[40];
					snprintf(move, sizeof move, "%s>%s", STATES[s], TARGETS[t]);
					bool legal = false;
					for (size_t k = 0; k < sizeof LEGAL / sizeof LEGAL[0]; k++)
						legal = legal || strcmp(LEGAL[k], move) == 0;
					ms_err want =
					    !listed(side ? c->sees_out : c->sees_in, STATES[s]) ? MS_ERR_NOT_FOUND
					    : !legal                                          ? MS_ERR_CONFLICT
					    : !listed(side ? c->may_out : c->may_in, move)    ? MS_ERR_FORBIDDEN
					                                                      : MS_ERR_OK;
					ms_transition req = request_for(TARGETS[t], worker);
					int64_t v = 1, nv = 0;
					long long events = q_int(f, "SELECT count(*) FROM alert_event");
					ms_error err;
					ms_error_clear(&err);
					ms_err got = ms_work_transition(f->s, &env, c->actor, &req, 1, &id, &v,
					                                &nv, &err);
					if (got != want)
						fail_msg("%s on %s alert: %s → %s gave %s (%s), wanted %s", c->actor,
						         side ? "OUT" : "IN", STATES[s], TARGETS[t], ms_err_name(got),
						         ms_error_text(&err), ms_err_name(want));
					char sql[160];
					snprintf(sql, sizeof sql, "SELECT state FROM alert WHERE id = %lld",
					         (long long)id);
					long long events_after = q_int(f, "SELECT count(*) FROM alert_event");
					if (want == MS_ERR_OK) {
						assert_string_equal(q_text(f, sql), TARGETS[t]);
						assert_int_equal(nv, 2);
						assert_int_equal(events_after, events + 1);
						assert_string_equal(
						    q_text(f, "SELECT actor || ':' || from_state || '>' || to_state "
						              "FROM alert_event ORDER BY id DESC LIMIT 1"),
						    (snprintf(sql, sizeof sql, "%s:%s", c->actor, move), sql));
						ok++;
					} else {
						assert_string_equal(q_text(f, (snprintf(sql, sizeof sql,
						                                        "SELECT state FROM alert "
						                                        "WHERE id = %lld",
						                                        (long long)id),
						                               sql)),
						                    STATES[s]);
						assert_int_equal(events_after, events);
					}
					checked++;
				}
	assert_int_equal(checked, 12 * 2 * 6 * 5);
	/* every legal move was taken by someone, in and out of scope */
	assert_true(ok >= 2 * 6);
}

static void test_versions_and_required_texts(void **state)
{
	fixture *f = *state;
	ms_work_env env = {.pack = f->pack};
	ms_error err;
	ms_error_clear(&err);
	int64_t id = f->in_id, v = 1, nv;
	ms_transition t = request_for("assigned", "worker_in");
	/* a stale version is refused, and nothing is written */
	int64_t stale = 7;
	assert_int_equal(ms_work_transition(f->s, &env, "head_in", &t, 1, &id, &stale, &nv, &err),
	                 MS_ERR_CONFLICT);
	assert_int_equal(q_int(f, "SELECT version FROM alert WHERE id = 1"), 1);
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "head_in", &t, 1, &id, &v, &nv, &err),
	                 MS_ERR_OK);
	assert_int_equal(nv, 2);
	assert_string_equal(q_text(f, "SELECT to_state || ':' || a.assignee FROM alert_event e "
	                              "JOIN alert a ON a.id = e.alert_id ORDER BY e.id DESC LIMIT 1"),
	                    "assigned:worker_in");
	/* assignees: only an enabled worker or head of the alert's station */
	put_state(f, id, "new", NULL);
	const char *bad[] = {"worker_next", "worker_far", "officer_city", "nobody"};
	for (int i = 0; i < 4; i++) {
		ms_transition b = request_for("assigned", bad[i]);
		ms_error_clear(&err);
		ms_err e = ms_work_transition(f->s, &env, "officer_city", &b, 1, &id, &v, &nv, &err);
		assert_true(e == MS_ERR_INVALID || e == MS_ERR_NOT_FOUND);
	}
	/* verification needs an outcome, its detail and a note */
	put_state(f, id, "verifying", "worker_in");
	struct {
		const char *outcome, *benefit, *adjustment, *department, *note;
		ms_err want;
	} cases[] = {
	    {"enrolled", NULL, NULL, NULL, "n", MS_ERR_INVALID},
	    {"adjusted", NULL, "raise", NULL, "n", MS_ERR_INVALID},
	    {"referred", NULL, NULL, NULL, "n", MS_ERR_INVALID},
	    {"no_action", "某项救助", NULL, NULL, "n", MS_ERR_INVALID},
	    {"no_action", NULL, NULL, NULL, NULL, MS_ERR_INVALID},
	    {"no_action", NULL, NULL, NULL, "   ", MS_ERR_INVALID},
	    {"granted", NULL, NULL, NULL, "n", MS_ERR_INVALID},
	    {"adjusted", NULL, "stop", NULL, "停发建议", MS_ERR_OK},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ms_transition x = {.to = "verified",
		                   .outcome = cases[i].outcome,
		                   .benefit = cases[i].benefit,
		                   .adjustment = cases[i].adjustment,
		                   .department = cases[i].department,
		                   .note = cases[i].note};
		ms_error_clear(&err);
		assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &x, 1, &id, &v, &nv, &err),
		                 cases[i].want);
	}
	assert_string_equal(q_text(f, "SELECT outcome || ',' || adjustment FROM alert_verification"),
	                    "adjusted,stop");
	assert_string_equal(q_text(f, "SELECT outcome FROM alert WHERE id = 1"), "adjusted");
	/* returning needs a note; closing needs a decision */
	v = 2;
	ms_transition r = {.to = "returned"};
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "officer_city", &r, 1, &id, &v, &nv, &err),
	                 MS_ERR_INVALID);
	ms_transition c = {.to = "closed", .note = "看过了"};
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "officer_city", &c, 1, &id, &v, &nv, &err),
	                 MS_ERR_INVALID);
	c.decision = "经复核，停发待遇，理由：已不符合条件";
	assert_int_equal(ms_work_transition(f->s, &env, "officer_city", &c, 1, &id, &v, &nv, &err),
	                 MS_ERR_OK);
	assert_string_equal(q_text(f, "SELECT decision FROM alert WHERE id = 1"),
	                    "经复核，停发待遇，理由：已不符合条件");
	assert_true(q_int(f, "SELECT closed IS NOT NULL FROM alert WHERE id = 1") == 1);
	/* nothing leaves closed */
	v = 3;
	ms_transition again = request_for("returned", NULL);
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "root", &again, 1, &id, &v, &nv, &err),
	                 MS_ERR_CONFLICT);
	/* a disabled actor is refused before anything is read */
	put_state(f, id, "new", NULL);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_disable(f->s, "root", "head_in", &err), MS_ERR_OK);
	ms_transition a2 = request_for("assigned", "worker_in");
	v = 1;
	assert_int_equal(ms_work_transition(f->s, &env, "head_in", &a2, 1, &id, &v, &nv, &err),
	                 MS_ERR_UNAUTHORIZED);
}

/* Two handles on one database, both having read version 1: exactly one
 * change wins, the other gets MS_ERR_CONFLICT, and nothing is lost. */
static void test_two_concurrent_edits(void **state)
{
	fixture *f = *state;
	ms_store *other;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_store_open(f->url, 0, &other, &err), MS_ERR_OK);
	ms_work_env env = {.pack = f->pack};
	ms_work_alert_row a1, a2;
	assert_int_equal(ms_work_alert_get(f->s, "head_in", f->in_id, &a1, &err), MS_ERR_OK);
	assert_int_equal(ms_work_alert_get(other, "officer_city", f->in_id, &a2, &err), MS_ERR_OK);
	int64_t v1 = a1.a.version, v2 = a2.a.version, nv;
	assert_int_equal(v1, v2);
	ms_transition t1 = request_for("assigned", "worker_in");
	ms_transition t2 = request_for("assigned", "head_in");
	assert_int_equal(ms_work_transition(f->s, &env, "head_in", &t1, 1, &f->in_id, &v1, &nv, &err),
	                 MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(
	    ms_work_transition(other, &env, "officer_city", &t2, 1, &f->in_id, &v2, &nv, &err),
	    MS_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "version 2 now"));
	assert_string_equal(q_text(f, "SELECT assignee FROM alert WHERE id = 1"), "worker_in");
	assert_int_equal(q_int(f, "SELECT version FROM alert WHERE id = 1"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert_event WHERE alert_id = 1"), 2);
	/* the loser reloads and carries on from the new version */
	assert_int_equal(ms_work_alert_get(other, "head_in", f->in_id, &a2, &err), MS_ERR_OK);
	v2 = a2.a.version;
	ms_transition t3 = request_for("verifying", NULL);
	assert_int_equal(ms_work_transition(other, &env, "head_in", &t3, 1, &f->in_id, &v2, &nv, &err),
	                 MS_ERR_OK);
	ms_store_close(other);
}

/* Registry persons for the household check, published as one batch. */
static void add_persons(fixture *f, const char *const (*rows)[3], size_t n)
{
	ms_error err;
	ms_error_clear(&err);
	const ms_feed *pf = ms_feed_set_role(&f->pack->feeds, MS_FEED_PERSONS);
	assert_non_null(pf);
	int64_t feed, batch;
	assert_int_equal(ms_store_feed_id(f->s, pf->name, &feed, &err), MS_ERR_OK);
	assert_int_equal(ms_store_batch_create(f->s, feed, "0000", "p.csv", "csv", "utf-8", "", &batch,
	                                       &err),
	                 MS_ERR_OK);
	for (size_t i = 0; i < n; i++) {
		char vals[512] = "";
		size_t len = 0;
		for (int c = 0; c < pf->n_cols; c++) {
			const char *v = c == pf->person_col      ? rows[i][0]
			                : c == pf->household_col ? rows[i][1]
			                : c == pf->area_col      ? rows[i][2]
			                                         : "x";
			len += (size_t)snprintf(vals + len, sizeof vals - len, "%s%s", c ? "\x1f" : "", v);
		}
		ms_record_in r = {.feed_id = feed,
		                  .batch_id = batch,
		                  .row = (int64_t)i + 2,
		                  .nkey = rows[i][0],
		                  .idno = rows[i][0],
		                  .area = rows[i][2],
		                  .day = MS_DATE_NONE,
		                  .vals = vals};
		assert_int_equal(ms_store_record_insert(f->s, &r, &err), MS_ERR_OK);
	}
	ms_batch_counts bc = {.rows = (int64_t)n, .accepted = (int64_t)n};
	assert_int_equal(ms_store_batch_publish(f->s, batch, &bc, &err), MS_ERR_OK);
}

static void test_household_verified_together(void **state)
{
	fixture *f = *state;
	static const char *const persons[][3] = {
	    {"440106199001011234", "HH-A", "440106001005"},
	    {"440106199202022345", "HH-A", "440106001005"},
	    {"440106198803033456", "HH-B", "440106001005"},
	};
	add_persons(f, persons, 3);
	const char *day = "2025-09-30T09:00:00+08:00";
	int64_t spouse = add_alert(f, "RB", "risk", "person", "440106199202022345",
	                           "440106001005", "440106001", day, "2025-10-21");
	int64_t home = add_alert(f, "RH", "asset_review", "household", "HH-A", "440106001005",
	                         "440106001", day, "2025-10-21");
	int64_t other = add_alert(f, "RB", "risk", "person", "440106198803033456", "440106001005",
	                          "440106001", day, "2025-10-21");
	int64_t ids[4] = {f->in_id, spouse, home, other};
	for (int i = 0; i < 4; i++)
		put_state(f, ids[i], "verifying", "worker_in");
	ms_work_env env = {.pack = f->pack};
	ms_error err;
	ms_error_clear(&err);
	int64_t v[4] = {1, 1, 1, 1}, nv[4];
	ms_transition t = request_for("verified", NULL);
	/* several alerts need the household named */
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 3, ids, v, nv, &err),
	                 MS_ERR_INVALID);
	/* a member of another household spoils the batch: nothing changes */
	t.household = "HH-A";
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 4, ids, v, nv, &err),
	                 MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "HH-A"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert WHERE state = 'verified'"), 0);
	/* a stale version of one alert spoils it too */
	int64_t vs[3] = {1, 9, 1};
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 3, ids, vs, nv, &err),
	                 MS_ERR_CONFLICT);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert WHERE state = 'verified'"), 0);
	/* the two members' alerts and the household's own, after one visit */
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 3, ids, v, nv, &err),
	                 MS_ERR_OK);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alert WHERE state = 'verified'"), 3);
	assert_int_equal(
	    q_int(f, "SELECT count(*) FROM alert_verification WHERE household = 'HH-A'"), 3);
	assert_int_equal(nv[2], 2);
	/* one alert with --household is checked as well */
	ms_error_clear(&err);
	int64_t one = other, v1 = 1;
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 1, &one, &v1, nv, &err),
	                 MS_ERR_INVALID);
	t.household = "HH-B";
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 1, &one, &v1, nv, &err),
	                 MS_ERR_OK);
}

typedef struct bytes_seen {
	size_t len;
	char mime[32];
} bytes_seen;

static ms_err on_bytes(void *ctx, const char *mime, const void *bytes, size_t len)
{
	bytes_seen *b = ctx;
	b->len = len;
	snprintf(b->mime, sizeof b->mime, "%s", mime);
	(void)bytes;
	return MS_ERR_OK;
}

static void test_attachments(void **state)
{
	fixture *f = *state;
	put_state(f, f->in_id, "verifying", "worker_in");
	ms_work_env env = {.pack = f->pack};
	ms_error err;
	ms_error_clear(&err);
	static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 'p', 'h', 'o', 't', 'o'};
	ms_attachment_in photo = {.name = "visit.jpg", .bytes = jpeg, .len = sizeof jpeg};
	ms_attachment_in text = {.name = "notes.txt", .bytes = "hello", .len = 5};
	/* only photos and PDFs */
	assert_int_equal(ms_work_attach(f->s, &env, "worker_in", f->in_id, &text, 1, NULL, &err),
	                 MS_ERR_INVALID);
	/* at most 10 MiB */
	size_t big = (10u << 20) + 1;
	unsigned char *buf = calloc(1, big);
	assert_non_null(buf);
	memcpy(buf, "%PDF-1.7", 8);
	ms_attachment_in huge = {.name = "scan.pdf", .bytes = buf, .len = big};
	ms_error_clear(&err);
	assert_int_equal(ms_work_attach(f->s, &env, "worker_in", f->in_id, &huge, 1, NULL, &err),
	                 MS_ERR_TOO_LARGE);
	huge.len = 10u << 20;
	ms_error_clear(&err);
	assert_int_equal(ms_work_attach(f->s, &env, "worker_in", f->in_id, &huge, 1, NULL, &err),
	                 MS_ERR_OK);
	free(buf);
	/* with a verification; the same bytes on another alert are kept once */
	int64_t v = 1, nv;
	ms_transition t = request_for("verified", NULL);
	t.attachments = &photo;
	t.nattachments = 1;
	ms_error_clear(&err);
	assert_int_equal(ms_work_transition(f->s, &env, "worker_in", &t, 1, &f->in_id, &v, &nv, &err),
	                 MS_ERR_OK);
	char sha[1][65];
	put_state(f, f->out_id, "verifying", "worker_far");
	assert_int_equal(ms_work_attach(f->s, &env, "worker_far", f->out_id, &photo, 1, sha, &err),
	                 MS_ERR_OK);
	assert_int_equal(q_int(f, "SELECT count(*) FROM attachment"), 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM attachment_blob"), 2);
	assert_string_equal(q_text(f, "SELECT mime FROM attachment_blob WHERE size = 9"),
	                    "image/jpeg");
	/* readable only where the alert is visible */
	bytes_seen b = {0};
	assert_int_equal(ms_work_attachment_read(f->s, "officer_city", f->in_id, sha[0], on_bytes, &b,
	                                         &err),
	                 MS_ERR_OK);
	assert_int_equal(b.len, sizeof jpeg);
	assert_string_equal(b.mime, "image/jpeg");
	const char *outsiders[] = {"worker_next", "officer_sz", "auditor", "head_next"};
	for (int i = 0; i < 4; i++) {
		ms_error_clear(&err);
		assert_int_equal(ms_work_attachment_read(f->s, outsiders[i], f->in_id, sha[0], on_bytes,
		                                         &b, &err),
		                 MS_ERR_NOT_FOUND);
	}
	/* the Shenzhen officer reads its own alert's copy */
	ms_error_clear(&err);
	assert_int_equal(ms_work_attachment_read(f->s, "officer_sz", f->out_id, sha[0], on_bytes, &b,
	                                         &err),
	                 MS_ERR_OK);
}

/* Deadlines count working days on the pack's calendar: the 2025 National
 * Day break (1–8 October) is skipped and Saturday 11 October, a 调休
 * working day, counts. */
static void test_deadlines_across_holidays(void **state)
{
	fixture *f = *state;
	const ms_calendar *cal = &f->pack->calendar;
	ms_date tue = T_DATE("2025-09-30");
	assert_int_equal(ms_pack_deadline_days(f->pack, "emergency", tue), 3);
	assert_int_equal(ms_pack_deadline_days(f->pack, "risk", tue), 10);
	ms_date d3 = ms_calendar_add_workdays(cal, tue, 3);
	assert_int_equal(d3, T_DATE("2025-10-11")); /* Thu 9, Fri 10, Sat 11 (调休) */
	assert_true(ms_calendar_is_workday(cal, d3));
	assert_int_equal(ms_calendar_add_workdays(cal, tue, 10), T_DATE("2025-10-21"));
	/* Sunday 28 September was a working day too */
	assert_int_equal(ms_calendar_add_workdays(cal, T_DATE("2025-09-26"), 1),
	                 T_DATE("2025-09-28"));
	/* Spring Festival 2026: Saturday 14 February works, 15–23 are off */
	assert_int_equal(ms_calendar_add_workdays(cal, T_DATE("2026-02-13"), 1),
	                 T_DATE("2026-02-14"));
	assert_int_equal(ms_calendar_add_workdays(cal, T_DATE("2026-02-14"), 1),
	                 T_DATE("2026-02-24"));
	assert_int_equal(ms_calendar_count_workdays(cal, tue, T_DATE("2025-10-21")), 10);
	assert_int_equal(ms_calendar_count_workdays(cal, tue, T_DATE("2025-10-08")), 0);
}

typedef struct inbox_seen {
	int items, overdue, soon;
} inbox_seen;

static int on_item(void *ctx, const ms_inbox_item *it)
{
	inbox_seen *s = ctx;
	s->items++;
	s->overdue += it->overdue;
	s->soon += it->due_soon;
	return 0;
}

static void test_inboxes_and_overdue(void **state)
{
	fixture *f = *state;
	const char *day = "2025-09-30T09:00:00+08:00";
	/* the IN alert is due 2025-10-21; add one due earlier, one in the
	 * county's own inbox, one verified and overdue-dated (not overdue) */
	int64_t early = add_alert(f, "RB", "emergency", "person", "440106199505051234",
	                          "440106001006", "440106001", day, "2025-10-11");
	int64_t county = add_alert(f, "RC", "risk", "person", "440106199606061234", "440106777001",
	                           "440106", day, "2025-10-21");
	int64_t done = add_alert(f, "RD", "risk", "person", "440106199707071234", "440106001007",
	                         "440106001", day, "2025-10-11");
	put_state(f, done, "verified", "worker_in");
	put_state(f, early, "assigned", "worker_in");
	ms_work_env env = {.pack = f->pack};
	ms_error err;
	ms_error_clear(&err);
	ms_inbox_counts c;
	inbox_seen s = {0};
	/* 2025-10-17 (Fri): remind_days 2 → due soon through Tue 21 */
	ms_date today = T_DATE("2025-10-17");
	assert_int_equal(ms_work_inbox(f->s, &env, "head_in", MS_INBOX_STATION, "440106001", today,
	                               on_item, &s, &c, &err),
	                 MS_ERR_OK);
	assert_int_equal(c.open, 2);
	assert_int_equal(c.overdue, 1);
	assert_int_equal(c.due_soon, 1);
	assert_int_equal(c.remind_days, 2);
	assert_string_equal(c.soon_until, "2025-10-21");
	assert_int_equal(s.items, 2);
	assert_int_equal(c.by_state[0], 1);
	assert_int_equal(c.by_state[1], 1);
	/* the worker's inbox: what is assigned to it and still open */
	assert_int_equal(ms_work_inbox(f->s, &env, "worker_in", MS_INBOX_WORKER, "worker_in", today,
	                               NULL, NULL, &c, &err),
	                 MS_ERR_OK);
	assert_int_equal(c.open, 1);
	assert_int_equal(c.overdue, 1);
	/* the county's: its own inbox plus every overdue alert of the county */
	s = (inbox_seen){0};
	assert_int_equal(ms_work_inbox(f->s, &env, "officer_city", MS_INBOX_COUNTY, "440106", today,
	                               on_item, &s, &c, &err),
	                 MS_ERR_OK);
	assert_int_equal(c.open, 2); /* the county's alert and the overdue one */
	assert_int_equal(c.overdue, 1);
	(void)county;
	/* a day later, nothing is overdue at 2025-10-10 */
	assert_int_equal(ms_work_inbox(f->s, &env, NULL, MS_INBOX_COUNTY, "440106",
	                               T_DATE("2025-10-10"), NULL, NULL, &c, &err),
	                 MS_ERR_OK);
	assert_int_equal(c.overdue, 0);
	assert_int_equal(c.open, 1);
	assert_int_equal(c.due_soon, 0);
	/* who may look */
	ms_error_clear(&err);
	assert_int_equal(ms_work_inbox(f->s, &env, "head_next", MS_INBOX_STATION, "440106001", today,
	                               NULL, NULL, &c, &err),
	                 MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_work_inbox(f->s, &env, "officer_sz", MS_INBOX_COUNTY, "440106", today,
	                               NULL, NULL, &c, &err),
	                 MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_work_inbox(f->s, &env, "worker_next", MS_INBOX_WORKER, "worker_in",
	                               today, NULL, NULL, &c, &err),
	                 MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_work_inbox(f->s, &env, "head_in", MS_INBOX_WORKER, "worker_in", today,
	                               NULL, NULL, &c, &err),
	                 MS_ERR_OK);
}

static void step(fixture *f, const char *actor, int64_t id, const char *to, const char *now,
                 const char *outcome)
{
	ms_work_env env = {.pack = f->pack, .now = now};
	ms_error err;
	ms_error_clear(&err);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT version FROM alert WHERE id = %lld", (long long)id);
	int64_t v = q_int(f, sql), nv;
	ms_transition t = request_for(to, "worker_in");
	if (outcome)
		t.outcome = outcome;
	if (outcome && strcmp(outcome, "referred") == 0)
		t.department = "医保局";
	if (ms_work_transition(f->s, &env, actor, &t, 1, &id, &v, &nv, &err))
		fail_msg("%s %lld → %s: %s", actor, (long long)id, to, ms_error_text(&err));
}

static void verify_at(fixture *f, int64_t id, const char *now, const char *outcome)
{
	step(f, "head_in", id, "assigned", now, NULL);
	step(f, "worker_in", id, "verifying", now, NULL);
	step(f, "worker_in", id, "verified", now, outcome);
}

static void test_figures(void **state)
{
	fixture *f = *state;
	const char *c930 = "2025-09-30T09:00:00+08:00";
	/* IN (RA, due 10-21) verified on 10-11 (3 working days): on time */
	verify_at(f, f->in_id, "2025-10-11T15:00:00+08:00", "no_action");
	/* RB due 10-11, verified 10-13 (4 working days): late */
	int64_t b = add_alert(f, "RB", "emergency", "person", "440106199505051234", "440106001006",
	                      "440106001", c930, "2025-10-11");
	verify_at(f, b, "2025-10-13T09:00:00+08:00", "referred");
	/* RB verified after the period's end: issued, not verified */
	int64_t c = add_alert(f, "RB", "risk", "person", "440106199606061234", "440106001006",
	                      "440106001", c930, "2025-10-21");
	verify_at(f, c, "2025-11-03T09:00:00+08:00", "no_action");
	/* RA, first verified 10-09 (1 working day) as unreachable, returned, then
	 * verified again on 10-20 as false_positive: the first counts for time,
	 * the latest for the outcome */
	int64_t d = add_alert(f, "RA", "risk", "person", "440106199707071234", "440106001007",
	                      "440106001", c930, "2025-10-21");
	verify_at(f, d, "2025-10-09T09:00:00+08:00", "unreachable");
	step(f, "officer_city", d, "returned", "2025-10-10T09:00:00+08:00", NULL);
	step(f, "worker_in", d, "verifying", "2025-10-20T09:00:00+08:00", NULL);
	step(f, "worker_in", d, "verified", "2025-10-20T10:00:00+08:00", "false_positive");
	/* outside the period, outside the area: not counted */
	add_alert(f, "RA", "risk", "person", "440106199808081234", "440106001007", "440106001",
	          "2025-11-02T09:00:00+08:00", "2025-11-14");
	/* OUT in Shenzhen stays new */
	ms_stats *st = calloc(1, sizeof *st);
	assert_non_null(st);
	ms_work_env env = {.pack = f->pack};
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_work_stats(f->s, &env, "officer_city", "4401", T_DATE("2025-09-01"),
	                               T_DATE("2025-10-31"), st, &err),
	                 MS_ERR_OK);
	assert_int_equal(st->issued, 4);
	assert_int_equal(st->verified, 3);
	assert_true(st->verification_rate > 0.749 && st->verification_rate < 0.751);
	assert_int_equal(st->on_time, 2);
	/* working days 1, 3, 4 → median 3 */
	assert_true(st->median_working_days > 2.99 && st->median_working_days < 3.01);
	assert_int_equal(st->nrules, 2);
	assert_string_equal(st->rules[0].rule, "RA");
	assert_int_equal(st->rules[0].issued, 2);
	assert_int_equal(st->rules[0].outcomes[3], 1); /* no_action */
	assert_int_equal(st->rules[0].outcomes[4], 1); /* false_positive, the latest */
	assert_int_equal(st->rules[0].outcomes[5], 0); /* unreachable was superseded */
	assert_string_equal(st->rules[1].rule, "RB");
	assert_int_equal(st->rules[1].issued, 2);
	assert_int_equal(st->rules[1].verified, 1);
	assert_int_equal(st->rules[1].outcomes[2], 1); /* referred */
	/* as of an earlier end, the first verification's outcome stands */
	assert_int_equal(ms_work_stats(f->s, &env, NULL, "440106", T_DATE("2025-09-30"),
	                               T_DATE("2025-10-15"), st, &err),
	                 MS_ERR_OK);
	assert_int_equal(st->issued, 4);
	assert_int_equal(st->verified, 3);
	assert_int_equal(st->rules[0].outcomes[5], 1);
	assert_int_equal(st->rules[0].outcomes[4], 0);
	/* the province: Shenzhen's alert joins, unverified */
	assert_int_equal(ms_work_stats(f->s, &env, "root", "44", T_DATE("2025-09-01"),
	                               T_DATE("2025-10-31"), st, &err),
	                 MS_ERR_OK);
	assert_int_equal(st->issued, 5);
	assert_int_equal(st->verified, 3);
	/* an even count takes the mean of the middle two */
	assert_int_equal(ms_work_stats(f->s, &env, NULL, "44", T_DATE("2025-09-01"),
	                               T_DATE("2025-11-30"), st, &err),
	                 MS_ERR_OK);
	assert_int_equal(st->verified, 4); /* + c on 11-03: 23 working days */
	assert_true(st->median_working_days > 3.49 && st->median_working_days < 3.51);
	/* scope: a Shenzhen officer may not see Guangzhou's figures */
	ms_error_clear(&err);
	assert_int_equal(ms_work_stats(f->s, &env, "officer_sz", "4401", T_DATE("2025-09-01"),
	                               T_DATE("2025-10-31"), st, &err),
	                 MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_work_stats(f->s, &env, NULL, "4401", T_DATE("2025-10-31"),
	                               T_DATE("2025-09-01"), st, &err),
	                 MS_ERR_INVALID);
	free(st);
}

static void test_visibility_of_reads(void **state)
{
	fixture *f = *state;
	ms_error err;
	ms_error_clear(&err);
	ms_work_alert_row w;
	assert_int_equal(ms_work_alert_get(f->s, NULL, f->in_id, &w, &err), MS_ERR_OK);
	assert_int_equal(ms_work_alert_get(f->s, "officer_city", f->in_id, &w, &err), MS_ERR_OK);
	assert_int_equal(ms_work_alert_get(f->s, "worker_in", f->in_id, &w, &err), MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_work_alert_get(f->s, "officer_sz", f->in_id, &w, &err),
	                 MS_ERR_NOT_FOUND);
	/* the message is the same as for an alert that does not exist */
	char outside[MS_ERROR_MSG_MAX];
	snprintf(outside, sizeof outside, "%s", err.msg);
	ms_error_clear(&err);
	assert_int_equal(ms_work_alert_get(f->s, "officer_sz", 999, &w, &err), MS_ERR_NOT_FOUND);
	assert_non_null(strstr(outside, "in your scope"));
	assert_non_null(strstr(err.msg, "in your scope"));
	put_state(f, f->in_id, "assigned", "worker_in");
	ms_error_clear(&err);
	assert_int_equal(ms_work_alert_get(f->s, "worker_in", f->in_id, &w, &err), MS_ERR_OK);
	assert_string_equal(w.a.assignee, "worker_in");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_transition_by_every_role, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_versions_and_required_texts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_concurrent_edits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_household_verified_together, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadlines_across_holidays, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inboxes_and_overdue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_visibility_of_reads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
