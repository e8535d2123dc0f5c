/* service.h — household service files (一户一档, SPEC §5): visits, services
 * counted in person-times (人次), referrals to departments with their
 * results, benefit applications the station helped with and their outcome,
 * a timeline per household or person joining these with the alerts of the
 * household and its members, and the figures they add to `stats`.
 *
 * Rules kept here:
 *  1. A household is the current record of the pack's households feed; its
 *     area comes from there, and its station is the township (first 9
 *     digits) of that area. A household outside the actor's reach is "not
 *     found", as is one the registry does not hold.
 *  2. Reading (file, timeline): an admin or officer whose scope covers the
 *     household's area, or a station head or worker of its station.
 *     Writing: a station head or worker of its station only.
 *  3. The first visit opens the file; every other record needs an open file.
 *  4. A referral's result is recorded once; an application starts pending
 *     and its outcome (granted, refused) is recorded once.
 *  5. Dates are YYYY-MM-DD and not after today. */
#ifndef MS_WORK_SERVICE_H
#define MS_WORK_SERVICE_H

#include "base/err.h"
#include "store/store.h"
#include "store/store_service.h"
#include "work/work.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MS_SERVICE_TEXT_MAX 200  /* bytes of a kind, department, benefit */
#define MS_SERVICE_NOTE_MAX 4000 /* bytes of a note or needs */
#define MS_SERVICE_PERSONS_MAX 100000

/* Visit kinds: home 入户, phone 电话, walk_in 来访. parse accepts either the
 * code or the Chinese word and returns the code, or NULL. */
const char *ms_visit_kind_parse(const char *text);
const char *ms_visit_kind_label(const char *code, bool english);
/* Application outcomes: pending, granted, refused. */
bool ms_application_outcome_valid(const char *outcome);

/* What one record of a file says. type: visit, service, referral,
 * application. kind: visit kind; service: what was delivered; referral:
 * the department; application: the benefit. persons: person-times of a
 * service (at least 1). person: the identity number concerned (referral,
 * application; optional). */
typedef struct ms_service_in {
	const char *household;
	const char *type;
	const char *day;
	const char *kind;
	int64_t persons;
	const char *person;
	const char *note, *needs;
} ms_service_in;

/* Adds a record as actor; a visit opens the file when the household has
 * none (*opened set). *id receives the record's id. */
ms_err ms_service_add(ms_store *s, const ms_work_env *env, const char *actor,
                      const ms_service_in *in, int64_t *id, bool *opened, ms_error *err);
/* Records the result of referral `id` (free text) or the outcome of
 * application `id` (granted or refused), dated `day`. type names which of
 * the two the caller means: a record of the other type is "not found". */
ms_err ms_service_result(ms_store *s, const ms_work_env *env, const char *actor, const char *type,
                         int64_t id, const char *day, const char *result, const char *note,
                         ms_error *err);

/* A household's file: its row (MS_ERR_NOT_FOUND when the household has no
 * file, or is out of reach) and, through fn, its records by date. */
ms_err ms_service_file(ms_store *s, const ms_work_env *env, const char *actor,
                       const char *household, ms_sfile_row *file,
                       int (*fn)(void *ctx, const ms_sentry_row *r), void *ctx, ms_error *err);

/* One line of a timeline. source: alert (an alert event: raised, then each
 * state change), visit, service, referral, referral_result, application,
 * application_result. */
typedef struct ms_timeline_item {
	const char *day; /* YYYY-MM-DD */
	const char *at;  /* the event's RFC 3339 time; the day for file records */
	const char *source;
	/* alerts */
	int64_t alert_id;
	const char *rule, *subject_type, *subject, *from_state, *to_state;
	/* file records */
	int64_t entry_id;
	const char *kind, *person, *needs, *result;
	int64_t persons;
	/* both */
	const char *actor, *note;
} ms_timeline_item;

/* The timeline of a household (household set) or a person (person set):
 * for a household, the alerts of the household and of its registry
 * members (persons whose current record names it, among the person alerts
 * of its township) and its file's records; for a person, its own alerts,
 * its household's own alerts and its household's file records. In date
 * order (then time, then alerts before file records of the same moment).
 * Who may: rule 2, on the household (for a person: its household, else
 * the person's own area). */
ms_err ms_service_timeline(ms_store *s, const ms_work_env *env, const char *actor,
                           const char *household, const char *person,
                           int (*fn)(void *ctx, const ms_timeline_item *it), void *ctx,
                           ms_error *err);

/* The figures of station work for an area prefix and period (added to
 * `stats`): who may as for ms_work_stats (an admin or officer covering the
 * area, a station head for its station; actor NULL = the operator). */
ms_err ms_service_stats(ms_store *s, const char *actor, const char *area, ms_date from, ms_date to,
                        ms_service_figures *out, ms_error *err);

/* The figures of an area and period as `stats --json` and GET
 * /api/v1/stats give them: the alert cohort of SPEC §4, the station work
 * and (when pop is given) the monitored population by category. NULL when
 * out of memory. */
struct ms_population;
json_t *ms_stats_json(const ms_stats *st, const ms_service_figures *sf,
                      const struct ms_population *pop);

#endif
