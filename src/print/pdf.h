/* pdf.h — a small layout layer over libharu for the printed forms: A4
 * pages, one embedded CJK TrueType font (subset by libharu: only the glyphs
 * used keep their outlines), text in UTF-8 wrapped to the width of the
 * page (after any CJK character or a space), headings, labelled values,
 * simple tables, boxes to write in, and a footer on every page. Only
 * src/print includes it. */
#ifndef MS_PRINT_PDF_H
#define MS_PRINT_PDF_H

#include "base/err.h"

#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pdoc {
	HPDF_Doc pdf;
	HPDF_Font font;
	char fontname[128];      /* libharu's name of the loaded font */
	HPDF_Page page;
	float y;                 /* the next line's top, in points from the bottom */
	float left, right, top, bottom;
	int pages;
	char footer[256];        /* left part of each page's footer */
	bool failed;
	unsigned long code, detail; /* libharu's error */
} pdoc;

/* Creates a document with the CJK font (path: MINSHENG_PDF_FONT, else the
 * first of the Debian fonts known; fonts-wqy-microhei is the default) and
 * its first page. */
ms_err pd_open(pdoc *d, const char *title, const char *footer, ms_error *err);
/* Writes the document to memory (malloc'd, *bytes; the caller frees) and
 * frees it. */
ms_err pd_finish(pdoc *d, char **bytes, size_t *len, ms_error *err);
void pd_free(pdoc *d);
/* The font file used (for the report and tests). */
const char *pd_font_path(void);

/* Starts a new page when less than h points are left. */
void pd_need(pdoc *d, float h);
void pd_space(pdoc *d, float h);
/* Text wrapped to the width between left + indent and right. */
void pd_text(pdoc *d, float size, float indent, const char *utf8);
/* Centred one-line text. */
void pd_center(pdoc *d, float size, const char *utf8);
/* A section heading with a rule under it. */
void pd_heading(pdoc *d, const char *utf8);
/* "label：value" with the value wrapped under itself. */
void pd_field(pdoc *d, const char *label, const char *value);
/* A box of height h with a label in its top-left corner (to write in). */
void pd_box(pdoc *d, const char *label, float h);
/* A row of a table: n cells with their widths (points); a header row is
 * shaded. Cells wrap; the row is as tall as its tallest cell. */
void pd_row(pdoc *d, int n, const float *widths, const char *const *cells, bool header);

#endif
