/* test_reader.c — the streaming file readers: CSV quoting and line ends,
 * encodings (BOM, GB18030, UTF-16), row numbers, limits, JSON Lines, XLSX
 * (built here with libzip, plus a LibreOffice-written fixture), corrupt
 * input, sniffing, and allocation failures. */
#include "testutil.h"

#include "base/buf.h"
#include "base/mem.h"
#include "ingest/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <unicode/ucnv.h>
#include <unistd.h>
#include <zip.h>

#define FIXTURES "tests/fixtures/"

/* ---- helpers ---- */

/* One line per row: "N:f1|f2|…", a problem as " !code", CR and LF as \r \n. */
static void dump_row(ms_buf *b, const ms_row *row)
{
	ms_buf_printf(b, "%llu:", (unsigned long long)row->number);
	for (size_t i = 0; i < row->nfields; i++) {
		if (i)
			ms_buf_putc(b, '|');
		const ms_field *f = &row->fields[i];
		assert_non_null(f->ptr);
		for (size_t k = 0; k < f->len; k++) {
			if (f->ptr[k] == '\n')
				ms_buf_puts(b, "\\n");
			else if (f->ptr[k] == '\r')
				ms_buf_puts(b, "\\r");
			else
				ms_buf_putc(b, f->ptr[k]);
		}
	}
	if (row->problem) {
		assert_non_null(row->problem_msg);
		ms_buf_printf(b, " !%d", (int)row->problem);
	} else {
		assert_null(row->problem_msg);
	}
	ms_buf_putc(b, '\n');
}

/* The header ("H" first) and every row, then "E<code>" if reading failed. */
static char *dump_reader(ms_reader *r)
{
	ms_buf b;
	ms_buf_init(&b, 1u << 30);
	ms_buf_putc(&b, 'H');
	dump_row(&b, ms_reader_header(r));
	ms_row row;
	ms_error err;
	ms_error_clear(&err);
	ms_err rc;
	while ((rc = ms_reader_next(r, &row, &err)) == MS_ERR_OK)
		dump_row(&b, &row);
	if (rc != MS_ERR_NOT_FOUND)
		ms_buf_printf(&b, "E%d %s\n", (int)rc, ms_error_text(&err));
	/* the end stays the end */
	if (rc == MS_ERR_NOT_FOUND)
		assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_NOT_FOUND);
	return ms_buf_detach(&b);
}

static ms_reader *open_mem(const void *data, size_t len, const char *name, ms_reader_format fmt,
                           const ms_reader_limits *lim)
{
	ms_error err;
	ms_error_clear(&err);
	ms_reader *r = ms_reader_open_mem(data, len, name, fmt, lim, &err);
	if (!r)
		fail_msg("open %s: %s", name ? name : "(mem)", ms_error_text(&err));
	return r;
}

static void expect_dump_lim(const char *data, size_t len, const char *name, ms_reader_format fmt,
                            const ms_reader_limits *lim, const char *want)
{
	ms_reader *r = open_mem(data, len, name, fmt, lim);
	char *got = dump_reader(r);
	ms_reader_close(r);
	if (strcmp(got, want) != 0) {
		print_error("--- want\n%s--- got\n%s---\n", want, got);
		ms_free(got);
		fail();
	}
	ms_free(got);
}

#define EXPECT(lit, name, want) expect_dump_lim(lit, sizeof(lit) - 1, name, MS_FMT_AUTO, NULL, want)
#define EXPECT_LIM(lit, name, lim, want)                                                           \
	expect_dump_lim(lit, sizeof(lit) - 1, name, MS_FMT_AUTO, lim, want)
#define OPEN_FAILS(lit, name, lim, err) open_fails(lit, sizeof(lit) - 1, name, lim, err)

static ms_err open_fails(const void *data, size_t len, const char *name,
                         const ms_reader_limits *lim, ms_error *err)
{
	ms_error_clear(err);
	ms_reader *r = ms_reader_open_mem(data, len, name, MS_FMT_AUTO, lim, err);
	if (r) {
		ms_reader_close(r);
		fail_msg("open of %s should fail", name ? name : "(mem)");
	}
	assert_int_not_equal(err->code, MS_ERR_OK);
	return err->code;
}

/* Text re-encoded from UTF-8 with ICU; the caller frees with ms_free. */
static char *encode(const char *utf8, size_t len, const char *charset, const char *prefix,
                    size_t plen, size_t *out_len)
{
	size_t cap = len * 4 + plen + 16;
	char *out = ms_malloc(cap);
	assert_non_null(out);
	memcpy(out, prefix, plen);
	UErrorCode uerr = U_ZERO_ERROR;
	int32_t n = ucnv_convert(charset, "UTF-8", out + plen, (int32_t)(cap - plen), utf8,
	                         (int32_t)len, &uerr);
	assert_true(U_SUCCESS(uerr));
	*out_len = plen + (size_t)n;
	return out;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run the tests from the repository root)", path);
	ms_buf b;
	ms_buf_init(&b, 1u << 28);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(ms_buf_append(&b, chunk, n), MS_ERR_OK);
	fclose(f);
	*len = b.len;
	return ms_buf_detach(&b);
}

/* ---- CSV ---- */

static void test_csv_quoting(void **state)
{
	(void)state;
	EXPECT("id,name,note\r\n"
	       "1,\"Smith, John\",\"he said \"\"hi\"\"\"\r\n"
	       "2,\"multi\nline\",x\r\n"
	       "3,\"\",\"\"\"\"\r\n"
	       "4,\"ab\"cd,e\"f\r\n"
	       "5,plain,trailing,\r\n"
	       "6,,\r\n"
	       "7\r\n"
	       "8,\"a\"\"\",\"\"\"b\"\r\n",
	       "x.csv",
	       "H1:id|name|note\n"
	       "2:1|Smith, John|he said \"hi\"\n"
	       "3:2|multi\\nline|x\n"
	       "4:3||\"\n"
	       "5:4|abcd|e\"f\n"
	       "6:5|plain|trailing\n"
	       "7:6||\n"
	       "8:7\n"
	       "9:8|a\"|\"b\n");
	/* a non-empty field past the header is kept; empty ones past it are not */
	EXPECT("a,b\n1,2,3\n4,5,,,\n", "x.csv", "H1:a|b\n2:1|2|3\n3:4|5\n");
	/* trailing empty header names are dropped */
	EXPECT("a,b,,\n1,2\n", "x.csv", "H1:a|b\n2:1|2\n");
}

static void test_csv_line_ends_and_blank_rows(void **state)
{
	(void)state;
	/* header on row 3; CRLF, LF, CR-only; blank lines counted; no final newline */
	EXPECT("\n\na,b\n\n1,2\r\n\r\n3,4\r5,6\r\r7,8", "x.csv",
	       "H3:a|b\n5:1|2\n7:3|4\n8:5|6\n10:7|8\n");
	/* rows of empty fields are blank too */
	EXPECT("a,b\n,\n\"\",\"\"\n1,2\n", "x.csv", "H1:a|b\n4:1|2\n");
	/* a lone CR at the very end */
	EXPECT("a,b\r1,2\r", "x.csv", "H1:a|b\n2:1|2\n");
	/* a quoted field holding CRLF and CR */
	EXPECT("a,b\r\n\"x\r\ny\",\"p\rq\"\r\n", "x.csv", "H1:a|b\n2:x\\r\\ny|p\\rq\n");
}

static void test_csv_unterminated_quote(void **state)
{
	(void)state;
	EXPECT("a,b\n1,2\n3,\"open\nstill open\n", "x.csv",
	       "H1:a|b\n2:1|2\n3:3|open\\nstill open\\n !1\n");
	EXPECT("a,b\n1,\"x\"\"", "x.csv", "H1:a|b\n2:1|x\" !1\n");
	/* an unterminated quote in the header refuses the file */
	ms_error err;
	assert_int_equal(OPEN_FAILS("a,\"b\n1,2\n", "x.csv", NULL, &err), MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "unterminated"));
}

static void test_csv_limits(void **state)
{
	(void)state;
	ms_reader_limits lim = {.row_bytes = 16};
	EXPECT_LIM("a,b\n1,2\n0123456789,12345\nxxxxxxxxxxxxxxxxxxxxxxxxx,y\n3,4\n", "x.csv", &lim,
	           "H1:a|b\n2:1|2\n3:0123456789|12345\n4: !2\n5:3|4\n");
	ms_reader_limits lim2 = {.max_fields = 3};
	EXPECT_LIM("a,b,c\n1,2,3,4\n5,6,7,,,\n", "x.csv", &lim2, "H1:a|b|c\n2:1|2|3 !3\n3:5|6|7\n");
	ms_error err;
	assert_int_equal(OPEN_FAILS("a,b,c,d\n", "x.csv", &lim2, &err), MS_ERR_INVALID);
	assert_int_equal(OPEN_FAILS("0123456789,0123456789\n", "x.csv", &lim, &err),
	                 MS_ERR_TOO_LARGE);
}

/* A row far longer than the window is skipped whole, quotes and all, and
 * the rows after it keep their numbers. */
static void test_csv_huge_row_skipped(void **state)
{
	(void)state;
	ms_buf b;
	ms_buf_init(&b, 1u << 26);
	ms_buf_puts(&b, "a,b\r\n1,2\r\n3,\"");
	for (int i = 0; i < 100000; i++)
		ms_buf_puts(&b, "xy,\r\n\"\"z");
	ms_buf_puts(&b, "\",tail\r\n4,5\r\n6,\"");
	for (int i = 0; i < 100000; i++)
		ms_buf_puts(&b, "abcdefg\n");
	ms_reader_limits lim = {.row_bytes = 1024};
	expect_dump_lim(b.p, b.len, "x.csv", MS_FMT_AUTO, &lim,
	                "H1:a|b\n2:1|2\n3: !2\n4:4|5\n5: !2\n");
	/* the same through a file */
	char path[] = "/tmp/ms_reader_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
	close(fd);
	ms_error err;
	ms_error_clear(&err);
	ms_reader *r = ms_reader_open(path, MS_FMT_CSV, &lim, &err);
	assert_non_null(r);
	char *got = dump_reader(r);
	assert_string_equal(got, "H1:a|b\n2:1|2\n3: !2\n4:4|5\n5: !2\n");
	uint64_t done, total;
	ms_reader_progress(r, &done, &total);
	assert_int_equal(done, b.len);
	assert_int_equal(total, b.len);
	ms_free(got);
	ms_reader_close(r);
	unlink(path);
	ms_buf_free(&b);
}

/* The window refills at a fixed offset: slide tricky rows across it one
 * byte at a time, in each encoding, and check every row. */
static void test_csv_window_boundaries(void **state)
{
	(void)state;
	static const char tricky[] = "10,\"a\"\"b\",\"c\r\nd\"\r\n"
	                             "11,中文字段,\"x,y\"\r"
	                             "12,é,\"\"\n"
	                             "\r\n"
	                             "13,\"q\"tail,end\r\n";
	static const char want_tail[] = "%u:10|a\"b|c\\r\\nd\n"
	                                "%u:11|中文字段|x,y\n"
	                                "%u:12|é|\n"
	                                "%u:13|qtail|end\n";
	ms_reader_limits lim = {.row_bytes = 1024};
	const size_t wcap = 1024 + 256 * 1024; /* row_bytes + the window's margin */
	const char *charsets[] = {NULL, "GB18030", "UTF-16LE"};
	for (size_t cs = 0; cs < 3; cs++) {
		for (size_t k = 0; k < 90; k++) {
			ms_buf b;
			ms_buf_init(&b, 1u << 24);
			ms_buf_puts(&b, "编号,值,w\n"); /* GB18030 is told from the first 64 KiB */
			unsigned rows = 1;
			while (b.len < wcap - 100) {
				ms_buf_puts(&b, "1,filler,row\n");
				rows++;
			}
			/* the tricky rows start at wcap - 80 + k */
			while (b.len < wcap - 80 + k - 3)
				ms_buf_putc(&b, 'p');
			ms_buf_puts(&b, ",,\n");
			rows++;
			assert_int_equal(b.len, wcap - 80 + k);
			ms_buf_puts(&b, tricky);
			size_t len = b.len;
			char *data = b.p;
			char *enc = NULL;
			if (charsets[cs]) {
				enc = encode(b.p, b.len, charsets[cs], cs == 2 ? "\xFF\xFE" : "",
				             cs == 2 ? 2 : 0, &len);
				data = enc;
			}
			ms_reader *r = open_mem(data, len, "x.csv", MS_FMT_AUTO, &lim);
			ms_row row;
			ms_error err;
			ms_error_clear(&err);
			ms_buf got;
			ms_buf_init(&got, 1u << 20);
			unsigned seen = 1;
			while (ms_reader_next(r, &row, &err) == MS_ERR_OK) {
				seen++;
				if (row.number <= rows)
					continue;
				dump_row(&got, &row);
			}
			assert_int_equal(err.code, MS_ERR_OK);
			char want[512];
			snprintf(want, sizeof want, want_tail, rows + 1, rows + 2, rows + 3,
			         rows + 5);
			if (strcmp(ms_buf_str(&got), want) != 0)
				fail_msg("charset %s, shift %zu:\n%s---\n%s",
				         charsets[cs] ? charsets[cs] : "UTF-8", k, ms_buf_str(&got),
				         want);
			assert_int_equal(seen, rows + 4);
			ms_buf_free(&got);
			ms_reader_close(r);
			ms_free(enc);
			ms_buf_free(&b);
		}
	}
}

/* ---- encodings ---- */

static void test_bom_and_tabs(void **state)
{
	(void)state;
	static const char text[] = "\xEF\xBB\xBF姓名\t身份证号\n张三\t1\n";
	ms_reader *r = open_mem(text, sizeof text - 1, "x.txt", MS_FMT_AUTO, NULL);
	assert_int_equal(ms_reader_format_of(r), MS_FMT_TSV);
	assert_string_equal(ms_reader_encoding(r), "UTF-8");
	char *got = dump_reader(r);
	assert_string_equal(got, "H1:姓名|身份证号\n2:张三|1\n");
	ms_free(got);
	ms_reader_close(r);
}

static void test_gb18030(void **state)
{
	(void)state;
	/* 姓名,身份证号 / 张三,1 in GBK */
	static const char gbk[] = "\xD0\xD5\xC3\xFB,\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5\r\n"
	                          "\xD5\xC5\xC8\xFD,1\r\n"
	                          "\x81\x20"
	                          "bad,2\r\n"
	                          "\xC8\xFD,3\r\n";
	ms_reader *r = open_mem(gbk, sizeof gbk - 1, "x.csv", MS_FMT_AUTO, NULL);
	assert_string_equal(ms_reader_encoding(r), "GB18030");
	char *got = dump_reader(r);
	assert_string_equal(got, "H1:姓名|身份证号\n2:张三|1\n3:\xEF\xBF\xBD bad|2 !4\n4:三|3\n");
	ms_free(got);
	ms_reader_close(r);
}

static void test_utf16(void **state)
{
	(void)state;
	/* Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, CRLF */
	static const char text[] = "姓名\t身份证号\r\n张三\t\"a\tb\"\r\n李四\t𠀀\r\n";
	size_t len;
	char *le = encode(text, sizeof text - 1, "UTF-16LE", "\xFF\xFE", 2, &len);
	ms_reader *r = open_mem(le, len, "export.txt", MS_FMT_AUTO, NULL);
	assert_string_equal(ms_reader_encoding(r), "UTF-16LE");
	assert_int_equal(ms_reader_format_of(r), MS_FMT_TSV);
	char *got = dump_reader(r);
	assert_string_equal(got, "H1:姓名|身份证号\n2:张三|a\tb\n3:李四|𠀀\n");
	ms_free(got);
	ms_reader_close(r);
	ms_free(le);
	char *be = encode(text, sizeof text - 1, "UTF-16BE", "\xFE\xFF", 2, &len);
	r = open_mem(be, len, NULL, MS_FMT_AUTO, NULL);
	assert_string_equal(ms_reader_encoding(r), "UTF-16BE");
	got = dump_reader(r);
	assert_string_equal(got, "H1:姓名|身份证号\n2:张三|a\tb\n3:李四|𠀀\n");
	ms_free(got);
	ms_reader_close(r);
	ms_free(be);
	/* without a BOM, the zero bytes give it away */
	static const char ascii[] = "id,name\r\n1,ab\r\n";
	char *nobom = encode(ascii, sizeof ascii - 1, "UTF-16LE", "", 0, &len);
	r = open_mem(nobom, len, NULL, MS_FMT_AUTO, NULL);
	assert_string_equal(ms_reader_encoding(r), "UTF-16LE");
	got = dump_reader(r);
	assert_string_equal(got, "H1:id|name\n2:1|ab\n");
	ms_free(got);
	ms_reader_close(r);
	ms_free(nobom);
}

/* A file judged UTF-8 from its start that turns invalid later: that row is a
 * problem, and the bad bytes show as U+FFFD. */
static void test_utf8_invalid_later(void **state)
{
	(void)state;
	ms_buf b;
	ms_buf_init(&b, 1u << 24);
	ms_buf_puts(&b, "id,name\n");
	for (int i = 0; i < 9000; i++)
		ms_buf_puts(&b, "1,ascii\n");
	ms_buf_puts(&b, "2,\xD5\xC5\xC8\xFD\n3,好\n");
	ms_reader *r = open_mem(b.p, b.len, "x.csv", MS_FMT_AUTO, NULL);
	assert_string_equal(ms_reader_encoding(r), "UTF-8");
	ms_row row;
	ms_error err;
	for (int i = 0; i < 9000; i++)
		assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_OK);
	assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_OK);
	assert_int_equal(row.number, 9002);
	assert_int_equal(row.problem, MS_ROW_BAD_ENCODING);
	assert_non_null(strstr(row.problem_msg, "B「name」"));
	assert_int_equal(row.fields[1].len, 12);
	assert_memory_equal(row.fields[1].ptr, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
	                    12);
	assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_OK);
	assert_int_equal(row.problem, MS_ROW_OK);
	assert_int_equal(row.fields[1].len, 3);
	assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_NOT_FOUND);
	ms_reader_close(r);
	ms_buf_free(&b);
}

static void test_nfc(void **state)
{
	(void)state;
	/* e + combining acute → é; a CJK compatibility ideograph → its unified form */
	EXPECT("a,b\nCafe\xCC\x81,\xEF\xA4\x80\n\xE5\xBC\xA0,x\n", "x.csv",
	       "H1:a|b\n2:Caf\xC3\xA9|\xE8\xB1\x88\n3:张|x\n");
}

static void test_gbk_fixture(void **state)
{
	(void)state;
	size_t ulen, glen;
	char *u = read_file(FIXTURES "canlian_sample.csv", &ulen);
	char *g = read_file(FIXTURES "canlian_sample_gbk.csv", &glen);
	ms_reader *ru = open_mem(u, ulen, "canlian_sample.csv", MS_FMT_AUTO, NULL);
	ms_reader *rg = open_mem(g, glen, "canlian_sample_gbk.csv", MS_FMT_AUTO, NULL);
	assert_string_equal(ms_reader_encoding(ru), "UTF-8");
	assert_string_equal(ms_reader_encoding(rg), "GB18030");
	char *du = dump_reader(ru), *dg = dump_reader(rg);
	assert_string_equal(du, dg);
	assert_non_null(strstr(dg, "2:440106195203141013|陈国华|"));
	ms_free(du);
	ms_free(dg);
	ms_reader_close(ru);
	ms_reader_close(rg);
	ms_free(u);
	ms_free(g);
}

/* ---- JSON Lines ---- */

static void test_jsonl(void **state)
{
	(void)state;
	EXPECT("{\"身份证号\":\"440106195203141013\",\"姓名\":\"陈国华\",\"金额\":12.50,\"人数\":3,"
	       "\"备注\":null}\n"
	       "\n"
	       "{\"姓名\":\"李秀英\",\"身份证号\":\"x\",\"金额\":1e3,\"人数\":-7,\"备注\":true}\r\n"
	       "{\"身份证号\":\"y\",\"extra\":1}\n"
	       "{\"身份证号\":\"z\",\"备注\":{\"a\":1}}\n"
	       "not json\n"
	       "[1,2]\n"
	       "{\"身份证号\":\"w\",\"金额\":0.1,\"人数\":12345678901234567}",
	       "feed.jsonl",
	       "H1:身份证号|姓名|金额|人数|备注\n"
	       "1:440106195203141013|陈国华|12.5|3|\n"
	       "3:x|李秀英|1000|-7|true\n"
	       "4:y|||| !6\n"
	       "5:z|||| !7\n"
	       "6: !5\n"
	       "7: !5\n"
	       "8:w||0.1|12345678901234567|\n");
	/* the message names the key */
	static const char ab[] = "{\"a\":1}\n{\"b\":2}\n";
	ms_reader *r = open_mem(ab, sizeof ab - 1, NULL, MS_FMT_AUTO, NULL);
	assert_int_equal(ms_reader_format_of(r), MS_FMT_JSONL);
	ms_row row;
	ms_error err;
	assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_OK);
	assert_int_equal(ms_reader_next(r, &row, &err), MS_ERR_OK);
	assert_int_equal(row.problem, MS_ROW_UNKNOWN_FIELD);
	assert_non_null(strstr(row.problem_msg, "\"b\""));
	ms_reader_close(r);
	/* a first line that is not an object refuses the file */
	assert_int_equal(OPEN_FAILS("[1]\n{\"a\":1}\n", "x.jsonl", NULL, &err), MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "line 1"));
	/* an over-long line */
	ms_reader_limits lim = {.row_bytes = 20};
	EXPECT_LIM("{\"a\":1}\n{\"a\":\"0123456789012345\"}\n{\"a\":2}\n", "x.jsonl", &lim,
	           "H1:a\n1:1\n2: !2\n3:2\n");
}

/* ---- XLSX ---- */

static void zip_put(zip_t *z, const char *name, const char *text)
{
	zip_source_t *s = zip_source_buffer(z, text, strlen(text), 0);
	assert_non_null(s);
	assert_true(zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) >= 0);
}

/* Writes a workbook to path; sheet_xml is the first sheet's sheetData. */
static void make_xlsx(const char *path, const char *workbook_pr, const char *sheet_data)
{
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
	assert_non_null(z);
	static char wb[1024];
	ms_buf sheet;
	ms_buf_init(&sheet, 1u << 28);
	snprintf(wb, sizeof wb,
	         "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	         "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	         "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	         "%s<sheets><sheet name=\"名单\" sheetId=\"1\" r:id=\"rId5\"/>"
	         "<sheet name=\"Other\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>",
	         workbook_pr);
	zip_put(z, "xl/workbook.xml", wb);
	zip_put(
	    z, "xl/_rels/workbook.xml.rels",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
	    "2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	    "<Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
	    "2006/relationships/worksheet\" Target=\"/xl/worksheets/data.xml\"/>"
	    "</Relationships>");
	zip_put(
	    z, "xl/sharedStrings.xml",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"5\">"
	    "<si><t>姓名</t></si>"
	    "<si><t>身份证号</t></si>"
	    "<si><r><t>张</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">三 </t></r>"
	    "<rPh sb=\"0\" eb=\"1\"><t>ZHANG</t></rPh></si>"
	    "<si><t>line_x000D_break_x005F_x</t></si>"
	    "<si><t>e&#x301;&amp;</t></si>"
	    "</sst>");
	zip_put(
	    z, "xl/styles.xml",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	    "<numFmts count=\"3\">"
	    "<numFmt numFmtId=\"164\" "
	    "formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
	    "<numFmt numFmtId=\"165\" formatCode=\"0.00_);[Red]\\(0.00\\)\"/>"
	    "<numFmt numFmtId=\"166\" formatCode=\"[h]:mm\"/></numFmts>"
	    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	    "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
	    "<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/></cellXfs></styleSheet>");
	ms_buf_printf(
	    &sheet,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	    "<dimension ref=\"A1:F10\"/><sheetData>%s</sheetData><mergeCells count=\"0\"/>"
	    "</worksheet>",
	    sheet_data);
	zip_put(z, "xl/worksheets/data.xml", ms_buf_str(&sheet));
	zip_put(
	    z, "xl/worksheets/sheet1.xml",
	    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	    "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>wrong sheet</t></is></c>"
	    "</row></sheetData></worksheet>");
	assert_int_equal(zip_close(z), 0);
	ms_buf_free(&sheet);
}

static const char sample_rows[] =
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
    "<c r=\"C1\" t=\"inlineStr\"><is><t>日期</t></is></c>"
    "<c r=\"D1\" t=\"inlineStr\"><is><r><t>金</t></r><r><t>额</t></r></is></c>"
    "<c r=\"E1\" t=\"inlineStr\"><is><t>备注</t></is></c></row>"
    "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c>"
    "<c r=\"B3\" t=\"str\"><f>CONCAT(\"4401\",\"X\")</f><v>44010619900101123X</v></c>"
    "<c r=\"C3\" s=\"1\"><v>44927</v></c><c r=\"D3\" s=\"3\"><v>12345.67</v></c>"
    "<c r=\"E3\" t=\"b\"><v>1</v></c></row>"
    "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>3</v></c><c r=\"C4\" s=\"2\"><v>45047.75</v></c>"
    "<c r=\"D4\"><v>4.0</v></c></row>"
    "<row><c t=\"s\"><v>4</v></c><c><v>0.30000000000000004</v></c><c s=\"4\"><v>1.5</v></c>"
    "<c><v>1E+20</v></c><c t=\"b\"><v>0</v></c></row>"
    "<row r=\"7\"><c r=\"B7\" s=\"1\"/></row>"
    "<row r=\"9\"><c r=\"F9\" t=\"inlineStr\"><is><t>extra</t></is></c></row>"
    "<row r=\"10\"><c r=\"A10\" t=\"s\"><v>99</v></c><c r=\"B10\"><v>-2.5</v></c></row>"
    "<row r=\"11\"><c r=\"B11\" s=\"1\"><v>0.5</v></c><c r=\"C11\" t=\"e\"><v>#N/A</v></c></row>";

static const char sample_want[] = "H1:姓名|身份证号|日期|金额|备注\n"
                                  "3:张三 |44010619900101123X|2023-01-01|12345.67|TRUE\n"
                                  "4:line\\rbreak_x||2023-05-01|4\n"
                                  "5:é&|0.3|1.5|1e+20|FALSE\n"
                                  "9:|||||extra\n"
                                  "10:|-2.5 !8\n"
                                  "11:|0.5|#N/A\n";

static void test_xlsx_built(void **state)
{
	(void)state;
	char path[] = "/tmp/ms_reader_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	make_xlsx(path, "", sample_rows);
	/* from the file: the extension is not .xlsx, the content says zip */
	ms_error err;
	ms_error_clear(&err);
	ms_reader *r = ms_reader_open(path, MS_FMT_AUTO, NULL, &err);
	if (!r)
		fail_msg("%s", ms_error_text(&err));
	assert_int_equal(ms_reader_format_of(r), MS_FMT_XLSX);
	char *got = dump_reader(r);
	if (strcmp(got, sample_want) != 0)
		fail_msg("got\n%s", got);
	uint64_t done, total;
	ms_reader_progress(r, &done, &total);
	assert_true(done > 0 && done == total);
	ms_free(got);
	ms_reader_close(r);
	/* from memory */
	size_t len;
	char *data = read_file(path, &len);
	expect_dump_lim(data, len, "upload.xlsx", MS_FMT_AUTO, NULL, sample_want);
	/* a workbook renamed .csv is still a workbook */
	expect_dump_lim(data, len, "renamed.csv", MS_FMT_AUTO, NULL, sample_want);
	/* the shared strings table has limits too */
	ms_error err2;
	ms_reader_limits few = {.sst_count = 3}, small = {.sst_bytes = 16};
	assert_int_equal(open_fails(data, len, "x.xlsx", &few, &err2), MS_ERR_TOO_LARGE);
	assert_non_null(strstr(err2.msg, "shared strings"));
	assert_int_equal(open_fails(data, len, "x.xlsx", &small, &err2), MS_ERR_TOO_LARGE);
	assert_non_null(strstr(err2.msg, "shared strings"));
	ms_free(data);
	/* the 1904 date system */
	make_xlsx(path, "<workbookPr date1904=\"1\"/>",
	          "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>d</t></is></c></row>"
	          "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>43465</v></c></row>");
	data = read_file(path, &len);
	expect_dump_lim(data, len, "x.xlsx", MS_FMT_AUTO, NULL, "H1:d\n2:2023-01-01\n");
	ms_free(data);
	unlink(path);
}

static void test_xlsx_corrupt(void **state)
{
	(void)state;
	char path[] = "/tmp/ms_reader_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	ms_buf rows;
	ms_buf_init(&rows, 1u << 26);
	ms_buf_puts(&rows, "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>h</t></is></c></row>");
	make_xlsx(path, "", rows.p);
	size_t len;
	char *data = read_file(path, &len);
	ms_error err;
	/* truncated: no central directory */
	for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
		assert_int_equal(open_fails(data, cut, "x.xlsx", NULL, &err), MS_ERR_INVALID);
		assert_non_null(strstr(err.msg, "XLSX"));
	}
	/* bytes flipped inside the compressed parts: a clean error, never a crash */
	for (size_t at = 30; at + 40 < len; at += 13) {
		char *bad = ms_malloc(len);
		memcpy(bad, data, len);
		for (size_t i = 0; i < 8; i++)
			bad[at + i] = (char)(bad[at + i] ^ 0x5A);
		ms_error_clear(&err);
		ms_reader *r = ms_reader_open_mem(bad, len, "x.xlsx", MS_FMT_AUTO, NULL, &err);
		if (r) {
			char *got = dump_reader(r);
			ms_free(got);
			ms_reader_close(r);
		} else {
			assert_int_not_equal(err.code, MS_ERR_OK);
		}
		ms_free(bad);
	}
	ms_free(data);
	/* a zip bomb: a sheet that decompresses past the limit */
	for (int i = 2; i < 60000; i++)
		ms_buf_printf(&rows, "<row r=\"%d\"><c r=\"A%d\"><v>%d</v></c></row>", i, i, i);
	make_xlsx(path, "", rows.p);
	data = read_file(path, &len);
	ms_reader_limits lim = {.unzip_bytes = 1u << 20};
	ms_reader *r = open_mem(data, len, "x.xlsx", MS_FMT_AUTO, &lim);
	char *got = dump_reader(r);
	assert_non_null(strstr(got, "E5 "));
	assert_non_null(strstr(got, "decompressed"));
	ms_free(got);
	ms_reader_close(r);
	/* not a zip at all */
	assert_int_equal(OPEN_FAILS("a,b\n1,2\n", "x.xlsx", NULL, &err), MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "XLSX"));
	/* a zip without a workbook */
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
	zip_put(z, "hello.txt", "hi");
	assert_int_equal(zip_close(z), 0);
	ms_free(data);
	data = read_file(path, &len);
	assert_int_equal(open_fails(data, len, NULL, NULL, &err), MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "workbook"));
	ms_free(data);
	ms_buf_free(&rows);
	unlink(path);
}

/* Splits the fixture CSV (no quotes in it) into the dump the readers give,
 * short rows padded to the header's width. */
static void test_xlsx_libreoffice_fixture(void **state)
{
	(void)state;
	size_t clen;
	char *csv = read_file(FIXTURES "canlian_sample.csv", &clen);
	ms_buf want;
	ms_buf_init(&want, 1u << 20);
	unsigned line = 0;
	for (char *s = csv; *s;) {
		char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		ms_buf_printf(&want, "%u:", line);
		for (size_t i = 0; i < n; i++)
			ms_buf_putc(&want, s[i] == ',' ? '|' : s[i]);
		ms_buf_putc(&want, '\n');
		s += n + (nl ? 1 : 0);
	}
	ms_reader *r = ms_reader_open(FIXTURES "canlian_sample.xlsx", MS_FMT_AUTO, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(ms_reader_format_of(r), MS_FMT_XLSX);
	ms_buf got;
	ms_buf_init(&got, 1u << 20);
	const ms_row *h = ms_reader_header(r);
	assert_int_equal(h->nfields, 7);
	dump_row(&got, h);
	ms_row row;
	ms_error err;
	while (ms_reader_next(r, &row, &err) == MS_ERR_OK) {
		ms_field pad[7];
		assert_true(row.nfields <= 7);
		for (size_t i = 0; i < 7; i++)
			pad[i] = i < row.nfields ? row.fields[i] : (ms_field){"", 0};
		row.fields = pad;
		row.nfields = 7;
		dump_row(&got, &row);
	}
	if (strcmp(ms_buf_str(&got), ms_buf_str(&want)) != 0)
		fail_msg("want\n%s\ngot\n%s", ms_buf_str(&want), ms_buf_str(&got));
	assert_non_null(strstr(ms_buf_str(&got), "44030520050403480X"));
	ms_reader_close(r);
	ms_buf_free(&got);
	ms_buf_free(&want);
	ms_free(csv);
}

/* ---- sniffing, empty files, misc ---- */

static void test_sniffing(void **state)
{
	(void)state;
	struct {
		const char *data, *name;
		ms_reader_format fmt, want;
	} cases[] = {
	    {"{\"a\":1}\n", NULL, MS_FMT_AUTO, MS_FMT_JSONL},
	    {"  \n {\"a\":1}\n", "feed.dat", MS_FMT_AUTO, MS_FMT_JSONL},
	    {"a\tb\tc\n1\t2\t3\n", NULL, MS_FMT_AUTO, MS_FMT_TSV},
	    {"a,b\tc\n", NULL, MS_FMT_AUTO, MS_FMT_CSV},
	    {"a,b\n", "x.TSV", MS_FMT_AUTO, MS_FMT_TSV},
	    {"a\tb\n", "x.CSV", MS_FMT_AUTO, MS_FMT_TSV},
	    {"a\tb\n", "x.csv", MS_FMT_CSV, MS_FMT_CSV},
	    {"{\"a\":1}\n", "x.csv", MS_FMT_AUTO, MS_FMT_CSV},
	    {"a\n", "dir.jsonl/x", MS_FMT_AUTO, MS_FMT_CSV},
	    {"{\"a\":1}\n", "x.ndjson", MS_FMT_AUTO, MS_FMT_JSONL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ms_reader *r = open_mem(cases[i].data, strlen(cases[i].data), cases[i].name,
		                        cases[i].fmt, NULL);
		assert_int_equal(ms_reader_format_of(r), cases[i].want);
		ms_reader_close(r);
	}
	ms_reader *r = open_mem("a,b\n", 4, "x.tsv", MS_FMT_AUTO, NULL);
	assert_int_equal(ms_reader_header(r)->nfields, 1);
	assert_string_equal(ms_reader_format_name(ms_reader_format_of(r)), "tsv");
	ms_reader_close(r);
	ms_error err;
	assert_int_equal(
	    open_fails("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 12, "old.xls", NULL, &err),
	    MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, ".xls"));
}

static void test_empty_and_header_only(void **state)
{
	(void)state;
	ms_error err;
	assert_int_equal(open_fails("", 0, "x.csv", NULL, &err), MS_ERR_INVALID);
	assert_non_null(strstr(err.msg, "no header"));
	assert_int_equal(open_fails(NULL, 0, NULL, NULL, &err), MS_ERR_INVALID);
	assert_int_equal(OPEN_FAILS("\r\n\n,,\n", "x.csv", NULL, &err), MS_ERR_INVALID);
	assert_int_equal(OPEN_FAILS("\n\n", "x.jsonl", NULL, &err), MS_ERR_INVALID);
	EXPECT("a,b\n", "x.csv", "H1:a|b\n");
	EXPECT("a,b", "x.csv", "H1:a|b\n");
	ms_error_clear(&err);
	assert_null(ms_reader_open("/nonexistent/file.csv", MS_FMT_AUTO, NULL, &err));
	assert_int_equal(err.code, MS_ERR_IO);
	ms_error_clear(&err);
	assert_null(ms_reader_open("/tmp", MS_FMT_AUTO, NULL, &err));
	assert_int_equal(err.code, MS_ERR_IO);
}

/* Every allocation the reader makes may fail: each failure must be a clean
 * error (the sanitizer build checks for leaks and bad accesses). */
static void read_with_failures(const char *data, size_t len, const char *name)
{
	for (unsigned long n = 1; n < 400; n++) {
		ms_mem_fail_after(n);
		ms_error err;
		ms_error_clear(&err);
		ms_reader *r = ms_reader_open_mem(data, len, name, MS_FMT_AUTO, NULL, &err);
		ms_err rc = MS_ERR_OK;
		if (r) {
			ms_row row;
			while ((rc = ms_reader_next(r, &row, &err)) == MS_ERR_OK)
				;
			ms_reader_close(r);
		}
		ms_mem_fail_after(0);
		if (r && rc == MS_ERR_NOT_FOUND)
			return; /* got through with n allocations to spare */
		assert_int_not_equal(err.code, MS_ERR_OK);
	}
	fail_msg("%s: still failing after 400 allocations", name);
}

static void test_allocation_failures(void **state)
{
	(void)state;
	static const char csv[] = "a,b\nCafe\xCC\x81,2\n\xD5\xC5,3\n";
	read_with_failures(csv, sizeof csv - 1, "x.csv");
	static const char gbk[] = "\xD0\xD5\xC3\xFB,b\n\xD5\xC5\xC8\xFD,1\n";
	read_with_failures(gbk, sizeof gbk - 1, "x.csv");
	static const char jsonl[] = "{\"a\":\"x\",\"b\":[1]}\n{\"a\":2.5,\"c\":3}\nnope\n";
	read_with_failures(jsonl, sizeof jsonl - 1, "x.jsonl");
	char path[] = "/tmp/ms_reader_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	make_xlsx(path, "", sample_rows);
	size_t len;
	char *data = read_file(path, &len);
	read_with_failures(data, len, "x.xlsx");
	ms_free(data);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_csv_line_ends_and_blank_rows),
	    cmocka_unit_test(test_csv_unterminated_quote),
	    cmocka_unit_test(test_csv_limits),
	    cmocka_unit_test(test_csv_huge_row_skipped),
	    cmocka_unit_test(test_csv_window_boundaries),
	    cmocka_unit_test(test_bom_and_tabs),
	    cmocka_unit_test(test_gb18030),
	    cmocka_unit_test(test_utf16),
	    cmocka_unit_test(test_utf8_invalid_later),
	    cmocka_unit_test(test_nfc),
	    cmocka_unit_test(test_gbk_fixture),
	    cmocka_unit_test(test_jsonl),
	    cmocka_unit_test(test_xlsx_built),
	    cmocka_unit_test(test_xlsx_corrupt),
	    cmocka_unit_test(test_xlsx_libreoffice_fixture),
	    cmocka_unit_test(test_sniffing),
	    cmocka_unit_test(test_empty_and_header_only),
	    cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
