/* store_scoped.h — reads for the HTTP API that apply the caller's scope
 * (store.h ms_scope) inside their SQL, so that a handler cannot forget it:
 * rows outside the scope are never read. */
#ifndef MS_STORE_STORE_SCOPED_H
#define MS_STORE_STORE_SCOPED_H

#include "base/err.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <stdint.h>

/* Alerts matching the filter (rule, state, area prefix of alert.area, ids
 * after f->after_id, at most f->limit) that the scope may see, in id order:
 *  - AREA: the alert's area or its inbox starts with the prefix;
 *  - STATION: the alert is in the station's inbox, or assigned to a user of
 *    the station;
 *  - WORKER: assigned to the user;
 *  - NONE: none; ALL: every alert. */
ms_err ms_store_alert_page(ms_store *s, const ms_scope *sc, const ms_alert_filter *f,
                           int (*fn)(void *ctx, const ms_alert *a), void *ctx, ms_error *err);

/* Alerts by state, for /metrics (counts only). */
ms_err ms_store_alert_state_counts(ms_store *s, int (*fn)(void *ctx, const char *state, int64_t n),
                                   void *ctx, ms_error *err);

/* Review items (state NULL = any, batch 0 = any, ids after after_id) whose
 * area lies in the scope: AREA by prefix, ALL everything, other kinds none
 * (the review queue is an officer's work). A row that gave no area belongs
 * to no city: only a province-wide scope (2 digits) sees it. */
ms_err ms_store_review_page(ms_store *s, const ms_scope *sc, const char *state, int64_t batch_id,
                            int64_t after_id, int limit,
                            int (*fn)(void *ctx, const ms_review *r), void *ctx, ms_error *err);
/* One review item inside the scope (same rule); MS_ERR_NOT_FOUND otherwise. */
ms_err ms_store_review_get_scoped(ms_store *s, const ms_scope *sc, int64_t id, ms_review *out,
                                  ms_error *err);

#endif
