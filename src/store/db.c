/* db.c — the statement interface of db.h over SQLite and libpq.
 *
 * PostgreSQL statements are prepared on the server on first use (one name
 * per statement and connection), executed with text parameters whose types
 * the server infers, and their rows read from the result in SQLite's
 * step-by-step manner. Values come back as text and are converted on
 * reading: integers and booleans ('t'/'f') to int64, bytea from hex. */
#include "store/db.h"

#include "base/mem.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the lock a writing transaction takes on PostgreSQL: writers of one
 * database follow each other, as they do on SQLite (readers never wait) */
/* the advisory lock 28019 ("ms") */

struct db_conn {
	int kind;
	sqlite3 *lite;
	PGconn *pg;
	int errcode;
	bool nomem; /* this layer's own allocation failed (SQLite) */
	int64_t changes;
	unsigned next_name;
	char errmsg[512];
};

typedef struct pg_param {
	char *buf;
	size_t cap;
	int len;
	bool null;
	bool binary;
	char kind; /* what was bound: i integer, t text, d double, b bytes */
} pg_param;

/* A server-side statement prepared with explicit parameter types, for SQL
 * whose types the server cannot infer (?1 IS NULL OR x = ?1): one per
 * combination of bound kinds. */
#define PG_TYPED_MAX 6
typedef struct pg_typed {
	char sig[40];
	char name[32];
} pg_typed;

struct db_stmt {
	db_conn *owner;
	sqlite3_stmt *lq;
	/* PostgreSQL */
	char *sql;        /* translated */
	char name[24];
	bool prepared;    /* with the types the server inferred */
	bool untyped_fails; /* … which it could not: see typed */
	pg_typed typed[PG_TYPED_MAX];
	int ntyped;
	int special;      /* SPECIAL_* */
	bool unique_insert; /* no row inserted = a duplicate key */
	int nparams;
	pg_param *params;
	const char **vals;
	int *lens;
	int *fmts;
	PGresult *res;
	int row, nrows;
	bool executed;
	unsigned char *blob; /* a decoded bytea column */
	size_t blob_cap;
	int blob_len;
};

enum { SPECIAL_NONE, SPECIAL_BEGIN_WRITE };

bool db_url_is_pg(const char *url)
{
	return url && (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0);
}

int db_kind(const db_conn *d) { return d->kind; }
sqlite3 *db_sqlite(db_conn *d) { return d->kind == DB_SQLITE ? d->lite : NULL; }
void *db_pg(db_conn *d) { return d->kind == DB_PG ? (void *)d->pg : NULL; }

/* ---- errors ---- */

static int pg_fail(db_conn *d, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(d->pg);
	if (!msg || !*msg)
		msg = PQerrorMessage(d->pg);
	snprintf(d->errmsg, sizeof d->errmsg, "%s", msg ? msg : "unknown error");
	size_t n = strlen(d->errmsg);
	while (n && (d->errmsg[n - 1] == '\n' || d->errmsg[n - 1] == ' '))
		d->errmsg[--n] = 0;
	int code = DB_ERROR;
	if (state) {
		if (strncmp(state, "23", 2) == 0)
			code = DB_CONSTRAINT;
		else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
		         !strcmp(state, "57014"))
			code = DB_BUSY;
		else if (!strcmp(state, "53100"))
			code = DB_FULL;
		else if (!strcmp(state, "53200"))
			code = DB_NOMEM;
	}
	d->errcode = code;
	return code;
}

int db_errcode(db_conn *d)
{
	if (d->nomem)
		return DB_NOMEM;
	return d->kind == DB_SQLITE ? sqlite3_errcode(d->lite) : d->errcode;
}

const char *db_errmsg(db_conn *d)
{
	if (!d || d->nomem)
		return "out of memory";
	return d->kind == DB_SQLITE ? sqlite3_errmsg(d->lite) : d->errmsg;
}

/* ---- connections ---- */

int db_open_sqlite(const char *path, int flags, db_conn **out)
{
	db_conn *d = ms_calloc(1, sizeof *d);
	*out = d;
	if (!d)
		return DB_NOMEM;
	d->kind = DB_SQLITE;
	return sqlite3_open_v2(path, &d->lite, flags, NULL);
}

int db_open_pg(const char *url, db_conn **out)
{
	db_conn *d = ms_calloc(1, sizeof *d);
	*out = d;
	if (!d)
		return DB_NOMEM;
	d->kind = DB_PG;
	d->pg = PQconnectdb(url);
	if (!d->pg || PQstatus(d->pg) != CONNECTION_OK) {
		snprintf(d->errmsg, sizeof d->errmsg, "%s",
		         d->pg ? PQerrorMessage(d->pg) : "out of memory");
		size_t n = strlen(d->errmsg);
		while (n && d->errmsg[n - 1] == '\n')
			d->errmsg[--n] = 0;
		d->errcode = DB_ERROR;
		return DB_ERROR;
	}
	/* a lock waited on longer than SQLite's busy timeout is "busy"; times
	 * as text in China Standard Time like the rest of the store; each
	 * statement is planned once, when prepared, as SQLite plans it (the
	 * default plans again for the values of each of its first executions
	 * and often keeps doing so: a person read spent more time planning its
	 * dozen lookups than running them, 2.3 times slower under load) */
	return db_exec(d, "SET lock_timeout = '10s'; SET client_min_messages = warning; "
	                  "SET TIME ZONE 'Asia/Shanghai'; SET plan_cache_mode = force_generic_plan");
}

void db_close(db_conn *d)
{
	if (!d)
		return;
	if (d->kind == DB_SQLITE) {
		if (d->lite)
			sqlite3_close_v2(d->lite);
	} else if (d->pg) {
		PQfinish(d->pg);
	}
	ms_free(d);
}

int db_get_autocommit(db_conn *d)
{
	if (d->kind == DB_SQLITE)
		return sqlite3_get_autocommit(d->lite);
	return PQtransactionStatus(d->pg) == PQTRANS_IDLE;
}

int64_t db_changes(db_conn *d)
{
	return d->kind == DB_SQLITE ? sqlite3_changes64(d->lite) : d->changes;
}

int64_t db_last_insert_rowid(db_conn *d)
{
	if (d->kind == DB_SQLITE)
		return sqlite3_last_insert_rowid(d->lite);
	PGresult *r = PQexec(d->pg, "SELECT lastval()");
	int64_t v = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* Statements PostgreSQL has no use for. */
static bool pg_ignored(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t')
		sql++;
	return strncasecmp(sql, "PRAGMA", 6) == 0;
}

/* unique_insert: NULL for SQL run as it is (db_exec); else set to whether
 * the statement is a one-row INSERT whose duplicate key is reported */
static char *pg_translate(const char *sql, int *nparams, bool *unique_insert);

int db_exec(db_conn *d, const char *sql)
{
	d->nomem = false;
	if (d->kind == DB_SQLITE) {
		if (sql[0] == '\x01')
			sql++;
		return sqlite3_exec(d->lite, sql, NULL, NULL, NULL);
	}
	if (sql[0] == '\x01')
		sql += strlen(sql) + 1;
	if (pg_ignored(sql))
		return DB_OK;
	if (!strcmp(sql, "BEGIN IMMEDIATE"))
		sql = "BEGIN; SELECT pg_advisory_xact_lock(28019)";
	int np;
	char *t = pg_translate(sql, &np, NULL);
	if (!t)
		return DB_NOMEM;
	PGresult *r = PQexec(d->pg, t);
	ms_free(t);
	ExecStatusType st = PQresultStatus(r);
	int rc = DB_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
		rc = pg_fail(d, r);
	PQclear(r);
	return rc;
}

/* ---- translation of SQLite's dialect ---- */

static bool word_at(const char *p, const char *w)
{
	size_t n = strlen(w);
	return strncasecmp(p, w, n) == 0;
}

/* ?N → $N, bare ? → the next number, INSERT OR IGNORE → ON CONFLICT DO
 * NOTHING, temp. → pg_temp.; literals and quoted names are copied as they
 * are. *nparams receives the highest parameter number. */

static char *pg_translate(const char *sql, int *nparams, bool *unique_insert)
{
	/* a one-row INSERT … VALUES without its own conflict clause: a
	 * duplicate key must not abort the transaction (SQLite goes on after
	 * SQLITE_CONSTRAINT, PostgreSQL would not), so the row is skipped on
	 * conflict and the step reports DB_CONSTRAINT */
	const char *lead = sql;
	while (*lead == ' ' || *lead == '\n')
		lead++;
	bool unique = unique_insert && strncasecmp(lead, "INSERT INTO ", 12) == 0 &&
	              strstr(sql, " VALUES") && !strstr(sql, "ON CONFLICT") && !strstr(sql, " SELECT ");
	if (unique_insert)
		*unique_insert = unique;
	size_t n = strlen(sql);
	size_t cap = n * 3 + 512;
	char *out = ms_malloc(cap);
	if (!out)
		return NULL;
	char *o = out;
	const char *end = out + cap;
	int maxp = 0;
	bool ignore = false, limit = false;
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			char qc = *p;
			*o++ = *p++;
			while (*p) {
				if (*p == qc && p[1] == qc) {
					*o++ = *p++;
					*o++ = *p++;
				} else if (*p == qc) {
					*o++ = *p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
			continue;
		}
		if (*p == '?') {
			p++;
			int num = 0;
			if (*p >= '0' && *p <= '9') {
				while (*p >= '0' && *p <= '9')
					num = num * 10 + (*p++ - '0');
			} else {
				num = maxp + 1;
			}
			if (num > maxp)
				maxp = num;
			o += snprintf(o, (size_t)(end - o), "$%d", num);
			if (limit) {
				o += snprintf(o, (size_t)(end - o), "%s", "::bigint, -1), -1)");
				limit = false;
			}
			continue;
		}
		bool boundary = p == sql || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
		                              (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9'));
		if (boundary && word_at(p, "INSERT OR IGNORE ")) {
			memcpy(o, "INSERT ", 7);
			o += 7;
			p += 17;
			ignore = true;
			continue;
		}
		/* LIMIT -1 is "no limit" in SQLite, an error in PostgreSQL,
		 * whose "no limit" is LIMIT NULL */
		if (boundary && word_at(p, "LIMIT ?")) {
			memcpy(o, "LIMIT NULLIF(GREATEST(", 22);
			o += 22;
			p += 6;
			limit = true;
			continue;
		}
		if (boundary && word_at(p, "temp.")) {
			memcpy(o, "pg_temp.", 8);
			o += 8;
			p += 5;
			continue;
		}
		*o++ = *p++;
	}
	*o = 0;
	if (ignore || unique) {
		char *ret = strstr(out, " RETURNING ");
		const char *tail = " ON CONFLICT DO NOTHING";
		if (ret) {
			size_t tl = strlen(tail);
			memmove(ret + tl, ret, strlen(ret) + 1);
			memcpy(ret, tail, tl);
		} else {
			memcpy(o, tail, strlen(tail) + 1);
		}
	}
	*nparams = maxp;
	return out;
}

/* ---- statements ---- */

int db_prepare(db_conn *d, const char *sql, db_stmt **out)
{
	*out = NULL;
	d->nomem = false;
	db_stmt *q = ms_calloc(1, sizeof *q);
	if (!q) {
		d->nomem = true;
		return DB_NOMEM;
	}
	q->owner = d;
	if (d->kind == DB_SQLITE) {
		if (sql[0] == '\x01')
			sql++;
		int rc = sqlite3_prepare_v3(d->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->lq, NULL);
		if (rc != SQLITE_OK) {
			ms_free(q);
			return rc;
		}
		*out = q;
		return DB_OK;
	}
	if (sql[0] == '\x01')
		sql += strlen(sql) + 1;
	if (!strcmp(sql, "BEGIN IMMEDIATE"))
		q->special = SPECIAL_BEGIN_WRITE;
	q->sql = pg_translate(sql, &q->nparams, &q->unique_insert);
	if (!q->sql) {
		ms_free(q);
		d->nomem = true;
		return DB_NOMEM;
	}
	if (q->nparams) {
		q->params = ms_calloc((size_t)q->nparams, sizeof *q->params);
		q->vals = ms_calloc((size_t)q->nparams, sizeof *q->vals);
		q->lens = ms_calloc((size_t)q->nparams, sizeof *q->lens);
		q->fmts = ms_calloc((size_t)q->nparams, sizeof *q->fmts);
		if (!q->params || !q->vals || !q->lens || !q->fmts) {
			db_finalize(q);
			d->nomem = true;
			return DB_NOMEM;
		}
		for (int i = 0; i < q->nparams; i++)
			q->params[i].null = true;
	}
	snprintf(q->name, sizeof q->name, "ms%u", ++d->next_name);
	*out = q;
	return DB_OK;
}

int db_finalize(db_stmt *q)
{
	if (!q)
		return DB_OK;
	if (q->lq)
		sqlite3_finalize(q->lq);
	if (q->res)
		PQclear(q->res);
	if (q->owner->pg && PQstatus(q->owner->pg) == CONNECTION_OK &&
	    PQtransactionStatus(q->owner->pg) == PQTRANS_IDLE) {
		char sql[64];
		if (q->prepared) {
			snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
			PQclear(PQexec(q->owner->pg, sql));
		}
		for (int i = 0; i < q->ntyped; i++) {
			snprintf(sql, sizeof sql, "DEALLOCATE %s", q->typed[i].name);
			PQclear(PQexec(q->owner->pg, sql));
		}
	}
	for (int i = 0; q->params && i < q->nparams; i++) /* NULL: its allocation failed */
		ms_free(q->params[i].buf);
	ms_free(q->params);
	ms_free(q->vals);
	ms_free(q->lens);
	ms_free(q->fmts);
	ms_free(q->blob);
	ms_free(q->sql);
	ms_free(q);
	return DB_OK;
}

int db_reset(db_stmt *q)
{
	if (q->lq)
		return sqlite3_reset(q->lq);
	if (q->res) {
		PQclear(q->res);
		q->res = NULL;
	}
	q->executed = false;
	q->row = q->nrows = 0;
	return DB_OK;
}

int db_clear_bindings(db_stmt *q)
{
	if (q->lq)
		return sqlite3_clear_bindings(q->lq);
	for (int i = 0; i < q->nparams; i++) {
		q->params[i].null = true;
		q->params[i].binary = false;
	}
	return DB_OK;
}

int db_bind_parameter_count(db_stmt *q)
{
	return q->lq ? sqlite3_bind_parameter_count(q->lq) : q->nparams;
}

static pg_param *param_at(db_stmt *q, int i)
{
	if (i < 1 || i > q->nparams)
		return NULL;
	return &q->params[i - 1];
}

static int param_set(db_stmt *q, int i, const void *v, size_t n, bool binary)
{
	pg_param *p = param_at(q, i);
	if (!p)
		return SQLITE_RANGE;
	if (n + 1 > p->cap) {
		size_t cap = n + 1 < 32 ? 32 : n + 1;
		char *b = ms_realloc(p->buf, cap);
		if (!b)
			return DB_NOMEM;
		p->buf = b;
		p->cap = cap;
	}
	if (n)
		memcpy(p->buf, v, n);
	p->buf[n] = 0;
	p->len = (int)n;
	p->null = false;
	p->binary = binary;
	p->kind = binary ? 'b' : 't';
	return DB_OK;
}

int db_bind_int64(db_stmt *q, int i, int64_t v)
{
	if (q->lq)
		return sqlite3_bind_int64(q->lq, i, v);
	char b[24];
	int n = snprintf(b, sizeof b, "%lld", (long long)v);
	int rc = param_set(q, i, b, (size_t)n, false);
	if (rc == DB_OK)
		q->params[i - 1].kind = 'i';
	return rc;
}

int db_bind_int(db_stmt *q, int i, int v) { return db_bind_int64(q, i, v); }

int db_bind_double(db_stmt *q, int i, double v)
{
	if (q->lq)
		return sqlite3_bind_double(q->lq, i, v);
	char b[40];
	int n = snprintf(b, sizeof b, "%.17g", v);
	int rc = param_set(q, i, b, (size_t)n, false);
	if (rc == DB_OK)
		q->params[i - 1].kind = 'd';
	return rc;
}

int db_bind_null(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_bind_null(q->lq, i);
	pg_param *p = param_at(q, i);
	if (!p)
		return SQLITE_RANGE;
	p->null = true;
	return DB_OK;
}

int db_bind_text(db_stmt *q, int i, const char *v, int n, void (*destructor)(void *))
{
	if (q->lq)
		return sqlite3_bind_text(q->lq, i, v, n, destructor);
	if (!v)
		return db_bind_null(q, i);
	size_t len = n < 0 ? strlen(v) : (size_t)n;
	int rc = param_set(q, i, v, len, false);
	if (destructor != DB_STATIC && destructor != DB_TRANSIENT && destructor)
		destructor((void *)(uintptr_t)v);
	return rc;
}

int db_bind_blob64(db_stmt *q, int i, const void *v, uint64_t n, void (*destructor)(void *))
{
	if (q->lq)
		return sqlite3_bind_blob64(q->lq, i, v, n, destructor);
	if (!v)
		return db_bind_null(q, i);
	int rc = param_set(q, i, v, (size_t)n, true);
	if (destructor != DB_STATIC && destructor != DB_TRANSIENT && destructor)
		destructor((void *)(uintptr_t)v);
	return rc;
}

/* MINSHENG_DB_TRACE=1 prints each failing statement with its error. */
static void pg_trace(const db_stmt *q, const char *what)
{
	static int on = -1;
	if (on < 0) {
		const char *e = getenv("MINSHENG_DB_TRACE");
		on = e && *e && strcmp(e, "0") != 0;
	}
	if (on)
		fprintf(stderr, "db trace: %s failed: %s\n  sql: %s\n", what, q->owner->errmsg, q->sql);
}

/* Prepares on the server. Inside a transaction a failed attempt must not
 * abort it: the attempt runs under a savepoint. *state receives the
 * SQLSTATE of a failure. */
static int pg_prepare_as(db_stmt *q, const char *name, const Oid *types, char state[6])
{
	db_conn *d = q->owner;
	bool txn = PQtransactionStatus(d->pg) == PQTRANS_INTRANS;
	if (txn)
		PQclear(PQexec(d->pg, "SAVEPOINT ms_prepare"));
	PGresult *r = PQprepare(d->pg, name, q->sql, q->nparams, types);
	int rc = DB_OK;
	state[0] = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		snprintf(state, 6, "%s", st ? st : "");
		rc = pg_fail(d, r);
	}
	PQclear(r);
	if (txn)
		PQclear(PQexec(d->pg, rc == DB_OK ? "RELEASE SAVEPOINT ms_prepare"
		                                  : "ROLLBACK TO SAVEPOINT ms_prepare"));
	return rc;
}

/* A parameter type the server could not settle on (42P18), or one that
 * does not match its use (42883 no such operator, 42804 mismatch). */
static bool type_problem(const char *state)
{
	return !strcmp(state, "42P18") || !strcmp(state, "42883") || !strcmp(state, "42804") ||
	       !strcmp(state, "42P08") || !strcmp(state, "42725");
}

/* The name of a server statement fit for the values bound now. */
static const char *pg_statement(db_stmt *q, int *rc)
{
	char state[6];
	*rc = DB_OK;
	if (q->prepared)
		return q->name;
	if (!q->untyped_fails) {
		*rc = pg_prepare_as(q, q->name, NULL, state);
		if (*rc == DB_OK) {
			q->prepared = true;
			return q->name;
		}
		if (!type_problem(state))
			return NULL;
		q->untyped_fails = true;
	}
	char sig[40];
	int n = q->nparams < (int)sizeof sig - 1 ? q->nparams : (int)sizeof sig - 1;
	for (int i = 0; i < n; i++)
		sig[i] = q->params[i].null ? 'n' : q->params[i].kind;
	sig[n] = 0;
	for (int i = 0; i < q->ntyped; i++)
		if (!strcmp(q->typed[i].sig, sig))
			return q->typed[i].name;
	if (q->ntyped == PG_TYPED_MAX) {
		*rc = DB_ERROR;
		snprintf(q->owner->errmsg, sizeof q->owner->errmsg, "too many typed variants of: %.300s",
		         q->sql);
		return NULL;
	}
	Oid types[64];
	if (q->nparams > 64) {
		*rc = DB_ERROR;
		return NULL;
	}
	/* text for text and for NULL; when the NULL stands for a number, the
	 * second attempt says so */
	for (int attempt = 0; attempt < 2; attempt++) {
		for (int i = 0; i < q->nparams; i++) {
			char k = q->params[i].null ? 'n' : q->params[i].kind;
			types[i] = k == 'i' ? 20 : k == 'd' ? 701 : k == 'b' ? 17 : k == 'n' && attempt ? 20 : 25;
		}
		pg_typed *t = &q->typed[q->ntyped];
		snprintf(t->sig, sizeof t->sig, "%s", sig);
		snprintf(t->name, sizeof t->name, "%s_%d", q->name, q->ntyped);
		*rc = pg_prepare_as(q, t->name, types, state);
		if (*rc == DB_OK) {
			q->ntyped++;
			return t->name;
		}
		if (!type_problem(state))
			return NULL;
	}
	return NULL;
}

static int pg_execute(db_stmt *q)
{
	db_conn *d = q->owner;
	if (q->special == SPECIAL_BEGIN_WRITE)
		return db_exec(d, "BEGIN IMMEDIATE") == DB_OK ? DB_DONE : d->errcode;
	int prc;
	const char *name = pg_statement(q, &prc);
	if (!name) {
		pg_trace(q, "prepare");
		return prc ? prc : DB_ERROR;
	}
	for (int i = 0; i < q->nparams; i++) {
		pg_param *p = &q->params[i];
		q->vals[i] = p->null ? NULL : p->buf;
		q->lens[i] = p->len;
		q->fmts[i] = p->binary ? 1 : 0;
	}
	q->res = PQexecPrepared(d->pg, name, q->nparams, q->vals, q->lens, q->fmts, 0);
	ExecStatusType st = PQresultStatus(q->res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		const char *ct = PQcmdTuples(q->res);
		if (ct && *ct)
			d->changes = strtoll(ct, NULL, 10);
		q->nrows = st == PGRES_TUPLES_OK ? PQntuples(q->res) : 0;
		if (q->unique_insert && ct && !strcmp(ct, "0")) {
			PQclear(q->res);
			q->res = NULL;
			d->errcode = DB_CONSTRAINT;
			snprintf(d->errmsg, sizeof d->errmsg, "UNIQUE constraint failed");
			return DB_CONSTRAINT;
		}
		q->row = 0;
		q->executed = true;
		return q->nrows > 0 ? DB_ROW : DB_DONE;
	}
	int rc = pg_fail(d, q->res);
	PQclear(q->res);
	q->res = NULL;
	pg_trace(q, "execute");
	/* a statement prepared before a schema change must be prepared again */
	return rc;
}

int db_step(db_stmt *q)
{
	q->owner->nomem = false;
	if (q->lq)
		return sqlite3_step(q->lq);
	if (!q->executed)
		return pg_execute(q);
	if (q->row + 1 < q->nrows) {
		q->row++;
		return DB_ROW;
	}
	q->row = q->nrows;
	return DB_DONE;
}

/* ---- columns ---- */

static bool pg_cell(db_stmt *q, int i)
{
	return q->res && q->row < q->nrows && i >= 0 && i < PQnfields(q->res) &&
	       !PQgetisnull(q->res, q->row, i);
}

int64_t db_column_int64(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_column_int64(q->lq, i);
	if (!pg_cell(q, i))
		return 0;
	const char *v = PQgetvalue(q->res, q->row, i);
	if (v[0] == 't' && !v[1])
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

int db_column_int(db_stmt *q, int i) { return (int)db_column_int64(q, i); }

double db_column_double(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_column_double(q->lq, i);
	if (!pg_cell(q, i))
		return 0;
	return strtod(PQgetvalue(q->res, q->row, i), NULL);
}

const unsigned char *db_column_text(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_column_text(q->lq, i);
	if (!pg_cell(q, i))
		return NULL;
	const char *v = PQgetvalue(q->res, q->row, i);
	Oid t = PQftype(q->res, i);
	if (t == 16) /* boolean reads as 1 or 0, as in SQLite */
		return (const unsigned char *)(v[0] == 't' ? "1" : "0");
	return (const unsigned char *)v;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const void *db_column_blob(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_column_blob(q->lq, i);
	if (!pg_cell(q, i))
		return NULL;
	const char *v = PQgetvalue(q->res, q->row, i);
	size_t len = (size_t)PQgetlength(q->res, q->row, i);
	if (PQftype(q->res, i) != 17 || len < 2 || v[0] != '\\' || v[1] != 'x') {
		q->blob_len = (int)len;
		return v;
	}
	size_t n = (len - 2) / 2;
	if (n + 1 > q->blob_cap) {
		unsigned char *b = ms_realloc(q->blob, n + 1);
		if (!b)
			return NULL;
		q->blob = b;
		q->blob_cap = n + 1;
	}
	for (size_t k = 0; k < n; k++)
		q->blob[k] = (unsigned char)(hexval(v[2 + 2 * k]) << 4 | hexval(v[3 + 2 * k]));
	q->blob_len = (int)n;
	return q->blob;
}

int db_column_bytes(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_column_bytes(q->lq, i);
	if (!pg_cell(q, i))
		return 0;
	if (PQftype(q->res, i) == 17) {
		db_column_blob(q, i);
		return q->blob_len;
	}
	return PQgetlength(q->res, q->row, i);
}

int db_column_type(db_stmt *q, int i)
{
	if (q->lq)
		return sqlite3_column_type(q->lq, i);
	if (!pg_cell(q, i))
		return DB_NULL;
	switch (PQftype(q->res, i)) {
	case 16: case 20: case 21: case 23: case 26:
		return DB_INTEGER;
	case 700: case 701: case 1700:
		return DB_FLOAT;
	case 17:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}
