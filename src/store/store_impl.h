/* store_impl.h — what the files of the SQLite store share: the handle and
 * small helpers. Only src/store includes it. Each module of the store
 * (alerts, users, …) keeps its statements in slots of `ext`, prepared once
 * from fixed SQL by store_stmt_ext; no SQL is ever built from values. */
#ifndef MS_STORE_IMPL_H
#define MS_STORE_IMPL_H

#include "store/store.h"

#include "base/arena.h"

#include "store/db.h"

#define MS_STORE_EXT_MAX 512

/* Slot ranges of ext, one per module, so modules never collide. */
enum {
	MS_STORE_EXT_SNAPSHOT = 0,   /* 0–31 */
	MS_STORE_EXT_ALERTS = 32,    /* 32–95 */
	MS_STORE_EXT_WORK = 96,      /* 96–159 */
	MS_STORE_EXT_AUTH = 160,     /* 160–223 */
	MS_STORE_EXT_OTHER = 224,    /* 224–255 */
	MS_STORE_EXT_SESSION = 256,  /* 256–287: sessions, tokens, second factors */
	MS_STORE_EXT_JOB = 288,      /* 288–303: jobs */
	MS_STORE_EXT_SCOPED = 304,   /* 304–335: scoped reads for the API (alerts) */
	MS_STORE_EXT_PEOPLE = 336,   /* 336–399: persons, households, search */
	MS_STORE_EXT_EVAL = 400,     /* 400–463: station evaluation */
	MS_STORE_EXT_OPS = 464,      /* 464–511: retention, webhooks, notices */
};

typedef struct store_copy store_copy;

struct ms_store {
	db_conn *db;
	db_stmt *st[64];
	db_stmt *ext[MS_STORE_EXT_MAX];
	char *url;
	int lock_fd;
	bool pg_import_lock; /* PostgreSQL: the import lock is an advisory lock */
	store_copy *copy;    /* PostgreSQL: records waiting for COPY (store_copy.c) */
	bool index_bulk;     /* PostgreSQL: a first build of the search index runs */
	/* feed ids by name (store_feed_known) */
	struct {
		char name[48];
		int64_t id;
	} feed_ids[32];
	int nfeed_ids;
	bool unchanged_ready;
	int64_t last_flagged; /* alerts flagged by the last revocation */
	char *scratch; /* copies of text returned to callers */
	size_t scratch_cap;
	/* states of batches by id, for key probes without a join */
	unsigned char *bstate;
	int64_t bstate_n;
	/* copies of the text of rows returned by getters, one arena per
	 * statement slot (core slots after the ext ones) */
	ms_arena detach[MS_STORE_EXT_MAX + 64];
};

/* A statement of a module, prepared on first use, reset and unbound. */
db_stmt *store_stmt_ext(ms_store *s, int slot, const char *sql, ms_error *err);
/* Records the database's error (MS_ERR_BUSY when locked, else MS_ERR_DB). */
ms_err store_db_error(ms_store *s, ms_error *err, const char *what);
/* Steps a statement that returns no rows, then resets it. */
ms_err store_exec_done(ms_store *s, db_stmt *q, ms_error *err, const char *what);
ms_err store_exec_sql(ms_store *s, const char *sql, ms_error *err, const char *what);
/* Binds text (NULL binds SQL NULL); the text must outlive the step. */
void store_bind_text(db_stmt *q, int i, const char *v);
const char *store_col_text(db_stmt *q, int i);
/* Copies the strings that the given fields point to (into the statement's
 * slot arena, reset first) and resets the statement, so a getter never
 * leaves a read open on the handle: an open read would pin an old snapshot
 * and make the handle's next write fail at once. The copies stay valid until
 * the same slot is used again. Returns false when out of memory. Core slots
 * are numbered MS_STORE_EXT_MAX + statement id. */
bool store_detach(ms_store *s, int slot, db_stmt *q, const char **fields[], int n);

/* Copies the strings the given fields point to into buf (cap bytes, owned
 * by the caller's result struct) and points the fields at the copies.
 * False when they do not fit; fields are then partly moved. */
bool store_copy_into(char *buf, size_t cap, const char **fields[], int n);

/* The columns of an alert row, in the order store_alert_from_row reads
 * them; modules add their own columns after these. */
#define MS_STORE_ALERT_COLS                                                                        \
	"id, rule, kind, subject_type, subject, area, inbox, state, cleared, created, due, "     \
	"version, assignee, raised_scan, last_scan, pack_version, closed, evidence_revoked"
#define MS_STORE_ALERT_NCOLS 18
struct ms_alert;
/* Fills an alert from a row selected with MS_STORE_ALERT_COLS first; the
 * strings point into the statement's row. */
void store_alert_from_row(db_stmt *q, struct ms_alert *a);

/* The columns of a review item, read by store_review_from_row. */
#define MS_STORE_REVIEW_COLS                                                                                \
	"SELECT v.id, v.batch_id, v.row, v.feed_id, f.name, v.idno_raw, v.name, v.reason, "        \
	"v.candidates, v.nkey, v.area, v.vals, v.extra, v.day, v.state, v.linked_idno, "           \
	"v.decided_by, v.decided, v.note FROM review v JOIN feed f ON f.id = v.feed_id "           \
	"JOIN batch b ON b.id = v.batch_id"
void store_review_from_row(db_stmt *q, ms_review *r);
/* PostgreSQL's bulk path for records (store_copy.c). add gives
 * MS_ERR_EXISTS for a key already in the batch; key_row finds a key of the
 * batch being copied; flush sends what waits; discard forgets it (rollback). */
ms_err store_copy_add(ms_store *s, const ms_record_in *rec, ms_error *err);
bool store_copy_key_row(ms_store *s, int64_t feed_id, int64_t batch_id, const char *nkey,
                        int64_t *row);
ms_err store_copy_flush(ms_store *s, ms_error *err);
/* An entry of a first build of the search index (9 columns of person_index,
 * in order), for pg_temp.person_stage. */
ms_err store_copy_index_add(ms_store *s, const char *const v[9], ms_error *err);
void store_copy_discard(ms_store *s);
void store_copy_free(ms_store *s);

/* Feed ids by name, kept per handle (a feed keeps its id for ever; the
 * list is forgotten on rollback, which may undo a new feed): a lookup is a
 * round trip on PostgreSQL. */
bool store_feed_known(ms_store *s, const char *name, int64_t *id);
void store_feed_note(ms_store *s, const char *name, int64_t id);

/* Now as RFC 3339 in China Standard Time. */
void store_now_rfc3339(char out[32]);

#endif
