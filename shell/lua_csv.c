/*
 * lua_csv.c - kam.csv: the core's RFC 4180 reader and writer for scripts.
 *
 *   for row in kam.csv.read("shop.csv") do print(row["Customer No"]) end
 *   kam.csv.write("out.csv", { "id", "total" }, rows)
 *
 * Reading streams one row at a time (class kam.csv.reader, the loop's to-be-closed value). With
 * a header (the default) each row is a table keyed by column name, empty cells absent (nil), as
 * REFERENCE.md reads data files; with {header = false} rows are arrays of strings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "error.h"
#include "lua_kam.h"

typedef struct kl_csv {
	kam_csv *csv; /* NULL: closed */
	int header;   /* rows are keyed by the header (user value 1: the names) */
	uint32_t ncols;
	uint64_t line;
} kl_csv;

static int reader_close(lua_State *L)
{
	kl_csv *r = luaL_checkudata(L, 1, KL_CSV);
	kam_csv_close(r->csv);
	r->csv = NULL;
	return 0;
}

/* Raises with FILE:LINE: column C: what, after closing the reader. */
static int reader_error(lua_State *L, kl_csv *r, int rc, int idx)
{
	kam_csv_error e = *kam_csv_last_error(r->csv); /* the reader is closed below */
	lua_getiuservalue(L, idx, 2);
	const char *name = lua_tostring(L, -1);
	kam_csv_close(r->csv);
	r->csv = NULL;
	if (rc == KAM_EPARSE || rc == KAM_ELIMIT)
		return luaL_error(L, "%s:%d: column %d: %s", name, (int)e.line, (int)e.column, e.what);
	return luaL_error(L, "%s: %s", name, kam_strerror(rc));
}

/* The iterator: (reader, control) -> row | nil */
static int reader_iter(lua_State *L)
{
	kl_csv *r = luaL_checkudata(L, 1, KL_CSV);
	if (!r->csv) {
		lua_pushnil(L);
		return 1;
	}
	kl_check_limits(L);
	kam_csv_row row;
	int rc = kam_csv_next(r->csv, &row);
	if (rc < 0)
		return reader_error(L, r, rc, 1);
	if (rc == 0) {
		kam_csv_close(r->csv);
		r->csv = NULL;
		lua_pushnil(L);
		return 1;
	}
	r->line = row.line;
	if (!r->header) {
		lua_createtable(L, (int)row.nfields, 0);
		for (uint32_t i = 0; i < row.nfields; i++) {
			lua_pushlstring(L, row.fields[i].ptr, row.fields[i].len);
			lua_rawseti(L, -2, i + 1);
		}
		return 1;
	}
	if (row.nfields > r->ncols && !(row.nfields == 1 && row.fields[0].len == 0)) {
		lua_getiuservalue(L, 1, 2);
		const char *name = lua_tostring(L, -1);
		kam_csv_close(r->csv);
		r->csv = NULL;
		return luaL_error(L, "%s:%d: %d fields, but the header has %d", name, (int)row.line,
				  (int)row.nfields, (int)r->ncols);
	}
	lua_getiuservalue(L, 1, 1);
	int names = lua_gettop(L);
	lua_createtable(L, 0, (int)row.nfields);
	for (uint32_t i = 0; i < row.nfields; i++) {
		if (row.fields[i].len == 0)
			continue;
		lua_rawgeti(L, names, i + 1);
		lua_pushlstring(L, row.fields[i].ptr, row.fields[i].len);
		lua_rawset(L, -3);
	}
	return 1;
}

/* reader:header() -> the column names (nil without a header) */
static int reader_header(lua_State *L)
{
	kl_csv *r = luaL_checkudata(L, 1, KL_CSV);
	if (!r->header)
		return 0;
	lua_getiuservalue(L, 1, 1);
	lua_createtable(L, (int)r->ncols, 0);
	for (uint32_t i = 1; i <= r->ncols; i++) {
		lua_rawgeti(L, -2, i);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

/* reader:line() -> the line on which the last row read starts */
static int reader_line(lua_State *L)
{
	kl_csv *r = luaL_checkudata(L, 1, KL_CSV);
	lua_pushinteger(L, (lua_Integer)r->line);
	return 1;
}

/*
 * kam.csv.read(path [, {header = true}]) -> iterator, reader, nil, reader | nil, message, code
 * "-" reads standard input. Malformed input raises while iterating, naming file, line, column.
 */
static int csv_read(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int header = 1;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "header");
		if (!lua_isnil(L, -1))
			header = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (strcmp(path, "-") != 0)
		kl_deny_in_sandbox(L, "kam.csv.read of a file");
	kl_csv *r = lua_newuserdatauv(L, sizeof(*r), 2);
	memset(r, 0, sizeof(*r));
	luaL_setmetatable(L, KL_CSV);
	int idx = lua_gettop(L);
	lua_pushstring(L, path);
	lua_setiuservalue(L, idx, 2);
	int rc = kam_csv_open(path, &r->csv);
	if (rc) {
		r->csv = NULL;
		return kl_fail(L, rc, "%s: %s", path,
			       rc == KAM_ENOTFOUND ? "no such file" : kam_strerror(rc));
	}
	r->header = header;
	if (header) {
		kam_csv_row row;
		rc = kam_csv_next(r->csv, &row);
		if (rc < 0)
			return reader_error(L, r, rc, idx);
		lua_createtable(L, rc ? (int)row.nfields : 0, 0);
		for (uint32_t i = 0; rc && i < row.nfields; i++) {
			lua_pushlstring(L, row.fields[i].ptr, row.fields[i].len);
			lua_rawseti(L, -2, i + 1);
		}
		r->ncols = rc ? row.nfields : 0;
		r->line = rc ? row.line : 0;
		lua_setiuservalue(L, idx, 1);
	}
	lua_pushcfunction(L, reader_iter);
	lua_pushvalue(L, idx);
	lua_pushnil(L);
	lua_pushvalue(L, idx);
	return 4;
}

/* ---- writing ---- */

typedef struct writer {
	FILE *f;      /* NULL when closed */
	int to_stdout;
} writer;

static int writer_gc(lua_State *L)
{
	writer *w = lua_touserdata(L, 1);
	if (w->f && !w->to_stdout)
		fclose(w->f);
	w->f = NULL;
	return 0;
}

/* Writes the row table at idx in header order; numbers and booleans as their text. */
static int write_row(lua_State *L, FILE *f, int header, int idx, uint32_t n, kam_str *fields)
{
	int arr = lua_rawgeti(L, idx, 1) != LUA_TNIL;
	lua_pop(L, 1);
	int base = lua_gettop(L);
	for (uint32_t i = 0; i < n; i++) {
		if (arr) {
			lua_rawgeti(L, idx, (lua_Integer)i + 1);
		} else {
			lua_rawgeti(L, header, (lua_Integer)i + 1);
			lua_rawget(L, idx);
		}
		size_t len = 0;
		const char *s = "";
		switch (lua_type(L, -1)) {
		case LUA_TNIL:
			break;
		case LUA_TBOOLEAN:
			s = lua_toboolean(L, -1) ? "true" : "false";
			len = strlen(s);
			break;
		case LUA_TSTRING:
		case LUA_TNUMBER:
			s = lua_tolstring(L, -1, &len); /* converted in place; stays on the stack */
			break;
		default:
			return luaL_error(L, "kam.csv.write: column %d: cannot write a %s", (int)i + 1,
					  luaL_typename(L, -1));
		}
		fields[i] = (kam_str){ s, (uint32_t)len };
	}
	int rc = kam_csv_write_row(f, fields, n);
	lua_settop(L, base);
	return rc;
}

/*
 * kam.csv.write(path, header, rows) -> true, count | nil, message, code
 * path nil or "-": standard output. rows: a list of tables (keyed by the header's names, or
 * arrays in header order), or an iterator function returning such tables until nil.
 */
static int csv_write(lua_State *L)
{
	const char *path = luaL_optstring(L, 1, NULL);
	luaL_checktype(L, 2, LUA_TTABLE);
	int is_fn = lua_isfunction(L, 3);
	if (!is_fn)
		luaL_checktype(L, 3, LUA_TTABLE);
	lua_settop(L, 3);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
	luaL_argcheck(L, n >= 1 && n <= KAM_CSV_FIELDS_MAX, 2, "expected a list of column names");
	int to_stdout = !path || strcmp(path, "-") == 0;
	if (!to_stdout)
		kl_deny_in_sandbox(L, "kam.csv.write to a file");
	kam_str *fields = lua_newuserdatauv(L, (size_t)n * sizeof(kam_str), 0);
	luaL_checkstack(L, 8, NULL);
	lua_createtable(L, (int)n, 0); /* the header, as strings */
	int header = lua_gettop(L);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_argerror(L, 2, "column names must be strings");
		lua_rawseti(L, header, i);
	}
	writer *w = lua_newuserdatauv(L, sizeof(*w), 0);
	w->f = NULL;
	w->to_stdout = to_stdout;
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, writer_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	w->f = to_stdout ? stdout : fopen(path, "w");
	if (!w->f)
		return kl_fail(L, KAM_EIO, "%s: %s", path, strerror(errno));
	int rc = 0;
	for (lua_Integer i = 1; i <= n && !rc; i++) {
		lua_rawgeti(L, header, i);
		size_t len;
		const char *s = lua_tolstring(L, -1, &len);
		fields[i - 1] = (kam_str){ s, (uint32_t)len };
		lua_pop(L, 1); /* the header table keeps it */
	}
	rc = kam_csv_write_row(w->f, fields, (uint32_t)n);
	lua_Integer count = 0;
	for (lua_Integer i = 1; !rc; i++) {
		if (is_fn) {
			lua_pushvalue(L, 3);
			if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
				if (!to_stdout)
					fclose(w->f);
				w->f = NULL;
				return lua_error(L);
			}
		} else {
			lua_rawgeti(L, 3, i);
		}
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			break;
		}
		if (!lua_istable(L, -1))
			return luaL_error(L, "kam.csv.write: row %d is a %s, not a table", (int)i,
					  luaL_typename(L, -1));
		rc = write_row(L, w->f, header, lua_gettop(L), (uint32_t)n, fields);
		lua_pop(L, 1);
		count++;
	}
	if (!rc && fflush(w->f))
		rc = kam_io_error();
	if (!to_stdout) {
		if (fclose(w->f) && !rc)
			rc = kam_io_error();
		w->f = NULL;
	}
	if (rc)
		return kl_fail(L, rc, "%s: %s", path ? path : "stdout", kam_strerror(rc));
	lua_pushboolean(L, 1);
	lua_pushinteger(L, count);
	return 2;
}

static const luaL_Reg reader_methods[] = {
	{ "header", reader_header },
	{ "line", reader_line },
	{ "close", reader_close },
	{ NULL, NULL },
};

static const luaL_Reg reader_meta[] = {
	{ "__gc", reader_close },
	{ "__close", reader_close },
	{ "__call", reader_iter },
	{ NULL, NULL },
};

static const luaL_Reg csv_functions[] = {
	{ "read", csv_read },
	{ "write", csv_write },
	{ NULL, NULL },
};

int luaopen_kam_csv(lua_State *L)
{
	luaL_newmetatable(L, KL_CSV);
	luaL_setfuncs(L, reader_meta, 0);
	luaL_newlib(L, reader_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_newlib(L, csv_functions);
	return 1;
}
