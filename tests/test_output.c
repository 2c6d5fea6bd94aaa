/*
 * test_output.c - kam_out_number gives the reference text below byte for byte: money-like
 * decimals, ratios, powers of ten and their neighbours, ties of the rounding, integers around
 * 2^53 and 2^64, and random bit patterns over the whole range of doubles. CSV and JSON rows
 * come out as writing them field by field did, special characters included.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "output.h"
#include "segment.h"

static uint64_t seed = 0x243f6a8885a308d3ull;

/* splitmix64: a fixed sequence, so a failure can be repeated. */
static uint64_t next(void)
{
	uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unit(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

/* The text kam_out_number promises, the plain way: the first of %.15g..%.17g that reads back. */
static size_t reference(double v, char buf[32])
{
	int n;
	if (v != v)
		n = snprintf(buf, 32, "nan");
	else if (v - v != 0)
		n = snprintf(buf, 32, v > 0 ? "inf" : "-inf");
	else {
		for (int prec = 15; prec <= 17; prec++) {
			n = snprintf(buf, 32, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	return (size_t)n;
}

static void same(double v)
{
	char want[32], got[32];
	size_t nw = reference(v, want);
	size_t ng = kam_out_number(v, got);
	cr_assert(nw == ng && strcmp(want, got) == 0, "%a: want \"%s\", got \"%s\"", v, want, got);
}

static void both_signs(double v)
{
	same(v);
	same(-v);
}

Test(out_number, special_values)
{
	double v[] = { 0.0, -0.0, NAN, INFINITY, -INFINITY, DBL_MIN, DBL_MAX, DBL_TRUE_MIN,
		       1, 0.1, 0.5, 1e-5, 1e-4, 9.99999e-5, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23,
		       123456789012345.0, 0.3, 2.0 / 3, 1.0 / 3, 637.2679351193777,
		       0.08309166666666666, 0.9999817797112508, 2.8145106091718 };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		both_signs(v[i]);
}

Test(out_number, decimals_and_ratios)
{
	for (int i = 0; i < 100000; i++) {
		int places = (int)(next() % 12);
		double n = (double)(next() % 100000000000ull);
		both_signs(n / pow(10, places));
		both_signs((double)(next() % 100000) / (double)(1 + next() % 100000));
		both_signs((double)(next() % 1000) * 365.0 / (double)(1 + next() % 1000));
		both_signs((double)(next() % 5000) / 365.25);
	}
}

Test(out_number, log_uniform)
{
	for (int i = 0; i < 200000; i++)
		both_signs(pow(10, unit() * 60 - 20));
}

Test(out_number, powers_of_ten_and_neighbours)
{
	for (int k = -30; k <= 40; k++) {
		double p = pow(10, k);
		double up = p, down = p;
		for (int j = 0; j < 20; j++) {
			both_signs(up);
			both_signs(down);
			up = nextafter(up, INFINITY);
			down = nextafter(down, 0);
		}
		for (int j = 1; j < 1000; j++)
			both_signs(p * (1 - j * 1e-16));
	}
}

/* Decimals whose exact value lies halfway between two of 15 or 16 digits. */
Test(out_number, ties)
{
	for (int i = 0; i < 100000; i++) {
		double k15 = (double)(100000000000000ull + next() % 900000000000000ull);
		double k14 = (double)(10000000000000ull + next() % 90000000000000ull);
		both_signs(k15 + 0.5);
		both_signs(k14 + 0.25);
		both_signs(k14 + 0.75);
		both_signs((k15 + 0.5) / 1024);
		both_signs(ldexp(k15 + 0.5, -(int)(next() % 60)));
	}
}

Test(out_number, integers)
{
	for (int s = 0; s < 64; s++) {
		for (int j = -3; j <= 3; j++) {
			double v = ldexp(1, s) + j;
			both_signs(v);
		}
	}
	for (int i = 0; i < 100000; i++) {
		both_signs((double)next());
		both_signs((double)(next() >> (next() % 64)));
	}
}

Test(out_number, random_bits)
{
	for (int i = 0; i < 200000; i++) {
		uint64_t b = next();
		double v;
		memcpy(&v, &b, sizeof(v));
		same(v);
		/* and the same mantissa over the range most numbers live in */
		b = (b & 0x800fffffffffffffull) | (uint64_t)(1023 - 40 + next() % 100) << 52;
		memcpy(&v, &b, sizeof(v));
		same(v);
	}
}

/* ---- rows: the writer's line buffer gives what writing field by field gave ---- */

static const kam_col cols[] = { { "id", false }, { "note, with \"quotes\"", false },
				{ "n", true }, { "\xEF\xBB\xBFmark", false } };
static const char *const cells[][4] = {
	{ "A1", "plain", "1.5", "x" },
	{ "A2", "comma, here", "", NULL },
	{ "A3", "quote \" inside", "-2", "line\nbreak" },
	{ "A4", "\xEF\xBB\xBF" "bom first", "3", "cr\r" },
	{ "A5", "tab\there \\ and \x01", "4", "\xC3\xA9t\xC3\xA9" },
	{ NULL, "", "0", "" },
};

static char *written(kam_format fmt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	kam_out *out = kam_out_begin(f, fmt, cols, 4);
	cr_assert_not_null(out);
	for (size_t r = 0; r < sizeof(cells) / sizeof(cells[0]); r++) {
		kam_str v[4];
		for (int c = 0; c < 4; c++)
			v[c] = cells[r][c] ? kam_str_c(cells[r][c]) : (kam_str){ NULL, 0 };
		cr_assert_eq(kam_out_row(out, v), 0);
	}
	cr_assert_eq(kam_out_end(out), 0);
	fclose(f);
	return text;
}

/* The same listing written field by field with csv.c and kam_json_string. */
static char *expected(kam_format fmt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	if (fmt == KAM_FMT_CSV) {
		for (int c = 0; c < 4; c++) {
			if (c)
				fputc(',', f);
			kam_csv_write_field(f, cols[c].name, strlen(cols[c].name));
		}
		fputc('\n', f);
	}
	for (size_t r = 0; r < sizeof(cells) / sizeof(cells[0]); r++) {
		if (fmt == KAM_FMT_JSON)
			fputc('{', f);
		for (int c = 0; c < 4; c++) {
			const char *s = cells[r][c];
			if (c)
				fputc(',', f);
			if (fmt == KAM_FMT_CSV) {
				if (s)
					kam_csv_write_field(f, s, strlen(s));
				continue;
			}
			kam_json_string(f, cols[c].name, strlen(cols[c].name));
			fputc(':', f);
			if (!s)
				fputs("null", f);
			else if (cols[c].numeric && *s)
				fputs(s, f);
			else
				kam_json_string(f, s, strlen(s));
		}
		fputs(fmt == KAM_FMT_JSON ? "}\n" : "\n", f);
	}
	fclose(f);
	return text;
}

Test(out_rows, csv_and_json_as_field_by_field)
{
	kam_format fmts[] = { KAM_FMT_CSV, KAM_FMT_JSON };
	for (int i = 0; i < 2; i++) {
		char *got = written(fmts[i]), *want = expected(fmts[i]);
		cr_assert_str_eq(got, want);
		free(got);
		free(want);
	}
}

Test(out_rows, csv_quoting)
{
	char *got = written(KAM_FMT_CSV);
	cr_assert_str_eq(got,
			 "id,\"note, with \"\"quotes\"\"\",n,\"\xEF\xBB\xBFmark\"\n"
			 "A1,plain,1.5,x\n"
			 "A2,\"comma, here\",,\n"
			 "A3,\"quote \"\" inside\",-2,\"line\nbreak\"\n"
			 "A4,\"\xEF\xBB\xBF" "bom first\",3,\"cr\r\"\n"
			 "A5,tab\there \\ and \x01,4,\xC3\xA9t\xC3\xA9\n"
			 ",,0,\n");
	free(got);
}

Test(out_rows, json_escapes)
{
	char *got = written(KAM_FMT_JSON);
	cr_assert(strstr(got, "\"note, with \\\"quotes\\\"\":\"tab\\there \\\\ and \\u0001\"") != NULL,
		  "%s", got);
	cr_assert(strstr(got, "\"n\":0,") != NULL && strstr(got, "\"n\":\"\"") != NULL, "%s", got);
	cr_assert(strstr(got, "mark\":null}") != NULL, "%s", got);
	free(got);
}

/* Tables: left-aligned text, right-aligned numbers, long cells cut with an ellipsis. */
Test(out_rows, table_layout)
{
	static const kam_col tcols[] = { { "id", false }, { "n", true }, { "note", false } };
	static const char *const rows[][3] = {
		{ "A1", "1.5", "short" },
		{ "\xC3\xA9t\xC3\xA9", "-20", "0123456789012345678901234567890123456789xyz" },
		{ "A3", NULL, "" },
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	kam_out *out = kam_out_begin(f, KAM_FMT_TABLE, tcols, 3);
	for (int r = 0; r < 3; r++) {
		kam_str v[3];
		for (int c = 0; c < 3; c++)
			v[c] = rows[r][c] ? kam_str_c(rows[r][c]) : (kam_str){ NULL, 0 };
		cr_assert_eq(kam_out_row(out, v), 0);
	}
	cr_assert_eq(kam_out_end(out), 0);
	fclose(f);
	cr_assert_str_eq(text, "id     n  note\n"
			       "A1   1.5  short\n"
			       "\xC3\xA9t\xC3\xA9  -20  0123456789012345678901234567890123456789\xe2\x80\xa6\n"
			       "A3        \n");
	free(text);
}
