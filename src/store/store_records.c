/* store_records.c — single records by id (explanations cite them). */
#include "store/store_records.h"

#include "base/date.h"
#include "store/store_impl.h"

enum { ST_RECORD_GET = MS_STORE_EXT_OTHER };

ms_err ms_store_record_get(ms_store *s, int64_t id, ms_record *out, const char **feed,
                           ms_error *err)
{
	db_stmt *q = store_stmt_ext(s, ST_RECORD_GET,
	                                 "SELECT r.id, r.batch_id, r.row, r.nkey, r.idno, r.area, "
	                                 "r.vals, r.day, f.name FROM record r JOIN feed f ON "
	                                 "f.id = r.feed_id WHERE r.id = ?1",
	                                 err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		out->id = db_column_int64(q, 0);
		out->batch_id = db_column_int64(q, 1);
		out->row = db_column_int64(q, 2);
		out->nkey = store_col_text(q, 3);
		out->idno = store_col_text(q, 4);
		out->area = store_col_text(q, 5);
		out->vals = store_col_text(q, 6);
		out->day = db_column_type(q, 7) == DB_NULL ? MS_DATE_NONE
		                                                    : (int32_t)db_column_int(q, 7);
		const char *fname = store_col_text(q, 8);
		const char **f[] = {&out->nkey, &out->idno, &out->area, &out->vals, &fname};
		if (!store_detach(s, ST_RECORD_GET, q, f, 5))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		if (feed)
			*feed = fname;
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a record");
}
