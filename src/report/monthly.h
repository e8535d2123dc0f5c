/* monthly.h — the monthly report of a province, city or county to the level
 * above (民政低收入人口动态监测月报): the figures of `minsheng stats` for one
 * calendar month as an XLSX sheet in a FIXED layout, so that a province can
 * add up the sheets of its cities cell by cell. docs/operations.md shows
 * the layout; the row numbers below are 1-based, as Excel shows them.
 *
 *  1. Who may: as ms_work_stats (an admin or officer whose scope covers the
 *     area; actor NULL: the operator). Areas of 2, 4 or 6 digits.
 *  2. The month is YYYY-MM, not after the business date's month; a month
 *     still running is reported up to the business date (and says so).
 *  3. Figures: the monitored population by category on the last day
 *     (ms_population_count), the alert cohort created in the month and
 *     its verification by the last day (ms_work_stats), outcomes, and the
 *     stations' work (ms_service_stats). Counts are numbers, not text. */
#ifndef MS_REPORT_MONTHLY_H
#define MS_REPORT_MONTHLY_H

#include "base/date.h"
#include "base/err.h"
#include "monitor/population.h"
#include "rules/pack.h"
#include "store/store.h"
#include "work/service.h"
#include "work/work.h"

#include <stdbool.h>
#include <stddef.h>

#define MS_MONTHLY_FORMAT "minsheng-monthly/1"
#define MS_MONTHLY_SHEET "月报"
/* fixed rows (1-based) */
#define MS_MONTHLY_ROW_TITLE 1
#define MS_MONTHLY_ROW_AREA 2
#define MS_MONTHLY_ROW_MONTH 3
#define MS_MONTHLY_ROW_MADE 4
#define MS_MONTHLY_ROW_POP 6       /* section heading; header 7; total 8 */
#define MS_MONTHLY_ROW_POP_TOTAL 8
#define MS_MONTHLY_ROW_POP_FIRST 9 /* one kind of person a row, 9 … 40, in the pack's order */
#define MS_MONTHLY_POP_SLOTS 32
#define MS_MONTHLY_ROW_ALERTS 42   /* heading; header 43; figures 44 … 49 */
#define MS_MONTHLY_ROW_OUTCOMES 51 /* heading; header 52; outcomes 53 … 58 */
#define MS_MONTHLY_ROW_SERVICE 60  /* heading; header 61; figures 62 … 68 */
#define MS_MONTHLY_ROW_RULES 70    /* heading; header 71; one rule a row from 72 */

typedef struct ms_monthly {
	char area[13];
	char area_name[256];
	char month[8];                   /* YYYY-MM */
	char from[MS_DATE_STR], to[MS_DATE_STR];
	bool partial;                    /* the month is still running */
	char made[32];                   /* when the report was made */
	char pack_version[65];
	ms_stats stats;
	ms_service_figures service;
	ms_population population;
	bool have_population;            /* the pack names a population column */
	/* the pack's rules in its order (fixed rows), with their titles */
	int nrules;
	const char *rule_ids[MS_PACK_MAX_RULES];
	const char *rule_titles[MS_PACK_MAX_RULES];
} ms_monthly;

/* Gathers the figures of an area for a month (YYYY-MM) as of today. The
 * result keeps pointers into pack (rule ids and titles). */
ms_err ms_monthly_figures(ms_store *s, const ms_pack *pack, const char *actor, const char *area,
                          const char *month, ms_date today, ms_monthly *out, ms_error *err);

/* Writes the workbook to path. */
ms_err ms_monthly_xlsx(const ms_monthly *m, const char *path, ms_error *err);
/* The same in memory (through a temporary file in tmpdir, NULL: /tmp);
 * *bytes is malloc'd, the caller frees. */
ms_err ms_monthly_xlsx_bytes(const ms_monthly *m, const char *tmpdir, char **bytes, size_t *len,
                             ms_error *err);

#endif
