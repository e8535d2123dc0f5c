/* calendar.h — working days: Monday to Friday, minus the official holidays,
 * plus the weekend days made working days (调休). The exceptions come from a
 * calendar file in the policy pack, one line each:
 *     2024-10-01<TAB>holiday<TAB>国庆节
 *     2024-10-12<TAB>workday<TAB>国庆节调休
 * Blank lines and lines starting with # are ignored. `休`/`班` are accepted
 * for holiday/workday. */
#ifndef MS_BASE_CALENDAR_H
#define MS_BASE_CALENDAR_H

#include "base/date.h"
#include "base/err.h"

#include <stdbool.h>

typedef struct ms_calendar_day {
	ms_date day;
	bool workday; /* true: a weekend day made a working day */
} ms_calendar_day;

typedef struct ms_calendar {
	ms_calendar_day *days; /* sorted by day, unique */
	size_t n;
	int first_year, last_year; /* the years the file covers; 0 when empty */
} ms_calendar;

/* An empty calendar knows only weekends. */
void ms_calendar_init(ms_calendar *cal);
/* Loads (adds) the exceptions of a file. Errors name the file and line; a
 * file with any error adds nothing, so the calendar stays as it was. A day
 * listed twice with the same kind is fine; as holiday and workday, an error. */
ms_err ms_calendar_load(ms_calendar *cal, const char *path, ms_error *err);
/* The same from text in memory; `name` is used in error messages. */
ms_err ms_calendar_parse(ms_calendar *cal, const char *text, size_t len, const char *name,
                         ms_error *err);
void ms_calendar_free(ms_calendar *cal);

bool ms_calendar_is_workday(const ms_calendar *cal, ms_date day);
/* The day that is n working days after `from` (from itself not counted):
 * a deadline of 3 working days from a Friday alert is the next Wednesday
 * in an ordinary week. n = 0 gives from. */
ms_date ms_calendar_add_workdays(const ms_calendar *cal, ms_date from, int n);
/* Working days in (from, to]; when to < from, minus the working days in
 * (to, from]. For n >= 0, count_workdays(from, add_workdays(from, n)) == n. */
int ms_calendar_count_workdays(const ms_calendar *cal, ms_date from, ms_date to);

#endif
