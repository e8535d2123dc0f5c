/* fuzz_reader.h — draining a reader and checking what it hands out: every
 * field valid UTF-8 (reader.h promises NFC UTF-8), row numbers that never go
 * back, a problem message exactly when there is a problem, and an end that
 * stays an end. Shared by the CSV, JSON Lines and XLSX targets. */
#ifndef MS_FUZZ_READER_H
#define MS_FUZZ_READER_H

#include "fuzz.h"

#include "base/text.h"
#include "ingest/reader.h"

#include <string.h>

static void fuzz_check_row(const ms_row *row)
{
	for (size_t i = 0; i < row->nfields; i++) {
		FUZZ_ASSERT(row->fields[i].ptr != NULL);
		FUZZ_ASSERT(ms_utf8_valid(row->fields[i].ptr, row->fields[i].len));
	}
	FUZZ_ASSERT((row->problem == MS_ROW_OK) == (row->problem_msg == NULL));
	if (row->problem_msg)
		FUZZ_ASSERT(ms_utf8_valid(row->problem_msg, strlen(row->problem_msg)));
}

/* Opens the bytes with the format and limits given and reads every row. */
static void fuzz_read_all(const uint8_t *data, size_t size, const char *name,
                          ms_reader_format fmt, const ms_reader_limits *lim)
{
	ms_error err;
	ms_error_clear(&err);
	ms_reader *r = ms_reader_open_mem(data, size, name, fmt, lim, &err);
	if (!r) {
		FUZZ_ASSERT(err.code != MS_ERR_OK);
		return;
	}
	const ms_row *h = ms_reader_header(r);
	fuzz_check_row(h);
	FUZZ_ASSERT(ms_reader_format_of(r) != MS_FMT_AUTO);
	FUZZ_ASSERT(ms_reader_encoding(r) != NULL);
	ms_row row;
	uint64_t last = 0, done = 0, total = 0;
	ms_err rc;
	for (int n = 0; n < 100000; n++) {
		ms_error_clear(&err);
		rc = ms_reader_next(r, &row, &err);
		if (rc)
			break;
		fuzz_check_row(&row);
		if (ms_reader_format_of(r) != MS_FMT_XLSX) /* XLSX rows carry their own numbers */
			FUZZ_ASSERT(row.number > last || (n == 0 && row.number >= last));
		last = row.number;
		ms_reader_progress(r, &done, &total);
		if (ms_reader_format_of(r) != MS_FMT_XLSX) /* a zip may lie about sizes */
			FUZZ_ASSERT(done <= total || total == 0);
	}
	if (rc != MS_ERR_OK) {
		/* an end or a failure is sticky */
		ms_error_clear(&err);
		ms_err again = ms_reader_next(r, &row, &err);
		FUZZ_ASSERT(again == rc);
	}
	ms_reader_close(r);
}

#endif
