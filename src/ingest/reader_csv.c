/* reader_csv.c — RFC 4180 comma- and tab-separated text over the UTF-8 window.
 * It must keep up with millions of rows a second, so a row is scanned with a
 * byte-class table behind a sentinel, fields point into the window, doubled
 * quotes are undone in place, and a row that ends past the window is simply
 * scanned again once more text has been read (nothing is changed before a row
 * is known to be complete). */
#include "ingest/reader_impl.h"

#include "base/mem.h"

#include <string.h>

enum {
	F_QUOTED = 1,  /* the field starts with a quote */
	F_DOUBLED = 2, /* it holds "" pairs */
	F_TAIL = 4,    /* text follows the closing quote ("ab"cd reads abcd, as Excel does) */
	F_OPEN = 8,    /* the quote never closes: the field runs to the end of the file */
};

typedef struct csv_cell {
	char *p; /* in the window, quotes included */
	size_t n;
	unsigned fl;
} csv_cell;

struct ms_rd_csv {
	unsigned char cls[256]; /* nonzero: the delimiter, CR, LF */
	unsigned char delim;
	csv_cell *cells;
};

enum { ROW_DONE, ROW_MORE };

/* The first byte at or after p whose class is nonzero; the window's sentinel
 * guarantees one. */
static inline unsigned char *scan_plain(unsigned char *p, const unsigned char *cls)
{
	for (;;) {
		if (cls[p[0]])
			return p;
		if (cls[p[1]])
			return p + 1;
		if (cls[p[2]])
			return p + 2;
		if (cls[p[3]])
			return p + 3;
		p += 4;
	}
}

typedef struct scan_out {
	size_t n;       /* fields seen (may exceed the cells kept) */
	bool overflow;  /* a non-empty field past max_fields */
	size_t row_end; /* window offset of the line end */
	size_t next;    /* window offset of the next row */
} scan_out;

/* Finds the fields of the row at wpos. ROW_MORE when the row is not complete
 * in the window and more text may come; nothing is modified then. */
static int scan_row(ms_reader *r, ms_rd_csv *c, scan_out *out)
{
	unsigned char *const base = (unsigned char *)r->win;
	unsigned char *p = base + r->wpos;
	unsigned char *const end = base + r->wlen;
	const unsigned char *cls = c->cls;
	const unsigned char delim = c->delim;
	const bool eof = r->win_eof;
	const size_t cap = r->lim.max_fields;
	csv_cell *cells = c->cells;
	size_t n = 0;
	bool over = false;
	*end = '\n';
	for (;;) {
		unsigned char *fs = p;
		unsigned fl = 0;
		if (*p == '"') {
			fl = F_QUOTED;
			unsigned char *q = p + 1;
			for (;;) {
				q = memchr(q, '"', (size_t)(end - q));
				if (!q) {
					if (!eof)
						return ROW_MORE;
					fl |= F_OPEN;
					break;
				}
				if (q + 1 == end) {
					if (!eof)
						return ROW_MORE; /* closing, or the first of a pair?
						                  */
					break;
				}
				if (q[1] != '"')
					break;
				fl |= F_DOUBLED;
				q += 2;
			}
			p = q ? q + 1 : end;
			if (!cls[*p]) {
				fl |= F_TAIL;
				p = scan_plain(p + 1, cls);
			}
		} else {
			p = scan_plain(p, cls);
		}
		if (n < cap) {
			cells[n].p = (char *)fs;
			cells[n].n = (size_t)(p - fs);
			cells[n].fl = fl;
		} else if (p > fs) {
			over = true;
		}
		n++;
		if (p == end) {
			if (!eof)
				return ROW_MORE;
			out->row_end = out->next = r->wlen;
			break;
		}
		if (*p == delim) {
			p++;
			continue;
		}
		out->row_end = (size_t)(p - base);
		if (*p == '\r') {
			if (p + 1 == end) {
				if (!eof)
					return ROW_MORE; /* CR, or the first half of CRLF? */
				out->next = r->wlen;
			} else {
				out->next = out->row_end + (p[1] == '\n' ? 2 : 1);
			}
		} else {
			out->next = out->row_end + 1;
		}
		break;
	}
	out->n = n;
	out->overflow = over;
	return ROW_DONE;
}

/* The field's text, with its quotes taken off and "" pairs undone in place. */
static void cell_field(const csv_cell *c, ms_field *f)
{
	if (!(c->fl & F_QUOTED)) {
		f->ptr = c->p;
		f->len = c->n;
		return;
	}
	if (!(c->fl & (F_DOUBLED | F_TAIL))) {
		f->ptr = c->p + 1;
		f->len = c->n - ((c->fl & F_OPEN) ? 1 : 2);
		return;
	}
	char *s = c->p + 1, *e = c->p + c->n, *w = c->p;
	while (s < e) {
		if (*s == '"') {
			if (s + 1 < e && s[1] == '"') {
				*w++ = '"';
				s += 2;
				continue;
			}
			s++;
			memmove(w, s, (size_t)(e - s));
			w += e - s;
			break;
		}
		*w++ = *s++;
	}
	f->ptr = c->p;
	f->len = (size_t)(w - c->p);
}

/* Skipping a row longer than the limit: a small state machine over as many
 * window loads as it takes, tracking quotes so the row ends where it should. */
enum { S_FSTART, S_PLAIN, S_QUOTED, S_QUOTE_SEEN, S_CR };

static bool skip_feed(int *st, const unsigned char *s, size_t n, unsigned char delim, size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		switch (*st) {
		case S_QUOTED:
			if (ch == '"')
				*st = S_QUOTE_SEEN;
			continue;
		case S_QUOTE_SEEN:
			if (ch == '"') {
				*st = S_QUOTED;
				continue;
			}
			break; /* the quote closed: ch is plain text or a separator */
		case S_CR:
			*used = ch == '\n' ? i + 1 : i;
			return true;
		case S_FSTART:
			if (ch == '"') {
				*st = S_QUOTED;
				continue;
			}
			break;
		default:
			break;
		}
		if (ch == delim)
			*st = S_FSTART;
		else if (ch == '\n') {
			*used = i + 1;
			return true;
		} else if (ch == '\r')
			*st = S_CR;
		else
			*st = S_PLAIN;
	}
	*used = n;
	return false;
}

static ms_err skip_long_row(ms_reader *r, ms_error *err)
{
	int st = S_FSTART;
	for (;;) {
		size_t used;
		bool done = skip_feed(&st, (const unsigned char *)r->win + r->wpos,
		                      r->wlen - r->wpos, r->csv->delim, &used);
		r->wpos += used;
		if (done || r->win_eof)
			break;
		ms_err rc = ms_rd_fill(r, err);
		if (rc)
			return rc;
	}
	r->rowno++;
	r->nfields = 0;
	ms_rd_problem(r, MS_ROW_TOO_LONG, "行过长，超过 %zu 字节 (row longer than %zu bytes)",
	              r->lim.row_bytes, r->lim.row_bytes);
	return MS_ERR_OK;
}

ms_err ms_rd_csv_next(ms_reader *r, ms_error *err)
{
	ms_rd_csv *c = r->csv;
	scan_out so;
	for (;;) {
		if (r->wpos == r->wlen) {
			if (r->win_eof)
				return MS_ERR_NOT_FOUND;
		} else if (scan_row(r, c, &so) == ROW_DONE) {
			break;
		} else if (r->wlen - r->wpos > r->lim.row_bytes) {
			return skip_long_row(r, err);
		}
		ms_err rc = ms_rd_fill(r, err);
		if (rc)
			return rc;
	}
	size_t start = r->wpos;
	r->wpos = so.next;
	r->rowno++;
	if (so.row_end - start > r->lim.row_bytes) {
		ms_rd_problem(r, MS_ROW_TOO_LONG,
		              "行过长，超过 %zu 字节 (row longer than %zu bytes)", r->lim.row_bytes,
		              r->lim.row_bytes);
		return MS_ERR_OK;
	}
	r->row_ascii = ms_rd_all_ascii(r->win + start, so.row_end - start);
	size_t n = so.n < r->lim.max_fields ? so.n : r->lim.max_fields;
	for (size_t i = 0; i < n; i++) {
		cell_field(&c->cells[i], &r->fields[i]);
		if (c->cells[i].fl & F_OPEN) {
			char col[8];
			ms_rd_column_name(i, col);
			ms_rd_problem(r, MS_ROW_UNTERMINATED_QUOTE,
			              "%s 列的引号没有闭合，一直延续到文件末尾 "
			              "(column %s: unterminated quote, the field runs to the end "
			              "of the file)",
			              col, col);
		}
	}
	r->nfields = n;
	if (so.overflow)
		ms_rd_problem(r, MS_ROW_TOO_MANY_FIELDS,
		              "字段过多，超过 %zu 个 (more than %zu fields)", r->lim.max_fields,
		              r->lim.max_fields);
	return MS_ERR_OK;
}

bool ms_rd_looks_like_jsonl(ms_reader *r)
{
	for (size_t i = r->wpos; i < r->wlen; i++) {
		char ch = r->win[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		return ch == '{';
	}
	return false;
}

/* The header line decides: tab when it has more tabs than commas. */
static unsigned char guess_delim(const ms_reader *r)
{
	const char *p = r->win + r->wpos, *e = r->win + r->wlen;
	while (p < e && (*p == '\r' || *p == '\n'))
		p++;
	size_t tabs = 0, commas = 0;
	for (; p < e && *p != '\n' && *p != '\r'; p++) {
		tabs += *p == '\t';
		commas += *p == ',';
	}
	return tabs > commas ? '\t' : ',';
}

ms_err ms_rd_csv_open(ms_reader *r, bool guess, ms_error *err)
{
	ms_rd_csv *c = ms_calloc(1, sizeof *c);
	if (!c)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	r->csv = c;
	c->cells = ms_calloc(r->lim.max_fields, sizeof *c->cells);
	if (!c->cells)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (guess) {
		c->delim = guess_delim(r);
		r->fmt = c->delim == '\t' ? MS_FMT_TSV : MS_FMT_CSV;
	} else {
		c->delim = r->fmt == MS_FMT_TSV ? '\t' : ',';
	}
	c->cls[c->delim] = 1;
	c->cls['\n'] = 1;
	c->cls['\r'] = 1;
	return MS_ERR_OK;
}

void ms_rd_csv_free(ms_reader *r)
{
	if (!r->csv)
		return;
	ms_free(r->csv->cells);
	ms_free(r->csv);
	r->csv = NULL;
}
