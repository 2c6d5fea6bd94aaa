/*
 * date.c - proleptic Gregorian day numbers, ISO 8601 dates and calendar-month arithmetic.
 *
 * The day-number conversions count in 400-year eras (146097 days each), shifted so that a year
 * starts on March 1: February, with its leap day, is then the last month of the shifted year and
 * the month lengths before it follow a fixed 153-days-per-5-months pattern.  Everything is done
 * in 64-bit arithmetic so that any int32 day number converts without overflow.
 */
#include "date.h"

#include <time.h>

#include <kam/errors.h>

#define DAYS_PER_ERA 146097       /* days in 400 Gregorian years */
#define EPOCH_SHIFT 719468        /* days from 0000-03-01 to 1970-01-01 */
#define SECS_PER_DAY 86400

/* Floor division: eras before year 0 must round towards minus infinity. */
static int64_t div_floor(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil64(int64_t y, unsigned m, unsigned d)
{
	if (m <= 2)
		y -= 1;                                   /* Jan and Feb belong to the previous shifted year */
	int64_t era = div_floor(y, 400);
	int64_t yoe = y - era * 400;                      /* 0..399 */
	unsigned mp = m > 2 ? m - 3 : m + 9;              /* March = 0 .. February = 11 */
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1; /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

int32_t kam_days_from_civil(int year, unsigned month, unsigned mday)
{
	return (int32_t)days_from_civil64(year, month, mday);
}

static void civil_from_days64(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += EPOCH_SHIFT;
	int64_t era = div_floor(z, DAYS_PER_ERA);
	int64_t doe = z - era * DAYS_PER_ERA;             /* 0..146096 */
	/* Undo the leap days: one every 4 years, none every 100, one again at 400 (the era's end). */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (unsigned)((5 * doy + 2) / 153);
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

void kam_civil_from_days(int32_t day, int *year, unsigned *month, unsigned *mday)
{
	int64_t y;
	civil_from_days64(day, &y, month, mday);
	*year = (int)y; /* |y| < 6 million for any int32 day */
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned month_len(int64_t year, unsigned month)
{
	static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month == 2)
		return 28u + (unsigned)is_leap(year);
	return len[month - 1];
}

unsigned kam_days_in_month(int year, unsigned month)
{
	if (month < 1 || month > 12)
		return 0;
	return month_len(year, month);
}

unsigned kam_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday, 3 days after a Monday. */
	int64_t w = ((int64_t)day + 3) % 7;
	return (unsigned)(w < 0 ? w + 7 : w);
}

/* Reads `n` ASCII digits; returns -1 if any byte is not a digit. */
static int digits(const char *s, unsigned n)
{
	int v = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';
		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
	}
	return v;
}

int kam_date_parse(const char *s, size_t len, kam_date *out)
{
	if (len != 10 && len != 16 && len != 19)
		return KAM_EPARSE;
	if (s[4] != '-' || s[7] != '-')
		return KAM_EPARSE;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || (unsigned)d > month_len(y, (unsigned)m))
		return KAM_EPARSE;

	int32_t sec = KAM_NO_TIME;
	if (len > 10) {
		if (s[10] != 'T' || s[13] != ':')
			return KAM_EPARSE;
		int hh = digits(s + 11, 2), mm = digits(s + 14, 2), ss = 0;
		if (len == 19) {
			if (s[16] != ':')
				return KAM_EPARSE;
			ss = digits(s + 17, 2);
		}
		if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
			return KAM_EPARSE;
		sec = hh * 3600 + mm * 60 + ss;
	}
	out->day = kam_days_from_civil(y, (unsigned)m, (unsigned)d);
	out->sec = sec;
	return 0;
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

size_t kam_date_format(kam_date d, char buf[KAM_DATE_BUFSZ])
{
	int64_t y;
	unsigned m, md;
	civil_from_days64(d.day, &y, &m, &md);

	char *p = buf;
	if (y < 0) {
		*p++ = '-';
		y = -y;
	}
	/* At least four year digits; more only outside 0..9999 (not parseable, but never truncated). */
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + y % 10);
		y /= 10;
	} while (y);
	while (n < 4)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, md);
	if (d.sec >= 0 && d.sec < SECS_PER_DAY) {
		unsigned s = (unsigned)d.sec;
		*p++ = 'T';
		p = put2(p, s / 3600);
		*p++ = ':';
		p = put2(p, s / 60 % 60);
		*p++ = ':';
		p = put2(p, s % 60);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

int kam_date_cmp(kam_date a, kam_date b)
{
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return (a.sec > b.sec) - (a.sec < b.sec);
}

int32_t kam_day_add_months(int32_t day, int months)
{
	int64_t y;
	unsigned m, d;
	civil_from_days64(day, &y, &m, &d);

	int64_t total = y * 12 + (int64_t)m - 1 + months; /* months since 0000-01 */
	int64_t ny = div_floor(total, 12);
	unsigned nm = (unsigned)(total - ny * 12) + 1;
	unsigned last = month_len(ny, nm);
	int64_t r = days_from_civil64(ny, nm, d < last ? d : last);
	/* Saturate rather than wrap: only reachable from day numbers millions of years away. */
	if (r > INT32_MAX)
		return INT32_MAX;
	if (r < INT32_MIN)
		return INT32_MIN;
	return (int32_t)r;
}

int32_t kam_today(void)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return (int32_t)div_floor((int64_t)now, SECS_PER_DAY);
	return kam_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}
