/* reader_xlsx.c — the first sheet of an XLSX workbook (Excel, WPS, LibreOffice),
 * streamed: the sheet's XML is decompressed with libzip in chunks and fed to
 * expat, which is suspended at the end of every row, so memory holds one row
 * plus the shared strings and styles, never the sheet. Every decompressed byte
 * counts against a limit, so a zip bomb ends in a clean error. */
#include "ingest/reader_impl.h"

#include "base/date.h"
#include "base/mem.h"
#include "base/text.h"

#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define CHUNK (64 * 1024)
#define MAX_XF 65536    /* cell formats; Excel allows about 64,000 */
#define MAX_NUMFMT 4096 /* custom number formats */
#define MAX_NAME 1024   /* part names and relationship ids */

typedef enum { T_NUM, T_SST, T_BOOL, T_ERR, T_STR, T_INLINE, T_DATE } cell_type;

typedef struct numfmt {
	long id;
	bool date;
} numfmt;

struct ms_rd_xlsx {
	zip_t *za;
	uint64_t unzipped; /* decompressed bytes read from every part */
	bool date1904;

	/* styles: whether each cell format (s=) shows a date */
	unsigned char *xf_date;
	size_t n_xf;

	/* shared strings: text of string i is sst[off[i], off[i + 1]) */
	ms_buf sst;
	size_t *sst_off;
	size_t sst_n, sst_cap;

	/* the sheet */
	zip_file_t *zf;
	XML_Parser p;
	uint64_t sheet_size, sheet_read;
	bool final_fed, suspended, done;

	/* the row being read */
	bool row_ready, row_too_long, row_too_many, row_bad_cell;
	char bad_cell_col[8];
	uint64_t row_num;
	long last_col;
	size_t ncols;        /* one past the highest column holding a value */
	const char **cptr;   /* per column: text in the shared strings, or NULL */
	size_t *coff, *clen; /* else offset and length in rowtext */
	unsigned char *cset;
	size_t row_bytes;
	ms_buf rowtext;

	/* the cell being read */
	bool in_c, in_v, in_is, in_t;
	int in_rph;
	cell_type ctype;
	long cstyle, ccol;
	size_t cstart;

	/* an error raised inside an expat callback */
	ms_err cb_err;
	char cb_msg[512];
};

static const XML_Memory_Handling_Suite mem_suite = {ms_malloc, ms_realloc, ms_free};

/* The local part of an element or attribute name ("uri|local"). */
static const char *local(const char *name)
{
	const char *s = strrchr(name, '|');
	return s ? s + 1 : name;
}

static const char *attr(const char **atts, const char *lname)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (strcmp(local(atts[i]), lname) == 0)
			return atts[i + 1];
	return NULL;
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

/* Fails the parse from inside a callback. */
static void cb_fail(ms_rd_xlsx *x, ms_err code, const char *msg)
{
	if (!x->cb_err) {
		x->cb_err = code;
		snprintf(x->cb_msg, sizeof x->cb_msg, "%s", msg);
	}
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL no_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	cb_fail(ud, MS_ERR_INVALID, "文件含 DOCTYPE 声明 (a DOCTYPE declaration is not allowed)");
}

static ms_err zip_fail(ms_reader *r, ms_err code, const char *what, ms_error *err)
{
	return ms_error_set(err, code, "%s: 不是有效的 XLSX 文件 (not a valid XLSX file): %s",
	                    r->name, what);
}

static XML_Parser parser_new(ms_rd_xlsx *x, void *ud)
{
	XML_Parser p = XML_ParserCreate_MM(NULL, &mem_suite, "|");
	if (!p)
		return NULL;
	XML_SetUserData(p, ud);
	XML_SetStartDoctypeDeclHandler(p, no_doctype);
	x->p = p;
	return p;
}

static zip_int64_t find_part(ms_rd_xlsx *x, const char *name)
{
	zip_int64_t i = zip_name_locate(x->za, name, 0);
	if (i < 0)
		i = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
	return i;
}

/* Reads up to n decompressed bytes, counted against the limit. */
static ms_err part_read(ms_reader *r, zip_file_t *zf, void *buf, size_t n, size_t *got,
                        const char *part, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	zip_int64_t k = zip_fread(zf, buf, n);
	if (k < 0) {
		char what[600];
		snprintf(what, sizeof what, "%s: %s", part, zip_file_strerror(zf));
		return zip_fail(r, MS_ERR_INVALID, what, err);
	}
	x->unzipped += (uint64_t)k;
	if (x->unzipped > r->lim.unzip_bytes)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "%s: 解压后超过 %llu 字节，拒绝读取 (more than %llu bytes once "
		                    "decompressed: refused)",
		                    r->name, (unsigned long long)r->lim.unzip_bytes,
		                    (unsigned long long)r->lim.unzip_bytes);
	*got = (size_t)k;
	return MS_ERR_OK;
}

static ms_err xml_fail(ms_reader *r, XML_Parser p, const char *part, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	if (x->cb_err)
		return ms_error_set(err, x->cb_err, "%s: %s: %s", r->name, part, x->cb_msg);
	if (XML_GetErrorCode(p) == XML_ERROR_NO_MEMORY)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	return ms_error_set(
	    err, MS_ERR_INVALID, "%s: %s 第 %lu 行 XML 有误 (XML error at line %lu): %s", r->name,
	    part, (unsigned long)XML_GetCurrentLineNumber(p),
	    (unsigned long)XML_GetCurrentLineNumber(p), XML_ErrorString(XML_GetErrorCode(p)));
}

/* Parses a whole part (workbook, relationships, styles, shared strings)
 * with the handlers given. *found = false when the part is missing. */
static ms_err parse_part(ms_reader *r, const char *part, XML_StartElementHandler start,
                         XML_EndElementHandler end, XML_CharacterDataHandler text, void *ud,
                         bool *found, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	*found = false;
	zip_int64_t idx = find_part(x, part);
	if (idx < 0)
		return MS_ERR_OK;
	*found = true;
	zip_file_t *zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
	if (!zf) {
		char what[600];
		snprintf(what, sizeof what, "%s: %s", part, zip_strerror(x->za));
		return zip_fail(r, MS_ERR_INVALID, what, err);
	}
	XML_Parser p = parser_new(x, ud);
	if (!p) {
		zip_fclose(zf);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	XML_SetElementHandler(p, start, end);
	if (text)
		XML_SetCharacterDataHandler(p, text);
	ms_err rc = MS_ERR_OK;
	for (;;) {
		void *buf = XML_GetBuffer(p, CHUNK);
		if (!buf) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
			break;
		}
		size_t got;
		rc = part_read(r, zf, buf, CHUNK, &got, part, err);
		if (rc)
			break;
		if (XML_ParseBuffer(p, (int)got, got == 0) != XML_STATUS_OK) {
			rc = xml_fail(r, p, part, err);
			break;
		}
		if (got == 0)
			break;
	}
	XML_ParserFree(p);
	x->p = NULL;
	zip_fclose(zf);
	return rc;
}

/* ---- workbook.xml and its relationships: which part is the first sheet ---- */

typedef struct wb_ctx {
	ms_rd_xlsx *x;
	char rid[MAX_NAME];
	char target[MAX_NAME];
	bool have_rid, have_target;
} wb_ctx;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wb_ctx *c = ud;
	const char *ln = local(name);
	if (strcmp(ln, "workbookPr") == 0) {
		const char *d = attr(atts, "date1904");
		c->x->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
	} else if (strcmp(ln, "sheet") == 0 && !c->have_rid) {
		const char *id = attr(atts, "id");
		if (id) {
			snprintf(c->rid, sizeof c->rid, "%s", id);
			c->have_rid = true;
		}
	}
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wb_ctx *c = ud;
	if (c->have_target || strcmp(local(name), "Relationship") != 0)
		return;
	const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
	if (id && target && strcmp(id, c->rid) == 0) {
		snprintf(c->target, sizeof c->target, "%s", target);
		c->have_target = true;
	}
}

static void XMLCALL no_end(void *ud, const XML_Char *name)
{
	(void)ud;
	(void)name;
}

/* A relationship target relative to xl/ ("worksheets/sheet1.xml") or to the
 * package root ("/xl/worksheets/sheet1.xml"), with "." and ".." resolved. */
static void resolve_target(const char *target, char *out, size_t cap)
{
	char path[2 * MAX_NAME + 8];
	if (target[0] == '/')
		snprintf(path, sizeof path, "%s", target + 1);
	else
		snprintf(path, sizeof path, "xl/%s", target);
	size_t n = 0;
	const char *s = path;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.')) {
			/* nothing */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			while (n > 0 && out[n - 1] != '/')
				n--;
		} else if (n + len + 2 < cap) {
			memcpy(out + n, s, len);
			n += len;
			if (e)
				out[n++] = '/';
		}
		s += len + (e ? 1 : 0);
	}
	out[n] = '\0';
}

static ms_err find_sheet(ms_reader *r, char *part, size_t cap, ms_error *err)
{
	wb_ctx c = {.x = r->xlsx};
	bool found;
	ms_err rc = parse_part(r, "xl/workbook.xml", wb_start, no_end, NULL, &c, &found, err);
	if (rc)
		return rc;
	if (!found)
		return zip_fail(r, MS_ERR_INVALID, "没有 xl/workbook.xml (no xl/workbook.xml)",
		                err);
	if (c.have_rid) {
		rc = parse_part(r, "xl/_rels/workbook.xml.rels", rels_start, no_end, NULL, &c,
		                &found, err);
		if (rc)
			return rc;
	}
	if (c.have_target)
		resolve_target(c.target, part, cap);
	else
		snprintf(part, cap, "xl/worksheets/sheet1.xml");
	return MS_ERR_OK;
}

/* ---- styles.xml: which cell formats are dates ---- */

typedef struct st_ctx {
	ms_rd_xlsx *x;
	numfmt fmts[MAX_NUMFMT];
	size_t n_fmts;
	long *xf_fmt;
	size_t n_xf;
	int in_cellxfs;
} st_ctx;

/* Built-in formats that show a date (ECMA-376 §18.8.30 and the East Asian
 * ones). A serial below 1 under them is a time of day and stays a number. */
static bool builtin_date(long id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
	       (id >= 50 && id <= 58);
}

/* A custom format shows a date when it has y or d outside quotes, brackets
 * and escapes, or m without an h or s that would make it minutes. */
static bool code_is_date(const char *s)
{
	bool ymd = false, m = false, hs = false;
	while (*s) {
		char c = *s++;
		if (c == '"') {
			while (*s && *s != '"')
				s++;
			if (*s)
				s++;
		} else if (c == '\\' || c == '_' || c == '*') {
			if (*s)
				s++;
		} else if (c == '[') {
			/* [h], [mm], [ss]: elapsed time; [Red], [$-804]: not date parts */
			const char *b = s;
			bool elapsed = *b != ']';
			while (*b && *b != ']') {
				if (!strchr("hHmMsS", *b))
					elapsed = false;
				b++;
			}
			if (elapsed)
				hs = true;
			s = *b ? b + 1 : b;
		} else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D') {
			ymd = true;
		} else if (c == 'm' || c == 'M') {
			m = true;
		} else if (c == 'h' || c == 'H' || c == 's' || c == 'S') {
			hs = true;
		}
	}
	return ymd || (m && !hs);
}

static void XMLCALL st_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	st_ctx *c = ud;
	const char *ln = local(name);
	unsigned long id;
	if (strcmp(ln, "numFmt") == 0) {
		const char *code = attr(atts, "formatCode");
		if (code && parse_ulong(attr(atts, "numFmtId"), &id) && c->n_fmts < MAX_NUMFMT) {
			c->fmts[c->n_fmts].id = (long)id;
			c->fmts[c->n_fmts].date = code_is_date(code);
			c->n_fmts++;
		}
	} else if (strcmp(ln, "cellXfs") == 0) {
		c->in_cellxfs++;
	} else if (strcmp(ln, "xf") == 0 && c->in_cellxfs && c->n_xf < MAX_XF) {
		if (!parse_ulong(attr(atts, "numFmtId"), &id))
			id = 0;
		c->xf_fmt[c->n_xf++] = (long)id;
	}
}

static void XMLCALL st_end(void *ud, const XML_Char *name)
{
	st_ctx *c = ud;
	if (strcmp(local(name), "cellXfs") == 0 && c->in_cellxfs)
		c->in_cellxfs--;
}

static ms_err read_styles(ms_reader *r, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	st_ctx *c = ms_calloc(1, sizeof *c);
	long *xf_fmt = ms_malloc(MAX_XF * sizeof *xf_fmt);
	if (!c || !xf_fmt) {
		ms_free(c);
		ms_free(xf_fmt);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	c->x = x;
	c->xf_fmt = xf_fmt;
	bool found;
	ms_err rc = parse_part(r, "xl/styles.xml", st_start, st_end, NULL, c, &found, err);
	if (!rc && c->n_xf) {
		x->xf_date = ms_calloc(c->n_xf, 1);
		if (!x->xf_date) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		} else {
			x->n_xf = c->n_xf;
			for (size_t i = 0; i < c->n_xf; i++) {
				long id = c->xf_fmt[i];
				bool date = builtin_date(id);
				for (size_t k = 0; k < c->n_fmts; k++)
					if (c->fmts[k].id == id)
						date = c->fmts[k].date;
				x->xf_date[i] = date;
			}
		}
	}
	ms_free(xf_fmt);
	ms_free(c);
	return rc;
}

/* ---- sharedStrings.xml ---- */

/* OOXML writes characters XML cannot hold as _xHHHH_ (Excel: _x000D_ for a
 * carriage return, _x005F_ for an underscore that would look like one).
 * Undone in place; the text never grows. */
static size_t ooxml_unescape(char *s, size_t n)
{
	if (!memchr(s, '_', n))
		return n;
	size_t r = 0, w = 0;
	while (r < n) {
		if (s[r] == '_' && r + 6 < n && s[r + 1] == 'x' && s[r + 6] == '_') {
			unsigned cp = 0;
			bool hex = true;
			for (size_t i = 2; i < 6; i++) {
				char c = s[r + i];
				unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
				                                    : 16u;
				if (d > 15)
					hex = false;
				cp = cp * 16 + d;
			}
			if (hex && !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0) {
				if (cp < 0x80) {
					s[w++] = (char)cp;
				} else if (cp < 0x800) {
					s[w++] = (char)(0xC0 | (cp >> 6));
					s[w++] = (char)(0x80 | (cp & 0x3F));
				} else {
					s[w++] = (char)(0xE0 | (cp >> 12));
					s[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
					s[w++] = (char)(0x80 | (cp & 0x3F));
				}
				r += 7;
				continue;
			}
		}
		s[w++] = s[r++];
	}
	return w;
}

typedef struct sst_ctx {
	ms_reader *r;
	ms_buf cur;
	bool in_si, in_t;
	int in_rph;
} sst_ctx;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	sst_ctx *c = ud;
	const char *ln = local(name);
	if (strcmp(ln, "si") == 0) {
		c->in_si = true;
		ms_buf_clear(&c->cur);
	} else if (strcmp(ln, "rPh") == 0) {
		c->in_rph++;
	} else if (strcmp(ln, "t") == 0 && c->in_si) {
		c->in_t = true;
	}
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
	sst_ctx *c = ud;
	if (!c->in_t || c->in_rph)
		return;
	ms_err rc = ms_buf_append(&c->cur, s, (size_t)len);
	if (rc == MS_ERR_TOO_LARGE)
		cb_fail(c->r->xlsx, rc,
		        "共享字符串表过大 (shared strings table over the size limit)");
	else if (rc)
		cb_fail(c->r->xlsx, rc, "内存不足 (out of memory)");
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	sst_ctx *c = ud;
	ms_reader *r = c->r;
	ms_rd_xlsx *x = r->xlsx;
	const char *ln = local(name);
	if (strcmp(ln, "t") == 0) {
		c->in_t = false;
	} else if (strcmp(ln, "rPh") == 0) {
		if (c->in_rph)
			c->in_rph--;
	} else if (strcmp(ln, "si") == 0 && c->in_si) {
		c->in_si = false;
		if (x->sst_n >= r->lim.sst_count) {
			cb_fail(x, MS_ERR_TOO_LARGE,
			        "共享字符串过多 (more shared strings than the limit allows)");
			return;
		}
		if (x->sst_n + 2 > x->sst_cap) {
			size_t cap = x->sst_cap ? x->sst_cap * 2 : 1024;
			size_t *off = ms_realloc(x->sst_off, cap * sizeof *off);
			if (!off) {
				cb_fail(x, MS_ERR_NOMEM, "内存不足 (out of memory)");
				return;
			}
			x->sst_off = off;
			x->sst_cap = cap;
		}
		size_t n = c->cur.len ? ooxml_unescape(c->cur.p, c->cur.len) : 0;
		ms_err rc;
		if (n && ms_rd_utf8_check(c->cur.p, n) == 1)
			rc = ms_text_nfc(c->cur.p, n, &x->sst);
		else
			rc = ms_buf_append(&x->sst, c->cur.p ? c->cur.p : "", n);
		if (rc == MS_ERR_TOO_LARGE) {
			cb_fail(x, rc,
			        "共享字符串表过大 (shared strings table over the size limit)");
			return;
		}
		if (rc) {
			cb_fail(x, rc, "内存不足 (out of memory)");
			return;
		}
		x->sst_n++;
		x->sst_off[x->sst_n] = x->sst.len;
	}
}

static ms_err read_shared_strings(ms_reader *r, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	sst_ctx c = {.r = r};
	ms_buf_init(&c.cur, r->lim.sst_bytes);
	ms_buf_init(&x->sst, r->lim.sst_bytes);
	x->sst_off = ms_malloc(1024 * sizeof *x->sst_off);
	if (!x->sst_off)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	x->sst_cap = 1024;
	x->sst_off[0] = 0;
	bool found;
	ms_err rc =
	    parse_part(r, "xl/sharedStrings.xml", sst_start, sst_end, sst_text, &c, &found, err);
	ms_buf_free(&c.cur);
	return rc;
}

/* ---- the sheet ---- */

/* "C5" → column 2; -1 when there is no usable reference. */
static long column_of(const char *ref)
{
	if (!ref)
		return -1;
	long col = 0;
	int letters = 0;
	for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
		col = col * 26 + (*ref - 'A' + 1);
		if (++letters > 3)
			return -1;
	}
	if (letters == 0 || (*ref && (*ref < '0' || *ref > '9')))
		return -1;
	return col - 1;
}

/* Number text as Excel shows it at most: whole numbers below 2^53 exactly
 * (4.0 → "4"), others in at most 15 significant digits, which is the
 * shortest text that round-trips whenever one that short exists and hides
 * binary noise otherwise (Excel stores 0.1+0.2 as 0.30000000000000004 and
 * shows 0.3). */
static void number_text(double v, char out[40])
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		uint64_t u = (uint64_t)fabs(v);
		char tmp[24];
		size_t n = 0, k = 0;
		do
			tmp[n++] = (char)('0' + u % 10);
		while ((u /= 10) > 0);
		if (v < 0)
			out[k++] = '-';
		while (n > 0)
			out[k++] = tmp[--n];
		out[k] = '\0';
	} else {
		snprintf(out, 40, "%.15g", v);
	}
}

/* The value of a number cell's text; digits alone (the usual case) without
 * strtod. False when the text is not a number. */
static bool number_value(const char *t, size_t n, double *out)
{
	if (n > 0 && n <= 15) {
		uint64_t u = 0;
		size_t i = 0;
		while (i < n && t[i] >= '0' && t[i] <= '9')
			u = u * 10 + (uint64_t)(t[i++] - '0');
		if (i == n) {
			*out = (double)u;
			return true;
		}
	}
	char *end;
	double v = strtod(t, &end);
	if (end != t + n || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static void row_reset(ms_rd_xlsx *x)
{
	for (size_t i = 0; i < x->ncols; i++)
		x->cset[i] = 0;
	x->ncols = 0;
	x->last_col = -1;
	x->row_bytes = 0;
	x->row_too_long = x->row_too_many = x->row_bad_cell = false;
	ms_buf_clear(&x->rowtext);
}

/* The cell's text is rowtext[cstart, len): turn it into its value. */
static void cell_end(ms_reader *r, ms_rd_xlsx *x)
{
	char *t = x->rowtext.p ? x->rowtext.p + x->cstart : NULL;
	size_t n = x->rowtext.len - x->cstart;
	const char *ptr = NULL;
	char num[40];
	const char *repl = NULL;
	switch (x->ctype) {
	case T_SST: {
		unsigned long i;
		if (n == 0)
			break;
		if (!parse_ulong(t, &i) || i >= x->sst_n) {
			if (!x->row_bad_cell && x->ccol >= 0)
				ms_rd_column_name((size_t)x->ccol, x->bad_cell_col);
			x->row_bad_cell = true;
			n = 0;
			break;
		}
		ptr = x->sst.p + x->sst_off[i];
		n = x->sst_off[i + 1] - x->sst_off[i];
		break;
	}
	case T_BOOL:
		if (n)
			repl = (n == 1 && t[0] == '0') ? "FALSE" : "TRUE";
		break;
	case T_INLINE:
		if (n)
			n = ooxml_unescape(t, n);
		break;
	case T_DATE: /* ISO 8601: keep the date */
		if (n > 10 && t[4] == '-' && t[7] == '-')
			n = 10;
		break;
	case T_NUM: {
		if (n == 0)
			break;
		double v;
		if (!number_value(t, n, &v))
			break;
		ms_date d;
		if (x->cstyle >= 0 && (size_t)x->cstyle < x->n_xf && x->xf_date[x->cstyle] &&
		    v >= 1 && v < 3e6 &&
		    ms_date_from_excel_serial((long)floor(v) + (x->date1904 ? 1462 : 0), &d) ==
		        MS_ERR_OK) {
			ms_date_format(d, num);
		} else {
			number_text(v, num);
		}
		repl = num;
		break;
	}
	case T_ERR:
	case T_STR:
		break;
	}
	if (repl) {
		x->rowtext.len = x->cstart;
		if (ms_buf_append(&x->rowtext, repl, strlen(repl)))
			x->row_too_long = true;
		n = x->rowtext.len - x->cstart;
	} else if (ptr) {
		x->rowtext.len = x->cstart; /* the index text is not needed */
	} else {
		x->rowtext.len = x->cstart + n;
	}
	if (x->rowtext.p)
		x->rowtext.p[x->rowtext.len] = '\0';
	if (x->ccol < 0 || n == 0)
		return;
	if ((size_t)x->ccol >= r->lim.max_fields) {
		x->row_too_many = true;
		return;
	}
	x->row_bytes += n;
	if (x->row_bytes > r->lim.row_bytes)
		x->row_too_long = true;
	size_t c = (size_t)x->ccol;
	x->cset[c] = 1;
	x->cptr[c] = ptr;
	x->coff[c] = x->cstart;
	x->clen[c] = n;
	if (c + 1 > x->ncols)
		x->ncols = c + 1;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	ms_reader *r = ud;
	ms_rd_xlsx *x = r->xlsx;
	const char *ln = local(name);
	unsigned long v;
	if (ln[0] == 'c' && ln[1] == '\0') {
		const char *ref = NULL, *t = NULL, *style = NULL;
		for (size_t i = 0; atts[i]; i += 2) {
			const char *a = atts[i]; /* the cell's attributes have no namespace */
			if (a[0] && !a[1]) {
				if (a[0] == 'r')
					ref = atts[i + 1];
				else if (a[0] == 't')
					t = atts[i + 1];
				else if (a[0] == 's')
					style = atts[i + 1];
			}
		}
		long col = column_of(ref);
		x->ccol = col >= 0 ? col : x->last_col + 1;
		x->last_col = x->ccol;
		x->ctype = !t                            ? T_NUM
		           : strcmp(t, "s") == 0         ? T_SST
		           : strcmp(t, "b") == 0         ? T_BOOL
		           : strcmp(t, "e") == 0         ? T_ERR
		           : strcmp(t, "str") == 0       ? T_STR
		           : strcmp(t, "inlineStr") == 0 ? T_INLINE
		           : strcmp(t, "d") == 0         ? T_DATE
		                                         : T_NUM;
		x->cstyle = parse_ulong(style, &v) && v < MAX_XF ? (long)v : -1;
		x->cstart = x->rowtext.len;
		x->in_c = true;
	} else if (!x->in_c) {
		if (strcmp(ln, "row") == 0) {
			row_reset(x);
			x->row_num = parse_ulong(attr(atts, "r"), &v) && v > 0 ? v : x->row_num + 1;
		}
	} else if (strcmp(ln, "v") == 0) {
		x->in_v = true;
	} else if (strcmp(ln, "is") == 0) {
		x->in_is = true;
	} else if (strcmp(ln, "t") == 0) {
		x->in_t = true;
	} else if (strcmp(ln, "rPh") == 0) {
		x->in_rph++;
	}
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
	ms_reader *r = ud;
	ms_rd_xlsx *x = r->xlsx;
	if (!x->in_c || !(x->in_v || (x->in_is && x->in_t && !x->in_rph)) || x->row_too_long)
		return;
	ms_err rc = ms_buf_append(&x->rowtext, s, (size_t)len);
	if (rc == MS_ERR_TOO_LARGE)
		x->row_too_long = true;
	else if (rc)
		cb_fail(x, rc, "内存不足 (out of memory)");
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	ms_reader *r = ud;
	ms_rd_xlsx *x = r->xlsx;
	const char *ln = local(name);
	if (x->in_c) {
		if (ln[0] == 'c' && ln[1] == '\0') {
			cell_end(r, x);
			x->in_c = x->in_v = x->in_is = x->in_t = false;
			x->in_rph = 0;
		} else if (strcmp(ln, "v") == 0) {
			x->in_v = false;
		} else if (strcmp(ln, "is") == 0) {
			x->in_is = false;
		} else if (strcmp(ln, "t") == 0) {
			x->in_t = false;
		} else if (strcmp(ln, "rPh") == 0 && x->in_rph) {
			x->in_rph--;
		}
	} else if (strcmp(ln, "row") == 0) {
		x->row_ready = true;
		XML_StopParser(x->p, XML_TRUE);
	} else if (strcmp(ln, "sheetData") == 0) {
		x->done = true;
		XML_StopParser(x->p, XML_TRUE);
	}
}

/* Hands the finished row to reader.c. */
static void row_emit(ms_reader *r, ms_rd_xlsx *x)
{
	r->rowno = x->row_num;
	if (x->row_too_long) {
		ms_rd_problem(r, MS_ROW_TOO_LONG,
		              "行过长，超过 %zu 字节 (row longer than %zu bytes)", r->lim.row_bytes,
		              r->lim.row_bytes);
		r->nfields = 0;
		return;
	}
	for (size_t i = 0; i < x->ncols; i++) {
		ms_field *f = &r->fields[i];
		if (!x->cset[i]) {
			f->ptr = "";
			f->len = 0;
		} else {
			f->ptr = x->cptr[i] ? x->cptr[i] : x->rowtext.p + x->coff[i];
			f->len = x->clen[i];
		}
	}
	r->nfields = x->ncols;
	if (x->row_bad_cell)
		ms_rd_problem(
		    r, MS_ROW_BAD_CELL,
		    "%s 列的单元格引用了不存在的共享字符串 (column %s: the cell refers to a "
		    "shared string that does not exist)",
		    x->bad_cell_col, x->bad_cell_col);
	if (x->row_too_many)
		ms_rd_problem(r, MS_ROW_TOO_MANY_FIELDS,
		              "字段过多，超过 %zu 个 (more than %zu fields)", r->lim.max_fields,
		              r->lim.max_fields);
}

ms_err ms_rd_xlsx_next(ms_reader *r, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	for (;;) {
		if (x->row_ready) {
			x->row_ready = false;
			row_emit(r, x);
			return MS_ERR_OK;
		}
		if (x->done)
			return MS_ERR_NOT_FOUND;
		enum XML_Status st;
		if (x->suspended) {
			st = XML_ResumeParser(x->p);
		} else {
			void *buf = XML_GetBuffer(x->p, CHUNK);
			if (!buf)
				return ms_error_set(err, MS_ERR_NOMEM, NULL);
			size_t got;
			ms_err rc = part_read(r, x->zf, buf, CHUNK, &got, "sheet", err);
			if (rc)
				return rc;
			x->sheet_read += got;
			x->final_fed = got == 0;
			st = XML_ParseBuffer(x->p, (int)got, x->final_fed);
		}
		if (st == XML_STATUS_ERROR)
			return xml_fail(r, x->p, "sheet", err);
		x->suspended = st == XML_STATUS_SUSPENDED;
		if (!x->suspended && x->final_fed)
			x->done = true;
	}
}

void ms_rd_xlsx_progress(const ms_reader *r, uint64_t *done, uint64_t *total)
{
	const ms_rd_xlsx *x = r->xlsx;
	*done = x ? x->sheet_read : 0;
	if (x && x->done && !x->row_ready && x->sheet_size > *done)
		*done = x->sheet_size; /* what follows the rows is not read */
	*total = x && x->sheet_size > *done ? x->sheet_size : *done;
}

static ms_err open_sheet(ms_reader *r, const char *part, ms_error *err)
{
	ms_rd_xlsx *x = r->xlsx;
	zip_int64_t idx = find_part(x, part);
	if (idx < 0) {
		char what[2 * MAX_NAME + 100];
		snprintf(what, sizeof what, "没有工作表 %s (no sheet %s)", part, part);
		return zip_fail(r, MS_ERR_INVALID, what, err);
	}
	zip_stat_t st;
	if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
		x->sheet_size = st.size;
	x->zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
	if (!x->zf) {
		char what[MAX_NAME + 300];
		snprintf(what, sizeof what, "%s: %s", part, zip_strerror(x->za));
		return zip_fail(r, MS_ERR_INVALID, what, err);
	}
	size_t nf = r->lim.max_fields;
	x->cptr = ms_calloc(nf, sizeof *x->cptr);
	x->coff = ms_calloc(nf, sizeof *x->coff);
	x->clen = ms_calloc(nf, sizeof *x->clen);
	x->cset = ms_calloc(nf, 1);
	ms_buf_init(&x->rowtext, r->lim.row_bytes + 64);
	XML_Parser p = parser_new(x, r);
	if (!p || !x->cptr || !x->coff || !x->clen || !x->cset)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	XML_SetElementHandler(p, sheet_start, sheet_end);
	XML_SetCharacterDataHandler(p, sheet_text);
	return MS_ERR_OK;
}

ms_err ms_rd_xlsx_open(ms_reader *r, const char *path, ms_error *err)
{
	ms_rd_xlsx *x = ms_calloc(1, sizeof *x);
	if (!x)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	r->xlsx = x;
	r->enc = MS_RD_UTF8;
	int zerr = 0;
	zip_error_t ze;
	zip_error_init(&ze);
	if (path) {
		if (r->fd >= 0) {
			close(r->fd);
			r->fd = -1;
		}
		x->za = zip_open(path, ZIP_RDONLY, &zerr);
		if (!x->za)
			zip_error_init_with_code(&ze, zerr);
	} else {
		zip_source_t *src = zip_source_buffer_create(r->mem, r->mem_len, 0, &ze);
		if (src) {
			x->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
			if (!x->za)
				zip_source_free(src);
		}
	}
	if (!x->za) {
		ms_err rc = zip_fail(r, MS_ERR_INVALID, zip_error_strerror(&ze), err);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	char part[MAX_NAME];
	ms_err rc = find_sheet(r, part, sizeof part, err);
	if (!rc)
		rc = read_styles(r, err);
	if (!rc)
		rc = read_shared_strings(r, err);
	if (!rc)
		rc = open_sheet(r, part, err);
	return rc;
}

void ms_rd_xlsx_free(ms_reader *r)
{
	ms_rd_xlsx *x = r->xlsx;
	if (!x)
		return;
	if (x->p)
		XML_ParserFree(x->p);
	if (x->zf)
		zip_fclose(x->zf);
	if (x->za)
		zip_discard(x->za);
	ms_free(x->xf_date);
	ms_buf_free(&x->sst);
	ms_free(x->sst_off);
	ms_free(x->cptr);
	ms_free(x->coff);
	ms_free(x->clen);
	ms_free(x->cset);
	ms_buf_free(&x->rowtext);
	ms_free(x);
	r->xlsx = NULL;
}
