/*
 * fuzz_parse.c - libFuzzer target for the date and money parsers and kam_field_parse.
 *
 * The input is parsed as a date, as money and as the cell of every field of every kind. Dates
 * and money are judged by small oracles written here independently of date.c and money.c (what
 * the headers promise: the accepted shapes, the ranges, the exact value), and whatever parses
 * must format to a canonical text that parses back to the same value. The first 12 bytes are
 * also read as raw values (a money amount, a day and a second) whose canonical text must parse
 * back, and month arithmetic is checked on them.
 *
 * Built by tests/fuzz/CMakeLists.txt (cmake -DKAM_FUZZ=ON, clang); see tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kam/errors.h>

#include "date.h"
#include "money.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The date oracle: 1 with y/m/d/sec when the text is a date date.h promises to accept. */
static int date_oracle(const char *s, size_t n, int *y, int *m, int *d, int *sec)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int hh = 0, mm = 0, ss = 0;
	if (n != 10 && n != 16 && n != 19)
		return 0;
	if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
	    !digits(s + 8, 2, d))
		return 0;
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1)
		return 0;
	if (*d > mdays[*m - 1] + (*m == 2 && leap(*y)))
		return 0;
	*sec = KAM_NO_TIME;
	if (n == 10)
		return 1;
	if (s[10] != 'T' || !digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mm))
		return 0;
	if (n == 19 && (s[16] != ':' || !digits(s + 17, 2, &ss)))
		return 0;
	if (hh > 23 || mm > 59 || ss > 59)
		return 0;
	*sec = hh * 3600 + mm * 60 + ss;
	return 1;
}

static void check_date(const char *s, size_t n)
{
	kam_date d = { 12345, 678 }, again;
	int y, m, md, sec;
	int rc = kam_date_parse(s, n, &d);
	int ok = date_oracle(s, n, &y, &m, &md, &sec);
	CHECK(rc == 0 || rc == KAM_EPARSE);
	CHECK((rc == 0) == ok);
	if (rc) {
		CHECK(d.day == 12345 && d.sec == 678); /* written only on success */
		return;
	}
	CHECK(d.sec == sec);
	CHECK(d.day == kam_days_from_civil(y, (unsigned)m, (unsigned)md));
	int cy;
	unsigned cm, cd;
	kam_civil_from_days(d.day, &cy, &cm, &cd);
	CHECK(cy == y && (int)cm == m && (int)cd == md);
	CHECK(kam_weekday(d.day) < 7);

	char buf[KAM_DATE_BUFSZ], buf2[KAM_DATE_BUFSZ];
	size_t len = kam_date_format(d, buf);
	CHECK(len == strlen(buf) && (len == 10 || len == 19));
	CHECK(kam_date_parse(buf, len, &again) == 0);
	CHECK(kam_date_cmp(d, again) == 0 && again.sec == d.sec);
	CHECK(kam_date_format(again, buf2) == len && memcmp(buf, buf2, len) == 0);
	/* The canonical text is the input itself, but for ":00" seconds added to HH:MM. */
	if (n != 16)
		CHECK(len == n && memcmp(buf, s, n) == 0);
}

/* The money oracle: syntax of money.h, then the exact value in 128 bits. */
static int money_oracle(const char *s, size_t n, kam_money *out)
{
	size_t i = 0, int_digits = 0, frac_digits = 0;
	int neg = 0;
	unsigned __int128 mag = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, int_digits++)
		if (mag < ((unsigned __int128)1 << 100))
			mag = mag * 10 + (unsigned)(s[i] - '0');
	if (!int_digits)
		return KAM_EPARSE;
	mag *= 10000;
	if (i < n && s[i] == '.') {
		unsigned scale = 1000;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
			if (frac_digits == 4)
				return KAM_EPARSE;
			mag += (unsigned)(s[i] - '0') * scale;
			scale /= 10;
		}
		if (!frac_digits)
			return KAM_EPARSE;
	}
	if (i != n)
		return KAM_EPARSE;
	unsigned __int128 limit = (unsigned __int128)INT64_MAX + (neg ? 1 : 0);
	if (mag > limit)
		return KAM_ERANGE;
	*out = neg ? (kam_money)(0 - (uint64_t)mag) : (kam_money)mag;
	return 0;
}

static void check_money_value(kam_money m)
{
	char buf[KAM_MONEY_BUFSZ];
	kam_money again = 1;
	size_t len = kam_money_format(m, buf);
	CHECK(len == strlen(buf) && len <= 21);
	CHECK(kam_money_parse(buf, len, &again) == 0 && again == m);
	/* Shortest: no trailing zero after the point, no point without a digit after it. */
	if (memchr(buf, '.', len))
		CHECK(buf[len - 1] != '0' && buf[len - 1] != '.');
}

static void check_money(const char *s, size_t n)
{
	kam_money m = 777, want = 0;
	int rc = kam_money_parse(s, n, &m);
	int orc = money_oracle(s, n, &want);
	CHECK(rc == orc);
	if (rc) {
		CHECK(m == 777);
		return;
	}
	CHECK(m == want);
	check_money_value(m);
}

/* Every field of every kind: a parsed value's canonical text parses back to itself. */
static void check_fields(const char *s, size_t n)
{
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		const kam_schema *sc = kam_schema_of((kam_kind)k);
		for (unsigned f = 0; f < sc->nfields; f++) {
			kam_any rec, again;
			const char *expected = NULL;
			kam_rec_clear(sc, &rec);
			int rc = kam_field_parse(sc, &rec, (int)f, s, n, &expected);
			if (rc) {
				CHECK(rc == KAM_EPARSE || rc == KAM_ERANGE || rc == KAM_ELIMIT);
				CHECK(expected && *expected && !rec.rec.present);
				continue;
			}
			CHECK(KAM_HAS(&rec, f) == (n > 0));
			char scratch[48], scratch2[48];
			kam_str t = kam_field_text(sc, &rec, (int)f, scratch);
			CHECK((t.len > 0) == (n > 0));
			if (!n)
				continue;
			const kam_field *fd = &sc->fields[f];
			if (fd->type == KAM_T_TEXT || fd->type == KAM_T_ID)
				CHECK(t.len == n && memcmp(t.ptr, s, n) == 0);
			kam_rec_clear(sc, &again);
			CHECK(kam_field_parse(sc, &again, (int)f, t.ptr, t.len, &expected) == 0);
			CHECK(kam_str_eq(t, kam_field_text(sc, &again, (int)f, scratch2)));
		}
	}
}

/* Raw values from the first bytes: formatting and month arithmetic on any int. */
static void check_raw(const uint8_t *data, size_t size)
{
	if (size < 12)
		return;
	int64_t m;
	int32_t day, sec;
	memcpy(&m, data, 8);
	memcpy(&day, data + 8, 4);
	check_money_value(m);
	sec = size >= 16 ? (int32_t)(data[12] | data[13] << 8 | (uint32_t)data[14] << 16) : KAM_NO_TIME;
	kam_date d = { day, sec }, again;
	char buf[KAM_DATE_BUFSZ];
	size_t len = kam_date_format(d, buf);
	CHECK(len == strlen(buf) && len < KAM_DATE_BUFSZ);
	if (day >= kam_days_from_civil(1, 1, 1) && day <= kam_days_from_civil(9999, 12, 31)) {
		CHECK(kam_date_parse(buf, len, &again) == 0 && again.day == day);
		CHECK(again.sec == (sec >= 0 && sec <= 86399 ? sec : KAM_NO_TIME));
		int months = (int8_t)data[11];
		int32_t moved = kam_day_add_months(day, months);
		int y1, y2;
		unsigned m1, m2, d1, d2;
		kam_civil_from_days(day, &y1, &m1, &d1);
		kam_civil_from_days(moved, &y2, &m2, &d2);
		CHECK((y2 * 12 + (int)m2) - (y1 * 12 + (int)m1) == months);
		CHECK(d2 == (d1 < kam_days_in_month(y2, m2) ? d1 : kam_days_in_month(y2, m2)));
	}
	CHECK(kam_day_add_months(day, 0) == day);
	/* Far beyond the calendar: saturates, never overflows. */
	(void)kam_day_add_months(day, ((int)(data[11] | data[10] << 8) - 32768) * 65536);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy, so that ASan sees any read past the end of the text. */
	char *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	check_date(s, size);
	check_money(s, size);
	if (size <= 300)
		check_fields(s, size);
	check_raw(data, size);
	free(s);
	return 0;
}
