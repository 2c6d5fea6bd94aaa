/* output.c - tables, CSV and JSON lines for every listing command. */
#include "output.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "csv.h"
#include "error.h"
#include "money.h"
#include "segment.h"

#define TABLE_CELL_MAX 40 /* characters shown in one table cell before it is cut */

struct kam_out {
	FILE *f;
	kam_format fmt;
	const kam_col *cols;
	unsigned ncols;
	kam_buf cells;  /* table: every cell's bytes, rows kept until the end */
	kam_buf spans;  /* table: (offset, length) of each cell in `cells`, as size_t pairs */
	size_t nrows;
	kam_buf line;   /* csv, json: the row being written (one write per row) */
};

/* ---- numbers ---- */

typedef unsigned __int128 u128;

#define POW10_MAX 22 /* 10^22 is the largest power of ten that a double holds exactly */

static const double pow10_dbl[POW10_MAX + 1] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* 10^k for 0 <= k <= POW10_MAX (below 2^74). */
static u128 pow10_u128(int k)
{
	static const uint64_t p19[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	return k < 20 ? p19[k] : (u128)p19[19] * p19[k - 19];
}

/* 5^k for 0 <= k <= 27 (below 2^63). */
static uint64_t pow5(int k)
{
	uint64_t p = 1;
	while (k-- > 0)
		p *= 5;
	return p;
}

/* A finite, normal v as m * 2^e with 2^52 <= m < 2^53, and a guess of floor(log10 |v|). */
typedef struct binary {
	uint64_t m;
	int e;
	int ex; /* made exact by digits_round */
} binary;

static binary binary_of(double v)
{
	binary b;
	double f = frexp(fabs(v), &b.e); /* |v| = f * 2^e, 0.5 <= f < 1 */
	b.m = (uint64_t)ldexp(f, 53);
	b.e -= 53;
	/* |v| < 2^(e + 53) = 10^((e + 53) log10 2): one below at most, which digits_round fixes */
	b.ex = (int)floor((b.e + 52) * 0.30102999566398120);
	return b;
}

/*
 * |v| * 10^k for |v| = m * 2^e, exactly: its integer part *q and whether rounding to nearest,
 * ties to even (as printf rounds), goes up (*up). Returns 0 when the arithmetic would not fit
 * 128 bits (the caller then falls back).
 */
static int scaled(uint64_t m, int e, int k, uint64_t *q, int *up)
{
	u128 x, d, whole, r;
	if (k > POW10_MAX || k < -POW10_MAX)
		return 0;
	if (k >= 0) {
		x = (u128)m * pow10_u128(k); /* < 2^53 * 2^74 */
		if (e >= 0) {
			/* An integer: exact, when it has at most 64 bits. */
			if (e >= 64 || (x >> (64 - e)))
				return 0;
			*q = (uint64_t)(x << e);
			*up = 0;
			return 1;
		}
		if (-e >= 127)
			return 0;
		d = (u128)1 << -e;
		whole = x >> -e;
		r = x & (d - 1);
	} else {
		u128 p = pow10_u128(-k); /* < 2^74 */
		x = m;
		if (e >= 0) {
			if (e > 74)
				return 0;
			x <<= e;
			d = p;
		} else {
			if (-e > 53)
				return 0;
			d = p << -e;
		}
		whole = x / d;
		r = x % d;
	}
	if (whole >> 63)
		return 0;
	*q = (uint64_t)whole;
	*up = 2 * r > d || (2 * r == d && (whole & 1));
	return 1;
}

/*
 * |v| = b rounded to p significant digits: n (10^(p-1) <= n < 10^p) times 10^(x - p + 1), so x
 * is the decimal exponent of the first digit. Returns 0 outside the range handled.
 */
static int digits_round(binary *b, int p, uint64_t *n, int *x)
{
	int up;
	uint64_t lo = (uint64_t)pow10_dbl[p - 1], hi = (uint64_t)pow10_dbl[p];

	for (int tries = 0; tries < 3; tries++) {
		/* The exponent is right when the integer part has p digits. */
		if (!scaled(b->m, b->e, p - 1 - b->ex, n, &up))
			return 0;
		if (*n >= hi) {
			b->ex++;
		} else if (*n < lo) {
			b->ex--;
		} else {
			*x = b->ex;
			*n += up;
			if (*n == hi) { /* 9.99...95 rounds to 10.0...0 */
				*n = lo;
				++*x;
			}
			return 1;
		}
	}
	return 0;
}

/*
 * Whether the decimal n * 10^s reads back as exactly |v| = b: 1 or 0, or -1 when this cannot
 * tell. Where n and the power of ten are exact doubles, one correctly rounded operation gives
 * what strtod gives; else n * 10^s must lie within half a unit in the last place of v (the
 * half-way points belong to v when m is even, as strtod rounds ties to even).
 */
static int reads_back(uint64_t n, int s, double v, const binary *b)
{
	if (n <= (1ull << 53) && s <= POW10_MAX && s >= -POW10_MAX) {
		double d = s < 0 ? (double)n / pow10_dbl[-s] : (double)n * pow10_dbl[s];
		return d == fabs(v);
	}
	/*
	 * n / 10^j against v's neighbourhood, all times 4 * 2^-e * 10^j = 4 * 2^-e * 5^j * 2^j:
	 * n * 2^(2 - e - j) against (4m +- 2) * 5^j (4m - 1 below a power of two, where the gap
	 * below is half as wide).
	 */
	int j = -s, sh = 2 - b->e - j;
	if (j < 1 || j > 27 || sh < 0 || sh > 73 || n >> 54)
		return -1;
	u128 lhs = (u128)n << sh, p5 = pow5(j);
	u128 above = (u128)(4 * b->m + 2) * p5;
	u128 below = (u128)(4 * b->m - (b->m == 1ull << 52 ? 1 : 2)) * p5;
	if (b->m & 1)
		return lhs > below && lhs < above;
	return lhs >= below && lhs <= above;
}

/* printf's "%.{p}g" of the sign of v and the digits n (p of them) with exponent x. */
static size_t g_text(double v, uint64_t n, int p, int x, char *buf)
{
	char d[20];
	char *o = buf;
	int nd = p;
	for (int i = p - 1; i >= 0; i--) {
		d[i] = (char)('0' + n % 10);
		n /= 10;
	}
	while (nd > 1 && d[nd - 1] == '0')
		nd--; /* %g drops trailing zeros */
	if (v < 0)
		*o++ = '-';
	if (x < -4 || x >= p) {
		*o++ = d[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		int ax = x < 0 ? -x : x;
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (ax >= 100)
			*o++ = (char)('0' + ax / 100);
		*o++ = (char)('0' + ax / 10 % 10);
		*o++ = (char)('0' + ax % 10);
	} else if (x < 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > x; i--)
			*o++ = '0';
		memcpy(o, d, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i <= x; i++)
			*o++ = i < nd ? d[i] : '0';
		if (nd > x + 1) {
			*o++ = '.';
			memcpy(o, d + x + 1, (size_t)(nd - x - 1));
			o += nd - x - 1;
		}
	}
	*o = 0;
	return (size_t)(o - buf);
}

/* kam_out_number's text by printf and strtod: for what the integer paths leave. */
static size_t number_printf(double v, char buf[32])
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
	return n > 0 ? (size_t)n : 0;
}

size_t kam_out_number(double v, char buf[32])
{
	/* Money and counts: a decimal with at most 4 places reads as kam_money_format writes it. */
	if (v > -1e10 && v < 1e10 && !(v == 0 && signbit(v))) {
		double s = v * 10000.0;
		long long n = (long long)(s < 0 ? s - 0.5 : s + 0.5);
		if ((double)n / 10000.0 == v)
			return kam_money_format((kam_money)n, buf);
	}
	if (isfinite(v) && fabs(v) >= 4 * DBL_MIN) {
		binary b = binary_of(v);
		for (int p = 15; p <= 17; p++) {
			uint64_t n;
			int x, back;
			if (!digits_round(&b, p, &n, &x))
				break;
			back = p == 17 ? 1 : reads_back(n, x - p + 1, v, &b);
			if (back < 0)
				break;
			if (back)
				return g_text(v, n, p, x, buf);
		}
	}
	return number_printf(v, buf);
}

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

/* The escape of a byte that JSON strings cannot hold as is, into e; 0 for any other byte. */
static size_t json_escape(unsigned char c, char e[8])
{
	switch (c) {
	case '"': memcpy(e, "\\\"", 2); return 2;
	case '\\': memcpy(e, "\\\\", 2); return 2;
	case '\n': memcpy(e, "\\n", 2); return 2;
	case '\r': memcpy(e, "\\r", 2); return 2;
	case '\t': memcpy(e, "\\t", 2); return 2;
	default:
		if (c >= 0x20)
			return 0;
		return (size_t)snprintf(e, 8, "\\u%04x", c);
	}
}

void kam_json_string(FILE *f, const char *p, size_t len)
{
	char e[8];
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		size_t n = json_escape((unsigned char)p[i], e);
		if (n)
			fwrite(e, 1, n, f);
		else
			fputc(p[i], f);
	}
	fputc('"', f);
}

/* kam_json_string into a buffer: the runs between escapes are copied whole. */
static int json_string_buf(kam_buf *b, const char *p, size_t len)
{
	char e[8];
	size_t from = 0;
	int rc = kam_buf_putc(b, '"');
	for (size_t i = 0; !rc && i < len; i++) {
		size_t n = json_escape((unsigned char)p[i], e);
		if (!n)
			continue;
		if (!(rc = kam_buf_append(b, p + from, i - from)))
			rc = kam_buf_append(b, e, n);
		from = i + 1;
	}
	if (!rc)
		rc = kam_buf_append(b, p + from, len - from);
	return rc ? rc : kam_buf_putc(b, '"');
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

static int json_row(kam_out *out, const kam_str *v)
{
	kam_buf *b = &out->line;
	int rc = kam_buf_putc(b, '{');
	for (unsigned i = 0; !rc && i < out->ncols; i++) {
		if (i)
			rc = kam_buf_putc(b, ',');
		if (!rc)
			rc = json_string_buf(b, out->cols[i].name, strlen(out->cols[i].name));
		if (!rc)
			rc = kam_buf_putc(b, ':');
		if (rc)
			break;
		if (!v[i].ptr)
			rc = kam_buf_append(b, "null", 4);
		else if (out->cols[i].numeric && v[i].len)
			rc = kam_buf_append(b, v[i].ptr, v[i].len);
		else
			rc = json_string_buf(b, v[i].ptr, v[i].len);
	}
	return rc ? rc : kam_buf_append(b, "}\n", 2);
}

/*
 * Whether a CSV field is written as is: printable ASCII without comma or quote. Anything else
 * goes through kam_csv_write_field, which decides on quoting; this only spares it the usual case.
 */
static bool csv_plain(const char *p, size_t len)
{
	/* 0x20 to 0x7e but '"' (0x22) and ',' (0x2c) */
	static const bool plain[256] = { [0x20 ... 0x21] = true, [0x23 ... 0x2b] = true,
					 [0x2d ... 0x7e] = true };
	for (size_t i = 0; i < len; i++)
		if (!plain[(unsigned char)p[i]])
			return false;
	return true;
}

static int csv_row(kam_out *out, const kam_str *v)
{
	kam_buf *b = &out->line;
	int rc = 0;
	for (unsigned i = 0; !rc && i < out->ncols; i++) {
		if (i)
			rc = kam_buf_putc(b, ',');
		if (rc || !v[i].ptr)
			continue;
		if (csv_plain(v[i].ptr, v[i].len)) {
			rc = kam_buf_append(b, v[i].ptr, v[i].len);
			continue;
		}
		/* The row so far, then the field as csv.c writes it. */
		if (b->len && fwrite(b->data, 1, b->len, out->f) != b->len)
			return kam_io_error();
		b->len = 0;
		rc = kam_csv_write_field(out->f, v[i].ptr, v[i].len);
	}
	return rc ? rc : kam_buf_putc(b, '\n');
}

int kam_out_row(kam_out *out, const kam_str *v)
{
	int rc = 0;
	out->line.len = 0;
	switch (out->fmt) {
	case KAM_FMT_CSV:
		rc = csv_row(out, v);
		break;
	case KAM_FMT_JSON:
		rc = json_row(out, v);
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
	if (!rc && out->line.len && fwrite(out->line.data, 1, out->line.len, out->f) != out->line.len)
		rc = kam_io_error();
	if (rc)
		return rc;
	return ferror(out->f) ? kam_io_error() : 0;
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

static int spaces(kam_buf *b, size_t n)
{
	int rc = kam_buf_reserve(b, n);
	if (!rc && n) { /* n == 0 on an empty buffer: data may be NULL */
		memset(b->data + b->len, ' ', n);
		b->len += n;
	}
	return rc;
}

/* One cell, padded to `width`, onto the line being built. */
static int table_cell(kam_out *out, unsigned col, const char *p, size_t len, size_t width)
{
	kam_buf *b = &out->line;
	size_t shown = utf8_prefix(p, len, TABLE_CELL_MAX);
	size_t w = utf8_width(p, shown);
	bool cut = shown < len;
	if (cut)
		w++;
	size_t pad = width > w ? width - w : 0;
	int rc = out->cols[col].numeric ? spaces(b, pad) : 0;
	if (!rc)
		rc = kam_buf_append(b, p, shown);
	if (!rc && cut)
		rc = kam_buf_append(b, "\xe2\x80\xa6", 3); /* ellipsis */
	if (!rc && !out->cols[col].numeric && col + 1 < out->ncols)
		rc = spaces(b, pad);
	return rc;
}

/* Writes the line built, ended. */
static int table_line_end(kam_out *out)
{
	kam_buf *b = &out->line;
	int rc = kam_buf_putc(b, '\n');
	if (!rc && fwrite(b->data, 1, b->len, out->f) != b->len)
		rc = kam_io_error();
	b->len = 0;
	return rc;
}

static int table_print(kam_out *out)
{
	const size_t *spans = (const size_t *)out->spans.data;
	const char *cells = (const char *)out->cells.data;
	size_t *width = calloc(out->ncols, sizeof(*width));
	int rc = 0;
	if (!width)
		return KAM_ENOMEM;
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
	out->line.len = 0;
	for (unsigned c = 0; !rc && c < out->ncols; c++) {
		if (c)
			rc = kam_buf_append(&out->line, "  ", 2);
		if (!rc)
			rc = table_cell(out, c, out->cols[c].name, strlen(out->cols[c].name),
					width[c]);
	}
	if (!rc)
		rc = table_line_end(out);
	for (size_t r = 0; !rc && r < out->nrows; r++) {
		for (unsigned c = 0; !rc && c < out->ncols; c++) {
			const size_t *s = spans + 2 * (r * out->ncols + c);
			if (c)
				rc = kam_buf_append(&out->line, "  ", 2);
			if (!rc)
				rc = table_cell(out, c, cells + s[0], s[1], width[c]);
		}
		if (!rc)
			rc = table_line_end(out);
	}
	free(width);
	return rc;
}

int kam_out_end(kam_out *out)
{
	if (!out)
		return 0;
	int rc = out->fmt == KAM_FMT_TABLE ? table_print(out) : 0;
	if ((fflush(out->f) || ferror(out->f)) && !rc)
		rc = kam_io_error();
	kam_buf_free(&out->cells);
	kam_buf_free(&out->spans);
	kam_buf_free(&out->line);
	free(out);
	return rc;
}
