/* db.h — one statement interface over the two databases the store runs on:
 * an embedded SQLite file and a PostgreSQL server (libpq). The store's
 * modules prepare fixed SQL once, bind values, step through rows and read
 * columns with these calls; the calls follow SQLite's model (step returns
 * DB_ROW until DB_DONE, reset keeps the bindings), so both databases
 * behave alike to the code above.
 *
 * SQL is written in SQLite's dialect with numbered parameters (?1, ?2 …).
 * For PostgreSQL it is translated once at prepare time: ?N becomes $N,
 * "INSERT OR IGNORE" becomes "ON CONFLICT DO NOTHING", temp.x becomes
 * pg_temp.x. A statement whose dialects differ beyond that is written with
 * DB_SQL2(sqlite, postgresql): both texts in one literal.
 *
 * Only src/store includes this header. */
#ifndef MS_STORE_DB_H
#define MS_STORE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum db_kind { DB_SQLITE = 1, DB_PG = 2 };

/* Result codes: SQLite's numbers, so both databases answer alike. */
enum {
	DB_OK = SQLITE_OK,
	DB_ERROR = SQLITE_ERROR,
	DB_BUSY = SQLITE_BUSY,
	DB_LOCKED = SQLITE_LOCKED,
	DB_NOMEM = SQLITE_NOMEM,
	DB_FULL = SQLITE_FULL,
	DB_CONSTRAINT = SQLITE_CONSTRAINT,
	DB_ROW = SQLITE_ROW,
	DB_DONE = SQLITE_DONE,
};
/* Column types. */
enum {
	DB_INTEGER = SQLITE_INTEGER,
	DB_FLOAT = SQLITE_FLOAT,
	DB_TEXT = SQLITE_TEXT,
	DB_BLOB = SQLITE_BLOB,
	DB_NULL = SQLITE_NULL,
};
#define DB_STATIC SQLITE_STATIC
#define DB_TRANSIENT SQLITE_TRANSIENT

/* Two dialects of one statement: "\x01" sqlite "\0" postgresql. */
#define DB_SQL2(lite, pg) "\x01" lite "\0" pg

/* Opens a SQLite file (flags: SQLITE_OPEN_*). On failure *out may still be
 * set, for db_errmsg; close it. */
int db_open_sqlite(const char *path, int flags, db_conn **out);
/* Connects to PostgreSQL by URL (postgresql://…). */
int db_open_pg(const char *url, db_conn **out);
void db_close(db_conn *d);
int db_kind(const db_conn *d);
/* The SQLite handle (backup, integrity checks); NULL on PostgreSQL. */
sqlite3 *db_sqlite(db_conn *d);
/* The libpq connection (COPY paths) as void *; NULL on SQLite. */
void *db_pg(db_conn *d);
/* True when the URL names a PostgreSQL database. */
bool db_url_is_pg(const char *url);

/* Runs SQL that returns no rows (several statements allowed). */
int db_exec(db_conn *d, const char *sql);
int db_prepare(db_conn *d, const char *sql, db_stmt **out);
int db_step(db_stmt *q);
int db_reset(db_stmt *q);
int db_clear_bindings(db_stmt *q);
int db_finalize(db_stmt *q);
int db_bind_parameter_count(db_stmt *q);

int db_bind_int64(db_stmt *q, int i, int64_t v);
int db_bind_int(db_stmt *q, int i, int v);
int db_bind_double(db_stmt *q, int i, double v);
int db_bind_null(db_stmt *q, int i);
int db_bind_text(db_stmt *q, int i, const char *v, int n, void (*destructor)(void *));
int db_bind_blob64(db_stmt *q, int i, const void *v, uint64_t n, void (*destructor)(void *));

int64_t db_column_int64(db_stmt *q, int i);
int db_column_int(db_stmt *q, int i);
double db_column_double(db_stmt *q, int i);
const unsigned char *db_column_text(db_stmt *q, int i);
const void *db_column_blob(db_stmt *q, int i);
int db_column_bytes(db_stmt *q, int i);
int db_column_type(db_stmt *q, int i);

int64_t db_changes(db_conn *d);
int64_t db_last_insert_rowid(db_conn *d);
int db_errcode(db_conn *d);
const char *db_errmsg(db_conn *d);
/* True outside a transaction. */
int db_get_autocommit(db_conn *d);

#endif
