/* test_base.c — the foundation modules: the error table and contexts, allocation
 * wrappers with failure injection, arenas, capped buffers, money and decimal
 * parsing (SPEC §2.5), UTF-8 helpers and NFC, the log and progress hooks. */
#include "testutil.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/money.h"
#include "base/progress.h"
#include "base/text.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- err ---- */

static void test_err_table(void **state)
{
	(void)state;
	for (int i = 0; i < MS_ERR__COUNT; i++) {
		const char *name = ms_err_name((ms_err)i);
		assert_non_null(name);
		assert_true(name[0] != '\0');
		/* names are stable JSON keys: lower case, digits and _ only */
		for (const char *p = name; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_' ||
			            (*p >= '0' && *p <= '9'));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name, ms_err_name((ms_err)j));
		assert_true(ms_err_message_zh((ms_err)i)[0] != '\0');
		assert_true(ms_err_message_en((ms_err)i)[0] != '\0');
		int http = ms_err_http_status((ms_err)i);
		assert_true(http >= 200 && http <= 599);
		/* only success answers 2xx */
		assert_int_equal(http < 300, i == MS_ERR_OK);
	}
	assert_int_equal(MS_ERR_OK, 0);
	assert_string_equal(ms_err_name(MS_ERR_OK), "ok");
	assert_int_equal(ms_err_http_status(MS_ERR_OK), 200);
	assert_int_equal(ms_err_http_status(MS_ERR_INVALID), 400);
	assert_int_equal(ms_err_http_status(MS_ERR_USAGE), 400);
	assert_int_equal(ms_err_http_status(MS_ERR_UNAUTHORIZED), 401);
	assert_int_equal(ms_err_http_status(MS_ERR_FORBIDDEN), 403);
	assert_int_equal(ms_err_http_status(MS_ERR_NOT_FOUND), 404);
	assert_int_equal(ms_err_http_status(MS_ERR_CONFLICT), 409);
	assert_int_equal(ms_err_http_status(MS_ERR_EXISTS), 409);
	assert_int_equal(ms_err_http_status(MS_ERR_TOO_LARGE), 413);
	assert_int_equal(ms_err_http_status(MS_ERR_REFUSED), 422);
	assert_int_equal(ms_err_http_status(MS_ERR_INTERNAL), 500);
	assert_int_equal(ms_err_http_status(MS_ERR_BUSY), 503);
	assert_string_equal(ms_err_name(MS_ERR_NOT_FOUND), "not_found");
	assert_string_equal(ms_err_name(MS_ERR_TOO_LARGE), "too_large");
	/* a code outside the table reads as an internal error, never out of bounds */
	assert_string_equal(ms_err_name(MS_ERR__COUNT), "internal");
	assert_string_equal(ms_err_name((ms_err)1000), "internal");
	assert_int_equal(ms_err_http_status((ms_err)-1), 500);
}

static ms_err set_twice(ms_error *e)
{
	ms_error_set(e, MS_ERR_IO, "first %d", 1);
	return ms_error_set(e, MS_ERR_INVALID, "second %s", "x");
}

static void test_error_context(void **state)
{
	(void)state;
	ms_error e;
	ms_error_clear(&e);
	assert_int_equal(e.code, MS_ERR_OK);
	assert_string_equal(ms_error_text(&e), "成功");
	/* the return value is the code passed in, the context keeps the first */
	assert_int_equal(set_twice(&e), MS_ERR_INVALID);
	assert_int_equal(e.code, MS_ERR_IO);
	assert_string_equal(e.msg, "first 1");
	assert_string_equal(ms_error_text(&e), "first 1");
	ms_error_clear(&e);
	assert_int_equal(e.code, MS_ERR_OK);
	assert_string_equal(e.msg, "");
	/* no detail: the table's text */
	assert_int_equal(ms_error_set(&e, MS_ERR_NOT_FOUND, NULL), MS_ERR_NOT_FOUND);
	assert_string_equal(ms_error_text(&e), "记录不存在");
	/* a NULL context is allowed everywhere */
	assert_int_equal(ms_error_set(NULL, MS_ERR_DB, "x"), MS_ERR_DB);
	ms_error_clear(NULL);
	assert_string_equal(ms_error_text(NULL), "");
	/* long messages are cut, not overflowed */
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ms_error_clear(&e);
	ms_error_set(&e, MS_ERR_INVALID, "%s", big);
	assert_int_equal(strlen(e.msg), MS_ERROR_MSG_MAX - 1);
}

/* ---- mem ---- */

static void test_mem_fail_after(void **state)
{
	(void)state;
	ms_mem_fail_after(0);
	void *a = ms_malloc(8), *b = ms_calloc(2, 8);
	char *c = ms_strdup("abc");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(ms_mem_fail_after(3), 3); /* three made since the reset */
	void *ok1 = ms_malloc(1), *ok2 = ms_realloc(a, 64);
	assert_non_null(ok1);
	assert_non_null(ok2);
	a = ok2;
	/* the third from now fails, and every one after it */
	assert_null(ms_malloc(1));
	assert_null(ms_calloc(1, 1));
	assert_null(ms_strdup("x"));
	assert_null(ms_strndup("xyz", 2));
	void *r = ms_realloc(a, 4096);
	assert_null(r); /* a is untouched and still ours */
	assert_int_equal(ms_mem_fail_after(0), 7);
	void *d = ms_malloc(16);
	assert_non_null(d);
	ms_free(d);
	ms_mem_fail_after(1);
	assert_null(ms_malloc(1));
	ms_mem_fail_after(0);
	ms_free(ok1);
	ms_free(a);
	ms_free(b);
	ms_free(c);
	ms_free(NULL);
}

static void test_mem_strings(void **state)
{
	(void)state;
	char *s = ms_strndup("hello", 3);
	assert_string_equal(s, "hel");
	ms_free(s);
	s = ms_strndup("hi", 10); /* stops at the NUL */
	assert_string_equal(s, "hi");
	ms_free(s);
	s = ms_strdup("");
	assert_string_equal(s, "");
	ms_free(s);
	void *z = ms_malloc(0); /* zero bytes is a valid, freeable pointer */
	assert_non_null(z);
	ms_free(z);
	unsigned char *cz = ms_calloc(16, 4);
	for (int i = 0; i < 64; i++)
		assert_int_equal(cz[i], 0);
	ms_free(cz);
}

/* ---- arena ---- */

static void test_arena_alignment(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 512, 0);
	unsigned char *ps[200];
	for (size_t i = 0; i < 200; i++) {
		size_t n = i % 37 + 1;
		ps[i] = ms_arena_alloc(&a, n);
		assert_non_null(ps[i]);
		assert_int_equal((uintptr_t)ps[i] % alignof(max_align_t), 0);
		memset(ps[i], (int)i, n);
	}
	/* nothing overlapped */
	for (size_t i = 0; i < 200; i++)
		for (size_t k = 0; k < i % 37 + 1; k++)
			assert_int_equal(ps[i][k], (unsigned char)i);
	double *dv = ms_arena_alloc(&a, 3 * sizeof(double));
	dv[0] = 1.5;
	long double *ld = ms_arena_alloc(&a, sizeof(long double));
	*ld = 2.5L;
	assert_true(*ld == 2.5L);
	assert_non_null(ms_arena_alloc(&a, 0)); /* a valid, distinct pointer */
	ms_arena_free(&a);
}

static void test_arena_large_blocks(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 256, 0);
	char *small1 = ms_arena_alloc(&a, 16);
	char *big = ms_arena_alloc(&a, 10000);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % alignof(max_align_t), 0);
	memset(big, 'x', 10000);
	/* the oversize block went behind: the current block keeps serving */
	char *small2 = ms_arena_alloc(&a, 16);
	assert_ptr_equal(small2, small1 + 16);
	assert_true(a.used >= 256 + 10000);
	/* a large block with no current block, then small ones */
	ms_arena b;
	ms_arena_init(&b, 128, 0);
	char *b1 = ms_arena_alloc(&b, 1000);
	char *b2 = ms_arena_alloc(&b, 8);
	memset(b1, 1, 1000);
	memset(b2, 2, 8);
	assert_int_equal(b1[999], 1);
	ms_arena_free(&b);
	/* sizes that cannot be held are refused, not wrapped around */
	assert_null(ms_arena_alloc(&a, SIZE_MAX));
	assert_null(ms_arena_alloc(&a, SIZE_MAX - 8));
	assert_null(ms_arena_alloc(&a, SIZE_MAX - 40));
	assert_null(ms_arena_zalloc(&a, SIZE_MAX - 40));
	assert_null(ms_arena_strndup(&a, "x", SIZE_MAX));
	/* the default block size */
	ms_arena c;
	ms_arena_init(&c, 0, 0);
	assert_int_equal(c.block_size, 64 * 1024);
	ms_arena_free(&c);
	ms_arena_free(&a);
}

static void test_arena_cap(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 1024, 4096);
	int got = 0;
	while (ms_arena_alloc(&a, 100))
		got++;
	assert_true(got >= 30 && got <= 40); /* four blocks of nine */
	assert_true(a.used <= a.cap);
	assert_null(ms_arena_alloc(&a, 100));   /* still refused: no new block fits */
	assert_non_null(ms_arena_alloc(&a, 8)); /* but the last block's tail is usable */
	ms_arena_reset(&a);
	assert_non_null(ms_arena_alloc(&a, 100));
	/* one request over the cap, and one that would overflow the sum */
	assert_null(ms_arena_alloc(&a, 5000));
	assert_null(ms_arena_alloc(&a, SIZE_MAX / 2));
	assert_true(a.used <= a.cap);
	ms_arena_free(&a);
	/* a cap smaller than one block: nothing fits */
	ms_arena_init(&a, 1024, 512);
	assert_null(ms_arena_alloc(&a, 1));
	ms_arena_free(&a);
}

static void test_arena_reset_free(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 256, 0);
	ms_arena_reset(&a); /* on a fresh arena: nothing to do */
	ms_arena_free(&a);
	for (int i = 0; i < 50; i++)
		assert_non_null(ms_arena_alloc(&a, 100));
	assert_non_null(ms_arena_alloc(&a, 5000));
	assert_true(a.used > 256);
	ms_arena_reset(&a);
	assert_non_null(a.head);
	assert_int_equal(a.used, 256); /* one ordinary block kept */
	char *p = ms_arena_alloc(&a, 10);
	assert_non_null(p);
	memcpy(p, "after", 6);
	ms_arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.used, 0);
	/* usable again after free */
	assert_non_null(ms_arena_strdup(&a, "again"));
	ms_arena_free(&a);
	ms_arena_free(&a);
}

static void test_arena_strings(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 64, 0);
	assert_string_equal(ms_arena_strdup(&a, "民生"), "民生");
	assert_string_equal(ms_arena_strndup(&a, "abcdef", 3), "abc");
	assert_string_equal(ms_arena_strndup(&a, "", 0), "");
	char *pf = ms_arena_printf(&a, "%s-%04d-%c", "x", 42, 'z');
	assert_string_equal(pf, "x-0042-z");
	char long_s[300];
	memset(long_s, 'q', 299);
	long_s[299] = '\0';
	pf = ms_arena_printf(&a, "[%s]", long_s); /* longer than a block */
	assert_int_equal(strlen(pf), 301);
	unsigned char *z = ms_arena_zalloc(&a, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(z[i], 0);
	ms_arena_free(&a);
}

static void test_arena_nomem(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 128, 0);
	ms_mem_fail_after(1);
	assert_null(ms_arena_alloc(&a, 8));
	assert_null(ms_arena_strdup(&a, "x"));
	assert_null(ms_arena_printf(&a, "%d", 1));
	ms_mem_fail_after(0);
	assert_int_equal(a.used, 0);
	assert_non_null(ms_arena_alloc(&a, 8));
	ms_arena_free(&a);
}

/* ---- buf ---- */

static void test_buf_cap(void **state)
{
	(void)state;
	ms_buf b;
	ms_buf_init(&b, 10);
	assert_string_equal(ms_buf_str(&b), "");
	assert_int_equal(ms_buf_puts(&b, "hello"), MS_ERR_OK);
	assert_int_equal(ms_buf_append(&b, "123456", 6), MS_ERR_TOO_LARGE);
	assert_string_equal(ms_buf_str(&b), "hello");
	assert_int_equal(b.len, 5);
	assert_int_equal(ms_buf_append(&b, "12345", 5), MS_ERR_OK); /* exactly at the cap */
	assert_string_equal(ms_buf_str(&b), "hello12345");
	assert_int_equal(ms_buf_putc(&b, '!'), MS_ERR_TOO_LARGE);
	assert_int_equal(ms_buf_printf(&b, "%d", 7), MS_ERR_TOO_LARGE);
	assert_int_equal(ms_buf_append(&b, "", 0), MS_ERR_OK);
	assert_string_equal(ms_buf_str(&b), "hello12345");
	assert_int_equal(b.len, 10);
	assert_true(b.cap <= b.max + 1);
	assert_int_equal(ms_buf_reserve(&b, SIZE_MAX), MS_ERR_TOO_LARGE);
	ms_buf_clear(&b);
	assert_string_equal(ms_buf_str(&b), "");
	assert_int_equal(ms_buf_printf(&b, "%s", "0123456789"), MS_ERR_OK);
	assert_int_equal(ms_buf_printf(&b, "%s", ""), MS_ERR_OK);
	ms_buf_free(&b);
	/* a cap of zero holds only the empty string */
	ms_buf_init(&b, 0);
	assert_int_equal(ms_buf_putc(&b, 'a'), MS_ERR_TOO_LARGE);
	assert_int_equal(ms_buf_append(&b, "", 0), MS_ERR_OK);
	assert_string_equal(ms_buf_str(&b), "");
	ms_buf_free(&b);
	/* the largest cap there is: growth must not wrap around */
	ms_buf_init(&b, SIZE_MAX);
	assert_int_equal(ms_buf_puts(&b, "abc"), MS_ERR_OK);
	for (int i = 0; i < 100; i++)
		assert_int_equal(ms_buf_puts(&b, "0123456789"), MS_ERR_OK);
	assert_int_equal(b.len, 1003);
	assert_int_equal(ms_buf_reserve(&b, SIZE_MAX - b.len), MS_ERR_TOO_LARGE);
	ms_buf_free(&b);
}

static void test_buf_printf(void **state)
{
	(void)state;
	ms_buf b;
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(ms_buf_printf(&b, "%s=%d", "n", 42), MS_ERR_OK);
	assert_int_equal(ms_buf_printf(&b, ", %05.1f%%", 3.25), MS_ERR_OK);
	assert_string_equal(ms_buf_str(&b), "n=42, 003.2%");
	/* growth across many doublings */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ms_buf_printf(&b, "[%d]", i), MS_ERR_OK);
	assert_int_equal(strlen(b.p), b.len);
	assert_memory_equal(b.p + b.len - 5, "[999]", 5);
	ms_buf_clear(&b);
	char big[5000];
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(ms_buf_printf(&b, "<%s>", big), MS_ERR_OK);
	assert_int_equal(b.len, 5000 + 1);
	assert_int_equal(ms_buf_puts(&b, "中文"), MS_ERR_OK);
	assert_int_equal(b.len, 5001 + 6);
	ms_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

static void test_buf_detach(void **state)
{
	(void)state;
	ms_buf b;
	ms_buf_init(&b, 100);
	char *e = ms_buf_detach(&b); /* nothing appended: an empty string */
	assert_non_null(e);
	assert_string_equal(e, "");
	ms_free(e);
	ms_buf_puts(&b, "owned");
	char *s = ms_buf_detach(&b);
	assert_string_equal(s, "owned");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_string_equal(ms_buf_str(&b), "");
	/* the buffer is usable again and keeps its cap */
	assert_int_equal(ms_buf_puts(&b, "more"), MS_ERR_OK);
	assert_int_equal(b.max, 100);
	ms_buf_free(&b);
	ms_free(s);
	ms_buf_free(&b); /* twice is harmless */
}

static void test_buf_nomem_and_self(void **state)
{
	(void)state;
	ms_buf b;
	ms_buf_init(&b, 1 << 16);
	ms_buf_puts(&b, "keep");
	size_t cap = b.cap;
	char big[200];
	memset(big, 'z', sizeof big);
	ms_mem_fail_after(1);
	assert_int_equal(ms_buf_append(&b, big, sizeof big), MS_ERR_NOMEM);
	assert_int_equal(ms_buf_printf(&b, "%.*s", 150, big), MS_ERR_NOMEM);
	ms_mem_fail_after(0);
	assert_string_equal(ms_buf_str(&b), "keep");
	assert_int_equal(b.cap, cap);
	/* appending the buffer to itself, through growth */
	for (int i = 0; i < 10; i++)
		assert_int_equal(ms_buf_append(&b, b.p, b.len), MS_ERR_OK);
	assert_int_equal(b.len, 4 << 10);
	for (size_t i = 0; i < b.len; i += 4)
		assert_memory_equal(b.p + i, "keep", 4);
	assert_int_equal(ms_buf_append(&b, b.p + 1, 2), MS_ERR_OK);
	assert_memory_equal(b.p + b.len - 2, "ee", 2);
	ms_buf_free(&b);
}

/* ---- money ---- */

static ms_err money(const char *s, ms_money *v)
{
	return ms_money_parse(s, strlen(s), v);
}

static void test_money_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		ms_money fen;
	} ok[] = {
	    {"1234", 123400},
	    {"1,234.56", 123456},
	    {"¥1,234.50", 123450},
	    {"￥1,234.50", 123450},
	    {"12.3元", 1230},
	    {"12.3 元", 1230},
	    {"-5.00", -500},
	    {"-0.5", -50},
	    {"+7", 700},
	    {"0", 0},
	    {"0.01", 1},
	    {"1234.5", 123450},
	    {" 86.50 ", 8650},
	    {"¥ 12", 1200},
	    {"1,234,567.89", 123456789},
	    {"999", 99900},
	    {"10000000000000", 1000000000000000LL}, /* the maximum */
	    {"-10000000000000", -1000000000000000LL},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ms_money v = -1;
		if (money(ok[i].in, &v) != MS_ERR_OK)
			fail_msg("refused money \"%s\"", ok[i].in);
		if (v != ok[i].fen)
			fail_msg("\"%s\" gave %lld fen", ok[i].in, (long long)v);
	}
	static const char *const bad[] = {"12.345",
	                                  "1,23",
	                                  "1,2345",
	                                  ",123",
	                                  "1.",
	                                  "abc",
	                                  "",
	                                  " ",
	                                  "-",
	                                  "¥",
	                                  "元",
	                                  ".",
	                                  ".5",
	                                  "1234,567",
	                                  "1,,234",
	                                  "1,234,56",
	                                  "1,234.",
	                                  "12a",
	                                  "a12",
	                                  "--5",
	                                  "1 234",
	                                  "1.2.3",
	                                  "10000000000001",
	                                  "99999999999999999999",
	                                  "999999999999999999999999999999",
	                                  "1e5",
	                                  "0x10",
	                                  "12.3元元",
	                                  "1,234.5.6",
	                                  "１２３",
	                                  "12,",
	                                  "¥-"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms_money v = 4242;
		if (money(bad[i], &v) == MS_ERR_OK)
			fail_msg("accepted money \"%s\" as %lld", bad[i], (long long)v);
		assert_int_equal(v, 4242); /* untouched on failure */
	}
	/* counted, not NUL-terminated */
	ms_money v;
	assert_int_equal(ms_money_parse("12.34xyz", 5, &v), MS_ERR_OK);
	assert_int_equal(v, 1234);
}

static void test_money_format(void **state)
{
	(void)state;
	static const struct {
		ms_money fen;
		const char *plain, *grouped;
	} cases[] = {
	    {0, "0.00", "0.00"},
	    {5, "0.05", "0.05"},
	    {-5, "-0.05", "-0.05"},
	    {100, "1.00", "1.00"},
	    {99999, "999.99", "999.99"},
	    {100000, "1000.00", "1,000.00"},
	    {123456, "1234.56", "1,234.56"},
	    {-123456789, "-1234567.89", "-1,234,567.89"},
	    {100000000, "1000000.00", "1,000,000.00"},
	    {1000000000000000LL, "10000000000000.00", "10,000,000,000,000.00"},
	    {INT64_MAX, "92233720368547758.07", "92,233,720,368,547,758.07"},
	    {INT64_MIN, "-92233720368547758.08", "-92,233,720,368,547,758.08"},
	};
	char out[MS_MONEY_STR];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ms_money_format(cases[i].fen, 0, out);
		assert_string_equal(out, cases[i].plain);
		ms_money_format(cases[i].fen, 1, out);
		assert_string_equal(out, cases[i].grouped);
	}
}

static void roundtrip_one(ms_money v)
{
	char out[MS_MONEY_STR];
	for (int th = 0; th <= 1; th++) {
		ms_money_format(v, th, out);
		ms_money back = v + 1;
		if (ms_money_parse(out, strlen(out), &back) != MS_ERR_OK || back != v)
			fail_msg("round trip of %lld through \"%s\" failed", (long long)v, out);
	}
}

static void test_money_roundtrip(void **state)
{
	(void)state;
	for (ms_money v = -3000; v <= 3000; v++)
		roundtrip_one(v);
	/* every magnitude up to the maximum, both signs, with awkward digits */
	const ms_money max = MS_MONEY_MAX_YUAN * 100;
	for (ms_money m = 1; m <= max / 10; m *= 10) {
		for (ms_money k = 1; k <= 99; k += 7) {
			ms_money v = m * k + k % 100;
			if (v > max)
				continue;
			roundtrip_one(v);
			roundtrip_one(-v);
			roundtrip_one(v - 1);
		}
	}
	roundtrip_one(max);
	roundtrip_one(-max);
	/* a pseudo-random spread */
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ms_money v = (ms_money)(x % (uint64_t)(2 * max + 1)) - max;
		roundtrip_one(v);
	}
}

static void test_decimal_int(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(ms_decimal_parse("86.5", 4, 2, &v), MS_ERR_OK);
	assert_int_equal(v, 8650);
	assert_int_equal(ms_decimal_parse("1,234.5", 7, 1, &v), MS_ERR_OK);
	assert_int_equal(v, 12345);
	assert_int_equal(ms_decimal_parse("0.123456", 8, 6, &v), MS_ERR_OK);
	assert_int_equal(v, 123456);
	assert_int_equal(ms_decimal_parse("12", 2, 0, &v), MS_ERR_OK);
	assert_int_equal(v, 12);
	assert_int_equal(ms_decimal_parse(" 3 ", 3, 3, &v), MS_ERR_OK);
	assert_int_equal(v, 3000);
	assert_int_equal(ms_decimal_parse("1000000000000", 13, 6, &v), MS_ERR_OK);
	assert_int_equal(v, 1000000000000000000LL);
	v = 77;
	assert_int_not_equal(ms_decimal_parse("1", 1, 7, &v), MS_ERR_OK);
	assert_int_not_equal(ms_decimal_parse("1", 1, -1, &v), MS_ERR_OK);
	assert_int_not_equal(ms_decimal_parse("-1", 2, 2, &v), MS_ERR_OK); /* no sign */
	assert_int_not_equal(ms_decimal_parse("1.234", 5, 2, &v), MS_ERR_OK);
	assert_int_not_equal(ms_decimal_parse("12.0", 4, 0, &v), MS_ERR_OK);
	assert_int_not_equal(ms_decimal_parse("1000000000001", 13, 0, &v), MS_ERR_OK);
	assert_int_not_equal(ms_decimal_parse("", 0, 2, &v), MS_ERR_OK);
	assert_int_not_equal(ms_decimal_parse("m²", strlen("m²"), 2, &v), MS_ERR_OK);
	assert_int_equal(v, 77);

	static const struct {
		const char *in;
		int64_t want;
	} ints[] = {{"42", 42},      {"-7", -7}, {"+3", 3},
	            {"1,000", 1000}, {" 0 ", 0}, {"-1,234,567", -1234567}};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		assert_int_equal(
		    ms_int_parse(ints[i].in, strlen(ints[i].in), INT64_MIN, INT64_MAX, &v),
		    MS_ERR_OK);
		assert_int_equal(v, ints[i].want);
	}
	static const char *const badints[] = {
	    "12.0", "12.", "abc", "", "1,00", "99999999999999999999", "4-", "0x1F", "1e3"};
	for (size_t i = 0; i < sizeof badints / sizeof badints[0]; i++)
		assert_int_not_equal(
		    ms_int_parse(badints[i], strlen(badints[i]), INT64_MIN, INT64_MAX, &v),
		    MS_ERR_OK);
	assert_int_equal(ms_int_parse("10", 2, 0, 10, &v), MS_ERR_OK);
	assert_int_not_equal(ms_int_parse("11", 2, 0, 10, &v), MS_ERR_OK);
	assert_int_not_equal(ms_int_parse("-1", 2, 0, 10, &v), MS_ERR_OK);
	assert_int_equal(ms_int_parse("-1", 2, -1, 10, &v), MS_ERR_OK);
	assert_int_equal(v, -1);
}

/* ---- text ---- */

static bool valid(const char *s)
{
	return ms_utf8_valid(s, strlen(s));
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(ms_utf8_valid("", 0));
	assert_true(valid("abc"));
	assert_true(valid("民生 minsheng"));
	assert_true(valid("\xC3\xA9"));         /* é */
	assert_true(valid("\xC2\x80"));         /* U+0080, the first two-byte */
	assert_true(valid("\xE0\xA0\x80"));     /* U+0800, the first three-byte */
	assert_true(valid("\xED\x9F\xBF"));     /* U+D7FF, just below the surrogates */
	assert_true(valid("\xEE\x80\x80"));     /* U+E000, just above */
	assert_true(valid("\xEF\xBF\xBF"));     /* U+FFFF */
	assert_true(valid("\xF0\x90\x80\x80")); /* U+10000 */
	assert_true(valid("\xF0\x9F\x98\x80")); /* an emoji */
	assert_true(valid("\xF4\x8F\xBF\xBF")); /* U+10FFFF, the last */
	assert_true(valid("\xF0\xA0\x80\x80")); /* U+20000, CJK extension B */
	assert_true(ms_utf8_valid("a\0b", 3));  /* a NUL is a character */
	/* overlong forms */
	assert_false(valid("\xC0\xAF"));
	assert_false(valid("\xC1\xBF"));
	assert_false(valid("\xC0\x80"));
	assert_false(valid("\xE0\x80\xAF"));
	assert_false(valid("\xE0\x9F\xBF"));
	assert_false(valid("\xF0\x80\x80\xAF"));
	assert_false(valid("\xF0\x8F\xBF\xBF"));
	/* surrogates */
	assert_false(valid("\xED\xA0\x80"));
	assert_false(valid("\xED\xAF\xBF"));
	assert_false(valid("\xED\xB0\x80"));
	assert_false(valid("\xED\xBF\xBF"));
	assert_false(valid("\xED\xA0\xBD\xED\xB8\x80")); /* a CESU-8 pair */
	/* beyond U+10FFFF and bytes that never occur */
	assert_false(valid("\xF4\x90\x80\x80"));
	assert_false(valid("\xF5\x80\x80\x80"));
	assert_false(valid("\xF8\x88\x80\x80\x80"));
	assert_false(valid("\xFE"));
	assert_false(valid("\xFF"));
	/* truncation and stray continuation bytes */
	assert_false(valid("\xE4\xB8"));
	assert_false(valid("abc\xE4"));
	assert_false(valid("\xF0\x9F\x98"));
	assert_false(valid("\xC3"));
	assert_false(valid("\x80"));
	assert_false(valid("a\xBF"));
	assert_false(valid("\xE4\x41\xAD"));
	assert_false(valid("\xE4\xB8\x41"));
	assert_false(ms_utf8_valid("\xE4\xB8\xAD", 2)); /* cut by the length */
	/* GBK bytes are not UTF-8 */
	assert_false(valid("\xC3\xF1\xC9\xFA"));
	assert_int_equal(ms_utf8_length("民生abc", strlen("民生abc")), 5);
	assert_int_equal(ms_utf8_length("\xF0\x9F\x98\x80", 4), 1);
	assert_int_equal(ms_utf8_length("", 0), 0);
}

static void fold(const char *in, const char *want)
{
	char s[128];
	size_t n = strlen(in);
	memcpy(s, in, n);
	size_t m = ms_text_fold_fullwidth(s, n);
	assert_true(m <= n);
	s[m] = '\0';
	assert_string_equal(s, want);
}

static void test_fold_fullwidth(void **state)
{
	(void)state;
	fold("１２３ｘＸ　", "123xX ");
	fold("４４０１０６１９９００３０７１２３Ｘ", "44010619900307123X");
	fold("！", "!");
	fold("～", "~");
	fold("（ａｂｃ）", "(abc)");
	fold("＠＃＄％", "@#$%");
	fold("张　三", "张 三");
	fold("中文不变", "中文不变");
	fold("ascii", "ascii");
	fold("", "");
	fold("｟", "｟");                     /* U+FF5F is outside the range */
	fold("￥", "￥");                     /* U+FFE5 is not folded */
	fold("\xEF\xBC", "\xEF\xBC");         /* truncated: left alone */
	fold("\xEF\xBC\x41", "\xEF\xBC\x41"); /* not a continuation byte: left alone */
	fold("a\xE3\x80", "a\xE3\x80");
}

static void test_trim(void **state)
{
	(void)state;
	const char *s = "\xE3\x80\x80 \t张三\xE3\x80\x80 \r\n";
	size_t n = ms_text_trim(&s, strlen(s));
	assert_int_equal(n, strlen("张三"));
	assert_memory_equal(s, "张三", n);
	s = "a b";
	assert_int_equal(ms_text_trim(&s, 3), 3);
	s = " \xE3\x80\x80\xE3\x80\x80 ";
	assert_int_equal(ms_text_trim(&s, strlen(s)), 0);
	s = "";
	assert_int_equal(ms_text_trim(&s, 0), 0);
	s = "\xE3\x80"; /* a cut U+3000 is not a blank */
	assert_int_equal(ms_text_trim(&s, 2), 2);
	assert_true(ms_text_eq_ascii_ci("CSV", 3, "csv"));
	assert_true(ms_text_eq_ascii_ci("Tsv", 3, "tSV"));
	assert_true(ms_text_eq_ascii_ci("csvx", 3, "csv")); /* counted: the x is not in it */
	assert_false(ms_text_eq_ascii_ci("csv", 3, "csvx"));
	assert_false(ms_text_eq_ascii_ci("abc", 3, "abd"));
}

static void nfc_is(const char *in, const char *want)
{
	ms_buf b;
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(ms_text_nfc(in, strlen(in), &b), MS_ERR_OK);
	assert_string_equal(ms_buf_str(&b), want);
	assert_int_equal(b.len, strlen(want));
	ms_buf_free(&b);
}

static void test_nfc(void **state)
{
	(void)state;
	nfc_is("e\xCC\x81", "\xC3\xA9"); /* e + combining acute → é */
	nfc_is("Cafe\xCC\x81 ok", "Caf\xC3\xA9 ok");
	nfc_is("民生 低保对象 特困人员", "民生 低保对象 特困人员"); /* Chinese unchanged */
	nfc_is("plain ascii", "plain ascii");
	nfc_is("", "");
	nfc_is("\xC3\xA9", "\xC3\xA9");                     /* already composed */
	nfc_is("\xE1\x84\x80\xE1\x85\xA1", "\xEA\xB0\x80"); /* Hangul jamo → 가 */
	nfc_is("\xEF\xA4\x80", "\xE8\xB1\x88"); /* CJK compatibility U+F900 → U+8C48 */
	nfc_is("\xE2\x84\xAB", "\xC3\x85");     /* ANGSTROM SIGN → Å */
	nfc_is("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");
	/* appends to what is there */
	ms_buf b;
	ms_buf_init(&b, 1 << 20);
	ms_buf_puts(&b, "姓名:");
	assert_int_equal(ms_text_nfc("Jose\xCC\x81", 6, &b), MS_ERR_OK);
	assert_string_equal(ms_buf_str(&b), "姓名:Jos\xC3\xA9");
	/* long text goes through the heap path */
	ms_buf_clear(&b);
	ms_buf in;
	ms_buf_init(&in, 1 << 20);
	for (int i = 0; i < 200; i++)
		ms_buf_puts(&in, "中e\xCC\x81");
	assert_int_equal(ms_text_nfc(in.p, in.len, &b), MS_ERR_OK);
	assert_int_equal(b.len, 200 * 5);
	for (size_t i = 0; i < b.len; i += 5)
		assert_memory_equal(b.p + i, "中\xC3\xA9", 5);
	ms_buf_free(&in);
	/* invalid UTF-8 is refused and nothing is appended */
	ms_buf_clear(&b);
	ms_buf_puts(&b, "x");
	assert_int_equal(ms_text_nfc("\xC3\xA9\xFF", 3, &b), MS_ERR_INVALID);
	assert_int_equal(ms_text_nfc("\xED\xA0\x80", 3, &b), MS_ERR_INVALID);
	assert_string_equal(ms_buf_str(&b), "x");
	ms_buf_free(&b);
	/* the output buffer's cap holds */
	ms_buf_init(&b, 3);
	assert_int_equal(ms_text_nfc("e\xCC\x81\xC3\xA9", 5, &b), MS_ERR_TOO_LARGE);
	assert_int_equal(ms_text_nfc("abcd", 4, &b), MS_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	assert_int_equal(ms_text_nfc("e\xCC\x81", 3, &b), MS_ERR_OK);
	assert_string_equal(ms_buf_str(&b), "\xC3\xA9");
	ms_buf_free(&b);
}

/* ---- log and progress ---- */

static void test_log_levels(void **state)
{
	(void)state;
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	ms_log_set_level(MS_LOG_WARN);
	ms_log_set_format(MS_LOG_JSON);
	ms_log(MS_LOG_INFO, "hidden %d", 1);
	ms_log(MS_LOG_DEBUG, "hidden %d", 2);
	ms_log(MS_LOG_WARN, "shown %d", 3);
	ms_log(MS_LOG_ERROR, "shown %s", "four");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ms_log_set_level(MS_LOG_INFO);
	ms_log_set_format(MS_LOG_AUTO);
	char text[512] = {0};
	rewind(tmp);
	size_t n = fread(text, 1, sizeof text - 1, tmp);
	fclose(tmp);
	text[n] = '\0';
	/* JSON lines, one per call */
	assert_null(strstr(text, "hidden"));
	assert_non_null(strstr(text, "\"level\":\"warn\",\"msg\":\"shown 3\"}\n"));
	assert_non_null(strstr(text, "\"level\":\"error\",\"msg\":\"shown four\"}\n"));
	assert_int_equal(text[0], '{');
}

typedef struct {
	int calls;
	uint64_t done, total;
	const char *stage;
} progress_seen;

static void progress_cb(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
	progress_seen *s = ctx;
	s->calls++;
	s->stage = stage;
	s->done = done;
	s->total = total;
}

static void test_progress(void **state)
{
	(void)state;
	progress_seen seen = {0};
	ms_progress p = {progress_cb, &seen};
	ms_progress_report(&p, "import", 10, 100);
	ms_progress_report(&p, "publish", 100, 100);
	assert_int_equal(seen.calls, 2);
	assert_string_equal(seen.stage, "publish");
	assert_int_equal(seen.done, 100);
	assert_int_equal(seen.total, 100);
	ms_progress none = {NULL, NULL};
	ms_progress_report(&none, "x", 1, 0);
	ms_progress_report(NULL, "x", 1, 0);
	assert_int_equal(seen.calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_err_table),
	    cmocka_unit_test(test_error_context),
	    cmocka_unit_test(test_mem_fail_after),
	    cmocka_unit_test(test_mem_strings),
	    cmocka_unit_test(test_arena_alignment),
	    cmocka_unit_test(test_arena_large_blocks),
	    cmocka_unit_test(test_arena_cap),
	    cmocka_unit_test(test_arena_reset_free),
	    cmocka_unit_test(test_arena_strings),
	    cmocka_unit_test(test_arena_nomem),
	    cmocka_unit_test(test_buf_cap),
	    cmocka_unit_test(test_buf_printf),
	    cmocka_unit_test(test_buf_detach),
	    cmocka_unit_test(test_buf_nomem_and_self),
	    cmocka_unit_test(test_money_parse),
	    cmocka_unit_test(test_money_format),
	    cmocka_unit_test(test_money_roundtrip),
	    cmocka_unit_test(test_decimal_int),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_fold_fullwidth),
	    cmocka_unit_test(test_trim),
	    cmocka_unit_test(test_nfc),
	    cmocka_unit_test(test_log_levels),
	    cmocka_unit_test(test_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
