/* store_alerts.h — the store's part of alerts and stations: scans and pack
 * versions, alerts keyed by (rule, subject), their evidence facts,
 * explanations and events, and the station table. The monitor module
 * (src/monitor/alerts.c, stations.c) decides; these functions only read and
 * write rows, each through one fixed, prepared statement.
 *
 * Strings in result structs point into the store and stay valid until the
 * next call on the same handle (for list functions: during the callback). */
#ifndef MS_STORE_STORE_ALERTS_H
#define MS_STORE_STORE_ALERTS_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- stations ---- */

typedef struct ms_station {
	const char *code; /* 9-digit township station or 12-digit village point */
	const char *name;
	const char *type; /* "station" or "point" */
	const char *created;
} ms_station;

typedef enum { MS_UPSERT_ADDED = 1, MS_UPSERT_UPDATED, MS_UPSERT_UNCHANGED } ms_upsert_result;

/* Adds a station or point, or updates its name and type; *res says which. */
ms_err ms_store_station_upsert(ms_store *s, const char *code, const char *name, const char *type,
                               ms_upsert_result *res, ms_error *err);
/* Whether a township station (type station) with this 9-digit code exists. */
ms_err ms_store_station_exists(ms_store *s, const char *code9, bool *exists, ms_error *err);
/* Stations and points whose code starts with prefix (NULL or "" = all), in
 * code order; fn returns non-zero to stop. */
ms_err ms_store_station_list(ms_store *s, const char *prefix,
                             int (*fn)(void *ctx, const ms_station *st), void *ctx, ms_error *err);

/* ---- scans and pack versions ---- */

/* Records a scan (finished and counts are set by ms_store_scan_finish). */
ms_err ms_store_scan_insert(ms_store *s, const char *as_of, const char *pack_version,
                            const char *started, const char *actor, bool dry_run, int64_t *id,
                            ms_error *err);
ms_err ms_store_scan_finish(ms_store *s, int64_t id, const char *finished, const char *counts_json,
                            ms_error *err);
/* Rolls back a scan's transaction (a dry run or a failure), leaving the
 * next scan, alert and event ids where SQLite leaves them on both stores. */
void ms_store_scan_rollback(ms_store *s);
/* Remembers a pack version (first use kept when already known). */
ms_err ms_store_pack_version_note(ms_store *s, const char *sha256, const char *at, ms_error *err);

/* ---- alerts ---- */

typedef struct ms_alert {
	int64_t id;
	const char *rule, *kind, *subject_type, *subject, *area, *inbox, *state;
	bool cleared;
	const char *created, *due; /* RFC 3339 (+08:00); YYYY-MM-DD */
	int64_t version;
	const char *assignee; /* NULL when none */
	int64_t raised_scan, last_scan;
	const char *pack_version;
	const char *closed; /* NULL while open */
	bool evidence_revoked; /* a batch its evidence cites was revoked */
} ms_alert;

/* What the scan needs to know of the open alert of a key. */
typedef struct ms_alert_open {
	int64_t id;
	bool cleared;
	int64_t last_scan;
} ms_alert_open;

/* The open alert (state != closed) of (rule, subject); MS_ERR_NOT_FOUND
 * (err untouched) when none. */
ms_err ms_store_alert_find_open(ms_store *s, const char *rule, const char *subject,
                                ms_alert_open *out, ms_error *err);
/* Whether a closed alert of (rule, subject) exists. */
ms_err ms_store_alert_has_closed(ms_store *s, const char *rule, const char *subject, bool *has,
                                 ms_error *err);
/* Whether any closed alert of (rule, subject) carries this fact. */
ms_err ms_store_alert_closed_has_fact(ms_store *s, const char *rule, const char *subject,
                                      const char *fact_key, bool *has, ms_error *err);

typedef struct ms_alert_in {
	const char *rule, *kind, *subject_type, *subject, *area, *inbox;
	const char *created, *due;
	int64_t scan_id;
	const char *pack_version;
} ms_alert_in;

/* Inserts a new alert (state new, not cleared, version 1). MS_ERR_EXISTS
 * when an open alert of the key exists. */
ms_err ms_store_alert_insert(ms_store *s, const ms_alert_in *a, int64_t *id, ms_error *err);

typedef struct ms_alert_fact {
	const char *fact_key;
	const char *feed;
	int64_t record_id, batch_id, row;
	const char *person; /* NULL when none */
} ms_alert_fact;

/* Adds a fact to an alert unless it already has it; *added says whether. */
ms_err ms_store_alert_fact_add(ms_store *s, int64_t alert_id, const ms_alert_fact *f,
                               int64_t scan_id, bool *added, ms_error *err);
/* Marks an alert as held by a scan: last_scan = scan, cleared = 0. */
ms_err ms_store_alert_touch(ms_store *s, int64_t alert_id, int64_t scan_id, ms_error *err);
/* Marks cleared every open, not yet cleared alert of a rule that the scan
 * did not hold (last_scan < scan); *n receives how many. */
ms_err ms_store_alert_clear_stale(ms_store *s, const char *rule, int64_t scan_id, int64_t *n,
                                  ms_error *err);
/* Stores the explanation of an alert for a scan (replaced if present). */
ms_err ms_store_alert_explanation_put(ms_store *s, int64_t alert_id, int64_t scan_id,
                                      const char *json, ms_error *err);
/* Appends an event to an alert's history. */
ms_err ms_store_alert_event_add(ms_store *s, int64_t alert_id, const char *at, const char *actor,
                                const char *from_state, const char *to_state, const char *note,
                                ms_error *err);

/* One alert; MS_ERR_NOT_FOUND (err untouched) when no alert has this id. */
ms_err ms_store_alert_get(ms_store *s, int64_t id, ms_alert *out, ms_error *err);

typedef struct ms_alert_filter {
	const char *rule;  /* NULL = any */
	const char *area;  /* area-code prefix of alert.area; NULL = any */
	const char *state; /* NULL = any */
	int64_t after_id;  /* ids greater than this (a cursor); 0 = from the start */
	int limit;         /* <= 0: no limit */
} ms_alert_filter;

/* Alerts matching the filter in id order; fn returns non-zero to stop. */
ms_err ms_store_alert_list(ms_store *s, const ms_alert_filter *f,
                           int (*fn)(void *ctx, const ms_alert *a), void *ctx, ms_error *err);

typedef struct ms_alert_explanation {
	int64_t scan_id;
	const char *json;
	const char *as_of; /* of the scan */
	bool raised;       /* the scan that raised the alert */
} ms_alert_explanation;

/* The stored explanations of an alert, oldest scan first. */
ms_err ms_store_alert_explanations(ms_store *s, int64_t alert_id,
                                   int (*fn)(void *ctx, const ms_alert_explanation *x), void *ctx,
                                   ms_error *err);

/* The evidence facts of an alert, by the scan that added them, then by key. */
typedef struct ms_alert_fact_row {
	const char *fact_key, *feed, *person;
	int64_t record_id, batch_id, row, added_scan;
} ms_alert_fact_row;
ms_err ms_store_alert_facts(ms_store *s, int64_t alert_id,
                            int (*fn)(void *ctx, const ms_alert_fact_row *f), void *ctx,
                            ms_error *err);

#endif
