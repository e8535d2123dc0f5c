/* area.h — the statistics area codes (统计用区划代码) and their names.
 * The table (data/areas.tsv, built by scripts/build-areas from public data)
 * is linked into the program and indexed on first use. It holds:
 *   - every county-level (6-digit) code of the national standard GB/T 2260
 *     from 1980 to today, with the years it was in use — identity numbers
 *     keep the code of the county that first issued them, so an abolished
 *     code stays valid for them;
 *   - the 2023 provinces (2 digits), cities (4), counties (6), townships (9)
 *     and, for Guangdong at least, villages (12).
 * Codes are passed as digit strings of length 2, 4, 6, 9 or 12. Lookups are
 * thread-safe after ms_area_init. */
#ifndef MS_MODEL_AREA_H
#define MS_MODEL_AREA_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	MS_AREA_PROVINCE = 2,
	MS_AREA_CITY = 4,
	MS_AREA_COUNTY = 6,
	MS_AREA_TOWNSHIP = 9,
	MS_AREA_VILLAGE = 12
} ms_area_level;

typedef struct ms_area {
	const char *code;   /* NUL-terminated digits, 2/4/6/9/12 long */
	const char *name;   /* Chinese name, e.g. 天河区 */
	const char *parent; /* code of the level above, NULL for a province;
	                       townships of 东莞 and 中山 have the city (4419,
	                       4420) as parent */
	int level;          /* length of code */
	int first_year;     /* first year in use (county codes; 0 = unknown) */
	int last_year;      /* last year in use; 0 = still current */
} ms_area;

/* Indexes the linked-in table; safe to call more than once. */
ms_err ms_area_init(ms_error *err);
/* The entry for a code of any level, NULL when unknown. Not-current 6-digit
 * codes are found too (their last_year is set). */
const ms_area *ms_area_find(const char *code, size_t len);
/* True when a 6-digit code was ever a valid address code for an identity
 * number: a county-level (or city/province-level) code of any GB/T 2260
 * revision, or a residence-permit code 810000, 820000, 830000. */
bool ms_area_idcode_known(const char *code6);
/* The 9-digit township of a 12- or 9-digit code, as a pointer into the table,
 * or NULL when the township is not in the table. */
const ms_area *ms_area_township_of(const char *code, size_t len);
/* The full name from province down: "广东省广州市天河区石牌街道". Writes at most
 * cap bytes including the NUL; returns the length it needed. */
size_t ms_area_full_name(const char *code, size_t len, char *out, size_t cap);
/* Iterates the current entries of one level under a prefix ("44" and
 * MS_AREA_TOWNSHIP: every township of Guangdong), in code order. Returns the
 * number of entries and sets *first to the first one; entries of a level are
 * contiguous. */
size_t ms_area_children(const char *prefix, ms_area_level level, const ms_area **first);
/* Whether a code's digits make a known current area at its level. */
bool ms_area_valid(const char *code, size_t len);

#endif
