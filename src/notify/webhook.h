/* webhook.h — the outbound webhook (docs/operations.md): targets (URL,
 * secret, events) kept in the database, and the delivery of the queued
 * events (work/notify.h queues them) as HTTP POSTs of JSON.
 *
 *  1. Only an admin whose scope is the province manages targets (actor
 *     NULL: the server's operator at the command line).
 *  2. Each POST carries X-Minsheng-Event, X-Minsheng-Delivery (the
 *     delivery's id, the same on every retry), X-Minsheng-Timestamp (Unix
 *     seconds of the attempt) and X-Minsheng-Signature: sha256=HEX, the
 *     HMAC-SHA256 under the target's secret of "TIMESTAMP.BODY" (the
 *     timestamp, a full stop, the body's bytes): a receiver recomputes it,
 *     compares in constant time and refuses old timestamps, so a captured
 *     request cannot be replayed later.
 *  3. A 2xx answer delivers. Anything else (another status, no answer in
 *     time, a refused connection, a certificate that does not name the
 *     host) is retried with exponential backoff: after attempt k the next
 *     is due base × 2^(k-1) seconds later (at most max_delay); after
 *     max_attempts attempts the delivery has failed (given up). Attempts,
 *     the next attempt, the last status and error are kept. */
#ifndef MS_NOTIFY_WEBHOOK_H
#define MS_NOTIFY_WEBHOOK_H

#include "base/err.h"
#include "store/store.h"
#include "store/store_ops.h"

#include <stdbool.h>
#include <stdint.h>

#define MS_WEBHOOK_SECRET_MIN 16  /* bytes of a secret */
#define MS_WEBHOOK_SECRET_MAX 256
#define MS_WEBHOOK_SIG_STR 72     /* "sha256=" + 64 hex + NUL */

/* The event names a target may subscribe to. */
bool ms_webhook_event_valid(const char *event);

/* Checks a target and adds it; events is a comma-separated list (new,
 * due_soon, overdue, returned), normalised into canonical order. */
ms_err ms_webhook_add(ms_store *s, const char *actor, const char *url, const char *secret,
                      const char *events, int64_t *id, ms_error *err);
ms_err ms_webhook_remove(ms_store *s, const char *actor, int64_t id, ms_error *err);
/* Targets (secrets are not shown by callers: only that one is set). */
ms_err ms_webhook_list(ms_store *s, const char *actor, bool all,
                       int (*fn)(void *ctx, const ms_webhook_row *w), void *ctx, ms_error *err);
ms_err ms_webhook_deliveries(ms_store *s, const char *actor, const char *state, int limit,
                             int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                             ms_error *err);

/* sha256=HEX of HMAC-SHA256(secret, timestamp "." body). */
void ms_webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t len,
                     char out[MS_WEBHOOK_SIG_STR]);

typedef struct ms_deliver_opts {
	int max_attempts; /* 0 = 8 */
	int base_delay;   /* seconds; 0 = 60 */
	int max_delay;    /* seconds; 0 = 21600 (6 hours) */
	int timeout_ms;   /* per attempt; 0 = 10000 */
	int limit;        /* deliveries attempted in one run; 0 = 1000 */
	int64_t now;      /* Unix seconds of the run; 0 = the clock */
} ms_deliver_opts;

typedef struct ms_deliver_item {
	int64_t id, webhook_id, alert_id;
	const char *event, *url;
	int64_t attempts;     /* after this one */
	int status;           /* 0 when no answer */
	const char *state;    /* delivered, pending (retry), failed (given up) */
	int64_t next_attempt; /* pending: when */
	const char *error;    /* "" when delivered */
} ms_deliver_item;

typedef struct ms_deliver_result {
	int64_t attempted, delivered, retrying, failed;
} ms_deliver_result;

/* Attempts every pending delivery that is due, oldest first. */
ms_err ms_webhook_deliver(ms_store *s, const ms_deliver_opts *o,
                          int (*fn)(void *ctx, const ms_deliver_item *it), void *ctx,
                          ms_deliver_result *out, ms_error *err);

/* The delay before the attempt after attempt k (k >= 1). */
int64_t ms_webhook_backoff(const ms_deliver_opts *o, int64_t k);

#endif
