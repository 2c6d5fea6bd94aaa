/* output.c - tables, CSV and JSON lines for every listing command. */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "csv.h"

#define TABLE_CELL_MAX 40 /* characters shown in one table cell before it is cut */

struct kam_out {
	FILE *f;
	kam_format fmt;
	const kam_col *cols;
	unsigned ncols;
	kam_buf cells;  /* table: every cell's bytes, rows kept until the end */
	kam_buf spans;  /* table: (offset, length) of each cell in `cells`, as size_t pairs */
	size_t nrows;
};

int kam_format_parse(const char *name, kam_format *out)
{
	static const char *const names[] = { "table", "csv", "json" };
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (kam_format)i;
			return 0;
		}
	return KAM_EINVAL;
}

void kam_json_string(FILE *f, const char *p, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

kam_out *kam_out_begin(FILE *f, kam_format fmt, const kam_col *cols, unsigned ncols)
{
	kam_out *out = calloc(1, sizeof(*out));
	if (!out)
		return NULL;
	out->f = f;
	out->fmt = fmt;
	out->cols = cols;
	out->ncols = ncols;
	if (fmt == KAM_FMT_CSV) {
		for (unsigned i = 0; i < ncols; i++) {
			if (i)
				fputc(',', f);
			kam_csv_write_field(f, cols[i].name, strlen(cols[i].name));
		}
		fputc('\n', f);
	}
	return out;
}

static void json_row(kam_out *out, const kam_str *v)
{
	FILE *f = out->f;
	fputc('{', f);
	for (unsigned i = 0; i < out->ncols; i++) {
		if (i)
			fputc(',', f);
		kam_json_string(f, out->cols[i].name, strlen(out->cols[i].name));
		fputc(':', f);
		if (!v[i].ptr)
			fputs("null", f);
		else if (out->cols[i].numeric && v[i].len)
			fwrite(v[i].ptr, 1, v[i].len, f);
		else
			kam_json_string(f, v[i].ptr, v[i].len);
	}
	fputs("}\n", f);
}

int kam_out_row(kam_out *out, const kam_str *v)
{
	switch (out->fmt) {
	case KAM_FMT_CSV:
		for (unsigned i = 0; i < out->ncols; i++) {
			if (i)
				fputc(',', out->f);
			if (v[i].ptr)
				kam_csv_write_field(out->f, v[i].ptr, v[i].len);
		}
		fputc('\n', out->f);
		break;
	case KAM_FMT_JSON:
		json_row(out, v);
		break;
	case KAM_FMT_TABLE:
		for (unsigned i = 0; i < out->ncols; i++) {
			size_t span[2] = { out->cells.len, v[i].ptr ? v[i].len : 0 };
			if (kam_buf_append(&out->cells, v[i].ptr, span[1]) ||
			    kam_buf_append(&out->spans, span, sizeof(span)))
				return KAM_ENOMEM;
		}
		out->nrows++;
		break;
	}
	return ferror(out->f) ? KAM_EIO : 0;
}

/* Display width of UTF-8 text, counting code points (good enough for a terminal table). */
static size_t utf8_width(const char *p, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)p[i] & 0xc0) != 0x80;
	return w;
}

/* Byte length of the longest prefix of at most `chars` code points, with newlines cut. */
static size_t utf8_prefix(const char *p, size_t len, size_t chars)
{
	size_t i = 0, w = 0;
	for (; i < len; i++) {
		if (p[i] == '\n' || p[i] == '\r')
			break;
		if (((unsigned char)p[i] & 0xc0) != 0x80 && w++ == chars)
			break;
	}
	return i;
}

static void table_cell(kam_out *out, unsigned col, const char *p, size_t len, size_t width)
{
	size_t shown = utf8_prefix(p, len, TABLE_CELL_MAX);
	size_t w = utf8_width(p, shown);
	bool cut = shown < len;
	if (cut)
		w++;
	size_t pad = width > w ? width - w : 0;
	if (out->cols[col].numeric)
		fprintf(out->f, "%*s", (int)pad, "");
	fwrite(p, 1, shown, out->f);
	if (cut)
		fputs("\xe2\x80\xa6", out->f); /* ellipsis */
	if (!out->cols[col].numeric && col + 1 < out->ncols)
		fprintf(out->f, "%*s", (int)pad, "");
}

static void table_print(kam_out *out)
{
	const size_t *spans = (const size_t *)out->spans.data;
	const char *cells = (const char *)out->cells.data;
	size_t *width = calloc(out->ncols, sizeof(*width));
	if (!width)
		return;
	for (unsigned c = 0; c < out->ncols; c++)
		width[c] = utf8_width(out->cols[c].name, strlen(out->cols[c].name));
	for (size_t r = 0; r < out->nrows; r++)
		for (unsigned c = 0; c < out->ncols; c++) {
			const size_t *s = spans + 2 * (r * out->ncols + c);
			size_t shown = utf8_prefix(cells + s[0], s[1], TABLE_CELL_MAX);
			size_t w = utf8_width(cells + s[0], shown) + (shown < s[1]);
			if (w > width[c])
				width[c] = w;
		}
	for (unsigned c = 0; c < out->ncols; c++) {
		if (c)
			fputs("  ", out->f);
		table_cell(out, c, out->cols[c].name, strlen(out->cols[c].name), width[c]);
	}
	fputc('\n', out->f);
	for (size_t r = 0; r < out->nrows; r++) {
		for (unsigned c = 0; c < out->ncols; c++) {
			const size_t *s = spans + 2 * (r * out->ncols + c);
			if (c)
				fputs("  ", out->f);
			table_cell(out, c, cells + s[0], s[1], width[c]);
		}
		fputc('\n', out->f);
	}
	free(width);
}

int kam_out_end(kam_out *out)
{
	if (!out)
		return 0;
	if (out->fmt == KAM_FMT_TABLE)
		table_print(out);
	int rc = fflush(out->f) || ferror(out->f) ? KAM_EIO : 0;
	kam_buf_free(&out->cells);
	kam_buf_free(&out->spans);
	free(out);
	return rc;
}
