/*
 * date.h - calendar dates and date-times as REFERENCE.md defines them.
 *
 * A value is a day number (days since 1970-01-01, proleptic Gregorian) plus an optional time of
 * day in seconds. Date-only values ("2024-03-01") have sec == KAM_NO_TIME; values written as
 * "2024-03-01T09:30" or "2024-03-01T09:30:15" keep their time. Ordering is by day, then sec
 * (a date-only value sorts before any timed value of the same day).
 */
#ifndef KAM_DATE_H
#define KAM_DATE_H

#include <stddef.h>
#include <stdint.h>

#define KAM_NO_TIME (-1)
#define KAM_DATE_BUFSZ 24 /* enough for "-YYYYY-MM-DDTHH:MM:SS" and the NUL */

typedef struct kam_date {
	int32_t day; /* days since 1970-01-01 */
	int32_t sec; /* seconds since midnight 0..86399, or KAM_NO_TIME */
} kam_date;

/* Days since 1970-01-01 of a civil date; month 1..12, mday 1..31 (not checked). */
int32_t kam_days_from_civil(int year, unsigned month, unsigned mday);
/* The civil date of a day number. */
void kam_civil_from_days(int32_t day, int *year, unsigned *month, unsigned *mday);
/* Days in a month of a year (leap years per the Gregorian rule). */
unsigned kam_days_in_month(int year, unsigned month);
/* Day of week of a day number: 0 = Monday .. 6 = Sunday. */
unsigned kam_weekday(int32_t day);

/*
 * Parses exactly `len` bytes of `s` as "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or
 * "YYYY-MM-DDTHH:MM:SS" (year 0001..9999). Returns 0, or KAM_EPARSE when the text is not of that
 * shape or names an impossible date or time (2026-02-30, 24:00). `out` is written only on success.
 * Strict: an upper-case 'T' only, exactly two digits per part, no sign, spaces, time zone or
 * fraction of a second.
 */
int kam_date_parse(const char *s, size_t len, kam_date *out);

/*
 * Writes the canonical text of `d` ("YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS" when it has a time)
 * into `buf`, NUL-terminated, and returns its length (excluding the NUL). Any int32 day fits:
 * years outside 0..9999 get a '-' or more digits ("-0001-12-31", "12345-06-07"), which
 * kam_date_parse does not read back. A sec outside 0..86399 is written as no time.
 */
size_t kam_date_format(kam_date d, char buf[KAM_DATE_BUFSZ]);

/* Compares two values: <0, 0, >0. */
int kam_date_cmp(kam_date a, kam_date b);

/*
 * Adds `months` calendar months (negative: subtracts) to a day number; a day that does not exist
 * in the target month clamps to its last day (Jan 31 + 1 month = Feb 28 or 29; Mar 31 - 1 month
 * = Feb 28 or 29). A result beyond the int32 range saturates to INT32_MIN or INT32_MAX.
 */
int32_t kam_day_add_months(int32_t day, int months);

/* Today's day number in local time. */
int32_t kam_today(void);

#endif
