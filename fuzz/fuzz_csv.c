/* fuzz_csv.c — the CSV/TSV reader (src/ingest/reader_csv.c, reader_enc.c,
 * reader.c): delimiter guessing, quoting, line ends, encodings (UTF-8,
 * GB18030, UTF-16 with and without BOM), limits. The first byte picks the
 * format and small limits, so that the limits are reached by small inputs.
 *
 * Besides the checks of every reader (fuzz_reader.h), a round trip: when
 * every row is sound, the header and rows written back as CSV (every field
 * quoted) read back to exactly the same fields. */
#include "fuzz_reader.h"

#include "base/buf.h"

static bool encode_row(ms_buf *b, const ms_row *row)
{
	for (size_t i = 0; i < row->nfields; i++) {
		const ms_field *f = &row->fields[i];
		if (memchr(f->ptr, '\0', f->len))
			return false; /* a NUL would make the text look like UTF-16 */
		if (i)
			ms_buf_putc(b, ',');
		ms_buf_putc(b, '"');
		for (size_t k = 0; k < f->len; k++) {
			if (f->ptr[k] == '"')
				ms_buf_putc(b, '"');
			ms_buf_putc(b, f->ptr[k]);
		}
		ms_buf_putc(b, '"');
	}
	ms_buf_puts(b, "\r\n");
	return true;
}

/* Reads everything; true with the CSV text of header and rows in out when
 * every row is sound and can be written back. */
static bool read_encode(const uint8_t *data, size_t size, const char *name, ms_reader_format fmt,
                        const ms_reader_limits *lim, ms_buf *out)
{
	ms_error err;
	ms_error_clear(&err);
	ms_reader *r = ms_reader_open_mem(data, size, name, fmt, lim, &err);
	if (!r)
		return false;
	bool ok = encode_row(out, ms_reader_header(r));
	ms_row row;
	int n = 0;
	ms_err rc;
	while (ok && (rc = ms_reader_next(r, &row, &err)) == MS_ERR_OK) {
		if (row.problem != MS_ROW_OK || ++n > 10000) {
			ok = false;
			break;
		}
		size_t before = out->len;
		ok = encode_row(out, &row) && out->len - before < 30000;
	}
	if (ok && rc != MS_ERR_NOT_FOUND)
		ok = false;
	ms_reader_close(r);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const ms_reader_format fmts[] = {MS_FMT_AUTO, MS_FMT_CSV, MS_FMT_TSV, MS_FMT_AUTO};
	static const char *const names[] = {"fuzz.csv", "fuzz.csv", "fuzz.tsv", NULL};
	unsigned sel = data[0] & 3u;
	ms_reader_limits lim = {0};
	if (data[0] & 4u) {
		lim.row_bytes = 256;
		lim.max_fields = 8;
	}
	fuzz_read_all(data + 1, size - 1, names[sel], fmts[sel], &lim);

	ms_buf a, b;
	ms_buf_init(&a, 64u << 20);
	ms_buf_init(&b, 64u << 20);
	if (read_encode(data + 1, size - 1, names[sel], fmts[sel], &lim, &a)) {
		bool again = read_encode((const uint8_t *)a.p, a.len, "again.csv", MS_FMT_CSV, NULL, &b);
		if (!again || a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
			fprintf(stderr, "round trip differs:\n--- first\n%.*s\n--- again (%s)\n%.*s\n",
			        (int)(a.len < 2000 ? a.len : 2000), a.p, again ? "read" : "not read",
			        (int)(b.len < 2000 ? b.len : 2000), b.p ? b.p : "");
			FUZZ_ASSERT(!"the round trip gives the same fields");
		}
	}
	ms_buf_free(&a);
	ms_buf_free(&b);
	return 0;
}
