/* store_auth.c — SQLite statements for users. Fixed SQL kept in the auth
 * module's slots of the store's ext table (160–223), prepared once per
 * handle; values are always bound. */
#include "store/store_auth.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
#define USER_COLS                                                                                  \
	"SELECT name, role, scope, station, pwhash, disabled, must_change, failed, locked_until, "  \
	"created, created_by, updated FROM app_user"

#define AUTH_STMTS(X)                                                                              \
	X(USER_ADD, "INSERT INTO app_user(name, role, scope, station, pwhash, disabled, "          \
	            "must_change, created, created_by, updated) "                                  \
	            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)")                             \
	X(USER_GET, USER_COLS " WHERE name = ?1")                                                  \
	X(USER_LIST, USER_COLS " WHERE ?1 IS NULL OR substr(scope, 1, length(?1)) = ?1 "           \
	             "ORDER BY name")                                                              \
	X(USER_DISABLE, "UPDATE app_user SET disabled = ?2, updated = ?3 WHERE name = ?1")         \
	X(USER_PASSWORD, "UPDATE app_user SET pwhash = ?2, must_change = ?3, failed = 0, "         \
	                 "locked_until = NULL, updated = ?4 WHERE name = ?1")                      \
	X(USER_FAIL, "UPDATE app_user SET failed = failed + 1, locked_until = ?2 WHERE name = ?1") \
	X(USER_OK, "UPDATE app_user SET failed = 0, locked_until = NULL WHERE name = ?1")          \
	X(USER_COUNT_ROLE, "SELECT count(*) FROM app_user WHERE role = ?1 AND disabled = 0")

enum {
#define X(id, sql) AU_##id,
	AUTH_STMTS(X)
#undef X
	AU__COUNT
};
/* clang-format on */

_Static_assert(AU__COUNT <= 64, "the auth module has 64 statement slots (160-223)");

static const char *const auth_sql[] = {
#define X(id, sql) sql,
    AUTH_STMTS(X)
#undef X
};

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, MS_STORE_EXT_AUTH + id, auth_sql[id], err);
}

static void user_from_row(db_stmt *q, ms_user_row *u)
{
	u->name = store_col_text(q, 0);
	u->role = store_col_text(q, 1);
	u->scope = store_col_text(q, 2);
	u->station = store_col_text(q, 3);
	u->pwhash = store_col_text(q, 4);
	u->disabled = db_column_int(q, 5) != 0;
	u->must_change = db_column_int(q, 6) != 0;
	u->failed = db_column_int64(q, 7);
	u->locked_until = store_col_text(q, 8);
	u->created = store_col_text(q, 9);
	u->created_by = store_col_text(q, 10);
	u->updated = store_col_text(q, 11);
}

ms_err ms_store_user_insert(ms_store *s, const ms_user_row *u, ms_error *err)
{
	db_stmt *q = stmt(s, AU_USER_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, u->name);
	store_bind_text(q, 2, u->role);
	store_bind_text(q, 3, u->scope);
	store_bind_text(q, 4, u->station);
	store_bind_text(q, 5, u->pwhash);
	db_bind_int(q, 6, u->disabled ? 1 : 0);
	db_bind_int(q, 7, u->must_change ? 1 : 0);
	store_bind_text(q, 8, u->created);
	store_bind_text(q, 9, u->created_by ? u->created_by : "");
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_CONSTRAINT) {
		ms_user_row old;
		if (ms_store_user_get(s, u->name, &old, NULL) == MS_ERR_OK)
			return ms_error_set(err, MS_ERR_EXISTS,
			                    "用户 %s 已存在，请换一个用户名 (user %s already exists: "
			                    "choose another name)",
			                    u->name, u->name);
		return ms_error_set(err, MS_ERR_INVALID,
		                    "用户 %s 的角色、范围或社工站不符合要求 (the role, scope or "
		                    "station of user %s is not valid)",
		                    u->name, u->name);
	}
	if (rc != DB_DONE)
		return store_db_error(s, err, "adding a user");
	return MS_ERR_OK;
}

ms_err ms_store_user_get(ms_store *s, const char *name, ms_user_row *out, ms_error *err)
{
	db_stmt *q = stmt(s, AU_USER_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		user_from_row(q, out);
		const char **fields[] = {&out->name,   &out->role,         &out->scope,
		                         &out->station, &out->pwhash,       &out->locked_until,
		                         &out->created, &out->created_by,   &out->updated};
		if (!store_copy_into(out->text_, sizeof out->text_, fields,
		                     (int)(sizeof fields / sizeof fields[0]))) {
			db_reset(q);
			return ms_error_set(err, MS_ERR_TOO_LARGE,
			                    "用户记录过长 (a user row is too long)");
		}
		db_reset(q);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a user");
}

ms_err ms_store_user_list(ms_store *s, const char *prefix,
                          int (*fn)(void *ctx, const ms_user_row *u), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, AU_USER_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, prefix && *prefix ? prefix : NULL);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_user_row u;
		user_from_row(q, &u);
		if (fn(ctx, &u))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing users");
	return MS_ERR_OK;
}

static ms_err changed_one(ms_store *s, db_stmt *q, const char *name, ms_error *err,
                          const char *what)
{
	if (store_exec_done(s, q, err, what))
		return err ? err->code : MS_ERR_DB;
	if (db_changes(s->db) == 0)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有用户 %s (no user named %s)", name,
		                    name);
	return MS_ERR_OK;
}

ms_err ms_store_user_set_disabled(ms_store *s, const char *name, bool disabled, const char *at,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, AU_USER_DISABLE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	db_bind_int(q, 2, disabled ? 1 : 0);
	store_bind_text(q, 3, at);
	return changed_one(s, q, name, err, "disabling a user");
}

ms_err ms_store_user_set_password(ms_store *s, const char *name, const char *pwhash,
                                  bool must_change, const char *at, ms_error *err)
{
	db_stmt *q = stmt(s, AU_USER_PASSWORD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	store_bind_text(q, 2, pwhash);
	db_bind_int(q, 3, must_change ? 1 : 0);
	store_bind_text(q, 4, at);
	return changed_one(s, q, name, err, "changing a password");
}

ms_err ms_store_user_login_result(ms_store *s, const char *name, bool ok, const char *locked_until,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, ok ? AU_USER_OK : AU_USER_FAIL, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	if (!ok)
		store_bind_text(q, 2, locked_until);
	return changed_one(s, q, name, err, "recording a login");
}

ms_err ms_store_user_count_role(ms_store *s, const char *role, int64_t *n, ms_error *err)
{
	db_stmt *q = stmt(s, AU_USER_COUNT_ROLE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, role);
	int rc = db_step(q);
	if (rc == DB_ROW)
		*n = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW)
		return store_db_error(s, err, "counting users");
	return MS_ERR_OK;
}
