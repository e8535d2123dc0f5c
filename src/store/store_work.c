/* store_work.c — SQLite statements for the alert lifecycle: versioned state
 * changes, events and verifications, attachments, inboxes and the cohort of
 * the figures. Fixed SQL kept in the work module's slots of the store's ext
 * table (96–159), prepared once per handle; values are always bound. */
#include "store/store_work.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
#define WALERT_COLS "SELECT " MS_STORE_ALERT_COLS ", outcome, decision FROM alert"

/* An area-code prefix as a range, so an index on the column serves it. */
#define PREFIX_IN(col, p) "(" col " >= " p " AND " col " < " p " || ':')"

#define WAITING "state IN ('new','assigned','verifying','returned')"

#define WORK_STMTS(X)                                                                              \
	X(ALERT_GET, WALERT_COLS " WHERE id = ?1")                                                 \
	X(ALERT_CHANGE, "UPDATE alert SET state = ?3, version = version + 1, assignee = ?4, "      \
	                "outcome = ?5, decision = ?6, closed = ?7 WHERE id = ?1 AND version = ?2") \
	X(EVENT_ADD, "INSERT INTO alert_event(alert_id, at, actor, from_state, to_state, note) "   \
	             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                            \
	X(VERIF_ADD, "INSERT INTO alert_verification(event_id, alert_id, outcome, benefit, "       \
	             "adjustment, department, household) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")    \
	/* an alert is assigned once (nothing leads back to new), so the        \
	 * assignment event named the alert's assignee */                       \
	X(EVENTS, "SELECT e.id, e.at, e.actor, e.from_state, e.to_state, e.note, v.outcome, "      \
	          "v.benefit, v.adjustment, v.department, v.household, "                           \
	          "CASE WHEN e.to_state = 'assigned' THEN a.assignee END "                         \
	          "FROM alert_event e JOIN alert a ON a.id = e.alert_id "                          \
	          "LEFT JOIN alert_verification v ON v.event_id = e.id WHERE e.alert_id = ?1 "     \
	          "ORDER BY e.id")                                                                 \
	X(BLOB_PUT, "INSERT INTO attachment_blob(sha256, mime, size, bytes) "                      \
	            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(sha256) DO NOTHING")                      \
	X(ATT_LINK, "INSERT INTO attachment(alert_id, sha256, name, added_by, added) "             \
	            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(alert_id, sha256) DO NOTHING")        \
	X(ATT_LIST, "SELECT a.sha256, b.mime, b.size, a.name, a.added_by, a.added "               \
	            "FROM attachment a JOIN attachment_blob b ON b.sha256 = a.sha256 "             \
	            "WHERE a.alert_id = ?1 ORDER BY a.added, a.sha256")                            \
	X(ATT_READ, "SELECT b.mime, b.bytes FROM attachment a JOIN attachment_blob b "             \
	            "ON b.sha256 = a.sha256 WHERE a.alert_id = ?1 AND a.sha256 = ?2")              \
	X(INBOX_STATION, WALERT_COLS " WHERE inbox = ?1 AND " WAITING " ORDER BY due, id")         \
	X(INBOX_WORKER, WALERT_COLS " WHERE assignee = ?1 AND " WAITING " ORDER BY due, id")       \
	X(INBOX_COUNTY, WALERT_COLS " WHERE " WAITING " AND (inbox = ?1 OR (due < ?2 AND ("       \
	                PREFIX_IN("area", "?1") " OR " PREFIX_IN("inbox", "?1") "))) "             \
	                "ORDER BY due, id")                                                        \
	X(COHORT, "SELECT a.id, a.rule, a.created, a.due, "                                        \
	          "(SELECT min(e.at) FROM alert_event e WHERE e.alert_id = a.id AND "              \
	          "e.to_state = 'verified'), "                                                     \
	          "(SELECT v.outcome FROM alert_verification v JOIN alert_event e ON "             \
	          "e.id = v.event_id WHERE v.alert_id = a.id AND substr(e.at, 1, 10) <= ?3 "       \
	          "ORDER BY e.id DESC LIMIT 1) "                                                   \
	          "FROM alert a WHERE " PREFIX_IN("a.area", "?1") " AND "                          \
	          "substr(a.created, 1, 10) >= ?2 AND substr(a.created, 1, 10) <= ?3 "             \
	          "ORDER BY a.id")

enum {
#define X(id, sql) WS_##id,
	WORK_STMTS(X)
#undef X
	WS__COUNT
};
/* clang-format on */

_Static_assert(WS__COUNT <= 64, "the work module has 64 statement slots (96-159)");

static const char *const work_sql[] = {
#define X(id, sql) sql,
    WORK_STMTS(X)
#undef X
};

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, MS_STORE_EXT_WORK + id, work_sql[id], err);
}

static void alert_from_row(db_stmt *q, ms_work_alert_row *w)
{
	store_alert_from_row(q, &w->a);
	w->outcome = store_col_text(q, MS_STORE_ALERT_NCOLS);
	w->decision = store_col_text(q, MS_STORE_ALERT_NCOLS + 1);
}

ms_err ms_store_work_alert_get(ms_store *s, int64_t id, ms_work_alert_row *out, ms_error *err)
{
	db_stmt *q = stmt(s, WS_ALERT_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		alert_from_row(q, out);
		ms_alert *a = &out->a;
		const char **fields[] = {&a->rule,    &a->kind,         &a->subject_type, &a->subject,
		                         &a->area,    &a->inbox,        &a->state,        &a->created,
		                         &a->due,     &a->assignee,     &a->pack_version, &a->closed,
		                         &out->outcome, &out->decision};
		if (!store_copy_into(out->text_, sizeof out->text_, fields,
		                     (int)(sizeof fields / sizeof fields[0]))) {
			db_reset(q);
			return ms_error_set(err, MS_ERR_TOO_LARGE,
			                    "预警记录过长 (an alert row is too long)");
		}
		db_reset(q);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading an alert");
}

ms_err ms_store_work_alert_change(ms_store *s, const ms_alert_change *c, ms_error *err)
{
	db_stmt *q = stmt(s, WS_ALERT_CHANGE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, c->id);
	db_bind_int64(q, 2, c->version);
	store_bind_text(q, 3, c->state);
	store_bind_text(q, 4, c->assignee);
	store_bind_text(q, 5, c->outcome);
	store_bind_text(q, 6, c->decision);
	store_bind_text(q, 7, c->closed);
	if (store_exec_done(s, q, err, "changing an alert"))
		return err ? err->code : MS_ERR_DB;
	return db_changes(s->db) == 1 ? MS_ERR_OK : MS_ERR_CONFLICT;
}

ms_err ms_store_work_event_add(ms_store *s, int64_t alert_id, const char *at, const char *actor,
                               const char *from_state, const char *to_state, const char *note,
                               int64_t *event_id, ms_error *err)
{
	db_stmt *q = stmt(s, WS_EVENT_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, at);
	store_bind_text(q, 3, actor ? actor : "");
	store_bind_text(q, 4, from_state ? from_state : "");
	store_bind_text(q, 5, to_state);
	store_bind_text(q, 6, note ? note : "");
	if (store_exec_done(s, q, err, "recording an alert event"))
		return err ? err->code : MS_ERR_DB;
	*event_id = db_last_insert_rowid(s->db);
	return MS_ERR_OK;
}

ms_err ms_store_work_verification_add(ms_store *s, const ms_verification_row *v, ms_error *err)
{
	db_stmt *q = stmt(s, WS_VERIF_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, v->event_id);
	db_bind_int64(q, 2, v->alert_id);
	store_bind_text(q, 3, v->outcome);
	store_bind_text(q, 4, v->benefit);
	store_bind_text(q, 5, v->adjustment);
	store_bind_text(q, 6, v->department);
	store_bind_text(q, 7, v->household);
	return store_exec_done(s, q, err, "recording a verification") ? MS_ERR_DB : MS_ERR_OK;
}

ms_err ms_store_work_events(ms_store *s, int64_t alert_id,
                            int (*fn)(void *ctx, const ms_event_row *e), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, WS_EVENTS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_event_row e = {.id = db_column_int64(q, 0),
		                  .at = store_col_text(q, 1),
		                  .actor = store_col_text(q, 2),
		                  .from_state = store_col_text(q, 3),
		                  .to_state = store_col_text(q, 4),
		                  .note = store_col_text(q, 5),
		                  .outcome = store_col_text(q, 6),
		                  .benefit = store_col_text(q, 7),
		                  .adjustment = store_col_text(q, 8),
		                  .department = store_col_text(q, 9),
		                  .household = store_col_text(q, 10),
		                  .assignee = store_col_text(q, 11)};
		if (fn(ctx, &e))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading alert events");
	return MS_ERR_OK;
}

/* ---- attachments ---- */

ms_err ms_store_work_attach(ms_store *s, int64_t alert_id, const char *sha256, const char *mime,
                            const void *bytes, size_t len, const char *name, const char *added_by,
                            const char *added, ms_error *err)
{
	db_stmt *q = stmt(s, WS_BLOB_PUT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, sha256);
	store_bind_text(q, 2, mime);
	db_bind_int64(q, 3, (int64_t)len);
	db_bind_blob64(q, 4, bytes, (uint64_t)len, DB_STATIC);
	if (store_exec_done(s, q, err, "storing an attachment"))
		return err ? err->code : MS_ERR_DB;
	q = stmt(s, WS_ATT_LINK, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, sha256);
	store_bind_text(q, 3, name ? name : "");
	store_bind_text(q, 4, added_by);
	store_bind_text(q, 5, added);
	return store_exec_done(s, q, err, "linking an attachment") ? MS_ERR_DB : MS_ERR_OK;
}

ms_err ms_store_work_attachments(ms_store *s, int64_t alert_id,
                                 int (*fn)(void *ctx, const ms_attachment_row *a), void *ctx,
                                 ms_error *err)
{
	db_stmt *q = stmt(s, WS_ATT_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_attachment_row a = {.sha256 = store_col_text(q, 0),
		                       .mime = store_col_text(q, 1),
		                       .size = db_column_int64(q, 2),
		                       .name = store_col_text(q, 3),
		                       .added_by = store_col_text(q, 4),
		                       .added = store_col_text(q, 5)};
		if (fn(ctx, &a))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing attachments");
	return MS_ERR_OK;
}

ms_err ms_store_work_attachment_read(ms_store *s, int64_t alert_id, const char *sha256,
                                     ms_err (*fn)(void *ctx, const char *mime, const void *bytes,
                                                  size_t len),
                                     void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, WS_ATT_READ, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, sha256);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		const void *b = db_column_blob(q, 1);
		size_t n = (size_t)db_column_bytes(q, 1);
		ms_err e = fn(ctx, store_col_text(q, 0), b, n);
		db_reset(q);
		return e;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading an attachment");
}

/* ---- inboxes ---- */

static ms_err list_alerts(ms_store *s, db_stmt *q,
                          int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                          ms_error *err)
{
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_work_alert_row w;
		alert_from_row(q, &w);
		if (fn(ctx, &w))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading an inbox");
	return MS_ERR_OK;
}

ms_err ms_store_work_inbox_station(ms_store *s, const char *code,
                                   int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                                   ms_error *err)
{
	db_stmt *q = stmt(s, WS_INBOX_STATION, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, code);
	return list_alerts(s, q, fn, ctx, err);
}

ms_err ms_store_work_inbox_worker(ms_store *s, const char *user,
                                  int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, WS_INBOX_WORKER, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, user);
	return list_alerts(s, q, fn, ctx, err);
}

ms_err ms_store_work_inbox_county(ms_store *s, const char *county, const char *today,
                                  int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, WS_INBOX_COUNTY, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, county);
	store_bind_text(q, 2, today);
	return list_alerts(s, q, fn, ctx, err);
}

/* ---- figures ---- */

ms_err ms_store_work_cohort(ms_store *s, const char *area, const char *from, const char *to,
                            int (*fn)(void *ctx, const ms_cohort_row *r), void *ctx,
                            ms_error *err)
{
	db_stmt *q = stmt(s, WS_COHORT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, area ? area : "");
	store_bind_text(q, 2, from);
	store_bind_text(q, 3, to);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_cohort_row r = {.id = db_column_int64(q, 0),
		                   .rule = store_col_text(q, 1),
		                   .created = store_col_text(q, 2),
		                   .due = store_col_text(q, 3),
		                   .first_verified = store_col_text(q, 4),
		                   .outcome = store_col_text(q, 5)};
		if (fn(ctx, &r))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading alerts for the figures");
	return MS_ERR_OK;
}
