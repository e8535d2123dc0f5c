/* out.c — the generator's output files: rows in CSV, TSV, JSON Lines or
 * XLSX, UTF-8 or GB18030, with the header, column order and extra column the
 * profile asks for. Rows go through a large buffer; nothing is kept. */
#include "gen/internal.h"

#include "base/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unicode/ucnv.h>
#include <xlsxwriter.h>

#define OUT_BUF (1u << 20)

void ms_gen_fail(gen *g, ms_err code, const char *fmt, ...)
{
	if (g->rc)
		return;
	g->rc = code;
	va_list ap;
	va_start(ap, fmt);
	ms_error_vset(g->err, code, fmt, ap);
	va_end(ap);
}

/* ---- rows ---- */

void ms_gen_row_reset(gen_row *r, int ncol)
{
	r->n = ncol;
	r->used = 0;
	for (int i = 0; i <= GEN_MAX_COLS; i++) {
		r->v[i] = "";
		r->len[i] = 0;
	}
}

void ms_gen_row_strn(gen_row *r, int col, const char *s, size_t n)
{
	if (r->used + n + 1 > sizeof r->store)
		n = 0; /* cannot happen with the generator's values; stays well-formed */
	char *d = r->store + r->used;
	memcpy(d, s, n);
	d[n] = '\0';
	r->used += n + 1;
	r->v[col] = d;
	r->len[col] = (uint16_t)n;
}

void ms_gen_row_str(gen_row *r, int col, const char *s)
{
	ms_gen_row_strn(r, col, s, strlen(s));
}

void ms_gen_row_copy(gen_row *dst, const gen_row *src)
{
	ms_gen_row_reset(dst, src->n);
	for (int i = 0; i <= GEN_MAX_COLS; i++)
		if (src->len[i])
			ms_gen_row_strn(dst, i, src->v[i], src->len[i]);
}

static size_t put_uint(char *o, unsigned v, int width)
{
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	size_t k = 0;
	for (int i = n; i < width; i++)
		o[k++] = '0';
	while (n)
		o[k++] = tmp[--n];
	return k;
}

void ms_gen_put_date(gen *g, gen_row *r, int col, ms_date d)
{
	if (d == MS_DATE_NONE) {
		ms_gen_row_strn(r, col, "", 0);
		return;
	}
	int y, m, dd;
	ms_date_to_ymd(d, &y, &m, &dd);
	char s[32];
	size_t n = 0;
	const gen_profile *p = &g->prof;
	double u = gen_unit(&g->rng);
	if (u < p->date_slash) {
		n += put_uint(s + n, (unsigned)y, 4);
		s[n++] = '/';
		n += put_uint(s + n, (unsigned)m, 1);
		s[n++] = '/';
		n += put_uint(s + n, (unsigned)dd, 1);
	} else if (u < p->date_slash + p->date_compact) {
		n += put_uint(s + n, (unsigned)y, 4);
		n += put_uint(s + n, (unsigned)m, 2);
		n += put_uint(s + n, (unsigned)dd, 2);
	} else if (u < p->date_slash + p->date_compact + p->date_cn) {
		n += put_uint(s + n, (unsigned)y, 4);
		memcpy(s + n, "年", 3);
		n += 3;
		n += put_uint(s + n, (unsigned)m, 1);
		memcpy(s + n, "月", 3);
		n += 3;
		n += put_uint(s + n, (unsigned)dd, 1);
		memcpy(s + n, "日", 3);
		n += 3;
	} else {
		n += put_uint(s + n, (unsigned)y, 4);
		s[n++] = '-';
		n += put_uint(s + n, (unsigned)m, 2);
		s[n++] = '-';
		n += put_uint(s + n, (unsigned)dd, 2);
	}
	ms_gen_row_strn(r, col, s, n);
}

void ms_gen_put_money(gen *g, gen_row *r, int col, ms_money fen)
{
	char s[MS_MONEY_STR];
	ms_money_format(fen, fen >= 100000 && gen_chance(&g->rng, g->prof.money_thousands), s);
	ms_gen_row_str(r, col, s);
}

void ms_gen_put_int(gen_row *r, int col, long long v)
{
	char s[24];
	int n = snprintf(s, sizeof s, "%lld", v);
	ms_gen_row_strn(r, col, s, (size_t)n);
}

void ms_gen_put_id(gen *g, gen_row *r, int col, const char *id, bool variants)
{
	char s[MS_ID_STR];
	memcpy(s, id, MS_ID_STR);
	if (variants && s[17] == 'X' && gen_chance(&g->rng, g->prof.id_lower_x))
		s[17] = 'x';
	ms_gen_row_strn(r, col, s, strlen(s));
}

/* ---- files ---- */

static ms_err flush_buf(gen *g, gen_out *o)
{
	if (!o->len)
		return MS_ERR_OK;
	const char *data = o->buf;
	size_t n = o->len;
	if (o->spec->encoding == ENC_GB18030) {
		size_t need = o->len * 2 + 64;
		if (need > o->cnv_cap) {
			char *nb = ms_realloc(o->cnv_buf, need);
			if (!nb) {
				ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
				return g->rc;
			}
			o->cnv_buf = nb;
			o->cnv_cap = need;
		}
		UErrorCode st = U_ZERO_ERROR;
		char *target = o->cnv_buf;
		const char *source = o->buf;
		UChar pivot[1024], *ps = pivot, *pt = pivot;
		ucnv_convertEx(o->to_cnv, o->from_cnv, &target, o->cnv_buf + o->cnv_cap, &source,
		               o->buf + o->len, pivot, &ps, &pt, pivot + 1024, true, true, &st);
		if (U_FAILURE(st)) {
			ms_gen_fail(g, MS_ERR_INTERNAL,
			            "%s: GB18030 转换失败 (conversion failed): %s", o->path,
			            u_errorName(st));
			return g->rc;
		}
		data = o->cnv_buf;
		n = (size_t)(target - o->cnv_buf);
	}
	if (fwrite(data, 1, n, o->fp) != n) {
		ms_gen_fail(g, MS_ERR_IO, "写入 %s 失败 (write failed): %s", o->path,
		            strerror(errno));
		return g->rc;
	}
	o->len = 0;
	return MS_ERR_OK;
}

static void put_bytes(gen_out *o, const char *s, size_t n)
{
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_csv_field(gen_out *o, const char *s, size_t n, char sep)
{
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		put_bytes(o, s, n);
		return;
	}
	o->buf[o->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			o->buf[o->len++] = '"';
		o->buf[o->len++] = s[i];
	}
	o->buf[o->len++] = '"';
}

static void put_json_string(gen_out *o, const char *s, size_t n)
{
	o->buf[o->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			o->buf[o->len++] = '\\';
			o->buf[o->len++] = (char)c;
		} else if (c < 0x20) {
			static const char hex[] = "0123456789abcdef";
			put_bytes(o, "\\u00", 4);
			o->buf[o->len++] = hex[c >> 4];
			o->buf[o->len++] = hex[c & 15];
		} else {
			o->buf[o->len++] = (char)c;
		}
	}
	o->buf[o->len++] = '"';
}

/* Name of output position i (header text). */
static const char *out_header(const gen_out *o, int i)
{
	int c = o->order[i];
	return c == o->desc->ncol ? o->spec->extra_column : o->spec->header[c];
}

static void text_line(gen_out *o, const char *const *v, const uint16_t *len)
{
	const gen_file_spec *sp = o->spec;
	if (sp->format == FMT_JSONL) {
		o->buf[o->len++] = '{';
		for (int i = 0; i < o->nout; i++) {
			if (i)
				o->buf[o->len++] = ',';
			const char *h = out_header(o, i);
			put_json_string(o, h, strlen(h));
			o->buf[o->len++] = ':';
			put_json_string(o, v[i], len[i]);
		}
		put_bytes(o, "}\n", 2);
		return;
	}
	char sep = sp->format == FMT_TSV ? '\t' : ',';
	for (int i = 0; i < o->nout; i++) {
		if (i)
			o->buf[o->len++] = sep;
		put_csv_field(o, v[i], len[i], sep);
	}
	if (sp->encoding == ENC_GB18030)
		o->buf[o->len++] = '\r'; /* as written by Excel on Windows */
	o->buf[o->len++] = '\n';
}

static bool plain_number(const char *s, size_t n, double *out)
{
	if (n == 0 || n > 20)
		return false;
	double v = 0, scale = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && scale == 0) {
			scale = 1;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (s[i] - '0');
			if (scale)
				scale *= 10;
		} else {
			return false;
		}
	}
	*out = scale ? v / scale : v;
	return true;
}

static bool iso_date(const char *s, size_t n, lxw_datetime *dt)
{
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	ms_date d;
	if (ms_date_parse(s, n, &d))
		return false;
	int y, m, dd;
	ms_date_to_ymd(d, &y, &m, &dd);
	*dt = (lxw_datetime){y, m, dd, 0, 0, 0};
	return true;
}

static void xlsx_row(gen *g, gen_out *o, const char *const *v, const uint16_t *len)
{
	lxw_worksheet *ws = o->ws;
	o->xrow++;
	for (int i = 0; i < o->nout; i++) {
		if (!len[i])
			continue;
		int c = o->order[i];
		gen_col_kind k = c < o->desc->ncol ? o->desc->kind[c] : CK_TEXT;
		lxw_error e;
		lxw_datetime dt;
		double num;
		/* the row store is NUL-terminated per value */
		if (k == CK_DATE && iso_date(v[i], len[i], &dt))
			e = worksheet_write_datetime(ws, o->xrow, (lxw_col_t)i, &dt, o->datefmt);
		else if ((k == CK_MONEY || k == CK_DEC || k == CK_INT) &&
		         plain_number(v[i], len[i], &num))
			e = worksheet_write_number(ws, o->xrow, (lxw_col_t)i, num, NULL);
		else
			e = worksheet_write_string(ws, o->xrow, (lxw_col_t)i, v[i],
			                           k == CK_ID ? o->textfmt : NULL);
		if (e != LXW_NO_ERROR) {
			ms_gen_fail(g, MS_ERR_IO, "%s: 写入第 %u 行失败 (cannot write row): %s",
			            o->path, o->xrow, lxw_strerror(e));
			return;
		}
	}
}

void ms_gen_out_row(gen *g, gen_file_id id, const gen_row *r)
{
	gen_out *o = &g->out[id];
	if (g->rc)
		return;
	const char *v[GEN_MAX_COLS + 1];
	uint16_t len[GEN_MAX_COLS + 1];
	for (int i = 0; i < o->nout; i++) {
		int c = o->order[i];
		if (c == o->desc->ncol) {
			const gen_list *ev = &o->spec->extra_values;
			const char *x = ev->v[gen_below(&g->rng, (uint32_t)ev->n)];
			v[i] = x;
			len[i] = (uint16_t)strlen(x);
		} else {
			v[i] = r->v[c];
			len[i] = r->len[c];
		}
	}
	if (o->spec->format == FMT_XLSX) {
		xlsx_row(g, o, v, len);
		return;
	}
	text_line(o, v, len);
	if (o->len + 8192 > o->cap)
		flush_buf(g, o);
}

ms_err ms_gen_out_open(gen *g, gen_file_id id)
{
	gen_out *o = &g->out[id];
	memset(o, 0, sizeof *o);
	o->id = id;
	o->spec = &g->prof.files[id];
	o->desc = &ms_gen_file_desc[id];
	int n = snprintf(o->path, sizeof o->path, "%s/%s", g->opt->out_dir, o->spec->file);
	if (n < 0 || (size_t)n >= sizeof o->path) {
		ms_gen_fail(g, MS_ERR_INVALID, "输出路径过长 (output path too long)");
		return g->rc;
	}
	int ncol = o->desc->ncol;
	for (int i = 0; i < ncol; i++)
		o->order[i] = i;
	if (o->spec->shuffle) {
		/* a deterministic shuffle that is never the identity */
		gen_rng r;
		gen_rng_seed(&r, g->opt->seed ^ 0x5EEDC01ULL);
		for (int tries = 0; tries < 100; tries++) {
			for (int i = ncol - 1; i > 0; i--) {
				int j = (int)gen_below(&r, (uint32_t)(i + 1));
				int t = o->order[i];
				o->order[i] = o->order[j];
				o->order[j] = t;
			}
			bool same = true;
			for (int i = 0; i < ncol; i++)
				same = same && o->order[i] == i;
			if (!same)
				break;
		}
	}
	o->nout = ncol;
	if (o->spec->extra_column) {
		/* the extra column goes somewhere in the middle */
		int at = ncol / 2;
		for (int i = ncol; i > at; i--)
			o->order[i] = o->order[i - 1];
		o->order[at] = ncol;
		o->nout = ncol + 1;
	}

	if (o->spec->format == FMT_XLSX) {
		lxw_workbook_options wo = {.constant_memory = LXW_TRUE,
		                           .tmpdir = (char *)(uintptr_t)g->opt->out_dir};
		lxw_workbook *wb = workbook_new_opt(o->path, &wo);
		if (!wb) {
			ms_gen_fail(g, MS_ERR_IO, "无法创建 %s (cannot create)", o->path);
			return g->rc;
		}
		o->wb = wb;
		/* a fixed creation time (D, 09:00 in China) keeps the bytes reproducible */
		lxw_doc_properties props = {.title = (char *)(uintptr_t)o->spec->sheet,
		                            .created = (time_t)g->D * 86400 + 3600};
		workbook_set_properties(wb, &props);
		lxw_worksheet *ws = workbook_add_worksheet(wb, o->spec->sheet);
		lxw_format *df = workbook_add_format(wb);
		lxw_format *tf = workbook_add_format(wb);
		if (!ws || !df || !tf) {
			ms_gen_fail(g, MS_ERR_NOMEM, "%s: 无法建立工作表 (cannot add the sheet)",
			            o->path);
			return g->rc;
		}
		format_set_num_format(df, "yyyy-mm-dd");
		format_set_num_format(tf, "@");
		o->ws = ws;
		o->datefmt = df;
		o->textfmt = tf;
		for (int i = 0; i < o->nout; i++) {
			worksheet_set_column(
			    ws, (lxw_col_t)i, (lxw_col_t)i,
			    o->order[i] < ncol && o->desc->kind[o->order[i]] == CK_ID ? 21 : 12,
			    NULL);
		}
		for (int i = 0; i < o->nout; i++)
			if (worksheet_write_string(ws, 0, (lxw_col_t)i, out_header(o, i), NULL)) {
				ms_gen_fail(g, MS_ERR_IO,
				            "%s: 无法写表头 (cannot write the header)", o->path);
				return g->rc;
			}
		return MS_ERR_OK;
	}

	o->fp = fopen(o->path, "wb");
	if (!o->fp) {
		ms_gen_fail(g, MS_ERR_IO, "无法创建 %s (cannot create): %s", o->path,
		            strerror(errno));
		return g->rc;
	}
	o->buf = ms_malloc(OUT_BUF);
	if (!o->buf) {
		ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
		return g->rc;
	}
	o->cap = OUT_BUF;
	if (o->spec->encoding == ENC_GB18030) {
		UErrorCode st = U_ZERO_ERROR;
		o->from_cnv = ucnv_open("UTF-8", &st);
		o->to_cnv = ucnv_open("GB18030", &st);
		if (U_FAILURE(st)) {
			ms_gen_fail(g, MS_ERR_INTERNAL,
			            "无法打开 GB18030 转换器 (no GB18030 converter): %s",
			            u_errorName(st));
			return g->rc;
		}
	}
	if (o->spec->format != FMT_JSONL) {
		const char *v[GEN_MAX_COLS + 1];
		uint16_t len[GEN_MAX_COLS + 1];
		for (int i = 0; i < o->nout; i++) {
			v[i] = out_header(o, i);
			len[i] = (uint16_t)strlen(v[i]);
		}
		text_line(o, v, len);
	}
	return MS_ERR_OK;
}

static void release(gen_out *o)
{
	if (o->fp)
		fclose(o->fp);
	o->fp = NULL;
	ms_free(o->buf);
	ms_free(o->cnv_buf);
	o->buf = o->cnv_buf = NULL;
	if (o->from_cnv)
		ucnv_close(o->from_cnv);
	if (o->to_cnv)
		ucnv_close(o->to_cnv);
	o->from_cnv = o->to_cnv = NULL;
}

ms_err ms_gen_out_close(gen *g, gen_file_id id)
{
	gen_out *o = &g->out[id];
	if (o->wb) {
		lxw_error e = workbook_close(o->wb);
		o->wb = NULL;
		if (e != LXW_NO_ERROR)
			ms_gen_fail(g, MS_ERR_IO, "%s: 保存失败 (cannot save): %s", o->path,
			            lxw_strerror(e));
		return g->rc;
	}
	if (!o->fp)
		return g->rc;
	flush_buf(g, o);
	if (fclose(o->fp) != 0)
		ms_gen_fail(g, MS_ERR_IO, "写入 %s 失败 (write failed): %s", o->path,
		            strerror(errno));
	o->fp = NULL;
	release(o);
	return g->rc;
}

void ms_gen_out_abort(gen *g)
{
	for (int i = 0; i < F_COUNT; i++) {
		gen_out *o = &g->out[i];
		if (o->wb) {
			workbook_close(o->wb);
			o->wb = NULL;
		}
		release(o);
	}
}
