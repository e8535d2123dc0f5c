/* store_sqlite.c — the storage interface over SQLite: WAL mode, a busy
 * timeout, migrations at open, and every statement prepared once per handle
 * from the fixed table below (no SQL is built from values). */
#include "store/store.h"

#include "base/date.h"
#include "base/mem.h"
#include "store/schema.h"
#include "store/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 10000

/* The statements. Each row: id, SQL. */
#define STORE_STMTS(X)                                                                             \
	X(BEGIN_WRITE, "BEGIN IMMEDIATE")                                                          \
	X(BEGIN_READ, "BEGIN")                                                                     \
	X(COMMIT, "COMMIT")                                                                        \
	X(ROLLBACK, "ROLLBACK")                                                                    \
	X(FEED_GET, "SELECT id FROM feed WHERE name = ?1")                                         \
	X(FEED_ADD, "INSERT INTO feed(name) VALUES (?1)")                                          \
	X(BATCH_FIND, BATCH_COLS " WHERE b.feed_id = ?1 AND b.sha256 = ?2")                        \
	X(BATCH_GET, BATCH_COLS " WHERE b.id = ?1")                                                \
	X(BATCH_LIST, BATCH_COLS " WHERE (?1 IS NULL OR f.name = ?1) ORDER BY b.id DESC LIMIT ?2") \
	X(BATCH_ADD, DB_SQL2("INSERT INTO batch(feed_id, sha256, file_name, format, encoding, "  \
	                     "state, actor, created, first_record) VALUES (?1, ?2, ?3, ?4, ?5, "   \
	                     "'staging', ?6, ?7, (SELECT coalesce(max(seq), 0) + 1 FROM "          \
	                     "sqlite_sequence WHERE name = 'record'))",                             \
	                     "INSERT INTO batch(feed_id, sha256, file_name, format, encoding, "    \
	                     "state, actor, created, first_record) VALUES (?1, ?2, ?3, ?4, ?5, "   \
	                     "'staging', ?6, ?7, (SELECT CASE WHEN is_called THEN last_value + 1 " \
	                     "ELSE last_value END FROM record_id_seq))"))                           \
	X(BATCH_PUBLISH, "UPDATE batch SET state = 'published', published = ?2, rows = ?3, "       \
	                 "accepted = ?4, unchanged = ?5, updated = ?6, rejected = ?7, review = ?8, " \
	                 "corrected = ?9 WHERE id = ?1 AND state = 'staging'")                     \
	X(BATCH_REVOKE, "UPDATE batch SET state = 'revoked', revoked = ?2, revoked_by = ?3, "      \
	                "revoke_reason = ?4 WHERE id = ?1 AND state = 'published'")                \
	X(STAGING_LIST, "SELECT id FROM batch WHERE state = 'staging'")                            \
	X(ALERT_FLAG_REVOKED, "UPDATE alert SET evidence_revoked = 1 WHERE id IN (SELECT alert_id " \
	                      "FROM alert_evidence WHERE batch_id = ?1) AND evidence_revoked = 0")  \
	X(STAGING_DEL_RECORDS, "DELETE FROM record WHERE id >= (SELECT first_record FROM batch "   \
	                       "WHERE id = ?1) AND batch_id = ?1")                                  \
	X(STAGING_DEL_REJECTS, "DELETE FROM reject WHERE batch_id = ?1")                           \
	X(STAGING_DEL_REVIEW, "DELETE FROM review WHERE batch_id = ?1")                            \
	X(STAGING_DEL_CORR, "DELETE FROM correction WHERE batch_id = ?1")                          \
	X(STAGING_DEL_BATCH, "DELETE FROM batch WHERE id = ?1 AND state = 'staging'")              \
	X(KEY_PROBE, "SELECT id, batch_id, row, vals FROM record WHERE feed_id = ?1 AND nkey = ?2 " \
	             "ORDER BY batch_id DESC")                                                     \
	X(KEY_ROW, "SELECT row FROM record WHERE feed_id = ?1 AND nkey = ?2 AND batch_id = ?3")     \
	X(BATCH_STATES, "SELECT id, state FROM batch WHERE id <= ?1 ORDER BY id")                  \
	X(FEED_HAS_DATA, "SELECT 1 FROM batch WHERE feed_id = ?1 AND state = 'published' LIMIT 1") \
	/* PostgreSQL draws the id before it finds a duplicate key: the row is  \
	 * only offered when its key is new, so ids run on as in SQLite */      \
	X(RECORD_ADD,                                                                              \
	  DB_SQL2("INSERT INTO record(feed_id, nkey, batch_id, row, idno, area, day, vals, extra) " \
	          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",                                    \
	          "INSERT INTO record(feed_id, nkey, batch_id, row, idno, area, day, vals, extra) " \
	          "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE NOT EXISTS (SELECT 1 FROM "     \
	          "record WHERE feed_id = ?1 AND nkey = ?2 AND batch_id = ?3) "                     \
	          "ON CONFLICT DO NOTHING"))                                                       \
	X(UNCH_ADD, "INSERT INTO temp.unchanged(nkey, row) VALUES (?1, ?2) "                       \
	            "ON CONFLICT(nkey) DO NOTHING")                                                \
	X(UNCH_GET, "SELECT row FROM temp.unchanged WHERE nkey = ?1")                              \
	X(CORR_ADD, "INSERT INTO correction(batch_id, row, original, corrected) "                 \
	            "VALUES (?1, ?2, ?3, ?4)")                                                     \
	X(REJECT_ADD, "INSERT INTO reject(batch_id, row, col, code, reason_zh, reason_en, "       \
	              "original) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                             \
	X(REJECT_LIST, "SELECT batch_id, row, col, code, reason_zh, reason_en, original "          \
	               "FROM reject WHERE batch_id = ?1 ORDER BY row LIMIT ?2")                    \
	X(REVIEW_ADD, "INSERT INTO review(batch_id, row, feed_id, idno_raw, name, reason, "        \
	              "candidates, nkey, area, day, vals, extra) "                                 \
	              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")                \
	X(REVIEW_LIST, MS_STORE_REVIEW_COLS " WHERE (?1 IS NULL OR v.state = ?1) AND "                      \
	               "(?2 = 0 OR v.batch_id = ?2) AND b.state = 'published' "                    \
	               "ORDER BY v.id LIMIT ?3")                                                   \
	X(REVIEW_GET, MS_STORE_REVIEW_COLS " WHERE v.id = ?1 AND b.state = 'published'")                   \
	X(REVIEW_DECIDE, "UPDATE review SET state = ?2, linked_idno = ?3, decided_by = ?4, "       \
	                 "decided = ?5, note = ?6 WHERE id = ?1 AND state = 'open'")               \
	X(CURRENT_VALS, "SELECT r.vals FROM record r JOIN batch b ON b.id = r.batch_id "           \
	                "WHERE r.feed_id = ?1 AND r.nkey = ?2 AND b.state = 'published' "          \
	                "ORDER BY r.batch_id DESC LIMIT 1")                                        \
	X(CURRENT_RECORDS, "SELECT r.id, r.batch_id, r.row, r.nkey, r.idno, r.area, r.vals, "      \
	                   "r.day FROM record r JOIN batch b ON b.id = r.batch_id "                \
	                   "WHERE r.feed_id = ?1 AND b.state = 'published' "                       \
	                   "ORDER BY r.nkey DESC, r.batch_id DESC")                                \
	X(CURRENT_COUNT, "SELECT count(DISTINCT r.nkey) FROM record r JOIN batch b "               \
	                 "ON b.id = r.batch_id WHERE r.feed_id = ?1 AND b.state = 'published'")

#define BATCH_COLS                                                                                 \
	"SELECT b.id, b.feed_id, f.name, b.sha256, b.file_name, b.format, b.encoding, b.state, "   \
	"b.rows, b.accepted, b.unchanged, b.updated, b.rejected, b.review, b.corrected, b.actor, " \
	"b.created, b.published, b.revoked FROM batch b JOIN feed f ON f.id = b.feed_id"


enum {
#define X(id, sql) ST_##id,
	STORE_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[] = {
#define X(id, sql) sql,
	STORE_STMTS(X)
#undef X
};

static void batch_states_forget(ms_store *s);

/* ---- helpers ---- */

ms_err store_db_error(ms_store *s, ms_error *err, const char *what)
{
	int code = db_errcode(s->db);
	ms_err e = (code == DB_BUSY || code == DB_LOCKED) ? MS_ERR_BUSY : MS_ERR_DB;
	if (code == DB_NOMEM)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (code == DB_FULL)
		return ms_error_set(err, MS_ERR_IO, "磁盘已满 (disk full) while %s", what);
	return ms_error_set(err, e, "数据库错误 (database error) while %s: %s", what,
	                    db_errmsg(s->db));
}

/* Statements of an import that never read the records waiting for COPY. */
static bool copy_safe(int id)
{
	return id == ST_KEY_PROBE || id == ST_KEY_ROW || id == ST_UNCH_ADD || id == ST_UNCH_GET ||
	       id == ST_REJECT_ADD || id == ST_CORR_ADD || id == ST_REVIEW_ADD || id == ST_ROLLBACK ||
	       id == ST_BATCH_STATES || id == ST_RECORD_ADD;
}

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	if (s->copy && !copy_safe(id) && store_copy_flush(s, err))
		return NULL;
	if (!s->st[id]) {
		if (db_prepare(s->db, stmt_sql[id], &s->st[id]) != DB_OK) {
			store_db_error(s, err, "preparing a statement");
			return NULL;
		}
	}
	db_reset(s->st[id]);
	db_clear_bindings(s->st[id]);
	return s->st[id];
}

void store_bind_text(db_stmt *q, int i, const char *v)
{
	if (v)
		db_bind_text(q, i, v, -1, DB_STATIC);
	else
		db_bind_null(q, i);
}

const char *store_col_text(db_stmt *q, int i)
{
	const unsigned char *t = db_column_text(q, i);
	return t ? (const char *)t : NULL;
}

void store_now_rfc3339(char out[32])
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* Runs a statement that returns no rows. */
ms_err store_exec_done(ms_store *s, db_stmt *q, ms_error *err, const char *what)
{
	int rc = db_step(q);
	if (rc != DB_DONE && rc != DB_ROW) {
		ms_err e = store_db_error(s, err, what);
		db_reset(q);
		return e;
	}
	db_reset(q);
	return MS_ERR_OK;
}

ms_err store_exec_sql(ms_store *s, const char *sql, ms_error *err, const char *what)
{
	if (db_exec(s->db, sql) != DB_OK)
		return ms_error_set(err, MS_ERR_DB, "数据库错误 (database error) while %s: %s", what,
		                    db_errmsg(s->db));
	return MS_ERR_OK;
}

/* ---- open, migrate, close ---- */

int ms_store_schema_latest(void)
{
	int n;
	const ms_migration *m = ms_schema_sqlite(&n);
	return n ? m[n - 1].version : 0;
}

/* The applied version; out of memory is an error, not "version 0" (which
 * would apply the migrations again). */
static ms_err schema_version_get(ms_store *s, int *v, ms_error *err)
{
	db_stmt *q;
	*v = 0;
	int rc = db_prepare(s->db, "SELECT max(version) FROM schema_version", &q);
	if (rc == DB_NOMEM)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (rc == DB_OK) {
		rc = db_step(q);
		if (rc == DB_ROW)
			*v = db_column_int(q, 0);
		db_finalize(q);
		if (rc == DB_NOMEM)
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	return MS_ERR_OK;
}

int ms_store_schema_version(ms_store *s)
{
	int v;
	return schema_version_get(s, &v, NULL) ? 0 : v;
}

static ms_err store_migrate_locked(ms_store *s, bool readonly, ms_error *err)
{
	if (!readonly && store_exec_sql(s,
	                          DB_SQL2("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
	                                  "PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL) STRICT",
	                                  "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT "
	                                  "PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"),
	                          err, "creating the schema table"))
		return err ? err->code : MS_ERR_DB;
	int have;
	if (schema_version_get(s, &have, err))
		return err ? err->code : MS_ERR_NOMEM;
	int n;
	const ms_migration *m = db_kind(s->db) == DB_PG ? ms_schema_pg(&n) : ms_schema_sqlite(&n);
	int latest = n ? m[n - 1].version : 0;
	if (have > latest)
		return ms_error_set(err, MS_ERR_SCHEMA,
		                    "数据库版本 %d 比程序支持的 %d 新，请升级 minsheng "
		                    "(database schema %d is newer than this program's %d: upgrade minsheng)",
		                    have, latest, have, latest);
	if (have == latest)
		return MS_ERR_OK;
	if (readonly)
		return ms_error_set(err, MS_ERR_SCHEMA,
		                    "数据库需要升级，请先运行 minsheng init (database needs migration: run "
		                    "minsheng init)");
	for (int i = 0; i < n; i++) {
		if (m[i].version <= have)
			continue;
		if (store_exec_sql(s, "BEGIN IMMEDIATE", err, "starting a migration"))
			return MS_ERR_DB;
		/* another process may have applied it meanwhile */
		int now;
		if (schema_version_get(s, &now, err)) {
			store_exec_sql(s, "ROLLBACK", NULL, "");
			return err ? err->code : MS_ERR_NOMEM;
		}
		if (now >= m[i].version) {
			store_exec_sql(s, "ROLLBACK", NULL, "");
			continue;
		}
		if (store_exec_sql(s, m[i].sql, err, "applying a migration")) {
			store_exec_sql(s, "ROLLBACK", NULL, "");
			return MS_ERR_DB;
		}
		db_stmt *q;
		char ts[32];
		store_now_rfc3339(ts);
		if (db_prepare(s->db,
		               "INSERT INTO schema_version(version, name, applied) VALUES (?1, ?2, ?3)",
		               &q) != DB_OK) {
			store_exec_sql(s, "ROLLBACK", NULL, "");
			return store_db_error(s, err, "recording a migration");
		}
		db_bind_int(q, 1, m[i].version);
		db_bind_text(q, 2, m[i].name, -1, DB_STATIC);
		db_bind_text(q, 3, ts, -1, DB_STATIC);
		int rc = db_step(q);
		db_finalize(q);
		if (rc != DB_DONE) {
			store_exec_sql(s, "ROLLBACK", NULL, "");
			return store_db_error(s, err, "recording a migration");
		}
		if (store_exec_sql(s, "COMMIT", err, "committing a migration"))
			return MS_ERR_DB;
	}
	return MS_ERR_OK;
}

/* On PostgreSQL, processes starting together migrate one after another. */
static ms_err store_migrate(ms_store *s, bool readonly, ms_error *err)
{
	if (db_kind(s->db) != DB_PG || readonly)
		return store_migrate_locked(s, readonly, err);
	if (store_exec_sql(s, "SELECT pg_advisory_lock(28020)", err, "waiting for a migration"))
		return MS_ERR_DB;
	ms_err e = store_migrate_locked(s, readonly, err);
	store_exec_sql(s, "SELECT pg_advisory_unlock(28020)", NULL, "");
	return e;
}

/* Connects to PostgreSQL; the database must exist (createdb). Without
 * MS_STORE_CREATE its schema must exist too, as a SQLite file must:
 * `minsheng init` creates it. The URL may hold a password: never echoed. */
static ms_err store_open_pg(ms_store *s, const char *url, bool readonly, bool create,
                            ms_error *err)
{
	if (db_open_pg(url, &s->db) != DB_OK)
		return ms_error_set(err, MS_ERR_IO, "无法连接数据库 (cannot connect to the database): %s",
		                    s->db ? db_errmsg(s->db) : "out of memory");
	if (!create) {
		db_stmt *q;
		int have = -1;
		if (db_prepare(s->db, "SELECT to_regclass('schema_version') IS NOT NULL", &q) == DB_OK) {
			if (db_step(q) == DB_ROW)
				have = db_column_int(q, 0);
			db_finalize(q);
		}
		if (have < 0)
			return store_db_error(s, err, "looking for the schema");
		if (!have)
			return ms_error_set(err, MS_ERR_NOT_FOUND,
			                    "数据库尚未初始化，请先运行 minsheng init (database has no schema: "
			                    "run minsheng init first)");
	}
	return store_migrate(s, readonly, err);
}

ms_err ms_store_open(const char *url, int flags, ms_store **out, ms_error *err)
{
	*out = NULL;
	if (!url || !*url)
		return ms_error_set(err, MS_ERR_USAGE, "未指定数据库 (no database given)");
	bool readonly = flags & MS_STORE_READONLY;
	bool pg = db_url_is_pg(url);
	if (!pg && !(flags & MS_STORE_CREATE) && access(url, F_OK) != 0)
		return ms_error_set(err, MS_ERR_NOT_FOUND,
		                    "数据库 %s 不存在，请先运行 minsheng init (database does not exist: run "
		                    "minsheng init first)",
		                    url);
	ms_store *s = ms_calloc(1, sizeof *s);
	if (!s)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	s->lock_fd = -1;
	s->url = ms_strdup(url);
	if (!s->url) {
		ms_free(s);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	if (pg) {
		ms_err rc = store_open_pg(s, url, readonly, flags & MS_STORE_CREATE, err);
		if (rc) {
			ms_store_close(s);
			return rc;
		}
		*out = s;
		return MS_ERR_OK;
	}
	int oflags = readonly ? SQLITE_OPEN_READONLY
	                      : SQLITE_OPEN_READWRITE | ((flags & MS_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	oflags |= SQLITE_OPEN_NOMUTEX;
	int orc = db_open_sqlite(url, oflags, &s->db);
	if (orc != DB_OK) {
		if (orc == DB_NOMEM) {
			ms_store_close(s);
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		}
		ms_error_set(err, MS_ERR_IO, "无法打开数据库 %s (cannot open database): %s", url,
		             s->db ? db_errmsg(s->db) : "out of memory");
		ms_store_close(s);
		return err ? err->code : MS_ERR_IO;
	}
	sqlite3_busy_timeout(db_sqlite(s->db), BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db_sqlite(s->db), 0);
	ms_err rc = MS_ERR_OK;
	if (!readonly)
		rc = store_exec_sql(s, "PRAGMA journal_mode=WAL", err, "setting WAL mode");
	if (!rc)
		rc = store_exec_sql(s,
		              "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
		              "PRAGMA cache_size=-65536; PRAGMA temp_store=FILE",
		              err, "setting options");
	if (!rc) {
		/* a file that is not a database fails here */
		db_stmt *q;
		int prc = db_prepare(s->db, "SELECT count(*) FROM sqlite_schema", &q);
		if (prc == DB_NOMEM) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		} else if (prc != DB_OK) {
			rc = ms_error_set(err, MS_ERR_IO, "%s 不是 minsheng 数据库 (not a database): %s", url,
			                  db_errmsg(s->db));
		} else {
			if (db_step(q) != DB_ROW)
				rc = ms_error_set(err, MS_ERR_IO, "%s 不是 minsheng 数据库 (not a database): %s",
				                  url, db_errmsg(s->db));
			db_finalize(q);
		}
	}
	if (!rc)
		rc = store_migrate(s, readonly, err);
	if (rc) {
		ms_store_close(s);
		return rc;
	}
	*out = s;
	return MS_ERR_OK;
}

bool store_copy_into(char *buf, size_t cap, const char **fields[], int n)
{
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		const char *v = *fields[i];
		if (!v)
			continue;
		size_t len = strlen(v) + 1;
		if (len > cap - used)
			return false;
		memcpy(buf + used, v, len);
		*fields[i] = buf + used;
		used += len;
	}
	return true;
}

bool store_detach(ms_store *s, int slot, db_stmt *q, const char **fields[], int n)
{
	bool ok = true;
	if (slot >= 0 && slot < MS_STORE_EXT_MAX + 64) {
		ms_arena *a = &s->detach[slot];
		if (!a->block_size)
			ms_arena_init(a, 4096, 0);
		else
			ms_arena_reset(a);
		for (int i = 0; i < n; i++) {
			if (!*fields[i])
				continue;
			char *c = ms_arena_strdup(a, *fields[i]);
			if (!c)
				ok = false;
			*fields[i] = c;
		}
	}
	db_reset(q);
	return ok;
}

db_stmt *store_stmt_ext(ms_store *s, int slot, const char *sql, ms_error *err)
{
	if (slot < 0 || slot >= MS_STORE_EXT_MAX) {
		ms_error_set(err, MS_ERR_INTERNAL, "statement slot %d out of range", slot);
		return NULL;
	}
	if (s->copy && store_copy_flush(s, err))
		return NULL;
	if (!s->ext[slot]) {
			if (db_prepare(s->db, sql, &s->ext[slot]) != DB_OK) {
			store_db_error(s, err, "preparing a statement");
			return NULL;
		}
	}
	db_reset(s->ext[slot]);
	db_clear_bindings(s->ext[slot]);
	return s->ext[slot];
}

void ms_store_close(ms_store *s)
{
	if (!s)
		return;
	store_copy_free(s);
	for (int i = 0; i < ST__COUNT; i++)
		db_finalize(s->st[i]);
	for (int i = 0; i < MS_STORE_EXT_MAX; i++)
		db_finalize(s->ext[i]);
	for (int i = 0; i < MS_STORE_EXT_MAX + 64; i++)
		if (s->detach[i].block_size)
			ms_arena_free(&s->detach[i]);
	if (s->db)
		db_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	ms_free(s->scratch);
	ms_free(s->bstate);
	ms_free(s->url);
	ms_free(s);
}

const char *ms_store_url(const ms_store *s) { return s->url; }

int64_t ms_store_memory_used(void) { return (int64_t)sqlite3_memory_used(); }

int64_t ms_store_last_flagged(const ms_store *s) { return s->last_flagged; }

/* ---- transactions ---- */

static ms_err run_simple(ms_store *s, int id, ms_error *err, const char *what)
{
	db_stmt *q = stmt(s, id, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	return store_exec_done(s, q, err, what);
}

ms_err ms_store_begin_write(ms_store *s, ms_error *err)
{
	return run_simple(s, ST_BEGIN_WRITE, err, "starting a transaction");
}
ms_err ms_store_begin_read(ms_store *s, ms_error *err)
{
	return run_simple(s, ST_BEGIN_READ, err, "starting a transaction");
}
ms_err ms_store_commit(ms_store *s, ms_error *err)
{
	return run_simple(s, ST_COMMIT, err, "committing");
}
void ms_store_rollback(ms_store *s)
{
	store_copy_discard(s);
	s->nfeed_ids = 0;
	if (!db_get_autocommit(s->db))
		run_simple(s, ST_ROLLBACK, NULL, "rolling back");
}

/* ---- import lock and staging cleanup ---- */

ms_err ms_store_import_lock(ms_store *s, ms_error *err)
{
	if (s->lock_fd >= 0 || s->pg_import_lock)
		return MS_ERR_OK;
	if (db_kind(s->db) == DB_PG) {
		/* a session lock: held until unlocked or the connection ends */
		if (store_exec_sql(s, "SELECT pg_advisory_lock(28021)", err, "locking imports"))
			return MS_ERR_DB;
		s->pg_import_lock = true;
		return MS_ERR_OK;
	}
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s.import-lock", s->url) >= sizeof path)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "数据库路径过长 (database path too long)");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return ms_error_set(err, MS_ERR_IO, "无法创建导入锁 %s (cannot create import lock): %s",
		                    path, strerror(errno));
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return ms_error_set(err, MS_ERR_IO, "无法加导入锁 (cannot lock imports): %s",
			                    strerror(errno));
		}
	}
	s->lock_fd = fd;
	return MS_ERR_OK;
}

void ms_store_import_unlock(ms_store *s)
{
	if (s->pg_import_lock) {
		store_exec_sql(s, "SELECT pg_advisory_unlock(28021)", NULL, "");
		s->pg_import_lock = false;
	}
	if (s->lock_fd >= 0) {
		flock(s->lock_fd, LOCK_UN);
		close(s->lock_fd);
		s->lock_fd = -1;
	}
}

ms_err ms_store_cleanup_staging(ms_store *s, int64_t *removed, ms_error *err)
{
	*removed = 0;
	for (;;) {
		db_stmt *q = stmt(s, ST_STAGING_LIST, err);
		if (!q)
			return err ? err->code : MS_ERR_DB;
		int rc = db_step(q);
		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW)
			return store_db_error(s, err, "listing staging batches");
		int64_t id = db_column_int64(q, 0);
		db_reset(q);
		static const int dels[] = {ST_STAGING_DEL_RECORDS, ST_STAGING_DEL_REJECTS,
		                           ST_STAGING_DEL_REVIEW, ST_STAGING_DEL_CORR,
		                           ST_STAGING_DEL_BATCH};
		if (ms_store_begin_write(s, err))
			return MS_ERR_DB;
		for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++) {
			db_stmt *d = stmt(s, dels[i], err);
			if (!d) {
				ms_store_rollback(s);
				return MS_ERR_DB;
			}
			db_bind_int64(d, 1, id);
			if (store_exec_done(s, d, err, "removing an interrupted import")) {
				ms_store_rollback(s);
				return MS_ERR_DB;
			}
		}
		if (ms_store_commit(s, err))
			return MS_ERR_DB;
		batch_states_forget(s);
		(*removed)++;
	}
	return MS_ERR_OK;
}

/* ---- feeds and batches ---- */

bool store_feed_known(ms_store *s, const char *name, int64_t *id)
{
	for (int i = 0; i < s->nfeed_ids; i++)
		if (strcmp(s->feed_ids[i].name, name) == 0) {
			*id = s->feed_ids[i].id;
			return true;
		}
	return false;
}

void store_feed_note(ms_store *s, const char *name, int64_t id)
{
	size_t n = strlen(name);
	if (s->nfeed_ids < (int)(sizeof s->feed_ids / sizeof s->feed_ids[0]) &&
	    n < sizeof s->feed_ids[0].name) {
		memcpy(s->feed_ids[s->nfeed_ids].name, name, n + 1);
		s->feed_ids[s->nfeed_ids++].id = id;
	}
}

ms_err ms_store_feed_id(ms_store *s, const char *name, int64_t *id, ms_error *err)
{
	if (store_feed_known(s, name, id))
		return MS_ERR_OK;
	db_stmt *q = stmt(s, ST_FEED_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		*id = db_column_int64(q, 0);
		db_reset(q);
		store_feed_note(s, name, *id);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "looking up a feed");
	q = stmt(s, ST_FEED_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	if (store_exec_done(s, q, err, "adding a feed"))
		return MS_ERR_DB;
	*id = db_last_insert_rowid(s->db);
	store_feed_note(s, name, *id);
	return MS_ERR_OK;
}

static ms_batch_state state_of(const char *t)
{
	if (!t)
		return MS_BATCH_NONE;
	if (strcmp(t, "staging") == 0)
		return MS_BATCH_STAGING;
	if (strcmp(t, "published") == 0)
		return MS_BATCH_PUBLISHED;
	if (strcmp(t, "revoked") == 0)
		return MS_BATCH_REVOKED;
	return MS_BATCH_NONE;
}

static void batch_from_row(db_stmt *q, ms_batch *b)
{
	b->id = db_column_int64(q, 0);
	b->feed_id = db_column_int64(q, 1);
	b->feed = store_col_text(q, 2);
	b->sha256 = store_col_text(q, 3);
	b->file_name = store_col_text(q, 4);
	b->format = store_col_text(q, 5);
	b->encoding = store_col_text(q, 6);
	b->state = state_of(store_col_text(q, 7));
	b->counts.rows = db_column_int64(q, 8);
	b->counts.accepted = db_column_int64(q, 9);
	b->counts.unchanged = db_column_int64(q, 10);
	b->counts.updated = db_column_int64(q, 11);
	b->counts.rejected = db_column_int64(q, 12);
	b->counts.review = db_column_int64(q, 13);
	b->counts.corrected = db_column_int64(q, 14);
	b->actor = store_col_text(q, 15);
	b->created = store_col_text(q, 16);
	b->published = store_col_text(q, 17);
	b->revoked = store_col_text(q, 18);
}

static ms_err batch_one(ms_store *s, int slot, db_stmt *q, ms_batch *out, ms_error *err)
{
	int rc = db_step(q);
	if (rc == DB_ROW) {
		batch_from_row(q, out);
		const char **f[] = {&out->feed,   &out->sha256, &out->file_name, &out->format,
		                    &out->encoding, &out->actor, &out->created,  &out->published,
		                    &out->revoked};
		if (!store_detach(s, slot, q, f, (int)(sizeof f / sizeof f[0])))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a batch");
}

ms_err ms_store_batch_find(ms_store *s, int64_t feed_id, const char *sha256, ms_batch *out,
                           ms_error *err)
{
	db_stmt *q = stmt(s, ST_BATCH_FIND, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	store_bind_text(q, 2, sha256);
	return batch_one(s, MS_STORE_EXT_MAX + ST_BATCH_FIND, q, out, err);
}

ms_err ms_store_batch_get(ms_store *s, int64_t batch_id, ms_batch *out, ms_error *err)
{
	db_stmt *q = stmt(s, ST_BATCH_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, batch_id);
	return batch_one(s, MS_STORE_EXT_MAX + ST_BATCH_GET, q, out, err);
}

ms_err ms_store_batch_list(ms_store *s, const char *feed, int limit,
                           int (*fn)(void *ctx, const ms_batch *b), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, ST_BATCH_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, feed);
	db_bind_int(q, 2, limit > 0 ? limit : -1);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_batch b;
		batch_from_row(q, &b);
		if (fn(ctx, &b))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing batches");
	return MS_ERR_OK;
}

ms_err ms_store_batch_create(ms_store *s, int64_t feed_id, const char *sha256,
                             const char *file_name, const char *format, const char *encoding,
                             const char *actor, int64_t *id, ms_error *err)
{
	db_stmt *q = stmt(s, ST_BATCH_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	db_bind_int64(q, 1, feed_id);
	store_bind_text(q, 2, sha256);
	store_bind_text(q, 3, file_name);
	store_bind_text(q, 4, format);
	store_bind_text(q, 5, encoding);
	store_bind_text(q, 6, actor ? actor : "");
	store_bind_text(q, 7, ts);
	if (store_exec_done(s, q, err, "creating a batch"))
		return err ? err->code : MS_ERR_DB;
	*id = db_last_insert_rowid(s->db);
	return MS_ERR_OK;
}

ms_err ms_store_batch_publish(ms_store *s, int64_t batch_id, const ms_batch_counts *c,
                              ms_error *err)
{
	db_stmt *q = stmt(s, ST_BATCH_PUBLISH, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	db_bind_int64(q, 1, batch_id);
	store_bind_text(q, 2, ts);
	db_bind_int64(q, 3, c->rows);
	db_bind_int64(q, 4, c->accepted);
	db_bind_int64(q, 5, c->unchanged);
	db_bind_int64(q, 6, c->updated);
	db_bind_int64(q, 7, c->rejected);
	db_bind_int64(q, 8, c->review);
	db_bind_int64(q, 9, c->corrected);
	batch_states_forget(s);
	if (store_exec_done(s, q, err, "publishing a batch"))
		return err ? err->code : MS_ERR_DB;
	if (db_changes(s->db) != 1)
		return ms_error_set(err, MS_ERR_CONFLICT, "批次 %lld 不在暂存状态 (batch is not staging)",
		                    (long long)batch_id);
	return MS_ERR_OK;
}

ms_err ms_store_batch_revoke(ms_store *s, int64_t batch_id, const char *actor, const char *reason,
                             ms_error *err)
{
	db_stmt *q = stmt(s, ST_BATCH_REVOKE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	char ts[32];
	store_now_rfc3339(ts);
	db_bind_int64(q, 1, batch_id);
	store_bind_text(q, 2, ts);
	store_bind_text(q, 3, actor ? actor : "");
	store_bind_text(q, 4, reason ? reason : "");
	batch_states_forget(s);
	if (store_exec_done(s, q, err, "revoking a batch"))
		return err ? err->code : MS_ERR_DB;
	if (db_changes(s->db) != 1)
		return ms_error_set(err, MS_ERR_CONFLICT,
		                    "批次 %lld 不存在或未发布 (batch not found or not published)",
		                    (long long)batch_id);
	/* the alerts whose evidence cites the batch are flagged for review */
	q = stmt(s, ST_ALERT_FLAG_REVOKED, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, batch_id);
	if (store_exec_done(s, q, err, "flagging alerts of a revoked batch"))
		return err ? err->code : MS_ERR_DB;
	s->last_flagged = db_changes(s->db);
	return MS_ERR_OK;
}

/* ---- records ---- */

static const char *keep_text(ms_store *s, const char *t)
{
	size_t n = strlen(t) + 1;
	if (n > s->scratch_cap) {
		size_t cap = n < 256 ? 256 : n * 2;
		char *p = ms_realloc(s->scratch, cap);
		if (!p)
			return NULL;
		s->scratch = p;
		s->scratch_cap = cap;
	}
	memcpy(s->scratch, t, n);
	return s->scratch;
}

/* The state of a batch, from a cache refreshed when an unknown id shows. */
static ms_err batch_state_cached(ms_store *s, int64_t id, ms_batch_state *out, ms_error *err)
{
	if (id >= s->bstate_n) {
		db_stmt *q = stmt(s, ST_BATCH_STATES, err);
		if (!q)
			return err ? err->code : MS_ERR_DB;
		int64_t n = id + 1 + 64;
		unsigned char *st = ms_calloc((size_t)n, 1);
		if (!st)
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		db_bind_int64(q, 1, n - 1);
		int rc;
		while ((rc = db_step(q)) == DB_ROW)
			st[db_column_int64(q, 0)] = (unsigned char)state_of(store_col_text(q, 1));
		db_reset(q);
		if (rc != DB_DONE) {
			ms_free(st);
			return store_db_error(s, err, "reading batch states");
		}
		ms_free(s->bstate);
		s->bstate = st;
		s->bstate_n = n;
	}
	*out = (ms_batch_state)s->bstate[id];
	return MS_ERR_OK;
}

static void batch_states_forget(ms_store *s)
{
	ms_free(s->bstate);
	s->bstate = NULL;
	s->bstate_n = 0;
}

ms_err ms_store_key_probe(ms_store *s, int64_t feed_id, const char *nkey, int64_t batch_id,
                          ms_key_probe *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	/* a key of the batch still waiting for COPY */
	if (store_copy_key_row(s, feed_id, batch_id, nkey, &out->dup_row))
		return MS_ERR_OK;
	db_stmt *q = stmt(s, ST_KEY_PROBE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	store_bind_text(q, 2, nkey);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		int64_t b = db_column_int64(q, 1);
		if (b == batch_id) {
			out->dup_row = db_column_int64(q, 2);
			continue;
		}
		ms_batch_state st = MS_BATCH_NONE;
		if (batch_state_cached(s, b, &st, err)) {
			db_reset(q);
			return MS_ERR_DB;
		}
		if (st == MS_BATCH_PUBLISHED) {
			out->has_current = true;
			out->cur_record = db_column_int64(q, 0);
			out->cur_vals = keep_text(s, store_col_text(q, 3) ? store_col_text(q, 3) : "");
			if (!out->cur_vals) {
				db_reset(q);
				return ms_error_set(err, MS_ERR_NOMEM, NULL);
			}
			break; /* newest first: a staging version of this batch sorts first */
		}
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "looking up a key");
	return MS_ERR_OK;
}

ms_err ms_store_key_row(ms_store *s, int64_t feed_id, const char *nkey, int64_t batch_id,
                        int64_t *row, ms_error *err)
{
	*row = 0;
	if (store_copy_key_row(s, feed_id, batch_id, nkey, row))
		return MS_ERR_OK;
	db_stmt *q = stmt(s, ST_KEY_ROW, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	store_bind_text(q, 2, nkey);
	db_bind_int64(q, 3, batch_id);
	int rc = db_step(q);
	if (rc == DB_ROW)
		*row = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "looking up a key");
	return MS_ERR_OK;
}

ms_err ms_store_feed_has_data(ms_store *s, int64_t feed_id, bool *has, ms_error *err)
{
	db_stmt *q = stmt(s, ST_FEED_HAS_DATA, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	int rc = db_step(q);
	*has = rc == DB_ROW;
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "checking a feed");
	return MS_ERR_OK;
}

ms_err ms_store_record_insert(ms_store *s, const ms_record_in *r, ms_error *err)
{
	if (db_kind(s->db) == DB_PG)
		return store_copy_add(s, r, err);
	db_stmt *q = stmt(s, ST_RECORD_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, r->feed_id);
	store_bind_text(q, 2, r->nkey);
	db_bind_int64(q, 3, r->batch_id);
	db_bind_int64(q, 4, r->row);
	store_bind_text(q, 5, r->idno);
	store_bind_text(q, 6, r->area);
	if (r->day == MS_DATE_NONE)
		db_bind_null(q, 7);
	else
		db_bind_int(q, 7, r->day);
	store_bind_text(q, 8, r->vals);
	store_bind_text(q, 9, r->extra);
	int rc = db_step(q);
	db_reset(q);
	if (rc == DB_DONE && db_changes(s->db) > 0)
		return MS_ERR_OK;
	if (rc == DB_CONSTRAINT || rc == DB_DONE)
		return MS_ERR_EXISTS; /* the key is already in this batch */
	return store_db_error(s, err, "storing a record");
}

ms_err ms_store_unchanged_mark(ms_store *s, const char *nkey, int64_t row, int64_t *dup_row,
                               ms_error *err)
{
	*dup_row = 0;
	if (!s->unchanged_ready) {
		if (store_exec_sql(s,
		             "CREATE TEMP TABLE IF NOT EXISTS unchanged (nkey TEXT PRIMARY KEY, row "
		             "INTEGER NOT NULL); DELETE FROM temp.unchanged",
		             err, "preparing the unchanged-key table"))
			return MS_ERR_DB;
		s->unchanged_ready = true;
		/* the temp statements must be prepared after the table exists */
		db_finalize(s->st[ST_UNCH_ADD]);
		db_finalize(s->st[ST_UNCH_GET]);
		s->st[ST_UNCH_ADD] = s->st[ST_UNCH_GET] = NULL;
	}
	db_stmt *q = stmt(s, ST_UNCH_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, nkey);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		*dup_row = db_column_int64(q, 0);
		db_reset(q);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "checking a repeated key");
	q = stmt(s, ST_UNCH_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, nkey);
	db_bind_int64(q, 2, row);
	return store_exec_done(s, q, err, "remembering an unchanged key");
}

void ms_store_unchanged_reset(ms_store *s)
{
	if (s->unchanged_ready) {
		db_finalize(s->st[ST_UNCH_ADD]);
		db_finalize(s->st[ST_UNCH_GET]);
		s->st[ST_UNCH_ADD] = s->st[ST_UNCH_GET] = NULL;
		store_exec_sql(s, "DROP TABLE IF EXISTS temp.unchanged", NULL, "");
		s->unchanged_ready = false;
	}
}

ms_err ms_store_correction_insert(ms_store *s, int64_t batch_id, int64_t row, const char *original,
                                  const char *corrected, ms_error *err)
{
	db_stmt *q = stmt(s, ST_CORR_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, batch_id);
	db_bind_int64(q, 2, row);
	store_bind_text(q, 3, original);
	store_bind_text(q, 4, corrected);
	return store_exec_done(s, q, err, "recording a correction");
}

ms_err ms_store_reject_insert(ms_store *s, const ms_reject_in *r, ms_error *err)
{
	db_stmt *q = stmt(s, ST_REJECT_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, r->batch_id);
	db_bind_int64(q, 2, r->row);
	store_bind_text(q, 3, r->col ? r->col : "");
	store_bind_text(q, 4, r->code);
	store_bind_text(q, 5, r->reason_zh);
	store_bind_text(q, 6, r->reason_en);
	store_bind_text(q, 7, r->original ? r->original : "");
	return store_exec_done(s, q, err, "storing a rejected row");
}

ms_err ms_store_reject_list(ms_store *s, int64_t batch_id, int limit,
                            int (*fn)(void *ctx, const ms_reject_in *r), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, ST_REJECT_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, batch_id);
	db_bind_int(q, 2, limit > 0 ? limit : -1);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_reject_in r = {db_column_int64(q, 0), db_column_int64(q, 1), store_col_text(q, 2),
		                  store_col_text(q, 3),             store_col_text(q, 4),             store_col_text(q, 5),
		                  store_col_text(q, 6)};
		if (fn(ctx, &r))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing rejected rows");
	return MS_ERR_OK;
}

/* ---- review queue ---- */

ms_err ms_store_review_insert(ms_store *s, const ms_review *r, ms_error *err)
{
	db_stmt *q = stmt(s, ST_REVIEW_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, r->batch_id);
	db_bind_int64(q, 2, r->row);
	db_bind_int64(q, 3, r->feed_id);
	store_bind_text(q, 4, r->idno_raw ? r->idno_raw : "");
	store_bind_text(q, 5, r->name ? r->name : "");
	store_bind_text(q, 6, r->reason ? r->reason : "");
	store_bind_text(q, 7, r->candidates ? r->candidates : "");
	store_bind_text(q, 8, r->nkey);
	store_bind_text(q, 9, r->area);
	if (r->day == MS_DATE_NONE)
		db_bind_null(q, 10);
	else
		db_bind_int(q, 10, r->day);
	store_bind_text(q, 11, r->vals);
	store_bind_text(q, 12, r->extra);
	return store_exec_done(s, q, err, "queueing a row for review");
}

void store_review_from_row(db_stmt *q, ms_review *r)
{
	r->id = db_column_int64(q, 0);
	r->batch_id = db_column_int64(q, 1);
	r->row = db_column_int64(q, 2);
	r->feed_id = db_column_int64(q, 3);
	r->feed = store_col_text(q, 4);
	r->idno_raw = store_col_text(q, 5);
	r->name = store_col_text(q, 6);
	r->reason = store_col_text(q, 7);
	r->candidates = store_col_text(q, 8);
	r->nkey = store_col_text(q, 9);
	r->area = store_col_text(q, 10);
	r->vals = store_col_text(q, 11);
	r->extra = store_col_text(q, 12);
	r->day = db_column_type(q, 13) == DB_NULL ? MS_DATE_NONE
	                                                    : (int32_t)db_column_int(q, 13);
	r->state = store_col_text(q, 14);
	r->linked_idno = store_col_text(q, 15);
	r->decided_by = store_col_text(q, 16);
	r->decided = store_col_text(q, 17);
	r->note = store_col_text(q, 18);
}

ms_err ms_store_review_list(ms_store *s, const char *state, int64_t batch_id, int limit,
                            int (*fn)(void *ctx, const ms_review *r), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, ST_REVIEW_LIST, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, state);
	db_bind_int64(q, 2, batch_id);
	db_bind_int(q, 3, limit > 0 ? limit : -1);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_review r;
		store_review_from_row(q, &r);
		if (fn(ctx, &r))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing the review queue");
	return MS_ERR_OK;
}

ms_err ms_store_review_get(ms_store *s, int64_t id, ms_review *out, ms_error *err)
{
	db_stmt *q = stmt(s, ST_REVIEW_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		store_review_from_row(q, out);
		const char **f[] = {&out->feed, &out->idno_raw, &out->name, &out->reason,
		                    &out->candidates, &out->nkey, &out->area, &out->vals, &out->extra,
		                    &out->state, &out->linked_idno, &out->decided_by, &out->decided,
		                    &out->note};
		if (!store_detach(s, MS_STORE_EXT_MAX + ST_REVIEW_GET, q, f, (int)(sizeof f / sizeof f[0])))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "待核对记录 %lld 不存在 (no such review item)",
		                    (long long)id);
	return store_db_error(s, err, "reading a review item");
}

ms_err ms_store_review_decide(ms_store *s, int64_t id, const char *linked_idno, const char *vals_in,
                              const char *actor, const char *note, ms_error *err)
{
	ms_err rc = ms_store_begin_write(s, err);
	if (rc)
		return rc;
	ms_review r;
	rc = ms_store_review_get(s, id, &r, err);
	if (rc)
		goto fail;
	if (strcmp(r.state, "open") != 0) {
		rc = ms_error_set(err, MS_ERR_CONFLICT,
		                  "待核对记录 %lld 已处理 (%s) (review item already decided)", (long long)id,
		                  r.state);
		goto fail;
	}
	if (linked_idno) {
		/* copy what the record needs before the statement is reused */
		char *nkey = ms_strdup(r.nkey), *vals = ms_strdup(vals_in ? vals_in : r.vals);
		char *area = r.area ? ms_strdup(r.area) : NULL, *extra = r.extra ? ms_strdup(r.extra) : NULL;
		ms_record_in rec = {r.feed_id, r.batch_id, r.row, nkey, linked_idno, area, r.day, vals, extra};
		db_reset(s->st[ST_REVIEW_GET]);
		if (!nkey || !vals || (r.area && !area) || (r.extra && !extra))
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		else
			rc = ms_store_record_insert(s, &rec, err);
		ms_free(nkey);
		ms_free(vals);
		ms_free(area);
		ms_free(extra);
		if (rc)
			goto fail;
	}
	db_reset(s->st[ST_REVIEW_GET]);
	db_stmt *q = stmt(s, ST_REVIEW_DECIDE, err);
	if (!q) {
		rc = MS_ERR_DB;
		goto fail;
	}
	char ts[32];
	store_now_rfc3339(ts);
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, linked_idno ? "linked" : "discarded");
	store_bind_text(q, 3, linked_idno);
	store_bind_text(q, 4, actor ? actor : "");
	store_bind_text(q, 5, ts);
	store_bind_text(q, 6, note);
	rc = store_exec_done(s, q, err, "deciding a review item");
	if (rc)
		goto fail;
	return ms_store_commit(s, err);
fail:
	ms_store_rollback(s);
	return rc;
}

/* ---- registry lookups ---- */

ms_err ms_store_current_vals(ms_store *s, int64_t feed_id, const char *nkey, char *out,
                             size_t cap, ms_error *err)
{
	db_stmt *q = stmt(s, ST_CURRENT_VALS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	store_bind_text(q, 2, nkey);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		const char *v = store_col_text(q, 0);
		size_t n = v ? strlen(v) : 0;
		if (n >= cap) {
			db_reset(q);
			return ms_error_set(err, MS_ERR_TOO_LARGE, "记录过长 (record too long)");
		}
		memcpy(out, v ? v : "", n + 1);
		db_reset(q);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a record");
}

ms_err ms_store_current_records(ms_store *s, int64_t feed_id,
                                int (*fn)(void *ctx, const ms_record *r), void *ctx,
                                ms_error *err)
{
	db_stmt *q = stmt(s, ST_CURRENT_RECORDS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	int rc;
	char *last = NULL;
	size_t last_cap = 0;
	ms_err out = MS_ERR_OK;
	while ((rc = db_step(q)) == DB_ROW) {
		const char *nkey = store_col_text(q, 3);
		size_t n = strlen(nkey) + 1;
		if (last && strcmp(last, nkey) == 0)
			continue; /* an older version of the same key */
		if (n > last_cap) {
			char *p = ms_realloc(last, n * 2);
			if (!p) {
				out = ms_error_set(err, MS_ERR_NOMEM, NULL);
				break;
			}
			last = p;
			last_cap = n * 2;
		}
		memcpy(last, nkey, n);
		ms_record r = {db_column_int64(q, 0),
		               db_column_int64(q, 1),
		               db_column_int64(q, 2),
		               nkey,
		               store_col_text(q, 4),
		               store_col_text(q, 5),
		               store_col_text(q, 6),
		               db_column_type(q, 7) == DB_NULL ? MS_DATE_NONE
		                                                        : (int32_t)db_column_int(q, 7)};
		if (fn(ctx, &r))
			break;
	}
	db_reset(q);
	ms_free(last);
	if (out)
		return out;
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading records");
	return MS_ERR_OK;
}

ms_err ms_store_current_count(ms_store *s, int64_t feed_id, int64_t *n, ms_error *err)
{
	db_stmt *q = stmt(s, ST_CURRENT_COUNT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	int rc = db_step(q);
	*n = rc == DB_ROW ? db_column_int64(q, 0) : 0;
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "counting records");
	return MS_ERR_OK;
}

/* ---- bulk reads for the snapshot ---- */

enum {
	SNAP_FEED_LIST = MS_STORE_EXT_SNAPSHOT,
	SNAP_BATCH_PUBLISHED,
	SNAP_RECORD_MAX_ID,
	SNAP_RECORD_RANGE,
	SNAP_RECORD_RANGE_DESC,
};

ms_err ms_store_feed_list(ms_store *s, int (*fn)(void *ctx, int64_t feed_id, const char *name),
                          void *ctx, ms_error *err)
{
	db_stmt *q = store_stmt_ext(s, SNAP_FEED_LIST, "SELECT id, name FROM feed ORDER BY id", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc;
	while ((rc = db_step(q)) == DB_ROW)
		if (fn(ctx, db_column_int64(q, 0), store_col_text(q, 1)))
			break;
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing feeds");
	return MS_ERR_OK;
}

ms_err ms_store_published_batches(ms_store *s,
                                  int (*fn)(void *ctx, int64_t batch_id, int64_t feed_id),
                                  void *ctx, ms_error *err)
{
	db_stmt *q = store_stmt_ext(
	        s, SNAP_BATCH_PUBLISHED,
	        "SELECT id, feed_id FROM batch WHERE state = 'published' ORDER BY id", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc;
	while ((rc = db_step(q)) == DB_ROW)
		if (fn(ctx, db_column_int64(q, 0), db_column_int64(q, 1)))
			break;
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing published batches");
	return MS_ERR_OK;
}

ms_err ms_store_record_max_id(ms_store *s, int64_t *max_id, ms_error *err)
{
	*max_id = 0;
	db_stmt *q =
	        store_stmt_ext(s, SNAP_RECORD_MAX_ID, "SELECT coalesce(max(id), 0) FROM record", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc = db_step(q);
	if (rc == DB_ROW)
		*max_id = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading the last record id");
	return MS_ERR_OK;
}

ms_err ms_store_record_scan(ms_store *s, int64_t from_id, int64_t to_id, bool descending,
                            int (*fn)(void *ctx, const ms_record_row *r), void *ctx,
                            ms_error *err)
{
	/* a range of the table's rowid: one sequential pass, no index */
	db_stmt *q =
	        descending
	                ? store_stmt_ext(s, SNAP_RECORD_RANGE_DESC,
	                                 "SELECT id, feed_id, batch_id, row, idno, area, day, vals "
	                                 "FROM record WHERE id >= ?1 AND id < ?2 ORDER BY id DESC",
	                                 err)
	                : store_stmt_ext(s, SNAP_RECORD_RANGE,
	                                 "SELECT id, feed_id, batch_id, row, idno, area, day, vals "
	                                 "FROM record WHERE id >= ?1 AND id < ?2 ORDER BY id",
	                                 err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, from_id);
	db_bind_int64(q, 2, to_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_record_row r;
		r.id = db_column_int64(q, 0);
		r.feed_id = db_column_int64(q, 1);
		r.batch_id = db_column_int64(q, 2);
		r.row = db_column_int64(q, 3);
		r.idno = store_col_text(q, 4);
		r.area = store_col_text(q, 5);
		r.day = db_column_type(q, 6) == DB_NULL ? MS_DATE_NONE
		                                                  : (int32_t)db_column_int(q, 6);
		r.vals = store_col_text(q, 7);
		r.vals_len = r.vals ? (size_t)db_column_bytes(q, 7) : 0;
		if (!r.vals)
			r.vals = "";
		if (fn(ctx, &r))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading records");
	return MS_ERR_OK;
}
