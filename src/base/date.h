/* date.h — calendar dates as day numbers, and the date formats real files use.
 * A date is the number of days since 1970-01-01 (proleptic Gregorian), so
 * comparison and "D − 364" are plain integer arithmetic. The business date of
 * a scan is always passed in: nothing below the command line reads the clock
 * except ms_date_today(). */
#ifndef MS_BASE_DATE_H
#define MS_BASE_DATE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t ms_date;

#define MS_DATE_NONE INT32_MIN /* an empty date column */
#define MS_DATE_MIN_YEAR 1800
#define MS_DATE_MAX_YEAR 9999

/* Day number of a year/month/day; no range check (see ms_date_valid_ymd). */
ms_date ms_date_from_ymd(int y, int m, int d);
void ms_date_to_ymd(ms_date day, int *y, int *m, int *d);
bool ms_date_valid_ymd(int y, int m, int d);
bool ms_is_leap_year(int y);
int ms_days_in_month(int y, int m);
/* 1 = Monday … 7 = Sunday */
int ms_date_weekday(ms_date day);
/* Today in China Standard Time (UTC+8), from the wall clock; MINSHENG_TODAY
 * (YYYY-MM-DD) overrides it so tests can fix the day. */
ms_date ms_date_today(void);

/* Parses one date as found in department files: 2023-05-01, 2023-5-1,
 * 2023/5/1, 2023.5.1, 20230501, 2023年5月1日, an Excel serial (a whole number
 * of exactly 5 digits, 1927-05-18 to 2173-10-14; the 1900 date system: a bare
 * year such as 2023 is refused, not read as a serial), each optionally followed by a
 * time of day that is ignored. Surrounding blanks are ignored. Returns
 * MS_ERR_INVALID for anything else, including impossible dates (30 February)
 * and years outside 1800–9999. */
ms_err ms_date_parse(const char *s, size_t len, ms_date *out);
/* Excel's 1900 date system: serial 1 = 1900-01-01, with Excel's fictitious
 * 1900-02-29 at serial 60 refused. */
ms_err ms_date_from_excel_serial(long serial, ms_date *out);

/* Writes YYYY-MM-DD and a NUL (11 bytes); an empty string for MS_DATE_NONE. */
#define MS_DATE_STR 11
void ms_date_format(ms_date day, char out[MS_DATE_STR]);

/* Full years from birth to day; rises on the birthday, and a 29 February
 * birthday counts on 1 March in common years. */
int ms_age_years(ms_date birth, ms_date day);

/* Months as year*12 + (month−1): "2023-05", "2023/5", "202305", "2023年5月". */
typedef int32_t ms_month;
ms_err ms_month_parse(const char *s, size_t len, ms_month *out);
ms_month ms_month_of(ms_date day);
void ms_month_format(ms_month m, char out[8]);

#endif
