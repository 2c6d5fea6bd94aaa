/* test_date.c - day numbers, ISO 8601 parsing and formatting, calendar-month arithmetic. */
#include <criterion/criterion.h>

#include <string.h>
#include <time.h>

#include <kam/errors.h>

#include "date.h"

static int32_t D(int y, unsigned m, unsigned d)
{
	return kam_days_from_civil(y, m, d);
}

static int parse(const char *s, kam_date *out)
{
	return kam_date_parse(s, strlen(s), out);
}

/* Known day numbers, computed independently (Python's datetime). */
Test(date, known_day_numbers)
{
	static const struct { int y; unsigned m, d; int32_t day; } t[] = {
		{ 1970, 1, 1, 0 },         { 1969, 12, 31, -1 },     { 2000, 3, 1, 11017 },
		{ 1, 1, 1, -719162 },      { 9999, 12, 31, 2932896 }, { 2024, 2, 29, 19782 },
		{ 1900, 3, 1, -25508 },    { 1600, 2, 29, -135081 },  { 0, 3, 1, -719468 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_expect_eq(D(t[i].y, t[i].m, t[i].d), t[i].day, "%d-%u-%u", t[i].y, t[i].m, t[i].d);
		int y;
		unsigned m, d;
		kam_civil_from_days(t[i].day, &y, &m, &d);
		cr_expect(y == t[i].y && m == t[i].m && d == t[i].d, "day %d", t[i].day);
	}
}

/* Walk every day from 0001-01-01 to 9999-12-31 with a plain calendar counter. */
Test(date, civil_walk_matches_counter)
{
	int y = 1;
	unsigned m = 1, d = 1;
	int32_t end = D(9999, 12, 31);
	for (int32_t day = D(1, 1, 1); day <= end; day++) {
		int cy;
		unsigned cm, cd;
		kam_civil_from_days(day, &cy, &cm, &cd);
		if (cy != y || cm != m || cd != d)
			cr_assert_fail("day %d: got %d-%u-%u, want %d-%u-%u", day, cy, cm, cd, y, m, d);
		if (D(y, m, d) != day)
			cr_assert_fail("days_from_civil(%d-%u-%u) != %d", y, m, d, day);
		if (++d > kam_days_in_month(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	cr_expect_eq(y, 10000);
}

Test(date, extreme_day_numbers_round_trip)
{
	static const int32_t days[] = { INT32_MIN, INT32_MIN + 1, -1000000000, -1, 0, 1000000000,
					INT32_MAX - 1, INT32_MAX };
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int y;
		unsigned m, d;
		kam_civil_from_days(days[i], &y, &m, &d);
		cr_expect(m >= 1 && m <= 12 && d >= 1 && d <= kam_days_in_month(y, m));
		cr_expect_eq(D(y, m, d), days[i], "day %d", days[i]);
		char buf[KAM_DATE_BUFSZ];
		size_t n = kam_date_format((kam_date){ days[i], 86399 }, buf);
		cr_expect(n < KAM_DATE_BUFSZ && strlen(buf) == n, "%s", buf);
	}
}

Test(date, days_in_month_and_leap_years)
{
	cr_expect_eq(kam_days_in_month(1900, 2), 28);
	cr_expect_eq(kam_days_in_month(2000, 2), 29);
	cr_expect_eq(kam_days_in_month(2024, 2), 29);
	cr_expect_eq(kam_days_in_month(2023, 2), 28);
	cr_expect_eq(kam_days_in_month(2100, 2), 28);
	cr_expect_eq(kam_days_in_month(2400, 2), 29);
	cr_expect_eq(kam_days_in_month(-4, 2), 29);
	cr_expect_eq(kam_days_in_month(2025, 1), 31);
	cr_expect_eq(kam_days_in_month(2025, 4), 30);
	cr_expect_eq(kam_days_in_month(2025, 6), 30);
	cr_expect_eq(kam_days_in_month(2025, 9), 30);
	cr_expect_eq(kam_days_in_month(2025, 11), 30);
	cr_expect_eq(kam_days_in_month(2025, 12), 31);
	cr_expect_eq(kam_days_in_month(2025, 0), 0);
	cr_expect_eq(kam_days_in_month(2025, 13), 0);
	cr_expect_eq(D(1901, 1, 1) - D(1900, 1, 1), 365);
	cr_expect_eq(D(2001, 1, 1) - D(2000, 1, 1), 366);
	cr_expect_eq(D(2025, 1, 1) - D(2024, 1, 1), 366);
}

Test(date, weekday)
{
	cr_expect_eq(kam_weekday(0), 3);                  /* 1970-01-01 Thursday */
	cr_expect_eq(kam_weekday(D(2000, 1, 1)), 5);      /* Saturday */
	cr_expect_eq(kam_weekday(D(2024, 5, 13)), 0);     /* Monday */
	cr_expect_eq(kam_weekday(D(2024, 5, 19)), 6);     /* Sunday */
	cr_expect_eq(kam_weekday(D(1900, 1, 1)), 0);      /* Monday */
	cr_expect_eq(kam_weekday(D(1, 1, 1)), 0);         /* Monday, proleptic */
	cr_expect_eq(kam_weekday(D(9999, 12, 31)), 4);    /* Friday */
	cr_expect_eq(kam_weekday(-1), 2);
	cr_expect_eq(kam_weekday(-7), 3);
	cr_expect(kam_weekday(INT32_MIN) < 7 && kam_weekday(INT32_MAX) < 7);
	for (int32_t d = -1000; d < 1000; d++)
		cr_expect_eq(kam_weekday(d + 1), (kam_weekday(d) + 1) % 7);
}

Test(date, parse_accepts)
{
	kam_date v;
	cr_assert_eq(parse("2024-02-29", &v), 0);
	cr_expect(v.day == D(2024, 2, 29) && v.sec == KAM_NO_TIME);
	cr_assert_eq(parse("2024-03-01T09:30", &v), 0);
	cr_expect(v.day == D(2024, 3, 1) && v.sec == 9 * 3600 + 30 * 60);
	cr_assert_eq(parse("2024-03-01T23:59:59", &v), 0);
	cr_expect_eq(v.sec, 86399);
	cr_assert_eq(parse("2024-03-01T00:00:00", &v), 0);
	cr_expect_eq(v.sec, 0);
	cr_assert_eq(parse("0001-01-01", &v), 0);
	cr_expect_eq(v.day, -719162);
	cr_assert_eq(parse("9999-12-31T23:59", &v), 0);
	cr_assert_eq(parse("2000-02-29", &v), 0);
	/* Only `len` bytes are read: the rest of a row buffer is not part of the value. */
	cr_assert_eq(kam_date_parse("2024-01-02,more", 10, &v), 0);
	cr_expect_eq(v.day, D(2024, 1, 2));
}

Test(date, parse_rejects)
{
	static const char *bad[] = {
		"", "2024", "2024-1-01", "2024-01-1", "24-01-01", "2026-02-30", "2025-02-29", "1900-02-29",
		"2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32", "2024-04-31", "0000-01-01",
		"2024-01-01T24:00", "2024-01-01T12:60", "2024-01-01T12:00:60", "2024-01-01T12",
		"2024-01-01T12:00:", "2024-01-01T1:00", "2024-01-01 12:00", "2024-01-01t12:00",
		"2024-01-01T12:00Z", "2024-01-01T12:00:00Z", "2024-01-01T12:00:00.5", " 2024-01-01",
		"2024-01-01 ", "+2024-01-01", "-2024-01-01", "2024/01/01", "2024-01-01x", "20240101",
		"2024-01-01T12:00:00:00", "2024-0a-01", "2024-01-01T-1:00", "2024-+1-01", "１９７０-01-01",
		"2024-01-01T", "2024-01-01T12:0", "2024-01-01T12:00:0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kam_date v = { 12345, 678 };
		cr_expect_eq(parse(bad[i], &v), KAM_EPARSE, "\"%s\"", bad[i]);
		cr_expect(v.day == 12345 && v.sec == 678, "\"%s\" wrote its output", bad[i]);
	}
	kam_date v;
	cr_expect_eq(kam_date_parse("2024-01-01", 9, &v), KAM_EPARSE);
	char nul[] = "2024-01-01T12:00";
	nul[12] = '\0';
	cr_expect_eq(kam_date_parse(nul, 16, &v), KAM_EPARSE);
}

Test(date, format_canonical)
{
	char buf[KAM_DATE_BUFSZ];
	struct { kam_date d; const char *s; } t[] = {
		{ { 0, KAM_NO_TIME }, "1970-01-01" },
		{ { D(2024, 2, 29), KAM_NO_TIME }, "2024-02-29" },
		{ { D(2024, 3, 1), 9 * 3600 + 30 * 60 }, "2024-03-01T09:30:00" },
		{ { D(1, 1, 1), 0 }, "0001-01-01T00:00:00" },
		{ { D(9999, 12, 31), 86399 }, "9999-12-31T23:59:59" },
		{ { D(0, 1, 1), KAM_NO_TIME }, "0000-01-01" },
		{ { D(-1, 12, 31), KAM_NO_TIME }, "-0001-12-31" },
		{ { D(12345, 6, 7), KAM_NO_TIME }, "12345-06-07" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = kam_date_format(t[i].d, buf);
		cr_expect_str_eq(buf, t[i].s);
		cr_expect_eq(n, strlen(t[i].s));
	}
	/* "HH:MM" input always comes back with seconds. */
	kam_date v;
	cr_assert_eq(parse("2024-03-01T09:30", &v), 0);
	kam_date_format(v, buf);
	cr_expect_str_eq(buf, "2024-03-01T09:30:00");
}

Test(date, format_parse_round_trip)
{
	char buf[KAM_DATE_BUFSZ];
	uint32_t x = 12345;
	for (int32_t day = D(1, 1, 1); day <= D(9999, 12, 31); day += 7) {
		x = x * 1103515245u + 12345u;
		int32_t sec = (day & 8) ? (int32_t)((x >> 8) % 86400) : KAM_NO_TIME;
		kam_date in = { day, sec }, out;
		size_t n = kam_date_format(in, buf);
		cr_assert_eq(kam_date_parse(buf, n, &out), 0, "%s", buf);
		cr_assert(out.day == in.day && out.sec == in.sec, "%s", buf);
	}
}

Test(date, cmp)
{
	kam_date a = { 10, KAM_NO_TIME }, b = { 10, 0 }, c = { 10, 5 }, d = { 11, KAM_NO_TIME };
	cr_expect_lt(kam_date_cmp(a, b), 0);
	cr_expect_lt(kam_date_cmp(b, c), 0);
	cr_expect_lt(kam_date_cmp(c, d), 0);
	cr_expect_gt(kam_date_cmp(d, a), 0);
	cr_expect_eq(kam_date_cmp(c, c), 0);
	cr_expect_lt(kam_date_cmp((kam_date){ INT32_MIN, 0 }, (kam_date){ INT32_MAX, 0 }), 0);
	cr_expect_gt(kam_date_cmp((kam_date){ INT32_MAX, 0 }, (kam_date){ INT32_MIN, 0 }), 0);
}

Test(date, add_months_clamps)
{
	static const struct {
		int y; unsigned m, d;
		int months;
		int ry; unsigned rm, rd;
	} t[] = {
		{ 2025, 1, 31, 1, 2025, 2, 28 },   { 2024, 1, 31, 1, 2024, 2, 29 },
		{ 2024, 1, 31, 2, 2024, 3, 31 },   { 2024, 1, 31, 3, 2024, 4, 30 },
		{ 2024, 3, 31, -1, 2024, 2, 29 },  { 2023, 3, 31, -1, 2023, 2, 28 },
		{ 2024, 2, 29, 12, 2025, 2, 28 },  { 2024, 2, 29, 48, 2028, 2, 29 },
		{ 2024, 2, 29, -12, 2023, 2, 28 }, { 2024, 12, 15, 1, 2025, 1, 15 },
		{ 2025, 1, 15, -1, 2024, 12, 15 }, { 2024, 5, 31, 0, 2024, 5, 31 },
		{ 2024, 8, 31, 6, 2025, 2, 28 },   { 2024, 10, 31, -8, 2024, 2, 29 },
		{ 2000, 1, 1, -24001, -1, 12, 1 }, { 1899, 12, 31, 2, 1900, 2, 28 },
		{ 2024, 7, 31, -13, 2023, 6, 30 }, { 2024, 1, 1, 120, 2034, 1, 1 },
		{ 9999, 12, 31, 1, 10000, 1, 31 }, { 1, 1, 31, -1, 0, 12, 31 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int32_t got = kam_day_add_months(D(t[i].y, t[i].m, t[i].d), t[i].months);
		int y;
		unsigned m, d;
		kam_civil_from_days(got, &y, &m, &d);
		cr_expect(y == t[i].ry && m == t[i].rm && d == t[i].rd,
			  "%d-%u-%u %+d months: got %d-%u-%u, want %d-%u-%u", t[i].y, t[i].m, t[i].d,
			  t[i].months, y, m, d, t[i].ry, t[i].rm, t[i].rd);
	}
	/* Saturates instead of wrapping at the ends of int32. */
	cr_expect_eq(kam_day_add_months(INT32_MAX - 10, 1200), INT32_MAX);
	cr_expect_eq(kam_day_add_months(INT32_MIN + 10, -1200), INT32_MIN);
}

Test(date, today_is_local_date)
{
	time_t t0 = time(NULL);
	int32_t today = kam_today();
	time_t t1 = time(NULL);
	struct tm a, b;
	localtime_r(&t0, &a);
	localtime_r(&t1, &b);
	int32_t da = D(a.tm_year + 1900, (unsigned)a.tm_mon + 1, (unsigned)a.tm_mday);
	int32_t db = D(b.tm_year + 1900, (unsigned)b.tm_mon + 1, (unsigned)b.tm_mday);
	cr_expect(today == da || today == db, "today %d, localtime %d..%d", today, da, db);
}
