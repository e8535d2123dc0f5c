/* store.h — the one storage interface of minsheng. Everything above the
 * store (ingest, rules, monitor, work, http, cli) reads and writes through
 * these functions; SQLite is the embedded default behind them.
 *
 * Lifecycle:
 *  1. ms_store_open() opens (and with MS_STORE_CREATE creates) a database and
 *     applies pending schema migrations; a database newer than the program
 *     is refused.
 *  2. A store handle belongs to one thread at a time: open one per thread.
 *  3. Every statement is prepared once per handle and reused; no SQL is
 *     ever built from values.
 *  4. ms_store_close() finalises everything; the handle is invalid after.
 *
 * Strings returned inside result structs point into storage owned by the
 * store and stay valid until the next call on the same handle, unless a
 * function says otherwise. */
#ifndef MS_STORE_STORE_H
#define MS_STORE_STORE_H

#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ms_store ms_store;

enum {
	MS_STORE_CREATE = 1 << 0,   /* create the database when missing */
	MS_STORE_READONLY = 1 << 1, /* open for reading only */
};

ms_err ms_store_open(const char *url, int flags, ms_store **out, ms_error *err);
void ms_store_close(ms_store *s);
/* The schema version in the database and the newest the program knows. */
int ms_store_schema_version(ms_store *s);
int ms_store_schema_latest(void);
/* The database's path or URL, as opened. */
const char *ms_store_url(const ms_store *s);
/* Bytes SQLite holds in this process (page caches of every handle,
 * statements), for /metrics: the page caches grow with the database up to
 * each handle's cache size. */
int64_t ms_store_memory_used(void);

/* Transactions. begin_write takes the write lock at once, so a writer waits
 * (up to the busy timeout) instead of failing half-way. */
ms_err ms_store_begin_write(ms_store *s, ms_error *err);
ms_err ms_store_begin_read(ms_store *s, ms_error *err);
ms_err ms_store_commit(ms_store *s, ms_error *err);
void ms_store_rollback(ms_store *s);

/* ---- scopes: what a caller may read (SPEC §1) ----
 * Scoped store functions take one of these and apply it in their SQL, so a
 * record outside it is never read: the caller gets MS_ERR_NOT_FOUND, as for
 * a record that does not exist. auth/auth.h makes one from a user. */
typedef enum {
	MS_SCOPE_NONE = 0, /* no personal data (uploader, evaluator, auditor) */
	MS_SCOPE_ALL,      /* the server's operator (command line) */
	MS_SCOPE_AREA,     /* admin, officer: records whose area starts with prefix */
	MS_SCOPE_STATION,  /* station head: its township (station), and alerts of
	                    * its inbox or assigned to a worker of the station */
	MS_SCOPE_WORKER,   /* social worker: alerts assigned to user; the people
	                    * and households behind them or with a service file
	                    * at its station */
} ms_scope_kind;

typedef struct ms_scope {
	ms_scope_kind kind;
	const char *prefix;  /* AREA: area-code prefix (2–12 digits) */
	const char *station; /* STATION, WORKER: the 9-digit township station */
	const char *user;    /* WORKER (and STATION): the user's name */
} ms_scope;

/* ---- feeds and batches (import) ---- */

typedef enum { MS_BATCH_NONE = 0, MS_BATCH_STAGING, MS_BATCH_PUBLISHED, MS_BATCH_REVOKED } ms_batch_state;

typedef struct ms_batch_counts {
	int64_t rows, accepted, unchanged, updated, rejected, review, corrected;
} ms_batch_counts;

typedef struct ms_batch {
	int64_t id;
	int64_t feed_id;
	const char *feed;
	const char *sha256;
	const char *file_name;
	const char *format;
	const char *encoding;
	ms_batch_state state;
	ms_batch_counts counts;
	const char *actor;
	const char *created, *published, *revoked;
} ms_batch;

/* Serialises imports into one database across processes (a lock file next
 * to it). Blocks until the lock is free. */
ms_err ms_store_import_lock(ms_store *s, ms_error *err);
void ms_store_import_unlock(ms_store *s);
/* Removes what interrupted imports left in staging. Call with the import
 * lock held. Returns the number of batches removed. */
ms_err ms_store_cleanup_staging(ms_store *s, int64_t *removed, ms_error *err);

/* The id of a feed name, created when new. */
ms_err ms_store_feed_id(ms_store *s, const char *name, int64_t *id, ms_error *err);
/* The batch of a feed with these bytes; MS_ERR_NOT_FOUND when none. */
ms_err ms_store_batch_find(ms_store *s, int64_t feed_id, const char *sha256, ms_batch *out,
                           ms_error *err);
ms_err ms_store_batch_get(ms_store *s, int64_t batch_id, ms_batch *out, ms_error *err);
/* Creates a staging batch; *id receives it. */
ms_err ms_store_batch_create(ms_store *s, int64_t feed_id, const char *sha256,
                             const char *file_name, const char *format, const char *encoding,
                             const char *actor, int64_t *id, ms_error *err);
/* Publishes a staging batch with its final counts, atomically. */
ms_err ms_store_batch_publish(ms_store *s, int64_t batch_id, const ms_batch_counts *c,
                              ms_error *err);
/* Withdraws a published batch: its records stop counting (they are kept),
 * and the alerts whose evidence cites it are flagged (evidence_revoked);
 * ms_store_last_flagged then says how many were newly flagged. */
ms_err ms_store_batch_revoke(ms_store *s, int64_t batch_id, const char *actor, const char *reason,
                             ms_error *err);
int64_t ms_store_last_flagged(const ms_store *s);
/* Lists batches newest first; calls fn for each (fn returns non-zero to stop). */
ms_err ms_store_batch_list(ms_store *s, const char *feed, int limit,
                           int (*fn)(void *ctx, const ms_batch *b), void *ctx, ms_error *err);

/* ---- records ---- */

/* What the store knows of a natural key when a row arrives. */
typedef struct ms_key_probe {
	int64_t dup_row;        /* > 0: this batch already has the key at that row */
	bool has_current;       /* a published version exists */
	const char *cur_vals;   /* its values (valid until the next store call) */
	int64_t cur_record;     /* its record id */
} ms_key_probe;

ms_err ms_store_key_probe(ms_store *s, int64_t feed_id, const char *nkey, int64_t batch_id,
                          ms_key_probe *out, ms_error *err);

typedef struct ms_record_in {
	int64_t feed_id, batch_id, row;
	const char *nkey;
	const char *idno;  /* NULL when the feed has no identity column */
	const char *area;  /* NULL when the row gives none */
	int32_t day;       /* the row's own date, MS_DATE_NONE when none */
	const char *vals;  /* canonical values, 0x1F-separated */
	const char *extra; /* JSON object of extra columns, or NULL */
} ms_record_in;

/* MS_ERR_EXISTS (err untouched) when this batch already has the key. */
ms_err ms_store_record_insert(ms_store *s, const ms_record_in *r, ms_error *err);
/* The row at which this batch stored a key (0 when none). */
ms_err ms_store_key_row(ms_store *s, int64_t feed_id, const char *nkey, int64_t batch_id,
                        int64_t *row, ms_error *err);
/* Whether a feed has any published batch: when not, no key can have a
 * current version and the import skips the probe. */
ms_err ms_store_feed_has_data(ms_store *s, int64_t feed_id, bool *has, ms_error *err);

/* Rows of this batch whose key was unchanged: remembered so that a repeat
 * of such a key in the same file is caught as a duplicate. */
ms_err ms_store_unchanged_mark(ms_store *s, const char *nkey, int64_t row, int64_t *dup_row,
                               ms_error *err);
void ms_store_unchanged_reset(ms_store *s);

ms_err ms_store_correction_insert(ms_store *s, int64_t batch_id, int64_t row, const char *original,
                                  const char *corrected, ms_error *err);

typedef struct ms_reject_in {
	int64_t batch_id, row;
	const char *col, *code, *reason_zh, *reason_en, *original;
} ms_reject_in;
ms_err ms_store_reject_insert(ms_store *s, const ms_reject_in *r, ms_error *err);
ms_err ms_store_reject_list(ms_store *s, int64_t batch_id, int limit,
                            int (*fn)(void *ctx, const ms_reject_in *r), void *ctx, ms_error *err);

/* ---- review queue ---- */

typedef struct ms_review {
	int64_t id, batch_id, row, feed_id;
	const char *feed;
	const char *idno_raw, *name, *reason, *candidates;
	const char *nkey, *area, *vals, *extra;
	int32_t day;
	const char *state, *linked_idno, *decided_by, *decided, *note;
} ms_review;

ms_err ms_store_review_insert(ms_store *s, const ms_review *r, ms_error *err);
/* Lists review items (state NULL = all; batch 0 = every batch). */
ms_err ms_store_review_list(ms_store *s, const char *state, int64_t batch_id, int limit,
                            int (*fn)(void *ctx, const ms_review *r), void *ctx, ms_error *err);
ms_err ms_store_review_get(ms_store *s, int64_t id, ms_review *out, ms_error *err);
/* Marks an open item linked (to idno) or discarded; MS_ERR_CONFLICT when it
 * is no longer open. Linking also stores the row as a record of its batch,
 * with `vals` (the row's values with the linked number in place). */
ms_err ms_store_review_decide(ms_store *s, int64_t id, const char *linked_idno, const char *vals,
                              const char *actor, const char *note, ms_error *err);

/* ---- registry lookups ---- */

/* Calls fn with the current published values of the registry record of a
 * feed and key (e.g. the persons row of an identity number);
 * MS_ERR_NOT_FOUND when none. */
ms_err ms_store_current_vals(ms_store *s, int64_t feed_id, const char *nkey, char *out,
                             size_t cap, ms_error *err);
/* Calls fn for every current (published, newest version) record of a feed,
 * in key order. Used by the snapshot builder and by tests. */
typedef struct ms_record {
	int64_t id, batch_id, row;
	const char *nkey, *idno, *area, *vals;
	int32_t day;
} ms_record;
ms_err ms_store_current_records(ms_store *s, int64_t feed_id,
                                int (*fn)(void *ctx, const ms_record *r), void *ctx,
                                ms_error *err);
/* The number of current records of a feed. */
ms_err ms_store_current_count(ms_store *s, int64_t feed_id, int64_t *n, ms_error *err);

/* ---- bulk reads (the snapshot builder) ---- */

/* Calls fn with the id and name of every feed ever imported, by id. Reads
 * only (ms_store_feed_id creates a missing feed). */
ms_err ms_store_feed_list(ms_store *s, int (*fn)(void *ctx, int64_t feed_id, const char *name),
                          void *ctx, ms_error *err);
/* Calls fn for every published batch, ascending id. */
ms_err ms_store_published_batches(ms_store *s,
                                  int (*fn)(void *ctx, int64_t batch_id, int64_t feed_id),
                                  void *ctx, ms_error *err);
/* The highest record id stored, 0 when none. Record ids only grow: a record
 * stored later always has a higher id, and stored records are only ever
 * deleted with their staging batch. */
ms_err ms_store_record_max_id(ms_store *s, int64_t *max_id, ms_error *err);

/* One stored record as the bulk scan gives it. */
typedef struct ms_record_row {
	int64_t id, feed_id, batch_id, row;
	const char *idno;  /* NULL when the record names no person */
	const char *area;  /* NULL when the row gives none */
	const char *vals;  /* canonical values, 0x1F-separated */
	size_t vals_len;
	int32_t day;       /* MS_DATE_NONE when none */
} ms_record_row;
/* Calls fn for every stored record with from_id <= id < to_id, in id
 * (table) order, ascending or descending: every version, of every feed and
 * batch state. The caller keeps the records of published batches and, of
 * each natural key, the version of the newest one. This is the fast path
 * for reading everything: sequential passes over the table, which two
 * handles on two threads can share by id range. */
ms_err ms_store_record_scan(ms_store *s, int64_t from_id, int64_t to_id, bool descending,
                            int (*fn)(void *ctx, const ms_record_row *r), void *ctx,
                            ms_error *err);


/* ---- backup and restore (docs/reliability.md) ----
 * A backup is a consistent copy of the database taken through SQLite's
 * online backup API while the server keeps working: the copy is made in
 * steps of `step_pages` pages with a pause between them, inside one read
 * transaction of the source (in WAL mode a reader never blocks writers, and
 * the snapshot it pins keeps the copy consistent, so writes during the
 * backup do not restart it). The copy goes to PATH.tmp, is switched to a
 * self-contained file (rollback journal), checked with PRAGMA
 * integrity_check, fsynced and renamed to PATH; an existing PATH is refused
 * (MS_ERR_EXISTS) unless `force`. */
typedef struct ms_backup_opts {
	bool force;                 /* replace an existing PATH */
	int step_pages;             /* pages per step; 0 = 1024 */
	int sleep_ms;               /* pause between steps; 0 = 2, negative = none */
	const struct ms_progress *progress; /* "备份 backup", pages done of total */
} ms_backup_opts;

typedef struct ms_backup_stats {
	int64_t pages;        /* pages copied */
	int64_t bytes;        /* size of the copy */
	int steps;            /* calls of sqlite3_backup_step */
	double copy_seconds;  /* from the first step to the last */
	double check_seconds; /* integrity_check of the copy */
} ms_backup_stats;

/* Backs up the database of s (which must not be inside a transaction). */
ms_err ms_store_backup(ms_store *s, const char *path, const ms_backup_opts *o,
                       ms_backup_stats *st, ms_error *err);
/* The same for any SQLite database file given by path (the access log). */
ms_err ms_store_backup_file(const char *src, const char *path, const ms_backup_opts *o,
                            ms_backup_stats *st, ms_error *err);
/* Checks a backup: an SQLite file that passes PRAGMA integrity_check and
 * holds a minsheng schema no newer than this program's. *schema receives its
 * version (may be NULL). MS_ERR_INVALID when it is not one. */
ms_err ms_store_check_backup(const char *path, int *schema, ms_error *err);
/* The id of a process (other than this one) that has the database open, 0
 * when none: every SQLite connection to a WAL database holds a read lock on
 * byte 128 of DB-shm (the unix VFS's "dead man switch") while it is open,
 * and fcntl(F_GETLK) names its holder. */
long ms_store_user_pid(const char *db);

typedef struct ms_restore_stats {
	int schema;            /* the backup's schema version */
	bool replaced;         /* an old database was there: kept as DB.before-restore */
	bool old_damaged;      /* it could not be read: kept as it was, with its WAL */
	double seconds;
} ms_restore_stats;

/* Replaces the database at db by the backup at path: checks the backup,
 * refuses (MS_ERR_BUSY) while an import holds the import lock or another
 * process has the database open (a server), checkpoints the old database
 * (one that cannot be read — damaged — is kept as it is, WAL included),
 * keeps it as DB.before-restore (an existing one is refused with
 * MS_ERR_EXISTS unless force), copies the backup to DB.restore-tmp, fsyncs
 * it and renames it over DB, so the database is at every moment either the
 * old one or the new one. */
ms_err ms_store_restore(const char *db, const char *path, bool force, ms_restore_stats *st,
                        ms_error *err);
/* Copies a plain file (the access log's anchor files) through dst.tmp, with
 * fsync, then renames it to dst; an existing dst is refused (MS_ERR_EXISTS)
 * unless replace. */
ms_err ms_store_copy_file(const char *src, const char *dst, bool replace, ms_error *err);

#endif
