/* reader_impl.h — what the reader's source files share (reader.c, reader_enc.c,
 * reader_csv.c, reader_jsonl.c, reader_xlsx.c); nothing outside them includes
 * it. The public interface is reader.h. */
#ifndef MS_INGEST_READER_IMPL_H
#define MS_INGEST_READER_IMPL_H

#include "ingest/reader.h"

#include "base/buf.h"

#include <stdbool.h>
#include <unicode/ucnv.h>

typedef enum { MS_RD_UTF8, MS_RD_GB18030, MS_RD_UTF16LE, MS_RD_UTF16BE } ms_rd_enc;

#define MS_RD_SAMPLE (64u * 1024)  /* bytes that decide the encoding */
#define MS_RD_WINDOW (256u * 1024) /* window bytes beyond the longest row */
#define MS_RD_PIVOT 4096           /* UTF-16 units between the two converters */
#define MS_RD_MAX_FIELDS 16384u    /* Excel's column count */
#define MS_RD_MAX_ROW_BYTES (256u * 1024 * 1024)

typedef struct ms_rd_csv ms_rd_csv;
typedef struct ms_rd_jsonl ms_rd_jsonl;
typedef struct ms_rd_xlsx ms_rd_xlsx;

struct ms_reader {
	ms_reader_format fmt;
	ms_reader_limits lim;
	char name[256]; /* the file's name, for messages */

	/* Source: a file descriptor or bytes in memory. */
	int fd;
	const unsigned char *mem;
	size_t mem_len, mem_pos;
	uint64_t total;      /* size of the input, 0 = unknown */
	uint64_t read_bytes; /* taken from the source so far */
	bool src_eof;

	/* Raw bytes: the sample that decides the encoding, then the decoder's input. */
	unsigned char *raw;
	size_t raw_pos, raw_len;

	/* Decoding into UTF-8 (only when the file is not UTF-8). */
	ms_rd_enc enc;
	UConverter *cnv, *u8;
	UChar *pivot, *pivot_src, *pivot_tgt;
	bool dec_reset, dec_done;

	/* The window of UTF-8 text the text formats parse: [wpos, wlen) is
	 * unread; one byte past wcap is kept for a sentinel. */
	char *win;
	size_t wpos, wlen, wcap;
	bool win_eof; /* nothing more will come after wlen */

	/* The row being returned. A format fills fields/nfields/rowno (and maybe
	 * a problem); reader.c then validates and normalises the fields. */
	ms_field *fields;
	size_t *soff; /* per field: offset in scratch, or SIZE_MAX */
	size_t nfields;
	ms_buf scratch; /* fields rewritten by NFC or U+FFFD replacement */
	ms_buf tmp;
	bool row_ascii; /* the format knows every field is ASCII */
	uint64_t rowno;
	ms_row_problem problem;
	char problem_msg[512];

	/* The header, copied so it outlives the rows. */
	ms_row header;
	ms_field *hfields;
	ms_buf hbuf;

	ms_rd_csv *csv;
	ms_rd_jsonl *jsonl;
	ms_rd_xlsx *xlsx;

	ms_err failed; /* a fatal error already reported: returned again */
	ms_error fail_err;
};

/* reader.c */
void ms_rd_problem(ms_reader *r, ms_row_problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How many of s's n bytes fit in max without cutting a character (for %.*s). */
int ms_rd_clip(const char *s, size_t n, size_t max);
/* Excel's column letters of a 0-based index ("A", "AB"); out has 8 bytes. */
void ms_rd_column_name(size_t col, char out[8]);
/* Validates and normalises the current row's fields (rewriting into scratch
 * those that change); may set the row's problem. */
ms_err ms_rd_finish_row(ms_reader *r, ms_error *err);
/* Copies the current row into the reader as its header. */
ms_err ms_rd_keep_header(ms_reader *r, ms_error *err);

/* reader_enc.c: source, encoding and the UTF-8 window. */
ms_err ms_rd_read_sample(ms_reader *r, ms_error *err);
ms_err ms_rd_decode_start(ms_reader *r, ms_error *err);
/* Moves the unread part of the window to its start and appends more text.
 * Afterwards either more bytes are unread than before, or win_eof is set. */
ms_err ms_rd_fill(ms_reader *r, ms_error *err);
const char *ms_rd_enc_name(ms_rd_enc e);
/* Builds the table ms_rd_utf8_check uses (once per process; thread-safe). */
void ms_rd_text_init(void);
/* 0: valid UTF-8 made only of characters that keep any text NFC;
 * 1: valid, but needs a real NFC pass; 2: invalid bytes or U+FFFD. */
int ms_rd_utf8_check(const char *s, size_t n);
bool ms_rd_all_ascii(const char *s, size_t n);
/* Appends s to out with each invalid byte replaced by U+FFFD. */
ms_err ms_rd_utf8_repair(const char *s, size_t n, ms_buf *out);

/* reader_csv.c */
ms_err ms_rd_csv_open(ms_reader *r, bool guess_delim, ms_error *err);
ms_err ms_rd_csv_next(ms_reader *r, ms_error *err);
void ms_rd_csv_free(ms_reader *r);
/* True when the first non-blank character of the window is '{'. */
bool ms_rd_looks_like_jsonl(ms_reader *r);

/* reader_jsonl.c */
ms_err ms_rd_jsonl_open(ms_reader *r, ms_error *err);
ms_err ms_rd_jsonl_next(ms_reader *r, ms_error *err);
void ms_rd_jsonl_free(ms_reader *r);

/* reader_xlsx.c */
ms_err ms_rd_xlsx_open(ms_reader *r, const char *path, ms_error *err);
ms_err ms_rd_xlsx_next(ms_reader *r, ms_error *err);
void ms_rd_xlsx_progress(const ms_reader *r, uint64_t *done, uint64_t *total);
void ms_rd_xlsx_free(ms_reader *r);

#endif
