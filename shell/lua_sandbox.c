/*
 * lua_sandbox.c - the Lua states of the kam executable, and the limits of --sandbox.
 *
 * A sandboxed state (kam run --sandbox, kam shell --sandbox) has only base (without dofile,
 * loadfile, collectgarbage; load reads text chunks only), string (without dump), table, math,
 * utf8, coroutine and kam; no os, io, package or debug, and the kam functions that reach files
 * (kam.open, kam.config, kam.csv on files, db:import, db:export to a file, plugins and model
 * files) refuse. `require` only finds modules already loaded (kam).
 *
 * Limits (any state of the executable; set with --max-instructions and --max-memory):
 * instructions are counted with a count hook and memory with the allocator. Once a limit is hit
 * it stays hit: the hook then raises at every instruction, so a pcall in the script cannot
 * swallow it, every kam call raises, and db:write aborts its transaction even if the script
 * caught the error inside the function. The database is left as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "lua_kam.h"

#define HOOK_STEP 1000 /* instructions between two checks */
#define SANDBOX_KEY "kam.sandbox"

void *kl_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	kl_limits *lim = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		lim->used -= old;
		return NULL;
	}
	if (lim->max_memory && nsize > old && lim->used + (nsize - old) > lim->max_memory) {
		lim->exceeded = lim->exceeded ? lim->exceeded : 2;
		return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (p)
		lim->used = lim->used - old + nsize;
	return p;
}

kl_limits *kl_limits_of(lua_State *L)
{
	void *ud;
	return lua_getallocf(L, &ud) == kl_alloc ? ud : NULL;
}

const char *kl_limits_message(const kl_limits *lim)
{
	static char msg[128];
	if (!lim || !lim->exceeded)
		return NULL;
	if (lim->exceeded == 1)
		snprintf(msg, sizeof(msg), "sandbox: instruction limit exceeded (%llu instructions)",
			 (unsigned long long)lim->max_instructions);
	else
		snprintf(msg, sizeof(msg), "sandbox: memory limit exceeded (%llu bytes)",
			 (unsigned long long)lim->max_memory);
	return msg;
}

void kl_check_limits(lua_State *L)
{
	kl_limits *lim = kl_limits_of(L);
	if (lim && lim->exceeded)
		luaL_error(L, "%s", kl_limits_message(lim));
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	kl_limits *lim = kl_limits_of(L);
	if (!lim || !lim->max_instructions)
		return;
	if (!lim->exceeded) {
		if (lua_gethookcount(L) != HOOK_STEP) {
			/* a thread still raising for a limit that has since been reset (shell) */
			lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
			return;
		}
		lim->executed += HOOK_STEP;
		if (lim->executed <= lim->max_instructions)
			return;
		lim->exceeded = 1;
	}
	/* From now on every instruction of this thread raises again. */
	lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "%s", kl_limits_message(lim));
}

void kl_limits_start(lua_State *L, kl_limits *lim)
{
	lim->executed = 0;
	lim->exceeded = 0;
	if (lim->max_instructions)
		lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
	else
		lua_sethook(L, NULL, 0, 0);
}

int kl_sandboxed(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, SANDBOX_KEY);
	int v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

void kl_deny_in_sandbox(lua_State *L, const char *what)
{
	if (kl_sandboxed(L))
		luaL_error(L, "%s is not allowed in the sandbox", what);
}

/* require(name): only modules already loaded (kam); nothing is searched for. */
static int sandbox_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	if (lua_getfield(L, -1, name) == LUA_TNIL)
		return luaL_error(L, "module '%s' is not available in the sandbox", name);
	return 1;
}

/* load(chunk [, name [, mode [, env]]]): text chunks only. */
static int sandbox_load(lua_State *L)
{
	int n = lua_gettop(L);
	if (n >= 3 && !lua_isnil(L, 3)) {
		const char *mode = luaL_checkstring(L, 3);
		if (strchr(mode, 'b'))
			return luaL_error(L, "load: binary chunks are not allowed in the sandbox");
	}
	if (lua_type(L, 1) == LUA_TSTRING && lua_rawlen(L, 1) > 0 && lua_tostring(L, 1)[0] == 0x1b)
		return luaL_error(L, "load: binary chunks are not allowed in the sandbox");
	lua_getfield(L, lua_upvalueindex(1), "load");
	lua_pushvalue(L, 1);
	if (n >= 2)
		lua_pushvalue(L, 2);
	else
		lua_pushnil(L);
	lua_pushliteral(L, "t");
	int nargs = 3;
	if (n >= 4) {
		lua_pushvalue(L, 4);
		nargs = 4;
	}
	lua_call(L, nargs, LUA_MULTRET);
	return lua_gettop(L) - n;
}

static void open_sandbox(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },         { LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },   { LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },   { LUA_COLIBNAME, luaopen_coroutine },
		{ NULL, NULL },
	};
	for (const luaL_Reg *l = libs; l->func; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);
	static const char *const removed[] = { "dofile", "loadfile", "collectgarbage", NULL };
	for (int i = 0; removed[i]; i++) {
		lua_pushnil(L);
		lua_setfield(L, -2, removed[i]);
	}
	/* load, text only: the original lives in a private table (upvalue). */
	lua_createtable(L, 0, 1);
	lua_getfield(L, -2, "load");
	lua_setfield(L, -2, "load");
	lua_pushcclosure(L, sandbox_load, 1);
	lua_setfield(L, -2, "load");
	lua_pushcfunction(L, sandbox_require);
	lua_setfield(L, -2, "require");
	lua_getfield(L, -1, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 2);
	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, SANDBOX_KEY);
}

static int open_all(lua_State *L)
{
	const kl_options *opt = lua_touserdata(L, 1);
	if (opt->sandbox)
		open_sandbox(L);
	else
		luaL_openlibs(L);
	luaL_requiref(L, "kam", luaopen_kam, 1);
	return 0;
}

lua_State *kl_state_new(const kl_options *opt, kl_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lua_State *L = lua_newstate(kl_alloc, lim);
	if (!L)
		return NULL;
	lua_pushcfunction(L, open_all);
	lua_pushlightuserdata(L, (void *)opt);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		lua_close(L);
		return NULL;
	}
	/* Limits start after the libraries: what the script does is what counts. */
	lim->max_memory = opt->max_memory;
	lim->max_instructions = opt->max_instructions;
	kl_limits_start(L, lim);
	return L;
}
