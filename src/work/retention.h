/* retention.h — keeping personal data only as long as needed (个人信息保护法
 * Art. 19, 47): `minsheng purge` removes or de-identifies what is past the
 * retention period the pack sets for its kind (params.ini, retention.*),
 * keeping the counts and the decisions. docs/operations.md has the table.
 *
 *  1. Periods are pack parameters in force on the business date for the
 *     province: rejects_days, review_days, closed_alert_years,
 *     attachments_years, sessions_days, jobs_days, deliveries_days and
 *     access_log_years. A pack without one cannot purge (MS_ERR_PACK).
 *  2. access_log_years must be at least 3, and attachments_years at most
 *     closed_alert_years (a photo is part of the alert's personal data).
 *  3. The access log is never purged here: its hash chain and anchors
 *     must stay verifiable (docs/operations.md), so its period is checked
 *     and reported, and entries are kept.
 *  4. One transaction: every step or none. A dry run counts and writes
 *     nothing. */
#ifndef MS_WORK_RETENTION_H
#define MS_WORK_RETENTION_H

#include "base/date.h"
#include "base/err.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_ops.h"

#include <stdbool.h>
#include <stdint.h>

#define MS_ACCESS_LOG_MIN_YEARS 3

typedef struct ms_retention_step {
	const char *kind;     /* rejects, review, closed_alerts, attachments, sessions, jobs, deliveries */
	const char *title_zh; /* 导入拒收行原文 … */
	const char *what;     /* what is removed, in English */
	const char *param;    /* retention.rejects_days … */
	int period;
	bool years;           /* period in years, else days */
	char cutoff[MS_DATE_STR]; /* rows dated before this day */
	int64_t count;        /* rows changed (or, in a dry run, that would be) */
} ms_retention_step;

typedef struct ms_retention_report {
	bool dry_run;
	char today[MS_DATE_STR];
	ms_retention_step steps[MS_RET__COUNT];
	int access_log_years;
	char access_log_cutoff[MS_DATE_STR];
} ms_retention_report;

/* Reads and checks the periods (rules 1, 2) and fills the steps' periods
 * and cutoffs for the day; counts stay 0. */
ms_err ms_retention_policy(const ms_pack *pack, ms_date today, ms_retention_report *out,
                           ms_error *err);

/* Counts and (unless dry_run) applies every step as of today. */
ms_err ms_retention_purge(ms_store *s, const ms_pack *pack, ms_date today, bool dry_run,
                          ms_retention_report *out, ms_error *err);

/* The day n years before d (29 February → 28 February). */
ms_date ms_date_minus_years(ms_date d, int n);

#endif
