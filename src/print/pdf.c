/* pdf.c — the layout layer of the printed forms over libharu (pdf.h). */
#include "print/pdf.h"

#include <hpdf_doc.h>
#include <hpdf_fontdef.h>
#include <hpdf_streams.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PD_LINE 1.45f /* line height, as a multiple of the font size */
#define PD_MAX_LINES 400 /* lines of one wrapped text (a bound on a note) */

static const struct {
	const char *path;
	int index;
} fonts[] = {
	{"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0},
	{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0},
	{"/usr/share/fonts/truetype/arphic/uming.ttc", 0},
	{"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", -1},
};

/* The font to embed: MINSHENG_PDF_FONT, else the first Debian font there;
 * NULL when none. *index: the face of a collection, -1 for a .ttf. */
static const char *choose_font(int *index)
{
	const char *env = getenv("MINSHENG_PDF_FONT");
	if (env && *env) {
		*index = strstr(env, ".ttc") ? 0 : -1;
		return env;
	}
	for (size_t i = 0; i < sizeof fonts / sizeof fonts[0]; i++)
		if (access(fonts[i].path, R_OK) == 0) {
			*index = fonts[i].index;
			return fonts[i].path;
		}
	return NULL;
}

const char *pd_font_path(void)
{
	int index;
	return choose_font(&index);
}

static void on_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
	pdoc *d = user;
	if (!d->failed) {
		d->failed = true;
		d->code = code;
		d->detail = detail;
	}
}

static void footer(pdoc *d)
{
	char num[64];
	snprintf(num, sizeof num, "第 %d 页", d->pages);
	HPDF_Page_SetRGBStroke(d->page, 0.5f, 0.5f, 0.5f);
	HPDF_Page_SetLineWidth(d->page, 0.5f);
	HPDF_Page_MoveTo(d->page, d->left, d->bottom - 8);
	HPDF_Page_LineTo(d->page, d->right, d->bottom - 8);
	HPDF_Page_Stroke(d->page);
	HPDF_Page_SetRGBStroke(d->page, 0, 0, 0);
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font, 8);
	HPDF_Page_TextOut(d->page, d->left, d->bottom - 20, d->footer);
	float w = HPDF_Page_TextWidth(d->page, num);
	HPDF_Page_TextOut(d->page, d->right - w, d->bottom - 20, num);
	HPDF_Page_EndText(d->page);
}

static void new_page(pdoc *d)
{
	d->page = HPDF_AddPage(d->pdf);
	HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	float h = HPDF_Page_GetHeight(d->page), w = HPDF_Page_GetWidth(d->page);
	d->left = 56;
	d->right = w - 56;
	d->top = h - 56;
	d->bottom = 64;
	d->y = d->top;
	d->pages++;
	footer(d);
}

ms_err pd_open(pdoc *d, const char *title, const char *foot, ms_error *err)
{
	memset(d, 0, sizeof *d);
	snprintf(d->footer, sizeof d->footer, "%s", foot ? foot : "");
	int index = 0;
	const char *path = choose_font(&index);
	if (path && access(path, R_OK) != 0)
		return ms_error_set(err, MS_ERR_IO, "无法读取字体 %s (cannot read the font)", path);
	if (!path)
		return ms_error_set(err, MS_ERR_IO,
		                    "没有中文字体，无法打印：请安装 fonts-wqy-microhei（apt-get install "
		                    "fonts-wqy-microhei），或用 MINSHENG_PDF_FONT 指定 TrueType 字体 (no "
		                    "CJK font: install fonts-wqy-microhei or set MINSHENG_PDF_FONT)");
	d->pdf = HPDF_New(on_error, d);
	if (!d->pdf)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(d->pdf);
	HPDF_SetCurrentEncoder(d->pdf, "UTF-8");
	const char *name = index >= 0 ? HPDF_LoadTTFontFromFile2(d->pdf, path, (HPDF_UINT)index,
	                                                          HPDF_TRUE)
	                              : HPDF_LoadTTFontFromFile(d->pdf, path, HPDF_TRUE);
	if (name) {
		snprintf(d->fontname, sizeof d->fontname, "%s", name);
		d->font = HPDF_GetFont(d->pdf, name, "UTF-8");
	}
	if (!d->font || d->failed) {
		ms_err e = ms_error_set(err, MS_ERR_IO,
		                        "无法载入字体 %s（libharu 错误 0x%04lX） (cannot load the font)",
		                        path, d->code);
		pd_free(d);
		return e;
	}
	HPDF_SetInfoAttr(d->pdf, HPDF_INFO_TITLE, title);
	HPDF_SetInfoAttr(d->pdf, HPDF_INFO_CREATOR, "minsheng");
	new_page(d);
	return d->failed ? ms_error_set(err, MS_ERR_INTERNAL, "libharu 0x%04lX", d->code) : MS_ERR_OK;
}

void pd_free(pdoc *d)
{
	if (d->pdf)
		HPDF_Free(d->pdf);
	d->pdf = NULL;
}

/* libharu 2.3.0 keeps the outlines of the glyphs it saw used and blanks the
 * others, but its UTF-8 path never adds the components of a composite
 * glyph: many CJK glyphs of WenQuanYi (and Droid) are built of parts (核 =
 * 木 + 亥), which would print with pieces missing. Before saving, this marks
 * every component of every used glyph as used too (TrueType glyf:
 * numberOfContours < 0, then flags/glyphIndex records), recursively. */
static bool glyf_read(HPDF_Stream st, HPDF_UINT32 pos, HPDF_BYTE *buf, HPDF_UINT n)
{
	HPDF_UINT got = n;
	return HPDF_Stream_Seek(st, (HPDF_INT)pos, HPDF_SEEK_SET) == HPDF_OK &&
	       HPDF_Stream_Read(st, buf, &got) == HPDF_OK && got == n;
}

static void mark_components(HPDF_TTFontDefAttr a, HPDF_UINT16 gid, int depth)
{
	if (depth > 8 || gid >= a->num_glyphs)
		return;
	HPDF_UINT32 off = a->glyph_tbl.offsets[gid], end = a->glyph_tbl.offsets[gid + 1];
	if (end <= off + 10)
		return; /* empty, or too short to be composite */
	HPDF_UINT32 pos = a->glyph_tbl.base_offset + off;
	HPDF_BYTE b[4];
	if (!glyf_read(a->stream, pos, b, 2) || (HPDF_INT16)((b[0] << 8) | b[1]) >= 0)
		return;
	pos += 10;
	for (int k = 0; k < 64 && pos + 4 <= a->glyph_tbl.base_offset + end; k++) {
		if (!glyf_read(a->stream, pos, b, 4))
			return;
		unsigned flags = (unsigned)(b[0] << 8 | b[1]);
		HPDF_UINT16 comp = (HPDF_UINT16)(b[2] << 8 | b[3]);
		pos += 4;
		if (comp < a->num_glyphs && !a->glyph_tbl.flgs[comp]) {
			a->glyph_tbl.flgs[comp] = 1;
			mark_components(a, comp, depth + 1);
		}
		pos += (flags & 0x0001) ? 4 : 2;  /* ARG_1_AND_2_ARE_WORDS */
		if (flags & 0x0008)                /* WE_HAVE_A_SCALE */
			pos += 2;
		else if (flags & 0x0040)           /* WE_HAVE_AN_X_AND_Y_SCALE */
			pos += 4;
		else if (flags & 0x0080)           /* WE_HAVE_A_TWO_BY_TWO */
			pos += 8;
		if (!(flags & 0x0020))             /* MORE_COMPONENTS */
			break;
	}
}

static void complete_composites(pdoc *d)
{
	HPDF_FontDef def = d->fontname[0] ? HPDF_GetFontDef(d->pdf, d->fontname) : NULL;
	HPDF_TTFontDefAttr a = def && def->type == HPDF_FONTDEF_TYPE_TRUETYPE ? def->attr : NULL;
	if (!a || !a->glyph_tbl.flgs || !a->glyph_tbl.offsets || !a->stream)
		return;
	for (HPDF_UINT16 g = 0; g < a->num_glyphs; g++)
		if (a->glyph_tbl.flgs[g])
			mark_components(a, g, 0);
}

ms_err pd_finish(pdoc *d, char **bytes, size_t *len, ms_error *err)
{
	*bytes = NULL;
	*len = 0;
	ms_err e = MS_ERR_OK;
	if (!d->failed)
		complete_composites(d);
	if (!d->failed && HPDF_SaveToStream(d->pdf) == HPDF_OK) {
		HPDF_UINT32 n = HPDF_GetStreamSize(d->pdf);
		char *buf = malloc(n ? n : 1);
		HPDF_UINT32 got = n;
		if (!buf)
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		else if (HPDF_ResetStream(d->pdf) != HPDF_OK ||
		         HPDF_ReadFromStream(d->pdf, (HPDF_BYTE *)buf, &got) > HPDF_STREAM_EOF ||
		         got != n) {
			free(buf);
			e = ms_error_set(err, MS_ERR_INTERNAL, "PDF: cannot read the document back");
		} else {
			*bytes = buf;
			*len = n;
		}
	}
	if (!e && (d->failed || !*bytes))
		e = ms_error_set(err, MS_ERR_INTERNAL, "PDF（libharu 错误 0x%04lX / %lu）", d->code,
		                 d->detail);
	pd_free(d);
	return e;
}

void pd_need(pdoc *d, float h)
{
	if (d->y - h < d->bottom)
		new_page(d);
}

void pd_space(pdoc *d, float h)
{
	d->y -= h;
	if (d->y < d->bottom)
		new_page(d);
}

/* The length of the UTF-8 character at p (1 for a stray byte). */
static size_t u8len(const unsigned char *p)
{
	if (*p < 0x80)
		return 1;
	size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static float char_width(pdoc *d, const char *p, size_t n, float size)
{
	HPDF_TextWidth tw = HPDF_Font_TextWidth(d->font, (const HPDF_BYTE *)p, (HPDF_UINT)n);
	return (float)tw.width * size / 1000.0f;
}

/* Splits text into lines no wider than width: calls fn for each (start,
 * length). Breaks after a space or a non-ASCII character when it can,
 * else inside a word; '\n' always breaks. Returns the lines. */
static int wrap(pdoc *d, const char *text, float size, float width,
                void (*fn)(void *ctx, const char *s, size_t n), void *ctx)
{
	int lines = 0;
	const char *p = text ? text : "";
	while (lines < PD_MAX_LINES) {
		const char *line = p, *brk = NULL;
		float w = 0;
		while (*p && *p != '\n') {
			size_t n = u8len((const unsigned char *)p);
			float cw = char_width(d, p, n, size);
			if (w + cw > width && p > line) {
				if (brk && brk > line)
					p = brk;
				break;
			}
			w += cw;
			p += n;
			if (n > 1 || p[-1] == ' ')
				brk = p;
		}
		const char *end = p;
		while (end > line && end[-1] == ' ')
			end--;
		fn(ctx, line, (size_t)(end - line));
		lines++;
		if (*p == '\n')
			p++;
		else if (!*p)
			break;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
	}
	return lines;
}

typedef struct emit {
	pdoc *d;
	float x, size;
	bool draw;
	char buf[2048];
} emit;

static void emit_line(void *ctx, const char *s, size_t n)
{
	emit *e = ctx;
	pdoc *d = e->d;
	if (!e->draw)
		return;
	float lh = e->size * PD_LINE;
	if (d->y - lh < d->bottom)
		new_page(d);
	if (n >= sizeof e->buf)
		n = sizeof e->buf - 1;
	memcpy(e->buf, s, n);
	e->buf[n] = '\0';
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font, e->size);
	HPDF_Page_TextOut(d->page, e->x, d->y - e->size, e->buf);
	HPDF_Page_EndText(d->page);
	d->y -= lh;
}

void pd_text(pdoc *d, float size, float indent, const char *utf8)
{
	emit e = {.d = d, .x = d->left + indent, .size = size, .draw = true};
	wrap(d, utf8, size, d->right - d->left - indent, emit_line, &e);
}

void pd_center(pdoc *d, float size, const char *utf8)
{
	float lh = size * PD_LINE;
	pd_need(d, lh);
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font, size);
	float w = HPDF_Page_TextWidth(d->page, utf8);
	HPDF_Page_TextOut(d->page, (d->left + d->right - w) / 2, d->y - size, utf8);
	HPDF_Page_EndText(d->page);
	d->y -= lh;
}

void pd_heading(pdoc *d, const char *utf8)
{
	pd_need(d, 60);
	pd_space(d, 6);
	pd_text(d, 12, 0, utf8);
	HPDF_Page_SetLineWidth(d->page, 0.8f);
	HPDF_Page_MoveTo(d->page, d->left, d->y + 2);
	HPDF_Page_LineTo(d->page, d->right, d->y + 2);
	HPDF_Page_Stroke(d->page);
	pd_space(d, 4);
}

typedef struct field_emit {
	emit e;
	const char *label;
	float label_x;
	bool first;
} field_emit;

static void emit_field(void *ctx, const char *s, size_t n)
{
	field_emit *f = ctx;
	pdoc *d = f->e.d;
	float lh = f->e.size * PD_LINE;
	if (d->y - lh < d->bottom)
		new_page(d);
	if (f->first) {
		HPDF_Page_BeginText(d->page);
		HPDF_Page_SetFontAndSize(d->page, d->font, f->e.size);
		HPDF_Page_TextOut(d->page, f->label_x, d->y - f->e.size, f->label);
		HPDF_Page_EndText(d->page);
		f->first = false;
	}
	emit_line(&f->e, s, n);
}

void pd_field(pdoc *d, const char *label, const char *value)
{
	const float size = 10.5f, lw = 96;
	char lab[128];
	snprintf(lab, sizeof lab, "%s：", label);
	field_emit f = {.e = {.d = d, .x = d->left + 8 + lw, .size = size, .draw = true},
	                .label = lab,
	                .label_x = d->left + 8,
	                .first = true};
	wrap(d, value && *value ? value : "—", size, d->right - d->left - 8 - lw, emit_field, &f);
}

void pd_box(pdoc *d, const char *label, float h)
{
	pd_need(d, h + 4);
	HPDF_Page_SetLineWidth(d->page, 0.6f);
	HPDF_Page_Rectangle(d->page, d->left, d->y - h, d->right - d->left, h);
	HPDF_Page_Stroke(d->page);
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font, 10);
	HPDF_Page_TextOut(d->page, d->left + 6, d->y - 15, label);
	HPDF_Page_EndText(d->page);
	d->y -= h + 6;
}

typedef struct count_emit {
	int n;
} count_emit;

static void count_line(void *ctx, const char *s, size_t n)
{
	((count_emit *)ctx)->n++;
}

typedef struct cell_emit {
	emit e;
	float y;
} cell_emit;

static void emit_cell(void *ctx, const char *s, size_t n)
{
	cell_emit *c = ctx;
	pdoc *d = c->e.d;
	if (n >= sizeof c->e.buf)
		n = sizeof c->e.buf - 1;
	memcpy(c->e.buf, s, n);
	c->e.buf[n] = '\0';
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font, c->e.size);
	HPDF_Page_TextOut(d->page, c->e.x, c->y - c->e.size, c->e.buf);
	HPDF_Page_EndText(d->page);
	c->y -= c->e.size * PD_LINE;
}

void pd_row(pdoc *d, int n, const float *widths, const char *const *cells, bool header)
{
	const float size = 9, pad = 3;
	int lines = 1;
	for (int i = 0; i < n; i++) {
		count_emit c = {0};
		wrap(d, cells[i], size, widths[i] - 2 * pad, count_line, &c);
		if (c.n > lines)
			lines = c.n;
	}
	if (lines > 40)
		lines = 40;
	float h = lines * size * PD_LINE + 2 * pad;
	pd_need(d, h);
	if (header) {
		HPDF_Page_SetGrayFill(d->page, 0.9f);
		HPDF_Page_Rectangle(d->page, d->left, d->y - h, d->right - d->left, h);
		HPDF_Page_Fill(d->page);
		HPDF_Page_SetGrayFill(d->page, 0);
	}
	float x = d->left;
	HPDF_Page_SetLineWidth(d->page, 0.4f);
	for (int i = 0; i < n; i++) {
		HPDF_Page_Rectangle(d->page, x, d->y - h, widths[i], h);
		HPDF_Page_Stroke(d->page);
		cell_emit c = {.e = {.d = d, .x = x + pad, .size = size, .draw = true}, .y = d->y - pad};
		/* at most the lines counted for the row */
		count_emit k = {0};
		wrap(d, cells[i], size, widths[i] - 2 * pad, count_line, &k);
		if (k.n <= 40)
			wrap(d, cells[i], size, widths[i] - 2 * pad, emit_cell, &c);
		x += widths[i];
	}
	d->y -= h;
}
