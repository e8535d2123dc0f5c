/* store_session.c — SQLite statements for sessions, API tokens, TOTP
 * secrets (slots 256–287 of the store's ext table) and jobs (288–303).
 * Fixed SQL prepared once per handle; values are always bound. */
#include "store/store_session.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
#define SESSION_COLS                                                                               \
	"SELECT s.token_hash, s.user, s.csrf, s.addr, s.created, s.last_seen, s.expires, "          \
	"u.role, u.scope, u.station, u.disabled, u.must_change "                                    \
	"FROM session s JOIN app_user u ON u.name = s.user"
#define TOKEN_COLS                                                                                 \
	"SELECT t.id, t.token_hash, t.user, t.feeds, t.label, t.created, t.created_by, t.revoked, " \
	"u.role, u.scope, u.station, u.disabled, u.must_change "                                    \
	"FROM api_token t JOIN app_user u ON u.name = t.user"

#define SESSION_STMTS(X)                                                                           \
	X(SESSION_ADD, "INSERT INTO session(token_hash, \"user\", csrf, addr, created, last_seen, "    \
	               "expires) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)")                            \
	X(SESSION_GET, SESSION_COLS " WHERE s.token_hash = ?1")                                    \
	X(SESSION_TOUCH, "UPDATE session SET last_seen = ?2 WHERE token_hash = ?1 "                \
	                 "AND last_seen < ?2")                                                     \
	X(SESSION_DEL, "DELETE FROM session WHERE token_hash = ?1")                                \
	X(SESSION_DEL_USER, "DELETE FROM session WHERE \"user\" = ?1")                                 \
	X(SESSION_TRIM, "DELETE FROM session WHERE \"user\" = ?1 AND token_hash NOT IN "               \
	                "(SELECT token_hash FROM session WHERE \"user\" = ?1 "                         \
	                "ORDER BY created DESC, last_seen DESC LIMIT ?2)")                        \
	X(SESSION_PURGE, "DELETE FROM session WHERE expires <= ?1 OR last_seen <= ?1 - ?2 "        \
	                 "OR created <= ?1 - ?3")                                                  \
	X(TOKEN_ADD, "INSERT INTO api_token(token_hash, \"user\", feeds, label, created, created_by) " \
	             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                            \
	X(TOKEN_GET_HASH, TOKEN_COLS " WHERE t.token_hash = ?1")                                   \
	X(TOKEN_GET, TOKEN_COLS " WHERE t.id = ?1")                                                \
	X(TOKEN_LIST, TOKEN_COLS " WHERE ?1 IS NULL OR substr(u.scope, 1, length(?1)) = ?1 "       \
	              "ORDER BY t.id")                                                             \
	X(TOKEN_REVOKE, "UPDATE api_token SET revoked = coalesce(revoked, ?2) WHERE id = ?1")      \
	X(TOTP_GET, "SELECT totp_secret FROM app_user WHERE name = ?1")                            \
	X(TOTP_SET, "UPDATE app_user SET totp_secret = ?2, updated = ?3 WHERE name = ?1")

#define JOB_STMTS(X)                                                                               \
	X(JOB_ADD, "INSERT INTO job(kind, actor, scope, state, params, created) "                  \
	           "VALUES (?1, ?2, ?3, 'queued', ?4, ?5)")                                        \
	X(JOB_GET, "SELECT id, kind, actor, scope, state, params, result, error, created, "        \
	           "finished FROM job WHERE id = ?1")                                              \
	X(JOB_STATE, "UPDATE job SET state = ?2 WHERE id = ?1")                                    \
	X(JOB_FINISH, "UPDATE job SET state = ?2, result = ?3, error = ?4, finished = ?5 "         \
	              "WHERE id = ?1")                                                             \
	X(JOB_FAIL_OPEN, "UPDATE job SET state = 'failed', error = ?1, finished = ?2 "             \
	                 "WHERE state IN ('queued', 'running')")

enum {
#define X(id, sql) SS_##id,
	SESSION_STMTS(X)
#undef X
	SS__COUNT
};
enum {
#define X(id, sql) SJ_##id,
	JOB_STMTS(X)
#undef X
	SJ__COUNT
};
/* clang-format on */

_Static_assert(SS__COUNT <= 32, "the session module has 32 statement slots (256-287)");
_Static_assert(SJ__COUNT <= 16, "the job module has 16 statement slots (288-303)");

static const char *const session_sql[] = {
#define X(id, sql) sql,
    SESSION_STMTS(X)
#undef X
};
static const char *const job_sql[] = {
#define X(id, sql) sql,
    JOB_STMTS(X)
#undef X
};

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, MS_STORE_EXT_SESSION + id, session_sql[id], err);
}

static db_stmt *job_stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, MS_STORE_EXT_JOB + id, job_sql[id], err);
}

/* Runs a write; *n (may be NULL) receives the rows it changed. */
static ms_err exec_count(ms_store *s, db_stmt *q, int64_t *n, ms_error *err,
                         const char *what)
{
	ms_err e = store_exec_done(s, q, err, what);
	if (e)
		return e;
	if (n)
		*n = db_changes(s->db);
	return MS_ERR_OK;
}

/* ---- sessions ---- */

ms_err ms_store_session_insert(ms_store *s, const char *token_hash, const char *user,
                               const char *csrf, const char *addr, int64_t created,
                               int64_t expires, ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, token_hash);
	store_bind_text(q, 2, user);
	store_bind_text(q, 3, csrf);
	store_bind_text(q, 4, addr ? addr : "");
	db_bind_int64(q, 5, created);
	db_bind_int64(q, 6, expires);
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_CONSTRAINT)
		/* the user is gone (foreign key), or 2^-256 luck on the hash */
		return ms_error_set(err, MS_ERR_INVALID,
		                    "无法为用户 %s 建立会话 (cannot open a session for user %s)",
		                    user, user);
	if (rc != DB_DONE)
		return store_db_error(s, err, "opening a session");
	return MS_ERR_OK;
}

ms_err ms_store_session_get(ms_store *s, const char *token_hash, ms_session_row *out,
                            ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, token_hash);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		memset(out, 0, sizeof *out);
		out->token_hash = store_col_text(q, 0);
		out->user = store_col_text(q, 1);
		out->csrf = store_col_text(q, 2);
		out->addr = store_col_text(q, 3);
		out->created = db_column_int64(q, 4);
		out->last_seen = db_column_int64(q, 5);
		out->expires = db_column_int64(q, 6);
		out->role = store_col_text(q, 7);
		out->scope = store_col_text(q, 8);
		out->station = store_col_text(q, 9);
		out->disabled = db_column_int(q, 10) != 0;
		out->must_change = db_column_int(q, 11) != 0;
		const char **fields[] = {&out->token_hash, &out->user, &out->csrf,   &out->addr,
		                         &out->role,       &out->scope, &out->station};
		bool fit = store_copy_into(out->text_, sizeof out->text_, fields,
		                           (int)(sizeof fields / sizeof fields[0]));
		db_reset(q);
		if (!fit)
			return ms_error_set(err, MS_ERR_TOO_LARGE,
			                    "会话记录过长 (a session row is too long)");
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a session");
}

ms_err ms_store_session_touch(ms_store *s, const char *token_hash, int64_t at, ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_TOUCH, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, token_hash);
	db_bind_int64(q, 2, at);
	return exec_count(s, q, NULL, err, "recording a session's use");
}

ms_err ms_store_session_delete(ms_store *s, const char *token_hash, ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_DEL, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, token_hash);
	return exec_count(s, q, NULL, err, "ending a session");
}

ms_err ms_store_session_delete_user(ms_store *s, const char *user, int64_t *n, ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_DEL_USER, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, user);
	return exec_count(s, q, n, err, "ending a user's sessions");
}

ms_err ms_store_session_trim_user(ms_store *s, const char *user, int keep, ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_TRIM, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, user);
	db_bind_int(q, 2, keep);
	return exec_count(s, q, NULL, err, "ending a user's oldest sessions");
}

ms_err ms_store_session_purge(ms_store *s, int64_t now, int64_t idle, int64_t absolute,
                              int64_t *n, ms_error *err)
{
	db_stmt *q = stmt(s, SS_SESSION_PURGE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, now);
	db_bind_int64(q, 2, idle);
	db_bind_int64(q, 3, absolute);
	return exec_count(s, q, n, err, "deleting expired sessions");
}

/* ---- API tokens ---- */

static void token_from_row(db_stmt *q, ms_token_row *t)
{
	t->id = db_column_int64(q, 0);
	t->token_hash = store_col_text(q, 1);
	t->user = store_col_text(q, 2);
	t->feeds = store_col_text(q, 3);
	t->label = store_col_text(q, 4);
	t->created = store_col_text(q, 5);
	t->created_by = store_col_text(q, 6);
	t->revoked = store_col_text(q, 7);
	t->role = store_col_text(q, 8);
	t->scope = store_col_text(q, 9);
	t->station = store_col_text(q, 10);
	t->disabled = db_column_int(q, 11) != 0;
	t->must_change = db_column_int(q, 12) != 0;
}

ms_err ms_store_token_insert(ms_store *s, const char *token_hash, const char *user,
                             const char *feeds, const char *label, const char *created,
                             const char *created_by, int64_t *id, ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOKEN_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, token_hash);
	store_bind_text(q, 2, user);
	store_bind_text(q, 3, feeds);
	store_bind_text(q, 4, label ? label : "");
	store_bind_text(q, 5, created);
	store_bind_text(q, 6, created_by ? created_by : "");
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_CONSTRAINT)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "无法为用户 %s 建立令牌 (cannot add a token for user %s)", user,
		                    user);
	if (rc != DB_DONE)
		return store_db_error(s, err, "adding a token");
	*id = db_last_insert_rowid(s->db);
	return MS_ERR_OK;
}

static ms_err token_get(ms_store *s, int id, db_stmt *q, ms_token_row *out, ms_error *err)
{
	int rc = db_step(q);
	if (rc == DB_ROW) {
		token_from_row(q, out);
		const char **fields[] = {&out->token_hash, &out->user,    &out->feeds,
		                         &out->label,      &out->created, &out->created_by,
		                         &out->revoked,    &out->role,    &out->scope,
		                         &out->station};
		if (!store_detach(s, MS_STORE_EXT_SESSION + id, q, fields,
		                  (int)(sizeof fields / sizeof fields[0])))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a token");
}

ms_err ms_store_token_get_hash(ms_store *s, const char *token_hash, ms_token_row *out,
                               ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOKEN_GET_HASH, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, token_hash);
	return token_get(s, SS_TOKEN_GET_HASH, q, out, err);
}

ms_err ms_store_token_get(ms_store *s, int64_t id, ms_token_row *out, ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOKEN_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	return token_get(s, SS_TOKEN_GET, q, out, err);
}

ms_err ms_store_token_list(ms_store *s, const char *prefix,
                           int (*fn)(void *ctx, const ms_token_row *t), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOKEN_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, prefix && *prefix ? prefix : NULL);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_token_row t;
		token_from_row(q, &t);
		if (fn(ctx, &t))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing tokens");
	return MS_ERR_OK;
}

ms_err ms_store_token_revoke(ms_store *s, int64_t id, const char *at, ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOKEN_REVOKE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, at);
	int64_t n = 0;
	ms_err e = exec_count(s, q, &n, err, "revoking a token");
	if (e)
		return e;
	if (n == 0)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有编号为 %lld 的令牌 (no token %lld)",
		                    (long long)id, (long long)id);
	return MS_ERR_OK;
}

/* ---- TOTP secrets ---- */

ms_err ms_store_totp_get(ms_store *s, const char *user, bool *has, char *out, size_t cap,
                         ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOTP_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, user);
	int rc = db_step(q);
	ms_err e = MS_ERR_OK;
	if (rc == DB_ROW) {
		const char *v = store_col_text(q, 0);
		*has = v != NULL;
		if (cap)
			out[0] = '\0';
		if (v) {
			size_t n = strlen(v);
			if (n >= cap)
				e = ms_error_set(err, MS_ERR_TOO_LARGE,
				                 "第二因素密钥过长 (a second-factor secret is too long)");
			else
				memcpy(out, v, n + 1);
		}
	} else if (rc == DB_DONE) {
		e = MS_ERR_NOT_FOUND;
	} else {
		e = store_db_error(s, err, "reading a second-factor secret");
	}
	db_reset(q);
	return e;
}

ms_err ms_store_totp_set(ms_store *s, const char *user, const char *secret, const char *at,
                         ms_error *err)
{
	db_stmt *q = stmt(s, SS_TOTP_SET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, user);
	store_bind_text(q, 2, secret);
	store_bind_text(q, 3, at);
	int64_t n = 0;
	ms_err e = exec_count(s, q, &n, err, "setting a second factor");
	if (e)
		return e;
	if (n == 0)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有用户 %s (no user named %s)", user,
		                    user);
	return MS_ERR_OK;
}

ms_err ms_store_totp_clear(ms_store *s, const char *user, const char *at, ms_error *err)
{
	return ms_store_totp_set(s, user, NULL, at, err);
}

/* ---- jobs ---- */

static ms_err job_text_ok(const char *what, const char *v, ms_error *err)
{
	if (v && strlen(v) > MS_JOB_TEXT_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "任务的%s超过 %d 字节 (a job's %s is longer than %d bytes)", what,
		                    MS_JOB_TEXT_MAX, what, MS_JOB_TEXT_MAX);
	return MS_ERR_OK;
}

static bool job_state_ok(const char *state, bool final)
{
	if (!state)
		return false;
	if (!strcmp(state, "done") || !strcmp(state, "failed"))
		return true;
	return !final && (!strcmp(state, "queued") || !strcmp(state, "running"));
}

static ms_err job_state_bad(const char *state, ms_error *err)
{
	return ms_error_set(err, MS_ERR_INVALID,
	                    "任务状态 %s 无效 (invalid job state %s)", state ? state : "",
	                    state ? state : "");
}

static ms_err job_changed(ms_store *s, db_stmt *q, int64_t id, ms_error *err,
                          const char *what)
{
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_CONSTRAINT)
		return ms_error_set(err, MS_ERR_INVALID, "任务记录无效 (invalid job row) while %s",
		                    what);
	if (rc != DB_DONE)
		return store_db_error(s, err, what);
	if (db_changes(s->db) == 0)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有任务 %lld (no job %lld)",
		                    (long long)id, (long long)id);
	return MS_ERR_OK;
}

ms_err ms_store_job_insert(ms_store *s, const char *kind, const char *actor, const char *scope,
                           const char *params_json, int64_t *id, ms_error *err)
{
	ms_err e = job_text_ok("参数 parameters", params_json, err);
	if (e)
		return e;
	if (!kind || (strcmp(kind, "import") != 0 && strcmp(kind, "scan") != 0))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "任务类别应为 import 或 scan (a job is an import or a scan)");
	db_stmt *q = job_stmt(s, SJ_JOB_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	store_bind_text(q, 1, kind);
	store_bind_text(q, 2, actor ? actor : "");
	store_bind_text(q, 3, scope ? scope : "");
	store_bind_text(q, 4, params_json ? params_json : "{}");
	store_bind_text(q, 5, ts);
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_CONSTRAINT)
		return ms_error_set(err, MS_ERR_INVALID, "任务记录无效 (invalid job row)");
	if (rc != DB_DONE)
		return store_db_error(s, err, "adding a job");
	*id = db_last_insert_rowid(s->db);
	return MS_ERR_OK;
}

ms_err ms_store_job_set_state(ms_store *s, int64_t id, const char *state, ms_error *err)
{
	if (!job_state_ok(state, false))
		return job_state_bad(state, err);
	db_stmt *q = job_stmt(s, SJ_JOB_STATE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, state);
	return job_changed(s, q, id, err, "setting a job's state");
}

ms_err ms_store_job_finish(ms_store *s, int64_t id, const char *state, const char *result_json,
                           const char *error_text, ms_error *err)
{
	if (!job_state_ok(state, true))
		return job_state_bad(state, err);
	ms_err e;
	if ((e = job_text_ok("结果 result", result_json, err)) ||
	    (e = job_text_ok("错误 error", error_text, err)))
		return e;
	db_stmt *q = job_stmt(s, SJ_JOB_FINISH, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, state);
	store_bind_text(q, 3, result_json);
	store_bind_text(q, 4, error_text);
	store_bind_text(q, 5, ts);
	return job_changed(s, q, id, err, "ending a job");
}

ms_err ms_store_job_get(ms_store *s, int64_t id, ms_job_row *out, ms_error *err)
{
	db_stmt *q = job_stmt(s, SJ_JOB_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		out->id = db_column_int64(q, 0);
		out->kind = store_col_text(q, 1);
		out->actor = store_col_text(q, 2);
		out->scope = store_col_text(q, 3);
		out->state = store_col_text(q, 4);
		out->params = store_col_text(q, 5);
		out->result = store_col_text(q, 6);
		out->error = store_col_text(q, 7);
		out->created = store_col_text(q, 8);
		out->finished = store_col_text(q, 9);
		const char **fields[] = {&out->kind,   &out->actor,  &out->scope,
		                         &out->state,  &out->params, &out->result,
		                         &out->error,  &out->created, &out->finished};
		if (!store_detach(s, MS_STORE_EXT_JOB + SJ_JOB_GET, q, fields,
		                  (int)(sizeof fields / sizeof fields[0])))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有任务 %lld (no job %lld)",
		                    (long long)id, (long long)id);
	return store_db_error(s, err, "reading a job");
}

ms_err ms_store_job_fail_unfinished(ms_store *s, const char *error_text, int64_t *n,
                                    ms_error *err)
{
	ms_err e = job_text_ok("错误 error", error_text, err);
	if (e)
		return e;
	db_stmt *q = job_stmt(s, SJ_JOB_FAIL_OPEN, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	store_bind_text(q, 1, error_text ? error_text : "");
	store_bind_text(q, 2, ts);
	return exec_count(s, q, n, err, "closing unfinished jobs");
}
