/* text.c — UTF-8 validation, trimming, full-width folding and NFC. */
#include "base/text.h"

#include "base/mem.h"

#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

bool ms_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		unsigned c = *s;
		if (c < 0x80) {
			s++;
			continue;
		}
		size_t n;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - s) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}

size_t ms_utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

size_t ms_text_trim(const char **sp, size_t len)
{
	const char *s = *sp;
	for (;;) {
		if (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
			s++;
			len--;
		} else if (len >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) {
			s += 3;
			len -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
		            s[len - 1] == '\n'))
			len--;
		else if (len >= 3 && memcmp(s + len - 3, "\xE3\x80\x80", 3) == 0)
			len -= 3;
		else
			break;
	}
	*sp = s;
	return len;
}

size_t ms_text_fold_fullwidth(char *str, size_t len)
{
	unsigned char *s = (unsigned char *)str;
	size_t r = 0, w = 0;
	while (r < len) {
		/* U+FF01..U+FF5E: EF BC 81..BF, EF BD 80..9E */
		if (r + 2 < len && s[r] == 0xEF && (s[r + 1] == 0xBC || s[r + 1] == 0xBD) &&
		    (s[r + 2] & 0xC0) == 0x80) {
			unsigned cp = 0xFF00u | ((unsigned)(s[r + 1] & 0x03) << 6) | (s[r + 2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				s[w++] = (unsigned char)(cp - 0xFF01 + 0x21);
				r += 3;
				continue;
			}
		}
		if (r + 2 < len && s[r] == 0xE3 && s[r + 1] == 0x80 && s[r + 2] == 0x80) {
			s[w++] = ' ';
			r += 3;
			continue;
		}
		s[w++] = s[r++];
	}
	return w;
}

bool ms_text_eq_ascii_ci(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s[i], b = lit[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

#define NFC_MAX_UNITS (1 << 20)

ms_err ms_text_nfc(const char *s, size_t len, ms_buf *out)
{
	size_t i = 0;
	while (i < len && (unsigned char)s[i] < 0x80)
		i++;
	if (i == len)
		return ms_buf_append(out, s, len);
	if (len > NFC_MAX_UNITS)
		return MS_ERR_TOO_LARGE;
	UErrorCode uerr = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&uerr);
	if (U_FAILURE(uerr))
		return MS_ERR_INTERNAL;
	UChar stackbuf[256];
	UChar *u = stackbuf;
	int32_t ulen = 0;
	if (len >= 256) {
		u = ms_malloc((len + 1) * sizeof(UChar));
		if (!u)
			return MS_ERR_NOMEM;
	}
	u_strFromUTF8(u, (int32_t)len + 1, &ulen, s, (int32_t)len, &uerr);
	if (U_FAILURE(uerr)) {
		if (u != stackbuf)
			ms_free(u);
		return MS_ERR_INVALID;
	}
	ms_err rc = MS_ERR_OK;
	if (unorm2_quickCheck(nfc, u, ulen, &uerr) == UNORM_YES && U_SUCCESS(uerr)) {
		rc = ms_buf_append(out, s, len);
	} else {
		uerr = U_ZERO_ERROR;
		int32_t cap = ulen * 3 + 16;
		UChar *norm = ms_malloc((size_t)cap * sizeof(UChar));
		if (!norm) {
			rc = MS_ERR_NOMEM;
		} else {
			int32_t nlen = unorm2_normalize(nfc, u, ulen, norm, cap, &uerr);
			if (U_FAILURE(uerr)) {
				rc = MS_ERR_INVALID;
			} else {
				int32_t blen = 0;
				uerr = U_ZERO_ERROR;
				u_strToUTF8(NULL, 0, &blen, norm, nlen, &uerr);
				uerr = U_ZERO_ERROR;
				rc = ms_buf_reserve(out, (size_t)blen);
				if (!rc) {
					u_strToUTF8(out->p + out->len, blen + 1, &blen, norm, nlen, &uerr);
					if (U_FAILURE(uerr)) {
						rc = MS_ERR_INVALID;
					} else {
						out->len += (size_t)blen;
						out->p[out->len] = '\0';
					}
				}
			}
			ms_free(norm);
		}
	}
	if (u != stackbuf)
		ms_free(u);
	return rc;
}
