/* calendar.c — working-day arithmetic over a sorted table of exceptions. */
#include "base/calendar.h"

#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALENDAR_MAX_DAYS 100000
#define CALENDAR_MAX_FILE (4 * 1024 * 1024)

void ms_calendar_init(ms_calendar *cal) { memset(cal, 0, sizeof *cal); }

void ms_calendar_free(ms_calendar *cal)
{
	ms_free(cal->days);
	memset(cal, 0, sizeof *cal);
}

static int day_cmp(const void *a, const void *b)
{
	const ms_calendar_day *x = a, *y = b;
	return (x->day > y->day) - (x->day < y->day);
}

static const ms_calendar_day *calendar_find(const ms_calendar *cal, ms_date day)
{
	ms_calendar_day key = {day, false};
	if (!cal || !cal->n)
		return NULL;
	return bsearch(&key, cal->days, cal->n, sizeof key, day_cmp);
}

bool ms_calendar_is_workday(const ms_calendar *cal, ms_date day)
{
	const ms_calendar_day *ex = calendar_find(cal, day);
	if (ex)
		return ex->workday;
	return ms_date_weekday(day) <= 5;
}

ms_date ms_calendar_add_workdays(const ms_calendar *cal, ms_date from, int n)
{
	ms_date d = from;
	int step = n >= 0 ? 1 : -1;
	int left = n >= 0 ? n : -n;
	while (left > 0) {
		d += step;
		if (ms_calendar_is_workday(cal, d))
			left--;
	}
	return d;
}

int ms_calendar_count_workdays(const ms_calendar *cal, ms_date from, ms_date to)
{
	if (to < from)
		return -ms_calendar_count_workdays(cal, to, from);
	/* whole weeks hold 5 weekdays; then correct with the exceptions */
	long span = (long)to - from;
	long weeks = span / 7;
	int count = (int)(weeks * 5);
	for (ms_date d = from + (ms_date)(weeks * 7) + 1; d <= to; d++)
		count += ms_date_weekday(d) <= 5;
	if (cal && cal->n) {
		/* first exception after from */
		size_t lo = 0, hi = cal->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (cal->days[mid].day <= from)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < cal->n && cal->days[i].day <= to; i++) {
			bool weekday = ms_date_weekday(cal->days[i].day) <= 5;
			if (cal->days[i].workday && !weekday)
				count++;
			else if (!cal->days[i].workday && weekday)
				count--;
		}
	}
	return count;
}

ms_err ms_calendar_parse(ms_calendar *cal, const char *text, size_t len, const char *name,
                         ms_error *err)
{
	const char *p = text, *end = text + len;
	int line = 0;
	size_t cap = cal->n;
	ms_calendar_day *days = cal->days;
	size_t n = cal->n;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		line++;
		const char *l = p;
		size_t ll = (size_t)(eol - p);
		p = eol + 1;
		while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' ' || l[ll - 1] == '\t'))
			ll--;
		if (ll == 0 || l[0] == '#')
			continue;
		const char *tab = memchr(l, '\t', ll);
		if (!tab)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "%s:%d: 应为“日期<TAB>holiday|workday<TAB>名称” (expected date, tab, kind)",
			                    name, line);
		ms_date d;
		if (ms_date_parse(l, (size_t)(tab - l), &d) != MS_ERR_OK)
			return ms_error_set(err, MS_ERR_INVALID, "%s:%d: 日期无效 (bad date)", name, line);
		const char *k = tab + 1;
		const char *kend = memchr(k, '\t', (size_t)(l + ll - k));
		if (!kend)
			kend = l + ll;
		size_t kl = (size_t)(kend - k);
		bool workday;
		if ((kl == 7 && memcmp(k, "holiday", 7) == 0) || (kl == 3 && memcmp(k, "休", 3) == 0))
			workday = false;
		else if ((kl == 7 && memcmp(k, "workday", 7) == 0) || (kl == 3 && memcmp(k, "班", 3) == 0))
			workday = true;
		else
			return ms_error_set(err, MS_ERR_INVALID,
			                    "%s:%d: 类型应为 holiday 或 workday (kind must be holiday or workday)",
			                    name, line);
		if (n == cap) {
			if (cap >= CALENDAR_MAX_DAYS)
				return ms_error_set(err, MS_ERR_TOO_LARGE, "%s: 日历条目过多 (too many days)", name);
			size_t ncap = cap ? cap * 2 : 64;
			ms_calendar_day *nd = ms_realloc(days, ncap * sizeof *nd);
			if (!nd)
				return ms_error_set(err, MS_ERR_NOMEM, NULL);
			days = nd;
			cap = ncap;
			cal->days = days;
		}
		days[n].day = d;
		days[n].workday = workday;
		n++;
		int y, m, dd;
		ms_date_to_ymd(d, &y, &m, &dd);
		if (!cal->first_year || y < cal->first_year)
			cal->first_year = y;
		if (y > cal->last_year)
			cal->last_year = y;
	}
	qsort(days, n, sizeof *days, day_cmp);
	for (size_t i = 1; i < n; i++) {
		if (days[i].day == days[i - 1].day) {
			char ds[MS_DATE_STR];
			ms_date_format(days[i].day, ds);
			if (days[i].workday != days[i - 1].workday)
				return ms_error_set(err, MS_ERR_INVALID,
				                    "%s: %s 同时被列为假日和工作日 (listed as both holiday and workday)",
				                    name, ds);
		}
	}
	/* drop exact repeats */
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (w == 0 || days[w - 1].day != days[i].day)
			days[w++] = days[i];
	cal->days = days;
	cal->n = w;
	return MS_ERR_OK;
}

ms_err ms_calendar_load(ms_calendar *cal, const char *path, ms_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ms_error_set(err, MS_ERR_IO, "无法打开日历文件 %s (cannot open calendar file)", path);
	char *text = ms_malloc(CALENDAR_MAX_FILE);
	if (!text) {
		fclose(f);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	size_t len = fread(text, 1, CALENDAR_MAX_FILE, f);
	int too_big = len == CALENDAR_MAX_FILE;
	fclose(f);
	ms_err rc;
	if (too_big)
		rc = ms_error_set(err, MS_ERR_TOO_LARGE, "%s: 日历文件过大 (calendar file too large)", path);
	else
		rc = ms_calendar_parse(cal, text, len, path, err);
	ms_free(text);
	return rc;
}
