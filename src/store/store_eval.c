/* store_eval.c — SQLite statements of the station evaluation, kept in
 * slots 400–463 of the store's ext table; fixed SQL, values always bound. */
#include "store/store_eval.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
/* an area-code prefix as a range, so the index on the column serves it */
#define PREFIX_IN(col, p) "(" col " >= " p " AND " col " < " p " || ':')"

#define ROUND_COLS "SELECT id, area, year, as_of, scheme, scheme_title, scheme_sha256, " \
	"pack_version, state, seed, share, sampled, sampled_by, computed, computed_by, opened, " \
	"opened_by, closed, closed_by FROM eval_round"

#define EVAL_STMTS(X)                                                                              \
	X(ROUND_INS, "INSERT INTO eval_round(area, year, as_of, scheme, scheme_title, "            \
	             "scheme_sha256, pack_version, opened, opened_by) VALUES (?1, ?2, ?3, ?4, ?5, " \
	             "?6, ?7, ?8, ?9)")                                                             \
	X(ROUND_GET, ROUND_COLS " WHERE id = ?1")                                                   \
	X(ROUNDS, ROUND_COLS " ORDER BY id DESC")                                                   \
	X(ROUND_OVERLAP, "SELECT id FROM eval_round WHERE year = ?2 AND (area = substr(?1, 1, "     \
	                 "length(area)) OR substr(area, 1, length(?1)) = ?1) ORDER BY id LIMIT 1")  \
	X(ROUND_SAMPLED, "UPDATE eval_round SET seed = ?2, share = ?3, sampled = ?4, "             \
	                 "sampled_by = ?5 WHERE id = ?1")                                           \
	X(ROUND_COMPUTED, "UPDATE eval_round SET computed = ?2, computed_by = ?3 WHERE id = ?1")    \
	X(ROUND_CLOSE, "UPDATE eval_round SET state = 'closed', closed = ?2, closed_by = ?3 "      \
	               "WHERE id = ?1 AND state = 'open'")                                          \
	X(IND_INS, "INSERT INTO eval_indicator(round_id, area, ord, id, module, module_ord, "      \
	           "title, max_points, method, measure, floor_param, target_param, empty_full) "    \
	           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")               \
	X(INDS, "SELECT round_id, area, ord, id, module, module_ord, title, max_points, method, "  \
	        "measure, floor_param, target_param, empty_full FROM eval_indicator "              \
	        "WHERE round_id = ?1 ORDER BY ord")                                                 \
	X(ST_ADD, "INSERT INTO eval_station(round_id, station, name) SELECT ?1, code, name "       \
	          "FROM station WHERE type = 'station' AND " PREFIX_IN("code", "?2")               \
	          " ORDER BY code")                                                                 \
	X(STS, "SELECT round_id, station, name, sampled, evaluator, assigned, assigned_by, "       \
	       "self_total, third_total, final_total, star FROM eval_station WHERE round_id = ?1 "  \
	       "ORDER BY station")                                                                  \
	X(ST_SAMPLED, "UPDATE eval_station SET sampled = ?3 WHERE round_id = ?1 AND station = ?2") \
	X(ST_ASSIGN, "UPDATE eval_station SET evaluator = ?3, assigned = ?4, assigned_by = ?5 "    \
	             "WHERE round_id = ?1 AND station = ?2")                                        \
	X(ST_TOTALS, "UPDATE eval_station SET self_total = ?3, third_total = ?4, "                 \
	             "final_total = ?5, star = ?6 WHERE round_id = ?1 AND station = ?2")            \
	X(EVAL_ROUNDS, "SELECT DISTINCT round_id FROM eval_station WHERE evaluator = ?1 "          \
	               "ORDER BY round_id DESC")                                                    \
	X(SCORE_PUT, "INSERT INTO eval_score(round_id, station, indicator, source, points, num, "  \
	             "den, note, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "      \
	             "ON CONFLICT (round_id, station, indicator, source) DO UPDATE SET "            \
	             "points = excluded.points, num = excluded.num, den = excluded.den, "           \
	             "note = excluded.note, actor = excluded.actor, at = excluded.at")              \
	X(SCORES_ALL, "SELECT round_id, station, indicator, source, points, num, den, note, "      \
	              "actor, at FROM eval_score WHERE round_id = ?1 ORDER BY station, "            \
	              "indicator, source")                                                          \
	X(SCORES_ONE, "SELECT round_id, station, indicator, source, points, num, den, note, "      \
	              "actor, at FROM eval_score WHERE round_id = ?1 AND station = ?2 "             \
	              "ORDER BY indicator, source")                                                 \
	X(THIRD_COUNT, "SELECT count(*) FROM eval_score WHERE round_id = ?1 AND station = ?2 "     \
	               "AND source = 'third'")                                                      \
	/* the first verification of each alert of the period, against its due date */            \
	X(FIG_ON_TIME, "SELECT substr(a.area, 1, 9), "                                              \
	               "sum(CASE WHEN (SELECT substr(min(e.at), 1, 10) FROM alert_event e WHERE "   \
	               "e.alert_id = a.id AND e.to_state = 'verified') <= substr(a.due, 1, 10) "     \
	               "THEN 1 ELSE 0 END), "                                                      \
	               "count(*) FROM alert a WHERE " PREFIX_IN("a.area", "?1") " AND "             \
	               "length(a.area) >= 9 AND substr(a.due, 1, 10) >= ?2 AND "                    \
	               "substr(a.due, 1, 10) <= ?3 GROUP BY 1")                                     \
	X(FIG_PERSON_TIMES, "SELECT substr(area, 1, 9), sum(persons), 0 FROM service_entry "       \
	                    "WHERE " PREFIX_IN("area", "?1") " AND type = 'service' AND "           \
	                    "day >= ?2 AND day <= ?3 GROUP BY 1")                                   \
	X(FIG_GRANTED, "SELECT substr(area, 1, 9), count(*), 0 FROM service_entry WHERE "          \
	               PREFIX_IN("area", "?1") " AND type = 'application' AND "                     \
	               "result = 'granted' AND result_day >= ?2 AND result_day <= ?3 GROUP BY 1")   \
	X(FIG_STAFF, "SELECT station, count(*), 0 FROM station_staff WHERE "                       \
	             PREFIX_IN("station", "?1") " AND substr(added, 1, 10) <= ?3 "        \
	             "GROUP BY station")                                                            \
	X(FIG_VOLUNTEERS, "SELECT station, count(*), 0 FROM station_volunteer WHERE "              \
	                  PREFIX_IN("station", "?1") " AND substr(added, 1, 10) <= ?3 "         \
	                  "GROUP BY station")                                                       \
	X(FIG_RESOURCES, "SELECT station, sum(amount_fen), 0 FROM station_resource WHERE "         \
	                 PREFIX_IN("station", "?1") " AND day >= ?2 AND day <= ?3 "                 \
	                 "GROUP BY station")                                                        \
	X(FILES, "SELECT household FROM service_file WHERE " PREFIX_IN("area", "?1")               \
	         " AND opened <= ?2 ORDER BY household")

enum {
#define X(id, sql) EV_##id,
	EVAL_STMTS(X)
#undef X
	EV__COUNT
};
/* clang-format on */

_Static_assert(EV__COUNT <= 64, "the evaluation has slots 400-463");

static const char *const eval_sql[] = {
#define X(id, sql) sql,
    EVAL_STMTS(X)
#undef X
};

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, MS_STORE_EXT_EVAL + id, eval_sql[id], err);
}

/* ---- rounds ---- */

ms_err ms_store_eval_round_insert(ms_store *s, const ms_eval_round_row *r, int64_t *id,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, EV_ROUND_INS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, r->area);
	db_bind_int64(q, 2, r->year);
	store_bind_text(q, 3, r->as_of);
	store_bind_text(q, 4, r->scheme);
	store_bind_text(q, 5, r->scheme_title);
	store_bind_text(q, 6, r->scheme_sha256);
	store_bind_text(q, 7, r->pack_version);
	store_bind_text(q, 8, r->opened);
	store_bind_text(q, 9, r->opened_by);
	ms_err e = store_exec_done(s, q, err, "opening an evaluation round");
	if (!e && id)
		*id = db_last_insert_rowid(s->db);
	return e;
}

static void round_from_row(db_stmt *q, ms_eval_round_row *r)
{
	r->id = db_column_int64(q, 0);
	r->area = store_col_text(q, 1);
	r->year = db_column_int64(q, 2);
	r->as_of = store_col_text(q, 3);
	r->scheme = store_col_text(q, 4);
	r->scheme_title = store_col_text(q, 5);
	r->scheme_sha256 = store_col_text(q, 6);
	r->pack_version = store_col_text(q, 7);
	r->state = store_col_text(q, 8);
	r->seed = store_col_text(q, 9);
	r->share = store_col_text(q, 10);
	r->sampled = store_col_text(q, 11);
	r->sampled_by = store_col_text(q, 12);
	r->computed = store_col_text(q, 13);
	r->computed_by = store_col_text(q, 14);
	r->opened = store_col_text(q, 15);
	r->opened_by = store_col_text(q, 16);
	r->closed = store_col_text(q, 17);
	r->closed_by = store_col_text(q, 18);
}

ms_err ms_store_eval_round_get(ms_store *s, int64_t id, ms_eval_round_row *out, ms_error *err)
{
	db_stmt *q = stmt(s, EV_ROUND_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		round_from_row(q, out);
		const char **f[] = {&out->area,         &out->as_of,         &out->scheme,
		                    &out->scheme_title, &out->scheme_sha256, &out->pack_version,
		                    &out->state,        &out->seed,          &out->share,
		                    &out->sampled,      &out->sampled_by,    &out->computed,
		                    &out->computed_by,  &out->opened,        &out->opened_by,
		                    &out->closed,       &out->closed_by};
		bool ok = store_copy_into(out->text_, sizeof out->text_, f, 17);
		db_reset(q);
		if (!ok)
			return ms_error_set(err, MS_ERR_TOO_LARGE,
			                    "evaluation round %lld: text too long", (long long)id);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading an evaluation round");
}

ms_err ms_store_eval_rounds(ms_store *s, int (*fn)(void *ctx, const ms_eval_round_row *r),
                            void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, EV_ROUNDS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_eval_round_row r;
		round_from_row(q, &r);
		if (fn(ctx, &r)) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing evaluation rounds");
	return MS_ERR_OK;
}

ms_err ms_store_eval_round_overlap(ms_store *s, const char *area, int64_t year, int64_t *id,
                                   ms_error *err)
{
	*id = 0;
	db_stmt *q = stmt(s, EV_ROUND_OVERLAP, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, area);
	db_bind_int64(q, 2, year);
	int rc = db_step(q);
	if (rc == DB_ROW)
		*id = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading evaluation rounds");
	return MS_ERR_OK;
}

ms_err ms_store_eval_round_sampled(ms_store *s, int64_t id, const char *seed, const char *share,
                                   const char *at, const char *actor, ms_error *err)
{
	db_stmt *q = stmt(s, EV_ROUND_SAMPLED, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, seed);
	store_bind_text(q, 3, share);
	store_bind_text(q, 4, at);
	store_bind_text(q, 5, actor);
	return store_exec_done(s, q, err, "recording a sample");
}

ms_err ms_store_eval_round_computed(ms_store *s, int64_t id, const char *at, const char *actor,
                                    ms_error *err)
{
	db_stmt *q = stmt(s, EV_ROUND_COMPUTED, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, at);
	store_bind_text(q, 3, actor);
	return store_exec_done(s, q, err, "recording a computation");
}

ms_err ms_store_eval_round_close(ms_store *s, int64_t id, const char *at, const char *actor,
                                 ms_error *err)
{
	db_stmt *q = stmt(s, EV_ROUND_CLOSE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, at);
	store_bind_text(q, 3, actor);
	ms_err e = store_exec_done(s, q, err, "closing an evaluation round");
	if (!e && db_changes(s->db) != 1)
		return MS_ERR_CONFLICT;
	return e;
}

/* ---- indicators ---- */

ms_err ms_store_eval_indicator_insert(ms_store *s, const ms_eval_indicator_row *r, ms_error *err)
{
	db_stmt *q = stmt(s, EV_IND_INS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, r->round_id);
	store_bind_text(q, 2, r->area);
	db_bind_int64(q, 3, r->ord);
	store_bind_text(q, 4, r->id);
	store_bind_text(q, 5, r->module);
	db_bind_int64(q, 6, r->module_ord);
	store_bind_text(q, 7, r->title);
	db_bind_int64(q, 8, r->max_points);
	store_bind_text(q, 9, r->method);
	store_bind_text(q, 10, r->measure);
	store_bind_text(q, 11, r->floor_param);
	store_bind_text(q, 12, r->target_param);
	db_bind_int(q, 13, r->empty_full ? 1 : 0);
	return store_exec_done(s, q, err, "adding an indicator to a round");
}

ms_err ms_store_eval_indicators(ms_store *s, int64_t round_id,
                                int (*fn)(void *ctx, const ms_eval_indicator_row *r), void *ctx,
                                ms_error *err)
{
	db_stmt *q = stmt(s, EV_INDS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_eval_indicator_row r = {
		    .round_id = db_column_int64(q, 0),
		    .area = store_col_text(q, 1),
		    .ord = db_column_int64(q, 2),
		    .id = store_col_text(q, 3),
		    .module = store_col_text(q, 4),
		    .module_ord = db_column_int64(q, 5),
		    .title = store_col_text(q, 6),
		    .max_points = db_column_int64(q, 7),
		    .method = store_col_text(q, 8),
		    .measure = store_col_text(q, 9),
		    .floor_param = store_col_text(q, 10),
		    .target_param = store_col_text(q, 11),
		    .empty_full = db_column_int(q, 12) != 0,
		};
		if (fn(ctx, &r)) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing a round's indicators");
	return MS_ERR_OK;
}

/* ---- stations ---- */

ms_err ms_store_eval_stations_add(ms_store *s, int64_t round_id, const char *area, int64_t *n,
                                  ms_error *err)
{
	db_stmt *q = stmt(s, EV_ST_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	store_bind_text(q, 2, area);
	ms_err e = store_exec_done(s, q, err, "adding the stations of a round");
	if (!e && n)
		*n = db_changes(s->db);
	return e;
}

static int64_t col_opt(db_stmt *q, int i)
{
	return db_column_type(q, i) == DB_NULL ? -1 : db_column_int64(q, i);
}

ms_err ms_store_eval_stations(ms_store *s, int64_t round_id,
                              int (*fn)(void *ctx, const ms_eval_station_row *r), void *ctx,
                              ms_error *err)
{
	db_stmt *q = stmt(s, EV_STS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_eval_station_row r = {
		    .round_id = db_column_int64(q, 0),
		    .station = store_col_text(q, 1),
		    .name = store_col_text(q, 2),
		    .sampled = db_column_int(q, 3) != 0,
		    .evaluator = store_col_text(q, 4),
		    .assigned = store_col_text(q, 5),
		    .assigned_by = store_col_text(q, 6),
		    .self_total = col_opt(q, 7),
		    .third_total = col_opt(q, 8),
		    .final_total = col_opt(q, 9),
		    .star = col_opt(q, 10),
		};
		if (fn(ctx, &r)) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing a round's stations");
	return MS_ERR_OK;
}

ms_err ms_store_eval_station_sampled(ms_store *s, int64_t round_id, const char *station,
                                     bool sampled, ms_error *err)
{
	db_stmt *q = stmt(s, EV_ST_SAMPLED, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	store_bind_text(q, 2, station);
	db_bind_int(q, 3, sampled ? 1 : 0);
	return store_exec_done(s, q, err, "marking a sampled station");
}

ms_err ms_store_eval_station_assign(ms_store *s, int64_t round_id, const char *station,
                                    const char *evaluator, const char *at, const char *actor,
                                    ms_error *err)
{
	db_stmt *q = stmt(s, EV_ST_ASSIGN, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	store_bind_text(q, 2, station);
	store_bind_text(q, 3, evaluator);
	store_bind_text(q, 4, at);
	store_bind_text(q, 5, actor);
	return store_exec_done(s, q, err, "assigning an evaluator");
}

ms_err ms_store_eval_station_totals(ms_store *s, int64_t round_id, const char *station,
                                    int64_t self_total, int64_t third_total, int64_t final_total,
                                    int64_t star, ms_error *err)
{
	db_stmt *q = stmt(s, EV_ST_TOTALS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	store_bind_text(q, 2, station);
	db_bind_int64(q, 3, self_total);
	if (third_total >= 0)
		db_bind_int64(q, 4, third_total);
	db_bind_int64(q, 5, final_total);
	db_bind_int64(q, 6, star);
	return store_exec_done(s, q, err, "recording a station's result");
}

ms_err ms_store_eval_rounds_of_evaluator(ms_store *s, const char *evaluator,
                                         int (*fn)(void *ctx, int64_t round_id), void *ctx,
                                         ms_error *err)
{
	db_stmt *q = stmt(s, EV_EVAL_ROUNDS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, evaluator);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		if (fn(ctx, db_column_int64(q, 0))) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing an evaluator's rounds");
	return MS_ERR_OK;
}

/* ---- scores ---- */

ms_err ms_store_eval_score_put(ms_store *s, const ms_eval_score_row *r, ms_error *err)
{
	db_stmt *q = stmt(s, EV_SCORE_PUT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, r->round_id);
	store_bind_text(q, 2, r->station);
	store_bind_text(q, 3, r->indicator);
	store_bind_text(q, 4, r->source);
	db_bind_int64(q, 5, r->points);
	if (r->has_value) {
		db_bind_int64(q, 6, r->num);
		db_bind_int64(q, 7, r->den);
	}
	store_bind_text(q, 8, r->note ? r->note : "");
	store_bind_text(q, 9, r->actor);
	store_bind_text(q, 10, r->at);
	return store_exec_done(s, q, err, "recording a score");
}

ms_err ms_store_eval_scores(ms_store *s, int64_t round_id, const char *station,
                            int (*fn)(void *ctx, const ms_eval_score_row *r), void *ctx,
                            ms_error *err)
{
	db_stmt *q = stmt(s, station ? EV_SCORES_ONE : EV_SCORES_ALL, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	if (station)
		store_bind_text(q, 2, station);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_eval_score_row r = {
		    .round_id = db_column_int64(q, 0),
		    .station = store_col_text(q, 1),
		    .indicator = store_col_text(q, 2),
		    .source = store_col_text(q, 3),
		    .points = db_column_int64(q, 4),
		    .has_value = db_column_type(q, 5) != DB_NULL,
		    .num = db_column_int64(q, 5),
		    .den = db_column_int64(q, 6),
		    .note = store_col_text(q, 7),
		    .actor = store_col_text(q, 8),
		    .at = store_col_text(q, 9),
		};
		if (fn(ctx, &r)) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing scores");
	return MS_ERR_OK;
}

ms_err ms_store_eval_third_count(ms_store *s, int64_t round_id, const char *station, int64_t *n,
                                 ms_error *err)
{
	*n = 0;
	db_stmt *q = stmt(s, EV_THIRD_COUNT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, round_id);
	store_bind_text(q, 2, station);
	int rc = db_step(q);
	if (rc == DB_ROW)
		*n = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW)
		return store_db_error(s, err, "counting scores");
	return MS_ERR_OK;
}

/* ---- figures ---- */

static const int fig_stmt[MS_EVAL_FIG__COUNT] = {EV_FIG_ON_TIME,    EV_FIG_PERSON_TIMES,
                                                 EV_FIG_GRANTED,    EV_FIG_STAFF,
                                                 EV_FIG_VOLUNTEERS, EV_FIG_RESOURCES};

ms_err ms_store_eval_figure(ms_store *s, ms_eval_fig fig, const char *area, const char *from,
                            const char *to,
                            int (*fn)(void *ctx, const char *station, int64_t a, int64_t b),
                            void *ctx, ms_error *err)
{
	if ((unsigned)fig >= MS_EVAL_FIG__COUNT)
		return ms_error_set(err, MS_ERR_INTERNAL, "unknown evaluation figure");
	db_stmt *q = stmt(s, fig_stmt[fig], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, area);
	store_bind_text(q, 2, from);
	store_bind_text(q, 3, to);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		const char *st = store_col_text(q, 0);
		if (!st || strlen(st) != 9)
			continue;
		if (fn(ctx, st, db_column_int64(q, 1), db_column_int64(q, 2))) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "measuring the stations");
	return MS_ERR_OK;
}

ms_err ms_store_eval_files(ms_store *s, const char *area, const char *to,
                           int (*fn)(void *ctx, const char *household), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, EV_FILES, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, area);
	store_bind_text(q, 2, to);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		if (fn(ctx, store_col_text(q, 0))) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing service files");
	return MS_ERR_OK;
}
