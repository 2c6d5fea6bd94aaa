/*
 * lua_date.c - kam.date: calendar dates as REFERENCE.md defines them.
 *
 * Records carry dates as text ("2025-03-31", or "2025-03-31T09:30:00" with a time), which sorts
 * and compares correctly as strings. Arithmetic works on either form: a function given a date
 * string returns a date string (keeping its time of day), one given a day number (days since
 * 1970-01-01) returns a day number.
 */
#include <string.h>

#include "date.h"
#include "error.h"
#include "lua_kam.h"

/* A date argument: its value, and whether it came as text. Raises for anything else. */
static kam_date check_date(lua_State *L, int arg, int *text)
{
	*text = lua_type(L, arg) == LUA_TSTRING;
	if (*text) {
		size_t len;
		const char *s = lua_tolstring(L, arg, &len);
		kam_date d;
		if (kam_date_parse(s, len, &d))
			luaL_argerror(L, arg, lua_pushfstring(L, "expected a date YYYY-MM-DD[THH:MM[:SS]], "
								 "found \"%s\"",
							      s));
		return d;
	}
	int ok;
	lua_Integer v = lua_tointegerx(L, arg, &ok);
	if (!ok || lua_type(L, arg) != LUA_TNUMBER || v <= INT32_MIN || v > INT32_MAX)
		luaL_argerror(L, arg, "expected a date string or a day number");
	return (kam_date){ (int32_t)v, KAM_NO_TIME };
}

/* Pushes d in the form the caller used. */
static void push_like(lua_State *L, kam_date d, int text)
{
	if (text)
		kl_pushdate(L, d);
	else
		lua_pushinteger(L, d.day);
}

/* kam.date.parse(text) -> day, sec (nil when no time) | nil, message, code */
static int date_parse(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	kam_date d;
	if (kam_date_parse(s, len, &d))
		return kl_fail(L, KAM_EPARSE, "expected a date YYYY-MM-DD[THH:MM[:SS]], found \"%s\"",
			       s);
	lua_pushinteger(L, d.day);
	if (d.sec == KAM_NO_TIME)
		lua_pushnil(L);
	else
		lua_pushinteger(L, d.sec);
	return 2;
}

/* kam.date.format(day [, sec]) -> "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" */
static int date_format(lua_State *L)
{
	lua_Integer day = luaL_checkinteger(L, 1);
	lua_Integer sec = luaL_optinteger(L, 2, KAM_NO_TIME);
	luaL_argcheck(L, day > INT32_MIN && day <= INT32_MAX, 1, "day out of range");
	luaL_argcheck(L, sec >= KAM_NO_TIME && sec < 86400, 2, "expected seconds 0..86399");
	kl_pushdate(L, (kam_date){ (int32_t)day, (int32_t)sec });
	return 1;
}

/* kam.date.today() -> "YYYY-MM-DD" (local time) */
static int date_today(lua_State *L)
{
	kl_pushdate(L, (kam_date){ kam_today(), KAM_NO_TIME });
	return 1;
}

/* kam.date.day(date) -> day number */
static int date_day(lua_State *L)
{
	int text;
	lua_pushinteger(L, check_date(L, 1, &text).day);
	return 1;
}

/* kam.date.add_months(date, n) -> date of the same form (month ends clamp: Jan 31 + 1 = Feb 28/29) */
static int date_add_months(lua_State *L)
{
	int text;
	kam_date d = check_date(L, 1, &text);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_argcheck(L, n >= -1200000 && n <= 1200000, 2, "too many months");
	d.day = kam_day_add_months(d.day, (int)n);
	push_like(L, d, text);
	return 1;
}

/* kam.date.add_days(date, n) -> date of the same form */
static int date_add_days(lua_State *L)
{
	int text;
	kam_date d = check_date(L, 1, &text);
	lua_Integer n = luaL_checkinteger(L, 2);
	lua_Integer day = (lua_Integer)d.day + n;
	luaL_argcheck(L, n > -(1LL << 31) && n < (1LL << 31) && day > INT32_MIN && day <= INT32_MAX, 2,
		      "result out of range");
	d.day = (int32_t)day;
	push_like(L, d, text);
	return 1;
}

/* kam.date.diff(a, b) -> days from b to a (a - b), whole days */
static int date_diff(lua_State *L)
{
	int ta, tb;
	kam_date a = check_date(L, 1, &ta), b = check_date(L, 2, &tb);
	lua_pushinteger(L, (lua_Integer)a.day - b.day);
	return 1;
}

/* kam.date.weekday(date) -> 1 (Monday) .. 7 (Sunday) */
static int date_weekday(lua_State *L)
{
	int text;
	lua_pushinteger(L, kam_weekday(check_date(L, 1, &text).day) + 1);
	return 1;
}

/* kam.date.civil(date) -> year, month, day */
static int date_civil(lua_State *L)
{
	int text, y;
	unsigned m, d;
	kam_civil_from_days(check_date(L, 1, &text).day, &y, &m, &d);
	lua_pushinteger(L, y);
	lua_pushinteger(L, m);
	lua_pushinteger(L, d);
	return 3;
}

/* kam.date.make(year, month, day) -> "YYYY-MM-DD"; raises for a date that does not exist */
static int date_make(lua_State *L)
{
	lua_Integer y = luaL_checkinteger(L, 1), m = luaL_checkinteger(L, 2),
		    d = luaL_checkinteger(L, 3);
	luaL_argcheck(L, y >= 1 && y <= 9999, 1, "expected a year 1..9999");
	luaL_argcheck(L, m >= 1 && m <= 12, 2, "expected a month 1..12");
	luaL_argcheck(L, d >= 1 && d <= kam_days_in_month((int)y, (unsigned)m), 3,
		      "no such day in that month");
	kl_pushdate(L, (kam_date){ kam_days_from_civil((int)y, (unsigned)m, (unsigned)d),
				   KAM_NO_TIME });
	return 1;
}

static const luaL_Reg date_functions[] = {
	{ "parse", date_parse },
	{ "format", date_format },
	{ "today", date_today },
	{ "day", date_day },
	{ "add_months", date_add_months },
	{ "add_days", date_add_days },
	{ "diff", date_diff },
	{ "weekday", date_weekday },
	{ "civil", date_civil },
	{ "make", date_make },
	{ NULL, NULL },
};

int luaopen_kam_date(lua_State *L)
{
	luaL_newlib(L, date_functions);
	return 1;
}
