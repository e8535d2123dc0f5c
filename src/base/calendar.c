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
	long left = n >= 0 ? (long)n : -(long)n; /* n may be INT_MIN */
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

/* One parsed line, kept with its line number until the file is accepted. */
typedef struct {
	ms_calendar_day day;
	int line;
} calendar_entry;

static int entry_cmp(const void *a, const void *b)
{
	const calendar_entry *x = a, *y = b;
	if (x->day.day != y->day.day)
		return (x->day.day > y->day.day) - (x->day.day < y->day.day);
	return (x->line > y->line) - (x->line < y->line);
}

/* Reads every line into *out (sorted by day, then line). Nothing in the
 * calendar changes here, so a bad file leaves it as it was. */
static ms_err calendar_read_lines(const char *text, size_t len, const char *name,
                                  calendar_entry **out, size_t *out_n, ms_error *err)
{
	const char *p = text, *end = text + len;
	calendar_entry *es = NULL;
	size_t n = 0, cap = 0;
	int line = 0;
	ms_err rc = MS_ERR_OK;
	/* a byte-order mark, as editors on Windows like to write */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
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
		if (!tab) {
			rc = ms_error_set(err, MS_ERR_INVALID,
			                  "%s:%d: 应为“日期<TAB>holiday|workday<TAB>名称” (expected date, tab, kind)",
			                  name, line);
			goto out;
		}
		ms_date d;
		if (ms_date_parse(l, (size_t)(tab - l), &d) != MS_ERR_OK) {
			rc = ms_error_set(err, MS_ERR_INVALID, "%s:%d: 日期无效 (bad date)", name, line);
			goto out;
		}
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
		else {
			rc = ms_error_set(err, MS_ERR_INVALID,
			                  "%s:%d: 类型应为 holiday 或 workday (kind must be holiday or workday)",
			                  name, line);
			goto out;
		}
		if (n == cap) {
			if (cap >= CALENDAR_MAX_DAYS) {
				rc = ms_error_set(err, MS_ERR_TOO_LARGE, "%s:%d: 日历条目过多 (too many days)",
				                  name, line);
				goto out;
			}
			size_t ncap = cap ? cap * 2 : 64;
			calendar_entry *ne = ms_realloc(es, ncap * sizeof *ne);
			if (!ne) {
				rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
				goto out;
			}
			es = ne;
			cap = ncap;
		}
		es[n].day.day = d;
		es[n].day.workday = workday;
		es[n].line = line;
		n++;
	}
	if (n)
		qsort(es, n, sizeof *es, entry_cmp);
	for (size_t i = 1; i < n; i++) {
		if (es[i].day.day == es[i - 1].day.day && es[i].day.workday != es[i - 1].day.workday) {
			char ds[MS_DATE_STR];
			ms_date_format(es[i].day.day, ds);
			rc = ms_error_set(err, MS_ERR_INVALID,
			                  "%s:%d: %s 同时被列为假日和工作日，另见第 %d 行 (listed as both holiday "
			                  "and workday; see also line %d)",
			                  name, es[i].line, ds, es[i - 1].line, es[i - 1].line);
			goto out;
		}
	}
out:
	if (rc) {
		ms_free(es);
		es = NULL;
		n = 0;
	}
	*out = es;
	*out_n = n;
	return rc;
}

ms_err ms_calendar_parse(ms_calendar *cal, const char *text, size_t len, const char *name,
                         ms_error *err)
{
	calendar_entry *es;
	size_t n;
	ms_err rc = calendar_read_lines(text, len, name, &es, &n, err);
	if (rc)
		return rc;
	if (n == 0)
		return MS_ERR_OK;
	/* merge the new days (sorted, repeats allowed) with the ones already loaded */
	if (cal->n + n > CALENDAR_MAX_DAYS) {
		ms_free(es);
		return ms_error_set(err, MS_ERR_TOO_LARGE, "%s: 日历条目过多 (too many days)", name);
	}
	ms_calendar_day *days = ms_malloc((cal->n + n) * sizeof *days);
	if (!days) {
		ms_free(es);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	size_t i = 0, j = 0, w = 0;
	while (i < cal->n || j < n) {
		if (j < n && w && days[w - 1].day == es[j].day.day) {
			if (days[w - 1].workday != es[j].day.workday) {
				char ds[MS_DATE_STR];
				ms_date_format(es[j].day.day, ds);
				rc = ms_error_set(err, MS_ERR_INVALID,
				                  "%s:%d: %s 与已载入的日历冲突 (conflicts with a calendar already loaded)",
				                  name, es[j].line, ds);
				goto out;
			}
			j++; /* the same day again, the same kind */
			continue;
		}
		if (j == n || (i < cal->n && cal->days[i].day <= es[j].day.day))
			days[w++] = cal->days[i++];
		else
			days[w++] = es[j++].day;
	}
	ms_free(cal->days);
	cal->days = days;
	cal->n = w;
	days = NULL;
	/* es is sorted: its first and last entries bound the years it covers */
	int y0, y1, m, dd;
	ms_date_to_ymd(es[0].day.day, &y0, &m, &dd);
	ms_date_to_ymd(es[n - 1].day.day, &y1, &m, &dd);
	if (!cal->first_year || y0 < cal->first_year)
		cal->first_year = y0;
	if (y1 > cal->last_year)
		cal->last_year = y1;
out:
	ms_free(days);
	ms_free(es);
	return rc;
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
