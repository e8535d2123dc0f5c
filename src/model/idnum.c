/* idnum.c — resident identity numbers (GB 11643-1999): normalising what
 * people type, validating in the order of SPEC §2.2, and listing the one-edit
 * corrections that import uses to repair mistyped numbers. */
#include "model/idnum.h"

#include "base/text.h"
#include "model/area.h"

#include <stdlib.h>
#include <string.h>

/* Longest raw input looked at after trimming: 18 full-width characters. */
#define ID_RAW_MAX (MS_ID_LEN * 3)

/* Most candidates one edit away: 17 × 9 digit substitutions, 10 for the
 * check character, 17 adjacent swaps. */
#define ID_EDITS_MAX (17 * 9 + 10 + 17)

static const struct {
	const char *code, *zh, *en;
} status_text[] = {
    [MS_ID_OK] = {"ok", "有效", "valid"},
    [MS_ID_EMPTY] = {"empty", "未填写身份证号", "no number given"},
    [MS_ID_BAD_SHAPE] = {"shape", "格式不符，应为18位（17位数字加数字或X）或15位数字",
                         "not shaped like an identity number: 18 characters, 17 digits then "
                         "a digit or X, or 15 digits"},
    [MS_ID_BAD_AREA] = {"area", "地址码不存在", "unknown address code"},
    [MS_ID_BAD_DATE] = {"date", "出生日期不存在", "no such birth date"},
    [MS_ID_TOO_OLD] = {"too_old", "出生日期早于1800年", "birth date before 1800"},
    [MS_ID_FUTURE] = {"future", "出生日期晚于今天", "birth date after today"},
    [MS_ID_BAD_CHECK] = {"check", "校验码错误", "wrong check character"},
};

static bool status_known(ms_id_status st)
{
	return (unsigned)st < sizeof status_text / sizeof status_text[0] && status_text[st].code;
}

const char *ms_id_status_zh(ms_id_status st)
{
	return status_known(st) ? status_text[st].zh : "?";
}
const char *ms_id_status_en(ms_id_status st)
{
	return status_known(st) ? status_text[st].en : "?";
}
const char *ms_id_status_code(ms_id_status st)
{
	return status_known(st) ? status_text[st].code : "unknown";
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* 17 digits then a digit or X, and nothing after. */
static bool shaped(const char *id)
{
	return strnlen(id, MS_ID_STR) == MS_ID_LEN && digits(id, 17) &&
	       (is_digit(id[17]) || id[17] == 'X');
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

char ms_id_check_char(const char *first17)
{
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (!is_digit(first17[i]))
			return '\0';
		sum += (first17[i] - '0') * weight[i];
	}
	return "10X98765432"[sum % 11];
}

ms_id_status ms_id_normalize(const char *in, size_t len, char out[MS_ID_STR])
{
	out[0] = '\0';
	if (!in)
		return MS_ID_EMPTY;
	len = ms_text_trim(&in, len);
	if (len == 0)
		return MS_ID_EMPTY;
	if (len > ID_RAW_MAX)
		return MS_ID_BAD_SHAPE;
	char s[ID_RAW_MAX + 1];
	memcpy(s, in, len);
	len = ms_text_fold_fullwidth(s, len);
	const char *t = s;
	len = ms_text_trim(&t, len);
	if (len != MS_ID_LEN && len != 15)
		return MS_ID_BAD_SHAPE;

	char id[MS_ID_STR];
	if (len == 15) {
		/* legacy: 6 address digits, YYMMDD of a 19xx birth, 3 sequence digits */
		if (!digits(t, 15))
			return MS_ID_BAD_SHAPE;
		memcpy(id, t, 6);
		id[6] = '1';
		id[7] = '9';
		memcpy(id + 8, t + 6, 9);
		id[17] = ms_id_check_char(id);
	} else {
		memcpy(id, t, MS_ID_LEN);
		if (id[17] == 'x')
			id[17] = 'X';
	}
	id[MS_ID_LEN] = '\0';
	if (!shaped(id))
		return MS_ID_BAD_SHAPE;
	memcpy(out, id, MS_ID_STR);
	return MS_ID_OK;
}

/* Year, month and day of the birth-date digits when they name a real day of
 * the proleptic Gregorian calendar (year 0 does not exist). */
static bool birth_ymd(const char *id, int *y, int *m, int *d)
{
	if (!digits(id + 6, 8))
		return false;
	*y = num(id + 6, 4);
	*m = num(id + 10, 2);
	*d = num(id + 12, 2);
	return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= ms_days_in_month(*y, *m);
}

ms_id_status ms_id_validate(const char id[MS_ID_STR], ms_date today)
{
	if (!id || !id[0])
		return MS_ID_EMPTY;
	if (!shaped(id))
		return MS_ID_BAD_SHAPE;
	if (!ms_area_idcode_known(id))
		return MS_ID_BAD_AREA;
	int y, m, d;
	if (!birth_ymd(id, &y, &m, &d))
		return MS_ID_BAD_DATE;
	if (y < MS_DATE_MIN_YEAR)
		return MS_ID_TOO_OLD;
	if (today != MS_DATE_NONE && ms_date_from_ymd(y, m, d) > today)
		return MS_ID_FUTURE;
	if (ms_id_check_char(id) != id[17])
		return MS_ID_BAD_CHECK;
	return MS_ID_OK;
}

ms_id_status ms_id_check(const char *in, size_t len, ms_date today, char out[MS_ID_STR])
{
	ms_id_status st = ms_id_normalize(in, len, out);
	return st != MS_ID_OK ? st : ms_id_validate(out, today);
}

ms_date ms_id_birth(const char id[MS_ID_STR])
{
	int y, m, d;
	if (!id || strnlen(id, MS_ID_STR) < 14 || !birth_ymd(id, &y, &m, &d))
		return MS_DATE_NONE;
	return ms_date_from_ymd(y, m, d);
}

int ms_id_sex(const char id[MS_ID_STR])
{
	if (!id || strnlen(id, MS_ID_STR) < 17 || !is_digit(id[16]))
		return 0;
	return (id[16] - '0') % 2 ? 1 : 2;
}

bool ms_id_is_residence_permit(const char id[MS_ID_STR])
{
	return id && strnlen(id, MS_ID_STR) >= 6 &&
	       (memcmp(id, "810000", 6) == 0 || memcmp(id, "820000", 6) == 0 ||
	        memcmp(id, "830000", 6) == 0);
}

void ms_id_mask(const char id[MS_ID_STR], char out[MS_ID_STR])
{
	if (!id || strnlen(id, MS_ID_STR) != MS_ID_LEN) {
		out[0] = '\0';
		return;
	}
	memcpy(out, id, 6);
	memset(out + 6, '*', 8);
	memcpy(out + 14, id + 14, 4);
	out[MS_ID_LEN] = '\0';
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, MS_ID_LEN);
}

size_t ms_id_corrections(const char id[MS_ID_STR], ms_date today, char (*out)[MS_ID_STR],
                         size_t max)
{
	if (!id || !shaped(id))
		return 0;
	char found[ID_EDITS_MAX][MS_ID_STR];
	size_t n = 0;
	char cand[MS_ID_STR];

	for (int pos = 0; pos < MS_ID_LEN; pos++) {
		static const char alphabet[] = "0123456789X";
		int choices = pos == 17 ? 11 : 10;
		for (int k = 0; k < choices; k++) {
			if (alphabet[k] == id[pos])
				continue;
			memcpy(cand, id, MS_ID_STR);
			cand[pos] = alphabet[k];
			if (ms_id_validate(cand, today) == MS_ID_OK)
				memcpy(found[n++], cand, MS_ID_STR);
		}
	}
	for (int pos = 0; pos + 1 < MS_ID_LEN; pos++) {
		if (id[pos] == id[pos + 1])
			continue;
		memcpy(cand, id, MS_ID_STR);
		cand[pos] = id[pos + 1];
		cand[pos + 1] = id[pos];
		if (ms_id_validate(cand, today) == MS_ID_OK)
			memcpy(found[n++], cand, MS_ID_STR);
	}

	qsort(found, n, sizeof found[0], id_cmp);
	size_t unique = 0;
	for (size_t i = 0; i < n; i++) {
		if (unique && memcmp(found[unique - 1], found[i], MS_ID_LEN) == 0)
			continue;
		if (unique != i)
			memcpy(found[unique], found[i], MS_ID_STR);
		unique++;
	}
	for (size_t i = 0; i < unique && i < max; i++)
		memcpy(out[i], found[i], MS_ID_STR);
	return unique;
}
