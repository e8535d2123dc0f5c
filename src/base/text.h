/* text.h — UTF-8 text helpers: validation, trimming, folding of full-width
 * ASCII (０１２ → 012, Ｘ → X, the ideographic space → space), and Unicode
 * NFC normalisation through ICU. All text minsheng stores is NFC UTF-8. */
#ifndef MS_BASE_TEXT_H
#define MS_BASE_TEXT_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

bool ms_utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8. */
size_t ms_utf8_length(const char *s, size_t len);
/* Trims ASCII blanks and U+3000 from both ends; returns the new length and
 * moves *s. */
size_t ms_text_trim(const char **s, size_t len);
/* In place: full-width forms U+FF01–U+FF5E become their ASCII characters and
 * U+3000 a space. Returns the new length (never longer). */
size_t ms_text_fold_fullwidth(char *s, size_t len);
/* Appends the NFC form of valid UTF-8 to out. Text that is already NFC (all
 * ASCII, most Chinese) is copied without a round trip through UTF-16. */
ms_err ms_text_nfc(const char *s, size_t len, ms_buf *out);
/* Case-insensitive ASCII comparison of a counted string with a C string. */
bool ms_text_eq_ascii_ci(const char *s, size_t len, const char *lit);

#endif
