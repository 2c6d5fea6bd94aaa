/* test_csv.c - the streaming CSV reader and writer. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kam/errors.h>

#include "buf.h"
#include "csv.h"

/*
 * Expected rows are written as a flat list of fields: each row ends with NULL and the list ends
 * with a second NULL (a row never has zero fields, so there is no ambiguity).
 */
#define END NULL

/* Block sizes every small input is read with: tiny ones make each row cross many blocks. */
static const size_t small_blocks[] = { 0, 1, 2, 3, 5, 8, 64 };
#define NBLOCKS (sizeof(small_blocks) / sizeof(small_blocks[0]))

struct expect {
	int rc;           /* what kam_csv_next returns after the last row: 0 or an error */
	uint64_t line;    /* the error's line */
	uint32_t column;  /* the error's column */
	const char *what; /* a substring of the error's message, or NULL */
};

static void check_rows_block(const char *in, size_t len, const char *const *exp,
			     const uint64_t *lines, struct expect e, size_t block)
{
	kam_csv *c;
	cr_assert_eq(kam_csv_open_mem(in, len, &c), 0);
	kam_csv_set_block_size(c, block);
	kam_csv_row row;
	size_t k = 0, nrow = 0;
	int rc;
	uint64_t seen = 0;
	while ((rc = kam_csv_next(c, &row)) == 1) {
		cr_assert_not_null(exp[k], "block %zu: unexpected row %zu", block, nrow);
		cr_assert_geq(row.nfields, 1);
		for (uint32_t i = 0; i < row.nfields; i++, k++) {
			cr_assert_not_null(exp[k], "block %zu: row %zu has too many fields", block,
					   nrow);
			kam_str want = kam_str_c(exp[k]);
			cr_assert(kam_str_eq(row.fields[i], want),
				  "block %zu: row %zu field %u is '%.*s', want '%s'", block, nrow, i,
				  (int)row.fields[i].len, row.fields[i].ptr, exp[k]);
		}
		cr_assert_null(exp[k], "block %zu: row %zu has too few fields", block, nrow);
		k++;
		if (lines)
			cr_assert_eq(row.line, lines[nrow], "block %zu: row %zu on line %lu, want %lu",
				     block, nrow, (unsigned long)row.line,
				     (unsigned long)lines[nrow]);
		cr_assert_geq(kam_csv_bytes_read(c), seen);
		seen = kam_csv_bytes_read(c);
		nrow++;
	}
	cr_assert_null(exp[k], "block %zu: missing row %zu", block, nrow);
	cr_assert_eq(rc, e.rc, "block %zu: rc %d, want %d", block, rc, e.rc);
	if (rc < 0) {
		const kam_csv_error *err = kam_csv_last_error(c);
		cr_assert_eq(err->line, e.line, "block %zu: error line %lu, want %lu", block,
			     (unsigned long)err->line, (unsigned long)e.line);
		cr_assert_eq(err->column, e.column, "block %zu: error column %u, want %u", block,
			     err->column, e.column);
		if (e.what)
			cr_assert(strstr(err->what, e.what), "block %zu: error '%s', want '%s'",
				  block, err->what, e.what);
		/* Errors are sticky. */
		cr_assert_eq(kam_csv_next(c, &row), rc);
	} else {
		cr_assert_eq(kam_csv_bytes_read(c), len);
		cr_assert_eq(kam_csv_next(c, &row), 0);
	}
	cr_assert_eq(kam_csv_total_bytes(c), len);
	kam_csv_close(c);
}

static void check_rows(const char *in, size_t len, const char *const *exp, const uint64_t *lines,
		       struct expect e)
{
	for (size_t i = 0; i < NBLOCKS; i++)
		check_rows_block(in, len, exp, lines, e, small_blocks[i]);
}

#define OK ((struct expect){ 0, 0, 0, NULL })
#define CHECK(in, e, ...)                                                           \
	do {                                                                        \
		static const char *const exp_[] = { __VA_ARGS__, END };             \
		check_rows((in), sizeof(in) - 1, exp_, NULL, (e));                   \
	} while (0)
#define CHECK_LINES(in, lines, e, ...)                                              \
	do {                                                                        \
		static const char *const exp_[] = { __VA_ARGS__, END };             \
		static const uint64_t lines_[] = { lines };                         \
		check_rows((in), sizeof(in) - 1, exp_, lines_, (e));                 \
	} while (0)
#define L(...) __VA_ARGS__
#define PARSE_ERR(line, col, what) ((struct expect){ KAM_EPARSE, (line), (col), (what) })
#define LIMIT_ERR(line, col) ((struct expect){ KAM_ELIMIT, (line), (col), NULL })

/* ---- The dialect ---- */

Test(csv, simple_rows)
{
	CHECK_LINES("a,b,c\n1,2,3\n", L(1, 2), OK, "a", "b", "c", END, "1", "2", "3", END);
}

Test(csv, final_row_without_newline)
{
	CHECK_LINES("a,b\nc,d", L(1, 2), OK, "a", "b", END, "c", "d", END);
	CHECK("x", OK, "x", END);
	CHECK("\"x\"", OK, "x", END);
	CHECK("a,", OK, "a", "", END);
}

Test(csv, empty_input)
{
	CHECK("", OK, END);
	CHECK("\n", OK, END);
	CHECK("\r\n", OK, END);
	CHECK("\r", OK, END);
}

Test(csv, trailing_blank_line_is_not_a_row)
{
	CHECK_LINES("a\n\n", L(1), OK, "a", END);
	CHECK_LINES("a\r\n\r\n", L(1), OK, "a", END);
	CHECK_LINES("a,b\r\n\r", L(1), OK, "a", "b", END);
}

Test(csv, inner_blank_line_is_a_row)
{
	CHECK_LINES("a\n\nb\n", L(1, 2, 3), OK, "a", END, "", END, "b", END);
	CHECK_LINES("\n\n", L(1), OK, "", END);
	CHECK_LINES("\na", L(1, 2), OK, "", END, "a", END);
	CHECK_LINES("a\n\n\n", L(1, 2), OK, "a", END, "", END);
}

Test(csv, whitespace_is_data)
{
	CHECK(" a , b \n \n", OK, " a ", " b ", END, " ", END);
}

Test(csv, empty_cells)
{
	CHECK(",\n", OK, "", "", END);
	CHECK("a,,b\n,,\n", OK, "a", "", "b", END, "", "", "", END);
	CHECK("\"\",\"\"\n", OK, "", "", END);
	CHECK("a,b,\n", OK, "a", "b", "", END);
}

Test(csv, ragged_rows_come_back_as_they_are)
{
	CHECK("a,b,c\n1\n1,2,3,4,5\n\n", OK, "a", "b", "c", END, "1", END, "1", "2", "3", "4", "5",
	      END);
}

Test(csv, bom_is_skipped)
{
	CHECK_LINES("\xEF\xBB\xBF"
		    "id,name\n1,x\n",
		    L(1, 2), OK, "id", "name", END, "1", "x", END);
	CHECK("\xEF\xBB\xBF", OK, END);
	CHECK("\xEF\xBB\xBF\n", OK, END);
	CHECK("\xEF\xBB\xBF\"q\"", OK, "q", END);
	/* Only the first one: a second BOM is data (U+FEFF is valid UTF-8). */
	CHECK("\xEF\xBB\xBF\xEF\xBB\xBFx\n", OK, "\xEF\xBB\xBFx", END);
	/* A BOM later in the input is data too. */
	CHECK("a\n\xEF\xBB\xBF", OK, "a", END, "\xEF\xBB\xBF", END);
}

Test(csv, crlf_and_lone_cr)
{
	CHECK_LINES("a,b\r\nc,d\r\n", L(1, 2), OK, "a", "b", END, "c", "d", END);
	/* A lone CR ends a line like LF does. */
	CHECK_LINES("a\rb\rc", L(1, 2, 3), OK, "a", END, "b", END, "c", END);
	CHECK_LINES("a\r\rb\n", L(1, 2, 3), OK, "a", END, "", END, "b", END);
	CHECK_LINES("a\n\r\nb\r\n", L(1, 2, 3), OK, "a", END, "", END, "b", END);
	CHECK_LINES("\"a\"\r\"b\"\r\n", L(1, 2), OK, "a", END, "b", END);
}

/*
 * Rows of sixteen bytes and more, read whole from one buffer, take the parser's fast path for
 * plain rows (csv.c, fast_row); small blocks send the same rows the general way.
 */
Test(csv, long_rows_fast_and_general_agree)
{
	CHECK_LINES("alpha,beta,gamma,delta\r\n"
		    "epsilon,zeta\reta,theta,iota,kappa\n"
		    "lambda,mu,nu,xi,omicron,pi\r\r\n"
		    ",,,,,,,,,,,,,,,,,,\n"
		    "\"quoted, here\",plain,plain,plain\n"
		    "rho,sigma,tau,upsilon,phi\r\n"
		    "a cell of exactly 31 bytes here\n"
		    "chi,psi,omega and no line end",
		    L(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), OK,
		    "alpha", "beta", "gamma", "delta", END,
		    "epsilon", "zeta", END,
		    "eta", "theta", "iota", "kappa", END,
		    "lambda", "mu", "nu", "xi", "omicron", "pi", END,
		    "", END,
		    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", END,
		    "quoted, here", "plain", "plain", "plain", END,
		    "rho", "sigma", "tau", "upsilon", "phi", END,
		    "a cell of exactly 31 bytes here", END,
		    "chi", "psi", "omega and no line end", END);
	/* What stops the fast path mid-row: a quote, a NUL, a byte >= 0x80. */
	CHECK_LINES("plain,plain,plain,\"q\"\nplain,plain,plain,\xC3\xA9t\xC3\xA9\n",
		    L(1, 2), OK, "plain", "plain", "plain", "q", END,
		    "plain", "plain", "plain", "\xC3\xA9t\xC3\xA9", END);
	CHECK("plain,plain,plain,pl\"ain\n", PARSE_ERR(1, 4, "quote"), END);
	CHECK("plain,plain,plain,\xFF,plain\n", PARSE_ERR(1, 4, NULL), END);
	CHECK("plain,plain,plain,p\0lain\n", PARSE_ERR(1, 4, "NUL"), END);
}

Test(csv, quoted_fields)
{
	CHECK("\"a,b\",\"c\"\"d\"\n", OK, "a,b", "c\"d", END);
	CHECK("\"\"\"\"\n", OK, "\"", END);
	CHECK("\"\"\"\"\"\"\n", OK, "\"\"", END);
	CHECK("\"x\"\"\",\"\"\"y\"\n", OK, "x\"", "\"y", END);
	CHECK("\"a\"\"b\"\"c\",\"\"\"\",plain\n", OK, "a\"b\"c", "\"", "plain", END);
	CHECK("1,\"\",3\n", OK, "1", "", "3", END);
}

Test(csv, embedded_newlines_count_as_lines)
{
	CHECK_LINES("\"a\nb\",c\nd\n", L(1, 3), OK, "a\nb", "c", END, "d", END);
	CHECK_LINES("\"a\r\nb\r\nc\"\r\nx\r\n", L(1, 4), OK, "a\r\nb\r\nc", END, "x", END);
	CHECK_LINES("\"a\rb\"\nx\n", L(1, 3), OK, "a\rb", END, "x", END);
	CHECK_LINES("\"\n\n\n\"\n\"\"\n", L(1, 5), OK, "\n\n\n", END, "", END);
	CHECK_LINES("\"x\r\"\r\ny", L(1, 3), OK, "x\r", END, "y", END);
}

Test(csv, valid_utf8_edges)
{
	CHECK("\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,\xEF\xBF\xBF\n", OK,
	      "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
	      "\xEF\xBF\xBF", END);
	CHECK("\xF0\x90\x80\x80,\"\xF4\x8F\xBF\xBF\",\xC3\xA9t\xC3\xA9\n", OK, "\xF0\x90\x80\x80",
	      "\xF4\x8F\xBF\xBF", "\xC3\xA9t\xC3\xA9", END);
	CHECK("\"\xE2\x82\xAC,\xE2\x82\xAC\"\"\"\n", OK, "\xE2\x82\xAC,\xE2\x82\xAC\"", END);
}

/* ---- Errors ---- */

Test(csv, unterminated_quote_reports_its_opening_line)
{
	CHECK("a,\"bc", PARSE_ERR(1, 2, "unterminated"), END);
	CHECK("a\nb,c,\"x\ny\nz", PARSE_ERR(2, 3, "unterminated"), "a", END);
	CHECK("\"", PARSE_ERR(1, 1, "unterminated"), END);
	CHECK("\"a\"\"", PARSE_ERR(1, 1, "unterminated"), END);
	CHECK("x\n\"\n", PARSE_ERR(2, 1, "unterminated"), "x", END);
}

Test(csv, quote_inside_unquoted_field)
{
	CHECK("ab\"c\n", PARSE_ERR(1, 1, "quote inside"), END);
	CHECK("ok\na,b\"\n", PARSE_ERR(2, 2, "quote inside"), "ok", END);
	CHECK("a, \"b\"\n", PARSE_ERR(1, 2, "quote inside"), END);
}

Test(csv, garbage_after_closing_quote)
{
	CHECK("\"a\"b\n", PARSE_ERR(1, 1, "after a closing quote"), END);
	CHECK("x,\"a\" ,y\n", PARSE_ERR(1, 2, "after a closing quote"), END);
	CHECK("1\n2,\"a\nb\"c\n", PARSE_ERR(3, 2, "after a closing quote"), "1", END);
	CHECK("\"a\"\"\"x", PARSE_ERR(1, 1, "after a closing quote"), END);
}

Test(csv, invalid_utf8)
{
	/* Overlongs. */
	CHECK("\xC0\x80\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("a,\xC1\xBF\n", PARSE_ERR(1, 2, "UTF-8"), END);
	CHECK("\xE0\x80\x80\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\xE0\x9F\xBF\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\xF0\x80\x80\x80\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\xF0\x8F\xBF\xBF\n", PARSE_ERR(1, 1, "UTF-8"), END);
	/* Surrogates. */
	CHECK("\xED\xA0\x80\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\"\xED\xBF\xBF\"\n", PARSE_ERR(1, 1, "UTF-8"), END);
	/* Over U+10FFFF. */
	CHECK("\xF4\x90\x80\x80\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\xF5\x80\x80\x80\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\xFF\n", PARSE_ERR(1, 1, "UTF-8"), END);
	/* Stray continuation bytes. */
	CHECK("a,b\x80\n", PARSE_ERR(1, 2, "UTF-8"), END);
	CHECK("\xC3\xA9\xA9\n", PARSE_ERR(1, 1, "UTF-8"), END);
	/* Truncated sequences: at the end of input, before a comma, a newline, a quote. */
	CHECK("\xE2\x82", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("a,\xE2\x82,b\n", PARSE_ERR(1, 2, "UTF-8"), END);
	CHECK("\xF0\x9F\x98\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\"\xC3\"\n", PARSE_ERR(1, 1, "UTF-8"), END);
	CHECK("\xEF\xBB", PARSE_ERR(1, 1, "UTF-8"), END);
	/* Inside a quoted field that spans lines, the line of the bad byte. */
	CHECK("h\n\"a\nb\nc\xFF\"\n", PARSE_ERR(4, 1, "UTF-8"), "h", END);
	CHECK("h\n\"a\r\nb\r\n\xC0\"\n", PARSE_ERR(4, 1, "UTF-8"), "h", END);
	CHECK("h\n\"a\rb\r\xC0\"\n", PARSE_ERR(4, 1, "UTF-8"), "h", END);
}

Test(csv, nul_bytes)
{
	static const char in1[] = "a,b\0c\n";
	static const char *const none[] = { END };
	check_rows(in1, sizeof(in1) - 1, none, NULL, PARSE_ERR(1, 2, "NUL"));
	static const char in2[] = "x\n\"a\nb\0\"\n";
	static const char *const x[] = { "x", END, END };
	check_rows(in2, sizeof(in2) - 1, x, NULL, PARSE_ERR(3, 1, "NUL"));
	static const char in3[] = "\0";
	check_rows(in3, 1, none, NULL, PARSE_ERR(1, 1, "NUL"));
}

Test(csv, error_after_good_rows_leaves_them_intact)
{
	CHECK_LINES("a,b\n\"c\nd\",e\n\"f\"g\n", L(1, 2), PARSE_ERR(4, 1, "after a closing quote"),
		    "a", "b", END, "c\nd", "e", END);
}

/* ---- Limits ---- */

static char *repeat(char ch, size_t n, const char *prefix, const char *suffix)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	char *s = malloc(a + n + b + 1);
	cr_assert_not_null(s);
	memcpy(s, prefix, a);
	memset(s + a, ch, n);
	memcpy(s + a + n, suffix, b + 1);
	return s;
}

static int read_one(const char *in, size_t len, size_t block, kam_csv_row *row, kam_csv **out)
{
	cr_assert_eq(kam_csv_open_mem(in, len, out), 0);
	kam_csv_set_block_size(*out, block);
	return kam_csv_next(*out, row);
}

Test(csv, field_length_limit)
{
	static const size_t blocks[] = { 0, 4093, 1 << 16 };
	for (size_t b = 0; b < 3; b++) {
		kam_csv *c;
		kam_csv_row row;
		char *s = repeat('x', KAM_CSV_FIELD_MAX, "a\nb,", "\n");
		cr_assert_eq(read_one(s, strlen(s), blocks[b], &row, &c), 1);
		cr_assert_eq(kam_csv_next(c, &row), 1);
		cr_assert_eq(row.nfields, 2);
		cr_assert_eq(row.fields[1].len, KAM_CSV_FIELD_MAX);
		kam_csv_close(c);
		free(s);

		s = repeat('x', KAM_CSV_FIELD_MAX + 1, "a\nb,", "\n");
		cr_assert_eq(read_one(s, strlen(s), blocks[b], &row, &c), 1);
		cr_assert_eq(kam_csv_next(c, &row), KAM_ELIMIT);
		cr_assert_eq(kam_csv_last_error(c)->line, 2);
		cr_assert_eq(kam_csv_last_error(c)->column, 2);
		kam_csv_close(c);
		free(s);

		/* A quoted field counts its bytes after unescaping. */
		s = repeat('"', 2 * KAM_CSV_FIELD_MAX, "\"", "\"");
		cr_assert_eq(read_one(s, strlen(s), blocks[b], &row, &c), 1);
		cr_assert_eq(row.fields[0].len, KAM_CSV_FIELD_MAX);
		cr_assert_eq(row.fields[0].ptr[KAM_CSV_FIELD_MAX - 1], '"');
		kam_csv_close(c);
		free(s);

		s = repeat('y', KAM_CSV_FIELD_MAX + 1, "\"\n", "\"");
		cr_assert_eq(read_one(s, strlen(s), blocks[b], &row, &c), KAM_ELIMIT);
		cr_assert_eq(kam_csv_last_error(c)->line, 2);
		cr_assert_eq(kam_csv_last_error(c)->column, 1);
		kam_csv_close(c);
		free(s);

		/* Without a closing quote the limit still stops the reader early. */
		s = repeat('z', 3 * KAM_CSV_FIELD_MAX, "q,\"", "");
		cr_assert_eq(read_one(s, strlen(s), blocks[b], &row, &c), KAM_ELIMIT);
		cr_assert_eq(kam_csv_last_error(c)->column, 2);
		kam_csv_close(c);
		free(s);
	}
}

Test(csv, field_count_limit)
{
	/* KAM_CSV_FIELDS_MAX empty fields: one comma fewer. */
	char *s = repeat(',', KAM_CSV_FIELDS_MAX - 1, "", "\n");
	kam_csv *c;
	kam_csv_row row;
	for (size_t block = 0; block <= 7; block += 7) {
		cr_assert_eq(read_one(s, strlen(s), block, &row, &c), 1);
		cr_assert_eq(row.nfields, KAM_CSV_FIELDS_MAX);
		kam_csv_close(c);
	}
	free(s);
	/* One more is refused with the whole row in one buffer too. */
	s = repeat(',', KAM_CSV_FIELDS_MAX, "", "\n");
	cr_assert_eq(read_one(s, strlen(s), 0, &row, &c), KAM_ELIMIT);
	cr_assert_eq(kam_csv_last_error(c)->column, KAM_CSV_FIELDS_MAX + 1);
	kam_csv_close(c);
	free(s);

	s = repeat(',', KAM_CSV_FIELDS_MAX, "ok\n\"a\nb\"", "\n");
	cr_assert_eq(read_one(s, strlen(s), 0, &row, &c), 1);
	cr_assert_eq(kam_csv_next(c, &row), KAM_ELIMIT);
	cr_assert_eq(kam_csv_last_error(c)->line, 3);
	cr_assert_eq(kam_csv_last_error(c)->column, KAM_CSV_FIELDS_MAX + 1);
	kam_csv_close(c);
	free(s);
}

/* ---- Large inputs: generated rows, written, then read back from memory, a file and a pipe ---- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static const char *const pieces[] = {
	"a", "b", "Z", "0", "9", " ", ",", "\"", "\n", "\r", "\r\n", "\"\"", "-", ".",
	"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBB\xBF",
	"long-ish ascii text ", "\xD0\x9F\xD1\x80\xD0\xB8",
};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

struct table {
	kam_buf text;     /* the CSV */
	kam_buf data;     /* every field, back to back */
	uint32_t *nf;     /* fields per row */
	uint32_t *flen;   /* length of every field */
	uint64_t *line;   /* line of every row */
	size_t nrows, nfields;
};

static void gen_field(kam_buf *b, size_t maxlen, int simple)
{
	size_t n = rng() % 4 == 0 ? 0 : rng() % 12;
	/* Now and then a long one, which takes the reader's path for rows over 64 KiB. */
	if (maxlen > 1000 && rng() % 4000 == 0)
		n = rng() % (maxlen / 4);
	for (size_t i = 0; i < n; i++) {
		const char *p = simple ? pieces[rng() % 4] : pieces[rng() % NPIECES];
		cr_assert_eq(kam_buf_append(b, p, strlen(p)), 0);
	}
}

static uint64_t count_lines(const uint8_t *p, size_t n)
{
	uint64_t lines = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')))
			lines++;
	return lines;
}

/* Generates rows of random fields and writes them with kam_csv_write_row. */
static void table_make(struct table *t, uint64_t seed, size_t nrows, size_t maxlen, int simple)
{
	memset(t, 0, sizeof(*t));
	rng_state = seed;
	t->nf = malloc(nrows * sizeof(*t->nf));
	t->line = malloc(nrows * sizeof(*t->line));
	size_t cap = 1024;
	t->flen = malloc(cap * sizeof(*t->flen));
	cr_assert(t->nf && t->line && t->flen);

	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	cr_assert_not_null(f);
	kam_str fields[64];
	for (size_t r = 0; r < nrows; r++) {
		uint32_t n = 1 + rng() % (rng() % 8 == 0 ? 64 : 8);
		size_t start = t->data.len;
		for (uint32_t i = 0; i < n; i++) {
			size_t before = t->data.len;
			gen_field(&t->data, maxlen, simple);
			if (t->nfields == cap) {
				cap *= 2;
				t->flen = realloc(t->flen, cap * sizeof(*t->flen));
				cr_assert_not_null(t->flen);
			}
			t->flen[t->nfields++] = (uint32_t)(t->data.len - before);
		}
		/* Point the views only now: appending may have moved the data. */
		const char *p = (const char *)t->data.data + start;
		for (uint32_t i = 0; i < n; i++) {
			fields[i] = (kam_str){ p, t->flen[t->nfields - n + i] };
			p += fields[i].len;
		}
		t->nf[r] = n;
		cr_assert_eq(kam_csv_write_row(f, fields, n), 0);
	}
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(kam_buf_append(&t->text, mem, memlen), 0);
	free(mem);
	t->nrows = nrows;

	/* Find where each row starts by reading it back, and check that against the line count. */
	kam_csv *c;
	kam_csv_row row;
	cr_assert_eq(kam_csv_open_mem(t->text.data, t->text.len, &c), 0);
	uint64_t off = 0, line = 1;
	for (size_t r = 0; r < nrows; r++) {
		cr_assert_eq(kam_csv_next(c, &row), 1);
		t->line[r] = line;
		cr_assert_eq(row.line, line);
		uint64_t now = kam_csv_bytes_read(c);
		line += count_lines(t->text.data + off, now - off);
		off = now;
	}
	kam_csv_close(c);
}

static void table_free(struct table *t)
{
	kam_buf_free(&t->text);
	kam_buf_free(&t->data);
	free(t->nf);
	free(t->flen);
	free(t->line);
}

/* Reads all rows from an open reader and compares them with the table. */
static void table_check(const struct table *t, kam_csv *c)
{
	kam_csv_row row;
	const char *p = (const char *)t->data.data;
	size_t k = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		cr_assert_eq(kam_csv_next(c, &row), 1, "row %zu: %s", r,
			     kam_csv_last_error(c)->what);
		cr_assert_eq(row.nfields, t->nf[r], "row %zu", r);
		cr_assert_eq(row.line, t->line[r], "row %zu", r);
		for (uint32_t i = 0; i < row.nfields; i++, k++) {
			cr_assert_eq(row.fields[i].len, t->flen[k], "row %zu field %u", r, i);
			cr_assert(row.fields[i].len == 0 ||
					  memcmp(row.fields[i].ptr, p, row.fields[i].len) == 0,
				  "row %zu field %u", r, i);
			p += t->flen[k];
		}
	}
	cr_assert_eq(kam_csv_next(c, &row), 0);
	cr_assert_eq(kam_csv_bytes_read(c), t->text.len);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(p, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

/* Opens a pipe fed by a child process with `n` bytes of `p`. */
static kam_csv *open_pipe(const void *p, size_t n, pid_t *child)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		const char *s = p;
		while (n) {
			/* Odd write sizes, so rows straddle the reads. */
			size_t k = n < 40000 ? n : 40000 - (n % 977);
			ssize_t w = write(fds[1], s, k);
			if (w <= 0)
				_exit(1);
			s += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	char path[64];
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	kam_csv *c;
	cr_assert_eq(kam_csv_open(path, &c), 0);
	close(fds[0]);
	*child = pid;
	return c;
}

static void wait_child(pid_t pid)
{
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

Test(csv, round_trip_random_fields)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct table t;
		table_make(&t, seed * 0x9E3779B97F4A7C15ull, 200, 100, 0);
		static const size_t blocks[] = { 0, 1, 7, 100 };
		for (size_t b = 0; b < 4; b++) {
			kam_csv *c;
			cr_assert_eq(kam_csv_open_mem(t.text.data, t.text.len, &c), 0);
			kam_csv_set_block_size(c, blocks[b]);
			table_check(&t, c);
			kam_csv_close(c);
		}
		table_free(&t);
	}
}

Test(csv, multi_mib_from_memory_file_and_pipe)
{
	struct table t;
	table_make(&t, 42, 30000, 400000, 0);
	cr_assert_lt(t.text.len, 16u << 20, "%zu bytes", t.text.len);
	cr_assert_gt(t.text.len, 3u << 20, "only %zu bytes", t.text.len);

	static const size_t blocks[] = { 0, 4093, 65537 };
	for (size_t b = 0; b < 3; b++) {
		kam_csv *c;
		cr_assert_eq(kam_csv_open_mem(t.text.data, t.text.len, &c), 0);
		kam_csv_set_block_size(c, blocks[b]);
		table_check(&t, c);
		kam_csv_close(c);
	}

	char path[] = "/tmp/kam_csv_testXXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	write_file(path, t.text.data, t.text.len);
	kam_csv *c;
	cr_assert_eq(kam_csv_open(path, &c), 0);
	cr_assert_eq(kam_csv_total_bytes(c), t.text.len);
	table_check(&t, c);
	/* A regular file rewinds, and reads the same again. */
	cr_assert_eq(kam_csv_rewind(c), 0);
	cr_assert_eq(kam_csv_bytes_read(c), 0);
	table_check(&t, c);
	kam_csv_close(c);
	unlink(path);

	pid_t pid;
	c = open_pipe(t.text.data, t.text.len, &pid);
	cr_assert_eq(kam_csv_total_bytes(c), 0);
	table_check(&t, c);
	/* Past its first block a pipe cannot go back. */
	cr_assert_eq(kam_csv_rewind(c), KAM_EIO);
	kam_csv_close(c);
	wait_child(pid);
	table_free(&t);
}

Test(csv, one_row_across_many_blocks)
{
	/* One row of 4000 fields, some of them quoted with newlines: about 2.5 MiB. */
	kam_buf b = { 0 };
	for (int i = 0; i < 4000; i++) {
		if (i)
			kam_buf_putc(&b, ',');
		if (i % 3 == 0) {
			kam_buf_append(&b, "\"", 1);
			for (int j = 0; j < 300; j++)
				kam_buf_append(&b, j % 50 == 49 ? "\n" : "\"\"", j % 50 == 49 ? 1 : 2);
			kam_buf_append(&b, "\"", 1);
		} else {
			for (int j = 0; j < 600; j++)
				kam_buf_putc(&b, 'a' + (i + j) % 26);
		}
	}
	kam_buf_append(&b, "\nnext\n", 6);

	for (int mode = 0; mode < 3; mode++) {
		kam_csv *c;
		pid_t pid = 0;
		if (mode < 2) {
			cr_assert_eq(kam_csv_open_mem(b.data, b.len, &c), 0);
			kam_csv_set_block_size(c, mode ? 1000 : 0);
		} else {
			c = open_pipe(b.data, b.len, &pid);
		}
		kam_csv_row row;
		cr_assert_eq(kam_csv_next(c, &row), 1);
		cr_assert_eq(row.nfields, 4000);
		cr_assert_eq(row.line, 1);
		for (int i = 0; i < 4000; i++) {
			if (i % 3 == 0) {
				cr_assert_eq(row.fields[i].len, 300 - 6 + 6 * 1);
				cr_assert_eq(row.fields[i].ptr[0], '"');
				cr_assert_eq(row.fields[i].ptr[49], '\n');
			} else {
				cr_assert_eq(row.fields[i].len, 600);
				cr_assert_eq(row.fields[i].ptr[599], 'a' + (i + 599) % 26);
			}
		}
		cr_assert_eq(kam_csv_next(c, &row), 1);
		cr_assert_eq(row.line, 1 + 1334 * 6 + 1);
		cr_assert(kam_str_eq(row.fields[0], KAM_STR("next")));
		cr_assert_eq(kam_csv_next(c, &row), 0);
		kam_csv_close(c);
		if (pid)
			wait_child(pid);
	}
	kam_buf_free(&b);
}

Test(csv, error_deep_in_a_large_input)
{
	kam_buf b = { 0 };
	for (int i = 0; i < 200000; i++)
		kam_buf_append(&b, "O00000001,A0000001,2024-03-05,1234.56\n", 38);
	static const char bad[] = "x,\"multi\nline\r\nfield\xE2\x28\xA1\"\n";
	kam_buf_append(&b, bad, sizeof(bad) - 1);

	for (int mode = 0; mode < 3; mode++) {
		kam_csv *c;
		pid_t pid = 0;
		if (mode < 2) {
			cr_assert_eq(kam_csv_open_mem(b.data, b.len, &c), 0);
			kam_csv_set_block_size(c, mode ? 4099 : 0);
		} else {
			c = open_pipe(b.data, b.len, &pid);
		}
		kam_csv_row row;
		int rc, n = 0;
		while ((rc = kam_csv_next(c, &row)) == 1)
			n++;
		cr_assert_eq(n, 200000);
		cr_assert_eq(rc, KAM_EPARSE);
		cr_assert_eq(kam_csv_last_error(c)->line, 200003);
		cr_assert_eq(kam_csv_last_error(c)->column, 2);
		cr_assert_eq(kam_csv_bytes_read(c), 200000 * 38);
		kam_csv_close(c);
		if (pid)
			wait_child(pid);
	}
	kam_buf_free(&b);
}

/* ---- Files, standard input, rewinding ---- */

Test(csv, open_errors)
{
	kam_csv *c;
	cr_assert_eq(kam_csv_open("/nonexistent/kam/x.csv", &c), KAM_ENOTFOUND);
	cr_assert_eq(kam_csv_open("/tmp", &c), KAM_EIO);
	if (geteuid() != 0) {
		char path[] = "/tmp/kam_csv_permXXXXXX";
		int fd = mkstemp(path);
		cr_assert_geq(fd, 0);
		fchmod(fd, 0);
		close(fd);
		cr_assert_eq(kam_csv_open(path, &c), KAM_EPERM);
		unlink(path);
	}
}

Test(csv, rewind_memory_and_small_pipe)
{
	static const char in[] = "\xEF\xBB\xBFh\n\"a\nb\",c\n";
	kam_csv *c;
	kam_csv_row row;
	cr_assert_eq(kam_csv_open_mem(in, sizeof(in) - 1, &c), 0);
	kam_csv_set_block_size(c, 3);
	for (int pass = 0; pass < 2; pass++) {
		cr_assert_eq(kam_csv_next(c, &row), 1);
		cr_assert(kam_str_eq(row.fields[0], KAM_STR("h")));
		cr_assert_eq(kam_csv_next(c, &row), 1);
		cr_assert_eq(row.line, 2);
		cr_assert_eq(kam_csv_next(c, &row), 0);
		cr_assert_eq(kam_csv_rewind(c), 0);
	}
	kam_csv_close(c);

	/* An error is cleared by rewinding. */
	cr_assert_eq(kam_csv_open_mem("a\"", 2, &c), 0);
	cr_assert_eq(kam_csv_next(c, &row), KAM_EPARSE);
	cr_assert_eq(kam_csv_rewind(c), 0);
	cr_assert_eq(kam_csv_next(c, &row), KAM_EPARSE);
	kam_csv_close(c);

	/* A pipe whose bytes all still sit in the first block can start over. */
	pid_t pid;
	c = open_pipe(in, sizeof(in) - 1, &pid);
	wait_child(pid);
	cr_assert_eq(kam_csv_next(c, &row), 1);
	cr_assert_eq(kam_csv_next(c, &row), 1);
	cr_assert_eq(kam_csv_rewind(c), 0);
	cr_assert_eq(kam_csv_next(c, &row), 1);
	cr_assert(kam_str_eq(row.fields[0], KAM_STR("h")));
	cr_assert_eq(kam_csv_next(c, &row), 1);
	cr_assert(kam_str_eq(row.fields[0], KAM_STR("a\nb")));
	cr_assert_eq(kam_csv_next(c, &row), 0);
	kam_csv_close(c);
}

Test(csv, stdin_is_dash_and_stays_open)
{
	char path[] = "/tmp/kam_csv_stdinXXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	write_file(path, "skip\na,b\n", 9);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	/* Someone read the first line already: the reader starts (and rewinds) from there. */
	cr_assert_eq(lseek(STDIN_FILENO, 5, SEEK_SET), 5);

	kam_csv *c;
	kam_csv_row row;
	cr_assert_eq(kam_csv_open("-", &c), 0);
	cr_assert_eq(kam_csv_total_bytes(c), 4);
	cr_assert_eq(kam_csv_next(c, &row), 1);
	cr_assert_eq(row.nfields, 2);
	cr_assert_eq(kam_csv_next(c, &row), 0);
	cr_assert_eq(kam_csv_rewind(c), 0);
	cr_assert_eq(kam_csv_next(c, &row), 1);
	cr_assert(kam_str_eq(row.fields[1], KAM_STR("b")));
	kam_csv_close(c);
	cr_assert_neq(fcntl(STDIN_FILENO, F_GETFD), -1, "stdin was closed");
	unlink(path);
}

/* ---- Writing ---- */

static char *write_to_string(const char *p, size_t n)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	cr_assert_not_null(f);
	cr_assert_eq(kam_csv_write_field(f, p, n), 0);
	cr_assert_eq(fclose(f), 0);
	return mem;
}

#define CHECK_WRITE(in, want)                                                       \
	do {                                                                        \
		char *got_ = write_to_string((in), sizeof(in) - 1);                 \
		cr_assert_str_eq(got_, (want));                                     \
		free(got_);                                                         \
	} while (0)

Test(csv, write_field_quotes_only_when_needed)
{
	CHECK_WRITE("", "");
	CHECK_WRITE("plain", "plain");
	CHECK_WRITE(" spaced ", " spaced ");
	CHECK_WRITE("\xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9");
	CHECK_WRITE("a,b", "\"a,b\"");
	CHECK_WRITE("say \"hi\"", "\"say \"\"hi\"\"\"");
	CHECK_WRITE("\"", "\"\"\"\"");
	CHECK_WRITE("line\nbreak", "\"line\nbreak\"");
	CHECK_WRITE("cr\r", "\"cr\r\"");
	/* U+FEFF at the start would be read as a BOM on the first line; found by the fuzzer. */
	CHECK_WRITE("\xEF\xBB\xBFiai", "\"\xEF\xBB\xBFiai\"");
	CHECK_WRITE("x\xEF\xBB\xBF", "x\xEF\xBB\xBF");
}

/* Regression cases from the fuzzer: inputs whose rows must survive a write and a read. */
static void check_round_trip(const char *in, size_t len)
{
	kam_csv *c;
	kam_csv_row row;
	char *mem = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&mem, &n);
	cr_assert_not_null(f);
	cr_assert_eq(kam_csv_open_mem(in, len, &c), 0);
	int rc;
	size_t rows = 0;
	while ((rc = kam_csv_next(c, &row)) == 1) {
		cr_assert_eq(kam_csv_write_row(f, row.fields, row.nfields), 0);
		rows++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(fclose(f), 0);

	kam_csv *d;
	kam_csv_row back;
	cr_assert_eq(kam_csv_rewind(c), 0);
	cr_assert_eq(kam_csv_open_mem(mem, n, &d), 0);
	while ((rc = kam_csv_next(c, &row)) == 1) {
		cr_assert_eq(kam_csv_next(d, &back), 1);
		cr_assert_eq(back.line, row.line);
		cr_assert_eq(back.nfields, row.nfields);
		for (uint32_t i = 0; i < row.nfields; i++)
			cr_assert(kam_str_eq(back.fields[i], row.fields[i]), "field %u", i);
		rows--;
	}
	cr_assert_eq(rows, 0);
	cr_assert_eq(kam_csv_next(d, &back), 0);
	kam_csv_close(c);
	kam_csv_close(d);
	free(mem);
}

#define ROUND_TRIP(in) check_round_trip((in), sizeof(in) - 1)

Test(csv, fuzz_regressions_round_trip)
{
	ROUND_TRIP("\xEF\xBB\xBF\xEF\xBB\xBFiai,");
}

Test(csv, write_row)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	cr_assert_not_null(f);
	kam_str r1[] = { KAM_STR("a"), KAM_STR(""), KAM_STR("c,d") };
	kam_str r2[] = { KAM_STR("") };
	cr_assert_eq(kam_csv_write_row(f, r1, 3), 0);
	cr_assert_eq(kam_csv_write_row(f, r2, 1), 0);
	cr_assert_eq(kam_csv_write_row(f, r1, 0), KAM_EINVAL);
	cr_assert_eq(fclose(f), 0);
	cr_assert_str_eq(mem, "a,,\"c,d\"\n\"\"\n");
	/* The single empty field on the last line still reads back as a row. */
	static const char *const exp[] = { "a", "", "c,d", END, "", END, END };
	check_rows(mem, len, exp, NULL, OK);
	free(mem);
}

Test(csv, write_reports_io_errors)
{
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		return;
	setvbuf(f, NULL, _IONBF, 0);
	/* /dev/full fails every write with ENOSPC: a full disk has a code of its own */
	cr_assert_eq(kam_csv_write_field(f, "abc", 3), KAM_ENOSPC);
	cr_assert_eq(kam_csv_write_field(f, "a,c", 3), KAM_ENOSPC);
	fclose(f);
	/* any other failure is KAM_EIO: here EBADF, a stream opened for reading */
	f = fopen("/dev/null", "r");
	cr_assert_not_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	cr_assert_eq(kam_csv_write_field(f, "abc", 3), KAM_EIO);
	fclose(f);
}
