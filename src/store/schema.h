/* schema.h — numbered schema migrations. Each migration is applied once, in
 * order, inside a transaction, and recorded in schema_version; a database
 * newer than the program is refused. */
#ifndef MS_STORE_SCHEMA_H
#define MS_STORE_SCHEMA_H

typedef struct ms_migration {
	int version;
	const char *name;
	const char *sql;
} ms_migration;

/* The migrations for SQLite, ascending; *n receives their count. */
const ms_migration *ms_schema_sqlite(int *n);

/* The same migrations for PostgreSQL 15 (schema_pg.c), same versions and
 * names; *n receives their count. */
const ms_migration *ms_schema_pg(int *n);

#endif
