/*
 * csv.c - the streaming RFC 4180 reader and writer.
 *
 * The reader keeps a window of the input in one buffer. A row is parsed from its first byte to
 * its line end in a single pass; unquoted fields and quoted fields without "" escapes point
 * straight into the buffer, fields with escapes are unescaped into a per-row scratch buffer once
 * the row is complete. When a row runs past the end of the buffer, the parse gives up, the
 * partial row moves to the front (the buffer grows when the row does not fit), more input is
 * read, and the row is parsed again from its start. The buffer therefore never moves while a
 * row is being parsed, so the views of a finished row are stable.
 *
 * The byte after the data in the buffer is always a NUL sentinel followed by zero padding: every
 * scan stops at a NUL, so the inner loops need no bounds checks and may load 8 bytes at a time.
 */
#include "csv.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kam/errors.h>

#define CSV_BLOCK ((size_t)1 << 20) /* default read size and first buffer size */
#define CSV_PAD 8                   /* sentinel and padding after the data */
#define CSV_LONG_ROW ((size_t)1 << 16)

/* parse_row() results besides 0 (end of input), 1 (a row) and negative errors. */
#define PARSE_MORE 2

struct kam_csv {
	int fd;            /* -1 when reading memory */
	bool close_fd;     /* false for standard input */
	bool seekable;     /* a regular file: rewind with lseek */
	bool eof;          /* the source has returned its last byte */
	bool bom_done;     /* the leading BOM has been looked for */
	const uint8_t *mem;
	size_t mem_len, mem_off;
	off_t start_off; /* where the file was when opened (stdin may be partly read) */
	uint64_t total;

	uint8_t *buf;   /* cap + CSV_PAD bytes */
	size_t cap;     /* bytes of data the buffer can hold */
	size_t block;   /* most bytes one read may return */
	size_t pos;     /* start of the next row in buf */
	size_t end;     /* end of the data in buf */
	uint64_t base;  /* stream offset of buf[0] */
	uint64_t line;  /* physical line of buf[pos] */

	int status; /* sticky error, 0 while all is well */
	kam_csv_error err;

	kam_str *fields;   /* KAM_CSV_FIELDS_MAX views */
	uint32_t *esc;     /* indices of fields that still hold "" escapes */
	kam_buf scratch;   /* unescaped fields of the current row */
};

/* ---- Opening and closing ---- */

static int csv_alloc(kam_csv **out)
{
	kam_csv *c = calloc(1, sizeof(*c));
	if (!c)
		return KAM_ENOMEM;
	c->fields = malloc(KAM_CSV_FIELDS_MAX * sizeof(*c->fields));
	c->esc = malloc(KAM_CSV_FIELDS_MAX * sizeof(*c->esc));
	if (!c->fields || !c->esc) {
		free(c->fields);
		free(c->esc);
		free(c);
		return KAM_ENOMEM;
	}
	c->fd = -1;
	c->block = CSV_BLOCK;
	c->line = 1;
	c->err.what = "no error";
	*out = c;
	return 0;
}

static int errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return KAM_ENOTFOUND;
	case EACCES:
	case EPERM:
		return KAM_EPERM;
	case ENOMEM:
		return KAM_ENOMEM;
	default:
		return KAM_EIO;
	}
}

int kam_csv_open(const char *path, kam_csv **out)
{
	if (!path || !out)
		return KAM_EINVAL;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_code(errno);

	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		rc = errno_code(errno);
	} else if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		rc = KAM_EIO;
	}
	if (rc) {
		if (!is_stdin)
			close(fd);
		return rc;
	}

	kam_csv *c;
	rc = csv_alloc(&c);
	if (rc) {
		if (!is_stdin)
			close(fd);
		return rc;
	}
	c->fd = fd;
	c->close_fd = !is_stdin;
	if (S_ISREG(st.st_mode)) {
		off_t at = lseek(fd, 0, SEEK_CUR);
		if (at >= 0) {
			c->seekable = true;
			c->start_off = at;
			c->total = st.st_size > at ? (uint64_t)(st.st_size - at) : 0;
#ifdef POSIX_FADV_SEQUENTIAL
			posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
		}
	}
	*out = c;
	return 0;
}

int kam_csv_open_mem(const void *data, size_t len, kam_csv **out)
{
	if ((!data && len) || !out)
		return KAM_EINVAL;
	kam_csv *c;
	int rc = csv_alloc(&c);
	if (rc)
		return rc;
	c->mem = data;
	c->mem_len = len;
	c->total = len;
	*out = c;
	return 0;
}

void kam_csv_close(kam_csv *c)
{
	if (!c)
		return;
	if (c->close_fd)
		close(c->fd);
	free(c->buf);
	free(c->fields);
	free(c->esc);
	kam_buf_free(&c->scratch);
	free(c);
}

void kam_csv_set_block_size(kam_csv *c, size_t size)
{
	c->block = size ? size : CSV_BLOCK;
}

/* ---- Filling the buffer ---- */

static ssize_t source_read(kam_csv *c, uint8_t *dst, size_t n)
{
	if (!c->mem && c->fd < 0)
		return 0;
	if (c->fd < 0) {
		size_t left = c->mem_len - c->mem_off;
		if (n > left)
			n = left;
		if (n)
			memcpy(dst, c->mem + c->mem_off, n);
		c->mem_off += n;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t r = read(c->fd, dst, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

static int buffer_grow(kam_csv *c, size_t need)
{
	size_t cap = c->cap ? c->cap : 1;
	while (cap - c->end < need) {
		if (cap > (SIZE_MAX - CSV_PAD) / 2)
			return KAM_ENOMEM;
		cap *= 2;
	}
	uint8_t *p = realloc(c->buf, cap + CSV_PAD);
	if (!p)
		return KAM_ENOMEM;
	c->buf = p;
	c->cap = cap;
	return 0;
}

/*
 * Moves the unfinished row to the front and reads more. For a long row it asks for at least as
 * many new bytes as the row already has, so a row that needs many reads (a pipe hands out 64 KiB
 * at a time) is parsed again only a logarithmic number of times; a short row takes whatever one
 * read brings, so a slow pipe is not kept waiting for bytes it has not sent yet.
 */
static int buffer_refill(kam_csv *c)
{
	if (!c->buf) {
		size_t cap = c->block;
		if (c->fd < 0 && c->mem_len < cap)
			cap = c->mem_len + 1;
		c->buf = malloc(cap + CSV_PAD);
		if (!c->buf)
			return KAM_ENOMEM;
		c->cap = cap;
	}
	size_t keep = c->end - c->pos;
	if (c->pos) {
		memmove(c->buf, c->buf + c->pos, keep);
		c->base += c->pos;
		c->pos = 0;
		c->end = keep;
	}
	size_t need = keep >= CSV_LONG_ROW ? keep : 1;
	if (c->cap - c->end < need) {
		int rc = buffer_grow(c, need);
		if (rc)
			return rc;
	}
	size_t got = 0;
	while (got < need) {
		size_t room = c->cap - c->end;
		if (room > c->block)
			room = c->block;
		ssize_t n = source_read(c, c->buf + c->end, room);
		if (n < 0)
			return KAM_EIO;
		if (n == 0) {
			c->eof = true;
			break;
		}
		c->end += (size_t)n;
		got += (size_t)n;
	}
	memset(c->buf + c->end, 0, CSV_PAD);
	return 0;
}

/* ---- Scanning ---- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/*
 * Bit 7 of every zero byte of x. Higher bytes may show false hits after a real one (the borrow
 * runs upwards), so only the lowest hit is exact, which is all the scans below use.
 */
static inline uint64_t zero_bytes(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

static inline uint64_t byte_is(uint64_t w, uint8_t ch)
{
	return zero_bytes(w ^ (ONES * ch));
}

/* Word-at-a-time scans find the first hit with ctz, which needs little-endian loads. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__) && \
	!defined(KAM_CSV_NO_SWAR)
#define CSV_SWAR 1
#else
/* Bytes at which a scan must stop: NUL (also the sentinel) and anything not ASCII. */
static inline bool stop_plain(uint8_t ch)
{
	return ch == ',' || ch == '"' || ch == '\n' || ch == '\r' || ch == 0 || ch >= 0x80;
}

static inline bool stop_quoted(uint8_t ch)
{
	return ch == '"' || ch == '\n' || ch == '\r' || ch == 0 || ch >= 0x80;
}
#endif

/* Skips to the next byte of an unquoted field that is not plain ASCII data. */
static inline const uint8_t *scan_plain(const uint8_t *p)
{
#ifdef CSV_SWAR
	for (;;) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t m = (w & HIGHS) | zero_bytes(w) | byte_is(w, ',') | byte_is(w, '"') |
			     byte_is(w, '\n') | byte_is(w, '\r');
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#else
	while (!stop_plain(*p))
		p++;
	return p;
#endif
}

/* The same inside quotes, where commas are data. */
static inline const uint8_t *scan_quoted(const uint8_t *p)
{
#ifdef CSV_SWAR
	for (;;) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t m = (w & HIGHS) | zero_bytes(w) | byte_is(w, '"') | byte_is(w, '\n') |
			     byte_is(w, '\r');
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#else
	while (!stop_quoted(*p))
		p++;
	return p;
#endif
}

/*
 * Rows of plain fields, the bulk of any import, split sixteen bytes at a time: one pass builds
 * bitmasks of the commas, line feeds and bytes that need the general parser (quote, NUL,
 * anything not ASCII, a CR that does not end the line), and the fields fall out of the comma
 * bits. The general parser reads any other row, and any row that does not end inside the buffer.
 */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(KAM_CSV_NO_SWAR)
#include <emmintrin.h>
#define CSV_FAST_ROWS 1

/*
 * Longer rows go the general way, which checks the limits: a row this short can have neither a
 * field too long nor too many fields (one byte per field at least, the last one's line feed).
 */
#define FAST_ROW_MAX 4096
_Static_assert(FAST_ROW_MAX <= KAM_CSV_FIELD_MAX && FAST_ROW_MAX <= KAM_CSV_FIELDS_MAX,
	       "a row the fast path takes is within the limits");

static inline uint32_t bytes_eq(__m128i v, char ch)
{
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(ch)));
}

/*
 * Splits the row at p when it is plain and its line feed lies before `end`: fills fields and
 * *nfields and returns the byte after the line feed. Returns NULL, having changed nothing but
 * the contents of fields, for the general parser to read the row.
 */
static const uint8_t *fast_row(const uint8_t *p, const uint8_t *end, kam_str *fields,
			       uint32_t *nfields)
{
	const uint8_t *limit = (size_t)(end - p) > FAST_ROW_MAX ? p + FAST_ROW_MAX : end;
	const uint8_t *fs = p;
	uint32_t nf = 0;

	for (const uint8_t *b = p; limit - b >= 16; b += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
		uint32_t lf = bytes_eq(v, '\n'), cr = bytes_eq(v, '\r');
		uint32_t odd = bytes_eq(v, '"') | bytes_eq(v, 0) | (uint32_t)_mm_movemask_epi8(v);
		uint32_t first_lf = lf & (0u - lf);
		/* The bytes of the row in this block: up to its line feed, or all sixteen. */
		uint32_t row = first_lf ? first_lf - 1 : 0xFFFFu;
		uint32_t crlf = first_lf >> 1; /* a CR may stand right before the line feed */
		if ((odd & row) || (cr & row & ~crlf))
			return NULL;
		for (uint32_t m = bytes_eq(v, ',') & row; m; m &= m - 1) {
			const uint8_t *comma = b + __builtin_ctz(m);
			fields[nf++] = (kam_str){ (const char *)fs, (uint32_t)(comma - fs) };
			fs = comma + 1;
		}
		if (lf) {
			const uint8_t *eol = b + __builtin_ctz(lf);
			const uint8_t *fe = (cr & crlf) ? eol - 1 : eol;
			fields[nf++] = (kam_str){ (const char *)fs, (uint32_t)(fe - fs) };
			*nfields = nf;
			return eol + 1;
		}
	}
	return NULL;
}
#endif

/*
 * Length of the UTF-8 sequence at p (p[0] >= 0x80), or 0 when it is invalid: a stray
 * continuation byte, an overlong form, a surrogate, a code point over U+10FFFF or a truncated
 * sequence. The sentinel NUL makes a sequence cut by the end of the data invalid too.
 */
static inline unsigned utf8_len(const uint8_t *p)
{
	uint8_t c = p[0];
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (c < 0xF5) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* How many bytes the lead byte announces, to tell a cut sequence from a bad one. */
static inline size_t utf8_want(uint8_t c)
{
	return c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* ---- Parsing one row ---- */

static int csv_fail(kam_csv *c, int code, uint64_t line, uint32_t column, const char *what)
{
	c->status = code;
	c->err.line = line;
	c->err.column = column;
	c->err.what = what;
	return code;
}

/*
 * Checks the non-ASCII sequence at *pp and steps over it. Returns 0, PARSE_MORE when the
 * sequence may continue in input not read yet, or KAM_EPARSE.
 */
static inline int step_utf8(kam_csv *c, const uint8_t **pp, const uint8_t *end, uint64_t line,
			    uint32_t column)
{
	const uint8_t *p = *pp;
	unsigned n = utf8_len(p);
	if (n) {
		*pp = p + n;
		return 0;
	}
	if (!c->eof && (size_t)(end - p) < utf8_want(p[0]))
		return PARSE_MORE;
	return csv_fail(c, KAM_EPARSE, line, column, "invalid UTF-8");
}

/* Builds the final views of the fields that hold "" escapes, now that the buffer is stable. */
static int row_unescape(kam_csv *c, uint32_t nesc)
{
	size_t total = 0;
	for (uint32_t i = 0; i < nesc; i++)
		total += c->fields[c->esc[i]].len;
	kam_buf_reset(&c->scratch);
	if (kam_buf_reserve(&c->scratch, total))
		return KAM_ENOMEM;
	char *out = (char *)c->scratch.data;
	for (uint32_t i = 0; i < nesc; i++) {
		kam_str *f = &c->fields[c->esc[i]];
		const char *p = f->ptr, *e = f->ptr + f->len;
		char *start = out;
		while (p < e) {
			const char *q = memchr(p, '"', (size_t)(e - p));
			if (!q) {
				memcpy(out, p, (size_t)(e - p));
				out += e - p;
				break;
			}
			/* Keep one quote of the pair and skip the other. */
			memcpy(out, p, (size_t)(q - p + 1));
			out += q - p + 1;
			p = q + 2;
		}
		f->ptr = start;
		f->len = (uint32_t)(out - start);
	}
	return 0;
}

/*
 * Parses the row at buf[pos]. Returns 1 with c->fields filled and pos and line advanced,
 * 0 at the end of the input, PARSE_MORE when the row runs past the data read so far (nothing
 * changes; read more and call again), or a negative code.
 */
static int parse_row(kam_csv *c, uint32_t *nfields)
{
	const uint8_t *buf = c->buf;
	const uint8_t *p = buf + c->pos, *end = buf + c->end;
	uint64_t line = c->line;
	kam_str *fields = c->fields;
	uint32_t nf = 0, nesc = 0;
	int rc;

	if (!c->bom_done) {
		if ((size_t)(end - p) < 3 && !c->eof)
			return PARSE_MORE;
		if (end - p >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
			p += 3;
			c->pos += 3;
		}
		c->bom_done = true;
	}

	if (p == end)
		return c->eof ? 0 : PARSE_MORE;
	if (*p == '\n' || *p == '\r') {
		/* A blank line is a row unless nothing follows it. */
		size_t n = 1;
		if (*p == '\r') {
			if (p + 1 == end && !c->eof)
				return PARSE_MORE;
			if (p + 1 < end && p[1] == '\n')
				n = 2;
		}
		if (p + n == end) {
			if (!c->eof)
				return PARSE_MORE;
			c->pos = c->end;
			c->line = line + 1;
			return 0;
		}
	}

#ifdef CSV_FAST_ROWS
	const uint8_t *next = fast_row(p, end, fields, &nf);
	if (next) {
		c->pos = (size_t)(next - buf);
		c->line = line + 1;
		*nfields = nf;
		return 1;
	}
#endif
	for (;;) {
		if (nf == KAM_CSV_FIELDS_MAX)
			return csv_fail(c, KAM_ELIMIT, line, nf + 1, "too many fields in row");
		const uint8_t *fs = p;

		if (*p != '"') {
			for (;;) {
				p = scan_plain(p);
				if (*p < 0x80)
					break;
				if ((rc = step_utf8(c, &p, end, line, nf + 1)) != 0)
					return rc;
			}
			if ((size_t)(p - fs) > KAM_CSV_FIELD_MAX)
				return csv_fail(c, KAM_ELIMIT, line, nf + 1, "field too long");
			fields[nf].ptr = (const char *)fs;
			fields[nf].len = (uint32_t)(p - fs);
			nf++;
			if (p == end) {
				if (!c->eof)
					return PARSE_MORE;
				break;
			}
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == '\n') {
				p++;
				line++;
				break;
			}
			if (*p == '\r') {
				if (p + 1 == end && !c->eof)
					return PARSE_MORE;
				p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
				line++;
				break;
			}
			if (*p == '"')
				return csv_fail(c, KAM_EPARSE, line, nf, "quote inside an unquoted field");
			return csv_fail(c, KAM_EPARSE, line, nf, "NUL byte");
		}

		/* A quoted field. */
		uint64_t qline = line;
		uint32_t quotes = 0;
		const uint8_t *cs = ++p;
		for (;;) {
			p = scan_quoted(p);
			if ((size_t)(p - cs) - quotes > KAM_CSV_FIELD_MAX)
				return csv_fail(c, KAM_ELIMIT, line, nf + 1, "field too long");
			if (p == end) {
				if (!c->eof)
					return PARSE_MORE;
				return csv_fail(c, KAM_EPARSE, qline, nf + 1,
						"unterminated quoted field");
			}
			if (*p == '"') {
				if (p + 1 == end && !c->eof)
					return PARSE_MORE;
				if (p + 1 < end && p[1] == '"') {
					quotes++;
					p += 2;
					continue;
				}
				break;
			}
			if (*p == '\n') {
				line++;
				p++;
			} else if (*p == '\r') {
				if (p + 1 == end && !c->eof)
					return PARSE_MORE;
				if (!(p + 1 < end && p[1] == '\n'))
					line++;
				p++;
			} else if (*p == 0) {
				return csv_fail(c, KAM_EPARSE, line, nf + 1, "NUL byte");
			} else if ((rc = step_utf8(c, &p, end, line, nf + 1)) != 0) {
				return rc;
			}
		}
		fields[nf].ptr = (const char *)cs;
		fields[nf].len = (uint32_t)(p - cs);
		if (quotes)
			c->esc[nesc++] = nf;
		nf++;
		p++;
		if (p == end) {
			if (!c->eof)
				return PARSE_MORE;
			break;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n') {
			p++;
			line++;
			break;
		}
		if (*p == '\r') {
			if (p + 1 == end && !c->eof)
				return PARSE_MORE;
			p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
			line++;
			break;
		}
		return csv_fail(c, KAM_EPARSE, line, nf, "unexpected character after a closing quote");
	}

	if (nesc && (rc = row_unescape(c, nesc)) != 0)
		return rc;
	c->pos = (size_t)(p - buf);
	c->line = line;
	*nfields = nf;
	return 1;
}

int kam_csv_next(kam_csv *c, kam_csv_row *row)
{
	if (c->status)
		return c->status;
	for (;;) {
		uint64_t line = c->line;
		uint32_t nf = 0;
		int rc = c->buf ? parse_row(c, &nf) : PARSE_MORE;
		if (rc == 1) {
			row->nfields = nf;
			row->fields = c->fields;
			row->line = line;
			return 1;
		}
		if (rc != PARSE_MORE)
			return rc;
		rc = buffer_refill(c);
		if (rc)
			return rc;
	}
}

const kam_csv_error *kam_csv_last_error(const kam_csv *c)
{
	return &c->err;
}

uint64_t kam_csv_bytes_read(const kam_csv *c)
{
	return c->base + c->pos;
}

uint64_t kam_csv_total_bytes(const kam_csv *c)
{
	return c->total;
}

int kam_csv_rewind(kam_csv *c)
{
	if (c->fd < 0) {
		c->mem_off = 0;
	} else if (c->seekable) {
		if (lseek(c->fd, c->start_off, SEEK_SET) < 0)
			return KAM_EIO;
	} else if (c->base == 0) {
		/* A pipe whose every byte read so far is still in the buffer. */
		c->pos = 0;
		goto reset;
	} else {
		return KAM_EIO;
	}
	c->pos = c->end = 0;
	c->base = 0;
	c->eof = false;
	if (c->buf)
		memset(c->buf, 0, CSV_PAD);
reset:
	c->line = 1;
	c->bom_done = false;
	c->status = 0;
	c->err = (kam_csv_error){ 0, 0, "no error" };
	return 0;
}

/* ---- Writing ---- */

bool kam_csv_needs_quotes(const char *p, size_t len)
{
	/* A leading U+FEFF would be taken for the BOM if this were the first field of the file. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			return true;
	return false;
}

int kam_csv_write_field(FILE *out, const char *p, size_t len)
{
	if (!kam_csv_needs_quotes(p, len))
		return len && fwrite(p, 1, len, out) != len ? kam_io_error() : 0;

	if (putc('"', out) == EOF)
		return kam_io_error();
	const char *e = p + len;
	while (p < e) {
		const char *q = memchr(p, '"', (size_t)(e - p));
		size_t n = q ? (size_t)(q - p + 1) : (size_t)(e - p);
		/* Writing up to and including a quote, then the quote again, doubles it. */
		if (fwrite(p, 1, n, out) != n || (q && putc('"', out) == EOF))
			return kam_io_error();
		p += n;
	}
	return putc('"', out) == EOF ? kam_io_error() : 0;
}

int kam_csv_write_row(FILE *out, const kam_str *fields, uint32_t n)
{
	if (n == 0)
		return KAM_EINVAL;
	if (n == 1 && fields[0].len == 0)
		return fputs("\"\"\n", out) == EOF ? kam_io_error() : 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i && putc(',', out) == EOF)
			return kam_io_error();
		int rc = kam_csv_write_field(out, fields[i].ptr, fields[i].len);
		if (rc)
			return rc;
	}
	return putc('\n', out) == EOF ? kam_io_error() : 0;
}
