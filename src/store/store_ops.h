/* store_ops.h — the store's part of operations (docs/operations.md):
 * retention (counting and removing personal data past its period), the
 * outbound webhook's targets and queued deliveries, and the notices that
 * say which alert events were already announced. src/work/retention.c,
 * src/work/notify.c and src/notify/webhook.c decide; these functions only
 * read and write rows, each through one fixed, prepared statement (slots
 * MS_STORE_EXT_OPS…, 464–511).
 *
 * Strings in result structs point into the store and stay valid during the
 * callback (list functions) or until the next call on the same handle. */
#ifndef MS_STORE_STORE_OPS_H
#define MS_STORE_STORE_OPS_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- retention ---- */

/* What a retention step removes. Cutoffs are dates (YYYY-MM-DD: rows
 * dated before it) except for sessions (Unix seconds). */
typedef enum {
	MS_RET_REJECTS = 0,  /* rejected rows' original text, batches created before */
	MS_RET_REVIEW,       /* decided review items' row, decided before */
	MS_RET_ALERTS,       /* closed alerts' evidence, explanations, notes, subject */
	MS_RET_ATTACHMENTS,  /* attachments of alerts closed before */
	MS_RET_SESSIONS,     /* sessions expired before */
	MS_RET_JOBS,         /* finished jobs, finished before */
	MS_RET_DELIVERIES,   /* delivered or failed webhook deliveries, created before */
	MS_RET__COUNT
} ms_ret_kind;

/* How many rows a step would change. */
ms_err ms_store_retention_count(ms_store *s, ms_ret_kind kind, const char *cutoff_day,
                                int64_t cutoff_unix, int64_t *n, ms_error *err);
/* Applies a step (inside the caller's write transaction): *n receives the
 * rows of the step's main table changed (the count above); `now` is the
 * time recorded on purged alerts. */
ms_err ms_store_retention_apply(ms_store *s, ms_ret_kind kind, const char *cutoff_day,
                                int64_t cutoff_unix, const char *now, int64_t *n,
                                ms_error *err);

/* ---- webhooks ---- */

typedef struct ms_webhook_row {
	int64_t id;
	const char *url, *secret, *events, *created, *created_by;
	const char *removed; /* NULL while active */
	int64_t pending, delivered, failed; /* its deliveries by state */
} ms_webhook_row;

ms_err ms_store_webhook_add(ms_store *s, const char *url, const char *secret, const char *events,
                            const char *created, const char *actor, int64_t *id, ms_error *err);
/* Webhooks by id (removed ones only when all). */
ms_err ms_store_webhook_list(ms_store *s, bool all, int (*fn)(void *ctx, const ms_webhook_row *w),
                             void *ctx, ms_error *err);
/* Marks a webhook removed and gives up its pending deliveries;
 * MS_ERR_NOT_FOUND (err untouched) when no active webhook has the id. */
ms_err ms_store_webhook_remove(ms_store *s, int64_t id, const char *at, ms_error *err);

/* ---- notices and queued events ---- */

/* Records that an alert's event was notified; *added is false when it
 * already was (nothing written). */
ms_err ms_store_notice_add(ms_store *s, int64_t alert_id, const char *kind, const char *ref,
                           const char *at, bool *added, ms_error *err);
/* Queues an event for every active webhook subscribed to it; *n receives
 * the deliveries queued. With body NULL (a dry run) nothing is queued and
 * *n receives the deliveries that would be. */
ms_err ms_store_delivery_enqueue(ms_store *s, const char *event, int64_t alert_id,
                                 const char *body, const char *created, int64_t next_attempt,
                                 int64_t *n, ms_error *err);

typedef struct ms_delivery_row {
	int64_t id, webhook_id, alert_id;
	const char *event, *state, *body, *url, *secret;
	int64_t attempts, next_attempt;
	int64_t last_status; /* 0 when none */
	const char *last_error, *created, *finished; /* NULL when none */
} ms_delivery_row;

/* Pending deliveries whose next attempt is due (<= now), oldest first, at
 * most limit. */
ms_err ms_store_delivery_due(ms_store *s, int64_t now, int limit,
                             int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                             ms_error *err);
/* Deliveries newest first (state NULL = any), at most limit; secret is
 * NULL in these rows. */
ms_err ms_store_delivery_list(ms_store *s, const char *state, int limit,
                              int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                              ms_error *err);
/* Records an attempt's result. state: pending (retry at next_attempt),
 * delivered or failed (finished = at). */
ms_err ms_store_delivery_result(ms_store *s, int64_t id, const char *state, int64_t attempts,
                                int64_t next_attempt, int64_t status, const char *error,
                                const char *at, ms_error *err);

/* Alerts still waiting for the field (new, assigned, verifying, returned)
 * due on or before `until`, and alerts raised after id `after` (any
 * state but closed), by id; fn gets the row and which of the two. */
struct ms_alert;
ms_err ms_store_notice_candidates(ms_store *s, const char *until, int64_t after,
                                  int (*fn)(void *ctx, const struct ms_alert *a), void *ctx,
                                  ms_error *err);

#endif
