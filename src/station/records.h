/* records.h — a township station's own records (SPEC §5): staff with their
 * qualification, volunteers (kept apart from staff), community social
 * organizations, linked charitable resources (integer fen) and community
 * affairs resolved. The command line and the HTTP API call these; neither
 * decides anything itself.
 *
 * Rules kept here:
 *  1. The station is a row of type `station` (9 digits); a code that is not,
 *     or lies outside the actor's scope, is "not found".
 *  2. Adding: the station's own head, or an officer or admin whose scope
 *     covers the station. Listing: those, and the station's workers.
 *     Uploaders, evaluators and auditors see none of it.
 *  3. Phone numbers come back masked (138****1234) from listings. */
#ifndef MS_STATION_RECORDS_H
#define MS_STATION_RECORDS_H

#include "base/err.h"
#include "store/store.h"
#include "store/store_service.h"

#include <stdbool.h>

#define MS_SREC_TEXT_MAX 200      /* bytes of a name, donor, registration */
#define MS_SREC_NOTE_MAX 2000     /* bytes of services, purpose, summary */
#define MS_SREC_HOURS_MAX 1000000 /* tenths of an hour */

/* The kind named on the command line and in the API: staff, volunteer, org,
 * resource, affair; -1 when none. */
int ms_srec_kind_parse(const char *name);
const char *ms_srec_kind_name(ms_srec_kind k);

/* Qualification codes (assistant, intermediate, senior, none) and their
 * labels 助理社会工作师 / 社会工作师 / 高级社会工作师 / 无. parse accepts either
 * and returns the code, or NULL. */
const char *ms_qualification_parse(const char *text);
const char *ms_qualification_label(const char *code, bool english);

/* Adds a record of `kind` to r->station as actor (a user name). The fields
 * the kind needs must be set; added_by and added are filled in (added
 * points into r->added_). Dates may not lie after today (ms_date_today).
 * *id receives the new id. */
ms_err ms_station_record_add(ms_store *s, const char *actor, ms_srec_kind kind, ms_srec *r,
                             int64_t *id, ms_error *err);
/* Lists a station's records of a kind, oldest first, phones masked. actor
 * NULL: the server's operator. */
ms_err ms_station_record_list(ms_store *s, const char *actor, ms_srec_kind kind,
                              const char *station, int (*fn)(void *ctx, const ms_srec *r),
                              void *ctx, ms_error *err);

/* Masks a phone number for lists: the first 3 and last 4 characters kept
 * when it has at least 8, else all but the last 2 replaced by '*'. */
void ms_mask_phone(const char *phone, char *out, size_t cap);

#endif
