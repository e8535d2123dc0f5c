/* store_service.c — SQLite statements for station records and household
 * service files, kept in slots 232–255 of the store's ext table; fixed SQL,
 * values always bound. */
#include "store/store_service.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
#define PREFIX_IN(col, p) "(" col " >= " p " AND " col " < " p " || ':')"

/* Every insert of a station record takes the same numbered parameters and
 * every list returns the same columns, so one binder and one reader serve
 * every kind: ?1 station, ?2 name, ?3 qualification, ?4 phone, ?5 hours,
 * ?6 registration, ?7 services, ?8 donor, ?9 amount, ?10 day, ?11 purpose,
 * ?12 summary, ?13 added_by, ?14 added. */
#define SREC_LIST(cols, table) "SELECT id, station, " cols ", added_by, added FROM " table \
	" WHERE station = ?1 ORDER BY id"

#define SVC_STMTS(X)                                                                               \
	X(STATION_TYPE, "SELECT type FROM station WHERE code = ?1")                                 \
	X(STAFF_ADD, "INSERT INTO station_staff(station, name, qualification, phone, added_by, "    \
	             "added) VALUES (?1, ?2, ?3, ?4, ?13, ?14)")                                    \
	X(VOL_ADD, "INSERT INTO station_volunteer(station, name, phone, hours_tenths, added_by, "    \
	           "added) VALUES (?1, ?2, ?4, ?5, ?13, ?14)")                                      \
	X(ORG_ADD, "INSERT INTO station_org(station, name, registration, services, added_by, "      \
	           "added) VALUES (?1, ?2, ?6, ?7, ?13, ?14)")                                      \
	X(RES_ADD, "INSERT INTO station_resource(station, donor, amount_fen, day, purpose, "        \
	           "added_by, added) VALUES (?1, ?8, ?9, ?10, ?11, ?13, ?14)")                      \
	X(AFF_ADD, "INSERT INTO station_affair(station, day, summary, added_by, added) "            \
	           "VALUES (?1, ?10, ?12, ?13, ?14)")                                               \
	X(STAFF_LIST, SREC_LIST("name, qualification, phone, 0, NULL, NULL, NULL, 0, NULL, NULL, " \
	                        "NULL", "station_staff"))                                           \
	X(VOL_LIST, SREC_LIST("name, NULL, phone, hours_tenths, NULL, NULL, NULL, 0, NULL, NULL, " \
	                      "NULL", "station_volunteer"))                                         \
	X(ORG_LIST, SREC_LIST("name, NULL, NULL, 0, registration, services, NULL, 0, NULL, NULL, " \
	                      "NULL", "station_org"))                                               \
	X(RES_LIST, SREC_LIST("NULL, NULL, NULL, 0, NULL, NULL, donor, amount_fen, day, purpose, " \
	                      "NULL", "station_resource"))                                          \
	X(AFF_LIST, SREC_LIST("NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, day, NULL, summary",      \
	                      "station_affair"))                                                    \
	X(FILE_GET, "SELECT household, area, station, opened, opened_by, created FROM "            \
	            "service_file WHERE household = ?1")                                            \
	X(FILE_INS, "INSERT INTO service_file(household, area, station, opened, opened_by, "       \
	            "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                     \
	X(ENTRY_ADD, "INSERT INTO service_entry(household, area, type, day, kind, persons, "       \
	             "person, note, needs, result, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, " \
	             "?8, ?9, ?10, ?11, ?12)")                                                      \
	X(ENTRY_GET, ENTRY_COLS " WHERE id = ?1")                                                   \
	X(ENTRY_RESULT, "UPDATE service_entry SET result = ?2, result_day = ?3, result_note = ?4, " \
	                "result_by = ?5 WHERE id = ?1")                                             \
	X(ENTRIES, ENTRY_COLS " WHERE household = ?1 ORDER BY day, id")                             \
	X(ALERTS_SUBJECT, "SELECT id, subject FROM alert WHERE subject = ?1 ORDER BY id")           \
	X(PERSON_ALERTS_IN, "SELECT id, subject FROM alert WHERE subject_type = 'person' AND "      \
	                    PREFIX_IN("area", "?1") " ORDER BY id")                                 \
	X(FIGURES, "SELECT "                                                                        \
	           "(SELECT count(*) FROM service_file WHERE " PREFIX_IN("area", "?1")              \
	           " AND opened <= ?3), "                                                           \
	           "(SELECT count(*) FROM service_entry WHERE " PREFIX_IN("area", "?1")             \
	           " AND type = 'visit' AND day >= ?2 AND day <= ?3), "                             \
	           "(SELECT coalesce(sum(persons), 0) FROM service_entry WHERE "                    \
	           PREFIX_IN("area", "?1") " AND type = 'service' AND day >= ?2 AND day <= ?3), "   \
	           "(SELECT count(*) FROM service_entry WHERE " PREFIX_IN("area", "?1")             \
	           " AND type = 'application' AND result = 'granted' AND result_day >= ?2 AND "     \
	           "result_day <= ?3), "                                                            \
	           "(SELECT count(*) FROM station_volunteer WHERE " PREFIX_IN("station", "?1")      \
	           " AND substr(added, 1, 10) <= ?3), "                                             \
	           "(SELECT count(*) FROM station_org WHERE " PREFIX_IN("station", "?1")            \
	           " AND substr(added, 1, 10) <= ?3), "                                             \
	           "(SELECT coalesce(sum(amount_fen), 0) FROM station_resource WHERE "              \
	           PREFIX_IN("station", "?1") " AND day >= ?2 AND day <= ?3)")

#define ENTRY_COLS "SELECT id, household, area, type, day, kind, persons, person, note, needs, " \
	"result, result_day, result_note, result_by, actor, at FROM service_entry"

enum {
#define X(id, sql) SV_##id,
	SVC_STMTS(X)
#undef X
	SV__COUNT
};
/* clang-format on */

_Static_assert(SV__COUNT <= 24, "station records and service files have slots 232-255");

static const char *const svc_sql[] = {
#define X(id, sql) sql,
    SVC_STMTS(X)
#undef X
};

enum { SVC_BASE = MS_STORE_EXT_OTHER + 8 }; /* 232 */

static db_stmt *stmt(ms_store *s, int id, ms_error *err)
{
	return store_stmt_ext(s, SVC_BASE + id, svc_sql[id], err);
}

static void bind_opt_int(db_stmt *q, int i, int64_t v)
{
	db_bind_int64(q, i, v);
}

ms_err ms_store_station_type(ms_store *s, const char *code, char type[16], ms_error *err)
{
	db_stmt *q = stmt(s, SV_STATION_TYPE, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, code);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		const char *t = store_col_text(q, 0);
		size_t n = t ? strlen(t) : 0;
		if (n > 15)
			n = 15;
		memcpy(type, t ? t : "", n);
		type[n] = '\0';
	}
	db_reset(q);
	if (rc == DB_ROW)
		return MS_ERR_OK;
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a station");
}

static const int srec_add[MS_SREC__COUNT] = {SV_STAFF_ADD, SV_VOL_ADD, SV_ORG_ADD, SV_RES_ADD,
                                             SV_AFF_ADD};
static const int srec_list[MS_SREC__COUNT] = {SV_STAFF_LIST, SV_VOL_LIST, SV_ORG_LIST, SV_RES_LIST,
                                              SV_AFF_LIST};

ms_err ms_store_srec_add(ms_store *s, ms_srec_kind kind, const ms_srec *r, int64_t *id,
                         ms_error *err)
{
	if ((unsigned)kind >= MS_SREC__COUNT)
		return ms_error_set(err, MS_ERR_INTERNAL, "unknown station record kind");
	db_stmt *q = stmt(s, srec_add[kind], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, r->station);
	store_bind_text(q, 2, r->name);
	store_bind_text(q, 3, r->qualification);
	store_bind_text(q, 4, r->phone);
	bind_opt_int(q, 5, r->hours_tenths);
	store_bind_text(q, 6, r->registration);
	store_bind_text(q, 7, r->services ? r->services : "");
	store_bind_text(q, 8, r->donor);
	bind_opt_int(q, 9, r->amount_fen);
	store_bind_text(q, 10, r->day);
	store_bind_text(q, 11, r->purpose ? r->purpose : "");
	store_bind_text(q, 12, r->summary);
	store_bind_text(q, 13, r->added_by);
	store_bind_text(q, 14, r->added);
	ms_err e = store_exec_done(s, q, err, "adding a station record");
	if (e == MS_ERR_OK && id)
		*id = db_last_insert_rowid(s->db);
	return e;
}

ms_err ms_store_srec_list(ms_store *s, ms_srec_kind kind, const char *station,
                          int (*fn)(void *ctx, const ms_srec *r), void *ctx, ms_error *err)
{
	if ((unsigned)kind >= MS_SREC__COUNT)
		return ms_error_set(err, MS_ERR_INTERNAL, "unknown station record kind");
	db_stmt *q = stmt(s, srec_list[kind], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, station);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_srec r = {
		    .id = db_column_int64(q, 0),
		    .station = store_col_text(q, 1),
		    .name = store_col_text(q, 2),
		    .qualification = store_col_text(q, 3),
		    .phone = store_col_text(q, 4),
		    .hours_tenths = db_column_int64(q, 5),
		    .registration = store_col_text(q, 6),
		    .services = store_col_text(q, 7),
		    .donor = store_col_text(q, 8),
		    .amount_fen = db_column_int64(q, 9),
		    .day = store_col_text(q, 10),
		    .purpose = store_col_text(q, 11),
		    .summary = store_col_text(q, 12),
		    .added_by = store_col_text(q, 13),
		    .added = store_col_text(q, 14),
		};
		if (fn(ctx, &r)) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing station records");
	return MS_ERR_OK;
}

/* ---- service files ---- */

ms_err ms_store_sfile_get(ms_store *s, const char *household, ms_sfile_row *out, ms_error *err)
{
	db_stmt *q = stmt(s, SV_FILE_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, household);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		out->household = store_col_text(q, 0);
		out->area = store_col_text(q, 1);
		out->station = store_col_text(q, 2);
		out->opened = store_col_text(q, 3);
		out->opened_by = store_col_text(q, 4);
		out->created = store_col_text(q, 5);
		const char **f[] = {&out->household, &out->area,      &out->station,
		                    &out->opened,    &out->opened_by, &out->created};
		if (!store_detach(s, SVC_BASE + SV_FILE_GET, q, f, 6))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a service file");
}

ms_err ms_store_sfile_insert(ms_store *s, const ms_sfile_row *f, ms_error *err)
{
	db_stmt *q = stmt(s, SV_FILE_INS, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, f->household);
	store_bind_text(q, 2, f->area);
	store_bind_text(q, 3, f->station);
	store_bind_text(q, 4, f->opened);
	store_bind_text(q, 5, f->opened_by);
	store_bind_text(q, 6, f->created);
	return store_exec_done(s, q, err, "opening a service file");
}

ms_err ms_store_sentry_add(ms_store *s, const ms_sentry_row *r, int64_t *id, ms_error *err)
{
	db_stmt *q = stmt(s, SV_ENTRY_ADD, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, r->household);
	store_bind_text(q, 2, r->area);
	store_bind_text(q, 3, r->type);
	store_bind_text(q, 4, r->day);
	store_bind_text(q, 5, r->kind);
	db_bind_int64(q, 6, r->persons);
	store_bind_text(q, 7, r->person);
	store_bind_text(q, 8, r->note ? r->note : "");
	store_bind_text(q, 9, r->needs ? r->needs : "");
	store_bind_text(q, 10, r->result);
	store_bind_text(q, 11, r->actor);
	store_bind_text(q, 12, r->at);
	ms_err e = store_exec_done(s, q, err, "adding a service record");
	if (e == MS_ERR_OK && id)
		*id = db_last_insert_rowid(s->db);
	return e;
}

static void entry_from_row(db_stmt *q, ms_sentry_row *r)
{
	r->id = db_column_int64(q, 0);
	r->household = store_col_text(q, 1);
	r->area = store_col_text(q, 2);
	r->type = store_col_text(q, 3);
	r->day = store_col_text(q, 4);
	r->kind = store_col_text(q, 5);
	r->persons = db_column_int64(q, 6);
	r->person = store_col_text(q, 7);
	r->note = store_col_text(q, 8);
	r->needs = store_col_text(q, 9);
	r->result = store_col_text(q, 10);
	r->result_day = store_col_text(q, 11);
	r->result_note = store_col_text(q, 12);
	r->result_by = store_col_text(q, 13);
	r->actor = store_col_text(q, 14);
	r->at = store_col_text(q, 15);
}

ms_err ms_store_sentry_get(ms_store *s, int64_t id, ms_sentry_row *out, ms_error *err)
{
	db_stmt *q = stmt(s, SV_ENTRY_GET, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		entry_from_row(q, out);
		const char **f[] = {
		    &out->household,   &out->area,      &out->type,  &out->day,    &out->kind,
		    &out->person,      &out->note,      &out->needs, &out->result, &out->result_day,
		    &out->result_note, &out->result_by, &out->actor, &out->at};
		if (!store_detach(s, SVC_BASE + SV_ENTRY_GET, q, f, 14))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a service record");
}

ms_err ms_store_sentry_result(ms_store *s, int64_t id, const char *result, const char *day,
                              const char *note, const char *by, ms_error *err)
{
	db_stmt *q = stmt(s, SV_ENTRY_RESULT, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, id);
	store_bind_text(q, 2, result);
	store_bind_text(q, 3, day);
	store_bind_text(q, 4, note ? note : "");
	store_bind_text(q, 5, by);
	return store_exec_done(s, q, err, "recording a result");
}

ms_err ms_store_sentries(ms_store *s, const char *household,
                         int (*fn)(void *ctx, const ms_sentry_row *r), void *ctx, ms_error *err)
{
	db_stmt *q = stmt(s, SV_ENTRIES, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, household);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_sentry_row r;
		entry_from_row(q, &r);
		if (fn(ctx, &r)) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing service records");
	return MS_ERR_OK;
}

static ms_err id_walk(ms_store *s, int id, const char *arg,
                      int (*fn)(void *ctx, int64_t id, const char *subject), void *ctx,
                      ms_error *err)
{
	db_stmt *q = stmt(s, id, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, arg);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		if (fn(ctx, db_column_int64(q, 0), store_col_text(q, 1))) {
			db_reset(q);
			return MS_ERR_OK;
		}
	}
	db_reset(q);
	if (rc != DB_DONE)
		return store_db_error(s, err, "listing alerts");
	return MS_ERR_OK;
}

ms_err ms_store_alerts_of_subject(ms_store *s, const char *subject,
                                  int (*fn)(void *ctx, int64_t id, const char *subject), void *ctx,
                                  ms_error *err)
{
	return id_walk(s, SV_ALERTS_SUBJECT, subject, fn, ctx, err);
}

ms_err ms_store_person_alerts_in(ms_store *s, const char *prefix,
                                 int (*fn)(void *ctx, int64_t id, const char *subject), void *ctx,
                                 ms_error *err)
{
	return id_walk(s, SV_PERSON_ALERTS_IN, prefix, fn, ctx, err);
}

ms_err ms_store_service_figures(ms_store *s, const char *area, const char *from, const char *to,
                                ms_service_figures *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	db_stmt *q = stmt(s, SV_FIGURES, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, area);
	store_bind_text(q, 2, from);
	store_bind_text(q, 3, to);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		out->files = db_column_int64(q, 0);
		out->visits = db_column_int64(q, 1);
		out->person_times = db_column_int64(q, 2);
		out->applications_granted = db_column_int64(q, 3);
		out->volunteers = db_column_int64(q, 4);
		out->organizations = db_column_int64(q, 5);
		out->resources_fen = db_column_int64(q, 6);
	}
	db_reset(q);
	if (rc != DB_ROW)
		return store_db_error(s, err, "computing service figures");
	return MS_ERR_OK;
}
