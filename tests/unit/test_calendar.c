/* test_calendar.c — working days (SPEC §4 deadlines): weekends, official
 * holidays and 调休 working weekends, deadline arithmetic across the long
 * breaks, the calendar file format and its errors, and the bundled file. */
#include "testutil.h"

#include "base/calendar.h"

#include <stdio.h>
#include <stdlib.h>

#define BUNDLED_CALENDAR "policy/guangdong/calendar.tsv"

/* The 2024 and 2025 Spring Festival and National Day breaks, as published. */
static const char breaks_text[] =
    "# test fixture\n"
    "2024-02-04\tworkday\t春节调休\n"
    "2024-02-10\tholiday\t春节\n2024-02-11\tholiday\t春节\n2024-02-12\tholiday\t春节\n"
    "2024-02-13\tholiday\t春节\n2024-02-14\tholiday\t春节\n2024-02-15\tholiday\t春节\n"
    "2024-02-16\tholiday\t春节\n2024-02-17\tholiday\t春节\n"
    "2024-02-18\tworkday\t春节调休\n"
    "\n"
    "2024-09-29\tworkday\t国庆节调休\n"
    "2024-10-01\tholiday\t国庆节\n2024-10-02\tholiday\t国庆节\n2024-10-03\tholiday\t国庆节\n"
    "2024-10-04\tholiday\t国庆节\n2024-10-05\tholiday\t国庆节\n2024-10-06\tholiday\t国庆节\n"
    "2024-10-07\tholiday\t国庆节\n"
    "2024-10-12\tworkday\t国庆节调休\n"
    "2025-01-26\t班\t春节调休\n"
    "2025-01-28\t休\t春节\n2025-01-29\t休\t春节\n2025-01-30\t休\t春节\n2025-01-31\t休\t春节\n"
    "2025-02-01\t休\t春节\n2025-02-02\t休\t春节\n2025-02-03\t休\t春节\n2025-02-04\t休\t春节\n"
    "2025-02-08\t班\t春节调休\n"
    "2025-09-28\tworkday\r\n" /* the name is optional; CRLF is fine */
    "2025-10-01\tholiday\t国庆节、中秋节\n2025-10-02\tholiday\n2025-10-03\tholiday\n"
    "2025-10-04\tholiday\n2025-10-05\tholiday\n2025-10-06\tholiday\n2025-10-07\tholiday\n"
    "2025-10-08\tholiday\n"
    "2025-10-11\tworkday\t国庆节调休"; /* no final newline */

static int setup_breaks(void **state)
{
	static ms_calendar cal;
	ms_calendar_init(&cal);
	ms_error err;
	ms_error_clear(&err);
	if (ms_calendar_parse(&cal, breaks_text, strlen(breaks_text), "breaks", &err) !=
	    MS_ERR_OK) {
		fprintf(stderr, "fixture: %s\n", ms_error_text(&err));
		return -1;
	}
	*state = &cal;
	return 0;
}

static int teardown_calendar(void **state)
{
	ms_calendar_free(*state);
	return 0;
}

static int setup_bundled(void **state)
{
	static ms_calendar cal;
	ms_calendar_init(&cal);
	ms_error err;
	ms_error_clear(&err);
	if (ms_calendar_load(&cal, BUNDLED_CALENDAR, &err) != MS_ERR_OK) {
		fprintf(stderr, "bundled calendar: %s\n", ms_error_text(&err));
		return -1;
	}
	*state = &cal;
	return 0;
}

static bool workday(const ms_calendar *cal, const char *d)
{
	return ms_calendar_is_workday(cal, T_DATE(d));
}

static void assert_date(ms_date got, const char *want)
{
	char s[MS_DATE_STR];
	ms_date_format(got, s);
	assert_string_equal(s, want);
}

static ms_date add(const ms_calendar *cal, const char *from, int n)
{
	return ms_calendar_add_workdays(cal, T_DATE(from), n);
}

static int count(const ms_calendar *cal, const char *from, const char *to)
{
	return ms_calendar_count_workdays(cal, T_DATE(from), T_DATE(to));
}

/* A day-by-day count through ms_calendar_is_workday, the reference for the
 * week-skipping ms_calendar_count_workdays. */
static int count_slowly(const ms_calendar *cal, ms_date from, ms_date to)
{
	int sign = 1;
	if (to < from) {
		ms_date t = from;
		from = to;
		to = t;
		sign = -1;
	}
	int n = 0;
	for (ms_date d = from + 1; d <= to; d++)
		n += ms_calendar_is_workday(cal, d);
	return sign * n;
}

static void test_weekends_only(void **state)
{
	(void)state;
	ms_calendar cal;
	ms_calendar_init(&cal);
	assert_int_equal(cal.n, 0);
	assert_int_equal(cal.first_year, 0);
	/* 2026-11-23 is a Monday */
	assert_true(workday(&cal, "2026-11-23"));
	assert_true(workday(&cal, "2026-11-27"));
	assert_false(workday(&cal, "2026-11-28"));
	assert_false(workday(&cal, "2026-11-29"));
	/* without a file, 1 October is an ordinary day */
	assert_true(workday(&cal, "2024-10-01"));
	assert_true(workday(NULL, "2024-10-01"));
	/* the header's example: 3 working days from a Friday is the next Wednesday */
	assert_date(add(&cal, "2026-11-27", 3), "2026-12-02");
	assert_date(add(&cal, "2026-11-28", 1), "2026-11-30"); /* from a Saturday */
	assert_date(add(&cal, "2026-11-29", 0), "2026-11-29");
	assert_date(add(&cal, "2026-11-23", 10), "2026-12-07");
	assert_date(add(&cal, "2026-11-30", -1), "2026-11-27");
	assert_int_equal(count(&cal, "2026-11-27", "2026-12-02"), 3);
	assert_int_equal(count(&cal, "2026-11-23", "2026-11-23"), 0);
	assert_int_equal(count(&cal, "2026-11-27", "2026-11-29"), 0);
	assert_int_equal(count(&cal, "2026-11-22", "2026-11-29"), 5);
	assert_int_equal(count(&cal, "2026-11-29", "2026-11-22"), -5);
	assert_int_equal(count(&cal, "2026-01-01", "2026-12-31"), 260);
	ms_calendar_free(&cal);
}

static void test_holidays_and_tiaoxiu(void **state)
{
	const ms_calendar *cal = *state;
	assert_int_equal(cal->first_year, 2024);
	assert_int_equal(cal->last_year, 2025);
	/* weekday holidays */
	assert_false(workday(cal, "2024-10-01"));
	assert_false(workday(cal, "2024-10-04"));
	assert_false(workday(cal, "2024-10-07"));
	assert_false(workday(cal, "2024-02-12"));
	assert_false(workday(cal, "2025-01-28")); /* 除夕, a holiday from 2025 */
	assert_false(workday(cal, "2025-10-08"));
	/* weekend days made working days */
	assert_true(workday(cal, "2024-09-29")); /* Sunday */
	assert_true(workday(cal, "2024-10-12")); /* Saturday */
	assert_true(workday(cal, "2024-02-04")); /* Sunday */
	assert_true(workday(cal, "2024-02-18")); /* Sunday */
	assert_true(workday(cal, "2025-01-26")); /* Sunday, given as 班 */
	assert_true(workday(cal, "2025-02-08")); /* Saturday */
	assert_true(workday(cal, "2025-09-28")); /* no name on its line */
	assert_true(workday(cal, "2025-10-11")); /* last line, no newline */
	/* ordinary days around them */
	assert_true(workday(cal, "2024-10-08"));
	assert_true(workday(cal, "2024-02-09")); /* 除夕 2024 was a working Friday */
	assert_false(workday(cal, "2024-10-13"));
	assert_false(workday(cal, "2024-10-05"));
	assert_true(workday(cal, "2024-10-11"));
}

static void test_national_day(void **state)
{
	const ms_calendar *cal = *state;
	/* 2024: 9-29 (Sun) worked, 10-1..7 off, 10-12 (Sat) worked */
	assert_date(add(cal, "2024-09-27", 1), "2024-09-29");
	assert_date(add(cal, "2024-09-27", 2), "2024-09-30");
	assert_date(add(cal, "2024-09-27", 3), "2024-10-08");
	assert_date(add(cal, "2024-09-30", 1), "2024-10-08");
	assert_date(add(cal, "2024-10-01", 1), "2024-10-08"); /* created on a holiday */
	assert_date(add(cal, "2024-10-05", 3), "2024-10-10");
	assert_date(add(cal, "2024-10-11", 1), "2024-10-12");
	assert_date(add(cal, "2024-09-30", 10), "2024-10-18");
	assert_date(add(cal, "2024-09-30", 3), "2024-10-10"); /* an emergency deadline */
	assert_int_equal(count(cal, "2024-09-30", "2024-10-08"), 1);
	assert_int_equal(count(cal, "2024-10-01", "2024-10-07"), 0);
	assert_int_equal(count(cal, "2024-09-27", "2024-10-14"), 8);
	assert_int_equal(count(cal, "2024-10-14", "2024-09-27"), -8);
	/* September: 21 weekdays + 9-29; October: 23 weekdays − 5 holidays + 10-12 */
	assert_int_equal(count(cal, "2024-08-31", "2024-10-31"), 21 + 1 + 23 - 5 + 1);
	/* 2025: 9-28 (Sun) worked, 10-1..8 off, 10-11 (Sat) worked */
	assert_date(add(cal, "2025-09-26", 1), "2025-09-28");
	assert_date(add(cal, "2025-09-30", 1), "2025-10-09");
	assert_date(add(cal, "2025-09-30", 3), "2025-10-11");
	assert_date(add(cal, "2025-09-26", 10), "2025-10-16");
	assert_int_equal(count(cal, "2025-09-30", "2025-10-09"), 1);
	assert_int_equal(count(cal, "2025-09-26", "2025-10-16"), 10);
	assert_int_equal(count(cal, "2025-10-01", "2025-10-08"), 0);
}

static void test_spring_festival(void **state)
{
	const ms_calendar *cal = *state;
	/* 2024: 2-4 (Sun) and 2-18 (Sun) worked, 2-10..17 off */
	assert_date(add(cal, "2024-02-02", 1), "2024-02-04");
	assert_date(add(cal, "2024-02-08", 1), "2024-02-09");
	assert_date(add(cal, "2024-02-08", 2), "2024-02-18");
	assert_date(add(cal, "2024-02-08", 3), "2024-02-19");
	assert_date(add(cal, "2024-02-09", 10), "2024-02-29");
	assert_int_equal(count(cal, "2024-02-09", "2024-02-18"), 1);
	/* February 2024: 21 weekdays − 5 holidays + 2 working Sundays */
	assert_int_equal(count(cal, "2024-01-31", "2024-02-29"), 21 - 5 + 2);
	/* 2025: 1-26 (Sun) and 2-8 (Sat) worked, 1-28..2-4 off */
	assert_date(add(cal, "2025-01-24", 1), "2025-01-26");
	assert_date(add(cal, "2025-01-24", 3), "2025-02-05");
	assert_date(add(cal, "2025-01-27", 1), "2025-02-05");
	assert_date(add(cal, "2025-01-24", 10), "2025-02-13");
	assert_date(add(cal, "2025-02-07", 1), "2025-02-08");
	assert_int_equal(count(cal, "2025-01-24", "2025-02-13"), 10);
	assert_int_equal(count(cal, "2025-01-27", "2025-02-07"), 3);
	/* backwards over the break */
	assert_date(add(cal, "2025-02-05", -1), "2025-01-27");
	assert_date(add(cal, "2024-10-08", -2), "2024-09-29");
}

static void check_consistency(const ms_calendar *cal, ms_date first, ms_date last)
{
	for (ms_date from = first; from <= last; from++) {
		ms_date prev = from;
		for (int n = 0; n <= 45; n++) {
			ms_date to = ms_calendar_add_workdays(cal, from, n);
			int c = ms_calendar_count_workdays(cal, from, to);
			if (c != n) {
				char a[MS_DATE_STR], b[MS_DATE_STR];
				ms_date_format(from, a);
				ms_date_format(to, b);
				fail_msg("add_workdays(%s, %d) = %s but count_workdays gives %d", a,
				         n, b, c);
			}
			assert_int_equal(ms_calendar_count_workdays(cal, to, from), -n);
			if (n > 0) {
				assert_true(to > prev); /* strictly later, and a working day */
				assert_true(ms_calendar_is_workday(cal, to));
			}
			prev = to;
			/* backwards from a working day mirrors forwards */
			if (ms_calendar_is_workday(cal, from) && n % 5 == 0) {
				ms_date back = ms_calendar_add_workdays(cal, from, -n);
				assert_int_equal(ms_calendar_count_workdays(cal, back, from), n);
			}
		}
	}
	/* the week-skipping count against a day-by-day one */
	uint32_t x = 2463534242u;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		ms_date a = first + (ms_date)(x % (uint32_t)(last - first + 1));
		ms_date b = a + (ms_date)((x >> 7) % 400) - 200;
		assert_int_equal(ms_calendar_count_workdays(cal, a, b), count_slowly(cal, a, b));
	}
}

static void test_consistency_fixture(void **state)
{
	check_consistency(*state, T_DATE("2023-12-01"), T_DATE("2025-12-31"));
}

static void test_consistency_bundled(void **state)
{
	check_consistency(*state, T_DATE("2021-11-01"), T_DATE("2027-01-31"));
}

static ms_err parse_text(ms_calendar *cal, const char *text, ms_error *err)
{
	ms_error_clear(err);
	return ms_calendar_parse(cal, text, strlen(text), "cal.tsv", err);
}

static void expect_error(const char *text, ms_err code, const char *where)
{
	ms_calendar cal;
	ms_calendar_init(&cal);
	ms_error err;
	assert_int_equal(parse_text(&cal, text, &err), code);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, where))
		fail_msg("error \"%s\" does not name \"%s\"", err.msg, where);
	assert_int_equal(cal.n, 0); /* a bad file adds nothing */
	assert_int_equal(cal.first_year, 0);
	ms_calendar_free(&cal);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("2024-10-01 holiday\n", MS_ERR_INVALID, "cal.tsv:1:");
	expect_error("# c\n\n2024-10-01\tholiday\n2024-13-01\tholiday\n", MS_ERR_INVALID,
	             "cal.tsv:4:");
	expect_error("2024-10-01\tholiday\n2024-10-02\tfree\t国庆节\n", MS_ERR_INVALID,
	             "cal.tsv:2:");
	expect_error("2024-10-01\tHoliday\n", MS_ERR_INVALID, "cal.tsv:1:");
	expect_error("2024-10-01\t\t国庆节\n", MS_ERR_INVALID, "cal.tsv:1:");
	expect_error("\n\n\nnot a date\tholiday\n", MS_ERR_INVALID, "cal.tsv:4:");
	expect_error("2024-10-01\tholiday\r\n2024-10-0x\tholiday\r\n", MS_ERR_INVALID,
	             "cal.tsv:2:");
	/* a day listed as both: refused, naming the later line and the earlier one */
	expect_error("2024-10-12\tworkday\n2024-10-01\tholiday\n2024-10-12\tholiday\n",
	             MS_ERR_INVALID, "cal.tsv:3:");
	expect_error("2024-10-12\tworkday\n2024-10-01\tholiday\n2024-10-12\tholiday\n",
	             MS_ERR_INVALID, "2024-10-12");
	expect_error("2024-10-12\tworkday\n2024-10-01\tholiday\n2024-10-12\t休\n", MS_ERR_INVALID,
	             "line 1");
}

static void test_parse_format(void **state)
{
	(void)state;
	ms_calendar cal;
	ms_calendar_init(&cal);
	ms_error err;
	/* a byte-order mark, comments, blank lines, trailing blanks, repeats */
	assert_int_equal(parse_text(&cal,
	                            "\xEF\xBB\xBF# 日历\n"
	                            "2024-10-01\tholiday\t国庆节  \n"
	                            "   \n"
	                            "2024-10-01\tholiday\t国庆节（重复）\n"
	                            "2024/10/12\tworkday\t国庆节调休\t备注\n",
	                            &err),
	                 MS_ERR_OK);
	assert_int_equal(cal.n, 2);
	assert_false(workday(&cal, "2024-10-01"));
	assert_true(workday(&cal, "2024-10-12"));
	/* an empty text is a calendar with no exceptions */
	assert_int_equal(parse_text(&cal, "", &err), MS_ERR_OK);
	assert_int_equal(parse_text(&cal, "# only comments\n\n", &err), MS_ERR_OK);
	assert_int_equal(cal.n, 2);
	ms_calendar_free(&cal);
	assert_int_equal(cal.n, 0);
	assert_null(cal.days);
}

static void test_load_adds(void **state)
{
	(void)state;
	ms_calendar cal;
	ms_calendar_init(&cal);
	ms_error err;
	assert_int_equal(parse_text(&cal, "2025-01-01\tholiday\t元旦\n2025-01-26\tworkday\n", &err),
	                 MS_ERR_OK);
	/* a second file adds to the first; a day repeated with the same kind is fine */
	assert_int_equal(
	    parse_text(&cal, "2024-10-01\tholiday\n2025-01-01\tholiday\n2026-01-04\tworkday\n",
	               &err),
	    MS_ERR_OK);
	assert_int_equal(cal.n, 4);
	assert_int_equal(cal.first_year, 2024);
	assert_int_equal(cal.last_year, 2026);
	for (size_t i = 1; i < cal.n; i++)
		assert_true(cal.days[i - 1].day < cal.days[i].day);
	/* one that contradicts what is loaded is refused whole, and changes nothing */
	ms_calendar_day before[4];
	memcpy(before, cal.days, sizeof before);
	assert_int_equal(
	    parse_text(&cal, "2023-01-02\tholiday\n2027-05-01\tholiday\n2025-01-26\tholiday\n",
	               &err),
	    MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "cal.tsv:3:"));
	assert_non_null(strstr(err.msg, "2025-01-26"));
	assert_int_equal(cal.n, 4);
	assert_memory_equal(cal.days, before, sizeof before);
	assert_int_equal(cal.first_year, 2024);
	assert_int_equal(cal.last_year, 2026);
	assert_true(workday(&cal, "2025-01-26"));
	assert_true(workday(&cal, "2023-01-02"));
	/* so does a bad line after good ones */
	assert_int_equal(parse_text(&cal, "2023-01-02\tholiday\nbad\n", &err), MS_ERR_INVALID);
	assert_int_equal(cal.n, 4);
	assert_true(workday(&cal, "2023-01-02"));
	ms_calendar_free(&cal);
}

static void test_load_file(void **state)
{
	(void)state;
	ms_calendar cal;
	ms_calendar_init(&cal);
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_calendar_load(&cal, "/nonexistent/calendar.tsv", &err), MS_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/calendar.tsv"));
	char path[] = "/tmp/ms-calendar-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("2024-10-01\tholiday\t国庆节\n# x\n2024-10-02\tnope\n", f);
	fclose(f);
	ms_error_clear(&err);
	assert_int_equal(ms_calendar_load(&cal, path, &err), MS_ERR_INVALID);
	char want[64];
	snprintf(want, sizeof want, "%s:3:", path);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(cal.n, 0);
	remove(path);
	ms_calendar_free(&cal);
}

static void test_add_extremes(void **state)
{
	const ms_calendar *cal = *state;
	ms_date from = T_DATE("2024-09-30");
	ms_date far = ms_calendar_add_workdays(cal, from, 2500); /* about ten years */
	assert_int_equal(ms_calendar_count_workdays(cal, from, far), 2500);
	ms_date back = ms_calendar_add_workdays(cal, from, -2500);
	assert_int_equal(ms_calendar_count_workdays(cal, back, from), 2500);
}

/* The bundled file: the notices of 2022–2026. */
static void test_bundled_calendar(void **state)
{
	const ms_calendar *cal = *state;
	assert_int_equal(cal->first_year, 2022);
	assert_int_equal(cal->last_year, 2026);
	assert_true(workday(cal, "2024-10-12"));  /* a working Saturday */
	assert_false(workday(cal, "2024-10-04")); /* National Day */
	assert_true(workday(cal, "2025-01-26"));  /* a working Sunday */
	assert_false(workday(cal, "2025-01-28")); /* 除夕 2025 */
	assert_true(workday(cal, "2024-02-09"));  /* 除夕 2024 was not in the break */
	assert_false(workday(cal, "2023-01-02")); /* New Year 2023, in the 2023 notice */
	assert_false(workday(cal, "2022-10-07"));
	assert_true(workday(cal, "2022-10-08"));
	assert_true(workday(cal, "2023-06-25"));
	assert_false(workday(cal, "2023-09-29"));
	assert_false(workday(cal, "2025-05-05"));
	assert_true(workday(cal, "2025-04-27"));
	assert_false(workday(cal, "2025-06-02"));
	assert_true(workday(cal, "2026-01-04"));
	assert_false(workday(cal, "2026-02-23"));
	assert_true(workday(cal, "2026-02-28"));
	assert_true(workday(cal, "2026-09-20"));
	assert_true(workday(cal, "2026-10-10"));
	assert_false(workday(cal, "2026-09-25"));
	assert_false(workday(cal, "2026-06-19"));
	/* every workday line is a weekend day, every weekday holiday is off */
	for (size_t i = 0; i < cal->n; i++)
		if (cal->days[i].workday)
			assert_true(ms_date_weekday(cal->days[i].day) >= 6);
	/* working days per year, counted by hand from each notice */
	static const struct {
		const char *eve, *last;
		int days;
	} years[] = {{"2021-12-31", "2022-12-31", 249},
	             {"2022-12-31", "2023-12-31", 249},
	             {"2023-12-31", "2024-12-31", 251},
	             {"2024-12-31", "2025-12-31", 248},
	             {"2025-12-31", "2026-12-31", 248}};
	for (size_t i = 0; i < sizeof years / sizeof years[0]; i++)
		assert_int_equal(count(cal, years[i].eve, years[i].last), years[i].days);
	/* the deadline examples of docs/calendar.md */
	assert_date(add(cal, "2024-09-30", 10), "2024-10-18");
	assert_date(add(cal, "2025-09-30", 3), "2025-10-11");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_weekends_only),
	    cmocka_unit_test_setup_teardown(test_holidays_and_tiaoxiu, setup_breaks,
	                                    teardown_calendar),
	    cmocka_unit_test_setup_teardown(test_national_day, setup_breaks, teardown_calendar),
	    cmocka_unit_test_setup_teardown(test_spring_festival, setup_breaks, teardown_calendar),
	    cmocka_unit_test_setup_teardown(test_consistency_fixture, setup_breaks,
	                                    teardown_calendar),
	    cmocka_unit_test_setup_teardown(test_add_extremes, setup_breaks, teardown_calendar),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_format),
	    cmocka_unit_test(test_load_adds),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test_setup_teardown(test_bundled_calendar, setup_bundled,
	                                    teardown_calendar),
	    cmocka_unit_test_setup_teardown(test_consistency_bundled, setup_bundled,
	                                    teardown_calendar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
