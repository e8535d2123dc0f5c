/* notify.h — the events of alerts that a province's gateways (SMS, WeCom)
 * are told about through the outbound webhook (docs/operations.md): an
 * alert raised (new), due soon, overdue, returned to the field. Each event
 * of an alert is recorded once (alert_notice) and queued for every webhook
 * subscribed to it; src/notify/webhook.c delivers the queue.
 *
 *  1. returned is queued by the lifecycle, in the transition's own
 *     transaction (lifecycle.c), when the alert is returned.
 *  2. new, due_soon and overdue are found by `minsheng remind` (ms_remind):
 *     new = raised after the last run (meta notify.new_after: the highest
 *     alert id announced; alerts older than the webhook feature are never
 *     announced); overdue = waiting for the field (new, assigned,
 *     verifying, returned) and due before today; due_soon = waiting, not
 *     overdue, due within the pack's remind_days working days (by area).
 *     An alert is notified once per due date, so a deadline that moves
 *     notifies again.
 *  3. The body carries no personal data beyond a masked identity number:
 *     {"event","at","alert":{"id","rule","kind","subject_type","subject"
 *     (masked),"area","inbox","state","due","assignee"}}. */
#ifndef MS_WORK_NOTIFY_H
#define MS_WORK_NOTIFY_H

#include "base/date.h"
#include "base/err.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <stdbool.h>
#include <stdint.h>

/* The JSON body of an event of an alert (malloc'd, the caller frees);
 * NULL when out of memory. */
char *ms_notify_body(const ms_alert *a, const char *event, const char *at);

/* Records an event of an alert and queues it for the subscribed webhooks,
 * inside the caller's write transaction. ref names the occasion (the due
 * date, the event id). *added (may be NULL) is false when the event was
 * already notified; *queued (may be NULL) receives the deliveries queued.
 * The alert's strings may point into the store. */
ms_err ms_notify_event(ms_store *s, const ms_alert *a, const char *event, const char *ref,
                       const char *at, bool *added, int64_t *queued, ms_error *err);

typedef struct ms_remind_item {
	int64_t alert;
	const char *event; /* new, due_soon, overdue */
	const char *rule, *area, *inbox, *state, *due, *assignee; /* assignee "" when none */
	int64_t queued; /* deliveries queued (in a dry run: that would be) */
} ms_remind_item;

typedef struct ms_remind_result {
	int64_t new_alerts, due_soon, overdue; /* events notified now */
	int64_t queued;                        /* deliveries queued (dry run: would be) */
	int64_t new_after;                     /* the highest alert id announced */
	char today[MS_DATE_STR];
} ms_remind_result;

/* Finds the events of (rule 2) not notified yet, records them and queues
 * their deliveries, in one transaction; a dry run reports the same and
 * writes nothing. fn (may be NULL) receives each event. */
ms_err ms_remind(ms_store *s, const ms_pack *pack, ms_date today, bool dry_run,
                 int (*fn)(void *ctx, const ms_remind_item *it), void *ctx,
                 ms_remind_result *out, ms_error *err);

#endif
