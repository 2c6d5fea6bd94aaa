/*
 * lua_kam.c - the module table `kam` and the helpers every class file shares.
 *
 * luaopen_kam is what both `require "kam"` in stock Lua (kam.so) and the kam executable call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "date.h"
#include "error.h"
#include "lua_kam.h"

#ifndef KAM_VERSION
#define KAM_VERSION "unknown"
#endif

void *kl_box_rows(lua_State *L, void *rows, size_t n, size_t size)
{
	/* Only this allocation can raise before rows is freed (out of memory: rows then leaks). */
	void *box = lua_newuserdatauv(L, (n ? n : 1) * size, 0);
	if (n)
		memcpy(box, rows, n * size);
	free(rows);
	return box;
}

int kl_fail(lua_State *L, int code, const char *fmt, ...)
{
	lua_pushnil(L);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		lua_pushvfstring(L, fmt, ap);
		va_end(ap);
	} else {
		lua_pushstring(L, kam_strerror(code));
	}
	lua_pushinteger(L, code);
	return 3;
}

void kl_set_day(lua_State *L, const char *key, int32_t day)
{
	if (day == KAM_NO_DAY)
		return;
	kl_pushdate(L, (kam_date){ day, KAM_NO_TIME });
	lua_setfield(L, -2, key);
}

void kl_set_int(lua_State *L, const char *key, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, key);
}

int kl_deliver(lua_State *L, int rc, const char *msg, lua_CFunction build, void *job, int nres,
	       void (*release)(void *job))
{
	kl_limits *lim = kl_limits_of(L);
	if (lim && lim->exceeded) {
		release(job);
		kl_check_limits(L);
	}
	if (rc) {
		msg = lua_pushstring(L, msg);
		release(job);
		return kl_fail(L, rc, "%s", msg);
	}
	lua_pushcfunction(L, build);
	lua_pushlightuserdata(L, job);
	int st = lua_pcall(L, 1, nres, 0);
	release(job);
	if (st != LUA_OK)
		return lua_error(L);
	return nres;
}

kam_kind kl_checkkind(lua_State *L, int arg)
{
	const char *name = luaL_checkstring(L, arg);
	kam_kind k;
	if (kam_kind_parse(name, &k))
		luaL_argerror(L, arg, lua_pushfstring(L, "expected a record kind (accounts, contacts, "
							 "orders, interactions), found \"%s\"",
						      name));
	return k;
}

int32_t kl_checkday(lua_State *L, int idx, const char *what)
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		int ok;
		lua_Integer v = lua_tointegerx(L, idx, &ok);
		if (ok && v > INT32_MIN && v <= INT32_MAX)
			return (int32_t)v;
	} else if (lua_type(L, idx) == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		kam_date d;
		if (kam_date_parse(s, len, &d) == 0)
			return d.day;
	}
	return (int32_t)luaL_error(L, "%s: expected a date YYYY-MM-DD or a day number, found %s",
				   what, lua_type(L, idx) == LUA_TSTRING
						 ? lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx))
						 : luaL_typename(L, idx));
}

void kl_pushdate(lua_State *L, kam_date d)
{
	if (d.day == KAM_NO_DAY) {
		lua_pushnil(L);
		return;
	}
	char buf[KAM_DATE_BUFSZ];
	size_t n = kam_date_format(d, buf);
	lua_pushlstring(L, buf, n);
}

/* ---- module functions ---- */

static const struct {
	const char *name;
	int code;
} error_names[] = {
	{ "ENOMEM", KAM_ENOMEM },     { "EIO", KAM_EIO },         { "EINVAL", KAM_EINVAL },
	{ "ENOTFOUND", KAM_ENOTFOUND }, { "EEXIST", KAM_EEXIST },   { "ECORRUPT", KAM_ECORRUPT },
	{ "EVERSION", KAM_EVERSION }, { "EBUSY", KAM_EBUSY },     { "EPARSE", KAM_EPARSE },
	{ "EMAPFULL", KAM_EMAPFULL }, { "EPERM", KAM_EPERM },     { "ERANGE", KAM_ERANGE },
	{ "EREADONLY", KAM_EREADONLY }, { "EREF", KAM_EREF },     { "EABI", KAM_EABI },
	{ "EPLUGIN", KAM_EPLUGIN },   { "ELIMIT", KAM_ELIMIT },   { "ECANCELED", KAM_ECANCELED },
	{ "ENOSPC", KAM_ENOSPC },
};

/* kam.strerror(code) -> text */
static int k_strerror(lua_State *L)
{
	lua_pushstring(L, kam_strerror((int)luaL_checkinteger(L, 1)));
	return 1;
}

static const char *type_name(kam_type t)
{
	switch (t) {
	case KAM_T_TEXT: return "text";
	case KAM_T_ID: return "id";
	case KAM_T_COUNT: return "count";
	case KAM_T_MONEY: return "money";
	case KAM_T_DATE: return "date";
	case KAM_T_ENUM: return "enum";
	case KAM_T_BOOL: return "bool";
	}
	return "unknown";
}

/* kam.schema(kind) -> { {name=, type=, required=, values={...}}, ... } in column order */
static int k_schema(lua_State *L)
{
	const kam_schema *s = kam_schema_of(kl_checkkind(L, 1));
	lua_createtable(L, (int)s->nfields, 2);
	for (unsigned i = 0; i < s->nfields; i++) {
		const kam_field *f = &s->fields[i];
		lua_createtable(L, 0, 4);
		lua_pushstring(L, f->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, type_name(f->type));
		lua_setfield(L, -2, "type");
		lua_pushboolean(L, f->required);
		lua_setfield(L, -2, "required");
		if (f->type == KAM_T_ENUM) {
			lua_createtable(L, (int)f->max_len, 0);
			for (uint32_t v = 0; v < f->max_len; v++) {
				lua_pushstring(L, f->enum_names[v]);
				lua_rawseti(L, -2, v + 1);
			}
			lua_setfield(L, -2, "values");
		}
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushstring(L, s->name);
	lua_setfield(L, -2, "kind");
	return 1;
}

static void push_params(lua_State *L, const kam_param *p, size_t n)
{
	lua_createtable(L, 0, (int)n);
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, p[i].value);
		lua_setfield(L, -2, p[i].name);
	}
}

static void push_choice(lua_State *L, const kam_model_choice *c)
{
	lua_createtable(L, 0, 2);
	lua_pushstring(L, c->model);
	lua_setfield(L, -2, "model");
	push_params(L, c->params, c->nparams);
	lua_setfield(L, -2, "params");
}

static void push_strings(lua_State *L, char **v, size_t n)
{
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Builds the table of the kam_config (a light userdata) at 1; run protected, see k_config. */
static int config_build(lua_State *L)
{
	const kam_config *cfg = lua_touserdata(L, 1);
	lua_createtable(L, 0, 4);
	if (cfg->path) {
		lua_pushstring(L, cfg->path);
		lua_setfield(L, -2, "path");
	}
	lua_createtable(L, 0, 2);
	push_choice(L, &cfg->seg_default);
	lua_setfield(L, -2, "default");
	lua_createtable(L, 0, (int)cfg->nseg_regions);
	for (size_t i = 0; i < cfg->nseg_regions; i++) {
		push_choice(L, &cfg->seg_regions[i].choice);
		lua_setfield(L, -2, cfg->seg_regions[i].region);
	}
	lua_setfield(L, -2, "regions");
	lua_setfield(L, -2, "segmentation");
	push_strings(L, cfg->plugins, cfg->nplugins);
	lua_setfield(L, -2, "plugins");
	push_strings(L, cfg->models, cfg->nmodels);
	lua_setfield(L, -2, "models");
	return 1;
}

/*
 * kam.config([path [, db_dir]]) -> { path=, segmentation={default=, regions=}, plugins=, models= }
 * Reads a configuration the way the CLI does; nil, message, code when it is malformed.
 */
static int k_config(lua_State *L)
{
	const char *path = luaL_optstring(L, 1, NULL);
	const char *dir = luaL_optstring(L, 2, NULL);
	kl_deny_in_sandbox(L, "kam.config");
	luaL_checkstack(L, 4, NULL);
	kam_config cfg;
	char err[1024];
	int rc = kam_config_load(path, dir, &cfg, err, sizeof(err));
	if (rc)
		return kl_fail(L, rc, "%s", err[0] ? err : kam_strerror(rc));
	/* cfg is C memory: build the table protected so that it is freed whatever happens. */
	lua_pushcfunction(L, config_build);
	lua_pushlightuserdata(L, &cfg);
	int st = lua_pcall(L, 1, 1, 0);
	kam_config_free(&cfg);
	if (st != LUA_OK)
		return lua_error(L);
	return 1;
}


static const luaL_Reg kam_functions[] = {
	{ "open", kl_db_open },
	{ "config", k_config },
	{ "schema", k_schema },
	{ "strerror", k_strerror },
	{ "plugins", kl_plugins },
	{ "load_plugin", kl_load_plugin },
	{ "model", kl_model },
	{ "load_model", kl_load_model },
	{ NULL, NULL },
};

__attribute__((visibility("default"))) int luaopen_kam(lua_State *L)
{
	luaL_checkversion(L);
	luaopen_kam_record(L);
	luaopen_kam_db(L);
	luaopen_kam_tx(L);
	luaopen_kam_cursor(L);
	luaopen_kam_models(L);
	luaopen_kam_analysis(L);
	luaopen_kam_snapshots(L);
	luaL_newlib(L, kam_functions);
	luaopen_kam_csv(L);
	lua_setfield(L, -2, "csv");
	luaopen_kam_date(L);
	lua_setfield(L, -2, "date");
	luaopen_kam_money(L);
	lua_setfield(L, -2, "money");
	luaopen_kam_show(L);
	lua_setfield(L, -2, "show");
	lua_createtable(L, 0, (int)(sizeof(error_names) / sizeof(error_names[0])));
	for (size_t i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++) {
		lua_pushinteger(L, error_names[i].code);
		lua_setfield(L, -2, error_names[i].name);
	}
	lua_setfield(L, -2, "errors");
	lua_createtable(L, KAM_KIND_COUNT, 0);
	for (int k = 0; k < KAM_KIND_COUNT; k++) {
		lua_pushstring(L, kam_schema_of((kam_kind)k)->name);
		lua_rawseti(L, -2, k + 1);
	}
	lua_setfield(L, -2, "kinds");
	lua_pushliteral(L, KAM_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
