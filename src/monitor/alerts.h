/* alerts.h — what a scan does with its hits (SPEC §3.2 and §4): alert
 * identity by (rule, subject), evidence appended while open, `cleared` when
 * the condition no longer holds, a new alert after closure only for a fact
 * the closed one did not have; routing of new alerts to the township's
 * station, else the county's inbox, else the province's unrouted inbox; and
 * deadlines in working days by alert kind.
 *
 * The rules engine produces the hits (src/rules); this module writes them.
 * An evidence fact is identified by its feed, its natural key and its
 * values, so a row sent again is not new evidence. */
#ifndef MS_MONITOR_ALERTS_H
#define MS_MONITOR_ALERTS_H

#include "base/calendar.h"
#include "base/date.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { MS_SUBJECT_PERSON = 1, MS_SUBJECT_HOUSEHOLD = 2 } ms_subject_type;

/* One input fact that made a rule's condition true for a subject. */
typedef struct ms_evidence {
	const char *feed;   /* feed name */
	int64_t record_id;  /* the store's record */
	int64_t batch_id;
	int64_t row;        /* row number in its file */
	const char *nkey;   /* natural key (canonical, 0x1F-separated) */
	const char *vals;   /* canonical values (0x1F-separated) */
	const char *person; /* whose fact it is (identity number) */
} ms_evidence;

/* One hit of one rule for one subject, with its explanation. */
typedef struct ms_hit {
	const char *rule;       /* rule id, e.g. as written in the pack */
	const char *kind;       /* the rule's kind: chooses the deadline */
	ms_subject_type subject_type;
	const char *subject;    /* identity number or household id */
	const char *area;       /* the subject's area code */
	bool residence_permit;  /* the subject's number is a HK/Macau/Taiwan residence permit */
	const ms_evidence *evidence;
	size_t nevidence;
	/* the whole explanation as JSON (schema in docs/explain.md); stored
	 * with the alert for the scan that raised or appended it */
	const char *explanation_json;
} ms_hit;

/* A scan's results for the alert store. */
typedef struct ms_scan_input {
	ms_date as_of;
	const char *pack_version;      /* SHA-256 of the pack */
	const char *province;          /* the pack's province code, e.g. 2 digits */
	const char *const *rules;      /* every rule the scan evaluated */
	size_t nrules;
	const ms_hit *hits;            /* sorted by rule, then subject */
	size_t nhits;
	const ms_calendar *calendar;   /* working days */
	/* working days from creation to the deadline for an alert kind; -1
	 * when the pack has no value (the scan then fails naming the kind) */
	int (*deadline_days)(void *ctx, const char *kind);
	void *deadline_ctx;
	const char *actor;             /* who ran the scan ("" = the system) */
	bool dry_run;                  /* count only: write nothing */
	/* the time the scan writes its alerts, RFC 3339 in +08:00
	 * ("2026-11-30T09:15:00+08:00"): `created` of new alerts, and the day
	 * their deadlines count from. NULL = now (the date of ms_date_today,
	 * so MINSHENG_TODAY fixes it, with the clock's time of day). */
	const char *now;
} ms_scan_input;

#define MS_SCAN_MAX_RULES 256
typedef struct ms_scan_rule_counts {
	const char *rule;
	int64_t new_alerts, appended, cleared;
} ms_scan_rule_counts;

typedef struct ms_scan_summary {
	int64_t scan_id;   /* 0 for a dry run */
	size_t nrules;
	ms_scan_rule_counts rules[MS_SCAN_MAX_RULES];
	int64_t new_total, appended_total, cleared_total;
} ms_scan_summary;

/* Applies a scan's hits in one transaction (a dry run in a transaction that
 * is rolled back), SPEC §3.2:
 *  1. an open alert of (rule, subject) receives the hit's facts it does not
 *     have yet (`appended` when at least one was new) and is un-cleared;
 *  2. else, when closed alerts of the key exist, a new alert is raised only
 *     when the hit has a fact that none of those closed alerts had (all of
 *     them, not just the latest: a fact once judged never reopens);
 *  3. else a new alert is raised, routed (station, county, province inbox)
 *     and given its deadline in working days;
 *  4. every open alert of an evaluated rule that this scan did not hit is
 *     marked cleared (counted when it changes).
 * Each hit's rule must be among in->rules, and a (rule, subject) may be hit
 * once per scan. out->rules[i].rule points at in->rules[i]. The store must
 * not be inside a transaction. */
ms_err ms_alerts_apply(ms_store *s, const ms_scan_input *in, ms_scan_summary *out, ms_error *err);

/* Names of alert states (SPEC §4: new 待派发 … closed 已办结) and of the
 * rule language's alert kinds, for people, in Chinese or English; the code
 * itself when it is not one of them. Static strings. */
const char *ms_alert_state_label(const char *state, bool english);
const char *ms_alert_kind_label(const char *kind, bool english);
/* Whether a text is one of the six state codes. */
bool ms_alert_state_valid(const char *state);

#endif
