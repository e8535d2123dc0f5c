/* fuzz_xlsx.c — the XLSX reader (src/ingest/reader_xlsx.c): workbook and
 * relationships, styles (date formats), shared strings, the sheet's cells.
 *
 * Random bytes rarely make a zip whose parts decompress, so the input is
 * usually the parts themselves, separated by FUZZ_SEP, and the target packs
 * them into a valid (stored, uncompressed) zip in memory before reading it:
 *   sheet1.xml SEP sharedStrings.xml SEP styles.xml SEP workbook.xml SEP
 *   workbook.xml.rels
 * (missing parts are left out of the zip). An input that starts with "PK" is
 * taken as a whole file instead, so damaged zips are fuzzed too. */
#include "fuzz_reader.h"

#include <zlib.h>

#define FUZZ_SEP "\n@@PART@@\n"

static const char *const part_names[] = {
	"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
	"xl/workbook.xml",          "xl/_rels/workbook.xml.rels",
};
#define NPARTS (sizeof part_names / sizeof part_names[0])

typedef struct zbuf {
	uint8_t *p;
	size_t n, cap;
} zbuf;

static void zput(zbuf *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2 + 256;
		uint8_t *q = realloc(b->p, cap);
		FUZZ_ASSERT(q != NULL);
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void zu16(zbuf *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	zput(b, x, 2);
}

static void zu32(zbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	zput(b, x, 4);
}

/* A zip of the given parts, stored without compression. */
static void make_zip(zbuf *z, const uint8_t *const *part, const size_t *len, const char *const *name,
                     size_t n)
{
	uint32_t off[NPARTS], crc[NPARTS];
	for (size_t i = 0; i < n; i++) {
		off[i] = (uint32_t)z->n;
		crc[i] = (uint32_t)crc32(0L, part[i], (uInt)len[i]);
		zu32(z, 0x04034b50u);
		zu16(z, 20), zu16(z, 0), zu16(z, 0), zu16(z, 0), zu16(z, 0x21);
		zu32(z, crc[i]), zu32(z, (uint32_t)len[i]), zu32(z, (uint32_t)len[i]);
		zu16(z, (unsigned)strlen(name[i])), zu16(z, 0);
		zput(z, name[i], strlen(name[i]));
		zput(z, part[i], len[i]);
	}
	uint32_t cd = (uint32_t)z->n;
	for (size_t i = 0; i < n; i++) {
		zu32(z, 0x02014b50u);
		zu16(z, 20), zu16(z, 20), zu16(z, 0), zu16(z, 0), zu16(z, 0), zu16(z, 0x21);
		zu32(z, crc[i]), zu32(z, (uint32_t)len[i]), zu32(z, (uint32_t)len[i]);
		zu16(z, (unsigned)strlen(name[i])), zu16(z, 0), zu16(z, 0), zu16(z, 0), zu16(z, 0);
		zu32(z, 0), zu32(z, off[i]);
		zput(z, name[i], strlen(name[i]));
	}
	uint32_t cdlen = (uint32_t)z->n - cd;
	zu32(z, 0x06054b50u);
	zu16(z, 0), zu16(z, 0), zu16(z, (unsigned)n), zu16(z, (unsigned)n);
	zu32(z, cdlen), zu32(z, cd), zu16(z, 0);
}

static const uint8_t *find_sep(const uint8_t *p, const uint8_t *end)
{
	size_t sl = sizeof FUZZ_SEP - 1;
	for (; p + sl <= end; p++)
		if (*p == FUZZ_SEP[0] && !memcmp(p, FUZZ_SEP, sl))
			return p;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
		fuzz_read_all(data, size, "fuzz.xlsx", MS_FMT_XLSX, NULL);
		return 0;
	}
	const uint8_t *part[NPARTS];
	size_t len[NPARTS];
	const char *name[NPARTS];
	size_t n = 0;
	const uint8_t *p = data, *end = data + size;
	for (size_t i = 0; i < NPARTS && p; i++) {
		const uint8_t *s = find_sep(p, end);
		size_t l = (size_t)((s ? s : end) - p);
		if (l > 0) {
			part[n] = p;
			len[n] = l;
			name[n] = part_names[i];
			n++;
		}
		p = s ? s + sizeof FUZZ_SEP - 1 : NULL;
	}
	zbuf z = {0};
	make_zip(&z, part, len, name, n);
	/* small limits now and then, so they are reached by small inputs */
	ms_reader_limits lim = {0};
	if (size & 1) {
		lim.row_bytes = 256;
		lim.max_fields = 8;
		lim.sst_bytes = 1024;
		lim.sst_count = 16;
		lim.unzip_bytes = 16384;
	}
	fuzz_read_all(z.p, z.n, (size & 2) ? "fuzz.xlsx" : NULL, (size & 2) ? MS_FMT_XLSX : MS_FMT_AUTO,
	              &lim);
	free(z.p);
	return 0;
}
