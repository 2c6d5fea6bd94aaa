/*
 * lua_show.c - kam.show(value [, {limit = N}]): values as a person wants to read them.
 *
 * A list of tables prints as an aligned table, one row per element: records (and rollups) in
 * their schema's column order with money formatted exactly, other tables with id-like columns
 * first and the rest alphabetically (or the columns given). A single table prints as "key  value" lines, anything else
 * as tostring would. The shell prints every result this way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_kam.h"
#include "money.h"

#define CELL_MAX 48 /* characters of one cell before it is cut */
#define DEFAULT_LIMIT 50

/* Which schema the metatable of the table at idx names: a kind, KAM_KIND_COUNT for a rollup. */
static int schema_kind(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return -1;
	int kind = -1;
	if (lua_getfield(L, -1, "kind") == LUA_TSTRING) {
		kam_kind k;
		if (kam_kind_parse(lua_tostring(L, -1), &k) == 0)
			kind = (int)k;
	}
	lua_pop(L, 1);
	if (kind < 0) {
		luaL_getmetatable(L, "kam.rollup");
		if (lua_rawequal(L, -1, -2))
			kind = KAM_KIND_COUNT;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return kind;
}

static int is_money(int kind, const char *name)
{
	if (kind == KAM_KIND_COUNT)
		return strcmp(name, "revenue") == 0 || strcmp(name, "profit") == 0;
	if (kind < 0)
		return 0;
	const kam_schema *s = kam_schema_of((kam_kind)kind);
	int f = kam_schema_field(s, name, strlen(name));
	return f >= 0 && s->fields[f].type == KAM_T_MONEY;
}

/* Characters (code points) of UTF-8 text. */
static size_t text_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

/* Pushes the text of the value at idx as a cell; sets *num when it is a number. */
static void cell_push(lua_State *L, int idx, int money, int *num)
{
	*num = 0;
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		lua_pushliteral(L, "");
		return;
	case LUA_TNUMBER:
		*num = 1;
		if (money && lua_isinteger(L, idx)) {
			char buf[KAM_MONEY_BUFSZ];
			lua_pushlstring(L, buf, kam_money_format(lua_tointeger(L, idx), buf));
		} else if (lua_isinteger(L, idx)) {
			lua_pushfstring(L, "%I", lua_tointeger(L, idx));
		} else {
			char buf[64];
			snprintf(buf, sizeof(buf), "%.10g", (double)lua_tonumber(L, idx));
			lua_pushstring(L, buf);
		}
		return;
	case LUA_TTABLE: {
		lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
		if (n)
			lua_pushfstring(L, "[%I items]", n);
		else
			lua_pushliteral(L, "{...}");
		return;
	}
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		/* One line per cell: newlines and tabs become spaces; long text is cut. */
		luaL_Buffer b;
		luaL_buffinit(L, &b);
		size_t chars = 0, i = 0;
		for (; i < len && chars < CELL_MAX; i++) {
			char c = s[i];
			chars += ((unsigned char)c & 0xC0) != 0x80;
			luaL_addchar(&b, (c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
		}
		/* finish a cut multi-byte character */
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			luaL_addchar(&b, s[i++]);
		if (i < len)
			luaL_addstring(&b, "...");
		luaL_pushresult(&b);
		return;
	}
	default:
		luaL_tolstring(L, idx, NULL);
	}
}

static int key_rank(const char *k)
{
	static const char *const first[] = { "id", "account_id", "name", "region", "tier", "score",
					     NULL };
	for (int i = 0; first[i]; i++)
		if (strcmp(k, first[i]) == 0)
			return i;
	return 100;
}

static int key_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = key_rank(x), ry = key_rank(y);
	return rx != ry ? rx - ry : strcmp(x, y);
}

/*
 * Collects the column names of the rows 1..n of the list at idx into a new table (pushed):
 * schema order for records, else the ranked/alphabetical order of every string key seen.
 */
static void columns_push(lua_State *L, int idx, lua_Integer n, int kind)
{
	lua_newtable(L); /* set of names */
	int set = lua_gettop(L);
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_rawgeti(L, idx, i) != LUA_TTABLE) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) == LUA_TSTRING &&
			    !(kind >= 0 && strcmp(lua_tostring(L, -1), "attrs") == 0)) {
				lua_pushvalue(L, -1);
				lua_pushboolean(L, 1);
				lua_rawset(L, set);
			}
		}
		lua_pop(L, 1);
	}
	lua_newtable(L);
	int cols = lua_gettop(L);
	lua_Integer nc = 0;
	if (kind >= 0 && kind < KAM_KIND_COUNT) {
		const kam_schema *s = kam_schema_of((kam_kind)kind);
		for (unsigned f = 0; f < s->nfields; f++) {
			if (lua_getfield(L, set, s->fields[f].name) != LUA_TNIL) {
				lua_pushstring(L, s->fields[f].name);
				lua_rawseti(L, cols, ++nc);
			}
			lua_pop(L, 1);
		}
	} else if (kind == KAM_KIND_COUNT) {
		for (int f = 0; f < KL_ROLLUP_NFIELDS; f++) {
			if (lua_getfield(L, set, kl_rollup_names[f]) != LUA_TNIL) {
				lua_pushstring(L, kl_rollup_names[f]);
				lua_rawseti(L, cols, ++nc);
			}
			lua_pop(L, 1);
		}
	} else {
		size_t count = 0;
		lua_pushnil(L);
		while (lua_next(L, set)) {
			lua_pop(L, 1);
			count++;
		}
		const char **names = lua_newuserdatauv(L, (count ? count : 1) * sizeof(char *), 0);
		size_t k = 0;
		lua_pushnil(L);
		while (lua_next(L, set)) {
			lua_pop(L, 1);
			names[k++] = lua_tostring(L, -1); /* the set keeps the strings */
		}
		qsort(names, count, sizeof(*names), key_cmp);
		for (size_t j = 0; j < count; j++) {
			lua_pushstring(L, names[j]);
			lua_rawseti(L, cols, ++nc);
		}
		lua_pop(L, 1);
	}
	lua_remove(L, set);
}

/* Prints rows 1..shown of the list at idx as an aligned table (columns: a list, or 0). */
static void show_list(lua_State *L, int idx, lua_Integer n, lua_Integer limit, int columns)
{
	lua_rawgeti(L, idx, 1);
	int kind = lua_istable(L, -1) ? schema_kind(L, -1) : -1;
	lua_pop(L, 1);
	if (columns)
		lua_pushvalue(L, columns);
	else
		columns_push(L, idx, n, kind);
	int cols = lua_gettop(L);
	lua_Integer nc = (lua_Integer)lua_rawlen(L, cols);
	lua_Integer shown = n < limit ? n : limit;
	if (nc == 0) { /* a list of scalars */
		for (lua_Integer i = 1; i <= shown; i++) {
			lua_rawgeti(L, idx, i);
			int num;
			cell_push(L, -1, 0, &num);
			printf("%s\n", lua_tostring(L, -1));
			lua_pop(L, 2);
		}
	} else {
		/* cells[(i-1)*nc + c] = text; widths and numeric-ness per column */
		lua_createtable(L, (int)(shown * nc), 0);
		int cells = lua_gettop(L);
		size_t *width = lua_newuserdatauv(L, (size_t)nc * sizeof(size_t) * 2, 0);
		size_t *numeric = width + nc;
		for (lua_Integer c = 1; c <= nc; c++) {
			lua_rawgeti(L, cols, c);
			size_t len;
			const char *name = lua_tolstring(L, -1, &len);
			width[c - 1] = text_width(name, len);
			numeric[c - 1] = 1;
			lua_pop(L, 1);
		}
		for (lua_Integer i = 1; i <= shown; i++) {
			lua_rawgeti(L, idx, i);
			int row = lua_gettop(L);
			for (lua_Integer c = 1; c <= nc; c++) {
				lua_rawgeti(L, cols, c);
				const char *name = lua_tostring(L, -1);
				int money = is_money(kind, name);
				if (lua_istable(L, row)) {
					lua_pushvalue(L, -1);
					lua_rawget(L, row);
				} else {
					lua_pushnil(L);
				}
				int num;
				int absent = lua_isnil(L, -1);
				cell_push(L, -1, money, &num);
				if (!num && !absent)
					numeric[c - 1] = 0;
				size_t len;
				const char *t = lua_tolstring(L, -1, &len);
				size_t w = text_width(t, len);
				if (w > width[c - 1])
					width[c - 1] = w;
				lua_rawseti(L, cells, (i - 1) * nc + c);
				lua_pop(L, 2);
			}
			lua_pop(L, 1);
		}
		for (lua_Integer i = 0; i <= shown; i++) {
			for (lua_Integer c = 1; c <= nc; c++) {
				if (i == 0)
					lua_rawgeti(L, cols, c);
				else
					lua_rawgeti(L, cells, (i - 1) * nc + c);
				size_t len;
				const char *t = lua_tolstring(L, -1, &len);
				size_t pad = width[c - 1] - text_width(t, len);
				int right = numeric[c - 1] && i > 0;
				if (right)
					printf("%*s", (int)pad, "");
				fwrite(t, 1, len, stdout);
				if (c < nc && !right)
					printf("%*s", (int)pad, "");
				if (c < nc)
					fputs("  ", stdout);
				lua_pop(L, 1);
			}
			fputc('\n', stdout);
		}
		lua_pop(L, 2);
	}
	if (shown < n)
		printf("... %lld more (%lld in all)\n", (long long)(n - shown), (long long)n);
	lua_pop(L, 1);
}

/* Prints the fields of one table as "key  value" lines. */
static void show_table(lua_State *L, int idx)
{
	int top = lua_gettop(L);
	int kind = schema_kind(L, idx);
	lua_createtable(L, 1, 0);
	lua_pushvalue(L, idx);
	lua_rawseti(L, -2, 1);
	columns_push(L, lua_gettop(L), 1, kind);
	int cols = lua_gettop(L);
	lua_Integer nc = (lua_Integer)lua_rawlen(L, cols);
	size_t w = 0;
	for (lua_Integer c = 1; c <= nc; c++) {
		lua_rawgeti(L, cols, c);
		size_t len;
		lua_tolstring(L, -1, &len);
		if (len > w)
			w = len;
		lua_pop(L, 1);
	}
	for (lua_Integer c = 1; c <= nc; c++) {
		lua_rawgeti(L, cols, c);
		const char *name = lua_tostring(L, -1);
		lua_pushvalue(L, -1);
		lua_rawget(L, idx);
		int num;
		cell_push(L, -1, is_money(kind, name), &num);
		printf("%-*s  %s\n", (int)w, name, lua_tostring(L, -1));
		lua_pop(L, 3);
	}
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	if (nc == 0 && n == 0)
		printf("{}\n");
	if (kind >= 0 && kind < KAM_KIND_COUNT && lua_getfield(L, idx, "attrs") == LUA_TTABLE) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			const char *k = lua_tostring(L, -2);
			const char *v = luaL_tolstring(L, -1, NULL);
			printf("%-*s  %s  (attribute)\n", (int)w, k, v);
			lua_pop(L, 2);
		}
	}
	lua_settop(L, top);
}

/* kam.show(value [, {limit = N, columns = {...}}]) */
static int k_show(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_Integer limit = DEFAULT_LIMIT;
	int columns = 0;
	lua_settop(L, 2);
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "limit");
		limit = luaL_optinteger(L, -1, DEFAULT_LIMIT);
		lua_pop(L, 1);
		lua_getfield(L, 2, "columns");
		if (!lua_isnil(L, -1)) {
			luaL_argcheck(L, lua_istable(L, -1), 2, "columns: expected a list of names");
			for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
				luaL_argcheck(L, lua_rawgeti(L, -1, i) == LUA_TSTRING, 2,
					      "columns: expected names (strings)");
				lua_pop(L, 1);
			}
			lua_replace(L, 2);
			columns = 2;
		}
	} else {
		luaL_argcheck(L, lua_isnil(L, 2), 2, "expected an options table");
	}
	lua_pushnil(L); /* keeps the stack layout below: value at 1, columns at 2 */
	lua_settop(L, 2);
	if (lua_type(L, 1) == LUA_TTABLE && !luaL_getmetafield(L, 1, "__tostring")) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
		if (n > 0 && schema_kind(L, 1) < 0)
			show_list(L, 1, n, limit > 0 ? limit : n, columns);
		else
			show_table(L, 1);
	} else {
		size_t len;
		const char *s = luaL_tolstring(L, 1, &len);
		fwrite(s, 1, len, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
	return 0;
}

int luaopen_kam_show(lua_State *L)
{
	lua_pushcfunction(L, k_show);
	return 1;
}
