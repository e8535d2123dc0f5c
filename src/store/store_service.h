/* store_service.h — the store's part of station records and household
 * service files (SPEC §5): staff, volunteers, organizations, resources and
 * community affairs of a station; a file per household with its visits,
 * services, referrals and applications; the figures they add. src/station
 * and src/work decide who may do what; these functions only read and write
 * rows, each through one fixed, prepared statement.
 *
 * Strings in rows passed to callbacks live during the callback; getters copy
 * theirs (valid until the same getter is called again on the handle). */
#ifndef MS_STORE_STORE_SERVICE_H
#define MS_STORE_STORE_SERVICE_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- station records ---- */

typedef enum {
	MS_SREC_STAFF = 0,
	MS_SREC_VOLUNTEER,
	MS_SREC_ORG,
	MS_SREC_RESOURCE,
	MS_SREC_AFFAIR,
	MS_SREC__COUNT
} ms_srec_kind;

/* One record of a station; fields a kind does not have are NULL or 0. */
typedef struct ms_srec {
	int64_t id;
	const char *station;
	const char *name;                    /* staff, volunteer, org */
	const char *qualification;           /* staff: assistant, intermediate, senior, none */
	const char *phone;                   /* staff, volunteer; NULL when none */
	int64_t hours_tenths;                /* volunteer: hours of service × 10 */
	const char *registration, *services; /* org */
	const char *donor;                   /* resource */
	int64_t amount_fen;                  /* resource */
	const char *day;                     /* resource, affair: YYYY-MM-DD */
	const char *purpose;                 /* resource */
	const char *summary;                 /* affair */
	const char *added_by, *added;
	char added_[32]; /* ms_station_record_add: the time written, `added` points here */
} ms_srec;

/* The type of a station row ("station" or "point"), copied into type;
 * MS_ERR_NOT_FOUND (err untouched) when no row has the code. */
ms_err ms_store_station_type(ms_store *s, const char *code, char type[16], ms_error *err);
ms_err ms_store_srec_add(ms_store *s, ms_srec_kind kind, const ms_srec *r, int64_t *id,
                         ms_error *err);
/* The records of a kind at a station, oldest first; fn returns non-zero to
 * stop. */
ms_err ms_store_srec_list(ms_store *s, ms_srec_kind kind, const char *station,
                          int (*fn)(void *ctx, const ms_srec *r), void *ctx, ms_error *err);

/* ---- household service files ---- */

typedef struct ms_sfile_row {
	const char *household, *area, *station, *opened, *opened_by, *created;
} ms_sfile_row;
/* A household's file; MS_ERR_NOT_FOUND (err untouched) when none. */
ms_err ms_store_sfile_get(ms_store *s, const char *household, ms_sfile_row *out, ms_error *err);
ms_err ms_store_sfile_insert(ms_store *s, const ms_sfile_row *f, ms_error *err);

typedef struct ms_sentry_row {
	int64_t id;
	const char *household, *area;
	const char *type; /* visit, service, referral, application */
	const char *day;
	const char *kind;   /* visit: home/phone/walk_in; service: what; referral: the
	                     * department; application: the benefit */
	int64_t persons;    /* service: person-times */
	const char *person; /* the person concerned; NULL = the household */
	const char *note, *needs;
	const char *result, *result_day, *result_note, *result_by; /* NULL until recorded */
	const char *actor, *at;
} ms_sentry_row;
ms_err ms_store_sentry_add(ms_store *s, const ms_sentry_row *r, int64_t *id, ms_error *err);
/* One entry; MS_ERR_NOT_FOUND (err untouched) when none. */
ms_err ms_store_sentry_get(ms_store *s, int64_t id, ms_sentry_row *out, ms_error *err);
/* Records the result of a referral or the outcome of an application. */
ms_err ms_store_sentry_result(ms_store *s, int64_t id, const char *result, const char *day,
                              const char *note, const char *by, ms_error *err);
/* A household's entries by day, then id. */
ms_err ms_store_sentries(ms_store *s, const char *household,
                         int (*fn)(void *ctx, const ms_sentry_row *r), void *ctx, ms_error *err);

/* Ids of the alerts whose subject is exactly `subject`, by id. */
ms_err ms_store_alerts_of_subject(ms_store *s, const char *subject,
                                  int (*fn)(void *ctx, int64_t id, const char *subject), void *ctx,
                                  ms_error *err);
/* Ids and subjects of the person alerts whose area starts with a prefix. */
ms_err ms_store_person_alerts_in(ms_store *s, const char *prefix,
                                 int (*fn)(void *ctx, int64_t id, const char *subject), void *ctx,
                                 ms_error *err);

/* ---- figures ---- */

typedef struct ms_service_figures {
	int64_t files;                /* households with a file opened on or before `to` */
	int64_t visits;               /* visits dated in [from, to] */
	int64_t person_times;         /* sum of services' persons dated in [from, to] */
	int64_t applications_granted; /* applications granted with a result dated in [from, to] */
	int64_t volunteers, organizations; /* recorded on or before `to` */
	int64_t resources_fen;             /* resources dated in [from, to] */
} ms_service_figures;
/* For an area prefix (stations and files whose code starts with it). */
ms_err ms_store_service_figures(ms_store *s, const char *area, const char *from, const char *to,
                                ms_service_figures *out, ms_error *err);

#endif
