/*
 * fuzz_csv.c - libFuzzer target for the CSV reader.
 *
 * Reads every row of the input and checks what the reader promises: at least one field per row,
 * fields of valid UTF-8 without NUL and within the limits, rising line numbers, errors with a
 * place. Then it reads the input again with a tiny block size (picked by the first byte) and
 * requires the very same rows and outcome, and when the input parsed cleanly, writes the rows
 * back out with the writer and requires the reader to return them unchanged.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Isdk -Icore core/csv.c core/buf.c \
 *	tests/fuzz/fuzz_csv.c -o /tmp/fuzz_csv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "buf.h"
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* A plain decoder, written independently of the reader's, to judge its output. */
static int utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t c = p[i], cp, min;
		size_t k;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			k = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			k = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i - 1 < k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Everything the reader returned, flattened so two runs can be compared byte for byte. */
struct outcome {
	kam_buf rows;
	int rc;
	kam_csv_error err;
	uint64_t nrows;
};

static void put(kam_buf *b, const void *p, size_t n)
{
	CHECK(kam_buf_append(b, p, n) == 0);
}

static void read_all(const uint8_t *data, size_t size, size_t block, struct outcome *o)
{
	kam_csv *c;
	kam_csv_row row;
	memset(o, 0, sizeof(*o));
	CHECK(kam_csv_open_mem(data, size, &c) == 0);
	kam_csv_set_block_size(c, block);
	CHECK(kam_csv_total_bytes(c) == size);
	uint64_t last_line = 0, last_read = 0;
	int rc;
	while ((rc = kam_csv_next(c, &row)) == 1) {
		CHECK(row.nfields >= 1 && row.nfields <= KAM_CSV_FIELDS_MAX);
		CHECK(row.line > last_line);
		last_line = row.line;
		CHECK(kam_csv_bytes_read(c) > last_read);
		CHECK(kam_csv_bytes_read(c) <= size);
		last_read = kam_csv_bytes_read(c);
		put(&o->rows, &row.line, sizeof(row.line));
		put(&o->rows, &row.nfields, sizeof(row.nfields));
		for (uint32_t i = 0; i < row.nfields; i++) {
			kam_str f = row.fields[i];
			CHECK(f.len <= KAM_CSV_FIELD_MAX);
			CHECK(f.len == 0 || f.ptr);
			CHECK(utf8_valid((const uint8_t *)f.ptr, f.len));
			put(&o->rows, &f.len, sizeof(f.len));
			put(&o->rows, f.ptr, f.len);
		}
		o->nrows++;
	}
	CHECK(rc == 0 || rc == KAM_EPARSE || rc == KAM_ELIMIT);
	o->rc = rc;
	if (rc < 0) {
		const kam_csv_error *e = kam_csv_last_error(c);
		CHECK(e->line >= 1 && e->line >= last_line);
		CHECK(e->column >= 1 && e->column <= KAM_CSV_FIELDS_MAX + 1);
		CHECK(e->what && *e->what);
		o->err = *e;
		CHECK(kam_csv_next(c, &row) == rc);
	} else {
		CHECK(kam_csv_bytes_read(c) == size);
		CHECK(kam_csv_next(c, &row) == 0);
	}

	/* Rewinding starts over and finds the same first row. */
	CHECK(kam_csv_rewind(c) == 0);
	rc = kam_csv_next(c, &row);
	if (o->nrows) {
		uint32_t n;
		CHECK(rc == 1);
		memcpy(&n, o->rows.data + sizeof(uint64_t), sizeof(n));
		CHECK(row.nfields == n);
	} else {
		CHECK(rc == o->rc);
	}
	kam_csv_close(c);
}

static void same(const struct outcome *a, const struct outcome *b)
{
	CHECK(a->rc == b->rc);
	CHECK(a->nrows == b->nrows);
	CHECK(a->rows.len == b->rows.len);
	CHECK(a->rows.len == 0 || memcmp(a->rows.data, b->rows.data, a->rows.len) == 0);
	if (a->rc < 0) {
		CHECK(a->err.line == b->err.line);
		CHECK(a->err.column == b->err.column);
		CHECK(strcmp(a->err.what, b->err.what) == 0);
	}
}

/* Writes the rows of a clean input back out; the reader must return them as they were. */
static void round_trip(const uint8_t *data, size_t size, const struct outcome *first)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	CHECK(f);
	kam_csv *c;
	kam_csv_row row;
	CHECK(kam_csv_open_mem(data, size, &c) == 0);
	while (kam_csv_next(c, &row) == 1)
		CHECK(kam_csv_write_row(f, row.fields, row.nfields) == 0);
	kam_csv_close(c);
	CHECK(fclose(f) == 0);

	struct outcome again;
	read_all((const uint8_t *)mem, len, 0, &again);
	/* Line ends may change (CRLF and CR become LF) but not in number, so lines match too. */
	same(first, &again);
	kam_buf_free(&again.rows);
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome a, b;
	read_all(data, size, 0, &a);
	size_t block = size ? 1 + data[0] % 13 : 1;
	read_all(data, size, block, &b);
	same(&a, &b);
	if (a.rc == 0)
		round_trip(data, size, &a);
	kam_buf_free(&a.rows);
	kam_buf_free(&b.rows);
	return 0;
}
