/* fuzz_date.c — dates and months as department files write them
 * (src/base/date.c): 2023-05-01, 2023/5/1, 20230501, 2023年5月1日, Excel
 * serials, a time of day after them. Invariants: a parsed date lies within
 * 1800–9999, is a real day, and formats to a text that parses back to it;
 * day numbers and year/month/day convert both ways; months likewise. */
#include "fuzz.h"

#include "base/date.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256)
		return 0;
	char *s = malloc(size ? size : 1);
	FUZZ_ASSERT(s != NULL);
	memcpy(s, data, size);
	ms_date d = 0;
	if (ms_date_parse(s, size, &d) == MS_ERR_OK) {
		int y, m, dd;
		ms_date_to_ymd(d, &y, &m, &dd);
		FUZZ_ASSERT(y >= MS_DATE_MIN_YEAR && y <= MS_DATE_MAX_YEAR);
		FUZZ_ASSERT(ms_date_valid_ymd(y, m, dd));
		FUZZ_ASSERT(ms_date_from_ymd(y, m, dd) == d);
		char txt[MS_DATE_STR];
		ms_date_format(d, txt);
		ms_date back = 0;
		FUZZ_ASSERT(ms_date_parse(txt, strlen(txt), &back) == MS_ERR_OK && back == d);
		int wd = ms_date_weekday(d);
		FUZZ_ASSERT(wd >= 1 && wd <= 7);
		FUZZ_ASSERT(ms_age_years(d, d) == 0);
		ms_month mo = ms_month_of(d);
		char mt[8];
		ms_month_format(mo, mt);
		ms_month mb = 0;
		FUZZ_ASSERT(ms_month_parse(mt, strlen(mt), &mb) == MS_ERR_OK && mb == mo);
	}
	ms_month mo = 0;
	if (ms_month_parse(s, size, &mo) == MS_ERR_OK) {
		char mt[8];
		ms_month_format(mo, mt);
		ms_month mb = 0;
		FUZZ_ASSERT(ms_month_parse(mt, strlen(mt), &mb) == MS_ERR_OK && mb == mo);
	}
	/* serials: the first bytes as a number */
	if (size >= 4) {
		long serial = (long)((uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
		                     (uint32_t)data[3] << 24) - 0x7fffffffL;
		ms_date e = 0;
		if (ms_date_from_excel_serial(serial, &e) == MS_ERR_OK) {
			int y, m, dd;
			ms_date_to_ymd(e, &y, &m, &dd);
			FUZZ_ASSERT(ms_date_valid_ymd(y, m, dd));
		}
	}
	free(s);
	return 0;
}
