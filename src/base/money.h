/* money.h — amounts of money as integer fen (分), parsed and printed exactly.
 * No floating point touches money anywhere in minsheng. */
#ifndef MS_BASE_MONEY_H
#define MS_BASE_MONEY_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

typedef int64_t ms_money; /* fen */

/* Largest amount accepted: 10^13 yuan, far above any real value and far
 * below overflow when summed over a population. */
#define MS_MONEY_MAX_YUAN 10000000000000LL

/* Parses yuan: "1234", "1234.5", "1,234.56", "-12.30", with an optional
 * leading ¥/￥ and trailing 元, and blanks around. Thousands separators must
 * group by three. More than 2 decimals, stray characters or an amount above
 * the maximum give MS_ERR_INVALID. */
ms_err ms_money_parse(const char *s, size_t len, ms_money *out);
/* Writes "1234.56" (or "1,234.56" with thousands) and a NUL. */
#define MS_MONEY_STR 32
void ms_money_format(ms_money fen, int thousands, char out[MS_MONEY_STR]);

/* Parses a non-negative decimal with at most `scale` decimals into an
 * integer scaled by 10^scale ("86.5" at scale 2 → 8650); thousands
 * separators allowed as for money. */
ms_err ms_decimal_parse(const char *s, size_t len, int scale, int64_t *out);
/* Parses a whole number (optional sign, thousands separators allowed). */
ms_err ms_int_parse(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

#endif
