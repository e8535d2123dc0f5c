/* store_people.h — the store's part of persons, households and search
 * (people/people.h): scoped reads of registry records, a household's
 * members, a subject's alerts, and the search index (table person_index,
 * migration 7) with its refresh mark.
 *
 * Every read of personal data takes the caller's scope (store.h ms_scope)
 * and applies it in its SQL, so a record outside it is never read and the
 * caller gets MS_ERR_NOT_FOUND (err untouched), as for a record that does
 * not exist:
 *  - AREA and STATION: the record's area starts with the prefix (station);
 *  - WORKER: a person who is the subject of an alert assigned to the user,
 *    or whose household is visible; a household that is the subject of an
 *    alert assigned to the user, or has a member who is, or has its service
 *    file at the worker's station. Households are joined to their members
 *    through person_index, which people.h brings up to date before reading;
 *  - NONE: nothing; ALL: everything.
 * The current version of a key is that of its newest published batch, and
 * the scope is applied to that version only.
 *
 * Strings in records passed to callbacks live during the callback; getters
 * copy theirs (valid until the same getter is called again on the handle). */
#ifndef MS_STORE_STORE_PEOPLE_H
#define MS_STORE_STORE_PEOPLE_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* A current registry record. */
typedef struct ms_people_rec {
	int64_t id, batch_id, row;
	const char *nkey;  /* prefix reads only */
	const char *area;  /* NULL when the row gives none */
	const char *vals;  /* canonical values, 0x1F-separated */
	bool service_file; /* households: a service file is open */
} ms_people_rec;

/* The id of a feed by name without creating it; MS_ERR_NOT_FOUND (err
 * untouched) when the feed was never imported. */
ms_err ms_store_people_feed(ms_store *s, const char *name, int64_t *id, ms_error *err);

/* The current persons record (feed_id: the persons feed) of an identity
 * number, when the person is inside the scope. */
ms_err ms_store_people_person(ms_store *s, const ms_scope *sc, int64_t feed_id, const char *idno,
                              ms_people_rec *out, ms_error *err);
/* The current households record (feed_id: the households feed) of a 户编号,
 * when the household is inside the scope. */
ms_err ms_store_people_household(ms_store *s, const ms_scope *sc, int64_t feed_id,
                                 const char *household, ms_people_rec *out, ms_error *err);
/* The current records of feed_id whose natural key lies in [lo, hi) (every
 * key starting with a prefix: hi is the prefix with its last byte raised),
 * in key order, when the person idno (persons feed person_feed) is inside
 * the scope; at most limit records. Uses the (feed_id, nkey, batch_id)
 * index. */
ms_err ms_store_people_records(ms_store *s, const ms_scope *sc, int64_t person_feed,
                               const char *idno, int64_t feed_id, const char *lo, const char *hi,
                               int limit, int (*fn)(void *ctx, const ms_people_rec *r), void *ctx,
                               ms_error *err);
/* The identity numbers of the members of a household (persons whose
 * current record names it, as last indexed) that are inside the scope, in
 * number order. */
ms_err ms_store_people_members(ms_store *s, const ms_scope *sc, const char *household,
                               int (*fn)(void *ctx, const char *idno), void *ctx, ms_error *err);

/* An alert of a subject. */
typedef struct ms_people_alert {
	int64_t id;
	const char *rule, *state, *created, *due;
} ms_people_alert;
/* The alerts of a person or household the scope may see (the rules of
 * work/lifecycle.c: AREA by the alert's area or inbox, STATION by inbox or
 * the assignee's station, WORKER assigned to the user), by id. */
ms_err ms_store_people_alerts(ms_store *s, const ms_scope *sc, bool household, const char *subject,
                              int (*fn)(void *ctx, const ms_people_alert *a), void *ctx,
                              ms_error *err);

/* ---- search ---- */

typedef enum {
	MS_PSEARCH_NAME = 0, /* the name */
	MS_PSEARCH_PINYIN,   /* full pinyin, lower case, no spaces */
	MS_PSEARCH_INITIALS, /* the initials of the pinyin */
	MS_PSEARCH_IDNO,     /* the identity number reversed (suffix search) */
	MS_PSEARCH_PHONE,    /* the phone reversed */
	MS_PSEARCH__COUNT
} ms_psearch_kind;

typedef struct ms_people_hit {
	const char *idno, *household, *area, *name;
} ms_people_hit;
/* Index entries inside the scope whose column of that kind lies in [lo,
 * hi), in column order, at most limit. */
ms_err ms_store_people_search(ms_store *s, const ms_scope *sc, ms_psearch_kind kind, const char *lo,
                              const char *hi, int limit,
                              int (*fn)(void *ctx, const ms_people_hit *h), void *ctx,
                              ms_error *err);

/* ---- the search index and its upkeep ---- */

typedef struct ms_people_entry {
	const char *idno, *household, *area, *name, *pinyin, *initials;
	const char *phone; /* "" when none */
	const char *rev_idno, *rev_phone;
} ms_people_entry;
/* Writes (inserts or replaces) an entry; with track, also notes it in
 * this handle's list of persons seen by a rebuild (seen_begin first). */
ms_err ms_store_people_index_put(ms_store *s, const ms_people_entry *e, bool track, ms_error *err);
/* Whether the index has no entry. */
ms_err ms_store_people_index_empty(ms_store *s, bool *empty, ms_error *err);
/* A first build: empties the index and drops its secondary indexes, which
 * finish creates again (and creates when missing after any build). Call
 * each inside a write transaction. */
ms_err ms_store_people_index_bulk_begin(ms_store *s, ms_error *err);
ms_err ms_store_people_index_finish(ms_store *s, ms_error *err);
/* A rebuild over a full index: starts this handle's list of persons seen;
 * prune deletes the entries not seen (*n: how many) and clears the list. */
ms_err ms_store_people_seen_begin(ms_store *s, ms_error *err);
ms_err ms_store_people_seen_prune(ms_store *s, int64_t *n, ms_error *err);

/* The newest published batch of a feed (0 when none) and how many of its
 * batches were revoked. */
ms_err ms_store_people_feed_state(ms_store *s, int64_t feed_id, int64_t *max_published,
                                  int64_t *revoked, ms_error *err);
/* Calls fn with every record of the published batches of a feed with after
 * < id <= upto, batch by batch in ascending order, each by id. A batch's
 * records are those stored while it was staging: ids from its first_record
 * up to the next batch's. */
ms_err ms_store_people_new_records(ms_store *s, int64_t feed_id, int64_t after, int64_t upto,
                                   int (*fn)(void *ctx, const ms_people_rec *r), void *ctx,
                                   ms_error *err);
/* How many records those batches stored. */
ms_err ms_store_people_new_count(ms_store *s, int64_t feed_id, int64_t after, int64_t upto,
                                 int64_t *n, ms_error *err);
/* One chunk of the current records of a feed in key order (so that the
 * index, keyed alike, is filled by appending to full pages): those with
 * key > after (NULL: from the start), at most limit rows read
 * (older versions included; fn sees only the newest of each key).
 * *last_key receives a copy (owned by the store, valid until the next call)
 * of the last key read, NULL when the chunk was the last. */
ms_err ms_store_people_current_chunk(ms_store *s, int64_t feed_id, const char *after, int limit,
                                     int (*fn)(void *ctx, const ms_people_rec *r), void *ctx,
                                     const char **last_key, ms_error *err);

/* The meta table: a value by key (copied into out, cap bytes),
 * MS_ERR_NOT_FOUND (err untouched) when absent; put replaces; add keeps an
 * existing value; del removes. */
ms_err ms_store_people_meta_get(ms_store *s, const char *key, char *out, size_t cap, ms_error *err);
ms_err ms_store_people_meta_put(ms_store *s, const char *key, const char *value, ms_error *err);
ms_err ms_store_people_meta_add(ms_store *s, const char *key, const char *value, ms_error *err);
ms_err ms_store_people_meta_del(ms_store *s, const char *key, ms_error *err);

#endif
