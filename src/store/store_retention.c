/* store_retention.c — SQLite statements of retention (个人信息保护法 Art. 19,
 * 47): what each step of `minsheng purge` counts and changes, in slots
 * 464–487 of the store's ext table; fixed SQL, values always bound (?1 the
 * cutoff date, ?2 the cutoff in Unix seconds, ?3 the time of the purge).
 * Each step keeps the counts and the decisions and removes the personal
 * data; src/work/retention.c decides the cutoffs. */
#include "store/store_ops.h"

#include "store/store_impl.h"

#include <string.h>

/* clang-format off */
/* closed alerts past the period whose personal data is still there */
#define SEL_CLOSED "SELECT id FROM alert WHERE state = 'closed' AND closed < ?1 AND purged IS NULL"
/* an identity number masked as the lists show it: 440106********123X */
#define MASK_ID(c) "substr(" c ", 1, 6) || '********' || substr(" c ", 15, 4)"

#define RET_STMTS(X)                                                                               \
	X(REJECTS_COUNT, "SELECT count(*) FROM reject WHERE original != '' AND batch_id IN "        \
	                 "(SELECT id FROM batch WHERE created < ?1)")                               \
	X(REJECTS_APPLY, "UPDATE reject SET original = '' WHERE original != '' AND batch_id IN "    \
	                 "(SELECT id FROM batch WHERE created < ?1)")                               \
	X(REVIEW_COUNT, "SELECT count(*) FROM review WHERE state != 'open' AND decided < ?1 AND "   \
	                "(idno_raw != '' OR name != '' OR vals != '')")                             \
	X(REVIEW_APPLY, "UPDATE review SET idno_raw = '', name = '', candidates = '', nkey = '', "  \
	                "vals = '', extra = NULL, linked_idno = CASE WHEN length(linked_idno) = 18 " \
	                "THEN " MASK_ID("linked_idno") " ELSE linked_idno END "                     \
	                "WHERE state != 'open' AND decided < ?1 AND "                               \
	                "(idno_raw != '' OR name != '' OR vals != '')")                             \
	X(ALERTS_COUNT, "SELECT count(*) FROM alert WHERE state = 'closed' AND closed < ?1 AND "    \
	                "purged IS NULL")                                                           \
	X(ALERTS_EVIDENCE, "DELETE FROM alert_evidence WHERE alert_id IN (" SEL_CLOSED ")")         \
	X(ALERTS_EXPL, "DELETE FROM alert_explanation WHERE alert_id IN (" SEL_CLOSED ")")          \
	X(ALERTS_NOTES, "UPDATE alert_event SET note = '' WHERE note != '' AND alert_id IN ("      \
	                SEL_CLOSED ")")                                                             \
	X(ALERTS_VERIF, "UPDATE alert_verification SET household = NULL WHERE household IS NOT "    \
	                "NULL AND alert_id IN (" SEL_CLOSED ")")                                    \
	X(ALERTS_NOTICES, "DELETE FROM alert_notice WHERE alert_id IN (" SEL_CLOSED ")")            \
	X(ALERTS_APPLY, "UPDATE alert SET purged = ?3, subject = CASE WHEN subject_type = "         \
	                "'person' AND length(subject) = 18 THEN " MASK_ID("subject")                \
	                " ELSE substr(subject, 1, 6) || '******' END "                              \
	                "WHERE state = 'closed' AND closed < ?1 AND purged IS NULL")                \
	X(ATT_COUNT, "SELECT count(*) FROM attachment WHERE alert_id IN (SELECT id FROM alert "     \
	             "WHERE state = 'closed' AND closed < ?1)")                                     \
	X(ATT_APPLY, "DELETE FROM attachment WHERE alert_id IN (SELECT id FROM alert "              \
	             "WHERE state = 'closed' AND closed < ?1)")                                     \
	X(ATT_BLOBS, "DELETE FROM attachment_blob WHERE sha256 NOT IN "                             \
	             "(SELECT sha256 FROM attachment)")                                             \
	X(SESS_COUNT, "SELECT count(*) FROM session WHERE expires < ?2")                            \
	X(SESS_APPLY, "DELETE FROM session WHERE expires < ?2")                                     \
	X(JOBS_COUNT, "SELECT count(*) FROM job WHERE state IN ('done','failed') AND finished < ?1") \
	X(JOBS_APPLY, "DELETE FROM job WHERE state IN ('done','failed') AND finished < ?1")         \
	X(DELIV_COUNT, "SELECT count(*) FROM webhook_delivery WHERE state IN "                      \
	               "('delivered','failed') AND created < ?1")                                   \
	X(DELIV_APPLY, "DELETE FROM webhook_delivery WHERE state IN ('delivered','failed') AND "    \
	               "created < ?1")
/* clang-format on */

enum {
#define X(id, sql) RT_##id,
	RET_STMTS(X)
#undef X
	RT__COUNT
};

static const char *const ret_sql[] = {
#define X(id, sql) sql,
	RET_STMTS(X)
#undef X
};

_Static_assert(RT__COUNT <= 24, "retention statements fit in slots 464-487");

/* Each step: its count, then the statements that apply it in order; the
 * changes of `main` are the step's count. */
typedef struct ret_step {
	int count;
	int apply[8];
	int napply;
	int main;
} ret_step;

static const ret_step steps[MS_RET__COUNT] = {
	[MS_RET_REJECTS] = {RT_REJECTS_COUNT, {RT_REJECTS_APPLY}, 1, RT_REJECTS_APPLY},
	[MS_RET_REVIEW] = {RT_REVIEW_COUNT, {RT_REVIEW_APPLY}, 1, RT_REVIEW_APPLY},
	/* the alert row last: the others find the alerts by purged IS NULL */
	[MS_RET_ALERTS] = {RT_ALERTS_COUNT,
	                   {RT_ALERTS_EVIDENCE, RT_ALERTS_EXPL, RT_ALERTS_NOTES, RT_ALERTS_VERIF,
	                    RT_ALERTS_NOTICES, RT_ALERTS_APPLY},
	                   6,
	                   RT_ALERTS_APPLY},
	[MS_RET_ATTACHMENTS] = {RT_ATT_COUNT, {RT_ATT_APPLY, RT_ATT_BLOBS}, 2, RT_ATT_APPLY},
	[MS_RET_SESSIONS] = {RT_SESS_COUNT, {RT_SESS_APPLY}, 1, RT_SESS_APPLY},
	[MS_RET_JOBS] = {RT_JOBS_COUNT, {RT_JOBS_APPLY}, 1, RT_JOBS_APPLY},
	[MS_RET_DELIVERIES] = {RT_DELIV_COUNT, {RT_DELIV_APPLY}, 1, RT_DELIV_APPLY},
};

static db_stmt *stmt(ms_store *s, int id, const char *cutoff_day, int64_t cutoff_unix,
                          const char *now, ms_error *err)
{
	db_stmt *q = store_stmt_ext(s, MS_STORE_EXT_OPS + id, ret_sql[id], err);
	if (!q)
		return NULL;
	int np = db_bind_parameter_count(q);
	if (np >= 1)
		store_bind_text(q, 1, cutoff_day);
	if (np >= 2)
		db_bind_int64(q, 2, cutoff_unix);
	if (np >= 3)
		store_bind_text(q, 3, now);
	return q;
}

static bool kind_ok(ms_ret_kind kind, ms_error *err)
{
	if ((int)kind < 0 || kind >= MS_RET__COUNT) {
		ms_error_set(err, MS_ERR_INTERNAL, "unknown retention step %d", (int)kind);
		return false;
	}
	return true;
}

ms_err ms_store_retention_count(ms_store *s, ms_ret_kind kind, const char *cutoff_day,
                                int64_t cutoff_unix, int64_t *n, ms_error *err)
{
	*n = 0;
	if (!kind_ok(kind, err))
		return MS_ERR_INTERNAL;
	db_stmt *q = stmt(s, steps[kind].count, cutoff_day, cutoff_unix, NULL, err);
	if (!q)
		return err ? err->code : MS_ERR_DB;
	int rc = db_step(q);
	if (rc == DB_ROW)
		*n = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW)
		return store_db_error(s, err, "counting what retention removes");
	return MS_ERR_OK;
}

ms_err ms_store_retention_apply(ms_store *s, ms_ret_kind kind, const char *cutoff_day,
                                int64_t cutoff_unix, const char *now, int64_t *n, ms_error *err)
{
	*n = 0;
	if (!kind_ok(kind, err))
		return MS_ERR_INTERNAL;
	const ret_step *st = &steps[kind];
	for (int i = 0; i < st->napply; i++) {
		db_stmt *q = stmt(s, st->apply[i], cutoff_day, cutoff_unix, now, err);
		if (!q)
			return err ? err->code : MS_ERR_DB;
		ms_err e = store_exec_done(s, q, err, "removing data past its retention period");
		if (e)
			return e;
		if (st->apply[i] == st->main)
			*n = db_changes(s->db);
	}
	return MS_ERR_OK;
}
