/* money.c — exact decimal parsing for amounts, areas and counts. */
#include "base/money.h"

#include <stdbool.h>
#include <string.h>

static void trim_blank(const char **s, size_t *len)
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

static bool strip_prefix(const char **s, size_t *len, const char *pre)
{
	size_t n = strlen(pre);
	if (*len >= n && memcmp(*s, pre, n) == 0) {
		*s += n;
		*len -= n;
		return true;
	}
	return false;
}

static bool strip_suffix(const char **s, size_t *len, const char *suf)
{
	size_t n = strlen(suf);
	if (*len >= n && memcmp(*s + *len - n, suf, n) == 0) {
		*len -= n;
		return true;
	}
	return false;
}

/* digits with optional thousands grouping, then optional .decimals */
static ms_err parse_scaled(const char *s, size_t len, int scale, bool allow_sign, int64_t limit,
                           int64_t *out)
{
	trim_blank(&s, &len);
	bool neg = false;
	if (allow_sign && len && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
		len--;
	}
	if (len == 0 || len > 40)
		return MS_ERR_INVALID;
	int64_t whole = 0;
	size_t i = 0;
	int group = -1; /* digits since the last comma; -1 before any comma */
	int lead = 0;   /* digits before the first comma */
	bool any = false;
	for (; i < len && s[i] != '.'; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (whole > (INT64_MAX - 9) / 10)
				return MS_ERR_INVALID;
			whole = whole * 10 + (c - '0');
			any = true;
			if (group >= 0)
				group++;
			else
				lead++;
		} else if (c == ',') {
			if (!any || (group >= 0 && group != 3) || (group < 0 && lead > 3))
				return MS_ERR_INVALID;
			group = 0;
		} else {
			return MS_ERR_INVALID;
		}
	}
	if (!any || (group >= 0 && group != 3))
		return MS_ERR_INVALID;
	int64_t frac = 0;
	int fd = 0;
	if (i < len) {
		i++; /* the point */
		if (i == len)
			return MS_ERR_INVALID;
		for (; i < len; i++) {
			char c = s[i];
			if (c < '0' || c > '9' || fd == scale)
				return MS_ERR_INVALID;
			frac = frac * 10 + (c - '0');
			fd++;
		}
	}
	for (; fd < scale; fd++)
		frac *= 10;
	int64_t mul = 1;
	for (int k = 0; k < scale; k++)
		mul *= 10;
	if (whole > limit)
		return MS_ERR_INVALID;
	int64_t v = whole * mul + frac;
	*out = neg ? -v : v;
	return MS_ERR_OK;
}

ms_err ms_money_parse(const char *s, size_t len, ms_money *out)
{
	trim_blank(&s, &len);
	if (!strip_prefix(&s, &len, "¥"))
		strip_prefix(&s, &len, "￥");
	strip_suffix(&s, &len, "元");
	return parse_scaled(s, len, 2, true, MS_MONEY_MAX_YUAN, out);
}

ms_err ms_decimal_parse(const char *s, size_t len, int scale, int64_t *out)
{
	if (scale < 0 || scale > 6)
		return MS_ERR_INVALID;
	return parse_scaled(s, len, scale, false, 1000000000000LL, out);
}

ms_err ms_int_parse(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	int64_t v;
	ms_err rc = parse_scaled(s, len, 0, true, INT64_MAX / 10, &v);
	if (rc)
		return rc;
	if (v < min || v > max)
		return MS_ERR_INVALID;
	*out = v;
	return MS_ERR_OK;
}

void ms_money_format(ms_money fen, int thousands, char out[MS_MONEY_STR])
{
	char digits[24];
	int n = 0;
	bool neg = fen < 0;
	/* work in unsigned to handle INT64_MIN */
	uint64_t v = neg ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	uint64_t whole = v / 100, cents = v % 100;
	do {
		digits[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);
	size_t o = 0;
	if (neg)
		out[o++] = '-';
	for (int i = n - 1; i >= 0; i--) {
		out[o++] = digits[i];
		if (thousands && i > 0 && i % 3 == 0)
			out[o++] = ',';
	}
	out[o++] = '.';
	out[o++] = (char)('0' + cents / 10);
	out[o++] = (char)('0' + cents % 10);
	out[o] = '\0';
}
