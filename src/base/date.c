/* date.c — civil-date arithmetic (days from 1970-01-01) and date parsing. */
#include "base/date.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

bool ms_is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int ms_days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && ms_is_leap_year(y) ? 29 : days[m - 1];
}

bool ms_date_valid_ymd(int y, int m, int d)
{
	return y >= MS_DATE_MIN_YEAR && y <= MS_DATE_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
	       d <= ms_days_in_month(y, m);
}

/* The era-based algorithm: years are shifted so that they start in March,
 * which puts the leap day at the end of the year. */
ms_date ms_date_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const int yoe = y - era * 400;
	const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (ms_date)(era * 146097 + doe - 719468);
}

void ms_date_to_ymd(ms_date day, int *y, int *m, int *d)
{
	int z = day + 719468;
	const int era = (z >= 0 ? z : z - 146096) / 146097;
	const int doe = z - era * 146097;
	const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const int mp = (5 * doy + 2) / 153;
	const int dd = doy - (153 * mp + 2) / 5 + 1;
	const int mm = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (mm <= 2);
	*m = mm;
	*d = dd;
}

int ms_date_weekday(ms_date day)
{
	/* 1970-01-01 was a Thursday (4) */
	int w = (int)((day % 7 + 7) % 7); /* 0 = Thursday */
	return (w + 3) % 7 + 1;
}

ms_date ms_date_today(void)
{
	const char *env = getenv("MINSHENG_TODAY");
	ms_date d;
	if (env && *env && ms_date_parse(env, strlen(env), &d) == MS_ERR_OK)
		return d;
	time_t now = time(NULL) + 8 * 3600;
	return (ms_date)(now / 86400);
}

void ms_date_format(ms_date day, char out[MS_DATE_STR])
{
	if (day == MS_DATE_NONE) {
		out[0] = '\0';
		return;
	}
	int y, m, d;
	ms_date_to_ymd(day, &y, &m, &d);
	/* years are 1800–9999 for every parsed date; clamp for safety */
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int ms_age_years(ms_date birth, ms_date day)
{
	int by, bm, bd, y, m, d;
	ms_date_to_ymd(birth, &by, &bm, &bd);
	ms_date_to_ymd(day, &y, &m, &d);
	int age = y - by;
	/* A 29 February birthday in a common year is reached on 1 March. */
	if (bm == 2 && bd == 29 && !ms_is_leap_year(y)) {
		bm = 3;
		bd = 1;
	}
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}

ms_err ms_date_from_excel_serial(long serial, ms_date *out)
{
	if (serial < 1 || serial == 60 || serial > 2958465)
		return MS_ERR_INVALID;
	/* serial 1 = 1900-01-01; after the fictitious 1900-02-29 shift by one */
	long days = serial < 60 ? serial - 1 : serial - 2;
	ms_date d = ms_date_from_ymd(1900, 1, 1) + (ms_date)days;
	*out = d;
	return MS_ERR_OK;
}

/* ---- parsing ---- */

typedef struct {
	const unsigned char *p, *end;
} date_cursor;

static int cur_digits(date_cursor *c, int min, int max, int *value)
{
	int n = 0, v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && n < max) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n < min)
		return 0;
	*value = v;
	return n;
}

static int cur_literal(date_cursor *c, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, lit, n) == 0) {
		c->p += n;
		return 1;
	}
	return 0;
}

static void trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;
	while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	*s = p;
	*len = n;
}

/* An optional time of day after the date: " 12:30", "T12:30:00", " 0:00:00.000". */
static int cur_time_or_end(date_cursor *c)
{
	if (c->p == c->end)
		return 1;
	if (*c->p != ' ' && *c->p != 'T')
		return 0;
	c->p++;
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	int h, mi, sec;
	if (!cur_digits(c, 1, 2, &h) || h > 23 || !cur_literal(c, ":") || cur_digits(c, 2, 2, &mi) != 2 ||
	    mi > 59)
		return 0;
	if (cur_literal(c, ":")) {
		if (cur_digits(c, 2, 2, &sec) != 2 || sec > 60)
			return 0;
		if (cur_literal(c, ".")) {
			int frac;
			if (!cur_digits(c, 1, 9, &frac))
				return 0;
		}
	}
	if (c->p < c->end && (*c->p == 'Z' || *c->p == '+'))
		return 0; /* zoned instants are not business dates */
	return c->p == c->end;
}

ms_err ms_date_parse(const char *s, size_t len, ms_date *out)
{
	trim(&s, &len);
	if (len == 0 || len > 64)
		return MS_ERR_INVALID;
	date_cursor c = {(const unsigned char *)s, (const unsigned char *)s + len};
	int y, m, d, n;
	n = cur_digits(&c, 1, 8, &y);
	if (!n)
		return MS_ERR_INVALID;
	if (c.p == c.end && n == 5) { /* an Excel serial: 1927-05-18 … 2173-10-14 */
		return ms_date_from_excel_serial(y, out);
	}
	if (n == 8 && cur_time_or_end(&c)) { /* 20230501 */
		d = y % 100;
		m = y / 100 % 100;
		y = y / 10000;
	} else if (n == 4) {
		if (cur_literal(&c, "年")) {
			if (!cur_digits(&c, 1, 2, &m) || !cur_literal(&c, "月") || !cur_digits(&c, 1, 2, &d))
				return MS_ERR_INVALID;
			if (!cur_literal(&c, "日"))
				cur_literal(&c, "号");
		} else {
			if (c.p == c.end)
				return MS_ERR_INVALID;
			unsigned char sep = *c.p;
			if (sep != '-' && sep != '/' && sep != '.')
				return MS_ERR_INVALID;
			c.p++;
			if (!cur_digits(&c, 1, 2, &m) || c.p == c.end || *c.p != sep)
				return MS_ERR_INVALID;
			c.p++;
			if (!cur_digits(&c, 1, 2, &d))
				return MS_ERR_INVALID;
		}
		if (!cur_time_or_end(&c))
			return MS_ERR_INVALID;
	} else {
		return MS_ERR_INVALID;
	}
	if (!ms_date_valid_ymd(y, m, d))
		return MS_ERR_INVALID;
	*out = ms_date_from_ymd(y, m, d);
	return MS_ERR_OK;
}

ms_month ms_month_of(ms_date day)
{
	int y, m, d;
	ms_date_to_ymd(day, &y, &m, &d);
	return (ms_month)(y * 12 + (m - 1));
}

void ms_month_format(ms_month mo, char out[8])
{
	int y = mo / 12, m = mo % 12 + 1;
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '\0';
}

ms_err ms_month_parse(const char *s, size_t len, ms_month *out)
{
	trim(&s, &len);
	if (len == 0 || len > 32)
		return MS_ERR_INVALID;
	date_cursor c = {(const unsigned char *)s, (const unsigned char *)s + len};
	int y, m;
	int n = cur_digits(&c, 4, 6, &y);
	if (n == 6 && c.p == c.end) {
		m = y % 100;
		y /= 100;
	} else if (n == 4) {
		if (cur_literal(&c, "年")) {
			if (!cur_digits(&c, 1, 2, &m))
				return MS_ERR_INVALID;
			cur_literal(&c, "月");
		} else {
			if (c.p == c.end || (*c.p != '-' && *c.p != '/' && *c.p != '.'))
				return MS_ERR_INVALID;
			c.p++;
			if (!cur_digits(&c, 1, 2, &m))
				return MS_ERR_INVALID;
		}
		if (c.p != c.end)
			return MS_ERR_INVALID;
	} else {
		return MS_ERR_INVALID;
	}
	if (y < MS_DATE_MIN_YEAR || y > MS_DATE_MAX_YEAR || m < 1 || m > 12)
		return MS_ERR_INVALID;
	*out = (ms_month)(y * 12 + (m - 1));
	return MS_ERR_OK;
}
