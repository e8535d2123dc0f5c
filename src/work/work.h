/* work.h — the alert lifecycle (SPEC §4): who may move an alert from one
 * state to the next, verification outcomes, several alerts of one household
 * verified after one visit, the closing decision, attachments, inboxes with
 * deadlines, and the figures an area reports. The command line and the
 * HTTP API call these functions; neither decides anything itself.
 *
 * The lifecycle, as enforced here:
 *  1. new → assigned → verifying → verified → closed, and verified →
 *     returned → verifying. Nothing else, and nothing leaves closed.
 *  2. new → assigned: the station head of the alert's inbox station, or an
 *     officer or admin in scope. assigned/returned → verifying and
 *     verifying → verified: the assignee or its station head. verified →
 *     returned and verified → closed: an officer or admin in scope.
 *  3. An alert a user may not see does not exist for it (MS_ERR_NOT_FOUND).
 *     An admin or officer sees alerts whose area or inbox lies in its scope;
 *     a station head those of its station's inbox or assigned to a worker
 *     of its station; a worker those assigned to it; other roles none.
 *  4. Every change names the version the actor saw: a changed alert gives
 *     MS_ERR_CONFLICT and nothing is written; a change bumps the version.
 *     An illegal transition is MS_ERR_CONFLICT too; a role that may not is
 *     MS_ERR_FORBIDDEN; bad input is MS_ERR_INVALID.
 *  5. Every change records actor, time, note and from/to states in the
 *     alert's history; returned and closed need a note (closing: the
 *     decision serves as note when none is given). */
#ifndef MS_WORK_WORK_H
#define MS_WORK_WORK_H

#include "auth/auth.h"
#include "base/date.h"
#include "base/err.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_work.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_WORK_NOTE_MAX 4000             /* bytes of a note or decision */
#define MS_WORK_DETAIL_MAX 200            /* bytes of a benefit or department name */
#define MS_WORK_BATCH_MAX 100             /* alerts verified together */
#define MS_ATTACHMENT_MAX (10u << 20)     /* bytes of one attachment */
#define MS_ATTACHMENTS_MAX 20             /* attachments given with one change */

/* What the lifecycle needs from outside the store. */
typedef struct ms_work_env {
	/* the policy pack: calendar and remind_days for inboxes and figures,
	 * the persons feed for household checks; may be NULL for changes
	 * that verify no household */
	const ms_pack *pack;
	/* the time of a change, RFC 3339 in +08:00; NULL = today's date
	 * (ms_date_today, so MINSHENG_TODAY fixes it) with the clock's time */
	const char *now;
} ms_work_env;

/* A file given with a change: photos, a signed authorisation. */
typedef struct ms_attachment_in {
	const char *name; /* the file's name as given, for people */
	const void *bytes;
	size_t len;
} ms_attachment_in;

typedef struct ms_transition {
	const char *to;       /* assigned, verifying, verified, returned, closed */
	const char *note;     /* required for verified, returned and closed */
	const char *assignee; /* assigned: the worker (or station head) */
	/* verified: enrolled (with benefit), adjusted (with adjustment
	 * increase/decrease/stop), referred (with department), no_action,
	 * false_positive, unreachable */
	const char *outcome, *benefit, *adjustment, *department;
	const char *household; /* verified: every alert belongs to this household */
	const char *decision;  /* closed: the officer's decision and its reason */
	const ms_attachment_in *attachments;
	size_t nattachments;
} ms_transition;

/* Applies one transition to n alerts (n > 1 only to verify a household's
 * alerts together) in one transaction: all change or none. versions[i] is
 * the version the actor saw of ids[i]; new_versions (may be NULL) receives
 * the versions after. actor is a user name. */
ms_err ms_work_transition(ms_store *s, const ms_work_env *env, const char *actor,
                          const ms_transition *t, size_t n, const int64_t *ids,
                          const int64_t *versions, int64_t *new_versions, ms_error *err);

/* Outcome codes and their labels (纳入救助 / enrolled …). */
bool ms_outcome_valid(const char *outcome);
const char *ms_outcome_label(const char *outcome, bool english);
/* Whether a state is still waiting for the field (overdue can apply):
 * new, assigned, verifying, returned. */
bool ms_work_state_waiting(const char *state);

/* ---- reading ---- */

/* An alert as the actor may see it (actor NULL: the server's operator sees
 * every alert). MS_ERR_NOT_FOUND when none or not visible. Strings point
 * into the store until the next call on it. */
ms_err ms_work_alert_get(ms_store *s, const char *actor, int64_t id, ms_work_alert_row *out,
                         ms_error *err);
/* The same check, then the history and the attachments of the alert. */
ms_err ms_work_alert_history(ms_store *s, const char *actor, int64_t id,
                             int (*on_event)(void *ctx, const ms_event_row *e),
                             int (*on_attachment)(void *ctx, const ms_attachment_row *a),
                             void *ctx, ms_error *err);
/* Adds attachments to an alert the actor may work on (sees, and is not an
 * uploader, evaluator or auditor). No version change. sha256_out (may be
 * NULL) receives the hashes (65 bytes each). */
ms_err ms_work_attach(ms_store *s, const ms_work_env *env, const char *actor, int64_t alert_id,
                      const ms_attachment_in *att, size_t n, char (*sha256_out)[65],
                      ms_error *err);
/* Calls fn with the bytes of an alert's attachment, when the actor may see
 * the alert; MS_ERR_NOT_FOUND otherwise. */
ms_err ms_work_attachment_read(ms_store *s, const char *actor, int64_t alert_id,
                               const char *sha256,
                               ms_err (*fn)(void *ctx, const char *mime, const void *bytes,
                                            size_t len),
                               void *ctx, ms_error *err);

/* ---- inboxes and deadlines ---- */

typedef enum { MS_INBOX_STATION = 1, MS_INBOX_WORKER, MS_INBOX_COUNTY } ms_inbox_kind;

typedef struct ms_inbox_counts {
	int64_t open;     /* waiting for the field: new, assigned, verifying, returned */
	int64_t due_soon; /* open, not overdue, due within remind_days working days */
	int64_t overdue;  /* open and due before today */
	int64_t by_state[4]; /* new, assigned, verifying, returned */
	int remind_days;
	char soon_until[MS_DATE_STR]; /* the last day counted as due soon */
} ms_inbox_counts;

/* One inbox: a station's (code = 9 digits), a worker's (code = user name)
 * or a county's (code = 6 digits: its own inbox plus every overdue alert of
 * the county). Who may look: the station's head, the worker itself and its
 * station head, an officer or admin whose scope covers the station, the
 * worker's station or the county; actor NULL = the server's operator.
 * fn (may be NULL) receives each open alert by due date with `overdue` and
 * `due_soon` flags; counts are filled in. today is the business date. */
typedef struct ms_inbox_item {
	const ms_work_alert_row *alert;
	bool overdue, due_soon;
} ms_inbox_item;
ms_err ms_work_inbox(ms_store *s, const ms_work_env *env, const char *actor, ms_inbox_kind kind,
                     const char *code, ms_date today,
                     int (*fn)(void *ctx, const ms_inbox_item *it), void *ctx,
                     ms_inbox_counts *out, ms_error *err);

/* ---- figures ---- */

#define MS_STATS_MAX_RULES 256
#define MS_STATS_OUTCOMES 6

typedef struct ms_stats_rule {
	char rule[65];
	int64_t issued, verified;
	int64_t outcomes[MS_STATS_OUTCOMES]; /* in the order of ms_outcome_code */
} ms_stats_rule;

typedef struct ms_stats {
	char area[13];
	char from[MS_DATE_STR], to[MS_DATE_STR];
	int64_t issued;   /* alerts created in [from, to] whose area is under the prefix */
	int64_t verified; /* of those, first verified on or before `to` */
	double verification_rate; /* verified / issued; 0 when none issued */
	int64_t on_time;  /* of the verified, first verified on or before the due date */
	double median_working_days; /* working days creation → first verification; -1 none */
	size_t nrules;
	ms_stats_rule rules[MS_STATS_MAX_RULES]; /* by rule id */
} ms_stats;

/* The outcome code at index i (0 … MS_STATS_OUTCOMES-1). */
const char *ms_outcome_code(int i);

/* The figures of SPEC §4 for an area prefix (1–12 digits) and a period.
 * Who may: an admin or officer whose scope covers the area, a station head
 * for its station's area; actor NULL = the server's operator. Needs the
 * pack's calendar (env->pack). Outcomes count each verified alert once, by
 * its latest verification dated on or before `to`. */
ms_err ms_work_stats(ms_store *s, const ms_work_env *env, const char *actor, const char *area,
                     ms_date from, ms_date to, ms_stats *out, ms_error *err);

#endif
