/* testutil.h — what every cmocka test file includes. */
#ifndef MS_TESTUTIL_H
#define MS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/date.h"

/* A date from a literal, for readable tests. */
static inline ms_date T_DATE(const char *s)
{
	ms_date d = MS_DATE_NONE;
	if (ms_date_parse(s, strlen(s), &d) != 0)
		fail_msg("bad date literal in test: %s", s);
	return d;
}

#endif
