/* store_scoped.c — scoped reads for the API (store_scoped.h). One fixed
 * statement per scope kind; the scope's values are bound, never spliced. */
#include "store/store_scoped.h"
#include "store/store_impl.h"

#include <string.h>

enum {
	SC_ALERTS_ALL = MS_STORE_EXT_SCOPED,
	SC_ALERTS_AREA,
	SC_ALERTS_STATION,
	SC_ALERTS_WORKER,
	SC_ALERT_STATES,
	SC_REVIEW_ALL,
	SC_REVIEW_AREA,
	SC_REVIEW_GET_ALL,
	SC_REVIEW_GET_AREA,
};

/* ?1 rule, ?2 area prefix, ?3 state, ?4 after id, ?5 limit; ?6 scope value */
#define FILTER                                                                                     \
	" (?1 IS NULL OR rule = ?1) AND (?2 IS NULL OR substr(area, 1, length(?2)) = ?2) AND "      \
	"(?3 IS NULL OR state = ?3) AND id > ?4 "
#define PAGE " ORDER BY id LIMIT ?5"

static const char *const alert_sql[] = {
	[MS_SCOPE_ALL] = "SELECT " MS_STORE_ALERT_COLS " FROM alert WHERE" FILTER PAGE,
	[MS_SCOPE_AREA] = "SELECT " MS_STORE_ALERT_COLS " FROM alert WHERE" FILTER
	                  "AND (substr(area, 1, length(?6)) = ?6 OR substr(inbox, 1, length(?6)) = ?6)"
	                  PAGE,
	[MS_SCOPE_STATION] = "SELECT " MS_STORE_ALERT_COLS " FROM alert WHERE" FILTER
	                     "AND (inbox = ?6 OR assignee IN (SELECT name FROM app_user "
	                     "WHERE station = ?6))" PAGE,
	[MS_SCOPE_WORKER] = "SELECT " MS_STORE_ALERT_COLS " FROM alert WHERE" FILTER
	                    "AND assignee = ?6" PAGE,
};

ms_err ms_store_alert_page(ms_store *s, const ms_scope *sc, const ms_alert_filter *f,
                           int (*fn)(void *ctx, const ms_alert *a), void *ctx, ms_error *err)
{
	const char *val;
	int slot;
	switch (sc->kind) {
	case MS_SCOPE_ALL:
		slot = SC_ALERTS_ALL, val = NULL;
		break;
	case MS_SCOPE_AREA:
		slot = SC_ALERTS_AREA, val = sc->prefix;
		break;
	case MS_SCOPE_STATION:
		slot = SC_ALERTS_STATION, val = sc->station;
		break;
	case MS_SCOPE_WORKER:
		slot = SC_ALERTS_WORKER, val = sc->user;
		break;
	default:
		return MS_ERR_OK; /* sees no alert */
	}
	if (sc->kind != MS_SCOPE_ALL && (!val || !*val))
		return MS_ERR_OK;
	db_stmt *q = store_stmt_ext(s, slot, alert_sql[sc->kind], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, f->rule && *f->rule ? f->rule : NULL);
	store_bind_text(q, 2, f->area && *f->area ? f->area : NULL);
	store_bind_text(q, 3, f->state && *f->state ? f->state : NULL);
	db_bind_int64(q, 4, f->after_id);
	db_bind_int64(q, 5, f->limit > 0 ? f->limit : -1);
	if (val)
		store_bind_text(q, 6, val);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_alert a;
		store_alert_from_row(q, &a);
		if (fn(ctx, &a))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "listing alerts");
	return MS_ERR_OK;
}

ms_err ms_store_alert_state_counts(ms_store *s, int (*fn)(void *ctx, const char *state, int64_t n),
                                   void *ctx, ms_error *err)
{
	db_stmt *q = store_stmt_ext(s, SC_ALERT_STATES,
	                                 "SELECT state, count(*) FROM alert GROUP BY state", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc;
	while ((rc = db_step(q)) == DB_ROW)
		if (fn(ctx, store_col_text(q, 0), db_column_int64(q, 1)))
			break;
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "counting alerts");
	return MS_ERR_OK;
}

#define REVIEW_FILTER                                                                              \
	" WHERE (?1 IS NULL OR v.state = ?1) AND (?2 = 0 OR v.batch_id = ?2) AND v.id > ?3 AND "    \
	"b.state = 'published' "

ms_err ms_store_review_page(ms_store *s, const ms_scope *sc, const char *state, int64_t batch_id,
                            int64_t after_id, int limit,
                            int (*fn)(void *ctx, const ms_review *r), void *ctx, ms_error *err)
{
	db_stmt *q;
	if (sc->kind == MS_SCOPE_ALL)
		q = store_stmt_ext(s, SC_REVIEW_ALL,
		                   MS_STORE_REVIEW_COLS REVIEW_FILTER "ORDER BY v.id LIMIT ?4", err);
	else if (sc->kind == MS_SCOPE_AREA && sc->prefix && *sc->prefix)
		q = store_stmt_ext(s, SC_REVIEW_AREA,
		                   MS_STORE_REVIEW_COLS REVIEW_FILTER
		                   "AND (substr(v.area, 1, length(?5)) = ?5 OR "
		                   "(coalesce(v.area, '') = '' AND length(?5) = 2)) "
		                   "ORDER BY v.id LIMIT ?4",
		                   err);
	else
		return MS_ERR_OK;
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, state);
	db_bind_int64(q, 2, batch_id);
	db_bind_int64(q, 3, after_id);
	db_bind_int(q, 4, limit > 0 ? limit : -1);
	if (sc->kind == MS_SCOPE_AREA)
		store_bind_text(q, 5, sc->prefix);
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

ms_err ms_store_review_get_scoped(ms_store *s, const ms_scope *sc, int64_t id, ms_review *out,
                                  ms_error *err)
{
	db_stmt *q;
	int slot;
	if (sc->kind == MS_SCOPE_ALL)
		q = store_stmt_ext(s, slot = SC_REVIEW_GET_ALL,
		                   MS_STORE_REVIEW_COLS " WHERE v.id = ?1 AND b.state = 'published'", err);
	else if (sc->kind == MS_SCOPE_AREA && sc->prefix && *sc->prefix)
		q = store_stmt_ext(s, slot = SC_REVIEW_GET_AREA,
		                   MS_STORE_REVIEW_COLS " WHERE v.id = ?1 AND b.state = 'published' "
		                   "AND (substr(v.area, 1, length(?2)) = ?2 OR "
		                   "(coalesce(v.area, '') = '' AND length(?2) = 2))", err);
	else
		return ms_error_set(err, MS_ERR_NOT_FOUND, "待核对记录 %lld 不存在 (no such review item)",
		                    (long long)id);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	if (sc->kind == MS_SCOPE_AREA)
		store_bind_text(q, 2, sc->prefix);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		store_review_from_row(q, out);
		const char **f[] = {&out->feed, &out->idno_raw, &out->name, &out->reason,
		                    &out->candidates, &out->nkey, &out->area, &out->vals, &out->extra,
		                    &out->state, &out->linked_idno, &out->decided_by, &out->decided,
		                    &out->note};
		if (!store_detach(s, slot, q, f, (int)(sizeof f / sizeof f[0])))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "待核对记录 %lld 不存在 (no such review item)",
		                    (long long)id);
	return store_db_error(s, err, "reading a review item");
}
