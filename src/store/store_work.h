/* store_work.h — the store's part of the alert lifecycle (SPEC §4): state
 * changes guarded by the alert's version, events with what each
 * verification found, attachments by content, inbox queries and the cohort
 * behind the figures. src/work decides who may do what; these functions
 * only read and write rows, each through one fixed, prepared statement.
 *
 * Strings in result structs point into the store and stay valid until the
 * next call on the same handle (for list functions: during the callback). */
#ifndef MS_STORE_STORE_WORK_H
#define MS_STORE_STORE_WORK_H

#include "base/err.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An alert with what the lifecycle adds to it. */
typedef struct ms_work_alert_row {
	ms_alert a;
	const char *outcome;  /* of the latest verification; NULL before any */
	const char *decision; /* the closing officer's; NULL while open */
	char text_[8192];     /* ms_store_work_alert_get: the strings, copied */
} ms_work_alert_row;

/* One alert; MS_ERR_NOT_FOUND (err untouched) when no alert has this id.
 * The strings are copied into out->text_ (the statement is reset, so no
 * read stays open on the handle). */
ms_err ms_store_work_alert_get(ms_store *s, int64_t id, ms_work_alert_row *out, ms_error *err);

/* The new values of a state change. */
typedef struct ms_alert_change {
	int64_t id;
	int64_t version;      /* the version the actor saw; bumped by one */
	const char *state;
	const char *assignee; /* NULL clears */
	const char *outcome, *decision, *closed;
} ms_alert_change;

/* Writes a change when the alert still has the version; MS_ERR_CONFLICT
 * (err untouched) when it does not. */
ms_err ms_store_work_alert_change(ms_store *s, const ms_alert_change *c, ms_error *err);

/* Appends an event; *event_id receives its id. */
ms_err ms_store_work_event_add(ms_store *s, int64_t alert_id, const char *at, const char *actor,
                               const char *from_state, const char *to_state, const char *note,
                               int64_t *event_id, ms_error *err);

typedef struct ms_verification_row {
	int64_t event_id, alert_id;
	const char *outcome, *benefit, *adjustment, *department, *household; /* NULL = none */
} ms_verification_row;
ms_err ms_store_work_verification_add(ms_store *s, const ms_verification_row *v, ms_error *err);

/* An alert's history, oldest first, with what each verification found. */
typedef struct ms_event_row {
	int64_t id;
	const char *at, *actor, *from_state, *to_state, *note;
	const char *outcome, *benefit, *adjustment, *department, *household; /* NULL = none */
	const char *assignee; /* whom an assignment named; NULL = none */
} ms_event_row;
ms_err ms_store_work_events(ms_store *s, int64_t alert_id,
                            int (*fn)(void *ctx, const ms_event_row *e), void *ctx,
                            ms_error *err);

/* ---- attachments ---- */

/* Stores bytes under their SHA-256 (kept once) and links them to an alert
 * (a second link of the same bytes is a no-op). */
ms_err ms_store_work_attach(ms_store *s, int64_t alert_id, const char *sha256, const char *mime,
                            const void *bytes, size_t len, const char *name, const char *added_by,
                            const char *added, ms_error *err);
typedef struct ms_attachment_row {
	const char *sha256, *mime, *name, *added_by, *added;
	int64_t size;
} ms_attachment_row;
ms_err ms_store_work_attachments(ms_store *s, int64_t alert_id,
                                 int (*fn)(void *ctx, const ms_attachment_row *a), void *ctx,
                                 ms_error *err);
/* Calls fn with the bytes of an attachment of an alert; MS_ERR_NOT_FOUND
 * (err untouched) when the alert has no attachment with this hash. */
ms_err ms_store_work_attachment_read(ms_store *s, int64_t alert_id, const char *sha256,
                                     ms_err (*fn)(void *ctx, const char *mime, const void *bytes,
                                                  size_t len),
                                     void *ctx, ms_error *err);

/* ---- inboxes ---- */

/* Alerts still waiting for the field (new, assigned, verifying, returned),
 * by due date then id:
 *  - of a station's inbox (inbox = code);
 *  - assigned to a user;
 *  - of a county: routed to the county's own inbox, plus those of its area
 *    (area or inbox under the code) whose due date is before `today`. */
ms_err ms_store_work_inbox_station(ms_store *s, const char *code,
                                   int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                                   ms_error *err);
ms_err ms_store_work_inbox_worker(ms_store *s, const char *user,
                                  int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                                  ms_error *err);
ms_err ms_store_work_inbox_county(ms_store *s, const char *county, const char *today,
                                  int (*fn)(void *ctx, const ms_work_alert_row *a), void *ctx,
                                  ms_error *err);

/* ---- figures ---- */

/* One alert of a cohort: those whose area starts with a prefix and whose
 * creation date (the first 10 characters of created) lies in [from, to]. */
typedef struct ms_cohort_row {
	int64_t id;
	const char *rule, *created, *due;
	const char *first_verified; /* time of the first verified event; NULL when none */
	const char *outcome;        /* of the latest verification dated on or before `to` */
} ms_cohort_row;
ms_err ms_store_work_cohort(ms_store *s, const char *area, const char *from, const char *to,
                            int (*fn)(void *ctx, const ms_cohort_row *r), void *ctx,
                            ms_error *err);

#endif
