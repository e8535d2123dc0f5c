/* pinyin.h — the pinyin of names for search (people.h): "张伟" → "zhangwei"
 * and "zw". ICU's Han-Latin transliterator gives each character's reading
 * ("Han-Latin/Names" for the first character, the surname: 曾 zeng, 单
 * shan); a transliteration costs tens of microseconds, so readings are
 * cached per code point and indexing millions of names costs one call per
 * distinct character. One converter per thread (it holds ICU state). */
#ifndef MS_PEOPLE_PINYIN_H
#define MS_PEOPLE_PINYIN_H

#include "base/err.h"

#include <stddef.h>

typedef struct ms_pinyin ms_pinyin;

ms_err ms_pinyin_open(ms_pinyin **out, ms_error *err);
void ms_pinyin_close(ms_pinyin *p);

/* The pinyin of a name in lower-case a–z without tones or separators, and
 * its initials (the first letter of each character's reading; a run of
 * Latin letters counts as one word). Characters without a reading are
 * skipped. Outputs are cut to their capacity (NUL included). */
void ms_pinyin_name(ms_pinyin *p, const char *name, char *full, size_t full_cap, char *initials,
                    size_t initials_cap);

#endif
