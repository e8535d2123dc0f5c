/* store_people.c — scoped reads of persons and households, a subject's
 * alerts, and the search index (store_people.h). Each read has one fixed
 * statement per kind of scope; the scope's values are bound, never built
 * into the SQL. Bindings shared by every scoped statement: ?3 is the area
 * prefix (AREA), the station (STATION) or the user (WORKER), ?4 the
 * worker's station. */
#include "store/store_people.h"

#include "base/date.h"
#include "base/mem.h"
#include "store/store_impl.h"

#include <string.h>

/* ---- the scope as SQL ---- */

/* A household (an SQL expression) a worker sees: the subject of an alert
 * assigned to the user, or the household of a person who is, or with its
 * service file at the worker's station. The IN lists do not depend on the
 * row, so SQLite builds each once per statement run. */
#define HH_WORKER(HH)                                                                              \
	"(" HH " IN (SELECT a.subject FROM alert a WHERE a.assignee = ?3 AND "                     \
	"a.subject_type = 'household') OR " HH " IN (SELECT m.household FROM alert a JOIN "        \
	"person_index m ON m.idno = a.subject WHERE a.assignee = ?3 AND a.subject_type = "        \
	"'person') OR " HH " IN (SELECT f.household FROM service_file f WHERE f.station = ?4))"
/* A person (identity number ID, household HH) a worker sees: the subject of
 * an alert assigned to the user, or a member of a household it sees. */
#define PERSON_WORKER(ID, HH)                                                                      \
	"(" ID " IN (SELECT a.subject FROM alert a WHERE a.assignee = ?3 AND a.subject_type = "    \
	"'person') OR " HH_WORKER(HH) ")"
/* An area (expression) inside the prefix bound to ?3. substr keeps the
 * planner on the statement's own index (a range on area would tempt it to
 * scan a whole province for an admin). */
#define IN_PREFIX(AREA) "substr(" AREA ", 1, length(?3)) = ?3"

/* The current version of a registry key: the newest published batch's. */
#define CURRENT(FEED, KEY)                                                                         \
	"SELECT r.id, r.batch_id, r.row, r.area, r.vals FROM record r JOIN batch b ON "           \
	"b.id = r.batch_id WHERE r.feed_id = " FEED " AND r.nkey = " KEY " AND b.state = "         \
	"'published' ORDER BY r.batch_id DESC LIMIT 1"

/* The three shapes of a scoped statement. */
enum { V_PREFIX = 0, V_WORKER, V_ALL, V__COUNT };

/* statement slots (MS_STORE_EXT_PEOPLE 336–399) */
enum {
	ST_PERSON = MS_STORE_EXT_PEOPLE,              /* 3 */
	ST_HOUSEHOLD = ST_PERSON + V__COUNT,          /* 3 */
	ST_RECORDS = ST_HOUSEHOLD + V__COUNT,         /* 3 */
	ST_MEMBERS = ST_RECORDS + V__COUNT,           /* 3 */
	ST_ALERTS = ST_MEMBERS + V__COUNT,            /* 4: area, station, worker, all */
	ST_SEARCH = ST_ALERTS + 4,                    /* 5 kinds × 3 */
	ST_FEED = ST_SEARCH + MS_PSEARCH__COUNT * V__COUNT,
	ST_INDEX_PUT,
	ST_INDEX_PRUNE,
	ST_INDEX_ANY,
	ST_SEEN_ADD,
	ST_FEED_STATE,
	ST_NEW_BATCHES,
	ST_NEW_COUNT,
	ST_BATCH_RECORDS,
	ST_CHUNK_FIRST,
	ST_CHUNK_NEXT,
	ST_META_GET,
	ST_META_PUT,
	ST_META_ADD,
	ST_META_DEL,
	ST__END
};
_Static_assert(ST__END <= MS_STORE_EXT_PEOPLE + 64, "people statements fit their slots");

/* The shape of a scope; -1 for NONE (nothing is read). */
static int variant(const ms_scope *sc)
{
	if (!sc)
		return -1;
	switch (sc->kind) {
	case MS_SCOPE_AREA:
		return sc->prefix && *sc->prefix ? V_PREFIX : -1;
	case MS_SCOPE_STATION:
		return sc->station && *sc->station ? V_PREFIX : -1;
	case MS_SCOPE_WORKER:
		return sc->user && *sc->user && sc->station && *sc->station ? V_WORKER : -1;
	case MS_SCOPE_ALL:
		return V_ALL;
	default:
		return -1;
	}
}

static void bind_scope(db_stmt *q, const ms_scope *sc)
{
	switch (sc->kind) {
	case MS_SCOPE_AREA:
		store_bind_text(q, 3, sc->prefix);
		break;
	case MS_SCOPE_STATION:
		store_bind_text(q, 3, sc->station);
		break;
	case MS_SCOPE_WORKER:
		store_bind_text(q, 3, sc->user);
		store_bind_text(q, 4, sc->station);
		break;
	default:
		break;
	}
}

/* ---- persons and households ---- */

#define PERSON_SQL(COND)                                                                           \
	"WITH cur AS (" CURRENT("?1", "?2") ") SELECT id, batch_id, row, area, vals, 0 FROM cur "  \
	"WHERE " COND
static const char *const person_sql[V__COUNT] = {
    PERSON_SQL(IN_PREFIX("cur.area")),
    PERSON_SQL(PERSON_WORKER("?2", "(SELECT p.household FROM person_index p WHERE p.idno = ?2)")),
    PERSON_SQL("1 = 1"),
};

#define HOUSEHOLD_SQL(COND)                                                                        \
	"WITH cur AS (" CURRENT("?1", "?2") ") SELECT id, batch_id, row, area, vals, EXISTS "      \
	"(SELECT 1 FROM service_file f WHERE f.household = ?2) FROM cur WHERE " COND
static const char *const household_sql[V__COUNT] = {
    HOUSEHOLD_SQL(IN_PREFIX("cur.area")),
    HOUSEHOLD_SQL(HH_WORKER("?2")),
    HOUSEHOLD_SQL("1 = 1"),
};

static ms_err get_current(ms_store *s, int slot, const char *sql, const ms_scope *sc,
                          int64_t feed_id, const char *key, ms_people_rec *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	db_stmt *q = store_stmt_ext(s, slot, sql, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	store_bind_text(q, 2, key);
	bind_scope(q, sc);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		out->id = db_column_int64(q, 0);
		out->batch_id = db_column_int64(q, 1);
		out->row = db_column_int64(q, 2);
		out->area = store_col_text(q, 3);
		out->vals = store_col_text(q, 4);
		out->service_file = db_column_int(q, 5) != 0;
		if (!out->vals)
			out->vals = "";
		const char **f[] = {&out->area, &out->vals};
		if (!store_detach(s, slot, q, f, 2))
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return MS_ERR_OK;
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a registry record");
}

ms_err ms_store_people_person(ms_store *s, const ms_scope *sc, int64_t feed_id, const char *idno,
                              ms_people_rec *out, ms_error *err)
{
	int v = variant(sc);
	if (v < 0 || !idno) {
		memset(out, 0, sizeof *out);
		return MS_ERR_NOT_FOUND;
	}
	return get_current(s, ST_PERSON + v, person_sql[v], sc, feed_id, idno, out, err);
}

ms_err ms_store_people_household(ms_store *s, const ms_scope *sc, int64_t feed_id,
                                 const char *household, ms_people_rec *out, ms_error *err)
{
	int v = variant(sc);
	if (v < 0 || !household) {
		memset(out, 0, sizeof *out);
		return MS_ERR_NOT_FOUND;
	}
	return get_current(s, ST_HOUSEHOLD + v, household_sql[v], sc, feed_id, household, out, err);
}

/* ?5 feed, ?6 lo, ?7 hi. The person's visibility does not depend on the
 * row: SQLite evaluates it once. Newest version of a key first. */
#define RECORDS_SQL(COND)                                                                          \
	"WITH cur AS (" CURRENT("?1", "?2") ") SELECT r.id, r.batch_id, r.row, r.nkey, r.area, "    \
	"r.vals FROM record r JOIN batch b ON b.id = r.batch_id WHERE r.feed_id = ?5 AND r.nkey "   \
	">= ?6 AND r.nkey < ?7 AND b.state = 'published' AND EXISTS (SELECT 1 FROM cur WHERE "      \
	COND ") ORDER BY r.nkey, r.batch_id DESC"
static const char *const records_sql[V__COUNT] = {
    RECORDS_SQL(IN_PREFIX("cur.area")),
    RECORDS_SQL(PERSON_WORKER("?2", "(SELECT p.household FROM person_index p WHERE p.idno = ?2)")),
    RECORDS_SQL("1 = 1"),
};

/* Keeps a copy of a natural key in a growing buffer (rows come newest
 * version first, so a key equal to the kept one is an older version).
 * False when out of memory. */
static bool keep_key(char **buf, size_t *cap, const char *nkey)
{
	size_t kn = strlen(nkey) + 1;
	if (kn > *cap) {
		char *p = ms_realloc(*buf, kn * 2);
		if (!p)
			return false;
		*buf = p;
		*cap = kn * 2;
	}
	memcpy(*buf, nkey, kn);
	return true;
}

/* A record from a row of id, batch_id, row, nkey, area, vals. */
static ms_people_rec rec_from_row(db_stmt *q, const char *nkey)
{
	ms_people_rec r = {.id = db_column_int64(q, 0),
	                   .batch_id = db_column_int64(q, 1),
	                   .row = db_column_int64(q, 2),
	                   .nkey = nkey,
	                   .area = store_col_text(q, 4),
	                   .vals = store_col_text(q, 5)};
	if (!r.vals)
		r.vals = "";
	return r;
}

ms_err ms_store_people_records(ms_store *s, const ms_scope *sc, int64_t person_feed,
                               const char *idno, int64_t feed_id, const char *lo, const char *hi,
                               int limit, int (*fn)(void *ctx, const ms_people_rec *r), void *ctx,
                               ms_error *err)
{
	int v = variant(sc);
	if (v < 0 || !idno || !lo || !hi)
		return MS_ERR_OK;
	db_stmt *q = store_stmt_ext(s, ST_RECORDS + v, records_sql[v], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, person_feed);
	store_bind_text(q, 2, idno);
	bind_scope(q, sc);
	db_bind_int64(q, 5, feed_id);
	store_bind_text(q, 6, lo);
	store_bind_text(q, 7, hi);
	int rc, n = 0;
	char *last = NULL;
	size_t last_cap = 0;
	ms_err out = MS_ERR_OK;
	while (n < limit && (rc = db_step(q)) == DB_ROW) {
		const char *nkey = store_col_text(q, 3);
		if (!nkey)
			continue;
		if (last && strcmp(last, nkey) == 0)
			continue; /* an older version of the key just given */
		if (!keep_key(&last, &last_cap, nkey)) {
			out = ms_error_set(err, MS_ERR_NOMEM, NULL);
			break;
		}
		ms_people_rec r = rec_from_row(q, nkey);
		n++;
		if (fn(ctx, &r))
			break;
	}
	if (n >= limit)
		rc = DB_DONE;
	db_reset(q);
	ms_free(last);
	if (out)
		return out;
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading records");
	return MS_ERR_OK;
}

/* ?2 the household */
#define MEMBERS_SQL(COND)                                                                          \
	"SELECT p.idno FROM person_index p WHERE p.household = ?2 AND " COND " ORDER BY p.idno"
static const char *const members_sql[V__COUNT] = {
    MEMBERS_SQL(IN_PREFIX("p.area")),
    MEMBERS_SQL(HH_WORKER("?2")),
    MEMBERS_SQL("1 = 1"),
};

ms_err ms_store_people_members(ms_store *s, const ms_scope *sc, const char *household,
                               int (*fn)(void *ctx, const char *idno), void *ctx, ms_error *err)
{
	int v = variant(sc);
	if (v < 0 || !household)
		return MS_ERR_OK;
	db_stmt *q = store_stmt_ext(s, ST_MEMBERS + v, members_sql[v], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 2, household);
	bind_scope(q, sc);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		const char *id = store_col_text(q, 0);
		if (id && fn(ctx, id))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading a household's members");
	return MS_ERR_OK;
}

/* ---- alerts of a subject ---- */

/* ?1 subject, ?2 subject type */
#define ALERTS_SQL(COND)                                                                           \
	"SELECT a.id, a.rule, a.state, a.created, a.due FROM alert a WHERE a.subject = ?1 AND "    \
	"a.subject_type = ?2 AND " COND " ORDER BY a.id"
static const char *const alerts_sql[4] = {
    ALERTS_SQL("(" IN_PREFIX("a.area") " OR " IN_PREFIX("a.inbox") ")"),
    ALERTS_SQL("(a.inbox = ?3 OR a.assignee IN (SELECT u.name FROM app_user u WHERE "
               "u.station = ?3))"),
    ALERTS_SQL("a.assignee = ?3"),
    ALERTS_SQL("1 = 1"),
};

ms_err ms_store_people_alerts(ms_store *s, const ms_scope *sc, bool household, const char *subject,
                              int (*fn)(void *ctx, const ms_people_alert *a), void *ctx,
                              ms_error *err)
{
	int v;
	switch (variant(sc) < 0 ? MS_SCOPE_NONE : sc->kind) {
	case MS_SCOPE_AREA:
		v = 0;
		break;
	case MS_SCOPE_STATION:
		v = 1;
		break;
	case MS_SCOPE_WORKER:
		v = 2;
		break;
	case MS_SCOPE_ALL:
		v = 3;
		break;
	default:
		return MS_ERR_OK;
	}
	if (!subject)
		return MS_ERR_OK;
	db_stmt *q = store_stmt_ext(s, ST_ALERTS + v, alerts_sql[v], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, subject);
	store_bind_text(q, 2, household ? "household" : "person");
	bind_scope(q, sc);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_people_alert a = {.id = db_column_int64(q, 0),
		                     .rule = store_col_text(q, 1),
		                     .state = store_col_text(q, 2),
		                     .created = store_col_text(q, 3),
		                     .due = store_col_text(q, 4)};
		if (fn(ctx, &a))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading a subject's alerts");
	return MS_ERR_OK;
}

/* ---- search ---- */

/* ?1 lo, ?2 hi, ?5 limit: a range on the kind's own index, in its order, so
 * LIMIT stops the scan early. */
#define SEARCH_SQL(COL, COND)                                                                      \
	"SELECT p.idno, p.household, p.area, p.name FROM person_index p WHERE p." COL " >= ?1 "    \
	"AND p." COL " < ?2 AND " COND " ORDER BY p." COL ", p.idno LIMIT ?5"
#define SEARCH_ROW(COL)                                                                            \
	{SEARCH_SQL(COL, IN_PREFIX("p.area")),                                                     \
	 SEARCH_SQL(COL, PERSON_WORKER("p.idno", "p.household")), SEARCH_SQL(COL, "1 = 1")}
static const char *const search_sql[MS_PSEARCH__COUNT][V__COUNT] = {
    SEARCH_ROW("name"),     SEARCH_ROW("pinyin"),    SEARCH_ROW("initials"),
    SEARCH_ROW("rev_idno"), SEARCH_ROW("rev_phone"),
};

ms_err ms_store_people_search(ms_store *s, const ms_scope *sc, ms_psearch_kind kind,
                              const char *lo, const char *hi, int limit,
                              int (*fn)(void *ctx, const ms_people_hit *h), void *ctx,
                              ms_error *err)
{
	int v = variant(sc);
	if (v < 0 || kind < 0 || kind >= MS_PSEARCH__COUNT || !lo || !hi || limit <= 0)
		return MS_ERR_OK;
	db_stmt *q = store_stmt_ext(s, ST_SEARCH + (int)kind * V__COUNT + v,
	                                 search_sql[kind][v], err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, lo);
	store_bind_text(q, 2, hi);
	bind_scope(q, sc);
	db_bind_int(q, 5, limit);
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		ms_people_hit h = {store_col_text(q, 0), store_col_text(q, 1), store_col_text(q, 2),
		                   store_col_text(q, 3)};
		if (h.idno && fn(ctx, &h))
			break;
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "searching");
	return MS_ERR_OK;
}

/* ---- the index and its upkeep ---- */

ms_err ms_store_people_feed(ms_store *s, const char *name, int64_t *id, ms_error *err)
{
	*id = 0;
	/* every read of a person asks for its feeds */
	if (store_feed_known(s, name, id))
		return MS_ERR_OK;
	db_stmt *q = store_stmt_ext(s, ST_FEED, "SELECT id FROM feed WHERE name = ?1", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, name);
	int rc = db_step(q);
	if (rc == DB_ROW)
		*id = db_column_int64(q, 0);
	db_reset(q);
	if (rc == DB_ROW) {
		store_feed_note(s, name, *id);
		return MS_ERR_OK;
	}
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	return store_db_error(s, err, "reading a feed");
}

/* The secondary indexes of person_index, as migration 7 creates them:
 * dropped for a first build and created again after it (also healing an
 * index lost to a build that died half-way). */
#define INDEX_DROP                                                                                 \
	"DROP INDEX IF EXISTS person_index_household; DROP INDEX IF EXISTS person_index_name; "    \
	"DROP INDEX IF EXISTS person_index_pinyin; DROP INDEX IF EXISTS person_index_initials; "   \
	"DROP INDEX IF EXISTS person_index_rev_idno; DROP INDEX IF EXISTS person_index_rev_phone;"
#define INDEX_CREATE                                                                               \
	"CREATE INDEX IF NOT EXISTS person_index_household ON person_index(household); "           \
	"CREATE INDEX IF NOT EXISTS person_index_name ON person_index(name); "                     \
	"CREATE INDEX IF NOT EXISTS person_index_pinyin ON person_index(pinyin); "                 \
	"CREATE INDEX IF NOT EXISTS person_index_initials ON person_index(initials); "             \
	"CREATE INDEX IF NOT EXISTS person_index_rev_idno ON person_index(rev_idno); "             \
	"CREATE INDEX IF NOT EXISTS person_index_rev_phone ON person_index(rev_phone);"

ms_err ms_store_people_index_put(ms_store *s, const ms_people_entry *e, bool track,
                                 ms_error *err)
{
	if (s->index_bulk && !track) {
		/* PostgreSQL, first build: COPY into a staging table */
		const char *const cv[] = {e->idno,     e->household, e->area,     e->name,     e->pinyin,
		                          e->initials, e->phone,     e->rev_idno, e->rev_phone};
		return store_copy_index_add(s, cv, err);
	}
	/* an entry that did not change is not written: a rebuild over a full
	 * index then costs a lookup per person, not six index updates */
	db_stmt *q = store_stmt_ext(
	        s, ST_INDEX_PUT,
	        "INSERT INTO person_index(idno, household, area, name, pinyin, initials, phone, "
	        "rev_idno, rev_phone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	        "ON CONFLICT(idno) DO UPDATE SET household = excluded.household, area = "
	        "excluded.area, name = excluded.name, pinyin = excluded.pinyin, initials = "
	        "excluded.initials, phone = excluded.phone, rev_idno = excluded.rev_idno, "
	        "rev_phone = excluded.rev_phone WHERE person_index.household != excluded.household OR "
	        "person_index.area != excluded.area OR person_index.name != excluded.name OR "
	        "person_index.pinyin != excluded.pinyin OR person_index.initials != excluded.initials "
	        "OR person_index.phone != excluded.phone",
	        err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	const char *v[] = {e->idno,     e->household, e->area,     e->name,     e->pinyin,
	                   e->initials, e->phone,     e->rev_idno, e->rev_phone};
	for (int i = 0; i < 9; i++)
		store_bind_text(q, i + 1, v[i] ? v[i] : "");
	ms_err rc = store_exec_done(s, q, err, "writing the search index");
	if (rc || !track)
		return rc;
	q = store_stmt_ext(s, ST_SEEN_ADD,
	                   "INSERT INTO temp.people_seen(idno) VALUES (?1) ON CONFLICT DO NOTHING",
	                   err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, e->idno);
	return store_exec_done(s, q, err, "noting an indexed person");
}

ms_err ms_store_people_index_empty(ms_store *s, bool *empty, ms_error *err)
{
	*empty = true;
	db_stmt *q = store_stmt_ext(s, ST_INDEX_ANY, "SELECT 1 FROM person_index LIMIT 1", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc = db_step(q);
	*empty = rc != DB_ROW;
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading the search index");
	return MS_ERR_OK;
}

ms_err ms_store_people_index_bulk_begin(ms_store *s, ms_error *err)
{
	ms_err e = store_exec_sql(s, "DELETE FROM person_index; " INDEX_DROP, err,
	                          "emptying the search index");
	if (e || db_kind(s->db) != DB_PG)
		return e;
	/* the entries arrive by COPY into a table without keys; a person
	 * given twice keeps the last entry, as the upsert does */
	e = store_exec_sql(s,
	                   "CREATE TEMP TABLE IF NOT EXISTS person_stage (seq BIGINT GENERATED ALWAYS "
	                   "AS IDENTITY, idno TEXT, household TEXT, area TEXT, name TEXT, pinyin TEXT, "
	                   "initials TEXT, phone TEXT, rev_idno TEXT, rev_phone TEXT); "
	                   "TRUNCATE pg_temp.person_stage",
	                   err, "preparing the search index");
	if (!e)
		s->index_bulk = true;
	return e;
}

ms_err ms_store_people_index_finish(ms_store *s, ms_error *err)
{
	if (s->index_bulk) {
		s->index_bulk = false;
		ms_err e = store_copy_flush(s, err);
		if (!e)
			e = store_exec_sql(
			        s,
			        "INSERT INTO person_index(idno, household, area, name, pinyin, initials, "
			        "phone, rev_idno, rev_phone) SELECT DISTINCT ON (idno) idno, household, area, "
			        "name, pinyin, initials, phone, rev_idno, rev_phone FROM pg_temp.person_stage "
			        "ORDER BY idno, seq DESC ON CONFLICT (idno) DO UPDATE SET household = "
			        "excluded.household, area = excluded.area, name = excluded.name, pinyin = "
			        "excluded.pinyin, initials = excluded.initials, phone = excluded.phone, "
			        "rev_idno = excluded.rev_idno, rev_phone = excluded.rev_phone; "
			        "DROP TABLE pg_temp.person_stage",
			        err, "writing the search index");
		if (e)
			return e;
	}
	return store_exec_sql(s, INDEX_CREATE, err, "indexing the search index");
}

ms_err ms_store_people_seen_begin(ms_store *s, ms_error *err)
{
	/* a temporary table of this handle: kept between builds (statements
	 * prepared on it stay valid), emptied for each */
	return store_exec_sql(s,
	                      DB_SQL2("CREATE TEMP TABLE IF NOT EXISTS people_seen (idno TEXT "
	                              "PRIMARY KEY) WITHOUT ROWID; DELETE FROM temp.people_seen;",
	                              "CREATE TEMP TABLE IF NOT EXISTS people_seen (idno TEXT "
	                              "PRIMARY KEY); DELETE FROM pg_temp.people_seen;"),
	                      err, "preparing a rebuild of the search index");
}

ms_err ms_store_people_seen_prune(ms_store *s, int64_t *n, ms_error *err)
{
	db_stmt *q = store_stmt_ext(s, ST_INDEX_PRUNE,
	                                 "DELETE FROM person_index WHERE idno NOT IN (SELECT idno "
	                                 "FROM temp.people_seen)",
	                                 err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	ms_err e = store_exec_done(s, q, err, "pruning the search index");
	if (n)
		*n = e ? 0 : db_changes(s->db);
	if (!e)
		e = store_exec_sql(s, "DELETE FROM temp.people_seen", err,
		                   "finishing a rebuild of the search index");
	return e;
}

ms_err ms_store_people_feed_state(ms_store *s, int64_t feed_id, int64_t *max_published,
                                  int64_t *revoked, ms_error *err)
{
	*max_published = *revoked = 0;
	db_stmt *q = store_stmt_ext(
	        s, ST_FEED_STATE,
	        "SELECT coalesce(max(CASE WHEN state = 'published' THEN id END), 0), "
	        "count(CASE WHEN state = 'revoked' THEN 1 END) FROM batch WHERE feed_id = ?1",
	        err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	int rc = db_step(q);
	if (rc == DB_ROW) {
		*max_published = db_column_int64(q, 0);
		*revoked = db_column_int64(q, 1);
	}
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "reading a feed's batches");
	return MS_ERR_OK;
}

ms_err ms_store_people_new_count(ms_store *s, int64_t feed_id, int64_t after, int64_t upto,
                                 int64_t *n, ms_error *err)
{
	*n = 0;
	/* a batch stores a record for each row accepted or updated */
	db_stmt *q = store_stmt_ext(
	        s, ST_NEW_COUNT,
	        "SELECT coalesce(sum(accepted + updated), 0) FROM batch WHERE feed_id = ?1 AND "
	        "state = 'published' AND id > ?2 AND id <= ?3",
	        err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	db_bind_int64(q, 2, after);
	db_bind_int64(q, 3, upto);
	int rc = db_step(q);
	if (rc == DB_ROW)
		*n = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_error(s, err, "counting new records");
	return MS_ERR_OK;
}

typedef struct new_batch {
	int64_t id, from, to;
} new_batch;

ms_err ms_store_people_new_records(ms_store *s, int64_t feed_id, int64_t after, int64_t upto,
                                   int (*fn)(void *ctx, const ms_people_rec *r), void *ctx,
                                   ms_error *err)
{
	/* the batches first (few), then each one's id range: a sequential read
	 * of the record table instead of a pass over the feed's whole index */
	db_stmt *q = store_stmt_ext(
	        s, ST_NEW_BATCHES,
	        "SELECT b.id, b.first_record, (SELECT min(n.first_record) FROM batch n WHERE n.id > "
	        "b.id) FROM batch b WHERE b.feed_id = ?1 AND b.state = 'published' AND b.id > ?2 AND "
	        "b.id <= ?3 ORDER BY b.id",
	        err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	db_bind_int64(q, 2, after);
	db_bind_int64(q, 3, upto);
	new_batch *bs = NULL;
	size_t nb = 0, cap = 0;
	int rc;
	ms_err out = MS_ERR_OK;
	while ((rc = db_step(q)) == DB_ROW) {
		if (nb == cap) {
			size_t nc = cap ? cap * 2 : 16;
			new_batch *p = ms_realloc(bs, nc * sizeof *p);
			if (!p) {
				out = ms_error_set(err, MS_ERR_NOMEM, NULL);
				break;
			}
			bs = p;
			cap = nc;
		}
		bs[nb].id = db_column_int64(q, 0);
		bs[nb].from = db_column_int64(q, 1);
		bs[nb].to = db_column_type(q, 2) == DB_NULL ? INT64_MAX
		                                                     : db_column_int64(q, 2);
		nb++;
	}
	db_reset(q);
	if (!out && rc != DB_ROW && rc != DB_DONE)
		out = store_db_error(s, err, "listing new batches");
	for (size_t i = 0; !out && i < nb; i++) {
		q = store_stmt_ext(s, ST_BATCH_RECORDS,
		                   "SELECT id, batch_id, row, nkey, area, vals FROM record WHERE id >= ?1 "
		                   "AND id < ?2 AND batch_id = ?3 AND feed_id = ?4 ORDER BY id",
		                   err);
		if (!q) {
			out = MS_ERR_DB;
			break;
		}
		db_bind_int64(q, 1, bs[i].from);
		db_bind_int64(q, 2, bs[i].to);
		db_bind_int64(q, 3, bs[i].id);
		db_bind_int64(q, 4, feed_id);
		bool stop = false;
		while ((rc = db_step(q)) == DB_ROW) {
			ms_people_rec r = {.id = db_column_int64(q, 0),
			                   .batch_id = db_column_int64(q, 1),
			                   .row = db_column_int64(q, 2),
			                   .nkey = store_col_text(q, 3),
			                   .area = store_col_text(q, 4),
			                   .vals = store_col_text(q, 5)};
			if (!r.vals)
				r.vals = "";
			if (fn(ctx, &r)) {
				stop = true;
				break;
			}
		}
		db_reset(q);
		if (!stop && rc != DB_DONE)
			out = store_db_error(s, err, "reading a batch's records");
		if (stop)
			break;
	}
	ms_free(bs);
	return out;
}

#define CHUNK_SQL(WHERE)                                                                           \
	"SELECT r.id, r.batch_id, r.row, r.nkey, r.area, r.vals FROM record r JOIN batch b ON "     \
	"b.id = r.batch_id WHERE r.feed_id = ?1 " WHERE " AND b.state = 'published' ORDER BY "       \
	"r.nkey, r.batch_id DESC LIMIT ?3"

ms_err ms_store_people_current_chunk(ms_store *s, int64_t feed_id, const char *after, int limit,
                                     int (*fn)(void *ctx, const ms_people_rec *r), void *ctx,
                                     const char **last_key, ms_error *err)
{
	*last_key = NULL;
	int slot = after ? ST_CHUNK_NEXT : ST_CHUNK_FIRST;
	db_stmt *q = store_stmt_ext(s, slot,
	                                 after ? CHUNK_SQL("AND r.nkey > ?2") : CHUNK_SQL(""), err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	db_bind_int64(q, 1, feed_id);
	if (after)
		store_bind_text(q, 2, after);
	db_bind_int(q, 3, limit);
	/* the previous key lives in the slot's arena between calls: copy the
	 * bound one out before the arena is reused */
	ms_arena *a = &s->detach[slot];
	char *prev = NULL;
	size_t prev_cap = 0;
	int rc, n = 0;
	ms_err out = MS_ERR_OK;
	bool stop = false;
	while ((rc = db_step(q)) == DB_ROW) {
		n++;
		const char *nkey = store_col_text(q, 3);
		if (!nkey)
			continue;
		bool older = prev && strcmp(prev, nkey) == 0;
		if (!older) {
			if (!keep_key(&prev, &prev_cap, nkey)) {
				out = ms_error_set(err, MS_ERR_NOMEM, NULL);
				break;
			}
			ms_people_rec r = rec_from_row(q, nkey);
			if (fn(ctx, &r)) {
				stop = true;
				break;
			}
		}
	}
	db_reset(q);
	if (!out && !stop && rc != DB_DONE)
		out = store_db_error(s, err, "reading current records");
	if (!out && !stop && n >= limit && prev) {
		if (!a->block_size)
			ms_arena_init(a, 4096, 0);
		else
			ms_arena_reset(a);
		char *k = ms_arena_strdup(a, prev);
		if (!k)
			out = ms_error_set(err, MS_ERR_NOMEM, NULL);
		*last_key = k;
	}
	ms_free(prev);
	return out;
}

/* ---- meta ---- */

ms_err ms_store_people_meta_get(ms_store *s, const char *key, char *out, size_t cap,
                                ms_error *err)
{
	if (cap)
		out[0] = '\0';
	db_stmt *q =
	        store_stmt_ext(s, ST_META_GET, "SELECT value FROM meta WHERE key = ?1", err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, key);
	int rc = db_step(q);
	ms_err e = MS_ERR_OK;
	if (rc == DB_ROW) {
		const char *v = store_col_text(q, 0);
		size_t n = v ? strlen(v) : 0;
		if (n >= cap)
			e = ms_error_set(err, MS_ERR_TOO_LARGE, "设置值过长 (a meta value is too long): %s",
			                 key);
		else
			memcpy(out, v ? v : "", n + 1);
	}
	db_reset(q);
	if (rc == DB_DONE)
		return MS_ERR_NOT_FOUND;
	if (rc != DB_ROW)
		return store_db_error(s, err, "reading a setting");
	return e;
}

static ms_err meta_write(ms_store *s, int slot, const char *sql, const char *key,
                         const char *value, ms_error *err)
{
	db_stmt *q = store_stmt_ext(s, slot, sql, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	store_bind_text(q, 1, key);
	if (value)
		store_bind_text(q, 2, value);
	return store_exec_done(s, q, err, "writing a setting");
}

ms_err ms_store_people_meta_put(ms_store *s, const char *key, const char *value, ms_error *err)
{
	return meta_write(s, ST_META_PUT,
	                  "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE "
	                  "SET value = excluded.value",
	                  key, value, err);
}

ms_err ms_store_people_meta_add(ms_store *s, const char *key, const char *value, ms_error *err)
{
	return meta_write(s, ST_META_ADD,
	                  "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
	                  key, value, err);
}

ms_err ms_store_people_meta_del(ms_store *s, const char *key, ms_error *err)
{
	return meta_write(s, ST_META_DEL, "DELETE FROM meta WHERE key = ?1", key, NULL, err);
}
