/*
 * csv.h - a streaming RFC 4180 reader and a matching writer.
 *
 * The reader takes any byte stream (a file, stdin, memory), accepts a leading UTF-8 BOM, quoted
 * fields with "" escapes and embedded newlines, and LF or CRLF line ends. It keeps one row in
 * memory at a time, so a file of any size streams through a fixed amount of memory. Every field
 * is checked to be valid UTF-8 without NUL bytes.
 *
 * Details of the dialect:
 * - A line ends with LF, CRLF or a lone CR (old Mac files); a lone CR outside quotes ends the
 *   row like LF does. Inside quotes CR and LF are kept as data, and every line end (LF, CRLF,
 *   lone CR) still counts towards the physical line numbers in rows and errors.
 * - The quote must open the field: `a"b` and ` "a"` are errors, and so is anything other than
 *   a comma or a line end after the closing quote (`"a" ,` too). Spaces are kept as data.
 * - Errors are sticky: after a negative return every later kam_csv_next() returns the same code
 *   (until kam_csv_rewind()). The error's line is the line of the offending byte, except for an
 *   unterminated quoted field, which reports the line of its opening quote.
 * - Rows may have different numbers of fields; the caller decides what that means.
 */
#ifndef KAM_CSV_H
#define KAM_CSV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

#define KAM_CSV_FIELD_MAX (1u << 20) /* bytes in one field */
#define KAM_CSV_FIELDS_MAX 4096      /* fields in one row */

typedef struct kam_csv kam_csv;

/* One row; the views stay valid until the next kam_csv_next() or kam_csv_close(). */
typedef struct kam_csv_row {
	uint32_t nfields;
	const kam_str *fields;
	uint64_t line; /* 1-based physical line on which the row starts */
} kam_csv_row;

/* Where and why the reader stopped on bad input. */
typedef struct kam_csv_error {
	uint64_t line;    /* 1-based physical line of the offending byte */
	uint32_t column;  /* 1-based field number in the row */
	const char *what; /* static text: "unterminated quoted field", "invalid UTF-8", ... */
} kam_csv_error;

/*
 * Opens `path` for reading; "-" is standard input (not closed by kam_csv_close). Returns 0,
 * KAM_ENOTFOUND, KAM_EPERM, KAM_EIO (also for a directory) or KAM_ENOMEM; KAM_EINVAL for NULL
 * arguments.
 */
int kam_csv_open(const char *path, kam_csv **out);
/* Reads from `len` bytes of memory that stay valid while the reader lives (tests, fuzzing). */
int kam_csv_open_mem(const void *data, size_t len, kam_csv **out);
void kam_csv_close(kam_csv *csv);

/*
 * Reads the next row. Returns 1 with *row set, 0 at the end of the input, or a negative code:
 * KAM_EPARSE (malformed input; kam_csv_last_error() says where), KAM_ELIMIT (a field or row over
 * the limits above, located the same way), KAM_EIO, KAM_ENOMEM. A blank line at the very end
 * of the input is not a row; any other empty line is a row with one empty field.
 */
int kam_csv_next(kam_csv *csv, kam_csv_row *row);
/* Valid while the reader lives; { 0, 0, "no error" } until kam_csv_next() fails. */
const kam_csv_error *kam_csv_last_error(const kam_csv *csv);

/* Bytes consumed so far, and the input's total size (0 when unknown, as for a pipe). */
uint64_t kam_csv_bytes_read(const kam_csv *csv);
uint64_t kam_csv_total_bytes(const kam_csv *csv);

/*
 * Rewinds to the start of the input, for a retry after the store's map grew. Returns 0, or
 * KAM_EIO when the input cannot seek (a pipe that has been read past its start). A pipe whose
 * bytes all still sit in the first block (an input under 1 MiB) can be rewound. Standard input
 * that is a regular file goes back to where it was when opened. Clears a sticky error.
 */
int kam_csv_rewind(kam_csv *csv);

/*
 * Whether a field is written quoted: it holds a comma, quote, CR or LF, or starts with U+FEFF
 * (which would pass for a BOM at the start of a file). Anything else, leading or trailing spaces
 * included, is written as is since the reader keeps it as is.
 */
bool kam_csv_needs_quotes(const char *p, size_t len);
/*
 * Writes one field, quoted (its quotes doubled) when kam_csv_needs_quotes says so.
 * Returns 0 or KAM_EIO.
 */
int kam_csv_write_field(FILE *out, const char *p, size_t len);
/*
 * Writes `n` fields separated by commas and ends the line with LF. A row made of one empty
 * field is written as `""` so that it reads back as a row even on the last line. Returns 0,
 * KAM_EINVAL (n == 0) or KAM_EIO.
 */
int kam_csv_write_row(FILE *out, const kam_str *fields, uint32_t n);

/*
 * Sets how many bytes one read takes (0 restores the default of 1 MiB). Tests and the fuzzer use
 * tiny sizes so that rows cross block boundaries; call it before the first kam_csv_next().
 */
void kam_csv_set_block_size(kam_csv *csv, size_t size);

#endif
