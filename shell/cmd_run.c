/* cmd_run.c - `kam run SCRIPT.lua [ARGS]` and `kam -e CODE`: Lua scripts over the database. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "lua_cli.h"

/* ---- shared with cmd_shell.c (lua_cli.h) ---- */

/* Parses "64M", "1G", "4096": bytes. Returns 0 or -1. */
static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	if (!*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned long long mul = 1;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: return -1;
	}
	if (*end || errno || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int cli_lua_option(cli *c, const command *cmd, cli_lua *cl, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *value = NULL;
	static const char *const valued[] = { "--max-instructions", "--max-memory", "--db", NULL };
	for (int k = 0; valued[k]; k++) {
		size_t n = strlen(valued[k]);
		if (strncmp(a, valued[k], n) == 0 && (a[n] == 0 || a[n] == '=')) {
			if (a[n] == '=') {
				value = a + n + 1;
			} else if (*i + 1 < argc) {
				value = argv[++*i];
			} else {
				cli_usage(cmd, "%s needs a value", a);
				return -1;
			}
			unsigned long long v;
			if (k == 2) {
				c->db = value;
			} else if (k == 0 ? cli_uint(cmd, valued[k], value, &v) != 0
					  : parse_size(value, &v) != 0) {
				if (k == 1)
					cli_usage(cmd, "--max-memory: expected a size such as 65536, 512K "
						       "or 64M, found \"%s\"",
						  value);
				return -1;
			} else if (k == 0) {
				cl->opt.max_instructions = v;
			} else {
				cl->opt.max_memory = (size_t)v;
			}
			++*i;
			return 1;
		}
	}
	if (strcmp(a, "--sandbox") == 0)
		cl->opt.sandbox = 1;
	else if (strcmp(a, "--readonly") == 0)
		cl->readonly = 1;
	else
		return 0;
	++*i;
	return 1;
}

int cli_lua_open(cli *c, cli_lua *cl)
{
	cl->L = kl_state_new(&cl->opt, &cl->lim);
	if (!cl->L)
		return cli_fail("cannot create a Lua state: out of memory");
	lua_State *L = cl->L;
	/* The database, opened by us (so also in the sandbox), when there is one. */
	lua_pushcfunction(L, kl_db_open_trusted);
	lua_pushstring(L, c->db);
	lua_createtable(L, 0, 1);
	lua_pushboolean(L, cl->readonly);
	lua_setfield(L, -2, "readonly");
	if (lua_pcall(L, 2, 3, 0) != LUA_OK) {
		cli_lua_report(cl);
		cli_lua_close(cl);
		return EXIT_RUNTIME;
	}
	if (lua_isnil(L, -3) && lua_tointeger(L, -1) != KAM_ENOTFOUND) {
		cli_fail("%s", lua_tostring(L, -2));
		cli_lua_close(cl);
		return EXIT_RUNTIME;
	}
	lua_pop(L, 2);
	lua_setglobal(L, "db");
	/* The limits count what the user's code does, not the set-up. */
	kl_limits_start(L, &cl->lim);
	return 0;
}

void cli_lua_close(cli_lua *cl)
{
	if (cl->L)
		lua_close(cl->L);
	cl->L = NULL;
}

/* Message handler: the message with a traceback (in C, since a sandbox has no debug library). */
static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int cli_lua_call(cli_lua *cl, int nargs, int nresults)
{
	lua_State *L = cl->L;
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	int st = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	return st;
}

void cli_lua_report(cli_lua *cl)
{
	lua_State *L = cl->L;
	const char *limit = kl_limits_message(&cl->lim);
	if (limit)
		cli_fail("%s", limit);
	else if (lua_type(L, -1) == LUA_TSTRING)
		cli_fail("%s", lua_tostring(L, -1));
	else
		cli_fail("(error object is a %s value)", luaL_typename(L, -1));
	lua_pop(L, 1);
}

void cli_lua_print(cli_lua *cl, int first)
{
	lua_State *L = cl->L;
	int top = lua_gettop(L);
	for (int i = first; i <= top; i++) {
		lua_getglobal(L, "kam");
		lua_getfield(L, -1, "show");
		lua_remove(L, -2);
		lua_pushvalue(L, i);
		if (cli_lua_call(cl, 1, 0) != LUA_OK)
			cli_lua_report(cl);
	}
	lua_settop(L, first - 1);
}

/* ---- kam run ---- */

/* arg = { [0] = script, ARGS... } as lua.c sets it; ARGS also go to the chunk as `...`. */
static void set_args(lua_State *L, const char *script, int argc, char **argv)
{
	lua_createtable(L, argc, 1);
	lua_pushstring(L, script);
	lua_rawseti(L, -2, 0);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
}

/* Compiles CODE as an expression to print when it is one, else as statements. */
static int load_line(lua_State *L, const char *code)
{
	const char *ret = lua_pushfstring(L, "return %s;", code);
	if (luaL_loadbufferx(L, ret, strlen(ret), "=(command line)", "t") == LUA_OK) {
		lua_remove(L, -2);
		return LUA_OK;
	}
	lua_pop(L, 2);
	return luaL_loadbufferx(L, code, strlen(code), "=(command line)", "t");
}

typedef struct job {
	const char *script, *code;
	int sandbox, argc;
	char **argv;
} job;

/* Protected: sets `arg`, compiles the chunk, pushes it and its arguments. */
static int prepare(lua_State *L)
{
	const job *j = lua_touserdata(L, 1);
	lua_settop(L, 0);
	set_args(L, j->script, j->argc, j->argv);
	/* Binary chunks only outside the sandbox: they can break the VM's invariants. */
	int st = j->code ? load_line(L, j->code)
			 : luaL_loadfilex(L, strcmp(j->script, "-") == 0 ? NULL : j->script,
					  j->sandbox ? "t" : "bt");
	if (st != LUA_OK)
		return lua_error(L);
	luaL_checkstack(L, j->argc + 4, "too many arguments");
	for (int k = 0; k < j->argc; k++)
		lua_pushstring(L, j->argv[k]);
	return 1 + j->argc;
}

static int run(cli *c, int argc, char **argv)
{
	cli_lua cl = { 0 };
	const char *code = NULL;
	int i = 1;
	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cli_help(&cmd_run);
		if (strcmp(argv[i], "-e") == 0) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_run, "-e needs a chunk of Lua");
			code = argv[i + 1];
			i += 2;
			break;
		}
		int r = cli_lua_option(c, &cmd_run, &cl, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r == 0)
			return cli_usage(&cmd_run, "unknown option %s", argv[i]);
	}
	if (!code && i >= argc)
		return cli_usage(&cmd_run, "no script given (a file, '-' for standard input, or -e CODE)");
	const char *script = code ? "-e" : argv[i++];
	int rc = cli_lua_open(c, &cl);
	if (rc)
		return rc;
	lua_State *L = cl.L;
	job j = { script, code, cl.opt.sandbox, argc - i, argv + i };
	int base = lua_gettop(L);
	lua_pushcfunction(L, prepare);
	lua_pushlightuserdata(L, &j);
	int st = lua_pcall(L, 1, LUA_MULTRET, 0);
	if (st != LUA_OK) {
		cli_lua_report(&cl);
		cli_lua_close(&cl);
		return EXIT_RUNTIME;
	}
	int nargs = j.argc;
	st = cli_lua_call(&cl, nargs, code ? LUA_MULTRET : 0);
	if (st == LUA_OK && cl.lim.exceeded)
		st = LUA_ERRRUN, lua_pushnil(L); /* swallowed by the script: still a failure */
	if (st != LUA_OK) {
		cli_lua_report(&cl);
		rc = EXIT_RUNTIME;
	} else if (code) {
		cli_lua_print(&cl, base + 1);
	}
	fflush(stdout);
	cli_lua_close(&cl);
	return rc;
}

const command cmd_run = {
	"run", run, "run a Lua script over the database (see docs/lua.md)",
	"Usage: kam [--db PATH] run [OPTIONS] SCRIPT.lua [ARGS...]\n"
	"       kam [--db PATH] run [OPTIONS] -e CODE [ARGS...]\n"
	"       kam [--db PATH] -e CODE [ARGS...]\n"
	"Runs a Lua 5.4 script with the kam module loaded as the global `kam` and the database\n"
	"(--db, $KAM_DB or ./kam.db) open as the global `db` (nil when there is none). ARGS are in\n"
	"the table `arg` (arg[0] is the script) and are the chunk's `...`. SCRIPT '-' reads standard\n"
	"input. With -e, CODE is one chunk; when it is an expression its values are printed (lists\n"
	"of records as aligned tables).\n\n"
	"Options:\n"
	"  --sandbox               for scripts from others: no os, io, package, debug, no binary\n"
	"                          chunks and no file access from kam; the database is `db` only\n"
	"  --readonly              open the database read-only\n"
	"  --max-instructions N    stop the script after N Lua instructions\n"
	"  --max-memory SIZE       stop the script when Lua holds more than SIZE bytes (K, M, G)\n\n"
	"A script stopped by an error or a limit leaves the database as it was: a db:write in\n"
	"progress is aborted.\n"
	"Exit status: 0 success, 1 the script failed (error or limit), 2 usage error.\n",
};
