/* testutil.h — what every cmocka test file includes. */
#ifndef MS_TESTUTIL_H
#define MS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/date.h"

/* A date from a literal, for readable tests. */
static inline ms_date T_DATE(const char *s)
{
	ms_date d = MS_DATE_NONE;
	if (ms_date_parse(s, strlen(s), &d) != 0)
		fail_msg("bad date literal in test: %s", s);
	return d;
}

/* ---- a fresh database for a test: a SQLite file, or PostgreSQL ----
 * With MS_TEST_PG_DIR set (a folder where `scripts/pg-test start` runs a
 * server: its socket and the file `port` are there; `make unit-pg`), each
 * store-dependent test gets a new database on that server; otherwise the
 * temporary SQLite file it names. */

/* True when the unit tests run on PostgreSQL. */
static inline bool t_pg(void)
{
	const char *d = getenv("MS_TEST_PG_DIR");
	return d && *d;
}

static inline bool t_url_is_pg(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

/* The server's maintenance database (postgres), connected; NULL (message on
 * stderr) on failure. */
static inline PGconn *t_pg_admin(char *base, size_t cap)
{
	const char *dir = getenv("MS_TEST_PG_DIR");
	char pf[512];
	snprintf(pf, sizeof pf, "%s/port", dir);
	FILE *fp = fopen(pf, "r");
	int port = 0;
	if (!fp || fscanf(fp, "%d", &port) != 1) {
		fprintf(stderr, "MS_TEST_PG_DIR: cannot read %s\n", pf);
		if (fp)
			fclose(fp);
		return NULL;
	}
	fclose(fp);
	/* base: the URL without the database name, "…@/" NAME "?host=…" */
	snprintf(base, cap, "?host=%s&port=%d", dir, port);
	char url[700];
	snprintf(url, sizeof url, "postgresql://postgres@/postgres%s", base);
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "%s: %s", url, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Writes to out the URL of a fresh database for one test and returns out:
 * on PostgreSQL (MS_TEST_PG_DIR) a new, uniquely named database; otherwise
 * sqlite_path, the temporary file the test uses. NULL on failure. */
static inline const char *t_db_fresh(const char *sqlite_path, char *out, size_t cap)
{
	if (!t_pg()) {
		snprintf(out, cap, "%s", sqlite_path);
		return out;
	}
	static unsigned seq;
	char base[400];
	PGconn *c = t_pg_admin(base, sizeof base);
	if (!c)
		return NULL;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char name[64], sql[256];
	snprintf(name, sizeof name, "ms_unit_%ld_%u_%ld", (long)getpid(), ++seq, (long)ts.tv_nsec);
	snprintf(sql, sizeof sql,
	         "CREATE DATABASE \"%s\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' "
	         "LC_CTYPE 'C.UTF-8'",
	         name);
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	if (!ok)
		return NULL;
	snprintf(out, cap, "postgresql://postgres@/%s%s", name, base);
	return out;
}

/* Removes a database t_db_fresh made on PostgreSQL, once the test has
 * closed it; files are the test's to remove. */
static inline void t_db_drop(const char *url)
{
	if (!url || !t_url_is_pg(url))
		return;
	const char *name = strstr(url, "@/");
	if (!name)
		return;
	name += 2;
	size_t n = strcspn(name, "?");
	char base[400], sql[256];
	PGconn *c = t_pg_admin(base, sizeof base);
	if (!c)
		return;
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%.*s\" WITH (FORCE)", (int)n, name);
	PQclear(PQexec(c, sql));
	PQfinish(c);
}

/* A second connection to a test's database, to look at rows or set them up
 * with plain SQL that both databases accept. */
typedef struct t_conn {
	sqlite3 *lite;
	PGconn *pg;
	char buf[1024];
} t_conn;

static inline int t_conn_open(t_conn *c, const char *url)
{
	memset(c, 0, sizeof *c);
	if (t_url_is_pg(url)) {
		c->pg = PQconnectdb(url);
		if (PQstatus(c->pg) != CONNECTION_OK) {
			fprintf(stderr, "%s: %s", url, PQerrorMessage(c->pg));
			return -1;
		}
		PQclear(PQexec(c->pg, "SET client_min_messages = warning"));
		return 0;
	}
	if (sqlite3_open(url, &c->lite) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(c->lite, 5000);
	return 0;
}

static inline void t_conn_close(t_conn *c)
{
	if (c->pg)
		PQfinish(c->pg);
	if (c->lite)
		sqlite3_close(c->lite);
	c->pg = NULL;
	c->lite = NULL;
}

/* The first column of the first row as text, NULL when there is no row;
 * "" for SQL NULL. Valid until the next call on c. */
static inline const char *t_conn_row(t_conn *c, const char *sql)
{
	if (c->pg) {
		PGresult *r = PQexec(c->pg, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(c->buf, sizeof c->buf, "%s", PQerrorMessage(c->pg));
			PQclear(r);
			fail_msg("bad test SQL: %s: %s", sql, c->buf);
		}
		const char *v = NULL;
		if (PQntuples(r) > 0) {
			snprintf(c->buf, sizeof c->buf, "%s", PQgetvalue(r, 0, 0));
			v = c->buf;
		}
		PQclear(r);
		return v;
	}
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(c->lite, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("bad test SQL: %s: %s", sql, sqlite3_errmsg(c->lite));
	const char *v = NULL;
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 0);
		snprintf(c->buf, sizeof c->buf, "%s", t ? (const char *)t : "");
		v = c->buf;
	}
	sqlite3_finalize(q);
	return v;
}

/* One integer (-1 when no row, 0 for NULL, t/f as 1/0). */
static inline long long t_conn_int(t_conn *c, const char *sql)
{
	const char *v = t_conn_row(c, sql);
	if (!v)
		return -1;
	if (strcmp(v, "t") == 0)
		return 1;
	return strtoll(v, NULL, 10);
}

/* One text ("" when no row). */
static inline const char *t_conn_text(t_conn *c, const char *sql)
{
	const char *v = t_conn_row(c, sql);
	return v ? v : "";
}

/* Runs SQL that returns no rows (several statements allowed); fails the
 * test when it fails. */
static inline void t_conn_exec(t_conn *c, const char *sql)
{
	if (c->pg) {
		PGresult *r = PQexec(c->pg, sql);
		ExecStatusType st = PQresultStatus(r);
		PQclear(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			fail_msg("test SQL failed: %s: %s", sql, PQerrorMessage(c->pg));
		return;
	}
	char *msg = NULL;
	if (sqlite3_exec(c->lite, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("test SQL failed: %s: %s", sql, msg ? msg : "");
}

#endif
