/* store_check.c — PRAGMA quick_check through the store, so no SQL lives
 * outside src/store. */
#include "store/store_check.h"

#include "store/store_impl.h"

#include <stdio.h>
#include <string.h>

ms_err ms_store_quick_check(ms_store *s, char *problem, size_t cap, ms_error *err)
{
	if (cap)
		problem[0] = 0;
	if (db_kind(s->db) == DB_PG) {
		/* the server checks its own pages; here: it answers and holds a
		 * minsheng schema */
		db_stmt *pq;
		if (db_prepare(s->db, "SELECT count(*) FROM schema_version", &pq) != DB_OK)
			return store_db_error(s, err, "checking the database");
		int prc = db_step(pq);
		db_finalize(pq);
		if (prc != DB_ROW)
			return store_db_error(s, err, "checking the database");
		return MS_ERR_OK;
	}
	sqlite3_stmt *q;
	/* at most 10 findings: the first ones say what is broken, the rest
	 * only take time */
	if (sqlite3_prepare_v2(db_sqlite(s->db), "PRAGMA quick_check(10)", -1, &q, NULL) != SQLITE_OK)
		return store_db_error(s, err, "preparing quick_check");
	size_t o = 0;
	bool damaged = false;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(q, 0);
		if (!line || strcmp(line, "ok") == 0)
			continue;
		damaged = true;
		if (cap && o + 1 < cap)
			o += (size_t)snprintf(problem + o, cap - o, "%s%s", o ? "; " : "", line);
		if (o >= cap)
			o = cap - 1;
	}
	if (rc != SQLITE_DONE) {
		ms_err e = store_db_error(s, err, "running quick_check");
		sqlite3_finalize(q);
		/* a database so damaged that the check itself fails is damaged */
		if (cap && !problem[0])
			snprintf(problem, cap, "%s", err ? err->msg : "quick_check failed");
		return e == MS_ERR_BUSY ? e : MS_ERR_INVALID;
	}
	sqlite3_finalize(q);
	return damaged ? MS_ERR_INVALID : MS_ERR_OK;
}
