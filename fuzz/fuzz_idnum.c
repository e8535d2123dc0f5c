/* fuzz_idnum.c — identity numbers (src/model/idnum.c): normalisation of raw
 * input (blanks, full-width forms, 15-digit upgrade), validation against
 * today, corrections one edit away, masking, birth date and sex.
 * Invariants: normalising is idempotent, a valid number has the check
 * character ms_id_check_char computes, every correction offered is valid
 * and differs from the input, a mask keeps the first 6 and last 4. */
#include "fuzz.h"

#include "model/idnum.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256)
		return 0;
	char *in = malloc(size ? size : 1);
	FUZZ_ASSERT(in != NULL);
	memcpy(in, data, size);
	ms_date today = ms_date_from_ymd(2026, 11, 29);
	char out[MS_ID_STR], again[MS_ID_STR];
	ms_id_status st = ms_id_normalize(in, size, out);
	FUZZ_ASSERT(st == MS_ID_OK || st == MS_ID_EMPTY || st == MS_ID_BAD_SHAPE);
	FUZZ_ASSERT(ms_id_status_code(st) && ms_id_status_zh(st) && ms_id_status_en(st));
	if (st != MS_ID_OK) {
		FUZZ_ASSERT(out[0] == 0);
	} else {
		FUZZ_ASSERT(strlen(out) == MS_ID_LEN);
		FUZZ_ASSERT(ms_id_normalize(out, strlen(out), again) == MS_ID_OK);
		FUZZ_ASSERT(!strcmp(out, again));
		ms_id_status v = ms_id_validate(out, today);
		ms_id_status c = ms_id_check(in, size, today, again);
		FUZZ_ASSERT(v == c && !strcmp(out, again));
		if (v == MS_ID_OK) {
			FUZZ_ASSERT(ms_id_check_char(out) == out[17]);
			ms_date b = ms_id_birth(out);
			FUZZ_ASSERT(b != MS_DATE_NONE && b <= today);
			int sex = ms_id_sex(out);
			FUZZ_ASSERT(sex == 1 || sex == 2);
		}
		char mask[MS_ID_STR];
		ms_id_mask(out, mask);
		FUZZ_ASSERT(strlen(mask) == MS_ID_LEN);
		FUZZ_ASSERT(!memcmp(mask, out, 6) && !memcmp(mask + 14, out + 14, 4));
		(void)ms_id_is_residence_permit(out);
		if (v != MS_ID_OK) {
			char fix[8][MS_ID_STR];
			size_t n = ms_id_corrections(out, today, fix, 8);
			for (size_t i = 0; i < n && i < 8; i++) {
				FUZZ_ASSERT(ms_id_validate(fix[i], today) == MS_ID_OK);
				FUZZ_ASSERT(strcmp(fix[i], out) != 0);
				if (i)
					FUZZ_ASSERT(strcmp(fix[i - 1], fix[i]) < 0);
			}
		}
	}
	free(in);
	return 0;
}
