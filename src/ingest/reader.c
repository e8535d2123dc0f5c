/* reader.c — the readers' common face: picks the format, reads the header, and
 * turns what a format found into a row of valid NFC UTF-8 fields (with the
 * row's problem, if any). The formats live in reader_csv.c, reader_jsonl.c and
 * reader_xlsx.c; bytes and encodings in reader_enc.c. */
#include "ingest/reader_impl.h"

#include "base/mem.h"
#include "base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ms_reader_format_name(ms_reader_format fmt)
{
	switch (fmt) {
	case MS_FMT_CSV:
		return "csv";
	case MS_FMT_TSV:
		return "tsv";
	case MS_FMT_XLSX:
		return "xlsx";
	case MS_FMT_JSONL:
		return "jsonl";
	case MS_FMT_AUTO:
		break;
	}
	return "auto";
}

void ms_rd_column_name(size_t col, char out[8])
{
	char tmp[8];
	size_t n = 0;
	col++;
	while (col > 0 && n < 7) {
		col--;
		tmp[n++] = (char)('A' + col % 26);
		col /= 26;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

void ms_rd_problem(ms_reader *r, ms_row_problem p, const char *fmt, ...)
{
	if (r->problem != MS_ROW_OK)
		return;
	r->problem = p;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->problem_msg, sizeof r->problem_msg, fmt, ap);
	va_end(ap);
	/* the message is stored and shown: keep it valid UTF-8 even when cut
	 * short or quoting the file's bytes */
	char *m = r->problem_msg;
	size_t n = strlen(m), ok = 0;
	while (ok < n) {
		unsigned char c = (unsigned char)m[ok];
		size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (k > n - ok || !ms_utf8_valid(m + ok, k))
			break;
		ok += k;
	}
	m[ok] = '\0';
}

int ms_rd_clip(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

/* "C" or "C「姓名」" (JSON Lines: "「姓名」") for messages about a field. */
static void field_label(const ms_reader *r, size_t i, char *out, size_t cap)
{
	char col[8];
	ms_rd_column_name(i, col);
	const ms_field *h = i < r->header.nfields ? &r->header.fields[i] : NULL;
	if (h && (h->len || r->fmt == MS_FMT_JSONL))
		snprintf(out, cap, "%s「%.*s」", r->fmt == MS_FMT_JSONL ? "" : col,
		         ms_rd_clip(h->ptr, h->len, 200), h->ptr);
	else
		snprintf(out, cap, "%s", col);
}

/* Validates and normalises every field of the current row. Fields that
 * change are rewritten into scratch; the others keep pointing where the
 * format left them. */
static ms_err finish_row(ms_reader *r, ms_error *err)
{
	ms_buf_clear(&r->scratch);
	if (r->row_ascii)
		return MS_ERR_OK;
	bool moved = false;
	for (size_t i = 0; i < r->nfields; i++) {
		ms_field *f = &r->fields[i];
		r->soff[i] = SIZE_MAX;
		int c = ms_rd_utf8_check(f->ptr, f->len);
		if (c == 0)
			continue;
		size_t off = r->scratch.len;
		ms_err rc;
		if (c == 2) {
			char label[300];
			field_label(r, i, label, sizeof label);
			const char *enc = ms_rd_enc_name(r->enc);
			ms_rd_problem(r, MS_ROW_BAD_ENCODING,
			              "%s 列有无法识别的字节，不是 %s 文本 (column %s: bytes that "
			              "are not %s text)",
			              label, enc, label, enc);
			ms_buf_clear(&r->tmp);
			rc = ms_rd_utf8_repair(f->ptr, f->len, &r->tmp);
			if (!rc)
				rc = ms_text_nfc(ms_buf_str(&r->tmp), r->tmp.len, &r->scratch);
		} else {
			rc = ms_text_nfc(f->ptr, f->len, &r->scratch);
		}
		if (rc == MS_ERR_TOO_LARGE) {
			r->problem = MS_ROW_OK;
			ms_rd_problem(r, MS_ROW_TOO_LONG,
			              "行过长，超过 %zu 字节 (row longer than %zu bytes)",
			              r->lim.row_bytes, r->lim.row_bytes);
			r->nfields = 0;
			return MS_ERR_OK;
		}
		if (rc)
			return ms_error_set(
			    err, rc, "%s: 第 %llu 行无法规范化 (row %llu: cannot normalise text)",
			    r->name, (unsigned long long)r->rowno, (unsigned long long)r->rowno);
		r->soff[i] = off;
		f->len = r->scratch.len - off;
		moved = true;
	}
	if (moved) {
		for (size_t i = 0; i < r->nfields; i++)
			if (r->soff[i] != SIZE_MAX)
				r->fields[i].ptr = r->scratch.p + r->soff[i];
	}
	return MS_ERR_OK;
}

static ms_err format_next(ms_reader *r, ms_error *err)
{
	switch (r->fmt) {
	case MS_FMT_XLSX:
		return ms_rd_xlsx_next(r, err);
	case MS_FMT_JSONL:
		return ms_rd_jsonl_next(r, err);
	default:
		return ms_rd_csv_next(r, err);
	}
}

/* The next row that is not blank, validated; width = how many fields to keep
 * when the trailing ones are empty. */
static ms_err row_next(ms_reader *r, size_t width, ms_error *err)
{
	for (;;) {
		r->problem = MS_ROW_OK;
		r->problem_msg[0] = '\0';
		r->nfields = 0;
		r->row_ascii = false;
		ms_err rc = format_next(r, err);
		if (rc)
			return rc;
		size_t n = r->nfields;
		while (n > 0 && r->fields[n - 1].len == 0)
			n--;
		if (n == 0 && r->problem == MS_ROW_OK)
			continue; /* a blank row: counted, not returned */
		if (r->nfields > width)
			r->nfields = n > width ? n : width;
		return finish_row(r, err);
	}
}

ms_err ms_rd_keep_header(ms_reader *r, ms_error *err)
{
	size_t n = r->nfields;
	r->hfields = ms_calloc(n ? n : 1, sizeof *r->hfields);
	if (!r->hfields)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	size_t *off = ms_calloc(n ? n : 1, sizeof *off);
	if (!off)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_buf_init(&r->hbuf, (r->lim.row_bytes + 64) * 4);
	for (size_t i = 0; i < n; i++) {
		off[i] = r->hbuf.len;
		if (ms_buf_append(&r->hbuf, r->fields[i].ptr, r->fields[i].len)) {
			ms_free(off);
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		}
	}
	for (size_t i = 0; i < n; i++) {
		r->hfields[i].ptr = ms_buf_str(&r->hbuf) + off[i];
		r->hfields[i].len = r->fields[i].len;
	}
	ms_free(off);
	r->header.fields = r->hfields;
	r->header.nfields = n;
	r->header.number = r->rowno;
	r->header.problem = MS_ROW_OK;
	r->header.problem_msg = NULL;
	return MS_ERR_OK;
}

ms_err ms_rd_finish_row(ms_reader *r, ms_error *err)
{
	return finish_row(r, err);
}

static ms_err read_header(ms_reader *r, ms_error *err)
{
	ms_err rc = row_next(r, 0, err);
	if (rc == MS_ERR_NOT_FOUND)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "%s: 文件是空的，没有表头 (empty file: no header row)",
		                    r->name);
	if (rc)
		return rc;
	if (r->problem != MS_ROW_OK)
		return ms_error_set(
		    err, r->problem == MS_ROW_TOO_LONG ? MS_ERR_TOO_LARGE : MS_ERR_INVALID,
		    "%s: 表头（第 %llu 行）无法读取 (header, row %llu, cannot be read): %s",
		    r->name, (unsigned long long)r->rowno, (unsigned long long)r->rowno,
		    r->problem_msg);
	return ms_rd_keep_header(r, err);
}

static void limits_set(ms_reader_limits *l, const ms_reader_limits *in)
{
	ms_reader_limits d = {0};
	if (in)
		d = *in;
	if (!d.row_bytes)
		d.row_bytes = MS_READER_ROW_BYTES;
	if (d.row_bytes > MS_RD_MAX_ROW_BYTES)
		d.row_bytes = MS_RD_MAX_ROW_BYTES;
	if (!d.max_fields)
		d.max_fields = MS_READER_MAX_FIELDS;
	if (d.max_fields > MS_RD_MAX_FIELDS)
		d.max_fields = MS_RD_MAX_FIELDS;
	if (!d.unzip_bytes)
		d.unzip_bytes = MS_READER_UNZIP_BYTES;
	if (!d.sst_bytes)
		d.sst_bytes = MS_READER_SST_BYTES;
	if (!d.sst_count)
		d.sst_count = MS_READER_SST_COUNT;
	*l = d;
}

static ms_reader *reader_new(const ms_reader_limits *lim, const char *name, ms_error *err)
{
	ms_rd_text_init();
	ms_reader *r = ms_calloc(1, sizeof *r);
	if (!r) {
		ms_error_set(err, MS_ERR_NOMEM, NULL);
		return NULL;
	}
	r->fd = -1;
	limits_set(&r->lim, lim);
	snprintf(r->name, sizeof r->name, "%s", name && *name ? name : "(upload)");
	ms_buf_init(&r->scratch, r->lim.row_bytes * 4 + 64);
	ms_buf_init(&r->tmp, r->lim.row_bytes * 4 + 64);
	r->fields = ms_calloc(r->lim.max_fields, sizeof *r->fields);
	r->soff = ms_calloc(r->lim.max_fields, sizeof *r->soff);
	if (!r->fields || !r->soff) {
		ms_reader_close(r);
		ms_error_set(err, MS_ERR_NOMEM, NULL);
		return NULL;
	}
	return r;
}

/* The format an extension names; *guess when the delimiter is to be guessed. */
static ms_reader_format format_from_name(const char *name, bool *guess)
{
	*guess = false;
	if (!name)
		return MS_FMT_AUTO;
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');
	if (!dot)
		return MS_FMT_AUTO;
	dot++;
	size_t n = strlen(dot);
	if (ms_text_eq_ascii_ci(dot, n, "csv") || ms_text_eq_ascii_ci(dot, n, "txt")) {
		*guess = true;
		return MS_FMT_CSV;
	}
	if (ms_text_eq_ascii_ci(dot, n, "tsv") || ms_text_eq_ascii_ci(dot, n, "tab"))
		return MS_FMT_TSV;
	if (ms_text_eq_ascii_ci(dot, n, "xlsx") || ms_text_eq_ascii_ci(dot, n, "xlsm"))
		return MS_FMT_XLSX;
	if (ms_text_eq_ascii_ci(dot, n, "jsonl") || ms_text_eq_ascii_ci(dot, n, "ndjson"))
		return MS_FMT_JSONL;
	return MS_FMT_AUTO;
}

static ms_err reader_start(ms_reader *r, ms_reader_format fmt, const char *path, ms_error *err)
{
	ms_err rc = ms_rd_read_sample(r, err);
	if (rc)
		return rc;
	static const unsigned char ole2[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
	if (r->raw_len >= 8 && memcmp(r->raw, ole2, 8) == 0)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "%s: 这是旧版 Excel 97-2003 (.xls) 文件，请另存为 .xlsx 或 CSV 再导入 "
		    "(an Excel 97-2003 .xls file: save it as .xlsx or CSV)",
		    r->name);
	bool guess = false, by_name = false;
	if (fmt == MS_FMT_AUTO) {
		fmt = format_from_name(r->name, &guess);
		by_name = fmt != MS_FMT_AUTO;
	}
	/* no text file starts like a zip: a workbook renamed .csv is still one */
	if ((fmt == MS_FMT_AUTO || by_name) && r->raw_len >= 4 &&
	    memcmp(r->raw, "PK\x03\x04", 4) == 0)
		fmt = MS_FMT_XLSX;
	if (fmt == MS_FMT_XLSX) {
		r->fmt = MS_FMT_XLSX;
		ms_free(r->raw);
		r->raw = NULL;
		rc = ms_rd_xlsx_open(r, path, err);
		return rc ? rc : read_header(r, err);
	}
	rc = ms_rd_decode_start(r, err);
	if (rc)
		return rc;
	r->wcap = r->lim.row_bytes + MS_RD_WINDOW;
	r->win = ms_malloc(r->wcap + 1);
	if (!r->win)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	rc = ms_rd_fill(r, err);
	if (rc)
		return rc;
	if (fmt == MS_FMT_AUTO) {
		if (ms_rd_looks_like_jsonl(r)) {
			fmt = MS_FMT_JSONL;
		} else {
			fmt = MS_FMT_CSV;
			guess = true;
		}
	}
	r->fmt = fmt;
	if (fmt == MS_FMT_JSONL)
		return ms_rd_jsonl_open(r, err);
	rc = ms_rd_csv_open(r, guess, err);
	return rc ? rc : read_header(r, err);
}

ms_reader *ms_reader_open(const char *path, ms_reader_format fmt, const ms_reader_limits *lim,
                          ms_error *err)
{
	ms_reader *r = reader_new(lim, path, err);
	if (!r)
		return NULL;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		ms_error_set(err, MS_ERR_IO, "无法打开文件 %s (cannot open file): %s", path,
		             strerror(errno));
		ms_reader_close(r);
		return NULL;
	}
	struct stat st;
	if (fstat(r->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			ms_error_set(err, MS_ERR_IO, "%s 是目录，不是文件 (a folder, not a file)",
			             path);
			ms_reader_close(r);
			return NULL;
		}
		if (S_ISREG(st.st_mode))
			r->total = (uint64_t)st.st_size;
	}
	if (reader_start(r, fmt, path, err)) {
		ms_reader_close(r);
		return NULL;
	}
	return r;
}

ms_reader *ms_reader_open_mem(const void *data, size_t len, const char *name, ms_reader_format fmt,
                              const ms_reader_limits *lim, ms_error *err)
{
	ms_reader *r = reader_new(lim, name, err);
	if (!r)
		return NULL;
	r->mem = data ? data : (const unsigned char *)"";
	r->mem_len = data ? len : 0;
	r->total = r->mem_len;
	if (reader_start(r, fmt, NULL, err)) {
		ms_reader_close(r);
		return NULL;
	}
	return r;
}

ms_err ms_reader_next(ms_reader *r, ms_row *row, ms_error *err)
{
	if (r->failed)
		return ms_error_set(err, r->failed, "%s", r->fail_err.msg);
	ms_error e;
	ms_error_clear(&e);
	ms_err rc = row_next(r, r->fmt == MS_FMT_JSONL ? SIZE_MAX : r->header.nfields, &e);
	if (rc == MS_ERR_NOT_FOUND)
		return rc;
	if (rc) {
		r->failed = rc;
		r->fail_err = e;
		return ms_error_set(err, rc, "%s", e.msg);
	}
	row->fields = r->fields;
	row->nfields = r->nfields;
	row->number = r->rowno;
	row->problem = r->problem;
	row->problem_msg = r->problem ? r->problem_msg : NULL;
	return MS_ERR_OK;
}

const ms_row *ms_reader_header(const ms_reader *r)
{
	return &r->header;
}

const char *ms_reader_encoding(const ms_reader *r)
{
	return ms_rd_enc_name(r->enc);
}

ms_reader_format ms_reader_format_of(const ms_reader *r)
{
	return r->fmt;
}

void ms_reader_progress(const ms_reader *r, uint64_t *done, uint64_t *total)
{
	if (r->fmt == MS_FMT_XLSX) {
		ms_rd_xlsx_progress(r, done, total);
		return;
	}
	uint64_t unread = r->wlen - r->wpos;
	if (r->enc == MS_RD_UTF8)
		unread += r->raw_len - r->raw_pos;
	else
		unread = r->raw_len - r->raw_pos;
	uint64_t d = r->read_bytes > unread ? r->read_bytes - unread : 0;
	*done = d;
	*total = r->total > d ? r->total : d;
}

void ms_reader_close(ms_reader *r)
{
	if (!r)
		return;
	ms_rd_csv_free(r);
	ms_rd_jsonl_free(r);
	ms_rd_xlsx_free(r);
	if (r->fd >= 0)
		close(r->fd);
	if (r->cnv)
		ucnv_close(r->cnv);
	if (r->u8)
		ucnv_close(r->u8);
	ms_free(r->pivot);
	ms_free(r->raw);
	ms_free(r->win);
	ms_free(r->fields);
	ms_free(r->soff);
	ms_free(r->hfields);
	ms_buf_free(&r->scratch);
	ms_buf_free(&r->tmp);
	ms_buf_free(&r->hbuf);
	ms_free(r);
}
