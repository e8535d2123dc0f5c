/* store_records.c — single records by id (explanations cite them). */
#include "store/store_records.h"

#include "base/date.h"
#include "store/store_impl.h"

enum { ST_RECORD_GET = MS_STORE_EXT_OTHER };

ms_err ms_store_record_get(ms_store *s, int64_t id, ms_record *out, const char **feed,
                           ms_error *err)
{
	sqlite3_stmt *q = store_stmt_ext(s, ST_RECORD_GET,
	                                 "SELECT r.id, r.batch_id, r.row, r.nkey, r.idno, r.area, "
	                                 "r.vals, r.day, f.name FROM record r JOIN feed f ON "
	                                 "f.id = r.feed_id WHERE r.id = ?1",
	                                 err);
	if (!q)
		return MS_ERR_DB;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(q, 0);
		out->batch_id = sqlite3_column_int64(q, 1);
		out->row = sqlite3_column_int64(q, 2);
		out->nkey = store_col_text(q, 3);
		out->idno = store_col_text(q, 4);
		out->area = store_col_text(q, 5);
		out->vals = store_col_text(q, 6);
		out->day = sqlite3_column_type(q, 7) == SQLITE_NULL ? MS_DATE_NONE
		                                                    : (int32_t)sqlite3_column_int(q, 7);
		const char *fname = store_col_text(q, 8);
		const char **f[] = {&out->nkey, &out->idno, &out->area, &out->vals, &fname};
		if (!store_detach(s, ST_RECORD_GET, q, f, 5))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		if (feed)
			*feed = fname;
		return MS_ERR_OK;
	}
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a record");
}
