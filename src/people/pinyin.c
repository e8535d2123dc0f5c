/* pinyin.c — names to pinyin through ICU, cached per code point (pinyin.h). */
#include "people/pinyin.h"

#include "base/mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>

/* A reading: the longest pinyin syllable has 6 letters (zhuang); Latin-ASCII
 * of other scripts may give more, which is cut. */
#define READING_MAX 15

typedef struct slot {
	uint32_t key; /* code point, bit 31 set for a surname reading; 0 = empty */
	char py[READING_MAX + 1];
} slot;

struct ms_pinyin {
	UTransliterator *plain, *surname;
	slot *tab;
	size_t cap, used; /* cap is a power of two */
};

static UTransliterator *open_trans(const char *id, ms_error *err)
{
	UChar uid[64];
	u_uastrncpy(uid, id, (int32_t)(sizeof uid / sizeof uid[0]));
	UErrorCode e = U_ZERO_ERROR;
	UTransliterator *t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
	if (U_FAILURE(e)) {
		ms_error_set(err, MS_ERR_INTERNAL,
		             "无法打开拼音转换 %s (cannot open the ICU transliterator %s): %s", id,
		             id, u_errorName(e));
		return NULL;
	}
	return t;
}

ms_err ms_pinyin_open(ms_pinyin **out, ms_error *err)
{
	*out = NULL;
	ms_pinyin *p = ms_calloc(1, sizeof *p);
	if (!p)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	p->cap = 4096;
	p->tab = ms_calloc(p->cap, sizeof *p->tab);
	if (!p->tab) {
		ms_free(p);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	/* Latin-ASCII drops the tone marks (zhāng → zhang, lǜ → lu) */
	p->plain = open_trans("Han-Latin; Latin-ASCII", err);
	p->surname = p->plain ? open_trans("Han-Latin/Names; Latin-ASCII", err) : NULL;
	if (!p->surname) {
		ms_pinyin_close(p);
		return err ? err->code : MS_ERR_INTERNAL;
	}
	*out = p;
	return MS_ERR_OK;
}

void ms_pinyin_close(ms_pinyin *p)
{
	if (!p)
		return;
	if (p->plain)
		utrans_close(p->plain);
	if (p->surname)
		utrans_close(p->surname);
	ms_free(p->tab);
	ms_free(p);
}

static size_t hash(uint32_t k)
{
	return (size_t)(k * 2654435761u);
}

static slot *find(ms_pinyin *p, uint32_t key)
{
	size_t mask = p->cap - 1;
	for (size_t i = hash(key) & mask;; i = (i + 1) & mask)
		if (p->tab[i].key == key || p->tab[i].key == 0)
			return &p->tab[i];
}

/* Doubles the table; false when out of memory (the cache then stops
 * growing and readings are computed each time). */
static bool grow(ms_pinyin *p)
{
	slot *old = p->tab;
	size_t ocap = p->cap;
	slot *tab = ms_calloc(ocap * 2, sizeof *tab);
	if (!tab)
		return false;
	p->tab = tab;
	p->cap = ocap * 2;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*find(p, old[i].key) = old[i];
	ms_free(old);
	return true;
}

/* The reading of one code point: lower-case letters only. */
static void transliterate(UTransliterator *t, UChar32 cp, char out[READING_MAX + 1])
{
	UChar buf[64];
	int32_t len = 0;
	bool bad = false;
	U16_APPEND(buf, len, (int32_t)(sizeof buf / sizeof buf[0]), cp, bad);
	out[0] = '\0';
	if (bad)
		return;
	int32_t limit = len;
	UErrorCode e = U_ZERO_ERROR;
	utrans_transUChars(t, buf, &len, (int32_t)(sizeof buf / sizeof buf[0]), 0, &limit, &e);
	if (U_FAILURE(e))
		return;
	size_t n = 0;
	for (int32_t i = 0; i < len && n < READING_MAX; i++) {
		UChar c = buf[i];
		if (c >= 'A' && c <= 'Z')
			out[n++] = (char)(c - 'A' + 'a');
		else if (c >= 'a' && c <= 'z')
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

static const char *reading(ms_pinyin *p, UChar32 cp, bool surname)
{
	static _Thread_local char scratch[READING_MAX + 1];
	uint32_t key = (uint32_t)cp | (surname ? 0x80000000u : 0);
	slot *sl = find(p, key);
	if (sl->key == key)
		return sl->py;
	if ((p->used + 1) * 2 > p->cap && grow(p))
		sl = find(p, key);
	if ((p->used + 1) * 2 > p->cap) {
		transliterate(surname ? p->surname : p->plain, cp, scratch);
		return scratch;
	}
	transliterate(surname ? p->surname : p->plain, cp, sl->py);
	sl->key = key;
	p->used++;
	return sl->py;
}

static void put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	for (size_t i = 0; i < len && *n + 1 < cap; i++)
		out[(*n)++] = s[i];
	if (cap)
		out[*n] = '\0';
}

void ms_pinyin_name(ms_pinyin *p, const char *name, char *full, size_t full_cap, char *initials,
                    size_t initials_cap)
{
	size_t fn = 0, in = 0;
	if (full_cap)
		full[0] = '\0';
	if (initials_cap)
		initials[0] = '\0';
	if (!name)
		return;
	int32_t len = (int32_t)strnlen(name, 1024);
	int32_t i = 0;
	bool first_han = true, in_word = false;
	while (i < len) {
		UChar32 cp;
		U8_NEXT(name, i, len, cp);
		if (cp < 0) {
			in_word = false;
			continue;
		}
		if (cp < 0x80) {
			char c = (char)cp;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c >= 'a' && c <= 'z') {
				put(full, full_cap, &fn, &c, 1);
				if (!in_word)
					put(initials, initials_cap, &in, &c, 1);
				in_word = true;
			} else {
				in_word = false;
			}
			continue;
		}
		in_word = false;
		const char *r = reading(p, cp, first_han);
		first_han = false;
		size_t rn = strlen(r);
		if (!rn)
			continue;
		put(full, full_cap, &fn, r, rn);
		put(initials, initials_cap, &in, r, 1);
	}
}
