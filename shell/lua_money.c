/*
 * lua_money.c - kam.money: exact money in Lua.
 *
 * Money is a Lua integer counting ten-thousandths of the currency unit (12.5 is 125000), the
 * representation of the core and the plugin SDK. Lua integers are 64-bit, so sums are exact, as
 * in an independent engine, to the last digit; a float would not be. Convert at the edges:
 * kam.money.parse / kam.money.of on the way in, kam.money.format on the way out.
 */
#include <math.h>
#include <string.h>

#include "error.h"
#include "lua_kam.h"
#include "money.h"

/* kam.money.parse("12.50") -> 125000 | nil, message, code */
static int money_parse(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	kam_money m;
	int rc = kam_money_parse(s, len, &m);
	if (rc)
		return kl_fail(L, rc, "expected an amount with at most 4 decimal places, found \"%s\"",
			       s);
	lua_pushinteger(L, m);
	return 1;
}

/* kam.money.format(125000) -> "12.5" (the shortest exact text) */
static int money_format(lua_State *L)
{
	int ok;
	lua_Integer m = lua_tointegerx(L, 1, &ok);
	if (!ok)
		luaL_argerror(L, 1, "expected money: an integer of ten-thousandths");
	char buf[KAM_MONEY_BUFSZ];
	size_t n = kam_money_format(m, buf);
	lua_pushlstring(L, buf, n);
	return 1;
}

/*
 * kam.money.of(x) -> money. An integer counts currency units (12 -> 120000), a string is parsed
 * exactly, a float is rounded to the nearest ten-thousandth (half away from zero). Raises for a
 * value out of range or text that is not an amount.
 */
static int money_of(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, 1, &len);
		kam_money m;
		if (kam_money_parse(s, len, &m))
			luaL_argerror(L, 1, lua_pushfstring(L, "not an amount: \"%s\"", s));
		lua_pushinteger(L, m);
		return 1;
	}
	if (lua_isinteger(L, 1)) {
		lua_Integer v = lua_tointeger(L, 1);
		luaL_argcheck(L, v <= INT64_MAX / KAM_MONEY_SCALE && v >= INT64_MIN / KAM_MONEY_SCALE, 1,
			      "amount out of range");
		lua_pushinteger(L, v * KAM_MONEY_SCALE);
		return 1;
	}
	lua_Number x = luaL_checknumber(L, 1) * KAM_MONEY_SCALE;
	luaL_argcheck(L, isfinite(x) && fabs(x) < 9.2e18, 1, "amount out of range");
	lua_pushinteger(L, (lua_Integer)llround(x));
	return 1;
}

/* kam.money.tonumber(m) -> m in currency units as a float (for ratios and charts; inexact) */
static int money_tonumber(lua_State *L)
{
	lua_Integer m = luaL_checkinteger(L, 1);
	lua_pushnumber(L, (lua_Number)m / KAM_MONEY_SCALE);
	return 1;
}

static const luaL_Reg money_functions[] = {
	{ "parse", money_parse },
	{ "format", money_format },
	{ "of", money_of },
	{ "tonumber", money_tonumber },
	{ NULL, NULL },
};

int luaopen_kam_money(lua_State *L)
{
	luaL_newlib(L, money_functions);
	lua_pushinteger(L, KAM_MONEY_SCALE);
	lua_setfield(L, -2, "SCALE");
	return 1;
}
