/* store_notify.c — SQLite statements of the outbound webhook and the alert
 * notices (docs/operations.md), in slots 488–511 of the store's ext table;
 * fixed SQL, values always bound. */
#include "store/store_ops.h"

#include "store/store_alerts.h"
#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
#define DELIV_COLS "SELECT d.id, d.webhook_id, d.alert_id, d.event, d.state, d.body, w.url, "     \
	"%s, d.attempts, d.next_attempt, coalesce(d.last_status, 0), d.last_error, d.created, "     \
	"d.finished FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id"

#define NOTIFY_STMTS(X)                                                                            \
	X(WH_ADD, "INSERT INTO webhook(url, secret, events, created, created_by) "                  \
	          "VALUES (?1, ?2, ?3, ?4, ?5)")                                                    \
	X(WH_LIST, "SELECT w.id, w.url, w.secret, w.events, w.created, w.created_by, w.removed, "   \
	           "(SELECT count(*) FROM webhook_delivery d WHERE d.webhook_id = w.id AND "        \
	           "d.state = 'pending'), "                                                         \
	           "(SELECT count(*) FROM webhook_delivery d WHERE d.webhook_id = w.id AND "        \
	           "d.state = 'delivered'), "                                                       \
	           "(SELECT count(*) FROM webhook_delivery d WHERE d.webhook_id = w.id AND "        \
	           "d.state = 'failed') "                                                           \
	           "FROM webhook w WHERE ?1 OR w.removed IS NULL ORDER BY w.id")                    \
	X(WH_REMOVE, "UPDATE webhook SET removed = ?2 WHERE id = ?1 AND removed IS NULL")           \
	X(WH_GIVEUP, "UPDATE webhook_delivery SET state = 'failed', last_error = "                  \
	             "'webhook removed', finished = ?2 WHERE webhook_id = ?1 AND state = 'pending'") \
	X(NOTICE_ADD, "INSERT OR IGNORE INTO alert_notice(alert_id, kind, ref, at) "                \
	              "VALUES (?1, ?2, ?3, ?4)")                                                    \
	X(DELIV_ENQ, "INSERT INTO webhook_delivery(webhook_id, event, alert_id, body, "             \
	             "next_attempt, created) SELECT id, ?1, ?2, ?3, ?5, ?4 FROM webhook WHERE "     \
	             "removed IS NULL AND instr(',' || events || ',', ',' || ?1 || ',') > 0")       \
	X(DELIV_DUE, "SELECT d.id, d.webhook_id, d.alert_id, d.event, d.state, d.body, w.url, "     \
	             "w.secret, d.attempts, d.next_attempt, coalesce(d.last_status, 0), "           \
	             "d.last_error, d.created, d.finished FROM webhook_delivery d JOIN webhook w "   \
	             "ON w.id = d.webhook_id WHERE d.state = 'pending' AND d.next_attempt <= ?1 "   \
	             "ORDER BY d.next_attempt, d.id LIMIT ?2")                                      \
	X(DELIV_LIST, "SELECT d.id, d.webhook_id, d.alert_id, d.event, d.state, d.body, w.url, "    \
	              "NULL, d.attempts, d.next_attempt, coalesce(d.last_status, 0), "              \
	              "d.last_error, d.created, d.finished FROM webhook_delivery d JOIN webhook w " \
	              "ON w.id = d.webhook_id WHERE ?1 IS NULL OR d.state = ?1 "                    \
	              "ORDER BY d.id DESC LIMIT ?2")                                                \
	X(DELIV_RESULT, "UPDATE webhook_delivery SET state = ?2, attempts = ?3, next_attempt = ?4, " \
	                "last_status = ?5, last_error = ?6, finished = ?7 WHERE id = ?1")           \
	X(CANDIDATES, "SELECT " MS_STORE_ALERT_COLS " FROM alert WHERE (state IN ('new', "          \
	              "'assigned', 'verifying', 'returned') AND due <= ?1) OR "                     \
	              "(id > ?2 AND state != 'closed') ORDER BY id")                                \
	X(DELIV_TARGETS, "SELECT count(*) FROM webhook WHERE removed IS NULL AND "               \
	                 "instr(',' || events || ',', ',' || ?1 || ',') > 0")
/* clang-format on */

enum {
	NT_BASE = MS_STORE_EXT_OPS + 24, /* 488 */
#define X(id, sql) NT_##id,
	NOTIFY_STMTS(X)
#undef X
	NT__END
};

_Static_assert(NT__END <= MS_STORE_EXT_MAX, "notify statements fit in slots 488-511");

static const char *const notify_sql[] = {
#define X(id, sql) sql,
	NOTIFY_STMTS(X)
#undef X
};

static db_stmt *nstmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, id, notify_sql[id - NT_BASE - 1], err);
}

ms_err ms_store_webhook_add(ms_store *s, const char *url, const char *secret, const char *events,
                            const char *created, const char *actor, int64_t *id, ms_error *err)
{
	db_stmt *q = nstmt(s, NT_WH_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, url);
	store_bind_text(q, 2, secret);
	store_bind_text(q, 3, events);
	store_bind_text(q, 4, created);
	store_bind_text(q, 5, actor ? actor : "");
	ms_err e = store_exec_done(s, q, err, "adding a webhook");
	if (!e && id)
		*id = db_last_insert_rowid(s->db);
	return e;
}

ms_err ms_store_webhook_list(ms_store *s, bool all, int (*fn)(void *ctx, const ms_webhook_row *w),
                             void *ctx, ms_error *err)
{
	db_stmt *q = nstmt(s, NT_WH_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int(q, 1, all ? 1 : 0);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_webhook_row w = {.id = db_column_int64(q, 0),
		                    .url = store_col_text(q, 1),
		                    .secret = store_col_text(q, 2),
		                    .events = store_col_text(q, 3),
		                    .created = store_col_text(q, 4),
		                    .created_by = store_col_text(q, 5),
		                    .removed = store_col_text(q, 6),
		                    .pending = db_column_int64(q, 7),
		                    .delivered = db_column_int64(q, 8),
		                    .failed = db_column_int64(q, 9)};
		if (fn(ctx, &w))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing webhooks");
	return MS_ERR_OK;
}

ms_err ms_store_webhook_remove(ms_store *s, int64_t id, const char *at, ms_error *err)
{
	db_stmt *q = nstmt(s, NT_WH_REMOVE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, at);
	ms_err e = store_exec_done(s, q, err, "removing a webhook");
	if (e)
		return e;
	if (db_changes(s->db) == 0)
		return MS_ERR_NOT_FOUND;
	if (!(q = nstmt(s, NT_WH_GIVEUP, err)))
		return MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, at);
	return store_exec_done(s, q, err, "giving up a removed webhook's deliveries");
}

ms_err ms_store_notice_add(ms_store *s, int64_t alert_id, const char *kind, const char *ref,
                           const char *at, bool *added, ms_error *err)
{
	*added = false;
	db_stmt *q = nstmt(s, NT_NOTICE_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, kind);
	store_bind_text(q, 3, ref ? ref : "");
	store_bind_text(q, 4, at);
	ms_err e = store_exec_done(s, q, err, "recording a notice");
	if (!e)
		*added = db_changes(s->db) > 0;
	return e;
}

ms_err ms_store_delivery_enqueue(ms_store *s, const char *event, int64_t alert_id,
                                 const char *body, const char *created, int64_t next_attempt,
                                 int64_t *n, ms_error *err)
{
	*n = 0;
	if (!body) {
		/* a dry run counts the targets and inserts nothing: a rolled-back
		 * insert would still use up PostgreSQL's identity values, and the
		 * deliveries' ids would then differ from SQLite's */
		db_stmt *t = nstmt(s, NT_DELIV_TARGETS, err);
		if (!t)
			return MS_ERR_DB;
		store_bind_text(t, 1, event);
		int rc = db_step(t);
		if (rc == DB_ROW)
			*n = db_column_int64(t, 0);
		db_reset(t);
		if (rc != DB_ROW)
			return store_db_error(s, err, "counting webhook targets");
		return MS_ERR_OK;
	}
	db_stmt *q = nstmt(s, NT_DELIV_ENQ, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, event);
	db_bind_int64(q, 2, alert_id);
	store_bind_text(q, 3, body);
	store_bind_text(q, 4, created);
	db_bind_int64(q, 5, next_attempt);
	ms_err e = store_exec_done(s, q, err, "queueing a webhook event");
	if (!e)
		*n = db_changes(s->db);
	return e;
}

static ms_err delivery_rows(ms_store *s, db_stmt *q,
                           int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                           ms_error *err)
{
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_delivery_row d = {.id = db_column_int64(q, 0),
		                     .webhook_id = db_column_int64(q, 1),
		                     .alert_id = db_column_int64(q, 2),
		                     .event = store_col_text(q, 3),
		                     .state = store_col_text(q, 4),
		                     .body = store_col_text(q, 5),
		                     .url = store_col_text(q, 6),
		                     .secret = store_col_text(q, 7),
		                     .attempts = db_column_int64(q, 8),
		                     .next_attempt = db_column_int64(q, 9),
		                     .last_status = db_column_int64(q, 10),
		                     .last_error = store_col_text(q, 11),
		                     .created = store_col_text(q, 12),
		                     .finished = store_col_text(q, 13)};
		if (fn(ctx, &d))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading webhook deliveries");
	return MS_ERR_OK;
}

ms_err ms_store_delivery_due(ms_store *s, int64_t now, int limit,
                             int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                             ms_error *err)
{
	db_stmt *q = nstmt(s, NT_DELIV_DUE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, now);
	db_bind_int(q, 2, limit > 0 ? limit : 100);
	return delivery_rows(s, q, fn, ctx, err);
}

ms_err ms_store_delivery_list(ms_store *s, const char *state, int limit,
                              int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                              ms_error *err)
{
	db_stmt *q = nstmt(s, NT_DELIV_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, state);
	db_bind_int(q, 2, limit > 0 ? limit : 100);
	return delivery_rows(s, q, fn, ctx, err);
}

ms_err ms_store_delivery_result(ms_store *s, int64_t id, const char *state, int64_t attempts,
                                int64_t next_attempt, int64_t status, const char *error,
                                const char *at, ms_error *err)
{
	db_stmt *q = nstmt(s, NT_DELIV_RESULT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, state);
	db_bind_int64(q, 3, attempts);
	db_bind_int64(q, 4, next_attempt);
	if (status)
		db_bind_int64(q, 5, status);
	store_bind_text(q, 6, error);
	store_bind_text(q, 7, strcmp(state, "pending") == 0 ? NULL : at);
	return store_exec_done(s, q, err, "recording a webhook delivery");
}

ms_err ms_store_notice_candidates(ms_store *s, const char *until, int64_t after,
                                  int (*fn)(void *ctx, const struct ms_alert *a), void *ctx,
                                  ms_error *err)
{
	db_stmt *q = nstmt(s, NT_CANDIDATES, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, until);
	db_bind_int64(q, 2, after);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_alert a;
		store_alert_from_row(q, &a);
		if (fn(ctx, &a))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "finding alerts to notify");
	return MS_ERR_OK;
}
