/* test_date.c — day numbers, date formats of §2.5, ages, months. */
#include "testutil.h"

#include "base/date.h"

static ms_err parse(const char *s, ms_date *d) { return ms_date_parse(s, strlen(s), d); }

static void test_epoch_and_roundtrip(void **state)
{
	(void)state;
	assert_int_equal(ms_date_from_ymd(1970, 1, 1), 0);
	assert_int_equal(ms_date_from_ymd(2000, 3, 1), 11017);
	for (ms_date d = ms_date_from_ymd(1800, 1, 1); d < ms_date_from_ymd(2100, 1, 1); d += 17) {
		int y, m, dd;
		ms_date_to_ymd(d, &y, &m, &dd);
		assert_true(ms_date_valid_ymd(y, m, dd));
		assert_int_equal(ms_date_from_ymd(y, m, dd), d);
	}
	assert_int_equal(ms_date_weekday(ms_date_from_ymd(2026, 11, 29)), 7); /* a Sunday */
	assert_int_equal(ms_date_weekday(ms_date_from_ymd(2024, 10, 1)), 2);
}

static void test_formats(void **state)
{
	(void)state;
	ms_date want = ms_date_from_ymd(2023, 5, 1), d;
	const char *ok[] = {"2023-05-01", "2023-5-1", "2023/5/1", "2023/05/01", "20230501",
	                    "2023年5月1日", "2023年05月01日", "2023.5.1", " 2023-05-01 ",
	                    "2023-05-01 00:00:00", "2023/5/1 8:30", "45047"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		d = 0;
		assert_int_equal(parse(ok[i], &d), MS_ERR_OK);
		assert_int_equal(d, want);
	}
	const char *bad[] = {"", "2023-02-30", "2023-13-01", "2023-5", "2023/5-1", "17990101",
	                     "2023-05-01x", "abc", "2023年5月", "60", "0", "2023", "9999", "2023-05-01T10:00Z",
	                     "2023-5-1-1", "123456789"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(parse(bad[i], &d), MS_ERR_OK);
	assert_int_equal(parse("2024-02-29", &d), MS_ERR_OK);
	assert_int_not_equal(parse("2023-02-29", &d), MS_ERR_OK);
	assert_int_not_equal(parse("1900-02-29", &d), MS_ERR_OK);
	assert_int_equal(parse("2000-02-29", &d), MS_ERR_OK);
}

static void test_excel_serials(void **state)
{
	(void)state;
	ms_date d;
	assert_int_equal(ms_date_from_excel_serial(1, &d), MS_ERR_OK);
	assert_int_equal(d, ms_date_from_ymd(1900, 1, 1));
	assert_int_equal(ms_date_from_excel_serial(59, &d), MS_ERR_OK);
	assert_int_equal(d, ms_date_from_ymd(1900, 2, 28));
	assert_int_not_equal(ms_date_from_excel_serial(60, &d), MS_ERR_OK);
	assert_int_equal(ms_date_from_excel_serial(61, &d), MS_ERR_OK);
	assert_int_equal(d, ms_date_from_ymd(1900, 3, 1));
	assert_int_equal(ms_date_from_excel_serial(44927, &d), MS_ERR_OK);
	assert_int_equal(d, ms_date_from_ymd(2023, 1, 1));
}

static void test_format_out(void **state)
{
	(void)state;
	char s[MS_DATE_STR];
	ms_date_format(ms_date_from_ymd(1800, 1, 9), s);
	assert_string_equal(s, "1800-01-09");
	ms_date_format(MS_DATE_NONE, s);
	assert_string_equal(s, "");
}

static void test_age(void **state)
{
	(void)state;
	ms_date b = ms_date_from_ymd(2009, 6, 15);
	assert_int_equal(ms_age_years(b, ms_date_from_ymd(2026, 6, 14)), 16);
	assert_int_equal(ms_age_years(b, ms_date_from_ymd(2026, 6, 15)), 17);
	ms_date leap = ms_date_from_ymd(2008, 2, 29);
	assert_int_equal(ms_age_years(leap, ms_date_from_ymd(2026, 2, 28)), 17);
	assert_int_equal(ms_age_years(leap, ms_date_from_ymd(2026, 3, 1)), 18);
	assert_int_equal(ms_age_years(leap, ms_date_from_ymd(2028, 2, 28)), 19);
	assert_int_equal(ms_age_years(leap, ms_date_from_ymd(2028, 2, 29)), 20);
}

static void test_months(void **state)
{
	(void)state;
	ms_month m;
	const char *ok[] = {"2023-05", "2023/5", "202305", "2023年5月", "2023.05"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(ms_month_parse(ok[i], strlen(ok[i]), &m), MS_ERR_OK);
		assert_int_equal(m, 2023 * 12 + 4);
	}
	assert_int_not_equal(ms_month_parse("2023-13", 7, &m), MS_ERR_OK);
	assert_int_not_equal(ms_month_parse("2023-05-01", 10, &m), MS_ERR_OK);
	assert_int_equal(ms_month_of(ms_date_from_ymd(2023, 5, 31)), 2023 * 12 + 4);
	char s[8];
	ms_month_format(2023 * 12 + 11, s);
	assert_string_equal(s, "2023-12");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_and_roundtrip), cmocka_unit_test(test_formats),
		cmocka_unit_test(test_excel_serials),       cmocka_unit_test(test_format_out),
		cmocka_unit_test(test_age),                 cmocka_unit_test(test_months),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
