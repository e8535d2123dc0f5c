/* test_area.c — the linked-in area table: counts against the published 2023
 * figures for Guangdong, lookups of every level, historical county codes kept
 * for identity numbers, 东莞/中山 townships under the city, full names. */
#include "testutil.h"

#include "model/area.h"

#include <pthread.h>
#include <stdio.h>

static const ms_area *find(const char *code)
{
	return ms_area_find(code, strlen(code));
}

static void *first_use(void *arg)
{
	const ms_area **slot = arg;
	const ms_area *a = ms_area_find("440106", 6);
	*slot = a && strcmp(a->name, "天河区") == 0 ? a : NULL;
	return NULL;
}

/* Runs first: several threads race to the first lookup, which builds the
 * index exactly once; then ms_area_init has nothing left to do. */
static void test_concurrent_first_use(void **state)
{
	(void)state;
	pthread_t t[4];
	const ms_area *got[4] = {NULL};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, first_use, &got[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_non_null(got[i]);
		assert_ptr_equal(got[i], got[0]);
	}
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_area_init(&err), MS_ERR_OK);
	assert_int_equal(ms_area_init(&err), MS_ERR_OK);
	assert_ptr_equal(ms_area_find("440106", 6), got[0]);
}

static void test_guangdong_counts(void **state)
{
	(void)state;
	const ms_area *first;
	assert_int_equal(ms_area_children("44", MS_AREA_CITY, &first), 21);
	assert_string_equal(first->code, "4401");
	assert_string_equal(first->name, "广州市");
	assert_int_equal(ms_area_children("44", MS_AREA_COUNTY, &first), 124);
	assert_int_equal(ms_area_children("44", MS_AREA_TOWNSHIP, &first), 1757);
	assert_int_equal(ms_area_children("44", MS_AREA_VILLAGE, &first), 26842);
	assert_int_equal(ms_area_children("", MS_AREA_PROVINCE, &first), 31);
	assert_string_equal(first->code, "11");

	/* DOMAIN: 482 街道 (001–099), 1,117 镇 (100–199), 11 乡 (200–399), 147 others */
	size_t n = ms_area_children("44", MS_AREA_TOWNSHIP, &first);
	size_t kind[4] = {0};
	for (size_t i = 0; i < n; i++) {
		int t = (first[i].code[6] - '0') * 100 + (first[i].code[7] - '0') * 10 +
		        (first[i].code[8] - '0');
		kind[t < 100 ? 0 : t < 200 ? 1 : t < 400 ? 2 : 3]++;
	}
	assert_int_equal(kind[0], 482);
	assert_int_equal(kind[1], 1117);
	assert_int_equal(kind[2], 11);
	assert_int_equal(kind[3], 147);
}

static void test_children_order(void **state)
{
	(void)state;
	const ms_area *first;
	size_t n = ms_area_children("4401", MS_AREA_COUNTY, &first);
	assert_int_equal(n, 11);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(first[i].level, MS_AREA_COUNTY);
		assert_int_equal(first[i].last_year, 0);
		assert_memory_equal(first[i].code, "4401", 4);
		if (i)
			assert_true(strcmp(first[i - 1].code, first[i].code) < 0);
	}
	/* the prefix may be of any length up to the level */
	assert_int_equal(ms_area_children("440106", MS_AREA_COUNTY, &first), 1);
	assert_string_equal(first->name, "天河区");
	assert_int_equal(ms_area_children("4401", MS_AREA_CITY, &first), 1);
	/* historical codes are not current children */
	assert_int_equal(ms_area_children("110103", MS_AREA_COUNTY, &first), 0);
	assert_null(first);
	assert_int_equal(ms_area_children("99", MS_AREA_CITY, &first), 0);
	assert_int_equal(ms_area_children("440106", MS_AREA_CITY, &first), 0);
	assert_int_equal(ms_area_children("44", (ms_area_level)5, &first), 0);
	assert_int_equal(ms_area_children("4x", MS_AREA_CITY, &first), 0);
}

static void test_lookups(void **state)
{
	(void)state;
	const ms_area *a = find("44");
	assert_non_null(a);
	assert_string_equal(a->name, "广东省");
	assert_null(a->parent);
	assert_int_equal(a->level, MS_AREA_PROVINCE);

	a = find("440106");
	assert_non_null(a);
	assert_string_equal(a->name, "天河区");
	assert_string_equal(a->parent, "4401");
	assert_int_equal(a->last_year, 0);
	assert_int_equal(a->first_year, 1985); /* from the GB/T 2260 history */

	a = find("440106001");
	assert_non_null(a);
	assert_string_equal(a->parent, "440106");
	assert_int_equal(a->level, MS_AREA_TOWNSHIP);

	/* a village, and the township of a village or township code */
	size_t n;
	const ms_area *v;
	n = ms_area_children("440106001", MS_AREA_VILLAGE, &v);
	assert_true(n > 0);
	assert_string_equal(v->parent, "440106001");
	assert_ptr_equal(find(v->code), v);
	assert_ptr_equal(ms_area_township_of(v->code, 12), find("440106001"));
	assert_ptr_equal(ms_area_township_of("440106001", 9), find("440106001"));
	assert_null(ms_area_township_of("4401", 4));
	assert_null(ms_area_township_of("440106999999", 12));

	/* every entry can be found again, and its parent exists */
	const ms_area *all;
	for (int lv = MS_AREA_CITY; lv <= MS_AREA_VILLAGE; lv++) {
		n = ms_area_children("", (ms_area_level)lv, &all);
		if (lv == MS_AREA_VILLAGE)
			assert_int_equal(n, 26842); /* Guangdong only */
		for (size_t i = 0; i < n; i++) {
			assert_ptr_equal(find(all[i].code), &all[i]);
			assert_non_null(all[i].parent);
			assert_non_null(find(all[i].parent));
		}
	}

	assert_true(ms_area_valid("440106", 6));
	assert_true(ms_area_valid("4419", 4));
	assert_false(ms_area_valid("110103", 6)); /* abolished */
	assert_false(ms_area_valid("999999", 6));
	assert_false(ms_area_valid("4401", 3));
	assert_false(ms_area_valid("44010", 5));
}

static void test_unknown(void **state)
{
	(void)state;
	assert_null(find("111111"));
	assert_null(find("99"));
	assert_null(find("4499"));
	assert_null(find("440106999"));
	assert_null(find("44a106"));
	assert_null(find(""));
	assert_null(ms_area_find("4401061", 7));
	assert_null(ms_area_find(NULL, 6));
	assert_false(ms_area_idcode_known("111111"));
	assert_false(ms_area_idcode_known("000000"));
	assert_false(ms_area_idcode_known("44010"));
	assert_false(ms_area_idcode_known("4401x6"));
	assert_false(ms_area_idcode_known(NULL));
}

static void test_historical(void **state)
{
	(void)state;
	/* 崇文区, merged into 东城区 in 2010: abolished but valid for identity numbers */
	const ms_area *a = find("110103");
	assert_non_null(a);
	assert_string_equal(a->name, "崇文区");
	assert_int_equal(a->first_year, 1980);
	assert_int_equal(a->last_year, 2009);
	assert_string_equal(a->parent, "1101");
	assert_true(ms_area_idcode_known("110103"));

	/* 潮阳县 (DOMAIN's example 440524188001010014) */
	a = find("440524");
	assert_non_null(a);
	assert_string_equal(a->name, "潮阳县");
	assert_int_not_equal(a->last_year, 0);
	assert_true(ms_area_idcode_known("440524"));

	/* 6-digit province and city forms, and residence permits */
	assert_true(ms_area_idcode_known("440000"));
	assert_true(ms_area_idcode_known("440100"));
	assert_true(ms_area_idcode_known("440106"));
	assert_true(ms_area_idcode_known("441900"));
	assert_true(ms_area_idcode_known("810000"));
	assert_true(ms_area_idcode_known("820000"));
	assert_true(ms_area_idcode_known("830000"));

	/* every 6-digit code of the table is accepted, whatever its year */
	size_t hist = 0, cur;
	const ms_area *all;
	cur = ms_area_children("", MS_AREA_COUNTY, &all);
	for (size_t i = 0; i < cur; i++)
		assert_true(ms_area_idcode_known(all[i].code));
	char code[8];
	for (int i = 110000; i <= 829999; i++) {
		snprintf(code, sizeof code, "%06d", i);
		const ms_area *e = ms_area_find(code, 6);
		if (e && e->last_year) {
			hist++;
			assert_true(ms_area_idcode_known(code));
			assert_true(e->first_year >= 1980 && e->first_year <= e->last_year);
		}
	}
	assert_true(hist > 4000);
}

static void test_dongguan_zhongshan(void **state)
{
	(void)state;
	const ms_area *first;
	size_t n = ms_area_children("4419", MS_AREA_TOWNSHIP, &first);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(first[i].parent, "4419");
	n = ms_area_children("4420", MS_AREA_TOWNSHIP, &first);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(first[i].parent, "4420");
	/* the pseudo county stays as an entry */
	const ms_area *a = find("441900");
	assert_non_null(a);
	assert_string_equal(a->parent, "4419");
	/* elsewhere a township hangs off its county */
	n = ms_area_children("4403", MS_AREA_TOWNSHIP, &first);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_memory_equal(first[i].parent, first[i].code, 6);
}

static void test_full_name(void **state)
{
	(void)state;
	char buf[128];
	const ms_area *t = find("440106001");
	assert_non_null(t);
	size_t n = ms_area_full_name("440106001", 9, buf, sizeof buf);
	char want[128];
	snprintf(want, sizeof want, "广东省广州市天河区%s", t->name);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));

	ms_area_full_name("44", 2, buf, sizeof buf);
	assert_string_equal(buf, "广东省");
	/* placeholder city rows (市辖区) are left out */
	ms_area_full_name("110105", 6, buf, sizeof buf);
	assert_string_equal(buf, "北京市朝阳区");
	ms_area_full_name("110103", 6, buf, sizeof buf);
	assert_string_equal(buf, "北京市崇文区");
	ms_area_full_name("440524", 6, buf, sizeof buf);
	assert_string_equal(buf, "广东省汕头市潮阳县");
	/* 东莞: the city is said once, the township follows it */
	ms_area_full_name("441900", 6, buf, sizeof buf);
	assert_string_equal(buf, "广东省东莞市");
	ms_area_full_name("441900003", 9, buf, sizeof buf);
	assert_string_equal(buf, "广东省东莞市东城街道");

	/* unknown: empty */
	assert_int_equal(ms_area_full_name("111111", 6, buf, sizeof buf), 0);
	assert_string_equal(buf, "");

	/* truncation keeps whole characters and reports the length needed */
	char small[10];
	n = ms_area_full_name("440106", 6, small, sizeof small);
	assert_int_equal(n, strlen("广东省广州市天河区"));
	assert_string_equal(small, "广东省"); /* 9 bytes fit, the 10th is the NUL */
	char tiny[4];
	ms_area_full_name("440106", 6, tiny, sizeof tiny);
	assert_string_equal(tiny, "广");
	assert_int_equal(ms_area_full_name("440106", 6, NULL, 0), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_concurrent_first_use),
	    cmocka_unit_test(test_guangdong_counts),
	    cmocka_unit_test(test_children_order),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_historical),
	    cmocka_unit_test(test_dongguan_zhongshan),
	    cmocka_unit_test(test_full_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
