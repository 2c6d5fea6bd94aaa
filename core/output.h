/*
 * output.h - writing lists of rows as an aligned table, CSV or JSON lines.
 *
 * Every command that lists things goes through this, so `--format table|csv|json` means the same
 * everywhere: csv has a header row; json is one object per line with the column names as keys,
 * numeric columns unquoted and absent values as null.
 */
#ifndef KAM_OUTPUT_H
#define KAM_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"

typedef enum kam_format { KAM_FMT_TABLE, KAM_FMT_CSV, KAM_FMT_JSON } kam_format;

/* Parses "table", "csv" or "json". Returns 0 or KAM_EINVAL. */
int kam_format_parse(const char *name, kam_format *out);

typedef struct kam_col {
	const char *name;
	bool numeric; /* JSON writes the text unquoted; tables right-align it */
} kam_col;

typedef struct kam_out kam_out;

/*
 * Starts a listing of `ncols` columns on `f`. The column array must outlive the writer. Tables
 * are aligned, so their rows are kept until kam_out_end(); CSV and JSON stream.
 * Returns NULL when out of memory.
 */
kam_out *kam_out_begin(FILE *f, kam_format fmt, const kam_col *cols, unsigned ncols);
/* Writes one row of ncols values; a value with ptr == NULL is absent. Returns 0, KAM_ENOMEM, KAM_EIO. */
int kam_out_row(kam_out *out, const kam_str *values);
/* Finishes the listing (prints a table), frees the writer. Returns 0, KAM_ENOMEM or KAM_EIO. */
int kam_out_end(kam_out *out);

/*
 * Writes v as the first of "%.15g", "%.16g" and "%.17g" that reads back as exactly v
 * ("1234.5678", "0.8", "3", "1e+300"), or "nan"/"inf"/"-inf", into buf (NUL-terminated);
 * returns its length. Most numbers take integer arithmetic rather than printf and strtod.
 */
size_t kam_out_number(double v, char buf[32]);

/* Writes `s` as a JSON string literal (with quotes) to f. */
void kam_json_string(FILE *f, const char *p, size_t len);

#endif
