/* test_idnum.c — identity numbers: DOMAIN's examples, normalisation of what
 * people type, the validation order of SPEC §2.2, and one-edit corrections.
 * Further vectors are made here with a check character computed independently
 * (weights as 2^(17−i) mod 11), never copied from elsewhere. */
#include "testutil.h"

#include "model/area.h"
#include "model/idnum.h"

#include <stdio.h>

static const ms_date TODAY = 20786; /* 2026-11-29 */

/* The check character the way ISO 7064 MOD 11-2 defines it. */
static char ref_check(const char *d17)
{
	int sum = 0, w = 1;
	for (int i = 16; i >= 0; i--) {
		w = w * 2 % 11; /* 2^(17−i) mod 11 */
		sum += (d17[i] - '0') * w;
	}
	int c = (12 - sum % 11) % 11;
	return c == 10 ? 'X' : (char)('0' + c);
}

/* A number from its parts with a correct check character. */
static void make_id(char out[MS_ID_STR], const char *area6, const char *birth8, const char *seq3)
{
	snprintf(out, MS_ID_STR, "%.6s%.8s%.3s?", area6, birth8, seq3);
	out[17] = ref_check(out);
}

static ms_id_status check(const char *s, char out[MS_ID_STR])
{
	return ms_id_check(s, strlen(s), TODAY, out);
}

static ms_id_status check_str(const char *s)
{
	char out[MS_ID_STR];
	return check(s, out);
}

static void test_domain_examples(void **state)
{
	(void)state;
	assert_int_equal(TODAY, T_DATE("2026-11-29"));
	const char *valid[] = {"11010519491231002X", "440524188001010014", "440308199901101512",
	                       "810000199408230021"};
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		char out[MS_ID_STR];
		assert_int_equal(check(valid[i], out), MS_ID_OK);
		assert_string_equal(out, valid[i]);
		assert_int_equal(ms_id_check_char(valid[i]), valid[i][17]);
		assert_int_equal(ref_check(valid[i]), valid[i][17]);
	}
	assert_int_equal(check_str("440308199901101513"), MS_ID_BAD_CHECK);
	assert_int_equal(check_str("440308199902301512"), MS_ID_BAD_DATE);
	assert_int_equal(check_str("111111199901101512"), MS_ID_BAD_AREA);
}

static void test_check_char_agrees(void **state)
{
	(void)state;
	/* a spread of 17-digit prefixes: both formulations must agree */
	unsigned long x = 12345;
	char d17[18];
	for (int n = 0; n < 20000; n++) {
		for (int i = 0; i < 17; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			d17[i] = (char)('0' + (x >> 33) % 10);
		}
		d17[17] = '\0';
		assert_int_equal(ms_id_check_char(d17), ref_check(d17));
	}
	assert_int_equal(ms_id_check_char("1101051949123100"), '\0'); /* too short */
}

static void test_dates(void **state)
{
	(void)state;
	char id[MS_ID_STR];
	make_id(id, "440106", "20000229", "123");
	assert_int_equal(check_str(id), MS_ID_OK);
	assert_int_equal(ms_id_birth(id), T_DATE("2000-02-29"));
	make_id(id, "440106", "19000229", "123");
	assert_int_equal(check_str(id), MS_ID_BAD_DATE);
	assert_int_equal(ms_id_birth(id), MS_DATE_NONE);
	make_id(id, "440106", "20230229", "123");
	assert_int_equal(check_str(id), MS_ID_BAD_DATE);
	make_id(id, "440106", "20240229", "123");
	assert_int_equal(check_str(id), MS_ID_OK);
	make_id(id, "440106", "19991301", "123");
	assert_int_equal(check_str(id), MS_ID_BAD_DATE);
	make_id(id, "440106", "19990100", "123");
	assert_int_equal(check_str(id), MS_ID_BAD_DATE);
	make_id(id, "440106", "00000101", "123");
	assert_int_equal(check_str(id), MS_ID_BAD_DATE);

	/* before 1800 */
	make_id(id, "440524", "17991231", "001");
	assert_int_equal(check_str(id), MS_ID_TOO_OLD);
	make_id(id, "440524", "18000101", "001");
	assert_int_equal(check_str(id), MS_ID_OK);

	/* after today, relative to the day passed in */
	make_id(id, "440308", "20261130", "151");
	assert_int_equal(ms_id_validate(id, TODAY), MS_ID_FUTURE);
	assert_int_equal(ms_id_validate(id, TODAY + 1), MS_ID_OK);
	assert_int_equal(ms_id_validate("440308199901101512", T_DATE("1999-01-09")), MS_ID_FUTURE);
	assert_int_equal(ms_id_validate("440308199901101512", T_DATE("1999-01-10")), MS_ID_OK);
}

static void test_order(void **state)
{
	(void)state;
	char id[MS_ID_STR];
	/* each failure hides the ones after it: area, date, too old, future, check */
	make_id(id, "111111", "19990230", "151");
	assert_int_equal(check_str(id), MS_ID_BAD_AREA);
	snprintf(id, sizeof id, "%s", "440308199902301513");
	assert_int_equal(check_str(id), MS_ID_BAD_DATE);
	snprintf(id, sizeof id, "%s", "440308179901101513");
	assert_int_equal(check_str(id), MS_ID_TOO_OLD);
	snprintf(id, sizeof id, "%s", "440308209901101513");
	assert_int_equal(check_str(id), MS_ID_FUTURE);
}

static void test_normalize(void **state)
{
	(void)state;
	char out[MS_ID_STR];
	assert_int_equal(check("11010519491231002x", out), MS_ID_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(check("  440308199901101512\t\r\n", out), MS_ID_OK);
	assert_string_equal(out, "440308199901101512");
	/* full-width digits and X, ideographic spaces around */
	assert_int_equal(check("\u3000４４０３０８１９９９０１１０１５１２\u3000", out), MS_ID_OK);
	assert_string_equal(out, "440308199901101512");
	assert_int_equal(check("１１０１０５１９４９１２３１００２Ｘ", out), MS_ID_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(check("１１０１０５１９４９１２３１００２ｘ", out), MS_ID_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(check("4403081999０1101512", out), MS_ID_OK); /* mixed */

	/* 15 digits: 19 inserted after the address code, check computed */
	assert_int_equal(check("440308990110151", out), MS_ID_OK);
	assert_string_equal(out, "440308199901101512");
	assert_int_equal(ms_id_normalize("110105491231002", 15, out), MS_ID_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(check("４４０３０８９９０１１０１５１", out), MS_ID_OK);
	assert_int_equal(check("440308990230151", out), MS_ID_BAD_DATE);
	assert_memory_equal(out, "44030819990230151", 17);
	assert_int_equal(out[17], ref_check(out));

	/* shapes */
	const char *empty[] = {"", "   ", "\u3000", "\t\n"};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		assert_int_equal(check(empty[i], out), MS_ID_EMPTY);
		assert_string_equal(out, "");
	}
	assert_int_equal(ms_id_normalize(NULL, 0, out), MS_ID_EMPTY);
	const char *bad[] = {"44030819990110151",
	                     "4403081999011015121",
	                     "44030819990110151Y",
	                     "4403081999011015X2",
	                     "X40308199901101512",
	                     "44030899011015X",
	                     "44030899011015",
	                     "4403089901101512",
	                     "440308 199901101512",
	                     "４４０３０８１９９９０１１０１５１２３",
	                     "广东省广州市天河区石牌街道",
	                     "11010519491231002xx",
	                     "-44030819990110151"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(check(bad[i], out), MS_ID_BAD_SHAPE);
		assert_string_equal(out, "");
	}
	char longer[300];
	memset(longer, '1', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(check(longer, out), MS_ID_BAD_SHAPE);
	/* the length given counts, not the NUL */
	assert_int_equal(ms_id_normalize("440308199901101512999", 18, out), MS_ID_OK);
	assert_string_equal(out, "440308199901101512");

	/* validate refuses what is not normalised */
	assert_int_equal(ms_id_validate("11010519491231002x", TODAY), MS_ID_BAD_SHAPE);
	char none[MS_ID_STR] = "";
	assert_int_equal(ms_id_validate(none, TODAY), MS_ID_EMPTY);
}

static void test_fields(void **state)
{
	(void)state;
	assert_int_equal(ms_id_sex("440308199901101512"), 1);
	assert_int_equal(ms_id_sex("11010519491231002X"), 2);
	assert_int_equal(ms_id_birth("11010519491231002X"), T_DATE("1949-12-31"));
	assert_int_equal(ms_id_birth("440524188001010014"), T_DATE("1880-01-01"));
	assert_true(ms_id_is_residence_permit("810000199408230021"));
	assert_true(ms_id_is_residence_permit("820000199408230021"));
	assert_true(ms_id_is_residence_permit("830000199408230021"));
	assert_false(ms_id_is_residence_permit("440308199901101512"));
	char shortid[MS_ID_STR] = "81";
	assert_false(ms_id_is_residence_permit(shortid));

	char id[MS_ID_STR];
	make_id(id, "820000", "19940823", "002");
	assert_int_equal(check_str(id), MS_ID_OK);
	make_id(id, "830000", "19940823", "002");
	assert_int_equal(check_str(id), MS_ID_OK);
	/* historical codes, and the 6-digit forms of provinces and cities */
	make_id(id, "110103", "19700101", "001");
	assert_int_equal(check_str(id), MS_ID_OK);
	make_id(id, "440100", "19700101", "001");
	assert_int_equal(check_str(id), MS_ID_OK);
	make_id(id, "440000", "19700101", "001");
	assert_int_equal(check_str(id), MS_ID_OK);

	char m[MS_ID_STR];
	ms_id_mask("440308199901101512", m);
	assert_string_equal(m, "440308********1512");
	ms_id_mask("11010519491231002X", m);
	assert_string_equal(m, "110105********002X");
	char four[MS_ID_STR] = "4403";
	ms_id_mask(four, m);
	assert_string_equal(m, "");

	for (int st = MS_ID_OK; st <= MS_ID_BAD_CHECK; st++) {
		assert_true(strlen(ms_id_status_zh((ms_id_status)st)) > 0);
		assert_true(strlen(ms_id_status_en((ms_id_status)st)) > 0);
		assert_true(strlen(ms_id_status_code((ms_id_status)st)) > 0);
	}
	assert_string_equal(ms_id_status_code(MS_ID_OK), "ok");
	assert_string_equal(ms_id_status_code(MS_ID_BAD_SHAPE), "shape");
	assert_string_equal(ms_id_status_code(MS_ID_BAD_AREA), "area");
	assert_string_equal(ms_id_status_code(MS_ID_BAD_DATE), "date");
	assert_string_equal(ms_id_status_code(MS_ID_TOO_OLD), "too_old");
	assert_string_equal(ms_id_status_code(MS_ID_FUTURE), "future");
	assert_string_equal(ms_id_status_code(MS_ID_BAD_CHECK), "check");
}

static bool among(char (*list)[MS_ID_STR], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

static void assert_corrections_sane(char (*list)[MS_ID_STR], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ms_id_validate(list[i], TODAY), MS_ID_OK);
		if (i)
			assert_true(strcmp(list[i - 1], list[i]) < 0);
	}
}

static void test_corrections(void **state)
{
	(void)state;
	char list[200][MS_ID_STR];
	char none[MS_ID_STR] = "";
	const char *valid[] = {"11010519491231002X", "440524188001010014", "440308199901101512",
	                       "810000199408230021"};
	for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
		const char *good = valid[v];
		/* every single substitution has the original among its corrections */
		for (int pos = 0; pos < MS_ID_LEN; pos++) {
			const char *alphabet = pos == 17 ? "0123456789X" : "0123456789";
			for (const char *c = alphabet; *c; c++) {
				if (*c == good[pos])
					continue;
				char bad[MS_ID_STR];
				memcpy(bad, good, MS_ID_STR);
				bad[pos] = *c;
				if (ms_id_validate(bad, TODAY) == MS_ID_OK)
					continue; /* cannot happen for MOD 11-2, but say so below */
				size_t n = ms_id_corrections(bad, TODAY, list, 200);
				assert_true(n >= 1 && n <= 200);
				assert_true(among(list, n, good));
				assert_corrections_sane(list, n);
			}
		}
		/* and so does every adjacent transposition */
		for (int pos = 0; pos + 1 < MS_ID_LEN; pos++) {
			if (good[pos] == good[pos + 1])
				continue;
			char bad[MS_ID_STR];
			memcpy(bad, good, MS_ID_STR);
			bad[pos] = good[pos + 1];
			bad[pos + 1] = good[pos];
			if (bad[16] == 'X')
				continue; /* not even shaped */
			assert_int_not_equal(ms_id_validate(bad, TODAY), MS_ID_OK);
			size_t n = ms_id_corrections(bad, TODAY, list, 200);
			assert_true(among(list, n, good));
			assert_corrections_sane(list, n);
		}
	}

	/* max limits what is written, not what is counted */
	size_t all = ms_id_corrections("440308199901101513", TODAY, list, 200);
	assert_true(all > 2);
	char few[2][MS_ID_STR];
	assert_int_equal(ms_id_corrections("440308199901101513", TODAY, few, 2), all);
	assert_string_equal(few[0], list[0]);
	assert_string_equal(few[1], list[1]);
	assert_int_equal(ms_id_corrections("440308199901101513", TODAY, NULL, 0), all);
	/* the check-character fix itself is one of them */
	assert_true(among(list, all, "440308199901101512"));

	/* a month typed as 21: the fix must be a real date and keep the check */
	assert_int_equal(check_str("440308199921101512"), MS_ID_BAD_DATE);
	size_t n = ms_id_corrections("440308199921101512", TODAY, list, 200);
	assert_true(among(list, n, "440308199901101512"));
	assert_corrections_sane(list, n);
	/* DOMAIN's 30 February differs from a valid number in two digits: no single
	 * edit repairs both the date and the check */
	assert_int_equal(ms_id_corrections("440308199902301512", TODAY, list, 200), 0);

	/* a transposition and a substitution giving the same number count once */
	n = ms_id_corrections("440308199901105112", TODAY, list, 200);
	assert_true(among(list, n, "440308199901101512"));
	assert_corrections_sane(list, n);

	/* not shaped: nothing to correct */
	char partial[MS_ID_STR] = "4403081999011015";
	assert_int_equal(ms_id_corrections(partial, TODAY, list, 200), 0);
	assert_int_equal(ms_id_corrections(none, TODAY, list, 200), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_domain_examples), cmocka_unit_test(test_check_char_agrees),
	    cmocka_unit_test(test_dates),           cmocka_unit_test(test_order),
	    cmocka_unit_test(test_normalize),       cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_corrections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
