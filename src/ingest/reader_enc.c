/* reader_enc.c — where the text readers' bytes come from and how they become
 * UTF-8: the encoding is decided once from the first 64 KiB (BOM, else valid
 * UTF-8, else GB18030), and anything else is converted by ICU into the window. */
#include "ingest/reader_impl.h"

#include "base/mem.h"
#include "base/text.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <unicode/uchar.h>
#include <unicode/ucnv_cb.h>
#include <unicode/unorm2.h>

const char *ms_rd_enc_name(ms_rd_enc e)
{
	switch (e) {
	case MS_RD_GB18030:
		return "GB18030";
	case MS_RD_UTF16LE:
		return "UTF-16LE";
	case MS_RD_UTF16BE:
		return "UTF-16BE";
	case MS_RD_UTF8:
		break;
	}
	return "UTF-8";
}

/* Up to n bytes from the source into dst; 0 only at the end. */
static ms_err source_read(ms_reader *r, void *dst, size_t n, size_t *got, ms_error *err)
{
	*got = 0;
	if (r->src_eof || n == 0)
		return MS_ERR_OK;
	if (r->mem) {
		size_t k = r->mem_len - r->mem_pos;
		if (k > n)
			k = n;
		memcpy(dst, r->mem + r->mem_pos, k);
		r->mem_pos += k;
		*got = k;
	} else {
		ssize_t k;
		do
			k = read(r->fd, dst, n);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			return ms_error_set(err, MS_ERR_IO, "%s: 读取失败 (read failed): %s",
			                    r->name, strerror(errno));
		*got = (size_t)k;
	}
	if (*got == 0)
		r->src_eof = true;
	r->read_bytes += *got;
	return MS_ERR_OK;
}

ms_err ms_rd_read_sample(ms_reader *r, ms_error *err)
{
	r->raw = ms_malloc(MS_RD_SAMPLE);
	if (!r->raw)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	while (r->raw_len < MS_RD_SAMPLE && !r->src_eof) {
		size_t got;
		ms_err rc =
		    source_read(r, r->raw + r->raw_len, MS_RD_SAMPLE - r->raw_len, &got, err);
		if (rc)
			return rc;
		r->raw_len += got;
	}
	return MS_ERR_OK;
}

/* A sample cut at 64 KiB may end inside a character: leave that tail out. */
static size_t complete_prefix(const unsigned char *s, size_t n)
{
	for (size_t back = 1; back <= 3 && back <= n; back++) {
		unsigned c = s[n - back];
		if ((c & 0xC0) == 0x80)
			continue;
		size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		return need > back ? n - back : n;
	}
	return n;
}

static ms_rd_enc detect(const unsigned char *s, size_t n, bool whole, size_t *bom)
{
	*bom = 0;
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		*bom = 3;
		return MS_RD_UTF8;
	}
	if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
		*bom = 2;
		return MS_RD_UTF16LE;
	}
	if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
		*bom = 2;
		return MS_RD_UTF16BE;
	}
	/* UTF-16 without a BOM: ASCII delimiters and digits leave zero bytes on
	 * one side of every pair. */
	size_t m = n < 4096 ? n : 4096, zeven = 0, zodd = 0;
	for (size_t i = 0; i + 1 < m; i += 2) {
		zeven += s[i] == 0;
		zodd += s[i + 1] == 0;
	}
	if (m >= 8 && zodd * 4 >= m / 2 && zeven * 8 < zodd)
		return MS_RD_UTF16LE;
	if (m >= 8 && zeven * 4 >= m / 2 && zodd * 8 < zeven)
		return MS_RD_UTF16BE;
	if (ms_utf8_valid((const char *)s, whole ? n : complete_prefix(s, n)))
		return MS_RD_UTF8;
	return MS_RD_GB18030;
}

/* Bytes that are not text in the source encoding become U+FFFD, which the
 * field check then reports as a problem of the row they are in. */
static void to_u_replace(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                         int32_t len, UConverterCallbackReason reason, UErrorCode *uerr)
{
	(void)ctx;
	(void)units;
	(void)len;
	if (reason > UCNV_IRREGULAR)
		return;
	static const UChar rep = 0xFFFD;
	*uerr = U_ZERO_ERROR;
	ucnv_cbToUWriteUChars(args, &rep, 1, 0, uerr);
}

ms_err ms_rd_decode_start(ms_reader *r, ms_error *err)
{
	size_t bom;
	r->enc = detect(r->raw, r->raw_len, r->src_eof, &bom);
	r->raw_pos = bom;
	if (r->enc == MS_RD_UTF8)
		return MS_ERR_OK;
	UErrorCode uerr = U_ZERO_ERROR;
	r->cnv = ucnv_open(ms_rd_enc_name(r->enc), &uerr);
	if (U_SUCCESS(uerr))
		r->u8 = ucnv_open("UTF-8", &uerr);
	if (U_SUCCESS(uerr))
		ucnv_setToUCallBack(r->cnv, to_u_replace, NULL, NULL, NULL, &uerr);
	if (U_FAILURE(uerr))
		return ms_error_set(
		    err, MS_ERR_INTERNAL, "%s: 无法打开 %s 解码器 (no %s converter): %s", r->name,
		    ms_rd_enc_name(r->enc), ms_rd_enc_name(r->enc), u_errorName(uerr));
	r->pivot = ms_malloc(MS_RD_PIVOT * sizeof(UChar));
	if (!r->pivot)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	r->pivot_src = r->pivot_tgt = r->pivot;
	r->dec_reset = true;
	return MS_ERR_OK;
}

static ms_err fill_utf8(ms_reader *r, ms_error *err)
{
	if (r->raw_pos < r->raw_len) {
		size_t k = r->raw_len - r->raw_pos;
		if (k > r->wcap - r->wlen)
			k = r->wcap - r->wlen;
		memcpy(r->win + r->wlen, r->raw + r->raw_pos, k);
		r->raw_pos += k;
		r->wlen += k;
	}
	size_t before = r->wlen;
	while (r->wlen < r->wcap && !r->src_eof) {
		size_t got;
		ms_err rc = source_read(r, r->win + r->wlen, r->wcap - r->wlen, &got, err);
		if (rc)
			return rc;
		r->wlen += got;
		if (got == 0 || r->wlen > before)
			break; /* a short read (a pipe) is enough: come back for more */
	}
	if (r->src_eof && r->raw_pos == r->raw_len)
		r->win_eof = true;
	return MS_ERR_OK;
}

static ms_err fill_decode(ms_reader *r, ms_error *err)
{
	size_t before = r->wlen;
	while (r->wlen < r->wcap && !r->dec_done) {
		if (r->raw_pos == r->raw_len && !r->src_eof) {
			size_t got;
			r->raw_pos = r->raw_len = 0;
			ms_err rc = source_read(r, r->raw, MS_RD_SAMPLE, &got, err);
			if (rc)
				return rc;
			r->raw_len = got;
		}
		bool flush = r->src_eof;
		char *t = r->win + r->wlen;
		const char *s = (const char *)r->raw + r->raw_pos;
		UErrorCode uerr = U_ZERO_ERROR;
		ucnv_convertEx(r->u8, r->cnv, &t, r->win + r->wcap, &s,
		               (const char *)r->raw + r->raw_len, r->pivot, &r->pivot_src,
		               &r->pivot_tgt, r->pivot + MS_RD_PIVOT, r->dec_reset, flush, &uerr);
		r->dec_reset = false;
		r->raw_pos = (size_t)(s - (const char *)r->raw);
		r->wlen = (size_t)(t - r->win);
		if (uerr == U_BUFFER_OVERFLOW_ERROR)
			break;
		if (U_FAILURE(uerr))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "%s: 无法按 %s 解码 (cannot decode as %s): %s", r->name,
			                    ms_rd_enc_name(r->enc), ms_rd_enc_name(r->enc),
			                    u_errorName(uerr));
		if (flush)
			r->dec_done = true;
	}
	if (r->dec_done && r->wlen == before)
		r->win_eof = true;
	return MS_ERR_OK;
}

ms_err ms_rd_fill(ms_reader *r, ms_error *err)
{
	if (r->wpos > 0) {
		memmove(r->win, r->win + r->wpos, r->wlen - r->wpos);
		r->wlen -= r->wpos;
		r->wpos = 0;
	}
	if (r->win_eof || r->wlen == r->wcap)
		return MS_ERR_OK;
	return r->enc == MS_RD_UTF8 ? fill_utf8(r, err) : fill_decode(r, err);
}

/* Characters that can never change under NFC, whatever surrounds them: NFC
 * quick check "yes" and combining class 0. Built once from ICU's data for the
 * BMP; everything else takes the full path. */
static uint64_t nfc_stable[65536 / 64];
static pthread_once_t nfc_once = PTHREAD_ONCE_INIT;

static void nfc_table_build(void)
{
	for (UChar32 c = 0; c < 65536; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		if (u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) == UNORM_YES &&
		    u_getCombiningClass(c) == 0)
			nfc_stable[c >> 6] |= 1ull << (c & 63);
	}
}

bool ms_rd_all_ascii(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t acc = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return (acc & 0x8080808080808080ull) == 0;
}

void ms_rd_text_init(void)
{
	pthread_once(&nfc_once, nfc_table_build);
}

static inline bool nfc_stable_cp(unsigned cp)
{
	return cp <= 0xFFFF && ((nfc_stable[cp >> 6] >> (cp & 63)) & 1);
}

int ms_rd_utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	int res = 0;
	while (s < end) {
		while (end - s >= 8) {
			uint64_t w;
			memcpy(&w, s, 8);
			if (w & 0x8080808080808080ull)
				break;
			s += 8;
		}
		if (s == end)
			break;
		unsigned c = *s;
		if (c < 0x80) {
			s++;
			continue;
		}
		unsigned cp;
		/* three bytes: all of Chinese, the common case */
		if ((c & 0xF0) == 0xE0 && end - s >= 3 && (s[1] & 0xC0) == 0x80 &&
		    (s[2] & 0xC0) == 0x80) {
			cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
			if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFD)
				return 2;
			if (!nfc_stable_cp(cp))
				res = 1;
			s += 3;
			continue;
		}
		size_t k;
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 2;
		}
		if ((size_t)(end - s) <= k)
			return 2;
		for (size_t i = 1; i <= k; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 2;
			cp = (cp << 6) | (s[i] & 0x3Fu);
		}
		if (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))
			return 2;
		if (!nfc_stable_cp(cp))
			res = 1;
		s += k + 1;
	}
	return res;
}

ms_err ms_rd_utf8_repair(const char *str, size_t n, ms_buf *out)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* the longest valid run from i */
		size_t j = i;
		while (j < n) {
			unsigned c = s[j];
			size_t k = c < 0x80                 ? 0
			           : c >= 0xC2 && c <= 0xDF ? 1
			           : c >= 0xE0 && c <= 0xEF ? 2
			           : c >= 0xF0 && c <= 0xF4 ? 3
			                                    : 9;
			if (k == 9 || k >= n - j || !ms_utf8_valid(str + j, k + 1))
				break;
			j += k + 1;
		}
		ms_err rc = ms_buf_append(out, str + i, j - i);
		if (!rc && j < n)
			rc = ms_buf_append(out, "\xEF\xBF\xBD", 3);
		if (rc)
			return rc;
		i = j < n ? j + 1 : j;
	}
	return MS_ERR_OK;
}
