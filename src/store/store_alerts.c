/* store_alerts.c — SQLite statements for stations, scans, pack versions and
 * alerts (their evidence, explanations and events). Each statement is fixed
 * SQL kept in the alerts' slots of the store's ext table and prepared once
 * per handle; values are always bound, never spliced into the text. */
#include "store/store_alerts.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
#define ALERT_COLS "SELECT " MS_STORE_ALERT_COLS " FROM alert"

/* An area-code prefix as a range, so the index on the column serves it:
 * digits sort before ':' in every collation SQLite uses here. */
#define PREFIX_MATCH(col, p) "(" p " IS NULL OR (" col " >= " p " AND " col " < " p " || ':'))"

#define ALERT_STMTS(X)                                                                             \
	X(STATION_GET, "SELECT name, type FROM station WHERE code = ?1")                           \
	X(STATION_ADD, "INSERT INTO station(code, name, type, created) VALUES (?1, ?2, ?3, ?4)")   \
	X(STATION_SET, "UPDATE station SET name = ?2, type = ?3 WHERE code = ?1")                  \
	X(STATION_IS, "SELECT 1 FROM station WHERE code = ?1 AND type = 'station'")                \
	X(STATION_LIST, "SELECT code, name, type, created FROM station WHERE "                     \
	                PREFIX_MATCH("code", "?1") " ORDER BY code")                               \
	X(SCAN_ADD, "INSERT INTO scan(as_of, pack_version, started, actor, dry_run) "              \
	            "VALUES (?1, ?2, ?3, ?4, ?5)")                                                 \
	X(SCAN_FINISH, "UPDATE scan SET finished = ?2, counts = ?3 WHERE id = ?1")                 \
	X(PACK_NOTE, "INSERT INTO pack_version(sha256, first_used) VALUES (?1, ?2) "               \
	             "ON CONFLICT(sha256) DO NOTHING")                                             \
	X(ALERT_OPEN, "SELECT id, cleared, last_scan FROM alert WHERE rule = ?1 AND "              \
	              "subject = ?2 AND state != 'closed'")                                        \
	X(ALERT_HAS_CLOSED, "SELECT 1 FROM alert WHERE rule = ?1 AND subject = ?2 AND "            \
	                    "state = 'closed' LIMIT 1")                                            \
	X(ALERT_CLOSED_FACT, "SELECT 1 FROM alert a JOIN alert_evidence e ON e.alert_id = a.id "   \
	                     "WHERE a.rule = ?1 AND a.subject = ?2 AND a.state = 'closed' AND "    \
	                     "e.fact_key = ?3 LIMIT 1")                                            \
	X(ALERT_ADD, "INSERT INTO alert(rule, kind, subject_type, subject, area, inbox, created, " \
	             "due, raised_scan, last_scan, pack_version) "                                 \
	             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)")                       \
	X(FACT_ADD, "INSERT INTO alert_evidence(alert_id, fact_key, feed, record_id, batch_id, "   \
	            "row, person, added_scan) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "            \
	            "ON CONFLICT(alert_id, fact_key) DO NOTHING")                                  \
	X(ALERT_TOUCH, "UPDATE alert SET last_scan = ?2, cleared = 0 WHERE id = ?1")               \
	X(ALERT_CLEAR, "UPDATE alert SET cleared = 1 WHERE rule = ?1 AND state != 'closed' AND "   \
	               "cleared = 0 AND last_scan < ?2")                                           \
	X(EXPL_PUT, "INSERT INTO alert_explanation(alert_id, scan_id, json) VALUES (?1, ?2, ?3) "  \
	            "ON CONFLICT(alert_id, scan_id) DO UPDATE SET json = excluded.json")           \
	X(EVENT_ADD, "INSERT INTO alert_event(alert_id, at, actor, from_state, to_state, note) "   \
	             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                            \
	X(ALERT_GET, ALERT_COLS " WHERE id = ?1")                                                  \
	X(ALERT_LIST, ALERT_COLS " WHERE (?1 IS NULL OR rule = ?1) AND "                           \
	              PREFIX_MATCH("area", "?2") " AND (?3 IS NULL OR state = ?3) AND id > ?4 "    \
	              "ORDER BY id LIMIT ?5")                                                      \
	X(EXPL_LIST, "SELECT x.scan_id, x.json, s.as_of, x.scan_id = a.raised_scan "               \
	             "FROM alert_explanation x JOIN alert a ON a.id = x.alert_id "                 \
	             "LEFT JOIN scan s ON s.id = x.scan_id WHERE x.alert_id = ?1 "                 \
	             "ORDER BY x.scan_id")                                                         \
	X(FACT_LIST, "SELECT fact_key, feed, person, record_id, batch_id, row, added_scan "        \
	             "FROM alert_evidence WHERE alert_id = ?1 ORDER BY added_scan, fact_key")

enum {
#define X(id, sql) AS_##id,
	ALERT_STMTS(X)
#undef X
	AS__COUNT
};
/* clang-format on */

_Static_assert(AS__COUNT <= 64, "the alerts module has 64 statement slots (32-95)");

static const char *const alert_sql[] = {
#define X(id, sql) sql,
    ALERT_STMTS(X)
#undef X
};

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, MS_STORE_EXT_ALERTS + id, alert_sql[id], err);
}

/* Steps a statement expected to give at most one row: 1 row, 0 none, -1
 * error (recorded). A row is left readable until the next call. */
static int step_one(ms_store *s, db_stmt *q, ms_error *err, const char *what)
{
	int rc = db_step(q);
	if (rc == DB_ROW)
		return 1;
	db_reset(q);
	if (rc == DB_DONE)
		return 0;
	store_db_error(s, err, what);
	return -1;
}

static ms_err exists(ms_store *s, db_stmt *q, bool *out, ms_error *err, const char *what)
{
	int r = step_one(s, q, err, what);
	if (r < 0)
		return err ? err->code : MS_ERR_DB;
	*out = r == 1;
	db_reset(q);
	return MS_ERR_OK;
}

/* ---- stations ---- */

ms_err ms_store_station_upsert(ms_store *s, const char *code, const char *name, const char *type,
                               ms_upsert_result *res, ms_error *err)
{
	db_stmt *q = stmt(s, AS_STATION_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, code);
	int r = step_one(s, q, err, "reading a station");
	if (r < 0)
		return MS_ERR_DB;
	if (r == 1) {
		const char *n0 = store_col_text(q, 0), *t0 = store_col_text(q, 1);
		bool same = n0 && t0 && strcmp(n0, name) == 0 && strcmp(t0, type) == 0;
		db_reset(q);
		if (same) {
			*res = MS_UPSERT_UNCHANGED;
			return MS_ERR_OK;
		}
		q = stmt(s, AS_STATION_SET, err);
		if (!q)
			return err ? err->code : MS_ERR_DB;
		store_bind_text(q, 1, code);
		store_bind_text(q, 2, name);
		store_bind_text(q, 3, type);
		if (store_exec_done(s, q, err, "updating a station"))
			return MS_ERR_DB;
		*res = MS_UPSERT_UPDATED;
		return MS_ERR_OK;
	}
	q = stmt(s, AS_STATION_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	store_bind_text(q, 1, code);
	store_bind_text(q, 2, name);
	store_bind_text(q, 3, type);
	store_bind_text(q, 4, ts);
	if (store_exec_done(s, q, err, "adding a station"))
		return MS_ERR_DB;
	*res = MS_UPSERT_ADDED;
	return MS_ERR_OK;
}

ms_err ms_store_station_exists(ms_store *s, const char *code9, bool *out, ms_error *err)
{
	db_stmt *q = stmt(s, AS_STATION_IS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, code9);
	return exists(s, q, out, err, "looking up a station");
}

ms_err ms_store_station_list(ms_store *s, const char *prefix,
                             int (*fn)(void *ctx, const ms_station *st), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, AS_STATION_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, prefix && *prefix ? prefix : NULL);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_station st = {.code = store_col_text(q, 0),
		                 .name = store_col_text(q, 1),
		                 .type = store_col_text(q, 2),
		                 .created = store_col_text(q, 3)};
		if (fn(ctx, &st))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing stations");
	return MS_ERR_OK;
}

/* ---- scans and pack versions ---- */

ms_err ms_store_scan_insert(ms_store *s, const char *as_of, const char *pack_version,
                            const char *started, const char *actor, bool dry_run, int64_t *id,
                            ms_error *err)
{
	db_stmt *q = stmt(s, AS_SCAN_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, as_of);
	store_bind_text(q, 2, pack_version);
	store_bind_text(q, 3, started);
	store_bind_text(q, 4, actor ? actor : "");
	db_bind_int(q, 5, dry_run ? 1 : 0);
	if (store_exec_done(s, q, err, "recording a scan"))
		return MS_ERR_DB;
	*id = db_last_insert_rowid(s->db);
	return MS_ERR_OK;
}

ms_err ms_store_scan_finish(ms_store *s, int64_t id, const char *finished, const char *counts_json,
                            ms_error *err)
{
	db_stmt *q = stmt(s, AS_SCAN_FINISH, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, finished);
	store_bind_text(q, 3, counts_json);
	return store_exec_done(s, q, err, "finishing a scan") ? MS_ERR_DB : MS_ERR_OK;
}

void ms_store_scan_rollback(ms_store *s)
{
	ms_store_rollback(s);
	if (db_kind(s->db) != DB_PG)
		return;
	/* SQLite numbers the next rows max(id) + 1 again; PostgreSQL's identity
	 * sequences do not roll back. They are set back to the same point under
	 * the writers' lock (every writer of these tables holds it), so a dry
	 * run does not shift the ids of later scans, alerts and events. */
	if (ms_store_begin_write(s, NULL))
		return;
	if (store_exec_sql(s,
	                   "SELECT setval(pg_get_serial_sequence('scan', 'id'), "
	                   "coalesce((SELECT max(id) FROM scan), 0) + 1, false), "
	                   "setval(pg_get_serial_sequence('alert', 'id'), "
	                   "coalesce((SELECT max(id) FROM alert), 0) + 1, false), "
	                   "setval(pg_get_serial_sequence('alert_event', 'id'), "
	                   "coalesce((SELECT max(id) FROM alert_event), 0) + 1, false)",
	                   NULL, "") ||
	    ms_store_commit(s, NULL))
		ms_store_rollback(s);
}

ms_err ms_store_pack_version_note(ms_store *s, const char *sha256, const char *at, ms_error *err)
{
	db_stmt *q = stmt(s, AS_PACK_NOTE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, sha256);
	store_bind_text(q, 2, at);
	return store_exec_done(s, q, err, "recording a pack version") ? MS_ERR_DB : MS_ERR_OK;
}

/* ---- alerts: what a scan writes ---- */

ms_err ms_store_alert_find_open(ms_store *s, const char *rule, const char *subject,
                                ms_alert_open *out, ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_OPEN, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, rule);
	store_bind_text(q, 2, subject);
	int r = step_one(s, q, err, "looking up an open alert");
	if (r < 0)
		return MS_ERR_DB;
	if (r == 0)
		return MS_ERR_NOT_FOUND;
	out->id = db_column_int64(q, 0);
	out->cleared = db_column_int(q, 1) != 0;
	out->last_scan = db_column_int64(q, 2);
	db_reset(q);
	return MS_ERR_OK;
}

ms_err ms_store_alert_has_closed(ms_store *s, const char *rule, const char *subject, bool *has,
                                 ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_HAS_CLOSED, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, rule);
	store_bind_text(q, 2, subject);
	return exists(s, q, has, err, "looking up closed alerts");
}

ms_err ms_store_alert_closed_has_fact(ms_store *s, const char *rule, const char *subject,
                                      const char *fact_key, bool *has, ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_CLOSED_FACT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, rule);
	store_bind_text(q, 2, subject);
	store_bind_text(q, 3, fact_key);
	return exists(s, q, has, err, "comparing evidence with closed alerts");
}

ms_err ms_store_alert_insert(ms_store *s, const ms_alert_in *a, int64_t *id, ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, a->rule);
	store_bind_text(q, 2, a->kind);
	store_bind_text(q, 3, a->subject_type);
	store_bind_text(q, 4, a->subject);
	store_bind_text(q, 5, a->area);
	store_bind_text(q, 6, a->inbox);
	store_bind_text(q, 7, a->created);
	store_bind_text(q, 8, a->due);
	db_bind_int64(q, 9, a->scan_id);
	store_bind_text(q, 10, a->pack_version);
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_CONSTRAINT)
		return ms_error_set(
		    err, MS_ERR_EXISTS,
		    "规则 %s 对象 %s 已有未办结的预警 (an open alert exists for this rule "
		    "and subject)",
		    a->rule, a->subject);
	if (rc != DB_DONE)
		return store_db_error(s, err, "adding an alert");
	*id = db_last_insert_rowid(s->db);
	return MS_ERR_OK;
}

ms_err ms_store_alert_fact_add(ms_store *s, int64_t alert_id, const ms_alert_fact *f,
                               int64_t scan_id, bool *added, ms_error *err)
{
	db_stmt *q = stmt(s, AS_FACT_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, f->fact_key);
	store_bind_text(q, 3, f->feed);
	db_bind_int64(q, 4, f->record_id);
	db_bind_int64(q, 5, f->batch_id);
	db_bind_int64(q, 6, f->row);
	store_bind_text(q, 7, f->person);
	db_bind_int64(q, 8, scan_id);
	if (store_exec_done(s, q, err, "adding evidence to an alert"))
		return MS_ERR_DB;
	*added = db_changes(s->db) > 0;
	return MS_ERR_OK;
}

ms_err ms_store_alert_touch(ms_store *s, int64_t alert_id, int64_t scan_id, ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_TOUCH, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	db_bind_int64(q, 2, scan_id);
	return store_exec_done(s, q, err, "updating an alert") ? MS_ERR_DB : MS_ERR_OK;
}

ms_err ms_store_alert_clear_stale(ms_store *s, const char *rule, int64_t scan_id, int64_t *n,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_CLEAR, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, rule);
	db_bind_int64(q, 2, scan_id);
	if (store_exec_done(s, q, err, "clearing alerts"))
		return MS_ERR_DB;
	*n = db_changes(s->db);
	return MS_ERR_OK;
}

ms_err ms_store_alert_explanation_put(ms_store *s, int64_t alert_id, int64_t scan_id,
                                      const char *json, ms_error *err)
{
	db_stmt *q = stmt(s, AS_EXPL_PUT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	db_bind_int64(q, 2, scan_id);
	store_bind_text(q, 3, json);
	return store_exec_done(s, q, err, "storing an explanation") ? MS_ERR_DB : MS_ERR_OK;
}

ms_err ms_store_alert_event_add(ms_store *s, int64_t alert_id, const char *at, const char *actor,
                                const char *from_state, const char *to_state, const char *note,
                                ms_error *err)
{
	db_stmt *q = stmt(s, AS_EVENT_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, at);
	store_bind_text(q, 3, actor ? actor : "");
	store_bind_text(q, 4, from_state ? from_state : "");
	store_bind_text(q, 5, to_state);
	store_bind_text(q, 6, note ? note : "");
	return store_exec_done(s, q, err, "recording an alert event") ? MS_ERR_DB : MS_ERR_OK;
}

/* ---- alerts: reading ---- */

void store_alert_from_row(db_stmt *q, ms_alert *a)
{
	a->id = db_column_int64(q, 0);
	a->rule = store_col_text(q, 1);
	a->kind = store_col_text(q, 2);
	a->subject_type = store_col_text(q, 3);
	a->subject = store_col_text(q, 4);
	a->area = store_col_text(q, 5);
	a->inbox = store_col_text(q, 6);
	a->state = store_col_text(q, 7);
	a->cleared = db_column_int(q, 8) != 0;
	a->created = store_col_text(q, 9);
	a->due = store_col_text(q, 10);
	a->version = db_column_int64(q, 11);
	a->assignee = store_col_text(q, 12);
	a->raised_scan = db_column_int64(q, 13);
	a->last_scan = db_column_int64(q, 14);
	a->pack_version = store_col_text(q, 15);
	a->closed = store_col_text(q, 16);
	a->evidence_revoked = db_column_int(q, 17) != 0;
}

ms_err ms_store_alert_get(ms_store *s, int64_t id, ms_alert *out, ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int r = step_one(s, q, err, "reading an alert");
	if (r < 0)
		return MS_ERR_DB;
	if (r == 0)
		return MS_ERR_NOT_FOUND;
	store_alert_from_row(q, out);
	const char **f[] = {&out->rule,  &out->kind,     &out->subject_type, &out->subject,
	                    &out->area,  &out->inbox,    &out->state,        &out->created,
	                    &out->due,   &out->assignee, &out->pack_version, &out->closed};
	if (!store_detach(s, AS_ALERT_GET, q, f, (int)(sizeof f / sizeof f[0])))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	return MS_ERR_OK; /* the strings stay valid until this slot is used again */
}

ms_err ms_store_alert_list(ms_store *s, const ms_alert_filter *f,
                           int (*fn)(void *ctx, const ms_alert *a), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, AS_ALERT_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, f->rule && *f->rule ? f->rule : NULL);
	store_bind_text(q, 2, f->area && *f->area ? f->area : NULL);
	store_bind_text(q, 3, f->state && *f->state ? f->state : NULL);
	db_bind_int64(q, 4, f->after_id);
	db_bind_int64(q, 5, f->limit > 0 ? f->limit : -1);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_alert a;
		store_alert_from_row(q, &a);
		if (fn(ctx, &a))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing alerts");
	return MS_ERR_OK;
}

ms_err ms_store_alert_explanations(ms_store *s, int64_t alert_id,
                                   int (*fn)(void *ctx, const ms_alert_explanation *x), void *ctx,
                                   ms_error *err)
{
	db_stmt *q = stmt(s, AS_EXPL_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_alert_explanation x = {.scan_id = db_column_int64(q, 0),
		                          .json = store_col_text(q, 1),
		                          .as_of = store_col_text(q, 2),
		                          .raised = db_column_int(q, 3) != 0};
		if (fn(ctx, &x))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading explanations");
	return MS_ERR_OK;
}

ms_err ms_store_alert_facts(ms_store *s, int64_t alert_id,
                            int (*fn)(void *ctx, const ms_alert_fact_row *f), void *ctx,
                            ms_error *err)
{
	db_stmt *q = stmt(s, AS_FACT_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_alert_fact_row f = {.fact_key = store_col_text(q, 0),
		                       .feed = store_col_text(q, 1),
		                       .person = store_col_text(q, 2),
		                       .record_id = db_column_int64(q, 3),
		                       .batch_id = db_column_int64(q, 4),
		                       .row = db_column_int64(q, 5),
		                       .added_scan = db_column_int64(q, 6)};
		if (fn(ctx, &f))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading evidence");
	return MS_ERR_OK;
}
