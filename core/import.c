/* import.c - one CSV file of one kind into the store, all or nothing. */
#include "import.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "error.h"

#define PROGRESS_EVERY 65536

/* How one CSV column feeds the record: a schema field, or a custom attribute. */
typedef struct column {
	int field; /* field number, or -1 for a custom attribute */
	kam_str header;
} column;

typedef struct import {
	const kam_import_opts *opts;
	kam_import_result *res;
	const kam_schema *schema;
	const char *name; /* file name for messages */
	kam_csv *csv;
	column *cols;
	uint32_t ncols;
	kam_buf header_copy; /* the header row's bytes, kept for the whole import */
	kam_buf attrs;
	kam_any rec;
} import;

/* Writes "FILE:LINE: ..." into the result's error buffer. */
static void fail_at(import *im, uint64_t line, const char *fmt, ...)
{
	char *buf = im->res->error;
	size_t cap = sizeof(im->res->error);
	int n = snprintf(buf, cap, "%s:%llu: ", im->name, (unsigned long long)line);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < cap)
		vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Quotes a value for an error message, cut at 40 bytes. */
static const char *shown(kam_str v, char out[64])
{
	uint32_t n = v.len > 40 ? 40 : v.len;
	snprintf(out, 64, "\"%.*s\"%s", (int)n, v.ptr ? v.ptr : "", v.len > 40 ? "..." : "");
	return out;
}

/* Finds the header that --map names for `field`, or an empty view. */
static int map_lookup(const char *map, const char *field, kam_str *header)
{
	size_t flen = strlen(field);
	for (const char *p = map; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (eq && (size_t)(eq - p) == flen && memcmp(p, field, flen) == 0) {
			*header = (kam_str){ eq + 1, (uint32_t)(len - flen - 1) };
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* Checks that every --map entry names a known field. */
static int map_check(import *im)
{
	for (const char *p = im->opts->map; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (!eq || eq == p || kam_schema_field(im->schema, p, (size_t)(eq - p)) < 0) {
			snprintf(im->res->error, sizeof(im->res->error),
				 "--map: \"%.*s\" is not FIELD=Header with a field of %s", (int)len, p,
				 im->schema->name);
			return KAM_EINVAL;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* Maps the header row to fields; reports unknown --map headers and missing required columns. */
static int read_header(import *im)
{
	kam_csv_row row;
	int rc = kam_csv_next(im->csv, &row);
	if (rc == 0) {
		fail_at(im, 1, "the file is empty; expected a header row");
		return KAM_EPARSE;
	}
	if (rc < 0)
		return rc;
	kam_buf_reset(&im->header_copy);
	for (uint32_t i = 0; i < row.nfields; i++)
		if (kam_buf_append(&im->header_copy, row.fields[i].ptr, row.fields[i].len))
			return KAM_ENOMEM;
	free(im->cols);
	im->cols = calloc(row.nfields, sizeof(*im->cols));
	if (!im->cols)
		return KAM_ENOMEM;
	im->ncols = row.nfields;
	int seen[KAM_MAX_FIELDS];
	memset(seen, 0, sizeof(seen));
	size_t off = 0;
	for (uint32_t i = 0; i < row.nfields; i++) {
		kam_str h = { (const char *)im->header_copy.data + off, row.fields[i].len };
		off += h.len;
		im->cols[i].header = h;
		im->cols[i].field = -1;
		for (unsigned f = 0; f < im->schema->nfields; f++) {
			kam_str want;
			if (!map_lookup(im->opts->map, im->schema->fields[f].name, &want))
				want = kam_str_c(im->schema->fields[f].name);
			if (kam_str_eq(want, h)) {
				im->cols[i].field = (int)f;
				break;
			}
		}
		int f = im->cols[i].field;
		if (f >= 0 && seen[f]) {
			fail_at(im, row.line, "columns %d and %u both give field %s", seen[f], i + 1,
				im->schema->fields[f].name);
			return KAM_EPARSE;
		}
		if (f >= 0)
			seen[f] = (int)i + 1;
		if (h.len == 0 && f < 0) {
			fail_at(im, row.line, "column %u has an empty header", i + 1);
			return KAM_EPARSE;
		}
	}
	for (unsigned f = 0; f < im->schema->nfields; f++) {
		const kam_field *fd = &im->schema->fields[f];
		kam_str want;
		if (seen[f])
			continue;
		if (map_lookup(im->opts->map, fd->name, &want)) {
			fail_at(im, row.line, "--map gives %s from column \"%.*s\", which the file does not have",
				fd->name, (int)want.len, want.ptr);
			return KAM_EPARSE;
		}
		if (fd->required) {
			fail_at(im, row.line, "missing required column \"%s\" for %s", fd->name,
				im->schema->name);
			return KAM_EPARSE;
		}
	}
	return 0;
}

/* A bad row: either the import's error, or one more line in the reject file. */
static int reject(import *im, const kam_csv_row *row, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	FILE *out = im->opts->rejects;
	if (!out) {
		fail_at(im, row->line, "%s", msg);
		return code;
	}
	if (im->res->rejected == 0) {
		fputs("line,error", out);
		for (uint32_t i = 0; i < im->ncols; i++) {
			fputc(',', out);
			kam_csv_write_field(out, im->cols[i].header.ptr, im->cols[i].header.len);
		}
		fputc('\n', out);
	}
	fprintf(out, "%llu,", (unsigned long long)row->line);
	kam_csv_write_field(out, msg, strlen(msg));
	for (uint32_t i = 0; i < row->nfields; i++) {
		fputc(',', out);
		kam_csv_write_field(out, row->fields[i].ptr, row->fields[i].len);
	}
	fputc('\n', out);
	im->res->rejected++;
	return ferror(out) ? KAM_EIO : 0;
}

/* Column (1-based) that feeds field f. */
static uint32_t column_of(const import *im, int f)
{
	for (uint32_t i = 0; i < im->ncols; i++)
		if (im->cols[i].field == f)
			return i + 1;
	return 0;
}

static int import_row(import *im, kam_txn *txn, const kam_csv_row *row)
{
	const kam_schema *s = im->schema;
	char v[64];
	if (row->nfields != im->ncols)
		return reject(im, row, KAM_EPARSE, "expected %u fields as in the header, found %u",
			      im->ncols, row->nfields);
	kam_rec_clear(s, &im->rec);
	kam_buf_reset(&im->attrs);
	uint32_t nattrs = 0;
	for (uint32_t i = 0; i < row->nfields; i++) {
		kam_str cell = row->fields[i];
		int f = im->cols[i].field;
		if (f < 0) {
			if (cell.len && kam_attr_append(&im->attrs, im->cols[i].header, cell))
				return KAM_ENOMEM;
			nattrs += cell.len > 0;
			continue;
		}
		const char *expected = "a valid value";
		int rc = kam_field_parse(s, &im->rec, f, cell.ptr, cell.len, &expected);
		if (rc)
			return reject(im, row, KAM_EPARSE, "column %u (%s): expected %s, found %s", i + 1,
				      s->fields[f].name, expected, shown(cell, v));
	}
	im->rec.rec.attrs = (kam_str){ (const char *)im->attrs.data, (uint32_t)im->attrs.len };
	im->rec.rec.nattrs = nattrs;
	int missing;
	if (kam_rec_check(s, &im->rec, &missing))
		return reject(im, row, KAM_EPARSE, "column %u (%s): expected a value, found an empty cell",
			      column_of(im, missing), s->fields[missing].name);
	int replaced = 0;
	int rc = kam_put(txn, s->kind, &im->rec, &replaced);
	if (rc == KAM_EREF) {
		int f = s->account_ref;
		const kam_str *ref = (const kam_str *)((const char *)&im->rec + s->fields[f].offset);
		return reject(im, row, KAM_EREF, "column %u (%s): expected the id of an existing account, found %s",
			      column_of(im, f), s->fields[f].name, shown(*ref, v));
	}
	if (rc) {
		fail_at(im, row->line, "cannot store the row: %s", kam_strerror(rc));
		return rc;
	}
	if (replaced)
		im->res->replaced++;
	else
		im->res->inserted++;
	return 0;
}

static void progress(import *im)
{
	if (im->opts->progress)
		im->opts->progress(im->opts->progress_ctx, im->res->rows, kam_csv_bytes_read(im->csv),
				   kam_csv_total_bytes(im->csv));
}

/* The body of the write transaction; restartable after the map grew. */
static int import_run(kam_txn *txn, void *arg)
{
	import *im = arg;
	kam_import_result *res = im->res;
	memset(res, 0, sizeof(*res));
	if (kam_csv_bytes_read(im->csv) > 0) {
		int rc = kam_csv_rewind(im->csv);
		if (rc) {
			snprintf(res->error, sizeof(res->error),
				 "%s: the database had to grow and the input cannot be read again; "
				 "import from a file instead of a pipe", im->name);
			return rc;
		}
		if (im->opts->rejects) {
			rewind(im->opts->rejects);
			if (ftruncate(fileno(im->opts->rejects), 0))
				return KAM_EIO;
		}
	}
	int rc = read_header(im);
	if (rc)
		return rc;
	kam_csv_row row;
	while ((rc = kam_csv_next(im->csv, &row)) > 0) {
		res->rows++;
		if ((rc = import_row(im, txn, &row)))
			return rc;
		if (res->rows % PROGRESS_EVERY == 0)
			progress(im);
	}
	if (rc < 0) {
		const kam_csv_error *e = kam_csv_last_error(im->csv);
		if (rc == KAM_EPARSE || rc == KAM_ELIMIT)
			fail_at(im, e->line, "column %u: %s", e->column, e->what);
		else
			snprintf(res->error, sizeof(res->error), "%s: %s", im->name, kam_strerror(rc));
		return rc;
	}
	progress(im);
	return 0;
}

int kam_import(kam_store *store, const kam_import_opts *opts, kam_import_result *result)
{
	import im = { .opts = opts, .res = result, .schema = kam_schema_of(opts->kind) };
	im.name = strcmp(opts->path, "-") == 0 ? "<stdin>" : opts->path;
	memset(result, 0, sizeof(*result));
	int rc = map_check(&im);
	if (rc)
		return rc;
	rc = kam_csv_open(opts->path, &im.csv);
	if (rc) {
		snprintf(result->error, sizeof(result->error), "%s: %s", im.name, kam_strerror(rc));
		return rc;
	}
	/*
	 * A database takes two to three times the CSV bytes: reserve the map for that now, or a big
	 * import would fill the map, grow it and start again. Best effort: the retry still works.
	 */
	uint64_t total = kam_csv_total_bytes(im.csv);
	if (total)
		kam_store_reserve(store, total * 3);
	rc = kam_store_write(store, import_run, &im);
	if (rc && !result->error[0])
		snprintf(result->error, sizeof(result->error), "%s: %s", im.name, kam_strerror(rc));
	kam_csv_close(im.csv);
	free(im.cols);
	kam_buf_free(&im.header_copy);
	kam_buf_free(&im.attrs);
	return rc;
}
