/* idnum.h — resident identity numbers (GB 11643-1999), the key that joins
 * every feed. A number is 6 digits of address code (the county that first
 * issued it; abolished codes stay valid), 8 of birth date, 3 of sequence
 * (odd last digit = male) and the ISO 7064 MOD 11-2 check character.
 * 15-digit legacy numbers (19xx births, no check) are upgraded to 18. */
#ifndef MS_MODEL_IDNUM_H
#define MS_MODEL_IDNUM_H

#include "base/date.h"

#include <stdbool.h>
#include <stddef.h>

#define MS_ID_LEN 18
#define MS_ID_STR 19 /* 18 characters and a NUL */

typedef enum {
	MS_ID_OK = 0,
	MS_ID_EMPTY,      /* nothing given */
	MS_ID_BAD_SHAPE,  /* not 18 chars (17 digits + digit/X) nor 15 digits */
	MS_ID_BAD_AREA,   /* address code never valid */
	MS_ID_BAD_DATE,   /* no such birth date */
	MS_ID_TOO_OLD,    /* born before 1800 */
	MS_ID_FUTURE,     /* born after today */
	MS_ID_BAD_CHECK,  /* check character wrong */
} ms_id_status;

/* Short reason in Chinese and English for a status. */
const char *ms_id_status_zh(ms_id_status st);
const char *ms_id_status_en(ms_id_status st);
/* Stable code for JSON: "ok", "empty", "shape", "area", "date", "too_old", "future",
 * "check". */
const char *ms_id_status_code(ms_id_status st);

/* Normalises raw input into out: trims blanks, folds full-width digits and
 * letters, lower-case x → X, and upgrades a 15-digit number to 18 (inserting
 * 19 and computing the check). Returns MS_ID_OK when the result is *shaped*
 * like a number (17 digits and a digit or X), else MS_ID_EMPTY or
 * MS_ID_BAD_SHAPE; out is then an empty string. Shape only: call
 * ms_id_validate for the rest. */
ms_id_status ms_id_normalize(const char *in, size_t len, char out[MS_ID_STR]);
/* Full validation of a normalised 18-character number against today:
 * address code known, birth date real, not before 1800, not after today,
 * check character. Reports the first failure in that order. */
ms_id_status ms_id_validate(const char id[MS_ID_STR], ms_date today);
/* Normalise then validate; out receives the normalised number. */
ms_id_status ms_id_check(const char *in, size_t len, ms_date today, char out[MS_ID_STR]);

/* The check character ('0'–'9' or 'X') for 17 digits. */
char ms_id_check_char(const char *first17);
/* Birth date and sex of a normalised number (sex: 1 male, 2 female). The
 * birth date is MS_DATE_NONE when the digits are not a real date. */
ms_date ms_id_birth(const char id[MS_ID_STR]);
int ms_id_sex(const char id[MS_ID_STR]);
/* Residence permits for Hong Kong, Macau and Taiwan residents. */
bool ms_id_is_residence_permit(const char id[MS_ID_STR]);

/* Masks a number for lists: 440106********123X (first 6 and last 4 kept). */
void ms_id_mask(const char id[MS_ID_STR], char out[MS_ID_STR]);

/* The valid numbers one edit away from a well-shaped but invalid number:
 * one character substituted (digit for digit, or the last for a digit/X) or
 * two adjacent characters swapped. Writes up to max of them into out, in
 * ascending order without repeats, and returns how many there are in all
 * (which may exceed max). */
size_t ms_id_corrections(const char id[MS_ID_STR], ms_date today, char (*out)[MS_ID_STR],
                         size_t max);

#endif
