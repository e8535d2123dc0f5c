/* reader.h — streaming readers of the files departments send: CSV (comma or
 * tab), XLSX and JSON Lines, in UTF-8, GB18030/GBK or UTF-16. The import pulls
 * one row at a time; memory stays bounded whatever the file size, and every
 * field handed out is valid UTF-8 in Unicode NFC.
 *
 * Lifecycle:
 *  1. ms_reader_open / ms_reader_open_mem pick the format and the encoding and
 *     read the header row (the first row that is not blank). A file with no
 *     header, or a header that cannot be read, fails here.
 *  2. ms_reader_next returns the data rows in file order, then
 *     MS_ERR_NOT_FOUND. Any other code is fatal for the file (I/O, corrupt
 *     zip, over a size limit); the reader then keeps returning that code.
 *  3. ms_reader_close frees everything, including what rows pointed into.
 *
 * Row numbers are those an officer sees when opening the file in Excel:
 *  - CSV: every record counts as one row, blank lines included; a line break
 *    inside a quoted field does not start a new row. The header normally is
 *    row 1 and the first data row row 2.
 *  - XLSX: the sheet's own row numbers (<row r="N">).
 *  - JSON Lines: the line number. There is no header line: the keys of the
 *    first object name the columns, and that object is also the first data
 *    row (so header and first row share a number, normally 1).
 *
 * Values:
 *  - CSV: RFC 4180 (quotes, "" inside quotes, line breaks inside quotes); a
 *    quote only opens a quoted field at its start, and text after a closing
 *    quote is kept ("ab"cd reads abcd), as Excel does. CRLF, LF or CR.
 *  - XLSX (first sheet): shared, inline and formula strings as they are;
 *    booleans TRUE/FALSE; a number in a date format → YYYY-MM-DD (the time
 *    of day dropped); other numbers as Excel shows them at most: whole
 *    numbers below 2^53 exactly (4.0 → "4"), others in up to 15 significant
 *    digits (12345.67; 0.30000000000000004 → "0.3"); error cells as their
 *    text (#N/A). Cells are placed by their reference: gaps are empty.
 *  - JSON Lines: strings as they are; numbers as text of the same value
 *    (integers exactly; others in the shortest form that reads back the
 *    same, so 12.50 → "12.5", 1e3 → "1000"); true/false; null or an absent
 *    key → empty. A key the first object did not have, and an object or
 *    array as a value, are problems of the row.
 *
 * Encoding (text formats) is decided from the first 64 KiB: a BOM, else
 * UTF-16 when zero bytes betray it, else UTF-8 when those bytes are valid
 * UTF-8, else GB18030 (which covers GBK and GB2312). Bytes later in a UTF-8
 * file that are not UTF-8 make their row a problem (MS_ROW_BAD_ENCODING).
 *
 * Blank rows (every field empty, e.g. "" or ",,,") are skipped but still
 * counted. Empty fields at the end of a data row beyond the header's width are
 * dropped, so a trailing delimiter is harmless; a row may have fewer fields
 * than the header, and the missing ones are empty. Trailing empty header names
 * are dropped too. Fields are not trimmed: that is the import's job.
 *
 * A row with a recoverable defect is still returned, with `problem` set and a
 * message, so the import can reject that row with a reason and go on: */
#ifndef MS_INGEST_READER_H
#define MS_INGEST_READER_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
	MS_ROW_OK = 0,
	MS_ROW_UNTERMINATED_QUOTE, /* CSV: a quoted field still open at the end of the file;
	                              the field holds the rest of the file */
	MS_ROW_TOO_LONG,           /* over limits.row_bytes: returned with no fields */
	MS_ROW_TOO_MANY_FIELDS,    /* a non-empty field past limits.max_fields: returned
	                              with the first max_fields fields */
	MS_ROW_BAD_ENCODING,       /* bytes that are not text in the file's encoding (or
	                              U+FFFD); each bad byte reads as U+FFFD */
	MS_ROW_BAD_JSON,           /* JSONL: the line is not a JSON object; no fields */
	MS_ROW_UNKNOWN_FIELD,      /* JSONL: a key that the first object did not have */
	MS_ROW_NESTED_VALUE,       /* JSONL: an object or array as a value; read as empty */
	MS_ROW_BAD_CELL,           /* XLSX: a cell that cannot be read (shared string
	                              index out of range); read as empty */
} ms_row_problem;

typedef enum {
	MS_FMT_AUTO = 0, /* from the extension, else from the content */
	MS_FMT_CSV,      /* comma-separated (with AUTO, a .csv/.txt file's delimiter is
	                    guessed from the header: tab when it has more tabs than commas) */
	MS_FMT_TSV,      /* tab-separated, same quoting rules as CSV */
	MS_FMT_XLSX,     /* the first sheet of the workbook */
	MS_FMT_JSONL,    /* one JSON object per line */
} ms_reader_format;

/* Hard limits; a zero member takes the default. */
typedef struct ms_reader_limits {
	size_t row_bytes;     /* bytes of one row as UTF-8: default 64 KiB */
	size_t max_fields;    /* fields of one row: default 256 (at most 16384) */
	uint64_t unzip_bytes; /* XLSX: decompressed bytes read in all: default 2 GiB */
	size_t sst_bytes;     /* XLSX: shared strings text: default 256 MiB */
	size_t sst_count;     /* XLSX: shared strings: default 16 Mi */
} ms_reader_limits;

#define MS_READER_ROW_BYTES (64u * 1024)
#define MS_READER_MAX_FIELDS 256u
#define MS_READER_UNZIP_BYTES (2ull * 1024 * 1024 * 1024)
#define MS_READER_SST_BYTES (256u * 1024 * 1024)
#define MS_READER_SST_COUNT (16u * 1024 * 1024)

typedef struct ms_field {
	const char *ptr; /* UTF-8 NFC, not NUL-terminated; never NULL */
	size_t len;
} ms_field;

/* Everything a row points to stays valid until the next ms_reader_next or
 * ms_reader_close on its reader. */
typedef struct ms_row {
	const ms_field *fields;
	size_t nfields;
	uint64_t number;         /* Excel row number (see above) */
	ms_row_problem problem;  /* MS_ROW_OK when the row is sound */
	const char *problem_msg; /* "中文 (English)" with details; NULL when sound */
} ms_row;

typedef struct ms_reader ms_reader;

/* Opens a file. fmt MS_FMT_AUTO decides from the extension (.csv .tsv .txt
 * .xlsx .jsonl .ndjson), else from the content: a zip → XLSX, a first
 * non-blank character `{` → JSON Lines, else CSV (a zip is XLSX whatever its
 * extension says; an Excel 97-2003 .xls is refused with a message saying to
 * save it as .xlsx). lim NULL = defaults.
 * Returns NULL with err set (MS_ERR_IO, MS_ERR_INVALID, MS_ERR_TOO_LARGE,
 * MS_ERR_NOMEM) when the file cannot be read or has no header. */
ms_reader *ms_reader_open(const char *path, ms_reader_format fmt, const ms_reader_limits *lim,
                          ms_error *err);
/* The same over bytes in memory (an upload); the caller keeps data alive and
 * unchanged until ms_reader_close. name (may be NULL) gives the extension and
 * names the file in messages. */
ms_reader *ms_reader_open_mem(const void *data, size_t len, const char *name, ms_reader_format fmt,
                              const ms_reader_limits *lim, ms_error *err);

/* The next data row: MS_ERR_OK with *row filled, MS_ERR_NOT_FOUND at the end,
 * another code (with err set) when the file cannot be read further. */
ms_err ms_reader_next(ms_reader *r, ms_row *row, ms_error *err);

/* The column names (the header row), valid until ms_reader_close. */
const ms_row *ms_reader_header(const ms_reader *r);
/* "UTF-8", "GB18030", "UTF-16LE" or "UTF-16BE" (XLSX: "UTF-8"). */
const char *ms_reader_encoding(const ms_reader *r);
/* The format in use (never MS_FMT_AUTO) and its name ("csv", "tsv", ...). */
ms_reader_format ms_reader_format_of(const ms_reader *r);
const char *ms_reader_format_name(ms_reader_format fmt);
/* Progress for a bar: bytes of input consumed so far and the total, both in
 * bytes of the file (XLSX: of the sheet's decompressed XML). */
void ms_reader_progress(const ms_reader *r, uint64_t *done, uint64_t *total);

void ms_reader_close(ms_reader *r);

#endif
